//! The planner's entry point for one course: split into components, search
//! each exactly, and turn the flows back into cohorts and reasons.

use std::collections::BTreeMap;

use super::instance::{Instance, components};
use super::model::{CoursePlan, CourseProblem, Placement, PlannedCohort, Score, Unplaced, UnplacedReason};
use super::search::{Search, Solution};
use crate::registry::term::Term;

pub use super::search::Limits;

/// How many search nodes one component may use before the planner stops
/// proving and reports how far off its plan may be.
pub const DEFAULT_LIMITS: Limits = Limits { seats_and_cost: 200_000, tie_breaks: 2_000 };

pub fn plan_course(problem: &CourseProblem, first_term: Term, limits: Limits) -> CoursePlan {
    let mut cohorts = Vec::new();
    let mut score = Score::default();
    let mut bound = Score::default();
    let mut optimal = true;
    let mut seats_and_cost_optimal = true;
    let mut search_nodes = 0;
    for instance in components(problem, first_term) {
        let solution = Search::new(&instance, limits).run();
        optimal &= solution.optimal;
        seats_and_cost_optimal &= solution.seats_and_cost_optimal;
        search_nodes += solution.nodes;
        add(&mut score, &solution.score);
        add(&mut bound, &solution.bound);
        cohorts.extend(cohorts_of(problem, &instance, &solution, first_term));
    }
    cohorts.sort_by(|a, b| a.term.cmp(&b.term).then(b.size().cmp(&a.size())));
    let unplaced = unplaced(problem, first_term, &cohorts, seats_and_cost_optimal);
    let (firm_seats_gap, cost_gap_ore) = if seats_and_cost_optimal {
        (0, 0)
    } else if bound.firm_seats() > score.firm_seats() {
        // Fewer firm seats placed than might be: any cost could be beaten.
        (bound.firm_seats() - score.firm_seats(), score.total_cost_ore)
    } else {
        (0, (score.total_cost_ore - bound.total_cost_ore).max(0))
    };
    CoursePlan { cohorts, unplaced, score, optimal, seats_and_cost_optimal, cost_gap_ore, firm_seats_gap, search_nodes }
}

fn add(total: &mut Score, part: &Score) {
    total.neg_firm_seats += part.neg_firm_seats;
    total.total_cost_ore += part.total_cost_ore;
    total.split_needs += part.split_needs;
    total.term_weight += part.term_weight;
}

fn cohorts_of(
    problem: &CourseProblem,
    instance: &Instance,
    solution: &Solution,
    first_term: Term,
) -> Vec<PlannedCohort> {
    let mut cohorts = Vec::new();
    for (column, &group) in solution.column_group.iter().enumerate() {
        let placements: Vec<Placement> = instance
            .needs
            .iter()
            .zip(&solution.flows)
            .filter(|(_, row)| row[column].0 > 0)
            .map(|(need, row)| Placement {
                need_id: problem.needs[need.index].id,
                seats: row[column].0 as i32,
                extra_seats: row[column].1 as i32,
            })
            .collect();
        if !placements.is_empty() {
            cohorts.push(PlannedCohort { term: first_term.plus(instance.groups[group].term_offset), placements });
        }
    }
    cohorts
}

/// Why each need's remaining firm seats were left: the term where the fewest
/// more seats would make a cohort viable, counting what is still unplaced.
fn unplaced(problem: &CourseProblem, first_term: Term, cohorts: &[PlannedCohort], optimal: bool) -> Vec<Unplaced> {
    let mut placed: BTreeMap<crate::ids::NeedId, (i32, i32)> = BTreeMap::new();
    for placement in cohorts.iter().flat_map(|c| &c.placements) {
        let entry = placed.entry(placement.need_id).or_default();
        entry.0 += placement.seats;
        entry.1 += placement.extra_seats;
    }
    // Seats still free per need: firm left, and extra left if firm is left
    // (extra seats only go beside the same need's firm seats).
    let left: Vec<(i32, i32)> = problem
        .needs
        .iter()
        .map(|need| {
            let (firm, extra) = placed.get(&need.id).copied().unwrap_or_default();
            let firm_left = need.seats - firm;
            (firm_left, if firm_left > 0 { need.extra_seats - extra } else { 0 })
        })
        .collect();
    let minimum = problem.course.min_participants;
    let mut reasons = Vec::new();
    for (need, &(firm_left, _)) in problem.needs.iter().zip(&left) {
        if firm_left <= 0 {
            continue;
        }
        let earliest = need.earliest.max(first_term);
        if earliest > need.latest {
            reasons.push(Unplaced {
                need_id: need.id,
                seats: firm_left,
                reason: UnplacedReason::NoOpenTerm,
                term: None,
                missing_seats: None,
            });
            continue;
        }
        let mut nearest: Option<(i32, Term)> = None;
        for term in Term::range(earliest, need.latest) {
            // A cohort is either pooled (pooling needs of anyone) or an
            // organisation's own (any of its needs); never both at once.
            let pool_of = |joins: &dyn Fn(&crate::planning::PlanNeed) -> bool| -> i32 {
                problem
                    .needs
                    .iter()
                    .zip(&left)
                    .filter(|(other, _)| other.earliest.max(first_term) <= term && term <= other.latest)
                    .filter(|(other, _)| joins(other))
                    .map(|(_, &(firm, extra))| firm.max(0) + extra.max(0))
                    .sum()
            };
            let own = pool_of(&|other| other.organisation_id == need.organisation_id);
            let pooled = if need.pooling { pool_of(&|other| other.pooling) } else { 0 };
            let pool = own.max(pooled);
            let missing = minimum - pool;
            if nearest.is_none_or(|(best, _)| missing < best) {
                nearest = Some((missing, term));
            }
        }
        let (missing, term) = nearest.expect("the window has a plannable term");
        // An optimal plan leaves no viable cohort unformed, so a pool that
        // reaches the minimum can only follow a search that stopped early.
        debug_assert!(missing > 0 || !optimal, "optimal plan left a viable cohort for {:?}", need.id);
        let reason = if missing > 0 { UnplacedReason::BelowMinimum } else { UnplacedReason::SearchLimit };
        reasons.push(Unplaced {
            need_id: need.id,
            seats: firm_left,
            reason,
            term: Some(term),
            missing_seats: Some(missing.max(0)),
        });
    }
    reasons
}
