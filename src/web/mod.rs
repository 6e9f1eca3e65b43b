//! HTTP: the JSON API under `/api/v1`, the health check, the metrics, and the OpenAPI document.

pub mod api;
pub mod cache;
pub mod encoding;
pub mod error;
pub mod extract;
pub mod heavy;
pub mod metrics;
pub mod pages;

use std::sync::Arc;

use actix_web::dev::ServiceResponse;
use actix_web::http::{StatusCode, header};
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::{HttpResponse, ResponseError, web};
use chrono::NaiveDate;

use crate::config::Settings;
use crate::db::DbPool;
use crate::error::AppError;

/// What every handler may use.
#[derive(Clone)]
pub struct AppState {
    pub pool: DbPool,
    pub settings: Arc<Settings>,
    /// Shared by the workers of this process (each process counts its own).
    pub sign_in_limiter: Arc<crate::access::sign_in_limit::SignInLimiter>,
    /// What `GET /metrics` shows; this process's own.
    pub metrics: Arc<crate::telemetry::metrics::Metrics>,
    /// The turns and shared answers of the reads that go through every open
    /// need in the country.
    pub heavy: Arc<heavy::HeavyReads>,
    /// Answers of everyday reads, kept while the data is unchanged.
    pub answers: Arc<cache::AnswerCache>,
}

impl AppState {
    /// Today's date where the service runs; agreement status and which terms
    /// have begun follow it.
    pub fn today(&self) -> NaiveDate {
        chrono::Local::now().date_naive()
    }

    /// Today and the settings, for a change to a cohort.
    pub fn change_context(&self) -> crate::cohorts::ChangeContext {
        crate::cohorts::ChangeContext { today: self.today(), settings: Arc::clone(&self.settings) }
    }

    /// The planner as `POST /api/v1/plans` and the planning page run it,
    /// with today's date and the settings, counted in the metrics.
    pub fn plan_run(&self) -> metrics::PlanRun {
        metrics::PlanRun {
            today: self.today(),
            limits: self.settings.planning.limits(),
            vat: self.settings.pricing.vat(),
            metrics: Arc::clone(&self.metrics),
        }
    }
}

/// Mounts every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    // A path whose id is not a number names nothing: the API says so in
    // JSON, the pages with a page.
    cfg.app_data(web::PathConfig::default().error_handler(|_, req| {
        if req.path().starts_with("/api/") {
            AppError::NotFound("resource").into()
        } else {
            pages::unknown_address(req)
        }
    }))
    .service(web::resource("/health").route(web::get().to(api::health::health)))
    .service(web::resource("/metrics").route(web::get().to(metrics::metrics)))
    .configure(pages::configure)
    .service(web::scope("/api/v1").configure(api::configure).default_service(web::to(not_found)))
    .default_service(web::to(pages::not_found));
}

/// What every answer says about how a browser may treat it: only this
/// site's stylesheet, no scripts, no frames, no guessing of content types,
/// and no addresses leaked to other sites.
pub fn security_headers() -> actix_web::middleware::DefaultHeaders {
    actix_web::middleware::DefaultHeaders::new()
        .add((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::REFERRER_POLICY, "same-origin"))
}

/// Answers 405s in the same JSON shape as every other error (actix sends
/// them with an empty body), keeping the `Allow` header.
pub fn json_error_pages<B: 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new().handler(StatusCode::METHOD_NOT_ALLOWED, method_not_allowed)
}

fn method_not_allowed<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let allowed = res.headers().get(header::ALLOW).and_then(|a| a.to_str().ok()).unwrap_or("other methods").to_owned();
    let (req, _) = res.into_parts();
    let response = AppError::MethodNotAllowed { allowed }.error_response();
    Ok(ErrorHandlerResponse::Response(ServiceResponse::new(req, response).map_into_right_body()))
}

async fn not_found() -> HttpResponse {
    AppError::NotFound("page").error_response()
}
