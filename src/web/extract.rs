//! Request extractors: the authenticated caller, and JSON bodies and query
//! strings whose errors name the field at fault.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use super::AppState;
use crate::access::{Caller, tokens};
use crate::db;
use crate::error::{AppError, FieldErrors};

type LocalFuture<T> = Pin<Box<dyn Future<Output = Result<T, AppError>>>>;

fn state(req: &HttpRequest) -> Result<web::Data<AppState>, AppError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("application state missing")))
}

/// The token of an `Authorization: Bearer TOKEN` header (the scheme in
/// either case), trimmed.
pub(super) fn bearer_token(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
}

/// `Authorization: Bearer TOKEN`, checked before the handler runs and
/// before a body is read: a request with a body takes this, so that nobody
/// without a valid token makes the server read an upload.
impl FromRequest for Caller {
    type Error = AppError;
    type Future = LocalFuture<Caller>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let bearer = Bearer::from_request(req, payload).into_inner();
        let state = state(req);
        Box::pin(async move { bearer?.caller(&state?.pool).await })
    }
}

/// `Authorization: Bearer TOKEN`, checked by the handler on the connection
/// it reads with ([`Bearer::run`]): a read costs one checkout of the pool,
/// not two. Without the header the answer is 401 at once.
pub struct Bearer(String);

impl FromRequest for Bearer {
    type Error = AppError;
    type Future = std::future::Ready<Result<Bearer, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(bearer_token(req).map(|token| Bearer(token.to_owned())).ok_or(AppError::Unauthorized))
    }
}

impl Bearer {
    /// Runs `work` on a pooled connection as the token's caller, after
    /// checking the token on that connection (401 if it is unknown,
    /// revoked or expired).
    pub async fn run<T, F>(self, pool: &db::DbPool, work: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut db::DbConnection, Caller) -> Result<T, AppError> + Send + 'static,
    {
        db::run(pool, move |conn| {
            let caller = self.authenticate(conn)?;
            work(conn, caller)
        })
        .await
    }

    /// The token's caller, looked up on `conn` (401 if the token is unknown,
    /// revoked or expired).
    pub fn authenticate(&self, conn: &mut db::DbConnection) -> Result<Caller, AppError> {
        tokens::authenticate(conn, &self.0)?.ok_or(AppError::Unauthorized)
    }

    pub(super) fn token(&self) -> &str {
        &self.0
    }

    /// The token's caller, for a handler that needs it before it reads.
    pub async fn caller(self, pool: &db::DbPool) -> Result<Caller, AppError> {
        self.run(pool, |_, caller| Ok(caller)).await
    }
}

/// How much of an oversized body is read and thrown away before the 413 is
/// sent. A client that is still sending when the server answers and closes
/// sees a broken connection instead of the 413; past this, it does anyway.
const DRAIN_LIMIT: usize = 64 * 1024 * 1024;

/// A request body read whole, up to a limit.
pub async fn read_body(payload: &mut Payload, limit: usize) -> Result<Vec<u8>, AppError> {
    let mut body = Vec::new();
    let mut received = 0usize;
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| AppError::BadRequest {
            code: "unreadable_body",
            message: format!("the request body could not be read: {e}"),
            fields: FieldErrors::new(),
        })?;
        received += chunk.len();
        if received > DRAIN_LIMIT {
            break;
        }
        if received <= limit {
            body.extend_from_slice(&chunk);
        }
    }
    if received > limit { Err(AppError::PayloadTooLarge { limit }) } else { Ok(body) }
}

/// Whether the declared length is past all hope, so the body is not read at all.
fn hopelessly_large(req: &HttpRequest) -> bool {
    declared_length(req).is_some_and(|len| len > DRAIN_LIMIT)
}

fn declared_length(req: &HttpRequest) -> Option<usize> {
    req.headers().get(header::CONTENT_LENGTH)?.to_str().ok()?.parse().ok()
}

/// A JSON body. Malformed JSON and values of the wrong type are 400s that
/// say where; rules about the values are checked later, field by field.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = AppError;
    type Future = LocalFuture<JsonBody<T>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let mut payload = payload.take();
        let state = state(req);
        let hopeless = hopelessly_large(req);
        Box::pin(async move {
            let limit = state?.settings.server.json_limit_bytes;
            if hopeless {
                return Err(AppError::PayloadTooLarge { limit });
            }
            let body = read_body(&mut payload, limit).await?;
            parse_json(&body).map(JsonBody)
        })
    }
}

/// A query string, read as actix's `web::Query` reads it, but refused with
/// the parameter at fault named: `?limit=ten` is 400 `invalid_query` with
/// `fields: {"limit": …}`, not a message about a digit somewhere.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T> Query<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Query<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = AppError;
    type Future = std::future::Ready<Result<Query<T>, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_query(req.query_string()).map(Query))
    }
}

pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, AppError> {
    let pairs = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(pairs).map_err(|error| {
        let path = error.path().to_string();
        let problem = error.into_inner().to_string();
        // An unknown or missing parameter is named in the message only.
        let field = if path == "." { named_field(&problem) } else { Some(path) };
        bad_request("invalid_query", problem, field)
    })
}

/// A raw body for uploads such as CSV, with the import size limit.
pub struct UploadBody(pub Vec<u8>);

impl FromRequest for UploadBody {
    type Error = AppError;
    type Future = LocalFuture<UploadBody>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let mut payload = payload.take();
        let state = state(req);
        let hopeless = hopelessly_large(req);
        Box::pin(async move {
            let limit = state?.settings.server.import_limit_bytes;
            if hopeless {
                return Err(AppError::PayloadTooLarge { limit });
            }
            read_body(&mut payload, limit).await.map(UploadBody)
        })
    }
}

pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    // Serde would also take a struct from a JSON array, by position; a body
    // whose fields are not named is a mistake, not a shorthand.
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        None => return Err(bad_request("empty_body", "the request needs a JSON object as its body".into(), None)),
        Some(b'{') => {}
        Some(_) => {
            let message = "the body must be a JSON object ({\"field\": value, …})".into();
            return Err(bad_request("malformed_json", message, None));
        }
    }
    let mut direct = serde_json::Deserializer::from_slice(body);
    match deserialize(&mut direct) {
        Ok(value) => {
            direct.end().map_err(not_json)?;
            Ok(value)
        }
        // A number with a fraction where something else belongs, perhaps
        // `3.0` where an integer does: read again with whole numbers as
        // integers. Only then, so that a body without such a number is read
        // directly, where a key given twice is refused; in the second
        // reading, through a JSON value, the last of two equal keys wins.
        Err(refusal) if refusal.float_mismatch => {
            let mut json: serde_json::Value = serde_json::from_slice(body).map_err(not_json)?;
            integral_numbers_as_integers(&mut json);
            deserialize(json).map_err(|refusal| refusal.error)
        }
        Err(refusal) => Err(refusal.error),
    }
}

/// Why a body was refused, and whether it was for a floating-point number
/// where something else belongs (worth a second reading if that was an
/// integer).
struct Refusal {
    error: AppError,
    float_mismatch: bool,
}

fn not_json(error: impl std::fmt::Display) -> AppError {
    bad_request("malformed_json", format!("the body is not valid JSON: {error}"), None)
}

fn deserialize<'de, T, D>(deserializer: D) -> Result<T, Refusal>
where
    T: DeserializeOwned,
    D: serde::Deserializer<'de, Error = serde_json::Error>,
{
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                let problem = without_position(&inner.to_string());
                let float_mismatch = problem.starts_with("invalid type: floating point");
                let field = if path == "." { named_field(&problem) } else { Some(path) };
                let error = bad_request("invalid_field", problem, Some(field.unwrap_or_else(|| "body".into())));
                Refusal { error, float_mismatch }
            }
            _ => Refusal { error: not_json(inner), float_mismatch: false },
        }
    })
}

/// JSON has one kind of number, and JSON Schema counts `3.0` as an integer;
/// so does a client in JavaScript that computed it. A number without a
/// fraction is therefore read as the integer it is, wherever an integer is
/// expected (a field that takes fractions, such as credits, takes it too).
/// Numbers past the range of i64 stay as they are, and are refused.
fn integral_numbers_as_integers(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(number) => {
            if let Some(float) = number.as_f64().filter(|_| number.is_f64()) {
                // -2^63 is exact as a float; 2^63 (i64::MAX rounded up) is not an i64.
                let in_range = float >= i64::MIN as f64 && float < i64::MAX as f64;
                if float.fract() == 0.0 && in_range {
                    *value = Value::from(float as i64);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_numbers_as_integers),
        Value::Object(fields) => fields.values_mut().for_each(integral_numbers_as_integers),
        _ => {}
    }
}

fn bad_request(code: &'static str, message: String, field: Option<String>) -> AppError {
    let mut fields = FieldErrors::new();
    if let Some(field) = field {
        fields.insert(field.clone(), message.clone());
        return AppError::BadRequest { code, message: format!("{field}: {message}"), fields };
    }
    AppError::BadRequest { code, message, fields }
}

/// serde_json appends " at line 1 column 20", which means nothing to a
/// person who sent a one-line body; the field name says more.
fn without_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

/// "missing field `seats`" and "unknown field `x`, expected …" name their
/// field only in the message.
fn named_field(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let end = start + message[start..].find('`')?;
    Some(message[start..end].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Sample {
        seats: i64,
        name: String,
    }

    fn fields_of(error: AppError) -> (&'static str, Vec<String>) {
        match error {
            AppError::BadRequest { code, fields, .. } => (code, fields.into_keys().collect()),
            other => panic!("not a bad request: {other:?}"),
        }
    }

    #[test]
    fn a_wrong_type_names_the_field() {
        let (code, fields) = fields_of(parse_json::<Sample>(br#"{"seats": "four", "name": "x"}"#).unwrap_err());
        assert_eq!((code, fields), ("invalid_field", vec!["seats".to_owned()]));
    }

    #[test]
    fn missing_and_unknown_fields_are_named() {
        let (_, fields) = fields_of(parse_json::<Sample>(br#"{"name": "x"}"#).unwrap_err());
        assert_eq!(fields, ["seats"]);
        let (_, fields) = fields_of(parse_json::<Sample>(br#"{"seats": 1, "name": "x", "colour": 1}"#).unwrap_err());
        assert_eq!(fields, ["colour"]);
    }

    #[test]
    fn a_key_given_twice_is_refused() {
        let (code, fields) = fields_of(parse_json::<Sample>(br#"{"seats": 1, "seats": 2, "name": "x"}"#).unwrap_err());
        assert_eq!((code, fields), ("invalid_field", vec!["seats".to_owned()]));
    }

    #[test]
    fn whole_numbers_written_with_a_fraction_are_integers() {
        let sample: Sample = parse_json(br#"{"seats": 3.0, "name": "x"}"#).unwrap();
        assert_eq!(sample.seats, 3);
        let sample: Sample = parse_json(br#"{"seats": -9.223372036854775808e18, "name": "x"}"#).unwrap();
        assert_eq!(sample.seats, i64::MIN);
        for bad in [&br#"{"seats": 3.5, "name": "x"}"#[..], br#"{"seats": 9.3e18, "name": "x"}"#] {
            assert_eq!(fields_of(parse_json::<Sample>(bad).unwrap_err()), ("invalid_field", vec!["seats".to_owned()]));
        }
    }

    #[derive(Debug, serde::Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Filter {
        limit: Option<u32>,
        #[serde(default)]
        after: String,
    }

    #[test]
    fn a_query_parameter_of_the_wrong_type_is_named() {
        assert_eq!(
            parse_query::<Filter>("limit=20&after=K%C3%84").unwrap(),
            Filter { limit: Some(20), after: "KÄ".into() }
        );
        assert_eq!(parse_query::<Filter>("").unwrap(), Filter { limit: None, after: String::new() });
        for bad in ["limit=ten", "limit=-1", "after=X&limit=", "limit=4294967296"] {
            assert_eq!(
                fields_of(parse_query::<Filter>(bad).unwrap_err()),
                ("invalid_query", vec!["limit".to_owned()]),
                "{bad}"
            );
        }
    }

    #[test]
    fn an_unknown_or_repeated_query_parameter_is_named() {
        assert_eq!(
            fields_of(parse_query::<Filter>("limit=2&terms=VT2027").unwrap_err()),
            ("invalid_query", vec!["terms".to_owned()])
        );
        assert_eq!(
            fields_of(parse_query::<Filter>("after=A&after=B").unwrap_err()),
            ("invalid_query", vec!["after".to_owned()])
        );
    }

    #[test]
    fn malformed_and_empty_bodies_are_refused() {
        assert_eq!(fields_of(parse_json::<Sample>(br#"{"seats": 1,"#).unwrap_err()).0, "malformed_json");
        assert_eq!(
            fields_of(parse_json::<Sample>(br#"{"seats":1,"name":"x"} trailing"#).unwrap_err()).0,
            "malformed_json"
        );
        assert_eq!(fields_of(parse_json::<Sample>(b"  ").unwrap_err()).0, "empty_body");
        assert_eq!(fields_of(parse_json::<Sample>(b"[1, \"x\"]").unwrap_err()).0, "malformed_json");
        assert_eq!(fields_of(parse_json::<Sample>(b"42").unwrap_err()).0, "malformed_json");
    }
}
