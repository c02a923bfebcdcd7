//! Instants and stream times as text: the one set of time formatters every workspace, the
//! charts and the command-line tool write with. Their inverse is [`super::parse`].

use super::calendar::Civil;

/// Stream times below this many seconds (ten days) are clock times, `H:MM:SS` from the
/// stream's start; from here on they are epoch seconds and written as UTC dates.
pub const CLOCK_BELOW_S: i64 = 864_000;

impl Civil {
    /// `YYYY-MM-DD`.
    pub fn date(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }

    /// `YYYY-MM-DD<sep>HH:MM:SS`, milliseconds left out.
    pub fn date_time(&self, sep: char) -> String {
        format!(
            "{}{sep}{:02}:{:02}:{:02}",
            self.date(),
            self.hour,
            self.minute,
            self.second
        )
    }
}

/// `H:MM:SS` of a count of seconds (hours not padded, `-` before a negative count).
pub fn format_clock(secs: i64) -> String {
    let sign = if secs < 0 { "-" } else { "" };
    let a = secs.unsigned_abs();
    format!("{sign}{}:{:02}:{:02}", a / 3600, (a / 60) % 60, a % 60)
}

/// `M:SS` under an hour, else `H:MM:SS` (`-` before a negative count): short clock labels.
pub fn format_short_clock(secs: i64) -> String {
    if secs.unsigned_abs() >= 3600 {
        format_clock(secs)
    } else {
        let sign = if secs < 0 { "-" } else { "" };
        let a = secs.unsigned_abs();
        format!("{sign}{}:{:02}", a / 60, a % 60)
    }
}

/// Stream seconds as text: `H:MM:SS` for clock streams (under ten days), else ISO 8601 UTC.
pub fn format_stream_seconds(s: i64) -> String {
    if (0..CLOCK_BELOW_S).contains(&s) {
        format_clock(s)
    } else {
        format_iso_seconds(s)
    }
}

/// Stream milliseconds as [`format_stream_seconds`] writes them (milliseconds dropped).
pub fn format_stream_ms(ms: i64) -> String {
    format_stream_seconds(ms.div_euclid(1000))
}

/// ISO 8601 UTC text of whole epoch seconds: `2026-11-28T14:05:00Z`.
pub fn format_iso_seconds(secs: i64) -> String {
    format!("{}Z", Civil::from_epoch_seconds(secs).date_time('T'))
}

/// UTC text of epoch seconds, `2026-11-01 00:00:00`, fractions dropped; `–` when not finite.
pub fn format_epoch_seconds(secs: f64) -> String {
    if !secs.is_finite() {
        return "–".into();
    }
    Civil::from_epoch_seconds(secs.floor() as i64).date_time(' ')
}

/// `YYYY-MM-DD` (UTC) of epoch milliseconds.
pub fn format_date_ms(ms: i64) -> String {
    Civil::from_epoch_ms(ms).date()
}

/// RFC 3339 UTC text of epoch milliseconds (`2026-11-01T00:00:00.000Z`), clamped to the
/// years 0000..9999 that RFC 3339 can write.
pub fn format_rfc3339_ms(epoch_ms: i64) -> String {
    const MIN: i64 = -62_167_219_200_000; // 0000-01-01T00:00:00Z
    const MAX: i64 = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z
    let c = Civil::from_epoch_ms(epoch_ms.clamp(MIN, MAX));
    format!("{}.{:03}Z", c.date_time('T'), c.millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_seconds_format_as_clocks_then_as_utc_dates() {
        assert_eq!(format_stream_seconds(0), "0:00:00");
        assert_eq!(format_stream_seconds(3_723), "1:02:03");
        // Ten days is where a clock stream ends and epoch seconds begin.
        assert_eq!(format_stream_seconds(863_999), "239:59:59");
        assert_eq!(format_stream_seconds(864_000), "1970-01-11T00:00:00Z");
        assert_eq!(format_stream_seconds(-1), "1969-12-31T23:59:59Z");
        assert_eq!(format_stream_seconds(-58_038_772), "1968-02-29T06:07:08Z");
        assert_eq!(format_stream_seconds(1_709_210_096), "2024-02-29T12:34:56Z");
        assert_eq!(format_stream_ms(-1), "1969-12-31T23:59:59Z");
        assert_eq!(format_stream_ms(3_723_999), "1:02:03");
    }

    #[test]
    fn clocks_long_and_short() {
        assert_eq!(format_clock(0), "0:00:00");
        assert_eq!(format_clock(-3_723), "-1:02:03");
        assert_eq!(format_short_clock(59), "0:59");
        assert_eq!(format_short_clock(-61), "-1:01");
        assert_eq!(format_short_clock(3_600), "1:00:00");
        assert_eq!(format_short_clock(i64::MIN), "-2562047788015215:30:08");
    }

    #[test]
    fn dates_and_rfc3339() {
        assert_eq!(format_date_ms(-1), "1969-12-31");
        assert_eq!(format_date_ms(1_709_210_096_789), "2024-02-29");
    }

    #[test]
    fn rfc3339_formats_and_clamps() {
        assert_eq!(format_rfc3339_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            format_rfc3339_ms(1_793_491_200_000 + 3_723_450),
            "2026-11-01T01:02:03.450Z"
        );
        assert_eq!(format_rfc3339_ms(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(format_rfc3339_ms(i64::MAX), "9999-12-31T23:59:59.999Z");
        assert_eq!(format_rfc3339_ms(i64::MIN), "0000-01-01T00:00:00.000Z");
    }

    #[test]
    fn rfc3339_writes_leap_days_and_times_before_1970() {
        assert_eq!(
            format_rfc3339_ms(1_709_210_096_789),
            "2024-02-29T12:34:56.789Z"
        );
        assert_eq!(
            format_rfc3339_ms(-58_038_772_001),
            "1968-02-29T06:07:07.999Z"
        );
        assert_eq!(
            format_rfc3339_ms(-11_670_950_744_999),
            "1600-02-29T13:14:15.001Z"
        );
        // Year 0 is a leap year in the proleptic Gregorian calendar.
        assert_eq!(
            format_rfc3339_ms(-62_162_035_200_001),
            "0000-02-29T23:59:59.999Z"
        );
    }

    #[test]
    fn epoch_seconds_format_as_utc() {
        assert_eq!(format_epoch_seconds(0.0), "1970-01-01 00:00:00");
        assert_eq!(
            format_epoch_seconds(1_793_491_200.0 + 3_723.9),
            "2026-11-01 01:02:03"
        );
        assert_eq!(format_epoch_seconds(f64::NAN), "–");
    }

    #[test]
    fn epoch_seconds_format_before_1970_and_on_leap_days() {
        assert_eq!(format_epoch_seconds(1_709_210_096.0), "2024-02-29 12:34:56");
        assert_eq!(format_epoch_seconds(951_868_799.999), "2000-02-29 23:59:59");
        // Fractions round down, also before 1970.
        assert_eq!(format_epoch_seconds(-0.5), "1969-12-31 23:59:59");
        assert_eq!(format_epoch_seconds(-58_038_772.0), "1968-02-29 06:07:08");
        assert_eq!(
            format_epoch_seconds(-11_670_950_745.0),
            "1600-02-29 13:14:15"
        );
        // 1900 is no leap year: February 28 is followed by March 1.
        assert_eq!(
            format_epoch_seconds(-2_203_891_200.0),
            "1900-03-01 00:00:00"
        );
    }
}
