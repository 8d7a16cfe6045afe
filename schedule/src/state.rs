//! A partial schedule as slot per request, with the tables the moves need kept up to date and a
//! journal, so that a tentative move is undone exactly.

use crate::problem::{Problem, NONE};

/// Which slot each request meets in, and what follows from it: who sits where, how many tables
/// each slot uses, each participant's meetings, each slot's movable meetings by weight.
pub(crate) struct State<'p> {
    pub problem: &'p Problem,
    /// The slot of each request, `NONE` when it is not scheduled.
    pub slot_of: Vec<u32>,
    /// `occupant[participant * slots + slot]`: the request the participant meets then.
    occupant: Vec<u32>,
    load: Vec<u32>,
    degree: Vec<u32>,
    /// Each slot's unlocked meetings as `(weight, request)`, cheapest first (ties by index).
    movable: Vec<Vec<(f64, u32)>>,
    /// The total weight scheduled, locks included.
    pub value: f64,
    /// `(request, slot before)` for every change since the last `commit`.
    journal: Vec<(u32, u32)>,
}

impl<'p> State<'p> {
    /// The locked meetings and nothing else.
    pub fn new(problem: &'p Problem) -> State<'p> {
        let mut state = State {
            problem,
            slot_of: vec![NONE; problem.n_requests()],
            occupant: vec![NONE; problem.n_participants() * problem.slots],
            load: vec![0; problem.slots],
            degree: vec![0; problem.n_participants()],
            movable: vec![Vec::new(); problem.slots],
            value: 0.0,
            journal: Vec::new(),
        };
        for (r, lock) in problem.lock.iter().enumerate() {
            if let Some((slot, _)) = lock {
                state.set(r as u32, *slot);
            }
        }
        state
    }

    pub fn occupant(&self, participant: u32, slot: u32) -> u32 {
        self.occupant[participant as usize * self.problem.slots + slot as usize]
    }

    pub fn load(&self, slot: u32) -> u32 {
        self.load[slot as usize]
    }

    pub fn degree(&self, participant: u32) -> u32 {
        self.degree[participant as usize]
    }

    /// Whether an unscheduled request can meet at `slot` without moving anything.
    pub fn fits(&self, r: u32, slot: u32) -> bool {
        let problem = self.problem;
        let (a, b) = (problem.a[r as usize], problem.b[r as usize]);
        self.load[slot as usize] < problem.tables
            && self.occupant(a, slot) == NONE
            && self.occupant(b, slot) == NONE
            && self.degree[a as usize] < problem.max_meetings[a as usize]
            && self.degree[b as usize] < problem.max_meetings[b as usize]
    }

    /// Schedules an unscheduled request at a slot where it fits.
    pub fn place(&mut self, r: u32, slot: u32) {
        self.journal.push((r, NONE));
        self.set(r, slot);
    }

    /// Unschedules a scheduled, unlocked request.
    pub fn remove(&mut self, r: u32) {
        self.journal.push((r, self.slot_of[r as usize]));
        self.unset(r);
    }

    /// A point to roll back to.
    pub fn mark(&self) -> usize {
        self.journal.len()
    }

    /// Undoes every change after `mark`, newest first.
    pub fn rollback(&mut self, mark: usize) {
        while self.journal.len() > mark {
            let (r, before) = self
                .journal
                .pop()
                .expect("the journal is longer than the mark");
            if self.slot_of[r as usize] != NONE {
                self.unset(r);
            }
            if before != NONE {
                self.set(r, before);
            }
        }
    }

    /// The requests changed since the last `commit` (with repeats).
    pub fn changed(&self) -> impl Iterator<Item = u32> + '_ {
        self.journal.iter().map(|&(r, _)| r)
    }

    /// Keeps the changes made so far.
    pub fn commit(&mut self) {
        self.journal.clear();
    }

    /// Makes every unlocked request meet where `slot_of` says (which must be a valid schedule).
    pub fn reset_to(&mut self, slot_of: &[u32]) {
        for r in 0..self.slot_of.len() as u32 {
            if self.problem.lock[r as usize].is_none() && self.slot_of[r as usize] != NONE {
                self.unset(r);
            }
        }
        for (r, &slot) in slot_of.iter().enumerate() {
            if self.problem.lock[r].is_none() && slot != NONE {
                self.set(r as u32, slot);
            }
        }
        self.journal.clear();
    }

    /// The cheapest unlocked meeting in a slot, other than those in `skip`.
    pub fn cheapest_in_slot(&self, slot: u32, skip: &[u32]) -> u32 {
        self.movable[slot as usize]
            .iter()
            .map(|&(_, r)| r)
            .find(|r| !skip.contains(r))
            .unwrap_or(NONE)
    }

    /// The cheapest unlocked meeting of a participant, other than those in `skip`.
    pub fn cheapest_of(&self, participant: u32, skip: &[u32]) -> u32 {
        let problem = self.problem;
        let row = participant as usize * problem.slots;
        let mut best = NONE;
        for &r in &self.occupant[row..row + problem.slots] {
            if r == NONE || problem.lock[r as usize].is_some() || skip.contains(&r) {
                continue;
            }
            if best == NONE || lighter(problem, r, best) {
                best = r;
            }
        }
        best
    }

    fn set(&mut self, r: u32, slot: u32) {
        let problem = self.problem;
        let (a, b) = (problem.a[r as usize], problem.b[r as usize]);
        debug_assert_eq!(self.slot_of[r as usize], NONE);
        debug_assert_eq!(self.occupant(a, slot), NONE);
        debug_assert_eq!(self.occupant(b, slot), NONE);
        self.slot_of[r as usize] = slot;
        self.occupant[a as usize * problem.slots + slot as usize] = r;
        self.occupant[b as usize * problem.slots + slot as usize] = r;
        self.load[slot as usize] += 1;
        self.degree[a as usize] += 1;
        self.degree[b as usize] += 1;
        self.value += problem.weight[r as usize];
        if problem.lock[r as usize].is_none() {
            let key = (problem.weight[r as usize], r);
            let movable = &mut self.movable[slot as usize];
            let at = movable.partition_point(|&other| before(other, key));
            movable.insert(at, key);
        }
    }

    fn unset(&mut self, r: u32) {
        let problem = self.problem;
        let slot = self.slot_of[r as usize];
        let (a, b) = (problem.a[r as usize], problem.b[r as usize]);
        self.slot_of[r as usize] = NONE;
        self.occupant[a as usize * problem.slots + slot as usize] = NONE;
        self.occupant[b as usize * problem.slots + slot as usize] = NONE;
        self.load[slot as usize] -= 1;
        self.degree[a as usize] -= 1;
        self.degree[b as usize] -= 1;
        self.value -= problem.weight[r as usize];
        if problem.lock[r as usize].is_none() {
            let key = (problem.weight[r as usize], r);
            let movable = &mut self.movable[slot as usize];
            let at = movable.partition_point(|&other| before(other, key));
            debug_assert_eq!(movable[at].1, r);
            movable.remove(at);
        }
    }
}

/// `lighter` on `(weight, request)` keys.
fn before(x: (f64, u32), y: (f64, u32)) -> bool {
    x.0 < y.0 || (x.0 == y.0 && x.1 < y.1)
}

/// Orders requests by weight, then index: the order in which meetings are given up.
pub(crate) fn lighter(problem: &Problem, r: u32, other: u32) -> bool {
    let (wr, wo) = (problem.weight[r as usize], problem.weight[other as usize]);
    wr < wo || (wr == wo && r < other)
}
