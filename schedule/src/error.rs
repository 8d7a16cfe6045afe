//! Why an instance cannot be scheduled: each error names the participant or request and the field.

/// A closed list of the ways an instance (or a file holding one) can be wrong.
///
/// Every message reads `participant ID: field: message` or `request ID: field: message`, so a
/// command line can print `FILE: ` before it and the organiser knows which record to fix.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ScheduleError {
    /// A file's value of the wrong shape: a missing field, a string where a number belongs.
    /// `at` is `fair`, `schedule`, `participant ID`, `request ID`, or a list position when the
    /// record has no readable id.
    #[error("{at}: {}{message}", field_prefix(.field))]
    Malformed {
        at: String,
        field: String,
        message: String,
    },
    /// More slots or tables than the scheduler takes.
    #[error("fair: {field}: {value} is more than the {limit} the scheduler takes")]
    TooLarge {
        field: &'static str,
        value: usize,
        limit: usize,
    },
    #[error("participant {participant}: id: appears twice")]
    DuplicateParticipant { participant: String },
    #[error(
        "participant {participant}: available: slot {slot} does not exist (the fair has {slots} slots)"
    )]
    NoSuchSlot {
        participant: String,
        slot: usize,
        slots: usize,
    },
    #[error("request {request}: id: appears twice")]
    DuplicateRequest { request: String },
    #[error("request {request}: {field}: unknown participant '{participant}'")]
    UnknownParticipant {
        request: String,
        field: &'static str,
        participant: String,
    },
    #[error("request {request}: b: '{participant}' cannot meet itself")]
    SelfMeeting {
        request: String,
        participant: String,
    },
    #[error("request {request}: weight: {weight} is not a finite number of at least 0")]
    BadWeight { request: String, weight: f64 },
    #[error(
        "request {request}: lock.slot: slot {slot} does not exist (the fair has {slots} slots)"
    )]
    LockNoSuchSlot {
        request: String,
        slot: usize,
        slots: usize,
    },
    #[error(
        "request {request}: lock.table: table {table} does not exist (the fair has {tables} tables)"
    )]
    LockNoSuchTable {
        request: String,
        table: usize,
        tables: usize,
    },
    #[error(
        "request {request}: lock.slot: participant '{participant}' is not present at slot {slot}"
    )]
    LockAbsent {
        request: String,
        participant: String,
        slot: usize,
    },
    #[error(
        "request {request}: lock.table: table {table} at slot {slot} is already locked for request {other}"
    )]
    LockTableTaken {
        request: String,
        other: String,
        slot: usize,
        table: usize,
    },
    #[error(
        "request {request}: lock.slot: participant '{participant}' is already locked into request {other} at slot {slot}"
    )]
    LockDoubleBooked {
        request: String,
        other: String,
        participant: String,
        slot: usize,
    },
    #[error(
        "request {request}: lock: participant '{participant}' would have more locked meetings than max_meetings ({max_meetings})"
    )]
    LockOverMax {
        request: String,
        participant: String,
        max_meetings: usize,
    },
    /// Re-planning: a published request has no meeting in the previous schedule.
    #[error("request {request}: published, but the previous schedule has no meeting for it")]
    PublishedNotScheduled { request: String },
    /// Re-planning: a published meeting and the request's own lock disagree.
    #[error(
        "request {request}: lock: published at slot {slot}, table {table}, but locked at slot {lock_slot}, table {lock_table}"
    )]
    PublishedElsewhere {
        request: String,
        slot: usize,
        table: usize,
        lock_slot: usize,
        lock_table: usize,
    },
}

impl ScheduleError {
    /// The request the error is about, if it is about one.
    pub fn request(&self) -> Option<&str> {
        match self {
            ScheduleError::Malformed { .. }
            | ScheduleError::TooLarge { .. }
            | ScheduleError::DuplicateParticipant { .. }
            | ScheduleError::NoSuchSlot { .. } => None,
            ScheduleError::DuplicateRequest { request }
            | ScheduleError::UnknownParticipant { request, .. }
            | ScheduleError::SelfMeeting { request, .. }
            | ScheduleError::BadWeight { request, .. }
            | ScheduleError::LockNoSuchSlot { request, .. }
            | ScheduleError::LockNoSuchTable { request, .. }
            | ScheduleError::LockAbsent { request, .. }
            | ScheduleError::LockTableTaken { request, .. }
            | ScheduleError::LockDoubleBooked { request, .. }
            | ScheduleError::LockOverMax { request, .. }
            | ScheduleError::PublishedNotScheduled { request }
            | ScheduleError::PublishedElsewhere { request, .. } => Some(request),
        }
    }
}

/// `field: `, or nothing for an error about a whole record.
fn field_prefix(field: &str) -> String {
    if field.is_empty() {
        String::new()
    } else {
        format!("{field}: ")
    }
}
