//! Workbooks as Excel writes them, made with rust_xlsxwriter from cells the
//! fuzzer chooses, then read as the upload page reads them. Raw bytes
//! (`xlsx_import`) seldom get past the zip's checksums; this target reaches
//! the sheet itself. A well-formed workbook must always be readable (unless
//! it is far larger than an import), its CSV text must be rectangular, no
//! rows may be left out above its first cell, and the preview may not fail.
//!
//! The input is text, one cell a line: `ROW COLUMN KIND VALUE`, the row and
//! column counted from 0 and KIND one of `s` (text), `n` (number), `b`
//! (boolean) or `d` (a date, `YYYY-MM-DD`). Lines that do not parse, and
//! cells rust_xlsxwriter refuses (a date before 1900, infinity), are left out.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};
use strumpavtal::registry::import;
use strumpavtal::registry::xlsx::{self, Kind};
use strumpavtal_fuzz::{Fixture, fixture};

fuzz_target!(|input: &str| {
    let Some((bytes, first_row)) = workbook(input) else { return };
    assert_eq!(xlsx::kind_of(&bytes), Kind::Xlsx);
    let (text, rows_above) = match xlsx::first_sheet_as_csv(&bytes) {
        Ok(read) => read,
        // Refused on purpose: far more cells than an import takes.
        Err(problem) if problem.contains("an import takes at most") => return,
        Err(problem) => panic!("a workbook as Excel writes it is unreadable: {problem}"),
    };
    assert!(rows_above as u32 <= first_row, "{rows_above} rows left out above a sheet starting on row {first_row}");
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(text.as_bytes());
    for record in reader.records() {
        record.expect("every row of the text has as many cells as the first");
    }
    let mut guard = fixture();
    let Fixture { conn, caller, .. } = &mut *guard;
    import::preview(conn, caller, text.as_bytes()).expect("a coordinator's preview fails only if the database does");
});

/// The cells as an XLSX file, and the first row with a value; `None` when
/// no cell has one.
fn workbook(input: &str) -> Option<(Vec<u8>, u32)> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let date_format = Format::new().set_num_format("yyyy-mm-dd");
    let mut first_row = None::<u32>;
    for line in input.lines() {
        let mut parts = line.splitn(4, ' ');
        let (Some(row), Some(column), Some(kind), Some(value)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let (Ok(row), Ok(column)) = (row.parse::<u32>(), column.parse::<u16>()) else { continue };
        // Anywhere on a sheet: Excel has 1,048,576 rows and 16,384 columns.
        let (row, column) = (row % 1_048_576, column % 16_384);
        let written: Result<(), XlsxError> = match kind {
            "s" => sheet.write_string(row, column, value).map(drop),
            "n" => match value.parse::<f64>() {
                Ok(number) => sheet.write_number(row, column, number).map(drop),
                Err(_) => continue,
            },
            "b" => sheet.write_boolean(row, column, value == "true").map(drop),
            "d" => match date(value) {
                Some(date) => sheet.write_datetime_with_format(row, column, &date, &date_format).map(drop),
                None => continue,
            },
            _ => continue,
        };
        // An empty text may be stored as no cell at all.
        if written.is_ok() && !(kind == "s" && value.is_empty()) {
            first_row = Some(first_row.map_or(row, |first| first.min(row)));
        }
    }
    Some((workbook.save_to_buffer().ok()?, first_row?))
}

fn date(text: &str) -> Option<ExcelDateTime> {
    let mut parts = text.splitn(3, '-');
    let (year, month, day) = (parts.next()?.parse().ok()?, parts.next()?.parse().ok()?, parts.next()?.parse().ok()?);
    ExcelDateTime::from_ymd(year, month, day).ok()
}
