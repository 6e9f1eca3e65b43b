//! The start page of a signed-in user: the overview for coordinators, an
//! organisation's agreements and budgets for its users, and the way to
//! invoicing for finance.

use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;

use super::coordinator::{dashboard, organisations};
use super::layout::{Lang, html_headers};
use super::signed_in::{PageError, SignedIn};
use crate::access::{Caller, Role};
use crate::db;
use crate::web::extract::Query;
use crate::web::heavy::Stamp;
use crate::web::{AppState, cache, encoding};

/// Who is signed in, in the role's own words.
fn signed_in_as(lang: Lang, caller: &Caller) -> Markup {
    let role = match (lang, caller.role) {
        (Lang::Sv, Role::Admin | Role::Coordinator) => "regional samordnare",
        (Lang::En, Role::Admin | Role::Coordinator) => "regional coordinator",
        (Lang::Sv, Role::Organisation) => "användare för en organisation",
        (Lang::En, Role::Organisation) => "organisation user",
        (Lang::Sv, Role::Finance) => "ekonomi",
        (Lang::En, Role::Finance) => "finance",
    };
    html! {
        p { (lang.pick("Du är inloggad som", "You are signed in as")) " " strong { (caller.email) } " (" (role) ")." }
    }
}

#[derive(Debug, Deserialize)]
pub struct HomeQuery {
    /// The coordinator's page of the heat map's courses; anything but a
    /// whole number shows the first.
    #[serde(default)]
    page: String,
}

/// GET /: by role.
pub async fn home(
    state: web::Data<AppState>,
    req: HttpRequest,
    signed_in: SignedIn,
    query: Query<HomeQuery>,
) -> Result<HttpResponse, PageError> {
    let (today, vat) = (state.today(), state.settings.pricing.vat());
    let lang = signed_in.lang;
    let caller = signed_in.caller().clone();
    if caller.is_coordinator() {
        // It is the same for every coordinator and kept while the data is
        // unchanged (failed e-mails move the version too): requests waiting
        // for it share the next one, which takes its turn among the heavy
        // reads.
        let stamp = signed_in.version.map(|version| Stamp { version, today });
        let (found, given) = state
            .heavy
            .overview
            .get(stamp, || async {
                let _turn = state.heavy.turn().await?;
                let caller = caller.clone();
                db::run(&state.pool, move |conn| dashboard::load(conn, &caller, today, vat)).await.map(Arc::new)
            })
            .await
            .map_err(|e| signed_in.fail(e))?;
        cache::observe_shared(&state, stamp, given);
        let heat_map = found.heat_map_page(lang, query.page.trim().parse().unwrap_or(1));
        let body = html! { (signed_in_as(lang, &caller)) (dashboard::render(lang, &found)) };
        let page = signed_in.markup(lang.pick("Översikt", "Overview"), body).into_string();
        // The heat map, kept rendered and deflated, goes between the rest of
        // the page, made for this request: 200 kB nationally, gzipped for
        // browsers at the cost of the rest alone.
        let (before, after) = page.split_once(dashboard::HEAT_MAP_SLOT).unwrap_or((&page, ""));
        return encoding::stitched(&req, html_headers(HttpResponse::Ok()), before, &heat_map, after)
            .map_err(|e| signed_in.fail(e));
    }
    let Some(own) = caller.organisation_id else {
        // An organisation or finance user without an organisation has nothing to see.
        return Ok(signed_in.ok(lang.pick("Start", "Home"), signed_in_as(lang, &caller)));
    };
    // A finance user's start page shows only links; its budgets are on /agreements.
    let finance = caller.role == Role::Finance;
    let (organisation, ledgers) = signed_in
        .run(&state, move |conn, caller| {
            if finance {
                Ok((crate::registry::organisations::find(conn, own)?, Vec::new()))
            } else {
                organisations::load(conn, caller, own)
            }
        })
        .await?;
    let body = html! {
        (signed_in_as(lang, &caller))
        @if finance {
            ul {
                li { a href="/invoicing" { (lang.pick("Fakturaunderlag per period, att ladda ner", "Invoicing by period, to download")) } }
                li { a href="/agreements" { (lang.pick("Avtalen och deras budget", "The agreements and their budgets")) } }
            }
        } @else {
            h2 { (lang.pick("Avtal och budget", "Agreements and budget")) }
            @if ledgers.is_empty() {
                p { (lang.pick("Organisationen har inga avtal.", "The organisation has no agreements.")) }
            } @else {
                (organisations::ledger_table(lang, &ledgers))
                p { a href="/agreements" { (lang.pick("Avtalen i detalj, med budgetstaplar", "The agreements in detail, with budget bars")) } }
            }
            h2 { (lang.pick("Att göra", "What you can do")) }
            ul {
                li { a href="/needs" { (lang.pick("Behov: anmäl och ändra organisationens behov", "Needs: report and change your organisation's needs")) } }
                li { a href="/open-seats" { (lang.pick("Lediga platser i kurstillfällen att ansluta till", "Open seats in cohorts to join")) } }
                li { a href="/cohorts" { (lang.pick("Kurstillfällen där organisationen har platser", "Cohorts your organisation has seats in")) } }
            }
        }
    };
    Ok(signed_in.ok(&organisation.name, body))
}
