//! How errors reach a client: `{"error": {"code", "message", "fields"}}`
//! with the status that fits. Internal failures are logged and described to
//! the caller only as "something went wrong on our side".

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{AppError, FieldErrors, RowError};
use crate::invoicing::ledger::Shortfall;

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, for programs: `validation_failed`, `malformed_json`, `not_found` …
    pub code: &'static str,
    /// For people.
    pub message: String,
    /// Field name → what is wrong with it.
    #[schema(value_type = std::collections::HashMap<String, String>)]
    pub fields: FieldErrors,
    /// For imports: every bad row.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<RowError>,
    /// For a refusal on budget (`over_budget`): each agreement and how much it lacks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub shortfalls: Vec<Shortfall>,
}

impl AppError {
    fn code(&self) -> &'static str {
        match self {
            AppError::BadRequest { code, .. } => code,
            AppError::Validation { .. } => "validation_failed",
            AppError::InvalidRows { .. } => "invalid_rows",
            AppError::Unauthorized => "unauthorized",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound(_) => "not_found",
            AppError::MethodNotAllowed { .. } => "method_not_allowed",
            AppError::Conflict { .. } => "conflict",
            AppError::OverBudget(_) => "over_budget",
            AppError::PayloadTooLarge { .. } => "payload_too_large",
            AppError::Unavailable(_) => "unavailable",
            AppError::Internal(_) => "internal",
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::Validation { .. } | AppError::InvalidRows { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Conflict { .. } | AppError::OverBudget(_) => StatusCode::CONFLICT,
            AppError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let (message, fields, rows) = match self {
            AppError::BadRequest { message, fields, .. }
            | AppError::Validation { message, fields }
            | AppError::Conflict { message, fields } => (message.clone(), fields.clone(), Vec::new()),
            AppError::InvalidRows { message, rows } => (message.clone(), FieldErrors::new(), rows.clone()),
            AppError::OverBudget(_) => (
                self.to_string(),
                [("override_budget_reason".to_owned(), "required to go past an agreement's budget".to_owned())].into(),
                Vec::new(),
            ),
            AppError::Unavailable(detail) => {
                tracing::warn!(%detail, "database unavailable");
                (
                    "the database is not available right now; nothing was changed, try again shortly".to_owned(),
                    FieldErrors::new(),
                    Vec::new(),
                )
            }
            AppError::Internal(error) => {
                tracing::error!(error = format!("{error:#}"), "internal error");
                (
                    "something went wrong on our side; it has been logged, and nothing was changed".to_owned(),
                    FieldErrors::new(),
                    Vec::new(),
                )
            }
            other => (other.to_string(), FieldErrors::new(), Vec::new()),
        };
        let mut response = HttpResponse::build(self.status_code());
        match self {
            AppError::Unauthorized => {
                response.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
            }
            AppError::Unavailable(_) => {
                response.insert_header((header::RETRY_AFTER, HeaderValue::from_static("5")));
            }
            AppError::MethodNotAllowed { allowed } => {
                if let Ok(allow) = HeaderValue::from_str(allowed) {
                    response.insert_header((header::ALLOW, allow));
                }
            }
            _ => {}
        }
        let shortfalls = match self {
            AppError::OverBudget(shortfalls) => shortfalls.clone(),
            _ => Vec::new(),
        };
        response.json(ErrorBody { error: ErrorDetail { code: self.code(), message, fields, rows, shortfalls } })
    }
}
