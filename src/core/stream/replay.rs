//! The replay clock: play, pause, speed, step and seek over a recorded stream.
//!
//! The clock only maps wall-clock time to stream time; it never reads a clock itself (the
//! page's timer passes elapsed wall milliseconds in), so replays are deterministic and
//! testable. Engines are folds, so seeking backwards means "rebuild the engine and replay
//! up to the new position": [`Replay::seek`] says when that is needed.

use serde::{Deserialize, Serialize};

/// How fast stream time runs against wall time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Speed {
    /// Stream milliseconds per wall millisecond (1.0 = real time).
    Times(f64),
    /// As fast as the page can apply events; the driver bounds the work per frame.
    Max,
}

impl Speed {
    /// The speeds offered to users, slowest first.
    pub const CHOICES: [Speed; 7] = [
        Speed::Times(1.0),
        Speed::Times(10.0),
        Speed::Times(60.0),
        Speed::Times(100.0),
        Speed::Times(300.0),
        Speed::Times(1000.0),
        Speed::Max,
    ];

    /// `1x`, `60x`, … or `max`.
    pub fn label(&self) -> String {
        match self {
            Speed::Times(x) => format!("{x}x"),
            Speed::Max => "max".into(),
        }
    }

    /// Parse a label made by [`Speed::label`] (`60x`, `60`, `max`).
    pub fn parse(s: &str) -> Option<Speed> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("max") {
            return Some(Speed::Max);
        }
        let x: f64 = s.trim_end_matches(['x', 'X']).parse().ok()?;
        (x.is_finite() && x > 0.0).then_some(Speed::Times(x))
    }
}

/// What a seek asks of the driver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seek {
    /// The new position is ahead: keep applying events up to it.
    Forward,
    /// The new position is behind what engines have seen: rebuild them and replay from the start.
    Rebuild,
}

/// A replay clock over the stream span `[start_ms, end_ms]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Replay {
    start_ms: i64,
    end_ms: i64,
    position_ms: i64,
    playing: bool,
    speed: Speed,
    /// Sub-millisecond remainder of stream time, so 1x at 60 frames a second does not drift.
    carry: f64,
}

impl Replay {
    /// A paused clock at the start of `[start_ms, end_ms]`, at real-time speed.
    pub fn new(start_ms: i64, end_ms: i64) -> Self {
        Replay {
            start_ms,
            end_ms: end_ms.max(start_ms),
            position_ms: start_ms,
            playing: false,
            speed: Speed::Times(1.0),
            carry: 0.0,
        }
    }

    /// First stream millisecond.
    pub fn start_ms(&self) -> i64 {
        self.start_ms
    }

    /// Last stream millisecond.
    pub fn end_ms(&self) -> i64 {
        self.end_ms
    }

    /// Stream time reached so far: events at or before it have been applied.
    pub fn position_ms(&self) -> i64 {
        self.position_ms
    }

    /// Whether the clock runs.
    pub fn playing(&self) -> bool {
        self.playing
    }

    /// The speed.
    pub fn speed(&self) -> Speed {
        self.speed
    }

    /// Whether the whole stream has been played.
    pub fn at_end(&self) -> bool {
        self.position_ms >= self.end_ms
    }

    /// Start or resume; at the end, playing starts again from the beginning (returns
    /// [`Seek::Rebuild`] then).
    pub fn play(&mut self) -> Seek {
        self.playing = true;
        if self.at_end() {
            self.seek(self.start_ms)
        } else {
            Seek::Forward
        }
    }

    /// Stop the clock where it is.
    pub fn pause(&mut self) {
        self.playing = false;
        self.carry = 0.0;
    }

    /// Change the speed; the position is kept.
    pub fn set_speed(&mut self, speed: Speed) {
        self.speed = speed;
        self.carry = 0.0;
    }

    /// Advance by `wall_ms` of wall time at the current speed and return the new position.
    /// At [`Speed::Max`] the clock does not move by itself: the driver moves it with
    /// [`Replay::advance_to`] as far as its work budget allows.
    pub fn tick(&mut self, wall_ms: f64) -> i64 {
        if self.playing {
            if let Speed::Times(x) = self.speed {
                let exact = wall_ms.max(0.0) * x + self.carry;
                let whole = exact.floor();
                self.carry = exact - whole;
                self.advance_to(self.position_ms.saturating_add(whole as i64));
            }
        }
        self.position_ms
    }

    /// Move forward to `t_ms` (clamped to the span); never moves backwards. Reaching the end
    /// pauses the clock.
    pub fn advance_to(&mut self, t_ms: i64) {
        self.position_ms = t_ms.clamp(self.position_ms, self.end_ms);
        if self.at_end() {
            self.playing = false;
            self.carry = 0.0;
        }
    }

    /// Step forward by `step_ms` of stream time, playing or not.
    pub fn step(&mut self, step_ms: i64) -> i64 {
        self.advance_to(self.position_ms.saturating_add(step_ms.max(0)));
        self.position_ms
    }

    /// Jump to `t_ms` (clamped to the span).
    pub fn seek(&mut self, t_ms: i64) -> Seek {
        let t = t_ms.clamp(self.start_ms, self.end_ms);
        self.carry = 0.0;
        if t < self.position_ms {
            self.position_ms = t;
            Seek::Rebuild
        } else {
            self.advance_to(t);
            Seek::Forward
        }
    }
}

/// The next event to hand to engines, over a time-ordered slice of events.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    next: usize,
}

impl Cursor {
    /// Index of the next event to apply (= events applied so far).
    pub fn applied(&self) -> usize {
        self.next
    }

    /// Back to the first event (after an engine rebuild).
    pub fn rewind(&mut self) {
        self.next = 0;
    }

    /// Apply, in order, the events with time ≤ `until_ms`, at most `budget` of them; returns
    /// how many were applied. `time` reads an event's stream time.
    pub fn advance<E>(
        &mut self,
        events: &[E],
        until_ms: i64,
        budget: usize,
        time: impl Fn(&E) -> i64,
        mut apply: impl FnMut(&E),
    ) -> usize {
        let rest = &events[self.next.min(events.len())..];
        let mut n = 0;
        for e in rest.iter().take(budget) {
            if time(e) > until_ms {
                break;
            }
            apply(e);
            n += 1;
        }
        self.next += n;
        n
    }

    /// Time of the next event to apply, None at the end.
    pub fn peek_time<E>(&self, events: &[E], time: impl Fn(&E) -> i64) -> Option<i64> {
        events.get(self.next).map(time)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_time_does_not_drift_at_sixty_frames_a_second() {
        let mut r = Replay::new(0, 3_600_000);
        r.play();
        for _ in 0..600 {
            r.tick(1000.0 / 60.0);
        }
        // Ten wall seconds at 1x are ten stream seconds, to the millisecond.
        assert!((r.position_ms() - 10_000).abs() <= 1, "{}", r.position_ms());
    }

    #[test]
    fn speed_scales_stream_time_and_the_end_pauses() {
        let mut r = Replay::new(0, 60_000);
        r.set_speed(Speed::Times(100.0));
        r.play();
        assert_eq!(r.tick(100.0), 10_000);
        r.tick(10_000.0);
        assert_eq!(r.position_ms(), 60_000);
        assert!(!r.playing());
        assert_eq!(r.play(), Seek::Rebuild, "playing at the end starts over");
        assert_eq!(r.position_ms(), 0);
    }

    #[test]
    fn paused_clock_stands_still_and_seek_back_asks_for_a_rebuild() {
        let mut r = Replay::new(1_000, 61_000);
        assert_eq!(r.tick(5_000.0), 1_000);
        assert_eq!(r.seek(31_000), Seek::Forward);
        assert_eq!(r.seek(11_000), Seek::Rebuild);
        assert_eq!(r.position_ms(), 11_000);
        assert_eq!(r.seek(-5), Seek::Rebuild);
        assert_eq!(r.position_ms(), 1_000);
        assert_eq!(r.step(2_000), 3_000);
    }

    #[test]
    fn cursor_applies_each_event_once_in_order_within_budget() {
        let times = [0i64, 500, 1000, 1000, 2500, 4000];
        let mut c = Cursor::default();
        let mut seen = Vec::new();
        assert_eq!(c.advance(&times, 1000, 3, |t| *t, |t| seen.push(*t)), 3);
        assert_eq!(c.advance(&times, 1000, 10, |t| *t, |t| seen.push(*t)), 1);
        assert_eq!(c.advance(&times, 3000, 10, |t| *t, |t| seen.push(*t)), 1);
        assert_eq!(c.peek_time(&times, |t| *t), Some(4000));
        assert_eq!(
            c.advance(&times, i64::MAX, 10, |t| *t, |t| seen.push(*t)),
            1
        );
        assert_eq!(seen, times);
        assert_eq!(
            c.advance(&times, i64::MAX, 10, |t| *t, |t| seen.push(*t)),
            0
        );
    }

    #[test]
    fn speed_labels_round_trip() {
        for s in Speed::CHOICES {
            assert_eq!(Speed::parse(&s.label()), Some(s));
        }
        assert_eq!(Speed::parse("0x"), None);
        assert_eq!(Speed::parse("fast"), None);
    }
}
