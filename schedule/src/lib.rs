//! duijie-schedule: the docking-fair meeting scheduler. Accepted requests go into (slot, table)
//! places so that the total weight of the meetings held is as large as the search finds.
//!
//! The rules: nobody is in two meetings in one slot; a meeting only in a slot where both sides are
//! present; at most `tables` meetings a slot, each at its own table; nobody over `max_meetings`;
//! locked (published) meetings stay exactly where they are.
//!
//! The search: the problem without slots (each participant's limit and the tables in all) is a
//! b-matching, solved exactly as a min-cost flow (`flow.rs`); its meetings are seated slot by slot,
//! with Kempe chains where two sides share no free slot. Where the slots bind (the flow's value is
//! out of reach), the linear relaxation's Lagrangian dual (`bound.rs`) leads a second
//! construction by the (request, slot) pairs it chooses most. Simulated annealing over ejection
//! moves and a last descent repair what is left (`search.rs`); instances with few requests are
//! then searched exhaustively (`exact.rs`). The flow's value and the dual bound the optimum from
//! above. Everything is pure computation on plain data: no I/O, no clock, and the same instance
//! and options always give the same schedule.

mod bound;
mod error;
mod exact;
mod flow;
#[cfg(feature = "serde")]
pub mod json;
mod model;
mod problem;
mod rng;
mod search;
mod state;

use std::collections::{BTreeSet, HashMap};

pub use crate::error::ScheduleError;
pub use crate::model::{
    Instance, Lock, Meeting, Options, Participant, Request, Schedule, DEFAULT_EFFORT,
};
pub use crate::problem::{MAX_SLOTS, MAX_TABLES};

use crate::problem::{Problem, NONE};
use crate::rng::Rng;
use crate::state::State;

/// Schedules a fair from scratch. Errors name the first participant or request that makes the
/// instance invalid (an unknown participant, a bad weight, an infeasible lock).
pub fn solve(instance: &Instance, options: &Options) -> Result<Schedule, ScheduleError> {
    let problem = Problem::new(instance)?;
    let searched = search_from_scratch(&problem, options);
    Ok(schedule_of(
        instance,
        &problem,
        &searched.slot_of,
        &HashMap::new(),
    ))
}

/// [`solve`], and a number no schedule's objective exceeds: the schedule is at least
/// `objective / bound` of the optimum.
pub fn solve_with_bound(
    instance: &Instance,
    options: &Options,
) -> Result<(Schedule, f64), ScheduleError> {
    let problem = Problem::new(instance)?;
    let searched = search_from_scratch(&problem, options);
    let schedule = schedule_of(instance, &problem, &searched.slot_of, &HashMap::new());
    let mut bound = searched.bound;
    if !searched.dual_tried && gap_is_wide(bound, schedule.objective) {
        bound = bound.min(bound::dual(&problem, schedule.objective).bound);
    }
    let bound = bound.max(schedule.objective);
    Ok((schedule, bound))
}

/// Schedules a fair again after a change, keeping every published meeting where it is.
///
/// `instance` is the fair as it is now: a cancelled request or a no-show's requests removed, late
/// participants and requests added. `previous` is the schedule before the change and `published`
/// the ids of its meetings already announced: each stays at its slot and table (a published
/// request no longer in `instance` was cancelled and frees its table). Requests locked in
/// `instance` stay at their locks too. The other meetings of `previous` are the starting point,
/// kept at their tables when they stay in their slots, so the result is never worse than what of
/// `previous` still fits.
pub fn replan(
    instance: &Instance,
    previous: &Schedule,
    published: &[String],
    options: &Options,
) -> Result<Schedule, ScheduleError> {
    let request_index: HashMap<&str, usize> = instance
        .requests
        .iter()
        .enumerate()
        .map(|(index, request)| (request.id.as_str(), index))
        .collect();
    let previous_place: HashMap<&str, (usize, usize)> = previous
        .meetings
        .iter()
        .map(|meeting| (meeting.request.as_str(), (meeting.slot, meeting.table)))
        .collect();
    let mut fixed = instance.clone();
    for id in published {
        let Some(&r) = request_index.get(id.as_str()) else {
            continue;
        };
        let Some(&(slot, table)) = previous_place.get(id.as_str()) else {
            return Err(ScheduleError::PublishedNotScheduled {
                request: id.clone(),
            });
        };
        let lock = Lock { slot, table };
        match fixed.requests[r].lock {
            Some(own) if own != lock => {
                return Err(ScheduleError::PublishedElsewhere {
                    request: id.clone(),
                    slot,
                    table,
                    lock_slot: own.slot,
                    lock_table: own.table,
                })
            }
            _ => fixed.requests[r].lock = Some(lock),
        }
    }
    let problem = Problem::new(&fixed)?;
    let mut state = State::new(&problem);
    let mut rng = Rng::new(options.seed);
    for meeting in &previous.meetings {
        let Some(&r) = request_index.get(meeting.request.as_str()) else {
            continue;
        };
        let r = r as u32;
        let slot = meeting.slot as u32;
        if state.slot_of[r as usize] == NONE
            && problem.usable_slots(r).contains(&slot)
            && state.fits(r, slot)
        {
            state.place(r, slot);
        }
    }
    state.commit();
    search::fill(&mut state);
    let moves = u64::from(options.effort) * problem.candidates.len() as u64 / 10;
    search::anneal(
        &mut state,
        &mut rng,
        moves,
        start_temperature(&problem) * REPLAN_TEMPERATURE,
    );
    finish(&mut state, &mut rng);
    Ok(schedule_of(
        &fixed,
        &problem,
        &state.slot_of,
        &previous_place,
    ))
}

/// A number no schedule's objective exceeds, for judging a schedule: `objective / upper_bound` is
/// a share of the optimum the schedule is sure to reach. It is the value of the schedule without
/// slots (exact, `flow.rs`), or the linear relaxation's dual (approached by subgradient steps,
/// `bound.rs`) when that is lower; the dual is only tried when the first is more than 0.1% above
/// a greedy schedule (on fairs whose slots do not bind it is no tighter, and it costs more).
pub fn upper_bound(instance: &Instance) -> Result<f64, ScheduleError> {
    let problem = Problem::new(instance)?;
    let relaxation = flow::relax(&problem);
    let mut state = State::new(&problem);
    let mut rng = Rng::new(0);
    search::construct(&mut state, &relaxation.chosen, &mut rng);
    let mut bound = relaxation.bound;
    if gap_is_wide(bound, state.value) {
        bound = bound.min(bound::dual(&problem, state.value).bound);
    }
    Ok(bound.max(state.value))
}

/// What the whole search found, and the best bound it met on the way.
struct Searched {
    slot_of: Vec<u32>,
    bound: f64,
    /// Whether `bound` already includes the linear relaxation's dual.
    dual_tried: bool,
}

/// The whole search: the relaxation's meetings seated (or, where the slots bind, a construction
/// led by the linear relaxation's dual), annealing, a last descent, and the exhaustive search on
/// small instances; skips what cannot help once a bound is reached.
fn search_from_scratch(problem: &Problem, options: &Options) -> Searched {
    let mut state = State::new(problem);
    let mut rng = Rng::new(options.seed);
    let relaxation = flow::relax(problem);
    let mut bound = relaxation.bound;
    search::construct(&mut state, &relaxation.chosen, &mut rng);
    // Where the slots bind (the flow's bound is out of reach), the linear relaxation knows better
    // which meeting goes in which slot: a construction led by its dual may start higher.
    let dual_tried = gap_is_wide(bound, state.value);
    if dual_tried {
        let dual = bound::dual(problem, state.value);
        bound = bound.min(dual.bound);
        let mut led = State::new(problem);
        search::construct_preferred(&mut led, &dual.preferred, &mut rng);
        if led.value > state.value {
            state.reset_to(&led.slot_of);
        }
    }
    // The flow's bound carries its rounding slack (about 1e-9 of the largest weight per meeting),
    // so "reached" allows a millionth of the largest weight.
    let reached = |state: &State| state.value >= bound - search::tolerance(problem) * 1000.0;
    if !reached(&state) {
        let moves = u64::from(options.effort) * problem.candidates.len() as u64;
        search::anneal(&mut state, &mut rng, moves, start_temperature(problem));
    }
    if !reached(&state) {
        finish(&mut state, &mut rng);
    }
    Searched {
        slot_of: state.slot_of,
        bound,
        dual_tried,
    }
}

/// Whether a bound is more than 0.1% above an objective: worth the dual's effort.
fn gap_is_wide(bound: f64, objective: f64) -> bool {
    bound - objective > 1e-3 * objective.abs()
}

/// Re-planning starts much cooler than a fresh search: it should polish, not stir.
const REPLAN_TEMPERATURE: f64 = 0.1;

/// A tenth of the mean weight of the candidates: a loss that size is accepted often at first.
fn start_temperature(problem: &Problem) -> f64 {
    if problem.candidates.is_empty() {
        return 1.0;
    }
    let total: f64 = problem
        .candidates
        .iter()
        .map(|&r| problem.weight[r as usize])
        .sum();
    (total / problem.candidates.len() as f64 * 0.1).max(f64::MIN_POSITIVE)
}

/// Fills what fits, descends, and searches small instances exhaustively.
fn finish(state: &mut State, rng: &mut Rng) {
    search::fill(state);
    search::descend(state, rng);
    exact::branch_and_bound(state);
    search::fill(state);
}

/// Gives each meeting a table: locks keep theirs, a meeting staying in its previous slot keeps its
/// previous table when free, the rest take the lowest free tables in request order.
fn schedule_of(
    instance: &Instance,
    problem: &Problem,
    slot_of: &[u32],
    previous: &HashMap<&str, (usize, usize)>,
) -> Schedule {
    let mut by_slot: Vec<Vec<usize>> = vec![Vec::new(); problem.slots];
    for (r, &slot) in slot_of.iter().enumerate() {
        if slot != NONE {
            by_slot[slot as usize].push(r);
        }
    }
    let mut meetings = Vec::new();
    for (slot, requests) in by_slot.iter().enumerate() {
        let mut taken = BTreeSet::new();
        let mut table_of: Vec<Option<usize>> = vec![None; requests.len()];
        for (k, &r) in requests.iter().enumerate() {
            if let Some((_, table)) = problem.lock[r] {
                taken.insert(table as usize);
                table_of[k] = Some(table as usize);
            }
        }
        for (k, &r) in requests.iter().enumerate() {
            if table_of[k].is_some() {
                continue;
            }
            if let Some(&(previous_slot, table)) = previous.get(instance.requests[r].id.as_str()) {
                if previous_slot == slot && table < instance.tables && taken.insert(table) {
                    table_of[k] = Some(table);
                }
            }
        }
        let mut next = 0;
        for table in table_of.iter_mut().filter(|table| table.is_none()) {
            while taken.contains(&next) {
                next += 1;
            }
            taken.insert(next);
            *table = Some(next);
        }
        for (k, &r) in requests.iter().enumerate() {
            meetings.push(Meeting {
                request: instance.requests[r].id.clone(),
                slot,
                table: table_of[k].expect("every meeting has a table"),
            });
        }
    }
    meetings.sort_by_key(|meeting| (meeting.slot, meeting.table));
    let mut objective = 0.0;
    let mut unscheduled = Vec::new();
    for (r, request) in instance.requests.iter().enumerate() {
        if slot_of[r] == NONE {
            unscheduled.push(request.id.clone());
        } else {
            objective += request.weight;
        }
    }
    Schedule {
        meetings,
        unscheduled,
        objective,
    }
}
