//! The quick start: a tour of twitch-sdk in one program.
//!
//! ```sh
//! cargo run --example quickstart
//! ```
//!
//! With no settings it starts the built-in Helix stand-in (`twitch_sdk::mock`) on loopback and
//! needs no account and no network. It makes an app API (client-credentials token) and a user API
//! (a user token the stand-in issues with chosen scopes), then shows
//!
//! 1. a lookup (`get_users`),
//! 2. a paginated listing with a limit, page by page (`get_top_games`),
//! 3. a call the SDK refuses before sending because the token lacks a scope,
//! 4. a moderation action (`ban_user`, as a ten-minute timeout).
//!
//! With `TWITCH_CLIENT_ID` and `TWITCH_CLIENT_SECRET` set it talks to real Twitch instead, with an
//! app access token only: steps 1 and 2, and a call refused locally for breaking an argument limit.

use std::error::Error as StdError;
use std::process::ExitCode;
use std::time::Duration;

use twitch_sdk::mock::MockServer;
use twitch_sdk::requests::GetBlockedTerms;
use twitch_sdk::serde_json::{self, json};
use twitch_sdk::{AppApi, Client, ClientCredentials, Error, UserToken};

#[tokio::main]
async fn main() -> ExitCode {
    let id = std::env::var("TWITCH_CLIENT_ID").unwrap_or_default();
    let secret = std::env::var("TWITCH_CLIENT_SECRET").unwrap_or_default();
    let outcome = if !id.is_empty() && !secret.is_empty() {
        real_twitch(id, secret).await
    } else {
        stand_in().await
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Everything against the stand-in: app and user API.
async fn stand_in() -> Result<(), Box<dyn StdError>> {
    let mock = MockServer::start().await;
    println!("Using the built-in Helix stand-in at {}.", mock.url());
    println!(
        "(Set TWITCH_CLIENT_ID and TWITCH_CLIENT_SECRET to run the app API part against real Twitch.)\n"
    );
    // The stand-in's world has a few games; give the top-games listing 300 made-up ones to page
    // through.
    mock.set_items("get-top-games", demo_games(300))
        .expect("get-top-games pages");

    // One client per program; it points at the stand-in instead of api.twitch.tv / id.twitch.tv.
    let client = Client::builder()
        .helix_url(mock.helix_url())
        .oauth_url(mock.oauth_url())
        .build()?;

    // App API: the SDK fetches an app access token with the client credentials.
    let app = client
        .app(ClientCredentials::new(
            mock.client_id(),
            mock.client_secret(),
        ))
        .await?;
    app_tour(&app).await?;

    // User API: a user token for `twitchdev` with two scopes, as if the user had authorized the
    // app. The refresh token and client secret let the SDK renew it on its own.
    let (access, refresh) = mock.issue_user_token(
        "141981764",
        "twitchdev",
        &["moderator:manage:banned_users", "moderator:read:followers"],
        Duration::from_secs(4 * 3600),
    );
    let user = client
        .user(
            UserToken::new(mock.client_id(), access)
                .refresh_token(refresh)
                .client_secret(mock.client_secret()),
        )
        .await?;
    println!(
        "User API for {} (id {}), scopes: {}\n",
        user.login(),
        user.user_id(),
        user.scopes().join(", ")
    );

    println!(
        "3. A call refused locally: get_blocked_terms needs moderator:read:blocked_terms or moderator:manage:blocked_terms"
    );
    match user.get_blocked_terms().await {
        Ok(terms) => println!("   unexpectedly got {} terms", terms.len()),
        // `missing_scopes()` recognises this refusal and Twitch's own 401 for a missing scope.
        Err(e) if e.is_missing_scope() => {
            println!("   Error: {e}");
            let missing = e.missing_scopes().unwrap_or_default();
            println!(
                "   ask the user to authorize one of: {}",
                missing.any_of.join(", ")
            );
        }
        Err(e) => return Err(e.into()),
    }
    let sent = mock.requests_to(GetBlockedTerms::OPERATION).len();
    println!("   requests the stand-in received for it: {sent}\n");

    println!("4. Moderation: time user 1003 (viewer_vic) out for 10 minutes");
    let ban = user
        .ban_user("1003")
        .duration(600)
        .reason("posting links")
        .await?;
    let ends = ban.end_time.map_or("never".to_owned(), |t| t.to_string());
    println!(
        "   answer: user {}, channel {}, moderator {}, created {}, ends {ends}",
        ban.user_id, ban.broadcaster_id, ban.moderator_id, ban.created_at
    );
    let listed = user.get_banned_users().await?;
    println!(
        "   the channel's ban list now: {:?} (the stand-in's world remembers the timeout)",
        listed
            .iter()
            .map(|b| b.user_login.as_str())
            .collect::<Vec<_>>()
    );
    if let Some(sent) = mock.requests_to("ban-user").last() {
        println!(
            "   sent: {} {}?{} {}",
            sent.method,
            sent.path,
            sent.raw_query,
            sent.body_text()
        );
        println!("   (broadcaster_id and moderator_id were filled in from the token's user)");
    }
    Ok(())
}

/// The app API part against real Twitch.
async fn real_twitch(id: String, secret: String) -> Result<(), Box<dyn StdError>> {
    println!("Using real Twitch (api.twitch.tv) with the app credentials from TWITCH_CLIENT_ID.");
    println!("Only app API calls run here: the user API part needs a user token.\n");
    let client = Client::new()?;
    let app = client.app(ClientCredentials::new(id, secret)).await?;
    app_tour(&app).await?;

    println!("3. A call refused locally: get_users takes at most 100 ids");
    let too_many: Vec<String> = (1..=101).map(|n| n.to_string()).collect();
    match app.get_users().user_ids(too_many).await {
        Ok(users) => println!("   unexpectedly got {} users", users.len()),
        Err(e @ Error::InvalidArgument { .. }) => {
            println!("   Error: {e}\n   (nothing was sent to Twitch)");
        }
        Err(e) => return Err(e.into()),
    }
    Ok(())
}

/// Steps 1 and 2, the same against the stand-in and real Twitch.
async fn app_tour(app: &AppApi) -> Result<(), Box<dyn StdError>> {
    println!("1. Lookup: get_users().user_logins([\"twitchdev\"])");
    for user in app.get_users().user_logins(["twitchdev"]).await? {
        println!(
            "   {} {} ({}), {} broadcaster, on Twitch since {}",
            user.id,
            user.login,
            user.display_name,
            match user.broadcaster_type.as_str() {
                "" => "normal",
                kind => kind,
            },
            user.created_at.get().date()
        );
    }
    println!();

    println!("2. Paginated listing with a limit: get_top_games().limit(250), page by page");
    let mut pages = app.get_top_games().limit(250).paginate();
    let mut first = None;
    while let Some(page) = pages.next_page().await? {
        println!(
            "   page of {:>3} games: {} ... {} (fetched so far: {})",
            page.len(),
            page.first().map_or("", |g| g.name.as_str()),
            page.last().map_or("", |g| g.name.as_str()),
            pages.fetched_count()
        );
        first.get_or_insert(page);
    }
    println!(
        "   stopped after {} games (the limit); awaiting `get_top_games().limit(250)` gives the same as one Vec",
        pages.fetched_count()
    );
    if let Some(top) = first {
        let names: Vec<&str> = top.iter().take(3).map(|g| g.name.as_str()).collect();
        println!("   top three: {}", names.join(", "));
    }
    println!();
    Ok(())
}

/// `count` games for the stand-in to serve from Get Top Games.
fn demo_games(count: usize) -> Vec<serde_json::Value> {
    const NAMES: [&str; 6] = [
        "Just Chatting",
        "Fortnite",
        "Minecraft",
        "Chess",
        "Retro",
        "Music",
    ];
    (1..=count)
        .map(|n| {
            json!({
                "id": (500_000 + n).to_string(),
                "name": format!("{} #{n}", NAMES[(n - 1) % NAMES.len()]),
                "box_art_url": format!("https://static-cdn.jtvnw.net/ttv-boxart/{}-{{width}}x{{height}}.jpg", 500_000 + n),
                "igdb_id": "",
            })
        })
        .collect()
}
