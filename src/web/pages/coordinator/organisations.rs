//! Organisations and their agreements' budgets: the coordinator's list of
//! everyone, one organisation's page, and `/agreements`, which shows an
//! organisation or finance user their own organisation's page.

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use maud::{Markup, html};

use super::budget_chart;
use crate::access::Caller;
use crate::db::DbConnection;
use crate::error::AppError;
use crate::ids::{AgreementId, OrganisationId};
use crate::invoicing::ledger::{self, Budget};
use crate::money::Ore;
use crate::registry::agreements::{self, Agreement};
use crate::registry::organisations::{self, Organisation};
use crate::registry::term::Term;
use crate::web::AppState;
use crate::web::pages::components::{money, money_cell};
use crate::web::pages::layout::Lang;
use crate::web::pages::sign_in::see_other;
use crate::web::pages::signed_in::{PageError, SignedIn};

/// An agreement with its ledger and what it committed term by term.
pub struct AgreementLedger {
    pub agreement: Agreement,
    pub budget: Budget,
    pub per_term: Vec<(Term, Ore)>,
}

/// An organisation the caller may see, with each of its agreements' ledgers;
/// any other organisation is "not found".
pub fn load(
    conn: &mut DbConnection,
    caller: &Caller,
    id: OrganisationId,
) -> Result<(Organisation, Vec<AgreementLedger>), AppError> {
    if !caller.can_see(id) {
        return Err(AppError::NotFound("organisation"));
    }
    let organisation = organisations::find(conn, id)?;
    let found = agreements::list(conn, caller.scope(), Some(id))?;
    let ids: Vec<AgreementId> = found.iter().map(|a| a.id).collect();
    let mut per_term = ledger::committed_by_term(conn, &ids)?;
    let mut ledgers = Vec::new();
    for agreement in found {
        let budget = ledger::budget(conn, &agreement)?;
        let per_term = per_term.remove(&agreement.id).unwrap_or_default();
        ledgers.push(AgreementLedger { agreement, budget, per_term });
    }
    Ok((organisation, ledgers))
}

/// One organisation in the coordinator's list.
struct OrganisationRow {
    organisation: Organisation,
    agreements: usize,
    budget: Ore,
    committed: Ore,
}

fn overview(conn: &mut DbConnection, caller: &Caller) -> Result<Vec<OrganisationRow>, AppError> {
    caller.require_coordinator("see all organisations")?;
    let all = agreements::list(conn, None, None)?;
    let ids: Vec<AgreementId> = all.iter().map(|a| a.id).collect();
    let committed = ledger::committed(conn, &ids, None)?;
    let mut by_org: HashMap<OrganisationId, (usize, Ore, Ore)> = HashMap::new();
    for agreement in &all {
        let entry = by_org.entry(agreement.organisation_id).or_default();
        entry.0 += 1;
        entry.1 += agreement.budget_ore;
        entry.2 += committed.get(&agreement.id).copied().unwrap_or_default();
    }
    Ok(organisations::list(conn, None)?
        .into_iter()
        .map(|organisation| {
            let (agreements, budget, committed) = by_org.get(&organisation.id).copied().unwrap_or_default();
            OrganisationRow { organisation, agreements, budget, committed }
        })
        .collect())
}

/// GET /organisations (coordinators): everyone, with their budgets used.
pub async fn list(state: web::Data<AppState>, signed_in: SignedIn) -> Result<HttpResponse, PageError> {
    signed_in.require_coordinator()?;
    let rows = signed_in.run(&state, overview).await?;
    let lang = signed_in.lang;
    let body = html! {
        @if rows.is_empty() {
            p { (lang.pick("Inga organisationer är registrerade ännu.", "No organisations are registered yet.")) }
        } @else {
            div class="table-wrap" {
                table {
                    caption { (lang.pick("Organisationer och använd budget", "Organisations and budget used")) }
                    thead { tr {
                        th scope="col" { (lang.pick("Namn", "Name")) }
                        th scope="col" { (lang.pick("Organisationsnummer", "Organisation number")) }
                        th scope="col" class="num" { (lang.pick("Anställda", "Employees")) }
                        th scope="col" class="num" { (lang.pick("Avtal", "Agreements")) }
                        th scope="col" class="num" { (lang.pick("Budget", "Budget")) }
                        th scope="col" class="num" { (lang.pick("Beslutat", "Committed")) }
                        th scope="col" class="num" { (lang.pick("Använt", "Used")) }
                    } }
                    tbody {
                        @for row in &rows {
                            tr {
                                th scope="row" { a href={ "/organisations/" (row.organisation.id) } { (row.organisation.name) } }
                                td { (row.organisation.org_number) }
                                td class="num" { (row.organisation.employees) }
                                td class="num" { (row.agreements) }
                                (money_cell(row.budget))
                                (money_cell(row.committed))
                                td class="num" {
                                    @match budget_chart::used_percent(row.committed, row.budget) {
                                        Some(percent) => { (percent) " %" @if row.committed > row.budget { " " strong { (lang.pick("över budget", "over budget")) } } }
                                        None => "–",
                                    }
                                }
                            }
                        }
                    }
                    tfoot { tr {
                        th scope="row" colspan="4" { (lang.pick("Totalt", "Total")) }
                        (money_cell(rows.iter().map(|r| r.budget).sum()))
                        (money_cell(rows.iter().map(|r| r.committed).sum()))
                        td {}
                    } }
                }
            }
        }
    };
    Ok(signed_in.ok(lang.pick("Organisationer", "Organisations"), body))
}

/// GET /organisations/{id}: coordinators any; organisation and finance users
/// their own, anything else is "not found".
pub async fn show(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    let id = OrganisationId(id.into_inner());
    let (organisation, ledgers) = signed_in.run(&state, move |conn, caller| load(conn, caller, id)).await?;
    Ok(signed_in.ok(&organisation.name.clone(), organisation_page(signed_in.lang, &organisation, &ledgers)))
}

/// GET /agreements: an organisation or finance user's own organisation;
/// coordinators have every organisation's at /organisations.
pub async fn own(state: web::Data<AppState>, signed_in: SignedIn) -> Result<HttpResponse, PageError> {
    if signed_in.caller().is_coordinator() {
        return Ok(see_other("/organisations"));
    }
    let Some(id) = signed_in.caller().organisation_id else { return Err(PageError::NotFound(signed_in.lang)) };
    let (organisation, ledgers) = signed_in.run(&state, move |conn, caller| load(conn, caller, id)).await?;
    let title = match signed_in.lang {
        Lang::Sv => format!("Avtal – {}", organisation.name),
        Lang::En => format!("Agreements – {}", organisation.name),
    };
    Ok(signed_in.ok(&title, organisation_page(signed_in.lang, &organisation, &ledgers)))
}

fn kind_name(lang: Lang, kind: &str) -> &'static str {
    match kind {
        "municipality" => lang.pick("Kommun", "Municipality"),
        "region" => lang.pick("Region", "Region"),
        "agency" => lang.pick("Myndighet", "Agency"),
        "company" => lang.pick("Företag", "Company"),
        _ => lang.pick("Annan", "Other"),
    }
}

fn organisation_page(lang: Lang, organisation: &Organisation, ledgers: &[AgreementLedger]) -> Markup {
    html! {
        dl class="facts" {
            dt { (lang.pick("Organisationsnummer", "Organisation number")) } dd { (organisation.org_number) }
            dt { (lang.pick("Typ", "Kind")) } dd { (kind_name(lang, &organisation.kind)) }
            dt { (lang.pick("Anställda", "Employees")) } dd { (organisation.employees) }
            dt { (lang.pick("Kontakt för kompetensutveckling", "Training contact")) } dd { (organisation.coordinator_email) }
            dt { (lang.pick("Kontakt för ekonomi", "Finance contact")) } dd { (organisation.finance_email) }
        }
        h2 { (lang.pick("Avtal", "Agreements")) }
        @if ledgers.is_empty() {
            p { (lang.pick("Organisationen har inga avtal.", "The organisation has no agreements.")) }
        } @else {
            p { (lang.pick(
                "Beslutat är organisationens andel av varje bekräftat kurstillfälle, utan moms. Fakturerat är summan av fakturaunderlagen, krediteringar inräknade.",
                "Committed is the organisation's share of each confirmed cohort, excluding VAT. Invoiced is the sum of the invoicing lines, credits included.",
            )) }
            (ledger_table(lang, ledgers))
            @for entry in ledgers {
                (agreement_section(lang, entry))
            }
        }
    }
}

/// The agreements' figures side by side, with a totals row.
pub fn ledger_table(lang: Lang, ledgers: &[AgreementLedger]) -> Markup {
    let total = |f: fn(&Budget) -> Ore| ledgers.iter().map(|l| f(&l.budget)).sum::<Ore>();
    html! {
        div class="table-wrap" {
            table {
                caption { (lang.pick("Avtalens budget", "The agreements' budgets")) }
                thead { tr {
                    th scope="col" { (lang.pick("Avtal", "Agreement")) }
                    th scope="col" { (lang.pick("Period", "Period")) }
                    th scope="col" class="num" { (lang.pick("Budget", "Budget")) }
                    th scope="col" class="num" { (lang.pick("Beslutat", "Committed")) }
                    th scope="col" class="num" { (lang.pick("Fakturerat", "Invoiced")) }
                    th scope="col" class="num" { (lang.pick("Kvar", "Remaining")) }
                } }
                tbody {
                    @for entry in ledgers {
                        tr {
                            th scope="row" { a href={ "#agreement-" (entry.agreement.id) } { (entry.agreement.reference) } }
                            td { (entry.agreement.starts_on.format("%Y-%m-%d")) " – " (entry.agreement.ends_on.format("%Y-%m-%d")) }
                            (money_cell(entry.budget.budget_ore))
                            (money_cell(entry.budget.committed_ore))
                            (money_cell(entry.budget.invoiced_ore))
                            td class="num" {
                                (entry.budget.remaining_ore)
                                @if entry.budget.remaining_ore.is_negative() { " " strong { (lang.pick("över budget", "over budget")) } }
                            }
                        }
                    }
                }
                @if ledgers.len() > 1 {
                    tfoot { tr {
                        th scope="row" colspan="2" { (lang.pick("Totalt", "Total")) }
                        (money_cell(total(|b| b.budget_ore)))
                        (money_cell(total(|b| b.committed_ore)))
                        (money_cell(total(|b| b.invoiced_ore)))
                        (money_cell(total(|b| b.remaining_ore)))
                    } }
                }
            }
        }
    }
}

fn agreement_section(lang: Lang, entry: &AgreementLedger) -> Markup {
    let id = entry.agreement.id.to_string();
    let pooling = if entry.agreement.pooling {
        lang.pick("Behoven får samlas med andra organisationers.", "Its needs may be pooled with other organisations'.")
    } else {
        lang.pick("Behoven planeras bara i egna kurstillfällen.", "Its needs are planned in cohorts of its own only.")
    };
    html! {
        section id={ "agreement-" (id) } {
            h3 { (entry.agreement.reference) }
            p {
                (entry.agreement.starts_on.format("%Y-%m-%d")) " – " (entry.agreement.ends_on.format("%Y-%m-%d")) ". "
                (lang.pick("Budget", "Budget")) " " (money(entry.budget.budget_ore)) ". " (pooling)
            }
            h4 { (lang.pick("Budgeten", "The budget")) }
            (budget_chart::budget_bar(lang, &id, &entry.budget))
            h4 { (lang.pick("Beslutat över tid", "Committed over time")) }
            (budget_chart::use_over_time(lang, &id, entry.budget.budget_ore, &entry.per_term))
        }
    }
}
