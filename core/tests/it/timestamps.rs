//! The one RFC 3339 parser: it accepts exactly the calendar-valid date-times, reads them as the
//! `time` crate does, and reads back what `format_utc` writes.

use duijie_core::time::{format_utc, parse_date, parse_rfc3339, parse_time_or_date};
use proptest::prelude::*;

/// Unix seconds by the `time` crate, an independent implementation; `None` for an invalid date or
/// time of day. A leap second is the second after :59, as the parser counts it.
fn oracle(date: (i32, u8, u8), time_of_day: (u8, u8, u8), offset: (i8, i8)) -> Option<i64> {
    let (year, month, day) = date;
    let (hour, minute, second) = time_of_day;
    let month = time::Month::try_from(month).ok()?;
    let date = time::Date::from_calendar_date(year, month, day).ok()?;
    let leap = second == 60;
    let time_of_day = time::Time::from_hms(hour, minute, if leap { 59 } else { second }).ok()?;
    let offset = time::UtcOffset::from_hms(offset.0, offset.1, 0).ok()?;
    let seconds = time::PrimitiveDateTime::new(date, time_of_day)
        .assume_offset(offset)
        .unix_timestamp();
    if leap {
        // RFC 3339 puts a leap second at 23:59:60 UTC only.
        let utc = time::OffsetDateTime::from_unix_timestamp(seconds).ok()?;
        return (utc.hour() == 23 && utc.minute() == 59).then_some(seconds + 1);
    }
    Some(seconds)
}

fn offset_text(hours: i8, minutes: i8) -> String {
    if hours == 0 && minutes == 0 {
        return "Z".to_string();
    }
    let sign = if hours < 0 || minutes < 0 { '-' } else { '+' };
    format!(
        "{sign}{:02}:{:02}",
        hours.unsigned_abs(),
        minutes.unsigned_abs()
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    /// Every field drawn a little beyond its range: the parser accepts exactly what the oracle
    /// accepts, with the same value.
    #[test]
    fn accepts_exactly_the_valid_date_times(
        year in prop_oneof![0i32..=9999, 1999i32..=2001, Just(1900), Just(2000), Just(2100)],
        month in 0u8..=13,
        day in 0u8..=32,
        hour in 0u8..=24,
        minute in 0u8..=60,
        second in prop_oneof![0u8..=61, Just(60)],
        offset_hours in -24i8..=24,
        offset_minutes in 0i8..=60,
        fraction in prop::option::of("[0-9]{1,9}"),
    ) {
        let offset_minutes = if offset_hours < 0 { -offset_minutes } else { offset_minutes };
        let fraction = fraction.map(|digits| format!(".{digits}")).unwrap_or_default();
        let text = format!(
            "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}{fraction}{}",
            offset_text(offset_hours, offset_minutes)
        );
        let expect = if offset_hours.abs() > 23 || offset_minutes.abs() > 59 {
            None
        } else {
            oracle((year, month, day), (hour, minute, second), (offset_hours, offset_minutes))
        };
        prop_assert_eq!(parse_rfc3339(&text), expect, "{}", text);
    }

    /// A date alone is read by `parse_date` exactly when it exists, as its midnight UTC.
    #[test]
    fn dates_exist_or_are_refused(year in 0i32..=9999, month in 0u8..=13, day in 0u8..=32) {
        let text = format!("{year:04}-{month:02}-{day:02}");
        let expect = oracle((year, month, day), (0, 0, 0), (0, 0));
        prop_assert_eq!(parse_date(&text), expect);
        prop_assert_eq!(parse_time_or_date(&text), expect);
        prop_assert_eq!(parse_rfc3339(&text), None);
    }

    /// What `format_utc` writes reads back to the same second.
    #[test]
    fn formatted_times_read_back(seconds in -62_167_219_200i64..253_402_300_800) {
        let text = format_utc(seconds);
        prop_assert_eq!(parse_rfc3339(&text), Some(seconds), "{}", text);
    }

    /// Any text: no panic, and an accepted one is the time `format_utc` writes back.
    #[test]
    fn any_text_is_refused_or_round_trips(text in any::<String>()) {
        if let Some(seconds) = parse_time_or_date(&text) {
            prop_assert_eq!(parse_rfc3339(&format_utc(seconds)), Some(seconds));
        }
    }
}

#[test]
fn examples() {
    let at = |text: &str| parse_rfc3339(text);
    assert_eq!(at("1970-01-01T00:00:00Z"), Some(0));
    assert_eq!(at("1970-01-01T00:00:00-00:00"), Some(0));
    assert_eq!(
        at("2026-11-26T08:00:00+08:00"),
        at("2026-11-26T00:00:00.123Z")
    );
    assert_eq!(at("2026-11-26t00:00:00z"), at("2026-11-26 00:00:00Z"));
    assert_eq!(at("2016-12-31T23:59:60Z"), at("2017-01-01T00:00:00Z"));
    assert_eq!(at("2017-01-01T07:59:60+08:00"), at("2017-01-01T00:00:00Z"));
    assert_eq!(format_utc(951_782_400), "2000-02-29T00:00:00Z");
    assert_eq!(parse_time_or_date("2026-11-26"), at("2026-11-26T00:00:00Z"));
    for bad in [
        "",
        "2026-02-30T00:00:00Z",
        "2025-02-29T00:00:00Z",
        "1900-02-29T00:00:00Z",
        "2026-04-31T00:00:00Z",
        "2026-13-01T00:00:00Z",
        "2026-11-26T24:00:00Z",
        "2026-11-26T10:00:00",
        "2026-11-26T10:00:00+0800",
        "2026-11-26T10:00:00+24:00",
        "2026-11-26T10:00:00.Z",
        "2026-11-26T12:00:60Z",
        "2026-11-26T10:00:00Z ",
        " 2026-11-26T10:00:00Z",
        "２０２６-11-26T10:00:00Z",
        "yesterday",
    ] {
        assert_eq!(parse_time_or_date(bad), None, "{bad:?}");
    }
}
