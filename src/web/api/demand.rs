use actix_web::{HttpRequest, HttpResponse, web};

use crate::db;
use crate::error::AppError;
use crate::registry::demand::{self, DemandFilter, DemandRow};
use crate::web::encoding::Encoded;
use crate::web::error::ErrorBody;
use crate::web::extract::{Bearer, Query};
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
    filter: Query<DemandFilter>,
) -> Result<HttpResponse, AppError> {
    let today = state.today();
    let filter = filter.into_inner();
    if filter.course_code.is_some() || filter.limit.is_some() || filter.after.is_some() {
        // One course's demand, or one page of courses, is light.
        let answer = cache::page(&state, &req, bearer, today, move |conn, caller| {
            let page = demand::demand(conn, today, caller.scope(), &filter)?;
            let next = page.next_after.map(|after| next_page(&filter, after));
            Ok((page.rows, next))
        })
        .await?;
        return answer.respond(&req).await;
    }
    let (caller, stamp) = cache::caller_and_stamp(&state, bearer, today).await?;
    let scope = caller.scope();
    // Every course's is heavy: it takes its turn, and what every
    // coordinator sees is shared among the requests waiting for it, and
    // given again while the data is unchanged.
    let shared = scope.is_none() && filter.term.is_none();
    let reader = state.clone();
    let read = move || async move {
        let _turn = reader.heavy.turn().await?;
        let rows = db::run(&reader.pool, move |conn| demand::demand(conn, today, scope, &filter)).await?.rows;
        // Megabytes at national scale: turned into JSON, and a shared
        // answer compressed once for every client that will take it, off
        // the threads that serve requests.
        web::block(move || {
            let answer = Encoded::new(serde_json::to_vec(&rows).map_err(|e| AppError::Internal(e.into()))?);
            if shared {
                answer.compress()?;
            }
            Ok(answer)
        })
        .await
        .map_err(|e| AppError::Internal(e.into()))?
    };
    let answer = if shared {
        let (answer, given) = state.heavy.demand.get(stamp, read).await?;
        cache::observe_shared(&state, stamp, given);
        answer
    } else {
        // The caller's own, compressed only if this client takes gzip.
        read().await?
    };
    answer.respond(&req, HttpResponse::Ok()).await
}

/// The path and query of the page after the one that ended with course
/// `after`: the same filter and size.
fn next_page(filter: &DemandFilter, after: String) -> String {
    let next = DemandFilter { after: Some(after), ..filter.clone() };
    // Plain strings and a number: nothing here can fail to encode.
    let query = serde_urlencoded::to_string(&next).unwrap_or_default();
    format!("/api/v1/demand?{query}")
}
