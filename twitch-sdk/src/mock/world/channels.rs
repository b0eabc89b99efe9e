//! Users, channels and clips: the token holder's user lookup, profile and channel updates, and
//! clipping a live stream.

use serde_json::{Value, json};

use super::seed::like;
use super::{Call, World, data, merge, now, str_of, text};
use crate::mock::handler::Answer;

/// `GET /users`: the users named by `id` and `login`; with neither, the token's user (an app
/// token must name someone).
pub(super) fn get_users(world: &mut World, call: &Call<'_>) -> Answer {
    let ids = call.args("id");
    let logins = call.args("login");
    let wanted = |user: &&Value| {
        let id = str_of(user, "id");
        let login = str_of(user, "login");
        ids.contains(&id) || logins.iter().any(|l| l.eq_ignore_ascii_case(&login))
    };
    let users: Vec<Value> = match (ids.is_empty() && logins.is_empty(), call.user) {
        (true, Some(me)) => world.user(me).into_iter().cloned().collect(),
        (true, None) => {
            return Answer::error(
                400,
                "The id or login query parameter is required with an app access token.",
            );
        }
        (false, _) => world
            .items("users")
            .iter()
            .filter(wanted)
            .cloned()
            .collect(),
    };
    data(users)
}

/// `PATCH /channels`: the body's fields change the channel; a `game_id` brings its name.
pub(super) fn modify(world: &mut World, call: &Call<'_>) -> Answer {
    let broadcaster = call.required("broadcaster_id");
    let mut changes = call.body.cloned().unwrap_or_else(|| json!({}));
    if let Some(game_id) = changes
        .get("game_id")
        .and_then(Value::as_str)
        .map(str::to_owned)
    {
        let name = match (game_id.as_str(), world.find("games", "id", &game_id)) {
            ("" | "0", _) => String::new(),
            (_, Some(game)) => str_of(game, "name"),
            (_, None) => return Answer::error(400, "The ID in game_id is not valid."),
        };
        changes["game_id"] = json!(if game_id == "0" { "" } else { game_id.as_str() });
        changes["game_name"] = json!(name);
    }
    let Some(channel) = world
        .items_mut("channels")
        .iter_mut()
        .find(|c| text(c, "broadcaster_id").as_deref() == Some(broadcaster.as_str()))
    else {
        return Answer::error(400, "The ID in broadcaster_id was not found.");
    };
    merge(channel, &changes);
    // A live stream shows the new title and category at once.
    let (title, game_id, game_name) = (
        channel["title"].clone(),
        channel["game_id"].clone(),
        channel["game_name"].clone(),
    );
    for stream in world.items_mut("streams") {
        if text(stream, "user_id").as_deref() == Some(broadcaster.as_str()) {
            merge(
                stream,
                &json!({"title": title, "game_id": game_id, "game_name": game_name}),
            );
        }
    }
    Answer::raw(204, Vec::new())
}

/// `PUT /users`: the token holder's description.
pub(super) fn update_user(world: &mut World, call: &Call<'_>) -> Answer {
    let Some(me) = call.user else {
        return Answer::error(401, "A user access token is required.");
    };
    let Some(user) = world
        .items_mut("users")
        .iter_mut()
        .find(|u| str_of(u, "id") == me)
    else {
        return Answer::error(400, "The token's user was not found.");
    };
    if let Some(description) = call.arg("description") {
        user["description"] = json!(description);
    }
    data(vec![user.clone()])
}

/// `POST /clips`: a clip of a live broadcaster, listed by `GET /clips` at once (Helix takes a
/// few seconds; the stand-in does not make tests wait).
pub(super) fn create_clip(world: &mut World, call: &Call<'_>) -> Answer {
    let broadcaster = call.required("broadcaster_id");
    let Some(stream) = world.find("streams", "user_id", &broadcaster).cloned() else {
        return call.not_found("The broadcaster in broadcaster_id is not live.");
    };
    let id = format!("MockClip{}", world.next_id().replace('-', ""));
    let mut clip = like("get-clips", world.user_fields("broadcaster", &broadcaster));
    merge(
        &mut clip,
        &world.user_fields("creator", call.user.unwrap_or_default()),
    );
    let title = call
        .arg("title")
        .map_or_else(|| str_of(&stream, "title"), str::to_owned);
    merge(
        &mut clip,
        &json!({
            "id": id, "url": format!("https://clips.twitch.tv/{id}"),
            "embed_url": format!("https://clips.twitch.tv/embed?clip={id}"),
            "game_id": stream["game_id"], "title": title, "created_at": now(),
            "video_id": "", "view_count": 0, "is_featured": false,
        }),
    );
    world.insert("clips", clip);
    let edit_url = format!(
        "https://www.twitch.tv/{}/clip/{id}",
        str_of(&stream, "user_login")
    );
    Answer::json(202, &json!({"data": [{"id": id, "edit_url": edit_url}]}))
}
