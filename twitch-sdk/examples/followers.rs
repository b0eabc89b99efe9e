//! Pages through every follower of a channel with a progress line, then sums them up by year.
//!
//! ```sh
//! cargo run --example followers
//! ```
//!
//! By default it runs against the built-in Helix stand-in, which serves 2,345 made-up followers
//! and allows only 10 requests per second, so you can watch the SDK wait for the rate-limit bucket
//! instead of running into `429 Too Many Requests`.
//!
//! With `TWITCH_CLIENT_ID` and `TWITCH_USER_TOKEN` set (a user access token with the
//! `moderator:read:followers` scope) it reads the real followers of the token's user, or of
//! `TWITCH_BROADCASTER_ID` when the token's user moderates that channel. It only reads.

use std::collections::BTreeMap;
use std::error::Error as StdError;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use twitch_sdk::mock::MockServer;
use twitch_sdk::requests::GetChannelFollowers;
use twitch_sdk::serde_json::{self, json};
use twitch_sdk::{Client, UserApi, UserToken};

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\nerror: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn StdError>> {
    let client_id = std::env::var("TWITCH_CLIENT_ID").unwrap_or_default();
    let token = std::env::var("TWITCH_USER_TOKEN").unwrap_or_default();
    let broadcaster = std::env::var("TWITCH_BROADCASTER_ID").ok();

    // Keep the stand-in alive for the whole run (it stops when dropped).
    let mut mock = None;
    let api = if !client_id.is_empty() && !token.is_empty() {
        println!("Using real Twitch with the user token from TWITCH_USER_TOKEN.");
        Client::new()?
            .user(UserToken::new(client_id, token))
            .await?
    } else {
        let server = MockServer::builder()
            .rate_limit(10, Duration::from_secs(1))
            .start()
            .await?;
        server
            .set_items("get-channel-followers", demo_followers(2345))
            .expect("get-channel-followers pages");
        println!(
            "Using the built-in Helix stand-in at {} (2,345 followers, 10 requests per second).",
            server.url()
        );
        let api = stand_in_user(&server).await?;
        mock = Some(server);
        api
    };

    let channel = broadcaster.unwrap_or_else(|| api.user_id());
    // The count alone needs no scope and one small request.
    let count = api.get_channel_follower_count(&channel).await?;
    println!("Channel {channel} has {count} followers:");
    let started = Instant::now();
    let mut progress = Progress::new();
    let mut by_year: BTreeMap<String, usize> = BTreeMap::new();
    let mut first_follower = None;

    // `limit(usize::MAX)`: every follower (awaiting the builder alone stops at 100).
    let mut pages = api
        .get_channel_followers()
        .broadcaster_id(&channel)
        .limit(usize::MAX)
        .paginate();
    let mut page_count = 0;
    while let Some(page) = pages.next_page().await? {
        page_count += 1;
        for follower in &page {
            let year = follower.followed_at.get().year().to_string();
            *by_year.entry(year).or_default() += 1;
        }
        // Helix lists the newest followers first, so the last one seen is the oldest.
        if let Some(last) = page.last() {
            first_follower = Some(last.clone());
        }
        // `total()`: the follower count Helix sends with every page.
        progress.show(
            pages.fetched_count(),
            pages.total(),
            page_count,
            started.elapsed(),
        );
    }
    progress.finish();

    println!("Followers by the year they followed:");
    for (year, count) in &by_year {
        println!("  {year}: {count:>5}");
    }
    if let Some(f) = first_follower {
        println!(
            "Longest-standing follower: {} ({}), since {}",
            f.user_name, f.user_login, f.followed_at
        );
    }
    if let Some(mock) = &mock {
        let requests = mock.requests_to(GetChannelFollowers::OPERATION);
        let refused = requests.iter().filter(|r| r.status == Some(429)).count();
        println!(
            "The stand-in received {} page requests and answered 429 to {refused} of them: the SDK \
             queued the calls until its rate-limit bucket refilled.",
            requests.len()
        );
    }
    Ok(())
}

/// A user API for `caster_cat` (id 1234) on the stand-in, allowed to read followers.
async fn stand_in_user(mock: &MockServer) -> twitch_sdk::Result<UserApi> {
    let (access, _refresh) = mock.issue_user_token(
        "1234",
        "caster_cat",
        &["moderator:read:followers"],
        Duration::from_secs(3600),
    );
    Client::builder()
        .helix_url(mock.helix_url())
        .oauth_url(mock.oauth_url())
        .build()?
        .user(UserToken::new(mock.client_id(), access))
        .await
}

/// One progress line, redrawn in place on a terminal and printed per page otherwise.
struct Progress {
    in_place: bool,
}

impl Progress {
    fn new() -> Self {
        Progress {
            in_place: std::io::stdout().is_terminal(),
        }
    }

    fn show(&mut self, fetched: usize, total: Option<u64>, pages: usize, elapsed: Duration) {
        let rate = fetched as f64 / elapsed.as_secs_f64().max(0.001);
        let of = total.map(|t| format!(" of {t:>6}")).unwrap_or_default();
        let line = format!(
            "  page {pages:>3}: {fetched:>6}{of} followers, {:>5.1} s, {rate:>6.0} followers/s",
            elapsed.as_secs_f64()
        );
        if self.in_place {
            print!("\r{line}");
            let _ = std::io::stdout().flush();
        } else {
            println!("{line}");
        }
    }

    fn finish(&mut self) {
        if self.in_place {
            println!();
        }
    }
}

/// `count` made-up followers, newest first, spread over the last few years.
fn demo_followers(count: usize) -> Vec<serde_json::Value> {
    (0..count)
        .map(|n| {
            let year = 2025 - n / 600;
            let month = 12 - (n / 50) % 12;
            let day = 28 - n % 28;
            json!({
                "user_id": (100_000 + n).to_string(),
                "user_login": format!("viewer{n:04}"),
                "user_name": format!("Viewer{n:04}"),
                "followed_at": format!("{year}-{month:02}-{day:02}T12:00:00Z"),
            })
        })
        .collect()
}
