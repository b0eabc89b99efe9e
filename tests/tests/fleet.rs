//! Fleets on a real Redis (`twitch_sdk::fleet`, feature `redis`): real `redis-server` instances
//! on loopback ports, the Helix stand-in, and real OS processes (`fleet_worker`,
//! tests/src/bin/fleet_worker.rs) sharing one rate-limit budget and one token store.
//!
//! - Four processes x 25 tasks on one client id against the stand-in's bucket: no 429, at
//!   least 90% of every full window's points used, one app token for the whole fleet.
//! - A user token expires under four waiting processes: exactly one refresh fleet-wide, and
//!   `on_refresh` fires once, in the process that refreshed. Renewal before expiry (by the
//!   clock) is shared the same way.
//! - Redis killed mid-run and restarted: every call completes, each process warns once and says
//!   when sharing resumed, and the shared bucket is used again. Redis stalled (`DEBUG SLEEP`):
//!   calls go on without it, none waiting much past the fleet's timeout.
//! - EventSub dedupe: fleet-wide for ten minutes (`SET NX PX`), in-process while Redis is down.
//! - A bad URL is a configuration error that does not quote the password; an unreachable Redis
//!   at start is not an error.
//!
//! The tests skip, saying so, when `redis-server` is not installed (not under CI).

#[path = "support/redis_server.rs"]
mod redis_server;
mod support;

use std::io::{BufRead, BufReader, Lines, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use redis_server::RedisServer;
use serde_json::Value;
use twitch_sdk::eventsub::DedupeStore;
use twitch_sdk::fleet::Fleet;
use twitch_sdk::mock::MockServer;
use twitch_sdk::{ClientCredentials, Error, ManualClock};

use support::{HOUR, LOGIN, USER_ID, count_status, helix_requests};

/// A runtime for the tests that drive worker processes with blocking pipes: the stand-in and
/// the Redis checks run on its threads while the test thread talks to the workers.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// One `fleet_worker` process.
struct Worker {
    child: Child,
    stdin: ChildStdin,
    stdout: Lines<BufReader<ChildStdout>>,
    stderr: Option<JoinHandle<String>>,
}

/// What a worker printed when it was done.
struct Report {
    ok: usize,
    errors: Vec<String>,
    done_ms: Vec<u64>,
    refreshed: usize,
    shared: bool,
    /// Everything it logged (warnings and up).
    log: String,
}

impl Worker {
    /// Starts a worker of the fleet on `redis` under `prefix`, against `mock`, with `extra`
    /// settings.
    fn spawn(redis_url: &str, mock: &MockServer, prefix: &str, extra: &[(&str, &str)]) -> Worker {
        let mut child = Command::new(env!("CARGO_BIN_EXE_fleet_worker"))
            .env("FLEET_REDIS", redis_url)
            .env("FLEET_PREFIX", prefix)
            .env("FLEET_HELIX", mock.helix_url())
            .env("FLEET_OAUTH", mock.oauth_url())
            .env("FLEET_CLIENT_ID", mock.client_id())
            .env("FLEET_CLIENT_SECRET", mock.client_secret())
            // Generous: a loaded CI machine must not pass for a Redis outage.
            .env("FLEET_TIMEOUT_MS", "2000")
            .envs(extra.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("fleet_worker starts");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut stderr = child.stderr.take().unwrap();
        let stderr = std::thread::spawn(move || {
            let mut log = String::new();
            let _ = std::io::Read::read_to_string(&mut stderr, &mut log);
            log
        });
        Worker {
            child,
            stdin,
            stdout,
            stderr: Some(stderr),
        }
    }

    /// The next line the worker prints; on its end, fails with what it logged.
    fn line(&mut self) -> String {
        match self.stdout.next() {
            Some(Ok(line)) => line,
            _ => {
                let _ = self.child.wait();
                let log = self
                    .stderr
                    .take()
                    .map(|t| t.join().unwrap())
                    .unwrap_or_default();
                panic!("fleet_worker ended early:\n{log}");
            }
        }
    }

    fn wait_ready(&mut self) {
        assert_eq!(self.line(), "ready");
    }

    fn go(&mut self) {
        writeln!(self.stdin, "go").unwrap();
    }

    fn finish(mut self) -> Report {
        let report: Value = serde_json::from_str(&self.line()).unwrap();
        let status = self.child.wait().unwrap();
        let log = self.stderr.take().unwrap().join().unwrap();
        assert!(status.success(), "fleet_worker failed: {log}");
        Report {
            ok: report["ok"].as_u64().unwrap() as usize,
            errors: serde_json::from_value(report["errors"].clone()).unwrap(),
            done_ms: serde_json::from_value(report["done_ms"].clone()).unwrap(),
            refreshed: report["refreshed"].as_u64().unwrap() as usize,
            shared: report["shared"].as_bool().unwrap(),
            log,
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `n` workers, waits until each is ready, lets them all go and collects their reports.
/// `between` runs after the workers are ready and before they go.
fn run_fleet(
    n: usize,
    redis_url: &str,
    mock: &MockServer,
    prefix: &str,
    extra: &[(&str, &str)],
    between: impl FnOnce(),
    during: impl FnOnce(),
) -> Vec<Report> {
    let mut workers: Vec<Worker> = (0..n)
        .map(|_| Worker::spawn(redis_url, mock, prefix, extra))
        .collect();
    for worker in &mut workers {
        worker.wait_ready();
    }
    between();
    for worker in &mut workers {
        worker.go();
    }
    during();
    workers.into_iter().map(Worker::finish).collect()
}

/// Groups call completion times into the stand-in's rate-limit windows: the fleet sends
/// nothing between the end of one window and the announced reset (whole seconds, plus the SDK's
/// slack), so a pause of more than `gap` starts a new window. Returns the calls per window.
fn windows(mut done_ms: Vec<u64>, gap: u64) -> Vec<usize> {
    done_ms.sort_unstable();
    let mut counts = Vec::new();
    let mut last = None;
    for at in done_ms {
        match last {
            Some(previous) if at - previous <= gap => *counts.last_mut().unwrap() += 1,
            _ => counts.push(1),
        }
        last = Some(at);
    }
    counts
}

#[test]
fn four_processes_share_one_bucket_and_one_app_token() {
    const LIMIT: usize = 80;
    let rt = runtime();
    let Some(redis) = rt.block_on(RedisServer::start()) else {
        return;
    };
    let mock = rt
        .block_on(
            MockServer::builder()
                .rate_limit(LIMIT as u32, Duration::from_secs(1))
                .start(),
        )
        .unwrap();
    let reports = run_fleet(
        4,
        &redis.url(),
        &mock,
        "bucket-test:",
        &[("FLEET_TASKS", "25"), ("FLEET_CALLS", "2")],
        || {
            let counts = mock.oauth_counts();
            assert_eq!(counts.client_credentials, 1, "one app token for the fleet");
        },
        || {},
    );

    let ok: usize = reports.iter().map(|r| r.ok).sum();
    let errors: Vec<_> = reports.iter().flat_map(|r| &r.errors).collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(ok, 200);
    let sent = helix_requests(&mock);
    assert_eq!(sent.len(), 200, "one request per call");
    assert_eq!(count_status(&sent, 429), 0, "no 429 in the fleet");

    // Every window but the last is used to at least 90% (a window holds at most LIMIT calls;
    // a group longer than that is two windows the gap rule could not tell apart).
    let done: Vec<u64> = reports.iter().flat_map(|r| r.done_ms.clone()).collect();
    let groups = windows(done, 250);
    let (full, last) = groups.split_at(groups.len() - 1);
    let spanned: usize = full.iter().map(|&n| n.div_ceil(LIMIT)).sum();
    let used: usize = full.iter().sum();
    let share = used as f64 / (spanned * LIMIT).max(1) as f64;
    eprintln!(
        "fleet bucket: calls per window {groups:?} (limit {LIMIT}); full windows used {:.1}%",
        share * 100.0
    );
    assert!(!full.is_empty() && last[0] <= LIMIT, "{groups:?}");
    assert!(share >= 0.9, "{groups:?}: {:.1}% used", share * 100.0);
}

#[test]
fn an_expired_user_token_is_refreshed_once_for_four_processes() {
    let rt = runtime();
    let Some(redis) = rt.block_on(RedisServer::start()) else {
        return;
    };
    let mock = rt.block_on(MockServer::start());
    let (access, refresh) = mock.issue_user_token(USER_ID, LOGIN, &[], HOUR);
    let reports = run_fleet(
        4,
        &redis.url(),
        &mock,
        "token-test:",
        &[
            ("FLEET_ACCESS", &access),
            ("FLEET_REFRESH", &refresh),
            ("FLEET_TASKS", "25"),
        ],
        || {
            assert_eq!(mock.oauth_counts().refresh, 0);
            // Every process holds the token; Helix now rejects it.
            assert!(mock.expire_token(&access));
        },
        || {},
    );
    for report in &reports {
        assert!(
            report.errors.is_empty(),
            "{:?}\n{}",
            report.errors.first(),
            report.log
        );
    }
    assert_eq!(reports.iter().map(|r| r.ok).sum::<usize>(), 100);
    assert_eq!(mock.oauth_counts().refresh, 1, "one refresh fleet-wide");
    let hooks: Vec<usize> = reports.iter().map(|r| r.refreshed).collect();
    assert_eq!(
        hooks.iter().sum::<usize>(),
        1,
        "on_refresh per process: {hooks:?}"
    );
}

#[test]
fn redis_killed_mid_run_and_restarted() {
    let rt = runtime();
    let Some(mut redis) = rt.block_on(RedisServer::start()) else {
        return;
    };
    let mock = rt
        .block_on(
            MockServer::builder()
                .rate_limit(100_000, Duration::from_secs(60))
                .start(),
        )
        .unwrap();
    let prefix = "outage-test:";
    let mut outage = Duration::ZERO;
    let reports = run_fleet(
        2,
        &redis.url(),
        &mock,
        prefix,
        &[
            ("FLEET_TASKS", "5"),
            ("FLEET_FOR_MS", "3000"),
            ("FLEET_PAUSE_MS", "10"),
            ("FLEET_RETRY_MS", "200"),
        ],
        || {},
        || {
            std::thread::sleep(Duration::from_millis(800));
            let killed = Instant::now();
            redis.kill();
            std::thread::sleep(Duration::from_millis(800));
            rt.block_on(redis.restart());
            outage = killed.elapsed();
        },
    );
    eprintln!("Redis was down for {outage:?}");
    for report in &reports {
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        assert!(report.ok > 100, "{} calls", report.ok);
        let warned = report.log.matches("Redis unavailable").count();
        let resumed = report.log.matches("sharing resumed").count();
        assert_eq!(
            (warned, resumed),
            (1, 1),
            "one warning per outage:\n{}",
            report.log
        );
        assert!(report.shared, "sharing resumed by the end");
    }
    assert_eq!(count_status(&helix_requests(&mock), 429), 0);
    // The restarted Redis started empty: the bucket is there again because the fleet used it.
    let bucket = format!("{prefix}bucket:app:{}", mock.client_id());
    let exists: bool = rt.block_on(async {
        let mut conn = redis.connection().await;
        redis::cmd("EXISTS")
            .arg(&bucket)
            .query_async(&mut conn)
            .await
            .unwrap()
    });
    assert!(exists, "{bucket} after the restart");
}

/// Renewal before expiry (the clock passes the renewal time) by two clients on separate
/// connections: one refresh, and the other client takes the stored token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_due_for_renewal_is_renewed_once_across_clients() {
    let Some(redis) = RedisServer::start().await else {
        return;
    };
    let mock = MockServer::start().await;
    let (access, refresh) = mock.issue_user_token(USER_ID, LOGIN, &[], HOUR);
    let clock = ManualClock::new();
    let mut users = Vec::new();
    let mut hooks = Vec::new();
    for _ in 0..2 {
        let fleet = Fleet::builder(redis.url())
            .key_prefix("renew-test:")
            .timeout(Duration::from_secs(2))
            .start()
            .await
            .unwrap();
        let counter = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let seen = counter.clone();
        let token = support::refreshable(&mock, &access, &refresh).on_refresh(move |_| {
            seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        });
        let client = support::client(&mock)
            .clock(clock.clone())
            .fleet(&fleet)
            .build()
            .unwrap();
        users.push(client.user(token).await.unwrap());
        hooks.push(counter);
    }
    // The stand-in's token lives an hour: renewal is due 5 minutes before.
    clock.advance(Duration::from_secs(3300));
    let calls: Vec<_> = users
        .iter()
        .cycle()
        .take(20)
        .map(|user| {
            let user = user.clone();
            tokio::spawn(async move { user.get_users().await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(mock.oauth_counts().refresh, 1);
    let fired: Vec<usize> = hooks
        .iter()
        .map(|h| h.load(std::sync::atomic::Ordering::SeqCst))
        .collect();
    assert_eq!(fired.iter().sum::<usize>(), 1, "{fired:?}");
    // Both clients now send the new token.
    let tokens: std::collections::HashSet<String> = helix_requests(&mock)
        .iter()
        .rev()
        .take(10)
        .map(|r| support::bearer(r).to_owned())
        .collect();
    assert_eq!(
        tokens.len(),
        1,
        "the newest requests all carry the renewed token"
    );
    assert!(!tokens.contains(&access));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dedupe_is_fleet_wide_for_ten_minutes_and_local_while_redis_is_down() {
    let Some(mut redis) = RedisServer::start().await else {
        return;
    };
    let fleet = |prefix: &'static str| {
        Fleet::builder(redis.url())
            .key_prefix(prefix)
            .retry_every(Duration::from_millis(50))
            .timeout(Duration::from_secs(2))
            .start()
    };
    let (a, b, other) = (
        fleet("dedupe-test:").await.unwrap(),
        fleet("dedupe-test:").await.unwrap(),
        fleet("another-fleet:").await.unwrap(),
    );
    let (da, db) = (a.dedupe(), b.dedupe());
    assert!(da.first_sighting("m1").await);
    assert!(
        !db.first_sighting("m1").await,
        "the other process saw it first"
    );
    assert!(!da.first_sighting("m1").await);
    assert!(
        other.dedupe().first_sighting("m1").await,
        "prefixes share nothing"
    );
    let ttl: i64 = redis::cmd("PTTL")
        .arg("dedupe-test:dedupe:m1")
        .query_async(&mut redis.connection().await)
        .await
        .unwrap();
    assert!((590_000..=600_000).contains(&ttl), "{ttl} ms");

    redis.kill();
    let started = Instant::now();
    assert!(db.first_sighting("m2").await);
    assert!(
        !db.first_sighting("m2").await,
        "remembered in-process meanwhile"
    );
    assert!(
        da.first_sighting("m2").await,
        "the other process cannot know"
    );
    assert!(
        !db.first_sighting("m1").await,
        "ids seen before the outage are still caught"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert!(!a.is_shared() && !b.is_shared());

    redis.restart().await;
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut n = 0;
    while !(a.is_shared() && b.is_shared()) {
        assert!(Instant::now() < deadline, "sharing did not resume");
        da.first_sighting(&format!("probe-a-{n}")).await;
        db.first_sighting(&format!("probe-b-{n}")).await;
        n += 1;
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
    assert!(da.first_sighting("m3").await);
    assert!(!db.first_sighting("m3").await, "shared again");
}

/// A fleet that gives up on Redis after 100 ms and asks again every 100 ms, and an app client
/// on it against a stand-in with a budget too large to matter: for the stall tests.
async fn quick_fleet(redis: &RedisServer, prefix: &str) -> (Fleet, MockServer, twitch_sdk::AppApi) {
    let fleet = Fleet::builder(redis.url())
        .key_prefix(prefix)
        .timeout(Duration::from_millis(100))
        .retry_every(Duration::from_millis(100))
        .start()
        .await
        .unwrap();
    let mock = MockServer::builder()
        .rate_limit(100_000, Duration::from_secs(60))
        .start()
        .await
        .unwrap();
    let app = support::client(&mock)
        .fleet(&fleet)
        .build()
        .unwrap()
        .app(ClientCredentials::new(
            mock.client_id(),
            mock.client_secret(),
        ))
        .await
        .unwrap();
    (fleet, mock, app)
}

/// Redis stalls (`DEBUG SLEEP`) while a client of the fleet keeps calling: no call waits much
/// longer than the fleet's timeout, none fails, and sharing resumes once Redis answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_redis_is_left_alone_until_it_answers() {
    let Some(redis) = RedisServer::start().await else {
        return;
    };
    let (fleet, _mock, app) = quick_fleet(&redis, "slow-test:").await;
    app.get_users().user_ids(["0"]).await.unwrap();
    assert!(fleet.is_shared());

    let mut conn = redis.connection().await;
    let stall = tokio::spawn(async move {
        redis::cmd("DEBUG")
            .arg("SLEEP")
            .arg("3")
            .query_async::<()>(&mut conn)
            .await
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let started = Instant::now();
    let mut slowest = Duration::ZERO;
    let mut saw_fallback = false;
    let mut n = 1;
    while started.elapsed() < Duration::from_millis(3500) {
        let call = Instant::now();
        app.get_users().user_ids([n.to_string()]).await.unwrap();
        slowest = slowest.max(call.elapsed());
        saw_fallback |= !fleet.is_shared();
        n += 1;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // The test's own connection gives up on the answer too; the server slept all the same.
    let _ = stall.await.unwrap();
    eprintln!("{n} calls; slowest {slowest:?}");
    assert!(saw_fallback, "the stall was noticed");
    // Far below the 3-second stall: no call waited for Redis (the margin is for a loaded machine).
    assert!(slowest < Duration::from_secs(2), "{slowest:?}");
    assert!(fleet.is_shared(), "sharing resumed");
}

/// A stall before the bucket's size is known: the first request's `TAKE` (the probe) is given up
/// on, then runs once Redis wakes. Without the release, every call would wait out the probe's
/// 10-second lease.
#[tokio::test]
async fn a_probe_given_up_during_a_stall_does_not_hold_the_bucket() {
    let Some(redis) = RedisServer::start().await else {
        return;
    };
    let (fleet, _mock, app) = quick_fleet(&redis, "probe-test:").await;
    let mut conn = redis.connection().await;
    let stall = tokio::spawn(async move {
        redis::cmd("DEBUG")
            .arg("SLEEP")
            .arg("1")
            .query_async::<()>(&mut conn)
            .await
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    // The first call of the bucket: its probe goes unanswered and the call goes on alone.
    app.get_users().user_ids(["1"]).await.unwrap();
    let _ = stall.await.unwrap();
    let started = Instant::now();
    let mut slowest = Duration::ZERO;
    let mut n = 2;
    while started.elapsed() < Duration::from_millis(1500) || !fleet.is_shared() {
        let call = Instant::now();
        app.get_users().user_ids([n.to_string()]).await.unwrap();
        slowest = slowest.max(call.elapsed());
        n += 1;
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "sharing never resumed"
        );
    }
    eprintln!("{n} calls after the stall; slowest {slowest:?}");
    // Far below the probe's 10-second lease (the margin is for a loaded machine).
    assert!(slowest < Duration::from_secs(3), "{slowest:?}");
}

#[tokio::test]
async fn a_bad_url_is_a_config_error_and_an_unreachable_redis_is_not() {
    let err = Fleet::connect("http://user:hunter2@127.0.0.1/")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err}");
    assert!(!err.to_string().contains("hunter2"), "{err}");

    // Nobody listens on this port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let builder = Fleet::builder(format!("redis://:hunter2@127.0.0.1:{port}/"));
    assert!(!format!("{builder:?}").contains("hunter2"));
    let started = Instant::now();
    let fleet = builder.start().await.unwrap();
    assert!(!fleet.is_shared());
    assert!(!format!("{fleet:?}").contains("hunter2"));
    let mock = MockServer::start().await;
    let app = support::client(&mock)
        .fleet(&fleet)
        .build()
        .unwrap()
        .app(ClientCredentials::new(
            mock.client_id(),
            mock.client_secret(),
        ))
        .await
        .unwrap();
    for n in 0..20 {
        app.get_users().user_ids([n.to_string()]).await.unwrap();
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}
