//! Answers of the everyday reads kept as JSON while the data they were
//! computed from is unchanged: a cohort, an organisation's invoicing lines,
//! one course's demand. A request for one of them still reads the data's
//! version ([`db::version`]) on its connection: one quick query instead of
//! the eight or so that compute the answer again. Who a token or a signed-in
//! browser's session belongs to is kept the same way, under the same version,
//! which a change to tokens, an ended session, or a change to users' roles
//! and organisations moves too; expiry is checked against the clock each
//! time.
//!
//! Any committed change moves the version, and the cache then starts afresh:
//! coordinators read far more often than anyone writes, and working out
//! which answers a change touches would be a place for bugs to hide. Each
//! process keeps its own cache; the version lives in the database, so an
//! instance never gives an answer that another instance's change has made
//! stale.

use std::collections::HashMap;
use std::sync::Mutex;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime, Utc};
use serde::Serialize;

use crate::access::sessions::{self, Session};
use crate::access::{Caller, Role, tokens};
use crate::db::version::DataVersion;
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::ids::OrganisationId;
use crate::web::AppState;
use crate::web::encoding::Encoded;
use crate::web::extract::Bearer;
use crate::web::heavy::{Given, Stamp};

/// What an answer depends on besides the data: the request's path and query,
/// what the caller's role and organisation let them see, and today's date
/// (which terms have begun, which cohorts can still be joined).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AnswerKey {
    path_and_query: String,
    role: Role,
    organisation: Option<OrganisationId>,
    today: NaiveDate,
}

impl AnswerKey {
    fn new(path_and_query: String, caller: &Caller, today: NaiveDate) -> Self {
        Self { path_and_query, role: caller.role, organisation: caller.organisation_id, today }
    }

    fn size(&self) -> usize {
        std::mem::size_of::<Self>() + self.path_and_query.len()
    }
}

/// An answer as sent: its JSON (gzipped for the clients that take it), and
/// the path and query of its next page when it is one page of several.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub body: Encoded,
    pub next_page: Option<String>,
}

impl Answer {
    /// What it takes in the cache, roughly: its JSON, not counting the
    /// gzipped copy, made later and a tenth or so of the JSON.
    fn size(&self) -> usize {
        self.body.json_len() + self.next_page.as_ref().map_or(0, String::len)
    }

    /// 200 OK with the answer, and a `Link` to its next page if it has one.
    pub async fn respond(&self, req: &HttpRequest) -> Result<HttpResponse, AppError> {
        let mut response = HttpResponse::Ok();
        if let Some(next) = &self.next_page {
            response.insert_header((header::LINK, format!("<{next}>; rel=\"next\"")));
        }
        self.body.respond(req, response).await
    }
}

/// The answers of one process, all computed under one version of the data.
pub struct AnswerCache {
    /// At most this many bytes of answers (and their keys) are kept; 0 keeps none.
    budget: usize,
    kept: Mutex<Kept>,
}

#[derive(Default)]
struct Kept {
    version: Option<DataVersion>,
    answers: HashMap<AnswerKey, Answer>,
    /// Whom each token and each session belongs to.
    callers: HashMap<Credential, KeptCaller>,
    /// What the answers, the callers and their keys take, roughly.
    bytes: usize,
}

/// An API token or a browser session's cookie token, by its hash. The two
/// are kept apart: a session's token is no API token, nor the other way.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Credential {
    Token(String),
    Session(String),
}

/// Whom a credential belongs to, a session's CSRF token, and when the
/// credential expires.
#[derive(Clone)]
struct KeptCaller {
    caller: Caller,
    csrf_token: Option<String>,
    expires_at: Option<NaiveDateTime>,
}

impl KeptCaller {
    fn size(&self, credential: &Credential) -> usize {
        let (Credential::Token(hash) | Credential::Session(hash)) = credential;
        std::mem::size_of::<Self>()
            + hash.len()
            + self.caller.email.len()
            + self.csrf_token.as_ref().map_or(0, String::len)
    }
}

impl Kept {
    /// Whether newer things are kept than something computed under `version`
    /// (by a request that began before a change): it is then not kept, and
    /// the newer ones stay.
    fn is_newer_than(&self, version: DataVersion) -> bool {
        self.version.is_some_and(|newest| newest > version)
    }

    /// Makes room for `size` more bytes computed under `version`: under a
    /// newer version, or when the budget would be overrun, everything kept
    /// is dropped, and keeping starts again.
    fn make_room(&mut self, version: DataVersion, size: usize, budget: usize) {
        if self.version != Some(version) || self.bytes + size > budget {
            self.answers.clear();
            self.callers.clear();
            self.bytes = 0;
            self.version = Some(version);
        }
        self.bytes += size;
    }
}

impl AnswerCache {
    pub fn new(budget_bytes: usize) -> Self {
        Self { budget: budget_bytes, kept: Mutex::default() }
    }

    pub fn enabled(&self) -> bool {
        self.budget > 0
    }

    fn kept(&self) -> std::sync::MutexGuard<'_, Kept> {
        // A panic while the lock was held cannot have left a half-made
        // entry: every change below is one insert or one clear.
        self.kept.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The answer kept for `key`, if it was computed under `version`.
    pub fn get(&self, version: &DataVersion, key: &AnswerKey) -> Option<Answer> {
        let kept = self.kept();
        if kept.version.as_ref() != Some(version) {
            return None;
        }
        kept.answers.get(key).cloned()
    }

    /// Keeps an answer computed under `version` (see [`Kept::make_room`]).
    pub fn put(&self, version: DataVersion, key: AnswerKey, answer: Answer) {
        let size = key.size() + answer.size();
        if size > self.budget {
            return;
        }
        let mut kept = self.kept();
        if kept.is_newer_than(version) {
            return;
        }
        // Two requests may have computed the same answer at once.
        if let Some(earlier) = kept.answers.remove(&key) {
            kept.bytes -= key.size() + earlier.size();
        }
        kept.make_room(version, size, self.budget);
        kept.answers.insert(key, answer);
    }

    /// The caller whose token this is, under `version`: the kept one while
    /// nothing has changed and the token has not expired, otherwise looked
    /// up on `conn` and kept. 401 if the token is unknown, revoked or
    /// expired.
    fn caller(&self, conn: &mut DbConnection, version: DataVersion, token: &str) -> Result<Caller, AppError> {
        let credential = Credential::Token(tokens::hash(token));
        if let Some(kept) = self.kept_caller(version, &credential, Utc::now().naive_utc()) {
            return Ok(kept.caller);
        }
        let (caller, expires_at) = tokens::authenticate_until(conn, token)?.ok_or(AppError::Unauthorized)?;
        self.put_caller(version, credential, KeptCaller { caller: caller.clone(), csrf_token: None, expires_at });
        Ok(caller)
    }

    /// On `conn`, the session of a browser's cookie token as of `now`, and,
    /// with the cache on, the data's version it was found under: the kept
    /// session while nothing has changed (ending a session moves the
    /// version, on any instance) and it has not expired, otherwise looked
    /// up and kept. None if the session is unknown, ended or expired.
    pub fn session(
        &self,
        conn: &mut DbConnection,
        token: &str,
        now: NaiveDateTime,
    ) -> Result<Option<(Session, Option<DataVersion>)>, AppError> {
        if !self.enabled() {
            return Ok(sessions::find(conn, token, now)?.map(|session| (session, None)));
        }
        let version = db::version::current(conn)?;
        let credential = Credential::Session(tokens::hash(token));
        let kept = self
            .kept_caller(version, &credential, now)
            .map(|kept| Session { caller: kept.caller, csrf_token: kept.csrf_token.unwrap_or_default() });
        if let Some(session) = kept {
            return Ok(Some((session, Some(version))));
        }
        let Some((session, expires_at)) = sessions::find_until(conn, token, now)? else { return Ok(None) };
        let found = KeptCaller {
            caller: session.caller.clone(),
            csrf_token: Some(session.csrf_token.clone()),
            expires_at: Some(expires_at),
        };
        self.put_caller(version, credential, found);
        Ok(Some((session, Some(version))))
    }

    /// On `conn`, the token's caller and, with the cache on, the data's
    /// version it was found under (see [`Self::caller`]).
    fn caller_and_version(
        &self,
        conn: &mut DbConnection,
        bearer: &Bearer,
    ) -> Result<(Caller, Option<DataVersion>), AppError> {
        if !self.enabled() {
            return Ok((bearer.authenticate(conn)?, None));
        }
        let version = db::version::current(conn)?;
        Ok((self.caller(conn, version, bearer.token())?, Some(version)))
    }

    fn kept_caller(&self, version: DataVersion, credential: &Credential, now: NaiveDateTime) -> Option<KeptCaller> {
        let kept = self.kept();
        if kept.version != Some(version) {
            return None;
        }
        let found = kept.callers.get(credential)?;
        found.expires_at.is_none_or(|expires_at| expires_at > now).then(|| found.clone())
    }

    fn put_caller(&self, version: DataVersion, credential: Credential, found: KeptCaller) {
        let size = found.size(&credential);
        if size > self.budget {
            return;
        }
        let mut kept = self.kept();
        if kept.is_newer_than(version) {
            return;
        }
        if let Some(earlier) = kept.callers.remove(&credential) {
            kept.bytes -= earlier.size(&credential);
        }
        kept.make_room(version, size, self.budget);
        kept.callers.insert(credential, found);
    }
}

/// What a read found on its connection.
enum Found<T> {
    Kept(Answer),
    /// Computed, with its next page, and the version and key to keep it
    /// under (none when the cache is off).
    Computed(T, Option<String>, Option<(DataVersion, AnswerKey)>),
}

/// Answers a read with JSON as of `today` (the day `work` computes for):
/// the kept answer if the data is unchanged, otherwise `work`'s, computed
/// and kept. The token is checked first, on
/// the same connection, as by [`Bearer::run`] (or found kept); the answer
/// is turned into JSON after the connection has gone back to the pool.
pub async fn json<T, F>(
    state: &AppState,
    req: &HttpRequest,
    bearer: Bearer,
    today: NaiveDate,
    work: F,
) -> Result<Answer, AppError>
where
    T: Serialize + Send + 'static,
    F: FnOnce(&mut DbConnection, &Caller) -> Result<T, AppError> + Send + 'static,
{
    page(state, req, bearer, today, move |conn, caller| Ok((work(conn, caller)?, None))).await
}

/// As [`json`], for a read answered a page at a time: `work` gives the
/// page and the path and query of the next one, if any.
pub async fn page<T, F>(
    state: &AppState,
    req: &HttpRequest,
    bearer: Bearer,
    today: NaiveDate,
    work: F,
) -> Result<Answer, AppError>
where
    T: Serialize + Send + 'static,
    F: FnOnce(&mut DbConnection, &Caller) -> Result<(T, Option<String>), AppError> + Send + 'static,
{
    // The request itself stays on this thread; the connection is on another.
    let path_and_query = req.uri().path_and_query().map_or_else(|| req.path().to_owned(), ToString::to_string);
    let lookup = std::sync::Arc::clone(&state.answers);
    let found = db::run(&state.pool, move |conn| {
        let (caller, version) = lookup.caller_and_version(conn, &bearer)?;
        // With the cache on: the kept answer, or the version and key to keep
        // the one computed below under.
        let keep = match version {
            Some(version) => {
                let key = AnswerKey::new(path_and_query, &caller, today);
                if let Some(answer) = lookup.get(&version, &key) {
                    return Ok(Found::Kept(answer));
                }
                Some((version, key))
            }
            None => None,
        };
        let (value, next_page) = work(conn, &caller)?;
        Ok(Found::Computed(value, next_page, keep))
    })
    .await?;
    match found {
        Found::Kept(answer) => {
            state.metrics.observe_cached_read(true);
            Ok(answer)
        }
        Found::Computed(value, next_page, keep) => {
            let json = serde_json::to_vec(&value).map_err(|e| AppError::Internal(e.into()))?;
            let answer = Answer { body: Encoded::new(json), next_page };
            if let Some((version, key)) = keep {
                state.metrics.observe_cached_read(false);
                state.answers.put(version, key, answer.clone());
            }
            Ok(answer)
        }
    }
}

/// For a heavy read ([`crate::web::heavy`]) computed as of `today`: the
/// token's caller and, with the cache on, what the answer is stamped with.
/// One checkout of the pool, as for a kept everyday read.
pub async fn caller_and_stamp(
    state: &AppState,
    bearer: Bearer,
    today: NaiveDate,
) -> Result<(Caller, Option<Stamp>), AppError> {
    let lookup = std::sync::Arc::clone(&state.answers);
    let (caller, version) = db::run(&state.pool, move |conn| lookup.caller_and_version(conn, &bearer)).await?;
    Ok((caller, version.map(|version| Stamp { version, today })))
}

/// Counts a heavy read in the cached reads' metric, as kept or computed.
pub fn observe_shared(state: &AppState, stamp: Option<Stamp>, given: Given) {
    if stamp.is_some() {
        state.metrics.observe_cached_read(given == Given::Kept);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::UserId;

    fn version(n: i64) -> DataVersion {
        DataVersion(n)
    }

    fn caller(role: Role, organisation: Option<i64>) -> Caller {
        Caller {
            user_id: UserId(1),
            email: "a@example.se".into(),
            role,
            organisation_id: organisation.map(OrganisationId),
        }
    }

    fn answer(json: impl Into<Vec<u8>>) -> Answer {
        Answer { body: Encoded::new(json.into()), next_page: None }
    }

    fn key(path: &str, caller: &Caller) -> AnswerKey {
        AnswerKey::new(path.to_owned(), caller, NaiveDate::from_ymd_opt(2026, 11, 30).unwrap())
    }

    #[test]
    fn an_answer_is_given_only_under_the_version_it_was_computed_under() {
        let cache = AnswerCache::new(1 << 20);
        let coordinator = caller(Role::Coordinator, None);
        cache.put(version(1), key("/api/v1/cohorts/1", &coordinator), answer(b"one".as_slice()));
        assert_eq!(cache.get(&version(1), &key("/api/v1/cohorts/1", &coordinator)), Some(answer(b"one".as_slice())));
        assert_eq!(cache.get(&version(2), &key("/api/v1/cohorts/1", &coordinator)), None);
        assert_eq!(cache.get(&version(1), &key("/api/v1/cohorts/2", &coordinator)), None);
        // An answer of a newer version drops the older ones.
        cache.put(version(2), key("/api/v1/cohorts/2", &coordinator), answer(b"two".as_slice()));
        assert_eq!(cache.get(&version(1), &key("/api/v1/cohorts/1", &coordinator)), None);
        assert_eq!(cache.get(&version(2), &key("/api/v1/cohorts/1", &coordinator)), None);
        assert_eq!(cache.get(&version(2), &key("/api/v1/cohorts/2", &coordinator)), Some(answer(b"two".as_slice())));
        // One computed under an older version, by a request that began
        // before the change, is not kept, and does not drop the newer ones.
        cache.put(version(1), key("/api/v1/cohorts/1", &coordinator), answer(b"old".as_slice()));
        assert_eq!(cache.get(&version(1), &key("/api/v1/cohorts/1", &coordinator)), None);
        assert_eq!(cache.get(&version(2), &key("/api/v1/cohorts/2", &coordinator)), Some(answer(b"two".as_slice())));
    }

    #[test]
    fn callers_who_see_different_things_do_not_share_answers() {
        let cache = AnswerCache::new(1 << 20);
        let coordinator = caller(Role::Coordinator, None);
        let ange = caller(Role::Organisation, Some(2));
        let ange_finance = caller(Role::Finance, Some(2));
        let timra = caller(Role::Organisation, Some(3));
        let path = "/api/v1/cohorts/1";
        cache.put(version(1), key(path, &coordinator), answer(b"every share".as_slice()));
        for other in [&ange, &ange_finance, &timra] {
            assert_eq!(cache.get(&version(1), &key(path, other)), None, "{other:?}");
        }
        let tomorrow = AnswerKey::new(path.to_owned(), &coordinator, NaiveDate::from_ymd_opt(2026, 12, 1).unwrap());
        assert_eq!(cache.get(&version(1), &tomorrow), None, "a new day may open or close cohorts");
    }

    fn found(caller: &Caller, expires_at: Option<NaiveDateTime>) -> KeptCaller {
        KeptCaller { caller: caller.clone(), csrf_token: None, expires_at }
    }

    fn token(hash: &str) -> Credential {
        Credential::Token(hash.into())
    }

    #[test]
    fn a_token_s_caller_is_kept_under_one_version_and_until_it_expires() {
        let cache = AnswerCache::new(1 << 20);
        let ange = caller(Role::Organisation, Some(2));
        let now = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap().and_hms_opt(21, 0, 0).unwrap();
        let in_a_minute = now + chrono::Duration::minutes(1);
        cache.put_caller(version(1), token("forever"), found(&ange, None));
        cache.put_caller(version(1), token("a minute"), found(&ange, Some(in_a_minute)));
        let organisation = |hash: &str, v: i64, at: NaiveDateTime| {
            cache.kept_caller(version(v), &token(hash), at).map(|c| (c.caller.role, c.caller.organisation_id))
        };
        let as_ange = Some((Role::Organisation, Some(OrganisationId(2))));
        assert_eq!(organisation("forever", 1, now), as_ange);
        assert_eq!(organisation("a minute", 1, now), as_ange);
        assert_eq!(organisation("a minute", 1, in_a_minute), None, "expired");
        assert_eq!(organisation("unknown", 1, now), None);
        assert_eq!(organisation("forever", 2, now), None, "a change since may have revoked it");
        // An answer of a newer version drops the callers kept under an older one.
        cache.put(version(2), key("/api/v1/cohorts/1", &ange), answer(b"two".as_slice()));
        assert_eq!(organisation("forever", 1, now), None);
        assert_eq!(organisation("forever", 2, now), None);
        // A caller looked up by a request that began before the change is not kept.
        cache.put_caller(version(1), token("late"), found(&ange, None));
        assert_eq!(organisation("late", 1, now), None);
        assert_eq!(organisation("late", 2, now), None);
        assert!(cache.get(&version(2), &key("/api/v1/cohorts/1", &ange)).is_some());
        // Callers count against the budget as answers do.
        let one = found(&ange, None).size(&token("forever"));
        let small = AnswerCache::new(one);
        small.put_caller(version(1), token("forever"), found(&ange, None));
        small.put_caller(version(1), token("forever"), found(&ange, None));
        assert_eq!(small.kept().bytes, one);
        small.put_caller(version(1), token("another"), found(&ange, None));
        assert_eq!(small.kept().callers.len(), 1, "the second did not fit beside the first");
    }

    #[test]
    fn a_session_is_not_a_token_nor_a_token_a_session() {
        let cache = AnswerCache::new(1 << 20);
        let now = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap().and_hms_opt(9, 0, 0).unwrap();
        let browser = KeptCaller { csrf_token: Some("csrf".into()), ..found(&caller(Role::Coordinator, None), None) };
        cache.put_caller(version(1), Credential::Session("same hash".into()), browser);
        assert!(cache.kept_caller(version(1), &token("same hash"), now).is_none());
        let kept = cache.kept_caller(version(1), &Credential::Session("same hash".into()), now).unwrap();
        assert_eq!(kept.csrf_token.as_deref(), Some("csrf"));
        cache.put_caller(version(1), token("api"), found(&caller(Role::Finance, Some(3)), None));
        assert!(cache.kept_caller(version(1), &Credential::Session("api".into()), now).is_none());
    }

    #[test]
    fn the_budget_bounds_what_is_kept() {
        let coordinator = caller(Role::Coordinator, None);
        let first = key("/a", &coordinator);
        let hundred = answer(vec![b'x'; 100]);
        let budget = 2 * (first.size() + 100);
        let cache = AnswerCache::new(budget);
        cache.put(version(1), first.clone(), hundred.clone());
        cache.put(version(1), key("/b", &coordinator), hundred.clone());
        // The same answer again takes no more room.
        cache.put(version(1), key("/b", &coordinator), hundred.clone());
        assert!(cache.get(&version(1), &first).is_some());
        assert!(cache.kept().bytes <= budget);
        // A third does not fit: the cache starts afresh with it.
        cache.put(version(1), key("/c", &coordinator), hundred.clone());
        assert!(cache.get(&version(1), &first).is_none());
        assert!(cache.get(&version(1), &key("/c", &coordinator)).is_some());
        assert_eq!(cache.kept().bytes, first.size() + 100);
        // One answer larger than the whole budget is not kept at all.
        cache.put(version(1), key("/d", &coordinator), answer(vec![b'x'; budget]));
        assert!(cache.get(&version(1), &key("/d", &coordinator)).is_none());
        assert!(cache.get(&version(1), &key("/c", &coordinator)).is_some());
        // A budget of nothing keeps nothing.
        let off = AnswerCache::new(0);
        assert!(!off.enabled());
        off.put(version(1), first.clone(), hundred);
        assert!(off.get(&version(1), &first).is_none());
    }
}
