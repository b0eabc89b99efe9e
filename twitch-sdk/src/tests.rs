//! End-to-end tests of the runtime against [`crate::testserver`]: auth, checks, errors, rate
//! limiting, retries and pagination, with hand-written endpoints.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Deserialize;

use crate::endpoint::{Endpoint, HttpMethod, Limit, Location, Paging, Param, TokenTypes};
use crate::request::Request;
use crate::testserver::{Reply, Seen, Server};
use crate::{Client, ClientCredentials, Error, ManualClock, TokenSet, UserToken};

const fn param(name: &'static str, rust_name: &'static str) -> Param {
    Param {
        name,
        rust_name,
        location: Location::Query,
        required: false,
        items: None,
        length: None,
        range: None,
        values: &[],
    }
}

static GET_THINGS: Endpoint = Endpoint {
    operation: "get-things",
    method: HttpMethod::Get,
    path: "/things",
    tokens: TokenTypes {
        app: true,
        user: true,
    },
    scopes_all_of: &[],
    scopes_any_of: &[],
    params: &[Param {
        items: Some(Limit {
            min: None,
            max: Some(3),
        }),
        ..param("id", "ids")
    }],
    paging: Some(Paging {
        page_size: Some("first"),
        max_page_size: Some(2),
        before: true,
    }),
    errors: &[(404, "No such thing.")],
    reference: "",
};

static POST_THING: Endpoint = Endpoint {
    operation: "create-thing",
    method: HttpMethod::Post,
    path: "/things",
    tokens: TokenTypes {
        app: false,
        user: true,
    },
    scopes_all_of: &["things:write"],
    scopes_any_of: &[],
    params: &[Param {
        required: true,
        ..param("broadcaster_id", "broadcaster_id")
    }],
    paging: None,
    errors: &[],
    reference: "",
};

static APP_ONLY: Endpoint = Endpoint {
    operation: "get-app-things",
    method: HttpMethod::Get,
    path: "/app-things",
    tokens: TokenTypes {
        app: true,
        user: false,
    },
    scopes_all_of: &[],
    scopes_any_of: &[],
    params: &[],
    paging: None,
    errors: &[],
    reference: "",
};

#[derive(Debug, Deserialize, PartialEq)]
struct Thing {
    id: String,
}

fn things(ids: &[&str]) -> String {
    let items: Vec<String> = ids.iter().map(|id| format!(r#"{{"id":"{id}"}}"#)).collect();
    format!(r#"{{"data":[{}]}}"#, items.join(","))
}

fn unix(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// OAuth answers shared by the tests: `/token` issues `app-1`, `app-2`, ... for client
/// credentials and `user-N` for refreshes; `/validate` knows every `user-*` token.
fn oauth(seen: &Seen, issued: &AtomicUsize) -> Option<Reply> {
    match seen.path.as_str() {
        "/oauth2/token" => {
            let n = issued.fetch_add(1, Ordering::SeqCst) + 1;
            let kind = if seen.body.contains("client_credentials") {
                "app"
            } else {
                "user"
            };
            Some(Reply::json(
                200,
                format!(
                    r#"{{"access_token":"{kind}-{n}","refresh_token":"r-{n}","expires_in":3600,"scope":["things:write"],"token_type":"bearer"}}"#
                ),
            ))
        }
        "/oauth2/validate" => {
            let token = seen.bearer().unwrap_or_default();
            Some(if token.starts_with("user-") {
                Reply::json(
                    200,
                    r#"{"client_id":"cid","login":"someone","user_id":"42","scopes":["things:write"],"expires_in":3600}"#,
                )
            } else {
                Reply::json(401, r#"{"status":401,"message":"invalid access token"}"#)
            })
        }
        _ => None,
    }
}

fn client(server: &Server) -> crate::ClientBuilder {
    Client::builder()
        .helix_url(format!("{}/helix", server.url))
        .oauth_url(format!("{}/oauth2", server.url))
        .retry_backoff(Duration::from_millis(10))
}

async fn app_server(helix: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Server {
    let issued = AtomicUsize::new(0);
    Server::start(move |seen| oauth(seen, &issued).unwrap_or_else(|| helix(seen))).await
}

#[tokio::test]
async fn app_calls_carry_the_token_and_decode() {
    let server = app_server(|_| Reply::json(200, things(&["1", "2"]))).await;
    let app = client(&server)
        .build()
        .unwrap()
        .app(ClientCredentials::new("cid", "csecret"))
        .await
        .unwrap();
    let mut req = Request::new(&GET_THINGS);
    req.query_list("id", ["1", "2"]);
    let got: Vec<Thing> = app.api().list(req).await.unwrap();
    assert_eq!(got.len(), 2);
    let sent = &server.seen("/helix")[0];
    assert_eq!(sent.header("authorization"), Some("Bearer app-1"));
    assert_eq!(sent.header("client-id"), Some("cid"));
    assert_eq!(
        sent.query,
        vec![("id".into(), "1".into()), ("id".into(), "2".into())]
    );
    let token_call = &server.seen("/oauth2/token")[0];
    assert!(token_call.body.contains("grant_type=client_credentials"));
    assert!(token_call.body.contains("client_secret=csecret"));
}

#[tokio::test]
async fn checks_fail_before_sending() {
    let server = app_server(|_| Reply::json(200, things(&[]))).await;
    let client = client(&server).build().unwrap();
    let app = client
        .app(ClientCredentials::new("cid", "s"))
        .await
        .unwrap();
    // Wrong token type.
    let err = app.api().none(Request::new(&POST_THING)).await.unwrap_err();
    assert!(
        matches!(&err, Error::Token(m) if m.contains("needs a user access token")),
        "{err}"
    );
    // Too many ids.
    let mut req = Request::new(&GET_THINGS);
    req.query_list("id", ["1", "2", "3", "4"]);
    let err = app.api().list::<Thing>(req).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidArgument { name, .. } if name == "ids"),
        "{err}"
    );

    // A user token without the scope, and an app-only endpoint.
    let user_server = Server::start(|seen| match seen.path.as_str() {
        "/oauth2/validate" => Reply::json(
            200,
            r#"{"client_id":"cid","login":"l","user_id":"42","scopes":["other"],"expires_in":0}"#,
        ),
        _ => Reply::json(200, things(&[])),
    })
    .await;
    let user = self::client(&user_server)
        .build()
        .unwrap()
        .user(UserToken::new("cid", "tok"))
        .await
        .unwrap();
    assert_eq!(user.user_id(), "42");
    let err = user
        .api()
        .none(Request::new(&POST_THING))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Token(m) if m.contains("things:write")),
        "{err}"
    );
    let err = user.api().none(Request::new(&APP_ONLY)).await.unwrap_err();
    assert!(
        matches!(&err, Error::Token(m) if m.contains("app access token")),
        "{err}"
    );
    assert_eq!(server.count("/helix") + user_server.count("/helix"), 0);
}

#[tokio::test]
async fn token_user_params_are_filled_from_validate() {
    let issued = AtomicUsize::new(0);
    let server =
        Server::start(move |seen| oauth(seen, &issued).unwrap_or_else(|| Reply::json(204, "")))
            .await;
    let user = client(&server)
        .build()
        .unwrap()
        .user(UserToken::new("cid", "user-0"))
        .await
        .unwrap();
    let mut req = Request::new(&POST_THING);
    req.token_user("broadcaster_id", Location::Query, None);
    user.api().none(req).await.unwrap();
    let sent = &server.seen("/helix")[0];
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.query("broadcaster_id"), Some("42"));
}

/// 50 calls get a 401 together: one refresh, then every call succeeds with the new token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_401s_share_one_refresh() {
    let issued = AtomicUsize::new(0);
    let server = Server::start(move |seen| {
        if let Some(reply) = oauth(seen, &issued) {
            return reply.delay(Duration::from_millis(50));
        }
        match seen.bearer() {
            Some("user-0") => Reply::json(
                401,
                r#"{"error":"Unauthorized","status":401,"message":"Invalid OAuth token"}"#,
            ),
            _ => Reply::json(200, things(&["1"])),
        }
    })
    .await;
    let refreshed = Arc::new(Mutex::new(Vec::new()));
    let hook = refreshed.clone();
    let user = client(&server)
        .build()
        .unwrap()
        .user(
            UserToken::new("cid", "user-0")
                .refresh_token("r-0")
                .client_secret("s")
                .on_refresh(move |t: &TokenSet| {
                    hook.lock()
                        .unwrap()
                        .push(t.access_token.expose().to_owned())
                }),
        )
        .await
        .unwrap();
    let calls: Vec<_> = (0..50)
        .map(|_| {
            let api = user.api();
            tokio::spawn(async move { api.list::<Thing>(Request::new(&GET_THINGS)).await })
        })
        .collect();
    for call in calls {
        assert_eq!(call.await.unwrap().unwrap().len(), 1);
    }
    assert_eq!(server.count("/oauth2/token"), 1);
    assert_eq!(*refreshed.lock().unwrap(), vec!["user-1".to_owned()]);
    let refresh = &server.seen("/oauth2/token")[0];
    assert!(refresh.body.contains("grant_type=refresh_token"));
    assert!(refresh.body.contains("refresh_token=r-0"));
}

/// The refresh fails: every waiter hears it, and a later call tries again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_refresh_reaches_every_waiter_and_does_not_wedge() {
    let fail = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let failing = fail.clone();
    let issued = AtomicUsize::new(0);
    let server = Server::start(move |seen| {
        if seen.path == "/oauth2/token" && failing.load(Ordering::SeqCst) {
            return Reply::json(400, r#"{"status":400,"message":"Invalid refresh token"}"#)
                .delay(Duration::from_millis(50));
        }
        if let Some(reply) = oauth(seen, &issued) {
            return reply;
        }
        match seen.bearer() {
            Some("user-0") => Reply::json(401, r#"{"status":401,"message":"Invalid OAuth token"}"#),
            _ => Reply::json(200, things(&["1"])),
        }
    })
    .await;
    let user = client(&server)
        .build()
        .unwrap()
        .user(
            UserToken::new("cid", "user-0")
                .refresh_token("r")
                .client_secret("s"),
        )
        .await
        .unwrap();
    let calls: Vec<_> = (0..50)
        .map(|_| {
            let api = user.api();
            tokio::spawn(async move { api.list::<Thing>(Request::new(&GET_THINGS)).await })
        })
        .collect();
    for call in calls {
        let err = call.await.unwrap().unwrap_err();
        assert!(
            matches!(&err, Error::Token(m) if m.contains("Invalid refresh token")),
            "{err}"
        );
    }
    assert_eq!(server.count("/oauth2/token"), 1);
    fail.store(false, Ordering::SeqCst);
    let ok = user
        .api()
        .list::<Thing>(Request::new(&GET_THINGS))
        .await
        .unwrap();
    assert_eq!(ok.len(), 1);
    assert_eq!(server.count("/oauth2/token"), 2);
}

#[tokio::test]
async fn user_tokens_are_revalidated_hourly_and_refreshed_before_expiry() {
    let issued = AtomicUsize::new(0);
    let server = Server::start(move |seen| {
        oauth(seen, &issued).unwrap_or_else(|| Reply::json(200, things(&["1"])))
    })
    .await;
    let clock = ManualClock::new();
    let user = client(&server)
        .clock(clock.clone())
        .build()
        .unwrap()
        .user(
            UserToken::new("cid", "user-0")
                .refresh_token("r")
                .client_secret("s"),
        )
        .await
        .unwrap();
    let call = || user.api().list::<Thing>(Request::new(&GET_THINGS));
    call().await.unwrap();
    assert_eq!(server.count("/oauth2/validate"), 1);
    clock.advance(Duration::from_secs(30 * 60));
    call().await.unwrap();
    assert_eq!(server.count("/oauth2/validate"), 1);
    clock.advance(Duration::from_secs(31 * 60));
    // An hour since validation, but the token (3600 s) is due for renewal first: refresh.
    call().await.unwrap();
    assert_eq!(server.count("/oauth2/token"), 1);
    assert_eq!(
        server.seen("/helix").last().unwrap().bearer(),
        Some("user-1")
    );
    // The refreshed token counts as validated; nothing is due until 300 s before it expires.
    clock.advance(Duration::from_secs(3200));
    call().await.unwrap();
    assert_eq!(server.count("/oauth2/token"), 1);
    assert_eq!(server.count("/oauth2/validate"), 1);
    clock.advance(Duration::from_secs(100));
    call().await.unwrap();
    assert_eq!(server.count("/oauth2/token"), 2);
    assert_eq!(
        server.seen("/helix").last().unwrap().bearer(),
        Some("user-2")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hourly_validation_without_refresh() {
    let revoked = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let is_revoked = revoked.clone();
    let server = Server::start(move |seen| match seen.path.as_str() {
        "/oauth2/validate" if is_revoked.load(Ordering::SeqCst) => {
            Reply::json(401, r#"{"status":401,"message":"invalid access token"}"#)
                .delay(Duration::from_millis(100))
        }
        "/oauth2/validate" => Reply::json(
            200,
            r#"{"client_id":"cid","login":"l","user_id":"42","scopes":[],"expires_in":0}"#,
        ),
        _ => Reply::json(200, things(&["1"])),
    })
    .await;
    let clock = ManualClock::new();
    let user = client(&server)
        .clock(clock.clone())
        .build()
        .unwrap()
        .user(UserToken::new("cid", "tok"))
        .await
        .unwrap();
    let call = || user.api().list::<Thing>(Request::new(&GET_THINGS));
    call().await.unwrap();
    clock.advance(Duration::from_secs(3599));
    call().await.unwrap();
    assert_eq!(server.count("/oauth2/validate"), 1);
    clock.advance(Duration::from_secs(2));
    call().await.unwrap();
    call().await.unwrap();
    assert_eq!(server.count("/oauth2/validate"), 2);

    // Revoked meanwhile: the next hourly validation finds out; concurrent calls share the answer.
    revoked.store(true, Ordering::SeqCst);
    clock.advance(Duration::from_secs(3600));
    let calls: Vec<_> = (0..20)
        .map(|_| {
            let api = user.api();
            tokio::spawn(async move { api.list::<Thing>(Request::new(&GET_THINGS)).await })
        })
        .collect();
    for call in calls {
        let err = call.await.unwrap().unwrap_err();
        assert!(
            matches!(&err, Error::Token(m) if m.contains("not valid")),
            "{err}"
        );
    }
    assert_eq!(server.count("/oauth2/validate"), 3);
    assert_eq!(server.count("/helix"), 4);
}

#[tokio::test]
async fn rate_limited_calls_wait_for_the_reset() {
    let calls = AtomicUsize::new(0);
    let server = app_server(move |_| {
        let reset = unix(SystemTime::now()) + 1;
        if calls.fetch_add(1, Ordering::SeqCst) == 0 {
            Reply::json(
                429,
                r#"{"error":"Too Many Requests","status":429,"message":""}"#,
            )
            .header("Ratelimit-Limit", 800)
            .header("Ratelimit-Remaining", 0)
            .header("Ratelimit-Reset", reset)
        } else {
            Reply::json(200, things(&["1"]))
                .header("Ratelimit-Limit", 800)
                .header("Ratelimit-Remaining", 799)
                .header("Ratelimit-Reset", reset)
        }
    })
    .await;
    let app = client(&server)
        .build()
        .unwrap()
        .app(ClientCredentials::new("c", "s"))
        .await
        .unwrap();
    let started = std::time::Instant::now();
    app.api()
        .list::<Thing>(Request::new(&GET_THINGS))
        .await
        .unwrap();
    assert_eq!(server.count("/helix"), 2);
    assert!(started.elapsed() >= Duration::from_millis(50));

    // Always 429: the retries run out and the error carries the reset.
    let server = app_server(|_| {
        Reply::json(429, "{}")
            .header("Ratelimit-Limit", 800)
            .header("Ratelimit-Remaining", 0)
    })
    .await;
    let app = client(&server)
        .max_retries(2)
        .build()
        .unwrap()
        .app(ClientCredentials::new("c", "s"))
        .await
        .unwrap();
    let err = app
        .api()
        .list::<Thing>(Request::new(&GET_THINGS))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }), "{err}");
    assert_eq!(server.count("/helix"), 3);
}

/// 200 concurrent calls against a bucket of 50 per second: no 429.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bursts_queue_instead_of_hitting_429() {
    let window = Arc::new(Mutex::new((0u64, 0u32)));
    let rejected = Arc::new(AtomicUsize::new(0));
    let seen_429 = rejected.clone();
    let server = app_server(move |_| {
        let now = unix(SystemTime::now());
        let mut w = window.lock().unwrap();
        if w.0 != now {
            *w = (now, 0);
        }
        let headers = |reply: Reply, used: u32| {
            reply
                .header("Ratelimit-Limit", 50)
                .header("Ratelimit-Remaining", 50 - used)
                .header("Ratelimit-Reset", now + 1)
        };
        if w.1 >= 50 {
            seen_429.fetch_add(1, Ordering::SeqCst);
            return headers(Reply::json(429, "{}"), 50);
        }
        w.1 += 1;
        headers(Reply::json(200, things(&["1"])), w.1)
    })
    .await;
    let app = client(&server)
        .build()
        .unwrap()
        .app(ClientCredentials::new("c", "s"))
        .await
        .unwrap();
    let calls: Vec<_> = (0..200)
        .map(|_| {
            let api = app.api();
            tokio::spawn(async move { api.list::<Thing>(Request::new(&GET_THINGS)).await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(rejected.load(Ordering::SeqCst), 0);
    assert_eq!(server.count("/helix"), 200);
}

#[tokio::test]
async fn server_errors_retry_get_but_not_post() {
    let calls = AtomicUsize::new(0);
    let server = app_server(move |seen| {
        if seen.method == "GET" && calls.fetch_add(1, Ordering::SeqCst) >= 2 {
            return Reply::json(200, things(&["1"]));
        }
        Reply::json(
            503,
            r#"{"error":"Service Unavailable","status":503,"message":"try later"}"#,
        )
    })
    .await;
    let client = client(&server).build().unwrap();
    let app = client.app(ClientCredentials::new("c", "s")).await.unwrap();
    app.api()
        .list::<Thing>(Request::new(&GET_THINGS))
        .await
        .unwrap();
    assert_eq!(server.count("/helix"), 3);

    let issued = AtomicUsize::new(0);
    let post_server = Server::start(move |seen| {
        oauth(seen, &issued).unwrap_or_else(|| Reply::json(503, "<html>busy</html>"))
    })
    .await;
    let user = self::client(&post_server)
        .build()
        .unwrap()
        .user(UserToken::new("cid", "user-0"))
        .await
        .unwrap();
    let mut req = Request::new(&POST_THING);
    req.query("broadcaster_id", "1");
    let err = user.api().none(req).await.unwrap_err();
    assert!(
        matches!(&err, Error::Status { status: 503, message, .. } if message.contains("<html>busy</html>")),
        "{err}"
    );
    assert_eq!(post_server.count("/helix"), 1);
}

#[tokio::test]
async fn timeouts_and_connection_errors_are_transport_errors() {
    let server = app_server(|_| Reply::json(200, things(&[])).delay(Duration::from_secs(2))).await;
    let app = client(&server)
        .timeout(Duration::from_millis(200))
        .max_retries(1)
        .build()
        .unwrap()
        .app(ClientCredentials::new("c", "s"))
        .await
        .unwrap();
    let err = app
        .api()
        .list::<Thing>(Request::new(&GET_THINGS))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Transport { timeout: true, .. }),
        "{err}"
    );
    assert_eq!(server.count("/helix"), 2);

    let err = Client::builder()
        .oauth_url("http://127.0.0.1:1/oauth2")
        .max_retries(1)
        .retry_backoff(Duration::from_millis(1))
        .build()
        .unwrap()
        .app(ClientCredentials::new("c", "s"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Token(_) | Error::Transport { timeout: false, .. }
        ),
        "{err}"
    );
}

#[tokio::test]
async fn statuses_and_bodies_map_to_errors() {
    let server = app_server(|seen| match seen.query("case") {
        Some("404") => Reply::json(404, ""),
        Some("400") => Reply::json(
            400,
            r#"{"error":"Bad Request","status":400,"message":"Malformed query"}"#,
        ),
        Some("bad") => Reply::json(200, r#"{"data":[{"id":1}]}"#),
        _ => Reply::json(200, "<html>not json</html>"),
    })
    .await;
    let app = client(&server)
        .build()
        .unwrap()
        .app(ClientCredentials::new("c", "s"))
        .await
        .unwrap();
    let call = |case: &str| {
        let mut req = Request::new(&GET_THINGS);
        req.query("case", case);
        app.api().list::<Thing>(req)
    };
    let err = call("404").await.unwrap_err();
    assert!(
        matches!(&err, Error::NotFound { message, .. } if message == "No such thing."),
        "{err}"
    );
    let err = call("400").await.unwrap_err();
    assert!(
        matches!(&err, Error::BadRequest { message, .. } if message == "Malformed query"),
        "{err}"
    );
    let err = call("bad").await.unwrap_err();
    assert!(
        matches!(&err, Error::Decode { path, .. } if path == "data[0].id"),
        "{err}"
    );
    let err = call("html").await.unwrap_err();
    assert!(
        matches!(&err, Error::Decode { excerpt, .. } if excerpt.contains("not json")),
        "{err}"
    );
}

/// Pages of two: 1 2 | 3 4 | 5, cursors `c1`, `c2`, then none.
fn paged(seen: &Seen) -> Reply {
    let all = ["1", "2", "3", "4", "5"];
    // `after=cN`: the page after page N; `before=cN`: the page before page N.
    let page = |c: &str| c.trim_start_matches('c').parse::<usize>().unwrap();
    let start = match (seen.query("after"), seen.query("before")) {
        (Some(c), _) => page(c) * 2,
        (_, Some(c)) if page(c) < 2 => return Reply::json(200, r#"{"data":[],"pagination":{}}"#),
        (_, Some(c)) => (page(c) - 2) * 2,
        _ => 0,
    };
    let first: usize = seen
        .query("first")
        .and_then(|f| f.parse().ok())
        .unwrap_or(20);
    let end = (start + first).min(all.len());
    let cursor = match end {
        5 => String::new(),
        n => format!(r#","pagination":{{"cursor":"c{}"}}"#, n / 2),
    };
    let body = things(&all[start..end]);
    Reply::json(200, format!("{}{cursor}}}", &body[..body.len() - 1]))
}

#[tokio::test]
async fn pagination_forward_backward_limit_and_stream() {
    use std::future::poll_fn;
    use std::pin::Pin;

    let server = app_server(paged).await;
    let app = client(&server)
        .build()
        .unwrap()
        .app(ClientCredentials::new("c", "s"))
        .await
        .unwrap();
    let api = app.api();

    let mut p = crate::Paginator::<Thing>::new(api.clone(), Request::new(&GET_THINGS), None);
    assert_eq!(p.next_page().await.unwrap().unwrap().len(), 2);
    assert_eq!(p.cursor(), Some("c1"));
    assert_eq!(p.next_page().await.unwrap().unwrap().len(), 2);
    let back = p.previous_page().await.unwrap().unwrap();
    assert_eq!(
        back,
        vec![Thing { id: "1".into() }, Thing { id: "2".into() }]
    );
    assert_eq!(p.cursor(), Some("c1"));
    assert_eq!(p.next_page().await.unwrap().unwrap()[0].id, "3");
    let last = p.next_page().await.unwrap().unwrap();
    assert_eq!(last, vec![Thing { id: "5".into() }]);
    assert!(p.is_done());
    assert_eq!(p.next_page().await.unwrap(), None);
    assert_eq!(p.fetched_count(), 9);
    assert!(
        server
            .seen("/helix")
            .iter()
            .all(|s| s.query("first") == Some("2"))
    );

    // A limit trims the page size and stops.
    let got: Vec<Thing> = api
        .collect(Request::new(&GET_THINGS), Some(3))
        .await
        .unwrap();
    assert_eq!(got.len(), 3);
    let last = server.seen("/helix").pop().unwrap();
    assert_eq!(last.query("first"), Some("1"));
    let all: Vec<Thing> = api.collect(Request::new(&GET_THINGS), None).await.unwrap();
    assert_eq!(
        all.iter().map(|t| t.id.as_str()).collect::<String>(),
        "12345"
    );

    // The stream yields every item once.
    let mut stream =
        crate::Paginator::<Thing>::new(api.clone(), Request::new(&GET_THINGS), Some(4))
            .into_stream();
    let mut ids = String::new();
    while let Some(item) =
        poll_fn(|cx| futures_core::Stream::poll_next(Pin::new(&mut stream), cx)).await
    {
        ids.push_str(&item.unwrap().id);
    }
    assert_eq!(ids, "1234");

    // Backwards where the endpoint cannot: refused without a request.
    let before = server.count("/helix");
    let mut p = crate::Paginator::<Thing>::new(api.clone(), Request::new(&APP_ONLY), None);
    assert!(matches!(
        p.previous_page().await,
        Err(Error::InvalidArgument { .. })
    ));
    assert_eq!(server.count("/helix"), before);
}

#[tokio::test]
async fn going_back_to_the_start_starts_over() {
    let server = app_server(paged).await;
    let app = client(&server)
        .build()
        .unwrap()
        .app(ClientCredentials::new("c", "s"))
        .await
        .unwrap();
    let mut p = crate::Paginator::<Thing>::new(app.api(), Request::new(&GET_THINGS), None);
    assert_eq!(
        p.previous_page().await.unwrap(),
        None,
        "nothing fetched yet"
    );
    assert_eq!(server.count("/helix"), 0);
    p.next_page().await.unwrap();
    assert_eq!(
        p.previous_page().await.unwrap(),
        None,
        "nothing before the first page"
    );
    assert_eq!((p.cursor(), p.is_done()), (None, false));
    assert_eq!(p.next_page().await.unwrap().unwrap()[0].id, "1");
}

#[tokio::test]
async fn pagination_stops_on_a_repeated_cursor() {
    let server = app_server(|_| {
        Reply::json(
            200,
            r#"{"data":[{"id":"1"}],"pagination":{"cursor":"same"}}"#,
        )
    })
    .await;
    let app = client(&server)
        .build()
        .unwrap()
        .app(ClientCredentials::new("c", "s"))
        .await
        .unwrap();
    let got: Vec<Thing> = app
        .api()
        .collect(Request::new(&GET_THINGS), None)
        .await
        .unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(server.count("/helix"), 2);
}

#[tokio::test]
async fn secrets_stay_out_of_debug_and_errors() {
    let issued = AtomicUsize::new(0);
    let server = Server::start(move |seen| {
        oauth(seen, &issued)
            .unwrap_or_else(|| Reply::json(401, r#"{"status":401,"message":"nope"}"#))
    })
    .await;
    let client = client(&server).build().unwrap();
    let token = UserToken::new("cid", "user-0")
        .refresh_token("r-SECRET")
        .client_secret("c-SECRET");
    let user = client.user(token.clone()).await.unwrap();
    let err = user
        .api()
        .list::<Thing>(Request::new(&GET_THINGS))
        .await
        .unwrap_err();
    let printed = format!("{token:?} {user:?} {client:?} {err} {err:?}");
    for secret in ["user-0", "user-1", "r-SECRET", "c-SECRET", "r-1"] {
        assert!(!printed.contains(secret), "{secret} leaked: {printed}");
    }
}

/// Records every span and event field as text.
struct Capture(Arc<Mutex<String>>);

struct Fields<'a>(&'a mut String);

impl tracing::field::Visit for Fields<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!(" {}={value:?}", field.name()));
    }
}

impl tracing::Subscriber for Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let mut out = self.0.lock().unwrap();
        out.push_str(&format!("\nspan {}", span.metadata().name()));
        span.record(&mut Fields(&mut out));
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        values.record(&mut Fields(&mut self.0.lock().unwrap()));
    }
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut out = self.0.lock().unwrap();
        out.push_str("\nevent");
        event.record(&mut Fields(&mut out));
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

/// Refresh, retries and failures all logged: no token or secret in any field.
#[tokio::test]
async fn logs_carry_no_secrets() {
    let log = Arc::new(Mutex::new(String::new()));
    let _guard = tracing::subscriber::set_default(Capture(log.clone()));
    let issued = AtomicUsize::new(0);
    let calls = AtomicUsize::new(0);
    let server = Server::start(move |seen| {
        if let Some(reply) = oauth(seen, &issued) {
            return reply;
        }
        match (seen.bearer(), calls.fetch_add(1, Ordering::SeqCst)) {
            (Some("user-0"), _) => {
                Reply::json(401, r#"{"status":401,"message":"Invalid OAuth token"}"#)
            }
            (_, 1) => Reply::json(500, "oops"),
            _ => Reply::json(200, things(&["1"])),
        }
    })
    .await;
    let user = client(&server)
        .build()
        .unwrap()
        .user(
            UserToken::new("cid", "user-0")
                .refresh_token("r-SECRET")
                .client_secret("c-SECRET"),
        )
        .await
        .unwrap();
    user.api()
        .list::<Thing>(Request::new(&GET_THINGS))
        .await
        .unwrap();
    let log = log.lock().unwrap().clone();
    assert!(log.contains("operation=\"get-things\""), "{log}");
    assert!(log.contains("status=500"), "{log}");
    for secret in ["user-0", "user-1", "r-SECRET", "c-SECRET", "r-1"] {
        assert!(!log.contains(secret), "{secret} leaked: {log}");
    }
}

/// A provider of tokens replaces the refresh-token grant.
#[tokio::test]
async fn a_token_provider_supplies_new_tokens() {
    struct Store(AtomicUsize);
    impl crate::TokenProvider for Store {
        fn refresh<'a>(&'a self, current: &'a TokenSet) -> crate::TokenFuture<'a> {
            Box::pin(async move {
                assert_eq!(current.access_token.expose(), "user-0");
                let n = self.0.fetch_add(1, Ordering::SeqCst);
                Ok(TokenSet::new(format!("user-p{n}")).with_expires_in(Duration::from_secs(3600)))
            })
        }
    }
    let issued = AtomicUsize::new(0);
    let server = Server::start(move |seen| {
        oauth(seen, &issued).unwrap_or_else(|| match seen.bearer() {
            Some("user-0") => Reply::json(401, "{}"),
            _ => Reply::json(200, things(&["1"])),
        })
    })
    .await;
    let user = client(&server)
        .build()
        .unwrap()
        .user(UserToken::new("cid", "user-0").provider(Store(AtomicUsize::new(0))))
        .await
        .unwrap();
    user.api()
        .list::<Thing>(Request::new(&GET_THINGS))
        .await
        .unwrap();
    assert_eq!(
        server.seen("/helix").last().unwrap().bearer(),
        Some("user-p0")
    );
    assert_eq!(server.count("/oauth2/token"), 0);
    // The provider's token was validated to learn its scopes.
    assert_eq!(
        server.seen("/oauth2/validate").last().unwrap().bearer(),
        Some("user-p0")
    );
}
