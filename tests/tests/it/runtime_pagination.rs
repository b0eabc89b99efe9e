//! Pagination against the Helix stand-in's cursors: forward with the largest page, backward
//! where Helix allows it (and a typed refusal where it does not), limits that trim the last
//! request, streams, and the stops: an empty or absent cursor, an empty page, a repeated cursor.
//! Also the `total` (and `points`) Helix sends with some listings.

use crate::support;

use std::future::poll_fn;
use std::pin::Pin;

use futures_core::Stream;
use serde_json::json;
use twitch_sdk::mock::{MockServer, Reply};
use twitch_sdk::models::Clip;
use twitch_sdk::{Error, PageStream};

use support::{helix_requests, numbers};

const CASTER: &str = "141981764";

/// A stand-in serving `n` clips with ids `"0"`, `"1"`, ...
async fn with_clips(n: usize) -> MockServer {
    let mock = MockServer::start().await;
    mock.set_items("get-clips", support::items(&mock, "get-clips", "id", n))
        .expect("a paginated operation");
    mock
}

fn ids(clips: &[Clip]) -> Vec<String> {
    clips.iter().map(|c| c.id.clone()).collect()
}

/// The `first`, `after` and `before` of each request to Helix.
fn paging(mock: &MockServer) -> Vec<(Option<String>, bool, bool)> {
    helix_requests(mock)
        .iter()
        .map(|r| {
            (
                r.query_value("first").map(str::to_owned),
                r.query_value("after").is_some(),
                r.query_value("before").is_some(),
            )
        })
        .collect()
}

async fn next<T: serde::de::DeserializeOwned + Send + 'static>(
    stream: &mut PageStream<T>,
) -> Option<twitch_sdk::Result<T>> {
    poll_fn(|cx| Pin::new(&mut *stream).poll_next(cx)).await
}

#[tokio::test]
async fn pages_forward_with_the_largest_page_until_the_cursor_runs_out() {
    let mock = with_clips(250).await;
    let app = support::app(&mock).await;
    let mut p = app.get_clips_by_user_id(CASTER).paginate();
    assert_eq!(
        (p.cursor(), p.is_done(), p.fetched_count()),
        (None, false, 0)
    );

    assert_eq!(ids(&p.next_page().await.unwrap().unwrap()), numbers(0..100));
    let cursor = p.cursor().unwrap().to_owned();
    assert!(!p.is_done());
    assert_eq!(
        ids(&p.next_page().await.unwrap().unwrap()),
        numbers(100..200)
    );
    assert_eq!(
        ids(&p.next_page().await.unwrap().unwrap()),
        numbers(200..250)
    );
    // The last page's cursor is empty: done, and no further request.
    assert_eq!(
        (p.cursor(), p.is_done(), p.fetched_count()),
        (None, true, 250)
    );
    assert!(p.next_page().await.unwrap().is_none());

    let sent = helix_requests(&mock);
    assert_eq!(sent.len(), 3);
    assert!(sent.iter().all(|r| r.query_value("first") == Some("100")));
    assert!(
        sent.iter()
            .all(|r| r.query_value("broadcaster_id") == Some(CASTER))
    );
    assert_eq!(sent[0].query_value("after"), None);
    assert_eq!(sent[1].query_value("after"), Some(cursor.as_str()));
}

#[tokio::test]
async fn pages_backward_where_helix_allows_it() {
    let mock = with_clips(450).await;
    let app = support::app(&mock).await;
    let mut p = app.get_clips_by_user_id(CASTER).paginate();
    assert_eq!(
        p.previous_page().await.unwrap(),
        None,
        "nothing fetched yet"
    );
    assert!(mock.requests_to("get-clips").is_empty());

    for _ in 0..3 {
        p.next_page().await.unwrap().unwrap();
    }
    let back = p.previous_page().await.unwrap().unwrap();
    assert_eq!(ids(&back), numbers(100..200), "the page before the third");
    // Forward again from there.
    assert_eq!(
        ids(&p.next_page().await.unwrap().unwrap()),
        numbers(200..300)
    );
    assert_eq!(
        ids(&p.next_page().await.unwrap().unwrap()),
        numbers(300..400)
    );
    assert_eq!(p.fetched_count(), 600, "every page fetched counts");
    let before = &helix_requests(&mock)[3];
    assert!(before.query_value("before").is_some() && before.query_value("after").is_none());
}

#[tokio::test]
async fn going_back_past_the_first_page_starts_over() {
    let mock = with_clips(250).await;
    let app = support::app(&mock).await;
    let mut p = app.get_clips_by_user_id(CASTER).paginate();
    p.next_page().await.unwrap().unwrap();
    assert_eq!(
        p.previous_page().await.unwrap(),
        None,
        "nothing before the first page"
    );
    assert_eq!((p.cursor(), p.is_done()), (None, false));
    assert_eq!(ids(&p.next_page().await.unwrap().unwrap()), numbers(0..100));
}

/// Followers page forward only: going back is `InvalidArgument` naming `before`, and nothing is
/// sent.
#[tokio::test]
async fn paging_backward_where_helix_cannot_is_refused() {
    let mock = MockServer::start().await;
    let followers = support::items(&mock, "get-channel-followers", "user_id", 150);
    mock.set_items("get-channel-followers", followers)
        .expect("a paginated operation");
    let (user, _) = support::user(&mock, &["moderator:read:followers"]).await;
    let mut p = user.get_channel_followers().paginate();
    p.next_page().await.unwrap().unwrap();
    let sent = mock.requests().len();
    let err = p.previous_page().await.unwrap_err();
    match &err {
        Error::InvalidArgument { name, reason } => {
            assert_eq!(name, "before");
            assert_eq!(reason, "get-channel-followers does not page backwards");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(mock.requests().len(), sent);
    // The paginator is unharmed.
    assert_eq!(p.next_page().await.unwrap().unwrap().len(), 50);
}

#[tokio::test]
async fn a_limit_caps_the_items_and_shrinks_the_last_request() {
    let mock = with_clips(250).await;
    let app = support::app(&mock).await;

    let clips = app.get_clips_by_user_id(CASTER).limit(150).await.unwrap();
    assert_eq!(ids(&clips), numbers(0..150));
    assert_eq!(
        paging(&mock),
        [
            (Some("100".into()), false, false),
            (Some("50".into()), true, false)
        ]
    );

    // Awaiting without a limit applies the method's default (100); usize::MAX reads all.
    mock.clear_requests();
    assert_eq!(app.get_clips_by_user_id(CASTER).await.unwrap().len(), 100);
    assert_eq!(helix_requests(&mock).len(), 1);
    let all = app
        .get_clips_by_user_id(CASTER)
        .limit(usize::MAX)
        .await
        .unwrap();
    assert_eq!(ids(&all), numbers(0..250));

    // A paginator with a limit stops there.
    let mut p = app.get_clips_by_user_id(CASTER).limit(120).paginate();
    assert_eq!(p.next_page().await.unwrap().unwrap().len(), 100);
    assert_eq!(p.next_page().await.unwrap().unwrap().len(), 20);
    assert!(p.is_done());
    assert!(p.next_page().await.unwrap().is_none());
    assert_eq!(
        helix_requests(&mock).last().unwrap().query_value("first"),
        Some("20")
    );
}

#[tokio::test]
async fn a_stream_yields_every_item_fetching_a_page_at_a_time() {
    let mock = with_clips(250).await;
    let app = support::app(&mock).await;
    let mut stream = app.get_clips_by_user_id(CASTER).into_stream();
    assert!(
        helix_requests(&mock).is_empty(),
        "nothing before the first poll"
    );
    // The inherent `next` needs no stream extension trait.
    assert_eq!(stream.next().await.unwrap().unwrap().id, "0");
    assert_eq!(helix_requests(&mock).len(), 1);
    let mut seen = vec!["0".to_owned()];
    while let Some(clip) = stream.next().await {
        seen.push(clip.unwrap().id);
    }
    assert_eq!(seen, numbers(0..250));
    assert_eq!(helix_requests(&mock).len(), 3);
    assert!(stream.next().await.is_none(), "stays finished");

    // With a limit, read with `try_next`.
    let mut stream = app.get_clips_by_user_id(CASTER).limit(130).into_stream();
    let mut count = 0;
    while let Some(_clip) = stream.try_next().await.unwrap() {
        count += 1;
    }
    assert_eq!(count, 130);
    assert!(stream.try_next().await.unwrap().is_none());

    // An error ends the stream after it is yielded (read through the `Stream` trait here).
    let mut stream = app.get_clips_by_user_id(CASTER).into_stream();
    mock.on("get-clips").once().reply(Reply::error(404, "gone"));
    assert!(matches!(
        next(&mut stream).await,
        Some(Err(Error::NotFound { .. }))
    ));
    assert!(next(&mut stream).await.is_none());
}

/// Helix ends a listing with `"cursor": ""` or with no cursor at all; both stop the paging.
#[tokio::test]
async fn paging_stops_on_an_empty_or_absent_cursor() {
    for without_cursor in [false, true] {
        let mock = MockServer::builder()
            .last_page_without_cursor(without_cursor)
            .start()
            .await
            .unwrap();
        mock.set_items("get-clips", support::items(&mock, "get-clips", "id", 200))
            .expect("a paginated operation");
        let app = support::app(&mock).await;
        let mut p = app.get_clips_by_user_id(CASTER).paginate();
        p.next_page().await.unwrap().unwrap();
        p.next_page().await.unwrap().unwrap();
        assert!(p.is_done(), "without_cursor: {without_cursor}");
        assert!(p.next_page().await.unwrap().is_none());
        let all = app
            .get_clips_by_user_id(CASTER)
            .limit(usize::MAX)
            .await
            .unwrap();
        assert_eq!(all.len(), 200);
        assert_eq!(helix_requests(&mock).len(), 4, "two pages, twice");
    }
}

/// Paging ends on an empty page even with a cursor, and on a cursor Helix already gave (which
/// would otherwise loop forever).
#[tokio::test]
async fn paging_stops_on_an_empty_page_or_a_repeated_cursor() {
    let mock = with_clips(1).await;
    let app = support::app(&mock).await;
    let clip = support::items(&mock, "get-clips", "id", 1).remove(0);

    mock.on("get-clips").once().reply(Reply::json(
        200,
        json!({"data": [], "pagination": {"cursor": "more?"}}),
    ));
    let mut p = app.get_clips_by_user_id(CASTER).paginate();
    assert!(p.next_page().await.unwrap().is_none());
    assert!(p.is_done());

    mock.clear_requests();
    mock.on("get-clips").reply(Reply::json(
        200,
        json!({"data": [clip], "pagination": {"cursor": "same"}}),
    ));
    let all = app
        .get_clips_by_user_id(CASTER)
        .limit(usize::MAX)
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    let sent = helix_requests(&mock);
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[1].query_value("after"), Some("same"));
}

/// Followers carry the follower count: `total()` reads it from the most recent page.
#[tokio::test]
async fn the_total_comes_with_each_page() {
    let mock = MockServer::start().await;
    let followers = support::items(&mock, "get-channel-followers", "user_id", 250);
    mock.set_items("get-channel-followers", followers.clone())
        .expect("a paginated operation");
    let (user, _) = support::user(&mock, &["moderator:read:followers"]).await;

    let mut p = user.get_channel_followers().paginate();
    assert_eq!(p.total(), None, "no page yet");
    assert_eq!(p.next_page().await.unwrap().unwrap().len(), 100);
    assert_eq!(p.total(), Some(250));
    // Someone follows while we page: the next page says so.
    let mut more = followers;
    more.extend(support::items(&mock, "get-channel-followers", "user_id", 1));
    mock.set_items("get-channel-followers", more)
        .expect("a paginated operation");
    p.next_page().await.unwrap().unwrap();
    assert_eq!(p.total(), Some(251));
    assert_eq!(p.points(), None);

    // A token that may not list the followers still gets the count, with no items.
    mock.on("get-channel-followers").once().reply(Reply::json(
        200,
        json!({"total": 42, "data": [], "pagination": {}}),
    ));
    let mut p = user.get_channel_followers().paginate();
    assert!(p.next_page().await.unwrap().is_none());
    assert_eq!(p.total(), Some(42));

    // Listings without a count.
    let app = support::app(&mock).await;
    let mut clips = app.get_clips_by_user_id(CASTER).paginate();
    clips.next_page().await.unwrap();
    assert_eq!(clips.total(), None);
}

/// Broadcaster subscriptions carry the subscriber count and points.
#[tokio::test]
async fn subscriptions_carry_total_and_points() {
    let mock = MockServer::start().await;
    let subs = support::items(&mock, "get-broadcaster-subscriptions", "user_id", 7);
    mock.set_items("get-broadcaster-subscriptions", subs)
        .expect("a paginated operation");
    let (user, _) = support::user(&mock, &["channel:read:subscriptions"]).await;
    let mut p = user.get_broadcaster_subscriptions().paginate();
    assert_eq!(p.next_page().await.unwrap().unwrap().len(), 7);
    assert_eq!(p.total(), Some(7));
    assert_eq!(p.points(), Some(13), "the example's points");
    assert!(format!("{p:?}").contains("total: Some(7)"));
}
