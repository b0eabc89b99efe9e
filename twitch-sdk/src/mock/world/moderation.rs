//! Moderation writes: bans and timeouts, moderators, VIPs, blocked terms and chat settings.
//! Failures use the status and wording Helix documents for each case.

use serde_json::{Value, json};

use super::seed::{add_ban, add_role, add_term};
use super::{Call, World, data, merge, now_plus, text};
use crate::mock::handler::Answer;

/// Whether `collection` holds `user_id` in `broadcaster_id`'s channel.
fn holds(world: &World, collection: &str, broadcaster_id: &str, user_id: &str) -> bool {
    position(world, collection, broadcaster_id, "user_id", user_id).is_some()
}

/// Where the item of `broadcaster_id`'s channel with `field == value` is.
fn position(
    world: &World,
    collection: &str,
    broadcaster_id: &str,
    field: &str,
    value: &str,
) -> Option<usize> {
    world.items(collection).iter().position(|item| {
        text(item, "broadcaster_id").as_deref() == Some(broadcaster_id)
            && text(item, field).as_deref() == Some(value)
    })
}

/// `POST /moderation/bans`: a ban, or a timeout of `duration` seconds with its end time.
pub(super) fn ban(world: &mut World, call: &Call<'_>) -> Answer {
    let broadcaster = call.required("broadcaster_id");
    let moderator = call.required("moderator_id");
    let user = call
        .body_value("data.user_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if world.user(&user).is_none() {
        return Answer::error(
            400,
            "The user specified in the user_id field was not found.",
        );
    }
    if user == broadcaster || world.moderates(&user, &broadcaster) {
        return Answer::error(
            400,
            "The user specified in the user_id field may not be banned.",
        );
    }
    let duration = call.body_value("data.duration").and_then(Value::as_i64);
    let existing = position(world, "bans", &broadcaster, "user_id", &user);
    if let Some(index) = existing {
        if world.items("bans")[index]["expires_at"].as_str() == Some("") {
            return Answer::error(
                400,
                "The user specified in the user_id field is already banned.",
            );
        }
        // A new ban or timeout replaces a running timeout.
        world.items_mut("bans").remove(index);
    }
    let reason = call
        .body_value("data.reason")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let end_time = duration.map(now_plus);
    let item = add_ban(
        world,
        &broadcaster,
        &user,
        &moderator,
        reason,
        end_time.as_deref(),
    );
    data(vec![json!({
        "broadcaster_id": broadcaster,
        "moderator_id": moderator,
        "user_id": user,
        "created_at": item["created_at"],
        "end_time": end_time,
    })])
}

/// `DELETE /moderation/bans`.
pub(super) fn unban(world: &mut World, call: &Call<'_>) -> Answer {
    let broadcaster = call.required("broadcaster_id");
    let user = call.required("user_id");
    match position(world, "bans", &broadcaster, "user_id", &user) {
        Some(index) => {
            world.items_mut("bans").remove(index);
            Answer::raw(204, Vec::new())
        }
        None => Answer::error(
            400,
            "The user specified in the user_id field is not banned.",
        ),
    }
}

/// `POST /moderation/moderators`.
pub(super) fn add_moderator(world: &mut World, call: &Call<'_>) -> Answer {
    let (broadcaster, user) = (call.required("broadcaster_id"), call.required("user_id"));
    if world.user(&user).is_none() {
        return Answer::error(400, "The ID in user_id was not found.");
    }
    if holds(world, "vips", &broadcaster, &user) {
        return Answer::error(
            422,
            "The user is a VIP. To make them a moderator, you must first remove them as a VIP.",
        );
    }
    if holds(world, "moderators", &broadcaster, &user) {
        return Answer::error(400, "The user is already a moderator.");
    }
    if holds(world, "bans", &broadcaster, &user) {
        return Answer::error(400, "The user is banned from the channel.");
    }
    add_role(world, "moderators", &broadcaster, &user);
    Answer::raw(204, Vec::new())
}

/// `DELETE /moderation/moderators`.
pub(super) fn remove_moderator(world: &mut World, call: &Call<'_>) -> Answer {
    remove_role(
        world,
        call,
        "moderators",
        400,
        "The user is not a moderator.",
    )
}

/// `POST /channels/vips`.
pub(super) fn add_vip(world: &mut World, call: &Call<'_>) -> Answer {
    let (broadcaster, user) = (call.required("broadcaster_id"), call.required("user_id"));
    if world.user(&user).is_none() || world.user(&broadcaster).is_none() {
        return Answer::error(404, "The ID in broadcaster_id or user_id was not found.");
    }
    if holds(world, "moderators", &broadcaster, &user) || holds(world, "vips", &broadcaster, &user)
    {
        return Answer::error(422, "The user in user_id is a moderator or already a VIP.");
    }
    add_role(world, "vips", &broadcaster, &user);
    Answer::raw(204, Vec::new())
}

/// `DELETE /channels/vips`.
pub(super) fn remove_vip(world: &mut World, call: &Call<'_>) -> Answer {
    remove_role(
        world,
        call,
        "vips",
        422,
        "The user in user_id is not a VIP in the broadcaster's channel.",
    )
}

fn remove_role(
    world: &mut World,
    call: &Call<'_>,
    collection: &str,
    status: u16,
    message: &str,
) -> Answer {
    let (broadcaster, user) = (call.required("broadcaster_id"), call.required("user_id"));
    match position(world, collection, &broadcaster, "user_id", &user) {
        Some(index) => {
            world.items_mut(collection).remove(index);
            Answer::raw(204, Vec::new())
        }
        None => Answer::error(status, message),
    }
}

/// `POST /moderation/blocked_terms`: adding a term that exists returns the existing one, as
/// Helix does.
pub(super) fn add_blocked_term(world: &mut World, call: &Call<'_>) -> Answer {
    let broadcaster = call.required("broadcaster_id");
    let term = call.required("text");
    let existing = world.items("blocked_terms").iter().find(|t| {
        text(t, "broadcaster_id").as_deref() == Some(broadcaster.as_str())
            && text(t, "text").is_some_and(|x| x.eq_ignore_ascii_case(&term))
    });
    let item = match existing {
        Some(item) => item.clone(),
        None => add_term(world, &broadcaster, &call.required("moderator_id"), &term),
    };
    data(vec![item])
}

/// `DELETE /moderation/blocked_terms`: Helix answers `204` even for an unknown id.
pub(super) fn remove_blocked_term(world: &mut World, call: &Call<'_>) -> Answer {
    let broadcaster = call.required("broadcaster_id");
    if let Some(index) = position(
        world,
        "blocked_terms",
        &broadcaster,
        "id",
        &call.required("id"),
    ) {
        world.items_mut("blocked_terms").remove(index);
    }
    Answer::raw(204, Vec::new())
}

/// `PATCH /chat/settings`: the body's settings change; the answer is the whole new settings.
pub(super) fn update_chat_settings(world: &mut World, call: &Call<'_>) -> Answer {
    let broadcaster = call.required("broadcaster_id");
    let Some(index) = world
        .items("chat_settings")
        .iter()
        .position(|s| text(s, "broadcaster_id").as_deref() == Some(broadcaster.as_str()))
    else {
        return Answer::error(400, "The ID in broadcaster_id was not found.");
    };
    let changes = call.body.cloned().unwrap_or_else(|| json!({}));
    let settings = &mut world.items_mut("chat_settings")[index];
    merge(settings, &changes);
    // Turning a mode off clears its duration, as Helix reports it.
    for (mode, duration) in [
        ("slow_mode", "slow_mode_wait_time"),
        ("follower_mode", "follower_mode_duration"),
        (
            "non_moderator_chat_delay",
            "non_moderator_chat_delay_duration",
        ),
    ] {
        if settings[mode] == json!(false) {
            settings[duration] = Value::Null;
        }
    }
    let mut answer = settings.clone();
    answer["moderator_id"] = json!(call.required("moderator_id"));
    data(vec![answer])
}
