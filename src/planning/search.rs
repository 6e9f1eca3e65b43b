//! Exact branch and bound for one component (see docs/planning.md).
//!
//! Every cohort the component could ever form is a *slot*: group g has
//! `slots` of them. A node of the search fixes some decisions:
//!
//! 1. how many cohorts each group opens;
//! 2. whether a group's cohorts are looked at one by one (*expanded*), which
//!    the search does only where taking them together is not enough;
//! 3. in an expanded group, for a need that would put extra seats in a
//!    cohort without firm seats there: either at least one firm seat there,
//!    or no extra seats there;
//! 4. in phase two, for a need spread over several cohorts: either it is
//!    confined to one group or one named slot, or it is let free and
//!    counted as split.
//!
//! With those fixed, everything else is a min-cost flow from needs to
//! *columns* — a group not yet decided, a decided group's cohorts taken
//! together (at least k × min and at most k × max seats), or one cohort of
//! an expanded group — whose integral optimum maximises firm seats, then
//! minimises cost (extra seats, and fixed_fee / max per seat in an undecided
//! group), then term offsets. That flow ignores the decisions not yet taken,
//! so it ranks at least as well as any plan below the node: a valid bound.
//! Where the flow breaks no rule and each taken-together group's needs pack
//! whole into its cohorts, that packing is a plan with the flow's score, and
//! is scored exactly. Children of a node split its plans between them
//! without loss, so exhausting the tree (less what the bound prunes) proves
//! the incumbent optimal. Phase one compares only firm seats and cost and
//! never branches on split needs; phase two searches the tie-breaks as well,
//! below the nodes where phase one could at best tie.

use super::flow::{ArcId, Network};
use super::instance::Instance;
use super::model::Score;
use super::packing::{pack, spread};
use super::share::share_out;

/// How many steps packing one group's needs may take at one node.
const PACKING_STEPS: u32 = 2_000;

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
    /// Groups whose cohorts are columns of their own.
    expanded: Vec<bool>,
    /// `(need, slot)`: no extra seats of the need in the slot.
    no_extras: Vec<(usize, usize)>,
    /// `(need, slot)`: at least one firm seat of the need in the slot.
    firm_needed: Vec<(usize, usize)>,
    /// The one group a need may use (it is then whole there, or split
    /// inside it).
    confined_group: Vec<Option<usize>>,
    /// The one slot a need may use.
    confined: Vec<Option<usize>>,
    /// Needs allowed to spread, each counted as split.
    free: Vec<bool>,
}

/// A node of the flow network between needs and the sink.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    /// A group whose number of cohorts is not decided yet.
    Undecided { group: usize },
    /// A decided group's `count` cohorts, taken together: they are alike.
    Cohorts { group: usize, count: usize },
    /// One cohort of an expanded group (`slot` is its global number).
    Slot { group: usize, slot: usize },
}

impl Column {
    fn group(self) -> usize {
        match self {
            Column::Undecided { group } | Column::Cohorts { group, .. } | Column::Slot { group, .. } => group,
        }
    }
}

/// A plan: one column per cohort, and `flows[need][column] = (firm, extra)`.
struct Plan {
    columns: Vec<Column>,
    flows: Vec<Vec<(i64, i64)>>,
}

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
    /// The best plan found so far, and its score.
    best: Option<(Score, Plan)>,
    nodes: u64,
    /// The node count at which the current phase stops.
    node_limit: u64,
    limits: Limits,
    /// Phase two: the split count and term weight are searched too.
    tie_breaks: bool,
    aborted: bool,
    weights: Weights,
    /// Phase one's nodes that may hold a plan as good as its best on firm
    /// seats and cost, with their bound on those: where phase two looks.
    ties: Vec<(Decisions, Score)>,
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
            ties: Vec::new(),
        }
    }

    pub fn run(mut self) -> Solution {
        let needs = self.instance.needs.len();
        let root = Decisions {
            open: vec![None; self.instance.groups.len()],
            expanded: vec![false; self.instance.groups.len()],
            no_extras: Vec::new(),
            firm_needed: Vec::new(),
            confined_group: vec![None; needs],
            confined: vec![None; needs],
            free: vec![false; needs],
        };
        // The empty plan is always valid: the search starts from it.
        self.best = Some((Score::default(), Plan { columns: Vec::new(), flows: vec![Vec::new(); needs] }));
        let root_relaxation = self.relax(&root);
        let bound = self.bound(&root, &root_relaxation);
        // Phase one proves the most firm seats at the lowest cost, without
        // branching on split needs, and sets aside every node that could only
        // tie with its best plan; phase two searches below those alone, with
        // the split count and term weight, starting from that plan.
        self.explore(root, Some(root_relaxation));
        let seats_and_cost_optimal = !self.aborted;
        let mut optimal = false;
        if seats_and_cost_optimal {
            let best = self.best.as_ref().map(|(score, _)| self.ranked(score)).expect("phase one keeps a plan");
            self.tie_breaks = true;
            self.node_limit = self.nodes + self.limits.tie_breaks;
            for (decisions, bound) in std::mem::take(&mut self.ties) {
                if bound == best && !self.aborted {
                    self.explore(decisions, None);
                }
            }
            optimal = !self.aborted;
        }
        let (score, plan) = self.best.expect("the empty plan is always there");
        let column_group = plan.columns.iter().map(|c| c.group()).collect();
        Solution { score, flows: plan.flows, column_group, nodes: self.nodes, optimal, seats_and_cost_optimal, bound }
    }

    /// Whether need `need` may send seats to the decided group `group`.
    fn usable_group(&self, decisions: &Decisions, need: usize, group: usize) -> bool {
        self.instance.needs[need].groups.contains(&group)
            && decisions.confined_group[need].is_none_or(|only| only == group)
            && decisions.confined[need].is_none_or(|only| self.slot_group[only] == group)
            && decisions.open[group].is_some_and(|open| open > 0)
    }

    /// Whether need `need` may send seats to slot `slot` of a decided group.
    fn usable(&self, decisions: &Decisions, need: usize, slot: usize) -> bool {
        let group = self.slot_group[slot];
        self.usable_group(decisions, need, group)
            && decisions.confined[need].is_none_or(|only| only == slot)
            && decisions.open[group].is_some_and(|open| slot - self.group_start[group] < open)
    }

    /// The network's columns under `decisions`.
    fn columns(&self, decisions: &Decisions) -> Vec<Column> {
        let mut columns = Vec::new();
        for (group, open) in decisions.open.iter().enumerate() {
            match *open {
                None => columns.push(Column::Undecided { group }),
                Some(0) => {}
                Some(count) if decisions.expanded[group] => {
                    columns.extend((0..count).map(|i| Column::Slot { group, slot: self.group_start[group] + i }))
                }
                Some(count) => columns.push(Column::Cohorts { group, count }),
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
        let classes = self.classes(decisions);
        let (source, sink) = (0, 1);
        let firm_node = |k: usize| 2 + k;
        let extra_node = |k: usize| 2 + classes.len() + k;
        let column_node = |c: usize| 2 + 2 * classes.len() + c;
        let mut net = Network::new(2 + 2 * classes.len() + columns.len());
        let mut must_arcs: Vec<(ArcId, i64)> = Vec::new();
        let mut infeasible = false;
        let mut firm_arcs: Vec<(usize, usize, ArcId)> = Vec::new();
        let mut extra_arcs: Vec<(usize, usize, ArcId)> = Vec::new();
        let w = &self.weights;
        for (k, members) in classes.iter().enumerate() {
            // Members are alike in the network: the first stands for all.
            let i = members[0];
            let need = &instance.needs[i];
            let seats: i64 = members.iter().map(|&m| instance.needs[m].seats).sum();
            let extras: i64 = members.iter().map(|&m| instance.needs[m].extras).sum();
            net.add_arc(source, firm_node(k), seats, -w.firm);
            if extras > 0 {
                net.add_arc(source, extra_node(k), extras, w.extra);
            }
            for (c, &column) in columns.iter().enumerate() {
                let group = column.group();
                if !need.groups.contains(&group) {
                    continue;
                }
                let offset = i128::from(instance.groups[group].term_offset);
                let slot = match column {
                    Column::Undecided { .. } => {
                        let cost = offset + w.undecided_seat;
                        firm_arcs.push((k, c, net.add_arc(firm_node(k), column_node(c), seats, cost)));
                        if extras > 0 {
                            extra_arcs.push((k, c, net.add_arc(extra_node(k), column_node(c), extras, cost)));
                        }
                        continue;
                    }
                    Column::Cohorts { .. } => {
                        if self.usable_group(decisions, i, group) {
                            firm_arcs.push((k, c, net.add_arc(firm_node(k), column_node(c), seats, offset)));
                            if extras > 0 {
                                extra_arcs.push((k, c, net.add_arc(extra_node(k), column_node(c), extras, offset)));
                            }
                        }
                        continue;
                    }
                    Column::Slot { slot, .. } => slot,
                };
                let usable = self.usable(decisions, i, slot);
                let firm_needed = decisions.firm_needed.contains(&(i, slot));
                if firm_needed && !usable {
                    infeasible = true;
                }
                if !usable {
                    continue;
                }
                // Only a class of one need carries decisions about slots.
                if firm_needed {
                    let arc = net.add_arc(firm_node(k), column_node(c), 1, offset - w.must);
                    must_arcs.push((arc, 1));
                    firm_arcs.push((k, c, arc));
                    if seats > 1 {
                        firm_arcs.push((k, c, net.add_arc(firm_node(k), column_node(c), seats - 1, offset)));
                    }
                } else {
                    firm_arcs.push((k, c, net.add_arc(firm_node(k), column_node(c), seats, offset)));
                }
                if extras > 0 && !decisions.no_extras.contains(&(i, slot)) {
                    extra_arcs.push((k, c, net.add_arc(extra_node(k), column_node(c), extras, offset)));
                }
            }
        }
        let minimum = i64::from(course.min_participants);
        let maximum = i64::from(course.max_participants);
        for (c, &column) in columns.iter().enumerate() {
            let (cohorts, lower_bound) = match column {
                Column::Undecided { group } => (instance.groups[group].slots as i64, false),
                Column::Cohorts { count, .. } => (count as i64, true),
                Column::Slot { .. } => (1, true),
            };
            if lower_bound {
                let arc = net.add_arc(column_node(c), sink, minimum * cohorts, -w.must);
                must_arcs.push((arc, minimum * cohorts));
                if maximum > minimum {
                    net.add_arc(column_node(c), sink, (maximum - minimum) * cohorts, 0);
                }
            } else {
                net.add_arc(column_node(c), sink, maximum * cohorts, 0);
            }
        }
        net.minimise_cost(source, sink);
        let feasible = !infeasible && must_arcs.iter().all(|&(arc, cap)| net.flow(arc) == cap);
        let mut class_firm = vec![vec![0i64; columns.len()]; classes.len()];
        let mut class_extra = vec![vec![0i64; columns.len()]; classes.len()];
        for &(k, c, arc) in &firm_arcs {
            class_firm[k][c] += net.flow(arc);
        }
        for &(k, c, arc) in &extra_arcs {
            class_extra[k][c] += net.flow(arc);
        }
        let mut flows = vec![Vec::new(); needs];
        for (k, members) in classes.iter().enumerate() {
            let sizes: Vec<(i64, i64)> =
                members.iter().map(|&m| (instance.needs[m].seats, instance.needs[m].extras)).collect();
            for (&m, row) in members.iter().zip(share_out(&sizes, &class_firm[k], &class_extra[k])) {
                flows[m] = row;
            }
        }
        let mut firm = 0;
        let mut extras = 0;
        let mut undecided_seats = 0;
        for row in &flows {
            for (c, &(f, x)) in row.iter().enumerate() {
                firm += f;
                extras += x;
                if matches!(columns[c], Column::Undecided { .. }) {
                    undecided_seats += f + x;
                }
            }
        }
        let term_weight = self.term_weight(&columns, &flows);
        Relaxation { feasible, columns, firm, extras, term_weight, undecided_seats, flows }
    }

    /// Needs that the network may treat as one: those that may use the
    /// same groups and that no decision names. A named need is a class of
    /// its own.
    fn classes(&self, decisions: &Decisions) -> Vec<Vec<usize>> {
        let mut classes: Vec<Vec<usize>> = Vec::new();
        let mut by_groups: std::collections::HashMap<&[usize], usize> = std::collections::HashMap::new();
        for (i, need) in self.instance.needs.iter().enumerate() {
            let named = decisions.confined_group[i].is_some()
                || decisions.confined[i].is_some()
                || decisions.firm_needed.iter().any(|&(need, _)| need == i)
                || decisions.no_extras.iter().any(|&(need, _)| need == i);
            if named {
                classes.push(vec![i]);
                continue;
            }
            match by_groups.get(need.groups.as_slice()) {
                Some(&k) => classes[k].push(i),
                None => {
                    by_groups.insert(&need.groups, classes.len());
                    classes.push(vec![i]);
                }
            }
        }
        classes
    }

    /// Σ seats × term offset.
    fn term_weight(&self, columns: &[Column], flows: &[Vec<(i64, i64)>]) -> i64 {
        let offsets: Vec<i64> =
            columns.iter().map(|c| i64::from(self.instance.groups[c.group()].term_offset)).collect();
        flows.iter().flat_map(|row| row.iter().zip(&offsets).map(|(&(f, x), offset)| (f + x) * offset)).sum()
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
    /// more for the seats they cannot hold, and fills each to the minimum.
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
        // Those cohorts hold at least `min` seats each, extra seats if need be.
        let seats = firm.max(cohorts * i64::from(course.min_participants));
        Score {
            neg_firm_seats: -firm,
            total_cost_ore: course.fixed_fee.0 * cohorts + course.per_participant_fee.0 * seats,
            split_needs: decisions.free.iter().filter(|&&f| f).count() as i64,
            term_weight: 0,
        }
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
        if self.beaten(&decisions, &bound) {
            return;
        }
        let children = self.children(&decisions, &relaxation);
        if children.is_empty() && !self.tie_breaks {
            // A plan as good as the bound on firm seats and cost; phase two
            // may still find better tie-breaks below.
            self.ties.push((decisions, self.ranked(&bound)));
        }
        for child in children {
            let cheap = self.cheap_bound(&child, relaxation.firm);
            if !self.beaten(&child, &cheap) {
                self.explore(child, None);
            }
        }
    }

    /// Whether no plan below a node with this bound can beat the incumbent.
    /// In phase one, a node that could only tie is kept for phase two.
    fn beaten(&mut self, decisions: &Decisions, bound: &Score) -> bool {
        let Some((best, _)) = &self.best else { return false };
        let (bound, best) = (self.ranked(bound), self.ranked(best));
        if bound == best && !self.tie_breaks {
            self.ties.push((decisions.clone(), bound));
        }
        bound >= best
    }

    fn children(&mut self, decisions: &Decisions, relaxation: &Relaxation) -> Vec<Decisions> {
        let instance = self.instance;
        let with = |change: &dyn Fn(&mut Decisions)| {
            let mut child = decisions.clone();
            change(&mut child);
            child
        };
        // 1. Cohorts per group, nearest to what the flow suggests first.
        if let Some(group) = decisions.open.iter().position(Option::is_none) {
            let column = relaxation
                .columns
                .iter()
                .position(|&c| c == Column::Undecided { group })
                .expect("an undecided group has a column");
            let seats: i64 = relaxation.flows.iter().map(|row| row[column].0 + row[column].1).sum();
            let maximum = i64::from(instance.course.max_participants);
            let slots = instance.groups[group].slots;
            let suggested = (((seats + maximum - 1) / maximum) as usize).min(slots);
            let mut order: Vec<usize> = (0..=slots).collect();
            order.sort_by_key(|&k| (k.abs_diff(suggested), k));
            return order.into_iter().map(|k| with(&|child| child.open[group] = Some(k))).collect();
        }
        // 2. Extra seats of a need where it has no firm seats: in cohorts
        // taken together, look at them one by one; in one cohort, either
        // put a firm seat beside them or leave them out.
        for row in &relaxation.flows {
            for (c, &(f, x)) in row.iter().enumerate() {
                if x == 0 || f > 0 {
                    continue;
                }
                match relaxation.columns[c] {
                    Column::Cohorts { group, .. } => return vec![with(&|child| child.expanded[group] = true)],
                    Column::Slot { .. } | Column::Undecided { .. } => {}
                }
            }
        }
        for (i, row) in relaxation.flows.iter().enumerate() {
            for (c, &(f, x)) in row.iter().enumerate() {
                if let (true, Column::Slot { slot, .. }) = (x > 0 && f == 0, relaxation.columns[c]) {
                    return vec![
                        with(&|child| child.firm_needed.push((i, slot))),
                        with(&|child| child.no_extras.push((i, slot))),
                    ];
                }
            }
        }
        // 3. Pack each taken-together group's needs whole into its cohorts;
        // where they do not fit whole, look at its cohorts one by one.
        // In phase one a split need costs nothing, so spreading will do.
        let plan = match self.packed(relaxation, !self.tie_breaks) {
            Ok(plan) => plan,
            Err(group) => return vec![with(&|child| child.expanded[group] = true)],
        };
        self.offer(plan);
        self.offer_consolidated(relaxation);
        if !self.tie_breaks {
            // The plan has the flow's firm seats and cost: the bound.
            return Vec::new();
        }
        // 4. Phase two: a need spread over several groups is whole in one of
        // them, or split. This moves term offsets, so it comes first.
        for (i, row) in relaxation.flows.iter().enumerate() {
            let mut used: Vec<(usize, i64)> = Vec::new();
            for (c, &(f, x)) in row.iter().enumerate() {
                let group = relaxation.columns[c].group();
                match used.iter_mut().find(|(g, _)| *g == group) {
                    Some((_, seats)) => *seats += f + x,
                    None if f + x > 0 => used.push((group, f + x)),
                    None => {}
                }
            }
            if decisions.free[i] || used.len() < 2 {
                continue;
            }
            used.sort_by_key(|&(_, seats)| std::cmp::Reverse(seats));
            let mut groups: Vec<usize> = used.iter().map(|&(g, _)| g).collect();
            groups.extend(
                instance.needs[i]
                    .groups
                    .iter()
                    .filter(|&&g| !groups.contains(&g) && self.usable_group(decisions, i, g))
                    .collect::<Vec<_>>(),
            );
            let mut children: Vec<Decisions> =
                groups.into_iter().map(|g| with(&|child| child.confined_group[i] = Some(g))).collect();
            children.push(with(&|child| child.free[i] = true));
            return children;
        }
        // 5. A need spread over cohorts of one expanded group: confined to
        // one of them (or to another group, whole), or split.
        for (i, row) in relaxation.flows.iter().enumerate() {
            if decisions.free[i] || row.iter().filter(|&&(f, x)| f + x > 0).count() < 2 {
                continue;
            }
            let mut columns: Vec<usize> = (0..row.len())
                .filter(|&c| match relaxation.columns[c] {
                    Column::Slot { slot, .. } => self.usable(decisions, i, slot),
                    Column::Cohorts { group, .. } => self.usable_group(decisions, i, group),
                    Column::Undecided { .. } => false,
                })
                .collect();
            columns.sort_by_key(|&c| std::cmp::Reverse(row[c].0 + row[c].1));
            // Slots of one group that no decision names are interchangeable:
            // confining to the first of them stands for all.
            let mut seen_pristine: Vec<usize> = Vec::new();
            let mut children: Vec<Decisions> = Vec::new();
            for c in columns {
                match relaxation.columns[c] {
                    Column::Slot { group, slot } => {
                        if self.pristine(decisions, slot) {
                            if seen_pristine.contains(&group) {
                                continue;
                            }
                            seen_pristine.push(group);
                        }
                        children.push(with(&|child| child.confined[i] = Some(slot)));
                    }
                    Column::Cohorts { group, .. } => {
                        children.push(with(&|child| child.confined_group[i] = Some(group)));
                    }
                    Column::Undecided { .. } => {}
                }
            }
            children.push(with(&|child| child.free[i] = true));
            return children;
        }
        // The packed plan splits only needs let free: it reaches the bound.
        Vec::new()
    }

    /// The node's flow as a plan, each taken-together group's needs packed
    /// whole into its cohorts, or else, if `splits_allowed`, spread over
    /// them; `Err(group)` for a group where that fails. Expanded groups keep
    /// the flow's cohorts.
    fn packed(&self, relaxation: &Relaxation, splits_allowed: bool) -> Result<Plan, usize> {
        let course = &self.instance.course;
        let (minimum, maximum) = (i64::from(course.min_participants), i64::from(course.max_participants));
        let needs = relaxation.flows.len();
        let mut columns = Vec::new();
        let mut flows: Vec<Vec<(i64, i64)>> = vec![Vec::new(); needs];
        for (c, &column) in relaxation.columns.iter().enumerate() {
            match column {
                Column::Slot { .. } => {
                    columns.push(column);
                    for (row, original) in flows.iter_mut().zip(&relaxation.flows) {
                        row.push(original[c]);
                    }
                }
                Column::Cohorts { group, count } => {
                    let members: Vec<usize> = (0..needs).filter(|&i| relaxation.flows[i][c] != (0, 0)).collect();
                    let items: Vec<(i64, i64)> = members.iter().map(|&i| relaxation.flows[i][c]).collect();
                    let sizes: Vec<i64> = items.iter().map(|&(f, x)| f + x).collect();
                    let rows: Vec<Vec<(i64, i64)>> = match pack(&sizes, count, minimum, maximum, PACKING_STEPS) {
                        Some(bins) => items
                            .iter()
                            .zip(bins)
                            .map(|(&item, bin)| {
                                let mut row = vec![(0, 0); count];
                                row[bin] = item;
                                row
                            })
                            .collect(),
                        None if splits_allowed => spread(&items, count, minimum, maximum).ok_or(group)?,
                        None => return Err(group),
                    };
                    let first = columns.len();
                    columns.extend((0..count).map(|k| Column::Slot { group, slot: self.group_start[group] + k }));
                    for row in flows.iter_mut() {
                        row.resize(columns.len(), (0, 0));
                    }
                    for (&i, row) in members.iter().zip(rows) {
                        flows[i][first..].copy_from_slice(&row);
                    }
                }
                Column::Undecided { group } => return Err(group),
            }
        }
        Ok(Plan { columns, flows })
    }

    /// A heuristic for a better incumbent: a need the flow spreads over
    /// several taken-together groups moves wholly into one of them where
    /// their seat counts allow, and then each group is packed. Offers the
    /// result if every group packs; the search stays exact whatever it finds.
    fn offer_consolidated(&mut self, relaxation: &Relaxation) {
        let course = &self.instance.course;
        let (minimum, maximum) = (i64::from(course.min_participants), i64::from(course.max_participants));
        let columns = &relaxation.columns;
        let mut flows = relaxation.flows.clone();
        let mut loads: Vec<i64> =
            (0..columns.len()).map(|c| flows.iter().map(|row| row[c].0 + row[c].1).sum()).collect();
        let mut moved = false;
        for row in flows.iter_mut() {
            let used: Vec<usize> = (0..row.len()).filter(|&c| row[c] != (0, 0)).collect();
            if used.len() < 2 || !used.iter().all(|&c| matches!(columns[c], Column::Cohorts { .. })) {
                continue;
            }
            let whole = used.iter().fold((0, 0), |(f, x), &c| (f + row[c].0, x + row[c].1));
            let fits = |to: usize| {
                used.iter().all(|&c| {
                    let Column::Cohorts { count, .. } = columns[c] else { return false };
                    let load = loads[c] - (row[c].0 + row[c].1) + if c == to { whole.0 + whole.1 } else { 0 };
                    (minimum * count as i64..=maximum * count as i64).contains(&load)
                })
            };
            let mut targets = used.clone();
            targets.sort_by_key(|&c| std::cmp::Reverse(row[c].0 + row[c].1));
            let Some(to) = targets.into_iter().find(|&to| fits(to)) else { continue };
            for &c in &used {
                loads[c] -= row[c].0 + row[c].1;
                row[c] = (0, 0);
            }
            row[to] = whole;
            loads[to] += whole.0 + whole.1;
            moved = true;
        }
        if !moved {
            return;
        }
        let consolidated = Relaxation { flows, columns: columns.clone(), ..*relaxation };
        if let Ok(plan) = self.packed(&consolidated, false) {
            self.offer(plan);
        }
    }

    /// No decision names the slot.
    fn pristine(&self, decisions: &Decisions, slot: usize) -> bool {
        !decisions.confined.contains(&Some(slot))
            && decisions.firm_needed.iter().all(|&(_, named)| named != slot)
            && decisions.no_extras.iter().all(|&(_, named)| named != slot)
    }

    /// Scores a plan (every rule holds) and keeps it if it is the best yet.
    fn offer(&mut self, plan: Plan) {
        let course = &self.instance.course;
        let (mut firm, mut extras) = (0, 0);
        for row in &plan.flows {
            for &(f, x) in row {
                firm += f;
                extras += x;
            }
        }
        let split_needs =
            plan.flows.iter().filter(|row| row.iter().filter(|&&(f, x)| f + x > 0).count() > 1).count() as i64;
        let score = Score {
            neg_firm_seats: -firm,
            total_cost_ore: course.fixed_fee.0 * plan.columns.len() as i64
                + course.per_participant_fee.0 * (firm + extras),
            split_needs,
            term_weight: self.term_weight(&plan.columns, &plan.flows),
        };
        if self.best.as_ref().is_none_or(|(best, _)| score < *best) {
            self.best = Some((score, plan));
        }
    }
}
