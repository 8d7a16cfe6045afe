//! On small fairs the solver's objective equals the optimum found by trying every schedule.

use std::collections::HashMap;

use duijie_schedule::{solve, upper_bound, Instance, Options};
use proptest::prelude::*;

use crate::checker::check;
use crate::fairs::{arbitrary_instance, locks_are_feasible};

/// The best objective over every assignment of each request to no slot or one of its slots,
/// keeping each rule; locks are fixed. Written from the rules alone.
pub fn brute_force_optimum(instance: &Instance) -> f64 {
    let index: HashMap<&str, usize> = instance
        .participants
        .iter()
        .enumerate()
        .map(|(index, participant)| (participant.id.as_str(), index))
        .collect();
    let sides: Vec<(usize, usize)> = instance
        .requests
        .iter()
        .map(|request| (index[request.a.as_str()], index[request.b.as_str()]))
        .collect();
    let mut search = BruteForce {
        instance,
        sides,
        busy: vec![vec![false; instance.slots]; instance.participants.len()],
        load: vec![0; instance.slots],
        count: vec![0; instance.participants.len()],
        best: f64::NEG_INFINITY,
    };
    search.visit(0, 0.0);
    search.best
}

struct BruteForce<'i> {
    instance: &'i Instance,
    sides: Vec<(usize, usize)>,
    busy: Vec<Vec<bool>>,
    load: Vec<usize>,
    count: Vec<usize>,
    best: f64,
}

impl BruteForce<'_> {
    fn visit(&mut self, r: usize, value: f64) {
        if r == self.instance.requests.len() {
            self.best = self.best.max(value);
            return;
        }
        let request = &self.instance.requests[r];
        let (a, b) = self.sides[r];
        let slots: Vec<usize> = match request.lock {
            Some(lock) => vec![lock.slot],
            None => (0..self.instance.slots).collect(),
        };
        for slot in slots {
            let allowed = self.instance.participants[a].available.contains(&slot)
                && self.instance.participants[b].available.contains(&slot)
                && !self.busy[a][slot]
                && !self.busy[b][slot]
                && self.load[slot] < self.instance.tables
                && self.count[a] < self.instance.participants[a].max_meetings
                && self.count[b] < self.instance.participants[b].max_meetings;
            if !allowed {
                continue;
            }
            self.busy[a][slot] = true;
            self.busy[b][slot] = true;
            self.load[slot] += 1;
            self.count[a] += 1;
            self.count[b] += 1;
            self.visit(r + 1, value + request.weight);
            self.busy[a][slot] = false;
            self.busy[b][slot] = false;
            self.load[slot] -= 1;
            self.count[a] -= 1;
            self.count[b] -= 1;
        }
        if request.lock.is_none() {
            self.visit(r + 1, value);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// Up to 8 requests and 3 slots: the solver finds the optimum, and the bound is above it.
    #[test]
    fn small_fairs_are_solved_to_optimality(instance in arbitrary_instance(6, 3, 3, 8)) {
        prop_assume!(locks_are_feasible(&instance));
        let schedule = solve(&instance, &Options::default()).expect("feasible locks");
        if let Err(message) = check(&instance, &schedule) {
            prop_assert!(false, "{}", message);
        }
        let optimum = brute_force_optimum(&instance);
        prop_assert!(
            (schedule.objective - optimum).abs() < 1e-9,
            "objective {} but the optimum is {}", schedule.objective, optimum
        );
        let bound = upper_bound(&instance).expect("feasible locks");
        prop_assert!(bound >= optimum - 1e-9, "bound {} under the optimum {}", bound, optimum);
    }

    /// Without any local search (effort 0), the exhaustive search alone still finds the optimum.
    #[test]
    fn small_fairs_are_optimal_without_local_search(instance in arbitrary_instance(6, 3, 3, 8)) {
        prop_assume!(locks_are_feasible(&instance));
        let schedule = solve(&instance, &Options { effort: 0, seed: 0 }).expect("feasible locks");
        let optimum = brute_force_optimum(&instance);
        prop_assert!((schedule.objective - optimum).abs() < 1e-9);
    }
}
