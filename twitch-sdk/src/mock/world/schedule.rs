//! Stream schedules: a channel's segments, read as Helix's schedule object and changed one
//! segment at a time.

use serde_json::{Value, json};

use super::seed::template;
use super::{Call, World, merge, now_plus, str_of, text};
use crate::mock::handler::Answer;

/// The segments of `broadcaster_id`, in start order.
fn segments(world: &World, broadcaster_id: &str) -> Vec<Value> {
    let mut list: Vec<Value> = world
        .items("segments")
        .iter()
        .filter(|s| text(s, "broadcaster_id").as_deref() == Some(broadcaster_id))
        .cloned()
        .collect();
    list.sort_by_key(|s| str_of(s, "start_time"));
    list
}

/// A segment as Helix answers it (without the channel it belongs to).
fn public(mut segment: Value) -> Value {
    if let Some(fields) = segment.as_object_mut() {
        fields.remove("broadcaster_id");
    }
    segment
}

/// The schedule object for `segments` of `broadcaster_id`.
fn schedule(world: &World, broadcaster_id: &str, segments: Vec<Value>) -> Value {
    let mut body = world.user_fields("broadcaster", broadcaster_id);
    body["segments"] = Value::Array(segments.into_iter().map(public).collect());
    body["vacation"] = Value::Null;
    body
}

/// `GET /schedule`: `404` when the channel has no segments; `id` picks segments, `first` and
/// `after` (the id of the last segment seen) page them.
pub(super) fn get(world: &mut World, call: &Call<'_>) -> Answer {
    let broadcaster = call.required("broadcaster_id");
    let mut list = segments(world, &broadcaster);
    if list.is_empty() {
        return call.not_found("The broadcaster has not created a streaming schedule.");
    }
    let ids = call.args("id");
    if !ids.is_empty() {
        list.retain(|s| ids.contains(&str_of(s, "id")));
    }
    if let Some(after) = call.arg("after").filter(|a| !a.is_empty()) {
        match list.iter().position(|s| str_of(s, "id") == after) {
            Some(i) => drop(list.drain(..=i)),
            None => {
                return Answer::error(400, "Invalid value for parameter \"after\": unknown cursor");
            }
        }
    }
    let first = call
        .arg("first")
        .and_then(|f| f.parse::<usize>().ok())
        .unwrap_or(20)
        .max(1);
    let more = list.len() > first;
    list.truncate(first);
    let pagination = match (more, list.last()) {
        (true, Some(last)) => json!({"cursor": str_of(last, "id")}),
        _ => json!({}),
    };
    let body = json!({"data": schedule(world, &broadcaster, list), "pagination": pagination});
    Answer::json(200, &body)
}

/// The category object for a body's `category_id`.
fn category(world: &World, id: &str) -> Value {
    let name = world
        .find("games", "id", id)
        .map(|g| str_of(g, "name"))
        .unwrap_or_default();
    json!({"id": id, "name": name})
}

/// `POST /schedule/segment`.
pub(super) fn create_segment(world: &mut World, call: &Call<'_>) -> Answer {
    let broadcaster = call.required("broadcaster_id");
    let start = call.required("start_time");
    let minutes: i64 = call
        .arg("duration")
        .and_then(|d| d.parse().ok())
        .unwrap_or(240);
    let Ok(begin) = twitch_models::Timestamp::parse(&start) else {
        return Answer::error(400, "The start_time is not an RFC 3339 date-time.");
    };
    let end = twitch_models::Timestamp::from(begin.get() + time::Duration::minutes(minutes));
    let id = world.next_id();
    let mut segment = template("get-channel-stream-schedule")["segments"][0].clone();
    merge(
        &mut segment,
        &json!({
            "id": id, "broadcaster_id": broadcaster, "start_time": start, "end_time": end,
            "title": call.arg("title").unwrap_or_default(), "canceled_until": null,
            "is_recurring": call.body_value("is_recurring").cloned().unwrap_or(json!(false)),
            "category": call.arg("category_id").map(|c| category(world, c)),
        }),
    );
    world.insert("segments", segment.clone());
    let body = json!({"data": schedule(world, &broadcaster, vec![segment])});
    Answer::json(200, &body)
}

/// `PATCH /schedule/segment`.
pub(super) fn update_segment(world: &mut World, call: &Call<'_>) -> Answer {
    let broadcaster = call.required("broadcaster_id");
    let category = call.arg("category_id").map(|c| category(world, c));
    let Some(segment) = segment_mut(world, call) else {
        return call.not_found("The segment in id was not found.");
    };
    // A new start or duration moves the end; the length is kept when only the start moves.
    let old_start = twitch_models::Timestamp::parse(&str_of(segment, "start_time"));
    let old_end = twitch_models::Timestamp::parse(&str_of(segment, "end_time"));
    let kept = match (old_start, old_end) {
        (Ok(start), Ok(end)) => (end.get() - start.get()).whole_minutes(),
        _ => 240,
    };
    let minutes = call
        .arg("duration")
        .and_then(|d| d.parse().ok())
        .unwrap_or(kept);
    let start = call
        .arg("start_time")
        .map_or_else(|| str_of(segment, "start_time"), str::to_owned);
    let Some(end) = end_time(&start, minutes) else {
        return Answer::error(400, "The start_time is not an RFC 3339 date-time.");
    };
    segment["start_time"] = json!(start);
    segment["end_time"] = json!(end);
    if let Some(title) = call.arg("title") {
        segment["title"] = json!(title);
    }
    if let Some(category) = category {
        segment["category"] = category;
    }
    if call.body_value("is_canceled") == Some(&json!(true)) {
        segment["canceled_until"] = json!(now_plus(7 * 24 * 3600));
    }
    let segment = segment.clone();
    let body = json!({"data": schedule(world, &broadcaster, vec![segment])});
    Answer::json(200, &body)
}

/// `start` (RFC 3339) plus `minutes`, in RFC 3339; `None` when `start` does not parse.
fn end_time(start: &str, minutes: i64) -> Option<String> {
    let begin = twitch_models::Timestamp::parse(start).ok()?;
    let end = begin.get() + time::Duration::minutes(minutes);
    Some(twitch_models::Timestamp::from(end).to_string())
}

/// `DELETE /schedule/segment`: Helix answers `204` whether or not the segment existed.
pub(super) fn delete_segment(world: &mut World, call: &Call<'_>) -> Answer {
    let (broadcaster, id) = (call.required("broadcaster_id"), call.required("id"));
    world.items_mut("segments").retain(|s| {
        !(text(s, "broadcaster_id").as_deref() == Some(broadcaster.as_str())
            && str_of(s, "id") == id)
    });
    Answer::raw(204, Vec::new())
}

fn segment_mut<'w>(world: &'w mut World, call: &Call<'_>) -> Option<&'w mut Value> {
    let (broadcaster, id) = (call.required("broadcaster_id"), call.required("id"));
    world.items_mut("segments").iter_mut().find(|s| {
        text(s, "broadcaster_id").as_deref() == Some(broadcaster.as_str()) && str_of(s, "id") == id
    })
}
