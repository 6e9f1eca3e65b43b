use actix_web::{HttpResponse, web};

use crate::access::Caller;
use crate::db;
use crate::email::outbox::{self, OutboxFilter, OutboxView};
use crate::error::AppError;
use crate::ids::OutboxId;
use crate::web::AppState;
use crate::web::error::ErrorBody;
use crate::web::extract::{Bearer, Query};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/outbox").route(web::get().to(list)))
        .service(web::resource("/outbox/{id}/retry").route(web::post().to(retry)));
}

/// Every e-mail the service has queued, newest first, with its status,
/// attempts and last error (coordinators).
#[utoipa::path(get, path = "/api/v1/outbox", operation_id = "list_outbox", tag = "email", security(("bearer" = [])), params(OutboxFilter),
    responses((status = 200, body = Vec<OutboxView>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    bearer: Bearer,
    filter: Query<OutboxFilter>,
) -> Result<HttpResponse, AppError> {
    let filter = filter.into_inner();
    let found = bearer.run(&state.pool, move |conn, caller| outbox::list(conn, &caller, &filter)).await?;
    Ok(HttpResponse::Ok().json(found))
}

/// Queues a failed e-mail again with a fresh set of attempts (coordinators).
#[utoipa::path(post, path = "/api/v1/outbox/{id}/retry", operation_id = "retry_outbox_email", tag = "email", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = OutboxView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub async fn retry(state: web::Data<AppState>, caller: Caller, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let id = OutboxId(id.into_inner());
    let retried = db::run(&state.pool, move |conn| outbox::retry(conn, &caller, id)).await?;
    Ok(HttpResponse::Ok().json(retried))
}
