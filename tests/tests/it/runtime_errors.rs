//! How Helix's answers become errors: every status maps to its variant with Twitch's message (or
//! the spec's meaning of the status when Twitch sent none); bodies that are not JSON, broken JSON
//! and JSON that does not fit the model give errors that say where; Twitch's lenient shapes
//! decode.

use crate::support;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use twitch_sdk::mock::{MockServer, Reply};
use twitch_sdk::models::UserType;
use twitch_sdk::{ENDPOINTS, Error};

use support::client;

/// The spec's meaning of `status` for `operation`.
fn meaning(operation: &str, status: u16) -> &'static str {
    ENDPOINTS
        .iter()
        .find(|e| e.operation == operation)
        .and_then(|e| e.error_meaning(status))
        .unwrap_or_else(|| panic!("the spec documents no {status} for {operation}"))
}

/// The variant's name, endpoint and message, for the statuses that carry a message.
fn parts(err: &Error) -> (&'static str, &'static str, &str) {
    match err {
        Error::BadRequest { endpoint, message } => ("BadRequest", endpoint, message),
        Error::Unauthorized { endpoint, message } => ("Unauthorized", endpoint, message),
        Error::Forbidden { endpoint, message } => ("Forbidden", endpoint, message),
        Error::NotFound { endpoint, message } => ("NotFound", endpoint, message),
        Error::Conflict { endpoint, message } => ("Conflict", endpoint, message),
        Error::Status {
            endpoint, message, ..
        } => ("Status", endpoint, message),
        other => panic!("not a status error: {other:?}"),
    }
}

const CASES: [(u16, &str); 7] = [
    (400, "BadRequest"),
    (401, "Unauthorized"),
    (403, "Forbidden"),
    (404, "NotFound"),
    (409, "Conflict"),
    (422, "Status"),
    (425, "Status"),
];

/// Add Channel VIP documents 400, 401, 403, 404, 409, 422, 425 and 429: each answer maps to its
/// variant and keeps Twitch's message.
#[tokio::test]
async fn every_status_maps_to_its_error_with_twitchs_message() {
    let mock = MockServer::start().await;
    let (user, _) = support::user(&mock, &["channel:manage:vips"]).await;
    for (status, variant) in CASES {
        let said = format!("Twitch says {status}");
        mock.on("add-channel-vip")
            .once()
            .reply(Reply::error(status, said.as_str()));
        let err = user.add_channel_vip("9876").await.unwrap_err();
        assert_eq!(parts(&err), (variant, "add-channel-vip", said.as_str()));
        assert_eq!(err.status(), Some(status));
    }
    // A 5xx (after the retries, for methods that retry; never for this POST).
    mock.on("add-channel-vip")
        .once()
        .reply(Reply::error(503, "Service Unavailable, try later"));
    let err = user.add_channel_vip("9876").await.unwrap_err();
    assert!(
        matches!(&err, Error::Status { endpoint: "add-channel-vip", status: 503, message } if message == "Service Unavailable, try later"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "HTTP 503 (add-channel-vip): Service Unavailable, try later"
    );
    assert_eq!(mock.requests_to("add-channel-vip").len(), CASES.len() + 1);
}

/// When the body says nothing, the message is what the spec says the status means for this
/// operation.
#[tokio::test]
async fn without_a_message_the_specs_meaning_of_the_status_is_used() {
    let mock = MockServer::start().await;
    let (user, _) = support::user(&mock, &["channel:manage:vips"]).await;
    for (status, variant) in CASES {
        mock.on("add-channel-vip")
            .once()
            .reply(Reply::empty(status));
        let err = user.add_channel_vip("9876").await.unwrap_err();
        let expected = meaning("add-channel-vip", status);
        assert_eq!(parts(&err), (variant, "add-channel-vip", expected));
    }
    // A JSON body without a message counts as saying nothing too.
    mock.on("add-channel-vip")
        .once()
        .reply(Reply::json(409, json!({"status": 409, "message": ""})));
    let err = user.add_channel_vip("9876").await.unwrap_err();
    assert_eq!(
        parts(&err),
        (
            "Conflict",
            "add-channel-vip",
            meaning("add-channel-vip", 409)
        )
    );
    // A status the spec does not document, with an empty body.
    mock.on("add-channel-vip").once().reply(Reply::empty(500));
    let err = user.add_channel_vip("9876").await.unwrap_err();
    assert_eq!(
        parts(&err),
        ("Status", "add-channel-vip", "no details given")
    );
}

/// A 429 that outlasts the retries carries the reset Helix announced.
#[tokio::test]
async fn rate_limited_carries_the_reset_time() {
    let mock = MockServer::start().await;
    let app = support::app_with(&mock, client(&mock).max_retries(0)).await;
    let reset = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 30;
    mock.on("get-users").once().reply(
        Reply::error(429, "Too Many Requests")
            .header("Ratelimit-Limit", "800")
            .header("Ratelimit-Remaining", "0")
            .header("Ratelimit-Reset", reset.to_string()),
    );
    let err = app
        .get_users()
        .user_logins(["twitchdev"])
        .await
        .unwrap_err();
    match &err {
        Error::RateLimited {
            endpoint,
            reset: Some(at),
        } => {
            assert_eq!(*endpoint, "get-users");
            assert_eq!(*at, UNIX_EPOCH + Duration::from_secs(reset));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(err.status(), Some(429));
    let wait = err.retry_after().unwrap();
    assert!(
        wait > Duration::from_secs(25) && wait <= Duration::from_secs(30),
        "{wait:?}"
    );
}

/// A body that does not fit the model names the operation and the JSON path that failed.
#[tokio::test]
async fn a_body_that_does_not_fit_the_model_names_the_json_path() {
    let mock = MockServer::start().await;
    let app = support::app(&mock).await;
    let mut body: Value = serde_json::from_str(mock.example("get-users").unwrap()).unwrap();
    body["data"][0]["created_at"] = json!("yesterday");
    mock.on("get-users").once().reply(Reply::json(200, body));
    let err = app
        .get_users()
        .user_logins(["twitchdev"])
        .await
        .unwrap_err();
    match &err {
        Error::Decode {
            endpoint,
            path,
            excerpt,
            ..
        } => {
            assert_eq!(
                (*endpoint, path.as_str()),
                ("get-users", "data[0].created_at")
            );
            assert!(excerpt.starts_with(r#"{"data":[{"#), "{excerpt}");
            assert!(
                excerpt.ends_with('…'),
                "an excerpt, not the body: {excerpt}"
            );
            assert!(excerpt.len() < 300, "{excerpt}");
        }
        other => panic!("{other:?}"),
    }
    let printed = err.to_string();
    assert!(
        printed.starts_with("cannot decode get-users response at `data[0].created_at`: "),
        "{printed}"
    );

    // A missing required field, and a wrong type deeper in the list.
    let mut body: Value = serde_json::from_str(mock.example("get-users").unwrap()).unwrap();
    let mut second = body["data"][0].clone();
    second["view_count"] = json!("many");
    body["data"].as_array_mut().unwrap().push(second);
    body["data"][0].as_object_mut().unwrap().remove("login");
    mock.on("get-users")
        .once()
        .reply(Reply::json(200, body.clone()));
    let err = app.get_users().await.unwrap_err();
    assert!(
        matches!(&err, Error::Decode { path, message, .. } if path == "data[0]" && message.contains("login")),
        "{err:?}"
    );
    body["data"][0]["login"] = json!("back");
    mock.on("get-users").once().reply(Reply::json(200, body));
    let err = app.get_users().await.unwrap_err();
    assert!(
        matches!(&err, Error::Decode { path, .. } if path == "data[1].view_count"),
        "{err:?}"
    );
}

#[tokio::test]
async fn broken_and_non_json_success_bodies_are_decode_errors() {
    let mock = MockServer::start().await;
    let app = support::app(&mock).await;
    let html = "<html><body>Maintenance</body></html>";
    let cases = [
        Reply::malformed_json(),
        Reply::truncated_json(),
        Reply::body(200, "text/html", html),
    ];
    for reply in cases {
        mock.on("get-users").once().reply(reply);
        let err = app
            .get_users()
            .user_logins(["twitchdev"])
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::Decode { endpoint: "get-users", path, message, excerpt }
                if path == "." && message.starts_with("not JSON") && !excerpt.is_empty()),
            "{err:?}"
        );
    }
    mock.on("get-users")
        .once()
        .reply(Reply::body(200, "text/html", html));
    let err = app.get_users().await.unwrap_err();
    assert!(
        err.to_string().ends_with(&format!("(body starts: {html})")),
        "{err}"
    );
}

/// The HTML page a load balancer sends instead of Helix's JSON still gives a readable error.
#[tokio::test]
async fn an_html_502_page_is_a_clear_status_error() {
    let mock = MockServer::start().await;
    let app = support::app_with(&mock, client(&mock).max_retries(0)).await;
    mock.on("get-users").once().reply(Reply::html_502());
    let err = app
        .get_users()
        .user_logins(["twitchdev"])
        .await
        .unwrap_err();
    match &err {
        Error::Status {
            endpoint: "get-users",
            status: 502,
            message,
        } => {
            assert!(
                message.starts_with("unexpected non-JSON error body: <html>"),
                "{message}"
            );
            assert!(message.contains("<h1>502 Bad Gateway</h1>"), "{message}");
            assert!(!message.contains('\n'), "whitespace squeezed: {message:?}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(err.status(), Some(502));
}

/// Lenient where Twitch is: `data: null`, unknown fields, unknown enum values, `""` for a
/// missing timestamp.
#[tokio::test]
async fn twitchs_lenient_shapes_decode() {
    let mock = MockServer::start().await;
    let app = support::app(&mock).await;

    mock.on("get-users")
        .once()
        .reply(Reply::json(200, json!({"data": null})));
    assert!(app.get_users().await.unwrap().is_empty());
    mock.on("get-users")
        .once()
        .reply(Reply::json(200, json!({})));
    assert!(app.get_users().await.unwrap().is_empty());

    let mut body: Value = serde_json::from_str(mock.example("get-users").unwrap()).unwrap();
    body["data"][0]["type"] = json!("ambassador");
    body["data"][0]["a_field_from_the_future"] = json!({"nested": [1, 2]});
    body["surprise"] = json!(true);
    mock.on("get-users").once().reply(Reply::json(200, body));
    let users = app.get_users().await.unwrap();
    assert_eq!(users[0].type_, UserType::Unknown("ambassador".into()));
    assert_eq!(users[0].type_.as_str(), "ambassador");

    let (user, _) =
        support::user(&mock, &["moderation:read", "moderator:manage:banned_users"]).await;
    let mut ban = support::items(&mock, "get-banned-users", "user_id", 1).remove(0);
    ban["expires_at"] = json!("");
    mock.set_items("get-banned-users", vec![ban])
        .expect("a paginated operation");
    let bans = user.get_banned_users().await.unwrap();
    assert_eq!(bans.len(), 1);
    assert_eq!(bans[0].expires_at, None, "a permanent ban has no expiry");
}
