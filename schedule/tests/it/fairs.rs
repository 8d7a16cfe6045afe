//! Instances for the tests: random small ones for properties, and a seeded fair shaped like
//! bench/fair/gen_fair.py's (enterprises asking for experts, popular experts, half-day people).

use std::collections::{HashMap, HashSet};

use duijie_schedule::{Instance, Lock, Participant, Request};
use proptest::prelude::*;

/// Random instances: up to `max_participants` people present at random slots with limits of 0 to
/// 3 meetings, up to `max_requests` requests with weights in quarters, and about one request in
/// six locked somewhere (the locks may clash).
pub fn arbitrary_instance(
    max_participants: usize,
    max_slots: usize,
    max_tables: usize,
    max_requests: usize,
) -> impl Strategy<Value = Instance> {
    (
        1..=max_slots,
        0..=max_tables,
        2..=max_participants,
        prop::collection::vec((any::<u16>(), 0..=3usize), max_participants),
        prop::collection::vec(
            (
                any::<u16>(),
                any::<u16>(),
                0..=12u8,
                any::<u8>(),
                any::<u16>(),
                any::<u16>(),
            ),
            0..=max_requests,
        ),
    )
        .prop_map(|(slots, tables, n, people, raw)| {
            let participants = people[..n]
                .iter()
                .enumerate()
                .map(|(index, &(mask, max_meetings))| Participant {
                    id: format!("p{index}"),
                    available: (0..slots).filter(|slot| mask >> slot & 1 == 1).collect(),
                    max_meetings,
                })
                .collect();
            let requests = raw
                .iter()
                .enumerate()
                .map(|(index, &(a, b, weight, lock, slot, table))| {
                    let a = a as usize % n;
                    let mut b = b as usize % n;
                    if b == a {
                        b = (a + 1) % n;
                    }
                    Request {
                        id: format!("r{index}"),
                        a: format!("p{a}"),
                        b: format!("p{b}"),
                        weight: f64::from(weight) * 0.25,
                        lock: (lock % 6 == 0 && tables > 0).then(|| Lock {
                            slot: slot as usize % slots,
                            table: table as usize % tables,
                        }),
                    }
                })
                .collect();
            Instance {
                slots,
                tables,
                participants,
                requests,
            }
        })
}

/// Whether the locks can all hold: distinct tables, both sides present, nobody locked twice in a
/// slot, nobody locked more than their limit. Written apart from the solver's own checks.
pub fn locks_are_feasible(instance: &Instance) -> bool {
    let participants: HashMap<&str, &Participant> = instance
        .participants
        .iter()
        .map(|participant| (participant.id.as_str(), participant))
        .collect();
    let mut places = HashSet::new();
    let mut busy = HashSet::new();
    let mut count: HashMap<&str, usize> = HashMap::new();
    for request in &instance.requests {
        let Some(lock) = request.lock else { continue };
        if !places.insert((lock.slot, lock.table)) {
            return false;
        }
        for side in [request.a.as_str(), request.b.as_str()] {
            if !participants[side].available.contains(&lock.slot) || !busy.insert((side, lock.slot))
            {
                return false;
            }
            let locked = count.entry(side).or_default();
            *locked += 1;
            if *locked > participants[side].max_meetings {
                return false;
            }
        }
    }
    true
}

/// A small deterministic generator for the seeded fairs below (xorshift64*).
struct Numbers(u64);

impl Numbers {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A fair like gen_fair.py's: 30% experts, requests from enterprises to experts drawn by a
/// popularity falling with rank, a fifth of the people there half a day, limits of 1–4 meetings
/// for enterprises and 4–10 for experts, weights in (0.25, 1].
pub fn fair(
    participants: usize,
    requests: usize,
    slots: usize,
    tables: usize,
    seed: u64,
) -> Instance {
    let mut numbers = Numbers(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let n_experts = (participants * 3 / 10).max(1);
    let n_enterprises = participants - n_experts;
    let mut people = Vec::new();
    for index in 0..participants {
        let expert = index < n_experts;
        let half = slots / 2;
        let available = if numbers.below(5) == 0 && half > 0 {
            if numbers.below(2) == 0 {
                (0..half).collect()
            } else {
                (half..slots).collect()
            }
        } else {
            (0..slots).collect()
        };
        let max_meetings = if expert {
            4 + numbers.below(7)
        } else {
            1 + numbers.below(4)
        };
        people.push(Participant {
            id: if expert {
                format!("exp-{index}")
            } else {
                format!("ent-{index}")
            },
            available,
            max_meetings,
        });
    }
    // Popularity 1 / (rank + 1): the expert's index is its rank.
    let popularity: Vec<f64> = (0..n_experts).map(|rank| 1.0 / (rank + 1) as f64).collect();
    let total: f64 = popularity.iter().sum();
    let mut pairs = HashSet::new();
    let mut out = Vec::new();
    let mut attempts = 0;
    while out.len() < requests && attempts < requests * 50 {
        attempts += 1;
        let enterprise = n_experts + numbers.below(n_enterprises);
        let mut pick = numbers.unit() * total;
        let mut expert = n_experts - 1;
        for (rank, &share) in popularity.iter().enumerate() {
            if pick < share {
                expert = rank;
                break;
            }
            pick -= share;
        }
        if !pairs.insert((enterprise, expert)) {
            continue;
        }
        let weight = ((0.25 + 0.75 * numbers.unit()) * 10_000.0).round() / 10_000.0;
        out.push(Request {
            id: format!("r{}", out.len()),
            a: people[enterprise].id.clone(),
            b: people[expert].id.clone(),
            weight,
            lock: None,
        });
    }
    Instance {
        slots,
        tables,
        participants: people,
        requests: out,
    }
}
