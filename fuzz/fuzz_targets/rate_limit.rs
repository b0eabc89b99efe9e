//! The rate-limit headers (`Ratelimit-Limit`, `Ratelimit-Remaining`, `Ratelimit-Reset`,
//! `Retry-After`) and the client-side bucket they drive.
//!
//! Input (structured, via `arbitrary`): a start time and a script of events: callers asking for a
//! point as time advances, answers with arbitrary headers, 429s, answers that never came, sleeps
//! that ended. Beyond not panicking (overflowing time arithmetic included):
//! - the bucket never waits for an answer when none is in flight (that would hang the caller);
//! - its count of requests in flight matches the script's;
//! - no wait exceeds the bound a Helix bucket can need, whatever the reset header says.
#![no_main]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use twitch_sdk::__fuzz::{self, HeaderMap, Machine, Step};

#[derive(Arbitrary, Debug)]
struct Input {
    start_secs: u32,
    events: Vec<Event>,
}

#[derive(Arbitrary, Debug)]
enum Event {
    /// A caller asks for a point, `advance_ms` later.
    Decide { advance_ms: u16 },
    /// A request in flight answered with these headers.
    Answer(Vec<Header>),
    /// A request in flight answered 429 with these headers.
    TooMany(Vec<Header>),
    /// A request in flight got no answer.
    Lost,
    /// The last sleep ended.
    Slept,
}

#[derive(Arbitrary, Debug)]
struct Header {
    name: Name,
    value: Value,
}

#[derive(Arbitrary, Debug)]
enum Name {
    Limit,
    Remaining,
    Reset,
    RetryAfter,
    Other(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
enum Value {
    Raw(Vec<u8>),
    Number(u64),
    /// Unix seconds this far from the script's clock.
    FromNow(i32),
}

/// Longest wait a reset header may cause (see `ratelimit.rs`).
const MAX_WAIT: Duration = Duration::from_secs(66);

fuzz_target!(|input: Input| {
    let mut now = UNIX_EPOCH + Duration::from_secs(u64::from(input.start_secs));
    let mut machine = Machine::default();
    let mut in_flight = 0u32;
    let mut last_sleep = None;
    for event in input.events {
        match event {
            Event::Decide { advance_ms } => {
                now += Duration::from_millis(u64::from(advance_ms));
                match machine.decide(now) {
                    Step::Go => in_flight += 1,
                    Step::AwaitResponse => {
                        assert!(in_flight > 0, "waits for an answer with none in flight")
                    }
                    Step::Sleep(wait, reset) => {
                        assert!(!wait.is_zero());
                        assert!(wait <= MAX_WAIT, "waits {wait:?} for a reset");
                        last_sleep = Some(reset);
                    }
                }
            }
            Event::Answer(headers) => {
                let map = header_map(&headers, now);
                parse(&map);
                machine.finish(Some(&map), now);
                in_flight = in_flight.saturating_sub(1);
            }
            Event::TooMany(headers) => {
                let map = header_map(&headers, now);
                parse(&map);
                machine.finish(Some(&map), now);
                machine.exhausted(&map, now);
                in_flight = in_flight.saturating_sub(1);
            }
            Event::Lost => {
                machine.finish(None, now);
                in_flight = in_flight.saturating_sub(1);
            }
            Event::Slept => {
                if let Some(reset) = last_sleep.take() {
                    machine.refilled(reset);
                }
            }
        }
        assert_eq!(machine.in_flight(), in_flight);
    }
});

fn parse(map: &HeaderMap) {
    let (_limit, _remaining, reset) = __fuzz::rate_headers(map);
    if let Some(reset) = reset {
        let _ = reset.duration_since(UNIX_EPOCH);
    }
    if let Some(wait) = __fuzz::retry_after(map) {
        assert!(wait <= Duration::from_secs(300));
    }
}

fn header_map(headers: &[Header], now: SystemTime) -> HeaderMap {
    let now_secs = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    let pairs: Vec<(Vec<u8>, Vec<u8>)> = headers
        .iter()
        .map(|h| {
            let name = match &h.name {
                Name::Limit => b"Ratelimit-Limit".to_vec(),
                Name::Remaining => b"ratelimit-remaining".to_vec(),
                Name::Reset => b"Ratelimit-Reset".to_vec(),
                Name::RetryAfter => b"retry-after".to_vec(),
                Name::Other(raw) => raw.clone(),
            };
            let value = match &h.value {
                Value::Raw(raw) => raw.clone(),
                Value::Number(n) => n.to_string().into_bytes(),
                Value::FromNow(delta) => now_secs
                    .saturating_add_signed(i64::from(*delta))
                    .to_string()
                    .into_bytes(),
            };
            (name, value)
        })
        .collect();
    __fuzz::header_map(pairs.iter().map(|(n, v)| (n.as_slice(), v.as_slice())))
}
