//! Why a model could not be fitted.

use std::fmt;

/// A failure to fit a [`super::Model`]; each message says what to change.
#[derive(Debug, Clone, PartialEq)]
pub enum FitError {
    /// `times` and `values` differ in length.
    LengthMismatch {
        /// Number of times given.
        times: usize,
        /// Number of values given.
        values: usize,
    },
    /// Too few points with a finite time and value.
    TooFewPoints {
        /// Points that could be used.
        usable: usize,
        /// Points needed.
        needed: usize,
    },
    /// Every usable point has the same time, so no trend can be fitted.
    NoTimeSpan {
        /// The one time (seconds).
        time_s: f64,
    },
    /// The band level is not strictly between 0 and 1.
    BadLevel {
        /// The level given.
        level: f64,
    },
    /// A seasonal period is not a positive number of seconds.
    BadPeriod {
        /// The period given.
        period_s: f64,
    },
    /// The least-squares system could not be solved (non-finite arithmetic).
    Singular,
}

impl fmt::Display for FitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FitError::LengthMismatch { times, values } => write!(
                f,
                "{times} times but {values} values: give one time per value"
            ),
            FitError::TooFewPoints { usable, needed } => write!(
                f,
                "only {usable} point(s) have both a time and a numeric value; a forecast needs at least {needed}"
            ),
            FitError::NoTimeSpan { time_s } => write!(
                f,
                "every point has the same time ({time_s} s); a forecast needs points at two or more times"
            ),
            FitError::BadLevel { level } => write!(
                f,
                "band level {level} is not between 0 and 1 (for a 95% band use 0.95)"
            ),
            FitError::BadPeriod { period_s } => write!(
                f,
                "seasonal period {period_s} s is not a positive number of seconds"
            ),
            FitError::Singular => write!(
                f,
                "the fit did not converge; check the data for extreme values (beyond about 1e150)"
            ),
        }
    }
}

impl std::error::Error for FitError {}
