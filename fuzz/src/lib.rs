//! What the fuzz targets share: a database holding the demo data, and a
//! coordinator to call the registry as.
//!
//! The import and the JSON bodies are checked against the registry (does
//! the agreement exist, is the term inside its period), so their targets
//! run the service's own functions on a real SQLite database. It lives in
//! memory, on one connection that is never pooled, and every input's writes
//! are rolled back: each input sees the same data, so a crash found once
//! is found again from its file alone.

use std::sync::{LazyLock, Mutex, MutexGuard};

use chrono::NaiveDate;
use diesel::connection::SimpleConnection;
use diesel::{Connection, SqliteConnection};
use strumpavtal::access::{Caller, Role};
use strumpavtal::config::AgreementSettings;
use strumpavtal::db::{self, DbConnection};
use strumpavtal::error::AppError;
use strumpavtal::ids::UserId;
use strumpavtal::registry::demo;

pub struct Fixture {
    pub conn: DbConnection,
    pub caller: Caller,
    /// As in config/default.toml.
    pub limits: AgreementSettings,
}

/// The demo's periods follow "today"; a fixed day keeps every run alike.
/// With it the demo's agreement SKO-HAR-01 runs 2025-01-01 – 2028-12-31.
pub const TODAY: (i32, u32, u32) = (2026, 11, 30);

static FIXTURE: LazyLock<Mutex<Fixture>> = LazyLock::new(|| Mutex::new(set_up()));

/// The shared fixture. libFuzzer runs one input at a time, so the lock is never contended.
pub fn fixture() -> MutexGuard<'static, Fixture> {
    FIXTURE.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn set_up() -> Fixture {
    let mut sqlite = SqliteConnection::establish(":memory:").expect("an in-memory SQLite database");
    sqlite.batch_execute("PRAGMA foreign_keys = ON;").expect("foreign keys on");
    let mut conn = DbConnection::Sqlite(sqlite);
    db::run_migrations(&mut conn).expect("migrations");
    let limits = AgreementSettings { min_years: 2, max_years: 4 };
    let (y, m, d) = TODAY;
    let today = NaiveDate::from_ymd_opt(y, m, d).expect("a date");
    demo::load_if_empty(&mut conn, today, &limits).expect("the demo data loads").expect("an empty database");
    // Nothing the targets call looks the user up; the role is what counts.
    let caller = Caller {
        user_id: UserId(1),
        email: "samordnare@strumpavtal.example".into(),
        role: Role::Coordinator,
        organisation_id: None,
    };
    Fixture { conn, caller, limits }
}

/// Runs `f` in a transaction that is rolled back whatever `f` returns.
pub fn rolled_back<T>(conn: &mut DbConnection, f: impl FnOnce(&mut DbConnection) -> T) -> T {
    let mut outcome = None;
    let rollback = conn.transaction::<(), diesel::result::Error, _>(|conn| {
        outcome = Some(f(conn));
        Err(diesel::result::Error::RollbackTransaction)
    });
    // Any other error would leave the next input a different database.
    assert!(matches!(rollback, Err(diesel::result::Error::RollbackTransaction)), "rollback failed: {rollback:?}");
    outcome.expect("the closure ran")
}

/// Whether an error is the service's own failure (a 500 or 503) rather than
/// an answer about the input. No input may cause one.
pub fn is_server_failure(error: &AppError) -> bool {
    matches!(error, AppError::Internal(_) | AppError::Unavailable(_))
}
