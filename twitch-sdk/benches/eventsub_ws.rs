//! EventSub WebSocket throughput on loopback; BENCHMARKS.md reports the figures.
//!
//! A small tokio-tungstenite server in this file (on its own thread and runtime) welcomes each
//! connection and then pushes prepared notification frames as fast as the socket takes them:
//! Twitch's `channel.chat.message` and `stream.online` examples, alternating, each with its own
//! message id. Two consumers read the same frames:
//! - `client`: [`EventSubWebSocket`], everything a user gets: the reader task, the envelope,
//!   the dedupe store, the typed `Notification`, the item channel;
//! - `floor`: a raw tokio-tungstenite client and serde_json into plain structs (the envelope
//!   with the payload kept raw, then the payload into the plain struct its subscription type
//!   names), with no dedupe and no channel;
//! - `decode`: the floor's socket and envelope, then the SDK's `Notification::from_payload`:
//!   what lies between it and `client` is the tasks, channels and dedupe, and between it and
//!   `floor` the typed decoding.
//!
//! Each round connects, reads `MESSAGES` notifications and closes. The consumer runs on a
//! current-thread runtime on the main thread, so that thread's CPU time (from the scheduler's
//! accounting, as in `benches/runtime.rs`) is everything the consumer spent, and the server's
//! work is not in it. Figures: events per second of wall time and CPU time per event, each the
//! median of the rounds, and the ratios to the floor. The client keeps one dedupe store over
//! all rounds, as a long-running client does (full at 100,000 ids after five rounds).
//!
//! `cargo bench -p twitch-sdk --bench eventsub_ws [-- --quick] [--only client|decode|floor]`

use std::hint::black_box;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};
use twitch_sdk::eventsub::{Event, EventSubItem, EventSubWebSocket, MemoryDedupe, Notification};
use twitch_sdk::mock::MockServer;
use twitch_sdk::models::Timestamp;
use twitch_sdk::{Client, UserApi, UserToken};

mod common;
use common::{PlainNotification, thread_cpu};

/// Notifications per round.
const MESSAGES: usize = 20_000;

const CHAT: &str = include_str!("../../spec/examples/eventsub/channel.chat.message.v1.json");
const ONLINE: &str = include_str!("../../spec/examples/eventsub/stream.online.v1.json");

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    // `--only client|decode|floor`: one side alone, for a profiler.
    let only = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|at| args.get(at + 1).cloned());
    let rounds = if quick { 3 } else { 9 };
    let (addr, helix) = start_servers();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let user = runtime.block_on(user_api(&helix));
    let url = format!("ws://{addr}/ws");
    // One store for every round, as a long-running client has: after five rounds it holds its
    // 100,000 ids and forgets the oldest for each new one.
    let dedupe = Arc::new(MemoryDedupe::new());
    let frames = frames(1);
    println!(
        "eventsub_ws: {MESSAGES} notifications per round (chat {} bytes, online {} bytes), {rounds} rounds",
        frames[0].len(),
        frames[1].len()
    );
    // One round each first, so every side starts warm (connections, allocator, page cache).
    runtime.block_on(client_round(&user, &url, &dedupe));
    runtime.block_on(raw_round(&url, Side::SdkDecode));
    runtime.block_on(raw_round(&url, Side::Floor));
    let (mut client, mut decode, mut floor) = (Vec::new(), Vec::new(), Vec::new());
    // Interleaved, so a change in the machine's load touches every side alike.
    for _ in 0..rounds {
        if only.as_deref().is_none_or(|o| o == "client") {
            client.push(runtime.block_on(client_round(&user, &url, &dedupe)));
        }
        if only.as_deref().is_none_or(|o| o == "decode") {
            decode.push(runtime.block_on(raw_round(&url, Side::SdkDecode)));
        }
        if only.as_deref().is_none_or(|o| o == "floor") {
            floor.push(runtime.block_on(raw_round(&url, Side::Floor)));
        }
    }
    if only.is_some() {
        for (name, figures) in [("client", &client), ("decode", &decode), ("floor", &floor)] {
            if !figures.is_empty() {
                Figures::median(figures).print(name);
            }
        }
        return;
    }
    let client = Figures::median(&client);
    let decode = Figures::median(&decode);
    let floor = Figures::median(&floor);
    client.print("client (EventSubWebSocket, typed items)");
    decode.print("raw socket + the SDK's decode");
    floor.print("floor (tokio-tungstenite + serde_json)");
    for (name, side) in [("client", client), ("raw socket + SDK decode", decode)] {
        println!(
            "  {name} / floor: {:.2}x CPU per event, {:.2}x events/s",
            side.cpu_per_event / floor.cpu_per_event,
            side.per_second / floor.per_second
        );
    }
}

/// One round's figures.
#[derive(Clone, Copy)]
struct Figures {
    per_second: f64,
    cpu_per_event: f64,
}

impl Figures {
    fn of(wall: Duration, cpu: Duration) -> Figures {
        Figures {
            per_second: MESSAGES as f64 / wall.as_secs_f64(),
            cpu_per_event: cpu.as_secs_f64() / MESSAGES as f64,
        }
    }

    fn median(rounds: &[Figures]) -> Figures {
        let middle = |mut v: Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        Figures {
            per_second: middle(rounds.iter().map(|f| f.per_second).collect()),
            cpu_per_event: middle(rounds.iter().map(|f| f.cpu_per_event).collect()),
        }
    }

    fn print(&self, name: &str) {
        println!(
            "  {name:<40} {:>10.0} events/s  {:>7.2} µs CPU per event",
            self.per_second,
            self.cpu_per_event * 1e6
        );
    }
}

/// A round through [`EventSubWebSocket`]: connect, welcome, `MESSAGES` typed notifications.
async fn client_round(user: &UserApi, url: &str, dedupe: &Arc<MemoryDedupe>) -> Figures {
    let (wall, cpu) = (Instant::now(), thread_cpu());
    let mut events = EventSubWebSocket::builder(user.clone())
        .url(url)
        .dedupe(dedupe.clone())
        .start()
        .await
        .expect("start");
    let mut seen = 0;
    while seen < MESSAGES {
        match events.next_item().await.expect("stream ended") {
            EventSubItem::Notification(n) => {
                assert!(!matches!(n.event, Event::Unknown { .. }), "{:?}", n.event);
                black_box(&n);
                seen += 1;
            }
            EventSubItem::Connected { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    drop(events);
    Figures::of(wall.elapsed(), thread_cpu() - cpu)
}

/// What a raw socket's round decodes into.
#[derive(Clone, Copy, PartialEq)]
enum Side {
    /// Plain structs: the floor.
    Floor,
    /// The SDK's `Notification::from_payload`: splits the client's cost into its decoding and
    /// the rest (tasks, channels, dedupe).
    SdkDecode,
}

/// A round through a raw tokio-tungstenite socket: the envelope with its payload kept raw,
/// then the payload decoded as `side` says.
async fn raw_round(url: &str, side: Side) -> Figures {
    let at = Timestamp::parse("2023-11-06T18:11:47.492253549Z").expect("timestamp");
    let (wall, cpu) = (Instant::now(), thread_cpu());
    let (mut socket, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("connect");
    let mut seen = 0;
    while seen < MESSAGES {
        let Message::Text(text) = socket.next().await.expect("open").expect("read") else {
            continue;
        };
        let envelope: PlainEnvelope<'_> = serde_json::from_str(&text).expect("envelope");
        if envelope.metadata.message_type != "notification" {
            continue;
        }
        let payload = envelope.payload.expect("payload").get();
        let metadata = envelope.metadata;
        match (side, metadata.subscription_type.as_deref()) {
            (Side::SdkDecode, _) => {
                let n = Notification::from_payload(metadata.message_id, at, payload.as_bytes());
                black_box(Box::new(n.expect("decodes")));
            }
            (Side::Floor, Some("channel.chat.message")) => {
                plain::<PlainChatMessage>(&metadata, payload);
            }
            (Side::Floor, Some("stream.online")) => plain::<PlainOnline>(&metadata, payload),
            (_, other) => panic!("unexpected {other:?}"),
        }
        seen += 1;
    }
    let _ = socket.close(None).await;
    Figures::of(wall.elapsed(), thread_cpu() - cpu)
}

fn plain<E: for<'de> Deserialize<'de>>(metadata: &PlainMetadata, payload: &str) {
    let notification: PlainNotification<E> = serde_json::from_str(payload).expect("payload");
    black_box((&metadata.message_id, &metadata.message_timestamp));
    black_box(&notification);
}

/// Starts the frame server and the Helix stand-in (for the user token) on a thread of their
/// own: `(frame server address, Helix stand-in)`.
fn start_servers() -> (SocketAddr, MockServer) {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("server runtime");
        runtime.block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            let mock = MockServer::start().await;
            tx.send((listener.local_addr().expect("addr"), mock))
                .expect("main thread");
            let mut round = 0;
            loop {
                let (stream, _) = listener.accept().await.expect("accept");
                round += 1;
                tokio::spawn(push(stream, round));
            }
        });
    });
    rx.recv().expect("servers")
}

/// Welcomes one connection, pushes `MESSAGES` notifications, then reads until the client
/// closes.
async fn push(stream: tokio::net::TcpStream, round: u64) {
    let _ = stream.set_nodelay(true);
    let mut socket = tokio_tungstenite::accept_async(stream)
        .await
        .expect("handshake");
    let welcome = format!(
        r#"{{"metadata":{{"message_id":"welcome-{round}","message_type":"session_welcome","message_timestamp":"2023-11-06T18:11:47.492253549Z"}},"payload":{{"session":{{"id":"bench-session-{round}","status":"connected","connected_at":"2023-11-06T18:11:47.492253549Z","keepalive_timeout_seconds":600,"reconnect_url":null}}}}}}"#
    );
    let frames = frames(round);
    let mut sent = socket.feed(Message::text(welcome)).await;
    for frame in frames {
        if sent.is_err() {
            return;
        }
        sent = socket.feed(Message::Text(frame)).await;
    }
    let _ = socket.flush().await;
    while let Some(Ok(_)) = socket.next().await {}
}

/// The `MESSAGES` notification frames of a round: chat and online alternating, each with a
/// message id of its own (distinct across rounds too).
fn frames(round: u64) -> Vec<Utf8Bytes> {
    let payloads = [CHAT, ONLINE].map(|example| {
        let value: Value = serde_json::from_str(example).expect("example");
        let kind = value["subscription"]["type"]
            .as_str()
            .expect("type")
            .to_owned();
        (kind, serde_json::to_string(&value).expect("json"))
    });
    (0..MESSAGES)
        .map(|n| {
            let (kind, payload) = &payloads[n % 2];
            Utf8Bytes::from(format!(
                r#"{{"metadata":{{"message_id":"bench-{round:06}-{n:08}","message_type":"notification","message_timestamp":"2023-11-06T18:11:47.492253549Z","subscription_type":"{kind}","subscription_version":"1"}},"payload":{payload}}}"#
            ))
        })
        .collect()
}

/// A user handle with a token the stand-in issued.
async fn user_api(mock: &MockServer) -> UserApi {
    let (access, _) = mock.issue_user_token(
        "141981764",
        "twitchdev",
        &[],
        Duration::from_secs(24 * 3600),
    );
    Client::builder()
        .helix_url(mock.helix_url())
        .oauth_url(mock.oauth_url())
        .build()
        .expect("client")
        .user(UserToken::new(mock.client_id(), access.as_str()))
        .await
        .expect("user")
}

// ---------------------------------------------------------------------------------------------
// The floor's plain structs: the same fields the SDK's models read, as plain strings.

#[derive(Deserialize)]
struct PlainEnvelope<'a> {
    metadata: PlainMetadata,
    #[serde(borrow)]
    payload: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct PlainMetadata {
    message_id: String,
    message_type: String,
    message_timestamp: String,
    #[serde(default)]
    subscription_type: Option<String>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct PlainChatMessage {
    broadcaster_user_id: String,
    broadcaster_user_login: String,
    broadcaster_user_name: String,
    chatter_user_id: String,
    chatter_user_login: String,
    chatter_user_name: String,
    message_id: String,
    message: PlainChatText,
    color: String,
    badges: Vec<PlainBadge>,
    message_type: String,
    cheer: Option<Value>,
    reply: Option<Value>,
    channel_points_custom_reward_id: Option<String>,
    source_broadcaster_user_id: Option<String>,
    source_broadcaster_user_login: Option<String>,
    source_broadcaster_user_name: Option<String>,
    source_message_id: Option<String>,
    source_badges: Option<Vec<PlainBadge>>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct PlainChatText {
    text: String,
    fragments: Vec<PlainFragment>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct PlainFragment {
    #[serde(rename = "type")]
    kind: String,
    text: String,
    cheermote: Option<Value>,
    emote: Option<Value>,
    mention: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct PlainBadge {
    set_id: String,
    id: String,
    info: String,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct PlainOnline {
    id: String,
    broadcaster_user_id: String,
    broadcaster_user_login: String,
    broadcaster_user_name: String,
    #[serde(rename = "type")]
    kind: String,
    started_at: String,
}
