//! The EventSub churn soak with the client in a process of its own: its memory and tasks are
//! measured apart from the stand-in's.
//!
//! This test process runs the stand-in and drives the churn; `churn_client`
//! (tests/src/bin/churn_client.rs) runs one [`EventSubWebSocket`] session and prints every item
//! it gets, and on request its resident set (exact, and its anonymous part), its peak and its
//! live tokio tasks. Each round picks, from
//! a PRNG with a fixed seed: an abrupt drop, a close with 4000/4005/4006, a `session_reconnect`
//! handover with events emitted while it runs, a subscription created on the session, fed one
//! event and revoked, a burst larger than the client's buffer, a consumer that stops reading
//! for a while, or nothing; a tenth of the rounds also arm duplicate deliveries (same message
//! id twice). Rounds go in lockstep: events are emitted only while the subscription is enabled
//! on a live session, and a round ends when the client printed each of them, so the soak
//! asserts that every event emitted arrives once, with the message id the stand-in gave it,
//! and no message id twice.
//!
//! Memory: after a warm-up (the client's dedupe store, given a small capacity here, is full by
//! then), the child's resident set may grow by at most [`Soak::bound_kib`] per 1,000 rounds
//! (the least-squares slope of its samples). Leaking one notification frame per round would add
//! about 0.6 MiB per 1,000 rounds (the soak prints a frame's size, 603 bytes); `leak_is_caught`
//! runs the child leaking 160 bytes per notification (a round brings 3.7 of them, so about one
//! frame per round) and checks that the bound breaks.
//! Tasks: they may not grow after the warm-up (no exact count: the client's task layout is not
//! this test's business), and closing the stream ends them all.
//!
//! `short_client_churn` (300 rounds, seconds) runs in CI; the long ones are ignored (one at a
//! time, so they do not share the two cores):
//!
//! ```text
//! cargo test -p twitch-sdk-tests --test it eventsub_churn::long_client_churn -- --ignored --nocapture
//! cargo test -p twitch-sdk-tests --test it eventsub_churn::leak_is_caught -- --ignored --nocapture
//! ```
//!
//! [`EventSubWebSocket`]: twitch_sdk::eventsub::EventSubWebSocket

use crate::support;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::mpsc;
use twitch_sdk::UserApi;
use twitch_sdk::mock::MockServer;
use twitch_sdk::models::EventSubTransport;

use support::USER_ID;

/// One protocol second: the 10-second keepalive becomes 0.5 s.
const SECOND: Duration = Duration::from_millis(50);
const TICK: &str = "test.tick";
/// The type of the subscriptions the soak creates on the client's session and revokes.
const EXTRA: &str = "test.extra";
/// How long one round may take to settle before the soak calls an event lost.
const ROUND_LIMIT: Duration = Duration::from_secs(20);

/// One soak's shape.
struct Soak {
    rounds: u64,
    seed: u64,
    /// Samples before this round are the warm-up.
    warm_up: u64,
    sample_every: u64,
    /// The client's dedupe capacity: small, so the store is full after the warm-up.
    dedupe_ids: u64,
    /// The client's buffer: smaller than a burst, so reading pauses.
    buffer: u64,
    /// Most resident growth allowed after the warm-up, KiB per 1,000 rounds.
    bound_kib: f64,
    /// The child leaks this many bytes per notification (the test instrument).
    leak_bytes: u64,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn short_client_churn() {
    let soak = Soak {
        rounds: 300,
        seed: 0xc4e5_0001,
        warm_up: 100,
        sample_every: 25,
        dedupe_ids: 128,
        buffer: 16,
        // Too few rounds for a fine slope: this catches a gross leak (4 KiB, seven frames, or
        // more per round).
        bound_kib: 4096.0,
        leak_bytes: 0,
    };
    let figures = run(&soak).await;
    figures.check(&soak).unwrap();
}

/// `cargo test -p twitch-sdk-tests --test it eventsub_churn::long_client_churn -- --ignored
/// --nocapture`
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "long soak; run by hand"]
async fn long_client_churn() {
    let soak = long(0);
    let figures = run(&soak).await;
    figures.check(&soak).unwrap();
}

/// The memory check is not blind: a child leaking 160 bytes per notification (about one frame
/// per round) fails it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "long soak; run by hand"]
async fn leak_is_caught() {
    let soak = Soak {
        rounds: 4_000,
        warm_up: 1_000,
        ..long(160)
    };
    let figures = run(&soak).await;
    let verdict = figures.check(&soak);
    assert!(verdict.is_err(), "a leak went unnoticed: {verdict:?}");
    eprintln!(
        "client churn: the leak was caught: {}",
        verdict.unwrap_err()
    );
}

fn long(leak_bytes: u64) -> Soak {
    Soak {
        rounds: 10_000,
        seed: 0xc4e5_0002,
        warm_up: 2_000,
        sample_every: 500,
        dedupe_ids: 2_048,
        buffer: 16,
        bound_kib: 128.0,
        leak_bytes,
    }
}

/// What the soak saw.
#[derive(Default)]
struct Figures {
    /// What the child reported every `sample_every` rounds and at the end.
    samples: Vec<Sample>,
    /// The child's item counts at the end.
    items: BTreeMap<String, u64>,
    counts: BTreeMap<&'static str, u64>,
    /// The child's tasks before it connected, and after it dropped the stream.
    tasks_before: u64,
    tasks_after: u64,
    frame_bytes: usize,
    took: Duration,
}

impl Figures {
    /// KiB per 1,000 rounds after the warm-up: the least-squares slope of the resident set.
    fn growth_kib(&self, soak: &Soak) -> f64 {
        let after: Vec<(f64, f64)> = self
            .samples
            .iter()
            .filter(|s| s.round >= soak.warm_up)
            .map(|s| (s.round as f64, s.rss_kib as f64))
            .collect();
        let n = after.len() as f64;
        let mean_x = after.iter().map(|p| p.0).sum::<f64>() / n;
        let mean_y = after.iter().map(|p| p.1).sum::<f64>() / n;
        let covariance: f64 = after.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
        let variance: f64 = after.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
        covariance / variance * 1000.0
    }

    fn check(&self, soak: &Soak) -> Result<(), String> {
        let growth = self.growth_kib(soak);
        let samples = &self.samples;
        let table = self.table();
        if growth >= soak.bound_kib {
            return Err(format!(
                "the client's resident set grew {growth:.1} KiB per 1,000 rounds after the \
                 warm-up (bound {} KiB): {table}",
                soak.bound_kib
            ));
        }
        let most = |warm: bool| {
            let during = samples.iter().filter(|s| (s.round < soak.warm_up) == warm);
            during.map(|s| s.tasks).max().unwrap_or(0)
        };
        if most(false) > most(true) + 2 {
            return Err(format!(
                "the client's tasks grew after the warm-up: {table}"
            ));
        }
        if self.tasks_after > self.tasks_before {
            return Err(format!(
                "tasks left after closing the stream: {} -> {}",
                self.tasks_before, self.tasks_after
            ));
        }
        Ok(())
    }

    fn print(&self, soak: &Soak) {
        let first = self.samples.first().copied().unwrap_or_default();
        let warm = self
            .samples
            .iter()
            .find(|s| s.round >= soak.warm_up)
            .copied();
        let last = self.samples.last().copied().unwrap_or_default();
        eprintln!(
            "client churn: {} rounds in {:.1?} (seed {:#x}, leak {} B per notification); {:?}",
            soak.rounds, self.took, soak.seed, soak.leak_bytes, self.counts
        );
        eprintln!("client churn: the child's items {:?}", self.items);
        eprintln!(
            "client churn: RSS KiB at start {}, after the warm-up {:?}, at the end {} (peak {}; \
             anonymous {} / {:?} / {}); growth after the warm-up {:.1} KiB per 1,000 rounds \
             (bound {}); one tick frame is {} bytes",
            first.rss_kib,
            warm.map(|w| w.rss_kib),
            last.rss_kib,
            last.hwm_kib,
            first.anon_kib,
            warm.map(|w| w.anon_kib),
            last.anon_kib,
            self.growth_kib(soak),
            soak.bound_kib,
            self.frame_bytes
        );
        eprintln!(
            "client churn: tasks before {}, after closing {}; (round, RSS KiB, anonymous KiB, \
             tasks): {}",
            self.tasks_before,
            self.tasks_after,
            self.table()
        );
    }

    /// The samples as `(round, RSS, anonymous, tasks)`.
    fn table(&self) -> String {
        let rows: Vec<String> = self
            .samples
            .iter()
            .map(|s| format!("({}, {}, {}, {})", s.round, s.rss_kib, s.anon_kib, s.tasks))
            .collect();
        rows.join(" ")
    }
}

/// The `churn_client` process and what it printed so far.
struct ClientProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::UnboundedReceiver<String>,
    /// Emitted tick events not yet printed: seq -> message id.
    outstanding: HashMap<u64, String>,
    seqs: HashSet<u64>,
    message_ids: HashSet<String>,
    /// Message ids of the extra subscriptions' events, and the revoked subscriptions.
    extra: HashSet<String>,
    revoked: HashSet<String>,
    handovers: u64,
    reconnects: u64,
    /// The last few `disconnected` lines, for failure messages.
    disconnects: Vec<String>,
}

impl ClientProcess {
    fn start(mock: &MockServer, access: &str, soak: &Soak) -> ClientProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_churn_client"))
            .env("CHURN_HELIX", mock.helix_url())
            .env("CHURN_OAUTH", mock.oauth_url())
            .env("CHURN_EVENTSUB", mock.eventsub_url())
            .env("CHURN_CLIENT_ID", mock.client_id())
            .env("CHURN_ACCESS", access)
            .env("CHURN_TYPE", TICK)
            .env("CHURN_CONDITION", tick_condition().to_string())
            .env("CHURN_SECOND_MS", SECOND.as_millis().to_string())
            .env("CHURN_BUFFER", soak.buffer.to_string())
            .env("CHURN_DEDUPE_IDS", soak.dedupe_ids.to_string())
            .env("CHURN_SLOW_EVERY", "10")
            .env("CHURN_SLOW_MS", "1")
            .env("CHURN_LEAK_BYTES", soak.leak_bytes.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("churn_client starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        ClientProcess {
            stdin: child.stdin.take(),
            child,
            lines,
            outstanding: HashMap::new(),
            seqs: HashSet::new(),
            message_ids: HashSet::new(),
            extra: HashSet::new(),
            revoked: HashSet::new(),
            handovers: 0,
            reconnects: 0,
            disconnects: Vec::new(),
        }
    }

    fn send(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin is open");
        writeln!(stdin, "{line}").expect("the child reads stdin");
    }

    /// The next line, failing the test after `deadline`.
    async fn line(&mut self, deadline: Instant, waiting_for: &str) -> String {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, self.lines.recv()).await {
            Ok(Some(line)) => line,
            Ok(None) => panic!(
                "churn_client ended ({:?}) while waiting for {waiting_for}",
                self.child.try_wait()
            ),
            Err(_) => panic!(
                "waiting for {waiting_for} for {ROUND_LIMIT:?}; {} events outstanding: {:?}; \
                 last disconnections: {:?}",
                self.outstanding.len(),
                self.outstanding.keys().take(10).collect::<Vec<_>>(),
                self.disconnects
            ),
        }
    }

    /// Reads lines until `done` holds (checked before each line).
    async fn pump(&mut self, what: &str, mut done: impl FnMut(&ClientProcess) -> bool) {
        let deadline = Instant::now() + ROUND_LIMIT;
        while !done(self) {
            let line = self.line(deadline, what).await;
            self.apply(&line);
        }
    }

    /// Takes in one line about an item.
    fn apply(&mut self, line: &str) {
        let mut words = line.splitn(3, ' ');
        let (word, first, rest) = (words.next(), words.next(), words.next());
        match (word, first, rest) {
            (Some("event"), Some(seq), Some(id)) => {
                let seq: u64 = seq.parse().unwrap();
                assert!(self.seqs.insert(seq), "event {seq} delivered twice");
                assert!(
                    self.message_ids.insert(id.to_owned()),
                    "{id} delivered twice"
                );
                let emitted = self.outstanding.remove(&seq);
                assert_eq!(emitted.as_deref(), Some(id), "event {seq}");
            }
            (Some("other"), Some(EXTRA), Some(id)) => {
                assert!(
                    self.message_ids.insert(id.to_owned()),
                    "{id} delivered twice"
                );
                self.extra.insert(id.to_owned());
            }
            (Some("revoked"), Some(sub), Some(status)) => {
                assert_eq!(status, "authorization_revoked");
                assert!(self.revoked.insert(sub.to_owned()), "{sub} revoked twice");
            }
            (Some("reconnected"), Some(_), Some("handover")) => self.handovers += 1,
            (Some("reconnected"), Some(_), Some("drop")) => self.reconnects += 1,
            (Some("disconnected"), _, _) => {
                if self.disconnects.len() == 5 {
                    self.disconnects.remove(0);
                }
                self.disconnects.push(line.to_owned());
            }
            (Some("connected"), _, _) => {}
            _ => panic!("unexpected from churn_client: {line}"),
        }
    }

    /// Asks for a sample: resident, anonymous and peak KiB, tasks, item counts.
    async fn sample(&mut self, tag: u64) -> Value {
        self.send(&format!("sample {tag}"));
        let deadline = Instant::now() + ROUND_LIMIT;
        let prefix = format!("sample {tag} ");
        loop {
            let line = self.line(deadline, "a sample").await;
            match line.strip_prefix(&prefix) {
                Some(json) => return serde_json::from_str(json).unwrap(),
                None => self.apply(&line),
            }
        }
    }

    /// Ends stdin; the child drops the stream and reports its tasks.
    async fn close(&mut self) -> Value {
        self.stdin = None;
        let deadline = Instant::now() + ROUND_LIMIT;
        loop {
            let line = self.line(deadline, "closed").await;
            if let Some(json) = line.strip_prefix("closed ") {
                return serde_json::from_str(json).unwrap();
            }
            self.apply(&line);
        }
    }
}

impl Drop for ClientProcess {
    fn drop(&mut self) {
        // Ends the child whatever happened (a failed assertion included).
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn tick_condition() -> Value {
    json!({"broadcaster_user_id": USER_ID})
}

/// The one live session, once it has an enabled tick subscription.
fn settled(mock: &MockServer) -> Option<String> {
    let sessions = mock.eventsub().sessions();
    let [session] = sessions.as_slice() else {
        return None;
    };
    let enabled = mock.eventsub().subscriptions().into_iter().any(|s| {
        s["status"] == "enabled" && s["type"] == TICK && s["transport"]["session_id"] == *session
    });
    enabled.then(|| session.clone())
}

/// A tick notification's frame as the stand-in writes it, to size the leaks worth catching.
fn frame_bytes(mock: &MockServer) -> usize {
    let subscriptions = mock.eventsub().subscriptions();
    let sub = subscriptions.iter().find(|s| s["status"] == "enabled");
    json!({
        "metadata": {
            "message_id": "mock-message-000000000001",
            "message_type": "notification",
            "message_timestamp": "2026-11-30T10:00:00.000000000Z",
            "subscription_type": TICK,
            "subscription_version": "1",
        },
        "payload": {"subscription": sub, "event": {"broadcaster_user_id": USER_ID, "seq": 1}},
    })
    .to_string()
    .len()
}

/// What a round does besides emitting ticks.
#[derive(Debug, Clone, Copy)]
enum Fault {
    Drop,
    Close(u16),
    Handover,
    Revoke,
    Burst,
    Pause,
    Nothing,
}

impl Fault {
    fn pick(random: u64) -> Fault {
        match random {
            0..4 => Fault::Drop,
            4..6 => Fault::Close(4000),
            6..7 => Fault::Close(4005),
            7..8 => Fault::Close(4006),
            8..20 => Fault::Handover,
            20..23 => Fault::Revoke,
            23..26 => Fault::Burst,
            26..27 => Fault::Pause,
            _ => Fault::Nothing,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Fault::Drop => "drops",
            Fault::Close(_) => "closes",
            Fault::Handover => "handovers",
            Fault::Revoke => "revocations",
            Fault::Burst => "bursts",
            Fault::Pause => "pauses",
            Fault::Nothing => "quiet rounds",
        }
    }
}

/// The test side of the soak: the stand-in, an API handle for the extra subscriptions, the
/// child, and the next tick's number.
struct Driver {
    mock: MockServer,
    api: UserApi,
    client: ClientProcess,
    /// The session the client is on (a handover keeps it, a drop makes a new one).
    session: String,
    seq: u64,
}

impl Driver {
    fn emit(&mut self, n: u64) {
        for _ in 0..n {
            let event = json!({"broadcaster_user_id": USER_ID, "seq": self.seq});
            let ids = self.mock.eventsub().emit(TICK, "1", event);
            let [id] = ids.as_slice() else {
                panic!("tick {} went to {} subscriptions", self.seq, ids.len());
            };
            self.client.outstanding.insert(self.seq, id.clone());
            self.seq += 1;
        }
    }

    /// Waits for one live session with the tick subscription enabled on it.
    async fn settle(&mut self) {
        let deadline = Instant::now() + ROUND_LIMIT;
        loop {
            if let Some(session) = settled(&self.mock) {
                self.session = session;
                return;
            }
            assert!(Instant::now() < deadline, "no settled session");
            let next = tokio::time::timeout(Duration::from_millis(2), self.client.lines.recv());
            if let Ok(Some(line)) = next.await {
                self.client.apply(&line);
            }
        }
    }

    async fn round(&mut self, fault: Fault) {
        let session = self.session.clone();
        let events = self.mock.eventsub();
        match fault {
            Fault::Drop | Fault::Close(_) => {
                let before = self.client.reconnects;
                let done = match fault {
                    Fault::Close(code) => events.close(&session, code),
                    _ => events.drop_connection(&session),
                };
                assert!(done, "{fault:?} on {session}");
                self.client
                    .pump("a reconnect", |c| c.reconnects > before)
                    .await;
                self.settle().await;
                self.emit(2);
            }
            Fault::Handover => {
                let before = self.client.handovers;
                assert!(events.reconnect(&session));
                // Events keep coming while the client moves.
                self.emit(2);
                self.client
                    .pump("a handover", |c| c.handovers > before)
                    .await;
            }
            Fault::Revoke => {
                let transport = EventSubTransport::websocket(&session);
                let condition = json!({"broadcaster_user_id": USER_ID, "round": self.seq});
                let created = self
                    .api
                    .create_eventsub_subscription(EXTRA.to_owned(), "1", transport, condition)
                    .await
                    .unwrap();
                let sub = created.data[0].id.clone();
                let event = json!({"broadcaster_user_id": USER_ID, "round": self.seq});
                let [id] = <[String; 1]>::try_from(events.emit(EXTRA, "1", event)).unwrap();
                assert!(events.revoke(&sub, "authorization_revoked"));
                self.client
                    .pump("a revocation", |c| {
                        c.extra.contains(&id) && c.revoked.contains(&sub)
                    })
                    .await;
                self.emit(2);
            }
            Fault::Burst => self.emit(40),
            Fault::Pause => {
                // The consumer stops for 8 protocol seconds (under the keepalive timeout) while
                // a burst larger than its buffer waits.
                self.client
                    .send(&format!("pause {}", (SECOND * 8).as_millis()));
                self.emit(40);
            }
            Fault::Nothing => self.emit(2),
        }
        self.client
            .pump("the round's events", |c| c.outstanding.is_empty())
            .await;
    }
}

async fn run(soak: &Soak) -> Figures {
    // Thousands of resubscriptions would spend Helix's points and then wait for the bucket, as
    // they should; the soak is about the client, so the bucket is off.
    let mock = MockServer::builder()
        .eventsub_second(SECOND)
        .without_rate_limit()
        .start()
        .await
        .unwrap();
    let (api, access) = support::user(&mock, &[]).await;
    let started = Instant::now();
    let client = ClientProcess::start(&mock, &access, soak);
    let mut driver = Driver {
        mock,
        api,
        client,
        session: String::new(),
        seq: 0,
    };
    let mut random = support::seeded(soak.seed);
    let mut figures = Figures::default();
    driver.settle().await;
    figures.frame_bytes = frame_bytes(&driver.mock);
    for round in 0..soak.rounds {
        if round.checked_rem(soak.sample_every) == Some(0) {
            let sample = driver.client.sample(round).await;
            figures.samples.push(Sample::of(round, &sample));
        }
        if random(10) == 0 {
            driver.mock.eventsub().duplicate_next(2);
            *figures.counts.entry("duplicates armed").or_default() += 2;
        }
        let fault = Fault::pick(random(100));
        *figures.counts.entry(fault.name()).or_default() += 1;
        driver.round(fault).await;
    }
    let end = driver.client.sample(soak.rounds).await;
    figures.samples.push(Sample::of(soak.rounds, &end));
    figures.items = serde_json::from_value(end["items"].clone()).unwrap();
    figures.counts.insert("ticks emitted", driver.seq);
    let closed = driver.client.close().await;
    figures.tasks_before = closed["tasks_before"].as_u64().unwrap();
    figures.tasks_after = closed["tasks_after"].as_u64().unwrap();
    figures.took = started.elapsed();
    figures.print(soak);

    // Every tick arrived once; no message id came twice (checked line by line).
    assert_eq!(driver.client.seqs.len() as u64, driver.seq);
    let extra = driver.client.extra.len() as u64;
    assert_eq!(
        extra,
        figures.counts.get("revocations").copied().unwrap_or(0)
    );
    assert_eq!(driver.client.revoked.len() as u64, extra);
    assert_eq!(figures.items["notification"], driver.seq + extra);
    figures
}

/// One of the child's reports.
#[derive(Debug, Default, Clone, Copy)]
struct Sample {
    round: u64,
    /// Resident memory (exact, from `/proc/self/smaps_rollup`), its anonymous part (the heap
    /// among it), and the peak the kernel keeps (`VmHWM`), KiB.
    rss_kib: u64,
    anon_kib: u64,
    hwm_kib: u64,
    tasks: u64,
}

impl Sample {
    fn of(round: u64, report: &Value) -> Sample {
        let get = |k: &str| report[k].as_u64().unwrap();
        Sample {
            round,
            rss_kib: get("rss_kib"),
            anon_kib: get("anon_kib"),
            hwm_kib: get("hwm_kib"),
            tasks: get("tasks"),
        }
    }
}
