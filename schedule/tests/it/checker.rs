//! An independent checker of a schedule against its instance, written from the rules alone (it
//! shares no code with the solver), and the properties it must hold on random instances.

use std::collections::{HashMap, HashSet};

use duijie_schedule::{solve, Instance, Options};
use proptest::prelude::*;

use crate::fairs::{arbitrary_instance, locks_are_feasible};

/// Every rule a schedule must keep, or the first one it breaks.
pub fn check(instance: &Instance, schedule: &duijie_schedule::Schedule) -> Result<(), String> {
    let participants: HashMap<&str, &duijie_schedule::Participant> = instance
        .participants
        .iter()
        .map(|participant| (participant.id.as_str(), participant))
        .collect();
    let requests: HashMap<&str, &duijie_schedule::Request> = instance
        .requests
        .iter()
        .map(|request| (request.id.as_str(), request))
        .collect();
    let mut scheduled = HashSet::new();
    let mut places = HashSet::new();
    let mut busy = HashSet::new();
    let mut meetings_of: HashMap<&str, usize> = HashMap::new();
    let mut objective = 0.0;
    for meeting in &schedule.meetings {
        let request = requests
            .get(meeting.request.as_str())
            .ok_or_else(|| format!("{}: not a request", meeting.request))?;
        if !scheduled.insert(meeting.request.as_str()) {
            return Err(format!("{}: scheduled twice", meeting.request));
        }
        if meeting.slot >= instance.slots || meeting.table >= instance.tables {
            return Err(format!("{}: no such slot or table", meeting.request));
        }
        if !places.insert((meeting.slot, meeting.table)) {
            return Err(format!(
                "{}: table {} at slot {} is taken twice",
                meeting.request, meeting.table, meeting.slot
            ));
        }
        for side in [&request.a, &request.b] {
            let participant = participants[side.as_str()];
            if !participant.available.contains(&meeting.slot) {
                return Err(format!(
                    "{}: {side} is absent at slot {}",
                    meeting.request, meeting.slot
                ));
            }
            if !busy.insert((side.as_str(), meeting.slot)) {
                return Err(format!(
                    "{}: {side} has two meetings at slot {}",
                    meeting.request, meeting.slot
                ));
            }
            *meetings_of.entry(side.as_str()).or_default() += 1;
        }
        if let Some(lock) = request.lock {
            if (lock.slot, lock.table) != (meeting.slot, meeting.table) {
                return Err(format!("{}: moved from its lock", meeting.request));
            }
        }
    }
    for participant in &instance.participants {
        let count = meetings_of
            .get(participant.id.as_str())
            .copied()
            .unwrap_or(0);
        if count > participant.max_meetings {
            return Err(format!(
                "{}: {count} meetings, over {}",
                participant.id, participant.max_meetings
            ));
        }
    }
    let mut unscheduled = Vec::new();
    for request in &instance.requests {
        if scheduled.contains(request.id.as_str()) {
            objective += request.weight;
        } else {
            if request.lock.is_some() {
                return Err(format!("{}: locked but not scheduled", request.id));
            }
            unscheduled.push(request.id.clone());
        }
    }
    if unscheduled != schedule.unscheduled {
        return Err(format!(
            "unscheduled is {:?}, expected {unscheduled:?}",
            schedule.unscheduled
        ));
    }
    if (objective - schedule.objective).abs() > 1e-9 * objective.max(1.0) {
        return Err(format!(
            "objective {} but the meetings weigh {objective}",
            schedule.objective
        ));
    }
    let mut sorted = schedule.meetings.clone();
    sorted.sort_by_key(|meeting| (meeting.slot, meeting.table));
    if sorted != schedule.meetings {
        return Err("meetings are not sorted by slot and table".to_string());
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// A schedule keeps every rule and every lock; an instance is refused exactly when its locks
    /// cannot all hold.
    #[test]
    fn schedules_keep_every_rule_and_lock(instance in arbitrary_instance(8, 4, 4, 14)) {
        let options = Options { effort: 50, seed: 7 };
        match solve(&instance, &options) {
            Ok(schedule) => {
                prop_assert!(locks_are_feasible(&instance), "accepted infeasible locks");
                if let Err(message) = check(&instance, &schedule) {
                    prop_assert!(false, "{}", message);
                }
            }
            Err(error) => {
                prop_assert!(!locks_are_feasible(&instance), "refused: {}", error);
                prop_assert!(error.request().is_some(), "{}", error);
            }
        }
    }

    /// The same instance and options give the same schedule.
    #[test]
    fn solving_is_deterministic(instance in arbitrary_instance(8, 4, 4, 14)) {
        let options = Options { effort: 30, seed: 3 };
        prop_assert_eq!(solve(&instance, &options), solve(&instance, &options));
    }
}
