//! Helix's emote image URL `template` is reachable from every emote list: channel, global and
//! emote-set emotes return it beside `data`; user emotes page like any list and keep it on the
//! paginator.

use crate::support;

const TEMPLATE: &str =
    "https://static-cdn.jtvnw.net/emoticons/v2/{{id}}/{{format}}/{{theme_mode}}/{{scale}}";

#[tokio::test]
async fn every_emote_list_carries_the_template() {
    let mock = twitch_sdk::mock::MockServer::start().await;
    let app = support::app(&mock).await;
    let channel = app.get_channel_emotes("141981764").await.unwrap();
    assert_eq!(channel.template, TEMPLATE);
    assert!(!channel.data.is_empty());
    let global = app.get_global_emotes().await.unwrap();
    assert_eq!(global.template, TEMPLATE);
    assert!(!global.data.is_empty());
    let sets = app.get_emote_sets(["301590448"]).await.unwrap();
    assert_eq!(sets.template, TEMPLATE);
    assert!(!sets.data.is_empty());

    let (user, _) = support::user(&mock, &["user:read:emotes"]).await;
    let mut pages = user.get_user_emotes().paginate();
    assert_eq!(pages.template(), None, "nothing fetched yet");
    let emotes = pages.next_page().await.unwrap().unwrap();
    assert!(!emotes.is_empty());
    assert_eq!(pages.template(), Some(TEMPLATE));
    let url = TEMPLATE
        .replace("{{id}}", &emotes[0].id)
        .replace("{{format}}", "static")
        .replace("{{theme_mode}}", "dark")
        .replace("{{scale}}", "1.0");
    assert!(url.ends_with("/static/dark/1.0"), "{url}");
}
