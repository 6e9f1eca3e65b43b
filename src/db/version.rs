//! The data's version: a number that grows whenever a change to what the
//! API's kept answers show is committed. A kept answer is given only while
//! the version is the one it was computed under.
//!
//! Both backends keep it in a table `data_version` that triggers on the
//! domain's tables move (migration `data_version`), and show it as the view
//! `data_version_now`, read by one typed query whose prepared statement the
//! connection keeps. On SQLite, which has one writer at a time, each changed
//! row moves one number. On PostgreSQL a statement only notes that its
//! transaction changed something, and the number moves at commit, on one of
//! 64 rows chosen by the backend's process id: writers never queue for the
//! whole of their transactions on one row, and the version is the sum.
//!
//! Why a version read before the answer is computed can vouch for it: a
//! change committed after the version was read moves it, so the answer is
//! never given again; one committed before is in the answer.

use diesel::prelude::*;

use super::DbConnection;
use crate::error::AppError;

diesel::table! {
    /// A view of one row and one column.
    data_version_now (version) {
        version -> BigInt,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DataVersion(pub i64);

/// The version now.
pub fn current(conn: &mut DbConnection) -> Result<DataVersion, AppError> {
    Ok(DataVersion(data_version_now::table.select(data_version_now::version).first(conn)?))
}
