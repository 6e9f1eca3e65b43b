use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::db;
use crate::web::AppState;

/// 200 when the database answers, 503 when it does not. No token needed.
#[utoipa::path(get, path = "/health", tag = "operations",
    responses((status = 200, description = "The service and its database answer"),
              (status = 503, description = "The database does not answer")))]
pub async fn health(state: web::Data<AppState>) -> HttpResponse {
    let answer = db::run(&state.pool, |conn| db::ping(conn).map_err(Into::into)).await;
    match answer {
        Ok(()) => HttpResponse::Ok().json(json!({"status": "ok", "database": "ok"})),
        Err(error) => {
            tracing::warn!(%error, "health check failed");
            HttpResponse::ServiceUnavailable().json(json!({"status": "unavailable", "database": "unreachable"}))
        }
    }
}
