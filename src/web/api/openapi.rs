//! The OpenAPI 3 document, generated from the handlers' annotations.

use actix_web::HttpResponse;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use super::input_rules::InputRules;
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
    modifiers(&BearerAuth, &CommonErrors, &InputRules),
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

/// The errors that follow from an operation's shape rather than from what it
/// does, added to every operation they can happen to (the annotations list
/// only the 403s, 409s and 422s of each operation's own rules):
/// - 400 where a JSON body or a query string is read (malformed JSON, a
///   value of the wrong type, an unknown field or parameter);
/// - 401 where a bearer token is required;
/// - 404 where the path names something (an id that does not exist or is
///   not the caller's, or is not a number);
/// - 413 where a body is read, past the configured limit;
/// - 503 on every operation of the API, all of which read the database,
///   when it is not available (with `Retry-After`).
///
/// 405 is not listed: it answers methods the document does not have.
struct CommonErrors;

impl CommonErrors {
    fn statuses(operation: &Operation) -> Vec<(&'static str, &'static str)> {
        let parameters = operation.parameters.as_deref().unwrap_or_default();
        let has_query = parameters.iter().any(|p| matches!(p.parameter_in, ParameterIn::Query));
        let has_path = parameters.iter().any(|p| matches!(p.parameter_in, ParameterIn::Path));
        let has_body = operation.request_body.is_some();
        let needs_token = operation.security.as_ref().is_some_and(|s| !s.is_empty());
        let mut statuses = Vec::new();
        if has_query || has_body {
            statuses.push((
                "400",
                "The body or the query string cannot be read: malformed JSON, a wrong type, an unknown field",
            ));
        }
        if needs_token {
            statuses.push(("401", "No valid API token was given"));
        }
        if has_path {
            statuses.push(("404", "Nothing of that id is visible to the caller"));
        }
        if has_body {
            statuses.push(("413", "The body is larger than the configured limit"));
        }
        statuses.push(("503", "The database is not available; nothing was changed, try again"));
        statuses
    }
}

impl Modify for CommonErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            if !path.starts_with("/api/v1/") {
                continue;
            }
            let operations = [&mut item.get, &mut item.post, &mut item.put, &mut item.patch, &mut item.delete];
            for operation in operations.into_iter().flatten() {
                for (status, description) in Self::statuses(operation) {
                    operation
                        .responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| error_response(description));
                }
            }
        }
    }
}

fn error_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build();
    RefOr::T(ResponseBuilder::new().description(description).content("application/json", content).build())
}

/// The document never changes while the server runs: built once, on the first request.
static DOCUMENT: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| serde_json::to_string(&ApiDoc::openapi()).expect("the OpenAPI document serialises"));

pub async fn document() -> HttpResponse {
    HttpResponse::Ok().content_type(actix_web::http::header::ContentType::json()).body(DOCUMENT.as_str())
}
