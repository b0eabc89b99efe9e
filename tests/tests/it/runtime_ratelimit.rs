//! Rate limiting against the Helix stand-in's own buckets: the SDK queues callers on its
//! per-token bucket instead of running into `429`; a `429` that happens anyway waits for the
//! announced reset and succeeds; retries after `429` are capped; a server without `Ratelimit-*`
//! headers is not throttled.

use crate::support;

use std::time::{Duration, Instant};

use twitch_sdk::mock::{MockServer, Reply};
use twitch_sdk::{Error, UserToken};

use support::{client, count_status, helix_requests, statuses};

/// Two clients share the app's bucket on the server but not in the SDK: the second one's first
/// call meets an empty bucket, gets `429` with the reset, waits for it and succeeds.
#[tokio::test]
async fn a_429_waits_for_the_reset_then_succeeds() {
    let mock = MockServer::builder()
        .rate_limit(3, Duration::from_secs(1))
        .start()
        .await
        .unwrap();
    let first = support::app(&mock).await;
    let second = support::app(&mock).await;
    let started = Instant::now();
    for _ in 0..3 {
        first.get_users().user_logins(["twitchdev"]).await.unwrap();
    }
    let users = second.get_users().user_logins(["twitchdev"]).await.unwrap();
    assert_eq!(users[0].login, "twitchdev");

    let sent = helix_requests(&mock);
    assert_eq!(
        statuses(&sent),
        [Some(200), Some(200), Some(200), Some(429), Some(200)]
    );
    // The window opened with the first call and lasts a second: the retry waited for it.
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

/// 200 concurrent calls against a bucket of 50 points per second: the SDK learns the bucket from
/// the first answer and queues the rest until each reset; the server never answers `429`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_200_calls_against_a_bucket_of_50_meets_no_429() {
    let mock = MockServer::builder()
        .rate_limit(50, Duration::from_secs(1))
        .start()
        .await
        .unwrap();
    let app = support::app(&mock).await;
    let started = Instant::now();
    let calls: Vec<_> = (0..200)
        .map(|n| {
            let app = app.clone();
            tokio::spawn(async move { app.get_users().user_ids([n.to_string()]).await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    let sent = helix_requests(&mock);
    assert_eq!(sent.len(), 200, "one request per call");
    assert_eq!(count_status(&sent, 429), 0);
    // Four windows of 50: at least three waits for a reset.
    assert!(
        started.elapsed() >= Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

/// Handles made separately for the same token share one bucket, as Helix counts per token:
/// together they stay within it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handles_of_one_token_share_a_bucket() {
    let mock = MockServer::builder()
        .rate_limit(10, Duration::from_secs(1))
        .start()
        .await
        .unwrap();
    let (access, _) = support::issue(&mock, &[]);
    let client = client(&mock).build().unwrap();
    let token = || UserToken::new(mock.client_id(), access.as_str());
    let handles = [
        client.user(token()).await.unwrap(),
        client.user(token()).await.unwrap(),
    ];
    let calls: Vec<_> = (0..30)
        .map(|n| {
            let user = handles[n % 2].clone();
            tokio::spawn(async move { user.get_users().await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    let sent = helix_requests(&mock);
    assert_eq!(sent.len(), 30);
    assert_eq!(count_status(&sent, 429), 0);
}

#[tokio::test]
async fn retries_after_429_are_capped() {
    let mock = MockServer::start().await;
    let app = support::app_with(&mock, client(&mock).max_retries(2)).await;
    // No reset announced: the SDK backs off instead of waiting for one.
    mock.on("get-users")
        .reply(Reply::error(429, "Too Many Requests"));
    let err = app
        .get_users()
        .user_logins(["twitchdev"])
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            Error::RateLimited {
                endpoint: "get-users",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        mock.requests_to("get-users").len(),
        3,
        "one try and two retries"
    );
}

/// A server that sends no `Ratelimit-*` headers: the SDK sends without waiting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_rate_limit_headers_calls_are_not_held_back() {
    let mock = MockServer::builder()
        .without_rate_limit()
        .start()
        .await
        .unwrap();
    let app = support::app(&mock).await;
    let started = Instant::now();
    let calls: Vec<_> = (0..100)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(async move { app.get_users().user_logins(["twitchdev"]).await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(count_status(&helix_requests(&mock), 200), 100);
    assert!(started.elapsed() < Duration::from_secs(10));
}

/// Unix seconds `secs` from now, as `Ratelimit-Reset` writes them.
fn reset_in(secs: u64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    (now.as_secs() + secs).to_string()
}

/// A 429 whose reset lies an hour ahead is not slept on: the call fails at once with the
/// reset Twitch announced, after one request.
#[tokio::test]
async fn a_429_with_a_far_reset_fails_at_once() {
    let mock = MockServer::builder()
        .without_rate_limit()
        .start()
        .await
        .unwrap();
    let app = support::app(&mock).await;
    mock.on("get-users").reply(
        Reply::error(429, "Too Many Requests")
            .header("Ratelimit-Limit", "800")
            .header("Ratelimit-Remaining", "0")
            .header("Ratelimit-Reset", reset_in(3600)),
    );
    let started = Instant::now();
    let err = app
        .get_users()
        .user_logins(["twitchdev"])
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(matches!(err, Error::RateLimited { .. }), "{err:?}");
    let after = err.retry_after().expect("the reset is reported");
    assert!(after > Duration::from_secs(3500), "{after:?}");
    assert_eq!(mock.requests_to("get-users").len(), 1, "not retried");
}

/// The longest wait is a client setting: with one second, a reset five seconds ahead already
/// counts as far.
#[tokio::test]
async fn the_longest_wait_is_configurable() {
    let mock = MockServer::builder()
        .without_rate_limit()
        .start()
        .await
        .unwrap();
    let app = support::app_with(
        &mock,
        client(&mock).max_rate_limit_wait(Duration::from_secs(1)),
    )
    .await;
    mock.on("get-users").once().reply(
        Reply::error(429, "Too Many Requests")
            .header("Ratelimit-Limit", "800")
            .header("Ratelimit-Remaining", "0")
            .header("Ratelimit-Reset", reset_in(5)),
    );
    let started = Instant::now();
    let err = app.get_users().await.unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(mock.requests_to("get-users").len(), 1);
}

/// Security finding 7: one answer saying "nothing left until an hour from now" holds the
/// token's other callers for the longest wait at most (one second here), not for the hour.
#[tokio::test]
async fn one_bad_reset_holds_the_bucket_briefly() {
    let mock = MockServer::builder()
        .without_rate_limit()
        .start()
        .await
        .unwrap();
    let app = support::app_with(
        &mock,
        client(&mock).max_rate_limit_wait(Duration::from_secs(1)),
    )
    .await;
    mock.on("get-users").once().reply(
        Reply::json(200, serde_json::json!({"data": []}))
            .header("Ratelimit-Limit", "800")
            .header("Ratelimit-Remaining", "0")
            .header("Ratelimit-Reset", reset_in(3600)),
    );
    app.get_users().await.unwrap();
    let started = Instant::now();
    let calls: Vec<_> = (0..5)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(async move { app.get_users().user_logins(["twitchdev"]).await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(5),
        "{waited:?}"
    );
    assert_eq!(count_status(&helix_requests(&mock), 200), 6);
}
