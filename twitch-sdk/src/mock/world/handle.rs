//! [`WorldHandle`]: what tests use to look at the world and add their own entities.

use std::fmt;
use std::sync::Arc;

use serde_json::Value;

use super::seed;
use crate::mock::state::State;

/// The stand-in's world, to add entities to and to read back; from
/// [`MockServer::world`](crate::mock::MockServer::world).
///
/// The typed helpers build entities shaped like Twitch's example items, with every field the
/// SDK's models need; [`insert`](Self::insert) adds raw JSON where a helper would be awkward.
/// Collections: `users`, `channels`, `chat_settings`, `streams`, `games`, `follows`,
/// `subscriptions`, `moderators`, `vips`, `bans`, `blocked_terms`, `polls`, `predictions`,
/// `rewards`, `redemptions`, `clips`, `videos`, `segments` (schedule). Items carry the fields
/// their reads filter on (`broadcaster_id` on per-channel items, `reward_id` on redemptions),
/// and reads answer only the fields of the operation's example item.
///
/// ```
/// # async fn demo() {
/// use twitch_sdk::mock::MockServer;
///
/// let mock = MockServer::start().await;
/// mock.world()
///     .add_user("42", "new_streamer")
///     .go_live("42", "509658", "First stream!")
///     .follow("1003", "42");
/// assert_eq!(mock.world().items("streams").len(), 4);
/// # }
/// ```
#[derive(Clone)]
pub struct WorldHandle {
    pub(crate) state: Arc<State>,
}

impl fmt::Debug for WorldHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorldHandle").finish_non_exhaustive()
    }
}

impl WorldHandle {
    fn change(&self, f: impl FnOnce(&mut super::World)) -> &Self {
        f(&mut self.state.world());
        self
    }

    /// Adds a user (display name = login) with a channel in Just Chatting and chat settings.
    pub fn add_user(&self, id: &str, login: &str) -> &Self {
        self.change(|w| seed::add_user(w, id, login, login, ""))
    }

    /// Adds a game (category).
    pub fn add_game(&self, id: &str, name: &str) -> &Self {
        self.change(|w| {
            let game = seed::like(
                "get-games",
                serde_json::json!({"id": id, "name": name, "igdb_id": ""}),
            );
            w.insert("games", game);
        })
    }

    /// Makes `user_id` live in `game_id`.
    pub fn go_live(&self, user_id: &str, game_id: &str, title: &str) -> &Self {
        self.change(|w| seed::go_live(w, user_id, game_id, title))
    }

    /// Ends `user_id`'s stream.
    pub fn end_stream(&self, user_id: &str) -> &Self {
        self.change(|w| w.items_mut("streams").retain(|s| s["user_id"] != user_id))
    }

    /// `user_id` follows `broadcaster_id`.
    pub fn follow(&self, user_id: &str, broadcaster_id: &str) -> &Self {
        self.change(|w| seed::follow(w, user_id, broadcaster_id))
    }

    /// `user_id` subscribes to `broadcaster_id` at `tier` (`"1000"`, `"2000"`, `"3000"`).
    pub fn subscribe(&self, user_id: &str, broadcaster_id: &str, tier: &str) -> &Self {
        self.change(|w| seed::subscribe(w, user_id, broadcaster_id, tier))
    }

    /// Makes `user_id` a moderator of `broadcaster_id`'s channel.
    pub fn add_moderator(&self, broadcaster_id: &str, user_id: &str) -> &Self {
        self.change(|w| seed::add_role(w, "moderators", broadcaster_id, user_id))
    }

    /// Makes `user_id` a VIP of `broadcaster_id`'s channel.
    pub fn add_vip(&self, broadcaster_id: &str, user_id: &str) -> &Self {
        self.change(|w| seed::add_role(w, "vips", broadcaster_id, user_id))
    }

    /// Bans `user_id` from `broadcaster_id`'s chat for good, as the broadcaster.
    pub fn ban(&self, broadcaster_id: &str, user_id: &str, reason: &str) -> &Self {
        self.change(|w| {
            seed::add_ban(w, broadcaster_id, user_id, broadcaster_id, reason, None);
        })
    }

    /// Blocks `text` in `broadcaster_id`'s chat, as the broadcaster.
    pub fn block_term(&self, broadcaster_id: &str, text: &str) -> &Self {
        self.change(|w| {
            seed::add_term(w, broadcaster_id, broadcaster_id, text);
        })
    }

    /// Adds a raw JSON item to `collection` (created when new). Give it the fields its reads
    /// need: the example item of the read operation shows them.
    pub fn insert(&self, collection: &str, item: Value) -> &Self {
        self.change(|w| w.insert(collection, item))
    }

    /// Removes every item of `collection`.
    pub fn clear(&self, collection: &str) -> &Self {
        self.change(|w| w.items_mut(collection).clear())
    }

    /// A copy of the items of `collection`, as stored (with their filter fields).
    pub fn items(&self, collection: &str) -> Vec<Value> {
        self.state.world().items(collection).to_vec()
    }
}
