//! Open seats: cohorts an organisation may join, what joining with 1, 2, …
//! seats would cost it and save everyone else, and joining — a summary of
//! what will happen, then one button.

use std::collections::HashMap;

use actix_web::ResponseError;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;

use super::super::components::{FormErrors, cohort_badge, csrf_field, money};
use super::super::sign_in::see_other;
use super::super::signed_in::{PageError, SignedIn};
use super::{Lang, term_name, term_window, whole};
use crate::access::Role;
use crate::cohorts::CohortStatus;
use crate::cohorts::join::{self, JoinInput, JoinOutcome};
use crate::cohorts::open_seats::{self, OpenCohort, OpenSeatsQuery, WhatIf};
use crate::error::AppError;
use crate::ids::{AgreementId, CohortId};
use crate::invoicing::ledger::{self, Shortfall};
use crate::money::Ore;
use crate::registry::agreements;
use crate::registry::needs::{self, NeedFilter, NeedView, OPEN};
use crate::registry::term::Term;
use crate::web::AppState;
use crate::web::extract::Query;

/// Joining is for an organisation's own users, with its own agreements.
fn require_organisation(signed_in: &SignedIn) -> Result<(), PageError> {
    if signed_in.caller().role == Role::Organisation { Ok(()) } else { Err(PageError::Forbidden(signed_in.lang)) }
}

/// How much cheaper, in whole percent, a price of `before` gets when it
/// drops by `drop` (halves round up); `None` when there is no price to compare.
pub(super) fn percent_drop(before: Ore, drop: Ore) -> Option<i64> {
    if before.0 <= 0 {
        return None;
    }
    let (before, drop) = (i128::from(before.0), i128::from(drop.0));
    let sign = if drop < 0 { -1 } else { 1 };
    Some((sign * (2 * 100 * drop.abs() + before) / (2 * before)) as i64)
}

/// "2 platser: 9 850,00 kr per plats, 19 700,00 kr för er; allas pris sjunker med 4 %".
pub(super) fn what_if_words(lang: Lang, what_if: &WhatIf, price_before: Ore) -> String {
    let seats = what_if.seats;
    let (price, total) = (what_if.price_per_seat_ore, what_if.you_pay_ore);
    let drop = what_if.price_drop_per_seat_ore;
    let everyone = match (percent_drop(price_before, drop), lang) {
        (Some(0), Lang::Sv) if drop.0 > 0 => "allas pris sjunker med mindre än 1 %".to_owned(),
        (Some(0), Lang::En) if drop.0 > 0 => "everyone's price drops by less than 1 %".to_owned(),
        (Some(p), Lang::Sv) if p > 0 => format!("allas pris sjunker med {p} %"),
        (Some(p), Lang::En) if p > 0 => format!("everyone's price drops by {p} %"),
        (_, Lang::Sv) => "allas pris är oförändrat".to_owned(),
        (_, Lang::En) => "everyone's price stays the same".to_owned(),
    };
    match lang {
        Lang::Sv => {
            let noun = if seats == 1 { "plats" } else { "platser" };
            format!("{seats} {noun}: {price} per plats, {total} för er; {everyone}")
        }
        Lang::En => {
            let noun = if seats == 1 { "seat" } else { "seats" };
            format!("{seats} {noun}: {price} each, {total} for you; {everyone}")
        }
    }
}

pub async fn list(state: web::Data<AppState>, signed_in: SignedIn) -> Result<HttpResponse, PageError> {
    require_organisation(&signed_in)?;
    let lang = signed_in.lang;
    let today = state.today();
    let (open, references) = signed_in
        .run(&state, move |conn, caller| {
            let open = open_seats::list(conn, caller, today, &OpenSeatsQuery::default())?;
            let references: HashMap<AgreementId, String> =
                agreements::list(conn, caller.scope(), None)?.into_iter().map(|a| (a.id, a.reference)).collect();
            Ok((open, references))
        })
        .await?;
    let title = lang.pick("Lediga platser", "Open seats");
    let body = html! {
        p { (lang.pick(
            "Kurstillfällen med lediga platser som ni kan gå med i. Ju fler som går, desto lägre blir priset per plats för alla. Beloppen är utan moms.",
            "Cohorts with open seats that you may join. The more who attend, the lower everyone's price per seat. Amounts exclude VAT.",
        )) }
        @if open.is_empty() {
            p { (lang.pick("Just nu finns inga lediga platser som era avtal kan ta.", "Right now there are no open seats your agreements can take.")) }
        }
        @for cohort in &open {
            (offer(lang, cohort, &references))
        }
    };
    Ok(signed_in.ok(title, body))
}

fn offer(lang: Lang, cohort: &OpenCohort, references: &HashMap<AgreementId, String>) -> Markup {
    let heading = format!("{} – {}, {}", cohort.course_code, cohort.course_title, term_name(&cohort.term));
    let id = cohort.cohort_id;
    html! {
        section aria-labelledby={ "cohort-" (id) } {
            h2 id={ "cohort-" (id) } { (heading) " " (cohort_badge(lang, cohort.status, false)) }
            ul class="figures" {
                li { (lang.pick("Lediga platser", "Open seats")) strong { (cohort.open_seats) } }
                li { (lang.pick("Deltagare nu", "Participants now")) strong { (cohort.size) " / " (cohort.max_participants) } }
                li { (lang.pick("Pris per plats nu", "Price per seat now")) strong { (money(cohort.price_per_seat_ore)) } }
            }
            h3 { (lang.pick("Om ni bokar", "If you book")) }
            ul {
                @for what_if in &cohort.what_if { li { (what_if_words(lang, what_if, cohort.price_per_seat_ore)) } }
            }
            form method="get" action={ "/open-seats/" (id) "/join" } {
                label for={ "seats-" (id) } { (lang.pick("Antal platser", "Number of seats")) }
                select id={ "seats-" (id) } name="seats" class="short" {
                    @for what_if in &cohort.what_if { option value=(what_if.seats) { (what_if.seats) } }
                }
                label for={ "agreement-" (id) } { (lang.pick("Avtal som betalar", "Agreement that pays")) }
                select id={ "agreement-" (id) } name="agreement" {
                    @for agreement in &cohort.agreements {
                        option value=(agreement) { (references.get(agreement).map_or("", String::as_str)) }
                    }
                }
                div { button type="submit" class="secondary" { (lang.pick("Se vad det innebär", "See what it means")) } }
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct JoinQuery {
    #[serde(default)]
    seats: String,
    #[serde(default)]
    agreement: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct JoinForm {
    #[serde(default)]
    seats: String,
    #[serde(default)]
    agreement: String,
    /// An open need's id, or empty for a new need for exactly these seats.
    #[serde(default)]
    need: String,
    #[serde(default)]
    csrf_token: String,
}

/// Everything the summary shows.
struct Summary {
    cohort: OpenCohort,
    seats: i32,
    agreement_id: AgreementId,
    reference: String,
    /// What the agreement has left, when a confirmed cohort charges it at once.
    remaining: Option<Ore>,
    /// Open needs of the agreement that these seats could serve.
    needs: Vec<NeedView>,
}

/// The summary's facts; "not found" for a cohort the organisation cannot
/// join or an agreement that may not take its seats.
async fn load(
    state: &AppState,
    signed_in: &SignedIn,
    id: CohortId,
    seats: &str,
    agreement: &str,
) -> Result<Result<Summary, String>, PageError> {
    let lang = signed_in.lang;
    let (Some(seats), Some(agreement_id)) = (whole(seats), whole(agreement).map(AgreementId)) else {
        return Ok(Err(lang
            .pick(
                "Välj antal platser och avtal på sidan Lediga platser.",
                "Choose seats and an agreement on the Open seats page.",
            )
            .to_owned()));
    };
    let Ok(seats) = i32::try_from(seats) else {
        return Ok(Err(lang.pick("För många platser.", "Too many seats.").to_owned()));
    };
    let today = state.today();
    signed_in
        .run(state, move |conn, caller| {
            let cohort = open_seats::list(conn, caller, today, &OpenSeatsQuery::default())?
                .into_iter()
                .find(|c| c.cohort_id == id)
                .ok_or(AppError::NotFound("cohort"))?;
            if !cohort.agreements.contains(&agreement_id) {
                return Err(AppError::NotFound("agreement"));
            }
            let agreement = agreements::find(conn, agreement_id)?;
            let remaining = match cohort.status {
                CohortStatus::Confirmed => Some(ledger::budget(conn, &agreement)?.remaining_ore),
                _ => None,
            };
            let filter = NeedFilter {
                agreement_id: Some(agreement_id.0),
                course_code: Some(cohort.course_code.clone()),
                status: Some(OPEN.to_owned()),
                ..NeedFilter::default()
            };
            let term = Term::parse(&cohort.term).ok();
            let needs = needs::list(conn, caller, &filter)?
                .into_iter()
                .filter(|n| match (term, Term::parse(&n.earliest_term), Term::parse(&n.latest_term)) {
                    (Some(term), Ok(earliest), Ok(latest)) => earliest <= term && term <= latest,
                    _ => false,
                })
                .collect();
            Ok(Ok(Summary { cohort, seats, agreement_id, reference: agreement.reference, remaining, needs }))
        })
        .await
}

pub async fn summary(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<i64>,
    query: Query<JoinQuery>,
) -> Result<HttpResponse, PageError> {
    require_organisation(&signed_in)?;
    let id = CohortId(id.into_inner());
    let form = JoinForm { seats: query.seats.clone(), agreement: query.agreement.clone(), ..JoinForm::default() };
    render(&state, &signed_in, id, &form, &FormErrors::new(), StatusCode::OK).await
}

async fn render(
    state: &AppState,
    signed_in: &SignedIn,
    id: CohortId,
    form: &JoinForm,
    errors: &FormErrors,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let lang = signed_in.lang;
    let title = lang.pick("Gå med i kurstillfället", "Join the cohort");
    let summary = match load(state, signed_in, id, &form.seats, &form.agreement).await? {
        Ok(summary) => summary,
        Err(message) => {
            let body = html! {
                p class="error" { (message) }
                p { a href="/open-seats" { (lang.pick("Till lediga platser", "To open seats")) } }
            };
            return Ok(signed_in.page(StatusCode::UNPROCESSABLE_ENTITY, title, body));
        }
    };
    Ok(signed_in.page(status, title, summary_body(signed_in, &summary, form, errors)))
}

fn summary_body(signed_in: &SignedIn, s: &Summary, form: &JoinForm, errors: &FormErrors) -> Markup {
    let lang = signed_in.lang;
    let cohort = &s.cohort;
    let what_if = cohort.what_if.iter().find(|w| w.seats == s.seats);
    let waits = s.seats > cohort.open_seats;
    // Preselect a need the seats could serve, so the next plan does not count them twice.
    let chosen = if form.need.is_empty() && form.csrf_token.is_empty() {
        s.needs.first().map(|n| n.id.to_string()).unwrap_or_default()
    } else {
        form.need.clone()
    };
    html! {
        (errors.summary(lang))
        @if let Some(message) = errors.get("form").or(errors.get("cohort")) { p class="error" { (message) } }
        dl {
            dt { (lang.pick("Kurs", "Course")) } dd { (cohort.course_code) " – " (cohort.course_title) }
            dt { (lang.pick("Termin", "Term")) } dd { (term_name(&cohort.term)) }
            dt { (lang.pick("Platser", "Seats")) } dd { (s.seats) }
            dt { (lang.pick("Avtal som betalar", "Agreement that pays")) } dd { (s.reference) }
        }
        @if waits {
            p class="notice" { (match lang {
                Lang::Sv => format!("Bara {} platser är lediga. Ni ställs i kö för {} platser och får dem när de blir lediga, i tur och ordning.", cohort.open_seats, s.seats),
                Lang::En => format!("Only {} seats are open. You are put on the waitlist for {} seats and get them when they come free, in turn.", cohort.open_seats, s.seats),
            }) }
        } @else if let Some(what_if) = what_if {
            p { (lang.pick("Det kostar er", "It costs you")) " " strong { (money(what_if.you_pay_ore)) } " "
                (lang.pick("utan moms.", "excluding VAT.")) }
            p { (what_if_words(lang, what_if, cohort.price_per_seat_ore)) "." }
            p { (match lang {
                Lang::Sv => "De som redan är med betalar ",
                Lang::En => "Those already in pay ",
            }) (money(what_if.price_drop_per_seat_ore)) (lang.pick(" mindre per plats: ", " less per seat: "))
                (money(cohort.price_per_seat_ore)) " → " (money(what_if.price_per_seat_ore)) "." }
            @match (cohort.status, s.remaining) {
                (CohortStatus::Confirmed, Some(remaining)) => {
                    p { (lang.pick(
                        "Kurstillfället är bekräftat, så beloppet bokas mot avtalets budget direkt. Kvar i budgeten:",
                        "The cohort is confirmed, so the amount is charged to the agreement's budget at once. Left in the budget:",
                    )) " " (money(remaining)) "." }
                    @if what_if.you_pay_ore > remaining {
                        p class="error" { (lang.pick("Budgeten räcker inte; det saknas", "The budget does not cover it; it lacks")) " "
                            (money(what_if.you_pay_ore - remaining)) ". "
                            (lang.pick("Kontakta den regionala samordnaren.", "Contact the regional coordinator.")) }
                    }
                }
                _ => {
                    p { (lang.pick(
                        "Kurstillfället är ett förslag. Beloppet bokas mot avtalet när samordnaren bekräftar det, och priset kan ändras om fler går med.",
                        "The cohort is a proposal. The amount is charged to the agreement when the coordinator confirms it, and the price may change if more join.",
                    )) }
                }
            }
        }
        form method="post" action={ "/open-seats/" (cohort.cohort_id) "/join" } {
            (csrf_field(signed_in))
            input type="hidden" name="seats" value=(s.seats);
            input type="hidden" name="agreement" value=(s.agreement_id);
            fieldset {
                legend { (lang.pick("Vilket behov gäller platserna?", "Which need are the seats for?")) }
                (errors.at("need_id"))
                (errors.at("seats"))
                @for need in &s.needs {
                    div {
                        input type="radio" id={ "need-" (need.id) } name="need" value=(need.id)
                            checked[chosen == need.id.to_string()];
                        label for={ "need-" (need.id) } {
                            (match lang {
                                Lang::Sv => format!("Ert behov av {} platser, {}", need.seats, term_window(&need.earliest_term, &need.latest_term)),
                                Lang::En => format!("Your need for {} seats, {}", need.seats, term_window(&need.earliest_term, &need.latest_term)),
                            })
                        }
                    }
                }
                div {
                    input type="radio" id="need-new" name="need" value="" checked[chosen.is_empty()];
                    label for="need-new" {
                        (lang.pick("Ett nytt behov för just dessa platser", "A new need for exactly these seats"))
                    }
                }
            }
            button type="submit" { (match (lang, waits) {
                (Lang::Sv, false) => format!("Gå med med {} platser", s.seats),
                (Lang::En, false) => format!("Join with {} seats", s.seats),
                (Lang::Sv, true) => format!("Ställ er i kö för {} platser", s.seats),
                (Lang::En, true) => format!("Join the waitlist for {} seats", s.seats),
            }) }
        }
        p { a href="/open-seats" { (lang.pick("Tillbaka till lediga platser", "Back to open seats")) } }
    }
}

pub async fn join(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<i64>,
    form: web::Form<JoinForm>,
) -> Result<HttpResponse, PageError> {
    signed_in.check_csrf(&form.csrf_token)?;
    require_organisation(&signed_in)?;
    let lang = signed_in.lang;
    let id = CohortId(id.into_inner());
    let form = form.into_inner();
    let (Some(seats), Some(agreement_id)) = (whole(&form.seats), whole(&form.agreement)) else {
        let mut errors = FormErrors::new();
        errors.add("form", lang.pick("Välj antal platser och avtal igen.", "Choose the seats and agreement again."));
        return render(&state, &signed_in, id, &form, &errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let need_id = whole(&form.need);
    let input = JoinInput { agreement_id, seats, need_id, override_budget_reason: None };
    let ctx = state.change_context();
    let outcome = signed_in.run(&state, move |conn, caller| Ok(join::join(conn, caller, &ctx, id, input))).await?;
    match outcome {
        Ok(JoinOutcome::Joined(_)) => Ok(see_other(&format!("/cohorts/{id}/participants?notice=joined"))),
        Ok(JoinOutcome::Waitlisted(entry)) => {
            let body = html! {
                p class="notice" role="status" { (match (lang, entry.position) {
                    (Lang::Sv, Some(position)) => format!("Ni står i kö för {} platser, som nummer {position}. Ni får platserna när de blir lediga och ett mejl när det sker.", entry.seats),
                    (Lang::En, Some(position)) => format!("You are on the waitlist for {} seats, number {position} in line. You get the seats when they come free, and an e-mail when that happens.", entry.seats),
                    (Lang::Sv, None) => format!("Ni står i kö för {} platser.", entry.seats),
                    (Lang::En, None) => format!("You are on the waitlist for {} seats.", entry.seats),
                }) }
                p { a href="/open-seats" { (lang.pick("Tillbaka till lediga platser", "Back to open seats")) } }
            };
            Ok(signed_in.ok(lang.pick("Ni står i kö", "You are on the waitlist"), body))
        }
        Err(AppError::OverBudget(shortfalls)) => Ok(over_budget(&signed_in, id, &shortfalls)),
        Err(error) => {
            let status = error.status_code();
            let errors = FormErrors::from_refusal(&error).ok_or_else(|| signed_in.fail(error))?;
            render(&state, &signed_in, id, &form, &errors, status).await
        }
    }
}

/// The join would take an agreement past its budget: which, and by how much.
fn over_budget(signed_in: &SignedIn, id: CohortId, shortfalls: &[Shortfall]) -> HttpResponse {
    let lang = signed_in.lang;
    let body = html! {
        p { (lang.pick(
            "Budgeten räcker inte, så ni har inte gått med. Inget har ändrats.",
            "The budget does not cover it, so you have not joined. Nothing was changed.",
        )) }
        div class="table-wrap" {
            table {
                thead { tr {
                    th scope="col" { (lang.pick("Avtal", "Agreement")) }
                    th scope="col" class="num" { (lang.pick("Kvar i budgeten", "Left in the budget")) }
                    th scope="col" class="num" { (lang.pick("Er andel", "Your share")) }
                    th scope="col" class="num" { (lang.pick("Det saknas", "Lacking")) }
                } }
                tbody {
                    @for s in shortfalls {
                        tr {
                            th scope="row" { (s.agreement_reference) }
                            td class="num" { (s.remaining_ore) }
                            td class="num" { (s.share_ore) }
                            td class="num" { (s.shortfall_ore) }
                        }
                    }
                }
            }
        }
        p { (lang.pick(
            "Välj ett annat avtal eller färre platser, eller be den regionala samordnaren om hjälp.",
            "Choose another agreement or fewer seats, or ask the regional coordinator for help.",
        )) }
        p { a href={ "/open-seats#cohort-" (id) } { (lang.pick("Tillbaka till lediga platser", "Back to open seats")) } }
    };
    signed_in.page(StatusCode::CONFLICT, lang.pick("Budgeten räcker inte", "The budget does not cover it"), body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_price_drop_is_told_in_whole_percent() {
        // 25 000 kr → 22 142,86 kr: 11,43 % cheaper.
        assert_eq!(percent_drop(Ore(2_500_000), Ore(285_714)), Some(11));
        assert_eq!(percent_drop(Ore(1000), Ore(5)), Some(1), "0,5 % rounds up");
        assert_eq!(percent_drop(Ore(1000), Ore(4)), Some(0));
        assert_eq!(percent_drop(Ore(0), Ore(4)), None);
    }

    #[test]
    fn a_what_if_reads_as_a_sentence() {
        let what_if = WhatIf {
            seats: 2,
            you_pay_ore: Ore(1_970_000),
            price_per_seat_ore: Ore(985_000),
            price_drop_per_seat_ore: Ore(41_042),
            total_ore: Ore(0),
        };
        let sv = what_if_words(Lang::Sv, &what_if, Ore(1_026_042));
        assert_eq!(
            sv,
            "2 platser: 9\u{a0}850,00\u{a0}kr per plats, 19\u{a0}700,00\u{a0}kr för er; allas pris sjunker med 4 %"
        );
        let en = what_if_words(Lang::En, &what_if, Ore(1_026_042));
        assert!(en.starts_with("2 seats: 9\u{a0}850,00\u{a0}kr each") && en.ends_with("drops by 4 %"), "{en}");
        let same = WhatIf { price_drop_per_seat_ore: Ore(0), ..what_if };
        assert!(what_if_words(Lang::Sv, &same, Ore(985_000)).ends_with("oförändrat"));
    }
}
