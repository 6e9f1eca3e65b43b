//! Joining a cohort with open seats ("strumpavtal"): an organisation takes
//! seats with one of its own agreements.
//!
//! Seats are claimed with a compare-and-set UPDATE of the cohort's seat
//! totals: it only succeeds if nobody changed them since they were read and
//! the seats still fit, so concurrent joins can never overbook, on SQLite
//! and PostgreSQL alike. A join that loses the race reads again and retries.

use diesel::prelude::*;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::ChangeContext;
use super::changes::resplit;
use super::open_seats::{may_join, released_extras};
use super::records::{CohortRecord, CohortStatus};
use super::splits::SplitChange;
use super::views::{CohortView, pooling_of};
use crate::access::Caller;
use crate::audit::{self, AuditAction};
use crate::db::DbConnection;
use crate::db::schema::{cohort_allocations, cohorts, needs};
use crate::enrolment::waitlist::{self, WaitlistEntryView};
use crate::error::{AppError, Problems};
use crate::ids::{AgreementId, CohortId, NeedId};
use crate::invoicing::ledger;
use crate::registry::agreements::Agreement;
use crate::registry::needs::{OPEN, ValidNeed, agreement_for_caller};
use crate::registry::term::Term;
use crate::registry::{now, required_text};

/// How often a join re-reads the cohort after losing a race before it gives up.
const ATTEMPTS: usize = 200;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JoinInput {
    /// One of the caller's own agreements (any agreement for coordinators).
    pub agreement_id: i64,
    /// Firm seats to take.
    pub seats: i64,
    /// The open need these seats serve. Without it a need is added for them,
    /// so the next plan keeps counting them.
    pub need_id: Option<i64>,
    /// Joining a confirmed cohort charges the agreement at once; when its
    /// remaining budget cannot carry the share, a coordinator may go past it
    /// with a reason, which is kept in the audit log.
    pub override_budget_reason: Option<String>,
}

/// What a join did: took the seats, or put them on the waitlist.
pub enum JoinOutcome {
    Joined(Box<CohortView>),
    Waitlisted(WaitlistEntryView),
}

/// Takes seats in a cohort for one of the caller's agreements, or, when
/// fewer are open than asked for, puts the request on the cohort's waitlist
/// in order of arrival.
pub fn join(
    conn: &mut DbConnection,
    caller: &Caller,
    ctx: &ChangeContext,
    id: CohortId,
    input: JoinInput,
) -> Result<JoinOutcome, AppError> {
    let (today, vat) = (ctx.today, ctx.vat());
    crate::db::write_transaction(conn, |conn| {
        let record = super::lock(conn, id)?;
        let agreement = agreement_for_caller(conn, caller, AgreementId(input.agreement_id))?;
        let mut problems = Problems::new();
        let Some(agreement) = agreement else {
            problems.add("agreement_id", format!("no agreement with the id {} is open to you", input.agreement_id));
            return Err(problems.into_result().expect_err("a problem was added"));
        };
        let seats = match i32::try_from(input.seats) {
            Ok(seats) if (1..=record.max_participants).contains(&seats) => seats,
            _ => {
                problems
                    .add("seats", format!("must be between 1 and {}, the course's maximum", record.max_participants));
                0
            }
        };
        let override_reason = input
            .override_budget_reason
            .as_deref()
            .and_then(|text| problems.check("override_budget_reason", required_text(text, 1000)));
        problems.into_result()?;
        if override_reason.is_some() {
            caller.require_coordinator("take an agreement past its budget")?;
        }
        if !record.joinable_on(today) {
            return Err(AppError::conflict(
                "cohort",
                format!("the cohort is {} and takes no more seats", record.status().as_str()),
            ));
        }
        let rows = super::allocations(conn, id)?;
        let pooling = pooling_of(conn, &rows)?;
        may_join(&record, &rows, &pooling, &agreement).map_err(|(field, problem)| match field {
            "cohort" => AppError::conflict(field, problem),
            _ => AppError::field(field, problem),
        })?;
        if record.firm_seats + seats > record.max_participants {
            // The need is checked now; its seats are taken when they come free.
            if let Some(need) = input.need_id {
                check_need(conn, &record, &agreement, NeedId(need), seats)?;
            }
            let entry = waitlist::add(conn, caller, &record, &agreement, input.need_id.map(NeedId), seats)?;
            return Ok(JoinOutcome::Waitlisted(entry));
        }
        take(conn, caller, ctx, &record, &agreement, input.need_id.map(NeedId), seats, override_reason.as_deref())?;
        Ok(JoinOutcome::Joined(Box::new(super::get(conn, caller, today, id, vat)?)))
    })
}

/// Gives `agreement` `seats` firm seats in the cohort: under the need named
/// (or a new one), releasing extra seats no longer needed, and, in a
/// confirmed cohort, as a new split version charged to its budget. Fails
/// with 409 when the seats are not open, or `over_budget` without an
/// override reason.
#[allow(clippy::too_many_arguments)]
pub(crate) fn take(
    conn: &mut DbConnection,
    caller: &Caller,
    ctx: &ChangeContext,
    record: &CohortRecord,
    agreement: &Agreement,
    need: Option<NeedId>,
    seats: i32,
    override_reason: Option<&str>,
) -> Result<(), AppError> {
    let id = record.id;
    let need = match need {
        Some(need) => check_need(conn, record, agreement, need, seats)?,
        None => new_need(conn, record, agreement, seats)?,
    };
    claim(conn, id, seats)?;
    let rows = super::allocations(conn, id)?;
    match rows.iter().find(|r| r.need_id == need) {
        Some(row) => {
            diesel::update(cohort_allocations::table.find(row.id))
                .set(cohort_allocations::seats.eq(row.seats + seats))
                .execute(conn)?;
        }
        None => {
            diesel::insert_into(cohort_allocations::table)
                .values((
                    cohort_allocations::cohort_id.eq(id),
                    cohort_allocations::need_id.eq(need),
                    cohort_allocations::agreement_id.eq(agreement.id),
                    cohort_allocations::organisation_id.eq(agreement.organisation_id),
                    cohort_allocations::seats.eq(seats),
                    cohort_allocations::extra_seats.eq(0),
                    cohort_allocations::joined.eq(true),
                    cohort_allocations::created_at.eq(now()),
                ))
                .execute(conn)?;
        }
    }
    let mut details = json!({ "seats": seats, "need_id": need });
    if record.status() == CohortStatus::Confirmed {
        let description = format!("{} joined with {seats} seats ({})", agreement.reference, caller.email);
        let (version, split) = resplit(conn, caller, ctx, id, SplitChange::Join, description)?;
        let own: Vec<_> = split.shares.into_iter().filter(|s| s.agreement_id == agreement.id).collect();
        let shortfalls = ledger::shortfalls(conn, id, &own)?;
        if !shortfalls.is_empty() {
            let Some(reason) = override_reason else { return Err(AppError::OverBudget(shortfalls)) };
            let why = json!({ "reason": reason, "shortfalls": shortfalls });
            audit::record(conn, caller, AuditAction::OverrideBudget, Some(id), Some(agreement.id), why)?;
        }
        details["split_version"] = json!(version);
    }
    audit::record(conn, caller, AuditAction::Join, Some(id), Some(agreement.id), details)
}

/// A new need for exactly the joined seats in the cohort's term, so the next
/// plan keeps counting them.
fn new_need(
    conn: &mut DbConnection,
    cohort: &CohortRecord,
    agreement: &Agreement,
    seats: i32,
) -> Result<NeedId, AppError> {
    Ok(diesel::insert_into(needs::table)
        .values((
            ValidNeed {
                agreement_id: agreement.id,
                course_id: cohort.course_id,
                seats,
                extra_seats: 0,
                earliest_term: cohort.term.clone(),
                latest_term: cohort.term.clone(),
                note: format!("Joined cohort {}", cohort.id),
            },
            needs::status.eq(OPEN),
            needs::created_at.eq(now()),
            needs::updated_at.eq(now()),
        ))
        .returning(needs::id)
        .get_result::<NeedId>(conn)?)
}

/// The need named for the joined seats, if it can take them: an open need of
/// the agreement for this course whose window holds the cohort's term, with
/// that many seats not yet in a cohort.
fn check_need(
    conn: &mut DbConnection,
    cohort: &CohortRecord,
    agreement: &Agreement,
    need_id: NeedId,
    seats: i32,
) -> Result<NeedId, AppError> {
    let need = match crate::registry::needs::find(conn, need_id) {
        Ok(need) if need.agreement_id == agreement.id => need,
        Ok(_) | Err(AppError::NotFound(_)) => {
            return Err(AppError::field(
                "need_id",
                format!("agreement {} has no need with the id {need_id}", agreement.reference),
            ));
        }
        Err(other) => return Err(other),
    };
    let term = cohort.term().ok_or_else(|| AppError::conflict("cohort", "the cohort's term is unreadable"))?;
    let window = (Term::parse(&need.earliest_term), Term::parse(&need.latest_term));
    let within = matches!(window, (Ok(earliest), Ok(latest)) if earliest <= term && term <= latest);
    if need.status != OPEN || need.course_id != cohort.course_id || !within {
        return Err(AppError::field(
            "need_id",
            format!("need {need_id} is not an open need for this course in {term}"),
        ));
    }
    // Seats of the need that no live cohort holds yet.
    let held: Vec<(i32,)> = cohort_allocations::table
        .inner_join(cohorts::table)
        .filter(cohort_allocations::need_id.eq(need.id))
        .filter(cohorts::status.eq_any([CohortStatus::Proposed.as_str(), CohortStatus::Confirmed.as_str()]))
        .select((cohort_allocations::seats,))
        .load(conn)?;
    let free = need.seats - held.iter().map(|(s,)| s).sum::<i32>();
    if free < seats {
        return Err(AppError::field("seats", format!("need {need_id} has only {free} seats not yet in a cohort")));
    }
    Ok(need.id)
}

/// Adds `seats` firm seats to the cohort's totals and releases extra seats
/// no longer needed to reach the minimum, or fails with 409 when they do not fit.
fn claim(conn: &mut DbConnection, id: CohortId, seats: i32) -> Result<(), AppError> {
    for _ in 0..ATTEMPTS {
        let record = super::find(conn, id)?;
        if record.firm_seats + seats > record.max_participants {
            return Err(AppError::conflict(
                "seats",
                format!("only {} seats are open in this cohort", record.open_seats()),
            ));
        }
        let rows = super::allocations(conn, id)?;
        let releases = released_extras(&rows, record.firm_seats + seats, record.min_participants);
        let released: i32 = releases
            .iter()
            .map(|(alloc, extra)| rows.iter().find(|r| r.id == *alloc).map_or(0, |r| r.extra_seats - extra))
            .sum();
        let updated = diesel::update(
            cohorts::table
                .filter(cohorts::id.eq(id))
                .filter(cohorts::firm_seats.eq(record.firm_seats))
                .filter(cohorts::extra_seats.eq(record.extra_seats)),
        )
        .set((
            cohorts::firm_seats.eq(record.firm_seats + seats),
            cohorts::extra_seats.eq(record.extra_seats - released),
            cohorts::updated_at.eq(now()),
        ))
        .execute(conn)?;
        if updated == 1 {
            for (alloc, extra) in releases {
                diesel::update(cohort_allocations::table.find(alloc))
                    .set(cohort_allocations::extra_seats.eq(extra))
                    .execute(conn)?;
            }
            return Ok(());
        }
    }
    Err(AppError::conflict("seats", "the cohort is changing too fast; try again"))
}
