//! The web pages: server-rendered with maud, Swedish by default with an
//! English switch, signed in with a password and a session cookie.

mod home;
mod layout;
mod sign_in;
mod signed_in;

pub use signed_in::not_found;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/").route(web::get().to(home::home)))
        .service(web::resource("/login").route(web::get().to(sign_in::form)).route(web::post().to(sign_in::submit)))
        .service(web::resource("/logout").route(web::post().to(sign_in::logout)))
        .service(web::resource("/language/{code}").route(web::get().to(sign_in::language)));
}
