//! The EventSub webhook verifier (`twitch_sdk::eventsub::webhook`) over any headers and body.
//!
//! Input (structured, via `arbitrary`): header pairs (Twitch's names in any case, or any name),
//! a body, and whether to sign. A signed input gets the correct signature for its id, timestamp
//! and body, and (unless it brings its own) a timestamp inside the window, so the fuzzer reaches
//! decoding and deduplication instead of stopping at the HMAC. Beyond not panicking:
//! - an unsigned input (one whose signature was not computed here) is always rejected with 400
//!   or 403;
//! - the response always has the outcome's status; a challenge answers its challenge verbatim;
//! - neither the outcome's `Debug` nor the response ever contains the secret;
//! - a notification or revocation delivered a second time is a duplicate.
#![no_main]

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, UNIX_EPOCH};

use hmac::{Hmac, KeyInit, Mac};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use sha2::Sha256;
use twitch_sdk::__fuzz::{self, HeaderMap};
use twitch_sdk::ManualClock;
use twitch_sdk::eventsub::webhook::{
    MESSAGE_ID, MESSAGE_SIGNATURE, MESSAGE_TIMESTAMP, MESSAGE_TYPE, WebhookOutcome, WebhookVerifier,
};

const SECRET: &str = "fuzzing-webhook-secret";
/// The clock of the verifier, and the timestamp a signed input gets when it brings none.
const NOW_SECS: u64 = 1_764_475_200; // 2025-11-30T04:00:00Z
const NOW_TEXT: &str = "2025-11-30T04:00:00.123456789Z";

#[derive(Arbitrary, Debug)]
struct Input {
    headers: Vec<(Name, Vec<u8>)>,
    kind: Kind,
    body: Vec<u8>,
    sign: bool,
}

#[derive(Arbitrary, Debug)]
enum Name {
    Id,
    Timestamp,
    Signature,
    Type,
    /// One of the four in upper case.
    Shouted(u8),
    Other(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
enum Kind {
    Challenge,
    Notification,
    Revocation,
    Raw(Vec<u8>),
    Absent,
}

fuzz_target!(|input: Input| {
    let clock = ManualClock::at(UNIX_EPOCH + Duration::from_secs(NOW_SECS));
    let verifier = WebhookVerifier::new(SECRET)
        .expect("a valid secret")
        .clock(Arc::new(clock));
    let headers = build_headers(&input);
    let outcome = block_on(verifier.verify(&headers, &input.body));

    let response = outcome.response();
    assert_eq!(response.status().as_u16(), outcome.status());
    let printed = format!("{outcome:?} {}", response.body());
    assert!(!printed.contains(SECRET), "the secret leaked: {printed}");
    match &outcome {
        WebhookOutcome::Challenge(challenge) => {
            assert_eq!(response.body(), &challenge.challenge);
            assert_eq!(response.status().as_u16(), 200);
        }
        WebhookOutcome::Rejected(rejection) => {
            assert!(matches!(rejection.status(), 400 | 403), "{rejection:?}");
        }
        _ => assert_eq!(response.status().as_u16(), 204),
    }
    if !input.sign {
        assert!(
            matches!(outcome, WebhookOutcome::Rejected(_)),
            "an unsigned request passed: {outcome:?}"
        );
    }
    if matches!(
        outcome,
        WebhookOutcome::Notification(_) | WebhookOutcome::Revocation(_)
    ) {
        let again = block_on(verifier.verify(&headers, &input.body));
        assert!(
            matches!(again, WebhookOutcome::Duplicate { .. }),
            "{again:?}"
        );
    }
});

/// The request's headers: the fuzzed pairs, then the type, then (when signing) a timestamp if
/// none was given and the correct signature over what the verifier will read.
fn build_headers(input: &Input) -> HeaderMap {
    const NAMES: [&str; 4] = [
        MESSAGE_ID,
        MESSAGE_TIMESTAMP,
        MESSAGE_SIGNATURE,
        MESSAGE_TYPE,
    ];
    let pairs = input.headers.iter().map(|(name, value)| {
        let name: Vec<u8> = match name {
            Name::Id => MESSAGE_ID.into(),
            Name::Timestamp => MESSAGE_TIMESTAMP.into(),
            Name::Signature => MESSAGE_SIGNATURE.into(),
            Name::Type => MESSAGE_TYPE.into(),
            Name::Shouted(i) => NAMES[usize::from(*i) % 4].to_uppercase().into(),
            Name::Other(name) => name.clone(),
        };
        (name, value.clone())
    });
    let pairs: Vec<(Vec<u8>, Vec<u8>)> = pairs.collect();
    let mut headers = __fuzz::header_map(pairs.iter().map(|(n, v)| (&n[..], &v[..])));
    let kind: Option<&[u8]> = match &input.kind {
        Kind::Challenge => Some(b"webhook_callback_verification"),
        Kind::Notification => Some(b"notification"),
        Kind::Revocation => Some(b"revocation"),
        Kind::Raw(raw) => Some(raw),
        Kind::Absent => None,
    };
    if let Some(kind) = kind {
        headers = with(headers, MESSAGE_TYPE, kind);
    }
    if input.sign {
        if !headers.contains_key(MESSAGE_TIMESTAMP) {
            headers = with(headers, MESSAGE_TIMESTAMP, NOW_TEXT.as_bytes());
        }
        let id = headers.get(MESSAGE_ID).map_or(&b""[..], |v| v.as_bytes());
        let timestamp = headers
            .get(MESSAGE_TIMESTAMP)
            .map_or(&b""[..], |v| v.as_bytes());
        let signature = sign(id, timestamp, &input.body);
        headers.remove(MESSAGE_SIGNATURE);
        headers = with(headers, MESSAGE_SIGNATURE, signature.as_bytes());
    }
    headers
}

/// `headers` with `name` set to `value` (dropped when the value is not a valid header value).
fn with(headers: HeaderMap, name: &str, value: &[u8]) -> HeaderMap {
    let mut headers = headers;
    headers.remove(name);
    let extra = __fuzz::header_map([(name.as_bytes(), value)]);
    headers.extend(extra);
    headers
}

fn sign(id: &[u8], timestamp: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).expect("any key length");
    mac.update(id);
    mac.update(timestamp);
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
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
