//! The data's version: a token that changes whenever a change to what the
//! API's cached reads show is committed, and never comes back. A cached
//! answer is given only while the token is the one it was computed under.
//!
//! SQLite: a number that triggers on the domain's tables move (migration
//! `data_version`). PostgreSQL: `pg_current_snapshot()`, which changes
//! whenever any transaction in the cluster ends. A shared counter would do
//! there too, but every writer would queue on its row lock until commit;
//! the snapshot costs writers nothing, and changes more often than needed,
//! which only makes some cached answers be computed again.
//!
//! Why a token read before the answer is computed can vouch for it: a change
//! committed after the token was read changes the token, so the answer is
//! never given again; one committed before is in the answer.

use diesel::RunQueryDsl;
use diesel::sql_types::{BigInt, Text};

use super::DbConnection;
use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataVersion(String);

impl From<String> for DataVersion {
    fn from(token: String) -> Self {
        Self(token)
    }
}

/// The version now.
pub fn current(conn: &mut DbConnection) -> Result<DataVersion, AppError> {
    let token = match conn {
        DbConnection::Postgres(pg) => {
            diesel::select(diesel::dsl::sql::<Text>("pg_current_snapshot()::text")).get_result::<String>(pg)?
        }
        DbConnection::Sqlite(lite) => {
            diesel::select(diesel::dsl::sql::<BigInt>("(SELECT version FROM data_version WHERE id = 1)"))
                .get_result::<i64>(lite)?
                .to_string()
        }
    };
    Ok(DataVersion(token))
}

#[cfg(test)]
mod tests {
    use diesel::QueryableByName;
    use diesel::sql_types::Text;

    use super::*;

    /// Tables whose changes no cached answer shows.
    const UNWATCHED: [&str; 7] = [
        "users",
        "api_tokens",
        "web_sessions",
        "audit_log",
        "email_outbox",
        "data_version",
        "__diesel_schema_migrations",
    ];

    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = Text)]
        name: String,
    }

    fn names(conn: &mut DbConnection, sql: &str) -> Vec<String> {
        diesel::sql_query(sql).load::<Name>(conn).unwrap().into_iter().map(|n| n.name).collect()
    }

    #[test]
    fn on_sqlite_every_change_to_a_watched_table_moves_the_version() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("version.sqlite").display());
        let pool = crate::db::connect(&url, 1, std::time::Duration::from_secs(5)).unwrap();
        let mut conn = pool.get().unwrap();
        let tables =
            names(&mut conn, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
        let watched: Vec<&String> = tables.iter().filter(|t| !UNWATCHED.contains(&t.as_str())).collect();
        assert!(watched.len() >= 13, "{tables:?}");
        // A table added later without its triggers fails here.
        for table in &watched {
            for event in ["INSERT", "UPDATE", "DELETE"] {
                let sql = format!(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = '{table}' \
                     AND sql LIKE '%AFTER {event} ON {table}%' AND sql LIKE '%UPDATE data_version SET version = version + 1%'"
                );
                assert_eq!(names(&mut conn, &sql).len(), 1, "{table} has no trigger after {event}");
            }
        }
        // And the triggers work: an insert, an update and a delete each move it.
        let mut moved = |sql: &str| {
            let before = current(&mut conn).unwrap();
            assert_eq!(current(&mut conn).unwrap(), before, "reading changes nothing");
            diesel::sql_query(sql).execute(&mut conn).unwrap();
            assert_ne!(current(&mut conn).unwrap(), before, "{sql}");
        };
        moved(
            "INSERT INTO courses (code, title, credits_tenths, min_participants, max_participants, fixed_fee_ore, \
             per_participant_fee_ore, created_at, updated_at) \
             VALUES ('X1', 'Kurs', 75, 2, 10, 100, 10, '2026-11-30 12:00:00', '2026-11-30 12:00:00')",
        );
        moved("UPDATE courses SET title = 'Ny kurs' WHERE code = 'X1'");
        moved("DELETE FROM courses WHERE code = 'X1'");
    }
}
