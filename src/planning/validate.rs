//! Checks that a plan for one course keeps every rule of rules.md ("Needs",
//! "Cohorts"). Both the planner's answers and the brute force used to test it
//! go through here, so a plan that breaks a rule can never look optimal.

use std::collections::{HashMap, HashSet};

use super::model::{CourseProblem, PlanNeed, PlannedCohort};
use crate::ids::NeedId;
use crate::registry::term::Term;

/// `Ok` when `cohorts` is a plan that keeps every rule for `problem`, with
/// `first_term` the first term that has not begun; otherwise what is wrong,
/// naming the cohort (by position, from 1, and term) and the need.
pub fn validate(problem: &CourseProblem, first_term: Term, cohorts: &[PlannedCohort]) -> Result<(), String> {
    let mut needs: HashMap<NeedId, &PlanNeed> = HashMap::new();
    for need in &problem.needs {
        if needs.insert(need.id, need).is_some() {
            return Err(format!("need {} appears twice in the problem", need.id));
        }
    }
    let course = &problem.course;
    let mut firm_total: HashMap<NeedId, i64> = HashMap::new();
    let mut extra_total: HashMap<NeedId, i64> = HashMap::new();

    for (index, cohort) in cohorts.iter().enumerate() {
        let name = format!("cohort {} ({})", index + 1, cohort.term);
        if cohort.term < first_term {
            return Err(format!("{name} lies before {first_term}, the first term that has not begun"));
        }
        if cohort.placements.is_empty() {
            return Err(format!("{name} has no placements"));
        }
        let mut seen = HashSet::new();
        for placement in &cohort.placements {
            let id = placement.need_id;
            let Some(need) = needs.get(&id) else {
                return Err(format!("{name} places need {id}, which is not in the problem"));
            };
            if !seen.insert(id) {
                return Err(format!("{name} places need {id} more than once"));
            }
            // Extra seats only beside the same need's firm seats, so every
            // placement carries at least one firm seat.
            if placement.seats < 1 {
                return Err(format!(
                    "{name} places {} firm seats of need {id}; a placement needs at least one",
                    placement.seats
                ));
            }
            if placement.extra_seats < 0 {
                return Err(format!("{name} places {} extra seats of need {id}", placement.extra_seats));
            }
            if cohort.term < need.earliest || cohort.term > need.latest {
                return Err(format!("{name} lies outside the window {}–{} of need {id}", need.earliest, need.latest));
            }
            *firm_total.entry(id).or_default() += i64::from(placement.seats);
            *extra_total.entry(id).or_default() += i64::from(placement.extra_seats);
        }

        let size = cohort.size();
        let (min, max) = (i64::from(course.min_participants), i64::from(course.max_participants));
        if size < min || size > max {
            return Err(format!("{name} has {size} participants; the course takes {min}–{max}"));
        }

        if let Some(closed) = cohort.placements.iter().map(|p| needs[&p.need_id]).find(|n| !n.pooling) {
            let stranger = cohort
                .placements
                .iter()
                .map(|p| needs[&p.need_id])
                .find(|n| n.organisation_id != closed.organisation_id);
            if let Some(stranger) = stranger {
                return Err(format!(
                    "{name}: need {} does not pool, yet need {} of organisation {} shares the cohort \
                     with organisation {}",
                    closed.id, stranger.id, stranger.organisation_id, closed.organisation_id
                ));
            }
        }
    }

    for need in &problem.needs {
        let firm = firm_total.get(&need.id).copied().unwrap_or(0);
        if firm > i64::from(need.seats) {
            return Err(format!("need {} has {firm} firm seats placed but only {} open", need.id, need.seats));
        }
        let extra = extra_total.get(&need.id).copied().unwrap_or(0);
        if extra > i64::from(need.extra_seats) {
            return Err(format!(
                "need {} has {extra} extra seats placed but a tolerance of only {}",
                need.id, need.extra_seats
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{AgreementId, OrganisationId};
    use crate::money::Ore;
    use crate::planning::model::{CourseTerms, Placement};

    fn term(code: &str) -> Term {
        Term::parse(code).unwrap()
    }

    fn need(id: i64, org: i64, seats: i32, extra_seats: i32, window: (&str, &str), pooling: bool) -> PlanNeed {
        PlanNeed {
            id: NeedId(id),
            agreement_id: AgreementId(10 + id),
            organisation_id: OrganisationId(org),
            seats,
            extra_seats,
            earliest: term(window.0),
            latest: term(window.1),
            pooling,
        }
    }

    /// Min 3, max 6. Needs 1 and 2 pool; need 3 does not, and shares
    /// organisation 3 with need 4, which pools.
    fn problem() -> CourseProblem {
        CourseProblem {
            course: CourseTerms {
                min_participants: 3,
                max_participants: 6,
                fixed_fee: Ore(1_000_000),
                per_participant_fee: Ore(200_000),
            },
            needs: vec![
                need(1, 1, 3, 1, ("VT2027", "HT2027"), true),
                need(2, 2, 4, 0, ("VT2027", "VT2028"), true),
                need(3, 3, 4, 2, ("HT2027", "HT2027"), false),
                need(4, 3, 1, 0, ("VT2026", "HT2027"), true),
            ],
        }
    }

    fn place(need: i64, seats: i32, extra_seats: i32) -> Placement {
        Placement { need_id: NeedId(need), seats, extra_seats }
    }

    fn cohort(code: &str, placements: Vec<Placement>) -> PlannedCohort {
        PlannedCohort { term: term(code), placements }
    }

    /// Every need placed in full; need 2 split over two cohorts.
    fn valid_plan() -> Vec<PlannedCohort> {
        vec![
            cohort("VT2027", vec![place(1, 3, 1), place(2, 2, 0)]),
            cohort("HT2027", vec![place(2, 2, 0), place(4, 1, 0)]),
            cohort("HT2027", vec![place(3, 4, 1)]),
        ]
    }

    fn first() -> Term {
        term("VT2027")
    }

    #[track_caller]
    fn refused(plan: &[PlannedCohort], expected: &str) {
        match validate(&problem(), first(), plan) {
            Ok(()) => panic!("plan accepted, expected {expected:?}"),
            Err(message) => assert!(message.contains(expected), "{message:?} does not mention {expected:?}"),
        }
    }

    #[test]
    fn valid_plans_pass() {
        assert_eq!(validate(&problem(), first(), &valid_plan()), Ok(()));
        assert_eq!(validate(&problem(), first(), &[]), Ok(()), "the empty plan");
        // A need that does not pool may share with its own organisation.
        let plan = vec![cohort("HT2027", vec![place(4, 1, 0), place(3, 4, 1)])];
        assert_eq!(validate(&problem(), first(), &plan), Ok(()));
        // Exactly the minimum and exactly the maximum.
        let plan = vec![cohort("VT2028", vec![place(2, 3, 0)]), cohort("HT2027", vec![place(3, 4, 2)])];
        assert_eq!(validate(&problem(), first(), &plan), Ok(()));
    }

    #[test]
    fn a_cohort_before_the_first_open_term_is_refused() {
        let message = validate(&problem(), term("HT2027"), &valid_plan()).unwrap_err();
        assert!(message.contains("cohort 1 (VT2027) lies before HT2027"), "{message}");
    }

    #[test]
    fn a_cohort_outside_a_window_is_refused() {
        let mut plan = valid_plan();
        plan[1].term = term("VT2028");
        refused(&plan, "cohort 2 (VT2028) lies outside the window VT2026–HT2027 of need 4");
        plan[1].term = term("VT2027");
        plan[2].term = term("VT2027");
        refused(&plan, "cohort 3 (VT2027) lies outside the window HT2027–HT2027 of need 3");
    }

    #[test]
    fn sizes_outside_min_and_max_are_refused() {
        let mut plan = valid_plan();
        plan[1].placements.pop();
        refused(&plan, "cohort 2 (HT2027) has 2 participants; the course takes 3–6");
        let mut plan = valid_plan();
        plan[0].placements.push(place(4, 1, 0));
        refused(&plan, "cohort 1 (VT2027) has 7 participants; the course takes 3–6");
    }

    #[test]
    fn extra_seats_need_firm_seats_beside_them() {
        let mut plan = valid_plan();
        plan[0].placements[0] = place(1, 3, 0);
        plan[1].placements.push(place(1, 0, 1));
        refused(&plan, "cohort 2 (HT2027) places 0 firm seats of need 1");
    }

    #[test]
    fn negative_seats_are_refused() {
        let mut plan = valid_plan();
        plan[2].placements[0] = place(3, 4, -1);
        refused(&plan, "cohort 3 (HT2027) places -1 extra seats of need 3");
        let mut plan = valid_plan();
        plan[2].placements = vec![place(3, -1, 5)];
        refused(&plan, "places -1 firm seats of need 3");
    }

    #[test]
    fn more_firm_seats_than_open_are_refused() {
        let mut plan = valid_plan();
        plan[1].placements[0] = place(2, 3, 0);
        refused(&plan, "need 2 has 5 firm seats placed but only 4 open");
    }

    #[test]
    fn more_extra_seats_than_the_tolerance_are_refused() {
        let mut plan = valid_plan();
        plan[0].placements[0] = place(1, 2, 1);
        plan[1].placements.push(place(1, 1, 1));
        refused(&plan, "need 1 has 2 extra seats placed but a tolerance of only 1");
    }

    #[test]
    fn a_need_twice_in_one_cohort_is_refused() {
        let mut plan = valid_plan();
        plan[1].placements = vec![place(2, 1, 0), place(4, 1, 0), place(2, 1, 0)];
        refused(&plan, "cohort 2 (HT2027) places need 2 more than once");
    }

    #[test]
    fn an_unknown_need_is_refused() {
        let mut plan = valid_plan();
        plan[2].placements.push(place(9, 1, 0));
        refused(&plan, "cohort 3 (HT2027) places need 9, which is not in the problem");
    }

    #[test]
    fn an_empty_cohort_is_refused() {
        let mut plan = valid_plan();
        plan.push(cohort("HT2027", vec![]));
        refused(&plan, "cohort 4 (HT2027) has no placements");
    }

    #[test]
    fn a_need_that_does_not_pool_keeps_its_cohort_to_its_organisation() {
        let plan = vec![cohort("HT2027", vec![place(3, 4, 0), place(2, 2, 0)])];
        refused(&plan, "cohort 1 (HT2027): need 3 does not pool, yet need 2 of organisation 2");
        // Wherever the need that does not pool sits in the cohort.
        let plan = vec![cohort("HT2027", vec![place(1, 1, 0), place(4, 1, 0), place(3, 4, 0)])];
        refused(&plan, "need 3 does not pool, yet need 1 of organisation 1");
    }

    #[test]
    fn a_problem_with_a_need_twice_is_refused() {
        let mut problem = problem();
        problem.needs.push(problem.needs[0].clone());
        assert_eq!(validate(&problem, first(), &[]), Err("need 1 appears twice in the problem".to_string()));
    }
}
