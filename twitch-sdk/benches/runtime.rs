//! Runtime benchmarks of twitch-sdk; BENCHMARKS.md explains each figure.
//!
//! - `overhead`: client CPU time per `get_users` call against a loopback server answering Twitch's
//!   documented `get-users` body: twitch-sdk vs the raw floor (one reqwest client + serde_json
//!   into a hand-written struct) [vs `twitch_api`].
//! - `decode`: decoding the documented example payloads and a 100-item page: twitch-sdk's decode
//!   path into its models vs serde_json into plain structs [vs `twitch_api`'s `parse_response`];
//!   and four documented EventSub notifications: `Notification::from_payload` (typed `Event`)
//!   vs plain structs of the one known type [vs `twitch_api`'s `eventsub::Event::parse`].
//! - `paging`: the heap high-water mark while streaming 10,000 items with `into_stream` (from
//!   the stand-in server), against one page and against collecting everything.
//! - `ratelimit`: 50 tasks calling as fast as they can against the stand-in's bucket of 800
//!   points per 30-second window (a minute sped up 2x): share of the budget used, 429s seen.
//!
//! `cargo bench -p twitch-sdk --bench runtime [-- --quick] [-- --json PATH]` runs the twitch-sdk
//! sides. `cargo xtask bench-runtime` builds this same file in a scratch project that also depends
//! on `twitch_api` from crates.io (setting `--cfg bench_twitch_api`) and runs all sides together.
//!
//! Plain `std::time` loops instead of criterion: nothing extra to build in CI, and the figures
//! wanted here (thread CPU time, heap peaks, 429 counts) are not what criterion measures.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::future::Future;
use std::hint::black_box;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::Deserialize;
use serde_json::{Value, json};
use twitch_sdk::__bench::endpoint;
use twitch_sdk::endpoint::Endpoint;
use twitch_sdk::mock::MockServer;
use twitch_sdk::{Client, ClientCredentials};

mod common;
use common::{PlainNotification, thread_cpu};

// ---------------------------------------------------------------------------------------------
// A heap counter for the threads that ask for it (the client's, not the stand-in server's): live
// bytes, and the high-water mark while `PEAKS` is on.

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);
static PEAKS: AtomicBool = AtomicBool::new(false);

thread_local! {
    static TRACKED: Cell<bool> = const { Cell::new(false) };
}

fn tracked() -> bool {
    TRACKED.try_with(Cell::get).unwrap_or(false)
}

fn grew(by: isize) {
    if !tracked() {
        return;
    }
    let live = LIVE.fetch_add(by, Relaxed) + by;
    if PEAKS.load(Relaxed) {
        PEAK.fetch_max(live, Relaxed);
    }
}

// SAFETY: every call goes straight to `System`; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size() as isize);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        grew(-(layout.size() as isize));
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            grew(new_size as isize - layout.size() as isize);
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Starts recording this thread's high-water mark; returns its live bytes now.
fn peak_start() -> isize {
    TRACKED.with(|t| t.set(true));
    let live = LIVE.load(Relaxed);
    PEAK.store(live, Relaxed);
    PEAKS.store(true, Relaxed);
    live
}

/// Stops recording; returns the high-water mark above `base`.
fn peak_stop(base: isize) -> isize {
    PEAKS.store(false, Relaxed);
    PEAK.load(Relaxed) - base
}

// ---------------------------------------------------------------------------------------------
// Payloads: Twitch's documented examples (spec/examples) and a 100-item page built from one.

const USERS: &str = include_str!("../../spec/examples/get-users.json");
const STREAMS: &str = include_str!("../../spec/examples/get-streams.json");
const VIDEOS: &str = include_str!("../../spec/examples/get-videos.json");
const CLIPS: &str = include_str!("../../spec/examples/get-clips.json");
const CHANNELS: &str = include_str!("../../spec/examples/get-channel-information.json");

/// `count` streams (the documented one with distinct ids and counts), with a cursor.
fn stream_items(count: usize) -> Vec<Value> {
    let example: Value = serde_json::from_str(STREAMS).expect("example JSON");
    let item = example["data"][0].clone();
    (0..count)
        .map(|i| {
            let mut it = item.clone();
            it["id"] = json!(format!("{}", 40_000_000_000u64 + i as u64));
            it["user_id"] = json!(format!("{}", 100_000 + i));
            it["viewer_count"] = json!(78_365 - i as i64);
            it
        })
        .collect()
}

fn page_of(items: Vec<Value>) -> String {
    json!({ "data": items, "pagination": { "cursor": "eyJiIjp7IkN1cnNvciI6IjEwMCJ9fQ" } })
        .to_string()
}

// Plain structs: what a hand-written client would deserialize into (timestamps as strings).

#[derive(Deserialize)]
struct PlainPage<T> {
    data: Vec<T>,
    #[serde(default)]
    pagination: Option<PlainPagination>,
}

#[derive(Deserialize)]
struct PlainPagination {
    #[serde(default)]
    cursor: Option<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainUser {
    id: String,
    login: String,
    display_name: String,
    #[serde(rename = "type")]
    kind: String,
    broadcaster_type: String,
    description: String,
    profile_image_url: String,
    offline_image_url: String,
    #[serde(default)]
    email: Option<String>,
    created_at: String,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainStream {
    id: String,
    user_id: String,
    user_login: String,
    user_name: String,
    game_id: String,
    game_name: String,
    #[serde(rename = "type")]
    kind: String,
    title: String,
    tags: Vec<String>,
    viewer_count: u64,
    started_at: String,
    language: String,
    thumbnail_url: String,
    is_mature: bool,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainVideo {
    id: String,
    stream_id: Option<String>,
    user_id: String,
    user_login: String,
    user_name: String,
    title: String,
    description: String,
    created_at: String,
    published_at: String,
    url: String,
    thumbnail_url: String,
    viewable: String,
    view_count: u64,
    language: String,
    #[serde(rename = "type")]
    kind: String,
    duration: String,
    muted_segments: Option<Vec<PlainSegment>>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainSegment {
    duration: u64,
    offset: u64,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainClip {
    id: String,
    url: String,
    embed_url: String,
    broadcaster_id: String,
    broadcaster_name: String,
    creator_id: String,
    creator_name: String,
    video_id: String,
    game_id: String,
    language: String,
    title: String,
    view_count: u64,
    created_at: String,
    thumbnail_url: String,
    duration: f64,
    vod_offset: Option<u64>,
    is_featured: bool,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainChannel {
    broadcaster_id: String,
    broadcaster_login: String,
    broadcaster_name: String,
    broadcaster_language: String,
    game_id: String,
    game_name: String,
    title: String,
    delay: u64,
    tags: Vec<String>,
    content_classification_labels: Vec<String>,
    is_branded_content: bool,
}

fn plain<T: for<'de> Deserialize<'de>>(body: &[u8]) -> usize {
    let page: PlainPage<T> = serde_json::from_slice(body).expect("plain decode");
    page.data.len()
        + page
            .pagination
            .and_then(|p| p.cursor)
            .map_or(0, |c| c.len())
}

fn sdk_list<T: serde::de::DeserializeOwned>(endpoint: &Endpoint, body: &[u8]) -> usize {
    twitch_sdk::__bench::list::<T>(endpoint, body)
        .expect("sdk decode")
        .len()
}

fn sdk_page<T: serde::de::DeserializeOwned>(endpoint: &Endpoint, body: &[u8]) -> usize {
    let (items, cursor) = twitch_sdk::__bench::page::<T>(endpoint, body).expect("sdk decode");
    items.len() + cursor.map_or(0, |c| c.len())
}

// ---------------------------------------------------------------------------------------------
// EventSub notifications: Twitch's documented examples (spec/examples/eventsub), decoded into the
// typed `Notification` and into plain structs with the same fields.

const ES_CHAT: &str = include_str!("../../spec/examples/eventsub/channel.chat.message.v1.json");
const ES_FOLLOW: &str = include_str!("../../spec/examples/eventsub/channel.follow.v2.json");
const ES_ONLINE: &str = include_str!("../../spec/examples/eventsub/stream.online.v1.json");
const ES_SUBSCRIBE: &str = include_str!("../../spec/examples/eventsub/channel.subscribe.v1.json");

#[derive(Deserialize)]
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
    cheer: Option<PlainCheer>,
    reply: Option<PlainReply>,
    channel_points_custom_reward_id: Option<String>,
    source_broadcaster_user_id: Option<String>,
    source_broadcaster_user_login: Option<String>,
    source_broadcaster_user_name: Option<String>,
    source_message_id: Option<String>,
    source_badges: Option<Vec<PlainBadge>>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainChatText {
    text: String,
    fragments: Vec<PlainFragment>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainFragment {
    #[serde(rename = "type")]
    kind: String,
    text: String,
    cheermote: Option<PlainCheermote>,
    emote: Option<PlainEmote>,
    mention: Option<PlainMention>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainCheermote {
    prefix: String,
    bits: u64,
    tier: u64,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainEmote {
    id: String,
    emote_set_id: String,
    owner_id: String,
    format: Vec<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainMention {
    user_id: String,
    user_name: String,
    user_login: String,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainBadge {
    set_id: String,
    id: String,
    info: String,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainCheer {
    bits: u64,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainReply {
    parent_message_id: String,
    parent_message_body: String,
    parent_user_id: String,
    parent_user_name: String,
    parent_user_login: String,
    thread_message_id: String,
    thread_user_id: String,
    thread_user_name: String,
    thread_user_login: String,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainFollow {
    user_id: String,
    user_login: String,
    user_name: String,
    broadcaster_user_id: String,
    broadcaster_user_login: String,
    broadcaster_user_name: String,
    followed_at: String,
}

#[derive(Deserialize)]
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

#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainSubscribe {
    user_id: String,
    user_login: String,
    user_name: String,
    broadcaster_user_id: String,
    broadcaster_user_login: String,
    broadcaster_user_name: String,
    tier: String,
    is_gift: bool,
}

fn plain_notification<E: for<'de> Deserialize<'de>>(body: &[u8]) -> usize {
    let n: PlainNotification<E> = serde_json::from_slice(body).expect("plain decode");
    black_box(&n.event);
    n.subscription.id.len()
}

/// twitch-sdk's decode of a notification (the message id and timestamp are what a transport
/// hands over with the payload).
fn sdk_notification(body: &[u8]) -> usize {
    static AT: LazyLock<twitch_models::Timestamp> = LazyLock::new(|| {
        twitch_models::Timestamp::parse("2023-11-06T18:11:47.492253549Z").expect("timestamp")
    });
    let n = twitch_sdk::eventsub::Notification::from_payload(
        "befa7b53-d79d-478f-86b9-120f112b044e",
        *AT,
        body,
    )
    .expect("sdk decode");
    assert!(
        !matches!(n.event, twitch_sdk::eventsub::Event::Unknown { .. }),
        "decoded as Unknown"
    );
    black_box(&n.event);
    n.subscription.id.len()
}

// ---------------------------------------------------------------------------------------------
// Measuring.

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    if v.is_empty() { 0.0 } else { v[v.len() / 2] }
}

/// A figure with one value per side.
struct Figure {
    key: String,
    title: String,
    unit: &'static str,
    sides: Vec<(&'static str, f64)>,
    chart: bool,
}

impl Figure {
    fn json(&self) -> Value {
        let sides: serde_json::Map<String, Value> = self
            .sides
            .iter()
            .map(|(s, v)| ((*s).to_owned(), json!(v)))
            .collect();
        json!({ "key": self.key, "title": self.title, "unit": self.unit, "sides": sides, "chart": self.chart })
    }

    fn print(&self) {
        let base = self
            .sides
            .iter()
            .find(|(s, _)| *s == "twitch-sdk")
            .map(|s| s.1);
        let cells: Vec<String> = self
            .sides
            .iter()
            .map(|(side, v)| match base {
                Some(b) if *side != "twitch-sdk" && *v > 0.0 => {
                    format!("{side} {v:.2} {} (sdk/this {:.2}x)", self.unit, b / v)
                }
                _ => format!("{side} {v:.2} {}", self.unit),
            })
            .collect();
        println!("{:<44} {}", self.title, cells.join(" | "));
    }
}

// ---------------------------------------------------------------------------------------------
// The loopback server for the overhead figure: minimal HTTP/1.1 with keep-alive, one thread per
// connection, answering Helix paths with the `get-users` example and realistic rate-limit headers,
// and the OAuth token path with a token.

const BUCKET: u64 = 100_000_000;
static SPENT: AtomicU64 = AtomicU64::new(0);
static RESET: LazyLock<u64> = LazyLock::new(|| {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
        + 3600
});

fn serve(listener: TcpListener) {
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let _ = connection(stream);
            });
        }
    });
}

fn connection(stream: TcpStream) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    let mut line = String::new();
    let mut out = Vec::with_capacity(2048);
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let path = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
        let mut length = 0usize;
        loop {
            line.clear();
            if reader.read_line(&mut line)? == 0 {
                return Ok(());
            }
            if line == "\r\n" || line == "\n" {
                break;
            }
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        let answer = if path.starts_with("/oauth2/token") {
            r#"{"access_token":"benchtoken","expires_in":5000000,"token_type":"bearer"}"#
        } else if path.starts_with("/oauth2/validate") {
            r#"{"client_id":"bench-client","scopes":[],"expires_in":5000000}"#
        } else {
            USERS
        };
        // A bucket that never runs dry during the run (the figure is about CPU, not waiting),
        // counted down and reset like Helix's.
        let remaining = BUCKET - SPENT.fetch_add(1, Relaxed).min(BUCKET - 1) - 1;
        out.clear();
        write!(
            out,
            "HTTP/1.1 200 OK\r\ncontent-type: application/json; charset=utf-8\r\n\
             content-length: {}\r\nratelimit-limit: {BUCKET}\r\nratelimit-remaining: {remaining}\r\n\
             ratelimit-reset: {}\r\n\r\n",
            answer.len(),
            *RESET,
        )?;
        out.extend_from_slice(answer.as_bytes());
        writer.write_all(&out)?;
    }
}

type CallFuture<'a> = Pin<Box<dyn Future<Output = usize> + 'a>>;

/// One side of the overhead figure: makes one `get_users` call.
trait Caller {
    fn call(&self) -> CallFuture<'_>;
}

struct Sdk(twitch_sdk::AppApi);

impl Caller for Sdk {
    fn call(&self) -> CallFuture<'_> {
        Box::pin(async move {
            let users = self
                .0
                .get_users()
                .user_logins(["twitchdev"])
                .await
                .expect("sdk call");
            black_box(users).len()
        })
    }
}

struct Floor {
    http: reqwest::Client,
    url: String,
}

impl Caller for Floor {
    fn call(&self) -> CallFuture<'_> {
        Box::pin(async move {
            let response = self
                .http
                .get(&self.url)
                .header("authorization", "Bearer benchtoken")
                .header("client-id", "bench-client")
                .send()
                .await
                .expect("floor call");
            assert!(response.status().is_success());
            let body = response.bytes().await.expect("floor body");
            let page: PlainPage<PlainUser> = serde_json::from_slice(&body).expect("floor decode");
            black_box(page.data).len()
        })
    }
}

fn overhead(quick: bool, only_side: Option<&str>, addr: SocketAddr, figures: &mut Vec<Figure>) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let client = Client::builder()
        .helix_url(format!("http://{addr}/helix"))
        .oauth_url(format!("http://{addr}/oauth2"))
        .build()
        .expect("client");
    let app = rt
        .block_on(client.app(ClientCredentials::new("bench-client", "bench-secret")))
        .expect("app token");
    let mut sides: Vec<(&'static str, Box<dyn Caller>)> = vec![
        ("twitch-sdk", Box::new(Sdk(app))),
        (
            "floor",
            Box::new(Floor {
                http: reqwest::Client::new(),
                url: format!("http://{addr}/helix/users?login=twitchdev"),
            }),
        ),
    ];
    #[cfg(bench_twitch_api)]
    sides.push(("twitch_api", Box::new(twitch_api_side::Api::new())));
    // `--side NAME` keeps one side, for profiling it alone.
    sides.retain(|(name, _)| only_side.is_none_or(|s| s == *name));
    let sides = &mut sides;

    let (rounds, calls) = if quick { (3, 300) } else { (7, 2000) };
    let mut cpu: Vec<Vec<f64>> = vec![Vec::new(); sides.len()];
    let mut wall: Vec<Vec<f64>> = vec![Vec::new(); sides.len()];
    for (_, side) in sides.iter() {
        rt.block_on(async {
            for _ in 0..200 {
                side.call().await;
            }
        });
    }
    for _ in 0..rounds {
        for (i, (_, side)) in sides.iter().enumerate() {
            let (c0, w0) = (thread_cpu(), Instant::now());
            rt.block_on(async {
                for _ in 0..calls {
                    side.call().await;
                }
            });
            let (c, w) = (thread_cpu() - c0, w0.elapsed());
            cpu[i].push(c.as_secs_f64() * 1e6 / calls as f64);
            wall[i].push(w.as_secs_f64() * 1e6 / calls as f64);
        }
    }
    let names: Vec<&'static str> = sides.iter().map(|(n, _)| *n).collect();
    figures.push(Figure {
        key: "overhead_cpu".into(),
        title: "client CPU per get_users call".into(),
        unit: "us",
        sides: names
            .iter()
            .zip(&cpu)
            .map(|(n, v)| (*n, median(v.clone())))
            .collect(),
        chart: true,
    });
    figures.push(Figure {
        key: "overhead_wall".into(),
        title: "wall time per get_users call (loopback)".into(),
        unit: "us",
        sides: names
            .iter()
            .zip(&wall)
            .map(|(n, v)| (*n, median(v.clone())))
            .collect(),
        chart: false,
    });
}

// ---------------------------------------------------------------------------------------------

type Decoder = Box<dyn Fn(&[u8]) -> usize>;

/// One decode figure: key, title, body, and a decoder per side.
type Case = (
    &'static str,
    &'static str,
    String,
    Vec<(&'static str, Decoder)>,
);

/// A decode figure for an EventSub notification example: twitch-sdk's `Notification` against
/// `plain` (serde_json into plain structs of that one type).
fn eventsub_case(
    key: &'static str,
    title: &'static str,
    example: &str,
    plain: fn(&[u8]) -> usize,
) -> Case {
    // Compact, as Twitch sends it.
    let body: Value = serde_json::from_str(example).expect("example JSON");
    (
        key,
        title,
        body.to_string(),
        vec![
            ("twitch-sdk", Box::new(sdk_notification)),
            ("plain", Box::new(plain)),
        ],
    )
}

fn decode(quick: bool, figures: &mut Vec<Figure>) {
    use twitch_models as m;
    let page100 = page_of(stream_items(100));
    let cases: Vec<Case> = vec![
        (
            "users",
            "get-users example",
            USERS.to_owned(),
            vec![
                ("twitch-sdk", {
                    let e = endpoint("get-users");
                    Box::new(move |b| sdk_list::<m::UserInfo>(e, b))
                }),
                ("plain", Box::new(plain::<PlainUser>)),
            ],
        ),
        (
            "streams",
            "get-streams example",
            STREAMS.to_owned(),
            vec![
                ("twitch-sdk", {
                    let e = endpoint("get-streams");
                    Box::new(move |b| sdk_page::<m::StreamInfo>(e, b))
                }),
                ("plain", Box::new(plain::<PlainStream>)),
            ],
        ),
        (
            "videos",
            "get-videos example",
            VIDEOS.to_owned(),
            vec![
                ("twitch-sdk", {
                    let e = endpoint("get-videos");
                    Box::new(move |b| sdk_page::<m::Video>(e, b))
                }),
                ("plain", Box::new(plain::<PlainVideo>)),
            ],
        ),
        (
            "clips",
            "get-clips example",
            CLIPS.to_owned(),
            vec![
                ("twitch-sdk", {
                    let e = endpoint("get-clips");
                    Box::new(move |b| sdk_page::<m::Clip>(e, b))
                }),
                ("plain", Box::new(plain::<PlainClip>)),
            ],
        ),
        (
            "channels",
            "get-channel-information example",
            CHANNELS.to_owned(),
            vec![
                ("twitch-sdk", {
                    let e = endpoint("get-channel-information");
                    Box::new(move |b| sdk_list::<m::ChannelInfo>(e, b))
                }),
                ("plain", Box::new(plain::<PlainChannel>)),
            ],
        ),
        (
            "page100",
            "get-streams page of 100",
            page100,
            vec![
                ("twitch-sdk", {
                    let e = endpoint("get-streams");
                    Box::new(move |b| sdk_page::<m::StreamInfo>(e, b))
                }),
                ("plain", Box::new(plain::<PlainStream>)),
            ],
        ),
        eventsub_case(
            "es_chat",
            "channel.chat.message v1 notification",
            ES_CHAT,
            plain_notification::<PlainChatMessage>,
        ),
        eventsub_case(
            "es_follow",
            "channel.follow v2 notification",
            ES_FOLLOW,
            plain_notification::<PlainFollow>,
        ),
        eventsub_case(
            "es_online",
            "stream.online v1 notification",
            ES_ONLINE,
            plain_notification::<PlainOnline>,
        ),
        eventsub_case(
            "es_subscribe",
            "channel.subscribe v1 notification",
            ES_SUBSCRIBE,
            plain_notification::<PlainSubscribe>,
        ),
    ];
    #[cfg(bench_twitch_api)]
    let cases = twitch_api_side::add_decoders(cases);

    let (rounds, budget) = if quick {
        (3, Duration::from_millis(30))
    } else {
        (9, Duration::from_millis(150))
    };
    for (key, title, body, sides) in cases {
        let body = body.into_bytes();
        let mut times: Vec<Vec<f64>> = vec![Vec::new(); sides.len()];
        for (_, f) in &sides {
            assert!(f(&body) > 0, "{key}: nothing decoded");
        }
        for _ in 0..rounds {
            for (i, (_, f)) in sides.iter().enumerate() {
                let start = Instant::now();
                let mut n = 0u64;
                while start.elapsed() < budget {
                    for _ in 0..16 {
                        black_box(f(black_box(&body)));
                    }
                    n += 16;
                }
                times[i].push(start.elapsed().as_secs_f64() * 1e9 / n as f64);
            }
        }
        figures.push(Figure {
            key: format!("decode_{key}"),
            title: format!("decode {title}"),
            unit: "ns",
            sides: sides
                .iter()
                .zip(times)
                .map(|((n, _), t)| (*n, median(t)))
                .collect(),
            chart: key == "page100" || key == "users",
        });
    }
}

// ---------------------------------------------------------------------------------------------

async fn next<S: futures_core::Stream + Unpin>(s: &mut S) -> Option<S::Item> {
    std::future::poll_fn(|cx| Pin::new(&mut *s).poll_next(cx)).await
}

fn paging(report: &mut Value) {
    // The stand-in runs on a thread of its own, so only the client's heap is counted.
    let (urls, stop) = (
        std::sync::mpsc::channel(),
        Arc::new(tokio::sync::Notify::new()),
    );
    let server = {
        let (tx, stop) = (urls.0, stop.clone());
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                let mock = MockServer::builder()
                    .without_rate_limit()
                    .items("get-streams", stream_items(10_000))
                    .start()
                    .await
                    .expect("mock");
                let urls = (
                    mock.helix_url(),
                    mock.oauth_url(),
                    mock.client_id().to_owned(),
                    mock.client_secret().to_owned(),
                );
                tx.send(urls).expect("send");
                stop.notified().await;
            });
        })
    };
    let (helix, oauth, id, secret) = urls.1.recv().expect("stand-in started");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let client = Client::builder()
            .helix_url(helix)
            .oauth_url(oauth)
            .build()
            .expect("client");
        let app = client
            .app(ClientCredentials::new(id, secret))
            .await
            .expect("app token");
        // Warm up the connection and anything built lazily.
        let _ = app.get_streams().limit(200).await.expect("warm-up");

        let base = peak_start();
        let page = app
            .get_streams()
            .paginate()
            .next_page()
            .await
            .expect("page")
            .unwrap_or_default();
        let one_page_items = page.len();
        drop(page);
        let one_page = peak_stop(base);

        let mut streamed = Vec::new();
        for limit in [1_000usize, 10_000] {
            let base = peak_start();
            let mut stream = Box::pin(app.get_streams().limit(limit).into_stream());
            let mut count = 0usize;
            while let Some(item) = next(&mut stream).await {
                black_box(item.expect("stream item"));
                count += 1;
            }
            drop(stream);
            streamed.push((count, peak_stop(base)));
        }

        let base = peak_start();
        let all = app.get_streams().limit(10_000).await.expect("collect");
        let collected_items = all.len();
        drop(all);
        let collected = peak_stop(base);

        let mib = |b: isize| b as f64 / (1024.0 * 1024.0);
        println!(
            "paging (client heap high-water mark): one page of {one_page_items} {:.2} MiB; streaming {} items {:.2} MiB, {} items {:.2} MiB; collecting {collected_items} {:.2} MiB",
            mib(one_page),
            streamed[0].0,
            mib(streamed[0].1),
            streamed[1].0,
            mib(streamed[1].1),
            mib(collected)
        );
        report["paging"] = json!({
            "one_page": { "items": one_page_items, "peak_bytes": one_page },
            "stream_1000": { "items": streamed[0].0, "peak_bytes": streamed[0].1 },
            "stream_10000": { "items": streamed[1].0, "peak_bytes": streamed[1].1 },
            "collect_all": { "items": collected_items, "peak_bytes": collected },
        });
    });
    stop.notify_one();
    let _ = server.join();
}

// ---------------------------------------------------------------------------------------------

fn ratelimit(quick: bool, report: &mut Value) {
    const POINTS: u32 = 800;
    const TASKS: usize = 50;
    // Two full windows, then the first call of a third marks the end of the second.
    let window = Duration::from_secs(if quick { 5 } else { 30 });
    let target = (POINTS * 2) as usize + 1;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let mock = MockServer::builder()
            .rate_limit(POINTS, window)
            .start()
            .await
            .expect("mock");
        let client = Client::builder()
            .helix_url(mock.helix_url())
            .oauth_url(mock.oauth_url())
            .build()
            .expect("client");
        let app = client
            .app(ClientCredentials::new(mock.client_id(), mock.client_secret()))
            .await
            .expect("app token");
        let done: Arc<Mutex<Vec<Instant>>> = Arc::new(Mutex::new(Vec::with_capacity(target + TASKS)));
        let errors = Arc::new(Mutex::new(Vec::<String>::new()));
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| {
                let (app, done, errors) = (app.clone(), done.clone(), errors.clone());
                tokio::spawn(async move {
                    loop {
                        if done.lock().unwrap().len() >= target {
                            return;
                        }
                        match app.get_users().user_logins(["twitchdev"]).await {
                            Ok(_) => done.lock().unwrap().push(Instant::now()),
                            Err(e) => {
                                errors.lock().unwrap().push(e.to_string());
                                return;
                            }
                        }
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.expect("task");
        }
        let mut times = done.lock().unwrap().clone();
        times.sort();
        let requests = mock.requests();
        let helix: Vec<_> = requests.iter().filter(|r| r.path.starts_with("/helix")).collect();
        let too_many = helix.iter().filter(|r| r.status == Some(429)).count();
        // Each window's calls come in a burst; a gap of a quarter window starts the next one.
        let mut windows: Vec<(Instant, usize)> = Vec::new();
        for (i, t) in times.iter().enumerate() {
            if i == 0 || t.duration_since(times[i - 1]) > window / 4 {
                windows.push((*t, 0));
            }
            if let Some(w) = windows.last_mut() {
                w.1 += 1;
            }
        }
        // Sustained use: the calls of every complete window against what the budget allows
        // from the first window's start to the last one's.
        let full = &windows[..windows.len() - 1];
        let calls: usize = full.iter().map(|w| w.1).sum();
        let span = windows[windows.len() - 1].0.duration_since(windows[0].0).as_secs_f64();
        let budget = span / window.as_secs_f64() * POINTS as f64;
        let used = calls as f64 / budget;
        let errors = errors.lock().unwrap().clone();
        let starts: Vec<String> = windows
            .iter()
            .map(|w| format!("{:.2}s:{}", w.0.duration_since(windows[0].0).as_secs_f64(), w.1))
            .collect();
        println!(
            "ratelimit: {TASKS} tasks, {POINTS} points per {window:?}: windows (start:calls) {}; {calls} calls in {span:.2} s where the budget allows {budget:.0} = {:.1}% used; {too_many} 429s; {} errors {:?}",
            starts.join(" "),
            used * 100.0,
            errors.len(),
            errors.first()
        );
        report["ratelimit"] = json!({
            "points": POINTS,
            "window_s": window.as_secs_f64(),
            "tasks": TASKS,
            "windows": starts,
            "calls_in_full_windows": calls,
            "helix_requests": helix.len(),
            "span_s": span,
            "budget_used": used,
            "status_429": too_many,
            "errors": errors.len(),
        });
    });
}

// ---------------------------------------------------------------------------------------------

#[cfg(bench_twitch_api)]
mod twitch_api_side {
    //! The `twitch_api` sides; compiled only in the scratch project `cargo xtask bench-runtime`
    //! writes (this workspace never depends on `twitch_api`).
    use super::{CallFuture, Caller, Case, Decoder, black_box};
    use twitch_api::HelixClient;
    use twitch_api::helix::RequestGet;
    use twitch_api::twitch_oauth2::{AccessToken, AppAccessToken, ClientId, ClientSecret};

    pub struct Api {
        client: HelixClient<'static, reqwest::Client>,
        token: AppAccessToken,
    }

    impl Api {
        pub fn new() -> Api {
            Api {
                client: HelixClient::with_client(reqwest::Client::new()),
                token: AppAccessToken::from_existing_unchecked(
                    AccessToken::new("benchtoken".to_owned()),
                    None,
                    ClientId::new("bench-client".to_owned()),
                    ClientSecret::new("bench-secret".to_owned()),
                    None,
                    None,
                ),
            }
        }
    }

    impl Caller for Api {
        fn call(&self) -> CallFuture<'_> {
            Box::pin(async move {
                let user = self
                    .client
                    .get_user_from_login("twitchdev", &self.token)
                    .await
                    .expect("twitch_api call");
                usize::from(black_box(user).is_some())
            })
        }
    }

    /// `twitch_api`'s decode of `body` (shared, not copied per call: what its client hands over).
    fn parser<R: RequestGet>(body: &str) -> Decoder
    where
        R::Response: 'static,
    {
        let uri: http::Uri = "http://127.0.0.1/helix/x".parse().unwrap();
        let body = bytes::Bytes::from(body.to_owned());
        Box::new(move |_| {
            let response = http::Response::new(body.clone());
            let parsed = R::parse_response(None, &uri, response).expect("twitch_api decode");
            black_box(&parsed.data);
            1
        })
    }

    /// `twitch_api`'s decode of an EventSub notification body (`eventsub::Event::parse`, which
    /// reads the subscription's type and version from the body).
    fn eventsub_parser(body: &str) -> Decoder {
        let body = body.to_owned();
        Box::new(move |_| {
            let event = twitch_api::eventsub::Event::parse(&body).expect("twitch_api decode");
            usize::from(black_box(&event).is_notification())
        })
    }

    pub fn add_decoders(mut cases: Vec<Case>) -> Vec<Case> {
        use twitch_api::helix::{channels, clips, streams, users, videos};
        for (key, _, body, sides) in &mut cases {
            let f: Decoder = match *key {
                "users" => parser::<users::GetUsersRequest<'static>>(body),
                "streams" | "page100" => parser::<streams::GetStreamsRequest<'static>>(body),
                "videos" => parser::<videos::GetVideosRequest<'static>>(body),
                "clips" => parser::<clips::GetClipsRequest<'static>>(body),
                "channels" => parser::<channels::GetChannelInformationRequest<'static>>(body),
                k if k.starts_with("es_") => eventsub_parser(body),
                _ => continue,
            };
            sides.push(("twitch_api", f));
        }
        cases
    }
}

fn machine() -> Value {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_default();
    let rustc = std::process::Command::new("rustc")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    json!({
        "nproc": std::thread::available_parallelism().map_or(0, usize::from),
        "cpu": cpu,
        "rustc": rustc,
    })
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    let json_path = args
        .iter()
        .position(|a| a == "--json")
        .and_then(|i| args.get(i + 1).cloned());
    let only: Vec<&str> = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .map(|s| s.split(',').collect())
        .unwrap_or_default();
    let wants = |what: &str| only.is_empty() || only.contains(&what);
    let side = args
        .iter()
        .position(|a| a == "--side")
        .and_then(|i| args.get(i + 1))
        .map(String::as_str);

    // Bound before any other thread exists: `twitch_api` reads its base URL from the environment.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let addr = listener.local_addr().expect("address");
    #[cfg(bench_twitch_api)]
    // SAFETY: no other thread runs yet.
    unsafe {
        std::env::set_var("TWITCH_HELIX_URL", format!("http://{addr}/helix/"));
    }
    let _ = rustls::crypto::ring::default_provider().install_default();
    serve(listener);

    let mut report = json!({ "machine": machine(), "quick": quick });
    let mut figures = Vec::new();
    if wants("overhead") {
        overhead(quick, side, addr, &mut figures);
    }
    if wants("decode") {
        decode(quick, &mut figures);
    }
    for f in &figures {
        f.print();
    }
    report["figures"] = Value::Array(figures.iter().map(Figure::json).collect());
    if wants("paging") {
        paging(&mut report);
    }
    if wants("ratelimit") {
        ratelimit(quick, &mut report);
    }
    if let Some(path) = json_path {
        let text = serde_json::to_string_pretty(&report).expect("JSON");
        std::fs::write(&path, text + "\n").expect("write the results");
        println!("saved {path}");
    }
}
