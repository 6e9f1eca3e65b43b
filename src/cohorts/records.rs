//! Rows of the cohort tables.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::{cohort_allocations, cohorts};
use crate::ids::{AgreementId, AllocationId, CohortId, CourseId, NeedId, OrganisationId, PlanId};
use crate::money::Ore;
use crate::planning::CourseTerms;
use crate::registry::term::Term;
use crate::splitting::SplitRule;

/// Where a cohort stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CohortStatus {
    /// Formed by the latest plan; replaced when the planner runs again.
    Proposed,
    /// Committed by a coordinator; stays when the planner runs again.
    Confirmed,
    Cancelled,
    /// A proposal of an earlier plan, kept so that plan can still be read.
    Superseded,
}

impl CohortStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CohortStatus::Proposed => "proposed",
            CohortStatus::Confirmed => "confirmed",
            CohortStatus::Cancelled => "cancelled",
            CohortStatus::Superseded => "superseded",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Proposed, Self::Confirmed, Self::Cancelled, Self::Superseded].into_iter().find(|s| s.as_str() == text)
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cohorts)]
pub struct CohortRecord {
    pub id: CohortId,
    pub plan_id: Option<PlanId>,
    pub plan_position: i32,
    pub course_id: CourseId,
    pub term: String,
    pub status: String,
    pub min_participants: i32,
    pub max_participants: i32,
    pub fixed_fee_ore: Ore,
    pub per_participant_fee_ore: Ore,
    pub firm_seats: i32,
    pub extra_seats: i32,
    pub cancellation_deadline: Option<NaiveDate>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Set on confirming: how the cost is split, and its current version.
    pub split_rule: Option<String>,
    pub split_version: Option<i32>,
    pub host_organisation_id: Option<OrganisationId>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub confirmed_at: Option<NaiveDateTime>,
}

impl CohortRecord {
    pub fn status(&self) -> CohortStatus {
        CohortStatus::parse(&self.status).unwrap_or(CohortStatus::Cancelled)
    }

    pub fn term(&self) -> Option<Term> {
        Term::parse(&self.term).ok()
    }

    pub fn size(&self) -> i32 {
        self.firm_seats + self.extra_seats
    }

    /// The course's terms as they were when the cohort was formed.
    pub fn course_terms(&self) -> CourseTerms {
        CourseTerms {
            min_participants: self.min_participants,
            max_participants: self.max_participants,
            fixed_fee: self.fixed_fee_ore,
            per_participant_fee: self.per_participant_fee_ore,
        }
    }

    /// What the cohort costs at its size, under the course's terms as they were.
    pub fn total_cost(&self) -> Ore {
        self.course_terms().cohort_cost(i64::from(self.size()))
    }

    /// Seats another organisation could still take. Extra seats count as
    /// open: they were only added to reach the minimum, and a join releases
    /// them before it adds to the size.
    pub fn open_seats(&self) -> i32 {
        (self.max_participants - self.firm_seats).max(0)
    }

    /// Whether organisations may still join on `today`: proposed cohorts, and
    /// confirmed ones until their cancellation deadline.
    pub fn joinable_on(&self, today: NaiveDate) -> bool {
        match self.status() {
            CohortStatus::Proposed => true,
            CohortStatus::Confirmed => self.changeable_on(today),
            CohortStatus::Cancelled | CohortStatus::Superseded => false,
        }
    }

    /// Whether seats may still change without being paid for: up to and
    /// including the cancellation deadline.
    pub fn changeable_on(&self, today: NaiveDate) -> bool {
        self.cancellation_deadline.is_none_or(|deadline| today <= deadline)
    }

    pub fn split_rule(&self) -> Option<SplitRule> {
        self.split_rule.as_deref().and_then(|rule| SplitRule::parse(rule).ok())
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cohort_allocations)]
pub struct AllocationRecord {
    pub id: AllocationId,
    pub cohort_id: CohortId,
    pub need_id: NeedId,
    pub agreement_id: AgreementId,
    pub organisation_id: OrganisationId,
    pub seats: i32,
    pub extra_seats: i32,
    pub joined: bool,
    pub created_at: NaiveDateTime,
    /// Seats withdrawn after the cancellation deadline: paid for, not taken.
    pub withdrawn_seats: i32,
}

impl AllocationRecord {
    /// Seats someone will take: firm and extra, less those withdrawn after
    /// the deadline. At most this many participants can be named.
    pub fn seats_taken(&self) -> i32 {
        self.seats + self.extra_seats - self.withdrawn_seats
    }
}
