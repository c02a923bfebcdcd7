//! `pipescope simulate`: the built-in simulator's stream as CSV.

use std::process::ExitCode;

use pipescope::core::event::Event;
use pipescope::core::simulator::{Injection, InjectionKind, MetricSpec, SimConfig, Simulator};

use crate::common::fail;

/// Print the simulator's stream as CSV: `timestamp` (stream seconds), one column per metric.
#[derive(clap::Args)]
pub struct Args {
    /// Stream seconds to simulate (ticks at 0 ≤ t < SECONDS).
    #[arg(long)]
    pub seconds: u64,
    /// Noise seed: the same seed gives the same CSV.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Milliseconds of stream time between ticks.
    #[arg(long, default_value_t = 2000)]
    pub tick_ms: i64,
    /// Noise standard deviation for every metric (default: about 1% of each range).
    #[arg(long)]
    pub noise: Option<f64>,
    /// Replace the default metrics: NAME:MIN:MAX:INCREMENT[:NOISE] (increment per second).
    #[arg(long = "metric", value_name = "NAME:MIN:MAX:INCREMENT[:NOISE]")]
    pub metrics: Vec<String>,
    /// Inject a fault: KIND:METRIC:START_S:LEN_S[:MAGNITUDE] (magnitude in metric ranges).
    #[arg(long = "inject", value_name = "KIND:METRIC:START_S:LEN_S[:MAGNITUDE]")]
    pub injections: Vec<String>,
    /// Add one `truth_<metric>` column per metric: the injected fault's kind, empty if none.
    #[arg(long)]
    pub truth: bool,
}

fn kinds() -> String {
    InjectionKind::ALL.map(InjectionKind::name).join(", ")
}

fn number(field: &str, text: &str, spec: &str) -> Result<f64, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
        .ok_or_else(|| format!("--{spec}: {field} '{text}' is not a number"))
}

fn parse_metric(s: &str) -> Result<MetricSpec, String> {
    let parts: Vec<&str> = s.split(':').collect();
    if !(4..=5).contains(&parts.len()) {
        return Err(format!(
            "--metric '{s}' is not NAME:MIN:MAX:INCREMENT[:NOISE] (for example load:0:100:5:1)"
        ));
    }
    let spec = format!("metric '{s}'");
    let noise = match parts.get(4) {
        Some(n) => number("noise", n, &spec)?,
        None => 0.0,
    };
    Ok(MetricSpec::new(
        parts[0],
        number("min", parts[1], &spec)?,
        number("max", parts[2], &spec)?,
        number("increment", parts[3], &spec)?,
        noise,
    ))
}

fn parse_injection(s: &str, config: &SimConfig) -> Result<Injection, String> {
    let names = config
        .metrics
        .iter()
        .map(|m| m.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let parts: Vec<&str> = s.split(':').collect();
    if !(4..=5).contains(&parts.len()) {
        return Err(format!(
            "--inject '{s}' is not KIND:METRIC:START_S:LEN_S[:MAGNITUDE]; kinds: {}; metrics: {names}",
            kinds()
        ));
    }
    let kind = InjectionKind::parse(parts[0]).ok_or_else(|| {
        format!(
            "--inject '{s}': unknown kind '{}'; known kinds: {}",
            parts[0],
            kinds()
        )
    })?;
    let series = config.series_of(parts[1]).ok_or_else(|| {
        format!(
            "--inject '{s}': unknown metric '{}'; known metrics: {names}",
            parts[1]
        )
    })?;
    let spec = format!("inject '{s}'");
    let start = number("START_S", parts[2], &spec)?;
    let len = number("LEN_S", parts[3], &spec)?;
    if len < 0.0 {
        return Err(format!("--inject '{s}': LEN_S must be 0 or more"));
    }
    let ms = |x: f64| (x * 1000.0).round().clamp(i64::MIN as f64, i64::MAX as f64) as i64;
    let mut inj = Injection::new(kind, series, ms(start), ms(len));
    if let Some(m) = parts.get(4) {
        inj.magnitude = number("MAGNITUDE", m, &spec)?;
    }
    Ok(inj)
}

/// Run the subcommand; failures are reported on stderr with exit code 2.
pub fn run(args: Args) -> ExitCode {
    let mut config = SimConfig {
        tick_ms: args.tick_ms,
        ..SimConfig::default()
    };
    if !args.metrics.is_empty() {
        match args.metrics.iter().map(|m| parse_metric(m)).collect() {
            Ok(metrics) => config.metrics = metrics,
            Err(e) => return fail(e),
        }
    }
    if let Some(sd) = args.noise {
        for m in &mut config.metrics {
            m.noise_sd = sd;
        }
    }
    let mut sim = match Simulator::new(config, args.seed) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    for spec in &args.injections {
        let inj = match parse_injection(spec, sim.config()) {
            Ok(i) => i,
            Err(e) => return fail(e),
        };
        if let Err(e) = sim.inject(inj) {
            return fail(format_args!("--inject '{spec}': {e}"));
        }
    }
    let Some(end_ms) = args
        .seconds
        .checked_mul(1000)
        .and_then(|ms| i64::try_from(ms).ok())
    else {
        return fail(format_args!("--seconds {} is too long", args.seconds));
    };
    match write_stream(&mut sim, end_ms, args.truth) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader stopped early (`| head`): not a failure of ours.
        Err(e) if matches!(e.kind(), csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe) => {
            ExitCode::SUCCESS
        }
        Err(e) => fail(format_args!("writing the stream: {e}")),
    }
}

/// Ticks at t < `end_ms`, one row each; a metric in a gap leaves its cell empty.
fn write_stream(sim: &mut Simulator, end_ms: i64, truth: bool) -> csv::Result<()> {
    let stdout = std::io::stdout();
    let mut w = csv::Writer::from_writer(std::io::BufWriter::new(stdout.lock()));
    let names = sim.names();
    let mut header = vec!["timestamp".to_string()];
    // Names are the user's text: never a formula in the spreadsheet that opens this.
    header.extend(names.iter().map(|n| pipescope::core::csv_cell::text(n)));
    if truth {
        header.extend(
            names
                .iter()
                .map(|n| pipescope::core::csv_cell::text(&format!("truth_{n}"))),
        );
    }
    w.write_record(&header)?;
    let tick = sim.config().tick_ms;
    let chunk = tick.saturating_mul(4096);
    let mut events: Vec<Event> = Vec::new();
    let mut row = vec![String::new(); header.len()];
    while sim.next_t_ms() < end_ms {
        let until = sim.next_t_ms().saturating_add(chunk).min(end_ms - 1);
        events.clear();
        let first = sim.next_t_ms();
        sim.events_until(until, &mut events);
        let mut idx = 0;
        let mut t = first;
        while t <= until {
            row.iter_mut().for_each(String::clear);
            row[0] = format!("{}", t as f64 / 1000.0);
            while let Some(Event::Metric(m)) = events.get(idx) {
                if m.t_ms != t {
                    break;
                }
                row[m.series as usize + 1] = format!("{}", m.value);
                idx += 1;
            }
            if truth {
                for s in 0..names.len() {
                    if let Some(kind) = sim.truth(s as u32, t) {
                        row[names.len() + 1 + s] = kind.name().to_string();
                    }
                }
            }
            w.write_record(&row)?;
            match t.checked_add(tick) {
                Some(n) => t = n,
                None => break,
            }
        }
    }
    w.flush()?;
    Ok(())
}
