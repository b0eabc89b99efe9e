//! What the SDK refuses before sending anything: a token of the wrong type, a missing scope, an
//! argument outside the spec's limits. Each refusal is a typed error naming what is wrong, and
//! the stand-in's request log proves nothing left the client. Also: parameters that name the
//! token's user are filled in from the token.
//!
//! Methods exist only on the handle whose token type Helix accepts (`AppApi::ban_user` does not
//! compile; see the `compile_fail` example in this crate's `src/lib.rs`), so the one token-type
//! mistake left at run time is handing an app token to `Client::user`.

use crate::support;

use twitch_sdk::mock::MockServer;
use twitch_sdk::models::{BitsLeaderboardPeriod, VideoPeriod, VideoSort, VideoTypeFilter};
use twitch_sdk::requests::GetChannelFollowers;
use twitch_sdk::{Error, MissingScopes, TokenError, TokenErrorKind, TokenType, UserToken};

use support::{USER_ID, client, helix_requests};

#[tokio::test]
async fn missing_scopes_are_refused_without_a_request() {
    let mock = MockServer::start().await;
    let (user, _) = support::user(&mock, &["user:edit"]).await;
    mock.clear_requests();

    let err = user.ban_user("1003").reason("spam").await.unwrap_err();
    assert!(
        matches!(&err, Error::Token(TokenError { message: m, .. }) if m == "ban-user: the user token is missing scope: moderator:manage:banned_users"),
        "{err}"
    );
    // An operation that accepts one scope of several names them all.
    let err = user.get_custom_reward().await.unwrap_err();
    assert!(
        matches!(&err, Error::Token(TokenError { message: m, .. }) if m.ends_with("missing one of: channel:read:redemptions, channel:manage:redemptions")),
        "{err}"
    );
    assert!(mock.requests().is_empty(), "{:?}", mock.requests());
    // The reason is structured: the missing scopes come as lists.
    let expected = MissingScopes::new(
        [""; 0],
        ["channel:read:redemptions", "channel:manage:redemptions"],
    );
    assert_eq!(
        err.token_error(),
        Some(&TokenErrorKind::MissingScopes(expected.clone()))
    );
    assert!(err.is_missing_scope());
    assert_eq!(err.missing_scopes(), Some(expected));

    // With the scope, the same call goes out.
    let (moderator, _) = support::user(&mock, &["moderator:manage:banned_users"]).await;
    moderator.ban_user("1003").reason("spam").await.unwrap();
    assert_eq!(mock.requests_to("ban-user").len(), 1);
}

#[tokio::test]
async fn an_app_token_is_refused_as_a_user_token() {
    let mock = MockServer::start().await;
    let app_token = mock.issue_app_token(support::HOUR);
    let err = client(&mock)
        .build()
        .unwrap()
        .user(UserToken::new(mock.client_id(), app_token))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Token(TokenError { message: m, .. }) if m.contains("app access token") && m.contains("Client::app")),
        "{err}"
    );
    assert_eq!(
        err.token_error(),
        Some(&TokenErrorKind::WrongTokenType {
            needed: TokenType::User
        })
    );
    assert!(!err.is_missing_scope());
    // Only Twitch's validation endpoint was asked; Helix never saw the token.
    assert!(helix_requests(&mock).is_empty());
    assert_eq!(mock.oauth_counts().validate, 1);
}

#[tokio::test]
async fn a_token_of_another_client_is_refused() {
    let mock = MockServer::builder()
        .register_client("other-client", "other-secret")
        .start()
        .await
        .unwrap();
    let (access, _) = support::issue(&mock, &[]);
    let err = client(&mock)
        .build()
        .unwrap()
        .user(UserToken::new("other-client", access))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Token(TokenError { message: m, .. }) if m.contains("issued to client id mock-client-id, not other-client")),
        "{err}"
    );
    assert_eq!(err.token_error(), Some(&TokenErrorKind::WrongClient));
    assert!(helix_requests(&mock).is_empty());
}

/// Each broken limit names the argument as the SDK user writes it, the limit it broke and the
/// operation's reference, where Twitch documents the limit.
#[tokio::test]
async fn arguments_outside_the_spec_limits_are_refused_without_a_request() {
    let mock = MockServer::start().await;
    let scopes = [
        "moderator:manage:banned_users",
        "bits:read",
        "moderator:manage:announcements",
        "channel:manage:polls",
    ];
    let (user, _) = support::user(&mock, &scopes).await;
    let app = support::app(&mock).await;
    mock.clear_requests();

    let cases: Vec<(Error, &str, &str)> = vec![
        (
            app.get_users()
                .user_ids(support::numbers(0..101))
                .await
                .unwrap_err(),
            "user_ids",
            "at most 100 items, got 101",
        ),
        (
            user.ban_user("1003")
                .reason("x".repeat(501))
                .await
                .unwrap_err(),
            "reason",
            "length at most 500, got 501",
        ),
        (
            user.ban_user("1003").duration(0).await.unwrap_err(),
            "duration",
            "must be 1 to 1209600, got 0",
        ),
        (
            user.ban_user("1003").duration(1_209_601).await.unwrap_err(),
            "duration",
            "must be 1 to 1209600, got 1209601",
        ),
        (
            user.end_poll("poll-1", "ACTIVE").await.unwrap_err(),
            "status",
            "must be one of: TERMINATED, ARCHIVED; got `ACTIVE`",
        ),
    ];
    const REFERENCE: &str = "https://dev.twitch.tv/docs/api/reference#";
    for (err, name, reason) in &cases {
        let operation = match *name {
            "user_ids" => "get-users",
            "status" => "end-poll",
            _ => "ban-user",
        };
        let reason = format!("{reason} (see {REFERENCE}{operation})");
        let reason = &reason.as_str();
        match err {
            Error::InvalidArgument {
                name: got_name,
                reason: got_reason,
            } => assert_eq!((got_name.as_str(), got_reason.as_str()), (*name, *reason)),
            other => panic!("{name}: {other}"),
        }
        assert_eq!(
            err.to_string(),
            format!("invalid argument `{name}`: {reason}")
        );
    }
    assert!(mock.requests().is_empty(), "{:?}", mock.requests());

    // At the limits the same calls go out.
    app.get_users()
        .user_ids(support::numbers(0..100))
        .await
        .unwrap();
    user.ban_user("1003")
        .reason("x".repeat(500))
        .duration(1_209_600)
        .await
        .unwrap();
    user.get_bits_leaderboard().period("week").await.unwrap();
    assert_eq!(helix_requests(&mock).len(), 3);
}

/// A parameter with a fixed set of values is an enum: a variant, a known string, or a value
/// newer than the SDK all go out as written, none refused.
#[tokio::test]
async fn enum_parameters_take_variants_and_new_values() {
    let mock = MockServer::start().await;
    let (user, _) = support::user(&mock, &["bits:read"]).await;
    let app = support::app(&mock).await;
    mock.clear_requests();

    user.get_bits_leaderboard()
        .period(BitsLeaderboardPeriod::Week)
        .await
        .unwrap();
    user.get_bits_leaderboard().period("decade").await.unwrap();
    app.get_videos_by_category_id("33214")
        .sort(VideoSort::Views)
        .video_type(VideoTypeFilter::Archive)
        .period("month")
        .await
        .unwrap();
    let sent = helix_requests(&mock);
    assert_eq!(sent[0].query_value("period"), Some("week"));
    assert_eq!(sent[1].query_value("period"), Some("decade"));
    assert_eq!(sent[2].query_value("sort"), Some("views"));
    assert_eq!(sent[2].query_value("type"), Some("archive"));
    assert_eq!(sent[2].query_value("period"), Some("month"));
    assert_eq!(
        VideoPeriod::from("month"),
        VideoPeriod::Month,
        "known strings become variants"
    );
}

#[tokio::test]
async fn parameters_naming_the_token_user_default_to_it() {
    let mock = MockServer::start().await;
    let (user, _) = support::user(&mock, &["moderator:manage:banned_users"]).await;

    user.ban_user("1003").reason("spam").await.unwrap();
    let sent = &mock.requests_to("ban-user")[0];
    assert_eq!(sent.query_value("broadcaster_id"), Some(USER_ID));
    assert_eq!(sent.query_value("moderator_id"), Some(USER_ID));
    let body = sent.body_json().unwrap();
    assert_eq!(body["data"]["user_id"], "1003");
    assert_eq!(body["data"]["reason"], "spam");

    // A moderator names another channel; the moderator is still the token's user.
    mock.world()
        .add_user("5678", "other_channel")
        .add_moderator("5678", USER_ID);
    user.ban_user("1003").broadcaster_id("5678").await.unwrap();
    let sent = &mock.requests_to("ban-user")[1];
    assert_eq!(sent.query_value("broadcaster_id"), Some("5678"));
    assert_eq!(sent.query_value("moderator_id"), Some(USER_ID));
}

/// The follower list needs `moderator:read:followers`; the follower count does not. The spec
/// marks the scope as needed for part of the answer, so a token without it is not refused: it
/// gets the count and an empty list, as from Twitch.
#[tokio::test]
async fn a_scope_needed_for_part_of_the_answer_does_not_refuse_the_call() {
    let mock = MockServer::start().await;
    let followers = support::items(&mock, "get-channel-followers", "user_id", 42);
    mock.set_items("get-channel-followers", followers)
        .expect("a paginated operation");
    let (viewer, _) = support::user(&mock, &["user:read:follows"]).await;
    mock.clear_requests();

    assert_eq!(
        viewer
            .get_channel_follower_count("141981764")
            .await
            .unwrap(),
        42
    );
    // Each request builder names its operation, as the stand-in's log does.
    assert_eq!(GetChannelFollowers::OPERATION, "get-channel-followers");
    let sent = mock.requests_to(GetChannelFollowers::OPERATION);
    assert_eq!(sent.len(), 1);
    assert_eq!(helix_requests(&mock).len(), 1);
    assert_eq!(
        sent[0].query_value("first"),
        Some("1"),
        "one follower asked"
    );
    assert_eq!(sent[0].query_value("broadcaster_id"), Some("141981764"));

    // The list itself goes out too, and comes back empty with the count.
    let mut pages = viewer.get_channel_followers().paginate();
    assert!(pages.next_page().await.unwrap().is_none());
    assert_eq!(pages.total(), Some(42));
    assert_eq!(helix_requests(&mock).len(), 2);

    // With the scope, the followers are listed.
    let (caster, _) = support::user(&mock, &["moderator:read:followers"]).await;
    let all = caster
        .get_channel_followers()
        .limit(usize::MAX)
        .await
        .unwrap();
    assert_eq!(all.len(), 42);

    // Other scopes stay required.
    let err = viewer.get_channel_editors().await.unwrap_err();
    assert!(err.is_missing_scope(), "{err}");
}
