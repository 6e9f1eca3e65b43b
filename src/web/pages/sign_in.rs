//! Signing in and out, and the language switch.
//!
//! The sign-in form has no session to carry a CSRF token yet, so it uses a
//! double-submitted one: a random value in a cookie that the form must repeat.
//! Another site can make a browser post the form, but cannot read or set the
//! cookie, so it cannot know the value.

use actix_web::cookie::Cookie;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use maud::html;
use serde::Deserialize;

use super::layout::{LANG_COOKIE, Lang, SESSION_COOKIE, html_page, lang_of, page, private_cookie};
use super::signed_in::{PageError, csrf_refused};
use crate::access::passwords::{self, SignIn};
use crate::access::{sessions, tokens};
use crate::db;
use crate::registry::now;
use crate::web::AppState;

const LOGIN_CSRF_COOKIE: &str = "sp_login_csrf";

#[derive(Debug, Default, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf_token: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    csrf_token: String,
}

/// The sign-in form, with a fresh double-submit token.
pub async fn form(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    login_page(&req, &state, "", None)
}

fn login_page(req: &HttpRequest, state: &AppState, email: &str, error: Option<String>) -> HttpResponse {
    let lang = lang_of(req);
    let csrf = tokens::generate();
    let cookie = private_cookie(LOGIN_CSRF_COOKIE, csrf.clone(), state.settings.web.secure_cookies);
    let mut status = if error.is_some() { HttpResponse::UnprocessableEntity() } else { HttpResponse::Ok() };
    status.cookie(cookie);
    let title = lang.pick("Logga in", "Sign in");
    let body = html! {
        @if let Some(error) = &error {
            div class="error-summary" role="alert" {
                h2 { (lang.pick("Det gick inte att logga in", "You could not be signed in")) }
                a href="#password" { (error) }
            }
        }
        form method="post" action="/login" novalidate {
            input type="hidden" name="csrf_token" value=(csrf);
            label for="email" { (lang.pick("E-postadress", "E-mail address")) }
            input id="email" name="email" type="email" autocomplete="username" value=(email) required;
            label for="password" { (lang.pick("Lösenord", "Password")) }
            @if let Some(error) = &error { span class="error" id="password-error" { (error) } }
            input id="password" name="password" type="password" autocomplete="current-password" required
                aria-describedby=[error.as_ref().map(|_| "password-error")];
            button type="submit" { (title) }
        }
    };
    html_page(status, page(lang, title, None, body))
}

/// Checks the form's token against the cookie, then the password.
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, PageError> {
    let (form, lang) = (form.into_inner(), lang_of(&req));
    if let Some(address) = req.peer_addr()
        && let Err(wait) = state.sign_in_limiter.attempt(address.ip())
    {
        return Ok(too_many_attempts(lang, wait));
    }
    let expected = req.cookie(LOGIN_CSRF_COOKIE).map(|c| c.value().to_owned());
    if expected.is_none_or(|token| token.is_empty() || token != form.csrf_token) {
        return Ok(csrf_refused(lang));
    }
    let hours = state.settings.web.session_hours;
    let (email, password) = (form.email.trim().to_owned(), form.password);
    let outcome = db::run(&state.pool, move |conn| {
        let at = now();
        match passwords::sign_in(conn, &email, &password, at)? {
            SignIn::Accepted(user) => Ok(Ok(sessions::start(conn, user, at, hours)?)),
            other => Ok(Err(other)),
        }
    })
    .await
    .map_err(|error| PageError::from_app(lang, error))?;
    match outcome {
        Ok(token) => {
            let cookie = private_cookie(SESSION_COOKIE, token, state.settings.web.secure_cookies);
            Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, "/")).cookie(cookie).finish())
        }
        Err(SignIn::LockedOut { until }) => {
            let message = match lang {
                Lang::Sv => format!("För många misslyckade försök. Försök igen efter {} (UTC).", until.format("%H:%M")),
                Lang::En => format!("Too many failed attempts. Try again after {} (UTC).", until.format("%H:%M")),
            };
            Ok(login_page(&req, &state, form.email.trim(), Some(message)))
        }
        Err(_) => {
            let message = lang.pick(
                "E-postadressen eller lösenordet stämmer inte. Kontrollera dem och försök igen.",
                "The e-mail address or the password is wrong. Check them and try again.",
            );
            Ok(login_page(&req, &state, form.email.trim(), Some(message.to_owned())))
        }
    }
}

/// Too many sign-ins from one address: wait, then try again.
fn too_many_attempts(lang: Lang, wait: std::time::Duration) -> HttpResponse {
    let seconds = wait.as_secs().max(1);
    let title = lang.pick("För många inloggningsförsök", "Too many sign-in attempts");
    let body = html! {
        p { (match lang {
            Lang::Sv => format!("Vänta {seconds} sekunder och försök sedan igen. Inget har ändrats."),
            Lang::En => format!("Wait {seconds} seconds, then try again. Nothing was changed."),
        }) }
        p { a href="/login" { (lang.pick("Till inloggningen", "To the sign-in form")) } }
    };
    let mut builder = HttpResponse::TooManyRequests();
    builder.insert_header((header::RETRY_AFTER, seconds.to_string()));
    html_page(builder, page(lang, title, None, body))
}

/// Ends the session; the form must carry the session's CSRF token.
pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<LogoutForm>,
) -> Result<HttpResponse, PageError> {
    let Some(token) = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned()) else {
        return Ok(see_other("/login"));
    };
    let csrf = form.into_inner().csrf_token;
    let ended = db::run(&state.pool, move |conn| match sessions::find(conn, &token, now())? {
        Some(session) if session.csrf_token == csrf => sessions::end(conn, &token).map(|()| true),
        Some(_) => Ok(false),
        None => Ok(true),
    })
    .await
    .map_err(|error| PageError::from_app(lang_of(&req), error))?;
    if !ended {
        return Ok(csrf_refused(lang_of(&req)));
    }
    let mut gone = Cookie::new(SESSION_COOKIE, "");
    gone.set_path("/");
    gone.make_removal();
    Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, "/login")).cookie(gone).finish())
}

/// `/language/en` or `/language/sv`: remembers the choice for a year and
/// goes back to where the reader came from (on this site only).
pub async fn language(req: HttpRequest, code: web::Path<String>) -> HttpResponse {
    let code = if code.as_str() == "en" { "en" } else { "sv" };
    let back = req
        .headers()
        .get(header::REFERER)
        .and_then(|r| r.to_str().ok())
        .and_then(|r| r.split_once("://").map(|(_, rest)| rest))
        .and_then(|rest| rest.find('/').map(|i| &rest[i..]))
        .filter(|path| path.starts_with('/') && !path.starts_with("//") && !path.starts_with("/language/"))
        .unwrap_or("/")
        .to_owned();
    let mut cookie = Cookie::new(LANG_COOKIE, code);
    cookie.set_path("/");
    cookie.set_max_age(actix_web::cookie::time::Duration::days(365));
    cookie.set_same_site(actix_web::cookie::SameSite::Lax);
    HttpResponse::SeeOther().insert_header((header::LOCATION, back)).cookie(cookie).finish()
}

pub fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, to.to_owned())).finish()
}
