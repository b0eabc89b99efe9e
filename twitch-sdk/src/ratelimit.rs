//! A client-side token bucket per token, so callers queue instead of running into 429s.
//!
//! Helix limits each token (the app token; each user token) to a bucket of points and reports it
//! on every response: `Ratelimit-Limit` (bucket size), `Ratelimit-Remaining` and `Ratelimit-Reset`
//! (Unix seconds when the bucket is full again). The [`Bucket`] mirrors those numbers:
//!
//! - Until the first response says how big the bucket is, one request goes at a time.
//! - Each request takes a point from the local count before it is sent. When none are left,
//!   callers wait, in order, until the reset time, then the bucket counts as full.
//! - Each response corrects the count: the server's `remaining` less the requests still in flight,
//!   never above the local count within the same reset window. Once every request sent has been
//!   answered, the lowest `remaining` of the window is exact and replaces the count (the estimate
//!   undercounts by the answers that were on their way, which would waste points each window).
//! - A server that sends no such headers is not limited here; 429s are then handled by retries.
//! - One response cannot hold the bucket for long: a reset is trusted at most the bucket's
//!   longest wait ahead of the moment the response arrived (by default a little over Helix's
//!   one-minute window), so a broken or hostile `Ratelimit-Reset` stalls the token's callers for
//!   that long at most, not until the time it names.
//!
//! A bucket can also draw on a [`SharedBudget`]: a count kept outside the process (the `redis`
//! feature's fleet bucket), so that many processes on one token share Helix's one bucket. Callers
//! still queue here first; the head of the queue then asks the shared budget. When the shared
//! budget cannot answer, the local count above takes over for that request.

use std::pin::pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_core::future::BoxFuture;
use reqwest::header::HeaderMap;
use tokio::sync::Notify;

/// Slack added to the reset time, for clock skew and the whole-second header.
pub(crate) const RESET_SLACK: Duration = Duration::from_millis(100);
/// The default of the longest wait one reset header can cause: a Helix bucket refills within a
/// minute, plus a few seconds for clock skew. A reset further ahead (a broken or hostile header)
/// is not trusted beyond it.
pub(crate) const MAX_RESET_WAIT: Duration = Duration::from_secs(65);

/// What a [`SharedBudget`] tells the head of the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
// Only the `redis` feature's fleet budget answers with these.
#[cfg_attr(not(feature = "redis"), allow(dead_code))]
pub(crate) enum Take {
    /// A point was taken: send now.
    Go,
    /// Ask again after this long (a reset ahead, or another process's request in flight).
    Wait(Duration),
}

/// A rate-limit budget kept outside this process and shared with others on the same token.
///
/// `key` names the bucket (`app:<client id>` or `user:<client id>:<user id>`). Every method is
/// best effort: [`take`](Self::take) answers `None` when the shared count is unavailable, and the
/// caller then uses its local count; reports are fire and forget.
pub(crate) trait SharedBudget: Send + Sync + 'static {
    /// Takes a point of `key`'s bucket at `now`, or says how long to wait.
    fn take<'a>(&'a self, key: &'a str, now: SystemTime) -> BoxFuture<'a, Option<Take>>;
    /// A request that took a shared point finished: with its response's headers, or none.
    fn answered(&self, key: &str, headers: Option<RateHeaders>);
    /// Helix answered 429: the bucket is empty until the reset in `headers`.
    fn exhausted(&self, key: &str, headers: RateHeaders);
}

/// The shared budget a bucket draws on, and the bucket's name there.
struct Shared {
    budget: Arc<dyn SharedBudget>,
    key: String,
}

/// The rate-limit headers of one response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct RateHeaders {
    pub(crate) limit: Option<u32>,
    pub(crate) remaining: Option<u32>,
    pub(crate) reset: Option<SystemTime>,
}

impl RateHeaders {
    pub(crate) fn from_headers(headers: &HeaderMap) -> Self {
        Self::parse(|name| headers.get(name).and_then(|v| v.to_str().ok()))
    }

    /// Reads the three headers through `get`; malformed values count as absent.
    pub(crate) fn parse<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Self {
        let number = |name: &str| get(name).and_then(|v| v.trim().parse::<u64>().ok());
        RateHeaders {
            limit: number("ratelimit-limit").map(|n| n.min(u32::MAX as u64) as u32),
            remaining: number("ratelimit-remaining").map(|n| n.min(u32::MAX as u64) as u32),
            // A reset past what `SystemTime` can hold counts as malformed (no overflow panic).
            reset: number("ratelimit-reset")
                .and_then(|s| UNIX_EPOCH.checked_add(Duration::from_secs(s))),
        }
    }

    /// The headers with the reset trusted at most `max_wait` after `now` (the response's
    /// arrival): a reset further ahead is moved to that bound.
    pub(crate) fn trusted(self, now: SystemTime, max_wait: Duration) -> Self {
        let bound = now.checked_add(max_wait).unwrap_or(now);
        RateHeaders {
            reset: self.reset.map(|reset| reset.min(bound)),
            ..self
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// No response yet: probe with one request at a time.
    Unknown,
    /// The server reports its bucket.
    Tracked,
    /// The server sends no rate-limit headers: do not limit.
    Untracked,
}

#[derive(Debug)]
struct State {
    mode: Mode,
    limit: u32,
    remaining: u32,
    reset: Option<SystemTime>,
    /// The lowest `remaining` the server reported for `reset`.
    server_low: Option<u32>,
    in_flight: u32,
    /// The longest one reset may hold the bucket (see [`RateHeaders::trusted`]).
    max_wait: Duration,
}

/// What a caller should do now.
#[derive(Debug, PartialEq, Eq)]
enum Decision {
    Go,
    /// Wait this long for the reset (the reset seen is returned to `refilled`).
    Sleep(Duration, Option<SystemTime>),
    /// Wait for an in-flight request to answer.
    AwaitResponse,
}

impl State {
    fn new(max_wait: Duration) -> Self {
        State {
            mode: Mode::Unknown,
            limit: 0,
            remaining: 0,
            reset: None,
            server_low: None,
            in_flight: 0,
            max_wait,
        }
    }

    fn decide(&mut self, now: SystemTime) -> Decision {
        // Once the reset has passed the bucket is full again, whatever was left of the old
        // window: count from the full bucket, or requests sent now would be charged against the
        // new window on the server and against the stale count here.
        if self.mode == Mode::Tracked && self.reset.is_some_and(|r| ready_at(r) <= now) {
            self.refill();
        }
        match self.mode {
            Mode::Untracked => {}
            Mode::Unknown if self.in_flight == 0 => {}
            Mode::Unknown => return Decision::AwaitResponse,
            Mode::Tracked if self.remaining > 0 => self.remaining -= 1,
            Mode::Tracked => match self.reset {
                Some(reset) => {
                    let wait = ready_at(reset)
                        .duration_since(now)
                        .unwrap_or_default()
                        .min(self.max_wait);
                    return Decision::Sleep(wait, Some(reset));
                }
                // Spent, with no reset time: learn from the answers in flight, or start over.
                None if self.in_flight > 0 => return Decision::AwaitResponse,
                None => self.mode = Mode::Unknown,
            },
        }
        self.in_flight += 1;
        Decision::Go
    }

    /// The wait for `reset` is over (by the timer, whatever the clock says).
    fn refilled(&mut self, reset: Option<SystemTime>) {
        if self.mode == Mode::Tracked && self.remaining == 0 && self.reset == reset {
            self.refill();
        }
    }

    fn refill(&mut self) {
        self.remaining = self.limit.max(1);
        self.reset = None;
        self.server_low = None;
    }

    /// A request finished at `now`: with the headers of its response, or `None` when it got no
    /// answer.
    fn finish(&mut self, headers: Option<RateHeaders>, now: SystemTime) {
        self.in_flight = self.in_flight.saturating_sub(1);
        let Some(headers) = headers else { return };
        let headers = headers.trusted(now, self.max_wait);
        match (headers.limit, headers.remaining) {
            (Some(limit), Some(remaining)) => {
                let estimate = remaining.saturating_sub(self.in_flight);
                let newer = match (headers.reset, self.reset) {
                    (Some(new), Some(old)) => new > old,
                    (_, None) => true,
                    (None, Some(_)) => false,
                };
                let same_window = if self.mode != Mode::Tracked || newer {
                    self.remaining = estimate;
                    self.reset = headers.reset.or(self.reset);
                    self.server_low = Some(remaining);
                    true
                } else {
                    self.remaining = self.remaining.min(estimate);
                    headers.reset.is_some() && headers.reset == self.reset
                };
                if same_window {
                    let low = self.server_low.map_or(remaining, |l| l.min(remaining));
                    self.server_low = Some(low);
                    // Every request sent has been answered: the server's lowest count is exact.
                    if self.in_flight == 0 {
                        self.remaining = low;
                    }
                }
                self.limit = limit.max(1);
                self.mode = Mode::Tracked;
            }
            _ if self.mode == Mode::Unknown => self.mode = Mode::Untracked,
            _ => {}
        }
    }

    /// Headers of a request that did not take its point here (it drew on the shared budget),
    /// answered at `now`: they keep the local count current for when the shared budget is
    /// unavailable.
    fn observe(&mut self, headers: RateHeaders, now: SystemTime) {
        self.in_flight += 1;
        self.finish(Some(headers), now);
    }

    /// A 429 answered at `now`: the bucket is empty until `reset` (trusted as far as
    /// [`RateHeaders::trusted`] allows).
    fn exhausted(&mut self, headers: RateHeaders, now: SystemTime) {
        let headers = headers.trusted(now, self.max_wait);
        if self.mode != Mode::Tracked && headers.reset.is_none() {
            return;
        }
        self.mode = Mode::Tracked;
        if let Some(limit) = headers.limit {
            self.limit = limit.max(1);
        }
        self.remaining = 0;
        self.server_low = Some(0);
        if headers.reset.is_some() {
            self.reset = headers.reset;
        }
    }
}

/// When the bucket counts as full again after `reset`.
fn ready_at(reset: SystemTime) -> SystemTime {
    reset.checked_add(RESET_SLACK).unwrap_or(reset)
}

/// The bucket of one token.
pub(crate) struct Bucket {
    /// The shared budget drawn on first, if any.
    shared: Option<Shared>,
    state: Mutex<State>,
    /// The head of the queue; the others wait for it.
    queue: tokio::sync::Mutex<()>,
    /// Signalled whenever a request finishes.
    answered: Notify,
}

/// A taken point; give it back through [`Permit::finish`]. Dropping it unfinished (a cancelled
/// call) counts as a request that got no answer.
pub(crate) struct Permit {
    bucket: Arc<Bucket>,
    done: bool,
    /// The point came from the shared budget.
    shared: bool,
}

impl std::fmt::Debug for Bucket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bucket")
            .field("shared", &self.shared.as_ref().map(|s| &s.key))
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl Bucket {
    /// An empty bucket whose resets are trusted at most `max_wait` ahead.
    #[cfg(test)]
    pub(crate) fn new(max_wait: Duration) -> Arc<Self> {
        Self::with_shared(max_wait, None)
    }

    /// An empty bucket (resets trusted at most `max_wait` ahead) that draws on `shared` (a
    /// budget and this bucket's key there) when it can.
    pub(crate) fn with_shared(
        max_wait: Duration,
        shared: Option<(Arc<dyn SharedBudget>, String)>,
    ) -> Arc<Self> {
        Arc::new(Bucket {
            shared: shared.map(|(budget, key)| Shared { budget, key }),
            state: Mutex::new(State::new(max_wait)),
            queue: tokio::sync::Mutex::new(()),
            answered: Notify::new(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits for a point. Returns the permit and how long the caller waited.
    pub(crate) async fn acquire(
        self: &Arc<Self>,
        now: impl Fn() -> SystemTime,
    ) -> (Permit, Duration) {
        let started = tokio::time::Instant::now();
        let _head = self.queue.lock().await;
        if self.take_shared(&now).await {
            let permit = Permit {
                bucket: self.clone(),
                done: false,
                shared: true,
            };
            return (permit, started.elapsed());
        }
        loop {
            let mut answered = pin!(self.answered.notified());
            answered.as_mut().enable();
            let decision = self.lock().decide(now());
            match decision {
                Decision::Go => break,
                Decision::AwaitResponse => answered.await,
                Decision::Sleep(wait, reset) => {
                    tracing::debug!(
                        wait_ms = wait.as_millis() as u64,
                        "rate limit: waiting for reset"
                    );
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => self.lock().refilled(reset),
                        _ = answered => {}
                    }
                }
            }
        }
        let permit = Permit {
            bucket: self.clone(),
            done: false,
            shared: false,
        };
        (permit, started.elapsed())
    }

    /// Waits for a point of the shared budget; `false` when there is none or it cannot answer
    /// (then the local count decides).
    async fn take_shared(&self, now: &impl Fn() -> SystemTime) -> bool {
        let Some(shared) = &self.shared else {
            return false;
        };
        loop {
            match shared.budget.take(&shared.key, now()).await {
                Some(Take::Go) => return true,
                Some(Take::Wait(wait)) => {
                    let max_wait = self.lock().max_wait;
                    tokio::time::sleep(wait.min(max_wait)).await;
                }
                None => return false,
            }
        }
    }

    /// A 429 answered at `now`: nothing left until the reset in `headers`.
    pub(crate) fn exhausted(&self, headers: RateHeaders, now: SystemTime) {
        if let Some(shared) = &self.shared {
            let max_wait = self.lock().max_wait;
            shared
                .budget
                .exhausted(&shared.key, headers.trusted(now, max_wait));
        }
        self.lock().exhausted(headers, now);
        self.answered.notify_waiters();
    }

    /// When the bucket is known to be full again, if it is empty.
    pub(crate) fn reset_time(&self) -> Option<SystemTime> {
        let state = self.lock();
        (state.mode == Mode::Tracked && state.remaining == 0)
            .then_some(state.reset)
            .flatten()
    }
}

impl Permit {
    /// The request answered at `now` with `headers`, or got no answer (`None`).
    pub(crate) fn finish(mut self, headers: Option<RateHeaders>, now: SystemTime) {
        self.done = true;
        self.settle(headers, now);
    }

    fn settle(&self, headers: Option<RateHeaders>, now: SystemTime) {
        let bucket = &self.bucket;
        match (&bucket.shared, self.shared) {
            (Some(shared), true) => {
                let max_wait = bucket.lock().max_wait;
                let trusted = headers.map(|h| h.trusted(now, max_wait));
                shared.budget.answered(&shared.key, trusted);
                if let Some(headers) = headers {
                    bucket.lock().observe(headers, now);
                }
            }
            _ => bucket.lock().finish(headers, now),
        }
        bucket.answered.notify_waiters();
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if !self.done {
            // No headers: the time does not matter.
            self.settle(None, UNIX_EPOCH);
        }
    }
}

/// The bucket's state machine without the async queue, for the `rate_limit` fuzz target
/// (`--cfg fuzzing` only; see `crate::__fuzz`).
#[cfg(fuzzing)]
pub(crate) mod fuzzing {
    use super::*;

    /// What the bucket tells a caller.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Step {
        /// Send now.
        Go,
        /// Wait this long for the reset.
        Sleep(Duration, Option<SystemTime>),
        /// Wait for a request in flight to answer.
        AwaitResponse,
    }

    /// One bucket's [`State`], driven by hand.
    #[derive(Debug)]
    pub struct Machine(State);

    impl Default for Machine {
        fn default() -> Self {
            Machine(State::new(MAX_RESET_WAIT))
        }
    }

    impl Machine {
        /// A caller asks for a point at `now`.
        pub fn decide(&mut self, now: SystemTime) -> Step {
            match self.0.decide(now) {
                Decision::Go => Step::Go,
                Decision::Sleep(wait, reset) => Step::Sleep(wait, reset),
                Decision::AwaitResponse => Step::AwaitResponse,
            }
        }

        /// The sleep for `reset` ended.
        pub fn refilled(&mut self, reset: Option<SystemTime>) {
            self.0.refilled(reset);
        }

        /// A request answered at `now` with `headers`, or got no answer (`None`).
        pub fn finish(&mut self, headers: Option<&HeaderMap>, now: SystemTime) {
            self.0.finish(headers.map(RateHeaders::from_headers), now);
        }

        /// A 429 answered at `now` with `headers`.
        pub fn exhausted(&mut self, headers: &HeaderMap, now: SystemTime) {
            self.0.exhausted(RateHeaders::from_headers(headers), now);
        }

        /// Requests sent and not yet answered.
        pub fn in_flight(&self) -> u32 {
            self.0.in_flight
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A state with a long trusted horizon, so the window arithmetic below reads plainly;
    /// [`one_response_holds_the_bucket_for_the_longest_wait_at_most`] covers the bound.
    fn state() -> State {
        State::new(Duration::from_secs(3600))
    }

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn headers(limit: u32, remaining: u32, reset: u64) -> Option<RateHeaders> {
        Some(RateHeaders {
            limit: Some(limit),
            remaining: Some(remaining),
            reset: Some(at(reset)),
        })
    }

    #[test]
    fn parses_headers() {
        let h = RateHeaders::parse(|name| match name {
            "ratelimit-limit" => Some("800"),
            "ratelimit-remaining" => Some(" 799 "),
            "ratelimit-reset" => Some("1700000000"),
            _ => None,
        });
        assert_eq!(h.limit, Some(800));
        assert_eq!(h.remaining, Some(799));
        assert_eq!(h.reset, Some(at(1_700_000_000)));
        let bad = RateHeaders::parse(|_| Some("soon"));
        assert_eq!(bad, RateHeaders::default());

        let mut map = HeaderMap::new();
        map.insert("Ratelimit-Limit", "50".parse().unwrap());
        map.insert("Ratelimit-Remaining", "0".parse().unwrap());
        assert_eq!(RateHeaders::from_headers(&map).limit, Some(50));
        assert_eq!(RateHeaders::from_headers(&map).reset, None);
    }

    #[test]
    fn hostile_reset_headers_neither_panic_nor_stall() {
        // Found by the `rate_limit` fuzz target: a reset past what `SystemTime` holds panicked,
        // and a reset years ahead made every caller wait for it.
        for reset in [
            "18446744073709551615",
            "9223372036854775807",
            "9223372036854775806",
        ] {
            let h = RateHeaders::parse(|name| match name {
                "ratelimit-limit" => Some("800"),
                "ratelimit-remaining" => Some("0"),
                "ratelimit-reset" => Some(reset),
                _ => None,
            });
            let mut s = State::new(MAX_RESET_WAIT);
            assert_eq!(s.decide(at(100)), Decision::Go);
            s.finish(Some(h), at(100));
            s.exhausted(h, at(100));
            match s.decide(at(100)) {
                Decision::Sleep(wait, _) => assert!(wait <= MAX_RESET_WAIT, "{reset}: {wait:?}"),
                Decision::Go => assert_eq!(h.reset, None, "{reset}"),
                other => panic!("{reset}: {other:?}"),
            }
        }
        let mut s = State::new(MAX_RESET_WAIT);
        s.decide(at(100));
        s.finish(headers(800, 0, 100 + 3600 * 24 * 365 * 30), at(100));
        assert!(matches!(s.decide(at(100)), Decision::Sleep(w, _) if w == MAX_RESET_WAIT));
    }

    #[test]
    fn one_response_holds_the_bucket_for_the_longest_wait_at_most() {
        // Remaining 0 with a reset an hour ahead: trusted only `max_wait` past the answer's
        // arrival, and that deadline is fixed: later decisions do not push it further.
        let mut s = State::new(Duration::from_secs(5));
        s.decide(at(100));
        s.finish(headers(800, 0, 100 + 3600), at(100));
        assert_eq!(s.reset, Some(at(105)));
        assert!(
            matches!(s.decide(at(103)), Decision::Sleep(w, Some(r)) if w == Duration::from_secs(2) + RESET_SLACK && r == at(105))
        );
        assert_eq!(s.decide(at(106)), Decision::Go);
        // The same for a 429.
        let mut s = State::new(Duration::from_secs(5));
        s.decide(at(100));
        s.finish(headers(800, 10, 160), at(100));
        s.exhausted(headers(800, 0, 100 + 3600).unwrap(), at(101));
        assert_eq!(s.reset, Some(at(106)));
        // A reset within the bound is kept as sent.
        let near = headers(800, 0, 103).unwrap();
        assert_eq!(near.trusted(at(100), Duration::from_secs(5)), near);
        // No overflow at the end of time.
        let end =
            RateHeaders::parse(|name| (name == "ratelimit-reset").then_some("9223372036854775806"));
        let _ = end.trusted(at(u64::MAX >> 2), Duration::MAX);
    }

    #[test]
    fn probes_one_at_a_time_until_the_bucket_is_known() {
        let mut s = state();
        assert_eq!(s.decide(at(100)), Decision::Go);
        assert_eq!(s.decide(at(100)), Decision::AwaitResponse);
        s.finish(headers(50, 49, 160), at(100));
        for _ in 0..49 {
            assert_eq!(s.decide(at(100)), Decision::Go);
        }
        assert_eq!(s.in_flight, 49);
        assert!(matches!(s.decide(at(100)), Decision::Sleep(_, Some(_))));
    }

    #[test]
    fn waits_for_reset_then_refills() {
        let mut s = state();
        assert_eq!(s.decide(at(100)), Decision::Go);
        s.finish(headers(3, 0, 103), at(100));
        match s.decide(at(100)) {
            Decision::Sleep(wait, reset) => {
                assert_eq!(wait, Duration::from_secs(3) + RESET_SLACK);
                s.refilled(reset);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(s.remaining, 3);
        assert_eq!(s.decide(at(100)), Decision::Go);
        // The clock passing the reset refills too.
        let mut s = state();
        s.decide(at(100));
        s.finish(headers(3, 0, 103), at(100));
        assert_eq!(s.decide(at(104)), Decision::Go);
        assert_eq!(s.remaining, 2);
    }

    #[test]
    fn a_stale_window_is_not_spent_twice() {
        // 3 of 50 spent, then a pause longer than the window: the server's bucket is full.
        let mut s = state();
        s.decide(at(100));
        s.finish(headers(50, 47, 101), at(100));
        // A burst after the reset: the bucket counts as full once, not 47 + 50.
        let sent = (0..200)
            .take_while(|_| s.decide(at(105)) == Decision::Go)
            .count();
        assert_eq!(sent, 50);
        assert_eq!(s.decide(at(105)), Decision::AwaitResponse);
        // The first answer of the new window sets the count (minus those still in flight).
        s.finish(headers(50, 49, 106), at(100));
        assert_eq!(s.remaining, 0);
        assert!(matches!(s.decide(at(105)), Decision::Sleep(_, Some(r)) if r == at(106)));
    }

    #[test]
    fn responses_correct_the_count_conservatively() {
        let mut s = state();
        s.decide(at(100));
        s.finish(headers(10, 9, 160), at(100));
        for _ in 0..5 {
            s.decide(at(100));
        }
        assert_eq!((s.remaining, s.in_flight), (4, 5));
        // An answer from the same window that saw fewer requests cannot raise the count.
        s.finish(headers(10, 8, 160), at(100));
        assert_eq!(s.remaining, 4);
        // One that reports less lowers it (minus the four still in flight).
        s.finish(headers(10, 5, 160), at(100));
        assert_eq!(s.remaining, 2);
        // A newer window resets it.
        s.finish(headers(10, 9, 220), at(100));
        assert_eq!(s.remaining, 7);
        assert_eq!(s.reset, Some(at(220)));
    }

    #[test]
    fn once_nothing_is_in_flight_the_server_count_is_exact() {
        let mut s = state();
        s.decide(at(100));
        s.finish(headers(10, 9, 160), at(100));
        for _ in 0..5 {
            s.decide(at(100));
        }
        // The server handled all five before the first answer arrived: the estimate undercounts.
        s.finish(headers(10, 4, 160), at(100));
        assert_eq!(s.remaining, 0);
        for remaining in [8, 7, 6] {
            s.finish(headers(10, remaining, 160), at(100));
            assert_eq!(s.remaining, 0);
        }
        // The last answer: the lowest count the server reported is what is left.
        s.finish(headers(10, 5, 160), at(100));
        assert_eq!((s.remaining, s.in_flight), (4, 0));
        // A late answer from an older window does not count.
        s.decide(at(100));
        s.finish(headers(10, 9, 100), at(100));
        assert_eq!(s.remaining, 3);
    }

    #[test]
    fn servers_without_headers_are_not_limited() {
        let mut s = state();
        assert_eq!(s.decide(at(1)), Decision::Go);
        s.finish(Some(RateHeaders::default()), at(100));
        for _ in 0..1000 {
            assert_eq!(s.decide(at(1)), Decision::Go);
        }
    }

    #[test]
    fn a_failed_probe_lets_the_next_one_go() {
        let mut s = state();
        assert_eq!(s.decide(at(1)), Decision::Go);
        s.finish(None, at(100));
        assert_eq!(s.decide(at(1)), Decision::Go);
    }

    #[test]
    fn a_429_empties_the_bucket_until_reset() {
        let mut s = state();
        s.decide(at(100));
        s.finish(headers(800, 700, 160), at(100));
        s.exhausted(
            RateHeaders {
                limit: Some(800),
                remaining: Some(0),
                reset: Some(at(130)),
            },
            at(100),
        );
        assert!(matches!(s.decide(at(100)), Decision::Sleep(_, Some(r)) if r == at(130)));
    }

    #[tokio::test]
    async fn queued_callers_take_turns() {
        let bucket = Bucket::new(MAX_RESET_WAIT);
        let (first, _) = bucket.acquire(SystemTime::now).await;
        let b = bucket.clone();
        let second = tokio::spawn(async move { b.acquire(SystemTime::now).await.1 });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!second.is_finished(), "the second call waits for the probe");
        let reset = SystemTime::now() + Duration::from_secs(60);
        let secs = reset.duration_since(UNIX_EPOCH).unwrap().as_secs();
        first.finish(headers(10, 9, secs), SystemTime::now());
        second.await.unwrap();
        // A dropped permit gives its in-flight slot back.
        let (p, _) = bucket.acquire(SystemTime::now).await;
        drop(p);
        assert_eq!(bucket.lock().in_flight, 0);
    }
}
