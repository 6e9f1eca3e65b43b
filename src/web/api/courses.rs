use actix_web::http::header;
use actix_web::{HttpResponse, web};

use crate::access::Caller;
use crate::db::{self, write_transaction};
use crate::error::AppError;
use crate::registry::courses::{self, CourseInput, CoursePatch, CourseView};
use crate::web::AppState;
use crate::web::error::ErrorBody;
use crate::web::extract::{Bearer, JsonBody};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/courses").route(web::post().to(create)).route(web::get().to(list)))
        .service(web::resource("/courses/{code}").route(web::get().to(get)).route(web::patch().to(update)));
}

/// Adds a course to the catalogue (coordinators).
#[utoipa::path(post, path = "/api/v1/courses", operation_id = "create_course", tag = "registry", request_body = CourseInput, security(("bearer" = [])),
    responses((status = 201, body = CourseView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<CourseInput>,
) -> Result<HttpResponse, AppError> {
    caller.require_coordinator("add courses")?;
    let created =
        db::run(&state.pool, move |conn| write_transaction(conn, |conn| courses::create(conn, body.0))).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/courses/{}", created.code)))
        .json(CourseView::from(created)))
}

/// The catalogue, by code. Everyone may read it.
#[utoipa::path(get, path = "/api/v1/courses", operation_id = "list_courses", tag = "registry", security(("bearer" = [])),
    responses((status = 200, body = Vec<CourseView>), (status = 401, body = ErrorBody)))]
pub async fn list(state: web::Data<AppState>, bearer: Bearer) -> Result<HttpResponse, AppError> {
    let found = bearer.run(&state.pool, |conn, _| courses::list(conn)).await?;
    Ok(HttpResponse::Ok().json(found.into_iter().map(CourseView::from).collect::<Vec<_>>()))
}

#[utoipa::path(get, path = "/api/v1/courses/{code}", operation_id = "get_course", tag = "registry", security(("bearer" = [])),
    params(("code" = String, Path)),
    responses((status = 200, body = CourseView), (status = 404, body = ErrorBody)))]
pub async fn get(
    state: web::Data<AppState>,
    bearer: Bearer,
    code: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let code = code.into_inner();
    let found = bearer.run(&state.pool, move |conn, _| courses::find_by_code(conn, &code)).await?;
    Ok(HttpResponse::Ok().json(CourseView::from(found.ok_or(AppError::NotFound("course"))?)))
}

/// Changes the fields given (coordinators); the code stays.
#[utoipa::path(patch, path = "/api/v1/courses/{code}", operation_id = "update_course", tag = "registry", request_body = CoursePatch,
    security(("bearer" = [])), params(("code" = String, Path)),
    responses((status = 200, body = CourseView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    code: web::Path<String>,
    body: JsonBody<CoursePatch>,
) -> Result<HttpResponse, AppError> {
    caller.require_coordinator("change courses")?;
    let code = code.into_inner();
    let updated =
        db::run(&state.pool, move |conn| write_transaction(conn, |conn| courses::update(conn, &code, body.0))).await?;
    Ok(HttpResponse::Ok().json(CourseView::from(updated)))
}
