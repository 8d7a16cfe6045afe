//! The schedule without its slots: which meetings to hold if only each participant's room (its
//! limit, and the slots it can use) and the number of tables counted. That is a maximum-weight
//! b-matching, solved exactly as a min-cost flow, and a relaxation of the real problem: its value
//! bounds the optimum from above, and its meetings are where the slot assignment starts.
//!
//! The network: source → each participant's left copy (capacity: its room) → for each request, an
//! arc from one side's left copy to the other side's right copy (capacity 1) → each right copy
//! (capacity: its room) → sink, at most `seats` units in all. When the requests' graph is
//! bipartite (enterprises meet experts), each request points from its side coloured 0 to its side
//! coloured 1 and the flow is the b-matching itself. Otherwise each request gets both arcs (the
//! bipartite double cover, at most twice the seats): half of that flow's value is still an upper
//! bound, and the requests carrying flow are where to start.
//!
//! Weights become integers at a scale where the largest is 2^40, so the arithmetic is exact and
//! the same everywhere; the bound adds back what rounding could have lost.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::problem::{Problem, NONE};

/// The largest weight's integer value.
const SCALE_TOP: f64 = (1u64 << 40) as f64;

/// The relaxation's answer.
pub(crate) struct Relaxation {
    /// The requests the flow holds, each once, in index order.
    pub chosen: Vec<u32>,
    /// At least the optimum's objective, locked meetings included.
    pub bound: f64,
}

/// Solves the relaxation for the candidates (locks already taken out of rooms and seats).
pub(crate) fn relax(problem: &Problem) -> Relaxation {
    let locked_value: f64 = problem
        .lock
        .iter()
        .enumerate()
        .filter(|(_, lock)| lock.is_some())
        .map(|(r, _)| problem.weight[r])
        .sum();
    let largest = problem
        .candidates
        .iter()
        .map(|&r| problem.weight[r as usize])
        .fold(0.0, f64::max);
    if problem.candidates.is_empty() || largest <= 0.0 || problem.seats == 0 {
        return Relaxation {
            chosen: Vec::new(),
            bound: locked_value,
        };
    }
    let scale = SCALE_TOP / largest;
    let colour = two_colouring(problem);
    let bipartite = colour.is_some();
    let n = problem.n_participants();
    let source = 2 * n;
    let sink = 2 * n + 1;
    let mut network = Network::new(2 * n + 2);
    for p in 0..n {
        let room = i64::from(problem.room[p]);
        if room > 0 {
            network.arc(source, p, room, 0);
            network.arc(n + p, sink, room, 0);
        }
    }
    // Costs are `top - weight` (never negative): every augmenting path uses one more request arc
    // forwards than backwards, so a path's cost less `top` is what it loses.
    let top = SCALE_TOP as i64;
    let mut request_arcs = Vec::new();
    for &r in &problem.candidates {
        let (a, b) = (
            problem.a[r as usize] as usize,
            problem.b[r as usize] as usize,
        );
        if problem.room[a] == 0 || problem.room[b] == 0 {
            continue;
        }
        let cost = top - (problem.weight[r as usize] * scale).round() as i64;
        let pairs: &[(usize, usize)] = match &colour {
            Some(colour) if colour[a] == 0 => &[(a, b)],
            Some(_) => &[(b, a)],
            None => &[(a, b), (b, a)],
        };
        for &(from, to) in pairs {
            request_arcs.push((r, network.arc(from, n + to, 1, cost)));
        }
    }
    let copies: u64 = if bipartite { 1 } else { 2 };
    let limit = i64::try_from(problem.seats.saturating_mul(copies)).unwrap_or(i64::MAX);
    let (flow, cost) = network.min_cost_flow(source, sink, limit, top);
    // The flow's value in weight units, then what rounding could have hidden (half a unit per
    // request arc used), then halved for the double cover.
    let gain = (flow as f64) * SCALE_TOP - cost as f64;
    let slack = flow as f64 * 0.5;
    let relaxed = (gain + slack) / scale / copies as f64;
    let mut carried = vec![0u8; problem.n_requests()];
    for &(r, arc) in &request_arcs {
        if network.flow_on(arc) > 0 {
            carried[r as usize] += 1;
        }
    }
    let chosen = (0..problem.n_requests() as u32)
        .filter(|&r| carried[r as usize] > 0)
        .collect();
    Relaxation {
        chosen,
        bound: locked_value + relaxed,
    }
}

/// Colours the participants of the candidate requests 0 and 1 so that every request joins the two
/// colours, if the requests' graph allows it.
fn two_colouring(problem: &Problem) -> Option<Vec<u8>> {
    let n = problem.n_participants();
    let mut colour = vec![NONE as u8; n];
    let mut stack = Vec::new();
    for start in 0..n as u32 {
        if colour[start as usize] != NONE as u8 {
            continue;
        }
        colour[start as usize] = 0;
        stack.push(start);
        while let Some(p) = stack.pop() {
            for &r in problem.requests_of(p) {
                let other = if problem.a[r as usize] == p {
                    problem.b[r as usize]
                } else {
                    problem.a[r as usize]
                };
                let wanted = 1 - colour[p as usize];
                if colour[other as usize] == NONE as u8 {
                    colour[other as usize] = wanted;
                    stack.push(other);
                } else if colour[other as usize] != wanted {
                    return None;
                }
            }
        }
    }
    Some(colour)
}

/// A flow network in adjacency arrays, each arc followed by its reverse.
struct Network {
    head: Vec<usize>,
    to: Vec<usize>,
    capacity: Vec<i64>,
    cost: Vec<i64>,
    first: Vec<Vec<usize>>,
}

impl Network {
    fn new(nodes: usize) -> Network {
        Network {
            head: Vec::new(),
            to: Vec::new(),
            capacity: Vec::new(),
            cost: Vec::new(),
            first: vec![Vec::new(); nodes],
        }
    }

    /// Adds an arc and its reverse; returns the arc's index.
    fn arc(&mut self, from: usize, to: usize, capacity: i64, cost: i64) -> usize {
        let index = self.to.len();
        for (tail, head, capacity, cost) in [(from, to, capacity, cost), (to, from, 0, -cost)] {
            self.head.push(tail);
            self.to.push(head);
            self.capacity.push(capacity);
            self.cost.push(cost);
            self.first[tail].push(self.to.len() - 1);
        }
        index
    }

    /// The flow on an arc: its reverse's residual capacity.
    fn flow_on(&self, arc: usize) -> i64 {
        self.capacity[arc ^ 1]
    }

    /// Successive shortest paths (Dijkstra on reduced costs, as in the AtCoder Library), stopping
    /// at `limit` units or when a path's cost reaches `stop`: the cheapest flow of the most
    /// profitable size. Returns its size and cost.
    fn min_cost_flow(&mut self, source: usize, sink: usize, limit: i64, stop: i64) -> (i64, i64) {
        let nodes = self.first.len();
        let mut dual = vec![0i64; nodes];
        let mut dist = vec![i64::MAX; nodes];
        let mut previous_arc = vec![usize::MAX; nodes];
        let mut visited = vec![false; nodes];
        let mut heap = BinaryHeap::new();
        let mut settled = Vec::new();
        let (mut flow, mut cost) = (0i64, 0i64);
        while flow < limit {
            dist.fill(i64::MAX);
            visited.fill(false);
            settled.clear();
            dist[source] = 0;
            heap.clear();
            heap.push(Reverse((0i64, source)));
            while let Some(Reverse((d, v))) = heap.pop() {
                if visited[v] {
                    continue;
                }
                visited[v] = true;
                settled.push(v);
                if v == sink {
                    break;
                }
                for &arc in &self.first[v] {
                    if self.capacity[arc] == 0 {
                        continue;
                    }
                    let w = self.to[arc];
                    if visited[w] {
                        continue;
                    }
                    let reduced = self.cost[arc] - dual[w] + dual[v];
                    let candidate = d + reduced;
                    if candidate < dist[w] {
                        dist[w] = candidate;
                        previous_arc[w] = arc;
                        heap.push(Reverse((candidate, w)));
                    }
                }
            }
            if !visited[sink] {
                break;
            }
            for &v in &settled {
                dual[v] -= dist[sink] - dist[v];
            }
            // The path's real cost: the sink's dual less the source's.
            let path_cost = dual[sink] - dual[source];
            if path_cost >= stop {
                break;
            }
            let mut push = limit - flow;
            let mut v = sink;
            while v != source {
                let arc = previous_arc[v];
                push = push.min(self.capacity[arc]);
                v = self.head[arc];
            }
            let mut v = sink;
            while v != source {
                let arc = previous_arc[v];
                self.capacity[arc] -= push;
                self.capacity[arc ^ 1] += push;
                v = self.head[arc];
            }
            flow += push;
            cost += push * path_cost;
        }
        (flow, cost)
    }
}
