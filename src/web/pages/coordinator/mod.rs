//! The coordinator's overview and reference pages: the dashboard (shown at
//! `/`, see `home.rs`), organisations with their agreements' budgets, the
//! course catalogue, the outbox and the audit log.

mod audit;
mod budget_chart;
mod catalogue;
pub mod dashboard;
mod heat_map;
pub mod organisations;
pub(super) mod outbox;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/organisations").route(web::get().to(organisations::list)))
        .service(web::resource("/organisations/{id}").route(web::get().to(organisations::show)))
        .service(web::resource("/agreements").route(web::get().to(organisations::own)))
        .service(web::resource("/courses").route(web::get().to(catalogue::list)))
        .service(web::resource("/outbox").route(web::get().to(outbox::list)))
        .service(web::resource("/outbox/{id}/retry").route(web::post().to(outbox::retry)))
        .service(web::resource("/audit").route(web::get().to(audit::list)));
}
