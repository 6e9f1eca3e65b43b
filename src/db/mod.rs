//! One database layer for both backends: SQLite (embedded, the default) and
//! PostgreSQL (production), chosen by the URL's scheme.
//!
//! Diesel is synchronous, so every query runs on actix's blocking pool through
//! [`run`]; no diesel call happens inside an `async fn` body.

pub mod backup;
pub mod schema;
pub mod version;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ManageConnection, R2D2Connection};
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::error::AppError;

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// The connection pool, with what it knows of the database's health. It
/// derefs to the r2d2 pool, so `pool.get()` works as on any pool; requests
/// go through [`run`], which fails fast while the database is down.
#[derive(Clone)]
pub struct DbPool {
    pool: r2d2::Pool<ConnectionManager>,
    health: Arc<Health>,
}

impl std::ops::Deref for DbPool {
    type Target = r2d2::Pool<ConnectionManager>;

    fn deref(&self) -> &Self::Target {
        &self.pool
    }
}

impl std::fmt::Debug for DbPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbPool").field("state", &self.pool.state()).finish()
    }
}

/// What the pool knows of the database's health: whether the last attempt to
/// open a connection failed, and why (the pool opens connections in the
/// background, so a request waiting for one would otherwise only learn that
/// the database is down when its whole connection timeout has passed); and
/// whether pooled connections must be checked before use.
///
/// Checking every connection at checkout (r2d2's `test_on_check_out`) costs a
/// round trip per checkout, as much as a request's own query. A connection
/// only dies with the database or the network, so it is checked when the
/// pool has been idle (the database may have restarted meanwhile) or a
/// connection has lately been found dead, and not while requests keep the
/// pool busy.
#[derive(Debug)]
struct Health {
    failing: Mutex<Option<String>>,
    epoch: Instant,
    /// Milliseconds since `epoch` of the last checkout.
    last_checkout: AtomicU64,
    /// Until when (milliseconds since `epoch`) every connection is checked.
    suspect_until: AtomicU64,
}

impl Default for Health {
    fn default() -> Self {
        Self { failing: Mutex::default(), epoch: Instant::now(), last_checkout: 0.into(), suspect_until: 0.into() }
    }
}

impl Health {
    fn record(&self, outcome: Result<(), String>) {
        if outcome.is_err() {
            self.connection_lost();
        }
        *self.failing.lock().unwrap_or_else(|e| e.into_inner()) = outcome.err();
    }

    fn failing(&self) -> Option<String> {
        self.failing.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// A connection was found dead, or none could be opened: check every
    /// connection for a while, so that the other dead ones are found before
    /// a request gets them.
    fn connection_lost(&self) {
        self.suspect_until.store(self.now() + SUSPECT_FOR.as_millis() as u64, Ordering::Relaxed);
    }

    fn suspect(&self) -> bool {
        self.now() < self.suspect_until.load(Ordering::Relaxed)
    }

    /// Whether a connection just taken from the pool must be checked first;
    /// counts the checkout.
    fn check_on_checkout(&self) -> bool {
        let now = self.now();
        let previous = self.last_checkout.swap(now, Ordering::Relaxed);
        self.suspect() || now.saturating_sub(previous) > IDLE_BEFORE_CHECK.as_millis() as u64
    }
}

/// A pool unused for this long may hold connections the database has
/// dropped meanwhile; the next checkout checks its connection.
const IDLE_BEFORE_CHECK: Duration = Duration::from_secs(1);

/// How long after a dead connection every checkout checks its connection.
const SUSPECT_FOR: Duration = Duration::from_secs(60);

/// How long a request waits for a connection before it asks whether the
/// database is down; while it is, the request is refused after this long.
const OUTAGE_CHECK: Duration = Duration::from_millis(250);

/// How long a request waits for a connection when the database is up but
/// every connection is busy.
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(10);

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Where the data lives, parsed from `database.url`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseTarget {
    /// A file path; relative paths are relative to the working directory.
    Sqlite(PathBuf),
    /// A libpq connection URL.
    Postgres(String),
}

impl DatabaseTarget {
    /// `sqlite://relative/path.sqlite`, `sqlite:///absolute/path.sqlite`,
    /// `postgres://…` or `postgresql://…`.
    pub fn parse(url: &str) -> Result<Self, String> {
        let url = url.trim();
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err("sqlite:// needs a file path, e.g. sqlite://data/strumpavtal.sqlite".into());
            }
            if path == ":memory:" {
                // Each pooled connection would be a different, empty database.
                return Err("an in-memory SQLite database cannot be shared by a pool; give a file path".into());
            }
            Ok(Self::Sqlite(PathBuf::from(path)))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres(url.to_owned()))
        } else {
            Err(format!(
                "database.url must start with sqlite:// or postgres:// (got {:?})",
                url.split(':').next().unwrap_or_default()
            ))
        }
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }
}

/// An r2d2 manager that opens the backend the URL names, and sets up every
/// SQLite connection the way concurrent use needs it.
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    target: DatabaseTarget,
    busy_timeout: Duration,
    health: Arc<Health>,
}

impl ConnectionManager {
    pub fn new(target: DatabaseTarget, busy_timeout: Duration) -> Self {
        Self { target, busy_timeout, health: Arc::default() }
    }

    fn open(&self) -> Result<DbConnection, r2d2::Error> {
        match &self.target {
            DatabaseTarget::Postgres(url) => {
                PgConnection::establish(url).map(DbConnection::Postgres).map_err(r2d2::Error::ConnectionError)
            }
            DatabaseTarget::Sqlite(path) => {
                let path = path.to_string_lossy();
                let mut conn = SqliteConnection::establish(&path).map_err(r2d2::Error::ConnectionError)?;
                // The busy timeout makes a second writer wait instead of
                // failing at once. (WAL is set once, in `connect`: switching
                // the journal needs a lock that a busy database may not give.)
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {}; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                    self.busy_timeout.as_millis()
                ))
                .map_err(r2d2::Error::QueryError)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }
}

impl ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        let connection = self.open();
        self.health.record(connection.as_ref().map(|_| ()).map_err(ToString::to_string));
        connection
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        conn.ping().map(|_| ()).map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        // A connection given back while a panic unwinds may still hold a
        // transaction or a session lock (the planner's): close it. While
        // connections are dying, one that is given back is checked, so that
        // a dead one leaves the pool (diesel counts a PostgreSQL connection
        // lost outside a transaction as whole).
        std::thread::panicking() || conn.is_broken() || (self.health.suspect() && conn.ping().is_err())
    }
}

/// Opens a pool on the configured database and applies pending migrations.
pub fn open(settings: &crate::config::DatabaseSettings) -> anyhow::Result<DbPool> {
    connect(&settings.url, settings.pool_size, Duration::from_millis(settings.busy_timeout_ms))
}

/// Opens a pool and applies pending migrations.
pub fn connect(url: &str, pool_size: u32, busy_timeout: Duration) -> anyhow::Result<DbPool> {
    let target = DatabaseTarget::parse(url).map_err(anyhow::Error::msg)?;
    if let DatabaseTarget::Sqlite(path) = &target
        && let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)
            .map_err(|e| anyhow::anyhow!("cannot create the folder {} for the database: {e}", dir.display()))?;
    }
    if let DatabaseTarget::Sqlite(path) = &target {
        // WAL lets readers run beside the one writer; it is a property of the
        // file, so setting it once is enough.
        let mut conn = SqliteConnection::establish(&path.to_string_lossy())
            .map_err(|e| anyhow::anyhow!("cannot open the database at {}: {e}", path.display()))?;
        conn.batch_execute(&format!("PRAGMA busy_timeout = {}; PRAGMA journal_mode = WAL;", busy_timeout.as_millis()))?;
    }
    let manager = ConnectionManager::new(target, busy_timeout);
    let health = manager.health.clone();
    let pool = r2d2::Pool::builder()
        .max_size(pool_size)
        .connection_timeout(CONNECTION_TIMEOUT)
        // `checkout` checks connections when there is reason to.
        .test_on_check_out(false)
        .build(manager)
        .map_err(|e| anyhow::anyhow!("cannot open the database at {}: {e}", redact(url)))?;
    let mut conn = pool.get()?;
    run_migrations(&mut conn)?;
    drop(conn);
    Ok(DbPool { pool, health })
}

/// A connection for a request. When none is free at once, waits in short
/// steps: if meanwhile the pool's last attempt to connect failed, the
/// database is down and the request is refused at once (503) rather than
/// after the whole connection timeout; otherwise all connections are busy,
/// and it waits up to that timeout. A connection that fails its check
/// (see [`Health`]) is given back, which closes it, and another is taken.
pub fn checkout(pool: &DbPool) -> Result<r2d2::PooledConnection<ConnectionManager>, AppError> {
    let deadline = Instant::now() + pool.connection_timeout();
    loop {
        let step = OUTAGE_CHECK.min(deadline.saturating_duration_since(Instant::now()));
        match pool.get_timeout(step) {
            Ok(mut conn) => {
                if !pool.health.check_on_checkout() || conn.ping().is_ok() {
                    return Ok(conn);
                }
                pool.health.connection_lost();
                if Instant::now() >= deadline {
                    return Err(AppError::Unavailable("the database does not answer".into()));
                }
            }
            Err(error) => {
                if let Some(failure) = pool.health.failing() {
                    return Err(AppError::Unavailable(failure));
                }
                if Instant::now() >= deadline {
                    return Err(AppError::Unavailable(error.to_string()));
                }
            }
        }
    }
}

/// The key of the PostgreSQL advisory lock held while migrations run:
/// "STRUMM" (the planner's locks in `cohorts::locks` use other keys).
const MIGRATING: i64 = 0x5354_5255_4d4d;

/// Applies the pending migrations of the connection's backend; returns how
/// many ran. Servers started together on a new database would each see the
/// same migrations pending and race to apply them, and all but one would
/// fail to start; under a lock the others wait, then find none pending.
pub fn run_migrations(conn: &mut DbConnection) -> anyhow::Result<usize> {
    let failed = |e| anyhow::anyhow!("migration failed: {e}");
    match conn {
        DbConnection::Postgres(c) => {
            // A session lock: it outlives each migration's own transaction,
            // and ends with the connection if the process dies.
            diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATING})")).execute(c)?;
            let applied = c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|done| done.len()).map_err(failed);
            diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATING})")).execute(c)?;
            applied
        }
        // SQLite's write lock for the whole run; each migration's own
        // transaction becomes a savepoint inside it.
        DbConnection::Sqlite(c) => c.immediate_transaction(|c| {
            c.run_pending_migrations(SQLITE_MIGRATIONS).map(|done| done.len()).map_err(failed)
        }),
    }
}

/// A database URL without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{}{}{}", &url[..scheme_end + 3], user, &url[at..])
        }
        _ => url.to_owned(),
    }
}

/// Runs `f` with a pooled connection on the blocking thread pool.
pub async fn run<T, F>(pool: &DbPool, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    actix_web::web::block(move || {
        let mut conn = checkout(&pool)?;
        let outcome = f(&mut conn);
        if let Err(AppError::Unavailable(_)) = outcome {
            // The connection died under the request (the database restarted,
            // say); the others may have too.
            pool.health.connection_lost();
        }
        outcome
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!("blocking task failed: {e}")))?
}

/// A transaction that will write. On SQLite it begins `IMMEDIATE`, taking the
/// write lock up front: a deferred transaction that reads first and writes
/// later can fail with "database is locked" instead of waiting its turn.
/// Inside another transaction it becomes a savepoint, as diesel's does.
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match conn {
        DbConnection::Postgres(_) => conn.transaction(f),
        DbConnection::Sqlite(inner) => {
            let nested = AnsiTransactionManager::transaction_manager_status_mut(inner).transaction_depth()?.is_some();
            if nested {
                return conn.transaction(f);
            }
            AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?;
            match f(conn) {
                Ok(value) => {
                    <DbConnection as Connection>::TransactionManager::commit_transaction(conn)?;
                    Ok(value)
                }
                Err(error) => {
                    // The caller's error says what went wrong; a failed rollback
                    // leaves the connection broken, and r2d2 then discards it.
                    let _ = <DbConnection as Connection>::TransactionManager::rollback_transaction(conn);
                    Err(error)
                }
            }
        }
    }
}

/// Bound values one statement may carry: SQLite allows 32,766; staying
/// under 30,000 leaves a margin.
const MAX_VALUES_PER_STATEMENT: usize = 30_000;

/// Rows per multi-row INSERT into a table of `columns` columns.
pub fn rows_per_insert(columns: usize) -> usize {
    MAX_VALUES_PER_STATEMENT / columns
}

/// Inserts many rows (`&[row]`, each a tuple of `column.eq(value)`) in few
/// round trips: COPY on PostgreSQL, which takes them far faster than INSERTs
/// with tens of thousands of bound values; multi-row INSERTs on SQLite, each
/// under its limit of bound values. `$columns` is the number of columns a row
/// sets. Evaluates to a `QueryResult<()>`.
#[macro_export]
macro_rules! insert_rows {
    ($conn:expr, $table:expr, $rows:expr, $columns:expr) => {{
        let rows = $rows;
        match $conn {
            $crate::db::DbConnection::Postgres(pg) => {
                diesel::copy_from($table).from_insertable(rows).execute(pg).map(|_| ())
            }
            $crate::db::DbConnection::Sqlite(lite) => rows
                .chunks($crate::db::rows_per_insert($columns))
                .try_for_each(|chunk| diesel::insert_into($table).values(chunk).execute(lite).map(|_| ())),
        }
    }};
}

/// Whether the database answers.
pub fn ping(conn: &mut DbConnection) -> Result<(), diesel::result::Error> {
    diesel::select(diesel::dsl::sql::<diesel::sql_types::Integer>("1")).execute(conn).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_name_relative_and_absolute_files() {
        assert_eq!(
            DatabaseTarget::parse("sqlite://data/strumpavtal.sqlite"),
            Ok(DatabaseTarget::Sqlite(PathBuf::from("data/strumpavtal.sqlite")))
        );
        assert_eq!(
            DatabaseTarget::parse("sqlite:///var/lib/s.sqlite"),
            Ok(DatabaseTarget::Sqlite(PathBuf::from("/var/lib/s.sqlite")))
        );
    }

    #[test]
    fn postgres_urls_are_kept_whole() {
        let url = "postgres://app@127.0.0.1:5432/strumpavtal";
        assert_eq!(DatabaseTarget::parse(url), Ok(DatabaseTarget::Postgres(url.into())));
        assert!(matches!(DatabaseTarget::parse("postgresql://localhost/x"), Ok(DatabaseTarget::Postgres(_))));
    }

    #[test]
    fn other_urls_are_refused() {
        assert!(DatabaseTarget::parse("mysql://localhost/x").is_err());
        assert!(DatabaseTarget::parse("data.sqlite").is_err());
        assert!(DatabaseTarget::parse("sqlite://").is_err());
        assert!(DatabaseTarget::parse("sqlite://:memory:").is_err());
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact("postgres://app:secret@db:5432/x"), "postgres://app@db:5432/x");
        assert_eq!(redact("sqlite://data/x.sqlite"), "sqlite://data/x.sqlite");
    }
}
