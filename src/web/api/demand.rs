use actix_web::{HttpResponse, web};

use crate::access::Caller;
use crate::db;
use crate::error::AppError;
use crate::registry::demand::{self, DemandFilter, DemandRow};
use crate::web::AppState;
use crate::web::error::ErrorBody;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/demand").route(web::get().to(get)));
}

/// Aggregated demand: one row per course and term that an open need of an
/// active agreement can take, from the first term that has not begun.
#[utoipa::path(get, path = "/api/v1/demand", operation_id = "get_demand", tag = "needs", security(("bearer" = [])), params(DemandFilter),
    responses((status = 200, body = Vec<DemandRow>), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    filter: web::Query<DemandFilter>,
) -> Result<HttpResponse, AppError> {
    let today = state.today();
    let scope = caller.scope();
    let filter = filter.into_inner();
    let rows = db::run(&state.pool, move |conn| demand::demand(conn, today, scope, &filter)).await?;
    Ok(HttpResponse::Ok().json(rows))
}
