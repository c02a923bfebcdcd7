//! Calendar arithmetic for instants stored as seconds or milliseconds since the Unix
//! epoch (UTC): the one place an instant is split into civil fields, and back. Their text
//! is written by [`super::format`] and read by [`super::parse`].

/// (year, month, day) of a count of days since 1970-01-01, by Howard Hinnant's algorithm;
/// written out because it is six lines and the core needs no date crate for it.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's inverse of
/// [`civil_from_days`]).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Days in month `m` (1..=12) of year `y`.
pub fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A UTC instant split into civil fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    /// Proleptic Gregorian year (0 is 1 BC; negative before that).
    pub year: i64,
    /// 1..=12.
    pub month: u32,
    /// 1..=31.
    pub day: u32,
    /// 0..=23.
    pub hour: u32,
    /// 0..=59.
    pub minute: u32,
    /// 0..=59.
    pub second: u32,
    /// 0..=999.
    pub millis: u32,
}

impl Civil {
    /// The civil fields of whole seconds since the epoch (times before 1970 included).
    pub fn from_epoch_seconds(secs: i64) -> Civil {
        let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
        let t = secs.rem_euclid(86_400) as u32;
        Civil {
            year,
            month,
            day,
            hour: t / 3600,
            minute: t / 60 % 60,
            second: t % 60,
            millis: 0,
        }
    }

    /// The civil fields of milliseconds since the epoch.
    pub fn from_epoch_ms(ms: i64) -> Civil {
        Civil {
            millis: ms.rem_euclid(1000) as u32,
            ..Civil::from_epoch_seconds(ms.div_euclid(1000))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_are_right() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(1_793_491_200 / 86_400), (2026, 11, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }

    #[test]
    fn days_round_trip_through_civil_dates() {
        for z in [
            -1_000_000, -719_469, -1000, -1, 0, 1, 11_016, 20_000, 100_000,
        ] {
            let (y, m, d) = civil_from_days(z);
            assert!(d >= 1 && d <= days_in_month(y, m), "{z}: {y}-{m}-{d}");
            assert_eq!(days_from_civil(y, m, d), z);
        }
        assert_eq!(days_in_month(2024, 2), 29);
        assert_eq!(days_in_month(1900, 2), 28);
        assert_eq!(days_in_month(2000, 2), 29);
        assert_eq!(days_in_month(0, 2), 29);
    }

    #[test]
    fn instants_split_into_civil_fields() {
        let leap = Civil::from_epoch_ms(1_709_210_096_789);
        assert_eq!(
            (leap.year, leap.month, leap.day),
            (2024, 2, 29),
            "a leap day"
        );
        assert_eq!(
            (leap.hour, leap.minute, leap.second, leap.millis),
            (12, 34, 56, 789)
        );
        // One millisecond before the epoch is the last one of 1969, not a negative field.
        let before = Civil::from_epoch_ms(-1);
        assert_eq!(before.date_time('T'), "1969-12-31T23:59:59");
        assert_eq!(before.millis, 999);
        assert_eq!(Civil::from_epoch_seconds(-58_038_772).date(), "1968-02-29");
        // Seconds and milliseconds agree on whole seconds.
        for s in [-86_401, -1, 0, 59, 951_868_799, 1_793_491_200] {
            assert_eq!(Civil::from_epoch_seconds(s), Civil::from_epoch_ms(s * 1000));
        }
        // The extremes do not overflow.
        assert_eq!(Civil::from_epoch_ms(i64::MIN).millis, 192);
        let _ = Civil::from_epoch_seconds(i64::MAX);
        let _ = Civil::from_epoch_seconds(i64::MIN);
    }
}
