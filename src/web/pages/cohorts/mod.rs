//! Planning, reviewing and confirming cohorts, and a cohort's own page:
//!
//! - `plans`: run the planner, read a plan, invite others to near-viable cohorts;
//! - `confirm`: confirm a proposed cohort, with a preview of the split;
//! - `list` and `cohort`: the cohorts, and one cohort with its split, history,
//!   participants, invoicing and e-mails;
//! - `invoice` and `cancel`: the two other things a coordinator commits;
//! - `split_table` and `price_chart`: the pieces those pages share.
//!
//! Every page calls the domain as the signed-in user; the domain scopes
//! what organisation users see.

mod cancel;
mod cohort;
mod confirm;
mod invoice;
mod list;
mod plans;
mod price_chart;
mod split_table;

use actix_web::web;
use maud::{Markup, html};

use super::components::term_name;
pub(super) use crate::email::messages::{rule_explained, rule_name};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/plans").route(web::get().to(plans::index)).route(web::post().to(plans::run)))
        .service(web::resource("/plans/{id}").route(web::get().to(plans::show)))
        .service(web::resource("/plans/{id}/invite").route(web::post().to(plans::invite)))
        .service(web::resource("/cohorts").route(web::get().to(list::list)))
        .service(web::resource("/cohorts/{id}").route(web::get().to(cohort::show)))
        .service(
            web::resource("/cohorts/{id}/confirm")
                .route(web::get().to(confirm::form))
                .route(web::post().to(confirm::submit)),
        )
        .service(
            web::resource("/cohorts/{id}/invoice")
                .route(web::get().to(invoice::form))
                .route(web::post().to(invoice::submit)),
        )
        .service(
            web::resource("/cohorts/{id}/cancel")
                .route(web::get().to(cancel::form))
                .route(web::post().to(cancel::submit)),
        );
}

/// A short message about what just happened, above a page.
fn notice(text: &str) -> Markup {
    html! { div class="notice" role="status" { p { (text) } } }
}
