//! A cohort's participants: the names an organisation gives its seats.
//! Organisation users see and change only their own organisation's names
//! (partners appear as counts); coordinators see everyone's, per organisation.

use std::collections::{BTreeMap, HashMap};

use actix_web::ResponseError;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::NaiveDate;
use maud::{Markup, html};
use serde::Deserialize;

use super::super::components::{FormErrors, cohort_badge, csrf_field, select_field, text_field};
use super::super::sign_in::see_other;
use super::super::signed_in::{PageError, SignedIn};
use super::{Lang, NoticeQuery, term_name, whole};
use crate::access::Role;
use crate::cohorts::{self, CohortStatus, CohortView};
use crate::enrolment::participants::{self, CohortParticipants, ParticipantInput, ParticipantView, RemoveQuery};
use crate::ids::{AgreementId, CohortId, OrganisationId, ParticipantId};
use crate::registry::agreements;
use crate::web::AppState;
use crate::web::extract::Query;

/// What the page shows, read as the signed-in user.
struct Roster {
    cohort: CohortView,
    people: CohortParticipants,
    references: HashMap<AgreementId, String>,
}

impl Roster {
    /// Seats each agreement the caller may see holds (firm and extra, less
    /// those withdrawn after the deadline), as the domain counts them.
    fn seats_by_agreement(&self, caller_scope: Option<OrganisationId>) -> BTreeMap<AgreementId, i32> {
        let mut seats = BTreeMap::new();
        for row in &self.cohort.allocations {
            if caller_scope.is_none_or(|own| own == row.organisation_id) {
                *seats.entry(row.agreement_id).or_default() += row.seats + row.extra_seats - row.withdrawn_seats;
            }
        }
        seats
    }
}

async fn load(state: &AppState, signed_in: &SignedIn, id: CohortId) -> Result<Roster, PageError> {
    let (today, vat) = (state.today(), state.settings.pricing.vat());
    signed_in
        .run(state, move |conn, caller| {
            // The participants first: another organisation's cohort is "not found" here.
            let people = participants::list(conn, caller, id)?;
            let cohort = cohorts::get(conn, caller, today, id, vat)?;
            let references =
                agreements::list(conn, caller.scope(), None)?.into_iter().map(|a| (a.id, a.reference)).collect();
            Ok(Roster { cohort, people, references })
        })
        .await
}

#[derive(Debug, Default, Clone, Deserialize)]
pub struct AddForm {
    #[serde(default)]
    agreement_id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    csrf_token: String,
}

pub async fn list(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<i64>,
    notice: Query<NoticeQuery>,
) -> Result<HttpResponse, PageError> {
    let roster = load(&state, &signed_in, CohortId(id.into_inner())).await?;
    let body = html! {
        (notice.render(signed_in.lang))
        (roster_body(&signed_in, &roster, &AddForm::default(), &FormErrors::new()))
    };
    Ok(signed_in.ok(&title(signed_in.lang, &roster.cohort), body))
}

fn title(lang: Lang, cohort: &CohortView) -> String {
    match lang {
        Lang::Sv => format!("Deltagare i {} {}", cohort.course_code, term_name(&cohort.term)),
        Lang::En => format!("Participants in {} {}", cohort.course_code, term_name(&cohort.term)),
    }
}

fn roster_body(signed_in: &SignedIn, roster: &Roster, form: &AddForm, errors: &FormErrors) -> Markup {
    let lang = signed_in.lang;
    let caller = signed_in.caller();
    let cohort = &roster.cohort;
    let may_change = caller.role != Role::Finance;
    let confirmed = cohort.status == CohortStatus::Confirmed;
    let seats = roster.seats_by_agreement(caller.scope());
    let agreements: Vec<(String, String)> = seats
        .iter()
        .filter(|(_, seats)| **seats > 0)
        .map(|(id, _)| (id.to_string(), roster.references.get(id).cloned().unwrap_or_else(|| id.to_string())))
        .collect();
    let mut agreement_choice = form.agreement_id.clone();
    if let [(only, _)] = agreements.as_slice() {
        agreement_choice.clone_from(only);
    }
    // Names are grouped per organisation, in the order the counts list them.
    let visible: Vec<_> = roster.people.organisations.iter().filter(|o| caller.can_see(o.organisation_id)).collect();
    html! {
        (errors.summary(lang))
        @if let Some(message) = errors.get("form").or(errors.get("cohort")) { p class="error" { (message) } }
        p { (cohort.course_code) " – " (cohort.course_title) ", " (term_name(&cohort.term)) " "
            (cohort_badge(lang, cohort.status, cohort.invoiced)) }
        @if !confirmed {
            p { (lang.pick(
                "Deltagare anges när kurstillfället är bekräftat. Då kan ni fylla i namnen här.",
                "Participants are named once the cohort is confirmed. Then you can fill in the names here.",
            )) }
        }
        div class="table-wrap" {
            table {
                caption { (lang.pick("Bokade platser och deltagare med namn", "Booked seats and named participants")) }
                thead { tr {
                    th scope="col" { (lang.pick("Organisation", "Organisation")) }
                    th scope="col" class="num" { (lang.pick("Bokade platser", "Booked seats")) }
                    th scope="col" class="num" { (lang.pick("Med namn", "Named")) }
                } }
                tbody {
                    @for count in &roster.people.organisations {
                        tr {
                            th scope="row" { (count.organisation_name) }
                            td class="num" { (count.seats) }
                            td class="num" { (count.participants) }
                        }
                    }
                }
                tfoot { tr {
                    th scope="row" { (lang.pick("Totalt", "Total")) }
                    td class="num" { (roster.people.organisations.iter().map(|o| o.seats).sum::<i32>()) }
                    td class="num" { (roster.people.organisations.iter().map(|o| o.participants).sum::<i64>()) }
                } }
            }
        }
        @for count in &visible {
            @let names: Vec<&ParticipantView> = roster.people.participants.iter().filter(|p| p.organisation_id == count.organisation_id).collect();
            section {
                h2 { (count.organisation_name) }
                p { (match lang {
                    Lang::Sv => format!("{} av {} bokade platser har namn.", count.participants, count.seats),
                    Lang::En => format!("{} of {} booked seats are named.", count.participants, count.seats),
                }) }
                @if !names.is_empty() {
                    div class="table-wrap" {
                        table {
                            thead { tr {
                                th scope="col" { (lang.pick("Namn", "Name")) }
                                th scope="col" { (lang.pick("E-post", "E-mail")) }
                                th scope="col" { (lang.pick("Avtal", "Agreement")) }
                                @if may_change { th scope="col" { (lang.pick("Åtgärd", "Action")) } }
                            } }
                            tbody {
                                @for person in &names {
                                    tr {
                                        td { (person.name) }
                                        td { (person.email) }
                                        td { (roster.references.get(&person.agreement_id).map_or("", String::as_str)) }
                                        @if may_change {
                                            td {
                                                form method="get" action={ "/cohorts/" (cohort.id) "/participants/" (person.id) "/remove" } {
                                                    button type="submit" class="secondary compact" {
                                                        (lang.pick("Ta bort", "Withdraw"))
                                                        span class="visually-hidden" { " " (person.name) }
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if may_change && confirmed && !agreements.is_empty() {
            h2 { (lang.pick("Lägg till en deltagare", "Add a participant")) }
            form method="post" action={ "/cohorts/" (cohort.id) "/participants" } novalidate {
                (csrf_field(signed_in))
                @if agreements.len() == 1 {
                    input type="hidden" name="agreement_id" value=(agreement_choice);
                    (errors.at("agreement_id"))
                } @else {
                    (select_field("agreement_id", lang.pick("Avtal", "Agreement"), &agreements, &agreement_choice,
                        lang.pick("Välj avtal", "Choose an agreement"), errors))
                }
                (text_field("name", lang.pick("Namn", "Name"), &form.name, None, errors))
                (text_field("email", lang.pick("E-postadress", "E-mail address"), &form.email,
                    Some(lang.pick("Dit skickas kallelsen.", "Where the invitation is sent.")), errors))
                div { button type="submit" { (lang.pick("Lägg till deltagaren", "Add the participant")) } }
            }
        }
        p { a href={ "/cohorts/" (cohort.id) } { (lang.pick("Till kurstillfället", "To the cohort")) } }
    }
}

pub async fn add(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<i64>,
    form: web::Form<AddForm>,
) -> Result<HttpResponse, PageError> {
    signed_in.check_csrf(&form.csrf_token)?;
    let id = CohortId(id.into_inner());
    let form = form.into_inner();
    let lang = signed_in.lang;
    let (errors, status) = match whole(&form.agreement_id) {
        None => {
            let mut errors = FormErrors::new();
            errors.add("agreement_id", lang.pick("Välj ett avtal.", "Choose an agreement."));
            (errors, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Some(agreement_id) => {
            let input = ParticipantInput { agreement_id, name: form.name.clone(), email: form.email.clone() };
            let ctx = state.change_context();
            let added =
                signed_in.run(&state, move |conn, caller| Ok(participants::add(conn, caller, &ctx, id, input))).await?;
            match added {
                Ok(_) => return Ok(see_other(&format!("/cohorts/{id}/participants?notice=added"))),
                Err(error) => {
                    let status = error.status_code();
                    (FormErrors::from_refusal(&error).ok_or_else(|| signed_in.fail(error))?, status)
                }
            }
        }
    };
    let roster = load(&state, &signed_in, id).await?;
    let body = roster_body(&signed_in, &roster, &form, &errors);
    Ok(signed_in.page(status, &title(lang, &roster.cohort), body))
}

/// The participant, if the caller may see them in this cohort.
fn find(roster: &Roster, participant: ParticipantId) -> Option<&ParticipantView> {
    roster.people.participants.iter().find(|p| p.id == participant)
}

/// What withdrawing a participant does to the seat before and after the
/// cancellation deadline, and one button.
pub async fn remove_summary(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, PageError> {
    let (id, participant) = path.into_inner();
    let (id, participant) = (CohortId(id), ParticipantId(participant));
    let roster = load(&state, &signed_in, id).await?;
    let person = find(&roster, participant).ok_or(PageError::NotFound(signed_in.lang))?;
    let lang = signed_in.lang;
    let body = html! {
        dl {
            dt { (lang.pick("Deltagare", "Participant")) } dd { (person.name) " (" (person.email) ")" }
            dt { (lang.pick("Kurstillfälle", "Cohort")) } dd { (roster.cohort.course_code) ", " (term_name(&roster.cohort.term)) }
        }
        p { (seat_consequence(lang, roster.cohort.cancellation_deadline, state.today())) }
        form method="post" action={ "/cohorts/" (id) "/participants/" (participant) "/remove" } {
            (csrf_field(&signed_in))
            fieldset {
                legend { (lang.pick("Vad ska hända med platsen?", "What should happen to the seat?")) }
                div {
                    input type="radio" id="keep-no" name="keep_seat" value="false" checked;
                    label for="keep-no" {
                        (lang.pick("Lämna tillbaka platsen", "Give the seat back"))
                    }
                }
                div {
                    input type="radio" id="keep-yes" name="keep_seat" value="true";
                    label for="keep-yes" {
                        (lang.pick("Behåll platsen åt någon annan", "Keep the seat for someone else"))
                    }
                }
            }
            button type="submit" class="warning" { (lang.pick("Ta bort deltagaren", "Withdraw the participant")) }
        }
        p { a href={ "/cohorts/" (id) "/participants" } { (lang.pick("Tillbaka till deltagarna", "Back to the participants")) } }
    };
    Ok(signed_in.ok(lang.pick("Ta bort en deltagare", "Withdraw a participant"), body))
}

fn seat_consequence(lang: Lang, deadline: Option<NaiveDate>, today: NaiveDate) -> String {
    match (deadline, lang) {
        (Some(deadline), Lang::Sv) if today <= deadline => format!(
            "Till och med sista avbokningsdagen {deadline} kan platsen lämnas tillbaka: ni betalar inte för den, och kostnaden fördelas om på de andra platserna."
        ),
        (Some(deadline), Lang::En) if today <= deadline => format!(
            "Until the cancellation deadline {deadline} the seat can be given back: you do not pay for it, and the cost is split again over the other seats."
        ),
        (Some(deadline), Lang::Sv) => {
            format!("Sista avbokningsdagen {deadline} har passerat: en plats som lämnas tillbaka betalas ändå.")
        }
        (Some(deadline), Lang::En) => {
            format!("The cancellation deadline {deadline} has passed: a seat given back is still paid for.")
        }
        (None, _) => lang
            .pick(
                "En plats som lämnas tillbaka räknas inte längre med i kostnadsfördelningen.",
                "A seat given back no longer counts in the cost split.",
            )
            .to_owned(),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct RemoveForm {
    #[serde(default)]
    keep_seat: String,
    #[serde(default)]
    csrf_token: String,
}

pub async fn remove(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<(i64, i64)>,
    form: web::Form<RemoveForm>,
) -> Result<HttpResponse, PageError> {
    signed_in.check_csrf(&form.csrf_token)?;
    let (id, participant) = path.into_inner();
    let (id, participant) = (CohortId(id), ParticipantId(participant));
    let query = RemoveQuery { keep_seat: Some(form.keep_seat == "true") };
    let ctx = state.change_context();
    let removed = signed_in
        .run(&state, move |conn, caller| Ok(participants::remove(conn, caller, &ctx, id, participant, &query)))
        .await?;
    match removed {
        Ok(_) => Ok(see_other(&format!("/cohorts/{id}/participants?notice=removed"))),
        Err(error) => {
            let status = error.status_code();
            if FormErrors::from_refusal(&error).is_none() {
                return Err(signed_in.fail(error));
            }
            let mut shown = FormErrors::new();
            shown.add("form", error.to_string());
            let roster = load(&state, &signed_in, id).await?;
            let body = roster_body(&signed_in, &roster, &AddForm::default(), &shown);
            Ok(signed_in.page(status, &title(signed_in.lang, &roster.cohort), body))
        }
    }
}
