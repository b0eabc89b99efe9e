//! Polls and predictions: create one (one running per channel, as on Twitch), end it, and read
//! its new status back.

use serde_json::{Value, json};

use super::seed::like;
use super::{Call, World, data, merge, now, str_of, text};
use crate::mock::handler::Answer;

/// The running (`ACTIVE`, or `LOCKED` for predictions) item of `broadcaster_id` in `collection`.
fn running(world: &World, collection: &str, broadcaster_id: &str) -> bool {
    world.items(collection).iter().any(|item| {
        text(item, "broadcaster_id").as_deref() == Some(broadcaster_id)
            && matches!(item["status"].as_str(), Some("ACTIVE" | "LOCKED"))
    })
}

/// The body's list of `{"title": ...}` objects, with fresh ids and the fields of `template`.
fn options(world: &mut World, call: &Call<'_>, key: &str, template: &Value) -> Vec<Value> {
    let titles: Vec<String> = call
        .body_value(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|option| str_of(option, "title"))
        .collect();
    titles
        .into_iter()
        .enumerate()
        .map(|(i, title)| {
            let mut option = template.clone();
            let color = if i == 0 { "BLUE" } else { "PINK" };
            merge(
                &mut option,
                &json!({"id": world.next_id(), "title": title, "color": color}),
            );
            if let Some(fields) = option.as_object_mut() {
                fields.retain(|key, _| key != "color" || template.get("color").is_some());
            }
            option
        })
        .collect()
}

/// `POST /polls`.
pub(super) fn create_poll(world: &mut World, call: &Call<'_>) -> Answer {
    let broadcaster = call.required("broadcaster_id");
    if running(world, "polls", &broadcaster) {
        return Answer::error(400, "The broadcaster already has a poll that's running.");
    }
    let template = like("create-poll", json!({}))["choices"][0].clone();
    let choices = options(world, call, "choices", &template);
    let mut poll = like(
        "create-poll",
        world.user_fields("broadcaster", &broadcaster),
    );
    let points = call
        .body_value("channel_points_voting_enabled")
        .cloned()
        .unwrap_or(json!(false));
    merge(
        &mut poll,
        &json!({
            "id": world.next_id(), "title": call.required("title"), "choices": choices,
            "duration": call.body_value("duration"), "status": "ACTIVE", "started_at": now(),
            "channel_points_voting_enabled": points,
            "channel_points_per_vote": call.body_value("channel_points_per_vote").cloned().unwrap_or(json!(0)),
        }),
    );
    world.insert("polls", poll.clone());
    data(vec![poll])
}

/// `PATCH /polls`: `TERMINATED` ends a running poll, `ARCHIVED` also hides it.
pub(super) fn end_poll(world: &mut World, call: &Call<'_>) -> Answer {
    let status = call.required("status");
    let Some(poll) = find_mut(world, "polls", call) else {
        return call.not_found("The poll in id was not found.");
    };
    if poll["status"] != json!("ACTIVE") && status == "TERMINATED" {
        return Answer::error(400, "The poll is not running.");
    }
    merge(poll, &json!({"status": status, "ended_at": now()}));
    data(vec![poll.clone()])
}

/// `POST /predictions`.
pub(super) fn create_prediction(world: &mut World, call: &Call<'_>) -> Answer {
    let broadcaster = call.required("broadcaster_id");
    if running(world, "predictions", &broadcaster) {
        return Answer::error(
            400,
            "The broadcaster already has a prediction that's running.",
        );
    }
    let template = like("create-prediction", json!({}))["outcomes"][0].clone();
    let outcomes = options(world, call, "outcomes", &template);
    let mut prediction = like(
        "create-prediction",
        world.user_fields("broadcaster", &broadcaster),
    );
    merge(
        &mut prediction,
        &json!({
            "id": world.next_id(), "title": call.required("title"), "outcomes": outcomes,
            "prediction_window": call.body_value("prediction_window"), "status": "ACTIVE",
            "created_at": now(), "winning_outcome_id": null, "ended_at": null, "locked_at": null,
        }),
    );
    world.insert("predictions", prediction.clone());
    data(vec![prediction])
}

/// `PATCH /predictions`: `LOCKED` stops the betting, `RESOLVED` pays a winning outcome,
/// `CANCELED` refunds.
pub(super) fn end_prediction(world: &mut World, call: &Call<'_>) -> Answer {
    let status = call.required("status");
    let winner = call.arg("winning_outcome_id").map(str::to_owned);
    let Some(prediction) = find_mut(world, "predictions", call) else {
        return call.not_found("The prediction in id was not found.");
    };
    let current = str_of(prediction, "status");
    if !matches!(current.as_str(), "ACTIVE" | "LOCKED")
        || (status == "LOCKED" && current == "LOCKED")
    {
        return Answer::error(
            400,
            format!("The prediction is {current}; it cannot become {status}."),
        );
    }
    let at = now();
    if status == "RESOLVED" {
        let outcomes = prediction["outcomes"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let known = winner
            .as_ref()
            .is_some_and(|w| outcomes.iter().any(|o| str_of(o, "id") == *w));
        if !known {
            return Answer::error(
                400,
                "The winning_outcome_id is missing or not one of the prediction's outcomes.",
            );
        }
        prediction["winning_outcome_id"] = json!(winner);
    }
    prediction["status"] = json!(status);
    let stamp = if status == "LOCKED" {
        "locked_at"
    } else {
        "ended_at"
    };
    prediction[stamp] = json!(at);
    data(vec![prediction.clone()])
}

/// The item of `collection` with the call's `id` in the call's channel.
fn find_mut<'w>(world: &'w mut World, collection: &str, call: &Call<'_>) -> Option<&'w mut Value> {
    let (broadcaster, id) = (call.required("broadcaster_id"), call.required("id"));
    world.items_mut(collection).iter_mut().find(|item| {
        text(item, "broadcaster_id").as_deref() == Some(broadcaster.as_str())
            && text(item, "id").as_deref() == Some(id.as_str())
    })
}
