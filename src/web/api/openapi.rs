//! The OpenAPI 3 document, generated from the handlers' annotations.

use actix_web::HttpResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{agreements, audit, cohorts, courses, demand, health, needs, organisations, outbox};

#[derive(OpenApi)]
#[openapi(
    info(title = "Strumpavtal", description = "Pooled cohorts for SKO agreements: registry, needs, demand, planning, open seats, cost splits and invoicing."),
    paths(
        health::health,
        organisations::create, organisations::list, organisations::get, organisations::update,
        agreements::create, agreements::list, agreements::get, agreements::update, agreements::budget,
        courses::create, courses::list, courses::get, courses::update,
        needs::create, needs::list, needs::get, needs::update, needs::withdraw, needs::import_csv,
        demand::get,
        cohorts::create_plan, cohorts::get_plan, cohorts::list, cohorts::get, cohorts::join_cohort, cohorts::open_seats,
        cohorts::confirm, cohorts::splits, cohorts::withdraw, cohorts::cancel, cohorts::invoice,
        organisations::invoicing, organisations::invoicing_csv, organisations::invoicing_xlsx,
        audit::list,
        outbox::list, outbox::retry,
        cohorts::add_participant, cohorts::list_participants, cohorts::remove_participant,
        cohorts::list_waitlist, cohorts::leave_waitlist, cohorts::invite, cohorts::invite_near_viable,
    ),
    modifiers(&BearerAuth),
    tags((name = "registry", description = "Organisations, agreements and the course catalogue"),
         (name = "needs", description = "Needs inventories and aggregated demand"),
         (name = "planning", description = "Plans, cohorts, open seats and joins"),
         (name = "splits", description = "Confirming cohorts, cost splits, budgets, invoicing and the audit log"),
         (name = "enrolment", description = "Participants in confirmed cohorts"),
         (name = "email", description = "The outbox of e-mails and their delivery"),
         (name = "operations", description = "Health"))
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("sp_…").build()),
        );
    }
}

pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
