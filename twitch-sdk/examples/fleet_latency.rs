//! Measures what the fleet's shared rate-limit bucket adds to a call: sequential `get_users`
//! calls through an app handle whose bucket lives in Redis, against one whose bucket is in
//! process, both against the built-in Helix stand-in (with a bucket far larger than the run, so
//! nothing waits for a reset). The two alternate in rounds so that machine noise hits both alike.
//!
//! ```sh
//! redis-server --port 6390 --save '' &
//! REDIS_URL=redis://127.0.0.1:6390/ cargo run --release --features redis --example fleet_latency
//! ```
//!
//! Prints the median, p99 and mean per call of each, and the difference (BENCHMARKS.md).

use std::error::Error as StdError;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use twitch_sdk::fleet::Fleet;
use twitch_sdk::mock::MockServer;
use twitch_sdk::{AppApi, Client, ClientCredentials};

/// Rounds after one warm-up round, and calls per client per round.
const ROUNDS: usize = 10;
const CALLS: usize = 500;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn StdError>> {
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".into());
    let fleet = Fleet::builder(url)
        .key_prefix("fleet-latency:")
        .start()
        .await?;
    if !fleet.is_shared() {
        return Err("Redis does not answer at REDIS_URL".into());
    }
    let mock = MockServer::builder()
        .rate_limit(10_000_000, Duration::from_secs(60))
        .start()
        .await?;
    let app = |shared: bool| {
        let mut builder = Client::builder()
            .helix_url(mock.helix_url())
            .oauth_url(mock.oauth_url());
        if shared {
            builder = builder.fleet(&fleet);
        }
        let credentials = ClientCredentials::new(mock.client_id(), mock.client_secret());
        async move { builder.build()?.app(credentials).await }
    };
    let (local, shared) = (app(false).await?, app(true).await?);
    let (mut local_times, mut shared_times) = (Vec::new(), Vec::new());
    for round in 0..=ROUNDS {
        // The first round warms both up and is not counted.
        let keep = round > 0;
        time_calls(&local, keep.then_some(&mut local_times)).await?;
        time_calls(&shared, keep.then_some(&mut shared_times)).await?;
    }
    if !fleet.is_shared() {
        return Err("Redis stopped answering during the run".into());
    }
    let (l50, l99, lmean) = summary(&mut local_times);
    let (s50, s99, smean) = summary(&mut shared_times);
    println!("calls per client: {}", ROUNDS * CALLS);
    println!("in-process bucket: median {l50:?}, p99 {l99:?}, mean {lmean:?}");
    println!("shared bucket:     median {s50:?}, p99 {s99:?}, mean {smean:?}");
    println!(
        "added per call: median {:?}, mean {:?}",
        s50.saturating_sub(l50),
        smean.saturating_sub(lmean)
    );
    Ok(())
}

/// One round of calls, timed into `times` when given.
async fn time_calls(app: &AppApi, mut times: Option<&mut Vec<Duration>>) -> twitch_sdk::Result<()> {
    for n in 0..CALLS {
        let started = Instant::now();
        app.get_users().user_ids([n.to_string()]).await?;
        if let Some(times) = times.as_deref_mut() {
            times.push(started.elapsed());
        }
    }
    Ok(())
}

/// Median, p99 and mean.
fn summary(times: &mut [Duration]) -> (Duration, Duration, Duration) {
    times.sort_unstable();
    let mean = times.iter().sum::<Duration>() / times.len().max(1) as u32;
    (times[times.len() / 2], times[times.len() * 99 / 100], mean)
}
