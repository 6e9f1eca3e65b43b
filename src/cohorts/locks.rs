//! Database locks that let several server processes share one database.
//!
//! On PostgreSQL they are advisory locks, which live in the database (not in
//! a process) and end with the session or transaction that holds them, so a
//! killed server leaves none behind. On SQLite every write transaction
//! begins `IMMEDIATE` and holds the file's one write lock (see
//! `db::write_transaction`), which orders the stores and cohort changes
//! across processes; these functions do nothing there.
//!
//! - [`plan_running`]: on PostgreSQL, one plan at a time, from reading the
//!   needs to the answer. A second plan meanwhile is refused with 409, so
//!   that nobody waits minutes for a plan that would store what the first
//!   one stores. On SQLite two plans may solve at once; the later store
//!   supersedes the earlier.
//! - [`plan_storing`] and [`cohort_changing`]: a plan stores its proposals
//!   (superseding the earlier ones) while no cohort changes, and no cohort
//!   changes while a plan stores. Without it a confirm could commit after
//!   the plan read which seats confirmed cohorts hold but before it stored,
//!   and the new proposals would place those seats a second time.

use diesel::RunQueryDsl;
use diesel::sql_types::Bool;

use crate::db::DbConnection;
use crate::error::AppError;

/// The key of the advisory lock held while a plan runs: "STRUMR".
const PLAN_RUNNING: i64 = 0x5354_5255_4d52;
/// The key of the advisory lock a plan holds alone while it stores, and
/// every change to a cohort holds shared: "STRUMP".
const PLAN_STORING: i64 = 0x5354_5255_4d50;

#[derive(diesel::QueryableByName)]
struct Taken {
    #[diesel(sql_type = Bool)]
    taken: bool,
}

/// Runs `f` holding the plan-running lock, or refuses with 409 when another
/// plan (in this process or another) holds it. The lock belongs to the
/// database session, so it is released after `f` however `f` ends; if the
/// release itself fails the connection is broken, and its end releases it.
pub(crate) fn plan_running<T>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, AppError>,
) -> Result<T, AppError> {
    let DbConnection::Postgres(pg) = conn else { return f(conn) };
    let taken = diesel::sql_query(format!("SELECT pg_try_advisory_lock({PLAN_RUNNING}) AS taken"))
        .get_result::<Taken>(pg)?
        .taken;
    if !taken {
        return Err(AppError::conflict(
            "plan",
            "a plan is already running; its proposals replace the earlier ones when it is done, so try again then",
        ));
    }
    let result = f(conn);
    if let DbConnection::Postgres(pg) = conn
        && let Err(error) = diesel::sql_query(format!("SELECT pg_advisory_unlock({PLAN_RUNNING})")).execute(pg)
    {
        tracing::warn!(%error, "the plan lock could not be released; the connection's end releases it");
    }
    result
}

/// Inside a plan's write transaction, before it reads what it stores
/// against: waits for the cohort changes under way and holds off new ones
/// until the transaction ends.
pub(crate) fn plan_storing(conn: &mut DbConnection) -> Result<(), AppError> {
    if let DbConnection::Postgres(pg) = conn {
        diesel::sql_query(format!("SELECT pg_advisory_xact_lock({PLAN_STORING})")).execute(pg)?;
    }
    Ok(())
}

/// Inside a cohort change's write transaction, before it touches any row:
/// waits while a plan stores. Changes do not wait for each other here.
pub(crate) fn cohort_changing(conn: &mut DbConnection) -> Result<(), AppError> {
    if let DbConnection::Postgres(pg) = conn {
        diesel::sql_query(format!("SELECT pg_advisory_xact_lock_shared({PLAN_STORING})")).execute(pg)?;
    }
    Ok(())
}
