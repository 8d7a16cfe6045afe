//! Timestamps: RFC 3339 date-times and plain dates read into Unix seconds, and Unix seconds written
//! back as UTC. The one parser every caller uses (resource `updated_at`, engagement times, the
//! server's `since` and `until`), so a time one part accepts is a time every part accepts.
//!
//! Dates are proleptic Gregorian, years 0000 to 9999, and must exist (`2026-02-30` does not). Offsets
//! are `Z` (or `z`) or `±HH:MM` with hours 00–23 and minutes 00–59; `T` may be written `t` or a space,
//! as RFC 3339 allows. A leap second (`:60`) is accepted where RFC 3339 puts one, at 23:59 UTC, and
//! counts as the second after 23:59:59. Fractions of a second are dropped.

/// Seconds in a day.
const DAY: i64 = 86_400;

/// Unix seconds of an RFC 3339 date-time such as `2024-05-01T08:00:00Z` or
/// `2024-05-01T16:00:00.5+08:00`. `None` for anything else, a date alone included.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    if bytes.len() < 20 || !matches!(bytes[10], b'T' | b't' | b' ') {
        return None;
    }
    let date = parse_date(&text[..10])?;
    if bytes[13] != b':' || bytes[16] != b':' {
        return None;
    }
    let hour = two_digits(bytes, 11)?;
    let minute = two_digits(bytes, 14)?;
    let second = two_digits(bytes, 17)?;
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut rest = &bytes[19..];
    if let Some(fraction) = rest.strip_prefix(b".") {
        let n_digits = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
        if n_digits == 0 {
            return None;
        }
        rest = &fraction[n_digits..];
    }
    let offset = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let hours = two_digits(rest, 1)?;
            let minutes = two_digits(rest, 4)?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            let offset = hours * 3600 + minutes * 60;
            if *sign == b'-' {
                -offset
            } else {
                offset
            }
        }
        _ => return None,
    };
    let local_minute = hour * 60 + minute;
    if second == 60 && (local_minute * 60 - offset).rem_euclid(DAY) != DAY - 60 {
        return None;
    }
    Some(date + local_minute * 60 + second - offset)
}

/// Unix seconds of the midnight (UTC) that starts a date `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let year = two_digits(bytes, 0)? * 100 + two_digits(bytes, 2)?;
    let month = two_digits(bytes, 5)?;
    let day = two_digits(bytes, 8)?;
    if !(1..=12).contains(&month) || !(1..=days_in_month(year, month)).contains(&day) {
        return None;
    }
    Some(days_from_civil(year, month, day) * DAY)
}

/// A date as people write it in forms and spreadsheets, `2025-06-30`, `2025/6/30`, `2025.6.30` or
/// `2025年6月30日` (month and day of one or two digits), written `YYYY-MM-DD`; `None` for anything
/// else or a date that does not exist.
pub fn normalize_date(text: &str) -> Option<String> {
    let text = text.trim();
    let text = text.strip_suffix('日').unwrap_or(text);
    let parts: Vec<&str> = text.split(['-', '/', '.', '年', '月']).collect();
    let [year, month, day] = parts.as_slice() else {
        return None;
    };
    let digits = |part: &str, lengths: std::ops::RangeInclusive<usize>| {
        (lengths.contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit()))
            .then(|| part.parse::<u32>().ok())
            .flatten()
    };
    let (year, month, day) = (
        digits(year, 4..=4)?,
        digits(month, 1..=2)?,
        digits(day, 1..=2)?,
    );
    let date = format!("{year:04}-{month:02}-{day:02}");
    parse_date(&date).map(|_| date)
}

/// Unix seconds of an RFC 3339 date-time, or of a date's midnight UTC: what a person may type for
/// "since" or "until".
pub fn parse_time_or_date(text: &str) -> Option<i64> {
    parse_rfc3339(text).or_else(|| parse_date(text))
}

/// `2026-11-26T15:39:44Z` for a Unix time in seconds: the form times are stored and shown in.
pub fn format_utc(seconds: i64) -> String {
    let (year, month, day) = civil_from_days(seconds.div_euclid(DAY));
    let second_of_day = seconds.rem_euclid(DAY);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60
    )
}

/// Whether a year of the proleptic Gregorian calendar has a 29 February.
pub fn is_leap_year(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Days in a month (1–12) of a year.
pub fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The number of two ASCII digits at `at`, or `None`.
fn two_digits(bytes: &[u8], at: usize) -> Option<i64> {
    match bytes.get(at..at + 2)? {
        [tens @ b'0'..=b'9', units @ b'0'..=b'9'] => {
            Some(i64::from(tens - b'0') * 10 + i64::from(units - b'0'))
        }
        _ => None,
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
