//! Calendar arithmetic for datetimes stored as seconds since the Unix epoch (UTC).

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

/// ISO 8601 text of epoch seconds: `2026-11-01 00:00:00` (UTC), fractions dropped.
pub fn format_epoch_seconds(secs: f64) -> String {
    if !secs.is_finite() {
        return "–".into();
    }
    let s = secs.floor() as i64;
    let (y, m, d) = civil_from_days(s.div_euclid(86_400));
    let t = s.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        t / 3600,
        (t / 60) % 60,
        t % 60
    )
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
    fn epoch_seconds_format_as_utc() {
        assert_eq!(format_epoch_seconds(0.0), "1970-01-01 00:00:00");
        assert_eq!(
            format_epoch_seconds(1_793_491_200.0 + 3_723.9),
            "2026-11-01 01:02:03"
        );
        assert_eq!(format_epoch_seconds(f64::NAN), "–");
    }
}
