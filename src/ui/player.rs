//! The stream player every workspace with a live stream uses: a gloo-timers Interval that
//! moves a [`Replay`] clock by the wall time between ticks and hands the stream time it
//! passed to the page's [`Deck`], with play, pause, speed, step and seek. At "max" speed
//! it feeds the deck in slices until a per-frame work budget is spent, so the page keeps
//! painting however fast the stream runs.

use gloo_timers::callback::Interval;
use leptos::prelude::*;

use crate::core::stream::replay::Seek;
use crate::core::stream::{Replay, Speed};

/// Timer period of the stream loop: about one frame.
const TICK_MS: u32 = 16;

/// What a page's stream does when the player moves its clock.
pub trait Deck: Copy + 'static {
    /// Apply everything up to stream time `t_ms` (the clock only moved forward).
    fn feed_until(&self, t_ms: i64);
    /// Rebuild the engines from the stream's start and feed them up to `t_ms` (the clock
    /// moved backwards: engines are folds, so this is how a backward seek takes effect).
    fn rebuild_to(&self, t_ms: i64);
    /// At max speed: the stream time one slice of work reaches from `position_ms`, or None
    /// when nothing is left to feed.
    fn slice_end(&self, position_ms: i64) -> Option<i64>;
    /// Copy the engine state into the signals the views read, after the clock moved.
    fn publish(&self);
}

/// The clock and the timer of one page's stream.
#[derive(Clone, Copy)]
pub struct Player {
    /// Whether the clock runs (mirrors the replay clock for the views).
    pub playing: RwSignal<bool>,
    /// Stream time reached, ms.
    pub position_ms: RwSignal<i64>,
    /// The speed chosen (kept across streams).
    pub speed: RwSignal<Speed>,
    /// Work of the last timer tick, ms.
    pub tick_work_ms: RwSignal<f64>,
    replay: StoredValue<Option<Replay>, LocalStorage>,
    timer: StoredValue<Option<Interval>, LocalStorage>,
    last_tick: StoredValue<f64, LocalStorage>,
    budget_ms: f64,
}

/// The page's clock in milliseconds (performance.now).
pub fn now_ms() -> f64 {
    window().performance().map(|p| p.now()).unwrap_or(0.0)
}

thread_local! {
    /// Every player's `playing`, so that code outside the pages (the update banner) can
    /// tell whether a stream runs without knowing which pages have one.
    static PLAYING: std::cell::RefCell<Vec<RwSignal<bool>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Whether any page's stream is playing (tracked: a reactive reader re-runs when one
/// starts or stops).
pub fn any_playing() -> bool {
    PLAYING.with(|all| {
        let mut all = all.borrow_mut();
        // A disposed player's signal reads as None: forget it.
        all.retain(|s| s.try_get_untracked().is_some());
        all.iter().any(|s| s.get())
    })
}

impl Player {
    /// A player with no stream at `speed`; at max speed a frame spends at most
    /// `budget_ms` feeding.
    pub fn new(speed: Speed, budget_ms: f64) -> Self {
        let playing = RwSignal::new(false);
        PLAYING.with(|all| all.borrow_mut().push(playing));
        Player {
            playing,
            position_ms: RwSignal::new(0),
            speed: RwSignal::new(speed),
            tick_work_ms: RwSignal::new(0.0),
            replay: StoredValue::new_local(None),
            timer: StoredValue::new_local(None),
            last_tick: StoredValue::new_local(0.0),
            budget_ms,
        }
    }

    /// A new stream over `[start_ms, end_ms]`, paused at `position_ms` (clamped), at the
    /// chosen speed. The deck must already hold engines fed up to that position.
    pub fn load(&self, start_ms: i64, end_ms: i64, position_ms: i64) {
        let mut replay = Replay::new(start_ms, end_ms);
        replay.set_speed(self.speed.get_untracked());
        replay.seek(position_ms);
        self.replay.set_value(Some(replay));
        self.timer.set_value(None);
        self.sync();
    }

    /// The clock's span, None without a stream.
    pub fn span(&self) -> Option<(i64, i64)> {
        self.replay
            .with_value(|r| r.as_ref().map(|r| (r.start_ms(), r.end_ms())))
    }

    /// Stream time reached (untracked), None without a stream.
    pub fn position(&self) -> Option<i64> {
        self.replay
            .with_value(|r| r.as_ref().map(|r| r.position_ms()))
    }

    /// Whether the clock has reached the end of the stream.
    pub fn at_end(&self) -> bool {
        self.replay
            .with_value(|r| r.as_ref().is_some_and(|r| r.at_end()))
    }

    /// Starts the clock (from the start when at the end).
    pub fn play<D: Deck>(&self, deck: D) {
        let seek = self
            .replay
            .try_update_value(|r| r.as_mut().map(|r| r.play()))
            .flatten();
        match seek {
            None => return,
            Some(Seek::Rebuild) => deck.rebuild_to(self.position().unwrap_or(0)),
            Some(Seek::Forward) => {}
        }
        self.last_tick.set_value(now_ms());
        let me = *self;
        self.timer
            .set_value(Some(Interval::new(TICK_MS, move || me.tick(deck))));
        self.done(deck);
    }

    /// Stops the clock where it is.
    pub fn pause<D: Deck>(&self, deck: D) {
        self.replay.update_value(|r| {
            if let Some(r) = r.as_mut() {
                r.pause();
            }
        });
        self.done(deck);
    }

    /// Play or pause.
    pub fn toggle<D: Deck>(&self, deck: D) {
        if self.playing.get_untracked() {
            self.pause(deck);
        } else {
            self.play(deck);
        }
    }

    /// Sets the speed; the position is kept.
    pub fn set_speed(&self, speed: Speed) {
        self.speed.set(speed);
        self.replay.update_value(|r| {
            if let Some(r) = r.as_mut() {
                r.set_speed(speed);
            }
        });
        self.last_tick.set_value(now_ms());
    }

    /// Jumps to stream time `t_ms` (clamped to the stream).
    pub fn seek<D: Deck>(&self, deck: D, t_ms: i64) {
        let seek = self
            .replay
            .try_update_value(|r| r.as_mut().map(|r| r.seek(t_ms)))
            .flatten();
        let Some(seek) = seek else { return };
        let to = self.position().unwrap_or(0);
        match seek {
            Seek::Rebuild => deck.rebuild_to(to),
            Seek::Forward => deck.feed_until(to),
        }
        self.done(deck);
    }

    /// Moves forward by `step_ms` of stream time, playing or not.
    pub fn step<D: Deck>(&self, deck: D, step_ms: i64) {
        let to = self
            .replay
            .try_update_value(|r| r.as_mut().map(|r| r.step(step_ms)))
            .flatten();
        if let Some(to) = to {
            deck.feed_until(to);
            self.done(deck);
        }
    }

    /// One timer tick: move the clock by the wall time since the last tick and feed what
    /// it passed; at max speed, feed slices until the frame's budget is spent.
    fn tick<D: Deck>(&self, deck: D) {
        let now = now_ms();
        let wall = now - self.last_tick.get_value();
        self.last_tick.set_value(now);
        let max = self
            .replay
            .with_value(|r| r.as_ref().map(|r| r.speed() == Speed::Max));
        match max {
            None => return,
            Some(false) => {
                let to = self
                    .replay
                    .try_update_value(|r| r.as_mut().map(|r| r.tick(wall)))
                    .flatten()
                    .unwrap_or(0);
                deck.feed_until(to);
            }
            Some(true) => loop {
                let pos = self.position().unwrap_or(0);
                let Some(target) = deck.slice_end(pos) else {
                    // Nothing left: let the clock reach the end (and stop there).
                    self.replay.update_value(|r| {
                        if let Some(r) = r.as_mut() {
                            r.advance_to(r.end_ms());
                        }
                    });
                    break;
                };
                self.replay.update_value(|r| {
                    if let Some(r) = r.as_mut() {
                        r.advance_to(target);
                    }
                });
                deck.feed_until(self.position().unwrap_or(target));
                if now_ms() - now > self.budget_ms || self.at_end() {
                    break;
                }
            },
        }
        self.tick_work_ms.set(now_ms() - now);
        self.done(deck);
    }

    /// After any move: mirror the clock into the signals, let the deck publish, and stop
    /// the timer once the clock has stopped.
    fn done<D: Deck>(&self, deck: D) {
        self.sync();
        deck.publish();
        if !self.playing.get_untracked() {
            self.timer.set_value(None);
        }
    }

    fn sync(&self) {
        let (pos, playing) = self.replay.with_value(|r| {
            r.as_ref()
                .map_or((0, false), |r| (r.position_ms(), r.playing()))
        });
        self.position_ms.set(pos);
        if self.playing.get_untracked() != playing {
            self.playing.set(playing);
        }
    }
}

/// While the workspace at `route` is shown: a file dropped on the page goes to `on_file`,
/// and `k` (as in video players) calls `on_toggle` unless the user is typing in a field.
/// The listeners go when the page's owner is cleaned up.
pub fn stream_shortcuts(
    route: crate::ui::route::Route,
    on_file: impl Fn(web_sys::File) + 'static,
    on_toggle: impl Fn() + 'static,
) {
    let d = expect_context::<crate::ui::dispatch::Dispatch>();
    d.on_file(route, on_file);
    d.on_key(route, move |e| {
        let k = e.key() == "k";
        if k {
            on_toggle();
        }
        k
    });
}
