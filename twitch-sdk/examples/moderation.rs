//! A moderation helper: timeouts and bans, the ban list, blocked terms and a chat "lockdown".
//!
//! ```sh
//! cargo run --example moderation
//! ```
//!
//! [`Moderation`] wraps a [`UserApi`] whose token belongs to the broadcaster or one of their
//! moderators, and acts on one channel. Its methods are what a bot's `!timeout`, `!ban`, `!unban`,
//! `!lockdown` commands or a start-of-stream routine would call.
//!
//! `main` runs it against the built-in Helix stand-in, so no account is needed: a moderator of
//! the stand-in's seeded channel times out, bans (twice, the second refused as Twitch refuses
//! it), unbans, blocks terms and locks chat down, and every change shows in later reads. Listing
//! the bans is the broadcaster's call on Twitch, so the broadcaster does it.
//! To use the helper for real, make the `UserApi` from your own token with the scopes in
//! [`SCOPES`] (see the README's "Authentication" section).

use std::error::Error as StdError;
use std::process::ExitCode;
use std::time::Duration;

use twitch_sdk::mock::MockServer;
use twitch_sdk::models::{BannedUser, ChatSettings};
use twitch_sdk::{Client, Error, Result, UserApi, UserToken};

/// The scopes the helper needs.
const SCOPES: &[&str] = &[
    "moderator:manage:banned_users",
    "moderator:manage:blocked_terms",
    "moderator:manage:chat_settings",
];

/// Moderation actions in one channel, as the token's user (the broadcaster or a moderator).
struct Moderation {
    api: UserApi,
    channel: String,
}

impl Moderation {
    fn new(api: UserApi, channel_id: impl Into<String>) -> Self {
        Moderation {
            api,
            channel: channel_id.into(),
        }
    }

    /// Times `user_id` out. Twitch allows 1 second to 14 days; the SDK checks that before sending.
    async fn timeout(&self, user_id: &str, duration: Duration, reason: &str) -> Result<()> {
        let seconds = u32::try_from(duration.as_secs()).unwrap_or(u32::MAX);
        self.api
            .ban_user(user_id)
            .broadcaster_id(&self.channel)
            .duration(seconds)
            .reason(reason)
            .await?;
        Ok(())
    }

    /// Bans `user_id` for good. Returns `false` when the user was banned already.
    async fn ban(&self, user_id: &str, reason: &str) -> Result<bool> {
        let ban = self
            .api
            .ban_user(user_id)
            .broadcaster_id(&self.channel)
            .reason(reason)
            .await;
        match ban {
            Ok(_) => Ok(true),
            // Twitch answers 400 for a user who is banned already; that is fine here.
            Err(Error::BadRequest { message, .. }) if message.contains("already banned") => {
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }

    /// Lifts a ban or timeout.
    async fn unban(&self, user_id: &str) -> Result<()> {
        self.api
            .unban_user(user_id)
            .broadcaster_id(&self.channel)
            .await
    }

    /// Everyone banned or timed out in the channel, every page of it. Twitch answers this only
    /// to the broadcaster (its token's user must be the channel); for a moderator the SDK
    /// refuses the call before sending it.
    async fn banned(&self) -> Result<Vec<BannedUser>> {
        self.api
            .get_banned_users()
            .broadcaster_id(&self.channel)
            .limit(usize::MAX) // awaiting collects 100 by default; a ban list can be longer
            .await
    }

    /// Makes sure each of `terms` is blocked (case-insensitively); returns the ones it added.
    async fn block_terms<'a>(&self, terms: &[&'a str]) -> Result<Vec<&'a str>> {
        let existing = self
            .api
            .get_blocked_terms()
            .broadcaster_id(&self.channel)
            .limit(usize::MAX)
            .await?;
        let mut added = Vec::new();
        for &term in terms {
            if existing.iter().any(|t| t.text.eq_ignore_ascii_case(term)) {
                continue;
            }
            self.api
                .add_blocked_term(term)
                .broadcaster_id(&self.channel)
                .await?;
            added.push(term);
        }
        Ok(added)
    }

    /// Lockdown on: followers of at least 10 minutes only, 30-second slow mode. Off: both lifted.
    async fn lockdown(&self, on: bool) -> Result<ChatSettings> {
        let update = self
            .api
            .update_chat_settings()
            .broadcaster_id(&self.channel)
            .follower_mode(on)
            .slow_mode(on);
        if on {
            update
                .follower_mode_duration(10)
                .slow_mode_wait_time(30)
                .await
        } else {
            update.await
        }
    }

    /// The channel's chat settings now.
    async fn chat_settings(&self) -> Result<ChatSettings> {
        // With `moderator_id` Twitch also reports the moderator-only settings (the chat delay).
        self.api
            .get_chat_settings(&self.channel)
            .moderator_id(self.api.user_id())
            .await
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> std::result::Result<(), Box<dyn StdError>> {
    let mock = MockServer::start().await;
    println!(
        "Moderation helper against the Helix stand-in at {}\n",
        mock.url()
    );
    let client = Client::builder()
        .helix_url(mock.helix_url())
        .oauth_url(mock.oauth_url())
        .build()?;

    // The stand-in's world: mod_mia (1002) moderates streamer_sam's channel (1001), where
    // spambot_7 (1004) is banned and "free followers" is blocked already.
    let mods = Moderation::new(
        user_api(&mock, &client, "1002", "mod_mia", SCOPES).await?,
        "1001",
    );

    println!("Bans (as the moderator mod_mia)");
    mods.timeout("1003", Duration::from_secs(600), "caps spam")
        .await?;
    println!("  timed out viewer_vic (1003) for 10 minutes");
    match mods
        .timeout("1003", Duration::from_secs(30 * 24 * 3600), "too long")
        .await
    {
        Err(e @ Error::InvalidArgument { .. }) => {
            println!("  a 30-day timeout is refused before sending: {e}");
        }
        other => println!("  unexpected: {other:?}"),
    }
    for attempt in ["ban", "ban again"] {
        let outcome = if mods.ban("1006", "bot account").await? {
            "banned"
        } else {
            "already banned"
        };
        println!("  {attempt} offline_olly (1006): {outcome}");
    }
    // Twitch lists a channel's bans only to its broadcaster: the SDK refuses the moderator's
    // call before sending it.
    match mods.banned().await {
        Err(e @ Error::InvalidArgument { .. }) => println!("  ban list as a moderator: {e}"),
        other => println!("  unexpected: {other:?}"),
    }
    mods.unban("1004").await?;
    println!("  unbanned spambot_7 (1004)");

    // The broadcaster reads the ban list.
    let read = ["moderator:manage:banned_users"];
    let owner = Moderation::new(
        user_api(&mock, &client, "1001", "streamer_sam", &read).await?,
        "1001",
    );
    let banned = owner.banned().await?;
    println!(
        "  ban list, read by streamer_sam ({} entries):",
        banned.len()
    );
    for ban in &banned {
        let until = ban
            .expires_at
            .as_ref()
            .map_or("permanent".to_owned(), |t| format!("until {t}"));
        println!(
            "    {:<12} {:<6} by {:<8} {until}: {}",
            ban.user_login, ban.user_id, ban.moderator_login, ban.reason
        );
    }
    println!();

    println!("Blocked terms");
    let wanted = ["free followers", "buy views", "cheap viewers"];
    let added = mods.block_terms(&wanted).await?;
    println!("  wanted: {wanted:?}");
    println!("  added:  {added:?} (the others were blocked already)\n");

    println!("Chat settings");
    print_settings("  now:          ", &mods.chat_settings().await?);
    print_settings("  lockdown on:  ", &mods.lockdown(true).await?);
    print_settings("  read back:    ", &mods.chat_settings().await?);
    print_settings("  lockdown off: ", &mods.lockdown(false).await?);

    println!("\nRequests the stand-in received:");
    for r in mock
        .requests()
        .iter()
        .filter(|r| r.path.starts_with("/helix"))
    {
        let line = format!(
            "  {} {:<20} {:<6} {}?{} {}",
            r.status.unwrap_or(0),
            r.operation.unwrap_or("?"),
            r.method,
            r.path,
            r.raw_query,
            r.body_text()
        );
        println!("{}", line.trim_end());
    }
    Ok(())
}

/// A `UserApi` for a user of the stand-in's world, with `scopes`.
async fn user_api(
    mock: &MockServer,
    client: &Client,
    user_id: &str,
    login: &str,
    scopes: &[&str],
) -> Result<UserApi> {
    let (access, refresh) =
        mock.issue_user_token(user_id, login, scopes, Duration::from_secs(4 * 3600));
    client
        .user(
            UserToken::new(mock.client_id(), access)
                .refresh_token(refresh)
                .client_secret(mock.client_secret()),
        )
        .await
}

fn print_settings(label: &str, s: &ChatSettings) {
    let follower = match (s.follower_mode, s.follower_mode_duration) {
        (false, _) => "off".to_owned(),
        (true, Some(minutes)) => format!("on ({minutes} min)"),
        (true, None) => "on".to_owned(),
    };
    let slow = match (s.slow_mode, s.slow_mode_wait_time) {
        (false, _) => "off".to_owned(),
        (true, Some(seconds)) => format!("on ({seconds} s)"),
        (true, None) => "on".to_owned(),
    };
    println!(
        "{label}followers-only {follower}, slow mode {slow}, subscribers-only {}, emote-only {}",
        on_off(s.subscriber_mode),
        on_off(s.emote_mode)
    );
}

fn on_off(on: bool) -> &'static str {
    if on { "on" } else { "off" }
}
