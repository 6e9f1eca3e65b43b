//! The planner against an exhaustive solver, and its rules on larger
//! random instances.

use super::brute_force;
use super::test_instances::random_small;
use super::validate::validate;
use super::*;

const INSTANCES: u64 = 1_200;

#[test]
fn planner_matches_brute_force_on_small_instances() {
    let mut disagreements = Vec::new();
    for seed in 0..INSTANCES {
        let (problem, first_term) = random_small(seed);
        let plan = plan_course(&problem, first_term, DEFAULT_NODE_LIMIT);
        validate(&problem, first_term, &plan.cohorts).unwrap_or_else(|e| panic!("seed {seed}: invalid plan: {e}"));
        assert!(plan.optimal, "seed {seed}: a small instance must be solved exactly");
        assert_eq!(plan.score, score(&problem, first_term, &plan.cohorts), "seed {seed}: reported score");
        let best = brute_force::optimum(&problem, first_term);
        if plan.score != best {
            disagreements.push(format!("seed {seed}: planner {:?}, brute force {:?}", plan.score, best));
        }
    }
    assert!(disagreements.is_empty(), "{} of {INSTANCES} differ:\n{}", disagreements.len(), disagreements.join("\n"));
}

/// A rough timing probe, run by hand: `cargo test --release --lib planning::tests::probe -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement, not a test"]
fn probe() {
    use crate::ids::{AgreementId, NeedId, OrganisationId};
    use crate::money::Ore;
    use rand::{Rng, SeedableRng};
    let first = crate::registry::term::Term::parse("VT2027").unwrap();
    for needs in [10usize, 20, 40, 60, 100] {
        let mut rng = rand::rngs::StdRng::seed_from_u64(needs as u64);
        let problem = CourseProblem {
            course: CourseTerms {
                min_participants: 10,
                max_participants: 25,
                fixed_fee: Ore(8_000_000),
                per_participant_fee: Ore(400_000),
            },
            needs: (0..needs)
                .map(|i| {
                    let start = rng.random_range(0..6);
                    let len = rng.random_range(0..3);
                    PlanNeed {
                        id: NeedId(i as i64),
                        agreement_id: AgreementId(i as i64),
                        organisation_id: OrganisationId(i as i64),
                        seats: rng.random_range(1..=6),
                        extra_seats: if rng.random_bool(0.35) { rng.random_range(1..=3) } else { 0 },
                        earliest: first.plus(start),
                        latest: first.plus((start + len).min(5)),
                        pooling: rng.random_bool(0.9),
                    }
                })
                .collect(),
        };
        let started = std::time::Instant::now();
        let plan = plan_course(&problem, first, DEFAULT_NODE_LIMIT);
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
