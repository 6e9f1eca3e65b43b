//! The planner against an exhaustive solver, and its rules on larger
//! random instances.

use super::brute_force;
use super::test_instances::random_small;
use super::validate::validate;
use super::*;

const INSTANCES: u64 = 1_200;

/// On every instance the planner must place as many firm seats at as low a
/// cost as the exhaustive solver; where it says the plan is optimal, the
/// split count and term weight must match too, and where it does not, its
/// tie-breaks can only be worse, never better than the true optimum.
#[test]
fn planner_matches_brute_force_on_small_instances() {
    let mut disagreements = Vec::new();
    let mut proven = 0;
    for seed in 0..INSTANCES {
        let (problem, first_term) = random_small(seed);
        let plan = plan_course(&problem, first_term, DEFAULT_LIMITS);
        validate(&problem, first_term, &plan.cohorts).unwrap_or_else(|e| panic!("seed {seed}: invalid plan: {e}"));
        assert!(plan.seats_and_cost_optimal, "seed {seed}: seats and cost must be proven on a small instance");
        assert_eq!(plan.score, score(&problem, first_term, &plan.cohorts), "seed {seed}: reported score");
        let best = brute_force::optimum(&problem, first_term);
        let same_seats_and_cost =
            (plan.score.neg_firm_seats, plan.score.total_cost_ore) == (best.neg_firm_seats, best.total_cost_ore);
        if !same_seats_and_cost || (plan.optimal && plan.score != best) || plan.score < best {
            disagreements.push(format!(
                "seed {seed}: planner {:?} (optimal: {}), brute force {best:?}",
                plan.score, plan.optimal
            ));
        }
        proven += usize::from(plan.optimal);
    }
    println!("{proven} of {INSTANCES} small instances fully proven");
    assert!(disagreements.is_empty(), "{} of {INSTANCES} differ:\n{}", disagreements.len(), disagreements.join("\n"));
    // The tie-break search has a node limit; it must still settle nearly all
    // small instances, or the limit is too tight to be useful.
    assert!(proven * 100 >= INSTANCES as usize * 95, "only {proven} of {INSTANCES} fully proven");
}

/// A random course with `needs` needs over six terms, in the shape of real
/// data: small seat counts, some tolerance, a few organisations that do not pool.
fn random_course(seed: u64, needs: usize) -> (CourseProblem, crate::registry::term::Term) {
    use crate::ids::{AgreementId, NeedId, OrganisationId};
    use crate::money::Ore;
    use rand::{Rng, SeedableRng};
    let first = crate::registry::term::Term::parse("VT2027").expect("a term");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let minimum = rng.random_range(2..=12);
    let organisations = (needs / 2).max(1) as i64;
    let non_pooling = rng.random_range(0..=organisations / 4 + 1);
    let problem = CourseProblem {
        course: CourseTerms {
            min_participants: minimum,
            max_participants: minimum + rng.random_range(0..=20),
            fixed_fee: Ore(rng.random_range(0..=150_000) * 100),
            per_participant_fee: Ore(rng.random_range(0..=8_000) * 100),
        },
        needs: (0..needs)
            .map(|i| {
                // Window starts before the first plannable term now and then.
                let start = rng.random_range(-1..6);
                let length = rng.random_range(0..3);
                let organisation = rng.random_range(0..organisations);
                PlanNeed {
                    id: NeedId(i as i64 + 1),
                    agreement_id: AgreementId(organisation + 1),
                    organisation_id: OrganisationId(organisation + 1),
                    seats: rng.random_range(1..=8),
                    extra_seats: if rng.random_bool(0.35) { rng.random_range(1..=3) } else { 0 },
                    earliest: first.plus(start),
                    latest: first.plus((start + length).clamp(0, 5)),
                    pooling: organisation >= non_pooling,
                }
            })
            .collect(),
    };
    (problem, first)
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Larger instances than the brute force can take: every plan keeps the
    /// rules, reports its own score, and leaves no viable cohort unformed.
    #[test]
    fn plans_keep_the_rules_on_larger_instances(seed in proptest::prelude::any::<u64>(), needs in 1usize..=30) {
        let (problem, first_term) = random_course(seed, needs);
        let plan = plan_course(&problem, first_term, DEFAULT_LIMITS);
        proptest::prop_assert!(validate(&problem, first_term, &plan.cohorts).is_ok(), "{:?}", validate(&problem, first_term, &plan.cohorts));
        proptest::prop_assert_eq!(plan.score, score(&problem, first_term, &plan.cohorts));
        // Seats and cost must be proven on these sizes; the tie-breaks may
        // run out of nodes on the hardest, and then the plan must say so.
        proptest::prop_assert!(plan.seats_and_cost_optimal);
        proptest::prop_assert_eq!((plan.firm_seats_gap, plan.cost_gap_ore), (0, 0));
        proptest::prop_assert!(plan.optimal || plan.search_nodes >= DEFAULT_LIMITS.tie_breaks);
        let requested: i64 = problem.needs.iter().map(|n| i64::from(n.seats)).sum();
        let unplaced: i64 = plan.unplaced.iter().map(|u| i64::from(u.seats)).sum();
        proptest::prop_assert_eq!(plan.score.firm_seats() + unplaced, requested);
        for left in &plan.unplaced {
            match left.reason {
                UnplacedReason::BelowMinimum => proptest::prop_assert!(left.missing_seats.unwrap_or(0) > 0),
                UnplacedReason::NoOpenTerm => proptest::prop_assert!(left.term.is_none()),
                UnplacedReason::SearchLimit => proptest::prop_assert!(false, "an optimal plan has no search-limit reasons"),
            }
        }
    }
}

/// A rough timing probe, run by hand: `cargo test --release --lib planning::tests::probe -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement, not a test"]
fn probe() {
    for needs in [10usize, 20, 40, 60, 100] {
        let (problem, first) = random_course(needs as u64, needs);
        let started = std::time::Instant::now();
        let plan = plan_course(&problem, first, DEFAULT_LIMITS);
        println!(
            "{needs} needs: {:?}, {} nodes, optimal {}, cohorts {}, {:?}",
            started.elapsed(),
            plan.search_nodes,
            plan.optimal,
            plan.cohorts.len(),
            plan.score
        );
    }
}
