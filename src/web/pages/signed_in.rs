//! Who is signed in on a page, and the error pages a page may answer with.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, web};
use maud::html;

use super::layout::{Lang, SESSION_COOKIE, html_page, lang_of, page};
use crate::access::sessions::{self, Session};
use crate::db;
use crate::error::AppError;
use crate::registry::now;
use crate::web::AppState;

/// A signed-in browser and the language it reads. A page that takes it
/// sends everyone else to the sign-in form.
pub struct SignedIn {
    pub session: Session,
    pub lang: Lang,
}

impl SignedIn {
    /// What the layout shows of the session: who, and the sign-out form's token.
    pub fn header(&self) -> Option<(&str, &str)> {
        Some((self.session.caller.email.as_str(), self.session.csrf_token.as_str()))
    }
}

impl FromRequest for SignedIn {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, PageError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let lang = lang_of(req);
        let token = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned());
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let (Some(token), Some(state)) = (token, state) else { return Err(PageError::SignIn) };
            match db::run(&state.pool, move |conn| sessions::find(conn, &token, now())).await {
                Ok(Some(session)) => Ok(SignedIn { session, lang }),
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
    #[error("{1}")]
    Failed(Lang, AppError),
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            PageError::SignIn => StatusCode::SEE_OTHER,
            PageError::Failed(_, error) => error.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            PageError::SignIn => HttpResponse::SeeOther().insert_header((header::LOCATION, "/login")).finish(),
            PageError::Failed(lang, error) => {
                tracing::error!(error = %error, "a page could not be shown");
                let lang = *lang;
                let title = lang.pick("Något gick fel", "Something went wrong");
                let body = html! { p { (lang.pick(
                    "Det är vårt fel, och det har loggats. Inget har ändrats. Försök igen om en stund.",
                    "The fault is ours, and it has been logged. Nothing was changed. Try again in a while.",
                )) } };
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
