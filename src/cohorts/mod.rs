//! Cohorts as stored: the planner's proposals, the seats of each need in
//! them, the open seats organisations may join, and the plans themselves.
//! The planning itself is pure (`crate::planning`); this is where its input
//! is read from the registry and its answer written back.

pub mod changes;
pub mod confirm;
pub mod join;
mod locks;
pub mod open_seats;
pub mod plans;
mod records;
pub mod splits;
mod views;

use std::sync::Arc;

use chrono::NaiveDate;
use diesel::prelude::*;
pub use records::{AllocationRecord, CohortRecord, CohortStatus};
pub(crate) use views::org_facts;
pub use views::{AllocationView, CohortFilter, CohortView, PerSeatPreview, get, list, load_views, per_seat_previews};

use crate::config::Settings;
use crate::db::DbConnection;
use crate::db::schema::{cohort_allocations, cohorts};
use crate::error::AppError;
use crate::ids::CohortId;
use crate::splitting::VatRate;

/// What a change to a cohort needs besides the database and the caller:
/// the day it happens, and the settings for pricing and e-mail.
#[derive(Clone)]
pub struct ChangeContext {
    pub today: NaiveDate,
    pub settings: Arc<Settings>,
}

impl ChangeContext {
    pub fn vat(&self) -> VatRate {
        self.settings.pricing.vat()
    }
}

/// Reads a cohort that is about to change, holding its row until the
/// transaction ends: an UPDATE that changes nothing still takes the row
/// lock on PostgreSQL, so two changes to one cohort run one after the
/// other there, as every writer does on SQLite. First it waits for a plan
/// that is storing its proposals (`locks::cohort_changing`).
pub(crate) fn lock(conn: &mut DbConnection, id: CohortId) -> Result<CohortRecord, AppError> {
    locks::cohort_changing(conn)?;
    let touched =
        diesel::update(cohorts::table.find(id)).set(cohorts::updated_at.eq(cohorts::updated_at)).execute(conn)?;
    if touched == 0 {
        return Err(AppError::NotFound("cohort"));
    }
    find(conn, id)
}

pub(crate) fn find(conn: &mut DbConnection, id: CohortId) -> Result<CohortRecord, AppError> {
    cohorts::table
        .find(id)
        .select(CohortRecord::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound("cohort"))
}

/// The cohorts of one status, oldest first.
pub fn of_status(conn: &mut DbConnection, status: CohortStatus) -> Result<Vec<CohortRecord>, AppError> {
    Ok(cohorts::table
        .filter(cohorts::status.eq(status.as_str()))
        .order(cohorts::id)
        .select(CohortRecord::as_select())
        .load(conn)?)
}

/// The cohort's allocations, oldest first.
pub(crate) fn allocations(conn: &mut DbConnection, id: CohortId) -> Result<Vec<AllocationRecord>, AppError> {
    Ok(cohort_allocations::table
        .filter(cohort_allocations::cohort_id.eq(id))
        .order(cohort_allocations::id)
        .select(AllocationRecord::as_select())
        .load(conn)?)
}
