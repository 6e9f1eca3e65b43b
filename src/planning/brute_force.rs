//! The optimum of a small planning problem by exhaustive search, to test the
//! planner against. Written to be obviously correct, not fast: it tries every
//! way to put each need's firm and extra seats into cohorts, one need at a
//! time, and assumes nothing about the shape of an optimal plan.
//!
//! These reductions keep it fast enough; each is exact:
//! - States are keyed by the multiset of open cohorts as far as later needs
//!   can tell them apart: (term, size, which organisation if only one, holds a
//!   need that does not pool). Of the partial plans reaching one key only the
//!   best-ranked is kept: a plan's score is the sum of what each need's
//!   placements add to it (firm seats, a new cohort's fixed fee,
//!   per-participant fees, a split, term weight), later needs add the same
//!   whichever partial plan they extend, and adding the same vector to two
//!   scores keeps their lexicographic order.
//! - A cohort that no later need could join leaves the key (and the partial
//!   plan is dropped if the cohort is below the minimum); so is a partial plan
//!   whose cohorts below the minimum need more seats than later needs have.
//! - Interchangeable cohorts (equal in the key, or new in one term) take a
//!   need's seats in one order only.
//!
//! `the_search_agrees_with_naive_enumeration` checks all this against plain
//! enumeration of every plan on tiny problems.

use std::collections::BTreeMap;

use super::model::{self, CourseProblem, Placement, PlanNeed, PlannedCohort, Score};
use super::validate::validate;
use crate::ids::OrganisationId;
use crate::registry::term::Term;

/// The best score of any valid plan for `problem`.
pub fn optimum(problem: &CourseProblem, first_term: Term) -> Score {
    optimum_plan(problem, first_term).0
}

/// The best score of any valid plan for `problem`, and one plan with it.
pub fn optimum_plan(problem: &CourseProblem, first_term: Term) -> (Score, Vec<PlannedCohort>) {
    let search = Search::new(problem, first_term);
    let (score, plan) = search.run();
    // The plan carried along is checked independently of the search.
    assert_eq!(validate(problem, first_term, &plan), Ok(()), "brute force built an invalid plan");
    assert_eq!(model::score(problem, first_term, &plan), score, "brute force mis-scored its plan");
    (score, plan)
}

/// A need as the search sees it: window as term offsets from the first term.
struct Need<'a> {
    need: &'a PlanNeed,
    organisation: u32,
    /// `lo > hi` when no term of the window can be planned.
    lo: u32,
    hi: i64,
}

/// An open cohort as later needs see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Cohort {
    term: u32,
    size: i32,
    /// `1 << i` while only organisation `i` has seats here, else `MIXED`;
    /// that is all `can_join` asks. `ANYONE` once no later need could care:
    /// the cohort holds no need that does not pool, and no later need fails
    /// to pool.
    organisations: u32,
    /// Holds a need that does not pool.
    closed_pool: bool,
}

const MIXED: u32 = 1 << 31;
const ANYONE: u32 = 0;

/// The best partial plan reaching a key.
#[derive(Clone)]
struct Partial {
    score: Score,
    /// Cohorts no later need can join.
    done: Vec<PlannedCohort>,
    /// One per cohort of the key, in the key's order.
    open: Vec<PlannedCohort>,
}

/// `(firm, extra)` seats of one need in one cohort.
type Seats = (i32, i32);
/// A new cohort for one need: `(term offset, firm, extra)`.
type Fresh = (u32, i32, i32);

/// Where one need's seats go: per open cohort (`(0, 0)` for none), and new
/// cohorts.
struct Choice<'c> {
    existing: &'c [Seats],
    fresh: &'c [Fresh],
}

struct Search<'a> {
    problem: &'a CourseProblem,
    first_term: Term,
    needs: Vec<Need<'a>>,
}

impl<'a> Search<'a> {
    fn new(problem: &'a CourseProblem, first_term: Term) -> Self {
        let mut organisations: Vec<OrganisationId> = problem.needs.iter().map(|n| n.organisation_id).collect();
        organisations.sort();
        organisations.dedup();
        assert!(organisations.len() <= 31, "too many organisations for the brute force");
        let mut needs: Vec<Need> = problem
            .needs
            .iter()
            .map(|need| Need {
                need,
                organisation: organisations.binary_search(&need.organisation_id).expect("listed") as u32,
                lo: (need.earliest.ordinal() - first_term.ordinal()).max(0) as u32,
                hi: i64::from(need.latest.ordinal() - first_term.ordinal()),
            })
            .collect();
        // Any order is exact; this one closes early terms' cohorts sooner.
        needs.sort_by_key(|n| (n.lo, n.hi, n.need.id));
        Self { problem, first_term, needs }
    }

    fn run(&self) -> (Score, Vec<PlannedCohort>) {
        let zero = Score { neg_firm_seats: 0, total_cost_ore: 0, split_needs: 0, term_weight: 0 };
        let mut layer: BTreeMap<Vec<Cohort>, Partial> = BTreeMap::new();
        layer.insert(Vec::new(), Partial { score: zero, done: Vec::new(), open: Vec::new() });
        for index in 0..self.needs.len() {
            let mut next: BTreeMap<Vec<Cohort>, Partial> = BTreeMap::new();
            for (key, partial) in &layer {
                self.choices(index, key, &mut |choice| self.apply(index, key, partial, &choice, &mut next));
            }
            layer = next;
        }
        // After the last need every cohort is closed, so one key is left: the
        // empty plan always reaches it.
        assert_eq!(layer.len(), 1);
        let partial = layer.remove(&Vec::new()).expect("the empty key");
        (partial.score, partial.done)
    }

    /// Whether need `need` could add seats to `cohort`.
    fn can_join(&self, need: &Need, cohort: &Cohort) -> bool {
        let max = self.problem.course.max_participants;
        let in_window = need.lo <= cohort.term && i64::from(cohort.term) <= need.hi;
        let alone = cohort.organisations == 1 << need.organisation;
        let pools = alone || (need.need.pooling && !cohort.closed_pool);
        need.need.seats >= 1 && in_window && cohort.size < max && pools
    }

    /// Calls `emit` with every way to place need `index` into the open
    /// cohorts of `key` and new cohorts, including placing nothing.
    fn choices(&self, index: usize, key: &[Cohort], emit: &mut dyn FnMut(Choice)) {
        let need = &self.needs[index];
        let mut existing = Vec::with_capacity(key.len());
        self.existing_choices(
            need,
            key,
            need.need.seats,
            need.need.extra_seats,
            &mut existing,
            &mut |existing, firm, extra| {
                let mut fresh = Vec::new();
                self.fresh_choices(need, need.lo, firm, extra, &mut fresh, &mut |fresh| {
                    emit(Choice { existing, fresh })
                });
            },
        );
    }

    fn existing_choices(
        &self,
        need: &Need,
        key: &[Cohort],
        firm: i32,
        extra: i32,
        chosen: &mut Vec<Seats>,
        emit: &mut dyn FnMut(&[Seats], i32, i32),
    ) {
        let i = chosen.len();
        if i == key.len() {
            emit(chosen, firm, extra);
            return;
        }
        // Identical cohorts are interchangeable: try only non-increasing
        // choices along a run of them.
        let bound = if i > 0 && key[i] == key[i - 1] { chosen[i - 1] } else { (i32::MAX, i32::MAX) };
        chosen.push((0, 0));
        self.existing_choices(need, key, firm, extra, chosen, emit);
        chosen.pop();
        if !self.can_join(need, &key[i]) {
            return;
        }
        let room = self.problem.course.max_participants - key[i].size;
        for a in 1..=firm.min(room) {
            for b in 0..=extra.min(room - a) {
                if (a, b) > bound {
                    continue;
                }
                chosen.push((a, b));
                self.existing_choices(need, key, firm - a, extra - b, chosen, emit);
                chosen.pop();
            }
        }
    }

    /// New cohorts in terms `term..` of the window, non-increasing within a
    /// term (new cohorts of one term are interchangeable).
    fn fresh_choices(
        &self,
        need: &Need,
        term: u32,
        firm: i32,
        extra: i32,
        chosen: &mut Vec<Fresh>,
        emit: &mut dyn FnMut(&[Fresh]),
    ) {
        if i64::from(term) > need.hi || firm == 0 {
            emit(chosen);
            return;
        }
        // No (more) new cohorts in this term.
        self.fresh_choices(need, term + 1, firm, extra, chosen, emit);
        let bound = match chosen.last() {
            Some(&(t, a, b)) if t == term => (a, b),
            _ => (i32::MAX, i32::MAX),
        };
        let max = self.problem.course.max_participants;
        for a in 1..=firm.min(max) {
            for b in 0..=extra.min(max - a) {
                if (a, b) > bound {
                    continue;
                }
                chosen.push((term, a, b));
                self.fresh_choices(need, term, firm - a, extra - b, chosen, emit);
                chosen.pop();
            }
        }
    }

    /// Adds the partial plan `partial` extended by `choice` to `next`.
    fn apply(
        &self,
        index: usize,
        key: &[Cohort],
        partial: &Partial,
        choice: &Choice,
        next: &mut BTreeMap<Vec<Cohort>, Partial>,
    ) {
        let need = &self.needs[index];
        let course = &self.problem.course;
        let mut score = partial.score;
        let mut cohorts_used = 0;
        let bit = 1 << need.organisation;
        let closed = !need.need.pooling;

        // Every cohort after this need, with where it came from.
        enum From {
            Open(usize),
            Fresh(usize),
        }
        let mut cohorts: Vec<(Cohort, From)> = Vec::with_capacity(key.len() + choice.fresh.len());
        for (i, (&cohort, &(a, b))) in key.iter().zip(choice.existing).enumerate() {
            let mut cohort = cohort;
            if a > 0 {
                cohorts_used += 1;
                score.neg_firm_seats -= i64::from(a);
                score.total_cost_ore += course.per_participant_fee.0 * i64::from(a + b);
                score.term_weight += i64::from(cohort.term) * i64::from(a + b);
                cohort.size += a + b;
                if cohort.organisations != bit {
                    cohort.organisations = MIXED;
                }
                cohort.closed_pool |= closed;
            }
            cohorts.push((cohort, From::Open(i)));
        }
        for (j, &(term, a, b)) in choice.fresh.iter().enumerate() {
            cohorts_used += 1;
            score.neg_firm_seats -= i64::from(a);
            score.total_cost_ore += course.fixed_fee.0 + course.per_participant_fee.0 * i64::from(a + b);
            score.term_weight += i64::from(term) * i64::from(a + b);
            let cohort = Cohort { term, size: a + b, organisations: bit, closed_pool: closed };
            cohorts.push((cohort, From::Fresh(j)));
        }
        if cohorts_used > 1 {
            score.split_needs += 1;
        }

        // Close the cohorts no later need can join.
        let later = &self.needs[index + 1..];
        let mut still_open = Vec::with_capacity(cohorts.len());
        let mut closing = Vec::new();
        let mut shortfall = 0;
        let all_pool = later.iter().all(|n| n.need.pooling);
        for (mut cohort, from) in cohorts {
            if all_pool && !cohort.closed_pool {
                cohort.organisations = ANYONE;
            }
            // All the seats later needs could still add: if even they leave
            // the cohort below the minimum, no completion is valid.
            let supply: i32 =
                later.iter().filter(|n| self.can_join(n, &cohort)).map(|n| n.need.seats + n.need.extra_seats).sum();
            if cohort.size + supply < course.min_participants {
                return;
            }
            shortfall += (course.min_participants - cohort.size).max(0);
            if supply > 0 {
                still_open.push((cohort, from));
            } else {
                closing.push(from);
            }
        }
        // Each later seat can fill only one cohort's shortfall.
        if shortfall > later.iter().map(|n| n.need.seats + n.need.extra_seats).sum() {
            return;
        }
        still_open.sort_by_key(|(cohort, _)| *cohort);
        let new_key: Vec<Cohort> = still_open.iter().map(|(cohort, _)| *cohort).collect();
        if next.get(&new_key).is_some_and(|best| best.score <= score) {
            return;
        }

        // Only now build the plan: most extensions are not kept.
        let cohort_of = |from: &From| -> PlannedCohort {
            match *from {
                From::Open(i) => {
                    let mut cohort = partial.open[i].clone();
                    let (a, b) = choice.existing[i];
                    if a > 0 {
                        cohort.placements.push(Placement { need_id: need.need.id, seats: a, extra_seats: b });
                    }
                    cohort
                }
                From::Fresh(j) => {
                    let (term, a, b) = choice.fresh[j];
                    PlannedCohort {
                        term: self.first_term.plus(term as i32),
                        placements: vec![Placement { need_id: need.need.id, seats: a, extra_seats: b }],
                    }
                }
            }
        };
        let mut done = partial.done.clone();
        done.extend(closing.iter().map(cohort_of));
        let open = still_open.iter().map(|(_, from)| cohort_of(from)).collect();
        next.insert(new_key, Partial { score, done, open });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{AgreementId, NeedId};
    use crate::money::Ore;
    use crate::planning::model::CourseTerms;
    use crate::planning::test_instances::random_small;

    const FIXED: i64 = 2_000_000;
    const FEE: i64 = 300_000;

    fn term(code: &str) -> Term {
        Term::parse(code).unwrap()
    }

    fn course(min: i32, max: i32) -> CourseTerms {
        CourseTerms {
            min_participants: min,
            max_participants: max,
            fixed_fee: Ore(FIXED),
            per_participant_fee: Ore(FEE),
        }
    }

    /// Need `id` of organisation `org` (its own agreement).
    fn need(id: i64, org: i64, seats: i32, extra_seats: i32, window: (&str, &str), pooling: bool) -> PlanNeed {
        PlanNeed {
            id: NeedId(id),
            agreement_id: AgreementId(id),
            organisation_id: OrganisationId(org),
            seats,
            extra_seats,
            earliest: term(window.0),
            latest: term(window.1),
            pooling,
        }
    }

    const VT: (&str, &str) = ("VT2027", "VT2027");
    const HT: (&str, &str) = ("HT2027", "HT2027");
    const BOTH: (&str, &str) = ("VT2027", "HT2027");

    fn solve(course: CourseTerms, needs: Vec<PlanNeed>) -> Score {
        optimum(&CourseProblem { course, needs }, term("VT2027"))
    }

    fn score(firm: i64, cost: i64, split: i64, term_weight: i64) -> Score {
        Score { neg_firm_seats: -firm, total_cost_ore: cost, split_needs: split, term_weight }
    }

    #[test]
    fn nothing_to_plan_gives_the_empty_plan() {
        assert_eq!(solve(course(1, 5), vec![]), score(0, 0, 0, 0));
    }

    #[test]
    fn two_organisations_pool_into_one_cohort() {
        // 3 + 3 seats, min 5: neither alone, together one cohort of 6.
        let needs = vec![need(1, 1, 3, 0, VT, true), need(2, 2, 3, 0, VT, true)];
        assert_eq!(solve(course(5, 8), needs), score(6, FIXED + 6 * FEE, 0, 0));
    }

    #[test]
    fn extra_seats_reach_the_minimum() {
        // 1 firm + 4 extra, min 5: one cohort of 5, all paid.
        let needs = vec![need(1, 1, 1, 4, VT, true)];
        assert_eq!(solve(course(5, 8), needs), score(1, FIXED + 5 * FEE, 0, 0));
    }

    #[test]
    fn an_organisation_that_does_not_pool_cannot_join() {
        // Pooled, 2 + 4 would make one cohort of 6. Need 1 does not pool: need
        // 2 runs alone with 4, need 1's 2 seats stay below the minimum.
        let needs = vec![need(1, 1, 2, 0, VT, false), need(2, 2, 4, 0, VT, true)];
        assert_eq!(solve(course(4, 8), needs.clone()), score(4, FIXED + 4 * FEE, 0, 0));
        let mut pooled = needs;
        pooled[0].pooling = true;
        assert_eq!(solve(course(4, 8), pooled), score(6, FIXED + 6 * FEE, 0, 0));
    }

    #[test]
    fn an_organisation_that_does_not_pool_may_combine_its_own_needs() {
        // Two needs of organisation 1 (2 + 2), one not pooling: one cohort of 4.
        let needs = vec![need(1, 1, 2, 0, VT, false), need(2, 1, 2, 0, VT, true), need(3, 2, 1, 0, VT, true)];
        assert_eq!(solve(course(4, 8), needs), score(4, FIXED + 4 * FEE, 0, 0));
    }

    #[test]
    fn extra_seats_only_beside_firm_seats() {
        // Need 1 (1 firm + 2 extra, either term) can complete only the cohort
        // holding its firm seat: VT 3 + 1 or HT 3 + 1, never both. Both hold 4
        // firm seats at one cohort's cost; VT is earlier.
        let needs = vec![need(1, 1, 1, 2, BOTH, true), need(2, 2, 3, 0, VT, true), need(3, 3, 3, 0, HT, true)];
        assert_eq!(solve(course(4, 8), needs), score(4, FIXED + 4 * FEE, 0, 0));
    }

    #[test]
    fn a_need_splits_over_two_terms() {
        // Need 1 (2 firm) gives one seat to each of VT 3 + 1 and HT 3 + 1:
        // 8 firm seats, two cohorts, need 1 split, HT's 4 one term late.
        let needs = vec![need(1, 1, 2, 0, BOTH, true), need(2, 2, 3, 0, VT, true), need(3, 3, 3, 0, HT, true)];
        assert_eq!(solve(course(4, 8), needs), score(8, 2 * FIXED + 8 * FEE, 1, 4));
    }

    #[test]
    fn extra_seats_in_two_terms() {
        // Need 1 (2 firm + 2 extra): VT 2 + 1 + 1 and HT 2 + 1 + 1 place all
        // 6 firm seats; without extras only one cohort (2 + 2) could run.
        let needs = vec![need(1, 1, 2, 2, BOTH, true), need(2, 2, 2, 0, VT, true), need(3, 3, 2, 0, HT, true)];
        assert_eq!(solve(course(4, 8), needs.clone()), score(6, 2 * FIXED + 8 * FEE, 1, 4));
        let mut one_extra = needs;
        one_extra[0].extra_seats = 1;
        // VT 2 + 2 (need 1 whole, tie broken by the earlier term) or HT alike.
        assert_eq!(solve(course(4, 8), one_extra), score(4, FIXED + 4 * FEE, 0, 0));
    }

    #[test]
    fn two_cohorts_in_one_term_when_one_is_full() {
        // 5 seats, max 3: cohorts of 3 and 2 in VT.
        let needs = vec![need(1, 1, 5, 0, VT, true)];
        assert_eq!(solve(course(2, 3), needs), score(5, 2 * FIXED + 5 * FEE, 1, 0));
    }

    #[test]
    fn terms_that_have_begun_are_not_planned() {
        // Need 1's window starts HT2026: only VT2027 is open. Need 2's window
        // lies wholly before VT2027.
        let needs = vec![need(1, 1, 3, 0, ("HT2026", "VT2027"), true), need(2, 2, 3, 0, ("VT2026", "HT2026"), true)];
        assert_eq!(solve(course(3, 8), needs), score(3, FIXED + 3 * FEE, 0, 0));
        let late = vec![need(2, 2, 3, 0, ("VT2026", "HT2026"), true)];
        assert_eq!(solve(course(1, 8), late), score(0, 0, 0, 0));
    }

    #[test]
    fn cost_before_splits() {
        // 4 + 2 seats, min 3, max 4, need 2 with one extra: (4) and (2 + 1)
        // split nothing but pay 7 seats; (3) and (1 + 2) split need 1 and pay 6.
        let needs = vec![need(1, 1, 4, 2, VT, true), need(2, 2, 2, 1, VT, true)];
        assert_eq!(solve(course(3, 4), needs), score(6, 2 * FIXED + 6 * FEE, 1, 0));
        // 3 + 3 seats, min 2, max 4: (3) and (3), or (3 + 1) and (2) at the
        // same cost: the first splits nothing.
        let needs = vec![need(1, 1, 3, 0, VT, true), need(2, 2, 3, 0, VT, true)];
        assert_eq!(solve(course(2, 4), needs), score(6, 2 * FIXED + 6 * FEE, 0, 0));
    }

    #[test]
    fn firm_seats_before_cost() {
        // 6 seats, min 3, max 4: one cohort of 4 would be cheaper, but two
        // cohorts (3 + 3 or 4 + 2 — 4 + 2 breaks the minimum) place all 6.
        let needs = vec![need(1, 1, 6, 0, VT, true)];
        assert_eq!(solve(course(3, 4), needs), score(6, 2 * FIXED + 6 * FEE, 1, 0));
        // Need 1 (4 seats, either term) alone in VT, or 2 + 2 beside needs 2
        // and 3 (2 seats each) in VT and HT: the latter places 8.
        let needs = vec![need(1, 1, 4, 0, BOTH, true), need(2, 2, 2, 0, VT, true), need(3, 3, 2, 0, HT, true)];
        assert_eq!(solve(course(4, 8), needs), score(8, 2 * FIXED + 8 * FEE, 1, 4));
    }

    /// Every plan, with no memo: each need's seats go to any subset of the
    /// cohorts so far and to new cohorts; `validate` and `model::score` judge
    /// the finished plans. Only for tiny problems.
    fn naive_optimum(problem: &CourseProblem, first_term: Term) -> Score {
        fn go(
            problem: &CourseProblem,
            first_term: Term,
            index: usize,
            plan: &mut Vec<PlannedCohort>,
            best: &mut Score,
        ) {
            let Some(need) = problem.needs.get(index) else {
                if validate(problem, first_term, plan).is_ok() {
                    *best = (*best).min(model::score(problem, first_term, plan));
                }
                return;
            };
            let last = problem.needs.iter().map(|n| n.latest).max().unwrap();
            let terms: Vec<Term> = Term::range(first_term, last).collect();
            place(problem, first_term, index, need, &terms, 0, need.seats, need.extra_seats, plan, best);
        }
        #[allow(clippy::too_many_arguments)]
        fn place(
            problem: &CourseProblem,
            first_term: Term,
            index: usize,
            need: &PlanNeed,
            terms: &[Term],
            cohort: usize,
            firm: i32,
            extra: i32,
            plan: &mut Vec<PlannedCohort>,
            best: &mut Score,
        ) {
            // Cuts only plans `validate` refuses: more seats never mend a
            // cohort outside a window or above the maximum.
            let max = i64::from(problem.course.max_participants);
            let fits = |term: Term, size: i64| need.earliest <= term && term <= need.latest && size <= max;
            // Existing cohorts one by one (this need's new cohorts too), then
            // possibly one more new cohort in any term.
            if cohort < plan.len() {
                place(problem, first_term, index, need, terms, cohort + 1, firm, extra, plan, best);
                if plan[cohort].placements.iter().any(|p| p.need_id == need.id) {
                    return;
                }
                for a in 1..=firm {
                    for b in 0..=extra {
                        if !fits(plan[cohort].term, plan[cohort].size() + i64::from(a + b)) {
                            continue;
                        }
                        plan[cohort].placements.push(Placement { need_id: need.id, seats: a, extra_seats: b });
                        place(problem, first_term, index, need, terms, cohort + 1, firm - a, extra - b, plan, best);
                        plan[cohort].placements.pop();
                    }
                }
                return;
            }
            go(problem, first_term, index + 1, plan, best);
            for &term in terms {
                for a in 1..=firm {
                    for b in 0..=extra {
                        if !fits(term, i64::from(a + b)) {
                            continue;
                        }
                        let placement = Placement { need_id: need.id, seats: a, extra_seats: b };
                        plan.push(PlannedCohort { term, placements: vec![placement] });
                        place(problem, first_term, index, need, terms, plan.len(), firm - a, extra - b, plan, best);
                        plan.pop();
                    }
                }
            }
        }
        let mut best = Score { neg_firm_seats: 0, total_cost_ore: 0, split_needs: 0, term_weight: 0 };
        go(problem, first_term, 0, &mut Vec::new(), &mut best);
        best
    }

    /// A random instance cut down so that `naive_optimum` can finish.
    fn tiny(seed: u64) -> (CourseProblem, Term) {
        let (mut problem, first_term) = random_small(seed);
        problem.needs.truncate(4);
        // At most 8 firm and extra seats in all, at least one for each need.
        let count = problem.needs.len() as i32;
        let mut left = 8;
        for (index, need) in problem.needs.iter_mut().enumerate() {
            let keep = count - 1 - index as i32;
            need.seats = need.seats.min(3).min(left - keep);
            left -= need.seats;
            need.extra_seats = need.extra_seats.min(2).min(left - keep);
            left -= need.extra_seats;
        }
        problem.course.min_participants = problem.course.min_participants.min(5);
        problem.course.max_participants = problem.course.max_participants.min(6);
        (problem, first_term)
    }

    #[test]
    fn the_search_agrees_with_naive_enumeration() {
        for seed in 0..250 {
            let (problem, first_term) = tiny(seed);
            assert_eq!(optimum(&problem, first_term), naive_optimum(&problem, first_term), "seed {seed}: {problem:?}");
        }
    }

    #[test]
    fn random_instances_are_solved() {
        let started = std::time::Instant::now();
        let mut placed = 0;
        for seed in 0..1_000 {
            let (problem, first_term) = random_small(seed);
            // optimum_plan checks its own plan with validate and model::score.
            let (score, _) = optimum_plan(&problem, first_term);
            placed += score.firm_seats();
        }
        assert!(placed > 0);
        eprintln!("1000 random instances in {:?}", started.elapsed());
    }
}
