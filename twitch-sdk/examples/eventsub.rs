//! Managing EventSub: a conduit with webhook shards, subscriptions delivered through it, the
//! subscription list page by page, the cost budget, and pruning subscriptions that stopped working.
//!
//! ```sh
//! cargo run --example eventsub
//! ```
//!
//! Conduits and conduit or webhook subscriptions belong to the app, so everything here uses the
//! app API (an app access token from the client credentials). The example runs against the
//! built-in Helix stand-in, which answers with Twitch's documented example responses (so ids in
//! the answers differ from the ones asked for); it is told to answer one subscription with
//! `409 Conflict`, as Twitch does for a duplicate, to show how to treat that as success.
//! For real Twitch, build the client with `Client::new()` and your own `ClientCredentials`.

use std::error::Error as StdError;
use std::process::ExitCode;

use serde_json::json;
use twitch_sdk::mock::{MockServer, Reply};
use twitch_sdk::models::{
    ConduitShardUpdateRequest, EventSubSubscription, EventSubSubscriptionStatus, EventSubTransport,
    TransportMethod,
};
use twitch_sdk::{AppApi, Client, ClientCredentials, Error, Result};

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

async fn run() -> std::result::Result<(), Box<dyn StdError>> {
    // Documented examples only: the stand-in's live EventSub state is what `chat_bot` and
    // `conduit_shards` show.
    let mock = MockServer::builder().examples_only(true).start().await?;
    println!(
        "EventSub management against the Helix stand-in at {}\n",
        mock.url()
    );
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

    println!("Conduits");
    let conduit = app.create_conduit(2).await?;
    println!(
        "  created conduit {} with {} shards",
        conduit.id, conduit.shard_count
    );

    // Point each shard at a webhook (a WebSocket session id works the same way).
    let shards = (0..2).map(|n| ConduitShardUpdateRequest {
        id: n.to_string(),
        transport: webhook(
            &format!("https://bot.example.com/eventsub/{n}"),
            "s3cret-s3cret",
        ),
    });
    let update = app.update_conduit_shards(&conduit.id, shards).await?;
    println!(
        "  assigned shards: {} updated, {} refused",
        update.data.len(),
        update.errors.len()
    );
    for e in &update.errors {
        println!("    shard {}: {} ({})", e.id, e.message, e.code);
    }
    println!("  shards now:");
    let all_shards = app
        .get_conduit_shards(&conduit.id)
        .limit(usize::MAX)
        .await?;
    for shard in &all_shards {
        let target = shard
            .transport
            .callback
            .as_deref()
            .or(shard.transport.session_id.as_deref())
            .unwrap_or("-");
        println!(
            "    shard {:<2} {:<38} {target}",
            shard.id,
            shard.status.as_str()
        );
    }
    let resized = app.update_conduit(&conduit.id, 4).await?;
    println!(
        "  resized conduit {} to {} shards",
        resized.id, resized.shard_count
    );
    for c in app.get_conduits().await? {
        println!("  conduit {} has {} shards", c.id, c.shard_count);
    }
    println!();

    println!("Subscriptions through the conduit");
    let wanted = [
        ("stream.online", "1", json!({"broadcaster_user_id": "1234"})),
        (
            "channel.follow",
            "2",
            json!({"broadcaster_user_id": "1234", "moderator_user_id": "1234"}),
        ),
    ];
    for (kind, version, condition) in wanted.clone() {
        report(
            kind,
            version,
            subscribe(&app, kind, version, &conduit.id, condition).await?,
        );
    }
    // Running the setup again, as a restarted bot does: Twitch answers 409 Conflict for a
    // subscription that exists already (simulated here for the first one).
    println!("  again after a restart:");
    mock.on("create-eventsub-subscription")
        .once()
        .reply(Reply::error(409, "subscription already exists"));
    let (kind, version, condition) = wanted[0].clone();
    report(
        kind,
        version,
        subscribe(&app, kind, version, &conduit.id, condition).await?,
    );
    println!();

    // What the app has subscribed to over time: two pages, two subscriptions that stopped working.
    seed_subscription_list(&mock);
    println!("All subscriptions, page by page");
    let subs = all_subscriptions(&app).await?;
    for sub in &subs {
        println!(
            "    {} {:<22} v{} {:<30} cost {}",
            sub.id,
            sub.type_.as_str(),
            sub.version,
            sub.status.as_str(),
            sub.cost
        );
    }
    let summary = app.get_eventsub_subscriptions_summary().await?;
    println!(
        "  {} subscriptions, cost {} of {}\n",
        summary.total, summary.total_cost, summary.max_total_cost
    );

    println!("Pruning subscriptions that no longer deliver");
    let mut pruned = 0;
    for sub in subs.iter().filter(|s| is_dead(s)) {
        app.delete_eventsub_subscription(&sub.id).await?;
        println!(
            "  deleted {} ({}: {})",
            sub.id,
            sub.type_.as_str(),
            sub.status.as_str()
        );
        pruned += 1;
    }
    if pruned == 0 {
        println!("  nothing to prune");
    }

    println!("\nTearing down");
    app.delete_conduit(&conduit.id).await?;
    println!("  deleted conduit {}", conduit.id);
    Ok(())
}

fn report(kind: &str, version: &str, created: Option<EventSubSubscription>) {
    match created {
        Some(sub) => println!(
            "  {kind} v{version}: created {} ({}, cost {})",
            sub.id,
            sub.status.as_str(),
            sub.cost
        ),
        None => println!("  {kind} v{version}: exists already"),
    }
}

/// A webhook transport (Twitch wants a secret of 10 to 100 characters to sign events with).
fn webhook(callback: &str, secret: &str) -> EventSubTransport {
    EventSubTransport {
        method: TransportMethod::Webhook,
        callback: Some(callback.to_owned()),
        secret: Some(secret.to_owned()),
        session_id: None,
        conduit_id: None,
    }
}

/// Subscribes to `kind` through the conduit; `None` when the subscription exists already.
async fn subscribe(
    app: &AppApi,
    kind: &str,
    version: &str,
    conduit_id: &str,
    condition: serde_json::Value,
) -> Result<Option<EventSubSubscription>> {
    let transport = EventSubTransport {
        method: TransportMethod::Conduit,
        callback: None,
        secret: None,
        session_id: None,
        conduit_id: Some(conduit_id.to_owned()),
    };
    match app
        .create_eventsub_subscription(kind, version, transport, condition)
        .await
    {
        Ok(created) => Ok(created.data.into_iter().next()),
        Err(Error::Conflict { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Every subscription of the app: the list is one page per call, with `after` for the next.
async fn all_subscriptions(app: &AppApi) -> Result<Vec<EventSubSubscription>> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut request = app.get_eventsub_subscriptions();
        if let Some(after) = cursor.take() {
            request = request.after(after);
        }
        let page = request.await?;
        println!("  page of {} (total {})", page.data.len(), page.total);
        all.extend(page.data);
        cursor = page
            .pagination
            .and_then(|p| p.cursor)
            .filter(|c| !c.is_empty());
        if cursor.is_none() {
            return Ok(all);
        }
    }
}

/// Whether Twitch gave up on a subscription: it will never deliver again and only costs budget.
fn is_dead(sub: &EventSubSubscription) -> bool {
    use EventSubSubscriptionStatus as S;
    matches!(
        sub.status,
        S::WebhookCallbackVerificationFailed
            | S::NotificationFailuresExceeded
            | S::AuthorizationRevoked
            | S::ModeratorRemoved
            | S::UserRemoved
            | S::VersionRemoved
    )
}

/// Has the stand-in answer the next three subscription listings (two pages, then the summary)
/// with a list of five subscriptions, two of which Twitch gave up on.
fn seed_subscription_list(mock: &MockServer) {
    let sub = |id: &str, kind: &str, status: &str, cost: i32| {
        json!({
            "id": id, "status": status, "type": kind, "version": "1",
            "condition": {"broadcaster_user_id": "1234"},
            "created_at": "2024-03-01T10:00:00Z",
            "transport": {"method": "conduit", "conduit_id": "bfcfc993-26b1-b876-44d9-afe75a379dac"},
            "cost": cost,
        })
    };
    let page = |data: Vec<serde_json::Value>, cursor: Option<&str>| {
        let mut body = json!({"data": data, "total": 5, "total_cost": 3, "max_total_cost": 10000});
        body["pagination"] = cursor.map_or(json!({}), |c| json!({"cursor": c}));
        body
    };
    let first = vec![
        sub(
            "a1a1a1a1-0000-4000-8000-000000000001",
            "stream.online",
            "enabled",
            1,
        ),
        sub(
            "a1a1a1a1-0000-4000-8000-000000000002",
            "channel.follow",
            "enabled",
            1,
        ),
        sub(
            "a1a1a1a1-0000-4000-8000-000000000003",
            "channel.raid",
            "authorization_revoked",
            0,
        ),
    ];
    let second = vec![
        sub(
            "a1a1a1a1-0000-4000-8000-000000000004",
            "channel.update",
            "notification_failures_exceeded",
            0,
        ),
        sub(
            "a1a1a1a1-0000-4000-8000-000000000005",
            "stream.offline",
            "enabled",
            1,
        ),
    ];
    let route = "get-eventsub-subscriptions";
    // The override registered last answers first.
    mock.on(route)
        .once()
        .reply(Reply::json(200, page(Vec::new(), None)));
    mock.on(route)
        .once()
        .reply(Reply::json(200, page(second, None)));
    mock.on(route)
        .once()
        .reply(Reply::json(200, page(first, Some("page-2"))));
}
