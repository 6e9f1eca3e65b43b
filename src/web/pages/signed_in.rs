//! Who is signed in on a page, and the error pages a page may answer with.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, web};
use maud::html;

use super::layout::{Lang, SESSION_COOKIE, html_page, lang_of, page};
use crate::access::Caller;
use crate::access::sessions::Session;
use crate::db::version::DataVersion;
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::registry::now;
use crate::web::AppState;

/// A signed-in browser and the language it reads. A page that takes it
/// sends everyone else to the sign-in form.
pub struct SignedIn {
    pub session: Session,
    pub lang: Lang,
    /// With the cache of answers on, the data's version the session was
    /// found under: what a page kept in memory is stamped with.
    pub version: Option<DataVersion>,
}

impl SignedIn {
    pub fn caller(&self) -> &Caller {
        &self.session.caller
    }

    /// Pages for coordinators only: anyone else gets the 403 page.
    pub fn require_coordinator(&self) -> Result<(), PageError> {
        if self.caller().is_coordinator() { Ok(()) } else { Err(PageError::Forbidden(self.lang)) }
    }

    /// Every form a signed-in user posts must repeat the session's token;
    /// a form without it gets the 403 page and changes nothing.
    pub fn check_csrf(&self, token: &str) -> Result<(), PageError> {
        if !token.is_empty() && token == self.session.csrf_token { Ok(()) } else { Err(PageError::Csrf(self.lang)) }
    }

    /// Runs `work` on a pooled connection as the signed-in caller; an error
    /// becomes the page that fits it (404, 403, 500 …).
    pub async fn run<T, F>(&self, state: &AppState, work: F) -> Result<T, PageError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection, &Caller) -> Result<T, AppError> + Send + 'static,
    {
        let caller = self.caller().clone();
        db::run(&state.pool, move |conn| work(conn, &caller)).await.map_err(|error| self.fail(error))
    }

    /// An error of the domain as the page that fits it.
    pub fn fail(&self, error: AppError) -> PageError {
        PageError::from_app(self.lang, error)
    }

    /// A page for this user: the layout with the role's sections.
    pub fn page(&self, status: StatusCode, title: &str, body: maud::Markup) -> HttpResponse {
        html_page(HttpResponse::build(status), self.markup(title, body))
    }

    /// The HTML of [`Self::page`].
    pub fn markup(&self, title: &str, body: maud::Markup) -> maud::Markup {
        page(self.lang, title, Some(self), body)
    }

    /// The same, 200 OK.
    pub fn ok(&self, title: &str, body: maud::Markup) -> HttpResponse {
        self.page(StatusCode::OK, title, body)
    }
}

impl FromRequest for SignedIn {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, PageError>>>>;

    /// One query for a session kept in memory (the data's version), two for
    /// one looked up.
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let lang = lang_of(req);
        let token = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned());
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let (Some(token), Some(state)) = (token, state) else { return Err(PageError::SignIn) };
            let answers = Arc::clone(&state.answers);
            match db::run(&state.pool, move |conn| answers.session(conn, &token, now())).await {
                Ok(Some((session, version))) => Ok(SignedIn { session, lang, version }),
                Ok(None) => Err(PageError::SignIn),
                Err(error) => Err(PageError::Failed(lang, error)),
            }
        })
    }
}

/// Why a page could not be shown, as a page a person can read.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("not signed in")]
    SignIn,
    /// A form without the session's CSRF token.
    #[error("a form without its CSRF token")]
    Csrf(Lang),
    /// The user's role may not use this page.
    #[error("forbidden")]
    Forbidden(Lang),
    /// Missing, or another organisation's.
    #[error("not found")]
    NotFound(Lang),
    #[error("{1}")]
    Failed(Lang, AppError),
}

impl PageError {
    pub fn from_app(lang: Lang, error: AppError) -> Self {
        match error {
            AppError::NotFound(_) => PageError::NotFound(lang),
            AppError::Forbidden(_) => PageError::Forbidden(lang),
            other => PageError::Failed(lang, other),
        }
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            PageError::SignIn => StatusCode::SEE_OTHER,
            PageError::Csrf(_) | PageError::Forbidden(_) => StatusCode::FORBIDDEN,
            PageError::NotFound(_) => StatusCode::NOT_FOUND,
            PageError::Failed(_, error) => error.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            PageError::SignIn => HttpResponse::SeeOther().insert_header((header::LOCATION, "/login")).finish(),
            PageError::Csrf(lang) => csrf_refused(*lang),
            PageError::Forbidden(lang) => forbidden_page(*lang),
            PageError::NotFound(lang) => not_found_page(*lang),
            PageError::Failed(lang, error) => {
                let lang = *lang;
                let (title, text) = match error {
                    AppError::Unavailable(_) => (
                        lang.pick("Tjänsten är inte tillgänglig just nu", "The service is not available right now"),
                        lang.pick(
                            "Databasen svarar inte. Inget har ändrats. Försök igen om en stund.",
                            "The database does not answer. Nothing was changed. Try again in a while.",
                        ),
                    ),
                    _ if error.status_code().is_client_error() => (
                        lang.pick("Det gick inte att genomföra", "That could not be done"),
                        lang.pick("Inget har ändrats.", "Nothing was changed."),
                    ),
                    _ => {
                        tracing::error!(error = %error, "a page could not be shown");
                        (
                            lang.pick("Något gick fel", "Something went wrong"),
                            lang.pick(
                                "Det är vårt fel, och det har loggats. Inget har ändrats. Försök igen om en stund.",
                                "The fault is ours, and it has been logged. Nothing was changed. Try again in a while.",
                            ),
                        )
                    }
                };
                let detail = error.status_code().is_client_error().then(|| error.to_string());
                let body = html! {
                    p { (text) }
                    @if let Some(detail) = detail { p { (detail) } }
                    p { a href="/" { (lang.pick("Till startsidan", "To the start page")) } }
                };
                html_page(HttpResponse::build(self.status_code()), page(lang, title, None, body))
            }
        }
    }
}

fn not_found_page(lang: Lang) -> HttpResponse {
    let title = lang.pick("Sidan finns inte", "Page not found");
    let body = html! {
        p { (lang.pick("Kontrollera adressen, eller börja från", "Check the address, or start from")) " " a href="/" { (lang.pick("startsidan", "the start page")) } "." }
    };
    html_page(HttpResponse::NotFound(), page(lang, title, None, body))
}

fn forbidden_page(lang: Lang) -> HttpResponse {
    let title = lang.pick("Du har inte behörighet till sidan", "You may not use this page");
    let body = html! {
        p { (lang.pick(
            "Sidan är till för en annan roll än din. Behöver du den, be en regional samordnare om hjälp.",
            "This page is for another role than yours. If you need it, ask a regional coordinator.",
        )) }
        p { a href="/" { (lang.pick("Till startsidan", "To the start page")) } }
    };
    html_page(HttpResponse::Forbidden(), page(lang, title, None, body))
}

/// A form without the right CSRF token: nothing was done.
pub fn csrf_refused(lang: Lang) -> HttpResponse {
    let title = lang.pick("Formuläret kunde inte tas emot", "The form could not be accepted");
    let body = html! {
        p { (lang.pick(
            "Det kom utan sin säkerhetskod, eller med en gammal. Inget har ändrats. Ladda om sidan och försök igen.",
            "It came without its security code, or with an old one. Nothing was changed. Reload the page and try again.",
        )) }
    };
    html_page(HttpResponse::Forbidden(), page(lang, title, None, body))
}

/// An unknown address outside the API: a page for browsers, the API's
/// JSON for programs.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    let wants_html = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if wants_html { not_found_page(lang_of(&req)) } else { AppError::NotFound("page").error_response() }
}
