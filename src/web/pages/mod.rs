//! The web pages: server-rendered with maud, Swedish by default with an
//! English switch, signed in with a password and a session cookie. Every
//! page calls the same domain code as the JSON API, as the signed-in user.
//!
//! - `coordinator`: the overview with its heat map, organisations and their
//!   agreements' budgets, the course catalogue, the outbox and the audit log;
//! - `cohorts`: planning, reviewing and confirming cohorts, and a cohort's page;
//! - `organisation`: an organisation's needs and imports, open seats to join,
//!   and its participants;
//! - `finance`: invoicing per period, with downloads.

mod cohorts;
mod components;
pub(crate) mod coordinator;
mod finance;
mod home;
mod layout;
mod organisation;
mod sign_in;
mod signed_in;

pub use signed_in::not_found;

/// The 404 page, as an error, for an address that names nothing.
pub fn unknown_address(req: &actix_web::HttpRequest) -> actix_web::Error {
    signed_in::PageError::NotFound(layout::lang_of(req)).into()
}

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(form_config())
        .service(web::resource("/").route(web::get().to(home::home)))
        .service(web::resource("/login").route(web::get().to(sign_in::form)).route(web::post().to(sign_in::submit)))
        .service(web::resource("/logout").route(web::post().to(sign_in::logout)))
        .service(web::resource("/language/{code}").route(web::get().to(sign_in::language)))
        .service(web::resource(layout::STYLESHEET_PATH).route(web::get().to(layout::stylesheet)))
        .configure(coordinator::configure)
        .configure(cohorts::configure)
        .configure(organisation::configure)
        .configure(finance::configure);
}

/// A form body that is not a form (or far too long) gets a page saying
/// so, not actix's plain-text answer.
fn form_config() -> web::FormConfig {
    web::FormConfig::default().limit(256 * 1024).error_handler(|error, req| {
        let lang = layout::lang_of(req);
        let title = lang.pick("Formuläret kunde inte läsas", "The form could not be read");
        let body = maud::html! {
            p { (lang.pick("Inget har ändrats. Gå tillbaka och försök igen.", "Nothing was changed. Go back and try again.")) }
        };
        let page = layout::html_page(actix_web::HttpResponse::BadRequest(), layout::page(lang, title, None, body));
        actix_web::error::InternalError::from_response(error, page).into()
    })
}
