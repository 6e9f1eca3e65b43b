//! Changes to a confirmed cohort (rules.md, "After confirmation"): seats
//! withdrawn, the cohort cancelled, and the new split version each change
//! makes. Joins are in `join`; they end in the same `resplit`.

use diesel::prelude::*;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::ChangeContext;
use super::records::{CohortRecord, CohortStatus};
use super::splits::{self, NewVersion, SplitChange};
use super::views::CohortView;
use crate::access::Caller;
use crate::audit::{self, AuditAction};
use crate::db::DbConnection;
use crate::db::schema::{cohort_allocations, cohorts, needs};
use crate::email::notices;
use crate::enrolment::{participants, waitlist};
use crate::error::{AppError, Problems};
use crate::ids::{AgreementId, CohortId};
use crate::invoicing::invoice::{Invoiceable, invoice_if_invoiced};
use crate::money::Ore;
use crate::registry::needs::agreement_for_caller;
use crate::registry::{now, required_text};
use crate::splitting::{Share, Split};

/// Stores the split of a confirmed cohort's seats as they now stand as a new
/// version, with the same rule and host, and invoices its difference at once
/// when the cohort has been invoiced. Returns the new version number.
pub(crate) fn resplit(
    conn: &mut DbConnection,
    caller: &Caller,
    ctx: &ChangeContext,
    id: CohortId,
    change: SplitChange,
    description: String,
) -> Result<(i32, Split), AppError> {
    let vat = ctx.vat();
    let record = super::find(conn, id)?;
    let rule = record.split_rule().ok_or_else(|| anyhow::anyhow!("confirmed cohort {id} has no split rule"))?;
    let host = splits::current_host(conn, &record)?;
    let rows = super::allocations(conn, id)?;
    let parties = splits::parties(conn, &rows)?;
    let split = splits::compute(&record, &parties, rule, host, vat)?;
    let (split_id, version) = splits::store(
        conn,
        caller,
        &record,
        NewVersion { change, description, host, split: &split, parties: &parties, vat },
    )?;
    invoice_if_invoiced(conn, caller, ctx.today, id, &Invoiceable { split_id, version, shares: &split.shares })?;
    notices::enrolment_summaries(conn, &ctx.settings.email, id, &format!("v{version}"))?;
    Ok((version, split))
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawInput {
    /// The agreement whose seats are withdrawn: one of the caller's own
    /// (any, for coordinators).
    pub agreement_id: i64,
    /// Firm seats to withdraw.
    pub seats: i64,
}

/// Withdraws seats from a confirmed cohort. Until the cancellation deadline
/// the seats are freed, the agreement's need shrinks by them and the split
/// gets a new version; after it the seats stay paid for and only the record
/// of who will come changes.
pub fn withdraw(
    conn: &mut DbConnection,
    caller: &Caller,
    ctx: &ChangeContext,
    id: CohortId,
    input: WithdrawInput,
) -> Result<CohortView, AppError> {
    let (today, vat) = (ctx.today, ctx.vat());
    crate::db::write_transaction(conn, |conn| {
        let record = super::lock(conn, id)?;
        let rows = super::allocations(conn, id)?;
        if let Some(own) = caller.scope()
            && !rows.iter().any(|r| r.organisation_id == own)
        {
            return Err(AppError::NotFound("cohort"));
        }
        let agreement = agreement_for_caller(conn, caller, AgreementId(input.agreement_id))?.ok_or_else(|| {
            AppError::field("agreement_id", format!("no agreement with the id {} is open to you", input.agreement_id))
        })?;
        if record.status() != CohortStatus::Confirmed {
            return Err(AppError::conflict(
                "cohort",
                format!("the cohort is {}; seats are withdrawn only from confirmed cohorts", record.status().as_str()),
            ));
        }
        // The agreement's rows, the latest (and joined) seats first.
        let mut own: Vec<_> = rows.iter().filter(|r| r.agreement_id == agreement.id).collect();
        own.sort_by_key(|r| (!r.joined, std::cmp::Reverse(r.id)));
        let held: i32 = own.iter().map(|r| r.seats - r.withdrawn_seats).sum();
        let seats = match i32::try_from(input.seats) {
            Ok(seats) if seats >= 1 && seats <= held => seats,
            _ if held == 0 => {
                return Err(AppError::field(
                    "agreement_id",
                    format!("agreement {} has no seats to withdraw in this cohort", agreement.reference),
                ));
            }
            _ => {
                return Err(AppError::field(
                    "seats",
                    format!("must be between 1 and {held}, the seats agreement {} holds", agreement.reference),
                ));
            }
        };

        // Seats the agreement takes, extra seats included, and its named participants.
        let capacity: i32 = own.iter().map(|r| r.seats_taken()).sum();
        let named = participants::named(conn, id, agreement.id)?;
        let too_few_left = |left: i32| {
            (named > i64::from(left)).then(|| {
                AppError::conflict(
                    "seats",
                    format!(
                        "agreement {} has named {named} participants and would keep {left} seats; withdraw participants first",
                        agreement.reference
                    ),
                )
            })
        };

        if !record.changeable_on(today) {
            if let Some(error) = too_few_left(capacity - seats) {
                return Err(error);
            }
            let mut left = seats;
            for row in own {
                let take = left.min(row.seats - row.withdrawn_seats);
                if take > 0 {
                    diesel::update(cohort_allocations::table.find(row.id))
                        .set(cohort_allocations::withdrawn_seats.eq(row.withdrawn_seats + take))
                        .execute(conn)?;
                    left -= take;
                }
            }
            audit::record(
                conn,
                caller,
                AuditAction::Withdraw,
                Some(id),
                Some(agreement.id),
                json!({ "seats": seats, "after_deadline": true, "still_paid": true }),
            )?;
            let cause = format!("late-withdrawal:{}", now().and_utc().timestamp_micros());
            notices::enrolment_summaries(conn, &ctx.settings.email, id, &cause)?;
            return super::get(conn, caller, today, id, vat);
        }

        let everyone: i32 = rows.iter().map(|r| r.seats).sum();
        if everyone == seats {
            return Err(AppError::conflict("seats", "these are the cohort's last seats; cancel the cohort instead"));
        }
        if splits::current_host(conn, &record)? == Some(agreement.id) && seats == held {
            return Err(AppError::conflict(
                "agreement_id",
                "the host pays the fixed fee under host_fixed and cannot leave; cancel the cohort instead",
            ));
        }
        let (mut left, mut extra_removed) = (seats, 0);
        for row in own {
            let take = left.min(row.seats);
            if take == 0 {
                break;
            }
            left -= take;
            if take == row.seats {
                // Extra seats are only placed beside firm seats of the same need.
                extra_removed += row.extra_seats;
                diesel::delete(cohort_allocations::table.find(row.id)).execute(conn)?;
            } else {
                diesel::update(cohort_allocations::table.find(row.id))
                    .set(cohort_allocations::seats.eq(row.seats - take))
                    .execute(conn)?;
            }
            shrink_need(conn, row.need_id, take)?;
        }
        if let Some(error) = too_few_left(capacity - seats - extra_removed) {
            return Err(error);
        }
        diesel::update(cohorts::table.find(id))
            .set((
                cohorts::firm_seats.eq(record.firm_seats - seats),
                cohorts::extra_seats.eq(record.extra_seats - extra_removed),
                cohorts::updated_at.eq(now()),
            ))
            .execute(conn)?;
        let description = format!("{} withdrew {seats} seats ({})", agreement.reference, caller.email);
        let (version, _) = resplit(conn, caller, ctx, id, SplitChange::Withdraw, description)?;
        waitlist::promote(conn, caller, ctx, id)?;
        audit::record(
            conn,
            caller,
            AuditAction::Withdraw,
            Some(id),
            Some(agreement.id),
            json!({ "seats": seats, "after_deadline": false, "split_version": version }),
        )?;
        super::get(conn, caller, today, id, vat)
    })
}

/// The withdrawn seats leave the need too: the organisation no longer asks
/// for them, so the next plan does not place them again.
fn shrink_need(conn: &mut DbConnection, need: crate::ids::NeedId, by: i32) -> Result<(), AppError> {
    let seats: i32 = needs::table.find(need).select(needs::seats).first(conn)?;
    let change = if seats > by {
        diesel::update(needs::table.find(need))
            .set((needs::seats.eq(seats - by), needs::updated_at.eq(now())))
            .execute(conn)
    } else {
        diesel::update(needs::table.find(need))
            .set((needs::status.eq(crate::registry::needs::WITHDRAWN), needs::updated_at.eq(now())))
            .execute(conn)
    };
    change?;
    Ok(())
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelInput {
    /// Why; required when the cohort still has its minimum.
    pub reason: Option<String>,
}

/// Cancels a confirmed cohort (coordinators): its commitments are released
/// by a last split version in which everyone pays nothing, and whatever was
/// invoiced is credited. Cancelling again changes nothing.
pub fn cancel(
    conn: &mut DbConnection,
    caller: &Caller,
    ctx: &ChangeContext,
    id: CohortId,
    input: CancelInput,
) -> Result<CohortView, AppError> {
    let (today, vat) = (ctx.today, ctx.vat());
    caller.require_coordinator("cancel cohorts")?;
    crate::db::write_transaction(conn, |conn| {
        let record = super::lock(conn, id)?;
        let mut problems = Problems::new();
        let reason = input.reason.as_deref().and_then(|text| problems.check("reason", required_text(text, 1000)));
        problems.into_result()?;
        match record.status() {
            CohortStatus::Cancelled => return super::get(conn, caller, today, id, vat),
            CohortStatus::Confirmed => {}
            other => {
                return Err(AppError::conflict(
                    "cohort",
                    format!(
                        "the cohort is {}; only confirmed cohorts are cancelled (the next plan replaces proposals)",
                        other.as_str()
                    ),
                ));
            }
        }
        if record.size() >= record.min_participants && reason.is_none() {
            return Err(AppError::conflict(
                "reason",
                format!(
                    "the cohort has {} seats, at least its minimum of {}; give a reason to cancel it anyway",
                    record.size(),
                    record.min_participants
                ),
            ));
        }
        let zero = zero_split(conn, &record)?;
        diesel::update(cohorts::table.find(id))
            .set((cohorts::status.eq(CohortStatus::Cancelled.as_str()), cohorts::updated_at.eq(now())))
            .execute(conn)?;
        let description = format!("cancelled by {}", caller.email);
        let (split_id, version) = splits::store(
            conn,
            caller,
            &record,
            NewVersion { change: SplitChange::Cancel, description, host: None, split: &zero, parties: &[], vat },
        )?;
        invoice_if_invoiced(conn, caller, today, id, &Invoiceable { split_id, version, shares: &zero.shares })?;
        let organisations = super::allocations(conn, id)?.iter().map(|r| r.organisation_id).collect();
        notices::cancellation_notices(conn, id, &organisations, reason.as_deref())?;
        audit::record(
            conn,
            caller,
            AuditAction::Cancel,
            Some(id),
            None,
            json!({ "reason": reason, "size": record.size(), "min_participants": record.min_participants, "split_version": version }),
        )?;
        super::get(conn, caller, today, id, vat)
    })
}

/// The current split with every seat and amount zero: nobody comes to a
/// cancelled cohort, and nobody pays for it.
fn zero_split(conn: &mut DbConnection, record: &CohortRecord) -> Result<Split, AppError> {
    let (_, shares) = splits::current_of(conn, record)?
        .ok_or_else(|| anyhow::anyhow!("confirmed cohort {} has no split", record.id))?;
    let rule =
        record.split_rule().ok_or_else(|| anyhow::anyhow!("confirmed cohort {} has no split rule", record.id))?;
    let shares = shares
        .into_iter()
        .map(|s| Share {
            seats: 0,
            amount_ore: Ore::ZERO,
            fixed_part_ore: Ore::ZERO,
            variable_part_ore: Ore::ZERO,
            vat_ore: Ore::ZERO,
            amount_incl_vat_ore: Ore::ZERO,
            standalone_ore: Ore::ZERO,
            savings_ore: Ore::ZERO,
            ..s
        })
        .collect();
    Ok(Split { rule, total: Ore::ZERO, vat: Ore::ZERO, shares })
}
