//! An upper bound on the optimum: the dual of the linear relaxation, minimised by subgradient steps.
//!
//! Relaxing "at most `tables` meetings a slot" (λ), "one meeting per participant per slot" (π) and
//! "at most `max_meetings` each" (μ) leaves each request alone with its slots: it takes its best
//! slot if its weight less the prices there is positive. For any prices ≥ 0 the total is at least
//! the optimum (weak duality), so every iterate is a valid bound and the least one is returned.

use crate::problem::Problem;

/// Subgradient iterations, at most.
const ITERATIONS: u64 = 2000;
/// Request-slot pairs priced over all iterations, at most: large fairs get fewer iterations.
const WORK: u64 = 100_000_000;
/// The step halves after this many iterations without a better bound.
const PATIENCE: u32 = 100;

/// What the dual says: a bound, and the request-slot pairs its subproblems chose, most often
/// chosen first (an estimate of the relaxation's solution, for a construction to follow).
pub(crate) struct Dual {
    /// At least the optimum's objective, locked meetings included.
    pub bound: f64,
    /// `(request, slot)` pairs chosen in the second half of the iterations, most often first
    /// (ties: heavier first, then by index).
    pub preferred: Vec<(u32, u32)>,
}

/// Minimises the dual; `lower` is a known schedule's objective, which sets the step lengths
/// (Polyak's rule).
pub(crate) fn dual(problem: &Problem, lower: f64) -> Dual {
    let tolerance = crate::search::tolerance(problem);
    let slots = problem.slots;
    let n_participants = problem.n_participants();
    let mut locked_value = 0.0;
    let mut capacity: Vec<f64> = vec![problem.tables as f64; slots];
    let mut room: Vec<f64> = problem.max_meetings.iter().map(|&m| m as f64).collect();
    for (r, lock) in problem.lock.iter().enumerate() {
        if let Some((slot, _)) = lock {
            locked_value += problem.weight[r];
            capacity[*slot as usize] -= 1.0;
            room[problem.a[r] as usize] -= 1.0;
            room[problem.b[r] as usize] -= 1.0;
        }
    }
    let mut slot_price = vec![0.0; slots];
    let mut presence_price = vec![0.0; n_participants * slots];
    let mut meeting_price = vec![0.0; n_participants];
    let mut slot_use = vec![0.0; slots];
    let mut presence_use = vec![0.0; n_participants * slots];
    let mut meeting_use = vec![0.0; n_participants];
    let mut best = f64::INFINITY;
    let mut step_scale = 2.0;
    let mut since_best = 0;
    let pairs: u64 = problem
        .candidates
        .iter()
        .map(|&r| problem.usable_slots(r).len() as u64)
        .sum();
    let iterations = ITERATIONS.min(WORK / pairs.max(1)).max(50);
    // How often each (request, slot) pair was chosen in the second half: `chosen[r][k]` for the
    // request's k-th usable slot, as one flat array in the requests' order.
    let mut offset = vec![0usize; problem.n_requests() + 1];
    for r in 0..problem.n_requests() {
        offset[r + 1] = offset[r] + problem.usable_slots(r as u32).len();
    }
    let mut chosen = vec![0u32; offset[problem.n_requests()]];
    for iteration in 0..iterations {
        slot_use.fill(0.0);
        presence_use.fill(0.0);
        meeting_use.fill(0.0);
        let mut value = locked_value;
        for &r in &problem.candidates {
            let (a, b) = (
                problem.a[r as usize] as usize,
                problem.b[r as usize] as usize,
            );
            let base = problem.weight[r as usize] - meeting_price[a] - meeting_price[b];
            let mut best_gain = 0.0;
            let mut best_slot = usize::MAX;
            let mut best_k = 0;
            for (k, &slot) in problem.usable_slots(r).iter().enumerate() {
                let slot = slot as usize;
                let gain = base
                    - slot_price[slot]
                    - presence_price[a * slots + slot]
                    - presence_price[b * slots + slot];
                if gain > best_gain {
                    best_gain = gain;
                    best_slot = slot;
                    best_k = k;
                }
            }
            if best_slot != usize::MAX {
                if iteration * 2 >= iterations {
                    chosen[offset[r as usize] + best_k] += 1;
                }
                value += best_gain;
                slot_use[best_slot] += 1.0;
                presence_use[a * slots + best_slot] += 1.0;
                presence_use[b * slots + best_slot] += 1.0;
                meeting_use[a] += 1.0;
                meeting_use[b] += 1.0;
            }
        }
        // The prices' own terms, and the squared norm of the (projected) subgradient.
        let mut norm = 0.0;
        for slot in 0..slots {
            value += capacity[slot] * slot_price[slot];
            norm += projected_square(slot_price[slot], capacity[slot] - slot_use[slot]);
        }
        for (index, &price) in presence_price.iter().enumerate() {
            value += price;
            norm += projected_square(price, 1.0 - presence_use[index]);
        }
        for p in 0..n_participants {
            value += room[p] * meeting_price[p];
            norm += projected_square(meeting_price[p], room[p] - meeting_use[p]);
        }
        if value < best {
            best = value;
            since_best = 0;
        } else {
            since_best += 1;
            if since_best >= PATIENCE {
                step_scale *= 0.5;
                since_best = 0;
            }
        }
        if norm == 0.0 || value <= lower + tolerance {
            break;
        }
        let step = step_scale * (value - lower) / norm;
        for slot in 0..slots {
            slot_price[slot] =
                (slot_price[slot] - step * (capacity[slot] - slot_use[slot])).max(0.0);
        }
        for (index, price) in presence_price.iter_mut().enumerate() {
            *price = (*price - step * (1.0 - presence_use[index])).max(0.0);
        }
        for p in 0..n_participants {
            meeting_price[p] = (meeting_price[p] - step * (room[p] - meeting_use[p])).max(0.0);
        }
    }
    let mut preferred = Vec::new();
    for &r in &problem.candidates {
        for (k, &slot) in problem.usable_slots(r).iter().enumerate() {
            let count = chosen[offset[r as usize] + k];
            if count > 0 {
                preferred.push((count, r, slot));
            }
        }
    }
    preferred.sort_by(|x, y| {
        y.0.cmp(&x.0)
            .then(problem.weight[y.1 as usize].total_cmp(&problem.weight[x.1 as usize]))
            .then(x.1.cmp(&y.1))
            .then(x.2.cmp(&y.2))
    });
    Dual {
        bound: best.max(lower),
        preferred: preferred
            .into_iter()
            .map(|(_, r, slot)| (r, slot))
            .collect(),
    }
}

/// The square of a subgradient component, or 0 where the step would push the price below 0.
fn projected_square(price: f64, gradient: f64) -> f64 {
    if price <= 0.0 && gradient > 0.0 {
        0.0
    } else {
        gradient * gradient
    }
}
