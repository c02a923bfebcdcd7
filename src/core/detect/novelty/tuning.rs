//! The adaptive score's settings: one parameter set for every series (see the parent
//! module for what each view does with them), and the overrides experiments apply.

use serde::{Deserialize, Serialize};

/// The score's settings; [`Tuning::default`] is the product's one parameter set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tuning {
    /// Values the range view remembers.
    pub range_cap: usize,
    /// Points per block of the shape view.
    pub block: usize,
    /// Blocks per shape.
    pub shape_len: usize,
    /// Shapes remembered.
    pub shape_mem: usize,
    /// Nearest-shape distances remembered for calibration.
    pub dist_cap: usize,
    /// Values the level view averages.
    pub level_k: usize,
    /// Steps the spread view averages.
    pub spread_k: usize,
    /// Level and spread values remembered for calibration.
    pub moment_cap: usize,
    /// Forecast errors remembered for calibration.
    pub err_cap: usize,
    /// Earlier cycles the seasonal view compares with.
    pub seas_cycles: usize,
    /// Points between checks of the seasonal period.
    pub seas_check: usize,
    /// Seasonal residuals remembered for calibration.
    pub seas_cap: usize,
    /// Seasonal residuals needed before the view judges.
    pub seas_warm: usize,
    /// Autocorrelation at its period the seasonal view needs to count.
    pub seas_min_acf: f64,
    /// Weight of the range view in the average.
    pub w_range: f64,
    /// Weight of the shape view.
    pub w_shape: f64,
    /// Weight of the level view.
    pub w_level: f64,
    /// Weight of the spread view.
    pub w_spread: f64,
    /// Weight of the forecast view.
    pub w_forecast: f64,
    /// Weight of the seasonal view.
    pub w_seas: f64,
    /// Share of the range view's surprise beyond its record added in full.
    pub x_range: f64,
    /// Share of the seasonal view's surprise beyond its record added in full.
    pub x_seas: f64,
    /// How far below a view's record level its surprise starts to count as beyond it.
    pub rec_margin: f64,
    /// Share of `log10 n` taken off the surprise.
    pub bonf: f64,
    /// Steps over which only a new high of surprise scores in full.
    pub refract: usize,
    /// Share of its score a point keeps when it is not a new high.
    pub keep: f64,
    /// Steps after an onset above `refire_level` during which a new high scores in full
    /// only when it beats that onset by `refire_gap` (0 for none).
    pub refire: usize,
    /// Adjusted surprise of an onset that holds off the next ones.
    pub refire_level: f64,
    /// How much rarer than the last onset a new one within `refire` steps must be.
    pub refire_gap: f64,
    /// Points over which a lasting stretch of surprise is averaged (0 for none): the mean
    /// adjusted surprise of the last `sustain_k` points plus `sustain_margin` stands in for
    /// the point's own when higher, so a lasting change whose points are each only
    /// moderately rare still makes an onset.
    #[serde(default)]
    pub sustain_k: usize,
    /// What the mean of a stretch must clear, below a single point's bar.
    #[serde(default)]
    pub sustain_margin: f64,
    /// Most a point adds to the stretch's mean: a rarer point scores by itself, and one
    /// huge value must not hold the mean up for `sustain_k` points.
    #[serde(default)]
    pub sustain_cap: f64,
    /// Weight of the flat-run view (0 for none): a run of repeated values that becomes
    /// longer than each of the last `flat_cap` runs is a one-in-(runs + 1) event, whose
    /// surprise times this weight stands in for the point's when higher.
    #[serde(default = "defaults::w_flat")]
    pub w_flat: f64,
    /// Completed runs of repeated values the flat-run view remembers.
    #[serde(default = "defaults::flat_cap")]
    pub flat_cap: usize,
    /// Points a run of repeated values needs before it counts as flat.
    #[serde(default = "defaults::flat_min")]
    pub flat_min: usize,
    /// Completed runs the flat-run view needs before it judges.
    #[serde(default = "defaults::flat_warm")]
    pub flat_warm: usize,
    /// Points seen before anything is judged.
    pub warm: usize,
    /// Values a level, spread or seasonal calibration needs before its view judges.
    pub view_warm: usize,
    /// Adjusted surprise that maps to score 0.5.
    pub mid: f64,
    /// Adjusted surprise that moves the score from 0.5 to 1.
    pub half_span: f64,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            range_cap: 8000,
            block: 4,
            shape_len: 6,
            shape_mem: 2000,
            dist_cap: 2000,
            level_k: 8,
            spread_k: 32,
            moment_cap: 8000,
            err_cap: 2000,
            seas_cycles: 3,
            seas_check: 1024,
            seas_cap: 2000,
            seas_warm: 100,
            seas_min_acf: 0.6,
            w_range: 1.0,
            w_shape: 1.0,
            w_level: 0.5,
            w_spread: 0.25,
            w_forecast: 0.15,
            w_seas: 0.0,
            x_range: 1.0,
            x_seas: 0.5,
            rec_margin: 0.5,
            bonf: 0.5,
            refract: 60,
            keep: 0.1,
            refire: 10,
            refire_level: 0.2,
            refire_gap: 1.0,
            sustain_k: 40,
            sustain_margin: 0.95,
            sustain_cap: 0.0,
            w_flat: defaults::w_flat(),
            flat_cap: defaults::flat_cap(),
            flat_min: defaults::flat_min(),
            flat_warm: defaults::flat_warm(),
            warm: 50,
            view_warm: 50,
            mid: 0.0,
            half_span: 4.0,
        }
    }
}

/// Defaults of the settings added after checkpoints were first written (a checkpoint
/// without them restores with the product's values).
mod defaults {
    pub(super) fn w_flat() -> f64 {
        1.0
    }
    pub(super) fn flat_cap() -> usize {
        8000
    }
    pub(super) fn flat_min() -> usize {
        20
    }
    pub(super) fn flat_warm() -> usize {
        20
    }
}

impl Tuning {
    /// The defaults with `key=value,key=value` overrides (for experiments and benchmarks);
    /// an unknown key or a bad number is an error naming it.
    pub fn with_overrides(mut self, s: &str) -> Result<Self, String> {
        for kv in s.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (k, v) = kv
                .split_once('=')
                .ok_or_else(|| format!("'{kv}' is not key=value"))?;
            let f: f64 = v
                .parse()
                .map_err(|_| format!("{k}: '{v}' is not a number"))?;
            let n = f.max(0.0) as usize;
            match k {
                "range_cap" => self.range_cap = n,
                "block" => self.block = n,
                "shape_len" => self.shape_len = n,
                "shape_mem" => self.shape_mem = n,
                "dist_cap" => self.dist_cap = n,
                "level_k" => self.level_k = n,
                "spread_k" => self.spread_k = n,
                "moment_cap" => self.moment_cap = n,
                "err_cap" => self.err_cap = n,
                "seas_cycles" => self.seas_cycles = n,
                "seas_check" => self.seas_check = n,
                "seas_cap" => self.seas_cap = n,
                "seas_warm" => self.seas_warm = n,
                "seas_min_acf" => self.seas_min_acf = f,
                "w_range" => self.w_range = f,
                "w_shape" => self.w_shape = f,
                "w_level" => self.w_level = f,
                "w_spread" => self.w_spread = f,
                "w_forecast" => self.w_forecast = f,
                "w_seas" => self.w_seas = f,
                "x_range" => self.x_range = f,
                "x_seas" => self.x_seas = f,
                "rec_margin" => self.rec_margin = f,
                "bonf" => self.bonf = f,
                "refract" => self.refract = n,
                "keep" => self.keep = f,
                "refire" => self.refire = n,
                "refire_level" => self.refire_level = f,
                "refire_gap" => self.refire_gap = f,
                "sustain_k" => self.sustain_k = n,
                "sustain_margin" => self.sustain_margin = f,
                "sustain_cap" => self.sustain_cap = f,
                "w_flat" => self.w_flat = f,
                "flat_cap" => self.flat_cap = n,
                "flat_min" => self.flat_min = n,
                "flat_warm" => self.flat_warm = n,
                "warm" => self.warm = n,
                "view_warm" => self.view_warm = n,
                "mid" => self.mid = f,
                "half_span" => self.half_span = f,
                _ => return Err(format!("unknown tuning key '{k}'")),
            }
        }
        Ok(self)
    }
}
