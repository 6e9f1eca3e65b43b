//! A small exact min-cost flow: successive shortest paths with Bellman–Ford
//! (queue-based), integer capacities and `i128` costs. The planner's networks
//! have a few dozen nodes, so this simple form is fast enough and easy to
//! trust; costs may be negative because the network starts as a DAG.

use std::collections::VecDeque;

#[derive(Debug, Clone)]
struct Arc {
    to: usize,
    /// Residual capacity.
    cap: i64,
    cost: i128,
}

#[derive(Debug, Clone)]
pub struct Network {
    arcs: Vec<Arc>,
    /// Capacity each forward arc was created with (index = arc id / 2).
    initial: Vec<i64>,
    adjacent: Vec<Vec<usize>>,
}

/// Identifies an arc added with [`Network::add_arc`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArcId(usize);

impl Network {
    pub fn new(nodes: usize) -> Self {
        Self { arcs: Vec::new(), initial: Vec::new(), adjacent: vec![Vec::new(); nodes] }
    }

    pub fn add_arc(&mut self, from: usize, to: usize, cap: i64, cost: i128) -> ArcId {
        let id = self.arcs.len();
        self.arcs.push(Arc { to, cap, cost });
        self.arcs.push(Arc { to: from, cap: 0, cost: -cost });
        self.adjacent[from].push(id);
        self.adjacent[to].push(id + 1);
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
    pub fn minimise_cost(&mut self, source: usize, sink: usize) -> i128 {
        let nodes = self.adjacent.len();
        let mut total = 0i128;
        let mut distance = vec![i128::MAX; nodes];
        let mut via = vec![usize::MAX; nodes];
        let mut queued = vec![false; nodes];
        let mut queue = VecDeque::new();
        loop {
            distance.fill(i128::MAX);
            via.fill(usize::MAX);
            distance[source] = 0;
            queue.push_back(source);
            queued[source] = true;
            while let Some(node) = queue.pop_front() {
                queued[node] = false;
                let here = distance[node];
                for &id in &self.adjacent[node] {
                    let arc = &self.arcs[id];
                    if arc.cap > 0 && here + arc.cost < distance[arc.to] {
                        distance[arc.to] = here + arc.cost;
                        via[arc.to] = id;
                        if !queued[arc.to] {
                            queued[arc.to] = true;
                            queue.push_back(arc.to);
                        }
                    }
                }
            }
            if distance[sink] == i128::MAX || distance[sink] >= 0 {
                return total;
            }
            let mut bottleneck = i64::MAX;
            let mut node = sink;
            while node != source {
                let id = via[node];
                bottleneck = bottleneck.min(self.arcs[id].cap);
                node = self.arcs[id ^ 1].to;
            }
            let mut node = sink;
            while node != source {
                let id = via[node];
                self.arcs[id].cap -= bottleneck;
                self.arcs[id ^ 1].cap += bottleneck;
                node = self.arcs[id ^ 1].to;
            }
            total += i128::from(bottleneck) * distance[sink];
        }
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
