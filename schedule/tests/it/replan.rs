//! Re-planning keeps every published meeting where it was and never does worse than the previous
//! schedule less what the change took away.

use std::collections::HashMap;

use duijie_schedule::{
    replan, solve, Instance, Lock, Options, Participant, Request, Schedule, ScheduleError,
};
use proptest::prelude::*;

use crate::checker::check;
use crate::fairs::{arbitrary_instance, fair, locks_are_feasible};

/// The instance with the published meetings that survive the change locked where they were: the
/// rules the new schedule must keep.
fn with_published_locked(
    instance: &Instance,
    previous: &Schedule,
    published: &[String],
) -> Instance {
    let mut locked = instance.clone();
    for meeting in &previous.meetings {
        if !published.contains(&meeting.request) {
            continue;
        }
        if let Some(request) = locked
            .requests
            .iter_mut()
            .find(|request| request.id == meeting.request)
        {
            request.lock = Some(Lock {
                slot: meeting.slot,
                table: meeting.table,
            });
        }
    }
    locked
}

/// Checks a re-plan after `change`: rules, published meetings in place, and the objective.
fn check_replan(
    changed: &Instance,
    previous: &Schedule,
    published: &[String],
    removed_weight: f64,
) -> Result<Schedule, String> {
    let options = Options {
        effort: 100,
        seed: 1,
    };
    let schedule = replan(changed, previous, published, &options).map_err(|e| e.to_string())?;
    check(
        &with_published_locked(changed, previous, published),
        &schedule,
    )?;
    let now: HashMap<&str, (usize, usize)> = schedule
        .meetings
        .iter()
        .map(|meeting| (meeting.request.as_str(), (meeting.slot, meeting.table)))
        .collect();
    let still_there: Vec<&str> = changed.requests.iter().map(|r| r.id.as_str()).collect();
    let mut locked_before = 0.0;
    let mut locked_after = 0.0;
    for meeting in &previous.meetings {
        if published.contains(&meeting.request) && still_there.contains(&meeting.request.as_str()) {
            let weight = changed
                .requests
                .iter()
                .find(|request| request.id == meeting.request)
                .map_or(0.0, |request| request.weight);
            locked_before += weight;
            match now.get(meeting.request.as_str()) {
                Some(&place) if place == (meeting.slot, meeting.table) => locked_after += weight,
                other => {
                    return Err(format!(
                        "{} was published at {:?} and is now at {other:?}",
                        meeting.request,
                        (meeting.slot, meeting.table)
                    ))
                }
            }
        }
    }
    if locked_after < locked_before {
        return Err("the locked part lost weight".to_string());
    }
    if schedule.objective < previous.objective - removed_weight - 1e-9 {
        return Err(format!(
            "objective fell from {} (less {removed_weight} cancelled) to {}",
            previous.objective, schedule.objective
        ));
    }
    Ok(schedule)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Publish some meetings, cancel one request, re-plan.
    #[test]
    fn a_cancellation_moves_no_published_meeting(
        instance in arbitrary_instance(8, 4, 4, 14),
        mask in any::<u32>(),
        cancel in any::<usize>(),
    ) {
        prop_assume!(locks_are_feasible(&instance) && !instance.requests.is_empty());
        let previous = solve(&instance, &Options { effort: 50, seed: 0 }).expect("feasible");
        let published: Vec<String> = previous
            .meetings
            .iter()
            .enumerate()
            .filter(|(k, _)| mask >> (k % 32) & 1 == 1)
            .map(|(_, meeting)| meeting.request.clone())
            .collect();
        let mut changed = instance.clone();
        let cancelled = changed.requests.remove(cancel % instance.requests.len());
        let removed_weight = if previous.unscheduled.contains(&cancelled.id) { 0.0 } else { cancelled.weight };
        if let Err(message) = check_replan(&changed, &previous, &published, removed_weight) {
            prop_assert!(false, "{}", message);
        }
    }

    /// A late participant with new requests: nothing published moves, nothing is lost.
    #[test]
    fn a_late_registration_moves_no_published_meeting(
        instance in arbitrary_instance(8, 4, 4, 14),
        mask in any::<u32>(),
        partners in prop::collection::vec(any::<usize>(), 1..4),
    ) {
        prop_assume!(locks_are_feasible(&instance));
        let previous = solve(&instance, &Options { effort: 50, seed: 0 }).expect("feasible");
        let published: Vec<String> = previous
            .meetings
            .iter()
            .enumerate()
            .filter(|(k, _)| mask >> (k % 32) & 1 == 1)
            .map(|(_, meeting)| meeting.request.clone())
            .collect();
        let mut changed = instance.clone();
        changed.participants.push(Participant {
            id: "late".to_string(),
            available: (0..instance.slots).collect(),
            max_meetings: 2,
        });
        for (k, partner) in partners.iter().enumerate() {
            let partner = &instance.participants[partner % instance.participants.len()].id;
            changed.requests.push(Request {
                id: format!("late-{k}"),
                a: "late".to_string(),
                b: partner.clone(),
                weight: 5.0,
                lock: None,
            });
        }
        if let Err(message) = check_replan(&changed, &previous, &published, 0.0) {
            prop_assert!(false, "{}", message);
        }
    }
}

/// A medium fair: the first half day's agendas are printed, the heaviest printed meeting is
/// cancelled; its table is used again and nothing printed moves.
#[test]
fn a_cancelled_printed_meeting_frees_its_table_for_another() {
    let instance = fair(200, 800, 8, 16, 5);
    let previous = solve(&instance, &Options::default()).expect("no locks");
    let published: Vec<String> = previous
        .meetings
        .iter()
        .filter(|meeting| meeting.slot < 4)
        .map(|meeting| meeting.request.clone())
        .collect();
    let heaviest = published
        .iter()
        .max_by(|x, y| {
            let weight = |id: &String| {
                instance
                    .requests
                    .iter()
                    .find(|request| &request.id == id)
                    .expect("a request")
                    .weight
            };
            weight(x).total_cmp(&weight(y))
        })
        .expect("meetings in the morning")
        .clone();
    let freed = previous
        .meetings
        .iter()
        .find(|meeting| meeting.request == heaviest)
        .expect("published")
        .clone();
    let mut changed = instance.clone();
    changed.requests.retain(|request| request.id != heaviest);
    let cancelled_weight = instance
        .requests
        .iter()
        .find(|request| request.id == heaviest)
        .expect("a request")
        .weight;
    let schedule = check_replan(&changed, &previous, &published, cancelled_weight)
        .unwrap_or_else(|message| panic!("{message}"));
    assert!(
        schedule
            .meetings
            .iter()
            .any(|meeting| meeting.slot == freed.slot && meeting.table == freed.table),
        "the freed table {} at slot {} stays empty",
        freed.table,
        freed.slot
    );
    let again = replan(
        &changed,
        &previous,
        &published,
        &Options {
            effort: 100,
            seed: 1,
        },
    );
    assert_eq!(
        again.as_ref().ok(),
        Some(&schedule),
        "re-planning is deterministic"
    );
}

#[test]
fn replanning_errors_name_the_request() {
    let instance = fair(30, 60, 4, 4, 2);
    let previous = solve(&instance, &Options::default()).expect("no locks");
    let first = previous.meetings[0].clone();
    let unscheduled = previous.unscheduled[0].clone();
    let options = Options::default();

    let error = replan(
        &instance,
        &previous,
        std::slice::from_ref(&unscheduled),
        &options,
    )
    .unwrap_err();
    assert_eq!(
        error,
        ScheduleError::PublishedNotScheduled {
            request: unscheduled.clone()
        }
    );
    assert_eq!(
        error.to_string(),
        format!(
            "request {unscheduled}: published, but the previous schedule has no meeting for it"
        )
    );

    let mut locked_elsewhere = instance.clone();
    let request = locked_elsewhere
        .requests
        .iter_mut()
        .find(|request| request.id == first.request)
        .expect("a request");
    request.lock = Some(Lock {
        slot: first.slot,
        table: first.table + 1,
    });
    let error = replan(
        &locked_elsewhere,
        &previous,
        std::slice::from_ref(&first.request),
        &options,
    )
    .unwrap_err();
    assert!(
        matches!(error, ScheduleError::PublishedElsewhere { .. }),
        "{error}"
    );
    assert_eq!(error.request(), Some(first.request.as_str()));

    // A no-show whose published meeting is still in the fair: the lock is now infeasible.
    let mut no_show = instance.clone();
    let request = instance
        .requests
        .iter()
        .find(|request| request.id == first.request)
        .expect("a request");
    let absent = no_show
        .participants
        .iter_mut()
        .find(|participant| participant.id == request.a)
        .expect("a participant");
    absent.available.clear();
    let error = replan(
        &no_show,
        &previous,
        std::slice::from_ref(&first.request),
        &options,
    )
    .unwrap_err();
    assert_eq!(
        error,
        ScheduleError::LockAbsent {
            request: first.request.clone(),
            participant: request.a.clone(),
            slot: first.slot
        }
    );
}
