//! The outbox: every e-mail is a row, written in the same transaction as the
//! change that causes it, so an e-mail exists exactly when its cause does.
//! The worker (`worker.rs`) sends what is due and records the outcome.
//!
//! Sending is claimed with a conditional UPDATE (it only succeeds while the
//! row is still due and unclaimed), so several `serve` processes on one
//! database never send the same e-mail twice. A claim is a lease: if its
//! process dies, the e-mail becomes due again when the lease runs out.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::access::Caller;
use crate::db::DbConnection;
use crate::db::schema::email_outbox;
use crate::error::AppError;
use crate::ids::{CohortId, OrganisationId, OutboxId};
use crate::registry::now;

/// Where an e-mail stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutboxStatus {
    /// Waiting until `due_at` (first send, or a retry after a failure).
    Queued,
    /// A worker holds it and is sending it.
    Sending,
    Sent,
    /// Every attempt failed; `POST /outbox/{id}/retry` queues it again.
    Failed,
}

impl OutboxStatus {
    /// The statuses of e-mails not yet done; `sent` only grows.
    pub const OPEN: [OutboxStatus; 3] = [OutboxStatus::Queued, OutboxStatus::Sending, OutboxStatus::Failed];

    pub fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Queued => "queued",
            OutboxStatus::Sending => "sending",
            OutboxStatus::Sent => "sent",
            OutboxStatus::Failed => "failed",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [Self::Queued, Self::Sending, Self::Sent, Self::Failed].into_iter().find(|s| s.as_str() == text)
    }
}

/// An e-mail to queue.
#[derive(Debug, Clone)]
pub struct NewEmail {
    /// One e-mail per cause: a second e-mail with the same key is not queued.
    pub idempotency_key: String,
    /// Queued e-mails with the same key are folded into one: the newer
    /// content replaces the older, and the wait starts again.
    pub coalesce_key: Option<String>,
    pub kind: &'static str,
    pub organisation_id: Option<OrganisationId>,
    pub cohort_id: Option<CohortId>,
    pub to: String,
    pub subject: String,
    pub html: String,
    pub text: String,
}

/// Queues `email` to be sent after `delay`, unless its idempotency key was
/// queued before. Call it inside the transaction of the change it reports.
pub fn enqueue(conn: &mut DbConnection, email: NewEmail, delay: Duration) -> Result<(), AppError> {
    let seen: i64 = email_outbox::table
        .filter(email_outbox::idempotency_key.eq(&email.idempotency_key))
        .count()
        .get_result(conn)?;
    if seen > 0 {
        return Ok(());
    }
    let at = now();
    let due = at + delay;
    if let Some(key) = &email.coalesce_key {
        // Only a row still queued is folded into; one a worker holds is on its way.
        let folded = diesel::update(
            email_outbox::table
                .filter(email_outbox::coalesce_key.eq(key))
                .filter(email_outbox::status.eq(OutboxStatus::Queued.as_str()))
                .filter(email_outbox::attempts.eq(0)),
        )
        .set((
            email_outbox::idempotency_key.eq(&email.idempotency_key),
            email_outbox::kind.eq(email.kind),
            email_outbox::to_address.eq(&email.to),
            email_outbox::subject.eq(&email.subject),
            email_outbox::html_body.eq(&email.html),
            email_outbox::text_body.eq(&email.text),
            email_outbox::due_at.eq(due),
            email_outbox::updated_at.eq(at),
        ))
        .execute(conn)?;
        if folded > 0 {
            return Ok(());
        }
    }
    diesel::insert_into(email_outbox::table)
        .values((
            email_outbox::message_id.eq(message_id(&email.idempotency_key)),
            email_outbox::idempotency_key.eq(email.idempotency_key),
            email_outbox::coalesce_key.eq(email.coalesce_key),
            email_outbox::kind.eq(email.kind),
            email_outbox::organisation_id.eq(email.organisation_id),
            email_outbox::cohort_id.eq(email.cohort_id),
            email_outbox::to_address.eq(email.to),
            email_outbox::subject.eq(email.subject),
            email_outbox::html_body.eq(email.html),
            email_outbox::text_body.eq(email.text),
            email_outbox::status.eq(OutboxStatus::Queued.as_str()),
            email_outbox::attempts.eq(0),
            email_outbox::due_at.eq(due),
            email_outbox::created_at.eq(at),
            email_outbox::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// A Message-ID that stays the same over every retry of one e-mail, so a
/// mail client that receives it twice shows it once.
fn message_id(idempotency_key: &str) -> String {
    let local: String = idempotency_key
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '.' })
        .collect();
    format!("<{local}@strumpavtal>")
}

/// An e-mail as the worker sends it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = email_outbox)]
pub struct OutboxEmail {
    pub id: OutboxId,
    pub to_address: String,
    pub subject: String,
    pub html_body: String,
    pub text_body: String,
    pub message_id: String,
    pub attempts: i32,
}

/// Claims the e-mail due longest, for `lease`, or `None` when nothing is
/// due. Each claim counts as an attempt. One at a time, so a lease only has
/// to cover one e-mail's sending.
pub fn claim_next(conn: &mut DbConnection, lease: Duration) -> Result<Option<OutboxEmail>, AppError> {
    let at = now();
    let due = email_outbox::status
        .eq(OutboxStatus::Queued.as_str())
        .and(email_outbox::due_at.le(at))
        .or(email_outbox::status.eq(OutboxStatus::Sending.as_str()).and(email_outbox::claimed_until.lt(at)));
    // Another worker may take a candidate first; then try the next one.
    for _ in 0..10 {
        let Some(id) = email_outbox::table
            .filter(due)
            .order((email_outbox::due_at, email_outbox::id))
            .select(email_outbox::id)
            .first::<OutboxId>(conn)
            .optional()?
        else {
            return Ok(None);
        };
        let won = diesel::update(email_outbox::table.filter(email_outbox::id.eq(id)).filter(due))
            .set((
                email_outbox::status.eq(OutboxStatus::Sending.as_str()),
                email_outbox::claimed_until.eq(at + lease),
                email_outbox::attempts.eq(email_outbox::attempts + 1),
                email_outbox::updated_at.eq(at),
            ))
            .execute(conn)?;
        if won == 1 {
            return Ok(Some(email_outbox::table.find(id).select(OutboxEmail::as_select()).first(conn)?));
        }
    }
    Ok(None)
}

/// Records a delivery.
pub fn mark_sent(conn: &mut DbConnection, id: OutboxId) -> Result<(), AppError> {
    let at = now();
    diesel::update(email_outbox::table.find(id))
        .set((
            email_outbox::status.eq(OutboxStatus::Sent.as_str()),
            email_outbox::sent_at.eq(at),
            email_outbox::claimed_until.eq(None::<NaiveDateTime>),
            email_outbox::last_error.eq(None::<String>),
            email_outbox::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records a failed attempt: queued again after the backoff, or `failed`
/// once `max_attempts` are spent.
pub fn mark_failed(
    conn: &mut DbConnection,
    email: &OutboxEmail,
    error: &str,
    max_attempts: u32,
    first_backoff: Duration,
) -> Result<(), AppError> {
    let at = now();
    let gave_up = email.attempts >= i32::try_from(max_attempts).unwrap_or(i32::MAX);
    let status = if gave_up { OutboxStatus::Failed } else { OutboxStatus::Queued };
    diesel::update(email_outbox::table.find(email.id))
        .set((
            email_outbox::status.eq(status.as_str()),
            email_outbox::due_at.eq(at + backoff(first_backoff, email.attempts)),
            email_outbox::claimed_until.eq(None::<NaiveDateTime>),
            email_outbox::last_error.eq(error),
            email_outbox::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The wait after the `attempts`th failure: the first backoff, doubled for
/// each attempt before it, at most a day.
pub fn backoff(first: Duration, attempts: i32) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1)).unwrap_or(0).min(20);
    (first * 2_i32.pow(doublings)).min(Duration::days(1))
}

/// How many e-mails are in `status`, found by the `(status, due_at)` index:
/// only those e-mails are read, not the others still queued.
pub fn count(conn: &mut DbConnection, status: OutboxStatus) -> Result<i64, AppError> {
    Ok(email_outbox::table.filter(email_outbox::status.eq(status.as_str())).count().get_result(conn)?)
}

/// How many e-mails are queued, being sent, or failed (for `/metrics`).
/// The `(status, due_at)` index answers it without reading sent e-mails.
pub fn depth(conn: &mut DbConnection) -> Result<Vec<(OutboxStatus, i64)>, AppError> {
    let open = OutboxStatus::OPEN.map(OutboxStatus::as_str);
    let rows: Vec<(String, i64)> = email_outbox::table
        .filter(email_outbox::status.eq_any(open))
        .group_by(email_outbox::status)
        .select((email_outbox::status, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows.into_iter().filter_map(|(status, n)| Some((OutboxStatus::parse(&status)?, n))).collect())
}

/// An e-mail as `GET /outbox` shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OutboxView {
    #[schema(value_type = i64)]
    pub id: OutboxId,
    pub kind: String,
    #[schema(value_type = Option<i64>)]
    pub organisation_id: Option<OrganisationId>,
    #[schema(value_type = Option<i64>)]
    pub cohort_id: Option<CohortId>,
    pub to: String,
    pub subject: String,
    pub status: OutboxStatus,
    pub attempts: i32,
    pub last_error: Option<String>,
    #[serde(with = "crate::registry::utc_timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub due_at: NaiveDateTime,
    #[serde(with = "crate::registry::utc_timestamp::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub sent_at: Option<NaiveDateTime>,
    #[serde(with = "crate::registry::utc_timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OutboxFilter {
    /// `queued`, `sending`, `sent` or `failed`.
    pub status: Option<String>,
    pub cohort_id: Option<i64>,
    /// At most this many, newest first (default 100, at most 1000).
    pub limit: Option<i64>,
}

type ViewRow = (
    (OutboxId, String, Option<OrganisationId>, Option<CohortId>, String, String),
    (String, i32, Option<String>, NaiveDateTime, Option<NaiveDateTime>, NaiveDateTime),
);

/// The outbox, newest first (coordinators).
pub fn list(conn: &mut DbConnection, caller: &Caller, filter: &OutboxFilter) -> Result<Vec<OutboxView>, AppError> {
    caller.require_coordinator("read the outbox")?;
    views(conn, filter, None)
}

/// The e-mails `filter` selects, or only the one with id `only`.
fn views(conn: &mut DbConnection, filter: &OutboxFilter, only: Option<OutboxId>) -> Result<Vec<OutboxView>, AppError> {
    let limit = filter.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(AppError::field("limit", "must be between 1 and 1000"));
    }
    let mut query = email_outbox::table.into_boxed();
    if let Some(id) = only {
        query = query.filter(email_outbox::id.eq(id));
    }
    if let Some(status) = &filter.status {
        let status = OutboxStatus::parse(status.trim()).ok_or_else(|| {
            AppError::field("status", format!("{status:?} is not a status; use queued, sending, sent or failed"))
        })?;
        query = query.filter(email_outbox::status.eq(status.as_str()));
    }
    if let Some(cohort) = filter.cohort_id {
        query = query.filter(email_outbox::cohort_id.eq(CohortId(cohort)));
    }
    let rows: Vec<ViewRow> = query
        .order(email_outbox::id.desc())
        .limit(limit)
        .select((
            (
                email_outbox::id,
                email_outbox::kind,
                email_outbox::organisation_id,
                email_outbox::cohort_id,
                email_outbox::to_address,
                email_outbox::subject,
            ),
            (
                email_outbox::status,
                email_outbox::attempts,
                email_outbox::last_error,
                email_outbox::due_at,
                email_outbox::sent_at,
                email_outbox::created_at,
            ),
        ))
        .load(conn)?;
    rows.into_iter()
        .map(
            |(
                (id, kind, organisation_id, cohort_id, to, subject),
                (status, attempts, last_error, due_at, sent_at, created_at),
            )| {
                let status = OutboxStatus::parse(&status)
                    .ok_or_else(|| anyhow::anyhow!("outbox e-mail {id} has the status {status:?}"))?;
                Ok(OutboxView {
                    id,
                    kind,
                    organisation_id,
                    cohort_id,
                    to,
                    subject,
                    status,
                    attempts,
                    last_error,
                    due_at,
                    sent_at,
                    created_at,
                })
            },
        )
        .collect()
}

/// Queues a failed e-mail again, with a fresh set of attempts (coordinators).
pub fn retry(conn: &mut DbConnection, caller: &Caller, id: OutboxId) -> Result<OutboxView, AppError> {
    caller.require_coordinator("retry e-mail")?;
    crate::db::write_transaction(conn, |conn| {
        let status: String = email_outbox::table
            .find(id)
            .select(email_outbox::status)
            .first(conn)
            .optional()?
            .ok_or(AppError::NotFound("e-mail"))?;
        if status != OutboxStatus::Failed.as_str() {
            return Err(AppError::conflict(
                "status",
                format!("the e-mail is {status}; only failed e-mails are retried"),
            ));
        }
        let at = now();
        diesel::update(email_outbox::table.find(id))
            .set((
                email_outbox::status.eq(OutboxStatus::Queued.as_str()),
                email_outbox::attempts.eq(0),
                email_outbox::due_at.eq(at),
                email_outbox::updated_at.eq(at),
            ))
            .execute(conn)?;
        views(conn, &OutboxFilter::default(), Some(id))?.pop().ok_or(AppError::NotFound("e-mail"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_the_first_delay_and_stops_at_a_day() {
        let first = Duration::seconds(30);
        assert_eq!(backoff(first, 1), Duration::seconds(30));
        assert_eq!(backoff(first, 2), Duration::seconds(60));
        assert_eq!(backoff(first, 4), Duration::seconds(240));
        assert_eq!(backoff(first, 40), Duration::days(1));
        assert_eq!(backoff(Duration::milliseconds(200), 3), Duration::milliseconds(800));
    }

    #[test]
    fn message_ids_are_stable_and_safe() {
        assert_eq!(message_id("enrolment:3:6:v1"), "<enrolment.3.6.v1@strumpavtal>");
        assert_eq!(message_id("enrolment:3:6:v1"), message_id("enrolment:3:6:v1"));
    }
}
