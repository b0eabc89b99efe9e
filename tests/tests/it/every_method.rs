//! Every method of `AppApi` and `UserApi`, aliases included, called once against the Helix
//! stand-in (`twitch_sdk::mock`).
//!
//! The calls are generated from the spec by `cargo xtask codegen` into
//! `tests/tests/generated/every_method.rs` (see `twitch_codegen::lower::calls` for how the
//! argument values are chosen); this file runs them and checks, from the stand-in's request log,
//! that each call
//! - reached its operation: HTTP method and path, and the stand-in routed it to that operation;
//! - sent exactly the expected query, lists as repeated keys (`id=a&id=b`), plus at most the
//!   paging keys;
//! - sent the body parameters as one JSON object, dotted names nested (`{"data": {"user_id"}}`),
//!   and no body when it has none;
//! - in the user API, carried the token's user id in every token-user parameter left unset;
//! - succeeded and decoded the example the stand-in served (as many items as it holds).
//!
//! The user token carries every scope the spec names. Failures are collected and reported
//! together, one line per method.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use twitch_sdk::mock::{MockServer, ReceivedRequest};
use twitch_sdk::{AppApi, Client, ClientCredentials, UserApi, UserToken};

/// The calls, generated from the spec.
#[rustfmt::skip]
#[path = "../generated/every_method.rs"]
mod generated;

use generated::{CASES, TOKEN_USER_ID};

/// One call of one method and what it must send and decode.
pub(crate) struct Case {
    /// `AppApi::get_users`
    pub name: &'static str,
    /// The method an alias delegates to.
    pub alias_of: Option<&'static str>,
    /// The Helix operation id the call must reach.
    pub operation: &'static str,
    /// Its HTTP method.
    pub method: &'static str,
    /// Its path below the Helix base URL.
    pub path: &'static str,
    /// Every query key the call must send, with its values in order (lists repeat the key).
    pub query: &'static [(&'static str, &'static [&'static str])],
    /// The JSON body it must send, if any.
    pub body: Option<&'static str>,
    /// Parameters the user API must fill with the token's user id.
    pub token_user: &'static [&'static str],
    /// What a successful call returns.
    pub decoded: Decoded,
    /// The call.
    pub call: Call,
}

/// The call of a case, on the API class that has the method.
pub(crate) enum Call {
    App(fn(&AppApi) -> Outcome),
    User(fn(&UserApi) -> Outcome),
}

/// What a successful call returns, seen as JSON: `()` and `None` are `null`, a model is an
/// object, text a string and a list an array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decoded {
    Nothing,
    One,
    Text,
    Items(usize),
}

/// A sent request's result, its output as JSON.
pub(crate) type Outcome = Pin<Box<dyn Future<Output = twitch_sdk::Result<Value>> + Send>>;

/// Sends a request builder.
pub(crate) fn send<B, T>(builder: B) -> Outcome
where
    B: IntoFuture<Output = twitch_sdk::Result<T>>,
    B::IntoFuture: Send + 'static,
    T: Serialize,
{
    let future = builder.into_future();
    Box::pin(async move {
        let output = future.await?;
        Ok(serde_json::to_value(output).expect("SDK outputs serialize to JSON"))
    })
}

/// A model or JSON value from the spec's example (or a synthesized one).
pub(crate) fn from_json<T: DeserializeOwned>(json: &str) -> T {
    serde_json::from_str(json).unwrap_or_else(|e| panic!("cannot decode argument {json}: {e}"))
}

/// A timestamp argument.
pub(crate) fn timestamp(text: &str) -> twitch_sdk::models::Timestamp {
    twitch_sdk::models::Timestamp::parse(text)
        .unwrap_or_else(|e| panic!("bad timestamp {text}: {e}"))
}

const HOUR: Duration = Duration::from_secs(3600);

async fn client(mock: &MockServer) -> Client {
    // twitch-sdk builds reqwest with `rustls-no-provider`; plain HTTP still wants one installed.
    let _ = rustls::crypto::ring::default_provider().install_default();
    Client::builder()
        .helix_url(mock.helix_url())
        .oauth_url(mock.oauth_url())
        .allow_insecure_http(true)
        .max_retries(0)
        // The stand-in answers with Twitch's documented examples: a deviation is a spec bug.
        .strict_decoding(true)
        .build()
        .expect("client")
}

/// Every scope any operation of the spec names.
fn all_scopes(mock: &MockServer) -> Vec<&'static str> {
    let mut scopes: Vec<&'static str> = mock
        .endpoints()
        .iter()
        .flat_map(|e| e.scopes_all_of.iter().chain(e.scopes_any_of))
        .copied()
        .collect();
    scopes.sort_unstable();
    scopes.dedup();
    scopes
}

/// Runs every case of the class given; returns how many ran and the failures.
async fn run(
    mock: &MockServer,
    app: Option<&AppApi>,
    user: Option<&UserApi>,
) -> (usize, Vec<String>) {
    let mut ran = 0;
    let mut failures = Vec::new();
    for case in CASES {
        let outcome = match (&case.call, app, user) {
            (Call::App(call), Some(api), _) => call(api),
            (Call::User(call), _, Some(api)) => call(api),
            _ => continue,
        };
        mock.clear_requests();
        let result = outcome.await;
        let requests = mock.requests();
        ran += 1;
        let problems = check(mock, case, &result, &requests);
        if !problems.is_empty() {
            let alias = case
                .alias_of
                .map(|target| format!(" (alias of {target})"))
                .unwrap_or_default();
            failures.push(format!(
                "{}{alias} -> {}: {}",
                case.name,
                case.operation,
                problems.join("; ")
            ));
        }
    }
    (ran, failures)
}

/// What is wrong with one call, if anything.
fn check(
    mock: &MockServer,
    case: &Case,
    result: &twitch_sdk::Result<Value>,
    requests: &[ReceivedRequest],
) -> Vec<String> {
    let mut problems = Vec::new();
    match result {
        Ok(output) => {
            let decoded = match output {
                Value::Null => Some(Decoded::Nothing),
                Value::Object(_) => Some(Decoded::One),
                Value::String(text) if !text.is_empty() => Some(Decoded::Text),
                Value::Array(items) => Some(Decoded::Items(items.len())),
                _ => None,
            };
            if decoded != Some(case.decoded) {
                let mut output = output.to_string();
                output.truncate(200);
                problems.push(format!(
                    "decoded {decoded:?}, expected {:?}: {output}",
                    case.decoded
                ));
            }
        }
        Err(e) => problems.push(format!("failed: {e}")),
    }
    let Some(first) = requests.first() else {
        problems.push("nothing reached the stand-in".to_owned());
        return problems;
    };
    // A paginated call may fetch further pages of the same operation.
    if let Some(other) = requests
        .iter()
        .find(|r| r.operation != Some(case.operation))
    {
        problems.push(format!(
            "also sent {} {} ({:?})",
            other.method, other.path, other.operation
        ));
    }
    let path = format!("/helix{}", case.path);
    if first.method != case.method || first.path != path || first.operation != Some(case.operation)
    {
        problems.push(format!(
            "sent {} {} (routed to {:?}), expected {} {path}",
            first.method, first.path, first.operation, case.method
        ));
    }
    if !first.status.is_some_and(|s| (200..300).contains(&s)) {
        problems.push(format!(
            "answered {:?}: {}",
            first.status,
            first.body_text()
        ));
    }

    // The query: exactly the expected keys (plus paging), lists as repeated keys.
    for (key, values) in case.query {
        let sent = first.query_values(key);
        if sent != *values {
            problems.push(format!(
                "query `{key}`: sent {sent:?}, expected {values:?} (raw query `{}`)",
                first.raw_query
            ));
        }
    }
    let paging = mock
        .endpoints()
        .iter()
        .find(|e| e.operation == case.operation)
        .and_then(|e| e.paging);
    let mut keys: Vec<&str> = first.query.iter().map(|(key, _)| key.as_str()).collect();
    keys.dedup();
    for key in keys {
        let expected = case.query.iter().any(|(k, _)| *k == key);
        let page_key = paging.is_some_and(|p| p.page_size == Some(key) || key == "after");
        if !expected && !page_key {
            problems.push(format!("unexpected query key `{key}`"));
        }
    }

    // The body: one JSON object, dotted names nested; none when nothing goes in it.
    match case.body {
        Some(expected) => {
            let expected: Value = serde_json::from_str(expected).expect("expected body is JSON");
            match first.body_json() {
                Some(sent) if same_json(&expected, &sent) => {}
                Some(sent) => problems.push(format!("body {sent}, expected {expected}")),
                None => problems.push(format!(
                    "body not JSON: `{}`, expected {expected}",
                    first.body_text()
                )),
            }
            let content_type = first.header("content-type").unwrap_or_default();
            if !content_type.starts_with("application/json") {
                problems.push(format!("content type `{content_type}` for a JSON body"));
            }
        }
        None if !first.body.is_empty() => {
            problems.push(format!("unexpected body `{}`", first.body_text()));
        }
        None => {}
    }

    // Token-user parameters the user API filled in.
    for name in case.token_user {
        let in_query = first.query_values(name) == [TOKEN_USER_ID];
        let in_body = first.body_json().is_some_and(|body| {
            name.split('.')
                .try_fold(&body, |value, key| value.get(key))
                .and_then(Value::as_str)
                == Some(TOKEN_USER_ID)
        });
        if !in_query && !in_body {
            problems.push(format!("`{name}` does not carry the token's user id"));
        }
    }
    problems
}

/// Whether the body `sent` is `expected`: the same keys and values, numbers compared by value
/// (`1` is `1.0`), timestamps by instant, and `null` in `expected` matching an omitted key.
fn same_json(expected: &Value, sent: &Value) -> bool {
    match (expected, sent) {
        (Value::Object(e), Value::Object(s)) => {
            e.iter().all(|(key, value)| match s.get(key) {
                Some(sent) => same_json(value, sent),
                None => value.is_null(),
            }) && s.keys().all(|key| e.contains_key(key))
        }
        (Value::Array(e), Value::Array(s)) => {
            e.len() == s.len() && e.iter().zip(s).all(|(e, s)| same_json(e, s))
        }
        (Value::Number(e), Value::Number(s)) => e.as_f64() == s.as_f64(),
        (Value::String(e), Value::String(s)) => {
            e == s
                || matches!(
                    (
                        twitch_sdk::models::Timestamp::parse(e),
                        twitch_sdk::models::Timestamp::parse(s),
                    ),
                    (Ok(e), Ok(s)) if e == s
                )
        }
        (e, s) => e == s,
    }
}

fn report(class: &str, ran: usize, failures: &[String], started: Instant) {
    println!(
        "{class}: {ran} methods called in {:?}, {} failed",
        started.elapsed(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {ran} {class} methods failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A stand-in answering with the spec's examples instead of its world.
async fn examples_only() -> MockServer {
    MockServer::builder()
        .examples_only()
        .start()
        .await
        .expect("the stand-in starts")
}

#[tokio::test]
async fn every_app_api_method_sends_its_request_and_decodes_the_example() {
    let started = Instant::now();
    // Every case expects Twitch's documented example back, whatever ids it sends.
    let mock = examples_only().await;
    let app = client(&mock)
        .await
        .app(ClientCredentials::new(
            mock.client_id(),
            mock.client_secret(),
        ))
        .await
        .expect("app token");
    let (ran, failures) = run(&mock, Some(&app), None).await;
    assert!(ran > 0, "no AppApi cases");
    report("AppApi", ran, &failures, started);
}

#[tokio::test]
async fn every_user_api_method_sends_its_request_and_decodes_the_example() {
    let started = Instant::now();
    // Every case expects Twitch's documented example back, whatever ids it sends.
    let mock = examples_only().await;
    let (access, _) = mock.issue_user_token(TOKEN_USER_ID, "twitchdev", &all_scopes(&mock), HOUR);
    let user = client(&mock)
        .await
        .user(UserToken::new(mock.client_id(), access))
        .await
        .expect("user token");
    assert_eq!(user.user_id(), TOKEN_USER_ID);
    let (ran, failures) = run(&mock, None, Some(&user)).await;
    assert!(ran > 0, "no UserApi cases");
    report("UserApi", ran, &failures, started);
}

/// The generated table names every method of the spec, on each class that has it, aliases
/// included, and reaches every operation.
#[test]
fn the_cases_are_every_method_of_the_spec() {
    let spec = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec");
    let loaded = twitch_codegen::load::load(&spec).unwrap_or_else(|e| panic!("{e}"));
    let mut expected = Vec::new();
    for file in &loaded.files {
        for endpoint in &file.spec.endpoints {
            for method in &endpoint.methods {
                for class in &method.api {
                    let class = match class {
                        twitch_codegen::spec::TokenType::App => "AppApi",
                        twitch_codegen::spec::TokenType::User => "UserApi",
                    };
                    for name in std::iter::once(&method.name).chain(&method.aliases) {
                        expected.push(format!("{class}::{name}"));
                    }
                }
            }
        }
    }
    expected.sort();
    expected.dedup();
    let mut cases: Vec<String> = CASES.iter().map(|c| c.name.to_owned()).collect();
    cases.sort();
    let before = cases.len();
    cases.dedup();
    assert_eq!(before, cases.len(), "a method is called twice");
    assert_eq!(cases, expected);

    let mut reached: Vec<&str> = CASES.iter().map(|c| c.operation).collect();
    reached.sort_unstable();
    reached.dedup();
    let mut operations: Vec<&str> = twitch_sdk::ENDPOINTS.iter().map(|e| e.operation).collect();
    operations.sort_unstable();
    assert_eq!(reached, operations, "operations no method reaches");
}
