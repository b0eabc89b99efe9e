//! The stand-in's world: a small, seeded, changeable Twitch (users, channels, streams, games,
//! follows, subscriptions, moderation, chat settings, polls, predictions, rewards, clips,
//! videos, schedules) that reads filter and writes change.
//!
//! Items are kept as JSON in named collections, shaped like the spec's example items (so every
//! field a model needs is there). Reads are generic ([`read`]): the operation's query parameters
//! filter the collection by the field of the same name, and the answer keeps the fields of the
//! operation's example item. Writes are small functions per resource ([`moderation`],
//! [`channels`], [`polls`], [`rewards`], [`schedule`]). Operations the world does not model
//! answer with their example, as in example-only mode.

mod call;
mod channels;
mod handle;
mod moderation;
mod polls;
mod read;
mod rewards;
mod schedule;
mod seed;

use std::collections::BTreeMap;

use serde_json::{Value, json};

pub(crate) use self::call::Call;
pub use self::handle::WorldHandle;
use super::handler::Answer;

/// An operation's own answer: changes the world (or reads it in its own way) and answers.
type Handler = fn(&mut World, &Call<'_>) -> Answer;

/// The operations with their own function: writes, and reads that are more than a filter.
const HANDLERS: &[(&str, Handler)] = &[
    ("ban-user", moderation::ban),
    ("unban-user", moderation::unban),
    ("add-channel-moderator", moderation::add_moderator),
    ("remove-channel-moderator", moderation::remove_moderator),
    ("add-channel-vip", moderation::add_vip),
    ("remove-channel-vip", moderation::remove_vip),
    ("add-blocked-term", moderation::add_blocked_term),
    ("remove-blocked-term", moderation::remove_blocked_term),
    ("update-chat-settings", moderation::update_chat_settings),
    ("modify-channel-information", channels::modify),
    ("update-user", channels::update_user),
    ("create-clip", channels::create_clip),
    ("create-poll", polls::create_poll),
    ("end-poll", polls::end_poll),
    ("create-prediction", polls::create_prediction),
    ("end-prediction", polls::end_prediction),
    ("create-custom-rewards", rewards::create),
    ("update-custom-reward", rewards::update),
    ("delete-custom-reward", rewards::delete),
    ("update-redemption-status", rewards::update_redemptions),
    ("get-channel-stream-schedule", schedule::get),
    (
        "create-channel-stream-schedule-segment",
        schedule::create_segment,
    ),
    (
        "update-channel-stream-schedule-segment",
        schedule::update_segment,
    ),
    (
        "delete-channel-stream-schedule-segment",
        schedule::delete_segment,
    ),
    ("get-users", channels::get_users),
];

/// Named collections of JSON items, plus a counter for new ids.
#[derive(Debug, Default, Clone)]
pub(crate) struct World {
    collections: BTreeMap<String, Vec<Value>>,
    serial: u64,
}

impl World {
    /// The world every stand-in starts with (see [`seed`]).
    pub fn seeded() -> World {
        seed::world()
    }

    /// The items of `collection` (empty when it does not exist).
    pub fn items(&self, collection: &str) -> &[Value] {
        self.collections.get(collection).map_or(&[], Vec::as_slice)
    }

    /// The items of `collection`, to change.
    pub fn items_mut(&mut self, collection: &str) -> &mut Vec<Value> {
        self.collections.entry(collection.to_owned()).or_default()
    }

    /// Adds `item` to `collection`.
    pub fn insert(&mut self, collection: &str, item: Value) {
        self.items_mut(collection).push(item);
    }

    /// A fresh id in the UUID form Helix uses for polls, terms and rewards.
    pub fn next_id(&mut self) -> String {
        self.serial += 1;
        format!("6d6f636b-0000-4000-8000-{:012}", self.serial)
    }

    /// The first item of `collection` whose `field` is `value`.
    pub fn find(&self, collection: &str, field: &str, value: &str) -> Option<&Value> {
        self.items(collection)
            .iter()
            .find(|item| text(item, field).as_deref() == Some(value))
    }

    /// The user with id `id`.
    pub fn user(&self, id: &str) -> Option<&Value> {
        self.find("users", "id", id)
    }

    /// `{prefix}_id`, `{prefix}_login` and `{prefix}_name` of user `id` (id alone when unknown).
    pub fn user_fields(&self, prefix: &str, id: &str) -> Value {
        let (login, name) = self.user(id).map_or((id.to_owned(), id.to_owned()), |u| {
            (str_of(u, "login"), str_of(u, "display_name"))
        });
        json!({
            format!("{prefix}_id"): id,
            format!("{prefix}_login"): login,
            format!("{prefix}_name"): name,
        })
    }

    /// Whether `user` is `broadcaster` or one of its moderators.
    pub fn moderates(&self, user: &str, broadcaster: &str) -> bool {
        user == broadcaster
            || self.items("moderators").iter().any(|m| {
                text(m, "broadcaster_id").as_deref() == Some(broadcaster)
                    && text(m, "user_id").as_deref() == Some(user)
            })
    }
}

/// What the world answers to a call.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// This answer.
    Answer(Answer),
    /// These items (already filtered), for the caller to page.
    Page(Vec<Value>),
}

/// The answer of the world to an authorized, well-formed call; `None` when the world does not
/// model the operation (the caller serves the example).
pub(crate) fn serve(world: &mut World, call: &Call<'_>) -> Option<Outcome> {
    if let Err(answer) = authorize(world, call) {
        return Some(Outcome::Answer(answer));
    }
    let operation = call.endpoint.operation;
    if let Some((_, handler)) = HANDLERS.iter().find(|(op, _)| *op == operation) {
        return Some(Outcome::Answer(handler(world, call)));
    }
    read::serve(world, call)
}

/// Twitch's `403` when the acting user neither owns nor moderates the channel.
fn authorize(world: &World, call: &Call<'_>) -> Result<(), Answer> {
    let (Some(rule), Some(_)) = (call.endpoint.acting_user, call.user) else {
        return Ok(());
    };
    let (Some(channel), Some(actor)) = (rule.moderates, call.arg(rule.param)) else {
        return Ok(());
    };
    let Some(broadcaster) = call.arg(channel) else {
        return Ok(());
    };
    if world.moderates(actor, broadcaster) {
        return Ok(());
    }
    Err(Answer::error(
        403,
        format!(
            "The user in {} is not one of the broadcaster's moderators.",
            rule.param
        ),
    ))
}

/// A field as text: strings as they are, numbers and booleans written out.
pub(crate) fn text(item: &Value, field: &str) -> Option<String> {
    match item.get(field)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A string field, or `""`.
pub(crate) fn str_of(item: &Value, field: &str) -> String {
    item.get(field)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// Copies every key of `from` (an object) into `to` (an object).
pub(crate) fn merge(to: &mut Value, from: &Value) {
    if let (Some(to), Some(from)) = (to.as_object_mut(), from.as_object()) {
        for (key, value) in from {
            to.insert(key.clone(), value.clone());
        }
    }
}

/// `{"data": [item]}`.
pub(crate) fn data(items: Vec<Value>) -> Answer {
    Answer::json(200, &json!({ "data": items }))
}

/// The current time plus `seconds`, in RFC 3339 as Helix writes it.
pub(crate) fn now_plus(seconds: i64) -> String {
    let at = time::OffsetDateTime::now_utc() + time::Duration::seconds(seconds);
    let at = at.replace_nanosecond(0).unwrap_or(at);
    twitch_models::Timestamp::from(at).to_string()
}

/// The current time in RFC 3339.
pub(crate) fn now() -> String {
    now_plus(0)
}
