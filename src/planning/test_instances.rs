//! Small random planning problems for tests: deterministic per seed and small
//! enough for `brute_force::optimum` to solve exhaustively.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::model::{CourseProblem, CourseTerms, PlanNeed};
use crate::ids::{AgreementId, NeedId, OrganisationId};
use crate::money::Ore;
use crate::registry::term::Term;

/// The most firm seats an instance asks for over all its needs, and the most
/// extra seats: they bound the brute force's search.
pub const MAX_TOTAL_SEATS: i32 = 12;
pub const MAX_TOTAL_EXTRA_SEATS: i32 = 4;

/// A random problem and its first plannable term (VT2027): 1..=8 needs of
/// 1..=4 organisations over 1..=3 plannable terms. Windows sometimes start
/// before the first term (the planner must ignore those terms), and rarely lie
/// wholly before it.
pub fn random_small(seed: u64) -> (CourseProblem, Term) {
    let mut rng = StdRng::seed_from_u64(seed);
    let first_term = Term::parse("VT2027").expect("valid term");
    let terms = rng.random_range(1..=3);
    let organisations = rng.random_range(1..=4);

    // Each agreement belongs to one organisation and has one pooling flag;
    // an organisation may have several agreements.
    let agreements: Vec<(OrganisationId, bool)> = (0..rng.random_range(1..=organisations + 2))
        .map(|_| (OrganisationId(rng.random_range(1..=organisations)), !rng.random_bool(0.2)))
        .collect();

    let min_participants = rng.random_range(1..=8);
    let course = CourseTerms {
        min_participants,
        max_participants: rng.random_range(min_participants..=min_participants + 5),
        fixed_fee: kronor(if rng.random_bool(0.1) { 0 } else { rng.random_range(0..=50_000) }),
        per_participant_fee: kronor(if rng.random_bool(0.1) { 0 } else { rng.random_range(0..=8_000) }),
    };

    let count: usize = rng.random_range(1..=8);
    let mut needs = Vec::new();
    let (mut total_seats, mut total_extra) = (0, 0);
    for index in 0..count {
        let agreement = rng.random_range(0..agreements.len());
        let (organisation_id, pooling) = agreements[agreement];
        let seats = if rng.random_bool(0.15) { rng.random_range(1..=6) } else { rng.random_range(1..=4) };
        // Bound the search, leaving at least one seat for each need to come.
        let seats = seats.min(MAX_TOTAL_SEATS - total_seats - (count - 1 - index) as i32);
        let extra_seats = rng.random_range(0..=2).min(MAX_TOTAL_EXTRA_SEATS - total_extra);
        total_seats += seats;
        total_extra += extra_seats;

        // Offsets from the first term: -2 ..= terms - 1.
        let (earliest, latest) = if rng.random_bool(0.05) {
            (-2, rng.random_range(-2..=-1))
        } else {
            let earliest = if rng.random_bool(0.2) { rng.random_range(-2..=-1) } else { rng.random_range(0..terms) };
            (earliest, rng.random_range(earliest.max(0)..terms))
        };
        needs.push(PlanNeed {
            id: NeedId(index as i64 + 1),
            agreement_id: AgreementId(agreement as i64 + 1),
            organisation_id,
            seats,
            extra_seats,
            earliest: first_term.plus(earliest),
            latest: first_term.plus(latest),
            pooling,
        });
    }
    (CourseProblem { course, needs }, first_term)
}

fn kronor(kr: i64) -> Ore {
    Ore(kr * 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instances_are_deterministic_and_keep_their_bounds() {
        for seed in 0..500 {
            let (problem, first_term) = random_small(seed);
            let (again, _) = random_small(seed);
            assert_eq!(problem.needs, again.needs);
            assert_eq!(problem.course, again.course);
            assert!((1..=8).contains(&problem.needs.len()));
            let course = problem.course;
            assert!(1 <= course.min_participants && course.min_participants <= course.max_participants);
            assert!(problem.needs.iter().map(|n| n.seats).sum::<i32>() <= MAX_TOTAL_SEATS);
            assert!(problem.needs.iter().map(|n| n.extra_seats).sum::<i32>() <= MAX_TOTAL_EXTRA_SEATS);
            for need in &problem.needs {
                assert!(need.seats >= 1 && need.extra_seats >= 0 && need.earliest <= need.latest);
                assert!(need.latest < first_term.plus(3));
                // One agreement, one organisation and one pooling flag.
                for other in problem.needs.iter().filter(|o| o.agreement_id == need.agreement_id) {
                    assert_eq!((other.organisation_id, other.pooling), (need.organisation_id, need.pooling));
                }
            }
        }
    }
}
