//! Invoicing a confirmed cohort (coordinators): what will be invoiced to
//! whom, then one button. Later changes to the split are invoiced by the
//! domain as they happen, so a cohort is invoiced from here once.

use actix_web::{HttpResponse, web};
use maud::html;
use serde::Deserialize;

use super::super::components::{cohort_badge, csrf_field};
use super::super::layout::Lang;
use super::super::sign_in::see_other;
use super::super::signed_in::{PageError, SignedIn};
use super::split_table::{self, names_of};
use super::{rule_explained, rule_name, term_name};
use crate::cohorts::splits::{self, SplitVersionView};
use crate::cohorts::{self, CohortStatus, CohortView};
use crate::ids::CohortId;
use crate::invoicing::invoice;
use crate::web::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct InvoiceForm {
    #[serde(default)]
    csrf_token: String,
}

pub async fn form(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    signed_in.require_coordinator()?;
    let id = CohortId(id.into_inner());
    let (today, vat) = (state.today(), state.settings.pricing.vat());
    let (view, versions): (CohortView, Vec<SplitVersionView>) = signed_in
        .run(&state, move |conn, caller| {
            caller.require_coordinator("invoice cohorts")?;
            Ok((cohorts::get(conn, caller, today, id, vat)?, splits::list(conn, caller, id)?))
        })
        .await?;
    let lang = signed_in.lang;
    let title = match lang {
        Lang::Sv => format!("Fakturera {} {}", view.course_code, term_name(&view.term)),
        Lang::En => format!("Invoice {} {}", view.course_code, term_name(&view.term)),
    };
    let current = versions.last();
    let body = html! {
        p { (cohort_badge(lang, view.status, view.invoiced)) " " (view.course_code) " " (view.course_title) ", " (term_name(&view.term)) }
        @if view.status != CohortStatus::Confirmed {
            p { (lang.pick("Bara bekräftade kurstillfällen faktureras.", "Only confirmed cohorts are invoiced.")) }
        } @else if view.invoiced {
            p { (lang.pick(
                "Kurstillfället är redan fakturerat. Senare ändringar av fördelningen faktureras automatiskt som tillägg eller krediteringar.",
                "The cohort is already invoiced. Later changes to the split are invoiced automatically as debits or credits.",
            )) }
        } @else if let Some(version) = current {
            p { (lang.pick(
                "Varje avtal får en rad i fakturaunderlaget med sin andel enligt fördelningen nedan. Efter det är fördelningen låst; ändringar faktureras som tillägg eller krediteringar.",
                "Each agreement gets one invoicing line with its share by the split below. After that the split is locked; changes are invoiced as debits or credits.",
            )) }
            p { strong { (rule_name(lang, version.split_rule)) ": " } (rule_explained(lang, version.split_rule)) }
            (split_table::table(lang, lang.pick("Detta faktureras", "What will be invoiced"), &version.shares, &names_of(&view)))
            form method="post" action={ "/cohorts/" (view.id) "/invoice" } {
                (csrf_field(&signed_in))
                button type="submit" { (lang.pick("Skapa fakturaunderlag", "Create the invoicing lines")) }
            }
        }
        p { a href={ "/cohorts/" (view.id) } { (lang.pick("Tillbaka till kurstillfället", "Back to the cohort")) } }
    };
    Ok(signed_in.ok(&title, body))
}

/// Invoices the cohort as `POST /api/v1/cohorts/{id}/invoice` does.
pub async fn submit(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<i64>,
    form: web::Form<InvoiceForm>,
) -> Result<HttpResponse, PageError> {
    signed_in.require_coordinator()?;
    signed_in.check_csrf(&form.csrf_token)?;
    let id = CohortId(id.into_inner());
    let today = state.today();
    signed_in.run(&state, move |conn, caller| invoice::invoice(conn, caller, today, id)).await?;
    Ok(see_other(&format!("/cohorts/{id}?notice=invoiced")))
}
