//! EventSub webhooks end to end: the stand-in's signed sender against a real axum receiver on
//! loopback that uses `twitch_sdk::eventsub::webhook::WebhookVerifier`.
//!
//! Covers the challenge (a subscription stays pending until it is answered with the raw
//! challenge, and fails on a wrong answer or a wrong secret), signed notifications decoded into
//! typed events, retries with the same message id when the receiver fails or is too slow (the
//! verifier turning the redelivery into a duplicate), and the `notification_failures_exceeded`
//! revocation after repeated failures.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use http::{HeaderMap, Response};
use serde_json::{Value, json};
use twitch_sdk::eventsub::webhook::{WebhookOutcome, WebhookVerifier};
use twitch_sdk::mock::{MockServer, WebhookDelivery, WebhookPolicy};
use twitch_sdk::models::EventSubTransport;
use twitch_sdk::{AppApi, Client, ClientCredentials};

const SECRET: &str = "webhook-test-secret-42";

/// What the receiver does with a request.
#[derive(Clone, Copy, PartialEq)]
enum Behaviour {
    /// Verify and answer as the outcome says.
    Normal,
    /// Answer 500 to the next `n` notification requests before looking at them (a crash).
    FailFirst(usize),
    /// Verify, then sleep this long before answering, on the first notification only.
    SlowFirst(Duration),
    /// Answer 500 to every notification before looking at it; revocations are verified
    /// normally.
    FailNotifications,
    /// Answer a challenge as JSON (`{"challenge": ...}`), the classic mistake.
    ChallengeAsJson,
}

#[derive(Clone)]
struct Receiver {
    verifier: WebhookVerifier,
    behaviour: Behaviour,
    notifications_seen: Arc<AtomicUsize>,
    outcomes: Arc<Mutex<Vec<String>>>,
    events: Arc<Mutex<Vec<(String, Value)>>>,
    revocations: Arc<Mutex<Vec<String>>>,
}

impl Receiver {
    fn new(secret: &str, behaviour: Behaviour) -> Receiver {
        Receiver {
            verifier: WebhookVerifier::new(secret).unwrap(),
            behaviour,
            notifications_seen: Arc::default(),
            outcomes: Arc::default(),
            events: Arc::default(),
            revocations: Arc::default(),
        }
    }

    fn outcomes(&self) -> Vec<String> {
        self.outcomes.lock().unwrap().clone()
    }
}

async fn receive(State(rx): State<Receiver>, headers: HeaderMap, body: Bytes) -> Response<String> {
    let is_notification = headers
        .get("twitch-eventsub-message-type")
        .is_some_and(|v| v == "notification");
    let seen = if is_notification {
        rx.notifications_seen.fetch_add(1, Ordering::SeqCst)
    } else {
        usize::MAX
    };
    let crashed = match rx.behaviour {
        Behaviour::FailFirst(n) => seen < n,
        Behaviour::FailNotifications => is_notification,
        _ => false,
    };
    if crashed {
        return status(500);
    }
    let outcome = rx.verifier.verify(&headers, &body).await;
    let label = match &outcome {
        WebhookOutcome::Challenge(_) => "challenge".to_owned(),
        WebhookOutcome::Notification(n) => {
            let event = n.event.to_json().unwrap();
            rx.events
                .lock()
                .unwrap()
                .push((n.message_id.clone(), event));
            "notification".to_owned()
        }
        WebhookOutcome::Revocation(r) => {
            rx.revocations
                .lock()
                .unwrap()
                .push(r.subscription.status.clone());
            "revocation".to_owned()
        }
        WebhookOutcome::Duplicate { .. } => "duplicate".to_owned(),
        WebhookOutcome::Rejected(r) => format!("rejected {}", r.status()),
        other => format!("{other:?}"),
    };
    rx.outcomes.lock().unwrap().push(label);
    match (rx.behaviour, &outcome) {
        (Behaviour::SlowFirst(pause), WebhookOutcome::Notification(_)) if seen == 0 => {
            tokio::time::sleep(pause).await;
        }
        (Behaviour::ChallengeAsJson, WebhookOutcome::Challenge(c)) => {
            return Response::new(json!({"challenge": c.challenge}).to_string());
        }
        _ => {}
    }
    outcome.response()
}

fn status(code: u16) -> Response<String> {
    let mut response = Response::new(String::new());
    *response.status_mut() = http::StatusCode::from_u16(code).unwrap();
    response
}

/// Serves `receiver` on a free loopback port; returns the callback URL.
async fn serve(receiver: Receiver) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new()
        .route("/eventsub", post(receive))
        .with_state(receiver);
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/eventsub")
}

async fn app_api(mock: &MockServer) -> AppApi {
    let client = Client::builder()
        .helix_url(mock.helix_url())
        .oauth_url(mock.oauth_url())
        .build()
        .unwrap();
    client
        .app(ClientCredentials::new(
            mock.client_id(),
            mock.client_secret(),
        ))
        .await
        .unwrap()
}

/// Creates a `channel.follow` v2 webhook subscription for broadcaster 1337; returns its id.
async fn subscribe(app: &AppApi, callback: &str, secret: &str) -> String {
    let created = app
        .create_eventsub_subscription(
            "channel.follow",
            "2",
            EventSubTransport::webhook(callback, secret),
            json!({"broadcaster_user_id": "1337", "moderator_user_id": "1337"}),
        )
        .await
        .unwrap();
    let sub = created.data.into_iter().next().unwrap();
    assert_eq!(
        serde_json::to_value(&sub.status).unwrap(),
        "webhook_callback_verification_pending"
    );
    sub.id
}

fn status_of(mock: &MockServer, id: &str) -> String {
    let subs = mock.eventsub().subscriptions();
    let sub = subs.iter().find(|s| s["id"] == id).unwrap();
    sub["status"].as_str().unwrap().to_owned()
}

/// Waits (up to 10 s) until `done` holds.
async fn until(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..1000 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for {what}");
}

fn follow(user: &str) -> Value {
    json!({
        "user_id": "1234", "user_login": user, "user_name": user,
        "broadcaster_user_id": "1337", "broadcaster_user_login": "cooler_user",
        "broadcaster_user_name": "Cooler_User", "followed_at": "2020-07-15T18:16:11.17106713Z"
    })
}

fn deliveries(mock: &MockServer, kind: &str) -> Vec<WebhookDelivery> {
    let all = mock.eventsub().webhook_deliveries();
    all.into_iter().filter(|d| d.message_type == kind).collect()
}

async fn enabled_subscription(mock: &MockServer, receiver: Receiver) -> (String, AppApi) {
    let callback = serve(receiver).await;
    let app = app_api(mock).await;
    let id = subscribe(&app, &callback, SECRET).await;
    until("the subscription to be enabled", || {
        status_of(mock, &id) == "enabled"
    })
    .await;
    (id, app)
}

#[tokio::test]
async fn challenge_then_signed_notifications_decode_end_to_end() {
    let mock = MockServer::start().await;
    let receiver = Receiver::new(SECRET, Behaviour::Normal);
    let (id, _app) = enabled_subscription(&mock, receiver.clone()).await;
    let challenge = deliveries(&mock, "webhook_callback_verification");
    assert_eq!(challenge.len(), 1);
    assert_eq!(challenge[0].status, Some(200));
    assert_eq!(challenge[0].subscription_id, id);

    let sent = mock
        .eventsub()
        .emit("channel.follow", "2", follow("cool_user"));
    assert_eq!(sent.len(), 1);
    until("the notification", || {
        receiver.events.lock().unwrap().len() == 1
    })
    .await;
    let (message_id, event) = receiver.events.lock().unwrap()[0].clone();
    assert_eq!(message_id, sent[0]);
    assert_eq!(event["user_login"], "cool_user");
    assert_eq!(event["broadcaster_user_id"], "1337");
    until("the delivery log", || {
        deliveries(&mock, "notification").len() == 1
    })
    .await;
    let notification = &deliveries(&mock, "notification")[0];
    assert_eq!((notification.retry, notification.status), (0, Some(204)));
    assert_eq!(receiver.outcomes(), ["challenge", "notification"]);

    // A condition that does not match delivers nothing.
    let mut other = follow("x");
    other["broadcaster_user_id"] = json!("999");
    assert!(
        mock.eventsub()
            .emit("channel.follow", "2", other)
            .is_empty()
    );
}

#[tokio::test]
async fn a_challenge_answered_as_json_or_with_the_wrong_secret_fails_the_subscription() {
    let mock = MockServer::start().await;
    let app = app_api(&mock).await;
    for receiver in [
        Receiver::new(SECRET, Behaviour::ChallengeAsJson),
        Receiver::new("a-different-secret", Behaviour::Normal),
    ] {
        let callback = serve(receiver.clone()).await;
        let id = subscribe(&app, &callback, SECRET).await;
        until("the verification to fail", || {
            status_of(&mock, &id) == "webhook_callback_verification_failed"
        })
        .await;
        assert!(
            mock.eventsub()
                .emit("channel.follow", "2", follow("a"))
                .is_empty()
        );
    }
    let answers: Vec<_> = deliveries(&mock, "webhook_callback_verification")
        .into_iter()
        .map(|d| d.status)
        .collect();
    assert_eq!(answers, [Some(200), Some(403)]);
}

#[tokio::test]
async fn the_stand_in_refuses_bad_webhook_transports() {
    let mock = MockServer::start().await;
    let app = app_api(&mock).await;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let raw = reqwest::Client::new();
    let token = mock.issue_app_token(Duration::from_secs(3600));
    for (callback, secret) in [
        ("http://example.com/eventsub", SECRET),
        ("http://127.0.0.1:9/eventsub", "short"),
        ("", SECRET),
    ] {
        // The SDK refuses these before sending...
        mock.clear_requests();
        let err = app
            .create_eventsub_subscription(
                "channel.follow",
                "2",
                EventSubTransport::webhook(callback, secret),
                json!({"broadcaster_user_id": "1337", "moderator_user_id": "1337"}),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(err, twitch_sdk::Error::InvalidArgument { .. }),
            "{callback} {secret}: {err}"
        );
        assert!(mock.requests().is_empty(), "nothing was sent");
        assert!(!err.to_string().contains(SECRET));
        // ...and so does the stand-in, for a client that sends them anyway.
        let answer = raw
            .post(format!("{}/eventsub/subscriptions", mock.helix_url()))
            .header("Client-Id", mock.client_id())
            .bearer_auth(&token)
            .json(&json!({
                "type": "channel.follow", "version": "2",
                "condition": {"broadcaster_user_id": "1337", "moderator_user_id": "1337"},
                "transport": {"method": "webhook", "callback": callback, "secret": secret},
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status().as_u16(), 400, "{callback} {secret}");
        assert!(!answer.text().await.unwrap().contains(SECRET));
    }
    // The secret never shows in Helix's view of a subscription.
    let callback = serve(Receiver::new(SECRET, Behaviour::Normal)).await;
    subscribe(&app, &callback, SECRET).await;
    let listed = serde_json::to_string(&mock.eventsub().subscriptions()).unwrap();
    assert!(!listed.contains(SECRET), "{listed}");
}

#[tokio::test]
async fn a_failed_delivery_is_retried_with_the_same_message_id() {
    let mock = MockServer::start().await;
    let receiver = Receiver::new(SECRET, Behaviour::FailFirst(2));
    enabled_subscription(&mock, receiver.clone()).await;
    let sent = mock
        .eventsub()
        .emit("channel.follow", "2", follow("retry_user"));
    until("the notification", || {
        receiver.events.lock().unwrap().len() == 1
    })
    .await;
    until("the log", || deliveries(&mock, "notification").len() == 3).await;
    let log = deliveries(&mock, "notification");
    let tries: Vec<_> = log.iter().map(|d| (d.retry, d.status)).collect();
    assert_eq!(tries, [(0, Some(500)), (1, Some(500)), (2, Some(204))]);
    assert!(log.iter().all(|d| d.message_id == sent[0]));
    assert_eq!(receiver.events.lock().unwrap()[0].0, sent[0]);
}

#[tokio::test]
async fn a_slow_receiver_gets_the_message_again_and_the_verifier_drops_it() {
    let mock = MockServer::start().await;
    let receiver = Receiver::new(SECRET, Behaviour::SlowFirst(Duration::from_secs(3)));
    enabled_subscription(&mock, receiver.clone()).await;
    // The first answer comes after 3 s, long after the stand-in gave up on it.
    mock.eventsub().webhook_policy(WebhookPolicy {
        timeout: Duration::from_secs(1),
        ..WebhookPolicy::default()
    });
    let sent = mock
        .eventsub()
        .emit("channel.follow", "2", follow("slow_user"));
    until("the redelivery", || {
        deliveries(&mock, "notification").len() == 2
    })
    .await;
    let log = deliveries(&mock, "notification");
    let tries: Vec<_> = log.iter().map(|d| (d.retry, d.status)).collect();
    assert_eq!(tries, [(0, None), (1, Some(204))]);
    assert!(log.iter().all(|d| d.message_id == sent[0]));
    // Processed once, and the redelivery recognised as a duplicate.
    assert_eq!(
        receiver.outcomes(),
        ["challenge", "notification", "duplicate"]
    );
    assert_eq!(receiver.events.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn repeated_failures_revoke_with_notification_failures_exceeded() {
    let mock = MockServer::start().await;
    mock.eventsub().webhook_policy(WebhookPolicy {
        attempts: 2,
        retry_pause: Duration::from_millis(10),
        failures_before_revocation: 2,
        ..WebhookPolicy::default()
    });
    let receiver = Receiver::new(SECRET, Behaviour::FailNotifications);
    let (id, _app) = enabled_subscription(&mock, receiver.clone()).await;

    mock.eventsub().emit("channel.follow", "2", follow("one"));
    until("the first failure", || {
        deliveries(&mock, "notification").len() == 2
    })
    .await;
    assert_eq!(
        status_of(&mock, &id),
        "enabled",
        "one failed message is not enough"
    );
    mock.eventsub().emit("channel.follow", "2", follow("two"));
    until("the revocation", || {
        !receiver.revocations.lock().unwrap().is_empty()
    })
    .await;
    assert_eq!(status_of(&mock, &id), "notification_failures_exceeded");
    assert_eq!(
        *receiver.revocations.lock().unwrap(),
        ["notification_failures_exceeded"]
    );
    let notifications = deliveries(&mock, "notification");
    assert_eq!(notifications.len(), 4);
    assert!(notifications.iter().all(|d| d.status == Some(500)));
    // Revoked: nothing more is sent.
    assert!(
        mock.eventsub()
            .emit("channel.follow", "2", follow("three"))
            .is_empty()
    );
}

#[tokio::test]
async fn a_revocation_reaches_the_callback_with_its_reason() {
    let mock = MockServer::start().await;
    let receiver = Receiver::new(SECRET, Behaviour::Normal);
    let (id, _app) = enabled_subscription(&mock, receiver.clone()).await;
    assert!(mock.eventsub().revoke(&id, "authorization_revoked"));
    until("the revocation", || {
        !receiver.revocations.lock().unwrap().is_empty()
    })
    .await;
    assert_eq!(
        *receiver.revocations.lock().unwrap(),
        ["authorization_revoked"]
    );
    assert_eq!(status_of(&mock, &id), "authorization_revoked");
}
