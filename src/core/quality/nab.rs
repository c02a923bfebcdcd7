//! The Numenta Anomaly Benchmark (NAB v1.1) section of the report: reads what the harness
//! outside the repository (`../shared/nab/score.sh`) leaves in its run directory — its
//! `summary.json` and NAB's per-file table `results/NAME/NAME_standard_scores.csv` — and
//! sums the table per NAB category. The core reads no file: the caller passes the texts.

use std::collections::BTreeMap;

use serde::Deserialize;

/// NAB's three profiles as the report names them, with pipescope's targets and the best
/// scores on NAB's scoreboard (ARTime standard 74.9; CAD OSE low-FP 67.0; ARTime low-FN
/// 80.4).
pub const PROFILES: [(&str, &str, f64, f64); 3] = [
    ("standard", "standard", 75.0, 74.9),
    ("reward_low_FP_rate", "low_FP", 67.0, 67.0),
    ("reward_low_FN_rate", "low_FN", 80.0, 80.4),
];

/// NAB's categories: the top-level folders of its data, in NAB's order.
pub const CATEGORIES: [&str; 7] = [
    "artificialNoAnomaly",
    "artificialWithAnomaly",
    "realAdExchange",
    "realAWSCloudwatch",
    "realKnownCause",
    "realTraffic",
    "realTweets",
];

/// The harness' `summary.json`, the fields the report uses.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct NabSummary {
    /// Detector name given to the harness.
    pub name: String,
    /// Normalised score per profile (0 = null detector, 100 = perfect).
    pub normalized: BTreeMap<String, f64>,
    /// Threshold NAB's optimizer chose per profile.
    #[serde(default)]
    pub threshold: BTreeMap<String, f64>,
    /// NAB's commit.
    #[serde(default)]
    pub nab_commit: String,
    /// The detector command the harness ran.
    #[serde(default)]
    pub detector_cmd: String,
}

/// One row of NAB's per-file table.
#[derive(Debug, Clone, PartialEq)]
pub struct NabFile {
    /// `category/file.csv`.
    pub file: String,
    /// Raw score of the file (each window adds up to +1 when caught early, −1 when missed;
    /// each false positive costs a fraction).
    pub score: f64,
    /// Points above the threshold inside windows.
    pub tp: u64,
    /// Points above the threshold outside windows.
    pub fp: u64,
    /// Window points below the threshold.
    pub fn_: u64,
}

impl NabFile {
    /// Its category: the file's top-level folder.
    pub fn category(&self) -> &str {
        self.file.split('/').next().unwrap_or("")
    }
}

/// A category's sums.
#[derive(Debug, Clone, PartialEq)]
pub struct NabCategory {
    /// Its name.
    pub name: String,
    /// Files in it.
    pub files: usize,
    /// Summed TP, FP, FN.
    pub tp: u64,
    /// Summed FP.
    pub fp: u64,
    /// Summed FN.
    pub fn_: u64,
    /// Summed raw standard score.
    pub score: f64,
}

/// Everything the NAB section shows.
#[derive(Debug, Clone, PartialEq)]
pub struct NabResults {
    /// The command that produced the run.
    pub command: String,
    /// The harness' summary.
    pub summary: NabSummary,
    /// NAB's per-file standard table (the `Totals` row left out).
    pub files: Vec<NabFile>,
}

/// A problem with the NAB run directory's files.
#[derive(Debug, Clone, PartialEq)]
pub struct NabError(pub String);

impl std::fmt::Display for NabError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NabError {}

/// Parses the harness' `summary.json`.
pub fn parse_summary(text: &str) -> Result<NabSummary, NabError> {
    let s: NabSummary = serde_json::from_str(text)
        .map_err(|e| NabError(format!("not a NAB harness summary.json: {e}")))?;
    for (p, _, _, _) in PROFILES {
        if !s.normalized.contains_key(p) {
            return Err(NabError(format!(
                "summary.json has no normalized score for {p}"
            )));
        }
    }
    Ok(s)
}

/// Parses NAB's per-file score table (`Detector,Profile,File,Threshold,Score,TP,TN,FP,FN,
/// Total_Count`; columns found by name), leaving out the `Totals` row.
pub fn parse_scores(text: &str) -> Result<Vec<NabFile>, NabError> {
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| NabError(format!("score table: {e}")))?
        .clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| NabError(format!("score table has no column '{name}'")))
    };
    let (fi, si, tpi, fpi, fni) = (
        col("File")?,
        col("Score")?,
        col("TP")?,
        col("FP")?,
        col("FN")?,
    );
    let di = col("Detector")?;
    let mut out = Vec::new();
    for (n, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| NabError(format!("score table, row {}: {e}", n + 2)))?;
        if rec.get(di) == Some("Totals") {
            continue;
        }
        let field = |i: usize| rec.get(i).unwrap_or("").trim().to_string();
        let bad = |what: &str| NabError(format!("score table, row {}: bad {what}", n + 2));
        let count = |i: usize, what: &str| {
            field(i)
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v >= 0.0)
                .map(|v| v as u64)
                .ok_or_else(|| bad(what))
        };
        out.push(NabFile {
            file: field(fi),
            score: field(si).parse().map_err(|_| bad("Score"))?,
            tp: count(tpi, "TP")?,
            fp: count(fpi, "FP")?,
            fn_: count(fni, "FN")?,
        });
    }
    if out.is_empty() {
        return Err(NabError("score table has no file rows".into()));
    }
    Ok(out)
}

/// Sums per category, in [`CATEGORIES`] order (then any other folder found).
pub fn by_category(files: &[NabFile]) -> Vec<NabCategory> {
    let mut names: Vec<String> = CATEGORIES.iter().map(|c| c.to_string()).collect();
    for f in files {
        if !names.iter().any(|n| n == f.category()) {
            names.push(f.category().to_string());
        }
    }
    names
        .into_iter()
        .filter_map(|name| {
            let set: Vec<&NabFile> = files.iter().filter(|f| f.category() == name).collect();
            (!set.is_empty()).then(|| NabCategory {
                files: set.len(),
                tp: set.iter().map(|f| f.tp).sum(),
                fp: set.iter().map(|f| f.fp).sum(),
                fn_: set.iter().map(|f| f.fn_).sum(),
                score: set.iter().map(|f| f.score).sum(),
                name,
            })
        })
        .collect()
}

/// The `n` files with the lowest standard score, lowest first.
pub fn worst(files: &[NabFile], n: usize) -> Vec<&NabFile> {
    let mut v: Vec<&NabFile> = files.iter().collect();
    v.sort_by(|a, b| a.score.total_cmp(&b.score).then(a.file.cmp(&b.file)));
    v.truncate(n);
    v
}
