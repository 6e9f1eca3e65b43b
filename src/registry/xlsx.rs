//! Reading an uploaded spreadsheet: a CSV file as it is, or the first sheet
//! of an Excel workbook turned into the same CSV text, so that one import
//! checks both.

use std::collections::BTreeSet;
use std::io::Cursor;

use calamine::{Data, DataRef, Reader, Xlsx, XlsxError, open_workbook_from_rs};

use super::import::{COLUMNS, MAX_ROWS};

/// What kind of file was uploaded, judged by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Csv,
    Xlsx,
    /// An Excel workbook from before 2007 (`.xls`).
    OldExcel,
    /// Pictures, PDFs, Word documents …
    Other,
}

pub fn kind_of(bytes: &[u8]) -> Kind {
    if bytes.starts_with(b"PK\x03\x04") {
        Kind::Xlsx
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        Kind::OldExcel
    } else if bytes.contains(&0) || bytes.iter().take(4096).any(|&b| b < 0x09 || (0x0E..0x20).contains(&b)) {
        // Text never holds NUL or these control bytes; a CSV file is text.
        Kind::Other
    } else {
        Kind::Csv
    }
}

/// The most cells with a value a sheet may have, and the most fields its
/// CSV text may hold (rows with values times columns with values). An
/// import takes 5000 rows of 7 columns; this leaves room for a sheet that
/// is somewhat too large to be told so by the import, row by row.
const MAX_FIELDS: usize = 250_000;

/// The first sheet of a workbook as CSV text, and how many rows above the
/// sheet's first used row were left out (so row numbers can be told as
/// Excel shows them). Columns with nothing in them are dropped, and rows
/// with nothing in them are blank lines.
pub fn first_sheet_as_csv(bytes: &[u8]) -> Result<(String, usize), String> {
    let mut workbook: Xlsx<_> =
        open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| format!("the workbook cannot be read: {e}"))?;
    let name = workbook.sheet_names().into_iter().next().ok_or("the workbook has no sheets")?;
    let unreadable = |e: XlsxError| format!("the first sheet cannot be read: {e}");
    // Cell by cell, not as calamine's `Range`: a range holds every cell of
    // the rectangle around the used ones, so one value in A1 and one in
    // XFD1048576 asked for half a terabyte and aborted the process.
    let mut cells: Vec<((u32, u32), String)> = Vec::new();
    match workbook.worksheet_cells_reader(&name) {
        Ok(mut reader) => {
            while let Some(cell) = reader.next_cell().map_err(unreadable)? {
                if matches!(cell.get_value(), DataRef::Empty) {
                    continue;
                }
                if cells.len() == MAX_FIELDS {
                    return Err(too_large(format!("the first sheet has more than {MAX_FIELDS} cells with values")));
                }
                cells.push((cell.get_position(), cell_text(&Data::from(cell.get_value().clone()))));
            }
        }
        // A chart sheet has no cells.
        Err(XlsxError::NotAWorksheet(_)) => {}
        Err(e) => return Err(unreadable(e)),
    }
    cells.sort_by_key(|&(position, _)| position);
    let filled = || cells.iter().filter(|(_, text)| !text.is_empty());
    let used: Vec<u32> = filled().map(|&((_, column), _)| column).collect::<BTreeSet<_>>().into_iter().collect();
    let filled_rows = filled().map(|&((row, _), _)| row).collect::<BTreeSet<_>>().len();
    if filled_rows.saturating_mul(used.len()) > MAX_FIELDS {
        let (rows, columns) = (filled_rows, used.len());
        return Err(too_large(format!("the first sheet has values in {rows} rows and {columns} columns")));
    }
    let (Some(&((first_row, _), _)), Some(&((last_row, _), _))) = (cells.first(), cells.last()) else {
        return Ok((String::new(), 0));
    };
    let mut text = Vec::new();
    let mut cells = cells.iter().peekable();
    for row in first_row..=last_row {
        let mut record: Vec<&str> = Vec::new();
        while let Some(((_, column), text)) = cells.next_if(|&&((r, _), _)| r == row) {
            if let (false, Ok(i)) = (text.is_empty(), used.binary_search(column)) {
                record.resize(used.len(), "");
                record[i] = text;
            }
        }
        if record.is_empty() {
            // A blank line keeps the numbering; csv would write `""` for an empty record.
            text.push(b'\n');
        } else {
            let mut line = csv::Writer::from_writer(&mut text);
            line.write_record(&record).and_then(|()| Ok(line.flush()?)).map_err(|e| e.to_string())?;
        }
    }
    Ok((String::from_utf8(text).map_err(|e| e.to_string())?, first_row as usize))
}

fn too_large(what: String) -> String {
    format!("{what}; an import takes at most {MAX_ROWS} rows of {} columns", COLUMNS.len())
}

/// A cell as the text a CSV export of it would hold. Excel stores every
/// number as a float, so 3 seats arrive as 3.0 and are written "3"; a
/// fraction stays a fraction for the import to refuse.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(text) => text.clone(),
        Data::Int(n) => n.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string().replace('.', ","),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        Data::DateTime(d) => excel_date(d.as_f64()).unwrap_or_else(|| d.to_string()),
        Data::DateTimeIso(text) | Data::DurationIso(text) => text.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// An Excel serial date (days since 1899-12-30) as `%Y-%m-%d`.
fn excel_date(serial: f64) -> Option<String> {
    let epoch = chrono::NaiveDate::from_ymd_opt(1899, 12, 30)?;
    let days = serial.floor();
    if !(0.0..3_000_000.0).contains(&days) {
        return None;
    }
    Some(epoch.checked_add_days(chrono::Days::new(days as u64))?.format("%Y-%m-%d").to_string())
}

#[cfg(test)]
mod tests {
    use rust_xlsxwriter::Workbook;

    use super::*;

    #[test]
    fn files_are_told_apart_by_their_first_bytes() {
        assert_eq!(kind_of(b"agreement_reference;seats\nA;3\n"), Kind::Csv);
        assert_eq!(kind_of("Ånge;3".as_bytes()), Kind::Csv);
        assert_eq!(kind_of(b"\xC5nge;3"), Kind::Csv, "Windows-1252 text is still text");
        assert_eq!(kind_of(b"PK\x03\x04rest"), Kind::Xlsx);
        assert_eq!(kind_of(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1]), Kind::OldExcel);
        assert_eq!(kind_of(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Kind::Other);
    }

    #[test]
    fn a_sheet_becomes_csv_with_whole_numbers_and_its_blank_rows_kept() {
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.write_string(1, 1, "agreement_reference").unwrap();
        sheet.write_string(1, 2, "seats").unwrap();
        sheet.write_string(2, 1, "SKO-1").unwrap();
        sheet.write_number(2, 2, 3.0).unwrap();
        sheet.write_string(4, 1, "SKO-2").unwrap();
        sheet.write_number(4, 2, 2.5).unwrap();
        let bytes = workbook.save_to_buffer().unwrap();
        assert_eq!(kind_of(&bytes), Kind::Xlsx);
        let (text, skipped) = first_sheet_as_csv(&bytes).unwrap();
        assert_eq!(skipped, 1);
        assert_eq!(text, "agreement_reference,seats\nSKO-1,3\n\nSKO-2,\"2,5\"\n");
    }

    #[test]
    fn a_sheet_used_in_opposite_corners_is_read_without_its_rectangle() {
        // Found by the xlsx_sheet fuzz target: read as a range, this sheet
        // asked for 17 billion cells, and the allocation aborted the process.
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.write_string(0, 0, "a").unwrap();
        sheet.write_string(1_048_575, 16_383, "b").unwrap();
        let (text, skipped) = first_sheet_as_csv(&workbook.save_to_buffer().unwrap()).unwrap();
        assert_eq!(skipped, 0);
        assert_eq!(text.lines().count(), 1_048_576, "blank rows stay, as blank lines");
        assert!(text.starts_with("a,\n\n") && text.ends_with("\n,b\n"), "{:?}", &text[..10]);
    }

    #[test]
    fn a_sheet_far_larger_than_an_import_is_refused() {
        // 501 values on a diagonal: 501 rows of 501 columns in CSV.
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        for i in 0..=500 {
            sheet.write_number(i, i as u16, 1.0).unwrap();
        }
        let problem = first_sheet_as_csv(&workbook.save_to_buffer().unwrap()).unwrap_err();
        assert!(problem.contains("501 rows and 501 columns") && problem.contains("at most 5000 rows"), "{problem}");
    }

    #[test]
    fn an_overlong_cell_reference_is_no_panic() {
        // Found by the xlsx_import fuzz target: a dimension whose column has
        // more letters than a u32 holds overflowed inside calamine.
        let bytes = include_bytes!("../../fuzz/corpus/xlsx_import/long_column_reference.xlsx");
        assert_eq!(kind_of(bytes), Kind::Xlsx);
        let _ = first_sheet_as_csv(bytes);
    }

    #[test]
    fn an_empty_sheet_is_empty_text() {
        let mut workbook = Workbook::new();
        workbook.add_worksheet();
        assert_eq!(first_sheet_as_csv(&workbook.save_to_buffer().unwrap()).unwrap(), (String::new(), 0));
    }

    #[test]
    fn a_date_cell_reads_as_a_date() {
        assert_eq!(excel_date(46_388.0).as_deref(), Some("2027-01-01"));
    }

    #[test]
    fn a_broken_workbook_says_so() {
        assert!(first_sheet_as_csv(b"PK\x03\x04 not really a zip").is_err());
    }
}
