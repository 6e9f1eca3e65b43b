//! What the planner is given and what it answers. Pure data: no database,
//! no HTTP. The web layer loads these from the registry and stores the result.

use crate::ids::{AgreementId, NeedId, OrganisationId};
use crate::money::Ore;
use crate::registry::term::Term;

/// The parts of a catalogue course that planning looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CourseTerms {
    pub min_participants: i32,
    pub max_participants: i32,
    pub fixed_fee: Ore,
    pub per_participant_fee: Ore,
}

impl CourseTerms {
    /// `fixed_fee + per_participant_fee × size` (rules.md, "Cost of a cohort").
    pub fn cohort_cost(&self, size: i64) -> Ore {
        Ore(self.fixed_fee.0 + self.per_participant_fee.0 * size)
    }
}

/// One need as the planner sees it: what is still to be placed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanNeed {
    pub id: NeedId,
    pub agreement_id: AgreementId,
    pub organisation_id: OrganisationId,
    /// Firm seats not yet placed in a confirmed cohort (≥ 1).
    pub seats: i32,
    /// Tolerance not yet used in a confirmed cohort (≥ 0).
    pub extra_seats: i32,
    /// The window, already cut to the terms inside the agreement's period.
    pub earliest: Term,
    pub latest: Term,
    /// `false`: only cohorts whose every seat is this organisation's.
    pub pooling: bool,
}

/// Everything to plan for one course.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CourseProblem {
    pub course: CourseTerms,
    pub needs: Vec<PlanNeed>,
}

/// Seats of one need in one cohort.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    pub need_id: NeedId,
    /// Firm seats of the need placed here.
    pub seats: i32,
    /// Extra seats (tolerance) of the need used here; only beside firm seats.
    pub extra_seats: i32,
}

/// One run of the course in one term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedCohort {
    pub term: Term,
    pub placements: Vec<Placement>,
}

impl PlannedCohort {
    pub fn size(&self) -> i64 {
        self.placements.iter().map(|p| i64::from(p.seats + p.extra_seats)).sum()
    }
}

/// Why firm seats of a need were left for a later plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnplacedReason {
    /// No term of the window can still be planned: all have begun.
    NoOpenTerm,
    /// The seats that could share a cohort fall short of the minimum;
    /// `missing_seats` more in `term` would make one viable.
    BelowMinimum,
    /// A cohort could have been formed, but the search stopped at its limit
    /// before finding it (the plan then says `optimal: false`).
    SearchLimit,
}

impl UnplacedReason {
    pub fn as_str(self) -> &'static str {
        match self {
            UnplacedReason::NoOpenTerm => "no_open_term",
            UnplacedReason::BelowMinimum => "below_minimum",
            UnplacedReason::SearchLimit => "search_limit",
        }
    }
}

/// Firm seats of a need the plan did not place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unplaced {
    pub need_id: NeedId,
    pub seats: i32,
    pub reason: UnplacedReason,
    /// The term in which the fewest more seats would make a cohort viable.
    pub term: Option<Term>,
    pub missing_seats: Option<i32>,
}

/// How a plan ranks, in the order of rules.md: more firm seats first, then
/// lower cost, then fewer split needs, then earlier terms. Smaller is better.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Score {
    /// Negated firm seats placed, so that the derived order prefers more.
    pub neg_firm_seats: i64,
    pub total_cost_ore: i64,
    /// Needs whose seats are spread over more than one cohort.
    pub split_needs: i64,
    /// Σ over cohorts of (terms after the first plannable term) × size.
    pub term_weight: i64,
}

impl Score {
    pub fn firm_seats(&self) -> i64 {
        -self.neg_firm_seats
    }
}

/// The planner's answer for one course.
#[derive(Debug, Clone)]
pub struct CoursePlan {
    pub cohorts: Vec<PlannedCohort>,
    pub unplaced: Vec<Unplaced>,
    pub score: Score,
    /// Whether the search proved that no plan ranks better on all four criteria.
    pub optimal: bool,
    /// Whether it proved the first two: the most firm seats, at the lowest
    /// cost. The gaps below are zero then, even if the tie-breaks are not proven.
    pub seats_and_cost_optimal: bool,
    /// When not proven optimal: how much cheaper (in öre) a plan with as many
    /// firm seats could at most be. Zero when optimal.
    pub cost_gap_ore: i64,
    /// When not proven optimal: how many more firm seats a plan could at most place.
    pub firm_seats_gap: i64,
    /// Branch-and-bound nodes the search used, over all components.
    pub search_nodes: u64,
}

/// Ranks any plan for `problem` by the objective. Assumes the plan is valid;
/// `validate` checks that.
pub fn score(problem: &CourseProblem, first_term: Term, cohorts: &[PlannedCohort]) -> Score {
    let mut firm = 0;
    let mut cost = 0;
    let mut term_weight = 0;
    let mut cohorts_of_need: std::collections::HashMap<NeedId, usize> = Default::default();
    for cohort in cohorts {
        let size = cohort.size();
        cost += problem.course.cohort_cost(size).0;
        term_weight += i64::from(cohort.term.ordinal() - first_term.ordinal()) * size;
        for placement in &cohort.placements {
            firm += i64::from(placement.seats);
            *cohorts_of_need.entry(placement.need_id).or_default() += 1;
        }
    }
    let split_needs = cohorts_of_need.values().filter(|&&n| n > 1).count() as i64;
    Score { neg_firm_seats: -firm, total_cost_ore: cost, split_needs, term_weight }
}
