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
//! With those fixed, everything else is a min-cost flow (needs → slots, or
//! → one column for a group not yet decided), whose integral optimum
//! maximises firm seats, then minimises cost (extra seats, and fixed_fee / max
//! per seat in an undecided group), then term offsets. That flow ignores the
//! decisions not yet taken, so it ranks at least as well as any plan below
//! the node: a valid bound. A node whose flow breaks no rule is a plan, and
//! is scored exactly. Children of a node split its plans between them without
//! loss, so exhausting the tree (less what the bound prunes) proves the
//! incumbent optimal. Phase one compares only firm seats and cost and never
//! branches on split needs; phase two searches the tie-breaks as well.

use super::flow::{ArcId, Network};
use super::instance::Instance;
use super::model::Score;

/// How many search nodes each phase may use on one component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Proving the most firm seats at the lowest cost.
    pub seats_and_cost: u64,
    /// Then proving the fewest split needs and the earliest terms.
    pub tie_breaks: u64,
}

/// What the search found for one component.
#[derive(Debug, Clone)]
pub struct Solution {
    pub score: Score,
    /// `flows[need][column] = (firm, extra)`.
    pub flows: Vec<Vec<(i64, i64)>>,
    /// For each column of `flows`: its group (each column is one cohort).
    pub column_group: Vec<usize>,
    /// Search nodes used.
    pub nodes: u64,
    pub optimal: bool,
    /// Whether the firm seats and the cost are proven best (the first two
    /// criteria), even if the tie-breaks are not.
    pub seats_and_cost_optimal: bool,
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

/// A node of the flow network between needs and the sink: one cohort slot
/// of a group whose cohorts are counted, or a whole group still undecided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Column {
    group: usize,
    /// Global slot number; `None` for an undecided group.
    slot: Option<usize>,
}

/// The best plan found so far: its score, flows and columns.
type Incumbent = (Score, Vec<Vec<(i64, i64)>>, Vec<Column>);

struct Relaxation {
    feasible: bool,
    columns: Vec<Column>,
    firm: i64,
    extras: i64,
    term_weight: i64,
    /// Seats sent to groups whose cohorts are not yet counted.
    undecided_seats: i64,
    flows: Vec<Vec<(i64, i64)>>,
}

pub struct Search<'a> {
    instance: &'a Instance,
    slot_group: Vec<usize>,
    /// First slot of each group.
    group_start: Vec<usize>,
    best: Option<Incumbent>,
    nodes: u64,
    /// The node count at which the current phase stops.
    node_limit: u64,
    limits: Limits,
    /// Phase two: the split count and term weight are searched too.
    tie_breaks: bool,
    aborted: bool,
    weights: Weights,
}

struct Weights {
    must: i128,
    firm: i128,
    extra: i128,
    /// Per seat sent to a group whose cohorts are not yet counted: the
    /// linear relaxation of its fixed fee, fixed_fee / max per seat.
    undecided_seat: i128,
}

impl<'a> Search<'a> {
    pub fn new(instance: &'a Instance, limits: Limits) -> Self {
        let mut slot_group = Vec::new();
        let mut group_start = Vec::new();
        for (g, group) in instance.groups.iter().enumerate() {
            group_start.push(slot_group.len());
            slot_group.extend(std::iter::repeat_n(g, group.slots));
        }
        // Lexicographic weights: each level outweighs everything below it.
        let seats: i128 = instance.needs.iter().map(|n| i128::from(n.seats + n.extras)).sum::<i128>() + 1;
        let term_weight_max = i128::from(instance.max_term_offset() + 1) * seats;
        // The cost level is counted in 1/max öre so that a seat in an
        // undecided group can carry fixed_fee/max exactly; each unit of it
        // outweighs all term offsets together.
        let cost_unit = term_weight_max + 1;
        let maximum = i128::from(instance.course.max_participants);
        let extra = i128::from(instance.course.per_participant_fee.0) * maximum * cost_unit;
        let undecided_seat = i128::from(instance.course.fixed_fee.0) * cost_unit;
        let firm = (extra + undecided_seat + 1) * seats + term_weight_max + 1;
        let mandatory_units: i128 = instance
            .groups
            .iter()
            .map(|g| i128::from(instance.course.min_participants) * g.slots as i128)
            .sum::<i128>()
            + seats;
        let must = (firm + extra + undecided_seat + term_weight_max) * (seats + mandatory_units) + 1;
        Self {
            instance,
            slot_group,
            group_start,
            best: None,
            nodes: 0,
            node_limit: limits.seats_and_cost,
            limits,
            tie_breaks: false,
            aborted: false,
            weights: Weights { must, firm, extra, undecided_seat },
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
        self.best = Some((Score::default(), vec![Vec::new(); needs], Vec::new()));
        let root_relaxation = self.relax(&root);
        let bound = self.bound(&root, &root_relaxation);
        // Phase one proves the most firm seats at the lowest cost, without
        // branching on split needs; phase two starts from its plan and also
        // proves the split count and term weight.
        self.explore(root.clone(), Some(root_relaxation));
        let seats_and_cost_optimal = !self.aborted;
        let mut optimal = false;
        if seats_and_cost_optimal {
            self.tie_breaks = true;
            self.node_limit = self.nodes + self.limits.tie_breaks;
            self.explore(root, None);
            optimal = !self.aborted;
        }
        let (score, flows, columns) = self.best.expect("the empty plan is always there");
        let column_group = columns.iter().map(|c| c.group).collect();
        Solution { score, flows, column_group, nodes: self.nodes, optimal, seats_and_cost_optimal, bound }
    }

    /// Whether need `need` may send seats to slot `slot` (all groups decided).
    fn usable(&self, decisions: &Decisions, need: usize, slot: usize) -> bool {
        let group = self.slot_group[slot];
        if !self.instance.needs[need].groups.contains(&group) {
            return false;
        }
        if decisions.confined[need].is_some_and(|only| only != slot) {
            return false;
        }
        decisions.open[group].is_none_or(|open| slot - self.group_start[group] < open)
    }

    /// The network's columns under `decisions`: an undecided group is one
    /// column (its slots are alike, so one node bounds them all); a decided
    /// group has one column per open cohort.
    fn columns(&self, decisions: &Decisions) -> Vec<Column> {
        let mut columns = Vec::new();
        for (group, open) in decisions.open.iter().enumerate() {
            match open {
                None => columns.push(Column { group, slot: None }),
                Some(open) => {
                    columns.extend((0..*open).map(|i| Column { group, slot: Some(self.group_start[group] + i) }))
                }
            }
        }
        columns
    }

    fn relax(&mut self, decisions: &Decisions) -> Relaxation {
        self.nodes += 1;
        let instance = self.instance;
        let course = &instance.course;
        let needs = instance.needs.len();
        let columns = self.columns(decisions);
        let (source, sink) = (0, 1);
        let firm_node = |i: usize| 2 + i;
        let extra_node = |i: usize| 2 + needs + i;
        let column_node = |c: usize| 2 + 2 * needs + c;
        let mut net = Network::new(2 + 2 * needs + columns.len());
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
            for (c, column) in columns.iter().enumerate() {
                if !need.groups.contains(&column.group) {
                    continue;
                }
                let offset = i128::from(instance.groups[column.group].term_offset);
                let Some(slot) = column.slot else {
                    let cost = offset + w.undecided_seat;
                    firm_arcs.push((i, c, net.add_arc(firm_node(i), column_node(c), need.seats, cost)));
                    if need.extras > 0 {
                        extra_arcs.push((i, c, net.add_arc(extra_node(i), column_node(c), need.extras, cost)));
                    }
                    continue;
                };
                let usable = self.usable(decisions, i, slot);
                if decisions.firm_needed[i][slot] && !usable {
                    infeasible = true;
                }
                if !usable {
                    continue;
                }
                if decisions.firm_needed[i][slot] {
                    let arc = net.add_arc(firm_node(i), column_node(c), 1, offset - w.must);
                    must_arcs.push((arc, 1));
                    firm_arcs.push((i, c, arc));
                    if need.seats > 1 {
                        firm_arcs.push((i, c, net.add_arc(firm_node(i), column_node(c), need.seats - 1, offset)));
                    }
                } else {
                    firm_arcs.push((i, c, net.add_arc(firm_node(i), column_node(c), need.seats, offset)));
                }
                if need.extras > 0 && !decisions.no_extras[i][slot] {
                    extra_arcs.push((i, c, net.add_arc(extra_node(i), column_node(c), need.extras, offset)));
                }
            }
        }
        let minimum = i64::from(course.min_participants);
        let maximum = i64::from(course.max_participants);
        for (c, column) in columns.iter().enumerate() {
            if column.slot.is_some() {
                let arc = net.add_arc(column_node(c), sink, minimum, -w.must);
                must_arcs.push((arc, minimum));
                if maximum > minimum {
                    net.add_arc(column_node(c), sink, maximum - minimum, 0);
                }
            } else {
                let slots = instance.groups[column.group].slots as i64;
                net.add_arc(column_node(c), sink, maximum * slots, 0);
            }
        }
        net.minimise_cost(source, sink);
        let feasible = !infeasible && must_arcs.iter().all(|&(arc, cap)| net.flow(arc) == cap);
        let mut flows = vec![vec![(0i64, 0i64); columns.len()]; needs];
        for &(i, c, arc) in &firm_arcs {
            flows[i][c].0 += net.flow(arc);
        }
        for &(i, c, arc) in &extra_arcs {
            flows[i][c].1 += net.flow(arc);
        }
        let mut firm = 0;
        let mut extras = 0;
        let mut term_weight = 0;
        let mut undecided_seats = 0;
        for row in &flows {
            for (c, &(f, x)) in row.iter().enumerate() {
                firm += f;
                extras += x;
                term_weight += (f + x) * i64::from(instance.groups[columns[c].group].term_offset);
                if columns[c].slot.is_none() {
                    undecided_seats += f + x;
                }
            }
        }
        Relaxation { feasible, columns, firm, extras, term_weight, undecided_seats, flows }
    }

    /// A score no plan below this node can beat.
    ///
    /// The flow minimised the linear relaxation of the cost: decided
    /// cohorts' fees, plus fixed_fee / max for each seat in an undecided
    /// group (a group holding y seats opens at least y / max cohorts).
    fn bound(&self, decisions: &Decisions, relaxation: &Relaxation) -> Score {
        let course = &self.instance.course;
        let maximum = i64::from(course.max_participants);
        let mut bound = self.cheap_bound(decisions, relaxation.firm);
        let decided: i64 = decisions.open.iter().flatten().map(|&k| k as i64).sum();
        let spread = course.fixed_fee.0 * relaxation.undecided_seats;
        let relaxed = course.fixed_fee.0 * decided
            + (spread + maximum - 1) / maximum
            + course.per_participant_fee.0 * (relaxation.firm + relaxation.extras);
        bound.total_cost_ore = bound.total_cost_ore.max(relaxed);
        // Only a plan that costs exactly the relaxed optimum is bound to the
        // flow's term offsets; with a rounded-up cost, or a cost bound from
        // elsewhere, nothing is known about them.
        if spread % maximum == 0 && bound.total_cost_ore == relaxed {
            bound.term_weight = relaxation.term_weight;
        }
        bound
    }

    /// A bound for plans with `firm` firm seats at most, needing no flow:
    /// any such plan with as many firm seats opens the decided cohorts, and
    /// more for the seats they cannot hold.
    fn cheap_bound(&self, decisions: &Decisions, firm: i64) -> Score {
        let course = &self.instance.course;
        let maximum = i64::from(course.max_participants);
        let mut cohorts = 0i64;
        let mut decided_capacity = 0i64;
        for open in decisions.open.iter().flatten() {
            cohorts += *open as i64;
            decided_capacity += *open as i64 * maximum;
        }
        let undecided_seats = (firm - decided_capacity).max(0);
        cohorts += (undecided_seats + maximum - 1) / maximum;
        Score {
            neg_firm_seats: -firm,
            total_cost_ore: course.fixed_fee.0 * cohorts + course.per_participant_fee.0 * firm,
            split_needs: decisions.free.iter().filter(|&&f| f).count() as i64,
            term_weight: 0,
        }
    }

    /// Whether a child can be dropped before its flow is solved.
    fn beaten_before_solving(&self, child: &Decisions, parent_firm: i64) -> bool {
        self.best
            .as_ref()
            .is_some_and(|(best, _, _)| self.ranked(&self.cheap_bound(child, parent_firm)) >= self.ranked(best))
    }

    /// What is compared in the current phase: in phase one only firm seats
    /// and cost, so the first plan that reaches the bound on those ends it.
    fn ranked(&self, score: &Score) -> Score {
        if self.tie_breaks { *score } else { Score { split_needs: 0, term_weight: 0, ..*score } }
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
        if self.best.as_ref().is_some_and(|(best, _, _)| self.ranked(&bound) >= self.ranked(best)) {
            return;
        }
        for child in self.children(&decisions, &relaxation) {
            if !self.beaten_before_solving(&child, relaxation.firm) {
                self.explore(child, None);
            }
        }
    }

    fn children(&mut self, decisions: &Decisions, relaxation: &Relaxation) -> Vec<Decisions> {
        let instance = self.instance;
        // 1. Cohorts per group, nearest to what the flow suggests first.
        if let Some(group) = decisions.open.iter().position(Option::is_none) {
            let column =
                relaxation.columns.iter().position(|c| c.group == group).expect("an undecided group has a column");
            let seats: i64 = relaxation.flows.iter().map(|row| row[column].0 + row[column].1).sum();
            let maximum = i64::from(instance.course.max_participants);
            let slots = instance.groups[group].slots;
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
        // From here every column is one slot.
        let slot_of = |c: usize| relaxation.columns[c].slot.expect("all groups are decided");
        // 2. Extra seats in a cohort without firm seats of the same need.
        for (i, row) in relaxation.flows.iter().enumerate() {
            if let Some(c) = row.iter().position(|&(f, x)| x > 0 && f == 0) {
                let mut with_firm = decisions.clone();
                with_firm.firm_needed[i][slot_of(c)] = true;
                let mut without_extras = decisions.clone();
                without_extras.no_extras[i][slot_of(c)] = true;
                return vec![with_firm, without_extras];
            }
        }
        // 3. A need spread over several cohorts. First, a cheap try at a
        // plan without the spread, to have a good incumbent to prune with.
        self.offer_gathered(relaxation);
        if !self.tie_breaks {
            self.offer(decisions, relaxation);
            return Vec::new();
        }
        for (i, row) in relaxation.flows.iter().enumerate() {
            if decisions.free[i] || row.iter().filter(|&&(f, x)| f + x > 0).count() < 2 {
                continue;
            }
            let mut columns: Vec<usize> = (0..row.len()).filter(|&c| self.usable(decisions, i, slot_of(c))).collect();
            columns.sort_by_key(|&c| std::cmp::Reverse(row[c].0 + row[c].1));
            // Slots of one group that no decision names are interchangeable:
            // confining to the first of them stands for all.
            let mut seen_pristine: Vec<usize> = Vec::new();
            let mut confined: Vec<Decisions> = Vec::new();
            for c in columns {
                let slot = slot_of(c);
                if self.pristine(decisions, slot) {
                    let group = self.slot_group[slot];
                    if seen_pristine.contains(&group) {
                        continue;
                    }
                    seen_pristine.push(group);
                }
                let mut child = decisions.clone();
                child.confined[i] = Some(slot);
                confined.push(child);
            }
            let mut free = decisions.clone();
            free.free[i] = true;
            // Without a plan in hand, letting it spread finds a good one fastest.
            if self.best.as_ref().is_none_or(|(s, _, _)| s.firm_seats() == 0) {
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

    /// Moves each spread need wholly into one of its cohorts where sizes
    /// allow, and offers the result if it is a plan. Only a heuristic for
    /// the incumbent: the search stays exact whatever it finds.
    fn offer_gathered(&mut self, relaxation: &Relaxation) {
        let course = &self.instance.course;
        let (minimum, maximum) = (i64::from(course.min_participants), i64::from(course.max_participants));
        let mut flows = relaxation.flows.clone();
        let mut sizes = vec![0i64; relaxation.columns.len()];
        for row in &flows {
            for (c, (f, x)) in row.iter().enumerate() {
                sizes[c] += f + x;
            }
        }
        for row in flows.iter_mut() {
            let used: Vec<usize> = (0..row.len()).filter(|&c| row[c].0 + row[c].1 > 0).collect();
            if used.len() < 2 {
                continue;
            }
            let (firm, extra) = used.iter().fold((0, 0), |(f, x), &c| (f + row[c].0, x + row[c].1));
            let mut targets = used.clone();
            targets.sort_by_key(|&c| std::cmp::Reverse(row[c].0 + row[c].1));
            let fits = |to: usize| {
                sizes[to] - (row[to].0 + row[to].1) + firm + extra <= maximum
                    && used.iter().all(|&c| c == to || sizes[c] - (row[c].0 + row[c].1) >= minimum)
            };
            if let Some(&to) = targets.iter().find(|&&to| fits(to)) {
                for &c in &used {
                    sizes[c] -= row[c].0 + row[c].1;
                    row[c] = (0, 0);
                }
                row[to] = (firm, extra);
                sizes[to] += firm + extra;
            }
        }
        let mut gathered = Relaxation {
            feasible: true,
            columns: relaxation.columns.clone(),
            firm: relaxation.firm,
            extras: relaxation.extras,
            term_weight: 0,
            undecided_seats: 0,
            flows,
        };
        for row in &gathered.flows {
            for (c, (f, x)) in row.iter().enumerate() {
                gathered.term_weight +=
                    (f + x) * i64::from(self.instance.groups[gathered.columns[c].group].term_offset);
            }
        }
        let decided: Vec<Option<usize>> = self
            .instance
            .groups
            .iter()
            .enumerate()
            .map(|(g, _)| Some(gathered.columns.iter().filter(|c| c.group == g).count()))
            .collect();
        let decisions = Decisions {
            open: decided,
            no_extras: Vec::new(),
            firm_needed: Vec::new(),
            confined: Vec::new(),
            free: Vec::new(),
        };
        self.offer(&decisions, &gathered);
    }

    /// No decision names the slot.
    fn pristine(&self, decisions: &Decisions, slot: usize) -> bool {
        !decisions.confined.contains(&Some(slot))
            && decisions.firm_needed.iter().all(|row| !row[slot])
            && decisions.no_extras.iter().all(|row| !row[slot])
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
        if self.best.as_ref().is_none_or(|(best, _, _)| score < *best) {
            self.best = Some((score, relaxation.flows.clone(), relaxation.columns.clone()));
        }
    }
}
