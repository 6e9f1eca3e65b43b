//! The audit log for coordinators: who did what to which cohort or
//! agreement, when, and the reason where one was given.

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use maud::{Markup, html};

use crate::audit::{self, AuditAction, AuditEntry, AuditFilter};
use crate::ids::AgreementId;
use crate::money::Ore;
use crate::registry::agreements;
use crate::web::AppState;
use crate::web::pages::components::money;
use crate::web::pages::layout::Lang;
use crate::web::pages::signed_in::{PageError, SignedIn};

/// How many entries the page shows, newest first.
const SHOWN: i64 = 200;

pub fn action_name(lang: Lang, action: AuditAction) -> &'static str {
    match action {
        AuditAction::Confirm => lang.pick("Bekräftade ett kurstillfälle", "Confirmed a cohort"),
        AuditAction::OverrideBudget => lang.pick("Gick förbi en budget", "Overrode a budget"),
        AuditAction::Join => lang.pick("Anslöt till ett kurstillfälle", "Joined a cohort"),
        AuditAction::Withdraw => lang.pick("Lämnade platser", "Withdrew seats"),
        AuditAction::Cancel => lang.pick("Ställde in ett kurstillfälle", "Cancelled a cohort"),
        AuditAction::Invoice => lang.pick("Skapade fakturaunderlag", "Invoiced"),
    }
}

/// The reason given, if the entry has one (budget overrides, cancellations).
fn reason(entry: &AuditEntry) -> Option<&str> {
    entry.details.get("reason").and_then(|r| r.as_str()).filter(|r| !r.trim().is_empty())
}

/// The agreements a budget override let past their budgets, with how much
/// they lacked: (reference, shortfall).
fn shortfalls(entry: &AuditEntry) -> Vec<(String, Ore)> {
    let Some(found) = entry.details.get("shortfalls").and_then(|s| s.as_array()) else { return Vec::new() };
    found
        .iter()
        .filter_map(|s| {
            let reference = s.get("agreement_reference")?.as_str()?.to_owned();
            Some((reference, Ore(s.get("shortfall_ore")?.as_i64()?)))
        })
        .collect()
}

/// GET /audit (coordinators).
pub async fn list(state: web::Data<AppState>, signed_in: SignedIn) -> Result<HttpResponse, PageError> {
    signed_in.require_coordinator()?;
    let (entries, references) = signed_in
        .run(&state, |conn, caller| {
            let entries = audit::list(conn, caller, &AuditFilter { limit: Some(SHOWN), ..AuditFilter::default() })?;
            let references: HashMap<AgreementId, String> =
                agreements::list(conn, None, None)?.into_iter().map(|a| (a.id, a.reference)).collect();
            Ok((entries, references))
        })
        .await?;
    let lang = signed_in.lang;
    let body = html! {
        p { (lang.pick(
            "Varje bekräftelse, budgetundantag, anslutning, avanmälan, inställning och fakturering, med vem som gjorde den och när. Tider i UTC.",
            "Every confirmation, budget override, join, withdrawal, cancellation and invoicing, with who did it and when. Times in UTC.",
        )) }
        @if entries.is_empty() {
            p { (lang.pick("Loggen är tom.", "The log is empty.")) }
        } @else {
            (table(lang, &entries, &references))
            @if entries.len() as i64 == SHOWN {
                p class="hint" { (match lang {
                    Lang::Sv => format!("De {SHOWN} senaste händelserna visas."),
                    Lang::En => format!("The latest {SHOWN} entries are shown."),
                }) }
            }
        }
    };
    Ok(signed_in.ok(lang.pick("Logg", "Audit log"), body))
}

fn table(lang: Lang, entries: &[AuditEntry], references: &HashMap<AgreementId, String>) -> Markup {
    html! {
        div class="table-wrap" {
            table {
                caption { (lang.pick("Händelser, nyast först", "Entries, newest first")) }
                thead { tr {
                    th scope="col" { (lang.pick("När", "When")) }
                    th scope="col" { (lang.pick("Vem", "Who")) }
                    th scope="col" { (lang.pick("Vad", "What")) }
                    th scope="col" { (lang.pick("Gäller", "Concerns")) }
                    th scope="col" { (lang.pick("Skäl", "Reason")) }
                } }
                tbody {
                    @for entry in entries {
                        tr {
                            td { (entry.at.format("%Y-%m-%d %H:%M")) }
                            td { (entry.user_email) }
                            td { (action_name(lang, entry.action)) }
                            td {
                                @if let Some(cohort) = entry.cohort_id {
                                    a href={ "/cohorts/" (cohort) } { (lang.pick("Kurstillfälle", "Cohort")) " " (cohort) }
                                }
                                @if let Some(agreement) = entry.agreement_id {
                                    @if entry.cohort_id.is_some() { br; }
                                    (lang.pick("Avtal", "Agreement")) " "
                                    (references.get(&agreement).cloned().unwrap_or_else(|| agreement.to_string()))
                                }
                                @for (reference, lacking) in shortfalls(entry) {
                                    br;
                                    (lang.pick("Avtal", "Agreement")) " " (reference) ": "
                                    (lang.pick("saknade", "lacked")) " " (money(lacking))
                                }
                            }
                            td { (reason(entry).unwrap_or("")) }
                        }
                    }
                }
            }
        }
    }
}
