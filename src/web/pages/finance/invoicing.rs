//! `/invoicing`: an organisation's invoicing lines in a period, summed per
//! agreement, with the same lines as CSV and XLSX downloads. Finance and
//! organisation users see their own organisation's; coordinators choose one.

use actix_web::http::StatusCode;
use actix_web::http::header::ContentDisposition;
use actix_web::{HttpResponse, web};
use chrono::NaiveDate;
use maud::{Markup, html};
use serde::Deserialize;

use super::period;
use crate::email::messages::{kind_name, rule_explained, rule_name};
use crate::error::AppError;
use crate::ids::OrganisationId;
use crate::invoicing::export;
use crate::invoicing::invoice::{self, PeriodQuery};
use crate::invoicing::line::{Invoicing, InvoicingLine, InvoicingTotals};
use crate::registry::organisations::{self, Organisation};
use crate::web::AppState;
use crate::web::extract::Query;
use crate::web::pages::components::{FormErrors, downloads, money_cell, term_name};
use crate::web::pages::layout::Lang;
use crate::web::pages::signed_in::{PageError, SignedIn};

#[derive(Debug, Default, Deserialize)]
pub struct InvoicingQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    /// Coordinators only: whose lines.
    #[serde(default)]
    organisation: String,
}

impl InvoicingQuery {
    fn period(&self) -> PeriodQuery {
        let given = |text: &str| (!text.trim().is_empty()).then(|| text.trim().to_owned());
        PeriodQuery { from: given(&self.from), to: given(&self.to) }
    }

    /// The same query, for the download links.
    fn query_string(&self, organisation: OrganisationId) -> String {
        let mut parts = vec![format!("organisation={organisation}")];
        for (name, value) in [("from", &self.from), ("to", &self.to)] {
            if !value.trim().is_empty() {
                parts.push(format!("{name}={}", value.trim()));
            }
        }
        format!("?{}", parts.join("&"))
    }
}

/// Whose invoicing the page shows: the user's own organisation, or for a
/// coordinator the one chosen (none yet: the page asks).
fn organisation_of(signed_in: &SignedIn, query: &InvoicingQuery) -> Result<Option<OrganisationId>, PageError> {
    let caller = signed_in.caller();
    if !caller.is_coordinator() {
        return caller.organisation_id.map(Some).ok_or(PageError::NotFound(signed_in.lang));
    }
    match query.organisation.trim() {
        "" => Ok(None),
        text => text.parse().map(|id| Some(OrganisationId(id))).map_err(|_| PageError::NotFound(signed_in.lang)),
    }
}

/// The lines, or the period's errors to show beside its fields.
enum Found {
    Lines(Invoicing),
    BadPeriod(FormErrors),
}

async fn load(
    state: &AppState,
    signed_in: &SignedIn,
    organisation: OrganisationId,
    period: PeriodQuery,
) -> Result<Found, PageError> {
    let caller = signed_in.caller().clone();
    let found =
        crate::db::run(&state.pool, move |conn| invoice::for_organisation(conn, &caller, organisation, &period)).await;
    match found {
        Ok(invoicing) => Ok(Found::Lines(invoicing)),
        Err(error @ AppError::Validation { .. }) => {
            Ok(Found::BadPeriod(FormErrors::from_refusal(&error).expect("a validation error has fields")))
        }
        Err(other) => Err(signed_in.fail(other)),
    }
}

/// The page: a period form, the totals per agreement, every line.
pub async fn page(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    query: Query<InvoicingQuery>,
) -> Result<HttpResponse, PageError> {
    let lang = signed_in.lang;
    let title = lang.pick("Fakturaunderlag", "Invoicing");
    let Some(organisation) = organisation_of(&signed_in, &query)? else {
        let all = signed_in.run(&state, |conn, _| organisations::list(conn, None)).await?;
        return Ok(signed_in.ok(title, choose_organisation(lang, &all)));
    };
    let (status, body) = match load(&state, &signed_in, organisation, query.period()).await? {
        Found::Lines(invoicing) => {
            (StatusCode::OK, lines_page(&signed_in, &query, organisation, &invoicing, state.today()))
        }
        Found::BadPeriod(errors) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            html! { (errors.summary(lang)) (period_form(&signed_in, &query, organisation, &errors, state.today())) },
        ),
    };
    Ok(signed_in.page(status, title, body))
}

fn choose_organisation(lang: Lang, all: &[Organisation]) -> Markup {
    html! {
        form method="get" action="/invoicing" {
            label for="organisation" { (lang.pick("Organisation", "Organisation")) }
            select id="organisation" name="organisation" {
                @for organisation in all { option value=(organisation.id) { (organisation.name) } }
            }
            button type="submit" { (lang.pick("Visa fakturaunderlag", "Show invoicing")) }
        }
    }
}

fn period_form(
    signed_in: &SignedIn,
    query: &InvoicingQuery,
    organisation: OrganisationId,
    errors: &FormErrors,
    today: NaiveDate,
) -> Markup {
    let lang = signed_in.lang;
    html! {
        form method="get" action="/invoicing" {
            @if signed_in.caller().is_coordinator() {
                input type="hidden" name="organisation" value=(organisation);
            }
            fieldset {
                legend { (lang.pick("Period (fakturadatum)", "Period (invoice date)")) }
                label for="from" { (lang.pick("Från och med", "From")) }
                span class="hint" id="from-hint" { (lang.pick("Till exempel 2027-01-01", "For example 2027-01-01")) }
                (errors.at("from"))
                input id="from" name="from" type="text" class="short" value=(query.from) aria-describedby="from-hint";
                label for="to" { (lang.pick("Till och med", "To")) }
                (errors.at("to"))
                input id="to" name="to" type="text" class="short" aria-describedby="from-hint" value=(query.to);
                button type="submit" { (lang.pick("Visa", "Show")) }
            }
        }
        p {
            @for (i, shortcut) in period::shortcuts(lang, today).iter().enumerate() {
                @if i > 0 { " · " }
                a href={ "/invoicing?organisation=" (organisation) "&from=" (shortcut.from) "&to=" (shortcut.to) } { (shortcut.label) }
            }
            " · " a href={ "/invoicing?organisation=" (organisation) } { (lang.pick("Alla", "All")) }
        }
    }
}

fn period_text(lang: Lang, invoicing: &Invoicing) -> String {
    match (invoicing.from, invoicing.to) {
        (None, None) => lang.pick("alla datum", "all dates").to_owned(),
        (Some(from), None) => format!("{} {from}", lang.pick("från och med", "from")),
        (None, Some(to)) => format!("{} {to}", lang.pick("till och med", "up to")),
        (Some(from), Some(to)) => format!("{from} – {to}"),
    }
}

fn lines_page(
    signed_in: &SignedIn,
    query: &InvoicingQuery,
    organisation: OrganisationId,
    invoicing: &Invoicing,
    today: NaiveDate,
) -> Markup {
    let lang = signed_in.lang;
    let mut rules: Vec<_> = invoicing.lines.iter().map(|l| l.split_rule).collect();
    rules.sort_by_key(|r| r.as_str());
    rules.dedup();
    html! {
        p { strong { (invoicing.organisation_name) } " (" (invoicing.org_number) "), " (period_text(lang, invoicing)) "." }
        (period_form(signed_in, query, organisation, &FormErrors::new(), today))
        @if invoicing.lines.is_empty() {
            p class="notice" { (lang.pick("Inga fakturarader under perioden.", "No invoicing lines in the period.")) }
        } @else {
            h2 { (lang.pick("Per avtal", "Per agreement")) }
            (per_agreement(lang, invoicing))
            h2 { (lang.pick("Alla rader", "Every line")) }
            (downloads(lang, "/invoicing", &query.query_string(organisation)))
            (lines_table(lang, invoicing))
            @for rule in rules {
                p { strong { (rule_name(lang, rule)) ": " } (rule_explained(lang, rule)) }
            }
            p { (lang.pick(
                "Besparing är vad avtalet hade betalat för samma platser i ett eget kurstillfälle, minus andelen här. Krediteringar har negativa belopp.",
                "Savings are what the agreement would have paid for the same seats in a cohort of its own, minus its share here. Credits have negative amounts.",
            )) }
        }
    }
}

fn amount_headers(lang: Lang) -> Markup {
    html! {
        th scope="col" class="num" { (lang.pick("Belopp exkl. moms", "Amount excl. VAT")) }
        th scope="col" class="num" { (lang.pick("Moms", "VAT")) }
        th scope="col" class="num" { (lang.pick("Belopp inkl. moms", "Amount incl. VAT")) }
        th scope="col" class="num" { (lang.pick("Besparing", "Savings")) }
    }
}

fn amount_cells(totals: &InvoicingTotals) -> Markup {
    html! {
        (money_cell(totals.amount_ore)) (money_cell(totals.vat_ore)) (money_cell(totals.amount_incl_vat_ore)) (money_cell(totals.savings_ore))
    }
}

fn per_agreement(lang: Lang, invoicing: &Invoicing) -> Markup {
    let mut references: Vec<&str> = invoicing.lines.iter().map(|l| l.agreement_reference.as_str()).collect();
    references.sort_unstable();
    references.dedup();
    let of = |reference: &str| {
        let lines: Vec<InvoicingLine> =
            invoicing.lines.iter().filter(|l| l.agreement_reference == reference).cloned().collect();
        InvoicingTotals::of(&lines)
    };
    html! {
        div class="table-wrap" {
            table {
                thead { tr { th scope="col" { (lang.pick("Avtal", "Agreement")) } (amount_headers(lang)) } }
                tbody {
                    @for reference in &references { tr { th scope="row" { (reference) } (amount_cells(&of(reference))) } }
                }
                tfoot { tr { th scope="row" { (lang.pick("Summa", "Total")) } (amount_cells(&invoicing.totals)) } }
            }
        }
    }
}

fn lines_table(lang: Lang, invoicing: &Invoicing) -> Markup {
    html! {
        div class="table-wrap" {
            table {
                caption { (lang.pick("Fakturarader", "Invoicing lines")) }
                thead {
                    tr {
                        th scope="col" { (lang.pick("Datum", "Date")) }
                        th scope="col" { (lang.pick("Kurstillfälle", "Cohort")) }
                        th scope="col" { (lang.pick("Termin", "Term")) }
                        th scope="col" { (lang.pick("Avtal", "Agreement")) }
                        th scope="col" { (lang.pick("Slag", "Kind")) }
                        th scope="col" class="num" { (lang.pick("Platser", "Seats")) }
                        th scope="col" { (lang.pick("Fördelning", "Split rule")) }
                        (amount_headers(lang))
                    }
                }
                tbody {
                    @for line in &invoicing.lines {
                        tr {
                            td { (line.invoiced_on) }
                            td { a href={ "/cohorts/" (line.cohort_id) } { (line.course_code) " " (line.course_title) } }
                            td { (term_name(&line.term)) }
                            td { (line.agreement_reference) }
                            td { (kind_name(lang, line.kind)) }
                            td class="num" { (line.seats) }
                            td { (rule_name(lang, line.split_rule)) }
                            (money_cell(line.amount_ore)) (money_cell(line.vat_ore)) (money_cell(line.amount_incl_vat_ore)) (money_cell(line.savings_ore))
                        }
                    }
                }
                tfoot {
                    tr { th scope="row" colspan="7" { (lang.pick("Summa", "Total")) } (amount_cells(&invoicing.totals)) }
                }
            }
        }
    }
}

/// The lines to download, or the page that says why not.
async fn for_download(state: &AppState, signed_in: &SignedIn, query: &InvoicingQuery) -> Result<Invoicing, PageError> {
    let organisation = organisation_of(signed_in, query)?.ok_or(PageError::NotFound(signed_in.lang))?;
    let caller = signed_in.caller().clone();
    let period = query.period();
    signed_in.run(state, move |conn, _| invoice::for_organisation(conn, &caller, organisation, &period)).await
}

fn attachment(body: Vec<u8>, content_type: &'static str, file_name: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(ContentDisposition::attachment(file_name))
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .body(body)
}

/// `/invoicing.csv`: the lines for Excel in a Swedish locale.
pub async fn csv(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    query: Query<InvoicingQuery>,
) -> Result<HttpResponse, PageError> {
    let invoicing = for_download(&state, &signed_in, &query).await?;
    Ok(attachment(
        export::to_csv(&invoicing),
        "text/csv; charset=utf-8",
        format!("{}.csv", export::file_stem(&invoicing)),
    ))
}

/// `/invoicing.xlsx`: the lines as a workbook with a totals row.
pub async fn xlsx(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    query: Query<InvoicingQuery>,
) -> Result<HttpResponse, PageError> {
    let invoicing = for_download(&state, &signed_in, &query).await?;
    let workbook = export::to_xlsx(&invoicing)
        .map_err(|e| signed_in.fail(AppError::Internal(anyhow::anyhow!("writing the workbook: {e}"))))?;
    Ok(attachment(
        workbook,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        format!("{}.xlsx", export::file_stem(&invoicing)),
    ))
}
