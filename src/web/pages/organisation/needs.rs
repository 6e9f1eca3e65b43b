//! The needs inventory as a table, and withdrawing a need.

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use maud::html;
use serde::Deserialize;

use super::super::components::csrf_field;
use super::super::sign_in::see_other;
use super::super::signed_in::{PageError, SignedIn};
use super::{NoticeQuery, require_needs_keeper, term_window};
use crate::db::write_transaction;
use crate::ids::{AgreementId, NeedId, OrganisationId};
use crate::registry::needs::{self, NeedFilter, NeedView, OPEN};
use crate::registry::{agreements, organisations};
use crate::web::AppState;
use crate::web::extract::Query;

/// What the table names besides the need itself.
struct Names {
    agreements: HashMap<AgreementId, String>,
    organisations: HashMap<OrganisationId, String>,
}

fn names(conn: &mut crate::db::DbConnection, caller: &crate::access::Caller) -> Result<Names, crate::error::AppError> {
    let agreements = agreements::list(conn, caller.scope(), None)?.into_iter().map(|a| (a.id, a.reference)).collect();
    let organisations = organisations::list(conn, caller.scope())?.into_iter().map(|o| (o.id, o.name)).collect();
    Ok(Names { agreements, organisations })
}

/// Own needs for organisation users; everyone's, with the organisation
/// named, for coordinators.
pub async fn list(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    notice: Query<NoticeQuery>,
) -> Result<HttpResponse, PageError> {
    require_needs_keeper(&signed_in)?;
    let lang = signed_in.lang;
    let coordinator = signed_in.caller().is_coordinator();
    let (found, names) = signed_in
        .run(&state, |conn, caller| Ok((needs::list(conn, caller, &NeedFilter::default())?, names(conn, caller)?)))
        .await?;
    let title = lang.pick("Behov", "Needs");
    let open_seats: i64 = found.iter().filter(|n| n.status == OPEN).map(|n| i64::from(n.seats)).sum();
    let body = html! {
        (notice.render(lang))
        p { (lang.pick(
            "Här är de utbildningsplatser ni behöver. Samordnaren planerar kurstillfällen utifrån de öppna behoven.",
            "These are the training seats you need. The coordinator plans cohorts from the open needs.",
        )) }
        p {
            a class="button" href="/needs/new" { (lang.pick("Lägg till ett behov", "Add a need")) } " "
            a class="button secondary" href="/needs/import" { (lang.pick("Läs in behov från en fil", "Import needs from a file")) }
        }
        @if found.is_empty() {
            p { (lang.pick("Det finns inga behov ännu.", "There are no needs yet.")) }
        } @else {
            div class="table-wrap" {
                table {
                    caption { (lang.pick("Behov", "Needs")) }
                    thead { tr {
                        @if coordinator { th scope="col" { (lang.pick("Organisation", "Organisation")) } }
                        th scope="col" { (lang.pick("Kurs", "Course")) }
                        th scope="col" class="num" { (lang.pick("Platser", "Seats")) }
                        th scope="col" { (lang.pick("Terminer", "Terms")) }
                        th scope="col" { (lang.pick("Status", "Status")) }
                        th scope="col" { (lang.pick("Avtal", "Agreement")) }
                        th scope="col" { (lang.pick("Åtgärder", "Actions")) }
                    } }
                    tbody {
                        @for need in &found {
                            tr {
                                @if coordinator {
                                    td { (names.organisations.get(&need.organisation_id).map_or("", String::as_str)) }
                                }
                                td { (need.course_code) }
                                td class="num" {
                                    (need.seats)
                                    @if need.extra_seats > 0 { " (+" (need.extra_seats) ")" }
                                }
                                td { (term_window(&need.earliest_term, &need.latest_term)) }
                                td { (status_badge(lang, need)) }
                                td { (names.agreements.get(&need.agreement_id).map_or("", String::as_str)) }
                                td {
                                    @if need.status == OPEN {
                                        a href={ "/needs/" (need.id) "/edit" } {
                                            (lang.pick("Ändra", "Edit"))
                                            span class="visually-hidden" { " " (need.course_code) " " (need.id) }
                                        }
                                        " · "
                                        a href={ "/needs/" (need.id) "/withdraw" } {
                                            (lang.pick("Återkalla", "Withdraw"))
                                            span class="visually-hidden" { " " (need.course_code) " " (need.id) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    tfoot { tr {
                        @if coordinator { td {} }
                        th scope="row" { (lang.pick("Öppna behov, platser", "Open needs, seats")) }
                        td class="num" { (open_seats) }
                        td colspan="4" {}
                    } }
                }
            }
            p class="hint" { (lang.pick(
                "Ett tal inom parentes är extra platser ni kan ta om det gör att kursen blir av.",
                "A number in brackets is extra seats you would take if that makes the course happen.",
            )) }
        }
    };
    Ok(signed_in.ok(title, body))
}

fn status_badge(lang: super::Lang, need: &NeedView) -> maud::Markup {
    if need.status == OPEN {
        html! { span class="badge confirmed" { (lang.pick("Öppet", "Open")) } }
    } else {
        html! { span class="badge superseded" { (lang.pick("Återkallat", "Withdrawn")) } }
    }
}

/// What withdrawing a need means, and one button.
pub async fn withdraw_summary(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    require_needs_keeper(&signed_in)?;
    let lang = signed_in.lang;
    let id = NeedId(id.into_inner());
    let (need, names) =
        signed_in.run(&state, move |conn, caller| Ok((needs::get(conn, caller, id)?, names(conn, caller)?))).await?;
    let title = lang.pick("Återkalla behovet", "Withdraw the need");
    let body = html! {
        dl {
            dt { (lang.pick("Kurs", "Course")) } dd { (need.course_code) }
            dt { (lang.pick("Platser", "Seats")) } dd { (need.seats) }
            dt { (lang.pick("Terminer", "Terms")) } dd { (term_window(&need.earliest_term, &need.latest_term)) }
            dt { (lang.pick("Avtal", "Agreement")) } dd { (names.agreements.get(&need.agreement_id).map_or("", String::as_str)) }
        }
        @if need.status == OPEN {
            p { (lang.pick(
                "Behovet finns kvar i historiken men räknas inte med när nästa plan görs. Platser som redan finns i ett kurstillfälle påverkas inte.",
                "The need stays on record but is not counted when the next plan is made. Seats already in a cohort are not affected.",
            )) }
            form method="post" action={ "/needs/" (need.id) "/withdraw" } {
                (csrf_field(&signed_in))
                button type="submit" class="warning" { (lang.pick("Återkalla behovet", "Withdraw the need")) }
            }
        } @else {
            p { (lang.pick("Behovet är redan återkallat.", "The need is already withdrawn.")) }
        }
        p { a href="/needs" { (lang.pick("Tillbaka till behoven", "Back to the needs")) } }
    };
    Ok(signed_in.ok(title, body))
}

#[derive(Debug, Default, Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf_token: String,
}

pub async fn withdraw(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<i64>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    signed_in.check_csrf(&form.csrf_token)?;
    require_needs_keeper(&signed_in)?;
    let id = NeedId(id.into_inner());
    signed_in
        .run(&state, move |conn, caller| write_transaction(conn, |conn| needs::withdraw(conn, caller, id)))
        .await?;
    Ok(see_other("/needs?notice=withdrawn"))
}
