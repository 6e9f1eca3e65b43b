//! Importing a needs inventory from a spreadsheet saved as CSV.
//!
//! Columns: `agreement_reference, course_code, seats, extra_seats,
//! earliest_term, latest_term, note`, with a header row. UTF-8 with or without
//! BOM; a file that is not UTF-8 is read as Windows-1252, which is what Excel
//! writes when told "CSV (semicolon separated)". Both `,` and `;` separate
//! columns. All rows or none: one bad row stores nothing, and the answer lists
//! every bad row. `preview` checks a file the same way and stores nothing,
//! for the web page that shows every row before the user stores them.

use std::collections::HashMap;

use serde::Serialize;
use utoipa::ToSchema;

use super::agreements::{self, Agreement};
use super::courses::{self, Course};
use super::needs::{self, NeedDraft, ValidNeed};
use crate::access::Caller;
use crate::db::DbConnection;
use crate::error::{AppError, Problems, RowError};
use crate::ids::NeedId;

pub const MAX_ROWS: usize = 5000;

const REQUIRED: [&str; 5] = ["agreement_reference", "course_code", "seats", "earliest_term", "latest_term"];
const OPTIONAL: [&str; 2] = ["extra_seats", "note"];

/// The columns an import may have, in the order a preview shows them.
pub const COLUMNS: [&str; 7] =
    ["agreement_reference", "course_code", "seats", "extra_seats", "earliest_term", "latest_term", "note"];

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportResult {
    /// How many needs were stored.
    pub count: usize,
    #[schema(value_type = Vec<i64>)]
    pub ids: Vec<NeedId>,
}

/// The file as text: UTF-8 (BOM dropped), else Windows-1252.
pub fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes).0.into_owned(),
    }
}

/// `;` when the header row has more semicolons than commas, else `,`.
pub fn detect_separator(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or_default();
    let count = |c: char| header.chars().filter(|&h| h == c).count();
    if count(';') > count(',') { b';' } else { b',' }
}

/// One data row, by column name.
struct Row {
    number: usize,
    cells: HashMap<String, String>,
}

impl Row {
    fn cell(&self, column: &str) -> &str {
        self.cells.get(column).map(|s| s.trim()).unwrap_or_default()
    }
}

/// The rows that could be read, and the problems of those that could not;
/// or, as `Err`, what is wrong with the file as a whole (its header).
fn read_rows(text: &str) -> Result<(Vec<Row>, Vec<RowError>), Vec<RowError>> {
    let mut reader =
        csv::ReaderBuilder::new().delimiter(detect_separator(text)).flexible(true).from_reader(text.as_bytes());
    let header_error = |column: &str, message: String| RowError { row: 1, column: column.into(), message };
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_ascii_lowercase()).collect(),
        Err(e) => return Err(vec![header_error("", format!("the header row cannot be read: {e}"))]),
    };
    let mut errors = Vec::new();
    for column in REQUIRED {
        if !headers.iter().any(|h| h == column) {
            errors.push(header_error(column, format!("the column {column} is missing from the header row")));
        }
    }
    for (i, header) in headers.iter().enumerate() {
        if !REQUIRED.contains(&header.as_str()) && !OPTIONAL.contains(&header.as_str()) {
            errors.push(header_error(
                header,
                format!(
                    "column {} ({header:?}) is not one of {}",
                    i + 1,
                    REQUIRED.iter().chain(OPTIONAL.iter()).copied().collect::<Vec<_>>().join(", ")
                ),
            ));
        } else if headers[..i].contains(header) {
            errors.push(header_error(header, format!("the column {header} appears twice")));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                let row = e.position().map(|p| line_of(text, p.byte())).unwrap_or(0);
                errors.push(RowError { row, column: String::new(), message: format!("the row cannot be read: {e}") });
                continue;
            }
        };
        let number = record.position().map(|p| line_of(text, p.byte())).unwrap_or(rows.len() + 2);
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue; // spreadsheets often end with blank lines
        }
        if record.len() != headers.len() {
            errors.push(RowError {
                row: number,
                column: String::new(),
                message: format!("the row has {} columns but the header has {}", record.len(), headers.len()),
            });
            continue;
        }
        if rows.len() == MAX_ROWS {
            errors.push(RowError {
                row: number,
                column: String::new(),
                message: format!("an import takes at most {MAX_ROWS} rows; split the file"),
            });
            break;
        }
        // A quote left open swallows the following rows into one cell.
        if let Some(i) = record.iter().position(|cell| cell.contains(['\n', '\r'])) {
            errors.push(RowError {
                row: number,
                column: headers[i].clone(),
                message: "the cell runs over several lines; is a quote (\") left open?".into(),
            });
            continue;
        }
        let cells = headers.iter().cloned().zip(record.iter().map(str::to_owned)).collect();
        rows.push(Row { number, cells });
    }
    if errors.is_empty() && rows.is_empty() {
        return Err(vec![header_error("", "the file has a header row but no needs".into())]);
    }
    Ok((rows, errors))
}

/// The line a byte offset falls on, counting from 1 as a spreadsheet does.
/// The csv reader counts lines without the blank ones, and a record's
/// position can point at blank lines before it; both are skipped here.
fn line_of(text: &str, byte: u64) -> usize {
    let bytes = text.as_bytes();
    let mut end = (byte as usize).min(bytes.len());
    while end < bytes.len() && matches!(bytes[end], b'\n' | b'\r') {
        end += 1;
    }
    bytes[..end].iter().filter(|&&b| b == b'\n').count() + 1
}

/// A whole number, or what is wrong with it. An empty optional cell is 0.
fn whole_number(text: &str, optional: bool) -> Result<i64, String> {
    if text.is_empty() && optional {
        return Ok(0);
    }
    text.parse::<i64>().map_err(|_| format!("{text:?} is not a whole number"))
}

/// One readable row of a file, its cells in the order of `COLUMNS` (empty
/// where the file lacks the column), and what is wrong with it.
#[derive(Debug, Clone)]
pub struct CheckedRow {
    pub number: usize,
    pub cells: Vec<String>,
    pub problems: Vec<RowError>,
}

/// What an import would do, without storing anything.
#[derive(Debug, Clone, Default)]
pub struct Preview {
    pub rows: Vec<CheckedRow>,
    /// What is wrong with the file as a whole (its header), or with rows
    /// that could not be read into cells.
    pub file_problems: Vec<RowError>,
}

impl Preview {
    /// Whether `import` would store every row.
    pub fn is_storable(&self) -> bool {
        self.file_problems.is_empty() && !self.rows.is_empty() && self.rows.iter().all(|r| r.problems.is_empty())
    }
}

/// Checks a file exactly as `import` does, and stores nothing: every row
/// with its problems, for a person to look over before storing.
pub fn preview(conn: &mut DbConnection, caller: &Caller, bytes: &[u8]) -> Result<Preview, AppError> {
    let text = decode(bytes);
    let (rows, file_problems) = match read_rows(&text) {
        Ok(read) => read,
        Err(header) => return Ok(Preview { rows: Vec::new(), file_problems: header }),
    };
    let checked = check_rows(conn, caller, &rows)?;
    let rows = rows
        .iter()
        .zip(checked)
        .map(|(row, checked)| CheckedRow {
            number: row.number,
            cells: COLUMNS.iter().map(|c| row.cell(c).to_owned()).collect(),
            problems: checked.err().unwrap_or_default(),
        })
        .collect();
    Ok(Preview { rows, file_problems })
}

/// Checks every row and, if all are good, stores them. The caller runs this
/// in a write transaction so that the rows are stored together or not at all.
pub fn import(conn: &mut DbConnection, caller: &Caller, bytes: &[u8]) -> Result<ImportResult, AppError> {
    let text = decode(bytes);
    let (rows, mut errors) = read_rows(&text).map_err(invalid_rows)?;
    let mut valid_rows: Vec<ValidNeed> = Vec::new();
    for checked in check_rows(conn, caller, &rows)? {
        match checked {
            Ok(valid) => valid_rows.push(valid),
            Err(problems) => errors.extend(problems),
        }
    }
    if !errors.is_empty() {
        return Err(invalid_rows(errors));
    }
    let mut ids = Vec::with_capacity(valid_rows.len());
    for valid in &valid_rows {
        ids.push(needs::insert(conn, valid)?.id);
    }
    Ok(ImportResult { count: ids.len(), ids })
}

/// Each row as a need ready to store, or its problems. Fails as a whole
/// only when the caller may not import (finance) or the database fails.
fn check_rows(
    conn: &mut DbConnection,
    caller: &Caller,
    rows: &[Row],
) -> Result<Vec<Result<ValidNeed, Vec<RowError>>>, AppError> {
    let mut agreements_by_reference: HashMap<String, Option<Agreement>> = HashMap::new();
    let mut courses_by_code: HashMap<String, Option<Course>> = HashMap::new();
    let mut checked = Vec::with_capacity(rows.len());
    for row in rows {
        let mut problems = Problems::new();
        let reference = row.cell("agreement_reference");
        let agreement = match agreements_by_reference.get(reference) {
            Some(found) => found.clone(),
            None => {
                let found =
                    agreements::find_by_reference(conn, reference)?.filter(|a| caller.can_see(a.organisation_id));
                if let Some(a) = &found
                    && !caller.may_change_needs_of(a.organisation_id)
                {
                    return Err(AppError::Forbidden("finance users may read needs but not import them".into()));
                }
                agreements_by_reference.insert(reference.to_owned(), found.clone());
                found
            }
        };
        if agreement.is_none() {
            problems.add("agreement_reference", format!("no agreement open to you has the reference {reference:?}"));
        }
        let code = row.cell("course_code");
        let course = match courses_by_code.get(code) {
            Some(found) => found.clone(),
            None => {
                let found = courses::find_by_code(conn, code)?;
                courses_by_code.insert(code.to_owned(), found.clone());
                found
            }
        };
        if course.is_none() {
            problems.add("course_code", format!("no course in the catalogue has the code {code:?}"));
        }
        let seats = problems.check("seats", whole_number(row.cell("seats"), false));
        let extra_seats = problems.check("extra_seats", whole_number(row.cell("extra_seats"), true));
        let draft = NeedDraft {
            // A number that did not parse is reported above; 1 keeps it from being reported twice.
            seats: seats.unwrap_or(1),
            extra_seats: extra_seats.unwrap_or(0),
            earliest_term: row.cell("earliest_term"),
            latest_term: row.cell("latest_term"),
            note: row.cell("note"),
        };
        checked.push(match draft.check(agreement.as_ref(), course.as_ref(), &mut problems) {
            Some(valid) if problems.is_empty() => Ok(valid),
            _ => Err(into_row_errors(row.number, problems)),
        });
    }
    Ok(checked)
}

fn into_row_errors(row: usize, problems: Problems) -> Vec<RowError> {
    problems.into_fields().into_iter().map(|(column, message)| RowError { row, column, message }).collect()
}

fn invalid_rows(mut rows: Vec<RowError>) -> AppError {
    rows.sort_by(|a, b| (a.row, &a.column).cmp(&(b.row, &b.column)));
    let bad_rows = {
        let mut numbers: Vec<usize> = rows.iter().map(|r| r.row).collect();
        numbers.dedup();
        numbers.len()
    };
    AppError::InvalidRows { message: format!("{bad_rows} row(s) of the file are wrong; nothing was imported"), rows }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bom_is_dropped_and_windows_1252_is_read() {
        assert_eq!(decode(b"\xEF\xBB\xBFa;b"), "a;b");
        // "Ånge" as Excel writes it with a Swedish locale.
        assert_eq!(decode(b"\xC5nge"), "Ånge");
        assert_eq!(decode("Härnösand".as_bytes()), "Härnösand");
    }

    #[test]
    fn the_separator_follows_the_header() {
        assert_eq!(detect_separator("a;b;c\n1,5;2;3"), b';');
        assert_eq!(detect_separator("a,b,c\n1;2;3"), b',');
    }

    #[test]
    fn header_problems_are_reported_on_row_one() {
        let errors = read_rows("agreement_reference;course_code;seats;earliest;latest_term\n").err().unwrap();
        let columns: Vec<&str> = errors.iter().map(|e| e.column.as_str()).collect();
        assert!(columns.contains(&"earliest_term") && columns.contains(&"earliest"), "{columns:?}");
        assert!(errors.iter().all(|e| e.row == 1));
    }

    #[test]
    fn rows_are_numbered_as_the_spreadsheet_shows_them() {
        let text = "agreement_reference,course_code,seats,earliest_term,latest_term\n\
                    A,SAMT3,4,VT2027,HT2027\n\
                    \n\
                    B,SAMT3,2,VT2027,VT2027\n";
        let (rows, errors) = read_rows(text).ok().unwrap();
        assert!(errors.is_empty());
        assert_eq!(rows.iter().map(|r| r.number).collect::<Vec<_>>(), [2, 4]);
        assert_eq!(rows[1].cell("agreement_reference"), "B");
    }

    #[test]
    fn a_short_row_and_an_empty_file_are_refused() {
        let text =
            "agreement_reference,course_code,seats,earliest_term,latest_term\nA,SAMT3\nB,SAMT3,1,VT2027,VT2027\n";
        let (rows, errors) = read_rows(text).ok().unwrap();
        assert_eq!((errors[0].row, errors.len()), (2, 1));
        assert_eq!(rows.len(), 1, "the good row is still read, so its values get checked too");
        assert!(read_rows("agreement_reference,course_code,seats,earliest_term,latest_term\n").is_err());
    }

    #[test]
    fn an_unclosed_quote_is_caught_instead_of_swallowing_rows() {
        let text = "agreement_reference;course_code;seats;earliest_term;latest_term;note\n\
                    A;SAMT3;4;VT2027;VT2027;\"Socialsekreterare\n\
                    B;SAMT3;2;VT2027;VT2027;x\n";
        let (rows, errors) = read_rows(text).ok().unwrap();
        assert!(rows.is_empty());
        assert_eq!((errors[0].row, errors[0].column.as_str()), (2, "note"));
    }

    #[test]
    fn numbers_must_be_whole() {
        assert_eq!(whole_number("4", false), Ok(4));
        assert_eq!(whole_number("", true), Ok(0));
        assert!(whole_number("", false).is_err());
        assert!(whole_number("4,5", false).is_err());
        assert!(whole_number("fyra", false).is_err());
    }
}
