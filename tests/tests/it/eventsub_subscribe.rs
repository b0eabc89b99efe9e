//! Typed EventSub subscribing against the Helix stand-in (`twitch_sdk::mock`).
//!
//! - Every subscription type, built from its documented request example's condition (the table
//!   is generated into `generated/eventsub_types.rs`), is sent through the app API; the request
//!   the stand-in logged carries the type, the version, the transport and exactly the example's
//!   condition.
//! - The checks made before sending: token type against transport, the type's transports, the
//!   user token's scopes, token-user fields (filled, or refused when someone else's), required and
//!   one-of condition fields. Each failure is a typed error and nothing reaches the stand-in.
//! - Twitch's 409 for an existing identical subscription is `Subscribed::AlreadyExists`.
//!
//! Assertions read the stand-in's request log, not its state.

use crate::support;

use std::future::{Future, IntoFuture};
use std::path::Path;
use std::pin::Pin;

use serde_json::{Value, json};
use twitch_sdk::Error;
use twitch_sdk::eventsub::types::*;
use twitch_sdk::eventsub::{Subscribed, SubscriptionType, TypeSpec};
use twitch_sdk::mock::{MockServer, ReceivedRequest, Reply, Route};
use twitch_sdk::{AppApi, Result};

use support::{USER_ID, app, helix_requests, user};

/// One typed subscription of the generated table, sendable through the app API.
trait Case {
    fn spec(&self) -> &'static TypeSpec;
    fn send(
        self: Box<Self>,
        app: &AppApi,
    ) -> Pin<Box<dyn Future<Output = Result<Subscribed>> + Send>>;
}

impl<S: SubscriptionType> Case for S {
    fn spec(&self) -> &'static TypeSpec {
        S::SPEC
    }
    fn send(
        self: Box<Self>,
        app: &AppApi,
    ) -> Pin<Box<dyn Future<Output = Result<Subscribed>> + Send>> {
        let sub = app.subscribe(*self);
        if S::SPEC.transports.conduit {
            sub.conduit("bfcfc993-26b1-b876-44d9-afe75a379dac")
                .into_future()
        } else {
            sub.webhook("https://example.com/webhooks/callback", "s3cRe7s3cRe7")
                .into_future()
        }
    }
}

#[rustfmt::skip]
#[path = "../generated/eventsub_types.rs"]
mod generated;

fn request_example(stem: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../spec/examples/eventsub/{stem}.request.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn creates(mock: &MockServer) -> Vec<ReceivedRequest> {
    helix_requests(mock)
        .into_iter()
        .filter(|r| r.path == "/helix/eventsub/subscriptions")
        .collect()
}

#[tokio::test]
async fn every_type_sends_its_documented_condition() {
    let mock = MockServer::builder().examples_only().start().await.unwrap();
    let app = app(&mock).await;
    let mut cases: Vec<(&'static str, Box<dyn Case>)> = Vec::new();
    generated::every_type(&mut |stem, case| cases.push((stem, case)));
    assert!(cases.len() >= 83, "{} cases", cases.len());
    assert_eq!(
        cases.len(),
        twitch_sdk::eventsub::types::SUBSCRIPTION_TYPES.len(),
        "every type has a case"
    );
    let mut failures = Vec::new();
    for (stem, case) in cases {
        let spec = case.spec();
        mock.clear_requests();
        match case.send(&app).await {
            Ok(Subscribed::Created(_)) => {}
            other => {
                failures.push(format!("{stem}: {other:?}"));
                continue;
            }
        }
        let sent = creates(&mock);
        let [request] = sent.as_slice() else {
            failures.push(format!("{stem}: {} requests", sent.len()));
            continue;
        };
        let body = request.body_json().unwrap();
        let example = request_example(stem);
        if body["condition"] != example["condition"] {
            failures.push(format!(
                "{stem}: sent {} but the example has {}",
                body["condition"], example["condition"]
            ));
        }
        if (body["type"].as_str(), body["version"].as_str())
            != (Some(spec.r#type), Some(spec.version))
        {
            failures.push(format!(
                "{stem}: sent type {} version {}",
                body["type"], body["version"]
            ));
        }
        let method = if spec.transports.conduit {
            "conduit"
        } else {
            "webhook"
        };
        if body["transport"]["method"] != method {
            failures.push(format!("{stem}: transport {}", body["transport"]));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn the_user_api_fills_the_token_user_and_checks_scopes() {
    let mock = MockServer::builder().examples_only().start().await.unwrap();
    let (without, _) = user(&mock, &[]).await;
    let err = without
        .subscribe(ChannelFollowV2::new("1337"))
        .websocket("AQoQ")
        .await
        .unwrap_err();
    match err {
        Error::Token(message) => {
            assert!(
                message.message.contains("channel.follow v2")
                    && message.message.contains("moderator:read:followers")
                    && err_scopes_contain(&message, "moderator:read:followers"),
                "{message}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(
        creates(&mock).is_empty(),
        "nothing is sent without the scope"
    );

    let (with, _) = user(&mock, &["moderator:read:followers"]).await;
    let done = with
        .subscribe(ChannelFollowV2::new("1337"))
        .websocket("AQoQ")
        .await
        .unwrap();
    assert!(done.subscription().is_some());
    let body = creates(&mock)[0].body_json().unwrap();
    assert_eq!(
        body["condition"],
        json!({"broadcaster_user_id": "1337", "moderator_user_id": USER_ID})
    );
    assert_eq!(
        body["transport"],
        json!({"method": "websocket", "session_id": "AQoQ"})
    );
    assert_eq!(
        (body["type"].as_str(), body["version"].as_str()),
        (Some("channel.follow"), Some("2"))
    );

    mock.clear_requests();
    let err = with
        .subscribe(ChannelFollowV2::new("1337").moderator_user_id("9001"))
        .websocket("AQoQ")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidArgument { name, .. } if name == "moderator_user_id"),
        "{err:?}"
    );
    let ok = with
        .subscribe(ChannelFollowV2::new("1337").moderator_user_id(USER_ID))
        .websocket("AQoQ")
        .await;
    assert!(ok.is_ok(), "{ok:?}");
    assert_eq!(creates(&mock).len(), 1, "only the valid one was sent");
}

#[tokio::test]
async fn token_type_and_transport_are_checked_before_sending() {
    let mock = MockServer::builder().examples_only().start().await.unwrap();
    let app = app(&mock).await;
    let (user, _) = user(&mock, &["moderator:read:followers"]).await;

    let err = app
        .subscribe(StreamOnlineV1::new("1337"))
        .websocket("AQoQ")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Token(m) if m.message.contains("needs a user access token")),
        "{err:?}"
    );
    let err = user
        .subscribe(StreamOnlineV1::new("1337"))
        .conduit("bfcfc993")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Token(m) if m.message.contains("needs an app access token")),
        "{err:?}"
    );
    let err = app
        .subscribe(UserAuthorizationRevokeV1::new(
            "hof5gwx0su6owfnys0yan9c87zr6t",
        ))
        .conduit("bfcfc993")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidArgument { name, reason } if name == "transport" && reason.contains("only: webhook")),
        "{err:?}"
    );
    let err = app
        .subscribe(StreamOnlineV1::new("1337"))
        .webhook("https://example.com/cb", "short")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidArgument { name, .. } if name == "secret"),
        "{err:?}"
    );
    let err = app
        .subscribe(StreamOnlineV1::new("1337"))
        .conduit("")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidArgument { name, .. } if name == "conduit_id"),
        "{err:?}"
    );
    // With an app token nobody fills the moderator in.
    let err = app
        .subscribe(ChannelFollowV2::new("1337"))
        .conduit("bfcfc993")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidArgument { name, .. } if name == "moderator_user_id"),
        "{err:?}"
    );
    // channel.raid needs exactly one of from/to.
    let err = app
        .subscribe(ChannelRaidV1::new())
        .conduit("bfcfc993")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidArgument { name, .. } if name.contains("from_broadcaster_user_id")),
        "{err:?}"
    );
    let both = ChannelRaidV1::new()
        .from_broadcaster_user_id("1")
        .to_broadcaster_user_id("2");
    assert!(app.subscribe(both).conduit("bfcfc993").await.is_err());
    assert!(
        creates(&mock).is_empty(),
        "nothing was sent: {:?}",
        creates(&mock)
    );

    let ok = app
        .subscribe(ChannelRaidV1::new().to_broadcaster_user_id("2"))
        .conduit("bfcfc993")
        .await;
    assert!(ok.is_ok(), "{ok:?}");
    assert_eq!(
        creates(&mock)[0].body_json().unwrap()["condition"],
        json!({"to_broadcaster_user_id": "2"})
    );
}

#[tokio::test]
async fn an_existing_subscription_is_reported_distinctly() {
    let mock = MockServer::builder().examples_only().start().await.unwrap();
    let app = app(&mock).await;
    mock.on(Route::operation("create-eventsub-subscription"))
        .once()
        .reply(Reply::error(409, "subscription already exists"));
    let first = app
        .subscribe(StreamOnlineV1::new("1337"))
        .conduit("bfcfc993")
        .await
        .unwrap();
    assert_eq!(first, Subscribed::AlreadyExists);
    assert!(first.subscription().is_none());
    let second = app
        .subscribe(StreamOnlineV1::new("1337"))
        .conduit("bfcfc993")
        .await
        .unwrap();
    assert!(matches!(second, Subscribed::Created(_)));
    assert_eq!(creates(&mock).len(), 2);
    // Any other failure stays an error.
    mock.on(Route::operation("create-eventsub-subscription"))
        .once()
        .reply(Reply::error(403, "no"));
    let err = app
        .subscribe(StreamOnlineV1::new("1337"))
        .conduit("bfcfc993")
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(403));
}

#[test]
fn debug_output_hides_the_webhook_secret() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mock = MockServer::builder().examples_only().start().await.unwrap();
        let app = app(&mock).await;
        let request = app
            .subscribe(StreamOnlineV1::new("1337"))
            .webhook("https://example.com/cb", "very-secret-value");
        let text = format!("{request:?}");
        assert!(
            !text.contains("very-secret-value") && text.contains("stream.online"),
            "{text}"
        );
    });
}

/// Whether a token error lists `scope` among the missing ones (the structured kind, not only the text).
fn err_scopes_contain(error: &twitch_sdk::TokenError, scope: &str) -> bool {
    matches!(&error.kind, twitch_sdk::TokenErrorKind::MissingScopes(missing) if missing.contains(scope))
}
