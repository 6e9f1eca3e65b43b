//! The start page of a signed-in user.

use actix_web::{HttpRequest, HttpResponse, web};
use maud::html;

use super::layout::{Lang, SESSION_COOKIE, html_page, lang_of, page};
use super::sign_in::see_other;
use crate::access::{Role, sessions};
use crate::db;
use crate::error::AppError;
use crate::registry::now;
use crate::web::AppState;

/// Who is signed in and what they may do here; without a session, the sign-in form.
pub async fn home(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let Some(token) = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned()) else {
        return Ok(see_other("/login"));
    };
    let Some(session) = db::run(&state.pool, move |conn| sessions::find(conn, &token, now())).await? else {
        return Ok(see_other("/login"));
    };
    let lang = lang_of(&req);
    let role = match (lang, session.caller.role) {
        (Lang::Sv, Role::Admin | Role::Coordinator) => "regional samordnare",
        (Lang::En, Role::Admin | Role::Coordinator) => "regional coordinator",
        (Lang::Sv, Role::Organisation) => "användare för en organisation",
        (Lang::En, Role::Organisation) => "organisation user",
        (Lang::Sv, Role::Finance) => "ekonomi",
        (Lang::En, Role::Finance) => "finance",
    };
    let title = lang.pick("Start", "Home");
    let body = html! {
        p { (lang.pick("Du är inloggad som", "You are signed in as")) " " strong { (session.caller.email) } " (" (role) ")." }
    };
    let signed_in = Some((session.caller.email.as_str(), session.csrf_token.as_str()));
    Ok(html_page(HttpResponse::Ok(), page(lang, title, signed_in, body)))
}
