//! The heuristic: a greedy construction, simulated annealing over ejection moves, a last descent.
//!
//! A move takes one request and a slot for it, scheduled or not: the meetings in its way give way
//! (the two sides' meetings in that slot, the slot's cheapest meeting when its tables are full, the
//! cheapest meeting of a side at its limit), the request takes the slot, and each meeting that gave
//! way tries another slot where it fits as it is. A move that moves a meeting into another meeting's
//! freed place is a swap; chains of such moves, accepted a little downhill while the temperature is
//! high, reach the schedules a greedy order cannot.
//!
//! The budget is a number of moves, and the acceptance test uses only IEEE arithmetic (no `exp`),
//! so a seed gives the same schedule on every platform.

use crate::problem::{Problem, NONE};
use crate::rng::Rng;
use crate::state::{lighter, State};

/// At most this many meetings give way to one: the two sides' meetings in the slot, one for a
/// table, and one for each side's limit.
const MAX_EJECTED: usize = 5;
/// The temperature falls in this many equal stages, by `COOLING` each.
const STAGES: u64 = 60;
const COOLING: f64 = 0.93;
/// Rounds of the last descent, at most.
const DESCENT_ROUNDS: usize = 50;
/// A participant left a meeting short looks at this many of its unscheduled requests.
const FOLLOW_SCAN: usize = 8;
/// How many times a move follows a participant left a meeting short (longer chains did no better).
const FOLLOW_DEPTH: u32 = 1;

/// Meetings that give way for a request to take a slot, and their total weight.
#[derive(Clone, Copy)]
struct Plan {
    slot: u32,
    ejected: [u32; MAX_EJECTED],
    n_ejected: usize,
    cost: f64,
}

/// The tolerance below which two objectives are the same.
pub(crate) fn tolerance(problem: &Problem) -> f64 {
    let largest = problem.weight.iter().copied().fold(1.0, f64::max);
    largest * 1e-9
}

/// Places `first` (the relaxation's meetings), the most constrained first, each into the slot it
/// fits that the other requests need least, or by a move that loses nothing; then the other
/// candidates, heaviest first, where they fit.
pub(crate) fn construct(state: &mut State, first: &[u32], rng: &mut Rng) {
    let problem = state.problem;
    let eps = tolerance(problem);
    let mut pressure = vec![0.0; problem.slots];
    for &r in &problem.candidates {
        let usable = problem.usable_slots(r);
        let share = problem.weight[r as usize] / usable.len() as f64;
        for &slot in usable {
            pressure[slot as usize] += share;
        }
    }
    let mut first = first.to_vec();
    first.sort_by_key(|&r| problem.usable_slots(r).len());
    for r in first.into_iter().chain(by_weight(problem)) {
        if state.slot_of[r as usize] != NONE {
            continue;
        }
        let mut best = NONE;
        for &slot in problem.usable_slots(r) {
            if state.fits(r, slot)
                && (best == NONE || pressure[slot as usize] < pressure[best as usize])
            {
                best = slot;
            }
        }
        if best != NONE {
            state.place(r, best);
            continue;
        }
        if kempe_insert(state, r) {
            continue;
        }
        let before = state.value;
        let mark = state.mark();
        if let Some(plan) = best_plan(state, r, NONE, rng) {
            apply(state, r, &plan, rng, 0);
            if state.value <= before + eps {
                state.rollback(mark);
            }
        }
    }
    state.commit();
}

/// Places the dual's preferred (request, slot) pairs in their order where they fit, then the rest
/// as `construct` does.
pub(crate) fn construct_preferred(state: &mut State, preferred: &[(u32, u32)], rng: &mut Rng) {
    for &(r, slot) in preferred {
        if state.slot_of[r as usize] == NONE && state.fits(r, slot) {
            state.place(r, slot);
        }
    }
    construct(state, &[], rng);
}

/// Schedules, heaviest first, every unscheduled request that fits somewhere as things are.
pub(crate) fn fill(state: &mut State) {
    let problem = state.problem;
    for r in by_weight(problem) {
        if state.slot_of[r as usize] != NONE {
            continue;
        }
        if let Some(&slot) = problem
            .usable_slots(r)
            .iter()
            .find(|&&slot| state.fits(r, slot))
        {
            state.place(r, slot);
        }
    }
    state.commit();
}

/// Simulated annealing for `moves` moves from `start_temperature` down; leaves the best schedule
/// seen in `state`.
pub(crate) fn anneal(state: &mut State, rng: &mut Rng, moves: u64, start_temperature: f64) {
    let problem = state.problem;
    if problem.candidates.is_empty() || moves == 0 {
        return;
    }
    let eps = tolerance(problem);
    let mut best = state.slot_of.clone();
    let mut best_value = state.value;
    // The requests moved since `best` was last brought up to date.
    let mut dirty: Vec<u32> = Vec::new();
    let per_stage = moves.div_ceil(STAGES);
    let mut temperature = start_temperature;
    let mut done = 0;
    let mut last_best = 0;
    // A search that has found nothing better for two fifths of its budget stops.
    while done < moves && done - last_best <= moves / 5 * 2 {
        for _ in 0..per_stage.min(moves - done) {
            // Of two random candidates, an unscheduled heavier second one is preferred: light
            // requests rarely displace anything worth it.
            let mut r = problem.candidates[rng.below(problem.candidates.len())];
            let other = problem.candidates[rng.below(problem.candidates.len())];
            if state.slot_of[other as usize] == NONE && lighter(problem, r, other) {
                r = other;
            }
            let before = state.value;
            let mark = state.mark();
            let from = state.slot_of[r as usize];
            if from != NONE {
                state.remove(r);
            }
            let Some(plan) = best_plan(state, r, from, rng) else {
                state.rollback(mark);
                continue;
            };
            apply(state, r, &plan, rng, FOLLOW_DEPTH);
            if accept(state.value - before, temperature, eps, rng) {
                if dirty.len() <= best.len() {
                    dirty.extend(state.changed());
                }
                state.commit();
                if state.value > best_value + eps {
                    best_value = state.value;
                    last_best = done;
                    // Bring the copy of the best schedule up to date where it differs.
                    if dirty.len() > best.len() {
                        best.copy_from_slice(&state.slot_of);
                    } else {
                        for &r in &dirty {
                            best[r as usize] = state.slot_of[r as usize];
                        }
                    }
                    dirty.clear();
                }
            } else {
                state.rollback(mark);
            }
        }
        done += per_stage.min(moves - done);
        temperature *= COOLING;
    }
    if best_value > state.value + eps {
        state.reset_to(&best);
    }
}

/// Inserts unscheduled requests, heaviest first, whenever what gives way (after trying elsewhere)
/// weighs less; repeats until a round changes nothing.
pub(crate) fn descend(state: &mut State, rng: &mut Rng) {
    let problem = state.problem;
    let eps = tolerance(problem);
    let order = by_weight(problem);
    for _ in 0..DESCENT_ROUNDS {
        let mut improved = false;
        for &r in &order {
            if state.slot_of[r as usize] != NONE {
                continue;
            }
            if kempe_insert(state, r) {
                improved = true;
                continue;
            }
            let before = state.value;
            let mark = state.mark();
            let Some(plan) = best_plan(state, r, NONE, rng) else {
                continue;
            };
            apply(state, r, &plan, rng, FOLLOW_DEPTH);
            if state.value > before + eps {
                state.commit();
                improved = true;
            } else {
                state.rollback(mark);
            }
        }
        if !improved {
            break;
        }
    }
}

/// The candidates, heaviest first (ties by index).
pub(crate) fn by_weight(problem: &Problem) -> Vec<u32> {
    let mut order = problem.candidates.clone();
    order.sort_unstable_by(|&x, &y| heavier_first(problem, x, y));
    order
}

/// The order "heaviest first, ties by index", total because indices differ.
fn heavier_first(problem: &Problem, x: u32, y: u32) -> std::cmp::Ordering {
    if x == y {
        std::cmp::Ordering::Equal
    } else if lighter(problem, y, x) {
        std::cmp::Ordering::Less
    } else {
        std::cmp::Ordering::Greater
    }
}

/// Accepts every move that loses nothing, and a losing one with a probability falling fast with
/// the loss over the temperature (1 / the first five terms of exp's series: IEEE arithmetic only).
fn accept(delta: f64, temperature: f64, eps: f64, rng: &mut Rng) -> bool {
    if delta >= -eps {
        return true;
    }
    let d = -delta / temperature;
    if d > 40.0 {
        return false;
    }
    let series = 1.0 + d * (1.0 + d * (0.5 + d * (1.0 / 6.0 + d / 24.0)));
    rng.unit() * series < 1.0
}

/// What gives way if an unscheduled request takes `slot`; `None` when a locked meeting would.
fn plan(state: &State, r: u32, slot: u32, cheapest: [u32; 2]) -> Option<Plan> {
    let problem = state.problem;
    let (a, b) = (problem.a[r as usize], problem.b[r as usize]);
    let mut plan = Plan {
        slot,
        ejected: [NONE; MAX_EJECTED],
        n_ejected: 0,
        cost: 0.0,
    };
    let push = |plan: &mut Plan, e: u32| {
        plan.ejected[plan.n_ejected] = e;
        plan.n_ejected += 1;
        plan.cost += problem.weight[e as usize];
    };
    for side in [a, b] {
        let e = state.occupant(side, slot);
        if e != NONE && !plan.ejected[..plan.n_ejected].contains(&e) {
            if problem.lock[e as usize].is_some() {
                return None;
            }
            push(&mut plan, e);
        }
    }
    if state.load(slot) - plan.n_ejected as u32 >= problem.tables {
        let e = state.cheapest_in_slot(slot, &plan.ejected[..plan.n_ejected]);
        if e == NONE {
            return None;
        }
        push(&mut plan, e);
    }
    for (side, cheapest) in [(a, cheapest[0]), (b, cheapest[1])] {
        let mut degree = state.degree(side);
        for &e in &plan.ejected[..plan.n_ejected] {
            if problem.a[e as usize] == side || problem.b[e as usize] == side {
                degree -= 1;
            }
        }
        if degree >= problem.max_meetings[side as usize] {
            let skip = &plan.ejected[..plan.n_ejected];
            let e = if skip.contains(&cheapest) {
                state.cheapest_of(side, skip)
            } else {
                cheapest
            };
            if e == NONE {
                return None;
            }
            push(&mut plan, e);
        }
    }
    Some(plan)
}

/// The cheapest plan for an unscheduled request over its usable slots other than `exclude`;
/// equally cheap plans are chosen among at random.
fn best_plan(state: &State, r: u32, exclude: u32, rng: &mut Rng) -> Option<Plan> {
    let problem = state.problem;
    let mut best: Option<Plan> = None;
    let mut ties = 0;
    // A side's cheapest meeting gives way when the side is at its limit; the same one for every slot.
    let cheapest = [problem.a[r as usize], problem.b[r as usize]].map(|side| {
        if state.degree(side) >= problem.max_meetings[side as usize] {
            state.cheapest_of(side, &[])
        } else {
            NONE
        }
    });
    for &slot in problem.usable_slots(r) {
        if slot == exclude {
            continue;
        }
        let Some(plan) = plan(state, r, slot, cheapest) else {
            continue;
        };
        match &best {
            Some(current) if plan.cost > current.cost => {}
            Some(current) if plan.cost == current.cost => {
                ties += 1;
                if rng.below(ties + 1) == 0 {
                    best = Some(plan);
                }
            }
            _ => {
                ties = 0;
                best = Some(plan);
            }
        }
    }
    best
}

/// Carries out a plan: what is in the way gives way, the request takes the slot, and each meeting
/// that gave way (heaviest first) moves to another slot where it fits, if there is one. A meeting
/// that found no place leaves its other side a meeting short; with `depth` left, that side then
/// takes its most profitable other request (an augmenting chain, as in b-matching).
fn apply(state: &mut State, r: u32, plan: &Plan, rng: &mut Rng, depth: u32) {
    let problem = state.problem;
    let mut ejected = plan.ejected;
    let ejected = &mut ejected[..plan.n_ejected];
    for &mut e in ejected.iter_mut() {
        state.remove(e);
    }
    state.place(r, plan.slot);
    ejected.sort_unstable_by(|&x, &y| heavier_first(problem, x, y));
    let (a, b) = (problem.a[r as usize], problem.b[r as usize]);
    for &mut e in ejected.iter_mut() {
        // A chain followed for an earlier one may have scheduled it again already.
        if state.slot_of[e as usize] != NONE || place_anywhere(state, e, rng) || depth == 0 {
            continue;
        }
        for side in [problem.a[e as usize], problem.b[e as usize]] {
            if side != a && side != b {
                follow(state, side, rng, depth - 1);
            }
        }
    }
}

/// Gives a participant who lost a meeting its most profitable unscheduled request (weight less
/// what gives way for it), if that profit is positive, among its `FOLLOW_SCAN` heaviest.
fn follow(state: &mut State, participant: u32, rng: &mut Rng, depth: u32) {
    let problem = state.problem;
    if state.degree(participant) >= problem.max_meetings[participant as usize] {
        return;
    }
    let mut best: Option<(u32, Plan, f64)> = None;
    let mut scanned = 0;
    for &r in problem.requests_of(participant) {
        if state.slot_of[r as usize] != NONE {
            continue;
        }
        scanned += 1;
        if scanned > FOLLOW_SCAN {
            break;
        }
        let weight = problem.weight[r as usize];
        if best.as_ref().is_some_and(|(_, _, gain)| weight <= *gain) {
            break;
        }
        if let Some(plan) = best_plan(state, r, NONE, rng) {
            let gain = weight - plan.cost;
            if gain > 0.0
                && best
                    .as_ref()
                    .is_none_or(|(_, _, best_gain)| gain > *best_gain)
            {
                best = Some((r, plan, gain));
            }
        }
    }
    if let Some((r, plan, _)) = best {
        apply(state, r, &plan, rng, depth);
    }
}

/// Seats an unscheduled request whose sides both have room but share no free slot, by a Kempe
/// chain: with `a` free at `s1` and `b` free at `s2`, `b`'s meeting at `s1` moves to `s2`, the
/// meeting it then collides with moves to `s1`, and so on until a side is free, as in the proof
/// that a bipartite graph's edges colour with as many colours as its largest degree. Every
/// meeting keeps its weight, so the schedule gains the request's. False (and nothing changed)
/// when no pair of slots gives a chain that keeps every rule.
pub(crate) fn kempe_insert(state: &mut State, r: u32) -> bool {
    let problem = state.problem;
    let (a, b) = (problem.a[r as usize], problem.b[r as usize]);
    if state.degree(a) >= problem.max_meetings[a as usize]
        || state.degree(b) >= problem.max_meetings[b as usize]
    {
        return false;
    }
    let usable = problem.usable_slots(r);
    let mut chain = Vec::new();
    for &s1 in usable {
        for &s2 in usable {
            if s1 == s2 {
                continue;
            }
            for (from, to) in [(b, a), (a, b)] {
                // `to` is free at s1 and `from` at s2; `from`'s meeting at s1 starts the chain.
                if state.occupant(to, s1) != NONE
                    || state.occupant(from, s2) != NONE
                    || state.occupant(from, s1) == NONE
                {
                    continue;
                }
                if kempe_chain(state, from, to, s1, s2, &mut chain) {
                    let mark = state.mark();
                    for &(m, _) in &chain {
                        state.remove(m);
                    }
                    for &(m, slot) in &chain {
                        state.place(m, slot);
                    }
                    if state.fits(r, s1) {
                        state.place(r, s1);
                        state.commit();
                        return true;
                    }
                    state.rollback(mark);
                }
            }
        }
    }
    false
}

/// The longest Kempe chain followed.
const KEMPE_LENGTH: usize = 64;

/// Follows the chain from `start`'s meeting at `s1`, alternately to `s2` and back, into `chain`
/// as `(meeting, new slot)`; false if it would need `blocked` free at `s1`, a locked meeting, a
/// slot where a side is absent, more tables than there are, or too many steps.
fn kempe_chain(
    state: &State,
    start: u32,
    blocked: u32,
    s1: u32,
    s2: u32,
    chain: &mut Vec<(u32, u32)>,
) -> bool {
    let problem = state.problem;
    chain.clear();
    let (mut participant, mut here, mut there) = (start, s1, s2);
    loop {
        let m = state.occupant(participant, here);
        if m == NONE {
            break;
        }
        let (ma, mb) = (problem.a[m as usize], problem.b[m as usize]);
        if chain.len() >= KEMPE_LENGTH
            || problem.lock[m as usize].is_some()
            || !problem.usable_slots(m).contains(&there)
            || (there == s1 && (ma == blocked || mb == blocked))
        {
            return false;
        }
        chain.push((m, there));
        // The other side must be free at `there`, or its meeting there moves on. Each participant
        // has at most one meeting in each of the two slots, so the chain is a path: it never
        // comes back.
        participant = if ma == participant { mb } else { ma };
        std::mem::swap(&mut here, &mut there);
    }
    // An odd chain moves one meeting from s1 to s2 on balance; the request then fills s1 again.
    if chain.len() % 2 == 1 && state.load(s2) >= problem.tables {
        return false;
    }
    chain.len() % 2 == 1 || state.load(s1) < problem.tables
}

/// Schedules an unscheduled request in a slot where it fits as things are, trying its slots from a
/// random one on; false when there is none.
fn place_anywhere(state: &mut State, r: u32, rng: &mut Rng) -> bool {
    let usable = state.problem.usable_slots(r);
    if usable.is_empty() {
        return false;
    }
    let start = rng.below(usable.len());
    for k in 0..usable.len() {
        let slot = usable[(start + k) % usable.len()];
        if state.fits(r, slot) {
            state.place(r, slot);
            return true;
        }
    }
    false
}
