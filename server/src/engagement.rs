//! Engagements (对接记录): the statuses an engagement moves through, the moves allowed between them,
//! and the UTC timestamps they are recorded with (RFC 3339, whole seconds, `Z`).

use std::fmt;

use serde::Serialize;
use utoipa::ToSchema;

/// Where an engagement stands. `Landed` and `Dropped` are final.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Intent,
    Contacted,
    Negotiating,
    Signed,
    Landed,
    Dropped,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Intent,
        Status::Contacted,
        Status::Negotiating,
        Status::Signed,
        Status::Landed,
        Status::Dropped,
    ];

    /// The forward path, in order; `Dropped` leaves it.
    pub const FUNNEL: [Status; 5] = [
        Status::Intent,
        Status::Contacted,
        Status::Negotiating,
        Status::Signed,
        Status::Landed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Intent => "intent",
            Status::Contacted => "contacted",
            Status::Negotiating => "negotiating",
            Status::Signed => "signed",
            Status::Landed => "landed",
            Status::Dropped => "dropped",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        Status::ALL
            .into_iter()
            .find(|status| status.as_str() == text)
    }

    /// The statuses this one may move to: the next step forward, or `dropped` from any open status.
    pub fn allowed_next(self) -> Vec<Status> {
        match self {
            Status::Intent => vec![Status::Contacted, Status::Dropped],
            Status::Contacted => vec![Status::Negotiating, Status::Dropped],
            Status::Negotiating => vec![Status::Signed, Status::Dropped],
            Status::Signed => vec![Status::Landed, Status::Dropped],
            Status::Landed | Status::Dropped => Vec::new(),
        }
    }

    pub fn may_move_to(self, to: Status) -> bool {
        self.allowed_next().contains(&to)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Seconds since the Unix epoch, now.
pub fn now_seconds() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs() as i64)
        .unwrap_or(0)
}

/// `2026-11-26T15:39:44Z` for a Unix time in seconds.
pub fn format_utc(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let second_of_day = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60
    )
}

/// Unix seconds of an RFC 3339 timestamp (`Z` or a `±HH:MM` offset; fractions of a second are
/// dropped) or of a date `YYYY-MM-DD` (its midnight UTC). `None` for anything else.
pub fn parse_time(text: &str) -> Option<i64> {
    let text = text.trim();
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = text.get(range)?;
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    if bytes.len() < 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    if !(1..=12).contains(&month) || !(1..=days_in_month(year, month)).contains(&day) {
        return None;
    }
    let date = days_from_civil(year, month, day) * 86_400;
    if bytes.len() == 10 {
        return Some(date);
    }
    if bytes.len() < 20
        || !matches!(bytes[10], b'T' | b't' | b' ')
        || bytes[13] != b':'
        || bytes[16] != b':'
    {
        return None;
    }
    let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let end = fraction
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(fraction.len());
        if end == 0 {
            return None;
        }
        rest = &fraction[end..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let offset = rest.get(1..)?;
            if offset.len() != 5 || offset.as_bytes()[2] != b':' {
                return None;
            }
            let hours: i64 = offset[..2].parse().ok()?;
            let minutes: i64 = offset[3..].parse().ok()?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            sign * (hours * 3600 + minutes * 60)
        }
    };
    Some(date + hour * 3600 + minute * 60 + second - offset)
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitions_follow_the_path() {
        assert!(Status::Intent.may_move_to(Status::Contacted));
        assert!(!Status::Intent.may_move_to(Status::Signed));
        assert!(Status::Signed.may_move_to(Status::Dropped));
        assert!(Status::Landed.allowed_next().is_empty());
        assert!(Status::Dropped.allowed_next().is_empty());
    }

    #[test]
    fn times_round_trip() {
        for seconds in [0, 951_782_400, 1_700_000_000, 1_764_171_584, 4_102_444_799] {
            assert_eq!(parse_time(&format_utc(seconds)), Some(seconds), "{seconds}");
        }
        assert_eq!(format_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(parse_time("2026-11-26"), parse_time("2026-11-26T00:00:00Z"));
        assert_eq!(
            parse_time("2026-11-26T08:00:00+08:00"),
            parse_time("2026-11-26T00:00:00.123Z")
        );
        for bad in [
            "",
            "2026-13-01",
            "2026-02-30",
            "2026-11-26T25:00:00Z",
            "2026-11-26T10:00:00",
            "yesterday",
        ] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }
}
