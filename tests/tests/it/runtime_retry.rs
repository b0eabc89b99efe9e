//! Retries and timeouts against the Helix stand-in's faults: a 5xx, a dropped connection or a
//! timeout is retried with backoff for `GET`, `PUT` and `DELETE`, never for `POST` or `PATCH`
//! (which may have taken effect); retries are capped; a connection that never opened is a
//! transport error. The request log counts the attempts.

use crate::support;

use std::net::TcpListener;
use std::time::Duration;

use twitch_sdk::mock::{MockServer, Reply};
use twitch_sdk::{ClientCredentials, Error, TokenError};

use support::{client, statuses};

async fn moderator(mock: &MockServer) -> twitch_sdk::UserApi {
    let scopes = ["moderator:manage:banned_users", "channel:manage:broadcast"];
    support::user(mock, &scopes).await.0
}

#[tokio::test]
async fn server_errors_are_retried_for_get() {
    let mock = MockServer::start().await;
    let app = support::app(&mock).await;
    mock.on("get-users")
        .times(2)
        .reply(Reply::error(503, "try later"));
    let users = app.get_users().user_logins(["twitchdev"]).await.unwrap();
    assert_eq!(users[0].login, "twitchdev");
    let sent = mock.requests_to("get-users");
    assert_eq!(statuses(&sent), [Some(503), Some(503), Some(200)]);
    assert!(
        sent.iter()
            .all(|r| r.query_values("login") == ["twitchdev"])
    );

    // Idempotent writes are retried too: DELETE (unban) and PUT (block).
    let (user, _) = support::user(
        &mock,
        &["moderator:manage:banned_users", "user:manage:blocked_users"],
    )
    .await;
    mock.world().ban(support::USER_ID, "1003", "spam");
    mock.on("unban-user").once().reply(Reply::html_502());
    user.unban_user("1003").await.unwrap();
    assert_eq!(
        statuses(&mock.requests_to("unban-user")),
        [Some(502), Some(204)]
    );
    mock.on("block-user")
        .once()
        .reply(Reply::error(500, "oops"));
    user.block_user("9876").await.unwrap();
    assert_eq!(
        statuses(&mock.requests_to("block-user")),
        [Some(500), Some(204)]
    );
}

#[tokio::test]
async fn server_errors_are_not_retried_for_post_or_patch() {
    let mock = MockServer::start().await;
    let user = moderator(&mock).await;
    mock.on("ban-user").reply(Reply::error(503, "try later"));
    let err = user.ban_user("9876").reason("spam").await.unwrap_err();
    assert!(
        matches!(&err, Error::Status { status: 503, message, .. } if message == "try later"),
        "{err:?}"
    );
    assert_eq!(statuses(&mock.requests_to("ban-user")), [Some(503)]);

    mock.on("modify-channel-information")
        .reply(Reply::html_502());
    let err = user
        .modify_channel_information()
        .title("new title")
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(502));
    assert_eq!(mock.requests_to("modify-channel-information").len(), 1);
}

#[tokio::test]
async fn retries_are_capped() {
    let mock = MockServer::start().await;
    let app = support::app_with(&mock, client(&mock).max_retries(2)).await;
    mock.on("get-users").reply(Reply::error(500, "down"));
    let err = app
        .get_users()
        .user_logins(["twitchdev"])
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::Status { status: 500, .. }), "{err:?}");
    assert_eq!(
        mock.requests_to("get-users").len(),
        3,
        "one try and two retries"
    );

    let app = support::app_with(&mock, client(&mock).max_retries(0)).await;
    mock.clear_requests();
    app.get_users().await.unwrap_err();
    assert_eq!(mock.requests_to("get-users").len(), 1);
}

/// An answer slower than the client's timeout: `Transport { timeout: true }`, after the retries
/// for a GET, at once for a POST.
#[tokio::test]
async fn answers_slower_than_the_timeout_are_transport_errors() {
    let mock = MockServer::start().await;
    let builder = client(&mock)
        .timeout(Duration::from_millis(200))
        .max_retries(1);
    let app = support::app_with(&mock, builder.clone()).await;
    mock.on("get-users")
        .reply(Reply::passthrough().delay(Duration::from_secs(2)));
    let started = std::time::Instant::now();
    let err = app
        .get_users()
        .user_logins(["twitchdev"])
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Transport {
                endpoint: "get-users",
                timeout: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("timed out"), "{err}");
    assert_eq!(mock.requests_to("get-users").len(), 2);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "did not wait for the answer"
    );

    let (access, _) = support::issue(&mock, &["moderator:manage:banned_users"]);
    let user = builder
        .build()
        .unwrap()
        .user(twitch_sdk::UserToken::new(mock.client_id(), access))
        .await
        .unwrap();
    mock.on("ban-user")
        .reply(Reply::passthrough().delay(Duration::from_secs(2)));
    let err = user.ban_user("9876").await.unwrap_err();
    assert!(
        matches!(&err, Error::Transport { timeout: true, .. }),
        "{err:?}"
    );
    assert_eq!(
        mock.requests_to("ban-user").len(),
        1,
        "a POST may have taken effect"
    );
}

/// The connection drops without an answer: a GET is sent again, a POST is not.
#[tokio::test]
async fn dropped_connections_are_retried_for_get_only() {
    let mock = MockServer::start().await;
    let user = moderator(&mock).await;
    // The newest override answers first.
    mock.on("get-users").once().reply(Reply::incomplete_body());
    mock.on("get-users").once().reply(Reply::reset());
    user.get_users().await.unwrap();
    assert_eq!(
        statuses(&mock.requests_to("get-users")),
        [None, Some(200), Some(200)],
        "reset, cut off mid-body, then answered"
    );

    mock.on("ban-user").once().reply(Reply::reset());
    let err = user.ban_user("9876").await.unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Transport {
                endpoint: "ban-user",
                timeout: false,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(mock.requests_to("ban-user").len(), 1);
}

/// Nothing listens: the connection never opened, so even a POST could be retried; it ends as a
/// transport error.
#[tokio::test]
async fn a_refused_connection_is_a_transport_error() {
    let mock = MockServer::start().await;
    let closed = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let app = client(&mock)
        .helix_url(format!("http://{closed}/helix"))
        .max_retries(1)
        .build()
        .unwrap()
        .app(ClientCredentials::new(
            mock.client_id(),
            mock.client_secret(),
        ))
        .await
        .unwrap();
    let err = app
        .get_users()
        .user_logins(["twitchdev"])
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Transport {
                endpoint: "get-users",
                timeout: false,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.status(), None);

    // Twitch's OAuth server unreachable: no token, and the error says why.
    let err = client(&mock)
        .oauth_url(format!("http://{closed}/oauth2"))
        .max_retries(1)
        .build()
        .unwrap()
        .app(ClientCredentials::new(
            mock.client_id(),
            mock.client_secret(),
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Token(TokenError { message: m, .. }) if m.starts_with("renewing the access token failed: transport error (oauth-token)")),
        "{err:?}"
    );
}
