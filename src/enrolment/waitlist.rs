//! The waitlist: a join for more seats than are open waits here, in order of
//! arrival. When seats free up, the first in line is given them and told so.
//! A later join that fits in the open seats takes them at once; the line
//! only decides who gets seats that come free.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::access::Caller;
use crate::audit::{self, AuditAction};
use crate::cohorts::{self, ChangeContext, CohortRecord};
use crate::db::DbConnection;
use crate::db::schema::waitlist;
use crate::email::notices;
use crate::error::AppError;
use crate::ids::{AgreementId, CohortId, NeedId, OrganisationId, WaitlistId};
use crate::registry::agreements::{self, Agreement};
use crate::registry::now;

const WAITING: &str = "waiting";
const PROMOTED: &str = "promoted";
const LEFT: &str = "withdrawn";

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WaitlistEntryView {
    #[schema(value_type = i64)]
    pub id: WaitlistId,
    #[schema(value_type = i64)]
    pub cohort_id: CohortId,
    #[schema(value_type = i64)]
    pub agreement_id: AgreementId,
    #[schema(value_type = i64)]
    pub organisation_id: OrganisationId,
    pub seats: i32,
    /// `waiting`, `promoted` (the seats were taken) or `withdrawn`.
    pub status: String,
    /// Place in line, 1 first, while waiting.
    pub position: Option<i64>,
    #[serde(with = "crate::registry::utc_timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = waitlist)]
struct Entry {
    id: WaitlistId,
    cohort_id: CohortId,
    agreement_id: AgreementId,
    organisation_id: OrganisationId,
    need_id: Option<NeedId>,
    seats: i32,
    status: String,
    created_at: NaiveDateTime,
}

fn entries(conn: &mut DbConnection, cohort: CohortId) -> Result<Vec<Entry>, AppError> {
    Ok(waitlist::table
        .filter(waitlist::cohort_id.eq(cohort))
        .order(waitlist::id)
        .select(Entry::as_select())
        .load(conn)?)
}

fn views(all: Vec<Entry>) -> Vec<WaitlistEntryView> {
    let mut position = 0;
    all.into_iter()
        .map(|e| {
            let waiting = e.status == WAITING;
            position += i64::from(waiting);
            WaitlistEntryView {
                id: e.id,
                cohort_id: e.cohort_id,
                agreement_id: e.agreement_id,
                organisation_id: e.organisation_id,
                seats: e.seats,
                position: waiting.then_some(position),
                status: e.status,
                created_at: e.created_at,
            }
        })
        .collect()
}

/// Puts a join on the waitlist; call it inside the join's transaction.
pub fn add(
    conn: &mut DbConnection,
    caller: &Caller,
    cohort: &CohortRecord,
    agreement: &Agreement,
    need: Option<NeedId>,
    seats: i32,
) -> Result<WaitlistEntryView, AppError> {
    let id = diesel::insert_into(waitlist::table)
        .values((
            waitlist::cohort_id.eq(cohort.id),
            waitlist::agreement_id.eq(agreement.id),
            waitlist::organisation_id.eq(agreement.organisation_id),
            waitlist::need_id.eq(need),
            waitlist::seats.eq(seats),
            waitlist::status.eq(WAITING),
            waitlist::created_at.eq(now()),
            waitlist::created_by.eq(caller.user_id),
        ))
        .returning(waitlist::id)
        .get_result::<WaitlistId>(conn)?;
    let details = json!({ "seats": seats, "waitlisted": true, "waitlist_id": id });
    audit::record(conn, caller, AuditAction::Join, Some(cohort.id), Some(agreement.id), details)?;
    views(entries(conn, cohort.id)?).into_iter().find(|e| e.id == id).ok_or(AppError::NotFound("waitlist entry"))
}

/// The cohort's waitlist: every entry for coordinators, the caller's own
/// organisation's otherwise (positions still count everyone ahead).
pub fn list(conn: &mut DbConnection, caller: &Caller, cohort: CohortId) -> Result<Vec<WaitlistEntryView>, AppError> {
    cohorts::find(conn, cohort)?;
    Ok(views(entries(conn, cohort)?).into_iter().filter(|e| caller.can_see(e.organisation_id)).collect())
}

/// Takes an organisation's request off the waitlist.
pub fn leave(
    conn: &mut DbConnection,
    caller: &Caller,
    cohort: CohortId,
    id: WaitlistId,
) -> Result<Vec<WaitlistEntryView>, AppError> {
    crate::db::write_transaction(conn, |conn| {
        cohorts::lock(conn, cohort)?;
        let entry = entries(conn, cohort)?
            .into_iter()
            .find(|e| e.id == id && e.status == WAITING && caller.can_see(e.organisation_id))
            .ok_or(AppError::NotFound("waitlist entry"))?;
        if !caller.may_change_needs_of(entry.organisation_id) {
            return Err(AppError::Forbidden("finance users may read the waitlist but not change it".into()));
        }
        diesel::update(waitlist::table.find(id)).set(waitlist::status.eq(LEFT)).execute(conn)?;
        list(conn, caller, cohort)
    })
}

/// Gives freed seats to those waiting, first come first served: the first
/// in line gets its seats if they are open, and so on; a request that does
/// not fit (or that its budget cannot carry) keeps its place, and those
/// behind it wait too. Each one promoted is told by e-mail.
pub fn promote(
    conn: &mut DbConnection,
    caller: &Caller,
    ctx: &ChangeContext,
    cohort: CohortId,
) -> Result<(), AppError> {
    while let Some(first) = entries(conn, cohort)?.into_iter().find(|e| e.status == WAITING) {
        let record = cohorts::find(conn, cohort)?;
        if !record.joinable_on(ctx.today) || record.firm_seats + first.seats > record.max_participants {
            return Ok(());
        }
        let agreement = agreements::find(conn, first.agreement_id)?;
        // A savepoint: if the seats cannot be taken after all, nothing of the attempt stays.
        let taken = crate::db::write_transaction(conn, |conn| {
            cohorts::join::take(conn, caller, ctx, &record, &agreement, first.need_id, first.seats, None)
        });
        match taken {
            Ok(()) => {}
            Err(error @ (AppError::Internal(_) | AppError::Unavailable(_))) => return Err(error),
            Err(other) => {
                tracing::info!(cohort = %cohort, entry = %first.id, reason = %other, "a waitlisted join keeps waiting");
                return Ok(());
            }
        }
        diesel::update(waitlist::table.find(first.id))
            .set((waitlist::status.eq(PROMOTED), waitlist::promoted_at.eq(now())))
            .execute(conn)?;
        notices::waitlist_promotion(conn, cohort, first.organisation_id, first.seats, first.id)?;
    }
    Ok(())
}
