//! Cancelling a confirmed cohort (coordinators): what cancelling does, a
//! reason when the cohort still has its minimum, and one button.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use maud::html;
use serde::Deserialize;

use super::super::components::{FormErrors, cohort_badge, csrf_field};
use super::super::layout::Lang;
use super::super::sign_in::see_other;
use super::super::signed_in::{PageError, SignedIn};
use super::term_name;
use crate::cohorts::changes::{self, CancelInput};
use crate::cohorts::{self, CohortStatus, CohortView};
use crate::ids::CohortId;
use crate::web::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct CancelForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    csrf_token: String,
}

/// The domain asks for a reason when the cohort could still run.
fn reason_required(view: &CohortView) -> bool {
    view.size >= view.min_participants
}

async fn load(state: &AppState, signed_in: &SignedIn, id: CohortId) -> Result<CohortView, PageError> {
    let (today, vat) = (state.today(), state.settings.pricing.vat());
    signed_in
        .run(state, move |conn, caller| {
            caller.require_coordinator("cancel cohorts")?;
            cohorts::get(conn, caller, today, id, vat)
        })
        .await
}

pub async fn form(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    signed_in.require_coordinator()?;
    let view = load(&state, &signed_in, CohortId(id.into_inner())).await?;
    Ok(render(&signed_in, &view, "", &FormErrors::new(), StatusCode::OK))
}

/// Cancels the cohort as `POST /api/v1/cohorts/{id}/cancel` does.
pub async fn submit(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<i64>,
    form: web::Form<CancelForm>,
) -> Result<HttpResponse, PageError> {
    signed_in.require_coordinator()?;
    signed_in.check_csrf(&form.csrf_token)?;
    let id = CohortId(id.into_inner());
    let lang = signed_in.lang;
    let view = load(&state, &signed_in, id).await?;
    let reason = form.reason.trim().to_owned();
    let mut errors = FormErrors::new();
    if reason.is_empty() && reason_required(&view) && view.status == CohortStatus::Confirmed {
        errors.add(
            "reason",
            lang.pick(
                "Skriv varför kurstillfället ställs in: det har tillräckligt många platser för att bli av.",
                "Write why the cohort is cancelled: it has enough seats to run.",
            ),
        );
    } else {
        let ctx = state.change_context();
        let input = CancelInput { reason: (!reason.is_empty()).then_some(reason) };
        let outcome =
            signed_in.run(&state, move |conn, caller| Ok(changes::cancel(conn, caller, &ctx, id, input))).await?;
        match outcome {
            Ok(_) => return Ok(see_other(&format!("/cohorts/{id}?notice=cancelled"))),
            Err(error) => match FormErrors::from_refusal(&error) {
                Some(refused) => errors = refused,
                None => return Err(signed_in.fail(error)),
            },
        }
    }
    Ok(render(&signed_in, &view, &form.reason, &errors, StatusCode::UNPROCESSABLE_ENTITY))
}

fn render(
    signed_in: &SignedIn,
    view: &CohortView,
    reason: &str,
    errors: &FormErrors,
    status: StatusCode,
) -> HttpResponse {
    let lang = signed_in.lang;
    let title = match lang {
        Lang::Sv => format!("Ställ in {} {}", view.course_code, term_name(&view.term)),
        Lang::En => format!("Cancel {} {}", view.course_code, term_name(&view.term)),
    };
    let invalid = errors.get("reason").is_some();
    let body = html! {
        (errors.summary(lang))
        p { (cohort_badge(lang, view.status, view.invoiced)) " " (view.course_code) " " (view.course_title) ", " (term_name(&view.term)) }
        @if view.status != CohortStatus::Confirmed {
            p { (lang.pick("Bara bekräftade kurstillfällen kan ställas in.", "Only confirmed cohorts can be cancelled.")) }
        } @else {
            ul {
                li { (lang.pick("Ingen betalar något: fördelningen får en sista version där alla andelar är noll.",
                    "Nobody pays anything: the split gets a last version in which every share is zero.")) }
                li { (lang.pick("Det som redan fakturerats krediteras.", "What has been invoiced is credited.")) }
                li { (lang.pick("Varje part får ett e-brev om att kurstillfället är inställt.",
                    "Every partner gets an e-mail saying the cohort is cancelled.")) }
            }
            form method="post" action={ "/cohorts/" (view.id) "/cancel" } novalidate {
                (csrf_field(signed_in))
                label for="reason" { (lang.pick("Skäl", "Reason")) }
                span class="hint" id="reason-hint" { @if reason_required(view) {
                    (match lang {
                        Lang::Sv => format!("Krävs: kurstillfället har {} platser och kursens minimum är {}.", view.size, view.min_participants),
                        Lang::En => format!("Required: the cohort has {} seats and the course's minimum is {}.", view.size, view.min_participants),
                    })
                } @else {
                    (lang.pick("Frivilligt. Skälet står i e-brevet till parterna.", "Optional. The reason is given in the e-mail to the partners."))
                } }
                (errors.at("reason"))
                textarea id="reason" name="reason" rows="3" class=[invalid.then_some("input-error")]
                    aria-describedby="reason-hint" { (reason) }
                div { button type="submit" class="warning" { (lang.pick("Ställ in kurstillfället", "Cancel the cohort")) } }
            }
        }
        p { a href={ "/cohorts/" (view.id) } { (lang.pick("Tillbaka till kurstillfället", "Back to the cohort")) } }
    };
    signed_in.page(status, &title, body)
}
