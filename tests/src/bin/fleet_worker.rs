//! `fleet_worker`: one process of a fleet, which `tests/fleet.rs` starts several times.
//!
//! Configured through `FLEET_*` environment variables (see [`Config`]), it connects to the
//! fleet's Redis, builds a client sharing rate limits and tokens through it, makes an app or a
//! user handle, prints `ready` and waits for a line on stdin. Then it makes its calls from many
//! tasks at once and prints one JSON line: calls that succeeded, the errors of those that did
//! not, when each call finished (Unix ms), and how often `on_refresh` fired here. The SDK's
//! warnings go to stderr.

use std::io::BufRead;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::json;
use tracing_subscriber::filter::LevelFilter;
use twitch_sdk::fleet::Fleet;
use twitch_sdk::{AppApi, Client, ClientCredentials, UserApi, UserToken};
use twitch_sdk_tests::child::{self, number, var};

/// What the parent test sets.
struct Config {
    /// `FLEET_REDIS`: the Redis URL.
    redis: String,
    /// `FLEET_PREFIX`: the key prefix.
    prefix: String,
    /// `FLEET_HELIX`, `FLEET_OAUTH`: the stand-in's URLs.
    helix: String,
    oauth: String,
    /// `FLEET_CLIENT_ID`, `FLEET_CLIENT_SECRET`.
    client_id: String,
    client_secret: String,
    /// `FLEET_ACCESS`, `FLEET_REFRESH`: a user token to use instead of the app token.
    user: Option<(String, String)>,
    /// `FLEET_TASKS` tasks each making `FLEET_CALLS` calls, or, with `FLEET_FOR_MS`, calling
    /// until that many milliseconds have passed (`FLEET_PAUSE_MS` apart).
    tasks: usize,
    calls: usize,
    run_for: Option<Duration>,
    pause: Duration,
    /// `FLEET_RETRY_MS`, `FLEET_TIMEOUT_MS`: the fleet's `retry_every` and `timeout`.
    retry_every: Duration,
    timeout: Duration,
}

impl Config {
    fn from_env() -> Result<Config, String> {
        let user = match (
            std::env::var("FLEET_ACCESS"),
            std::env::var("FLEET_REFRESH"),
        ) {
            (Ok(access), Ok(refresh)) => Some((access, refresh)),
            _ => None,
        };
        Ok(Config {
            redis: var("FLEET_REDIS")?,
            prefix: var("FLEET_PREFIX")?,
            helix: var("FLEET_HELIX")?,
            oauth: var("FLEET_OAUTH")?,
            client_id: var("FLEET_CLIENT_ID")?,
            client_secret: var("FLEET_CLIENT_SECRET")?,
            user,
            tasks: number("FLEET_TASKS", 25)? as usize,
            calls: number("FLEET_CALLS", 1)? as usize,
            run_for: std::env::var("FLEET_FOR_MS")
                .ok()
                .and_then(|v| v.parse().ok())
                .map(Duration::from_millis),
            pause: Duration::from_millis(number("FLEET_PAUSE_MS", 0)?),
            retry_every: Duration::from_millis(number("FLEET_RETRY_MS", 1000)?),
            timeout: Duration::from_millis(number("FLEET_TIMEOUT_MS", 200)?),
        })
    }
}

/// The handle the calls go through.
#[derive(Clone)]
enum Handle {
    App(AppApi),
    User(UserApi),
}

impl Handle {
    async fn call(&self, n: usize) -> twitch_sdk::Result<()> {
        match self {
            Handle::App(app) => app.get_users().user_ids([n.to_string()]).await.map(drop),
            Handle::User(user) => user.get_users().await.map(drop),
        }
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    child::log_to_stderr(LevelFilter::WARN);
    child::exit("fleet_worker", run().await)
}

async fn run() -> Result<(), String> {
    let config = Config::from_env()?;
    let fleet = Fleet::builder(config.redis.as_str())
        .key_prefix(config.prefix.as_str())
        .retry_every(config.retry_every)
        .timeout(config.timeout)
        .start()
        .await
        .map_err(|e| e.to_string())?;
    let client = Client::builder()
        .helix_url(config.helix.as_str())
        .oauth_url(config.oauth.as_str())
        .retry_backoff(Duration::from_millis(1))
        .fleet(&fleet)
        .build()
        .map_err(|e| e.to_string())?;
    let refreshed = Arc::new(AtomicUsize::new(0));
    let handle = match &config.user {
        None => Handle::App(
            client
                .app(ClientCredentials::new(
                    config.client_id.as_str(),
                    config.client_secret.as_str(),
                ))
                .await
                .map_err(|e| e.to_string())?,
        ),
        Some((access, refresh)) => {
            let counter = refreshed.clone();
            let token = UserToken::new(config.client_id.as_str(), access.as_str())
                .refresh_token(refresh.as_str())
                .client_secret(config.client_secret.as_str())
                .on_refresh(move |_| {
                    counter.fetch_add(1, Ordering::SeqCst);
                });
            Handle::User(client.user(token).await.map_err(|e| e.to_string())?)
        }
    };
    println!("ready");
    tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map(drop)
    })
    .await
    .map_err(|e| e.to_string())?
    .map_err(|e| format!("reading stdin: {e}"))?;

    let started = Instant::now();
    let tasks: Vec<_> = (0..config.tasks)
        .map(|task| {
            let handle = handle.clone();
            let (calls, run_for, pause) = (config.calls, config.run_for, config.pause);
            tokio::spawn(async move {
                let mut outcomes = Vec::new();
                let mut n = 0;
                loop {
                    let more = match run_for {
                        Some(limit) => started.elapsed() < limit,
                        None => n < calls,
                    };
                    if !more {
                        break;
                    }
                    let result = handle.call(task * 1000 + n).await;
                    outcomes.push((result.map_err(|e| e.to_string()), unix_ms()));
                    n += 1;
                    tokio::time::sleep(pause).await;
                }
                outcomes
            })
        })
        .collect();
    let (mut ok, mut errors, mut done_ms) = (0, Vec::new(), Vec::new());
    for task in tasks {
        for (result, at) in task.await.map_err(|e| e.to_string())? {
            match result {
                Ok(()) => ok += 1,
                Err(e) => errors.push(e),
            }
            done_ms.push(at);
        }
    }
    let report = json!({
        "ok": ok,
        "errors": errors,
        "done_ms": done_ms,
        "refreshed": refreshed.load(Ordering::SeqCst),
        "shared": fleet.is_shared(),
    });
    println!("{report}");
    Ok(())
}

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}
