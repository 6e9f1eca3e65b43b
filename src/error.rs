//! The one error type of the service. Each variant says what the caller did
//! wrong (or that we failed); `web::error` turns it into the JSON answer
//! `{"error": {"code", "message", "fields"}}`.

use std::collections::BTreeMap;

/// Field name → what is wrong with it, in the order of the field names.
pub type FieldErrors = BTreeMap<String, String>;

/// One bad row of an import: its row number as a spreadsheet shows it (the
/// header is row 1), the column, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct RowError {
    pub row: usize,
    pub column: String,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The body is not the JSON (or CSV) the endpoint takes.
    #[error("{message}")]
    BadRequest { code: &'static str, message: String, fields: FieldErrors },
    /// Well-formed input whose values break a rule.
    #[error("{message}")]
    Validation { message: String, fields: FieldErrors },
    /// An import with bad rows; nothing was stored.
    #[error("{message}")]
    InvalidRows { message: String, rows: Vec<RowError> },
    #[error("no valid API token was given")]
    Unauthorized,
    #[error("{0}")]
    Forbidden(String),
    /// Also what a caller gets for another organisation's data.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The path exists but takes other methods, which `allowed` lists.
    #[error("this address takes {allowed}")]
    MethodNotAllowed { allowed: String },
    /// A unique key is taken, or the change clashes with the resource's state.
    #[error("{message}")]
    Conflict { message: String, fields: FieldErrors },
    /// Confirming (or joining) would take agreements past their budgets.
    #[error("{}", over_budget_message(.0))]
    OverBudget(Vec<crate::invoicing::ledger::Shortfall>),
    #[error("the request body is larger than the limit of {limit} bytes")]
    PayloadTooLarge { limit: usize },
    /// The database cannot be reached; the caller may try again.
    #[error("the database is not available: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    /// A validation error about one field.
    pub fn field(field: &str, problem: impl Into<String>) -> Self {
        let mut fields = FieldErrors::new();
        fields.insert(field.to_owned(), problem.into());
        Self::invalid(fields)
    }

    /// A validation error about the given fields (none empty).
    pub fn invalid(fields: FieldErrors) -> Self {
        let message = match fields.len() {
            1 => {
                let (field, problem) = fields.iter().next().expect("one field");
                format!("{field}: {problem}")
            }
            n => format!("{n} fields are invalid"),
        };
        Self::Validation { message, fields }
    }

    pub fn conflict(field: &str, problem: impl Into<String>) -> Self {
        let problem = problem.into();
        let mut fields = FieldErrors::new();
        fields.insert(field.to_owned(), problem.clone());
        Self::Conflict { message: format!("{field}: {problem}"), fields }
    }
}

/// Collects field problems while a request is checked, so the caller learns
/// about every bad field at once rather than one per round trip.
#[derive(Debug, Default)]
pub struct Problems(FieldErrors);

impl Problems {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: &str, problem: impl Into<String>) {
        // The first problem found with a field is the one to fix first.
        self.0.entry(field.to_owned()).or_insert_with(|| problem.into());
    }

    /// Keeps the value when it is `Ok`, records the problem when it is not.
    pub fn check<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(problem) => {
                self.add(field, problem);
                None
            }
        }
    }

    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_fields(self) -> FieldErrors {
        self.0
    }

    pub fn into_result(self) -> Result<(), AppError> {
        if self.0.is_empty() { Ok(()) } else { Err(AppError::invalid(self.0)) }
    }
}

fn over_budget_message(shortfalls: &[crate::invoicing::ledger::Shortfall]) -> String {
    let each: Vec<String> = shortfalls
        .iter()
        .map(|s| {
            format!(
                "{} ({}) has {} left and would be charged {}, {} short",
                s.agreement_reference, s.organisation_name, s.remaining_ore, s.share_ore, s.shortfall_ore
            )
        })
        .collect();
    format!(
        "the budget does not allow it: {}; a coordinator may override this with override_budget_reason",
        each.join("; ")
    )
}

impl From<diesel::result::Error> for AppError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match error {
            Error::NotFound => AppError::NotFound("record"),
            // Checks before each write name the field; this is the backstop for
            // two requests racing for the same key.
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => AppError::Conflict {
                message: format!("already exists: {}", info.message()),
                fields: FieldErrors::new(),
            },
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                AppError::Unavailable(info.message().to_owned())
            }
            Error::DatabaseError(_, ref info) if is_connection_lost(info.message()) => {
                AppError::Unavailable(info.message().to_owned())
            }
            other => AppError::Internal(other.into()),
        }
    }
}

fn is_connection_lost(message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    message.contains("server closed the connection")
        || message.contains("connection refused")
        || message.contains("terminating connection")
        || message.contains("no connection to the server")
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(error: diesel::r2d2::PoolError) -> Self {
        AppError::Unavailable(error.to_string())
    }
}
