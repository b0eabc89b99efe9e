//! A chat bot: reads `channel.chat.message` over an EventSub WebSocket and answers `!hello`
//! through Send Chat Message.
//!
//! ```sh
//! cargo run --example chat_bot
//! ```
//!
//! It runs against the stand-in (`twitch_sdk::mock`): the stand-in's EventSub server welcomes
//! the bot, the bot subscribes within the welcome window, and the example plays two viewers
//! chatting by emitting Twitch's documented `channel.chat.message` event. Midway the stand-in
//! asks the bot to move to another connection (`session_reconnect`), which it does without
//! missing a message. For real Twitch, drop the `url` call and build the client with
//! `Client::new()` and a user token carrying `user:read:chat` and `user:write:chat`. The
//! WebSocket client is the default `eventsub-ws` feature.

use std::error::Error as StdError;
use std::time::Duration;

use serde_json::{Value, json};
use twitch_sdk::eventsub::types::ChannelChatMessageV1;
use twitch_sdk::eventsub::{Event, EventSubItem, EventSubWebSocket};
use twitch_sdk::mock::MockServer;
use twitch_sdk::{Client, UserToken};

/// The bot's own channel (the id of Twitch's examples).
const CHANNEL: &str = "141981764";

#[tokio::main]
async fn main() -> Result<(), Box<dyn StdError>> {
    let mock = MockServer::start().await;
    let (access, _) = mock.issue_user_token(
        CHANNEL,
        "twitchdev",
        &["user:read:chat", "user:write:chat"],
        Duration::from_secs(3600),
    );
    let client = Client::builder()
        .helix_url(mock.helix_url())
        .oauth_url(mock.oauth_url())
        .build()?;
    let bot = client
        .user(UserToken::new(mock.client_id(), access))
        .await?;

    let mut events = EventSubWebSocket::builder(bot.clone())
        .url(mock.eventsub_url())
        // Typed: scopes and the condition are checked now; `user_id` is the bot's own.
        .subscribe_to(ChannelChatMessageV1::new(CHANNEL))?
        .start()
        .await?;

    let chat = [("viewer_one", "!hello"), ("viewer_two", "nice stream")];
    let mut answered = 0;
    let mut seen = 0;
    while let Some(item) = events.next_item().await {
        match item {
            EventSubItem::Connected { session_id } => {
                println!("connected, session {session_id}");
                mock.eventsub()
                    .emit("channel.chat.message", "1", chat_event(chat[0]));
                mock.eventsub().reconnect(&session_id);
            }
            EventSubItem::Reconnected {
                session_id,
                handover,
            } => {
                println!("moved to a new connection (handover: {handover}), session {session_id}");
                mock.eventsub()
                    .emit("channel.chat.message", "1", chat_event(chat[1]));
            }
            EventSubItem::Notification(n) => {
                let Event::ChannelChatMessageV1(message) = &n.event else {
                    continue;
                };
                seen += 1;
                let text = message.message.text.as_str();
                println!("{}: {text}", message.chatter_user_login);
                if text.trim() == "!hello" {
                    let reply = format!("Hello, @{}!", message.chatter_user_login);
                    let sent = bot.send_chat_message(reply.clone()).await?;
                    println!("  bot: {reply} (sent: {})", sent.is_sent);
                    answered += 1;
                }
                if seen == chat.len() {
                    break;
                }
            }
            other => println!("{other:?}"),
        }
    }
    println!("{seen} messages read, {answered} answered");
    Ok(())
}

/// Twitch's documented `channel.chat.message` event, said by `login` in the bot's channel.
fn chat_event((login, text): (&str, &str)) -> Value {
    let example: Value = serde_json::from_str(include_str!(
        "../../spec/examples/eventsub/channel.chat.message.v1.json"
    ))
    .expect("the spec's example is JSON");
    let mut event = example["event"].clone();
    event["broadcaster_user_id"] = json!(CHANNEL);
    event["chatter_user_login"] = json!(login);
    event["chatter_user_name"] = json!(login);
    event["message"]["text"] = json!(text);
    event["message"]["fragments"] = json!([{"type": "text", "text": text}]);
    event
}
