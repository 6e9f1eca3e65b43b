//! The cohorts a user may see, by state. Organisation and finance users get
//! the cohorts their organisation has seats in: the domain scopes the list.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use maud::html;
use serde::Deserialize;

use super::super::components::{FormErrors, cohort_badge, money_cell};
use super::super::signed_in::{PageError, SignedIn};
use super::term_name;
use crate::cohorts::{self, CohortFilter, CohortStatus, CohortView};
use crate::web::AppState;
use crate::web::extract::Query;

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
}

/// The states a reader filters by, as the badges name them: (value, Swedish, English).
const STATES: [(&str, &str, &str); 6] = [
    ("", "Alla utom ersatta förslag", "All but replaced proposals"),
    ("proposed", "Förslag", "Proposed"),
    ("confirmed", "Bekräftade, ej fakturerade", "Confirmed, not invoiced"),
    ("invoiced", "Fakturerade", "Invoiced"),
    ("cancelled", "Inställda", "Cancelled"),
    ("superseded", "Ersatta förslag", "Replaced proposals"),
];

/// Which cohorts a state shows: the domain's status, and whether the
/// cohort must (not) have been invoiced.
fn filter_of(status: &str) -> Option<(Option<CohortStatus>, Option<bool>)> {
    Some(match status {
        "" => (None, None),
        "proposed" => (Some(CohortStatus::Proposed), None),
        "confirmed" => (Some(CohortStatus::Confirmed), Some(false)),
        "invoiced" => (Some(CohortStatus::Confirmed), Some(true)),
        "cancelled" => (Some(CohortStatus::Cancelled), None),
        "superseded" => (Some(CohortStatus::Superseded), None),
        _ => return None,
    })
}

pub async fn list(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    query: Query<ListQuery>,
) -> Result<HttpResponse, PageError> {
    let lang = signed_in.lang;
    let status = query.status.trim().to_owned();
    let mut errors = FormErrors::new();
    let (wanted, invoiced) = filter_of(&status).unwrap_or_else(|| {
        errors.add("status", lang.pick("Välj ett av alternativen i listan.", "Choose one of the options in the list."));
        (None, None)
    });
    let vat = state.settings.pricing.vat();
    let filter = CohortFilter { status: wanted.map(|s| s.as_str().to_owned()), ..CohortFilter::default() };
    let mut found: Vec<CohortView> =
        signed_in.run(&state, move |conn, caller| cohorts::list(conn, caller, &filter, vat)).await?;
    found.retain(|c| {
        (wanted.is_some() || c.status != CohortStatus::Superseded) && invoiced.is_none_or(|i| c.invoiced == i)
    });
    let body = html! {
        (errors.summary(lang))
        form method="get" action="/cohorts" {
            label for="status" { (lang.pick("Visa", "Show")) }
            (errors.at("status"))
            select id="status" name="status" {
                @for (value, sv, en) in STATES {
                    option value=(value) selected[value == status] { (lang.pick(sv, en)) }
                }
            }
            " "
            button type="submit" class="secondary" { (lang.pick("Filtrera", "Filter")) }
        }
        @if found.is_empty() {
            p { (lang.pick("Inga kurstillfällen att visa.", "No cohorts to show.")) }
        } @else {
            div class="table-wrap" {
                table {
                    caption { (lang.pick("Kurstillfällen", "Cohorts")) }
                    thead { tr {
                        th scope="col" { (lang.pick("Kurs", "Course")) }
                        th scope="col" { (lang.pick("Termin", "Term")) }
                        th scope="col" { (lang.pick("Status", "Status")) }
                        th scope="col" class="num" { (lang.pick("Platser", "Seats")) }
                        th scope="col" class="num" { (lang.pick("Kostnad exkl. moms", "Cost excl. VAT")) }
                    } }
                    tbody {
                        @for c in &found {
                            tr {
                                th scope="row" { a href={ "/cohorts/" (c.id) } { (c.course_code) " " (c.course_title) } }
                                td { (term_name(&c.term)) }
                                td { (cohort_badge(lang, c.status, c.invoiced)) }
                                td class="num" { (c.size) " (" (c.min_participants) "–" (c.max_participants) ")" }
                                (money_cell(c.total_ore))
                            }
                        }
                    }
                }
            }
        }
    };
    let code = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok(signed_in.page(code, lang.pick("Kurstillfällen", "Cohorts"), body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_state_of_the_filter_maps_to_the_domain_and_others_are_refused() {
        for (value, _, _) in STATES {
            assert!(filter_of(value).is_some(), "{value}");
        }
        assert_eq!(filter_of("invoiced"), Some((Some(CohortStatus::Confirmed), Some(true))));
        assert_eq!(filter_of("bekräftad"), None);
    }
}
