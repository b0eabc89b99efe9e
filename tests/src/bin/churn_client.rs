//! `churn_client`: the EventSub WebSocket client of the churn soak, alone in its process, so
//! its memory and tasks can be measured apart from the stand-in's (tests/tests/it/eventsub_churn.rs
//! starts it).
//!
//! Configured through `CHURN_*` environment variables (see [`Config`]; the token comes from
//! the environment rather than the command line, and is never printed), it connects an
//! [`EventSubWebSocket`] to the stand-in, subscribes one type, and consumes the stream,
//! sleeping now and then when asked to be a slow consumer. It prints one line per item on
//! stdout, so the parent checks every delivery and keeps all bookkeeping in its own memory:
//!
//! ```text
//! connected <session id>
//! reconnected <session id> handover|drop
//! disconnected <close code or -> <reason>
//! event <seq> <message id>          a notification whose event carries a number `seq`
//! other <type> <message id>         any other notification
//! revoked <subscription id> <status>
//! failed <what>                      SubscribeFailed, Undecodable, shard items
//! sample <tag> {json}                the answer to `sample <tag>` on stdin
//!                                    (`pause <ms>` on stdin: the consumer stops that long)
//! closed {json}                      after stdin ends: the stream is dropped, tasks counted
//! ```
//!
//! A sample reports this process's resident set and its anonymous part (`Rss`, `Anonymous` from
//! `/proc/self/smaps_rollup`), its peak (`VmHWM` from `/proc/self/status`), its live tokio
//! tasks and the count of each item kind. The client's
//! errors (tracing, ERROR and above) go to stderr.
//!
//! `CHURN_LEAK_BYTES` is a test instrument: that many bytes are leaked per notification, so the
//! soak can show that its memory check catches a leak of that size.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::mpsc;
use tracing_subscriber::filter::LevelFilter;
use twitch_sdk::eventsub::{Event, EventSubItem, EventSubWebSocket, MemoryDedupe};
use twitch_sdk::{Client, UserToken};
use twitch_sdk_tests::child::{self, number, var};

/// What the parent test sets.
struct Config {
    /// `CHURN_HELIX`, `CHURN_OAUTH`, `CHURN_EVENTSUB`: the stand-in's URLs.
    helix: String,
    oauth: String,
    eventsub: String,
    /// `CHURN_CLIENT_ID`, `CHURN_ACCESS`: the user token's client and the token itself.
    client_id: String,
    access: String,
    /// `CHURN_TYPE`, `CHURN_CONDITION` (JSON): the subscription to keep.
    r#type: String,
    condition: Value,
    /// `CHURN_SECOND_MS`: one protocol second (default 1000).
    second: Duration,
    /// `CHURN_BUFFER`: items waiting for the consumer before reading pauses (default 1,024, as
    /// the SDK's).
    buffer: usize,
    /// `CHURN_DEDUPE_IDS`: ids the dedupe store remembers at most (default 100,000).
    dedupe_ids: usize,
    /// `CHURN_SLOW_EVERY`, `CHURN_SLOW_MS`: after every that many items the consumer sleeps
    /// that long (default never).
    slow_every: u64,
    slow: Duration,
    /// `CHURN_LEAK_BYTES`: bytes leaked per notification (default none).
    leak_bytes: usize,
}

impl Config {
    fn from_env() -> Result<Config, String> {
        let condition = serde_json::from_str(&var("CHURN_CONDITION")?)
            .map_err(|e| format!("CHURN_CONDITION is not JSON: {e}"))?;
        Ok(Config {
            helix: var("CHURN_HELIX")?,
            oauth: var("CHURN_OAUTH")?,
            eventsub: var("CHURN_EVENTSUB")?,
            client_id: var("CHURN_CLIENT_ID")?,
            access: var("CHURN_ACCESS")?,
            r#type: var("CHURN_TYPE")?,
            condition,
            second: Duration::from_millis(number("CHURN_SECOND_MS", 1000)?),
            buffer: number("CHURN_BUFFER", 1024)? as usize,
            dedupe_ids: number("CHURN_DEDUPE_IDS", 100_000)? as usize,
            slow_every: number("CHURN_SLOW_EVERY", 0)?,
            slow: Duration::from_millis(number("CHURN_SLOW_MS", 0)?),
            leak_bytes: number("CHURN_LEAK_BYTES", 0)? as usize,
        })
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    child::log_to_stderr(LevelFilter::ERROR);
    child::exit("churn_client", run().await)
}

async fn run() -> Result<(), String> {
    let config = Config::from_env()?;
    let tasks_before = alive_tasks();
    let client = Client::builder()
        .helix_url(config.helix.as_str())
        .oauth_url(config.oauth.as_str())
        .retry_backoff(Duration::from_millis(1))
        .build()
        .map_err(|e| e.to_string())?;
    let token = UserToken::new(config.client_id.as_str(), config.access.as_str());
    let api = client.user(token).await.map_err(|e| e.to_string())?;
    // The stream owns the only handle from here on, so dropping it ends everything the SDK
    // started (HTTP connections included).
    drop(client);
    let dedupe = MemoryDedupe::with_limits(twitch_sdk::eventsub::DEDUPE_HORIZON, config.dedupe_ids);
    let mut events = EventSubWebSocket::builder(api)
        .url(config.eventsub.as_str())
        .protocol_second(config.second)
        .backoff(config.second / 10, config.second)
        .buffer(config.buffer)
        .dedupe(Arc::new(dedupe))
        .subscribe(config.r#type.as_str(), "1", config.condition.clone())
        .start()
        .await
        .map_err(|e| e.to_string())?;

    let mut commands = stdin_lines();
    let mut counts: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut consumed = 0u64;
    loop {
        tokio::select! {
            item = events.next_item() => {
                let Some(item) = item else {
                    return Err("the stream ended".to_owned());
                };
                *counts.entry(kind(&item)).or_default() += 1;
                if config.leak_bytes > 0 && matches!(item, EventSubItem::Notification(_)) {
                    // The test instrument: bytes written to, so they are resident.
                    Box::leak(vec![0xa5u8; config.leak_bytes].into_boxed_slice());
                }
                say(&describe(&item))?;
                consumed += 1;
                if consumed.checked_rem(config.slow_every) == Some(0) {
                    tokio::time::sleep(config.slow).await;
                }
            }
            command = commands.recv() => match command {
                Some(line) => match line.split_once(' ') {
                    Some(("pause", ms)) => {
                        let ms = ms.parse().map_err(|_| format!("bad command: {line}"))?;
                        tokio::time::sleep(Duration::from_millis(ms)).await;
                    }
                    Some(("sample", tag)) => say(&format!("sample {tag} {}", sample(&counts)))?,
                    _ => return Err(format!("bad command: {line}")),
                },
                None => break,
            }
        }
    }

    // Stdin ended: close the stream, then count what is left.
    drop(events);
    let started = Instant::now();
    while alive_tasks() > tasks_before && started.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let closed = json!({"tasks_before": tasks_before, "tasks_after": alive_tasks()});
    say(&format!("closed {closed}"))
}

/// Lines from stdin, read on a thread of their own; the channel closes at the end of input.
fn stdin_lines() -> mpsc::UnboundedReceiver<String> {
    let (tx, rx) = mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Writes one line to stdout; an error means the parent is gone.
fn say(line: &str) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").map_err(|e| format!("stdout: {e}"))
}

fn kind(item: &EventSubItem) -> &'static str {
    match item {
        EventSubItem::Notification(_) => "notification",
        EventSubItem::Revoked(_) => "revoked",
        EventSubItem::Connected { .. } => "connected",
        EventSubItem::Reconnected { handover: true, .. } => "handover",
        EventSubItem::Reconnected { .. } => "reconnected",
        EventSubItem::Disconnected { .. } => "disconnected",
        EventSubItem::SubscribeFailed { .. } => "subscribe_failed",
        EventSubItem::Undecodable { .. } => "undecodable",
        _ => "other",
    }
}

/// The stdout line for an item.
fn describe(item: &EventSubItem) -> String {
    match item {
        EventSubItem::Notification(n) => {
            let seq = match &n.event {
                Event::Unknown { raw, .. } => raw["seq"].as_u64(),
                _ => None,
            };
            match seq {
                Some(seq) => format!("event {seq} {}", n.message_id),
                None => format!("other {} {}", n.subscription.r#type, n.message_id),
            }
        }
        EventSubItem::Revoked(r) => {
            format!("revoked {} {}", r.subscription.id, r.subscription.status)
        }
        EventSubItem::Connected { session_id } => format!("connected {session_id}"),
        EventSubItem::Reconnected {
            session_id,
            handover,
        } => {
            let how = if *handover { "handover" } else { "drop" };
            format!("reconnected {session_id} {how}")
        }
        EventSubItem::Disconnected { code, reason } => {
            let code = code.map_or("-".to_owned(), |c| c.to_string());
            format!("disconnected {code} {reason}")
        }
        other => format!("failed {}", one_line(&format!("{other:?}"))),
    }
}

fn one_line(text: &str) -> String {
    text.replace('\n', " ")
}

/// This process's memory, tasks and item counts.
fn sample(counts: &BTreeMap<&'static str, u64>) -> Value {
    // `smaps_rollup` walks the page tables, so it is exact; `status` holds the kernel's running
    // counters, which may lag by a few hundred KiB, and the peak.
    let rollup = std::fs::read_to_string("/proc/self/smaps_rollup").unwrap_or_default();
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    json!({
        "rss_kib": kib(&rollup, "Rss:"),
        "anon_kib": kib(&rollup, "Anonymous:"),
        "hwm_kib": kib(&status, "VmHWM:"),
        "tasks": alive_tasks(),
        "items": counts,
    })
}

/// The `<name> <n> kB` field of a `/proc` file, 0 when missing.
fn kib(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn alive_tasks() -> usize {
    tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks()
}
