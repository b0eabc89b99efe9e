//! Error answers: Helix's error body for any status, and OAuth `/token` answers (success bodies
//! included, since they are parsed the same untrusted way).
//!
//! Input: two bytes of status, one byte choosing the operation, then the body. Beyond not
//! panicking:
//! - every error prints, keeps the status it came from, and quotes at most a short excerpt;
//! - a `/token` body that cannot be read never has its access token quoted in the error, and
//!   the `Debug` of one that can does not depend on the tokens in it.
#![no_main]

use std::time::{Duration, UNIX_EPOCH};

use libfuzzer_sys::fuzz_target;
use twitch_sdk::{__fuzz, Secret};

fuzz_target!(|data: &[u8]| {
    let [hi, lo, selector, body @ ..] = data else {
        return;
    };
    // reqwest hands over statuses 100..=999.
    let status = 100 + u16::from_be_bytes([*hi, *lo]) % 900;
    let endpoints = twitch_sdk::ENDPOINTS;
    let endpoint = endpoints[usize::from(*selector) % endpoints.len()];

    let message = __fuzz::error_message(body);
    if let Some(message) = &message {
        assert!(!message.trim().is_empty());
    }
    let excerpt = __fuzz::excerpt(body);
    // 160 characters of text, plus the single spaces that stand for runs of whitespace.
    assert!(excerpt.chars().count() <= 321, "excerpt too long");

    let reset = (selector & 1 == 1).then(|| UNIX_EPOCH + Duration::from_secs(u64::from(*lo) << 24));
    if !(200..300).contains(&status) {
        let error = __fuzz::status_error(endpoint, status, body, reset);
        let _ = format!("{error} {error:?}");
        assert_eq!(error.status(), Some(status));
        let _ = error.retry_after();
    }

    match __fuzz::oauth_token(status, body) {
        Ok(set) => {
            assert!((200..300).contains(&status));
            assert!(!set.access_token.is_empty());
            // `Debug` does not depend on the secrets at all: the same with other values.
            let mut other = set.clone();
            other.access_token = Secret::new("other-access");
            other.refresh_token = other.refresh_token.map(|_| Secret::new("other-refresh"));
            assert_eq!(format!("{set:?}"), format!("{other:?}"));
        }
        Err(error) => {
            let text = error.to_string();
            if (200..300).contains(&status) {
                assert_no_token_quoted(body, &text);
            }
        }
    }
});

/// The parse error of a `/token` answer names only a line and column.
fn assert_no_token_quoted(body: &[u8], error: &str) {
    const TEMPLATE: &str = "token error: fuzzing: unexpected response from Twitch (line , column ) \
                            Twitch returned an empty token";
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) else {
        return;
    };
    let Some(token) = value.get("access_token").and_then(|t| t.as_str()) else {
        return;
    };
    if token.len() >= 4 && !TEMPLATE.contains(token) && token.chars().any(|c| !c.is_ascii_digit()) {
        assert!(
            !error.contains(token),
            "the error quotes the access token: {error}"
        );
    }
}
