//! The scheduler's plain data: a fair's slots, tables, participants and meeting requests; a schedule.

/// One fair to schedule. Slots are numbered `0..slots` and tables `0..tables`.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct Instance {
    pub slots: usize,
    pub tables: usize,
    pub participants: Vec<Participant>,
    pub requests: Vec<Request>,
}

/// Someone who meets others at the fair: an enterprise, an expert, an institute's representative.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct Participant {
    pub id: String,
    /// The slots the participant is present, in any order; a repeated slot counts once.
    pub available: Vec<usize>,
    /// The most meetings this participant takes over the whole fair.
    pub max_meetings: usize,
}

/// An accepted meeting request between the participants `a` and `b` (their ids).
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct Request {
    pub id: String,
    pub a: String,
    pub b: String,
    /// What holding this meeting is worth, usually the pair's fit; finite and not negative.
    pub weight: f64,
    /// Where the meeting must stay: it was published on printed agendas.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub lock: Option<Lock>,
}

/// A fixed place for a meeting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct Lock {
    pub slot: usize,
    pub table: usize,
}

/// One scheduled meeting: a request at a table in a slot.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct Meeting {
    pub request: String,
    pub slot: usize,
    pub table: usize,
}

/// The answer: where each scheduled request meets, which requests do not, and the total weight.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct Schedule {
    /// Sorted by slot, then table.
    pub meetings: Vec<Meeting>,
    /// The requests without a meeting, in the instance's order.
    pub unscheduled: Vec<String>,
    /// The sum of the scheduled requests' weights, added in the instance's order.
    pub objective: f64,
}

/// How hard the search works, and its seed.
///
/// The budget is counted in local-search moves, never in time, so the same instance and options give
/// the same schedule on any machine and under any load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// Local-search moves per request that could be scheduled; `solve` spends all of them,
    /// `replan` a tenth (it starts from a good schedule). 0 leaves the greedy construction as it is.
    pub effort: u32,
    /// Seeds the search's random choices; another seed gives another, equally good, schedule.
    pub seed: u64,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            effort: DEFAULT_EFFORT,
            seed: 0,
        }
    }
}

/// The default [`Options::effort`]: at 500 participants and 2,000 requests, a few tenths of a
/// second.
pub const DEFAULT_EFFORT: u32 = 50;
