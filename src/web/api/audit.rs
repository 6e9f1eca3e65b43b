use actix_web::{HttpResponse, web};

use crate::audit::{self, AuditEntry, AuditFilter};
use crate::error::AppError;
use crate::web::AppState;
use crate::web::error::ErrorBody;
use crate::web::extract::{Bearer, Query};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/audit").route(web::get().to(list)));
}

/// Confirms, budget overrides, joins, withdrawals, cancellations and
/// invoices, newest first, with who, when and what (coordinators).
#[utoipa::path(get, path = "/api/v1/audit", operation_id = "list_audit_log", tag = "splits", security(("bearer" = [])), params(AuditFilter),
    responses((status = 200, body = Vec<AuditEntry>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    bearer: Bearer,
    filter: Query<AuditFilter>,
) -> Result<HttpResponse, AppError> {
    let filter = filter.into_inner();
    let found = bearer.run(&state.pool, move |conn, caller| audit::list(conn, &caller, &filter)).await?;
    Ok(HttpResponse::Ok().json(found))
}
