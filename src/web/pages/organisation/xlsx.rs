//! Reading an uploaded spreadsheet: a CSV file as it is, or the first sheet
//! of an Excel workbook turned into the same CSV text, so that one import
//! checks both.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};

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
    } else if bytes.contains(&0)
        || bytes.iter().take(4096).filter(|&&b| b < 0x09 || (0x0E..0x20).contains(&b)).count() > 0
    {
        // Text never holds NUL or these control bytes; a CSV file is text.
        Kind::Other
    } else {
        Kind::Csv
    }
}

/// The first sheet of a workbook as CSV text, and how many rows above the
/// sheet's first used row were left out (so row numbers can be told as
/// Excel shows them). Columns with nothing in them are dropped.
pub fn first_sheet_as_csv(bytes: &[u8]) -> Result<(String, usize), String> {
    let mut workbook: Xlsx<_> =
        open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| format!("the workbook cannot be read: {e}"))?;
    let range = match workbook.worksheet_range_at(0) {
        Some(Ok(range)) => range,
        Some(Err(e)) => return Err(format!("the first sheet cannot be read: {e}")),
        None => return Err("the workbook has no sheets".into()),
    };
    let (first_row, _) = range.start().unwrap_or((0, 0));
    let rows: Vec<Vec<String>> = range.rows().map(|row| row.iter().map(cell_text).collect()).collect();
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    let used: Vec<usize> =
        (0..width).filter(|&c| rows.iter().any(|r| r.get(c).is_some_and(|s| !s.is_empty()))).collect();
    let mut writer = csv::WriterBuilder::new().from_writer(Vec::new());
    for row in &rows {
        let record: Vec<&str> = used.iter().map(|&c| row.get(c).map_or("", String::as_str)).collect();
        writer.write_record(&record).map_err(|e| e.to_string())?;
    }
    let bytes = writer.into_inner().map_err(|e| e.to_string())?;
    Ok((String::from_utf8(bytes).map_err(|e| e.to_string())?, first_row as usize))
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
        assert_eq!(text, "agreement_reference,seats\nSKO-1,3\n,\nSKO-2,\"2,5\"\n");
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
