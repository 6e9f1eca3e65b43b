//! The JSON API, a module per resource.

pub mod agreements;
pub mod audit;
pub mod cohorts;
pub mod courses;
pub mod demand;
pub mod health;
mod input_rules;
pub mod needs;
pub mod openapi;
pub mod organisations;
pub mod outbox;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/openapi.json").route(web::get().to(openapi::document)));
    organisations::configure(cfg);
    agreements::configure(cfg);
    courses::configure(cfg);
    needs::configure(cfg);
    demand::configure(cfg);
    cohorts::configure(cfg);
    audit::configure(cfg);
    outbox::configure(cfg);
}
