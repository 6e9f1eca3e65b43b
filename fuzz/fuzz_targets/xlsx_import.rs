//! An uploaded file as the upload page reads it: told apart by its first
//! bytes and, if it is a workbook, its first sheet turned into CSV text and
//! previewed by the same import as a CSV file. Neither step may panic, and
//! the preview may not fail.

#![no_main]

use libfuzzer_sys::fuzz_target;
use strumpavtal::registry::import;
use strumpavtal::registry::xlsx::{self, Kind};
use strumpavtal_fuzz::{Fixture, fixture};

fuzz_target!(|bytes: &[u8]| {
    if xlsx::kind_of(bytes) != Kind::Xlsx {
        return;
    }
    let Ok((text, _rows_above)) = xlsx::first_sheet_as_csv(bytes) else { return };
    let mut guard = fixture();
    let Fixture { conn, caller, .. } = &mut *guard;
    import::preview(conn, caller, text.as_bytes()).expect("a coordinator's preview fails only if the database does");
});
