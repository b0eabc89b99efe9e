//! EventSub over WebSocket against the stand-in (`twitch_sdk::mock`): welcome and subscribe,
//! keepalive death, reconnect handovers, drops and resubscription, revocations, duplicates,
//! client-side limits, token refresh, and the stand-in's own protocol rules (4001, 4002, 4003,
//! 4004, 4007). Protocol seconds are compressed to [`SECOND`] so nothing sleeps for long.

use crate::support;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use twitch_sdk::Error;
use twitch_sdk::UserApi;
use twitch_sdk::eventsub::{Event, EventStream, EventSubItem, EventSubWebSocket};
use twitch_sdk::mock::{MockServer, Reply};

use support::{USER_ID, client, refreshable, user};

/// One protocol second: Twitch's 10-second keepalive and subscribe window become 0.5 s.
const SECOND: Duration = Duration::from_millis(50);
/// A type the SDK does not know: its events arrive as `Event::Unknown` with the JSON.
const TICK: &str = "test.tick";

async fn mock() -> MockServer {
    MockServer::builder()
        .eventsub_second(SECOND)
        .start()
        .await
        .unwrap()
}

/// A stand-in that pings every two protocol seconds and closes (4002) when a pong is missing.
async fn pinging_mock() -> MockServer {
    MockServer::builder()
        .eventsub_second(SECOND)
        .eventsub_pings(2)
        .start()
        .await
        .unwrap()
}

fn session(mock: &MockServer, api: UserApi) -> EventSubWebSocket {
    EventSubWebSocket::builder(api)
        .url(mock.eventsub_url())
        .protocol_second(SECOND)
        .backoff(Duration::from_millis(5), Duration::from_millis(50))
}

fn tick_condition() -> Value {
    json!({"broadcaster_user_id": USER_ID})
}

/// The next item, failing the test after `limit`.
async fn next(events: &mut EventStream, limit: Duration) -> EventSubItem {
    match tokio::time::timeout(limit, events.next_item()).await {
        Ok(Some(item)) => item,
        Ok(None) => panic!("the stream ended"),
        Err(_) => panic!("no item within {limit:?}"),
    }
}

/// Items until one matches `want`; the skipped ones are returned too.
async fn until(
    events: &mut EventStream,
    want: impl Fn(&EventSubItem) -> bool,
) -> (EventSubItem, Vec<EventSubItem>) {
    let mut skipped = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        assert!(
            Instant::now() < deadline,
            "not seen within 20 s; got {} other items",
            skipped.len()
        );
        let item = next(events, Duration::from_secs(10)).await;
        if want(&item) {
            return (item, skipped);
        }
        skipped.push(item);
    }
}

fn connected_id(item: &EventSubItem) -> String {
    match item {
        EventSubItem::Connected { session_id } | EventSubItem::Reconnected { session_id, .. } => {
            session_id.clone()
        }
        other => panic!("expected a connection, got {other:?}"),
    }
}

/// The sequence number a tick carries.
fn tick_seq(item: &EventSubItem) -> Option<u64> {
    let EventSubItem::Notification(n) = item else {
        return None;
    };
    match &n.event {
        Event::Unknown { raw, .. } => raw["seq"].as_u64(),
        _ => None,
    }
}

fn emit_tick(mock: &MockServer, seq: u64) -> usize {
    let event = json!({"broadcaster_user_id": USER_ID, "seq": seq});
    mock.eventsub().emit(TICK, "1", event).len()
}

async fn ticking(mock: &MockServer) -> (UserApi, EventStream, String) {
    let (api, _) = user(mock, &[]).await;
    let mut events = session(mock, api.clone())
        .subscribe(TICK, "1", tick_condition())
        .start()
        .await
        .unwrap();
    let first = next(&mut events, Duration::from_secs(10)).await;
    let id = connected_id(&first);
    (api, events, id)
}

fn enabled_on(mock: &MockServer, session_id: &str) -> usize {
    mock.eventsub()
        .subscriptions()
        .iter()
        .filter(|s| s["status"] == "enabled" && s["transport"]["session_id"] == session_id)
        .count()
}

#[tokio::test]
async fn welcome_subscribe_deliver_and_no_keepalive_false_alarm() {
    let mock = mock().await;
    let (_api, mut events, id) = ticking(&mock).await;
    assert_eq!(enabled_on(&mock, &id), 1);
    let sub = &mock.eventsub().subscriptions()[0];
    assert_eq!(
        sub["cost"], 0,
        "a subscription about the token's own user is free"
    );
    assert_eq!(emit_tick(&mock, 7), 1);
    let item = next(&mut events, Duration::from_secs(5)).await;
    assert_eq!(tick_seq(&item), Some(7), "{item:?}");
    let EventSubItem::Notification(n) = item else {
        unreachable!()
    };
    assert_eq!(n.subscription.r#type, TICK);
    assert_eq!(
        n.subscription.transport.session_id.as_deref(),
        Some(id.as_str())
    );
    // Three keepalive periods of silence: keepalives arrive, nothing reconnects.
    tokio::time::sleep(SECOND * 30).await;
    assert_eq!(emit_tick(&mock, 8), 1);
    let item = next(&mut events, Duration::from_secs(5)).await;
    assert_eq!(tick_seq(&item), Some(8), "{item:?}");
    assert_eq!(mock.eventsub().sessions(), vec![id]);
}

#[tokio::test]
async fn a_thousand_handovers_lose_and_duplicate_nothing() {
    let mock = mock().await;
    let (_api, mut events, id) = ticking(&mock).await;
    let emitter = {
        let es = mock.eventsub();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let task = tokio::spawn(async move {
            let mut sent = Vec::new();
            let mut seq = 0u64;
            while !flag.load(std::sync::atomic::Ordering::Relaxed) {
                // Bursts of four every millisecond or so: events in flight at every moment
                // of every handover.
                for _ in 0..4 {
                    let event = json!({"broadcaster_user_id": USER_ID, "seq": seq});
                    if !es.emit(TICK, "1", event).is_empty() {
                        sent.push(seq);
                    }
                    seq += 1;
                }
                tokio::time::sleep(Duration::from_micros(500)).await;
            }
            sent
        });
        (stop, task)
    };
    let mut seen = Vec::new();
    // `EVENTSUB_HANDOVERS` shortens the run when looking into a failure.
    let handovers: usize = std::env::var("EVENTSUB_HANDOVERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1000);
    let started = Instant::now();
    for round in 0..handovers {
        assert!(mock.eventsub().reconnect(&id), "round {round}");
        let (item, skipped) = until(&mut events, |i| {
            matches!(i, EventSubItem::Reconnected { handover: true, .. })
        })
        .await;
        assert_eq!(connected_id(&item), id, "a handover keeps the session id");
        for item in skipped {
            let seq = tick_seq(&item).unwrap_or_else(|| panic!("round {round}: {item:?}"));
            seen.push(seq);
        }
    }
    emitter.0.store(true, std::sync::atomic::Ordering::Relaxed);
    let sent = emitter.1.await.unwrap();
    let last = *sent.last().unwrap();
    while !seen.contains(&last) {
        let item = next(&mut events, Duration::from_secs(5)).await;
        seen.push(tick_seq(&item).unwrap_or_else(|| panic!("{item:?}")));
    }
    let unique: HashSet<u64> = seen.iter().copied().collect();
    assert_eq!(unique.len(), seen.len(), "duplicates delivered");
    let missing: Vec<u64> = sent
        .iter()
        .filter(|s| !unique.contains(s))
        .copied()
        .collect();
    assert!(
        missing.is_empty(),
        "lost {} events: {:?}",
        missing.len(),
        &missing[..missing.len().min(10)]
    );
    assert_eq!(unique.len(), sent.len());
    eprintln!(
        "{handovers} handovers, {} events, 0 lost, 0 duplicated, {:?}",
        sent.len(),
        started.elapsed()
    );
    assert_eq!(enabled_on(&mock, &id), 1);
}

#[tokio::test]
async fn keepalive_death_is_detected_then_the_subscriptions_are_recreated() {
    let mock = mock().await;
    let (_api, mut events, id) = ticking(&mock).await;
    // Let a keepalive arrive so the silence starts now.
    tokio::time::sleep(SECOND * 9).await;
    let stalled = Instant::now();
    assert!(mock.eventsub().stall(&id));
    let (item, _) = until(&mut events, |i| {
        matches!(i, EventSubItem::Disconnected { .. })
    })
    .await;
    let waited = stalled.elapsed();
    let EventSubItem::Disconnected { code, reason } = item else {
        unreachable!()
    };
    assert_eq!(code, None);
    assert!(reason.contains("keepalive"), "{reason}");
    assert!(
        waited <= SECOND * 11 + Duration::from_millis(150),
        "detected after {waited:?}, more than timeout + 1 s"
    );
    let (item, skipped) = until(&mut events, |i| {
        matches!(i, EventSubItem::Reconnected { .. })
    })
    .await;
    assert!(skipped.is_empty(), "{skipped:?}");
    let new_id = connected_id(&item);
    assert!(matches!(
        item,
        EventSubItem::Reconnected {
            handover: false,
            ..
        }
    ));
    assert_ne!(new_id, id);
    assert_eq!(
        enabled_on(&mock, &new_id),
        1,
        "resubscribed on the new session"
    );
    assert_eq!(emit_tick(&mock, 1), 1);
    assert_eq!(
        tick_seq(&next(&mut events, Duration::from_secs(5)).await),
        Some(1)
    );
}

#[tokio::test]
async fn drops_and_close_codes_reconnect_and_resubscribe() {
    let mock = mock().await;
    let (_api, mut events, mut id) = ticking(&mock).await;
    for (round, code) in [None, Some(4000), Some(4005), Some(4006)]
        .into_iter()
        .enumerate()
    {
        match code {
            None => assert!(mock.eventsub().drop_connection(&id)),
            Some(code) => assert!(mock.eventsub().close(&id, code)),
        }
        let (item, _) = until(&mut events, |i| {
            matches!(i, EventSubItem::Disconnected { .. })
        })
        .await;
        let EventSubItem::Disconnected { code: got, .. } = item else {
            unreachable!()
        };
        assert_eq!(got, code);
        let (item, _) = until(&mut events, |i| {
            matches!(i, EventSubItem::Reconnected { .. })
        })
        .await;
        let new_id = connected_id(&item);
        assert_ne!(new_id, id);
        let old = mock.eventsub().subscriptions();
        let old = old
            .iter()
            .find(|s| s["transport"]["session_id"] == id.as_str())
            .unwrap();
        assert_ne!(
            old["status"], "enabled",
            "the old session's subscription is disabled"
        );
        id = new_id;
        assert_eq!(enabled_on(&mock, &id), 1);
        assert_eq!(emit_tick(&mock, round as u64), 1);
        let (item, _) = until(&mut events, |i| tick_seq(i).is_some()).await;
        assert_eq!(tick_seq(&item), Some(round as u64));
    }
}

#[tokio::test]
async fn a_failed_resubscription_is_reported() {
    let mock = mock().await;
    let (_api, mut events, id) = ticking(&mock).await;
    mock.on("create-eventsub-subscription")
        .once()
        .reply(Reply::error(
            403,
            "subscription missing proper authorization",
        ));
    assert!(mock.eventsub().drop_connection(&id));
    let (item, _) = until(&mut events, |i| {
        matches!(i, EventSubItem::SubscribeFailed { .. })
    })
    .await;
    let EventSubItem::SubscribeFailed { request, error } = item else {
        unreachable!()
    };
    assert_eq!(request.r#type, TICK);
    assert!(matches!(error, Error::Forbidden { .. }), "{error}");
    let (item, _) = until(&mut events, |i| {
        matches!(i, EventSubItem::Reconnected { .. })
    })
    .await;
    assert!(matches!(
        item,
        EventSubItem::Reconnected {
            handover: false,
            ..
        }
    ));
}

#[tokio::test]
async fn revocations_reach_the_stream_and_are_not_recreated() {
    let mock = mock().await;
    let (api, _) = user(&mock, &[]).await;
    let mut events = session(&mock, api)
        .subscribe(TICK, "1", tick_condition())
        .subscribe("test.other", "1", tick_condition())
        .start()
        .await
        .unwrap();
    let id = connected_id(&next(&mut events, Duration::from_secs(10)).await);
    let subs = mock.eventsub().subscriptions();
    let other = subs.iter().find(|s| s["type"] == "test.other").unwrap();
    assert!(
        mock.eventsub()
            .revoke(other["id"].as_str().unwrap(), "authorization_revoked")
    );
    let item = next(&mut events, Duration::from_secs(5)).await;
    let EventSubItem::Revoked(revocation) = item else {
        panic!("{item:?}")
    };
    assert_eq!(revocation.subscription.status, "authorization_revoked");
    assert_eq!(revocation.subscription.r#type, "test.other");
    assert!(mock.eventsub().drop_connection(&id));
    let (item, _) = until(&mut events, |i| {
        matches!(i, EventSubItem::Reconnected { .. })
    })
    .await;
    let new_id = connected_id(&item);
    let on_new: Vec<Value> = mock
        .eventsub()
        .subscriptions()
        .into_iter()
        .filter(|s| s["transport"]["session_id"] == new_id.as_str())
        .collect();
    assert_eq!(on_new.len(), 1, "{on_new:?}");
    assert_eq!(on_new[0]["type"], TICK);
}

#[tokio::test]
async fn duplicate_deliveries_reach_the_user_once() {
    let mock = mock().await;
    let (_api, mut events, _id) = ticking(&mock).await;
    mock.eventsub().duplicate_next(10);
    for seq in 0..20 {
        assert_eq!(emit_tick(&mock, seq), 1);
    }
    for seq in 0..20 {
        let item = next(&mut events, Duration::from_secs(5)).await;
        assert_eq!(tick_seq(&item), Some(seq));
    }
    assert!(
        tokio::time::timeout(SECOND * 4, events.next_item())
            .await
            .is_err(),
        "nothing more"
    );
}

#[tokio::test]
async fn limits_are_refused_before_anything_is_sent() {
    let mock = mock().await;
    let (api, _) = user(&mock, &[]).await;
    let other = |n: usize| json!({"broadcaster_user_id": format!("9{n}")});
    let mut many = session(&mock, api.clone());
    for n in 0..301 {
        many = many.subscribe(TICK, "1", json!({"broadcaster_user_id": USER_ID, "n": n}));
    }
    let error = many.start().await.unwrap_err();
    assert!(matches!(&error, Error::InvalidArgument { .. }), "{error}");
    assert!(error.to_string().contains("300"), "{error}");
    let mut costly = session(&mock, api.clone());
    for n in 0..11 {
        costly = costly.subscribe(TICK, "1", other(n));
    }
    let error = costly.start().await.unwrap_err();
    assert!(error.to_string().contains("total cost"), "{error}");
    // Three connections may hold subscriptions; a fourth is refused; closing one frees a place.
    let mut open = Vec::new();
    for n in 0..3 {
        let events = session(&mock, api.clone())
            .subscribe(TICK, "1", other(n))
            .start()
            .await
            .unwrap();
        open.push(events);
    }
    let error = session(&mock, api.clone())
        .subscribe(TICK, "1", other(9))
        .start()
        .await
        .unwrap_err();
    assert!(error.to_string().contains("3 connections"), "{error}");
    let error = session(&mock, api.clone())
        .keepalive(5)
        .start()
        .await
        .unwrap_err();
    assert!(error.to_string().contains("10 to 600"), "{error}");
    let error = EventSubWebSocket::builder(api.clone())
        .url("ws://example.com/ws")
        .start()
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Config(_)), "{error}");
    drop(open.pop());
    let mut again = session(&mock, api.clone())
        .subscribe(TICK, "1", other(9))
        .start()
        .await
        .unwrap();
    connected_id(&next(&mut again, Duration::from_secs(10)).await);
}

#[tokio::test]
async fn an_expired_token_is_refreshed_and_the_session_survives() {
    let mock = mock().await;
    let (access, refresh) = support::issue(&mock, &[]);
    let api = client(&mock)
        .build()
        .unwrap()
        .user(refreshable(&mock, &access, &refresh))
        .await
        .unwrap();
    let mut events = session(&mock, api)
        .subscribe(TICK, "1", tick_condition())
        .start()
        .await
        .unwrap();
    let id = connected_id(&next(&mut events, Duration::from_secs(10)).await);
    assert!(mock.expire_token(&access));
    assert!(mock.eventsub().drop_connection(&id));
    let (item, skipped) = until(&mut events, |i| {
        matches!(i, EventSubItem::Reconnected { .. })
    })
    .await;
    assert!(
        !skipped
            .iter()
            .any(|i| matches!(i, EventSubItem::SubscribeFailed { .. })),
        "{skipped:?}"
    );
    assert_eq!(enabled_on(&mock, &connected_id(&item)), 1);
    assert_eq!(mock.oauth_counts().refresh, 1);
    assert_eq!(emit_tick(&mock, 3), 1);
    let (item, _) = until(&mut events, |i| tick_seq(i).is_some()).await;
    assert_eq!(tick_seq(&item), Some(3));
}

// ---- the stand-in's own rules, seen by raw WebSocket clients ----

type Raw =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn raw(url: &str) -> (Raw, Value) {
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let welcome = read_json(&mut ws).await;
    assert_eq!(welcome["metadata"]["message_type"], "session_welcome");
    (ws, welcome)
}

async fn read_json(ws: &mut Raw) -> Value {
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(text))) => return serde_json::from_str(&text).unwrap(),
            Some(Ok(_)) => {}
            other => panic!("expected a message, got {other:?}"),
        }
    }
}

/// Reads until the close frame and returns its code.
async fn close_code(ws: &mut Raw) -> Option<u16> {
    loop {
        match ws.next().await {
            Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
            Some(Ok(_)) => {}
            _ => return None,
        }
    }
}

#[tokio::test]
async fn the_stand_in_closes_unused_sessions_and_clients_that_talk() {
    let mock = mock().await;
    let (mut ws, welcome) = raw(&format!(
        "{}?keepalive_timeout_seconds=3",
        mock.eventsub_url()
    ))
    .await;
    assert_eq!(
        welcome["payload"]["session"]["keepalive_timeout_seconds"], 10,
        "out of range: the nearest valid value"
    );
    assert_eq!(close_code(&mut ws).await, Some(4003));

    let (mut ws, _) = raw(&format!(
        "{}?keepalive_timeout_seconds=30",
        mock.eventsub_url()
    ))
    .await;
    ws.send(Message::text("hello")).await.unwrap();
    assert_eq!(close_code(&mut ws).await, Some(4001));
}

/// A loopback server that answers every connection with `answer` and hands over the request
/// head it read.
async fn answering(answer: &'static str) -> (String, tokio::sync::mpsc::Receiver<String>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/ws", listener.local_addr().unwrap());
    let (heads, received) = tokio::sync::mpsc::channel(16);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut head = Vec::new();
            let mut buf = [0u8; 1024];
            while !head.ends_with(b"\r\n\r\n") {
                match stream.read(&mut buf).await {
                    Ok(n) if n > 0 => head.extend_from_slice(&buf[..n]),
                    _ => break,
                }
            }
            let _ = heads.try_send(String::from_utf8_lossy(&head).into_owned());
            let _ = stream.write_all(answer.as_bytes()).await;
            // Held open a while, so the client judges the answer and not a closed socket.
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    });
    (url, received)
}

#[tokio::test]
async fn a_server_that_does_not_speak_websocket_is_refused() {
    let mock = mock().await;
    let (api, _) = user(&mock, &[]).await;
    let cases = [
        (
            "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n",
            "the server answered 404 Not Found, not 101 Switching Protocols",
        ),
        (
            "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n\
             sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
            "Sec-WebSocket-Accept does not answer our key",
        ),
        (
            "HTTP/1.1 101 Switching Protocols\r\nupgrade: h2c\r\nconnection: upgrade\r\n\r\n",
            "switched protocols, but not to WebSocket",
        ),
    ];
    for (answer, reason) in cases {
        let (url, mut heads) = answering(answer).await;
        let mut events = EventSubWebSocket::builder(api.clone())
            .url(url)
            .protocol_second(SECOND)
            .backoff(Duration::from_secs(5), Duration::from_secs(5))
            .subscribe(TICK, "1", tick_condition())
            .start()
            .await
            .unwrap();
        let item = next(&mut events, Duration::from_secs(10)).await;
        let EventSubItem::Disconnected {
            code: None,
            reason: got,
        } = &item
        else {
            panic!("expected a refused connection, got {item:?}");
        };
        assert!(
            got.starts_with("connect failed: ") && got.contains(reason),
            "{got}"
        );
        // The request was a WebSocket opening handshake (RFC 6455, section 4.1).
        let head = heads.recv().await.unwrap().to_ascii_lowercase();
        assert!(head.starts_with("get /ws http/1.1\r\n"), "{head}");
        for line in [
            "upgrade: websocket",
            "connection: upgrade",
            "sec-websocket-version: 13",
        ] {
            assert!(head.contains(line), "{line} missing from {head}");
        }
        let key = head
            .lines()
            .find_map(|l| l.strip_prefix("sec-websocket-key: "))
            .unwrap_or_default();
        assert_eq!(key.len(), 24, "16 bytes in base64: {head}");
    }
}

#[tokio::test]
async fn a_slow_consumer_still_answers_pings() {
    let mock = pinging_mock().await;
    let (_api, mut events, id) = ticking(&mock).await;
    for seq in 0..500 {
        emit_tick(&mock, seq);
    }
    // The consumer looks away for twenty pings: the session keeps reading (and answering)
    // meanwhile, with the events waiting for the consumer.
    tokio::time::sleep(SECOND * 40).await;
    for seq in 0..500 {
        let item = next(&mut events, Duration::from_secs(10)).await;
        assert_eq!(tick_seq(&item), Some(seq), "{item:?}");
    }
    assert_eq!(mock.eventsub().sessions(), vec![id]);
}

#[tokio::test]
async fn the_stand_in_wants_pongs_and_a_move_after_reconnect() {
    let mock = pinging_mock().await;
    // A client that reads (and so answers pings) keeps its connection while subscribed.
    let (api, _) = user(&mock, &[]).await;
    let mut events = session(&mock, api)
        .subscribe(TICK, "1", tick_condition())
        .start()
        .await
        .unwrap();
    let id = connected_id(&next(&mut events, Duration::from_secs(10)).await);
    tokio::time::sleep(SECOND * 12).await;
    assert_eq!(mock.eventsub().sessions(), vec![id.clone()]);

    // A raw client that stops reading never answers: 4002.
    let (mut ws, _) = raw(&mock.eventsub_url()).await;
    tokio::time::sleep(SECOND * 5).await;
    assert_eq!(close_code(&mut ws).await, Some(4002));

    // Told to reconnect and never moving: 4004 after the grace time. The session needs a
    // subscription first, or 4003 comes sooner.
    let (mut ws, welcome) = raw(&mock.eventsub_url()).await;
    let raw_id = welcome["payload"]["session"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (access, _) = support::issue(&mock, &[]);
    let created = reqwest::Client::new()
        .post(format!("{}/eventsub/subscriptions", mock.helix_url()))
        .bearer_auth(&access)
        .header("Client-Id", mock.client_id())
        .json(
            &json!({"type": TICK, "version": "1", "condition": {"broadcaster_user_id": "5"},
            "transport": {"method": "websocket", "session_id": raw_id}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 202);
    assert!(mock.eventsub().reconnect(&raw_id));
    let message = read_json(&mut ws).await;
    assert_eq!(message["metadata"]["message_type"], "session_reconnect");
    let url = message["payload"]["session"]["reconnect_url"]
        .as_str()
        .unwrap();
    assert!(url.starts_with(&mock.eventsub_url()), "{url}");
    let sent = Instant::now();
    assert_eq!(close_code(&mut ws).await, Some(4004));
    assert!(sent.elapsed() >= SECOND * 29);
    // A reconnect URL for a session that is not reconnecting: 4007.
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    assert_eq!(close_code(&mut ws).await, Some(4007));
}

/// Drops, close codes, handovers, duplicates and a consumer that sometimes dawdles, in random
/// order; afterwards no event was delivered twice, the last one still arrives, and closing the
/// stream leaves no task behind.
async fn churn(rounds: usize, seed: u64) {
    // Thousands of resubscriptions would spend Helix's 800 points a minute and then wait for
    // the bucket, as they should; the soak is about the socket, so the bucket is off.
    let builder = MockServer::builder().eventsub_second(SECOND);
    let mock = builder.without_rate_limit().start().await.unwrap();
    let tasks_before = alive_tasks();
    let (api, mut events, _) = ticking(&mock).await;
    let mut random = support::seeded(seed);
    let mut seen = HashSet::new();
    let (mut drops, mut handovers, mut duplicates, mut delivered) = (0, 0, 0, 0usize);
    let mut seq = 0u64;
    // (round, live tasks, resident set) every tenth of the run.
    let mut samples = Vec::new();
    for round in 0..rounds {
        if round % (rounds / 10).max(1) == 0 {
            samples.push((round, alive_tasks(), resident_kib()));
        }
        let sessions = mock.eventsub().sessions();
        let Some(id) = sessions.last() else {
            // Between a drop and the reconnect: wait for the session to come back.
            let (item, _) = until(&mut events, |i| {
                matches!(i, EventSubItem::Reconnected { .. })
            })
            .await;
            connected_id(&item);
            continue;
        };
        match random(10) {
            0 => drops += usize::from(mock.eventsub().drop_connection(id)),
            1 => drops += usize::from(mock.eventsub().close(id, 4000)),
            2 | 3 => handovers += usize::from(mock.eventsub().reconnect(id)),
            4 => {
                mock.eventsub().duplicate_next(3);
                duplicates += 3;
            }
            _ => {}
        }
        for _ in 0..3 {
            emit_tick(&mock, seq);
            seq += 1;
        }
        if random(8) == 0 {
            tokio::time::sleep(Duration::from_millis(3)).await;
        }
        while let Ok(Some(item)) =
            tokio::time::timeout(Duration::from_millis(1), events.next_item()).await
        {
            if let Some(s) = tick_seq(&item) {
                assert!(seen.insert(s), "event {s} delivered twice");
                delivered += 1;
            }
        }
    }
    // The session settles (a live session with its subscription); one last event arrives.
    let settle_by = Instant::now() + Duration::from_secs(20);
    loop {
        let sessions = mock.eventsub().sessions();
        if sessions.len() == 1 && enabled_on(&mock, &sessions[0]) == 1 {
            break;
        }
        assert!(
            Instant::now() < settle_by,
            "no settled session: {sessions:?}"
        );
        let next = tokio::time::timeout(Duration::from_millis(5), events.next_item()).await;
        if let Some(s) = next.ok().flatten().as_ref().and_then(tick_seq) {
            assert!(seen.insert(s), "event {s} delivered twice");
        }
    }
    let last = seq + 1_000_000;
    while emit_tick(&mock, last) == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let (item, skipped) = until(&mut events, |i| tick_seq(i) == Some(last)).await;
    assert_eq!(tick_seq(&item), Some(last));
    for s in skipped.iter().filter_map(tick_seq) {
        assert!(seen.insert(s), "event {s} delivered twice");
    }
    samples.push((rounds, alive_tasks(), resident_kib()));
    eprintln!(
        "churn: {rounds} rounds, {drops} drops, {handovers} handovers, {duplicates} duplicates, \
         {seq} events emitted, {delivered} delivered once"
    );
    eprintln!("churn: tasks before {tasks_before}; (round, live tasks, RSS KiB): {samples:?}");
    // What the stand-in keeps on purpose (Twitch lists disabled subscriptions too), which the
    // RSS above includes.
    eprintln!(
        "churn: the stand-in holds {} subscriptions and {} logged requests",
        mock.eventsub().subscriptions().len(),
        mock.requests().len()
    );
    // Whatever the churn, the live tasks stay a handful: per session the client's session task,
    // at most three connections being read (active, pending, draining) and a connect attempt;
    // per stand-in connection its task and its writer. A leak grows with the rounds instead.
    let most = samples.iter().map(|s| s.1).max().unwrap_or(0);
    assert!(
        most <= tasks_before + 16,
        "live tasks reached {most} (from {tasks_before}): {samples:?}"
    );
    // Closing the stream and the API handle ends every client task, and with the connections
    // gone every stand-in connection task too.
    drop(events);
    drop(api);
    let mut tasks_after = usize::MAX;
    for _ in 0..100 {
        tasks_after = tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks();
        if tasks_after <= tasks_before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        tasks_after <= tasks_before,
        "tasks {tasks_before} -> {tasks_after}"
    );
}

fn alive_tasks() -> usize {
    tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks()
}

/// This process's resident set (Linux `/proc/self/statm`, pages of 4 KiB), 0 elsewhere.
fn resident_kib() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    pages * 4
}

#[tokio::test]
async fn short_churn_soak() {
    churn(300, 0x5eed_0001).await;
}

/// `cargo test -p twitch-sdk-tests --test it eventsub_ws:: -- --ignored --nocapture`
#[tokio::test]
#[ignore = "long soak; run by hand"]
async fn long_churn_soak() {
    churn(10_000, 0x5eed_0002).await;
}

/// A typed subscription is checked before connecting (scopes) and its token-user fields are
/// filled in: `channel.chat.message` needs `user:read:chat`, and `user_id` is the token's user.
#[tokio::test]
async fn typed_subscriptions_are_checked_and_filled_before_the_session_creates_them() {
    use twitch_sdk::eventsub::types::ChannelChatMessageV1;
    let mock = mock().await;

    let (unscoped, _) = user(&mock, &[]).await;
    let refused = session(&mock, unscoped).subscribe_to(ChannelChatMessageV1::new(USER_ID));
    let err = refused.expect_err("refused without the scope");
    assert!(err.is_missing_scope(), "{err}");
    assert!(
        mock.eventsub().subscriptions().is_empty(),
        "nothing was created"
    );

    let (api, _) = user(&mock, &["user:read:chat"]).await;
    let mut events = session(&mock, api)
        .subscribe_to(ChannelChatMessageV1::new("5678"))
        .unwrap()
        .start()
        .await
        .unwrap();
    let id = connected_id(&next(&mut events, Duration::from_secs(10)).await);
    let subs = mock.eventsub().subscriptions();
    assert_eq!(subs.len(), 1, "{subs:?}");
    assert_eq!(subs[0]["type"], "channel.chat.message");
    assert_eq!(subs[0]["transport"]["session_id"], id.as_str());
    assert_eq!(
        subs[0]["condition"],
        json!({"broadcaster_user_id": "5678", "user_id": USER_ID})
    );
}
