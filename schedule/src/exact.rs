//! Branch and bound over every schedule of a small instance, so that small fairs get a proven
//! optimum rather than a good guess.

use crate::problem::NONE;
use crate::search::{by_weight, tolerance};
use crate::state::State;

/// Instances with at most this many candidate requests are searched exhaustively.
pub(crate) const MAX_CANDIDATES: usize = 48;
/// The search gives up (keeping the heuristic's schedule) after this many nodes.
const NODE_LIMIT: u64 = 2_000_000;

/// Searches for a better schedule than the one in `state`, which it leaves holding the best found;
/// true when the search finished, so that this schedule is optimal.
pub(crate) fn branch_and_bound(state: &mut State) -> bool {
    let problem = state.problem;
    if problem.candidates.len() > MAX_CANDIDATES {
        return false;
    }
    let order = by_weight(problem);
    // suffix[i]: the weight of order[i..], heaviest first, so that the k heaviest of what is left
    // weigh suffix[i] - suffix[i + k].
    let mut suffix = vec![0.0; order.len() + 1];
    for i in (0..order.len()).rev() {
        suffix[i] = suffix[i + 1] + problem.weight[order[i] as usize];
    }
    let mut search = Search {
        order,
        suffix,
        eps: tolerance(problem),
        best: state.slot_of.clone(),
        best_value: state.value,
        nodes: 0,
    };
    state.reset_to(&vec![NONE; problem.n_requests()]);
    let free_tables: u32 = (0..problem.slots as u32)
        .map(|slot| problem.tables - state.load(slot))
        .sum();
    search.visit(state, 0, free_tables);
    state.reset_to(&search.best);
    search.nodes <= NODE_LIMIT
}

struct Search {
    order: Vec<u32>,
    suffix: Vec<f64>,
    eps: f64,
    best: Vec<u32>,
    best_value: f64,
    nodes: u64,
}

impl Search {
    fn visit(&mut self, state: &mut State, i: usize, free_tables: u32) {
        self.nodes += 1;
        if self.nodes > NODE_LIMIT {
            return;
        }
        if state.value > self.best_value + self.eps {
            self.best_value = state.value;
            self.best.copy_from_slice(&state.slot_of);
        }
        let left = self.order.len() - i;
        let room = left.min(free_tables as usize);
        if room == 0
            || state.value + self.suffix[i] - self.suffix[i + room] <= self.best_value + self.eps
        {
            return;
        }
        let r = self.order[i];
        for &slot in state.problem.usable_slots(r) {
            if state.fits(r, slot) {
                state.place(r, slot);
                self.visit(state, i + 1, free_tables - 1);
                state.remove(r);
                state.commit();
            }
        }
        self.visit(state, i + 1, free_tables);
    }
}
