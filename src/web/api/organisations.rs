use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::access::Caller;
use crate::db::{self, write_transaction};
use crate::error::AppError;
use crate::ids::OrganisationId;
use crate::invoicing::invoice::{self, PeriodQuery};
use crate::invoicing::{Invoicing, export};
use crate::registry::organisations::{self, Organisation, OrganisationInput, OrganisationPatch};
use crate::web::error::ErrorBody;
use crate::web::extract::{Bearer, JsonBody, Query};
use crate::web::{AppState, cache};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/organisations").route(web::post().to(create)).route(web::get().to(list)))
        .service(web::resource("/organisations/{id}").route(web::get().to(get)).route(web::patch().to(update)))
        .service(web::resource("/organisations/{id}/invoicing").route(web::get().to(invoicing)))
        .service(web::resource("/organisations/{id}/invoicing.csv").route(web::get().to(invoicing_csv)))
        .service(web::resource("/organisations/{id}/invoicing.xlsx").route(web::get().to(invoicing_xlsx)));
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
pub async fn list(state: web::Data<AppState>, bearer: Bearer) -> Result<HttpResponse, AppError> {
    let found = bearer.run(&state.pool, |conn, caller| organisations::list(conn, caller.scope())).await?;
    Ok(HttpResponse::Ok().json(found))
}

#[utoipa::path(get, path = "/api/v1/organisations/{id}", operation_id = "get_organisation", tag = "registry", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Organisation), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(state: web::Data<AppState>, bearer: Bearer, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let id = OrganisationId(id.into_inner());
    let found = bearer
        .run(&state.pool, move |conn, caller| {
            if !caller.can_see(id) {
                return Err(AppError::NotFound("organisation"));
            }
            organisations::find(conn, id)
        })
        .await?;
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

/// The organisation's invoicing lines (fakturaunderlag) invoiced between
/// `from` and `to`, with totals. Organisation and finance users see only
/// their own organisation's.
#[utoipa::path(get, path = "/api/v1/organisations/{id}/invoicing", operation_id = "get_organisation_invoicing", tag = "splits",
    security(("bearer" = [])), params(("id" = i64, Path), PeriodQuery),
    responses((status = 200, body = Invoicing), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn invoicing(
    state: web::Data<AppState>,
    req: HttpRequest,
    bearer: Bearer,
    id: web::Path<i64>,
    period: Query<PeriodQuery>,
) -> Result<HttpResponse, AppError> {
    let id = OrganisationId(id.into_inner());
    let period = period.into_inner();
    let found = cache::json(&state, &req, bearer, state.today(), move |conn, caller| {
        invoice::for_organisation(conn, caller, id, &period)
    })
    .await?;
    found.respond(&req).await
}

async fn load_invoicing(state: &AppState, bearer: Bearer, id: i64, period: PeriodQuery) -> Result<Invoicing, AppError> {
    let id = OrganisationId(id);
    bearer.run(&state.pool, move |conn, caller| invoice::for_organisation(conn, &caller, id, &period)).await
}

/// The same lines as a CSV file for Excel in a Swedish locale: UTF-8 with a
/// byte-order mark, `;` between fields, decimal comma, a totals row.
#[utoipa::path(get, path = "/api/v1/organisations/{id}/invoicing.csv", operation_id = "export_organisation_invoicing_csv", tag = "splits",
    security(("bearer" = [])), params(("id" = i64, Path), PeriodQuery),
    responses((status = 200, content_type = "text/csv", body = String), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn invoicing_csv(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<i64>,
    period: Query<PeriodQuery>,
) -> Result<HttpResponse, AppError> {
    let found = load_invoicing(&state, bearer, id.into_inner(), period.into_inner()).await?;
    Ok(download(export::to_csv(&found), "text/csv; charset=utf-8", &format!("{}.csv", export::file_stem(&found))))
}

/// The same lines as an Excel workbook, amounts as kronor, with a totals row.
#[utoipa::path(get, path = "/api/v1/organisations/{id}/invoicing.xlsx", operation_id = "export_organisation_invoicing_xlsx", tag = "splits",
    security(("bearer" = [])), params(("id" = i64, Path), PeriodQuery),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn invoicing_xlsx(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<i64>,
    period: Query<PeriodQuery>,
) -> Result<HttpResponse, AppError> {
    let found = load_invoicing(&state, bearer, id.into_inner(), period.into_inner()).await?;
    let workbook =
        export::to_xlsx(&found).map_err(|e| AppError::Internal(anyhow::anyhow!("writing the workbook: {e}")))?;
    Ok(download(
        workbook,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("{}.xlsx", export::file_stem(&found)),
    ))
}

fn download(body: Vec<u8>, content_type: &'static str, file_name: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(header::ContentDisposition::attachment(file_name))
        .body(body)
}
