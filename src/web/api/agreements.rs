use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::access::Caller;
use crate::db::{self, DbConnection, write_transaction};
use crate::error::AppError;
use crate::ids::{AgreementId, OrganisationId};
use crate::invoicing::ledger::{self, Budget};
use crate::registry::agreements::{self, Agreement, AgreementInput, AgreementPatch, AgreementView};
use crate::web::AppState;
use crate::web::error::ErrorBody;
use crate::web::extract::{Bearer, JsonBody, Query};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/agreements").route(web::post().to(create)).route(web::get().to(list)))
        .service(web::resource("/agreements/{id}").route(web::get().to(get)).route(web::patch().to(update)))
        .service(web::resource("/agreements/{id}/budget").route(web::get().to(budget)));
}

/// Registers an SKO agreement (coordinators).
#[utoipa::path(post, path = "/api/v1/agreements", operation_id = "create_agreement", tag = "registry", request_body = AgreementInput,
    security(("bearer" = [])),
    responses((status = 201, body = AgreementView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<AgreementInput>,
) -> Result<HttpResponse, AppError> {
    caller.require_coordinator("register agreements")?;
    let limits = state.settings.agreements.clone();
    let created =
        db::run(&state.pool, move |conn| write_transaction(conn, |conn| agreements::create(conn, body.0, &limits)))
            .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/agreements/{}", created.id)))
        .json(created.view(state.today())))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AgreementFilter {
    pub organisation_id: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/agreements", operation_id = "list_agreements", tag = "registry", security(("bearer" = [])), params(AgreementFilter),
    responses((status = 200, body = Vec<AgreementView>), (status = 401, body = ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    bearer: Bearer,
    filter: Query<AgreementFilter>,
) -> Result<HttpResponse, AppError> {
    let organisation = filter.organisation_id.map(OrganisationId);
    let found =
        bearer.run(&state.pool, move |conn, caller| agreements::list(conn, caller.scope(), organisation)).await?;
    let today = state.today();
    Ok(HttpResponse::Ok().json(found.into_iter().map(|a| a.view(today)).collect::<Vec<_>>()))
}

/// The agreement, if the caller may see it; "not found" otherwise.
fn visible(conn: &mut DbConnection, caller: &Caller, id: AgreementId) -> Result<Agreement, AppError> {
    let agreement = agreements::find(conn, id)?;
    if caller.can_see(agreement.organisation_id) { Ok(agreement) } else { Err(AppError::NotFound("agreement")) }
}

#[utoipa::path(get, path = "/api/v1/agreements/{id}", operation_id = "get_agreement", tag = "registry", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = AgreementView), (status = 404, body = ErrorBody)))]
pub async fn get(state: web::Data<AppState>, bearer: Bearer, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let id = AgreementId(id.into_inner());
    let agreement = bearer.run(&state.pool, move |conn, caller| visible(conn, &caller, id)).await?;
    Ok(HttpResponse::Ok().json(agreement.view(state.today())))
}

/// Changes the fields given (coordinators). A new period must still hold
/// every open need's terms.
#[utoipa::path(patch, path = "/api/v1/agreements/{id}", operation_id = "update_agreement", tag = "registry", request_body = AgreementPatch,
    security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = AgreementView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    body: JsonBody<AgreementPatch>,
) -> Result<HttpResponse, AppError> {
    let id = AgreementId(id.into_inner());
    let limits = state.settings.agreements.clone();
    let updated = db::run(&state.pool, move |conn| {
        let id = visible(conn, &caller, id)?.id;
        caller.require_coordinator("change agreements")?;
        write_transaction(conn, |conn| agreements::update(conn, id, body.0, &limits))
    })
    .await?;
    Ok(HttpResponse::Ok().json(updated.view(state.today())))
}

/// The agreement's ledger: budget, committed, invoiced, remaining.
#[utoipa::path(get, path = "/api/v1/agreements/{id}/budget", operation_id = "get_agreement_budget", tag = "registry", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Budget), (status = 404, body = ErrorBody)))]
pub async fn budget(state: web::Data<AppState>, bearer: Bearer, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let id = AgreementId(id.into_inner());
    let budget = bearer
        .run(&state.pool, move |conn, caller| {
            let agreement = visible(conn, &caller, id)?;
            ledger::budget(conn, &agreement)
        })
        .await?;
    Ok(HttpResponse::Ok().json(budget))
}
