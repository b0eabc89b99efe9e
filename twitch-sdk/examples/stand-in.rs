//! The Helix stand-in as a standalone server, for tools in any language.
//!
//! ```sh
//! cargo run --example stand-in                 # port 8080
//! cargo run --example stand-in -- --port 0     # any free port
//! cargo run --example stand-in -- --json       # the same facts as one JSON line
//! ```
//!
//! It starts `twitch_sdk::mock::MockServer` on `127.0.0.1`, prints its URLs, the client id and
//! secret, an app token and user tokens (carrying every scope the spec knows) for three users of
//! the seeded world, and serves until stopped (Ctrl-C). Point any Twitch client at the Helix URL
//! (instead of `https://api.twitch.tv/helix`) and the OAuth URL (instead of
//! `https://id.twitch.tv/oauth2`): it sends `Client-Id` and `Authorization: Bearer <token>` as it
//! would to Twitch, and gets Helix's JSON, errors and pagination back.

use std::collections::BTreeSet;
use std::process::ExitCode;
use std::time::Duration;

use serde_json::json;
use twitch_sdk::mock::MockServer;

/// How long the printed tokens live: long enough for a day of testing.
const LIFETIME: Duration = Duration::from_secs(30 * 24 * 3600);

/// The seeded users tokens are printed for: id, login, role in the world.
const USERS: &[(&str, &str, &str)] = &[
    (
        "1001",
        "streamer_sam",
        "broadcaster, live, has mods/VIPs/subs/bans/polls/rewards",
    ),
    ("1002", "mod_mia", "moderator of streamer_sam"),
    (
        "141981764",
        "twitchdev",
        "broadcaster, live (the id of Twitch's examples)",
    ),
];

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let json_output = args.iter().any(|a| a == "--json");
    let port = match port(&args) {
        Ok(port) => port,
        Err(message) => {
            eprintln!("error: {message}\nusage: stand-in [--port N] [--json]");
            return ExitCode::from(2);
        }
    };
    let mock = match MockServer::builder().port(port).start().await {
        Ok(mock) => mock,
        Err(e) => {
            eprintln!("error: cannot listen on 127.0.0.1:{port}: {e} (try --port 0)");
            return ExitCode::FAILURE;
        }
    };
    let scopes = every_scope(&mock);
    let app_token = mock.issue_app_token(LIFETIME);
    let users: Vec<_> = USERS
        .iter()
        .map(|&(id, login, role)| {
            let (access, refresh) = mock.issue_user_token(id, login, &scopes, LIFETIME);
            (id, login, role, access, refresh)
        })
        .collect();
    if json_output {
        let users: Vec<_> = users
            .iter()
            .map(|(id, login, _, access, refresh)| {
                json!({"user_id": id, "login": login, "access_token": access, "refresh_token": refresh})
            })
            .collect();
        let facts = json!({
            "helix_url": mock.helix_url(), "oauth_url": mock.oauth_url(),
            "client_id": mock.client_id(), "client_secret": mock.client_secret(),
            "app_access_token": app_token, "users": users,
        });
        println!("{facts}");
    } else {
        println!("Twitch Helix stand-in (twitch_sdk::mock), Ctrl-C to stop\n");
        println!("  Helix URL:      {}", mock.helix_url());
        println!("  OAuth URL:      {}", mock.oauth_url());
        println!("  Client-Id:      {}", mock.client_id());
        println!("  Client secret:  {}", mock.client_secret());
        println!("  App token:      {app_token}");
        println!(
            "\nUser tokens (every scope; refresh with grant_type=refresh_token at the OAuth URL):"
        );
        for (id, login, role, access, refresh) in &users {
            println!("  {login} ({id}), {role}\n    access {access}  refresh {refresh}");
        }
        let (_, login, _, access, _) = &users[0];
        println!(
            "\nTry:\n  curl -H 'Client-Id: {}' -H 'Authorization: Bearer {access}' '{}/users?login={login}'",
            mock.client_id(),
            mock.helix_url()
        );
    }
    // Serve until the process is stopped.
    std::future::pending::<()>().await;
    ExitCode::SUCCESS
}

/// The port from `--port N` (default 8080, as Twitch CLI's mock API).
fn port(args: &[String]) -> Result<u16, String> {
    match args.iter().position(|a| a == "--port") {
        None => Ok(8080),
        Some(i) => args
            .get(i + 1)
            .and_then(|p| p.parse().ok())
            .ok_or_else(|| "--port needs a number from 0 to 65535".to_owned()),
    }
}

/// Every scope any operation of the spec asks for.
fn every_scope(mock: &MockServer) -> Vec<&'static str> {
    let scopes: BTreeSet<&'static str> = mock
        .endpoints()
        .iter()
        .flat_map(|e| e.scopes_all_of.iter().chain(e.scopes_any_of))
        .copied()
        .collect();
    scopes.into_iter().collect()
}
