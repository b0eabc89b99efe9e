//! Receiving EventSub over webhooks: an axum server on loopback that verifies, deduplicates and
//! decodes what the Helix stand-in sends it.
//!
//! ```sh
//! cargo run --example webhook
//! ```
//!
//! The receiver is one axum route: [`WebhookVerifier::verify`] takes the headers and the raw
//! body, and the outcome's `response()` is what Twitch must get back (the challenge as plain
//! text, `204`, or the rejection's status). Events go into a channel before the answer, so the
//! handler answers within Twitch's few seconds whatever the processing costs.
//!
//! Against real Twitch: serve the same route behind HTTPS on port 443, and create the
//! subscriptions with `Client::new()`, your client credentials, your public callback URL and
//! the secret the verifier holds.

use std::error::Error as StdError;
use std::process::ExitCode;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use http::{HeaderMap, Response};
use serde_json::json;
use tokio::sync::mpsc;
use twitch_sdk::eventsub::webhook::{WebhookOutcome, WebhookVerifier};
use twitch_sdk::mock::MockServer;
use twitch_sdk::models::EventSubTransport;
use twitch_sdk::{Client, ClientCredentials};

/// Generate your own, 10 to 100 characters, and keep it out of source control.
const SECRET: &str = "example-webhook-secret-0123456789";

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The receiver's state: the verifier, and where decoded messages go.
#[derive(Clone)]
struct Receiver {
    verifier: WebhookVerifier,
    queue: mpsc::UnboundedSender<WebhookOutcome>,
}

/// The whole webhook endpoint.
async fn eventsub(State(rx): State<Receiver>, headers: HeaderMap, body: Bytes) -> Response<String> {
    let outcome = rx.verifier.verify(&headers, &body).await;
    let response = outcome.response();
    match outcome {
        WebhookOutcome::Challenge(challenge) => {
            println!("  <- challenge {:?}, answered", challenge.challenge);
        }
        WebhookOutcome::Rejected(rejection) => {
            println!("  <- rejected: {rejection} ({})", rejection.status());
        }
        WebhookOutcome::Duplicate { message_id } => {
            println!("  <- duplicate of {message_id}, dropped");
        }
        other => {
            let _ = rx.queue.send(other);
        }
    }
    response
}

async fn run() -> Result<(), Box<dyn StdError>> {
    // 1. The receiver, on a free loopback port.
    let (queue, mut received) = mpsc::unbounded_channel();
    let receiver = Receiver {
        verifier: WebhookVerifier::new(SECRET)?,
        queue,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let callback = format!("http://{}/eventsub", listener.local_addr()?);
    let app = Router::new()
        .route("/eventsub", post(eventsub))
        .with_state(receiver);
    tokio::spawn(async move { axum::serve(listener, app).await });
    println!("Receiving EventSub webhooks at {callback}");

    // 2. Twitch's side: the stand-in, and an app token to subscribe with.
    let mock = MockServer::start().await;
    let client = Client::builder()
        .helix_url(mock.helix_url())
        .oauth_url(mock.oauth_url())
        .build()?;
    let app = client
        .app(ClientCredentials::new(
            mock.client_id(),
            mock.client_secret(),
        ))
        .await?;

    // 3. Subscribe; each subscription is pending until the callback answers its challenge.
    let condition = json!({"broadcaster_user_id": "1337", "moderator_user_id": "1337"});
    let mut ids = Vec::new();
    for (kind, version) in [("channel.follow", "2"), ("stream.online", "1")] {
        let transport = EventSubTransport::webhook(&callback, SECRET);
        let created = app
            .create_eventsub_subscription(kind, version, transport, condition.clone())
            .await?;
        let sub = created.data.into_iter().next().ok_or("no subscription")?;
        println!("  -> subscribed to {kind} v{version}: {}", sub.id);
        ids.push(sub.id);
    }
    wait_until_enabled(&mock, &ids).await?;

    // 4. Twitch sends events; the receiver verifies and decodes them.
    let events = mock.eventsub();
    events.emit(
        "channel.follow",
        "2",
        json!({
            "user_id": "1234", "user_login": "cool_user", "user_name": "Cool_User",
            "broadcaster_user_id": "1337", "broadcaster_user_login": "cooler_user",
            "broadcaster_user_name": "Cooler_User",
            "followed_at": "2020-07-15T18:16:11.17106713Z"
        }),
    );
    events.emit(
        "stream.online",
        "1",
        json!({
            "id": "9001", "broadcaster_user_id": "1337", "broadcaster_user_login": "cooler_user",
            "broadcaster_user_name": "Cooler_User", "type": "live",
            "started_at": "2020-10-11T10:11:12.123Z"
        }),
    );
    // ... and one day revokes a subscription.
    events.revoke(&ids[1], "authorization_revoked");

    for _ in 0..3 {
        let message = tokio::time::timeout(Duration::from_secs(10), received.recv())
            .await?
            .ok_or("the receiver stopped")?;
        match message {
            WebhookOutcome::Notification(n) => println!(
                "  <- {} v{} (message {}): {}",
                n.subscription.r#type,
                n.subscription.version,
                n.message_id,
                n.event.to_json()?
            ),
            WebhookOutcome::Revocation(r) => println!(
                "  <- revocation of {}: {}",
                r.subscription.id, r.subscription.status
            ),
            other => println!("  <- {other:?}"),
        }
    }
    Ok(())
}

/// Polls the stand-in until every subscription in `ids` is `enabled`.
async fn wait_until_enabled(mock: &MockServer, ids: &[String]) -> Result<(), Box<dyn StdError>> {
    for _ in 0..500 {
        let subs = mock.eventsub().subscriptions();
        let enabled = ids.iter().all(|id| {
            subs.iter()
                .any(|s| s["id"] == id.as_str() && s["status"] == "enabled")
        });
        if enabled {
            println!("  -> both subscriptions verified and enabled");
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Err("the subscriptions were not verified in time".into())
}
