//! Managing EventSub: a conduit with webhook shards, typed subscriptions delivered through it,
//! decoding a delivered notification, the subscription list page by page, the cost budget, and pruning subscriptions that stopped working.
//!
//! ```sh
//! cargo run --example eventsub
//! ```
//!
//! Conduits and conduit or webhook subscriptions belong to the app, so everything here uses the
//! app API (an app access token from the client credentials). The example runs against the
//! built-in Helix stand-in, which answers with Twitch's documented example responses (so ids in
//! the answers differ from the ones asked for); it is told to answer one subscription with
//! `409 Conflict`, as Twitch does for a duplicate, which the SDK reports as
//! `Subscribed::AlreadyExists`.
//! For real Twitch, build the client with `Client::new()` and your own `ClientCredentials`.

use std::error::Error as StdError;
use std::process::ExitCode;

use twitch_sdk::eventsub::types::{ChannelFollowV2, StreamOnlineV1};
use twitch_sdk::eventsub::{Event, Notification, Subscribed};
use twitch_sdk::mock::{MockServer, Reply};
use twitch_sdk::models::{
    ConduitShardUpdateRequest, EventSubSubscription, EventSubSubscriptionStatus, EventSubTransport,
    Timestamp,
};
use twitch_sdk::serde_json::{self, json};
use twitch_sdk::{AppApi, Client, ClientCredentials, Result};

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
    let mock = MockServer::start().await;
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
        // Twitch wants an https callback and a secret of 10 to 100 characters; the SDK checks
        // both before sending.
        transport: EventSubTransport::webhook(
            format!("https://bot.example.com/eventsub/{n}"),
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
        // Enums print their wire value and honour width and alignment.
        println!("    shard {:<2} {:<38} {target}", shard.id, shard.status);
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
    // Typed conditions: the SDK knows each type's version, transports and scopes, and checks
    // them (and the condition) before anything is sent.
    let online = StreamOnlineV1::new("1234");
    report(
        "stream.online v1",
        app.subscribe(online.clone()).conduit(&conduit.id).await?,
    );
    let follows = ChannelFollowV2::new("1234").moderator_user_id("1234");
    report(
        "channel.follow v2",
        app.subscribe(follows).conduit(&conduit.id).await?,
    );
    // A mistake is caught before sending: with an app token nobody fills in the moderator.
    if let Err(e) = app
        .subscribe(ChannelFollowV2::new("1234"))
        .conduit(&conduit.id)
        .await
    {
        println!("  refused before sending: {e}");
    }
    // Running the setup again, as a restarted bot does: Twitch answers 409 Conflict for a
    // subscription that exists already (simulated here), which the SDK reports as
    // `Subscribed::AlreadyExists` rather than an error.
    println!("  again after a restart:");
    mock.on("create-eventsub-subscription")
        .once()
        .reply(Reply::error(409, "subscription already exists"));
    report(
        "stream.online v1",
        app.subscribe(online).conduit(&conduit.id).await?,
    );
    println!();

    println!("Decoding what a shard delivers");
    let payload = br#"{"subscription": {"id": "f1c2a387", "type": "stream.online", "version": "1",
        "status": "enabled", "cost": 0, "condition": {"broadcaster_user_id": "1234"},
        "transport": {"method": "conduit", "conduit_id": "bfcfc993"},
        "created_at": "2026-02-27T10:11:12Z"},
        "event": {"id": "9001", "broadcaster_user_id": "1234", "broadcaster_user_login": "cool_user",
        "broadcaster_user_name": "Cool_User", "type": "live", "started_at": "2026-02-27T10:12:00Z"}}"#;
    let at = Timestamp::parse("2026-02-27T10:12:01Z")?;
    let notification = Notification::from_payload("message-1", at, payload)?;
    match &notification.event {
        Event::StreamOnlineV1(online) => println!(
            "  {} went live at {}",
            online.broadcaster_user_name, online.started_at
        ),
        other => println!("  something else: {:?}", other.subscription_type()),
    }
    println!();

    // What the app has subscribed to over time: two pages, two subscriptions that stopped working.
    seed_subscription_list(&mock);
    println!("All subscriptions, page by page");
    let subs = all_subscriptions(&app).await?;
    for sub in &subs {
        println!(
            "    {} {:<22} v{} {:<30} cost {}",
            sub.id, sub.type_, sub.version, sub.status, sub.cost
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
        println!("  deleted {} ({}: {})", sub.id, sub.type_, sub.status);
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

fn report(what: &str, done: Subscribed) {
    match done.subscription() {
        Some(sub) => println!(
            "  {what}: created {} ({}, cost {})",
            sub.id,
            sub.status.as_str(),
            sub.cost
        ),
        None => println!("  {what}: exists already"),
    }
}

/// Every subscription of the app, page by page like any other list (`into_stream()` would
/// yield them one by one).
async fn all_subscriptions(app: &AppApi) -> Result<Vec<EventSubSubscription>> {
    let mut all = Vec::new();
    let mut pages = app.get_eventsub_subscriptions().paginate();
    while let Some(page) = pages.next_page().await? {
        let total = pages.total().unwrap_or_default();
        println!("  page of {} (total {total})", page.len());
        all.extend(page);
    }
    Ok(all)
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
