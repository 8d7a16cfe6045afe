//! On seeded medium fairs the schedule keeps every rule, beats greedy-by-weight, and reaches 99% of
//! its own upper bound (so at least 99% of the optimum).

use std::collections::HashMap;

use duijie_schedule::{solve_with_bound, upper_bound, Instance, Options};

use crate::checker::check;
use crate::fairs::fair;

/// Greedy by weight, written apart from the solver: heaviest first, each into the first slot
/// where both sides are present and free, a table is left and both are under their limits.
fn greedy(instance: &Instance) -> f64 {
    let index: HashMap<&str, usize> = instance
        .participants
        .iter()
        .enumerate()
        .map(|(index, participant)| (participant.id.as_str(), index))
        .collect();
    let mut order: Vec<usize> = (0..instance.requests.len()).collect();
    order.sort_by(|&x, &y| {
        instance.requests[y]
            .weight
            .total_cmp(&instance.requests[x].weight)
            .then(x.cmp(&y))
    });
    let n = instance.participants.len();
    let mut busy = vec![vec![false; instance.slots]; n];
    let mut count = vec![0; n];
    let mut load = vec![0; instance.slots];
    let mut total = 0.0;
    for r in order {
        let request = &instance.requests[r];
        let (a, b) = (index[request.a.as_str()], index[request.b.as_str()]);
        if count[a] >= instance.participants[a].max_meetings
            || count[b] >= instance.participants[b].max_meetings
        {
            continue;
        }
        let slot = (0..instance.slots).find(|&slot| {
            load[slot] < instance.tables
                && !busy[a][slot]
                && !busy[b][slot]
                && instance.participants[a].available.contains(&slot)
                && instance.participants[b].available.contains(&slot)
        });
        if let Some(slot) = slot {
            busy[a][slot] = true;
            busy[b][slot] = true;
            load[slot] += 1;
            count[a] += 1;
            count[b] += 1;
            total += request.weight;
        }
    }
    total
}

#[test]
fn medium_fairs_reach_99_percent_of_their_bound() {
    for seed in 1..=3 {
        let instance = fair(200, 800, 8, 16, seed);
        let (schedule, bound) = solve_with_bound(&instance, &Options::default()).expect("no locks");
        check(&instance, &schedule).unwrap_or_else(|message| panic!("seed {seed}: {message}"));
        let greedy = greedy(&instance);
        assert!(
            schedule.objective >= greedy,
            "seed {seed}: {} below greedy {greedy}",
            schedule.objective
        );
        assert!(
            schedule.objective >= 0.99 * bound && bound >= schedule.objective,
            "seed {seed}: objective {} and bound {bound}",
            schedule.objective
        );
        let alone = upper_bound(&instance).expect("no locks");
        assert!(alone >= schedule.objective, "seed {seed}: {alone}");
    }
}

/// People present at a few scattered slots: the slots bind and the dual leads the construction.
#[test]
fn scattered_presence_still_reaches_99_percent() {
    let mut instance = fair(200, 800, 12, 40, 4);
    for (index, participant) in instance.participants.iter_mut().enumerate() {
        // Two slots in five, in a pattern that differs from one participant to the next.
        participant.available = (0..12)
            .filter(|slot| (slot * 7 + index * 13 + slot * index) % 5 < 2)
            .collect();
    }
    let (schedule, bound) = solve_with_bound(&instance, &Options::default()).expect("no locks");
    check(&instance, &schedule).unwrap_or_else(|message| panic!("{message}"));
    assert!(
        schedule.objective >= 0.99 * bound,
        "objective {} and bound {bound}",
        schedule.objective
    );
    assert!(schedule.objective > greedy(&instance));
}
