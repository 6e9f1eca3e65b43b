//! The exports of an organisation's invoicing lines (fakturaunderlag) that
//! finance teams open in Excel: a CSV for Excel in a Swedish locale, and an
//! XLSX workbook. Pure functions over [`Invoicing`]; the web layer serves the
//! bytes under [`file_stem`] plus an extension.
//!
//! Both have the same columns ([`COLUMNS`]): one row per line in the given
//! order, then a "Summa" row with the totals of the four money columns.
//!
//! XLSX layout: one worksheet, "Fakturaunderlag". Excel rows 1–2 are a title
//! (organisation, org number, period), row 3 is empty, the header is on Excel
//! row 4 (0-based [`HEADER_ROW`] = 3), the lines follow directly below it,
//! and the "Summa" row directly below the last line.

use chrono::{Datelike, NaiveDate};
use csv::{Terminator, WriterBuilder};
use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook, XlsxError, cell_range};

use crate::invoicing::{Invoicing, InvoicingLine, InvoicingTotals, LineKind};
use crate::money::Ore;
use crate::splitting::SplitRule;

/// Column headers, with the XLSX column widths (in characters).
pub const COLUMNS: [(&str, u8); 14] = [
    ("Fakturadatum", 12),
    ("Kurstillfälle", 12),
    ("Kurskod", 10),
    ("Kurs", 40),
    ("Termin", 8),
    ("Avtal", 16),
    ("Version", 8),
    ("Typ", 12),
    ("Platser", 8),
    ("Fördelning", 26),
    ("Belopp exkl. moms (kr)", 22),
    ("Moms (kr)", 14),
    ("Belopp inkl. moms (kr)", 22),
    ("Besparing (kr)", 16),
];

/// The first of the four money columns, which close every row.
const FIRST_MONEY_COL: u16 = 10;

pub const SHEET_NAME: &str = "Fakturaunderlag";

/// 0-based row of the XLSX header (Excel row 4).
pub const HEADER_ROW: u32 = 3;

/// Excel shows this with the reader's locale separators: `12 345,50 kr` in Sweden.
const MONEY_FORMAT: &str = r#"#,##0.00 "kr""#;

/// Makes Excel read the CSV as UTF-8 rather than the locale's legacy code
/// page, which would garble å, ä and ö.
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

const CSV_INTO_VEC: &str = "every row has as many cells as the header, and writing into a Vec cannot fail";

/// The CSV Excel in a Swedish locale opens cleanly: UTF-8 with a BOM, `;`
/// between cells (the comma is the decimal separator), amounts in kronor
/// with a decimal comma.
pub fn to_csv(invoicing: &Invoicing) -> Vec<u8> {
    let mut writer = WriterBuilder::new().delimiter(b';').terminator(Terminator::CRLF).from_writer(UTF8_BOM.to_vec());
    writer.write_record(COLUMNS.map(|(header, _)| header)).expect(CSV_INTO_VEC);
    for line in &invoicing.lines {
        let mut row = vec![
            line.invoiced_on.to_string(),
            line.cohort_id.to_string(),
            inert(&line.course_code),
            inert(&line.course_title),
            line.term.clone(),
            inert(&line.agreement_reference),
            line.split_version.to_string(),
            kind_in_swedish(line.kind).to_owned(),
            line.seats.to_string(),
            rule_in_swedish(line.split_rule).to_owned(),
        ];
        row.extend(line_money(line).map(kronor_text));
        writer.write_record(&row).expect(CSV_INTO_VEC);
    }
    let mut totals = vec![String::from("Summa")];
    totals.resize(usize::from(FIRST_MONEY_COL), String::new());
    totals.extend(totals_money(&invoicing.totals).map(kronor_text));
    writer.write_record(&totals).expect(CSV_INTO_VEC);
    writer.into_inner().expect(CSV_INTO_VEC)
}

/// A workbook with real dates and numbers, laid out as the module comment says.
pub fn to_xlsx(invoicing: &Invoicing) -> Result<Vec<u8>, XlsxError> {
    let title = Format::new().set_bold().set_font_size(14);
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let money = Format::new().set_num_format(MONEY_FORMAT);
    let money_total = money.clone().set_bold();

    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet().set_name(SHEET_NAME)?;
    sheet.write_string_with_format(0, 0, format!("Fakturaunderlag: {}", invoicing.organisation_name), &title)?;
    sheet.write_string(
        1,
        0,
        format!("Organisationsnummer {}, period {}", invoicing.org_number, period_text(invoicing)),
    )?;
    for (col, (header, width)) in (0..).zip(COLUMNS) {
        sheet.write_string_with_format(HEADER_ROW, col, header, &bold)?;
        sheet.set_column_width(col, width)?;
    }
    sheet.set_freeze_panes(HEADER_ROW + 1, 0)?;

    // Past Excel's row limit the writer returns an error long before `row` could overflow.
    let mut row = HEADER_ROW + 1;
    for line in &invoicing.lines {
        sheet.write_date_with_format(row, 0, excel_date(line.invoiced_on)?, &date)?;
        // Cohort ids are database row ids, far below 2^53, so the double holds them exactly.
        sheet.write_number(row, 1, line.cohort_id.0 as f64)?;
        sheet.write_string(row, 2, &line.course_code)?;
        sheet.write_string(row, 3, &line.course_title)?;
        sheet.write_string(row, 4, &line.term)?;
        sheet.write_string(row, 5, &line.agreement_reference)?;
        sheet.write_number(row, 6, line.split_version)?;
        sheet.write_string(row, 7, kind_in_swedish(line.kind))?;
        sheet.write_number(row, 8, line.seats)?;
        sheet.write_string(row, 9, rule_in_swedish(line.split_rule))?;
        for (col, ore) in (FIRST_MONEY_COL..).zip(line_money(line)) {
            sheet.write_number_with_format(row, col, kronor(ore), &money)?;
        }
        row += 1;
    }

    let totals_row = row;
    sheet.write_string_with_format(totals_row, 0, "Summa", &bold)?;
    for (col, total) in (FIRST_MONEY_COL..).zip(totals_money(&invoicing.totals)) {
        if invoicing.lines.is_empty() {
            // No lines, no range to sum (an inverted one would take in the header).
            sheet.write_number_with_format(totals_row, col, kronor(total), &money_total)?;
        } else {
            let lines = cell_range(HEADER_ROW + 1, col, totals_row - 1, col);
            // The cached result is what readers that do not recalculate show.
            let sum = Formula::new(format!("SUM({lines})")).set_result(kronor(total).to_string());
            sheet.write_formula_with_format(totals_row, col, sum, &money_total)?;
        }
    }
    workbook.save_to_buffer()
}

/// E.g. `fakturaunderlag-212000-2411-2027-01-01-2027-06-30`; a missing bound is `alla`.
pub fn file_stem(invoicing: &Invoicing) -> String {
    let bound = |date: Option<NaiveDate>| date.map_or_else(|| String::from("alla"), |date| date.to_string());
    // The stem becomes a download's file name: keep quotes, slashes and spaces out of it.
    let org_number: String = invoicing.org_number.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
    format!("fakturaunderlag-{org_number}-{}-{}", bound(invoicing.from), bound(invoicing.to))
}

/// Free text that Excel would run as a formula (`=`, `+`, `-`, `@` first,
/// or a tab or carriage return) gets a leading apostrophe, which Excel shows
/// as text: a course title must never execute on a finance officer's machine.
fn inert(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_owned() }
}

/// In the order of the money columns.
fn line_money(line: &InvoicingLine) -> [Ore; 4] {
    [line.amount_ore, line.vat_ore, line.amount_incl_vat_ore, line.savings_ore]
}

fn totals_money(totals: &InvoicingTotals) -> [Ore; 4] {
    [totals.amount_ore, totals.vat_ore, totals.amount_incl_vat_ore, totals.savings_ore]
}

/// `-12345,50`: a decimal comma, no thousands separator and an ASCII minus,
/// so Excel in a Swedish locale reads a number.
fn kronor_text(ore: Ore) -> String {
    let sign = if ore.is_negative() { "-" } else { "" };
    let abs = ore.get().unsigned_abs();
    format!("{sign}{},{:02}", abs / 100, abs % 100)
}

/// The one place money becomes a float: XLSX stores every number as a double.
/// Any amount below 2^53 öre (about 90 000 000 000 000 kr) converts to f64
/// exactly, and the division is correctly rounded, so the cell holds the double
/// nearest to the exact kronor value and shows, and rounds back to, the right öre.
fn kronor(ore: Ore) -> f64 {
    ore.get() as f64 / 100.0
}

/// Excel's dates run from 1900 to 9999; outside that the writer reports an error.
fn excel_date(date: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    let year = u16::try_from(date.year())
        .map_err(|_| XlsxError::DateTimeRangeError(format!("{date} is outside Excel's dates")))?;
    // Months (1–12) and days (1–31) always fit in a u8.
    ExcelDateTime::from_ymd(year, date.month() as u8, date.day() as u8)
}

fn period_text(invoicing: &Invoicing) -> String {
    match (invoicing.from, invoicing.to) {
        (Some(from), Some(to)) => format!("{from} – {to}"),
        (Some(from), None) => format!("från {from}"),
        (None, Some(to)) => format!("till och med {to}"),
        (None, None) => String::from("alla datum"),
    }
}

fn kind_in_swedish(kind: LineKind) -> &'static str {
    match kind {
        LineKind::Invoice => "Faktura",
        LineKind::Debit => "Debitering",
        LineKind::Credit => "Kreditering",
    }
}

fn rule_in_swedish(rule: SplitRule) -> &'static str {
    match rule {
        SplitRule::PerSeat => "Per plats",
        SplitRule::EqualFixed => "Lika fast avgift",
        SplitRule::EmployeesWeighted => "Efter antal anställda",
        SplitRule::HostFixed => "Värden betalar fast avgift",
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn free_text_that_looks_like_a_formula_stays_text() {
        assert_eq!(super::inert("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
        for text in ["+1", "-1", "@SUM(A1)", "\tx"] {
            assert_eq!(super::inert(text), format!("'{text}"));
        }
        assert_eq!(super::inert("Samtalsmetodik - grund"), "Samtalsmetodik - grund");
    }

    use std::io::Cursor;

    use calamine::{Data, Range, Reader, Xlsx, open_workbook_from_rs};

    use super::*;
    use crate::ids::{AgreementId, CohortId, InvoiceLineId, OrganisationId};

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    const TRICKY_TITLE: &str = "Ekonomistyrning; grund \"A\"";
    const MULTILINE_TITLE: &str = "Ledarskap\nför chefer";

    fn invoice_line() -> InvoicingLine {
        InvoicingLine {
            id: InvoiceLineId(101),
            invoiced_on: date(2027, 1, 15),
            cohort_id: CohortId(7),
            course_code: "EKO101".into(),
            course_title: TRICKY_TITLE.into(),
            term: "VT2027".into(),
            agreement_id: AgreementId(3),
            agreement_reference: "SKO-2027-014".into(),
            split_version: 1,
            kind: LineKind::Invoice,
            seats: 3,
            split_rule: SplitRule::PerSeat,
            amount_ore: Ore(1_234_550),
            vat_ore: Ore(308_638),
            amount_incl_vat_ore: Ore(1_543_188),
            savings_ore: Ore(250_000),
        }
    }

    /// An invoice, a debit, and a credit (of another cohort) with negative amounts.
    fn example() -> Invoicing {
        let lines = vec![
            invoice_line(),
            InvoicingLine {
                id: InvoiceLineId(102),
                invoiced_on: date(2027, 2, 1),
                split_version: 2,
                kind: LineKind::Debit,
                seats: 4,
                split_rule: SplitRule::EqualFixed,
                amount_ore: Ore(411_517),
                vat_ore: Ore(102_879),
                amount_incl_vat_ore: Ore(514_396),
                savings_ore: Ore(5),
                ..invoice_line()
            },
            InvoicingLine {
                id: InvoiceLineId(103),
                invoiced_on: date(2027, 3, 10),
                cohort_id: CohortId(9),
                course_code: "LED200".into(),
                course_title: MULTILINE_TITLE.into(),
                split_version: 3,
                kind: LineKind::Credit,
                seats: 2,
                split_rule: SplitRule::HostFixed,
                amount_ore: Ore(-5),
                vat_ore: Ore(-1),
                amount_incl_vat_ore: Ore(-6),
                savings_ore: Ore(-100),
                ..invoice_line()
            },
        ];
        Invoicing {
            organisation_id: OrganisationId(1),
            organisation_name: "Kiruna kommun".into(),
            org_number: "212000-2411".into(),
            from: Some(date(2027, 1, 1)),
            to: Some(date(2027, 6, 30)),
            totals: InvoicingTotals::of(&lines),
            lines,
        }
    }

    fn empty() -> Invoicing {
        Invoicing { lines: vec![], totals: InvoicingTotals::default(), ..example() }
    }

    // Sums by hand: 1 234 550 + 411 517 − 5, 308 638 + 102 879 − 1,
    // 1 543 188 + 514 396 − 6 and 250 000 + 5 − 100.
    const TOTALS_ORE: [i64; 4] = [1_646_062, 411_516, 2_057_578, 249_905];

    fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
        let body = bytes.strip_prefix(UTF8_BOM).expect("the CSV starts with a BOM");
        let mut reader = csv::ReaderBuilder::new().delimiter(b';').has_headers(false).from_reader(body);
        reader.records().map(|r| r.unwrap().iter().map(String::from).collect()).collect()
    }

    #[test]
    fn csv_starts_with_a_bom_and_has_swedish_headers() {
        let bytes = to_csv(&example());
        assert_eq!(&bytes[..3], &[0xEF, 0xBB, 0xBF]);
        let rows = csv_rows(&bytes);
        assert_eq!(
            rows[0],
            [
                "Fakturadatum",
                "Kurstillfälle",
                "Kurskod",
                "Kurs",
                "Termin",
                "Avtal",
                "Version",
                "Typ",
                "Platser",
                "Fördelning",
                "Belopp exkl. moms (kr)",
                "Moms (kr)",
                "Belopp inkl. moms (kr)",
                "Besparing (kr)",
            ]
        );
    }

    #[test]
    fn csv_has_every_cell_of_every_line_then_the_totals() {
        let rows = csv_rows(&to_csv(&example()));
        let expected: [&[&str]; 4] = [
            &[
                "2027-01-15",
                "7",
                "EKO101",
                TRICKY_TITLE,
                "VT2027",
                "SKO-2027-014",
                "1",
                "Faktura",
                "3",
                "Per plats",
                "12345,50",
                "3086,38",
                "15431,88",
                "2500,00",
            ],
            &[
                "2027-02-01",
                "7",
                "EKO101",
                TRICKY_TITLE,
                "VT2027",
                "SKO-2027-014",
                "2",
                "Debitering",
                "4",
                "Lika fast avgift",
                "4115,17",
                "1028,79",
                "5143,96",
                "0,05",
            ],
            &[
                "2027-03-10",
                "9",
                "LED200",
                MULTILINE_TITLE,
                "VT2027",
                "SKO-2027-014",
                "3",
                "Kreditering",
                "2",
                "Värden betalar fast avgift",
                "-0,05",
                "-0,01",
                "-0,06",
                "-1,00",
            ],
            &["Summa", "", "", "", "", "", "", "", "", "", "16460,62", "4115,16", "20575,78", "2499,05"],
        ];
        assert_eq!(rows.len(), 1 + expected.len());
        for (row, expected) in rows[1..].iter().zip(expected) {
            assert_eq!(row, expected);
        }
    }

    #[test]
    fn csv_totals_are_the_sums_of_the_lines() {
        let rows = csv_rows(&to_csv(&example()));
        let ore = |text: &str| -> i64 { text.replace(',', "").parse().unwrap() };
        let (lines, totals) = (&rows[1..rows.len() - 1], &rows[rows.len() - 1]);
        for (i, col) in (10..14).enumerate() {
            let sum: i64 = lines.iter().map(|row| ore(&row[col])).sum();
            assert_eq!(sum, TOTALS_ORE[i]);
            assert_eq!(ore(&totals[col]), TOTALS_ORE[i]);
        }
    }

    #[test]
    fn csv_quotes_separators_quotes_and_newlines_in_text() {
        let text = String::from_utf8(to_csv(&example())).unwrap();
        assert!(text.contains("\"Ekonomistyrning; grund \"\"A\"\"\""));
        assert!(text.contains("\"Ledarskap\nför chefer\""));
    }

    #[test]
    fn csv_of_no_lines_has_a_header_and_zero_totals() {
        let rows = csv_rows(&to_csv(&empty()));
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1][0], "Summa");
        assert_eq!(rows[1][10..], ["0,00", "0,00", "0,00", "0,00"]);
    }

    #[test]
    fn kronor_have_a_decimal_comma_two_decimals_and_an_ascii_minus() {
        assert_eq!(kronor_text(Ore(0)), "0,00");
        assert_eq!(kronor_text(Ore(5)), "0,05");
        assert_eq!(kronor_text(Ore(-5)), "-0,05");
        assert_eq!(kronor_text(Ore(-100)), "-1,00");
        assert_eq!(kronor_text(Ore(1_234_550)), "12345,50");
        assert_eq!(kronor_text(Ore(123_456_789_012)), "1234567890,12");
        assert_eq!(kronor_text(Ore(i64::MAX)), "92233720368547758,07");
        assert_eq!(kronor_text(Ore(i64::MIN)), "-92233720368547758,08");
    }

    fn sheet(invoicing: &Invoicing) -> Range<Data> {
        let bytes = to_xlsx(invoicing).unwrap();
        let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
        assert_eq!(workbook.sheet_names(), [SHEET_NAME]);
        workbook.worksheet_range(SHEET_NAME).unwrap()
    }

    /// The rows from the header on, found by its first cell.
    fn table(range: &Range<Data>) -> Vec<&[Data]> {
        let rows: Vec<&[Data]> = range.rows().collect();
        let header = rows.iter().position(|row| row[0] == Data::String("Fakturadatum".into())).unwrap();
        let (first_row, _) = range.start().unwrap();
        assert_eq!(first_row as usize + header, HEADER_ROW as usize);
        rows[header..].to_vec()
    }

    fn number(cell: &Data) -> f64 {
        match cell {
            Data::Float(f) => *f,
            Data::Int(i) => *i as f64,
            other => panic!("expected a number, got {other:?}"),
        }
    }

    fn ore(cell: &Data) -> i64 {
        (number(cell) * 100.0).round() as i64
    }

    fn text(cell: &Data) -> &str {
        match cell {
            Data::String(s) => s,
            other => panic!("expected text, got {other:?}"),
        }
    }

    fn ymd(cell: &Data) -> (u16, u8, u8) {
        match cell {
            Data::DateTime(dt) => {
                let (y, m, d, ..) = dt.to_ymd_hms_milli();
                (y, m, d)
            }
            other => panic!("expected a date, got {other:?}"),
        }
    }

    #[test]
    fn xlsx_has_a_title_and_the_swedish_headers() {
        let range = sheet(&example());
        assert_eq!(range.get_value((0, 0)), Some(&Data::String("Fakturaunderlag: Kiruna kommun".into())));
        assert_eq!(
            range.get_value((1, 0)),
            Some(&Data::String("Organisationsnummer 212000-2411, period 2027-01-01 – 2027-06-30".into()))
        );
        let header: Vec<&str> = table(&range)[0].iter().map(text).collect();
        assert_eq!(header, COLUMNS.map(|(header, _)| header));
    }

    #[test]
    fn xlsx_lines_are_dates_numbers_text_and_kronor() {
        let invoicing = example();
        let range = sheet(&invoicing);
        let rows = table(&range);
        assert_eq!(rows.len(), 1 + 3 + 1);

        let expected = [
            ((2027, 1, 15), 7.0, "EKO101", TRICKY_TITLE, 1.0, "Faktura", 3.0, "Per plats"),
            ((2027, 2, 1), 7.0, "EKO101", TRICKY_TITLE, 2.0, "Debitering", 4.0, "Lika fast avgift"),
            ((2027, 3, 10), 9.0, "LED200", MULTILINE_TITLE, 3.0, "Kreditering", 2.0, "Värden betalar fast avgift"),
        ];
        for ((row, expected), line) in rows[1..4].iter().zip(expected).zip(&invoicing.lines) {
            let (day, cohort, code, title, version, kind, seats, rule) = expected;
            assert_eq!(ymd(&row[0]), day);
            assert_eq!(number(&row[1]), cohort);
            assert_eq!(text(&row[2]), code);
            assert_eq!(text(&row[3]), title);
            assert_eq!(text(&row[4]), "VT2027");
            assert_eq!(text(&row[5]), "SKO-2027-014");
            assert_eq!(number(&row[6]), version);
            assert_eq!(text(&row[7]), kind);
            assert_eq!(number(&row[8]), seats);
            assert_eq!(text(&row[9]), rule);
            let cells: Vec<i64> = row[10..14].iter().map(ore).collect();
            assert_eq!(cells, line_money(line).map(Ore::get));
        }
        // The credit line's amounts stay negative.
        assert_eq!(number(&rows[3][10]), -0.05);
    }

    #[test]
    fn xlsx_totals_row_caches_the_sums() {
        let range = sheet(&example());
        let totals = *table(&range).last().unwrap();
        assert_eq!(text(&totals[0]), "Summa");
        assert!(totals[1..10].iter().all(|cell| *cell == Data::Empty));
        let cells: Vec<i64> = totals[10..14].iter().map(ore).collect();
        assert_eq!(cells, TOTALS_ORE);
    }

    #[test]
    fn xlsx_totals_are_sum_formulas_over_the_lines() {
        let bytes = to_xlsx(&example()).unwrap();
        let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
        let formulas = workbook.worksheet_formula(SHEET_NAME).unwrap();
        // Lines on 0-based rows 4–6 are Excel rows 5–7; the totals on row 8.
        let totals_row = HEADER_ROW + 4;
        for (col, letter) in (10..14).zip(["K", "L", "M", "N"]) {
            assert_eq!(formulas.get_value((totals_row, col)), Some(&format!("SUM({letter}5:{letter}7)")));
        }
    }

    #[test]
    fn xlsx_of_no_lines_has_a_header_and_zero_totals() {
        let range = sheet(&empty());
        let rows = table(&range);
        assert_eq!(rows.len(), 2);
        assert_eq!(text(&rows[0][0]), "Fakturadatum");
        assert_eq!(text(&rows[1][0]), "Summa");
        let cells: Vec<i64> = rows[1][10..14].iter().map(ore).collect();
        assert_eq!(cells, [0, 0, 0, 0]);
    }

    #[test]
    fn file_stem_names_the_org_number_and_the_period() {
        assert_eq!(file_stem(&example()), "fakturaunderlag-212000-2411-2027-01-01-2027-06-30");
        let open = Invoicing { from: None, to: None, ..example() };
        assert_eq!(file_stem(&open), "fakturaunderlag-212000-2411-alla-alla");
        let from_only = Invoicing { to: None, ..example() };
        assert_eq!(file_stem(&from_only), "fakturaunderlag-212000-2411-2027-01-01-alla");
        let odd = Invoicing { org_number: "212000-2411\"/ x".into(), ..example() };
        assert_eq!(file_stem(&odd), "fakturaunderlag-212000-2411x-2027-01-01-2027-06-30");
    }
}
