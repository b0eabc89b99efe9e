//! Conduit shards over WebSocket against the stand-in: `ensure_conduit` is idempotent, a runner
//! assigns its shards to its sessions, assigns them again after a drop (new session id),
//! events reach the shard the broadcaster hashes to, and two runners split one conduit.

use crate::support;

use std::collections::HashMap;
use std::time::Duration;

use serde_json::json;
use twitch_sdk::AppApi;
use twitch_sdk::eventsub::{ConduitShards, Event, EventStream, EventSubItem, ensure_conduit};
use twitch_sdk::mock::MockServer;
use twitch_sdk::models::EventSubTransport;

const SECOND: Duration = Duration::from_millis(50);

async fn next(events: &mut EventStream) -> EventSubItem {
    match tokio::time::timeout(Duration::from_secs(10), events.next_item()).await {
        Ok(Some(item)) => item,
        other => panic!("no item: {other:?}"),
    }
}

fn runner(
    mock: &MockServer,
    app: &AppApi,
    conduit: &str,
    shards: std::ops::Range<u32>,
) -> ConduitShards {
    ConduitShards::builder(app.clone(), conduit, shards)
        .url(mock.eventsub_url())
        .protocol_second(SECOND)
        .backoff(Duration::from_millis(5), Duration::from_millis(50))
}

/// Reads until each shard in `want` was assigned and connected: `shard -> session`.
async fn assigned(events: &mut EventStream, want: usize) -> HashMap<String, String> {
    let mut shards = HashMap::new();
    let mut connected = 0;
    while shards.len() < want || connected < want {
        match next(events).await {
            EventSubItem::ShardAssigned {
                shard_id,
                session_id,
            } => {
                shards.insert(shard_id, session_id);
            }
            EventSubItem::Connected { .. } | EventSubItem::Reconnected { .. } => connected += 1,
            EventSubItem::Disconnected { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    shards
}

#[tokio::test]
async fn shards_are_assigned_reassigned_and_split_between_runners() {
    let mock = MockServer::builder()
        .eventsub_second(SECOND)
        .start()
        .await
        .unwrap();
    let app = support::app(&mock).await;
    let conduit = ensure_conduit(&app, 4).await.unwrap();
    assert_eq!(conduit.shard_count, 4);
    let again = ensure_conduit(&app, 4).await.unwrap();
    assert_eq!(again.id, conduit.id, "idempotent");
    assert_eq!(app.get_conduits().await.unwrap().len(), 1);
    let resized = ensure_conduit(&app, 3).await.unwrap();
    assert_eq!(
        (resized.id.as_str(), resized.shard_count),
        (conduit.id.as_str(), 3)
    );
    let conduit = ensure_conduit(&app, 4).await.unwrap();

    // Subscriptions for eight broadcasters, made once by the app, through the conduit.
    for n in 0..8 {
        app.create_eventsub_subscription(
            "stream.online",
            "1",
            EventSubTransport::conduit(&conduit.id),
            json!({"broadcaster_user_id": n.to_string()}),
        )
        .await
        .unwrap();
    }

    // Two runners ("processes") split the conduit: shards 0..2 and 2..4.
    let mut low = runner(&mock, &app, &conduit.id, 0..2)
        .start()
        .await
        .unwrap();
    let mut high = runner(&mock, &app, &conduit.id, 2..4)
        .start()
        .await
        .unwrap();
    let low_shards = assigned(&mut low, 2).await;
    let high_shards = assigned(&mut high, 2).await;
    let mut ids: Vec<&String> = low_shards.keys().chain(high_shards.keys()).collect();
    ids.sort();
    assert_eq!(ids, ["0", "1", "2", "3"]);
    let shards = app
        .get_conduit_shards(&conduit.id)
        .limit(100)
        .await
        .unwrap();
    assert!(
        shards.iter().all(|s| s.status.as_str() == "enabled"),
        "{shards:?}"
    );

    // Events for many broadcasters spread over both runners, each delivered once.
    let example = json!({
        "id": "9001", "broadcaster_user_id": "0", "broadcaster_user_login": "x",
        "broadcaster_user_name": "X", "type": "live", "started_at": "2020-10-11T10:11:12.123Z",
    });
    let mut sent = 0;
    for n in 0..40 {
        let mut event = example.clone();
        event["broadcaster_user_id"] = json!((n % 8).to_string());
        sent += mock.eventsub().emit("stream.online", "1", event).len();
    }
    assert_eq!(sent, 40);
    let (mut got_low, mut got_high) = (0, 0);
    while got_low + got_high < 40 {
        tokio::select! {
            item = low.next_item() => { assert_online(item); got_low += 1 }
            item = high.next_item() => { assert_online(item); got_high += 1 }
        }
    }
    assert!(got_low > 0 && got_high > 0, "{got_low} / {got_high}");

    // A dropped shard session comes back with a new session id and is assigned again.
    let (shard, old_session) = low_shards.iter().next().unwrap();
    assert!(mock.eventsub().drop_connection(old_session));
    let reassigned = loop {
        match next(&mut low).await {
            EventSubItem::ShardAssigned {
                shard_id,
                session_id,
            } if &shard_id == shard => break session_id,
            EventSubItem::Disconnected { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    };
    assert_ne!(&reassigned, old_session);
    let shards = app
        .get_conduit_shards(&conduit.id)
        .limit(100)
        .await
        .unwrap();
    let now = shards.iter().find(|s| &s.id == shard).unwrap();
    assert_eq!(
        now.transport.session_id.as_deref(),
        Some(reassigned.as_str())
    );
    assert_eq!(now.status.as_str(), "enabled");
}

fn assert_online(item: Option<EventSubItem>) {
    match item {
        Some(EventSubItem::Notification(n)) => {
            assert!(matches!(n.event, Event::StreamOnlineV1(_)), "{:?}", n.event)
        }
        other => panic!("expected a notification, got {other:?}"),
    }
}

#[tokio::test]
async fn a_bad_range_is_refused() {
    let mock = MockServer::start().await;
    let app = support::app(&mock).await;
    let error = runner(&mock, &app, "c", 3..3).start().await.unwrap_err();
    assert!(error.to_string().contains("at least one shard"), "{error}");
}

/// Twitch disables a shard while its session stays up. The runner that owns it assigns it to
/// the same session again: told by `conduit.shard.disabled` when the notification reaches it,
/// or by its periodic Get Conduit Shards check when the notification went to another runner,
/// which leaves that shard alone.
#[tokio::test]
async fn a_disabled_shard_is_assigned_again_by_its_own_runner_only() {
    let mock = MockServer::builder()
        .eventsub_second(SECOND)
        .start()
        .await
        .unwrap();
    let app = support::app(&mock).await;
    let conduit = ensure_conduit(&app, 4).await.unwrap();
    app.create_eventsub_subscription(
        "conduit.shard.disabled",
        "1",
        EventSubTransport::conduit(&conduit.id),
        json!({"client_id": mock.client_id(), "conduit_id": conduit.id}),
    )
    .await
    .unwrap();
    // `low` learns only from notifications; `high` only from its check.
    let mut low = runner(&mock, &app, &conduit.id, 0..2)
        .shard_check(None)
        .start()
        .await
        .unwrap();
    let mut high = runner(&mock, &app, &conduit.id, 2..4)
        .shard_check(Some(Duration::from_millis(200)))
        .start()
        .await
        .unwrap();
    let low_shards = assigned(&mut low, 2).await;
    let high_shards = assigned(&mut high, 2).await;

    // The stand-in sends `conduit.shard.disabled` (no broadcaster to hash) on shard 1, which
    // `low` runs. Shard 0 is `low`'s too: it comes back on the same session.
    assert!(mock.eventsub().disable_shard(&conduit.id, "0"));
    let (disabled, session) = reassigned(&mut low, "0").await;
    assert!(disabled.notified, "the notification reached the stream");
    assert_eq!(disabled.session_id.as_ref(), Some(&low_shards["0"]));
    assert_eq!(session, low_shards["0"]);

    // Shard 3 is `high`'s: `low` reads the notification and leaves the shard alone.
    assert!(mock.eventsub().disable_shard(&conduit.id, "3"));
    match next(&mut low).await {
        EventSubItem::Notification(n) => match &n.event {
            Event::ConduitShardDisabledV1(e) => assert_eq!(e.shard_id, "3"),
            other => panic!("unexpected {other:?}"),
        },
        other => panic!("unexpected {other:?}"),
    }
    let (disabled, session) = reassigned(&mut high, "3").await;
    assert!(!disabled.notified, "high never saw the notification");
    assert_eq!(disabled.status, "websocket_disconnected");
    assert_eq!(session, high_shards["3"]);
    let quiet = tokio::time::timeout(Duration::from_millis(300), low.next_item()).await;
    assert!(quiet.is_err(), "low did something: {quiet:?}");

    let shards = app
        .get_conduit_shards(&conduit.id)
        .limit(100)
        .await
        .unwrap();
    for shard in &shards {
        assert_eq!(shard.status.as_str(), "enabled", "{shard:?}");
        let owner = low_shards.get(&shard.id).or(high_shards.get(&shard.id));
        assert_eq!(shard.transport.session_id.as_ref(), owner, "{shard:?}");
    }
}

/// What a runner reported about a disabled shard before assigning it again.
struct Disabled {
    /// Whether the `conduit.shard.disabled` notification came first.
    notified: bool,
    session_id: Option<String>,
    status: String,
}

/// Reads until `shard` was reported disabled and assigned again: the report and the session.
async fn reassigned(events: &mut EventStream, shard: &str) -> (Disabled, String) {
    let mut notified = false;
    let mut disabled = None;
    loop {
        match next(events).await {
            EventSubItem::Notification(n) => match &n.event {
                Event::ConduitShardDisabledV1(e) if e.shard_id == shard => notified = true,
                other => panic!("unexpected {other:?}"),
            },
            EventSubItem::ShardDisabled {
                shard_id,
                session_id,
                status,
            } if shard_id == shard => {
                disabled = Some(Disabled {
                    notified,
                    session_id,
                    status,
                });
            }
            EventSubItem::ShardAssigned {
                shard_id,
                session_id,
            } if shard_id == shard => {
                let disabled = disabled.expect("ShardDisabled before ShardAssigned");
                return (disabled, session_id);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
