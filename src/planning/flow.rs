//! A small exact min-cost flow: successive shortest paths (queue-based
//! Bellman–Ford), integer capacities and `i128` costs. After each
//! shortest-path search it sends flow along every path of that shortest
//! length at once (depth first over the arcs the distances make tight), which
//! the planner's networks, with many needs alike, need far fewer searches
//! for. Costs may be negative because the network starts as a DAG.

use std::collections::VecDeque;

const NONE: usize = usize::MAX;

#[derive(Debug, Clone)]
struct Arc {
    to: usize,
    /// Residual capacity.
    cap: i64,
    cost: i128,
    /// The next arc out of the same node (`NONE` at the end).
    next: usize,
}

#[derive(Debug, Clone)]
pub struct Network {
    arcs: Vec<Arc>,
    /// Capacity each forward arc was created with (index = arc id / 2).
    initial: Vec<i64>,
    /// The first arc out of each node (`NONE` for none): the arcs out of a
    /// node form a list through `Arc::next`, with no allocation per node.
    first: Vec<usize>,
}

/// Identifies an arc added with [`Network::add_arc`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArcId(usize);

impl Network {
    pub fn new(nodes: usize) -> Self {
        Self { arcs: Vec::new(), initial: Vec::new(), first: vec![NONE; nodes] }
    }

    pub fn add_arc(&mut self, from: usize, to: usize, cap: i64, cost: i128) -> ArcId {
        let id = self.arcs.len();
        self.arcs.push(Arc { to, cap, cost, next: self.first[from] });
        self.first[from] = id;
        self.arcs.push(Arc { to: from, cap: 0, cost: -cost, next: self.first[to] });
        self.first[to] = id + 1;
        self.initial.push(cap);
        ArcId(id)
    }

    /// Flow on an arc after solving.
    pub fn flow(&self, arc: ArcId) -> i64 {
        self.initial[arc.0 / 2] - self.arcs[arc.0].cap
    }

    /// Sends flow from `source` to `sink` along cheapest paths while a path
    /// of negative cost exists. The result is a flow of minimum cost among
    /// all flows of any value: each augmentation is a cheapest path, so the
    /// cost of the best flow of value v is convex in v and stops falling
    /// exactly when the cheapest path stops being negative.
    ///
    /// Sending flow along a tight path keeps the distances exact for the
    /// paths still tight (the reverse arcs it opens are tight too), so all
    /// paths of the shortest length are augmented before searching again.
    pub fn minimise_cost(&mut self, source: usize, sink: usize) -> i128 {
        let nodes = self.first.len();
        let mut total = 0i128;
        let mut distance = vec![i128::MAX; nodes];
        let mut queued = vec![false; nodes];
        let mut queue = VecDeque::new();
        let mut on_path = vec![false; nodes];
        let mut current = vec![NONE; nodes];
        loop {
            distance.fill(i128::MAX);
            distance[source] = 0;
            queue.push_back(source);
            queued[source] = true;
            while let Some(node) = queue.pop_front() {
                queued[node] = false;
                let here = distance[node];
                let mut id = self.first[node];
                while id != NONE {
                    let arc = &self.arcs[id];
                    if arc.cap > 0 && here + arc.cost < distance[arc.to] {
                        distance[arc.to] = here + arc.cost;
                        if !queued[arc.to] {
                            queued[arc.to] = true;
                            queue.push_back(arc.to);
                        }
                    }
                    id = arc.next;
                }
            }
            if distance[sink] == i128::MAX || distance[sink] >= 0 {
                return total;
            }
            current.copy_from_slice(&self.first);
            loop {
                let sent = self.send_tight(source, sink, i64::MAX, &distance, &mut on_path, &mut current);
                if sent == 0 {
                    break;
                }
                total += i128::from(sent) * distance[sink];
            }
        }
    }

    /// Sends up to `limit` units from `node` to `sink` over tight arcs
    /// (distance[to] = distance[from] + cost); returns how many it sent.
    /// `current` skips arcs already found useless in this round; `on_path`
    /// keeps the walk off cycles of zero cost.
    fn send_tight(
        &mut self,
        node: usize,
        sink: usize,
        limit: i64,
        distance: &[i128],
        on_path: &mut [bool],
        current: &mut [usize],
    ) -> i64 {
        if node == sink {
            return limit;
        }
        on_path[node] = true;
        let mut sent = 0;
        while current[node] != NONE {
            let id = current[node];
            let Arc { to, cap, cost, next } = self.arcs[id];
            if cap > 0 && !on_path[to] && distance[to] != i128::MAX && distance[node] + cost == distance[to] {
                let pushed = self.send_tight(to, sink, (limit - sent).min(cap), distance, on_path, current);
                if pushed > 0 {
                    self.arcs[id].cap -= pushed;
                    self.arcs[id ^ 1].cap += pushed;
                    sent += pushed;
                    if sent == limit {
                        break;
                    }
                }
            }
            current[node] = next;
        }
        on_path[node] = false;
        sent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_only_profitable_flow() {
        // source → a → sink: 3 units at −5 each are worth taking; the second
        // route costs +2 per unit and is left alone.
        let mut net = Network::new(4);
        let first = net.add_arc(0, 1, 3, -5);
        let second = net.add_arc(0, 2, 4, 2);
        let out_a = net.add_arc(1, 3, 10, 0);
        net.add_arc(2, 3, 10, 0);
        assert_eq!(net.minimise_cost(0, 3), -15);
        assert_eq!(net.flow(first), 3);
        assert_eq!(net.flow(second), 0);
        assert_eq!(net.flow(out_a), 3);
    }

    #[test]
    fn reroutes_through_residual_arcs() {
        // Two sources of value share a bottleneck; the cheaper way round
        // needs an earlier unit moved through a reverse arc.
        let mut net = Network::new(5);
        // source=0, x=1, y=2, z=3, sink=4
        net.add_arc(0, 1, 1, -10);
        net.add_arc(0, 2, 1, -10);
        let x_z = net.add_arc(1, 3, 1, 0);
        let x_sink = net.add_arc(1, 4, 1, 5);
        let y_z = net.add_arc(2, 3, 1, 0);
        net.add_arc(3, 4, 1, 0);
        // Best: y→z→sink (−10), x→sink (−10+5) = −15.
        assert_eq!(net.minimise_cost(0, 4), -15);
        assert_eq!(net.flow(x_sink), 1);
        assert_eq!(net.flow(y_z), 1);
        assert_eq!(net.flow(x_z), 0);
    }
}
