//! `GET /metrics` and what feeds it over HTTP: a middleware that counts and
//! times every request by its route pattern, and the planner run that both
//! `POST /api/v1/plans` and the planning page use, timed in one place.

use std::sync::Arc;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use super::AppState;
use crate::access::Caller;
use crate::cohorts::plans::{self, PlanView};
use crate::db::{self, DbConnection};
use crate::email::outbox;
use crate::error::AppError;
use crate::planning::Limits;
use crate::splitting::VatRate;
use crate::telemetry::metrics::{CONTENT_TYPE, Metrics, UNMATCHED};

/// Counts and times each request under the pattern of the route it matched.
/// Wrapped outermost, so it sees the status the client gets.
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    // Nobody can read the counts when /metrics is off, so none are kept.
    let Some(metrics) = req
        .app_data::<web::Data<AppState>>()
        .filter(|state| state.settings.metrics.enabled)
        .map(|state| Arc::clone(&state.metrics))
    else {
        return next.call(req).await;
    };
    let started = Instant::now();
    let method = req.method().clone();
    // The pattern (`/api/v1/cohorts/{id}`), never the raw path: ids and
    // scanners' guesses must not each make a series of their own.
    let route = req.match_pattern().unwrap_or_else(|| UNMATCHED.to_owned());
    let result = next.call(req).await;
    let status = match &result {
        Ok(response) => response.status(),
        Err(error) => error.as_response_error().status_code(),
    };
    metrics.observe_request(&method, route, status.as_u16(), started.elapsed());
    result
}

/// The metrics in the Prometheus text format, if `metrics.enabled`, and
/// only with the bearer token when `metrics.token` is set.
pub async fn metrics(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let settings = &state.settings.metrics;
    if !settings.enabled {
        return super::pages::unknown_address(&req).error_response();
    }
    if let Some(token) = &settings.token
        && !bearer_matches(&req, token)
    {
        return AppError::Unauthorized.error_response();
    }
    let depth = match db::run(&state.pool, outbox::depth).await {
        Ok(depth) => Some(depth),
        Err(error) => {
            tracing::warn!(%error, "the outbox depth is left out of /metrics: the database did not answer");
            None
        }
    };
    state.metrics.set_outbox_depth(depth.as_deref());
    HttpResponse::Ok()
        .content_type(CONTENT_TYPE)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(state.metrics.encode())
}

/// Whether the request carries `Authorization: Bearer <token>`. The
/// digests are compared, so the time taken says nothing about the token.
fn bearer_matches(req: &HttpRequest, token: &str) -> bool {
    let given = super::extract::bearer_token(req).unwrap_or_default();
    Sha256::digest(given.as_bytes()) == Sha256::digest(token.trim().as_bytes())
}

/// A planner run as a coordinator asks for it, counted and timed in the
/// metrics; made by [`AppState::plan_run`].
pub struct PlanRun {
    pub(super) today: NaiveDate,
    pub(super) limits: Limits,
    pub(super) vat: VatRate,
    pub(super) metrics: Arc<Metrics>,
}

impl PlanRun {
    pub fn run(self, conn: &mut DbConnection, caller: &Caller) -> Result<PlanView, AppError> {
        // A caller who may not plan has not run the planner.
        caller.require_coordinator("run the planner")?;
        let started = Instant::now();
        let plan = plans::run(conn, caller, self.today, self.limits, self.vat);
        self.metrics.observe_plan(plan.is_ok(), started.elapsed());
        plan
    }
}
