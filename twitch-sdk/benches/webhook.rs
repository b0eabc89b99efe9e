//! EventSub webhook verification throughput; BENCHMARKS.md reports the figures.
//!
//! One request is a `channel.chat.message` notification (Twitch's documented example, its chat
//! text lengthened so the body is exactly 1 KiB) with its headers, signed with one secret. Three figures, each the median
//! of several rounds over 20,000 distinct messages (distinct ids, so none is a duplicate):
//! - `verify`: [`WebhookVerifier::verify`], everything a receiver runs: headers, HMAC-SHA256,
//!   timestamp window, decoding into the typed notification, the in-process dedupe store;
//! - `authenticate`: headers, HMAC and timestamp only;
//! - `decode`: `Notification::from_payload` alone.
//!
//! `cargo bench -p twitch-sdk --bench webhook [-- --quick]`. Plain loops timed by the thread's
//! CPU time, like `benches/runtime.rs`, so a busy machine does not inflate the figures.

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, UNIX_EPOCH};

use hmac::{Hmac, KeyInit, Mac};
use http::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{Value, json};
use sha2::Sha256;
use twitch_sdk::ManualClock;
use twitch_sdk::eventsub::Notification;
use twitch_sdk::eventsub::webhook::{
    MESSAGE_ID, MESSAGE_SIGNATURE, MESSAGE_TIMESTAMP, MESSAGE_TYPE, WebhookOutcome, WebhookVerifier,
};
use twitch_sdk::models::Timestamp;

mod common;
use common::thread_cpu;

const SECRET: &str = "benchmark-webhook-secret";
const MESSAGES: usize = 20_000;
const BODY_LEN: usize = 1024;
/// The messages' timestamp; the verifier's clock reads it (plus the nanoseconds) throughout.
const TIMESTAMP: &str = "2026-11-30T04:00:00.123456789Z";
const TIMESTAMP_SECS: u64 = 1_796_011_200;

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let rounds = if quick { 3 } else { 9 };
    let timestamp = TIMESTAMP.to_owned();
    let clock = Arc::new(ManualClock::at(
        UNIX_EPOCH + Duration::from_secs(TIMESTAMP_SECS),
    ));
    let body = body_of_len(BODY_LEN);
    assert_eq!(body.len(), BODY_LEN);
    let requests: Vec<HeaderMap> = (0..MESSAGES)
        .map(|i| headers(&format!("bench-{i:08}"), &timestamp, &body))
        .collect();
    println!(
        "webhook: body {} bytes, {MESSAGES} messages per round, {rounds} rounds",
        body.len()
    );

    let verify = median(rounds, || {
        let verifier = WebhookVerifier::new(SECRET)
            .expect("secret")
            .clock(clock.clone());
        let start = thread_cpu();
        for headers in &requests {
            let outcome = block_on(verifier.verify(black_box(headers), black_box(&body)));
            assert!(
                matches!(outcome, WebhookOutcome::Notification(_)),
                "{outcome:?}"
            );
            black_box(outcome);
        }
        (thread_cpu() - start).as_secs_f64()
    });
    let authenticate = median(rounds, || {
        let verifier = WebhookVerifier::new(SECRET)
            .expect("secret")
            .clock(clock.clone());
        let start = thread_cpu();
        for headers in &requests {
            let message = verifier.authenticate(black_box(headers), black_box(&body));
            black_box(message.expect("authentic"));
        }
        (thread_cpu() - start).as_secs_f64()
    });
    let when = Timestamp::parse(&timestamp).expect("timestamp");
    let decode = median(rounds, || {
        let start = thread_cpu();
        for _ in &requests {
            let notification = Notification::from_payload("id", when, black_box(&body));
            black_box(notification.expect("decodes"));
        }
        (thread_cpu() - start).as_secs_f64()
    });
    for (name, seconds) in [
        ("verify (HMAC + window + decode + dedupe)", verify),
        ("authenticate (HMAC + window)", authenticate),
        ("decode only", decode),
    ] {
        let per = seconds / MESSAGES as f64;
        println!(
            "  {name:<42} {:>10.0} verifications/s  {:>8.2} µs CPU each",
            1.0 / per,
            per * 1e6
        );
    }
}

/// Twitch's documented `channel.chat.message` notification, compact and without its null
/// shared-chat (`source_*`) fields, with the chat text padded so the body is `len` bytes.
fn body_of_len(len: usize) -> Vec<u8> {
    let mut payload: Value = json!({
        "subscription": {
            "id": "0b7f3361-672b-4d39-b307-dd5b576c9b27", "status": "enabled",
            "type": "channel.chat.message", "version": "1",
            "condition": {"broadcaster_user_id": "1971641", "user_id": "2914196"},
            "transport": {"method": "webhook", "callback": "https://example.com/webhooks/callback"},
            "created_at": "2023-11-06T18:11:47.492253549Z", "cost": 0
        },
        "event": {
            "broadcaster_user_id": "1971641", "broadcaster_user_login": "streamer",
            "broadcaster_user_name": "streamer", "chatter_user_id": "4145994",
            "chatter_user_login": "viewer32", "chatter_user_name": "viewer32",
            "message_id": "cc106a89-1814-919d-454c-f4f2f970aae7",
            "message": {"text": "Hi chat", "fragments": [{"type": "text", "text": "Hi chat",
                "cheermote": null, "emote": null, "mention": null}]},
            "color": "#00FF7F",
            "badges": [{"set_id": "moderator", "id": "1", "info": ""},
                {"set_id": "subscriber", "id": "12", "info": "16"},
                {"set_id": "sub-gifter", "id": "1", "info": ""}],
            "message_type": "text", "cheer": null, "reply": null,
            "channel_points_custom_reward_id": null
        }
    });
    let base = serde_json::to_vec(&payload).expect("json").len();
    let pad = len.saturating_sub(base);
    let text = format!("Hi chat{}", "!".repeat(pad / 2));
    payload["event"]["message"]["text"] = json!(text);
    let fragment_pad = pad - pad / 2;
    payload["event"]["message"]["fragments"][0]["text"] =
        json!(format!("Hi chat{}", "!".repeat(fragment_pad)));
    serde_json::to_vec(&payload).expect("json")
}

fn headers(id: &str, timestamp: &str, body: &[u8]) -> HeaderMap {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).expect("key");
    mac.update(id.as_bytes());
    mac.update(timestamp.as_bytes());
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut map = HeaderMap::new();
    for (name, value) in [
        (MESSAGE_ID, id.to_owned()),
        (MESSAGE_TIMESTAMP, timestamp.to_owned()),
        (MESSAGE_SIGNATURE, format!("sha256={hex}")),
        (MESSAGE_TYPE, "notification".to_owned()),
    ] {
        map.insert(
            HeaderName::from_static(name),
            HeaderValue::from_str(&value).expect("header value"),
        );
    }
    map
}

fn median(rounds: usize, mut run: impl FnMut() -> f64) -> f64 {
    let mut times: Vec<f64> = (0..rounds).map(|_| run()).collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// Runs a future that never waits (the in-process dedupe store answers at once).
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
}
