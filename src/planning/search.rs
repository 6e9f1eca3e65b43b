//! Exact branch and bound for one component (see docs/planning.md).
//!
//! Every cohort the component could ever form is a *slot*: group g has
//! `slots` of them. A node of the search fixes some decisions:
//!
//! 1. how many cohorts each group opens (open slots must reach the minimum);
//! 2. for a need that would put extra seats in a cohort without firm seats
//!    there: either at least one firm seat there, or no extra seats there;
//! 3. for a need spread over several cohorts: either it is confined to one
//!    named slot, or it is let free and counted as split.
//!
//! With those fixed, everything else is a min-cost flow (needs → slots), whose
//! integral optimum maximises firm seats, then minimises extra seats, then
//! term offsets. That flow ignores the decisions not yet taken, so it ranks
//! at least as well as any plan below the node: a valid bound. A node whose
//! flow breaks no rule is a plan, and is scored exactly. Children of a node
//! split its plans between them without loss, so exhausting the tree (less
//! what the bound prunes) proves the incumbent optimal.

use super::flow::{ArcId, Network};
use super::instance::Instance;
use super::model::Score;

/// What the search found for one component.
#[derive(Debug, Clone)]
pub struct Solution {
    pub score: Score,
    /// `flows[need][slot] = (firm, extra)`, slots numbered group by group.
    pub flows: Vec<Vec<(i64, i64)>>,
    /// For each slot: its group.
    pub slot_group: Vec<usize>,
    pub optimal: bool,
    /// The root bound, for reporting how far from optimal an aborted search may be.
    pub bound: Score,
}

#[derive(Debug, Clone)]
struct Decisions {
    /// Cohorts opened per group; `None` until decided.
    open: Vec<Option<usize>>,
    /// `[need][slot]`: no extra seats of the need in the slot.
    no_extras: Vec<Vec<bool>>,
    /// `[need][slot]`: at least one firm seat of the need in the slot.
    firm_needed: Vec<Vec<bool>>,
    /// The one slot a need may use.
    confined: Vec<Option<usize>>,
    /// Needs allowed to spread, each counted as split.
    free: Vec<bool>,
}

struct Relaxation {
    feasible: bool,
    firm: i64,
    extras: i64,
    term_weight: i64,
    flows: Vec<Vec<(i64, i64)>>,
}

pub struct Search<'a> {
    instance: &'a Instance,
    slot_group: Vec<usize>,
    /// First slot of each group.
    group_start: Vec<usize>,
    best: Option<(Score, Vec<Vec<(i64, i64)>>)>,
    nodes: u64,
    node_limit: u64,
    aborted: bool,
    weights: Weights,
}

struct Weights {
    must: i128,
    firm: i128,
    extra: i128,
}

impl<'a> Search<'a> {
    pub fn new(instance: &'a Instance, node_limit: u64) -> Self {
        let mut slot_group = Vec::new();
        let mut group_start = Vec::new();
        for (g, group) in instance.groups.iter().enumerate() {
            group_start.push(slot_group.len());
            slot_group.extend(std::iter::repeat_n(g, group.slots));
        }
        // Lexicographic weights: each level outweighs everything below it.
        let seats: i128 = instance.needs.iter().map(|n| i128::from(n.seats + n.extras)).sum::<i128>() + 1;
        let term_weight_max = i128::from(instance.max_term_offset() + 1) * seats;
        // Without a per-seat fee extra seats cost nothing, so they must not
        // outrank the earlier-terms criterion either.
        let extra = if instance.course.per_participant_fee.0 == 0 { 0 } else { term_weight_max + 1 };
        let firm = (extra + 1) * seats + term_weight_max + 1;
        let mandatory_units: i128 = instance
            .groups
            .iter()
            .map(|g| i128::from(instance.course.min_participants) * g.slots as i128)
            .sum::<i128>()
            + seats;
        let must = (firm + extra + term_weight_max) * (seats + mandatory_units) + 1;
        Self {
            instance,
            slot_group,
            group_start,
            best: None,
            nodes: 0,
            node_limit,
            aborted: false,
            weights: Weights { must, firm, extra },
        }
    }

    pub fn run(mut self) -> Solution {
        let needs = self.instance.needs.len();
        let slots = self.slot_group.len();
        let root = Decisions {
            open: vec![None; self.instance.groups.len()],
            no_extras: vec![vec![false; slots]; needs],
            firm_needed: vec![vec![false; slots]; needs],
            confined: vec![None; needs],
            free: vec![false; needs],
        };
        // The empty plan is always valid: the search starts from it.
        self.best = Some((Score { neg_firm_seats: 0, total_cost_ore: 0, split_needs: 0, term_weight: 0 }, vec![vec![(0, 0); slots]; needs]));
        let root_relaxation = self.relax(&root);
        let bound = self.bound(&root, &root_relaxation);
        self.explore(root, Some(root_relaxation));
        let (score, flows) = self.best.expect("the empty plan is always there");
        Solution { score, flows, slot_group: self.slot_group, optimal: !self.aborted, bound }
    }

    fn usable(&self, decisions: &Decisions, need: usize, slot: usize) -> bool {
        let group = self.slot_group[slot];
        if !self.instance.needs[need].groups.contains(&group) {
            return false;
        }
        if let Some(only) = decisions.confined[need] {
            if only != slot {
                return false;
            }
        }
        match decisions.open[group] {
            Some(open) => slot - self.group_start[group] < open,
            None => true,
        }
    }

    fn relax(&mut self, decisions: &Decisions) -> Relaxation {
        self.nodes += 1;
        let instance = self.instance;
        let course = &instance.course;
        let needs = instance.needs.len();
        let slots = self.slot_group.len();
        let (source, sink) = (0, 1);
        let firm_node = |i: usize| 2 + i;
        let extra_node = |i: usize| 2 + needs + i;
        let slot_node = |j: usize| 2 + 2 * needs + j;
        let mut net = Network::new(2 + 2 * needs + slots);
        let mut must_arcs: Vec<(ArcId, i64)> = Vec::new();
        let mut infeasible = false;
        let mut firm_arcs: Vec<(usize, usize, ArcId)> = Vec::new();
        let mut extra_arcs: Vec<(usize, usize, ArcId)> = Vec::new();
        let w = &self.weights;
        for (i, need) in instance.needs.iter().enumerate() {
            net.add_arc(source, firm_node(i), need.seats, -w.firm);
            if need.extras > 0 {
                net.add_arc(source, extra_node(i), need.extras, w.extra);
            }
            for j in 0..slots {
                let usable = self.usable(decisions, i, j);
                if decisions.firm_needed[i][j] && !usable {
                    infeasible = true;
                }
                if !usable {
                    continue;
                }
                let offset = i128::from(instance.groups[self.slot_group[j]].term_offset);
                if decisions.firm_needed[i][j] {
                    let arc = net.add_arc(firm_node(i), slot_node(j), 1, offset - w.must);
                    must_arcs.push((arc, 1));
                    firm_arcs.push((i, j, arc));
                    if need.seats > 1 {
                        firm_arcs.push((i, j, net.add_arc(firm_node(i), slot_node(j), need.seats - 1, offset)));
                    }
                } else {
                    firm_arcs.push((i, j, net.add_arc(firm_node(i), slot_node(j), need.seats, offset)));
                }
                if need.extras > 0 && !decisions.no_extras[i][j] {
                    extra_arcs.push((i, j, net.add_arc(extra_node(i), slot_node(j), need.extras, offset)));
                }
            }
        }
        let minimum = i64::from(course.min_participants);
        let maximum = i64::from(course.max_participants);
        for j in 0..slots {
            let group = self.slot_group[j];
            match decisions.open[group] {
                Some(open) if j - self.group_start[group] < open => {
                    let arc = net.add_arc(slot_node(j), sink, minimum, -w.must);
                    must_arcs.push((arc, minimum));
                    if maximum > minimum {
                        net.add_arc(slot_node(j), sink, maximum - minimum, 0);
                    }
                }
                Some(_) => {}
                None => {
                    net.add_arc(slot_node(j), sink, maximum, 0);
                }
            }
        }
        net.minimise_cost(source, sink);
        let feasible = !infeasible && must_arcs.iter().all(|&(arc, cap)| net.flow(arc) == cap);
        let mut flows = vec![vec![(0i64, 0i64); slots]; needs];
        for &(i, j, arc) in &firm_arcs {
            flows[i][j].0 += net.flow(arc);
        }
        for &(i, j, arc) in &extra_arcs {
            flows[i][j].1 += net.flow(arc);
        }
        let mut firm = 0;
        let mut extras = 0;
        let mut term_weight = 0;
        for row in &flows {
            for (j, &(f, x)) in row.iter().enumerate() {
                firm += f;
                extras += x;
                term_weight += (f + x) * i64::from(instance.groups[self.slot_group[j]].term_offset);
            }
        }
        Relaxation { feasible, firm, extras, term_weight, flows }
    }

    /// A score no plan below this node can beat.
    fn bound(&self, decisions: &Decisions, relaxation: &Relaxation) -> Score {
        let course = &self.instance.course;
        let maximum = i64::from(course.max_participants);
        let mut cohorts = 0i64;
        let mut decided_capacity = 0i64;
        for open in decisions.open.iter().flatten() {
            cohorts += *open as i64;
            decided_capacity += *open as i64 * maximum;
        }
        // Firm seats beyond what the decided cohorts hold need more cohorts.
        let overflow = (relaxation.firm - decided_capacity).max(0);
        cohorts += (overflow + maximum - 1) / maximum;
        Score {
            neg_firm_seats: -relaxation.firm,
            total_cost_ore: course.fixed_fee.0 * cohorts
                + course.per_participant_fee.0 * (relaxation.firm + relaxation.extras),
            split_needs: decisions.free.iter().filter(|&&f| f).count() as i64,
            term_weight: relaxation.term_weight,
        }
    }

    fn explore(&mut self, decisions: Decisions, relaxation: Option<Relaxation>) {
        if self.nodes >= self.node_limit {
            self.aborted = true;
            return;
        }
        let relaxation = match relaxation {
            Some(r) => r,
            None => self.relax(&decisions),
        };
        if !relaxation.feasible {
            return;
        }
        let bound = self.bound(&decisions, &relaxation);
        if let Some((best, _)) = &self.best {
            if bound >= *best {
                return;
            }
        }
        for child in self.children(&decisions, &relaxation) {
            self.explore(child, None);
        }
    }

    fn children(&mut self, decisions: &Decisions, relaxation: &Relaxation) -> Vec<Decisions> {
        let instance = self.instance;
        // 1. Cohorts per group, nearest to what the flow suggests first.
        if let Some(group) = decisions.open.iter().position(Option::is_none) {
            let start = self.group_start[group];
            let slots = instance.groups[group].slots;
            let seats: i64 = relaxation.flows.iter().map(|row| row[start..start + slots].iter().map(|(f, x)| f + x).sum::<i64>()).sum();
            let maximum = i64::from(instance.course.max_participants);
            let suggested = (((seats + maximum - 1) / maximum) as usize).min(slots);
            let mut order: Vec<usize> = (0..=slots).collect();
            order.sort_by_key(|&k| (k.abs_diff(suggested), k));
            return order
                .into_iter()
                .map(|k| {
                    let mut child = decisions.clone();
                    child.open[group] = Some(k);
                    child
                })
                .collect();
        }
        // 2. Extra seats in a cohort without firm seats of the same need.
        for (i, row) in relaxation.flows.iter().enumerate() {
            if let Some(j) = row.iter().position(|&(f, x)| x > 0 && f == 0) {
                let mut with_firm = decisions.clone();
                with_firm.firm_needed[i][j] = true;
                let mut without_extras = decisions.clone();
                without_extras.no_extras[i][j] = true;
                return vec![with_firm, without_extras];
            }
        }
        // 3. A need spread over several cohorts.
        for (i, row) in relaxation.flows.iter().enumerate() {
            if decisions.free[i] {
                continue;
            }
            let used = row.iter().filter(|&&(f, x)| f + x > 0).count();
            if used < 2 {
                continue;
            }
            let mut slots: Vec<usize> = (0..row.len()).filter(|&j| self.usable(decisions, i, j)).collect();
            slots.sort_by_key(|&j| std::cmp::Reverse(row[j].0 + row[j].1));
            let mut confined: Vec<Decisions> = slots
                .into_iter()
                .map(|j| {
                    let mut child = decisions.clone();
                    child.confined[i] = Some(j);
                    child
                })
                .collect();
            let mut free = decisions.clone();
            free.free[i] = true;
            // Without a plan in hand, letting it spread finds a good one fastest.
            if self.best.as_ref().is_none_or(|(s, _)| s.firm_seats() == 0) {
                confined.insert(0, free);
            } else {
                confined.push(free);
            }
            return confined;
        }
        // A plan: every rule holds.
        self.offer(decisions, relaxation);
        Vec::new()
    }

    fn offer(&mut self, decisions: &Decisions, relaxation: &Relaxation) {
        let course = &self.instance.course;
        let cohorts: usize = decisions.open.iter().flatten().sum();
        let split_needs =
            relaxation.flows.iter().filter(|row| row.iter().filter(|&&(f, x)| f + x > 0).count() > 1).count() as i64;
        let score = Score {
            neg_firm_seats: -relaxation.firm,
            total_cost_ore: course.fixed_fee.0 * cohorts as i64
                + course.per_participant_fee.0 * (relaxation.firm + relaxation.extras),
            split_needs,
            term_weight: relaxation.term_weight,
        };
        if self.best.as_ref().is_none_or(|(best, _)| score < *best) {
            self.best = Some((score, relaxation.flows.clone()));
        }
    }
}
