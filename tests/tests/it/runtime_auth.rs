//! Tokens against the Helix stand-in: the app token fetched, cached and renewed after a 401;
//! user tokens validated at start and hourly (on a [`ManualClock`]), refreshed before expiry and
//! once after a 401 however many calls see it, failed refreshes reported to every waiter, and
//! token providers in place of the refresh grant.

use crate::support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use twitch_sdk::mock::{MockServer, Reply};
use twitch_sdk::{
    Error, ManualClock, TokenError, TokenErrorKind, TokenFuture, TokenProvider, TokenSet, UserToken,
};

use support::{HOUR, LOGIN, USER_ID, bearer, client, count_status, helix_requests, issue};

/// Every refresh the SDK reports through [`UserToken::on_refresh`].
type Refreshes = Arc<Mutex<Vec<TokenSet>>>;

fn recording(token: UserToken) -> (UserToken, Refreshes) {
    let seen = Refreshes::default();
    let hook = seen.clone();
    let token = token.on_refresh(move |t: &TokenSet| hook.lock().unwrap().push(t.clone()));
    (token, seen)
}

#[tokio::test]
async fn the_app_token_is_fetched_once_and_sent_with_the_client_id() {
    let mock = MockServer::start().await;
    let app = support::app(&mock).await;
    assert_eq!(mock.oauth_counts().client_credentials, 1);
    let grant = &mock.requests_to("POST /oauth2/token")[0];
    let form = grant.form();
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(field("grant_type"), Some("client_credentials"));
    assert_eq!(field("client_id"), Some(mock.client_id()));
    assert_eq!(field("client_secret"), Some(mock.client_secret()));

    let users = app.get_users().user_logins(["twitchdev"]).await.unwrap();
    assert_eq!(users[0].login, "twitchdev");
    app.get_users().user_ids(["141981764"]).await.unwrap();

    let sent = helix_requests(&mock);
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].query_values("login"), ["twitchdev"]);
    assert_eq!(sent[1].query_values("id"), ["141981764"]);
    let token = bearer(&sent[0]);
    assert_eq!(token.len(), 30, "{:?}", sent[0].header("authorization"));
    for request in &sent {
        assert_eq!(bearer(request), token, "the cached token is reused");
        assert_eq!(request.header("client-id"), Some(mock.client_id()));
        assert!(!request.contains_outside_authorization(token));
    }
    assert_eq!(mock.oauth_counts().client_credentials, 1);
}

#[tokio::test]
async fn an_app_token_helix_rejects_is_renewed_once() {
    let mock = MockServer::start().await;
    let app = support::app(&mock).await;
    app.get_users().user_logins(["twitchdev"]).await.unwrap();
    let first = bearer(&helix_requests(&mock)[0]).to_owned();
    assert!(mock.expire_token(&first));

    app.get_users().user_logins(["twitchdev"]).await.unwrap();
    let sent = helix_requests(&mock);
    assert_eq!(support::statuses(&sent), [Some(200), Some(401), Some(200)]);
    assert_eq!(bearer(&sent[1]), first);
    assert_ne!(bearer(&sent[2]), first);
    assert_eq!(mock.oauth_counts().client_credentials, 2);
}

#[tokio::test]
async fn a_user_token_is_validated_when_the_handle_is_made() {
    let mock = MockServer::start().await;
    let (user, access) = support::user(&mock, &["user:edit", "bits:read"]).await;
    assert_eq!(mock.oauth_counts().validate, 1);
    let validate = &mock.requests_to("/oauth2/validate")[0];
    assert_eq!(
        validate.header("authorization"),
        Some(format!("OAuth {access}").as_str())
    );
    assert_eq!(user.user_id(), USER_ID);
    assert_eq!(user.login(), LOGIN);
    assert_eq!(user.scopes(), ["user:edit", "bits:read"]);

    // A token Twitch does not know is refused at once, with nothing sent to Helix.
    let err = client(&mock)
        .build()
        .unwrap()
        .user(UserToken::new(mock.client_id(), "not-a-token"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Token(TokenError { message: m, .. }) if m.contains("not valid") && m.contains("cannot be refreshed")),
        "{err}"
    );
    assert_eq!(err.token_error(), Some(&TokenErrorKind::Invalid));
    assert!(helix_requests(&mock).is_empty());
}

/// Twitch's 401 for a missing scope is final: a new token would carry the same scopes.
#[tokio::test]
async fn a_401_for_a_missing_scope_is_reported_without_a_refresh() {
    let mock = MockServer::start().await;
    let (access, refresh) = issue(&mock, &[]);
    let user = client(&mock)
        .build()
        .unwrap()
        .user(support::refreshable(&mock, &access, &refresh))
        .await
        .unwrap();
    mock.clear_requests();
    let body = serde_json::json!({
        "error": "Unauthorized",
        "status": 401,
        "message": "Missing scope: moderator:read:followers",
    });
    mock.on("get-users").once().reply(Reply::json(401, body));

    let err = user.get_users().await.unwrap_err();
    assert!(matches!(&err, Error::Unauthorized { .. }), "{err}");
    assert!(err.is_missing_scope());
    assert_eq!(
        err.missing_scopes().unwrap().all_of,
        ["moderator:read:followers"]
    );
    assert_eq!(helix_requests(&mock).len(), 1, "sent once, not resent");
    assert_eq!(mock.oauth_counts().refresh, 0);

    // Any other 401 still renews the token and resends.
    mock.expire_token(&access);
    user.get_users().await.unwrap();
    assert_eq!(mock.oauth_counts().refresh, 1);
}

#[tokio::test]
async fn a_user_token_that_expired_without_a_refresh_token_is_unauthorized() {
    let mock = MockServer::start().await;
    let (user, access) = support::user(&mock, &[]).await;
    mock.expire_token(&access);
    let err = user.get_users().await.unwrap_err();
    assert!(
        matches!(&err, Error::Unauthorized { endpoint: "get-users", message } if message == "Invalid OAuth token"),
        "{err}"
    );
    assert_eq!(
        helix_requests(&mock).len(),
        1,
        "no retry without a new token"
    );
    assert_eq!(mock.oauth_counts().refresh, 0);
}

/// 50 calls get a 401 together: one refresh runs, then every call succeeds with its token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_401s_share_one_refresh() {
    let mock = MockServer::start().await;
    let (access, refresh) = issue(&mock, &[]);
    let (token, refreshes) = recording(support::refreshable(&mock, &access, &refresh));
    let user = client(&mock).build().unwrap().user(token).await.unwrap();
    mock.clear_requests();
    mock.expire_token(&access);
    // Slow refresh: every call gets its 401 while the one refresh is still running.
    mock.on("POST /oauth2/token")
        .reply(Reply::passthrough().delay(Duration::from_millis(500)));

    let calls: Vec<_> = (0..50)
        .map(|_| {
            let user = user.clone();
            tokio::spawn(async move { user.get_users().await })
        })
        .collect();
    for call in calls {
        assert_eq!(call.await.unwrap().unwrap()[0].login, "twitchdev");
    }

    assert_eq!(mock.oauth_counts().refresh, 1);
    let refreshes = refreshes.lock().unwrap();
    assert_eq!(refreshes.len(), 1, "on_refresh runs once");
    let fresh = refreshes[0].access_token.expose();
    let sent = helix_requests(&mock);
    assert_eq!(count_status(&sent, 401), 50, "every call saw the 401");
    assert_eq!(count_status(&sent, 200), 50);
    for request in &sent {
        let expected = if request.status == Some(401) {
            access.as_str()
        } else {
            fresh
        };
        assert_eq!(bearer(request), expected);
    }
    let grant = mock.requests_to("POST /oauth2/token")[0].form();
    assert!(grant.contains(&("grant_type".into(), "refresh_token".into())));
    assert!(grant.contains(&("refresh_token".into(), refresh.clone())));
    assert!(grant.contains(&("client_secret".into(), mock.client_secret().into())));
    // The rotated refresh token is handed over for storage.
    assert!(
        refreshes[0]
            .refresh_token
            .as_ref()
            .is_some_and(|r| r.expose() != refresh)
    );
}

/// The refresh fails: every waiter hears why, and a later call refreshes again and recovers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_refresh_reaches_every_waiter_and_a_later_call_recovers() {
    let mock = MockServer::start().await;
    let (access, refresh) = issue(&mock, &[]);
    let user = client(&mock)
        .build()
        .unwrap()
        .user(support::refreshable(&mock, &access, &refresh))
        .await
        .unwrap();
    mock.expire_token(&access);
    let failure = serde_json::json!({"status": 400, "message": "Invalid refresh token"});
    mock.on("POST /oauth2/token")
        .once()
        .reply(Reply::json(400, failure).delay(Duration::from_millis(300)));

    let calls: Vec<_> = (0..50)
        .map(|_| {
            let user = user.clone();
            tokio::spawn(async move { user.get_users().await })
        })
        .collect();
    for call in calls {
        let err = call.await.unwrap().unwrap_err();
        assert!(
            matches!(&err, Error::Token(TokenError { message: m, .. }) if m.contains("HTTP 400: Invalid refresh token")),
            "{err}"
        );
        assert_eq!(err.token_error(), Some(&TokenErrorKind::RefreshFailed));
    }
    assert_eq!(mock.requests_to("POST /oauth2/token").len(), 1);

    // Not wedged: the next call refreshes (Twitch answers normally now) and succeeds.
    assert_eq!(user.get_users().await.unwrap()[0].id, USER_ID);
    assert_eq!(mock.requests_to("POST /oauth2/token").len(), 2);
    assert_eq!(
        mock.oauth_counts().refresh,
        1,
        "the second one reached Twitch's logic"
    );
    user.get_users().await.unwrap();
    assert_eq!(mock.requests_to("POST /oauth2/token").len(), 2);
}

/// Twitch requires apps to validate user tokens hourly; the clock decides when an hour passed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_tokens_are_revalidated_every_hour() {
    let mock = MockServer::start().await;
    let (access, _) = mock.issue_user_token(USER_ID, LOGIN, &[], 24 * HOUR);
    let clock = ManualClock::new();
    let user = client(&mock)
        .clock(clock.clone())
        .build()
        .unwrap()
        .user(UserToken::new(mock.client_id(), access.as_str()))
        .await
        .unwrap();
    let validations = || mock.oauth_counts().validate;

    user.get_users().await.unwrap();
    assert_eq!(validations(), 1);
    clock.advance(HOUR - Duration::from_secs(1));
    user.get_users().await.unwrap();
    assert_eq!(validations(), 1);
    clock.advance(Duration::from_secs(2));
    user.get_users().await.unwrap();
    assert_eq!(validations(), 2);
    user.get_users().await.unwrap();
    assert_eq!(validations(), 2, "validated again only an hour later");

    // Revoked meanwhile: the next hourly validation finds out, before anything reaches Helix,
    // and concurrent calls share that one validation.
    mock.revoke_token(&access);
    mock.clear_requests();
    mock.on("GET /oauth2/validate")
        .reply(Reply::passthrough().delay(Duration::from_millis(200)));
    clock.advance(HOUR);
    let calls: Vec<_> = (0..20)
        .map(|_| {
            let user = user.clone();
            tokio::spawn(async move { user.get_users().await })
        })
        .collect();
    for call in calls {
        let err = call.await.unwrap().unwrap_err();
        assert!(
            matches!(&err, Error::Token(TokenError { message: m, .. }) if m.contains("not valid")),
            "{err}"
        );
    }
    assert_eq!(validations(), 3);
    assert!(helix_requests(&mock).is_empty());
}

#[tokio::test]
async fn user_tokens_are_refreshed_shortly_before_they_expire() {
    let mock = MockServer::start().await;
    let (access, refresh) = issue(&mock, &["user:edit"]);
    let clock = ManualClock::new();
    let (token, refreshes) = recording(support::refreshable(&mock, &access, &refresh));
    let user = client(&mock)
        .clock(clock.clone())
        .build()
        .unwrap()
        .user(token)
        .await
        .unwrap();

    clock.advance(Duration::from_secs(30 * 60));
    user.get_users().await.unwrap();
    assert_eq!(mock.oauth_counts().refresh, 0);
    // 56 minutes into a one-hour token: renewed before the call, which never sees a 401.
    clock.advance(Duration::from_secs(26 * 60));
    user.get_users().await.unwrap();
    assert_eq!(mock.oauth_counts().refresh, 1);
    let fresh = refreshes.lock().unwrap()[0]
        .access_token
        .expose()
        .to_owned();
    let sent = helix_requests(&mock);
    assert_eq!(support::statuses(&sent), [Some(200), Some(200)]);
    assert_eq!(bearer(&sent[1]), fresh);
    // Every renewed token is validated before it is used (its user and client id checked).
    assert_eq!(mock.oauth_counts().validate, 2);
    assert_eq!(user.scopes(), ["user:edit"]);
}

/// A token store of the application's own replaces Twitch's refresh grant.
#[tokio::test]
async fn a_token_provider_supplies_the_new_token() {
    struct Vault {
        next: String,
        asked: Arc<Mutex<Vec<String>>>,
    }
    impl TokenProvider for Vault {
        fn refresh<'a>(&'a self, current: &'a TokenSet) -> TokenFuture<'a> {
            Box::pin(async move {
                let current = current.access_token.expose().to_owned();
                self.asked.lock().unwrap().push(current);
                Ok(TokenSet::new(self.next.as_str()))
            })
        }
    }

    let mock = MockServer::start().await;
    let (access, _) = issue(&mock, &[]);
    let (next, _) = issue(&mock, &["user:edit"]);
    let asked = Arc::<Mutex<Vec<String>>>::default();
    let vault = Vault {
        next: next.clone(),
        asked: asked.clone(),
    };
    let user = client(&mock)
        .build()
        .unwrap()
        .user(UserToken::new(mock.client_id(), access.as_str()).provider(vault))
        .await
        .unwrap();
    mock.expire_token(&access);

    user.get_users().await.unwrap();
    assert_eq!(*asked.lock().unwrap(), [access.as_str()]);
    let sent = helix_requests(&mock);
    assert_eq!(support::statuses(&sent), [Some(401), Some(200)]);
    assert_eq!(bearer(&sent[1]), next);
    assert_eq!(
        mock.oauth_counts().refresh,
        0,
        "the provider, not Twitch's grant"
    );
    // The provider's token was validated to learn its user and scopes.
    let validations = mock.requests_to("/oauth2/validate");
    assert_eq!(validations.len(), 2);
    assert_eq!(
        validations[1].header("authorization"),
        Some(format!("OAuth {next}").as_str())
    );
    assert_eq!(user.scopes(), ["user:edit"]);
}

/// Issue 16, finding 3: a refresh runs to its end on a task of its own. Twitch exchanges the
/// refresh token at once but answers late; the caller gives up (a timeout around the call)
/// before the answer arrives. The rotated tokens must still be stored and reported, or every
/// later call would re-send the used-up refresh token.
#[tokio::test]
async fn a_refresh_whose_caller_is_dropped_still_stores_the_rotated_tokens() {
    let mock = MockServer::start().await;
    let (access, refresh) = issue(&mock, &["user:edit"]);
    let (token, refreshes) = recording(support::refreshable(&mock, &access, &refresh));
    let user = client(&mock).build().unwrap().user(token).await.unwrap();
    mock.expire_token(&access);
    mock.on("POST /oauth2/token")
        .once()
        .reply(Reply::passthrough().delay_answer(Duration::from_millis(300)));

    let gave_up = tokio::time::timeout(Duration::from_millis(50), user.get_users()).await;
    assert!(
        gave_up.is_err(),
        "the call must still be waiting for the refresh"
    );
    assert_eq!(mock.oauth_counts().refresh, 1, "the stand-in exchanged R0");

    // The renewal finishes without its caller: the new tokens are stored and handed to the hook.
    for _ in 0..200 {
        if !refreshes.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let reported = refreshes.lock().unwrap().clone();
    assert_eq!(reported.len(), 1, "on_refresh fires once, caller or not");
    let rotated = reported[0].refresh_token.as_ref().unwrap().expose();
    assert_ne!(rotated, refresh, "Twitch rotated the refresh token");

    // The next call uses the stored token: no second refresh, no `Invalid refresh token`.
    user.get_users().await.unwrap();
    assert_eq!(mock.oauth_counts().refresh, 1);
    let sent = helix_requests(&mock);
    assert_eq!(
        bearer(sent.last().unwrap()),
        reported[0].access_token.expose()
    );
}

/// Hands out a fixed token set, whoever asks.
struct Fixed(TokenSet);

impl TokenProvider for Fixed {
    fn refresh<'a>(&'a self, _current: &'a TokenSet) -> TokenFuture<'a> {
        Box::pin(async move { Ok(self.0.clone()) })
    }
}

/// Issue 16, finding 4: every renewed token is validated, and one that belongs to another user
/// or another client id is refused with a token error. Nothing is sent with it, and the session
/// keeps its user (and so its rate-limit bucket).
#[tokio::test]
async fn a_renewed_token_of_another_user_or_client_is_refused() {
    let mock = MockServer::start().await;
    let (access, _) = issue(&mock, &["user:edit"]);
    let (intruder, _) = mock.issue_user_token("999999", "intruder", &["user:edit"], HOUR);
    // The scopes come with the token, which once let the SDK skip `/validate`.
    let provider = Fixed(TokenSet::new(intruder.as_str()).with_scopes(["user:edit"]));
    let user = client(&mock)
        .build()
        .unwrap()
        .user(UserToken::new(mock.client_id(), access.as_str()).provider(provider))
        .await
        .unwrap();
    mock.expire_token(&access);
    for _ in 0..2 {
        let err = user.get_users().await.unwrap_err();
        assert!(
            matches!(&err, Error::Token(m) if m.message.contains("999999") && m.message.contains(USER_ID) && m.kind == twitch_sdk::TokenErrorKind::WrongUser),
            "{err}"
        );
    }
    assert!(
        helix_requests(&mock).iter().all(|r| bearer(r) != intruder),
        "a request went out with another user's token"
    );
    assert_eq!(user.user_id(), USER_ID);
    assert_eq!(user.login(), LOGIN);

    // The same user, but `/validate` says the token was issued to another client id.
    let (mine, _) = issue(&mock, &["user:edit"]);
    let (next, _) = issue(&mock, &["user:edit"]);
    let provider = Fixed(TokenSet::new(next.as_str()).with_scopes(["user:edit"]));
    let user = client(&mock)
        .build()
        .unwrap()
        .user(UserToken::new(mock.client_id(), mine.as_str()).provider(provider))
        .await
        .unwrap();
    mock.expire_token(&mine);
    let foreign = serde_json::json!({
        "client_id": "someone-elses-client", "login": LOGIN, "user_id": USER_ID,
        "scopes": ["user:edit"], "expires_in": 3600,
    });
    mock.on("GET /oauth2/validate")
        .once()
        .reply(Reply::json(200, foreign));
    let err = user.get_users().await.unwrap_err();
    assert!(
        matches!(&err, Error::Token(m) if m.message.contains("someone-elses-client")),
        "{err}"
    );
    assert!(helix_requests(&mock).iter().all(|r| bearer(r) != next));
    // Once `/validate` vouches for it, the same token is taken.
    user.get_users().await.unwrap();
    assert_eq!(bearer(helix_requests(&mock).last().unwrap()), next);
}

/// Issue 16, finding 9: `revoke` signs out. Twitch gets `POST /oauth2/revoke` with the client id
/// and the token; afterwards the handle and its clones send nothing and refresh nothing.
#[tokio::test]
async fn revoke_signs_out_and_later_calls_fail_without_sending() {
    let mock = MockServer::start().await;
    let (access, refresh) = issue(&mock, &[]);
    let user = client(&mock)
        .build()
        .unwrap()
        .user(support::refreshable(&mock, &access, &refresh))
        .await
        .unwrap();
    let clone = user.clone();
    user.revoke().await.unwrap();
    assert_eq!(mock.oauth_counts().revoke, 1);
    let form = mock.requests_to("POST /oauth2/revoke")[0].form();
    assert!(
        form.contains(&("client_id".into(), mock.client_id().into())),
        "{form:?}"
    );
    assert!(form.contains(&("token".into(), access.clone())), "{form:?}");
    // Twitch no longer takes the token.
    let rejected = client(&mock)
        .build()
        .unwrap()
        .user(UserToken::new(mock.client_id(), access.as_str()))
        .await
        .unwrap_err();
    assert!(matches!(rejected, Error::Token(_)), "{rejected}");

    let before = mock.requests().len();
    let err = clone.get_users().await.unwrap_err();
    assert!(
        matches!(&err, Error::Token(m) if m.message.contains("revoked")),
        "{err}"
    );
    assert_eq!(
        mock.requests().len(),
        before,
        "nothing sent after signing out"
    );
    assert_eq!(mock.oauth_counts().refresh, 0);
    clone.revoke().await.unwrap();
    assert_eq!(mock.oauth_counts().revoke, 1, "revoking twice sends once");

    let app = support::app(&mock).await;
    app.revoke().await.unwrap();
    assert_eq!(mock.oauth_counts().revoke, 2);
    let err = app.get_users().await.unwrap_err();
    assert!(
        matches!(&err, Error::Token(m) if m.message.contains("revoked")),
        "{err}"
    );
}

/// When `/validate` cannot vouch for a refreshed token, the call fails with a token error, but
/// the rotated refresh token is kept and handed to `on_refresh` (the old one is used up), and
/// the next call refreshes with it.
#[tokio::test]
async fn a_refresh_that_cannot_be_validated_keeps_the_rotated_refresh_token() {
    let mock = MockServer::start().await;
    let (access, refresh) = issue(&mock, &["user:edit"]);
    let (token, refreshes) = recording(support::refreshable(&mock, &access, &refresh));
    let user = client(&mock).build().unwrap().user(token).await.unwrap();
    mock.expire_token(&access);
    let down = mock
        .on("GET /oauth2/validate")
        .reply(Reply::error(503, "validation is down"));
    let err = user.get_users().await.unwrap_err();
    assert!(
        matches!(&err, Error::Token(m) if m.message.contains("validate")),
        "{err}"
    );
    let reported = refreshes.lock().unwrap().clone();
    assert_eq!(reported.len(), 1, "the rotated tokens reach on_refresh");
    let rotated = reported[0].refresh_token.clone().unwrap();
    assert_ne!(rotated.expose(), refresh);
    drop(down);
    mock.clear_overrides();

    user.get_users().await.unwrap();
    let grants = mock.requests_to("POST /oauth2/token");
    assert_eq!(grants.len(), 2);
    assert!(
        grants[1]
            .form()
            .contains(&("refresh_token".into(), rotated.expose().to_owned())),
        "the second refresh uses the rotated token"
    );
}
