//! HTTP: the JSON API under `/api/v1`, the health check, and the OpenAPI document.

pub mod api;
pub mod error;
pub mod extract;

use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDate;

use crate::config::Settings;
use crate::db::DbPool;
use crate::error::{AppError, FieldErrors};

/// What every handler may use.
#[derive(Clone)]
pub struct AppState {
    pub pool: DbPool,
    pub settings: Arc<Settings>,
}

impl AppState {
    /// Today's date where the service runs; agreement status and which terms
    /// have begun follow it.
    pub fn today(&self) -> NaiveDate {
        chrono::Local::now().date_naive()
    }
}

/// Mounts every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PathConfig::default().error_handler(|_, _| AppError::NotFound("resource").into()))
        .app_data(web::QueryConfig::default().error_handler(|error, _| {
            let message = error.to_string();
            AppError::BadRequest { code: "invalid_query", message, fields: FieldErrors::new() }.into()
        }))
        .service(web::resource("/health").route(web::get().to(api::health::health)))
        .service(web::scope("/api/v1").configure(api::configure).default_service(web::to(not_found)))
        .default_service(web::to(not_found));
}

async fn not_found(req: HttpRequest) -> HttpResponse {
    let _ = req;
    actix_web::ResponseError::error_response(&AppError::NotFound("page"))
}
