use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::access::Caller;
use crate::cohorts::changes::{self, CancelInput, WithdrawInput};
use crate::cohorts::confirm::{self, ConfirmInput};
use crate::cohorts::join::{self, JoinInput, JoinOutcome};
use crate::cohorts::open_seats::{self, OpenCohort, OpenSeatsQuery};
use crate::cohorts::plans::{self, PlanView};
use crate::cohorts::splits::{self, SplitVersionView};
use crate::cohorts::{self, CohortFilter, CohortView};
use crate::db;
use crate::enrolment::invitations::{self, Invitations, InviteInput, NearViableInviteInput};
use crate::enrolment::participants::{self, CohortParticipants, ParticipantInput, ParticipantView, RemoveQuery};
use crate::enrolment::waitlist::{self, WaitlistEntryView};
use crate::error::AppError;
use crate::ids::{CohortId, ParticipantId, PlanId, WaitlistId};
use crate::invoicing::invoice::{self, CohortInvoicing};
use crate::web::error::ErrorBody;
use crate::web::extract::{Bearer, JsonBody, Query};
use crate::web::{AppState, cache};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/plans").route(web::post().to(create_plan)))
        .service(web::resource("/plans/{id}").route(web::get().to(get_plan)))
        .service(web::resource("/plans/{id}/invite").route(web::post().to(invite_near_viable)))
        .service(web::resource("/cohorts").route(web::get().to(list)))
        .service(web::resource("/cohorts/{id}").route(web::get().to(get)))
        .service(web::resource("/cohorts/{id}/join").route(web::post().to(join_cohort)))
        .service(web::resource("/cohorts/{id}/confirm").route(web::post().to(confirm)))
        .service(web::resource("/cohorts/{id}/splits").route(web::get().to(splits)))
        .service(web::resource("/cohorts/{id}/withdraw").route(web::post().to(withdraw)))
        .service(web::resource("/cohorts/{id}/cancel").route(web::post().to(cancel)))
        .service(web::resource("/cohorts/{id}/invoice").route(web::post().to(invoice)))
        .service(
            web::resource("/cohorts/{id}/participants")
                .route(web::post().to(add_participant))
                .route(web::get().to(list_participants)),
        )
        .service(
            web::resource("/cohorts/{id}/participants/{participant_id}").route(web::delete().to(remove_participant)),
        )
        .service(web::resource("/cohorts/{id}/waitlist").route(web::get().to(list_waitlist)))
        .service(web::resource("/cohorts/{id}/waitlist/{entry_id}").route(web::delete().to(leave_waitlist)))
        .service(web::resource("/cohorts/{id}/invite").route(web::post().to(invite)))
        .service(web::resource("/open-seats").route(web::get().to(open_seats)));
}

/// Plans all open needs of active agreements and replaces the earlier
/// proposed cohorts (coordinators and admins). Confirmed cohorts stay.
#[utoipa::path(post, path = "/api/v1/plans", operation_id = "create_plan", tag = "planning", security(("bearer" = [])),
    responses((status = 201, body = PlanView), (status = 403, body = ErrorBody)))]
pub async fn create_plan(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, AppError> {
    let plan_run = state.plan_run();
    let plan = db::run(&state.pool, move |conn| plan_run.run(conn, &caller)).await?;
    Ok(HttpResponse::Created().insert_header((header::LOCATION, format!("/api/v1/plans/{}", plan.id))).json(plan))
}

#[utoipa::path(get, path = "/api/v1/plans/{id}", operation_id = "get_plan", tag = "planning", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = PlanView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_plan(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = PlanId(id.into_inner());
    let vat = state.settings.pricing.vat();
    let plan = bearer.run(&state.pool, move |conn, caller| plans::get(conn, &caller, id, vat)).await?;
    Ok(HttpResponse::Ok().json(plan))
}

/// Cohorts by status, course and term. Organisation and finance users see
/// the cohorts their organisation has seats in.
#[utoipa::path(get, path = "/api/v1/cohorts", operation_id = "list_cohorts", tag = "planning", security(("bearer" = [])), params(CohortFilter),
    responses((status = 200, body = Vec<CohortView>), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    bearer: Bearer,
    filter: Query<CohortFilter>,
) -> Result<HttpResponse, AppError> {
    let filter = filter.into_inner();
    let vat = state.settings.pricing.vat();
    let found = bearer.run(&state.pool, move |conn, caller| cohorts::list(conn, &caller, &filter, vat)).await?;
    Ok(HttpResponse::Ok().json(found))
}

#[utoipa::path(get, path = "/api/v1/cohorts/{id}", operation_id = "get_cohort", tag = "planning", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = CohortView), (status = 404, body = ErrorBody)))]
pub async fn get(
    state: web::Data<AppState>,
    req: HttpRequest,
    bearer: Bearer,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = CohortId(id.into_inner());
    let today = state.today();
    let vat = state.settings.pricing.vat();
    let found =
        cache::json(&state, &req, bearer, today, move |conn, caller| cohorts::get(conn, caller, today, id, vat))
            .await?;
    found.respond(&req).await
}

/// Takes open seats in a cohort with one of the caller's agreements. Never
/// overbooks: when the seats are gone the answer is 409. Joining a confirmed
/// cohort adds a split version and charges the agreement's budget (409
/// `over_budget` when it cannot carry the share, unless a coordinator gives
/// `override_budget_reason`).
#[utoipa::path(post, path = "/api/v1/cohorts/{id}/join", operation_id = "join_cohort", tag = "planning", request_body = JoinInput,
    security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = CohortView), (status = 202, description = "fewer seats are open: the request waits", body = WaitlistEntryView),
              (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn join_cohort(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    body: JsonBody<JoinInput>,
) -> Result<HttpResponse, AppError> {
    let id = CohortId(id.into_inner());
    let ctx = state.change_context();
    let outcome = db::run(&state.pool, move |conn| join::join(conn, &caller, &ctx, id, body.0)).await?;
    Ok(match outcome {
        JoinOutcome::Joined(cohort) => HttpResponse::Ok().json(cohort),
        JoinOutcome::Waitlisted(entry) => HttpResponse::Accepted().json(entry),
    })
}

/// Cohorts with room that the caller's organisation may join, with the price
/// of 1, 2, … more seats and everyone's price after.
#[utoipa::path(get, path = "/api/v1/open-seats", operation_id = "list_open_seats", tag = "planning", security(("bearer" = [])),
    params(OpenSeatsQuery),
    responses((status = 200, body = Vec<OpenCohort>), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn open_seats(
    state: web::Data<AppState>,
    bearer: Bearer,
    query: Query<OpenSeatsQuery>,
) -> Result<HttpResponse, AppError> {
    let today = state.today();
    let query = query.into_inner();
    let found = bearer.run(&state.pool, move |conn, caller| open_seats::list(conn, &caller, today, &query)).await?;
    Ok(HttpResponse::Ok().json(found))
}

/// Confirms a proposed cohort (coordinators): fixes the split rule, dates and
/// cancellation deadline, and commits each agreement's share as split
/// version 1. Refused with 409 `over_budget`, naming each agreement and its
/// shortfall, when a budget cannot carry its share, unless
/// `override_budget_reason` is given. Confirming again with the same terms
/// answers the same and changes nothing.
#[utoipa::path(post, path = "/api/v1/cohorts/{id}/confirm", operation_id = "confirm_cohort", tag = "splits", request_body = ConfirmInput,
    security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = CohortView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn confirm(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    body: JsonBody<ConfirmInput>,
) -> Result<HttpResponse, AppError> {
    let id = CohortId(id.into_inner());
    let ctx = state.change_context();
    let cohort = db::run(&state.pool, move |conn| confirm::confirm(conn, &caller, &ctx, id, body.0)).await?;
    Ok(HttpResponse::Ok().json(cohort))
}

/// Every version of the cohort's split, oldest first, with who changed what
/// and when. Organisation and finance users see only their own shares.
#[utoipa::path(get, path = "/api/v1/cohorts/{id}/splits", operation_id = "list_cohort_splits", tag = "splits",
    security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Vec<SplitVersionView>), (status = 404, body = ErrorBody)))]
pub async fn splits(state: web::Data<AppState>, bearer: Bearer, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let id = CohortId(id.into_inner());
    let found = bearer.run(&state.pool, move |conn, caller| splits::list(conn, &caller, id)).await?;
    Ok(HttpResponse::Ok().json(found))
}

/// Withdraws seats of one agreement from a confirmed cohort (coordinators,
/// or the organisation's own users). Until the cancellation deadline this
/// adds a split version (and a credit or debit line if the cohort was
/// invoiced); after it the seats are still paid for.
#[utoipa::path(post, path = "/api/v1/cohorts/{id}/withdraw", operation_id = "withdraw_from_cohort", tag = "splits", request_body = WithdrawInput,
    security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = CohortView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn withdraw(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    body: JsonBody<WithdrawInput>,
) -> Result<HttpResponse, AppError> {
    let id = CohortId(id.into_inner());
    let ctx = state.change_context();
    let cohort = db::run(&state.pool, move |conn| changes::withdraw(conn, &caller, &ctx, id, body.0)).await?;
    Ok(HttpResponse::Ok().json(cohort))
}

/// Cancels a confirmed cohort (coordinators), releasing its commitments and
/// crediting what was invoiced. A cohort that still has its minimum needs a
/// `reason`. Cancelling again changes nothing.
#[utoipa::path(post, path = "/api/v1/cohorts/{id}/cancel", operation_id = "cancel_cohort", tag = "splits", request_body = CancelInput,
    security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = CohortView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn cancel(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    body: JsonBody<CancelInput>,
) -> Result<HttpResponse, AppError> {
    let id = CohortId(id.into_inner());
    let ctx = state.change_context();
    let cohort = db::run(&state.pool, move |conn| changes::cancel(conn, &caller, &ctx, id, body.0)).await?;
    Ok(HttpResponse::Ok().json(cohort))
}

/// Invoices a confirmed cohort's current split (coordinators): one line per
/// agreement, 201. Invoicing again writes nothing and answers 200 with the
/// same lines; later changes are invoiced as they happen.
#[utoipa::path(post, path = "/api/v1/cohorts/{id}/invoice", operation_id = "invoice_cohort", tag = "splits",
    security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 201, body = CohortInvoicing), (status = 200, body = CohortInvoicing), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn invoice(state: web::Data<AppState>, caller: Caller, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let id = CohortId(id.into_inner());
    let today = state.today();
    let (invoicing, written) = db::run(&state.pool, move |conn| invoice::invoice(conn, &caller, today, id)).await?;
    Ok(if written { HttpResponse::Created() } else { HttpResponse::Ok() }.json(invoicing))
}

/// Names a participant for one of an agreement's seats in a confirmed cohort
/// (the organisation's own users, or coordinators). Never more participants
/// than seats.
#[utoipa::path(post, path = "/api/v1/cohorts/{id}/participants", operation_id = "add_participant", tag = "enrolment",
    request_body = ParticipantInput, security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 201, body = ParticipantView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_participant(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    body: JsonBody<ParticipantInput>,
) -> Result<HttpResponse, AppError> {
    let id = CohortId(id.into_inner());
    let ctx = state.change_context();
    let added = db::run(&state.pool, move |conn| participants::add(conn, &caller, &ctx, id, body.0)).await?;
    Ok(HttpResponse::Created().json(added))
}

/// The cohort's participants: names and addresses of the caller's own
/// organisation (all, for coordinators), and counts for every partner.
#[utoipa::path(get, path = "/api/v1/cohorts/{id}/participants", operation_id = "list_participants", tag = "enrolment",
    security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = CohortParticipants), (status = 404, body = ErrorBody)))]
pub async fn list_participants(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = CohortId(id.into_inner());
    let found = bearer.run(&state.pool, move |conn, caller| participants::list(conn, &caller, id)).await?;
    Ok(HttpResponse::Ok().json(found))
}

/// Withdraws a participant and their seat: until the cancellation deadline
/// the seat is freed and the split changes; after it the seat stays paid
/// for. With `?keep_seat=true` only the name goes, for someone else to take.
#[utoipa::path(delete, path = "/api/v1/cohorts/{id}/participants/{participant_id}", operation_id = "remove_participant",
    tag = "enrolment", security(("bearer" = [])), params(("id" = i64, Path), ("participant_id" = i64, Path), RemoveQuery),
    responses((status = 200, body = CohortParticipants), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub async fn remove_participant(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(i64, i64)>,
    query: Query<RemoveQuery>,
) -> Result<HttpResponse, AppError> {
    let (cohort, participant) = path.into_inner();
    let (cohort, participant) = (CohortId(cohort), ParticipantId(participant));
    let ctx = state.change_context();
    let query = query.into_inner();
    let left = db::run(&state.pool, move |conn| participants::remove(conn, &caller, &ctx, cohort, participant, &query))
        .await?;
    Ok(HttpResponse::Ok().json(left))
}

/// The cohort's waitlist in order of arrival: every entry for coordinators,
/// the caller's own organisation's otherwise.
#[utoipa::path(get, path = "/api/v1/cohorts/{id}/waitlist", operation_id = "list_waitlist", tag = "enrolment",
    security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Vec<WaitlistEntryView>), (status = 404, body = ErrorBody)))]
pub async fn list_waitlist(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = CohortId(id.into_inner());
    let found = bearer.run(&state.pool, move |conn, caller| waitlist::list(conn, &caller, id)).await?;
    Ok(HttpResponse::Ok().json(found))
}

/// Takes a request off the waitlist (the organisation's own users, or coordinators).
#[utoipa::path(delete, path = "/api/v1/cohorts/{id}/waitlist/{entry_id}", operation_id = "leave_waitlist", tag = "enrolment",
    security(("bearer" = [])), params(("id" = i64, Path), ("entry_id" = i64, Path)),
    responses((status = 200, body = Vec<WaitlistEntryView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn leave_waitlist(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, AppError> {
    let (cohort, entry) = path.into_inner();
    let (cohort, entry) = (CohortId(cohort), WaitlistId(entry));
    let left = db::run(&state.pool, move |conn| waitlist::leave(conn, &caller, cohort, entry)).await?;
    Ok(HttpResponse::Ok().json(left))
}

/// Invites organisations whose agreements pool to take the cohort's open
/// seats (coordinators): each gets an e-mail with what 1, 2, … seats would
/// cost it. Those that cannot join are listed with the reason.
#[utoipa::path(post, path = "/api/v1/cohorts/{id}/invite", operation_id = "invite_to_cohort", tag = "enrolment",
    request_body = InviteInput, security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Invitations), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn invite(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    body: JsonBody<InviteInput>,
) -> Result<HttpResponse, AppError> {
    let id = CohortId(id.into_inner());
    let ctx = state.change_context();
    let sent = db::run(&state.pool, move |conn| invitations::invite(conn, &caller, &ctx, id, body.0)).await?;
    Ok(HttpResponse::Ok().json(sent))
}

/// Invites organisations to a near-viable cohort of a plan: seats of a course
/// left unplaced in a term for want of a few more (coordinators). Each is
/// e-mailed what it would pay bringing the missing seats.
#[utoipa::path(post, path = "/api/v1/plans/{id}/invite", operation_id = "invite_to_near_viable", tag = "enrolment",
    request_body = NearViableInviteInput, security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Invitations), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn invite_near_viable(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    body: JsonBody<NearViableInviteInput>,
) -> Result<HttpResponse, AppError> {
    let id = PlanId(id.into_inner());
    let ctx = state.change_context();
    let sent =
        db::run(&state.pool, move |conn| invitations::invite_to_near_viable(conn, &caller, &ctx, id, body.0)).await?;
    Ok(HttpResponse::Ok().json(sent))
}
