//! One conduit's shards split over two OS processes.
//!
//! ```sh
//! cargo run --example conduit_shards
//! ```
//!
//! The parent process starts the stand-in, makes sure the app has a conduit with four shards,
//! subscribes eight broadcasters' `stream.online` through it, and starts this program twice
//! more as workers: one runs shards 0..2, the other 2..4. Each worker opens a WebSocket session
//! per shard and assigns the shard to it. Once all four shards are enabled the parent emits 40
//! events; the stand-in (like Twitch) picks a shard per broadcaster, so each worker gets its
//! part, and together they get every event once. For real Twitch, run the workers on
//! different machines with the same conduit id.

use std::error::Error as StdError;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::json;
use twitch_sdk::eventsub::{ConduitShards, Event, EventSubItem, ensure_conduit};
use twitch_sdk::mock::MockServer;
use twitch_sdk::models::EventSubTransport;
use twitch_sdk::{AppApi, Client, ClientCredentials};

type Result<T> = std::result::Result<T, Box<dyn StdError + Send + Sync>>;

const EVENTS: usize = 40;

#[tokio::main]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("worker") => worker(&args[1..]).await,
        _ => parent().await,
    }
}

async fn app(helix: &str, oauth: &str) -> Result<AppApi> {
    let client = Client::builder()
        .helix_url(helix)
        .oauth_url(oauth)
        .build()?;
    let credentials = ClientCredentials::new(MockServer::CLIENT_ID, MockServer::CLIENT_SECRET);
    Ok(client.app(credentials).await?)
}

async fn parent() -> Result<()> {
    let mock = MockServer::start().await;
    let app = app(&mock.helix_url(), &mock.oauth_url()).await?;
    let conduit = ensure_conduit(&app, 4).await?;
    println!("conduit {} with {} shards", conduit.id, conduit.shard_count);
    for n in 0..8 {
        let condition = json!({"broadcaster_user_id": n.to_string()});
        let transport = EventSubTransport::conduit(&conduit.id);
        app.create_eventsub_subscription("stream.online", "1", transport, condition)
            .await?;
    }

    let exe = std::env::current_exe()?;
    let mut workers = Vec::new();
    for (start, end) in [(0, 2), (2, 4)] {
        let child = Command::new(&exe)
            .args([
                "worker",
                &mock.helix_url(),
                &mock.oauth_url(),
                &mock.eventsub_url(),
            ])
            .args([conduit.id.clone(), start.to_string(), end.to_string()])
            .stdout(Stdio::piped())
            .spawn()?;
        println!("started worker {} for shards {start}..{end}", child.id());
        workers.push(tokio::task::spawn_blocking(move || {
            child.wait_with_output()
        }));
    }

    // Wait until every shard points at a live session, then play the events.
    loop {
        let shards = app.get_conduit_shards(&conduit.id).limit(100).await?;
        if shards.iter().all(|s| s.status.as_str() == "enabled") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    println!("all shards enabled; emitting {EVENTS} events");
    for n in 0..EVENTS {
        let event = json!({
            "id": format!("stream-{n}"), "broadcaster_user_id": (n % 8).to_string(),
            "broadcaster_user_login": "b", "broadcaster_user_name": "B", "type": "live",
            "started_at": "2020-10-11T10:11:12.123Z",
        });
        mock.eventsub().emit("stream.online", "1", event);
    }

    let mut total = 0;
    for worker in workers {
        let output = worker.await??;
        let text = String::from_utf8_lossy(&output.stdout);
        print!("{text}");
        let received: usize = text
            .lines()
            .find_map(|l| l.strip_prefix("received "))
            .and_then(|n| n.split_whitespace().next()?.parse().ok())
            .ok_or("a worker did not report")?;
        total += received;
    }
    println!("{total} of {EVENTS} events received across both processes");
    if total != EVENTS {
        return Err(format!("expected {EVENTS} events, got {total}").into());
    }
    Ok(())
}

/// `worker <helix> <oauth> <eventsub> <conduit> <first shard> <end shard>`: runs the shards
/// until no event came for a second after the first one, then reports its count.
async fn worker(args: &[String]) -> Result<()> {
    let [helix, oauth, eventsub, conduit, start, end] = args else {
        return Err("worker <helix> <oauth> <eventsub> <conduit> <start> <end>".into());
    };
    let app = app(helix, oauth).await?;
    let range = start.parse()?..end.parse()?;
    let mut events = ConduitShards::builder(app, conduit, range)
        .url(eventsub)
        .start()
        .await?;
    let pid = std::process::id();
    let mut received = 0;
    let mut broadcasters = std::collections::BTreeSet::new();
    loop {
        let idle = if received == 0 { 30 } else { 1 };
        let item = tokio::time::timeout(Duration::from_secs(idle), events.next_item()).await;
        match item {
            Ok(Some(EventSubItem::Notification(n))) => {
                if let Event::StreamOnlineV1(online) = &n.event {
                    broadcasters.insert(online.broadcaster_user_id.clone());
                    received += 1;
                }
            }
            Ok(Some(EventSubItem::ShardAssigned { shard_id, .. })) => {
                println!("  [{pid}] shard {shard_id} assigned to this process");
            }
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => break,
        }
    }
    println!("  [{pid}] broadcasters {broadcasters:?}");
    println!("received {received} events in process {pid}");
    Ok(())
}
