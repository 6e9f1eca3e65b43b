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
