use actix_web::http::header::ContentType;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::db;
use crate::error::AppError;
use crate::registry::demand::{self, DemandFilter, DemandRow};
use crate::web::error::ErrorBody;
use crate::web::extract::Bearer;
use crate::web::heavy::{self, Encoded};
use crate::web::{AppState, cache};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/demand").route(web::get().to(get)));
}

/// Aggregated demand: one row per course and term that an open need of an
/// active agreement can take, from the first term that has not begun.
#[utoipa::path(get, path = "/api/v1/demand", operation_id = "get_demand", tag = "needs", security(("bearer" = [])), params(DemandFilter),
    responses((status = 200, body = Vec<DemandRow>), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn get(
    state: web::Data<AppState>,
    req: HttpRequest,
    bearer: Bearer,
    filter: web::Query<DemandFilter>,
) -> Result<HttpResponse, AppError> {
    let today = state.today();
    let filter = filter.into_inner();
    if filter.course_code.is_some() {
        // One course's demand is light.
        let rows = cache::json(&state, &req, bearer, today, move |conn, caller| {
            demand::demand(conn, today, caller.scope(), &filter)
        })
        .await?;
        return Ok(HttpResponse::Ok().content_type(ContentType::json()).body(rows));
    }
    let (caller, stamp) = cache::caller_and_stamp(&state, bearer, today).await?;
    let scope = caller.scope();
    // Every course's is heavy: it takes its turn, and what every
    // coordinator sees is shared among the requests waiting for it, and
    // given again while the data is unchanged.
    let shared = scope.is_none() && filter.term.is_none();
    // A shared answer is compressed once for every client that will take
    // it; one of the caller's own only if this client takes it.
    let compress = shared || heavy::takes_gzip(&req);
    let reader = state.clone();
    let read = move || async move {
        let _turn = reader.heavy.turn().await?;
        let rows = db::run(&reader.pool, move |conn| demand::demand(conn, today, scope, &filter)).await?;
        // Megabytes at national scale: turned into JSON and compressed off
        // the threads that serve requests.
        web::block(move || Encoded::new(serde_json::to_vec(&rows).map_err(|e| AppError::Internal(e.into()))?, compress))
            .await
            .map_err(|e| AppError::Internal(e.into()))?
    };
    let answer = if shared {
        let (answer, given) = state.heavy.demand.get(stamp, read).await?;
        cache::observe_shared(&state, stamp, given);
        answer
    } else {
        read().await?
    };
    Ok(answer.respond(&req))
}
