//! `strumpavtal backup --to FILE`: a consistent copy of a running SQLite
//! database, taken with `VACUUM INTO`. It reads one snapshot inside a read
//! transaction, so the service keeps serving (and writing, with WAL) while
//! it runs, and the copy is a compact, ordinary database file — restoring
//! is putting it where `database.url` points (docs/operations.md).
//! PostgreSQL has `pg_dump` for this.

use std::path::Path;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, RunQueryDsl};

use super::DatabaseTarget;

/// Copies the SQLite database of `url` to the new file `to`; returns its size in bytes.
pub fn sqlite_backup(url: &str, to: &Path, busy_timeout: Duration) -> anyhow::Result<u64> {
    let path = match DatabaseTarget::parse(url).map_err(anyhow::Error::msg)? {
        DatabaseTarget::Sqlite(path) => path,
        DatabaseTarget::Postgres(_) => {
            anyhow::bail!("`backup` copies SQLite databases; back up PostgreSQL with pg_dump (see docs/operations.md)")
        }
    };
    // Opening a missing file would create an empty database, and back that up.
    if !path.is_file() {
        anyhow::bail!("there is no database at {}", path.display());
    }
    if to.exists() {
        anyhow::bail!("{} already exists; give a new file, so no backup is overwritten", to.display());
    }
    let to_text = to.to_str().ok_or_else(|| anyhow::anyhow!("{} is not a UTF-8 path", to.display()))?;
    let mut conn = SqliteConnection::establish(&path.to_string_lossy())
        .map_err(|e| anyhow::anyhow!("cannot open the database at {}: {e}", path.display()))?;
    conn.batch_execute(&format!("PRAGMA busy_timeout = {};", busy_timeout.as_millis()))?;
    diesel::sql_query("VACUUM INTO ?")
        .bind::<diesel::sql_types::Text, _>(to_text)
        .execute(&mut conn)
        .map_err(|e| anyhow::anyhow!("the backup to {} failed: {e}", to.display()))?;
    Ok(std::fs::metadata(to)?.len())
}
