//! One cohort: its partners and seats, the current cost split with each
//! party's savings, the split's history, participants, invoicing, and for
//! coordinators the e-mails about it and what they may do next.
//!
//! Everything is read through the domain as the signed-in user: an
//! organisation user gets only its own shares and lines from it.

use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;

use super::super::components::{cohort_badge, money, money_cell};
use super::super::coordinator::outbox::badge as outbox_badge;
use super::super::layout::Lang;
use super::super::signed_in::{PageError, SignedIn};
use super::split_table::{self, names_of};
use super::{notice, price_chart, rule_explained, rule_name, term_name};
use crate::cohorts::splits::{self, SplitChange, SplitVersionView};
use crate::cohorts::{self, CohortStatus, CohortView};
use crate::email::outbox::{self, OutboxFilter, OutboxView};
use crate::enrolment::participants::{self, CohortParticipants};
use crate::error::AppError;
use crate::ids::CohortId;
use crate::invoicing::invoice::{self, PeriodQuery};
use crate::invoicing::{InvoicingLine, InvoicingTotals, LineKind};
use crate::web::AppState;
use crate::web::extract::Query;

#[derive(Debug, Default, Deserialize)]
pub struct NoticeQuery {
    #[serde(default)]
    notice: String,
}

/// Everything the page shows, as the domain lets the caller see it.
struct CohortPage {
    view: CohortView,
    /// `None` for a cohort the caller's organisation has no seats in (one
    /// open for joining): it has no split or participants of its own there.
    versions: Option<Vec<SplitVersionView>>,
    participants: Option<CohortParticipants>,
    lines: Vec<InvoicingLine>,
    /// Coordinators only.
    emails: Option<Vec<OutboxView>>,
}

/// A part the caller has no share in reads as nothing rather than an error.
fn unless_not_party<T>(result: Result<T, AppError>) -> Result<Option<T>, AppError> {
    match result {
        Ok(found) => Ok(Some(found)),
        Err(AppError::NotFound(_)) => Ok(None),
        Err(other) => Err(other),
    }
}

pub async fn show(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<i64>,
    query: Query<NoticeQuery>,
) -> Result<HttpResponse, PageError> {
    let id = CohortId(id.into_inner());
    let today = state.today();
    let vat = state.settings.pricing.vat();
    let page = signed_in
        .run(&state, move |conn, caller| {
            let view = cohorts::get(conn, caller, today, id, vat)?;
            let versions = unless_not_party(splits::list(conn, caller, id))?;
            let participants = unless_not_party(participants::list(conn, caller, id))?;
            let lines = match caller.scope() {
                None => invoice::cohort_lines(conn, id)?,
                Some(own) => unless_not_party(invoice::for_organisation(conn, caller, own, &PeriodQuery::default()))?
                    .map(|found| found.lines.into_iter().filter(|l| l.cohort_id == id).collect())
                    .unwrap_or_default(),
            };
            let emails = if caller.is_coordinator() {
                let filter = OutboxFilter { cohort_id: Some(id.0), status: None, limit: Some(100) };
                Some(outbox::list(conn, caller, &filter)?)
            } else {
                None
            };
            Ok(CohortPage { view, versions, participants, lines, emails })
        })
        .await?;
    let lang = signed_in.lang;
    let view = &page.view;
    let coordinator = signed_in.caller().is_coordinator();
    let message = match query.notice.as_str() {
        "confirmed" => Some(lang.pick("Kurstillfället är bekräftat.", "The cohort is confirmed.")),
        "invoiced" => Some(lang.pick("Kurstillfället är fakturerat.", "The cohort is invoiced.")),
        "cancelled" => Some(lang.pick("Kurstillfället är inställt.", "The cohort is cancelled.")),
        _ => None,
    };
    let title = format!("{} {}, {}", view.course_code, view.course_title, term_name(&view.term));
    let body = html! {
        @if let Some(message) = message { (notice(message)) }
        p { (cohort_badge(lang, view.status, view.invoiced)) }
        (facts(lang, view))
        @if coordinator { (actions(lang, view)) }
        (partners(lang, view))
        (split_section(lang, &page, coordinator))
        h2 { (lang.pick("Priset per plats när kurstillfället fylls", "The price per seat as the cohort fills")) }
        (price_chart::chart(lang, "price-per-seat", view.fixed_fee_ore, view.per_participant_fee_ore,
            (view.min_participants, view.max_participants), view.size))
        @if let Some(versions) = &page.versions { (history(lang, versions)) }
        (participants_section(lang, view, page.participants.as_ref()))
        (invoicing(lang, view, &page.lines))
        @if let Some(emails) = &page.emails { (emails_section(lang, emails)) }
    };
    Ok(signed_in.ok(&title, body))
}

fn date(d: Option<chrono::NaiveDate>) -> String {
    d.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_else(|| "–".to_owned())
}

fn facts(lang: Lang, view: &CohortView) -> Markup {
    html! {
        dl {
            dt { (lang.pick("Kurs", "Course")) } dd { (view.course_code) " " (view.course_title) }
            dt { (lang.pick("Termin", "Term")) } dd { (term_name(&view.term)) }
            dt { (lang.pick("Platser", "Seats")) }
            dd { (match lang {
                Lang::Sv => format!("{} ({} fasta, {} extra); kursen tar {}–{}, {} lediga",
                    view.size, view.firm_seats, view.extra_seats, view.min_participants, view.max_participants, view.open_seats),
                Lang::En => format!("{} ({} firm, {} extra); the course takes {}–{}, {} open",
                    view.size, view.firm_seats, view.extra_seats, view.min_participants, view.max_participants, view.open_seats),
            }) }
            dt { (lang.pick("Kostnad", "Cost")) }
            dd { (money(view.total_ore)) " " (lang.pick("exkl. moms", "excl. VAT")) " (" (money(view.fixed_fee_ore)) " "
                (lang.pick("fast och", "fixed and")) " " (money(view.per_participant_fee_ore)) " " (lang.pick("per plats", "a seat")) ")" }
            dt { (lang.pick("Kursdagar", "Teaching")) } dd { (date(view.starts_on)) " – " (date(view.ends_on)) }
            dt { (lang.pick("Sista dag att avboka", "Last day to withdraw")) } dd { (date(view.cancellation_deadline)) }
        }
    }
}

fn actions(lang: Lang, view: &CohortView) -> Markup {
    html! {
        @match view.status {
            CohortStatus::Proposed => p { a class="button" href={ "/cohorts/" (view.id) "/confirm" } { (lang.pick("Granska och bekräfta", "Review and confirm")) } },
            CohortStatus::Confirmed => p {
                @if !view.invoiced {
                    a class="button" href={ "/cohorts/" (view.id) "/invoice" } { (lang.pick("Fakturera", "Invoice")) } " "
                }
                a class="button secondary" href={ "/cohorts/" (view.id) "/cancel" } { (lang.pick("Ställ in kurstillfället", "Cancel the cohort")) }
            },
            _ => {}
        }
    }
}

fn partners(lang: Lang, view: &CohortView) -> Markup {
    let seats: i32 = view.allocations.iter().map(|a| a.seats + a.extra_seats).sum();
    html! {
        h2 { (lang.pick("Parter och platser", "Partners and seats")) }
        div class="table-wrap" {
            table {
                thead { tr {
                    th scope="col" { (lang.pick("Organisation", "Organisation")) }
                    th scope="col" class="num" { (lang.pick("Platser", "Seats")) }
                    th scope="col" class="num" { (lang.pick("varav extra", "of which extra")) }
                    th scope="col" class="num" { (lang.pick("Avbokade men betalda", "Withdrawn but paid")) }
                } }
                tbody {
                    @for a in &view.allocations {
                        tr {
                            th scope="row" { (a.organisation_name)
                                @if a.joined { " " span class="hint" { (lang.pick("(anslöt senare)", "(joined later)")) } } }
                            td class="num" { (a.seats + a.extra_seats) }
                            td class="num" { (a.extra_seats) }
                            td class="num" { (a.withdrawn_seats) }
                        }
                    }
                }
                tfoot { tr { th scope="row" { (lang.pick("Summa", "Total")) } td class="num" { (seats) } td {} td {} } }
            }
        }
    }
}

fn split_section(lang: Lang, page: &CohortPage, coordinator: bool) -> Markup {
    let view = &page.view;
    let names = names_of(view);
    let current = page.versions.as_ref().and_then(|v| v.last());
    html! {
        h2 { (lang.pick("Kostnadsfördelning", "Cost split")) }
        @match (current, view.split_rule) {
            (Some(version), _) => {
                p { strong { (rule_name(lang, version.split_rule)) ": " } (rule_explained(lang, version.split_rule))
                    @if let Some(host) = version.host_agreement_id.and_then(|h| view.allocations.iter().find(|a| a.agreement_id == h)) {
                        " " (lang.pick("Värd:", "Host:")) " " (host.organisation_name) "."
                    }
                }
                (split_table::table(lang,
                    &match lang {
                        Lang::Sv => format!("Version {} av fördelningen", version.version),
                        Lang::En => format!("Version {} of the split", version.version),
                    },
                    &version.shares, &names))
                @if !coordinator {
                    p { (match lang {
                        Lang::Sv => format!("Tabellen visar er organisations del. Hela kurstillfället kostar {} exkl. moms och {} inkl. moms.",
                            version.total_ore, version.total_ore + version.vat_ore),
                        Lang::En => format!("The table shows your organisation's part. The whole cohort costs {} excl. VAT and {} incl. VAT.",
                            version.total_ore, version.total_ore + version.vat_ore),
                    }) }
                }
            }
            (None, _) if view.status == CohortStatus::Proposed && !view.per_seat.shares.is_empty() => {
                p { (lang.pick("Kurstillfället är inte bekräftat än. Så här blir fördelningen per plats:",
                    "The cohort is not confirmed yet. This is the split per seat:")) " "
                    (rule_explained(lang, crate::splitting::SplitRule::PerSeat)) }
                (split_table::table(lang, lang.pick("Förhandsvisning per plats", "Preview per seat"), &view.per_seat.shares, &names))
            }
            _ => p { (lang.pick("Ingen fördelning att visa.", "No split to show.")) }
        }
    }
}

fn change_name(lang: Lang, change: SplitChange) -> &'static str {
    match change {
        SplitChange::Confirm => lang.pick("Bekräftat", "Confirmed"),
        SplitChange::Join => lang.pick("Anslutning", "Joined"),
        SplitChange::Withdraw => lang.pick("Avbokning", "Withdrawal"),
        SplitChange::Cancel => lang.pick("Inställt", "Cancelled"),
    }
}

fn history(lang: Lang, versions: &[SplitVersionView]) -> Markup {
    html! {
        h2 { (lang.pick("Fördelningens versioner", "Versions of the split")) }
        @if versions.is_empty() {
            p { (lang.pick("Inga versioner än: fördelningen sparas när kurstillfället bekräftas.",
                "No versions yet: the split is kept when the cohort is confirmed.")) }
        } @else {
            div class="table-wrap" {
                table {
                    thead { tr {
                        th scope="col" class="num" { (lang.pick("Version", "Version")) }
                        th scope="col" { (lang.pick("Varför", "Why")) }
                        th scope="col" { (lang.pick("När (UTC)", "When (UTC)")) }
                        th scope="col" { (lang.pick("Regel", "Rule")) }
                        th scope="col" class="num" { (lang.pick("Platser", "Seats")) }
                        th scope="col" class="num" { (lang.pick("Totalt exkl. moms", "Total excl. VAT")) }
                    } }
                    tbody {
                        @for v in versions {
                            tr {
                                th scope="row" class="num" { (v.version) }
                                td { strong { (change_name(lang, v.change)) } ": " (v.description) }
                                td { (v.changed_at.format("%Y-%m-%d %H:%M")) }
                                td { (rule_name(lang, v.split_rule)) }
                                td class="num" { (v.size) }
                                (money_cell(v.total_ore))
                            }
                        }
                    }
                }
            }
        }
    }
}

fn participants_section(lang: Lang, view: &CohortView, found: Option<&CohortParticipants>) -> Markup {
    html! {
        h2 { (lang.pick("Deltagare", "Participants")) }
        @if let Some(found) = found {
            div class="table-wrap" {
                table {
                    thead { tr {
                        th scope="col" { (lang.pick("Organisation", "Organisation")) }
                        th scope="col" class="num" { (lang.pick("Platser", "Seats")) }
                        th scope="col" class="num" { (lang.pick("Namngivna deltagare", "Named participants")) }
                    } }
                    tbody {
                        @for o in &found.organisations {
                            tr {
                                th scope="row" { (o.organisation_name) }
                                td class="num" { (o.seats) }
                                td class="num" { (o.participants) }
                            }
                        }
                    }
                }
            }
            @if !found.participants.is_empty() {
                ul { @for p in &found.participants { li { (p.name) } } }
            }
        }
        @if view.status == CohortStatus::Confirmed {
            p { a href={ "/cohorts/" (view.id) "/participants" } { (lang.pick("Deltagare: namnge och avboka", "Participants: name and withdraw")) } }
        }
    }
}

fn line_kind(lang: Lang, kind: LineKind) -> &'static str {
    match kind {
        LineKind::Invoice => lang.pick("Faktura", "Invoice"),
        LineKind::Debit => lang.pick("Tilläggsdebitering", "Debit"),
        LineKind::Credit => lang.pick("Kreditering", "Credit"),
    }
}

fn invoicing(lang: Lang, view: &CohortView, lines: &[InvoicingLine]) -> Markup {
    let totals = InvoicingTotals::of(lines);
    html! {
        h2 { (lang.pick("Fakturaunderlag", "Invoicing")) }
        @if lines.is_empty() {
            p { @if view.status == CohortStatus::Confirmed {
                (lang.pick("Inte fakturerat än.", "Not invoiced yet."))
            } @else {
                (lang.pick("Inga fakturarader.", "No invoicing lines."))
            } }
        } @else {
            div class="table-wrap" {
                table {
                    thead { tr {
                        th scope="col" { (lang.pick("Datum", "Date")) }
                        th scope="col" { (lang.pick("Avtal", "Agreement")) }
                        th scope="col" { (lang.pick("Slag", "Kind")) }
                        th scope="col" class="num" { (lang.pick("Version", "Version")) }
                        th scope="col" class="num" { (lang.pick("Platser", "Seats")) }
                        th scope="col" class="num" { (lang.pick("Belopp exkl. moms", "Amount excl. VAT")) }
                        th scope="col" class="num" { (lang.pick("Moms", "VAT")) }
                        th scope="col" class="num" { (lang.pick("Belopp inkl. moms", "Amount incl. VAT")) }
                        th scope="col" class="num" { (lang.pick("Besparing", "Savings")) }
                    } }
                    tbody {
                        @for l in lines {
                            tr {
                                td { (l.invoiced_on.format("%Y-%m-%d")) }
                                th scope="row" { (l.agreement_reference) }
                                td { (line_kind(lang, l.kind)) }
                                td class="num" { (l.split_version) }
                                td class="num" { (l.seats) }
                                (money_cell(l.amount_ore))
                                (money_cell(l.vat_ore))
                                (money_cell(l.amount_incl_vat_ore))
                                (money_cell(l.savings_ore))
                            }
                        }
                    }
                    tfoot { tr {
                        th scope="row" colspan="5" { (lang.pick("Summa", "Total")) }
                        (money_cell(totals.amount_ore))
                        (money_cell(totals.vat_ore))
                        (money_cell(totals.amount_incl_vat_ore))
                        (money_cell(totals.savings_ore))
                    } }
                }
            }
        }
    }
}

fn emails_section(lang: Lang, emails: &[OutboxView]) -> Markup {
    html! {
        h2 { (lang.pick("Utskick om kurstillfället", "E-mails about the cohort")) }
        @if emails.is_empty() {
            p { (lang.pick("Inga utskick än.", "No e-mails yet.")) }
        } @else {
            div class="table-wrap" {
                table {
                    thead { tr {
                        th scope="col" { (lang.pick("Till", "To")) }
                        th scope="col" { (lang.pick("Ämne", "Subject")) }
                        th scope="col" { (lang.pick("Status", "Status")) }
                        th scope="col" { (lang.pick("Skapat (UTC)", "Created (UTC)")) }
                    } }
                    tbody {
                        @for e in emails {
                            tr {
                                td { (e.to) }
                                th scope="row" { (e.subject) }
                                td { (outbox_badge(lang, e.status)) }
                                td { (e.created_at.format("%Y-%m-%d %H:%M")) }
                            }
                        }
                    }
                }
            }
            p { a href="/outbox" { (lang.pick("Alla utskick", "All e-mails")) } }
        }
    }
}
