//! Pinned chat messages (Helix, 2026) end to end on the stand-in: the four `/chat/pins`
//! operations send what Twitch expects, the pinned message decodes strictly from Twitch's
//! example, "nothing pinned" is `None`, and the duration limit and scopes are checked before
//! anything is sent.

use crate::support;

use serde_json::json;
use twitch_sdk::Error;
use twitch_sdk::mock::{MockServer, Reply};

use support::USER_ID;

const MANAGE: &str = "moderator:manage:chat_messages";

fn query(request: &twitch_sdk::mock::ReceivedRequest) -> Vec<(String, String)> {
    request
        .query
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn pair(key: &str, value: &str) -> (String, String) {
    (key.to_owned(), value.to_owned())
}

#[tokio::test]
async fn pin_update_get_and_unpin() {
    let mock = MockServer::start().await;
    let (user, _) = support::user(&mock, &[MANAGE]).await;

    user.pin_chat_message("abc-def-123-456")
        .duration_seconds(300)
        .await
        .unwrap();
    user.update_pinned_chat_message("abc-def-123-456")
        .duration_seconds(600)
        .await
        .unwrap();
    let pinned = user
        .get_pinned_chat_message()
        .await
        .unwrap()
        .expect("the example holds a pinned message");
    assert_eq!(pinned.message_id, "abc-def-123-456");
    assert_eq!(pinned.pinned_by_user_login, "twitchdev");
    assert_eq!(pinned.message.fragments.len(), 3);
    let emote = pinned.message.fragments[1].emote.as_ref().unwrap();
    assert_eq!(emote.id, "62835");
    assert!(pinned.ends_at.is_some());
    user.unpin_chat_message("abc-def-123-456").await.unwrap();

    let sent = mock.requests();
    let pins: Vec<_> = sent
        .iter()
        .filter(|r| r.path.ends_with("/chat/pins"))
        .collect();
    let methods: Vec<&str> = pins.iter().map(|r| r.method.as_str()).collect();
    assert_eq!(methods, ["POST", "PATCH", "GET", "DELETE"]);
    let ids = [
        pair("broadcaster_id", USER_ID),
        pair("moderator_id", USER_ID),
    ];
    for (request, extra) in pins.iter().zip([
        vec![
            pair("message_id", "abc-def-123-456"),
            pair("duration_seconds", "300"),
        ],
        vec![
            pair("message_id", "abc-def-123-456"),
            pair("duration_seconds", "600"),
        ],
        vec![],
        vec![pair("message_id", "abc-def-123-456")],
    ]) {
        let mut got = query(request);
        got.sort();
        let mut want: Vec<_> = ids.iter().cloned().chain(extra).collect();
        want.sort();
        assert_eq!(got, want, "{} {}", request.method, request.path);
        assert!(request.body.is_empty(), "no body");
    }
}

#[tokio::test]
async fn nothing_pinned_is_none() {
    let mock = MockServer::start().await;
    let (user, _) = support::user(&mock, &["moderator:read:chat_messages"]).await;
    mock.on("get-pinned-chat-message")
        .reply(Reply::json(200, json!({"data": []})));
    let pinned = user
        .get_pinned_chat_message()
        .broadcaster_id("197886470")
        .await
        .unwrap();
    assert!(pinned.is_none());
}

#[tokio::test]
async fn limits_and_scopes_are_checked_before_sending() {
    let mock = MockServer::start().await;
    let (reader, _) = support::user(&mock, &["moderator:read:chat_messages"]).await;
    let before = mock.requests_to("pin-chat-message").len();
    let err = reader.pin_chat_message("m").await.unwrap_err();
    assert!(matches!(err, Error::Token(_)), "{err:?}");

    let (user, _) = support::user(&mock, &[MANAGE]).await;
    for seconds in [29, 1801] {
        let err = user
            .pin_chat_message("m")
            .duration_seconds(seconds)
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::InvalidArgument { ref name, .. } if name == "duration_seconds"),
            "{seconds}: {err:?}"
        );
    }
    assert_eq!(mock.requests_to("pin-chat-message").len(), before);
}
