//! Adding a need and changing one: the same form, with the errors beside
//! the fields and what was typed kept.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::NaiveDate;
use maud::{Markup, html};
use serde::Deserialize;

use super::super::components::{FormErrors, csrf_field, select_field, text_field};
use super::super::sign_in::see_other;
use super::super::signed_in::{PageError, SignedIn};
use super::{Lang, require_needs_keeper, whole};
use crate::access::Caller;
use crate::db::{DbConnection, write_transaction};
use crate::error::AppError;
use crate::ids::NeedId;
use crate::registry::agreements::AgreementStatus;
use crate::registry::needs::{self, NeedInput, NeedPatch, NeedView, OPEN};
use crate::registry::{agreements, courses, organisations};
use crate::web::AppState;

/// The form as typed: text, so nothing is lost when a value does not parse.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct NeedForm {
    #[serde(default)]
    agreement_id: String,
    #[serde(default)]
    course_code: String,
    #[serde(default)]
    seats: String,
    #[serde(default)]
    extra_seats: String,
    #[serde(default)]
    earliest_term: String,
    #[serde(default)]
    latest_term: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    csrf_token: String,
}

impl NeedForm {
    fn from_need(need: &NeedView) -> Self {
        NeedForm {
            agreement_id: need.agreement_id.to_string(),
            course_code: need.course_code.clone(),
            seats: need.seats.to_string(),
            extra_seats: need.extra_seats.to_string(),
            earliest_term: need.earliest_term.clone(),
            latest_term: need.latest_term.clone(),
            note: need.note.clone(),
            csrf_token: String::new(),
        }
    }

    /// The numbers, or what is wrong with them in the reader's language.
    fn numbers(&self, lang: Lang, with_agreement: bool) -> Result<(i64, i64, i64), FormErrors> {
        let mut errors = FormErrors::new();
        let agreement = if with_agreement {
            whole(&self.agreement_id).unwrap_or_else(|| {
                errors.add("agreement_id", lang.pick("Välj ett avtal.", "Choose an agreement."));
                0
            })
        } else {
            0
        };
        let seats = whole(&self.seats).unwrap_or_else(|| {
            errors.add(
                "seats",
                lang.pick(
                    "Ange antal platser som ett heltal, till exempel 3.",
                    "Enter the number of seats as a whole number, for example 3.",
                ),
            );
            0
        });
        let extra = if self.extra_seats.trim().is_empty() {
            0
        } else {
            whole(&self.extra_seats).unwrap_or_else(|| {
                errors.add(
                    "extra_seats",
                    lang.pick(
                        "Ange extra platser som ett heltal, till exempel 1, eller lämna fältet tomt.",
                        "Enter extra seats as a whole number, for example 1, or leave the field empty.",
                    ),
                );
                0
            })
        };
        if errors.is_empty() { Ok((agreement, seats, extra)) } else { Err(errors) }
    }
}

/// The choices the form offers: (value, label).
struct Choices {
    agreements: Vec<(String, String)>,
    courses: Vec<(String, String)>,
}

/// The caller's agreements that have not ended (coordinators: everyone's,
/// with the organisation named), and the course catalogue.
fn choices(conn: &mut DbConnection, caller: &Caller, today: NaiveDate) -> Result<Choices, AppError> {
    let names: std::collections::HashMap<_, _> =
        organisations::list(conn, caller.scope())?.into_iter().map(|o| (o.id, o.name)).collect();
    let agreements = agreements::list(conn, caller.scope(), None)?
        .into_iter()
        .filter(|a| a.status_on(today) != AgreementStatus::Ended)
        .map(|a| {
            let label = if caller.is_coordinator() {
                format!("{} ({})", a.reference, names.get(&a.organisation_id).map_or("", String::as_str))
            } else {
                format!("{} ({} – {})", a.reference, a.starts_on, a.ends_on)
            };
            (a.id.to_string(), label)
        })
        .collect();
    let courses =
        courses::list(conn)?.into_iter().map(|c| (c.code.clone(), format!("{} – {}", c.code, c.title))).collect();
    Ok(Choices { agreements, courses })
}

/// Where the form posts: a new need, or a change to need `id` (whose
/// agreement is shown but cannot change).
enum Target {
    New,
    Edit { id: NeedId, agreement: String },
}

fn render(signed_in: &SignedIn, choices: &Choices, form: &NeedForm, errors: &FormErrors, target: &Target) -> Markup {
    let lang = signed_in.lang;
    let action = match target {
        Target::New => "/needs".to_owned(),
        Target::Edit { id, .. } => format!("/needs/{id}"),
    };
    let term_hint = lang.pick("Till exempel VT2027 eller HT2027.", "For example VT2027 or HT2027.");
    html! {
        (errors.summary(lang))
        @if let Some(message) = errors.get("form").or(errors.get("status")) { p class="error" { (message) } }
        form method="post" action=(action) novalidate {
            (csrf_field(signed_in))
            @match target {
                Target::New => {
                    (select_field("agreement_id", lang.pick("Avtal", "Agreement"), &choices.agreements, &form.agreement_id,
                        lang.pick("Välj avtal", "Choose an agreement"), errors))
                    @if choices.agreements.is_empty() {
                        p class="hint" { (lang.pick(
                            "Ni har inget avtal som gäller nu. Kontakta den regionala samordnaren.",
                            "You have no agreement in force. Contact the regional coordinator.",
                        )) }
                    }
                }
                Target::Edit { agreement, .. } => {
                    p { strong { (lang.pick("Avtal", "Agreement")) ": " } (agreement) }
                }
            }
            (select_field("course_code", lang.pick("Kurs", "Course"), &choices.courses, &form.course_code,
                lang.pick("Välj kurs", "Choose a course"), errors))
            (text_field("seats", lang.pick("Antal platser", "Number of seats"), &form.seats,
                Some(lang.pick("De som säkert ska gå kursen.", "Those who will certainly attend.")), errors))
            (text_field("extra_seats", lang.pick("Extra platser (frivilligt)", "Extra seats (optional)"), &form.extra_seats,
                Some(lang.pick("Platser ni kan ta och betala för om det gör att kursen blir av.",
                    "Seats you would take and pay for if that makes the course happen.")), errors))
            (text_field("earliest_term", lang.pick("Tidigast termin", "Earliest term"), &form.earliest_term, Some(term_hint), errors))
            (text_field("latest_term", lang.pick("Senast termin", "Latest term"), &form.latest_term, Some(term_hint), errors))
            label for="note" { (lang.pick("Anteckning (frivilligt)", "Note (optional)")) }
            (errors.at("note"))
            textarea id="note" name="note" rows="3" { (form.note) }
            div {
                button type="submit" { (match target {
                    Target::New => lang.pick("Spara behovet", "Save the need"),
                    Target::Edit { .. } => lang.pick("Spara ändringarna", "Save the changes"),
                }) }
            }
        }
        p { a href="/needs" { (lang.pick("Tillbaka till behoven", "Back to the needs")) } }
    }
}

fn page(signed_in: &SignedIn, status: StatusCode, target: &Target, body: Markup) -> HttpResponse {
    let title = match target {
        Target::New => signed_in.lang.pick("Lägg till ett behov", "Add a need"),
        Target::Edit { .. } => signed_in.lang.pick("Ändra behovet", "Edit the need"),
    };
    signed_in.page(status, title, body)
}

async fn load_choices(state: &AppState, signed_in: &SignedIn) -> Result<Choices, PageError> {
    let today = state.today();
    signed_in.run(state, move |conn, caller| choices(conn, caller, today)).await
}

pub async fn new(state: web::Data<AppState>, signed_in: SignedIn) -> Result<HttpResponse, PageError> {
    require_needs_keeper(&signed_in)?;
    let choices = load_choices(&state, &signed_in).await?;
    let mut form = NeedForm::default();
    if let [(only, _)] = choices.agreements.as_slice() {
        form.agreement_id = only.clone();
    }
    let body = render(&signed_in, &choices, &form, &FormErrors::new(), &Target::New);
    Ok(page(&signed_in, StatusCode::OK, &Target::New, body))
}

pub async fn create(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    form: web::Form<NeedForm>,
) -> Result<HttpResponse, PageError> {
    signed_in.check_csrf(&form.csrf_token)?;
    require_needs_keeper(&signed_in)?;
    let form = form.into_inner();
    let refused = match form.numbers(signed_in.lang, true) {
        Err(errors) => errors,
        Ok((agreement_id, seats, extra_seats)) => {
            let input = NeedInput {
                agreement_id,
                course_code: form.course_code.clone(),
                seats,
                extra_seats,
                earliest_term: form.earliest_term.clone(),
                latest_term: form.latest_term.clone(),
                note: form.note.clone(),
            };
            let created = signed_in
                .run(&state, move |conn, caller| Ok(write_transaction(conn, |conn| needs::create(conn, caller, input))))
                .await?;
            match created {
                Ok(_) => return Ok(see_other("/needs?notice=created")),
                Err(error) => FormErrors::from_refusal(&error).ok_or_else(|| signed_in.fail(error))?,
            }
        }
    };
    let choices = load_choices(&state, &signed_in).await?;
    let body = render(&signed_in, &choices, &form, &refused, &Target::New);
    Ok(page(&signed_in, StatusCode::UNPROCESSABLE_ENTITY, &Target::New, body))
}

/// The need and its agreement's reference; another organisation's is not found.
async fn find(state: &AppState, signed_in: &SignedIn, id: NeedId) -> Result<(NeedView, String), PageError> {
    signed_in
        .run(state, move |conn, caller| {
            let need = needs::get(conn, caller, id)?;
            let reference = agreements::find(conn, need.agreement_id)?.reference;
            Ok((need, reference))
        })
        .await
}

pub async fn edit(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    require_needs_keeper(&signed_in)?;
    let id = NeedId(id.into_inner());
    let (need, agreement) = find(&state, &signed_in, id).await?;
    let target = Target::Edit { id, agreement };
    if need.status != OPEN {
        let lang = signed_in.lang;
        let body = html! {
            p { (lang.pick("Behovet är återkallat och kan inte ändras.", "The need is withdrawn and can no longer be changed.")) }
            p { a href="/needs" { (lang.pick("Tillbaka till behoven", "Back to the needs")) } }
        };
        return Ok(page(&signed_in, StatusCode::OK, &target, body));
    }
    let choices = load_choices(&state, &signed_in).await?;
    let body = render(&signed_in, &choices, &NeedForm::from_need(&need), &FormErrors::new(), &target);
    Ok(page(&signed_in, StatusCode::OK, &target, body))
}

pub async fn update(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<i64>,
    form: web::Form<NeedForm>,
) -> Result<HttpResponse, PageError> {
    signed_in.check_csrf(&form.csrf_token)?;
    require_needs_keeper(&signed_in)?;
    let id = NeedId(id.into_inner());
    let form = form.into_inner();
    // Read first: another organisation's need is "not found" before any field is judged.
    let (_, agreement) = find(&state, &signed_in, id).await?;
    let refused = match form.numbers(signed_in.lang, false) {
        Err(errors) => errors,
        Ok((_, seats, extra_seats)) => {
            let patch = NeedPatch {
                course_code: Some(form.course_code.clone()),
                seats: Some(seats),
                extra_seats: Some(extra_seats),
                earliest_term: Some(form.earliest_term.clone()),
                latest_term: Some(form.latest_term.clone()),
                note: Some(form.note.clone()),
            };
            let updated = signed_in
                .run(&state, move |conn, caller| {
                    Ok(write_transaction(conn, |conn| needs::update(conn, caller, id, patch)))
                })
                .await?;
            match updated {
                Ok(_) => return Ok(see_other("/needs?notice=updated")),
                Err(error) => FormErrors::from_refusal(&error).ok_or_else(|| signed_in.fail(error))?,
            }
        }
    };
    let target = Target::Edit { id, agreement };
    let choices = load_choices(&state, &signed_in).await?;
    let body = render(&signed_in, &choices, &form, &refused, &target);
    Ok(page(&signed_in, StatusCode::UNPROCESSABLE_ENTITY, &target, body))
}
