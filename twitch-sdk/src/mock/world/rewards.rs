//! Channel Points: custom rewards (create, update, delete) and their redemptions (fulfil or
//! cancel).

use serde_json::{Map, Value, json};

use super::seed::like;
use super::{Call, World, data, merge, str_of, text};
use crate::mock::handler::Answer;

/// The body keys Helix takes flat and answers nested: `(flag, value, setting object)`.
const SETTINGS: &[(&str, &str, &str)] = &[
    (
        "is_max_per_stream_enabled",
        "max_per_stream",
        "max_per_stream_setting",
    ),
    (
        "is_max_per_user_per_stream_enabled",
        "max_per_user_per_stream",
        "max_per_user_per_stream_setting",
    ),
    (
        "is_global_cooldown_enabled",
        "global_cooldown_seconds",
        "global_cooldown_setting",
    ),
];

/// The reward fields a create or update body sets.
fn changes(call: &Call<'_>) -> Value {
    let mut out = Map::new();
    let body = call
        .body
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (key, value) in body {
        let nested = SETTINGS
            .iter()
            .find(|(flag, number, _)| *flag == key || *number == key);
        match nested {
            Some((flag, _, setting)) => {
                let field = if *flag == key {
                    "is_enabled"
                } else {
                    key.as_str()
                };
                let entry = out
                    .entry((*setting).to_owned())
                    .or_insert_with(|| json!({}));
                entry[field] = value;
            }
            None => {
                out.insert(key, value);
            }
        }
    }
    out.remove("broadcaster_id");
    Value::Object(out)
}

/// Writes `changes` over `reward`, merging the nested settings key by key.
fn apply(reward: &mut Value, changes: &Value) {
    for (key, value) in changes.as_object().into_iter().flatten() {
        if value.is_object() && reward[key].is_object() {
            merge(&mut reward[key], value);
        } else {
            reward[key] = value.clone();
        }
    }
}

/// `POST /channel_points/custom_rewards`.
pub(super) fn create(world: &mut World, call: &Call<'_>) -> Answer {
    let broadcaster = call.required("broadcaster_id");
    let title = call.required("title");
    let taken = world.items("rewards").iter().any(|r| {
        text(r, "broadcaster_id").as_deref() == Some(broadcaster.as_str())
            && str_of(r, "title") == title
    });
    if taken {
        return Answer::error(400, "CREATE_CUSTOM_REWARD_DUPLICATE_REWARD");
    }
    let mut reward = like(
        "create-custom-rewards",
        world.user_fields("broadcaster", &broadcaster),
    );
    merge(
        &mut reward,
        &json!({"id": world.next_id(), "prompt": "", "is_paused": false}),
    );
    apply(&mut reward, &changes(call));
    world.insert("rewards", reward.clone());
    data(vec![reward])
}

/// `PATCH /channel_points/custom_rewards`.
pub(super) fn update(world: &mut World, call: &Call<'_>) -> Answer {
    let changes = changes(call);
    let Some(index) = reward_index(world, call) else {
        return call
            .not_found("The custom reward specified in the id query parameter was not found.");
    };
    let reward = &mut world.items_mut("rewards")[index];
    apply(reward, &changes);
    data(vec![reward.clone()])
}

/// `DELETE /channel_points/custom_rewards`: the reward and its redemptions go.
pub(super) fn delete(world: &mut World, call: &Call<'_>) -> Answer {
    let Some(index) = reward_index(world, call) else {
        return call
            .not_found("The custom reward specified in the id query parameter was not found.");
    };
    let reward = world.items_mut("rewards").remove(index);
    let id = str_of(&reward, "id");
    world
        .items_mut("redemptions")
        .retain(|r| r["reward"]["id"] != json!(id));
    Answer::raw(204, Vec::new())
}

fn reward_index(world: &World, call: &Call<'_>) -> Option<usize> {
    let (broadcaster, id) = (call.required("broadcaster_id"), call.required("id"));
    world.items("rewards").iter().position(|r| {
        text(r, "broadcaster_id").as_deref() == Some(broadcaster.as_str()) && str_of(r, "id") == id
    })
}

/// `PATCH /channel_points/custom_rewards/redemptions`: `FULFILLED` or `CANCELED` for
/// unfulfilled redemptions of one reward; `404` when none of the ids is one.
pub(super) fn update_redemptions(world: &mut World, call: &Call<'_>) -> Answer {
    let broadcaster = call.required("broadcaster_id");
    let reward = call.required("reward_id");
    let ids = call.args("id");
    let status = call.required("status");
    let mut changed = Vec::new();
    for redemption in world.items_mut("redemptions") {
        let mine = str_of(redemption, "broadcaster_id") == broadcaster
            && redemption["reward"]["id"] == json!(reward)
            && ids.contains(&str_of(redemption, "id"))
            && redemption["status"] == json!("UNFULFILLED");
        if mine {
            redemption["status"] = json!(status);
            changed.push(redemption.clone());
        }
    }
    if changed.is_empty() {
        return call.not_found("No unfulfilled redemption of the reward has one of the ids in id.");
    }
    let shaped = like("update-redemption-status", json!({}));
    for item in &mut changed {
        if let Some(fields) = item.as_object_mut() {
            fields.retain(|key, _| shaped.get(key).is_some());
        }
    }
    data(changed)
}
