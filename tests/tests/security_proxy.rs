//! Proxies never see a secret (issue 16, finding 1).
//!
//! A binary of its own because it sets the process-wide proxy variables (`HTTP_PROXY`,
//! `HTTPS_PROXY`, `ALL_PROXY`), which the other tests must not inherit. A real TCP listener on
//! loopback plays the proxy and records every byte it receives.
//!
//! - The environment's proxies are ignored: with every proxy variable pointing at the recorder,
//!   the client-credentials grant, `/validate` and a Helix call reach the stand-in directly and
//!   the recorder receives nothing.
//! - A proxy named with `ClientBuilder::https_proxy` carries `https://` traffic only, as a
//!   `CONNECT` tunnel (so TLS runs end to end); plain-HTTP traffic still goes direct.
//! - EventSub WebSockets follow the same rules: `ws://` to the stand-in goes direct whatever the
//!   environment says, and `wss://` goes through the named proxy as a `CONNECT` tunnel.

use std::io::Read;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use twitch_sdk::eventsub::{EventSubItem, EventSubWebSocket};
use twitch_sdk::mock::MockServer;
use twitch_sdk::{Client, ClientCredentials, UserApi, UserToken};

const CLIENT_ID: &str = "proxy-client-id";
const CLIENT_SECRET: &str = "PROXY-CLIENT-SECRET-9f3e1d";

/// A loopback "proxy" that records what each connection sends, then closes it.
struct Recorder {
    url: String,
    seen: Arc<Mutex<Vec<u8>>>,
}

impl Recorder {
    fn start() -> Recorder {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen: Arc<Mutex<Vec<u8>>> = Arc::default();
        let sink = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                stream
                    .set_read_timeout(Some(Duration::from_millis(300)))
                    .unwrap();
                let mut buf = [0u8; 4096];
                while let Ok(n @ 1..) = stream.read(&mut buf) {
                    sink.lock().unwrap().extend_from_slice(&buf[..n]);
                }
            }
        });
        Recorder { url, seen }
    }

    fn seen(&self) -> String {
        String::from_utf8_lossy(&self.seen.lock().unwrap()).into_owned()
    }
}

#[tokio::test]
async fn proxies_from_the_environment_are_ignored_and_named_ones_carry_only_https() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let recorder = Recorder::start();
    // SAFETY: this binary has this one test, and it sets the variables before any other
    // thread of the test reads the environment.
    unsafe {
        for name in [
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "ALL_PROXY",
            "http_proxy",
            "https_proxy",
            "all_proxy",
        ] {
            std::env::set_var(name, &recorder.url);
        }
        std::env::remove_var("NO_PROXY");
        std::env::remove_var("no_proxy");
    }
    let mock = MockServer::builder()
        .client(CLIENT_ID, CLIENT_SECRET)
        .start()
        .await
        .unwrap();

    // Default: no proxy at all. With the old client the recorder got the client secret here.
    let client = Client::builder()
        .helix_url(mock.helix_url())
        .oauth_url(mock.oauth_url())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let app = client
        .app(ClientCredentials::new(CLIENT_ID, CLIENT_SECRET))
        .await
        .expect("the grant reaches the stand-in directly");
    app.get_users().user_logins(["twitchdev"]).await.unwrap();
    let (access, _) = mock.issue_user_token(
        "141981764",
        "twitchdev",
        &["user:read:email"],
        Duration::from_secs(3600),
    );
    let user = client
        .user(UserToken::new(CLIENT_ID, access.clone()))
        .await
        .unwrap();
    user.get_users().await.unwrap();
    assert_eq!(mock.oauth_counts().client_credentials, 1);
    assert!(mock.requests().len() >= 4, "{:?}", mock.requests());

    // A named proxy: plain HTTP to the stand-in still goes direct.
    let proxied = Client::builder()
        .helix_url(mock.helix_url())
        .oauth_url(mock.oauth_url())
        .https_proxy(&recorder.url)
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    proxied
        .app(ClientCredentials::new(CLIENT_ID, CLIENT_SECRET))
        .await
        .expect("plain HTTP bypasses the named proxy");
    assert_eq!(mock.oauth_counts().client_credentials, 2);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(recorder.seen(), "", "no byte may reach a proxy so far");

    // ... while HTTPS goes through it as a CONNECT tunnel: the proxy sees the host, not the grant.
    let remote = Client::builder()
        .oauth_url("https://id.proxy-test.invalid/oauth2")
        .https_proxy(&recorder.url)
        .timeout(Duration::from_secs(2))
        .max_retries(0)
        .build()
        .unwrap();
    let err = remote
        .app(ClientCredentials::new(CLIENT_ID, CLIENT_SECRET))
        .await
        .unwrap_err();
    let seen = recorder.seen();
    assert!(
        seen.starts_with("CONNECT id.proxy-test.invalid:443 HTTP/1.1"),
        "{seen:?} ({err})"
    );
    assert!(!seen.contains(CLIENT_SECRET), "{seen}");
    assert!(!seen.contains("client_credentials"), "{seen}");

    // EventSub over WebSocket: the environment's proxies are ignored here too ...
    let before = recorder.seen().len();
    let first = first_item(user.clone(), &mock.eventsub_url()).await;
    assert!(matches!(first, EventSubItem::Connected { .. }), "{first:?}");
    // ... and `wss://` goes through the named proxy as a tunnel, with no token in it.
    let proxied_user = proxied
        .user(UserToken::new(CLIENT_ID, access.clone()))
        .await
        .unwrap();
    let first = first_item(proxied_user, "wss://eventsub.proxy-test.invalid/ws").await;
    assert!(
        matches!(&first, EventSubItem::Disconnected { reason, .. } if reason.starts_with("connect failed")),
        "{first:?}"
    );
    let seen = recorder.seen()[before..].to_owned();
    assert!(
        seen.starts_with("CONNECT eventsub.proxy-test.invalid:443 HTTP/1.1"),
        "{seen:?}"
    );
    assert!(!seen.contains(&access), "{seen}");
}

/// The first item of an EventSub WebSocket session of `user` at `url`.
async fn first_item(user: UserApi, url: &str) -> EventSubItem {
    let mut events = EventSubWebSocket::builder(user)
        .url(url)
        .backoff(Duration::from_secs(5), Duration::from_secs(5))
        .subscribe(
            "test.tick",
            "1",
            serde_json::json!({"broadcaster_user_id": "141981764"}),
        )
        .start()
        .await
        .unwrap();
    tokio::time::timeout(Duration::from_secs(15), events.next_item())
        .await
        .expect("an item within 15 s")
        .expect("the stream goes on")
}
