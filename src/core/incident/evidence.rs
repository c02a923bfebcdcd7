//! What the engine folds: one judged point of one metric.

use serde::{Deserialize, Serialize};

/// One judged point, as the detector reports it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// Stream time in milliseconds.
    pub t_ms: i64,
    /// Series id.
    pub series: u32,
    /// The observed value.
    pub value: f64,
    /// The forecast.
    pub expected: f64,
    /// Lower end of the prediction band.
    pub lower: f64,
    /// Upper end of the prediction band.
    pub upper: f64,
    /// The detector's score in [0, 1] (the alert strength; shown in the anomaly log).
    pub score: f64,
    /// Whether the detector flagged the point: each flag adds 1 to the metric's accumulator.
    pub anomaly: bool,
}

impl Evidence {
    /// |value − expected| in half band widths (1 = on the band's edge); the plain absolute
    /// deviation when the band has no width. Non-finite inputs give 0.
    pub fn deviation(&self) -> f64 {
        let dev = (self.value - self.expected).abs();
        let half = (self.upper - self.lower).abs() / 2.0;
        let d = if half > 0.0 { dev / half } else { dev };
        if d.is_finite() {
            d
        } else {
            0.0
        }
    }
}
