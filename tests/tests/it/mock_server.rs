//! The Helix stand-in (`twitch_sdk::mock`) driven with plain HTTP: OAuth flows, Helix's 401 /
//! 400 / 429 answers, rate-limit headers, pagination, overrides and faults, the request log.
//!
//! These tests use a small hand-made route table so they pin the stand-in's behaviour without
//! depending on the spec; `mock_spec.rs` checks the generated table.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::{Client, Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};
use twitch_sdk::endpoint::{Endpoint, HttpMethod, Limit, Location, Paging, Param, TokenTypes};
use twitch_sdk::mock::{MockServer, Reply};

const fn param(name: &'static str, location: Location) -> Param {
    Param {
        name,
        rust_name: name,
        location,
        required: false,
        items: None,
        length: None,
        range: None,
        values: &[],
    }
}

const fn endpoint(operation: &'static str, method: HttpMethod, path: &'static str) -> Endpoint {
    Endpoint {
        operation,
        method,
        path,
        tokens: TokenTypes {
            app: true,
            user: true,
        },
        scopes_all_of: &[],
        scopes_any_of: &[],
        scopes_partial: None,
        params: &[],
        paging: None,
        acting_user: None,
        errors: &[],
        reference: "",
        secret_response: false,
    }
}

const AT_MOST_100: Option<Limit> = Some(Limit {
    min: None,
    max: Some(100),
});

static GET_USERS: Endpoint = Endpoint {
    params: &[
        Param {
            rust_name: "user_ids",
            items: AT_MOST_100,
            ..param("id", Location::Query)
        },
        Param {
            rust_name: "user_logins",
            items: AT_MOST_100,
            ..param("login", Location::Query)
        },
    ],
    ..endpoint("get-users", HttpMethod::Get, "/users")
};

static BAN_USER: Endpoint = Endpoint {
    tokens: TokenTypes {
        app: false,
        user: true,
    },
    scopes_all_of: &["moderator:manage:banned_users"],
    params: &[
        Param {
            required: true,
            ..param("broadcaster_id", Location::Query)
        },
        Param {
            required: true,
            ..param("moderator_id", Location::Query)
        },
        Param {
            required: true,
            ..param("data", Location::Body)
        },
    ],
    ..endpoint("ban-user", HttpMethod::Post, "/moderation/bans")
};

static UNBAN_USER: Endpoint = Endpoint {
    tokens: TokenTypes {
        app: false,
        user: true,
    },
    scopes_all_of: &["moderator:manage:banned_users"],
    ..endpoint("unban-user", HttpMethod::Delete, "/moderation/bans")
};

static CREATE_POLL: Endpoint = Endpoint {
    tokens: TokenTypes {
        app: false,
        user: true,
    },
    scopes_all_of: &["channel:manage:polls"],
    params: &[
        Param {
            required: true,
            ..param("broadcaster_id", Location::Body)
        },
        Param {
            required: true,
            length: Some(Limit {
                min: Some(1),
                max: Some(60),
            }),
            ..param("title", Location::Body)
        },
        Param {
            required: true,
            items: Some(Limit {
                min: Some(2),
                max: Some(5),
            }),
            ..param("choices", Location::Body)
        },
        Param {
            required: true,
            range: Some(Limit {
                min: Some(15),
                max: Some(1800),
            }),
            ..param("duration", Location::Body)
        },
    ],
    ..endpoint("create-poll", HttpMethod::Post, "/polls")
};

static GET_CLIPS: Endpoint = Endpoint {
    params: &[
        param("broadcaster_id", Location::Query),
        Param {
            range: Some(Limit {
                min: Some(1),
                max: Some(100),
            }),
            ..param("first", Location::Query)
        },
        param("after", Location::Query),
        param("before", Location::Query),
    ],
    paging: Some(Paging {
        page_size: Some("first"),
        max_page_size: Some(100),
        before: true,
    }),
    ..endpoint("get-clips", HttpMethod::Get, "/clips")
};

static GET_FOLLOWERS: Endpoint = Endpoint {
    tokens: TokenTypes {
        app: false,
        user: true,
    },
    scopes_any_of: &["moderator:read:followers", "channel:read:followers"],
    scopes_partial: None,
    params: &[Param {
        required: true,
        ..param("broadcaster_id", Location::Query)
    }],
    paging: Some(Paging {
        page_size: Some("first"),
        max_page_size: Some(100),
        before: false,
    }),
    ..endpoint(
        "get-channel-followers",
        HttpMethod::Get,
        "/channels/followers",
    )
};

static GET_TRANSACTIONS: Endpoint = Endpoint {
    tokens: TokenTypes {
        app: true,
        user: false,
    },
    ..endpoint(
        "get-extension-transactions",
        HttpMethod::Get,
        "/extensions/transactions",
    )
};

static GET_ICALENDAR: Endpoint = Endpoint {
    tokens: TokenTypes {
        app: false,
        user: false,
    },
    ..endpoint(
        "get-channel-icalendar",
        HttpMethod::Get,
        "/schedule/icalendar",
    )
};

static GET_VIDEOS: Endpoint = endpoint("get-videos", HttpMethod::Get, "/videos");

static ENDPOINTS: &[&Endpoint] = &[
    &GET_USERS,
    &BAN_USER,
    &UNBAN_USER,
    &CREATE_POLL,
    &GET_CLIPS,
    &GET_FOLLOWERS,
    &GET_TRANSACTIONS,
    &GET_ICALENDAR,
    &GET_VIDEOS,
];

const USERS_EXAMPLE: &str =
    r#"{"data":[{"id":"141981764","login":"twitchdev","display_name":"TwitchDev"}]}"#;
const BAN_EXAMPLE: &str = r#"{"data":[{"broadcaster_id":"1234","moderator_id":"5678","user_id":"9876","created_at":"2021-09-28T19:27:31Z","end_time":null}]}"#;

static EXAMPLES: &[(&str, &str)] = &[
    ("ban-user", BAN_EXAMPLE),
    (
        "create-poll",
        r#"{"data":[{"id":"ed961efd","title":"Heads or Tails?"}]}"#,
    ),
    (
        "get-channel-followers",
        r#"{"total":8,"data":[{"user_id":"11111","user_login":"a"}],"pagination":{}}"#,
    ),
    (
        "get-channel-icalendar",
        r#""BEGIN:VCALENDAR\nVERSION:2.0\nEND:VCALENDAR\n""#,
    ),
    (
        "get-clips",
        r#"{"data":[{"id":"A"},{"id":"B"},{"id":"C"}],"pagination":{"cursor":"example"}}"#,
    ),
    (
        "get-extension-transactions",
        r#"{"data":[{"id":"74c52265"}],"pagination":{}}"#,
    ),
    ("get-users", USERS_EXAMPLE),
];

const HOUR: Duration = Duration::from_secs(3600);

async fn start() -> MockServer {
    MockServer::builder()
        .endpoints(ENDPOINTS, EXAMPLES)
        .start()
        .await
        .expect("start the stand-in")
}

fn http() -> Client {
    // twitch-sdk builds reqwest with `rustls-no-provider`; plain HTTP still wants one installed.
    let _ = rustls::crypto::ring::default_provider().install_default();
    Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("reqwest client")
}

/// A Helix request with the mock's client id and `token`.
fn helix(mock: &MockServer, method: Method, path: &str, token: &str) -> RequestBuilder {
    http()
        .request(method, format!("{}{path}", mock.helix_url()))
        .header("Client-Id", mock.client_id())
        .bearer_auth(token)
}

async fn json_of(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    let body = response.json().await.expect("a JSON body");
    (status, body)
}

async fn message_of(response: Response) -> (u16, String) {
    let (status, body) = json_of(response).await;
    assert_eq!(
        body["status"],
        json!(status.as_u16()),
        "Twitch error body: {body}"
    );
    (
        status.as_u16(),
        body["message"].as_str().expect("a message").to_owned(),
    )
}

fn header(response: &Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().expect("ascii header").to_owned())
}

async fn post_form(mock: &MockServer, path: &str, form: &[(&str, &str)]) -> Response {
    let body: Vec<String> = form.iter().map(|(k, v)| format!("{k}={v}")).collect();
    http()
        .post(format!("{}{path}", mock.oauth_url()))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body.join("&"))
        .send()
        .await
        .expect("send")
}

async fn validate(mock: &MockServer, token: &str) -> Response {
    http()
        .get(format!("{}/validate", mock.oauth_url()))
        .header("Authorization", format!("OAuth {token}"))
        .send()
        .await
        .expect("send")
}

#[tokio::test]
async fn urls_point_at_loopback() {
    let mock = start().await;
    assert_eq!(mock.addr().ip().to_string(), "127.0.0.1");
    assert_ne!(mock.addr().port(), 0);
    assert_eq!(
        mock.helix_url(),
        format!("http://127.0.0.1:{}/helix", mock.addr().port())
    );
    assert_eq!(mock.oauth_url(), format!("{}/oauth2", mock.url()));
    assert_eq!(
        format!("{mock:?}"),
        format!("MockServer {{ addr: {}, .. }}", mock.addr())
    );
}

#[tokio::test]
async fn client_credentials_flow_issues_a_working_app_token() {
    let mock = start().await;
    let secret = mock.client_secret().to_owned();
    let response = post_form(
        &mock,
        "/token",
        &[
            ("client_id", mock.client_id()),
            ("client_secret", &secret),
            ("grant_type", "client_credentials"),
        ],
    )
    .await;
    let (status, body) = json_of(response).await;
    assert_eq!(status, 200);
    assert_eq!(body["token_type"], "bearer");
    assert!(body["expires_in"].as_u64().unwrap() > 3600);
    let token = body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(token.len(), 30);

    let (status, body) = json_of(validate(&mock, &token).await).await;
    assert_eq!(status, 200);
    assert_eq!(body["client_id"], mock.client_id());
    assert_eq!(body["scopes"], json!([]));
    assert!(
        body.get("user_id").is_none() && body.get("login").is_none(),
        "{body}"
    );

    let response = helix(&mock, Method::GET, "/users?login=twitchdev", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), USERS_EXAMPLE);

    // Wrong secret, unknown client, unknown grant.
    let wrong = [
        ("client_id", mock.client_id()),
        ("client_secret", "nope"),
        ("grant_type", "client_credentials"),
    ];
    assert_eq!(
        message_of(post_form(&mock, "/token", &wrong).await).await,
        (403, "invalid client secret".into())
    );
    let unknown = [
        ("client_id", "who"),
        ("client_secret", "x"),
        ("grant_type", "client_credentials"),
    ];
    assert_eq!(
        message_of(post_form(&mock, "/token", &unknown).await).await,
        (400, "invalid client".into())
    );
    let odd = [
        ("client_id", mock.client_id()),
        ("client_secret", &secret),
        ("grant_type", "password"),
    ];
    assert_eq!(
        message_of(post_form(&mock, "/token", &odd).await).await,
        (400, "unsupported grant type".into())
    );

    let counts = mock.oauth_counts();
    assert_eq!(
        (counts.client_credentials, counts.refresh, counts.validate),
        (3, 0, 1)
    );
}

#[tokio::test]
async fn credentials_are_also_accepted_in_the_query() {
    let mock = start().await;
    let url = format!(
        "{}/token?client_id={}&client_secret={}&grant_type=client_credentials",
        mock.oauth_url(),
        mock.client_id(),
        mock.client_secret()
    );
    let response = http().post(url).send().await.unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn refresh_rotates_tokens_and_keeps_the_grant() {
    let mock = MockServer::builder()
        .endpoints(ENDPOINTS, EXAMPLES)
        .user_token_lifetime(Duration::from_secs(7200))
        .start()
        .await
        .unwrap();
    let scopes = ["moderator:manage:banned_users", "chat:read"];
    let (access, refresh) = mock.issue_user_token("1234", "streamer", &scopes, HOUR);
    assert_ne!(access, refresh);

    let (status, body) = json_of(validate(&mock, &access).await).await;
    assert_eq!(status, 200);
    assert_eq!(body["user_id"], "1234");
    assert_eq!(body["login"], "streamer");
    assert_eq!(body["scopes"], json!(scopes));
    let left = body["expires_in"].as_u64().unwrap();
    assert!((3590..=3600).contains(&left), "expires_in {left}");

    let secret = mock.client_secret().to_owned();
    let form = [
        ("client_id", mock.client_id()),
        ("client_secret", secret.as_str()),
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh.as_str()),
    ];
    let (status, body) = json_of(post_form(&mock, "/token", &form).await).await;
    assert_eq!(status, 200);
    assert_eq!(body["scope"], json!(scopes));
    assert_eq!(body["expires_in"], 7200);
    let new_access = body["access_token"].as_str().unwrap().to_owned();
    let new_refresh = body["refresh_token"].as_str().unwrap().to_owned();
    assert!(new_access != access && new_refresh != refresh);

    // The used refresh token is gone; the new one carries the same user.
    assert_eq!(
        message_of(post_form(&mock, "/token", &form).await).await,
        (400, "Invalid refresh token".into())
    );
    let (_, body) = json_of(validate(&mock, &new_access).await).await;
    assert_eq!(
        (body["user_id"].as_str(), body["login"].as_str()),
        (Some("1234"), Some("streamer"))
    );
    let left = body["expires_in"].as_u64().unwrap();
    assert!((7190..=7200).contains(&left), "expires_in {left}");

    // A refresh needs the client secret.
    let no_secret = [
        ("client_id", mock.client_id()),
        ("grant_type", "refresh_token"),
        ("refresh_token", &new_refresh),
    ];
    assert_eq!(
        message_of(post_form(&mock, "/token", &no_secret).await)
            .await
            .0,
        403
    );

    assert_eq!(mock.oauth_counts().refresh, 3);
}

#[tokio::test]
async fn expired_and_revoked_tokens_are_refused() {
    let mock = start().await;
    let (access, refresh) = mock.issue_user_token("1", "a", &[], HOUR);
    let ok = helix(&mock, Method::GET, "/users", &access)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);

    assert!(mock.expire_token(&access));
    let response = helix(&mock, Method::GET, "/users", &access)
        .send()
        .await
        .unwrap();
    assert_eq!(
        message_of(response).await,
        (401, "Invalid OAuth token".into())
    );
    assert_eq!(
        message_of(validate(&mock, &access).await).await,
        (401, "invalid access token".into())
    );

    // The refresh token of an expired access token still works.
    let secret = mock.client_secret().to_owned();
    let form = [
        ("client_id", mock.client_id()),
        ("client_secret", secret.as_str()),
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh.as_str()),
    ];
    let (status, body) = json_of(post_form(&mock, "/token", &form).await).await;
    assert_eq!(status, 200);
    let fresh = body["access_token"].as_str().unwrap().to_owned();

    // Revoking through the endpoint, as a logout would.
    let revoke = [("client_id", mock.client_id()), ("token", fresh.as_str())];
    let response = post_form(&mock, "/revoke", &revoke).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        message_of(post_form(&mock, "/revoke", &revoke).await).await,
        (400, "Invalid token".into())
    );
    let response = helix(&mock, Method::GET, "/users", &fresh)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);

    // Revoking on demand; unknown tokens are reported.
    let app = mock.issue_app_token(HOUR);
    assert!(mock.revoke_token(&app));
    assert!(!mock.revoke_token(&app));
    assert!(!mock.expire_token("never-issued"));
    assert_eq!(
        helix(&mock, Method::GET, "/users", &app)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(mock.oauth_counts().revoke, 2);
}

#[tokio::test]
async fn helix_answers_401_like_twitch() {
    let mock = MockServer::builder()
        .endpoints(ENDPOINTS, EXAMPLES)
        .register_client("other-client", "other-secret")
        .start()
        .await
        .unwrap();
    let app = mock.issue_app_token(HOUR);
    let users = format!("{}/users", mock.helix_url());

    let cases: Vec<(RequestBuilder, &str)> = vec![
        (
            http().get(&users).header("Client-Id", mock.client_id()),
            "OAuth token is missing",
        ),
        (
            http().get(&users).bearer_auth(&app),
            "Client-Id header is missing",
        ),
        (
            http()
                .get(&users)
                .header("Client-Id", mock.client_id())
                .header("Authorization", format!("OAuth {app}")),
            "Invalid OAuth token: expected `Authorization: Bearer <token>`",
        ),
        (
            helix(&mock, Method::GET, "/users", "made-up-token"),
            "Invalid OAuth token",
        ),
        (
            http()
                .get(&users)
                .header("Client-Id", "other-client")
                .bearer_auth(&app),
            "Client ID and OAuth token do not match",
        ),
        (
            helix(
                &mock,
                Method::POST,
                "/moderation/bans?broadcaster_id=1&moderator_id=1",
                &app,
            ),
            "ban-user needs a user access token, not an app access token",
        ),
    ];
    for (request, expected) in cases {
        let response = request.send().await.unwrap();
        assert_eq!(message_of(response).await, (401, expected.to_owned()));
    }

    // An app-only operation refuses user tokens.
    let (user, _) = mock.issue_user_token("1", "a", &[], HOUR);
    let response = helix(&mock, Method::GET, "/extensions/transactions", &user)
        .send()
        .await
        .unwrap();
    assert_eq!(
        message_of(response).await,
        (
            401,
            "get-extension-transactions needs an app access token, not a user access token".into()
        )
    );
    let response = helix(&mock, Method::GET, "/extensions/transactions", &app)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    // The other client's tokens work with its own id.
    let form = [
        ("client_id", "other-client"),
        ("client_secret", "other-secret"),
        ("grant_type", "client_credentials"),
    ];
    let (_, body) = json_of(post_form(&mock, "/token", &form).await).await;
    let other = body["access_token"].as_str().unwrap();
    let response = http()
        .get(&users)
        .header("Client-Id", "other-client")
        .bearer_auth(other)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn missing_scopes_answer_401_naming_them() {
    let mock = start().await;
    let ban = "/moderation/bans?broadcaster_id=1&moderator_id=2";
    let data = json!({"data": {"user_id": "9876", "reason": "spam"}});

    let (none, _) = mock.issue_user_token("2", "mod", &["chat:read"], HOUR);
    let response = helix(&mock, Method::POST, ban, &none)
        .json(&data)
        .send()
        .await
        .unwrap();
    assert_eq!(
        message_of(response).await,
        (401, "Missing scope: moderator:manage:banned_users".into())
    );

    let (ok, _) = mock.issue_user_token("2", "mod", &["moderator:manage:banned_users"], HOUR);
    let response = helix(&mock, Method::POST, ban, &ok)
        .json(&data)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), BAN_EXAMPLE);

    // any_of: one of the list is enough.
    let followers = "/channels/followers?broadcaster_id=1";
    let response = helix(&mock, Method::GET, followers, &none)
        .send()
        .await
        .unwrap();
    assert_eq!(
        message_of(response).await,
        (
            401,
            "Missing scope: one of moderator:read:followers, channel:read:followers".into()
        )
    );
    let (reader, _) = mock.issue_user_token("1", "b", &["channel:read:followers"], HOUR);
    let response = helix(&mock, Method::GET, followers, &reader)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn broken_arguments_answer_400_with_the_limit() {
    let mock = start().await;
    let (token, _) = mock.issue_user_token(
        "1",
        "a",
        &["moderator:manage:banned_users", "channel:manage:polls"],
        HOUR,
    );
    let ids: Vec<String> = (0..101).map(|i| format!("id={i}")).collect();
    let poll = |title: &str, choices: usize, duration: Value| {
        let choices: Vec<Value> = (0..choices)
            .map(|i| json!({"title": format!("c{i}")}))
            .collect();
        json!({"broadcaster_id": "1", "title": title, "choices": choices, "duration": duration})
    };
    let long_title = "t".repeat(61);
    let cases: Vec<(Method, String, Option<Value>, &str)> = vec![
        (
            Method::GET,
            format!("/users?{}", ids.join("&")),
            None,
            "Parameter \"id\": at most 100 items, got 101",
        ),
        (
            Method::POST,
            "/moderation/bans?broadcaster_id=1".into(),
            Some(json!({"data": {}})),
            "Parameter \"moderator_id\": required, but missing",
        ),
        (
            Method::POST,
            "/moderation/bans?broadcaster_id=1&moderator_id=1".into(),
            None,
            "Parameter \"data\": required, but missing",
        ),
        (
            Method::POST,
            "/polls".into(),
            Some(poll(&long_title, 2, json!(60))),
            "Parameter \"title\": length 1 to 60, got 61",
        ),
        (
            Method::POST,
            "/polls".into(),
            Some(poll("ok", 1, json!(60))),
            "Parameter \"choices\": 2 to 5 items, got 1",
        ),
        (
            Method::POST,
            "/polls".into(),
            Some(poll("ok", 2, json!(10))),
            "Parameter \"duration\": must be 15 to 1800, got 10",
        ),
        (
            Method::POST,
            "/polls".into(),
            Some(poll("ok", 2, json!("long"))),
            "Parameter \"duration\": must be a number, got `long`",
        ),
        (
            Method::GET,
            "/clips?first=0".into(),
            None,
            "Parameter \"first\": must be 1 to 100, got 0",
        ),
    ];
    for (method, path, body, expected) in cases {
        let mut request = helix(&mock, method, &path, &token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let (status, body) = json_of(request.send().await.unwrap()).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(
            body,
            json!({"error": "Bad Request", "status": 400, "message": expected}),
            "{path}"
        );
    }

    let response = helix(&mock, Method::POST, "/polls", &token)
        .header("Content-Type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    let (status, message) = message_of(response).await;
    assert_eq!(status, 400);
    assert!(
        message.starts_with("The request body is not valid JSON"),
        "{message}"
    );

    // Within every limit: the example.
    let response = helix(&mock, Method::POST, "/polls", &token)
        .json(&poll("ok", 5, json!(1800)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let ids: Vec<String> = (0..100).map(|i| format!("id={i}")).collect();
    let response = helix(
        &mock,
        Method::GET,
        &format!("/users?{}", ids.join("&")),
        &token,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test]
async fn rate_limit_headers_count_down_and_429_until_reset() {
    let window = Duration::from_millis(1500);
    let mock = MockServer::builder()
        .endpoints(ENDPOINTS, EXAMPLES)
        .rate_limit(3, window)
        .start()
        .await
        .unwrap();
    let app = mock.issue_app_token(HOUR);
    let before = unix_now();
    for expected in ["2", "1", "0"] {
        let response = helix(&mock, Method::GET, "/users", &app)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(header(&response, "ratelimit-limit").as_deref(), Some("3"));
        assert_eq!(
            header(&response, "ratelimit-remaining").as_deref(),
            Some(expected)
        );
    }
    let response = helix(&mock, Method::GET, "/users", &app)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    assert_eq!(
        header(&response, "ratelimit-remaining").as_deref(),
        Some("0")
    );
    let reset: u64 = header(&response, "ratelimit-reset")
        .unwrap()
        .parse()
        .unwrap();
    // Rounded up: at least the window (1.5 s) after the first request, at most 3 s after now.
    assert!(
        reset >= before + 2 && reset <= unix_now() + 3,
        "reset {reset}, now {}",
        unix_now()
    );
    assert_eq!(
        message_of(response).await,
        (429, "Too Many Requests".into())
    );

    // A user's bucket is separate from the app's.
    let (user, _) = mock.issue_user_token("1", "a", &[], HOUR);
    let response = helix(&mock, Method::GET, "/users", &user)
        .send()
        .await
        .unwrap();
    assert_eq!(
        header(&response, "ratelimit-remaining").as_deref(),
        Some("2")
    );

    // Waiting until the announced reset is enough.
    let wait = UNIX_EPOCH + Duration::from_secs(reset);
    tokio::time::sleep(wait.duration_since(SystemTime::now()).unwrap_or_default()).await;
    let response = helix(&mock, Method::GET, "/users", &app)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        header(&response, "ratelimit-remaining").as_deref(),
        Some("2")
    );

    // Unauthorized requests spend nothing and carry no headers.
    let response = helix(&mock, Method::GET, "/users", "bad")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(header(&response, "ratelimit-limit"), None);

    mock.reset_rate_limits();
    for _ in 0..3 {
        assert_eq!(
            helix(&mock, Method::GET, "/users", &user)
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
    }
}

#[tokio::test]
async fn rate_limits_can_be_silent_or_off() {
    let silent = MockServer::builder()
        .endpoints(ENDPOINTS, EXAMPLES)
        .rate_limit(1, HOUR)
        .rate_limit_headers(false)
        .start()
        .await
        .unwrap();
    let app = silent.issue_app_token(HOUR);
    let first = helix(&silent, Method::GET, "/users", &app)
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 200);
    assert_eq!(header(&first, "ratelimit-remaining"), None);
    let second = helix(&silent, Method::GET, "/users", &app)
        .send()
        .await
        .unwrap();
    assert_eq!(second.status(), 429);
    assert_eq!(header(&second, "ratelimit-reset"), None);

    let off = MockServer::builder()
        .endpoints(ENDPOINTS, EXAMPLES)
        .without_rate_limit()
        .start()
        .await
        .unwrap();
    let app = off.issue_app_token(HOUR);
    for _ in 0..5 {
        let response = helix(&off, Method::GET, "/users", &app)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(header(&response, "ratelimit-limit"), None);
    }
}

fn ids(body: &Value) -> Vec<String> {
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

fn range(from: usize, to: usize) -> Vec<String> {
    (from..to).map(|i| format!("clip{i}")).collect()
}

#[tokio::test]
async fn pagination_goes_forward_and_back_with_cursors() {
    let mock = start().await;
    let items = (0..45).map(|i| json!({"id": format!("clip{i}")})).collect();
    mock.set_items("get-clips", items)
        .expect("a paginated operation");
    let app = mock.issue_app_token(HOUR);
    let get = |query: String| {
        helix(
            &mock,
            Method::GET,
            &format!("/clips?broadcaster_id=1{query}"),
            &app,
        )
        .send()
    };

    let (_, page1) = json_of(get(String::new()).await.unwrap()).await;
    assert_eq!(ids(&page1), range(0, 20), "default page size 20");
    let cursor1 = page1["pagination"]["cursor"].as_str().unwrap().to_owned();
    assert!(!cursor1.is_empty());

    let (_, page2) = json_of(get(format!("&after={cursor1}")).await.unwrap()).await;
    assert_eq!(ids(&page2), range(20, 40));
    let cursor2 = page2["pagination"]["cursor"].as_str().unwrap().to_owned();

    let (_, page3) = json_of(get(format!("&after={cursor2}")).await.unwrap()).await;
    assert_eq!(ids(&page3), range(40, 45));
    assert_eq!(
        page3["pagination"],
        json!({"cursor": ""}),
        "empty cursor on the last page"
    );

    // `before` the second page is the first page, and nothing precedes that.
    let (_, back) = json_of(get(format!("&before={cursor2}")).await.unwrap()).await;
    assert_eq!(ids(&back), range(0, 20));
    assert_eq!(back["pagination"]["cursor"], "");

    // `first` sets the page size.
    let (_, small) = json_of(get("&first=7".into()).await.unwrap()).await;
    assert_eq!(ids(&small), range(0, 7));
    let cursor = small["pagination"]["cursor"].as_str().unwrap().to_owned();
    let (_, next) = json_of(get(format!("&first=7&after={cursor}")).await.unwrap()).await;
    assert_eq!(ids(&next), range(7, 14));
    let (_, all) = json_of(get("&first=100".into()).await.unwrap()).await;
    assert_eq!(ids(&all), range(0, 45));
    assert_eq!(all["pagination"]["cursor"], "");

    let response = get("&after=garbage".into()).await.unwrap();
    assert_eq!(
        message_of(response).await,
        (
            400,
            "Invalid value for parameter \"after\": unknown cursor".into()
        )
    );
}

#[tokio::test]
async fn pagination_defaults_to_the_example_items_and_keeps_total() {
    let mock = MockServer::builder()
        .endpoints(ENDPOINTS, EXAMPLES)
        .page_size(2)
        .last_page_without_cursor(true)
        .items(
            "get-channel-followers",
            (0..3).map(|i| json!({"user_id": i.to_string()})).collect(),
        )
        .start()
        .await
        .unwrap();
    let app = mock.issue_app_token(HOUR);
    let (_, first) = json_of(
        helix(&mock, Method::GET, "/clips", &app)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(ids(&first), ["A", "B"]);
    let cursor = first["pagination"]["cursor"].as_str().unwrap().to_owned();
    let (_, last) = json_of(
        helix(&mock, Method::GET, &format!("/clips?after={cursor}"), &app)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(ids(&last), ["C"]);
    assert_eq!(last["pagination"], json!({}));

    let (user, _) = mock.issue_user_token("1", "a", &["moderator:read:followers"], HOUR);
    let followers = "/channels/followers?broadcaster_id=1&first=100";
    let (_, body) = json_of(
        helix(&mock, Method::GET, followers, &user)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(body["total"], 3);
    assert_eq!(body["data"].as_array().unwrap().len(), 3);

    // Helix has no `before` for followers; the stand-in refuses it rather than invent one.
    let backwards = format!("{followers}&before={cursor}");
    let response = helix(&mock, Method::GET, &backwards, &user)
        .send()
        .await
        .unwrap();
    assert_eq!(
        message_of(response).await,
        (
            400,
            "get-channel-followers does not support the \"before\" cursor".into()
        )
    );
}

#[tokio::test]
async fn routes_without_examples_and_unknown_routes() {
    let mock = start().await;
    let (token, _) = mock.issue_user_token("1", "a", &["moderator:manage:banned_users"], HOUR);

    let response = helix(&mock, Method::GET, "/videos", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        json_of(response).await,
        (StatusCode::OK, json!({"data": []}))
    );
    let response = helix(&mock, Method::DELETE, "/moderation/bans", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert!(response.bytes().await.unwrap().is_empty());

    // The iCalendar feed needs no token and is plain text.
    let response = http()
        .get(format!("{}/schedule/icalendar", mock.helix_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        header(&response, "content-type").as_deref(),
        Some("text/calendar; charset=utf-8")
    );
    assert_eq!(
        response.text().await.unwrap(),
        "BEGIN:VCALENDAR\nVERSION:2.0\nEND:VCALENDAR\n"
    );

    let response = helix(&mock, Method::GET, "/nothing/here", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        message_of(response).await,
        (404, "no Helix operation GET /helix/nothing/here".into())
    );
    let response = helix(&mock, Method::PATCH, "/users", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let response = http()
        .get(format!("{}/elsewhere", mock.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn overrides_answer_once_n_times_or_always_newest_first() {
    let mock = start().await;
    let app = mock.issue_app_token(HOUR);
    let status = || async {
        helix(&mock, Method::GET, "/users", &app)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };

    let always = mock.on("get-users").reply(Reply::error(500, "boom"));
    let twice = mock.on("/users").times(2).reply(Reply::empty(503));
    let once = mock
        .on("GET /helix/users")
        .once()
        .reply(Reply::json(200, json!({"data": []})));
    let mut seen = Vec::new();
    for _ in 0..5 {
        seen.push(status().await);
    }
    assert_eq!(seen, [200, 503, 503, 500, 500]);
    assert_eq!((once.hits(), twice.hits(), always.hits()), (1, 2, 2));
    always.remove();
    assert_eq!(status().await, 200);

    // Other routes are untouched; `*` catches everything; clearing restores normal answers.
    mock.on("get-clips").reply(Reply::error(404, "nope"));
    let response = helix(&mock, Method::GET, "/users", &app)
        .send()
        .await
        .unwrap();
    assert_eq!(response.text().await.unwrap(), USERS_EXAMPLE);
    mock.on("*")
        .reply(Reply::body(418, "text/plain", "teapot").header("X-Mock", "yes"));
    let response = http()
        .get(format!("{}/oauth2/validate", mock.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (response.status().as_u16(), header(&response, "x-mock")),
        (418, Some("yes".into()))
    );
    assert_eq!(response.text().await.unwrap(), "teapot");
    mock.clear_overrides();
    assert_eq!(status().await, 200);
}

#[tokio::test]
async fn passthrough_overrides_keep_the_answer_and_add_headers_or_delay() {
    let mock = start().await;
    let app = mock.issue_app_token(HOUR);
    mock.on("get-users").once().reply(
        Reply::passthrough()
            .header("Ratelimit-Remaining", "0")
            .header("X-Extra", "1"),
    );
    let response = helix(&mock, Method::GET, "/users", &app)
        .send()
        .await
        .unwrap();
    assert_eq!(
        header(&response, "ratelimit-remaining").as_deref(),
        Some("0")
    );
    assert_eq!(header(&response, "ratelimit-limit").as_deref(), Some("800"));
    assert_eq!(header(&response, "x-extra").as_deref(), Some("1"));
    assert_eq!(response.text().await.unwrap(), USERS_EXAMPLE);

    // A delay longer than the client's timeout is a timeout.
    mock.on("get-users")
        .once()
        .reply(Reply::passthrough().delay(Duration::from_secs(30)));
    let error = helix(&mock, Method::GET, "/users", &app)
        .timeout(Duration::from_millis(300))
        .send()
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    let started = std::time::Instant::now();
    mock.on("get-users")
        .once()
        .reply(Reply::passthrough().delay(Duration::from_millis(300)));
    assert_eq!(
        helix(&mock, Method::GET, "/users", &app)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn faults_break_responses_the_ways_networks_do() {
    let mock = start().await;
    let app = mock.issue_app_token(HOUR);
    let send = || helix(&mock, Method::GET, "/users", &app).send();

    mock.on("get-users").once().reply(Reply::malformed_json());
    let response = send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(serde_json::from_str::<Value>(&response.text().await.unwrap()).is_err());

    mock.on("get-users").once().reply(Reply::truncated_json());
    let response = send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "ratelimit-limit").as_deref(), Some("800"));
    let text = response.text().await.unwrap();
    assert_eq!(text, USERS_EXAMPLE[..USERS_EXAMPLE.len() / 2]);

    mock.on("get-users").once().reply(Reply::incomplete_body());
    let response = send().await.unwrap();
    assert_eq!(
        header(&response, "content-length"),
        Some(USERS_EXAMPLE.len().to_string())
    );
    assert!(response.bytes().await.is_err(), "the body is cut short");

    mock.on("get-users").once().reply(Reply::html_502());
    let response = send().await.unwrap();
    assert_eq!(response.status(), 502);
    assert_eq!(
        header(&response, "content-type").as_deref(),
        Some("text/html")
    );
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("<h1>502 Bad Gateway</h1>")
    );

    mock.on("get-users").once().reply(Reply::reset());
    let error = send().await.unwrap_err();
    assert!(!error.is_timeout() && error.status().is_none(), "{error:?}");

    mock.on("get-users").once().reply(Reply::close());
    let error = send().await.unwrap_err();
    assert!(!error.is_timeout() && error.status().is_none(), "{error:?}");

    mock.on("get-users")
        .once()
        .reply(Reply::error(503, "Service Unavailable"));
    let (status, body) = json_of(send().await.unwrap()).await;
    assert_eq!(status, 503);
    assert_eq!(
        body,
        json!({"error": "Service Unavailable", "status": 503, "message": "Service Unavailable"})
    );

    // The server is still fine afterwards, and logged what it answered.
    assert_eq!(send().await.unwrap().status(), 200);
    let statuses: Vec<Option<u16>> = mock
        .requests_to("get-users")
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(
        statuses,
        [
            Some(200),
            Some(200),
            Some(200),
            Some(502),
            None,
            None,
            Some(503),
            Some(200)
        ]
    );
}

#[tokio::test]
async fn oauth_routes_can_be_overridden_too() {
    let mock = start().await;
    mock.on("POST /oauth2/token").once().reply(Reply::json(
        400,
        json!({"status": 400, "message": "Invalid refresh token"}),
    ));
    let secret = mock.client_secret().to_owned();
    let form = [
        ("client_id", mock.client_id()),
        ("client_secret", secret.as_str()),
        ("grant_type", "client_credentials"),
    ];
    assert_eq!(post_form(&mock, "/token", &form).await.status(), 400);
    assert_eq!(post_form(&mock, "/token", &form).await.status(), 200);
    // Overridden requests are counted only where they reached the normal behaviour.
    assert_eq!(mock.oauth_counts().client_credentials, 1);
    assert_eq!(mock.requests_to("/oauth2/token").len(), 2);
}

#[tokio::test]
async fn the_request_log_keeps_everything_that_arrived() {
    let mock = start().await;
    let (token, _) = mock.issue_user_token("1", "a", &["moderator:manage:banned_users"], HOUR);
    let response = helix(
        &mock,
        Method::POST,
        "/moderation/bans?broadcaster_id=1&moderator_id=2",
        &token,
    )
    .json(&json!({"data": {"user_id": "9876", "reason": "sp am"}}))
    .send()
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    helix(
        &mock,
        Method::GET,
        "/users?login=a%20b&login=c%2Bd&id=1",
        &token,
    )
    .send()
    .await
    .unwrap();

    let log = mock.requests();
    assert_eq!(log.len(), 2);
    let ban = &log[0];
    assert_eq!(
        (ban.method.as_str(), ban.path.as_str()),
        ("POST", "/helix/moderation/bans")
    );
    assert_eq!(ban.operation, Some("ban-user"));
    assert_eq!(ban.status, Some(200));
    assert_eq!(ban.raw_query, "broadcaster_id=1&moderator_id=2");
    assert_eq!(ban.query_value("moderator_id"), Some("2"));
    assert_eq!(ban.header("Client-Id"), Some(mock.client_id()));
    assert_eq!(
        ban.header("authorization"),
        Some(format!("Bearer {token}").as_str())
    );
    assert_eq!(ban.header("content-type"), Some("application/json"));
    assert_eq!(
        ban.body_json(),
        Some(json!({"data": {"user_id": "9876", "reason": "sp am"}}))
    );
    assert!(
        !ban.contains_outside_authorization(&token),
        "the token travels only in Authorization"
    );
    assert!(ban.contains_outside_authorization("9876"));

    let users = &log[1];
    assert_eq!(users.query_values("login"), ["a b", "c+d"]);
    assert_eq!(
        users.query,
        [
            ("login".into(), "a b".into()),
            ("login".into(), "c+d".into()),
            ("id".into(), "1".into())
        ]
    );
    assert!(users.body.is_empty() && users.body_json().is_none());

    assert_eq!(mock.requests_to("get-users").len(), 1);
    assert_eq!(mock.requests_to("POST /moderation/bans").len(), 1);
    assert_eq!(mock.requests_to("DELETE /moderation/bans").len(), 0);

    // OAuth form bodies are readable too.
    let secret = mock.client_secret().to_owned();
    let form = [
        ("client_id", mock.client_id()),
        ("client_secret", secret.as_str()),
        ("grant_type", "client_credentials"),
    ];
    post_form(&mock, "/token", &form).await;
    let token_request = mock.requests_to("/oauth2/token").pop().unwrap();
    assert!(
        token_request
            .form()
            .contains(&("client_secret".into(), secret.clone()))
    );
    assert!(token_request.contains_outside_authorization(&secret));

    mock.clear_requests();
    assert!(mock.requests().is_empty());
    helix(&mock, Method::GET, "/users", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(mock.requests().len(), 1);
    assert_eq!(mock.requests()[0].status, Some(200));
}

#[tokio::test]
async fn a_pending_request_is_logged_before_it_is_answered() {
    let mock = start().await;
    let app = mock.issue_app_token(HOUR);
    mock.on("get-users")
        .once()
        .reply(Reply::passthrough().delay(Duration::from_millis(400)));
    let slow = tokio::spawn(helix(&mock, Method::GET, "/users", &app).send());
    tokio::time::sleep(Duration::from_millis(150)).await;
    let pending = mock.requests();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].status, None);
    // Clearing the log while it is pending does not misplace its status.
    mock.clear_requests();
    helix(&mock, Method::GET, "/users", &app)
        .send()
        .await
        .unwrap();
    assert_eq!(slow.await.unwrap().unwrap().status(), 200);
    let log = mock.requests();
    assert_eq!(
        log.iter().map(|r| r.status).collect::<Vec<_>>(),
        [Some(200)]
    );
}

#[tokio::test]
async fn concurrent_clients_are_served() {
    let mock = start().await;
    let app = mock.issue_app_token(HOUR);
    let calls = (0..100).map(|_| helix(&mock, Method::GET, "/users", &app).send());
    let mut handles = Vec::new();
    for call in calls {
        handles.push(tokio::spawn(call));
    }
    for handle in handles {
        assert_eq!(handle.await.unwrap().unwrap().status(), 200);
    }
    assert_eq!(mock.requests().len(), 100);
}

#[tokio::test]
async fn a_chosen_port_is_used_and_freed_on_drop() {
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let mock = MockServer::builder()
        .endpoints(ENDPOINTS, EXAMPLES)
        .port(port)
        .start()
        .await
        .unwrap();
    assert_eq!(mock.addr().port(), port);
    let busy = MockServer::builder()
        .endpoints(ENDPOINTS, EXAMPLES)
        .port(port)
        .start()
        .await;
    assert_eq!(busy.unwrap_err().kind(), std::io::ErrorKind::AddrInUse);

    let url = format!("{}/users", mock.helix_url());
    assert_eq!(http().get(&url).send().await.unwrap().status(), 401);
    drop(mock);
    tokio::task::yield_now().await;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let fresh = Client::builder().pool_max_idle_per_host(0).build().unwrap();
    let error = fresh.get(&url).send().await.unwrap_err();
    assert!(error.is_connect(), "{error:?}");
}
