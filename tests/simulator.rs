//! The metric simulator: wave shape, determinism, every injection kind, bad settings, and
//! `pipescope simulate` end to end.

use std::process::{Command, Output};

use pipescope::core::event::Event;
use pipescope::core::simulator::{
    Injection, InjectionKind, MetricSpec, SimConfig, SimError, Simulator,
};

const BIN: &str = env!("CARGO_BIN_EXE_pipescope");

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("run pipescope")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("UTF-8 output")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn quiet() -> SimConfig {
    let mut c = SimConfig::default();
    for m in &mut c.metrics {
        m.noise_sd = 0.0;
    }
    c
}

/// (t_ms, series) -> value for every event up to `until_ms`.
fn points(sim: &mut Simulator, until_ms: i64) -> Vec<(i64, u32, f64)> {
    let mut out = Vec::new();
    sim.events_until(until_ms, &mut out);
    out.iter()
        .map(|e| match e {
            Event::Metric(m) => (m.t_ms, m.series, m.value),
            Event::Error(_) => panic!("the simulator makes only metric events"),
        })
        .collect()
}

fn series(points: &[(i64, u32, f64)], s: u32) -> Vec<(i64, f64)> {
    points
        .iter()
        .filter(|p| p.1 == s)
        .map(|p| (p.0, p.2))
        .collect()
}

#[test]
fn defaults_are_the_issues_numbers() {
    let c = SimConfig::default();
    assert_eq!(c.tick_ms, 2000);
    let names: Vec<&str> = c.metrics.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["energy_consumption", "energy_price"]);
    assert_eq!(
        (c.metrics[0].min, c.metrics[0].max, c.metrics[0].increment),
        (1.0, 500.0, 20.0)
    );
    assert_eq!(
        (c.metrics[1].min, c.metrics[1].max, c.metrics[1].increment),
        (10.0, 1000.0, 50.0)
    );
    // "About a minute" a cycle.
    for m in &c.metrics {
        assert!((30.0..=60.0).contains(&m.period_s()), "{}", m.period_s());
    }
}

#[test]
fn noiseless_stream_is_a_triangle_wave_with_fixed_steps() {
    let mut sim = Simulator::new(quiet(), 7).unwrap();
    let pts = points(&mut sim, 600_000);
    for (s, m) in quiet().metrics.iter().enumerate() {
        let v = series(&pts, s as u32);
        assert_eq!(v.len(), 301, "one point every 2 s from 0 to 600 s");
        assert_eq!(v[0], (0, m.min));
        let step = m.increment * 2.0;
        let (mut turns_up, mut turns_down) = (0, 0);
        for w in v.windows(3) {
            let (a, b, c) = (w[0].1, w[1].1, w[2].1);
            assert!(b >= m.min - 1e-9 && b <= m.max + 1e-9, "{b} out of range");
            let d = b - a;
            // Away from the turning points every step is exactly the increment per tick.
            if (a - m.min).abs() > step && (a - m.max).abs() > step {
                assert!((d.abs() - step).abs() < 1e-9, "step {d} at {}", w[1].0);
            }
            // A peak between two ticks gives two equal samples: count the pair once.
            if b > a && c <= b {
                turns_down += 1;
                assert!(m.max - b < step, "turns down below max: {b}");
            }
            if b < a && c >= b {
                turns_up += 1;
                assert!(b - m.min < step, "turns up above min: {b}");
            }
        }
        let cycles = 600.0 / m.period_s();
        assert!(
            (turns_down as f64 - cycles).abs() < 1.5,
            "{turns_down} peaks in 600 s, expected about {cycles}"
        );
        assert!(
            (turns_up as f64 - cycles).abs() < 1.5,
            "{turns_up} troughs, {cycles}"
        );
    }
}

#[test]
fn same_seed_same_stream_other_seed_other_noise() {
    let run = |seed| {
        let mut sim = Simulator::new(SimConfig::default(), seed).unwrap();
        points(&mut sim, 120_000)
    };
    assert_eq!(run(3), run(3));
    assert_ne!(run(3), run(4));
    // The noise has the configured size around the clean wave.
    let sim = Simulator::new(SimConfig::default(), 3).unwrap();
    let resid: Vec<f64> = run(3)
        .iter()
        .filter(|p| p.1 == 1)
        .map(|p| p.2 - sim.clean_value(1, p.0).unwrap())
        .collect();
    let sd = (resid.iter().map(|r| r * r).sum::<f64>() / resid.len() as f64).sqrt();
    assert!((sd - 10.0).abs() < 2.5, "noise sd {sd}, configured 10");
}

#[test]
fn stream_in_pieces_equals_stream_at_once_and_survives_a_checkpoint() {
    let mut whole = Simulator::new(SimConfig::default(), 11).unwrap();
    let all = points(&mut whole, 100_000);
    let mut sim = Simulator::new(SimConfig::default(), 11).unwrap();
    let mut got = points(&mut sim, 33_333);
    let json = serde_json::to_string(&sim).unwrap();
    let mut restored: Simulator = serde_json::from_str(&json).unwrap();
    assert_eq!(restored, sim);
    got.extend(points(&mut restored, 70_000));
    got.extend(points(&mut restored, 100_000));
    assert_eq!(got, all);
}

#[test]
fn every_injection_kind_shows_only_where_injected() {
    let seed = 5;
    let clean = points(
        &mut Simulator::new(SimConfig::default(), seed).unwrap(),
        200_000,
    );
    let range = 499.0; // energy_consumption's max - min
    let cases = [
        (InjectionKind::TransientSpike, 40_000, 30_000),
        (InjectionKind::ProlongedSpike, 40_000, 20_000),
        (InjectionKind::LevelShift, 40_000, 60_000),
        (InjectionKind::DropToZero, 40_000, 10_000),
        (InjectionKind::Gap, 40_000, 10_000),
        (InjectionKind::NoiseBurst, 40_000, 40_000),
    ];
    for (kind, start, len) in cases {
        let mut sim = Simulator::new(SimConfig::default(), seed).unwrap();
        sim.inject(Injection::new(kind, 0, start, len)).unwrap();
        let got = points(&mut sim, 200_000);
        // The other metric is untouched.
        assert_eq!(series(&got, 1), series(&clean, 1), "{kind:?}");
        let before: std::collections::BTreeMap<i64, f64> = series(&clean, 0).into_iter().collect();
        let after: std::collections::BTreeMap<i64, f64> = series(&got, 0).into_iter().collect();
        let end = if kind == InjectionKind::TransientSpike {
            start + 2000
        } else {
            start + len
        };
        for (&t, &v) in &before {
            let inside = t >= start && t < end;
            assert_eq!(
                sim.truth(0, t),
                inside.then_some(kind),
                "{kind:?} truth at {t}"
            );
            if !inside {
                assert_eq!(after.get(&t), Some(&v), "{kind:?} changed {t} outside");
                continue;
            }
            let a = after.get(&t).copied();
            match kind {
                InjectionKind::TransientSpike | InjectionKind::ProlongedSpike => {
                    assert!((a.unwrap() - v - range).abs() < 1e-9, "{kind:?} at {t}")
                }
                InjectionKind::LevelShift => {
                    assert!((a.unwrap() - v - range / 2.0).abs() < 1e-9)
                }
                InjectionKind::DropToZero => assert_eq!(a, Some(0.0)),
                InjectionKind::Gap => assert_eq!(a, None, "gap at {t}"),
                InjectionKind::NoiseBurst => assert_ne!(a, Some(v)),
            }
        }
        let touched = before.keys().filter(|&&t| t >= start && t < end).count();
        let expect = if kind == InjectionKind::TransientSpike {
            1
        } else {
            (len / 2000) as usize
        };
        assert_eq!(touched, expect, "{kind:?} covers {touched} ticks");
    }
    // A noise burst is much noisier than the base noise (sd 5) while it lasts.
    let mut sim = Simulator::new(SimConfig::default(), seed).unwrap();
    sim.inject(Injection::new(InjectionKind::NoiseBurst, 0, 0, 400_000))
        .unwrap();
    let got = points(&mut sim, 399_999);
    let resid: Vec<f64> = series(&got, 0)
        .iter()
        .map(|&(t, v)| v - sim.clean_value(0, t).unwrap())
        .collect();
    let sd = (resid.iter().map(|r| r * r).sum::<f64>() / resid.len() as f64).sqrt();
    assert!(sd > 60.0, "burst sd {sd}, expected about 0.2 x 499");
}

#[test]
fn injection_added_while_running_and_on_several_metrics() {
    let mut sim = Simulator::new(SimConfig::default(), 9).unwrap();
    let first = points(&mut sim, 20_000);
    assert!(first.iter().all(|p| p.2 < 1500.0));
    for s in 0..2 {
        sim.inject(Injection::new(InjectionKind::DropToZero, s, 30_000, 6_000))
            .unwrap();
    }
    let rest = points(&mut sim, 60_000);
    let zeros: Vec<(i64, u32)> = rest
        .iter()
        .filter(|p| p.2 == 0.0)
        .map(|p| (p.0, p.1))
        .collect();
    assert_eq!(
        zeros,
        [
            (30_000, 0),
            (30_000, 1),
            (32_000, 0),
            (32_000, 1),
            (34_000, 0),
            (34_000, 1)
        ]
    );
}

#[test]
fn users_add_remove_and_edit_metrics() {
    let mut sim = Simulator::new(SimConfig::default(), 1).unwrap();
    let _ = points(&mut sim, 10_000);
    let mut c = sim.config().clone();
    c.metrics.remove(0);
    c.metrics
        .push(MetricSpec::new("queue_depth", 0.0, 10.0, 1.0, 0.0));
    c.metrics[0].max = 2000.0;
    sim.set_config(c).unwrap();
    assert_eq!(sim.names(), ["energy_price", "queue_depth"]);
    let pts = points(&mut sim, 20_000);
    assert_eq!(pts.first().unwrap().0, 12_000, "continues at the next tick");
    assert!(pts.iter().all(|p| p.1 < 2));
    // queue_depth: 0 to 10 at 1/s and back, a 20 s cycle.
    assert!(series(&pts, 1).contains(&(14_000, 6.0)));
    assert!(series(&pts, 1).contains(&(20_000, 0.0)));
}

#[test]
fn bad_settings_and_injections_are_refused_with_reasons() {
    let mut c = SimConfig::default();
    c.tick_ms = 0;
    assert_eq!(Simulator::new(c, 1).unwrap_err(), SimError::TickMs(0));
    let mut c = SimConfig::default();
    c.metrics[1].name = "energy_consumption".into();
    let e = Simulator::new(c, 1).unwrap_err();
    assert!(
        e.to_string().contains("metric 2 ('energy_consumption')"),
        "{e}"
    );
    assert!(e.to_string().contains("unique"), "{e}");
    let mut c = SimConfig::default();
    c.metrics[0].max = -5.0;
    assert!(Simulator::new(c, 1)
        .unwrap_err()
        .to_string()
        .contains("max must be at least min"));
    let mut c = SimConfig::default();
    c.metrics[0].increment = f64::NAN;
    assert!(Simulator::new(c, 1)
        .unwrap_err()
        .to_string()
        .contains("increment must be a finite number"));

    let mut sim = Simulator::new(SimConfig::default(), 1).unwrap();
    let e = sim
        .inject(Injection::new(InjectionKind::Gap, 2, 0, 1000))
        .unwrap_err();
    assert_eq!(
        e,
        SimError::UnknownSeries {
            series: 2,
            metrics: 2
        }
    );
    assert!(sim
        .inject(Injection::new(InjectionKind::Gap, 0, 0, -1))
        .is_err());
    let mut inj = Injection::new(InjectionKind::LevelShift, 0, 0, 1000);
    inj.magnitude = f64::INFINITY;
    assert!(sim.inject(inj).is_err());
    assert!(sim.injections().is_empty());
}

// ---- the command line ----

fn rows(csv: &str) -> Vec<Vec<String>> {
    csv.lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

#[test]
fn cli_prints_the_stream_as_csv_and_is_deterministic() {
    let a = run(&["simulate", "--seconds", "60", "--seed", "42"]);
    assert!(a.status.success(), "{}", stderr(&a));
    let b = run(&["simulate", "--seconds", "60", "--seed", "42"]);
    assert_eq!(a.stdout, b.stdout, "same seed, same CSV");
    let c = run(&["simulate", "--seconds", "60", "--seed", "43"]);
    assert_ne!(a.stdout, c.stdout);
    let r = rows(&stdout(&a));
    assert_eq!(r[0], ["timestamp", "energy_consumption", "energy_price"]);
    assert_eq!(r.len(), 31, "30 ticks of 2 s in 60 s, plus the header");
    let times: Vec<f64> = r[1..].iter().map(|x| x[0].parse().unwrap()).collect();
    assert_eq!(times.first(), Some(&0.0));
    assert_eq!(times.last(), Some(&58.0));
    // The CSV carries the same values as the library.
    let mut sim = Simulator::new(SimConfig::default(), 42).unwrap();
    let pts = points(&mut sim, 58_000);
    let lib: Vec<f64> = series(&pts, 1).iter().map(|p| p.1).collect();
    let cli: Vec<f64> = r[1..].iter().map(|x| x[2].parse().unwrap()).collect();
    assert_eq!(lib, cli);
}

#[test]
fn cli_tick_noise_and_metrics_options() {
    let o = run(&[
        "simulate",
        "--seconds",
        "3",
        "--tick-ms",
        "500",
        "--noise",
        "0",
        "--metric",
        "load:0:100:10",
        "--metric",
        "lag:5:6:1:0",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "timestamp,load,lag\n0,0,5\n0.5,5,5.5\n1,10,6\n1.5,15,5.5\n2,20,5\n2.5,25,5.5\n"
    );
}

#[test]
fn cli_injections_appear_where_asked() {
    let o = run(&[
        "simulate",
        "--seconds",
        "40",
        "--noise",
        "0",
        "--inject",
        "gap:energy_price:10:6",
        "--inject",
        "drop-to-zero:energy_consumption:20:4",
        "--inject",
        "transient-spike:energy_consumption:30:0",
        "--inject",
        "level-shift:energy_price:30:4:-0.5",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r = rows(&stdout(&o));
    let at = |s: &str| r.iter().find(|x| x[0] == s).unwrap().clone();
    for t in ["10", "12", "14"] {
        assert_eq!(at(t)[2], "", "gap at {t}");
        assert_ne!(at(t)[1], "");
    }
    assert_ne!(at("16")[2], "");
    assert_eq!(at("20")[1], "0");
    assert_eq!(at("22")[1], "0");
    assert_ne!(at("24")[1], "0");
    let sim = Simulator::new(SimConfig::default(), 1).unwrap();
    let spike: f64 = at("30")[1].parse().unwrap();
    assert_eq!(spike, sim.clean_value(0, 30_000).unwrap() + 499.0);
    let shifted: f64 = at("32")[2].parse().unwrap();
    assert_eq!(shifted, sim.clean_value(1, 32_000).unwrap() - 495.0);
}

#[test]
fn cli_bad_inject_names_the_known_kinds_and_metrics() {
    let o = run(&[
        "simulate",
        "--seconds",
        "10",
        "--inject",
        "spike:energy_price:1:2",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    for kind in InjectionKind::ALL {
        assert!(e.contains(kind.name()), "{e}");
    }
    let o = run(&["simulate", "--seconds", "10", "--inject", "gap:cpu:1:2"]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("unknown metric 'cpu'"), "{e}");
    assert!(e.contains("energy_consumption, energy_price"), "{e}");
    let o = run(&[
        "simulate",
        "--seconds",
        "10",
        "--inject",
        "gap:energy_price",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("KIND:METRIC:START_S:LEN_S"));
    let o = run(&[
        "simulate",
        "--seconds",
        "10",
        "--inject",
        "gap:energy_price:x:2",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("START_S 'x' is not a number"),
        "{}",
        stderr(&o)
    );
    let o = run(&["simulate", "--seconds", "10", "--tick-ms", "0"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("tick"), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
}

#[test]
fn cli_truth_columns_label_the_injected_points() {
    let o = run(&[
        "simulate",
        "--seconds",
        "20",
        "--truth",
        "--inject",
        "gap:energy_price:4:4",
        "--inject",
        "noise-burst:energy_consumption:10:2",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r = rows(&stdout(&o));
    assert_eq!(
        r[0],
        [
            "timestamp",
            "energy_consumption",
            "energy_price",
            "truth_energy_consumption",
            "truth_energy_price"
        ]
    );
    let labelled: Vec<(String, String, String)> = r[1..]
        .iter()
        .filter(|x| x[3] != "" || x[4] != "")
        .map(|x| (x[0].clone(), x[3].clone(), x[4].clone()))
        .collect();
    let l = |t: &str, a: &str, b: &str| (t.to_string(), a.to_string(), b.to_string());
    assert_eq!(
        labelled,
        [
            l("4", "", "gap"),
            l("6", "", "gap"),
            l("10", "noise-burst", "")
        ]
    );
}
