//! Fault soak: many concurrent calls through the Helix stand-in while it misbehaves at random.
//!
//! Each call picks an operation (a `GET` list, a paginated `GET`, a `POST`, a `PATCH`; user or
//! app token) and a fault from a PRNG with a fixed seed, so a failure reproduces. Faults: `429`
//! with and without `Ratelimit-*` reset headers, `500`/`502`/`503`, an HTML `502` page, truncated
//! and malformed JSON, a body cut off mid-way, answers slower than the client's timeout, reset and
//! closed connections, the user token expiring (Helix answers `401`), and pages whose cursor
//! repeats. The stand-in also enforces its own rate limit throughout.
//!
//! Every call carries a unique tag (a login, a search query, a chat message, a title) so the
//! stand-in's request log shows what happened to each one. The soak asserts:
//! - every call ends, in success or a typed [`Error`], within [`CALL_BOUND`]; no task panics;
//! - a call fails with `RateLimited` only after the server answered it `429` more often than
//!   the client retries (no 429 leaks while retries remain);
//! - a `POST` or `PATCH` is sent again only after an answer that proves the server did not act
//!   on it (`429`, or `401` before a token refresh): never after a 5xx, a timeout or a dropped
//!   connection;
//! - the user token is refreshed exactly once per expiry, however many calls hit the `401`;
//! - memory stays flat: resident memory grows by less than a bound between the middle and the
//!   end of the full run.
//!
//! It prints the count of each outcome and fault.
//!
//! The full soak (10,000 calls from 50 tasks) is ignored by default; run it with
//!
//! ```text
//! cargo test -p twitch-sdk-tests --release --test it soak:: -- --ignored --nocapture
//! ```
//!
//! `small_soak` (500 calls, 50 tasks) runs with the other tests.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::json;
use twitch_sdk::mock::{MockServer, ReceivedRequest, Reply};
use twitch_sdk::{AppApi, Client, ClientCredentials, Error, UserApi, UserToken};

/// The PRNG seed: change it to explore, keep it to reproduce.
const SEED: u64 = 0x0077_17c4_5eed_2024;
/// No call may take longer than this, whatever the faults.
const CALL_BOUND: Duration = Duration::from_secs(30);
/// The client's per-attempt timeout; "slow" faults answer later than this.
const TIMEOUT: Duration = Duration::from_millis(1000);
const SLOW: Duration = Duration::from_millis(1500);
/// The client's retries (429s and, separately, 5xx / transport).
const MAX_RETRIES: u32 = 3;
const TASKS: usize = 50;
const USER_ID: &str = "141981764";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn small_soak() {
    soak(500, 250, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "takes minutes: cargo test -p twitch-sdk-tests --release --test it soak:: -- --ignored --nocapture"]
async fn full_soak() {
    soak(10_000, 500, true).await;
}

/// splitmix64: tiny, good enough to pick faults, reproducible.
struct Rng(u64);

impl Rng {
    fn for_call(index: usize) -> Rng {
        Rng(SEED ^ (index as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15))
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number below `n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Op {
    /// `GET /users` with the user token (list).
    UserGetUsers,
    /// `GET /users` with the app token.
    AppGetUsers,
    /// `GET /search/channels`, every page (paginated), user token.
    UserSearch,
    /// The same with the app token.
    AppSearch,
    /// `POST /chat/messages` (not idempotent).
    SendChat,
    /// `PATCH /channels` (not idempotent).
    ModifyChannel,
}

impl Op {
    fn pick(rng: &mut Rng) -> Op {
        match rng.below(100) {
            0..25 => Op::UserGetUsers,
            25..35 => Op::AppGetUsers,
            35..50 => Op::UserSearch,
            50..55 => Op::AppSearch,
            55..80 => Op::SendChat,
            _ => Op::ModifyChannel,
        }
    }

    fn operation(self) -> &'static str {
        match self {
            Op::UserGetUsers | Op::AppGetUsers => "get-users",
            Op::UserSearch | Op::AppSearch => "search-channels",
            Op::SendChat => "send-chat-message",
            Op::ModifyChannel => "modify-channel-information",
        }
    }

    fn user(self) -> bool {
        !matches!(self, Op::AppGetUsers | Op::AppSearch)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Fault {
    None,
    TooManyWithReset,
    TooManyBare,
    Status500,
    Status502,
    Status503,
    HtmlPage,
    TruncatedJson,
    MalformedJson,
    CutBody,
    Slow,
    ConnectionReset,
    ConnectionClosed,
    /// The user token expires just before the call.
    TokenExpired,
    /// The first two pages both point at the same next page.
    RepeatedCursor,
}

impl Fault {
    fn pick(rng: &mut Rng, op: Op) -> Fault {
        match rng.below(1000) {
            0..450 => Fault::None,
            450..465 => Fault::TooManyWithReset,
            465..500 => Fault::TooManyBare,
            500..540 => Fault::Status500,
            540..580 => Fault::Status502,
            580..620 => Fault::Status503,
            620..660 => Fault::HtmlPage,
            660..700 => Fault::TruncatedJson,
            700..740 => Fault::MalformedJson,
            740..780 => Fault::CutBody,
            780..810 => Fault::Slow,
            810..850 => Fault::ConnectionReset,
            850..880 => Fault::ConnectionClosed,
            880..900 if op.user() => Fault::TokenExpired,
            900..960 if matches!(op, Op::UserSearch | Op::AppSearch) => Fault::RepeatedCursor,
            _ => Fault::None,
        }
    }

    /// The one-off reply the stand-in gives (`RepeatedCursor` answers twice).
    fn reply(self, mock: &MockServer) -> Option<Reply> {
        let unix_now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        Some(match self {
            Fault::None | Fault::TokenExpired => return None,
            Fault::TooManyWithReset => Reply::error(429, "Too Many Requests")
                .header("Ratelimit-Limit", "800")
                .header("Ratelimit-Remaining", "0")
                .header("Ratelimit-Reset", (unix_now + 1).to_string()),
            Fault::TooManyBare => Reply::error(429, "Too Many Requests"),
            Fault::Status500 => Reply::error(500, "Internal Server Error"),
            Fault::Status502 => Reply::error(502, "Bad Gateway"),
            Fault::Status503 => Reply::error(503, "Service Unavailable"),
            Fault::HtmlPage => Reply::html_502(),
            Fault::TruncatedJson => Reply::truncated_json(),
            Fault::MalformedJson => Reply::malformed_json(),
            Fault::CutBody => Reply::incomplete_body(),
            Fault::Slow => Reply::passthrough().delay(SLOW),
            Fault::ConnectionReset => Reply::reset(),
            Fault::ConnectionClosed => Reply::close(),
            Fault::RepeatedCursor => {
                // A real cursor of the stand-in (page `0..1`), so a request that takes it after
                // the override is used up still gets a normal answer.
                let cursor: String = b"mock:0:1".iter().map(|b| format!("{b:02x}")).collect();
                let example: serde_json::Value =
                    serde_json::from_str(mock.example("search-channels").unwrap()).unwrap();
                let item = example["data"][0].clone();
                Reply::json(
                    200,
                    json!({"data": [item], "pagination": {"cursor": cursor}}),
                )
            }
        })
    }
}

/// What the soak shares between tasks.
struct Rig {
    mock: MockServer,
    user: UserApi,
    app: AppApi,
    /// The user's current access token, kept by the refresh hook.
    access: Arc<Mutex<String>>,
    /// Every access token the soak made expire.
    expired: Mutex<HashSet<String>>,
}

/// What one call did.
struct Outcome {
    index: usize,
    op: Op,
    fault: Fault,
    tag: String,
    result: Result<(), Error>,
    took: Duration,
}

async fn rig() -> Rig {
    let mock = MockServer::builder()
        // Tight enough that the client's bucket matters, loose enough for a quick soak.
        .rate_limit(400, Duration::from_secs(1))
        .start()
        .await
        .unwrap();
    let (access, refresh) = mock.issue_user_token(
        USER_ID,
        "twitchdev",
        &["user:write:chat", "channel:manage:broadcast"],
        Duration::from_secs(3600),
    );
    let client = Client::builder()
        .helix_url(mock.helix_url())
        .oauth_url(mock.oauth_url())
        .timeout(TIMEOUT)
        .max_retries(MAX_RETRIES)
        .retry_backoff(Duration::from_millis(20))
        .build()
        .unwrap();
    let current = Arc::new(Mutex::new(access.clone()));
    let hook = current.clone();
    let user = client
        .user(
            UserToken::new(mock.client_id(), access)
                .refresh_token(refresh)
                .client_secret(mock.client_secret())
                .on_refresh(move |set| {
                    *hook.lock().unwrap() = set.access_token.expose().to_owned();
                }),
        )
        .await
        .unwrap();
    let app = client
        .app(ClientCredentials::new(
            mock.client_id(),
            mock.client_secret(),
        ))
        .await
        .unwrap();
    Rig {
        mock,
        user,
        app,
        access: current,
        expired: Mutex::new(HashSet::new()),
    }
}

async fn call(rig: &Rig, index: usize) -> Outcome {
    let mut rng = Rng::for_call(index);
    let op = Op::pick(&mut rng);
    let fault = Fault::pick(&mut rng, op);
    let tag = format!("soak{index}");
    match fault {
        Fault::TokenExpired => {
            let token = rig.access.lock().unwrap().clone();
            if rig.expired.lock().unwrap().insert(token.clone()) {
                assert!(rig.mock.expire_token(&token));
            }
        }
        Fault::RepeatedCursor => {
            let reply = fault.reply(&rig.mock).unwrap();
            let _ = rig.mock.on(op.operation()).times(2).reply(reply);
        }
        _ => {
            if let Some(reply) = fault.reply(&rig.mock) {
                let _ = rig.mock.on(op.operation()).once().reply(reply);
            }
        }
    }
    let started = Instant::now();
    let run = async {
        match op {
            Op::UserGetUsers => rig.user.get_users().user_logins([&tag]).await.map(drop),
            Op::AppGetUsers => rig.app.get_users().user_logins([&tag]).await.map(drop),
            Op::UserSearch => rig.user.search_channels(&tag).await.map(drop),
            Op::AppSearch => rig.app.search_channels(&tag).await.map(drop),
            Op::SendChat => rig.user.send_chat_message(&tag).await.map(drop),
            Op::ModifyChannel => rig
                .user
                .modify_channel_information()
                .title(&tag)
                .await
                .map(drop),
        }
    };
    let result = match tokio::time::timeout(CALL_BOUND, run).await {
        Ok(result) => result,
        Err(_) => panic!("call {index} ({op:?}, {fault:?}) hung past {CALL_BOUND:?}"),
    };
    Outcome {
        index,
        op,
        fault,
        tag,
        result,
        took: started.elapsed(),
    }
}

/// The tag a logged request carries, if it is one of the soak's calls.
fn tag_of(request: &ReceivedRequest) -> Option<String> {
    let from_query = |name: &str| {
        request
            .query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let from_body = |name: &str| {
        request
            .body_json()
            .and_then(|b| b.get(name)?.as_str().map(str::to_owned))
    };
    match request.operation? {
        "get-users" => from_query("login"),
        "search-channels" => from_query("query"),
        "send-chat-message" => from_body("message"),
        "modify-channel-information" => from_body("title"),
        _ => None,
    }
}

/// Counts, and the checks that need the request log.
#[derive(Default)]
struct Tally {
    calls: usize,
    outcomes: BTreeMap<String, usize>,
    faults: BTreeMap<String, usize>,
    ops: BTreeMap<String, usize>,
    requests: usize,
    retried_calls: usize,
    /// POST / PATCH calls sent more than once (after a 429 or a 401).
    resent_writes: usize,
    slowest: Duration,
}

fn kind(result: &Result<(), Error>) -> String {
    match result {
        Ok(()) => "ok".into(),
        Err(Error::Transport { timeout: true, .. }) => "error: transport (timeout)".into(),
        Err(Error::Transport { .. }) => "error: transport (connection)".into(),
        Err(Error::Decode { .. }) => "error: decode".into(),
        Err(Error::Status { status, .. }) => format!("error: status {status}"),
        Err(Error::RateLimited { .. }) => "error: rate limited".into(),
        Err(Error::Unauthorized { .. }) => "error: unauthorized".into(),
        Err(Error::BadRequest { .. }) => "error: bad request".into(),
        Err(other) => format!("error: other ({other})"),
    }
}

fn check_batch(outcomes: &[Outcome], log: &[ReceivedRequest], tally: &mut Tally) {
    let mut attempts: HashMap<String, Vec<(String, Option<u16>)>> = HashMap::new();
    for request in log {
        if let Some(tag) = tag_of(request) {
            attempts
                .entry(tag)
                .or_default()
                .push((request.method.clone(), request.status));
        }
    }
    for outcome in outcomes {
        let tried = attempts.get(&outcome.tag).cloned().unwrap_or_default();
        let what = format!(
            "call {} ({:?}, {:?}) -> {:?}: attempts {tried:?}",
            outcome.index,
            outcome.op,
            outcome.fault,
            outcome.result.as_ref().map_err(ToString::to_string)
        );
        // Every call reached the server (nothing here is refused before sending).
        assert!(!tried.is_empty(), "{what}");
        assert!(tried.len() <= 20, "a call kept going: {what}");
        tally.requests += tried.len();
        if tried.len() > 1 {
            tally.retried_calls += 1;
        }
        // No 429 reaches the caller while retries remain.
        if let Err(Error::RateLimited { .. }) = &outcome.result {
            let too_many = tried.iter().filter(|(_, s)| *s == Some(429)).count();
            assert!(too_many > MAX_RETRIES as usize, "429 leaked early: {what}");
        }
        // A 401 reaches the caller only after the one renewal a call gets: the token expired
        // again while the call waited to retry with the renewed one.
        if let Err(Error::Unauthorized { .. }) = &outcome.result {
            let rejected = tried.iter().filter(|(_, s)| *s == Some(401)).count();
            assert!(rejected >= 2, "401 leaked without a renewal: {what}");
        }
        // A POST / PATCH goes again only after an answer proving the server did not act on it.
        if matches!(outcome.op, Op::SendChat | Op::ModifyChannel) {
            if tried.len() > 1 {
                tally.resent_writes += 1;
            }
            for pair in tried.windows(2) {
                let previous = pair[0].1;
                assert!(
                    matches!(previous, Some(429) | Some(401)),
                    "non-idempotent call retried after {previous:?}: {what}"
                );
            }
        }
        // Errors are the ones faults cause, never a token or argument problem. (Which call meets
        // which fault is up to the scheduler: a one-off fault answers whichever request on its
        // operation arrives next.)
        if let Err(e) = &outcome.result {
            assert!(
                !matches!(
                    e,
                    Error::Token(_) | Error::InvalidArgument { .. } | Error::Config(_)
                ),
                "{what}"
            );
        }
        tally.calls += 1;
        tally.slowest = tally.slowest.max(outcome.took);
        *tally.outcomes.entry(kind(&outcome.result)).or_default() += 1;
        *tally
            .faults
            .entry(format!("{:?}", outcome.fault))
            .or_default() += 1;
        *tally.ops.entry(format!("{:?}", outcome.op)).or_default() += 1;
    }
}

/// Resident memory in bytes, from `/proc/self/statm`.
fn rss() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

async fn soak(total: usize, batch: usize, check_memory: bool) {
    let rig = Arc::new(rig().await);
    let started = Instant::now();
    let mut tally = Tally::default();
    let mut memory = Vec::new();
    let mut next_batch = 0;
    while next_batch < total {
        let end = (next_batch + batch).min(total);
        let counter = Arc::new(AtomicUsize::new(next_batch));
        let mut tasks = Vec::new();
        for _ in 0..TASKS {
            let rig = rig.clone();
            let counter = counter.clone();
            tasks.push(tokio::spawn(async move {
                let mut outcomes = Vec::new();
                loop {
                    let index = counter.fetch_add(1, Ordering::SeqCst);
                    if index >= end {
                        return outcomes;
                    }
                    outcomes.push(call(&rig, index).await);
                }
            }));
        }
        let mut outcomes = Vec::new();
        for task in tasks {
            match task.await {
                Ok(done) => outcomes.extend(done),
                Err(e) => panic!("a soak task panicked: {e}"),
            }
        }
        outcomes.sort_by_key(|o| o.index);
        assert_eq!(outcomes.len(), end - next_batch);
        // A clean call: it also renews the token if the batch's last expiry found no caller.
        rig.user
            .get_users()
            .user_logins(["flush"])
            .await
            .expect("a call without faults succeeds");
        // Slow answers may still be sleeping in the stand-in; let them finish before reading.
        tokio::time::sleep(SLOW).await;
        let log = rig.mock.requests();
        check_batch(&outcomes, &log, &mut tally);
        rig.mock.clear_requests();
        rig.mock.clear_overrides();
        next_batch = end;
        memory.push(rss());
    }

    let refreshes = rig.mock.oauth_counts().refresh;
    let expiries = rig.expired.lock().unwrap().len();
    println!(
        "soak: {} calls from {TASKS} tasks in {:.1?} (seed {SEED:#x}); {} requests, {} calls retried, slowest call {:.1?}",
        tally.calls,
        started.elapsed(),
        tally.requests,
        tally.retried_calls,
        tally.slowest
    );
    println!("soak: operations {:?}", tally.ops);
    println!("soak: faults {:?}", tally.faults);
    println!("soak: outcomes {:?}", tally.outcomes);
    println!(
        "soak: token expiries {expiries}, refreshes {refreshes}; POST/PATCH calls resent after a 429 or 401: {}",
        tally.resent_writes
    );
    let memory: Vec<u64> = memory.into_iter().flatten().collect();
    println!(
        "soak: resident memory after each batch (MiB): {:?}",
        memory.iter().map(|m| m / (1 << 20)).collect::<Vec<_>>()
    );

    assert_eq!(tally.calls, total);
    assert_eq!(
        refreshes, expiries,
        "exactly one refresh per expiry ({expiries} expiries)"
    );
    // Sanity: the faults leave most calls working (GETs retry through most of them).
    assert!(tally.outcomes.get("ok").copied().unwrap_or(0) > total / 3);
    if check_memory && memory.len() >= 4 {
        let middle = memory[memory.len() / 2 - 1];
        let end = *memory.last().unwrap();
        let growth = end.saturating_sub(middle);
        assert!(
            growth < 16 << 20,
            "resident memory grew {} KiB in the second half ({memory:?})",
            growth >> 10
        );
    }
}
