//! Reads: which collection an operation lists, filtered by its query arguments and shaped like
//! its example item.
//!
//! A query parameter of the operation filters the items by the field of the same name: an item
//! stays when its field equals one of the given values (ignoring ASCII case, as Helix does for
//! logins), or when it has no such field. `all` is the "no filter" value Helix uses for `type`.
//! Paging parameters, and the acting moderator of an operation whose rule names one, are not
//! filters.

use serde_json::Value;

use super::{Call, Outcome, World, data, text};
use crate::endpoint::Location;

/// The collection each read lists.
const READS: &[(&str, &str)] = &[
    ("get-channel-information", "channels"),
    ("get-streams", "streams"),
    ("get-games", "games"),
    ("get-top-games", "games"),
    ("get-channel-followers", "follows"),
    ("get-followed-channels", "follows"),
    ("get-broadcaster-subscriptions", "subscriptions"),
    ("check-user-subscription", "subscriptions"),
    ("get-banned-users", "bans"),
    ("get-moderators", "moderators"),
    ("get-vips", "vips"),
    ("get-blocked-terms", "blocked_terms"),
    ("get-chat-settings", "chat_settings"),
    ("get-polls", "polls"),
    ("get-predictions", "predictions"),
    ("get-custom-reward", "rewards"),
    ("get-custom-reward-redemption", "redemptions"),
    ("get-clips", "clips"),
    ("get-videos", "videos"),
    ("get-followed-streams", "streams"),
    ("get-moderated-channels", "moderators"),
];

/// The reads Helix answers `404` (with the spec's documented meaning) when nothing matches:
/// always (`None`), or only when the named argument asked for ids. Every other read answers
/// `data: []`.
const NOT_FOUND: &[(&str, Option<&str>)] = &[
    ("check-user-subscription", None),
    ("get-videos", Some("id")),
    ("get-polls", Some("id")),
    ("get-custom-reward", Some("id")),
    ("get-custom-reward-redemption", Some("id")),
];

/// The items of a read, filtered and shaped, or `None` when the world does not model it.
pub(super) fn serve(world: &World, call: &Call<'_>) -> Option<Outcome> {
    let operation = call.endpoint.operation;
    let (_, collection) = READS.iter().find(|(op, _)| *op == operation)?;
    // Two reads list what other collections imply; the rest filter their own collection.
    let items = match operation {
        "get-followed-streams" => followed_streams(world, call),
        "get-moderated-channels" => moderated_channels(world, call),
        _ => filter(call, world.items(collection).to_vec()),
    };
    let items = shape(call, items);
    let not_found = NOT_FOUND
        .iter()
        .find(|(op, _)| *op == operation)
        .is_some_and(|(_, arg)| arg.is_none_or(|name| call.arg(name).is_some()));
    if items.is_empty() && not_found {
        let message = call.endpoint.error_meaning(404).unwrap_or("Not Found");
        return Some(Outcome::Answer(call.not_found(message)));
    }
    Some(match call.endpoint.paging {
        Some(_) => Outcome::Page(items),
        None => Outcome::Answer(data(items)),
    })
}

/// The items every filtering query argument lets through.
fn filter(call: &Call<'_>, items: Vec<Value>) -> Vec<Value> {
    let endpoint = call.endpoint;
    let paging = endpoint.paging.and_then(|p| p.page_size);
    let actor = endpoint
        .acting_user
        .filter(|rule| rule.moderates.is_some())
        .map(|rule| rule.param);
    let filters: Vec<(&str, Vec<String>)> = endpoint
        .params
        .iter()
        .filter(|p| p.location == Location::Query)
        .map(|p| p.name)
        .filter(|name| !["after", "before"].contains(name))
        .filter(|name| Some(*name) != paging && Some(*name) != actor)
        .map(|name| (name, call.args(name)))
        .filter(|(_, values)| !values.is_empty() && !values.iter().any(|v| v == "all"))
        .collect();
    items
        .into_iter()
        .filter(|item| {
            filters
                .iter()
                .all(|(name, values)| passes(item, name, values))
        })
        .collect()
}

/// Whether `item` passes the filter `name` in `values`.
fn passes(item: &Value, name: &str, values: &[String]) -> bool {
    match text(item, name) {
        Some(field) => values.iter().any(|v| v.eq_ignore_ascii_case(&field)),
        None => item.get(name).is_none(),
    }
}

/// The items with only the fields of the operation's example item (when it has one).
fn shape(call: &Call<'_>, items: Vec<Value>) -> Vec<Value> {
    let example = call.example_item();
    let Some(keep) = example.as_object() else {
        return items;
    };
    items
        .into_iter()
        .map(|mut item| {
            if let Some(fields) = item.as_object_mut() {
                fields.retain(|key, _| keep.contains_key(key));
            }
            item
        })
        .collect()
}

/// The live streams of the channels the token's user (`user_id`) follows.
fn followed_streams(world: &World, call: &Call<'_>) -> Vec<Value> {
    let user = call.required("user_id");
    let followed: Vec<String> = world
        .items("follows")
        .iter()
        .filter(|f| text(f, "user_id").as_deref() == Some(user.as_str()))
        .filter_map(|f| text(f, "broadcaster_id"))
        .collect();
    world
        .items("streams")
        .iter()
        .filter(|s| text(s, "user_id").is_some_and(|id| followed.contains(&id)))
        .cloned()
        .collect()
}

/// The channels the token's user (`user_id`) moderates, as broadcaster fields.
fn moderated_channels(world: &World, call: &Call<'_>) -> Vec<Value> {
    let user = call.required("user_id");
    world
        .items("moderators")
        .iter()
        .filter(|m| text(m, "user_id").as_deref() == Some(user.as_str()))
        .filter_map(|m| text(m, "broadcaster_id"))
        .map(|id| world.user_fields("broadcaster", &id))
        .collect()
}
