//! Importing needs from a spreadsheet: upload a CSV or Excel file, check
//! every row on a preview page ("check your answers"), and only then store
//! them all in one go. Both kinds of file become the same CSV text and go
//! through the registry's one import, so they are judged the same way.

use actix_multipart::MultipartError;
use actix_multipart::form::MultipartForm;
use actix_multipart::form::bytes::Bytes;
use actix_multipart::form::text::Text;
use actix_web::error::{InternalError, PayloadError};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;

use super::super::components::{FormErrors, csrf_field};
use super::super::layout::{html_page, lang_of, page};
use super::super::sign_in::see_other;
use super::super::signed_in::{PageError, SignedIn};
use super::{Lang, require_needs_keeper};
use crate::db::write_transaction;
use crate::error::{AppError, RowError};
use crate::registry::import::{self, COLUMNS, Preview};
use crate::registry::xlsx::{self, Kind};
use crate::web::AppState;

#[derive(MultipartForm)]
pub struct Upload {
    csrf_token: Option<Text<String>>,
    file: Option<Bytes>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ConfirmForm {
    /// The rows of the preview, as CSV text with the standard header.
    #[serde(default)]
    rows: String,
    #[serde(default)]
    csrf_token: String,
}

fn title(lang: Lang) -> &'static str {
    lang.pick("Läs in behov från en fil", "Import needs from a file")
}

/// The upload form, with what is wrong with the last file beside the field.
fn upload_form(signed_in: &SignedIn, errors: &FormErrors, file_problems: &[RowError]) -> Markup {
    let lang = signed_in.lang;
    let invalid = errors.get("file").is_some();
    html! {
        (errors.summary(lang))
        p { (lang.pick(
            "Spara behovsinventeringen i Excel som en arbetsbok (.xlsx) eller som CSV. Första raden ska ha kolumnernas namn:",
            "Save the needs inventory from Excel as a workbook (.xlsx) or as CSV. The first row holds the columns' names:",
        )) }
        pre { code { (COLUMNS.join(";")) } }
        ul {
            li { code { "agreement_reference" } " – " (lang.pick("avtalets referens, till exempel SKO-SUN-01", "the agreement's reference, for example SKO-SUN-01")) }
            li { code { "course_code" } " – " (lang.pick("kurskoden i katalogen", "the course code in the catalogue")) }
            li { code { "seats" } ", " code { "extra_seats" } " – " (lang.pick("antal platser som heltal; extra platser får vara tomt", "seats as whole numbers; extra seats may be empty")) }
            li { code { "earliest_term" } ", " code { "latest_term" } " – " (lang.pick("till exempel VT2027 och HT2027", "for example VT2027 and HT2027")) }
            li { code { "note" } " – " (lang.pick("frivillig anteckning", "an optional note")) }
        }
        p { (lang.pick(
            "Inget sparas förrän du har sett över raderna och tryckt på knappen.",
            "Nothing is stored until you have looked over the rows and pressed the button.",
        )) }
        form method="post" action="/needs/import" enctype="multipart/form-data" novalidate {
            (csrf_field(signed_in))
            label for="file" { (lang.pick("Fil (CSV eller Excel)", "File (CSV or Excel)")) }
            span class="hint" id="file-hint" { (lang.pick("Högst en flik läses: den första.", "Only the first sheet is read.")) }
            (errors.at("file"))
            @if !file_problems.is_empty() {
                ul class="error" {
                    @for problem in file_problems { li { (describe(lang, problem)) } }
                }
            }
            input id="file" name="file" type="file" accept=".csv,.txt,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                class=[invalid.then_some("input-error")] aria-invalid=[invalid.then_some("true")]
                aria-describedby=(if invalid { "file-hint file-error" } else { "file-hint" });
            div { button type="submit" { (lang.pick("Förhandsgranska", "Preview")) } }
        }
        p { a href="/needs" { (lang.pick("Tillbaka till behoven", "Back to the needs")) } }
    }
}

/// "Rad 3, kolumn seats: …" (the domain's own words after the colon).
fn describe(lang: Lang, problem: &RowError) -> String {
    match (lang, problem.column.is_empty()) {
        (Lang::Sv, true) => format!("Rad {}: {}", problem.row, problem.message),
        (Lang::Sv, false) => format!("Rad {}, kolumn {}: {}", problem.row, problem.column, problem.message),
        (Lang::En, true) => format!("Row {}: {}", problem.row, problem.message),
        (Lang::En, false) => format!("Row {}, column {}: {}", problem.row, problem.column, problem.message),
    }
}

pub async fn form(signed_in: SignedIn) -> Result<HttpResponse, PageError> {
    require_needs_keeper(&signed_in)?;
    Ok(signed_in.ok(title(signed_in.lang), upload_form(&signed_in, &FormErrors::new(), &[])))
}

fn refuse_file(signed_in: &SignedIn, message: &str, file_problems: &[RowError]) -> HttpResponse {
    let mut errors = FormErrors::new();
    errors.add("file", message);
    signed_in.page(
        StatusCode::UNPROCESSABLE_ENTITY,
        title(signed_in.lang),
        upload_form(signed_in, &errors, file_problems),
    )
}

/// The file as CSV text and how many sheet rows lie above its header; or
/// what to tell the user beside the file field.
fn readable(lang: Lang, bytes: &[u8], limit: usize) -> Result<(String, usize), String> {
    if bytes.is_empty() {
        return Err(lang.pick("Välj en fil med behoven.", "Choose a file with the needs.").to_owned());
    }
    if bytes.len() > limit {
        return Err(match lang {
            Lang::Sv => {
                format!("Filen är för stor. Den får vara högst {} kB; dela upp den i flera filer.", limit / 1024)
            }
            Lang::En => {
                format!("The file is too large. It may be at most {} kB; split it into several files.", limit / 1024)
            }
        });
    }
    match xlsx::kind_of(bytes) {
        Kind::Csv => Ok((import::decode(bytes), 0)),
        Kind::Xlsx => xlsx::first_sheet_as_csv(bytes).map_err(|problem| match lang {
            Lang::Sv => format!("Excelfilen går inte att läsa ({problem}). Spara den på nytt som .xlsx eller som CSV."),
            Lang::En => format!("The Excel file cannot be read ({problem}). Save it again as .xlsx or as CSV."),
        }),
        Kind::OldExcel => Err(lang
            .pick(
                "Filen är i Excels gamla format (.xls). Spara den som Excel-arbetsbok (.xlsx) eller som CSV.",
                "The file is in Excel's old format (.xls). Save it as an Excel workbook (.xlsx) or as CSV.",
            )
            .to_owned()),
        Kind::Other => Err(lang
            .pick(
                "Filen är varken en CSV-fil eller en Excelfil. Välj en .csv- eller .xlsx-fil.",
                "The file is neither a CSV file nor an Excel file. Choose a .csv or .xlsx file.",
            )
            .to_owned()),
    }
}

/// The rows as the registry's import reads them: its own columns, in order.
fn normalised_csv(preview: &Preview) -> String {
    let mut writer = csv::WriterBuilder::new().from_writer(Vec::new());
    let mut write = |record: &[&str]| writer.write_record(record).is_ok();
    let mut ok = write(&COLUMNS);
    for row in &preview.rows {
        let cells: Vec<&str> = row.cells.iter().map(String::as_str).collect();
        ok &= write(&cells);
    }
    debug_assert!(ok, "writing CSV to memory does not fail");
    String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// Checks the uploaded file and shows every row with its problems; stores nothing.
pub async fn preview(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    upload: MultipartForm<Upload>,
) -> Result<HttpResponse, PageError> {
    let Upload { csrf_token, file } = upload.into_inner();
    signed_in.check_csrf(csrf_token.as_ref().map_or("", |t| t.0.as_str()))?;
    require_needs_keeper(&signed_in)?;
    let lang = signed_in.lang;
    let bytes = file.map(|f| f.data.to_vec()).unwrap_or_default();
    let limit = state.settings.server.import_limit_bytes;
    // Unzipping and reading a workbook takes a while: not on the thread
    // that serves other requests.
    let read = web::block(move || readable(lang, &bytes, limit))
        .await
        .map_err(|e| signed_in.fail(AppError::Internal(anyhow::anyhow!("reading the upload failed: {e}"))))?;
    let (text, rows_above) = match read {
        Ok(read) => read,
        Err(message) => return Ok(refuse_file(&signed_in, &message, &[])),
    };
    let mut preview = signed_in.run(&state, move |conn, caller| import::preview(conn, caller, text.as_bytes())).await?;
    // Row numbers as the sheet shows them, when its header is not on row 1.
    for problem in preview.file_problems.iter_mut().chain(preview.rows.iter_mut().flat_map(|r| r.problems.iter_mut())) {
        problem.row += rows_above;
    }
    for row in &mut preview.rows {
        row.number += rows_above;
    }
    if preview.rows.is_empty() {
        let message = lang.pick(
            "Filen går inte att läsa in. Rätta det som står nedan och försök igen.",
            "The file cannot be imported. Fix what is listed below and try again.",
        );
        return Ok(refuse_file(&signed_in, message, &preview.file_problems));
    }
    let storable = preview.is_storable();
    let body = preview_page(&signed_in, &preview);
    let status = if storable { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok(signed_in.page(
        status,
        lang.pick("Kontrollera behoven innan de sparas", "Check the needs before they are stored"),
        body,
    ))
}

fn preview_page(signed_in: &SignedIn, preview: &Preview) -> Markup {
    let lang = signed_in.lang;
    let count = preview.rows.len();
    let bad = preview.rows.iter().filter(|r| !r.problems.is_empty()).count();
    let storable = preview.is_storable();
    html! {
        @if storable {
            p { (match lang {
                Lang::Sv => format!("Alla {count} rader kan sparas. Se över dem; inget är sparat ännu."),
                Lang::En => format!("All {count} rows can be stored. Look them over; nothing is stored yet."),
            }) }
        } @else {
            div class="error-summary" role="alert" tabindex="-1" {
                h2 { (lang.pick("Filen kan inte sparas", "The file cannot be stored")) }
                p { (match lang {
                    Lang::Sv => format!(
                        "{} av raderna har fel. Inget har sparats. Rätta raderna i filen och läs in den igen – alla rader sparas på en gång eller inga alls.",
                        bad + preview.file_problems.len()
                    ),
                    Lang::En => format!(
                        "{} of the rows have problems. Nothing was stored. Fix the rows in the file and import it again – all rows are stored at once or none at all.",
                        bad + preview.file_problems.len()
                    ),
                }) }
                @if !preview.file_problems.is_empty() {
                    ul { @for problem in &preview.file_problems { li { (describe(lang, problem)) } } }
                }
            }
        }
        div class="table-wrap" {
            table {
                caption { (match lang {
                    Lang::Sv => format!("{count} rader i filen"),
                    Lang::En => format!("{count} rows in the file"),
                }) }
                thead { tr {
                    th scope="col" class="num" { (lang.pick("Rad", "Row")) }
                    @for column in COLUMNS { th scope="col" { code { (column) } } }
                    th scope="col" { (lang.pick("Kontroll", "Check")) }
                } }
                tbody {
                    @for row in &preview.rows {
                        tr class=[(!row.problems.is_empty()).then_some("bad-row")] {
                            th scope="row" class="num" { (row.number) }
                            @for cell in &row.cells { td { (cell) } }
                            td {
                                @if row.problems.is_empty() {
                                    "OK"
                                } @else {
                                    strong class="error" { (lang.pick("Fel:", "Problem:")) }
                                    ul { @for problem in &row.problems {
                                        li { code { (problem.column) } ": " (problem.message) }
                                    } }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if storable {
            form method="post" action="/needs/import/confirm" {
                (csrf_field(signed_in))
                input type="hidden" name="rows" value=(normalised_csv(preview));
                button type="submit" { (match lang {
                    Lang::Sv => format!("Spara {count} behov"),
                    Lang::En => format!("Store {count} needs"),
                }) }
            }
            p { a href="/needs/import" { (lang.pick("Välj en annan fil", "Choose another file")) } }
        } @else {
            p { a class="button" href="/needs/import" { (lang.pick("Läs in den rättade filen", "Import the corrected file")) } }
        }
    }
}

/// Stores the rows the preview showed, all or none, as the API's import does.
pub async fn confirm(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    form: web::Form<ConfirmForm>,
) -> Result<HttpResponse, PageError> {
    signed_in.check_csrf(&form.csrf_token)?;
    require_needs_keeper(&signed_in)?;
    let rows = form.into_inner().rows;
    let stored = signed_in
        .run(&state, move |conn, caller| {
            Ok(write_transaction(conn, |conn| import::import(conn, caller, rows.as_bytes())))
        })
        .await?;
    match stored {
        Ok(result) => Ok(see_other(&format!("/needs?notice=imported&count={}", result.count))),
        // Something changed since the preview (an agreement ended, a course left the catalogue).
        Err(AppError::InvalidRows { rows, .. }) => {
            let lang = signed_in.lang;
            let body = html! {
                div class="error-summary" role="alert" tabindex="-1" {
                    h2 { (lang.pick("Inget har sparats", "Nothing was stored")) }
                    p { (lang.pick(
                        "Något har ändrats sedan förhandsgranskningen. Läs in filen igen för att se vad.",
                        "Something changed since the preview. Import the file again to see what.",
                    )) }
                    ul { @for problem in &rows { li { (describe(lang, problem)) } } }
                }
                p { a class="button" href="/needs/import" { (lang.pick("Läs in filen igen", "Import the file again")) } }
            };
            Ok(signed_in.page(StatusCode::UNPROCESSABLE_ENTITY, title(lang), body))
        }
        Err(error) => Err(signed_in.fail(error)),
    }
}

/// An upload the form reader gave up on: too large to read at all, or not
/// a form upload. Nothing was read into the registry.
pub fn unreadable_upload(error: MultipartError, req: &HttpRequest) -> actix_web::Error {
    let lang = lang_of(req);
    let too_large = matches!(error, MultipartError::Payload(PayloadError::Overflow));
    let (status, text) = if too_large {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            lang.pick(
                "Filen är för stor. Dela upp den i flera filer.",
                "The file is too large. Split it into several files.",
            ),
        )
    } else {
        (
            StatusCode::BAD_REQUEST,
            lang.pick(
                "Filen kom inte fram som den skulle. Försök igen.",
                "The file did not arrive as it should. Try again.",
            ),
        )
    };
    let body = html! {
        p { (text) " " (lang.pick("Inget har sparats.", "Nothing was stored.")) }
        p { a href="/needs/import" { (lang.pick("Tillbaka till inläsningen", "Back to the import")) } }
    };
    let response = html_page(HttpResponse::build(status), page(lang, title(lang), None, body));
    InternalError::from_response(error, response).into()
}
