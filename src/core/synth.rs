//! A generated CSV for benchmarks: deterministic, any size, with the mix of numeric and
//! categorical columns a monitoring export typically has.

use std::io::{self, Write};

use crate::core::rng::SplitMix64;

/// Header of the generated file.
pub const HEADER: &str = "id,latency_ms,amount,ratio,retries,region,service,customer_tier\n";

const REGIONS: [&str; 5] = [
    "eu-west-1",
    "us-east-1",
    "us-west-2",
    "ap-south-1",
    "sa-east-1",
];
const TIERS: [&str; 12] = [
    "free",
    "starter",
    "basic",
    "team",
    "business",
    "pro",
    "premium",
    "enterprise",
    "partner",
    "internal",
    "trial",
    "legacy",
];

/// Writes a header and rows until at least `target_bytes` have been written; returns the
/// bytes written. Columns: id (int), latency_ms (1 decimal, log-normal), amount
/// (2 decimals, up to 10^5), ratio (4 decimals in [0, 1)), retries (small int), region
/// (5 labels), service (200 labels), customer_tier (12 labels). Same seed, same file.
pub fn write_csv<W: Write>(w: W, target_bytes: u64, seed: u64) -> io::Result<u64> {
    let mut w = io::BufWriter::with_capacity(1 << 20, w);
    let services: Vec<String> = (0..200).map(|i| format!("svc-{i:03}")).collect();
    let mut rng = SplitMix64::new(seed);
    let mut written = HEADER.len() as u64;
    w.write_all(HEADER.as_bytes())?;
    let mut line = Vec::with_capacity(128);
    let mut id: u64 = 0;
    while written < target_bytes {
        line.clear();
        id += 1;
        let latency_tenths = ((3.0 + 0.8 * rng.normal()).exp() * 10.0).round() as u64;
        let cents = rng.below(10_000_000);
        let ratio = rng.below(10_000);
        // Mostly 0, sometimes a few: a skewed small-integer column.
        let retries = (rng.next_f64().powi(6) * 8.0) as u64;
        let region = REGIONS[rng.below(REGIONS.len() as u64) as usize];
        // Zipf-like: low service numbers are much more frequent.
        let service = &services[(rng.next_f64().powi(3) * 200.0) as usize];
        let tier = TIERS[rng.below(TIERS.len() as u64) as usize];
        writeln!(
            line,
            "{id},{}.{},{}.{:02},0.{ratio:04},{retries},{region},{service},{tier}",
            latency_tenths / 10,
            latency_tenths % 10,
            cents / 100,
            cents % 100
        )?;
        w.write_all(&line)?;
        written += line.len() as u64;
    }
    w.flush()?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_bytes_and_size_reached() {
        let mut a = Vec::new();
        let mut b = Vec::new();
        let n = write_csv(&mut a, 50_000, 3).unwrap();
        write_csv(&mut b, 50_000, 3).unwrap();
        assert_eq!(a, b);
        assert_eq!(n, a.len() as u64);
        assert!((50_000..50_200).contains(&n));
        let mut c = Vec::new();
        write_csv(&mut c, 50_000, 4).unwrap();
        assert_ne!(a, c);
    }

    #[test]
    fn every_row_has_every_field() {
        let mut a = Vec::new();
        write_csv(&mut a, 20_000, 1).unwrap();
        let text = String::from_utf8(a).unwrap();
        let fields = HEADER.trim_end().split(',').count();
        for line in text.lines() {
            assert_eq!(line.split(',').count(), fields, "{line}");
        }
    }
}

/// `n` error events spread evenly over `span_ms` of stream time: 32 codes, two builds (0 the
/// baseline, 1 the candidate), code 7 three times as frequent on the candidate. The shared
/// input of the native and the browser benchmarks of the Errors engine.
pub fn error_events(n: u64, span_ms: u64, seed: u64) -> Vec<crate::core::event::ErrorEvent> {
    let mut rng = SplitMix64::new(seed);
    (0..n)
        .map(|i| {
            let code = (rng.next_u64() % 32) as u32;
            let build = if code == 7 {
                u32::from(rng.below(4) != 0)
            } else {
                rng.below(2) as u32
            };
            crate::core::event::ErrorEvent {
                t_ms: (i * span_ms / n.max(1)) as i64,
                build,
                code,
            }
        })
        .collect()
}
