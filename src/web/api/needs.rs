use actix_web::http::header;
use actix_web::{HttpResponse, web};

use crate::access::Caller;
use crate::db::{self, write_transaction};
use crate::error::AppError;
use crate::ids::NeedId;
use crate::registry::import::{self, ImportResult};
use crate::registry::needs::{self, NeedFilter, NeedInput, NeedPatch, NeedView};
use crate::web::AppState;
use crate::web::error::ErrorBody;
use crate::web::extract::{Bearer, JsonBody, Query, UploadBody};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/needs").route(web::post().to(create)).route(web::get().to(list)))
        .service(web::resource("/needs/import").route(web::post().to(import_csv)))
        .service(
            web::resource("/needs/{id}")
                .route(web::get().to(get))
                .route(web::patch().to(update))
                .route(web::delete().to(withdraw)),
        );
}

/// Adds a need under an agreement (coordinators, or the agreement's organisation).
#[utoipa::path(post, path = "/api/v1/needs", operation_id = "create_need", tag = "needs", request_body = NeedInput, security(("bearer" = [])),
    responses((status = 201, body = NeedView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<NeedInput>,
) -> Result<HttpResponse, AppError> {
    let created =
        db::run(&state.pool, move |conn| write_transaction(conn, |conn| needs::create(conn, &caller, body.0))).await?;
    Ok(HttpResponse::Created().insert_header((header::LOCATION, format!("/api/v1/needs/{}", created.id))).json(created))
}

#[utoipa::path(get, path = "/api/v1/needs", operation_id = "list_needs", tag = "needs", security(("bearer" = [])), params(NeedFilter),
    responses((status = 200, body = Vec<NeedView>), (status = 422, body = ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    bearer: Bearer,
    filter: Query<NeedFilter>,
) -> Result<HttpResponse, AppError> {
    let filter = filter.into_inner();
    let found = bearer.run(&state.pool, move |conn, caller| needs::list(conn, &caller, &filter)).await?;
    Ok(HttpResponse::Ok().json(found))
}

#[utoipa::path(get, path = "/api/v1/needs/{id}", operation_id = "get_need", tag = "needs", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = NeedView), (status = 404, body = ErrorBody)))]
pub async fn get(state: web::Data<AppState>, bearer: Bearer, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let id = NeedId(id.into_inner());
    let found = bearer.run(&state.pool, move |conn, caller| needs::get(conn, &caller, id)).await?;
    Ok(HttpResponse::Ok().json(found))
}

/// Changes an open need's fields given.
#[utoipa::path(patch, path = "/api/v1/needs/{id}", operation_id = "update_need", tag = "needs", request_body = NeedPatch, security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = NeedView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    body: JsonBody<NeedPatch>,
) -> Result<HttpResponse, AppError> {
    let id = NeedId(id.into_inner());
    let updated =
        db::run(&state.pool, move |conn| write_transaction(conn, |conn| needs::update(conn, &caller, id, body.0)))
            .await?;
    Ok(HttpResponse::Ok().json(updated))
}

/// Withdraws a need. It stays on record with status `withdrawn`.
#[utoipa::path(delete, path = "/api/v1/needs/{id}", operation_id = "withdraw_need", tag = "needs", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = NeedView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn withdraw(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = NeedId(id.into_inner());
    let withdrawn =
        db::run(&state.pool, move |conn| write_transaction(conn, |conn| needs::withdraw(conn, &caller, id))).await?;
    Ok(HttpResponse::Ok().json(withdrawn))
}

/// Imports needs from CSV: all rows or none.
#[utoipa::path(post, path = "/api/v1/needs/import", operation_id = "import_needs", tag = "needs", security(("bearer" = [])),
    request_body(content = String, content_type = "text/csv",
        description = "Header row `agreement_reference,course_code,seats,extra_seats,earliest_term,latest_term,note`; `,` or `;` separated; UTF-8 with or without BOM"),
    responses((status = 201, body = ImportResult), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn import_csv(
    state: web::Data<AppState>,
    caller: Caller,
    body: UploadBody,
) -> Result<HttpResponse, AppError> {
    let result =
        db::run(&state.pool, move |conn| write_transaction(conn, |conn| import::import(conn, &caller, &body.0)))
            .await?;
    Ok(HttpResponse::Created().json(result))
}
