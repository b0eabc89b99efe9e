//! The Helix side of EventSub as a first-hour user meets it: listings page like every other list,
//! types and statuses are enums (that still take values newer than the SDK), and a webhook
//! transport Twitch would refuse is refused before anything is sent.

use crate::support;

use serde_json::json;
use twitch_sdk::Error;
use twitch_sdk::mock::MockServer;
use twitch_sdk::models::{EventSubSubscriptionStatus, EventSubSubscriptionType, EventSubTransport};
use twitch_sdk::requests::GetEventsubSubscriptions;

use support::helix_requests;

#[tokio::test]
async fn listings_page_over_the_cursor_and_keep_the_totals() {
    let mock = MockServer::start().await;
    let op = GetEventsubSubscriptions::OPERATION;
    mock.set_items(op, support::items(&mock, op, "id", 45))
        .expect("a paginated operation");
    let app = support::app(&mock).await;

    // Awaiting gives one page with the totals, as before.
    let first = app.get_eventsub_subscriptions().await.unwrap();
    assert_eq!((first.data.len(), first.total), (20, 45));
    assert!(first.pagination.is_some());

    // The stream follows the cursor to the end.
    mock.clear_requests();
    let mut stream = app.get_eventsub_subscriptions().into_stream();
    let mut ids = Vec::new();
    while let Some(sub) = stream.try_next().await.unwrap() {
        ids.push(sub.id);
    }
    assert_eq!(ids, support::numbers(0..45));
    let sent = helix_requests(&mock);
    assert_eq!(sent.len(), 3, "pages of 20, 20 and 5");
    assert!(sent[1].query_value("after").is_some());

    // By hand, with the total of each page, and a limit.
    let mut pages = app.get_eventsub_subscriptions().limit(30).paginate();
    assert_eq!(pages.next_page().await.unwrap().unwrap().len(), 20);
    assert_eq!(pages.total(), Some(45));
    assert_eq!(pages.next_page().await.unwrap().unwrap().len(), 10);
    assert!(pages.is_done());
}

#[tokio::test]
async fn types_and_statuses_are_enums_that_take_new_values() {
    // The webhook is not served: the stand-in answers with Twitch's documented example.
    let mock = MockServer::builder().examples_only().start().await.unwrap();
    let app = support::app(&mock).await;
    mock.clear_requests();
    app.get_eventsub_subscriptions_by_type(EventSubSubscriptionType::StreamOnline)
        .await
        .unwrap();
    app.get_eventsub_subscriptions_by_type("channel.brand_new_thing")
        .await
        .unwrap();
    app.get_eventsub_subscriptions_by_status(EventSubSubscriptionStatus::Enabled)
        .await
        .unwrap();
    let sent = helix_requests(&mock);
    assert_eq!(sent[0].query_value("type"), Some("stream.online"));
    assert_eq!(sent[1].query_value("type"), Some("channel.brand_new_thing"));
    assert_eq!(sent[2].query_value("status"), Some("enabled"));

    let created = app
        .create_eventsub_subscription(
            EventSubSubscriptionType::StreamOnline,
            "1",
            EventSubTransport::webhook("https://example.com/hook", "0123456789abc"),
            json!({"broadcaster_user_id": "1234"}),
        )
        .await
        .unwrap();
    assert_eq!(created.data.len(), 1);
    let body = mock.requests_to("create-eventsub-subscription")[0]
        .body_json()
        .unwrap();
    assert_eq!(body["type"], "stream.online");
}

#[tokio::test]
async fn webhooks_twitch_would_refuse_are_refused_before_sending() {
    let mock = MockServer::start().await;
    let app = support::app(&mock).await;
    mock.clear_requests();
    let create = |transport| {
        app.create_eventsub_subscription(
            EventSubSubscriptionType::StreamOnline,
            "1",
            transport,
            json!({"broadcaster_user_id": "1234"}),
        )
    };
    let cases = [
        (
            EventSubTransport::webhook("http://example.com/hook", "0123456789"),
            "a webhook callback must be an https:// URL",
        ),
        (
            EventSubTransport::webhook("https://example.com/hook", "tiny"),
            "a webhook secret must hold 10 to 100 characters, got 4",
        ),
        (
            EventSubTransport::webhook("https://example.com/hook", "x".repeat(101)),
            "a webhook secret must hold 10 to 100 characters, got 101",
        ),
    ];
    for (transport, expected) in cases {
        let err = create(transport).await.unwrap_err();
        assert!(
            matches!(&err, Error::InvalidArgument { name, reason } if name == "transport" && reason == expected),
            "{err}"
        );
    }
    assert!(helix_requests(&mock).is_empty(), "nothing sent");
}
