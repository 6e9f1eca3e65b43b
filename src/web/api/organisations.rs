use actix_web::http::header;
use actix_web::{HttpResponse, web};

use crate::access::Caller;
use crate::db::{self, write_transaction};
use crate::error::AppError;
use crate::ids::OrganisationId;
use crate::registry::organisations::{self, Organisation, OrganisationInput, OrganisationPatch};
use crate::web::AppState;
use crate::web::error::ErrorBody;
use crate::web::extract::JsonBody;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/organisations").route(web::post().to(create)).route(web::get().to(list)))
        .service(web::resource("/organisations/{id}").route(web::get().to(get)).route(web::patch().to(update)));
}

/// Registers an organisation (coordinators).
#[utoipa::path(post, path = "/api/v1/organisations", operation_id = "create_organisation", tag = "registry", request_body = OrganisationInput,
    security(("bearer" = [])),
    responses((status = 201, body = Organisation), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<OrganisationInput>,
) -> Result<HttpResponse, AppError> {
    caller.require_coordinator("register organisations")?;
    let created =
        db::run(&state.pool, move |conn| write_transaction(conn, |conn| organisations::create(conn, body.0))).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/organisations/{}", created.id)))
        .json(created))
}

/// Organisations: all for coordinators, one's own for everyone else.
#[utoipa::path(get, path = "/api/v1/organisations", operation_id = "list_organisations", tag = "registry", security(("bearer" = [])),
    responses((status = 200, body = Vec<Organisation>), (status = 401, body = ErrorBody)))]
pub async fn list(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, AppError> {
    let scope = caller.scope();
    let found = db::run(&state.pool, move |conn| organisations::list(conn, scope)).await?;
    Ok(HttpResponse::Ok().json(found))
}

#[utoipa::path(get, path = "/api/v1/organisations/{id}", operation_id = "get_organisation", tag = "registry", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Organisation), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(state: web::Data<AppState>, caller: Caller, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let id = OrganisationId(id.into_inner());
    if !caller.can_see(id) {
        return Err(AppError::NotFound("organisation"));
    }
    let found = db::run(&state.pool, move |conn| organisations::find(conn, id)).await?;
    Ok(HttpResponse::Ok().json(found))
}

/// Changes the fields given (coordinators).
#[utoipa::path(patch, path = "/api/v1/organisations/{id}", operation_id = "update_organisation", tag = "registry", request_body = OrganisationPatch,
    security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Organisation), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    body: JsonBody<OrganisationPatch>,
) -> Result<HttpResponse, AppError> {
    let id = OrganisationId(id.into_inner());
    if !caller.can_see(id) {
        return Err(AppError::NotFound("organisation"));
    }
    caller.require_coordinator("change organisations")?;
    let updated =
        db::run(&state.pool, move |conn| write_transaction(conn, |conn| organisations::update(conn, id, body.0)))
            .await?;
    Ok(HttpResponse::Ok().json(updated))
}
