use actix_web::http::header;
use actix_web::{HttpResponse, web};

use crate::access::Caller;
use crate::cohorts::join::{self, JoinInput};
use crate::cohorts::open_seats::{self, OpenCohort, OpenSeatsQuery};
use crate::cohorts::plans::{self, PlanView};
use crate::cohorts::{self, CohortFilter, CohortView};
use crate::db;
use crate::error::AppError;
use crate::ids::{CohortId, PlanId};
use crate::web::AppState;
use crate::web::error::ErrorBody;
use crate::web::extract::JsonBody;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/plans").route(web::post().to(create_plan)))
        .service(web::resource("/plans/{id}").route(web::get().to(get_plan)))
        .service(web::resource("/cohorts").route(web::get().to(list)))
        .service(web::resource("/cohorts/{id}").route(web::get().to(get)))
        .service(web::resource("/cohorts/{id}/join").route(web::post().to(join_cohort)))
        .service(web::resource("/open-seats").route(web::get().to(open_seats)));
}

/// Plans all open needs of active agreements and replaces the earlier
/// proposed cohorts (coordinators and admins). Confirmed cohorts stay.
#[utoipa::path(post, path = "/api/v1/plans", operation_id = "create_plan", tag = "planning", security(("bearer" = [])),
    responses((status = 201, body = PlanView), (status = 403, body = ErrorBody)))]
pub async fn create_plan(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, AppError> {
    let today = state.today();
    let limits = state.settings.planning.limits();
    let plan = db::run(&state.pool, move |conn| plans::run(conn, &caller, today, limits)).await?;
    Ok(HttpResponse::Created().insert_header((header::LOCATION, format!("/api/v1/plans/{}", plan.id))).json(plan))
}

#[utoipa::path(get, path = "/api/v1/plans/{id}", operation_id = "get_plan", tag = "planning", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = PlanView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_plan(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = PlanId(id.into_inner());
    let plan = db::run(&state.pool, move |conn| plans::get(conn, &caller, id)).await?;
    Ok(HttpResponse::Ok().json(plan))
}

/// Cohorts by status, course and term. Organisation and finance users see
/// the cohorts their organisation has seats in.
#[utoipa::path(get, path = "/api/v1/cohorts", operation_id = "list_cohorts", tag = "planning", security(("bearer" = [])), params(CohortFilter),
    responses((status = 200, body = Vec<CohortView>), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    filter: web::Query<CohortFilter>,
) -> Result<HttpResponse, AppError> {
    let filter = filter.into_inner();
    let found = db::run(&state.pool, move |conn| cohorts::list(conn, &caller, &filter)).await?;
    Ok(HttpResponse::Ok().json(found))
}

#[utoipa::path(get, path = "/api/v1/cohorts/{id}", operation_id = "get_cohort", tag = "planning", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = CohortView), (status = 404, body = ErrorBody)))]
pub async fn get(state: web::Data<AppState>, caller: Caller, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let id = CohortId(id.into_inner());
    let today = state.today();
    let found = db::run(&state.pool, move |conn| cohorts::get(conn, &caller, today, id)).await?;
    Ok(HttpResponse::Ok().json(found))
}

/// Takes open seats in a cohort with one of the caller's agreements. Never
/// overbooks: when the seats are gone the answer is 409.
#[utoipa::path(post, path = "/api/v1/cohorts/{id}/join", operation_id = "join_cohort", tag = "planning", request_body = JoinInput,
    security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = CohortView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn join_cohort(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    body: JsonBody<JoinInput>,
) -> Result<HttpResponse, AppError> {
    let id = CohortId(id.into_inner());
    let today = state.today();
    let cohort = db::run(&state.pool, move |conn| join::join(conn, &caller, today, id, body.0)).await?;
    Ok(HttpResponse::Ok().json(cohort))
}

/// Cohorts with room that the caller's organisation may join, with the price
/// of 1, 2, … more seats and everyone's price after.
#[utoipa::path(get, path = "/api/v1/open-seats", operation_id = "list_open_seats", tag = "planning", security(("bearer" = [])),
    params(OpenSeatsQuery),
    responses((status = 200, body = Vec<OpenCohort>), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn open_seats(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<OpenSeatsQuery>,
) -> Result<HttpResponse, AppError> {
    let today = state.today();
    let query = query.into_inner();
    let found = db::run(&state.pool, move |conn| open_seats::list(conn, &caller, today, &query)).await?;
    Ok(HttpResponse::Ok().json(found))
}
