//! Open seats — the "strumpavtal" itself: cohorts with room that an
//! organisation may join, and what joining would cost it and everyone else.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::records::{AllocationRecord, CohortRecord, CohortStatus};
use super::views::{OrgFacts, Related, fees, parties, pooling_of};
use crate::access::Caller;
use crate::db::DbConnection;
use crate::db::schema::{agreements, cohorts, organisations};
use crate::error::AppError;
use crate::ids::{AgreementId, AllocationId, CohortId, OrganisationId};
use crate::money::Ore;
use crate::registry::agreements::Agreement;
use crate::registry::term::Term;
use crate::splitting::{self, Party, VatRate};

/// The most what-if rows shown per cohort: enough for any one organisation.
const WHAT_IF_ROWS: i32 = 10;

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OpenSeatsQuery {
    /// Coordinators: whose view to show. Organisation users always see their own.
    pub organisation_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OpenCohort {
    #[schema(value_type = i64)]
    pub cohort_id: CohortId,
    pub course_code: String,
    pub course_title: String,
    #[schema(example = "HT2027")]
    pub term: String,
    pub status: CohortStatus,
    pub size: i32,
    pub max_participants: i32,
    pub open_seats: i32,
    #[schema(value_type = i64)]
    pub total_ore: Ore,
    /// `total / size`, to the nearest öre: what a seat costs today under `per_seat`.
    #[schema(value_type = i64)]
    pub price_per_seat_ore: Ore,
    /// The organisation's agreements that may take these seats.
    #[schema(value_type = Vec<i64>)]
    pub agreements: Vec<AgreementId>,
    /// Joining with 1, 2, … more seats.
    pub what_if: Vec<WhatIf>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WhatIf {
    pub seats: i32,
    /// The joiner's `per_seat` share for those seats.
    #[schema(value_type = i64)]
    pub you_pay_ore: Ore,
    /// Everyone's price per seat after the join, to the nearest öre.
    #[schema(value_type = i64)]
    pub price_per_seat_ore: Ore,
    /// How much cheaper each seat becomes for everyone already in.
    #[schema(value_type = i64)]
    pub price_drop_per_seat_ore: Ore,
    #[schema(value_type = i64)]
    pub total_ore: Ore,
}

/// Who is asking, and with which agreements.
struct Joiner {
    organisation_id: OrganisationId,
    org_number: String,
    agreements: Vec<Agreement>,
}

pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    today: NaiveDate,
    query: &OpenSeatsQuery,
) -> Result<Vec<OpenCohort>, AppError> {
    let organisation = match (caller.scope(), query.organisation_id) {
        (Some(own), _) => Some(own),
        (None, Some(id)) => Some(OrganisationId(id)),
        (None, None) => None,
    };
    let joiner = match organisation {
        Some(id) => {
            let org_number = organisations::table
                .find(id)
                .select(organisations::org_number)
                .first::<String>(conn)
                .optional()?
                .ok_or_else(|| AppError::field("organisation_id", format!("no organisation has the id {id}")))?;
            let agreements = agreements::table
                .filter(agreements::organisation_id.eq(id))
                .filter(agreements::ends_on.ge(today))
                .order(agreements::id)
                .select(Agreement::as_select())
                .load(conn)?;
            Some(Joiner { organisation_id: id, org_number, agreements })
        }
        None => None,
    };
    let records: Vec<CohortRecord> = cohorts::table
        .filter(cohorts::status.eq_any([CohortStatus::Proposed.as_str(), CohortStatus::Confirmed.as_str()]))
        .filter(cohorts::firm_seats.lt(cohorts::max_participants))
        .order(cohorts::id)
        .select(CohortRecord::as_select())
        .load(conn)?;
    let records: Vec<CohortRecord> = records.into_iter().filter(|c| c.joinable_on(today)).collect();
    let Related { allocations, courses: course_names, organisations: orgs, .. } = Related::load(conn, &records)?;
    let every_row: Vec<AllocationRecord> = allocations.values().flatten().cloned().collect();
    let pooling = pooling_of(conn, &every_row)?;
    let mut open = Vec::new();
    for record in records {
        let rows = allocations.get(&record.id).map(Vec::as_slice).unwrap_or_default();
        let eligible: Vec<AgreementId> = match &joiner {
            Some(joiner) => joiner
                .agreements
                .iter()
                .filter(|a| may_join(&record, rows, &pooling, a).is_ok())
                .map(|a| a.id)
                .collect(),
            None => Vec::new(),
        };
        if joiner.is_some() && eligible.is_empty() {
            continue;
        }
        let joining_as = joiner.as_ref().map(|j| (eligible[0], j.organisation_id, j.org_number.as_str()));
        let what_if = what_if(&record, rows, &orgs, joining_as)?;
        let total = record.total_cost();
        let (course_code, course_title) = course_names.get(&record.course_id).cloned().unwrap_or_default();
        open.push(OpenCohort {
            cohort_id: record.id,
            course_code,
            course_title,
            status: record.status(),
            size: record.size(),
            max_participants: record.max_participants,
            open_seats: record.open_seats(),
            total_ore: total,
            price_per_seat_ore: per_seat_price(total, record.size()),
            agreements: eligible,
            what_if,
            term: record.term,
        });
    }
    open.sort_by_key(|c| (Term::parse(&c.term).ok(), c.course_code.clone()));
    Ok(open)
}

/// Whether `agreement` may take seats in the cohort; the error names the field.
pub(crate) fn may_join(
    cohort: &CohortRecord,
    rows: &[AllocationRecord],
    pooling: &HashMap<AgreementId, bool>,
    agreement: &Agreement,
) -> Result<(), (&'static str, String)> {
    let term = cohort.term().ok_or(("cohort", "the cohort's term is unreadable".to_owned()))?;
    if !term.lies_within(agreement.starts_on, agreement.ends_on) {
        return Err((
            "agreement_id",
            format!(
                "agreement {} does not cover {} ({} to {})",
                agreement.reference, term, agreement.starts_on, agreement.ends_on
            ),
        ));
    }
    // Pooling matters only when the cohort would mix organisations.
    let others: Vec<&AllocationRecord> =
        rows.iter().filter(|r| r.organisation_id != agreement.organisation_id).collect();
    if others.is_empty() {
        return Ok(());
    }
    if !agreement.pooling {
        return Err((
            "agreement_id",
            format!(
                "agreement {} does not allow pooling, so it takes only cohorts of its own organisation",
                agreement.reference
            ),
        ));
    }
    let own_pooling_off = rows.iter().any(|r| {
        r.organisation_id == agreement.organisation_id && !pooling.get(&r.agreement_id).copied().unwrap_or(true)
    });
    if own_pooling_off || others.iter().any(|r| !pooling.get(&r.agreement_id).copied().unwrap_or(true)) {
        return Err(("cohort", "an organisation in this cohort takes only cohorts of its own".to_owned()));
    }
    Ok(())
}

/// What joining with 1, 2, … seats would cost; `joining_as` is the joiner's
/// agreement, organisation and number (a stand-in party when nobody asks).
fn what_if(
    record: &CohortRecord,
    rows: &[AllocationRecord],
    orgs: &HashMap<OrganisationId, OrgFacts>,
    joining_as: Option<(AgreementId, OrganisationId, &str)>,
) -> Result<Vec<WhatIf>, AppError> {
    let (agreement_id, organisation_id, org_number) = joining_as.unwrap_or((AgreementId(0), OrganisationId(0), ""));
    let price_before = per_seat_price(record.total_cost(), record.size());
    // An agreement already in the cohort pays for its earlier seats anyway.
    let share_before = share_of(record, &parties(rows, orgs), agreement_id)?;
    let mut rows_after = rows.to_vec();
    let mut what_if = Vec::new();
    for seats in 1..=record.open_seats().min(WHAT_IF_ROWS) {
        for (row, original) in rows_after.iter_mut().zip(rows) {
            row.extra_seats = original.extra_seats;
        }
        for (id, extra) in released_extras(rows, record.firm_seats + seats, record.min_participants) {
            if let Some(row) = rows_after.iter_mut().find(|r| r.id == id) {
                row.extra_seats = extra;
            }
        }
        let mut parties_after = parties(&rows_after, orgs);
        match parties_after.iter_mut().find(|p| p.agreement_id == agreement_id) {
            Some(party) => party.seats += seats,
            None => {
                // `per_seat` does not weigh employees.
                let org_number = org_number.to_owned();
                parties_after.push(Party { agreement_id, organisation_id, org_number, seats, employees: 0 })
            }
        }
        let size: i32 = parties_after.iter().map(|p| p.seats).sum();
        let total = record.course_terms().cohort_cost(i64::from(size));
        let price = per_seat_price(total, size);
        what_if.push(WhatIf {
            seats,
            you_pay_ore: share_of(record, &parties_after, agreement_id)? - share_before,
            price_per_seat_ore: price,
            price_drop_per_seat_ore: price_before - price,
            total_ore: total,
        });
    }
    Ok(what_if)
}

fn share_of(record: &CohortRecord, parties: &[Party], agreement_id: AgreementId) -> Result<Ore, AppError> {
    let parties: Vec<Party> = parties.iter().filter(|p| p.seats > 0).cloned().collect();
    if parties.is_empty() {
        return Ok(Ore::ZERO);
    }
    // What-ifs show amounts excluding VAT, so the rate does not matter.
    let split = splitting::per_seat(&fees(record), &parties, VatRate(0))
        .map_err(|e| AppError::Internal(anyhow::anyhow!("cohort {}: {e}", record.id)))?;
    Ok(split.shares.iter().find(|s| s.agreement_id == agreement_id).map_or(Ore::ZERO, |s| s.amount_ore))
}

/// `total / size` rounded to the nearest öre (halves up), for showing a price.
fn per_seat_price(total: Ore, size: i32) -> Ore {
    if size <= 0 {
        return total;
    }
    let size = i64::from(size);
    Ore((2 * total.0 + size) / (2 * size))
}

/// Extra seats are only there to reach the minimum: once `firm_after` firm
/// seats are in, only `min − firm_after` of them are still needed. Returns the
/// allocations whose extra seats shrink, with their new count; the largest
/// tolerances give way first, then the latest allocations.
pub(crate) fn released_extras(rows: &[AllocationRecord], firm_after: i32, minimum: i32) -> Vec<(AllocationId, i32)> {
    let extra_now: i32 = rows.iter().map(|r| r.extra_seats).sum();
    let mut to_release = extra_now - (minimum - firm_after).max(0).min(extra_now);
    let mut order: Vec<&AllocationRecord> = rows.iter().filter(|r| r.extra_seats > 0).collect();
    order.sort_by_key(|r| (std::cmp::Reverse(r.extra_seats), std::cmp::Reverse(r.id)));
    let mut changes = Vec::new();
    for row in order {
        if to_release == 0 {
            break;
        }
        let released = row.extra_seats.min(to_release);
        to_release -= released;
        changes.push((row.id, row.extra_seats - released));
    }
    changes
}
