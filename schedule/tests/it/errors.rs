//! Every way an instance can be refused, each message naming the record and the field.

use duijie_schedule::{solve, upper_bound, Instance, Lock, Options, Participant, Request};

fn person(id: &str, available: &[usize], max_meetings: usize) -> Participant {
    Participant {
        id: id.to_string(),
        available: available.to_vec(),
        max_meetings,
    }
}

fn request(id: &str, a: &str, b: &str, weight: f64, lock: Option<(usize, usize)>) -> Request {
    Request {
        id: id.to_string(),
        a: a.to_string(),
        b: b.to_string(),
        weight,
        lock: lock.map(|(slot, table)| Lock { slot, table }),
    }
}

/// Three people present at slots 0 and 1 (`c` only at 1), two tables.
fn base(requests: Vec<Request>) -> Instance {
    Instance {
        slots: 2,
        tables: 2,
        participants: vec![
            person("a", &[0, 1], 2),
            person("b", &[0, 1], 2),
            person("c", &[1], 1),
        ],
        requests,
    }
}

/// The one place that runs an instance and reads its error: the message, and the request named.
fn check(instance: Instance, message: &str, request: Option<&str>) {
    let error = solve(&instance, &Options::default()).expect_err(message);
    assert_eq!(error.to_string(), message);
    assert_eq!(error.request(), request);
    assert_eq!(
        upper_bound(&instance).expect_err(message).to_string(),
        message
    );
}

#[test]
fn participants_are_checked() {
    let mut instance = base(vec![]);
    instance.participants.push(person("a", &[0], 1));
    check(instance, "participant a: id: appears twice", None);
    let mut instance = base(vec![]);
    instance.participants[1].available.push(2);
    check(
        instance,
        "participant b: available: slot 2 does not exist (the fair has 2 slots)",
        None,
    );
    let mut instance = base(vec![]);
    instance.slots = 5000;
    check(
        instance,
        "fair: slots: 5000 is more than the 1024 the scheduler takes",
        None,
    );
}

#[test]
fn requests_are_checked() {
    check(
        base(vec![
            request("r1", "a", "b", 1.0, None),
            request("r1", "a", "c", 1.0, None),
        ]),
        "request r1: id: appears twice",
        Some("r1"),
    );
    check(
        base(vec![request("r1", "a", "zed", 1.0, None)]),
        "request r1: b: unknown participant 'zed'",
        Some("r1"),
    );
    check(
        base(vec![request("r1", "who", "b", 1.0, None)]),
        "request r1: a: unknown participant 'who'",
        Some("r1"),
    );
    check(
        base(vec![request("r1", "a", "a", 1.0, None)]),
        "request r1: b: 'a' cannot meet itself",
        Some("r1"),
    );
    check(
        base(vec![request("r1", "a", "b", -0.5, None)]),
        "request r1: weight: -0.5 is not a finite number of at least 0",
        Some("r1"),
    );
    check(
        base(vec![request("r1", "a", "b", f64::NAN, None)]),
        "request r1: weight: NaN is not a finite number of at least 0",
        Some("r1"),
    );
}

#[test]
fn infeasible_locks_name_the_request() {
    check(
        base(vec![request("r1", "a", "b", 1.0, Some((2, 0)))]),
        "request r1: lock.slot: slot 2 does not exist (the fair has 2 slots)",
        Some("r1"),
    );
    check(
        base(vec![request("r1", "a", "b", 1.0, Some((0, 2)))]),
        "request r1: lock.table: table 2 does not exist (the fair has 2 tables)",
        Some("r1"),
    );
    check(
        base(vec![request("r1", "a", "c", 1.0, Some((0, 0)))]),
        "request r1: lock.slot: participant 'c' is not present at slot 0",
        Some("r1"),
    );
    check(
        base(vec![
            request("r1", "a", "b", 1.0, Some((1, 1))),
            request("r2", "b", "c", 1.0, Some((1, 1))),
        ]),
        "request r2: lock.table: table 1 at slot 1 is already locked for request r1",
        Some("r2"),
    );
    check(
        base(vec![
            request("r1", "a", "b", 1.0, Some((1, 0))),
            request("r2", "b", "c", 1.0, Some((1, 1))),
        ]),
        "request r2: lock.slot: participant 'b' is already locked into request r1 at slot 1",
        Some("r2"),
    );
    let mut instance = base(vec![
        request("r1", "a", "b", 1.0, Some((0, 0))),
        request("r2", "a", "c", 1.0, Some((1, 0))),
    ]);
    instance.participants[0].max_meetings = 1;
    check(
        instance,
        "request r2: lock: participant 'a' would have more locked meetings than max_meetings (1)",
        Some("r2"),
    );
}

#[test]
fn a_feasible_lock_is_kept_even_when_it_costs() {
    // The lock puts a light meeting where the heavy one wanted to be; it stays.
    let instance = Instance {
        slots: 1,
        tables: 1,
        participants: vec![
            person("a", &[0], 1),
            person("b", &[0], 1),
            person("c", &[0], 1),
        ],
        requests: vec![
            request("heavy", "a", "b", 9.0, None),
            request("light", "b", "c", 1.0, Some((0, 0))),
        ],
    };
    let schedule = solve(&instance, &Options::default()).expect("feasible");
    assert_eq!(schedule.unscheduled, ["heavy"]);
    assert_eq!(schedule.objective, 1.0);
    assert_eq!(upper_bound(&instance), Ok(1.0));
}
