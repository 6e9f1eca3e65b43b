//! An uploaded CSV file, through the import the API and the upload page use:
//! `preview` (what the page shows) and `import` (what stores the rows).
//! Neither may panic or fail as a server error, and they must agree: the
//! preview calls a file storable exactly when the import stores it, row for row.

#![no_main]

use libfuzzer_sys::fuzz_target;
use strumpavtal::db::write_transaction;
use strumpavtal::error::AppError;
use strumpavtal::registry::import::{self, COLUMNS};
use strumpavtal_fuzz::{Fixture, fixture, rolled_back};

fuzz_target!(|bytes: &[u8]| {
    let mut guard = fixture();
    let Fixture { conn, caller, .. } = &mut *guard;
    let preview =
        import::preview(conn, caller, bytes).expect("a coordinator's preview fails only if the database does");
    for row in &preview.rows {
        assert_eq!(row.cells.len(), COLUMNS.len(), "row {} has its cells in the order of COLUMNS", row.number);
    }
    let imported = rolled_back(conn, |conn| write_transaction(conn, |conn| import::import(conn, caller, bytes)));
    match imported {
        Ok(result) => {
            assert!(preview.is_storable(), "stored a file whose preview has problems: {preview:?}");
            assert_eq!(result.count, preview.rows.len());
        }
        Err(AppError::InvalidRows { rows, .. }) => {
            assert!(!preview.is_storable(), "refused a file whose preview is clean: {rows:?}");
            assert!(!rows.is_empty(), "a refused import says which rows are wrong");
        }
        Err(other) => panic!("the import failed with {other:?}"),
    }
});
