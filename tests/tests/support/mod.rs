//! What the `runtime_*` tests share: the Helix stand-in (`twitch_sdk::mock`), a client pointed at
//! it, API handles, and readers of the stand-in's request log.

// Each test binary compiles this module on its own and uses a different part of it.
#![allow(dead_code)]

use std::time::Duration;

use serde_json::Value;
use twitch_sdk::mock::{MockServer, ReceivedRequest};
use twitch_sdk::{AppApi, Client, ClientBuilder, ClientCredentials, UserApi, UserToken};

/// The user the user tokens belong to (the id of Twitch's examples).
pub const USER_ID: &str = "141981764";
pub const LOGIN: &str = "twitchdev";
pub const HOUR: Duration = Duration::from_secs(3600);

/// A client for `mock` that backs off 1 ms between retries instead of 500 ms, and decodes
/// strictly: the stand-in serves Twitch's documented examples, so any deviation from the spec
/// there means the spec is wrong.
pub fn client(mock: &MockServer) -> ClientBuilder {
    Client::builder()
        .helix_url(mock.helix_url())
        .oauth_url(mock.oauth_url())
        .retry_backoff(Duration::from_millis(1))
        .strict_decoding(true)
}

/// An app handle: the SDK fetches the app token with the stand-in's client credentials.
pub async fn app(mock: &MockServer) -> AppApi {
    app_with(mock, client(mock)).await
}

pub async fn app_with(mock: &MockServer, client: ClientBuilder) -> AppApi {
    client
        .build()
        .unwrap()
        .app(ClientCredentials::new(
            mock.client_id(),
            mock.client_secret(),
        ))
        .await
        .unwrap()
}

/// A user token for [`USER_ID`] with `scopes`, valid for an hour: `(access, refresh)`.
pub fn issue(mock: &MockServer, scopes: &[&str]) -> (String, String) {
    mock.issue_user_token(USER_ID, LOGIN, scopes, HOUR)
}

/// A user handle with `scopes` that cannot refresh (no refresh token or secret), and its
/// access token.
pub async fn user(mock: &MockServer, scopes: &[&str]) -> (UserApi, String) {
    let (access, _) = issue(mock, scopes);
    let user = client(mock)
        .build()
        .unwrap()
        .user(UserToken::new(mock.client_id(), access.as_str()))
        .await
        .unwrap();
    (user, access)
}

/// A [`UserToken`] for `access` that the SDK can refresh with `refresh` and the client secret.
pub fn refreshable(mock: &MockServer, access: &str, refresh: &str) -> UserToken {
    UserToken::new(mock.client_id(), access)
        .refresh_token(refresh)
        .client_secret(mock.client_secret())
}

/// The requests that reached Helix (not the OAuth endpoints).
pub fn helix_requests(mock: &MockServer) -> Vec<ReceivedRequest> {
    mock.requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/helix/"))
        .collect()
}

/// The status the stand-in answered each request with.
pub fn statuses(requests: &[ReceivedRequest]) -> Vec<Option<u16>> {
    requests.iter().map(|r| r.status).collect()
}

/// How many of `requests` were answered with `status`.
pub fn count_status(requests: &[ReceivedRequest], status: u16) -> usize {
    requests.iter().filter(|r| r.status == Some(status)).count()
}

/// The token of the request's `Authorization: Bearer` header.
pub fn bearer(request: &ReceivedRequest) -> &str {
    request
        .header("authorization")
        .and_then(|h| h.strip_prefix("Bearer "))
        .unwrap_or_default()
}

/// `n` copies of the first item of `operation`'s example response, with `key` set to
/// `"0"`, `"1"`, ...: items every model field accepts, told apart by `key`.
pub fn items(mock: &MockServer, operation: &str, key: &str, n: usize) -> Vec<Value> {
    let example: Value = serde_json::from_str(mock.example(operation).unwrap()).unwrap();
    let template = example["data"][0].clone();
    (0..n)
        .map(|i| {
            let mut item = template.clone();
            item[key] = Value::String(i.to_string());
            item
        })
        .collect()
}

/// `"0"`, `"1"`, ... `"n-1"` for `range`.
pub fn numbers(range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|i| i.to_string()).collect()
}

/// A seeded pseudo-random source for soaks (xorshift): each call gives a number below `n`, the
/// same sequence for the same seed, so a failing run can be repeated.
pub fn seeded(seed: u64) -> impl FnMut(u64) -> u64 {
    let mut state = seed;
    move |n| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    }
}
