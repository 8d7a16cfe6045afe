//! The instance checked and compiled into dense numbers: participants and requests by index, the
//! slots each request can still use once the locks are in, and the candidates the search places.

use std::collections::HashMap;

use crate::error::ScheduleError;
use crate::model::Instance;

/// "No request", "no slot": the empty value of the dense tables.
pub(crate) const NONE: u32 = u32::MAX;

/// The most slots a fair may have: per-participant tables are `participants × slots`.
pub const MAX_SLOTS: usize = 1024;
/// The most tables a fair may have.
pub const MAX_TABLES: usize = 1 << 20;

/// A checked instance in dense form. Requests keep the instance's order and index.
pub(crate) struct Problem {
    pub slots: usize,
    pub tables: u32,
    /// Each participant's limit, capped at the number of slots (one meeting per slot at most).
    pub max_meetings: Vec<u32>,
    pub a: Vec<u32>,
    pub b: Vec<u32>,
    pub weight: Vec<f64>,
    /// `(slot, table)` of a locked request.
    pub lock: Vec<Option<(u32, u32)>>,
    /// The meetings each participant can still take besides its locked ones: its limit less its
    /// locks, and at most the slots where it is present, free of locks, with a table left.
    pub room: Vec<u32>,
    /// The tables left over all slots once the locks are in.
    pub seats: u64,
    /// The requests the search may place: unlocked, with a slot where both sides are present and
    /// free of locked meetings, and meetings left to both sides.
    pub candidates: Vec<u32>,
    /// For each request, its usable slots are `slot_list[slot_start[r]..slot_start[r + 1]]`.
    slot_start: Vec<u32>,
    slot_list: Vec<u32>,
    /// Each participant's candidate requests, heaviest first (ties by index):
    /// `requests_list[requests_start[p]..requests_start[p + 1]]`.
    requests_start: Vec<u32>,
    requests_list: Vec<u32>,
}

impl Problem {
    /// Checks the instance and compiles it; the first problem found is the error.
    pub fn new(instance: &Instance) -> Result<Problem, ScheduleError> {
        let slots = instance.slots;
        if slots > MAX_SLOTS {
            return Err(ScheduleError::TooLarge {
                field: "slots",
                value: slots,
                limit: MAX_SLOTS,
            });
        }
        if instance.tables > MAX_TABLES {
            return Err(ScheduleError::TooLarge {
                field: "tables",
                value: instance.tables,
                limit: MAX_TABLES,
            });
        }
        let n_participants = instance.participants.len();
        let mut participant_index: HashMap<&str, u32> = HashMap::with_capacity(n_participants);
        let mut present = vec![false; n_participants * slots];
        let mut max_meetings = Vec::with_capacity(n_participants);
        for (index, participant) in instance.participants.iter().enumerate() {
            if participant_index
                .insert(participant.id.as_str(), index as u32)
                .is_some()
            {
                return Err(ScheduleError::DuplicateParticipant {
                    participant: participant.id.clone(),
                });
            }
            for &slot in &participant.available {
                if slot >= slots {
                    return Err(ScheduleError::NoSuchSlot {
                        participant: participant.id.clone(),
                        slot,
                        slots,
                    });
                }
                present[index * slots + slot] = true;
            }
            max_meetings.push(participant.max_meetings.min(slots) as u32);
        }

        let n_requests = instance.requests.len();
        let mut request_index: HashMap<&str, u32> = HashMap::with_capacity(n_requests);
        let mut a = Vec::with_capacity(n_requests);
        let mut b = Vec::with_capacity(n_requests);
        let mut weight = Vec::with_capacity(n_requests);
        let mut lock = Vec::with_capacity(n_requests);
        // The request locked at each (slot, table), the one holding each participant at a slot,
        // and each participant's locked meetings.
        let mut table_holder: HashMap<(usize, usize), u32> = HashMap::new();
        let mut busy = vec![NONE; n_participants * slots];
        let mut locked_meetings = vec![0u32; n_participants];
        let mut locks_at = vec![0u32; slots];
        for (index, request) in instance.requests.iter().enumerate() {
            let r = index as u32;
            if request_index.insert(request.id.as_str(), r).is_some() {
                return Err(ScheduleError::DuplicateRequest {
                    request: request.id.clone(),
                });
            }
            let side = |field: &'static str, id: &str| {
                participant_index.get(id).copied().ok_or_else(|| {
                    ScheduleError::UnknownParticipant {
                        request: request.id.clone(),
                        field,
                        participant: id.to_string(),
                    }
                })
            };
            let pa = side("a", &request.a)?;
            let pb = side("b", &request.b)?;
            if pa == pb {
                return Err(ScheduleError::SelfMeeting {
                    request: request.id.clone(),
                    participant: request.b.clone(),
                });
            }
            if !request.weight.is_finite() || request.weight < 0.0 {
                return Err(ScheduleError::BadWeight {
                    request: request.id.clone(),
                    weight: request.weight,
                });
            }
            a.push(pa);
            b.push(pb);
            weight.push(request.weight);
            let Some(fixed) = request.lock else {
                lock.push(None);
                continue;
            };
            if fixed.slot >= slots {
                return Err(ScheduleError::LockNoSuchSlot {
                    request: request.id.clone(),
                    slot: fixed.slot,
                    slots,
                });
            }
            if fixed.table >= instance.tables {
                return Err(ScheduleError::LockNoSuchTable {
                    request: request.id.clone(),
                    table: fixed.table,
                    tables: instance.tables,
                });
            }
            for (p, id) in [(pa, &request.a), (pb, &request.b)] {
                if !present[p as usize * slots + fixed.slot] {
                    return Err(ScheduleError::LockAbsent {
                        request: request.id.clone(),
                        participant: id.clone(),
                        slot: fixed.slot,
                    });
                }
            }
            if let Some(&other) = table_holder.get(&(fixed.slot, fixed.table)) {
                return Err(ScheduleError::LockTableTaken {
                    request: request.id.clone(),
                    other: instance.requests[other as usize].id.clone(),
                    slot: fixed.slot,
                    table: fixed.table,
                });
            }
            for (p, id) in [(pa, &request.a), (pb, &request.b)] {
                let other = busy[p as usize * slots + fixed.slot];
                if other != NONE {
                    return Err(ScheduleError::LockDoubleBooked {
                        request: request.id.clone(),
                        other: instance.requests[other as usize].id.clone(),
                        participant: id.clone(),
                        slot: fixed.slot,
                    });
                }
            }
            for (p, id) in [(pa, &request.a), (pb, &request.b)] {
                let limit = instance.participants[p as usize].max_meetings;
                if locked_meetings[p as usize] as usize >= limit {
                    return Err(ScheduleError::LockOverMax {
                        request: request.id.clone(),
                        participant: id.clone(),
                        max_meetings: limit,
                    });
                }
            }
            table_holder.insert((fixed.slot, fixed.table), r);
            busy[pa as usize * slots + fixed.slot] = r;
            busy[pb as usize * slots + fixed.slot] = r;
            locked_meetings[pa as usize] += 1;
            locked_meetings[pb as usize] += 1;
            locks_at[fixed.slot] += 1;
            lock.push(Some((fixed.slot as u32, fixed.table as u32)));
        }

        let tables = instance.tables as u32;
        let mut room = Vec::with_capacity(n_participants);
        for p in 0..n_participants {
            let open_slots = (0..slots)
                .filter(|&slot| {
                    present[p * slots + slot]
                        && busy[p * slots + slot] == NONE
                        && locks_at[slot] < tables
                })
                .count() as u32;
            room.push((max_meetings[p] - locked_meetings[p].min(max_meetings[p])).min(open_slots));
        }
        let seats = locks_at
            .iter()
            .map(|&locked| u64::from(tables - locked))
            .sum();
        let mut slot_start = Vec::with_capacity(n_requests + 1);
        let mut slot_list = Vec::new();
        let mut candidates = Vec::new();
        slot_start.push(0);
        for r in 0..n_requests {
            let (pa, pb) = (a[r] as usize, b[r] as usize);
            let room =
                locked_meetings[pa] < max_meetings[pa] && locked_meetings[pb] < max_meetings[pb];
            if lock[r].is_none() && room {
                let before = slot_list.len();
                for slot in 0..slots {
                    let usable =
                        |p: usize| present[p * slots + slot] && busy[p * slots + slot] == NONE;
                    if usable(pa) && usable(pb) && locks_at[slot] < tables {
                        slot_list.push(slot as u32);
                    }
                }
                if slot_list.len() > before {
                    candidates.push(r as u32);
                }
            }
            slot_start.push(slot_list.len() as u32);
        }
        let mut requests_start = vec![0u32; n_participants + 1];
        for &r in &candidates {
            requests_start[a[r as usize] as usize + 1] += 1;
            requests_start[b[r as usize] as usize + 1] += 1;
        }
        for p in 0..n_participants {
            requests_start[p + 1] += requests_start[p];
        }
        let mut requests_list = vec![0u32; requests_start[n_participants] as usize];
        let mut fill = requests_start.clone();
        let mut heaviest_first = candidates.clone();
        heaviest_first.sort_by(|&x, &y| {
            let (wx, wy) = (weight[x as usize], weight[y as usize]);
            wy.total_cmp(&wx).then(x.cmp(&y))
        });
        for &r in &heaviest_first {
            for side in [a[r as usize], b[r as usize]] {
                requests_list[fill[side as usize] as usize] = r;
                fill[side as usize] += 1;
            }
        }
        Ok(Problem {
            slots,
            tables,
            max_meetings,
            a,
            b,
            weight,
            lock,
            room,
            seats,
            candidates,
            slot_start,
            slot_list,
            requests_start,
            requests_list,
        })
    }

    pub fn n_requests(&self) -> usize {
        self.weight.len()
    }

    pub fn n_participants(&self) -> usize {
        self.max_meetings.len()
    }

    /// The slots an unlocked request can use: both sides present, neither locked elsewhere then,
    /// and a table not taken by locks. Empty for a locked request.
    pub fn usable_slots(&self, r: u32) -> &[u32] {
        let r = r as usize;
        &self.slot_list[self.slot_start[r] as usize..self.slot_start[r + 1] as usize]
    }

    /// A participant's candidate requests, heaviest first.
    pub fn requests_of(&self, participant: u32) -> &[u32] {
        let p = participant as usize;
        &self.requests_list[self.requests_start[p] as usize..self.requests_start[p + 1] as usize]
    }
}
