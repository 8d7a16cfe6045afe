//! The clock engagements are recorded with. Their statuses and the moves between them are
//! `duijie_core::engagement::Status`, their timestamps `duijie_core::time`, shared with the widget.

/// Seconds since the Unix epoch, now.
pub fn now_seconds() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs() as i64)
        .unwrap_or(0)
}
