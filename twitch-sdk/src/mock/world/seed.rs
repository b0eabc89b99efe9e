//! The world every stand-in starts with, and the builders that shape new entities like the
//! spec's example items (so each carries every field its model needs).
//!
//! The seeded world: TwitchDev (`141981764`, the id of Twitch's own examples) and six more
//! users; `1001` streamer_sam and `1005` gamer_gwen are live, `141981764` too, `1006`
//! offline_olly is not. In sam's channel `1002` mod_mia moderates, `1003` viewer_vic is a VIP and
//! subscribes, `1004` spambot_7 is banned, "free followers" is blocked, a poll and a prediction
//! are running, a reward has one unfulfilled redemption, and there are clips, videos and a
//! schedule.

use serde_json::{Value, json};

use super::{World, merge, now_plus};

/// The seeded users: id, login, display name, broadcaster type.
const USERS: &[(&str, &str, &str, &str)] = &[
    ("141981764", "twitchdev", "TwitchDev", "partner"),
    ("1001", "streamer_sam", "Streamer_Sam", "affiliate"),
    ("1002", "mod_mia", "Mod_Mia", ""),
    ("1003", "viewer_vic", "Viewer_Vic", ""),
    ("1004", "spambot_7", "spambot_7", ""),
    ("1005", "gamer_gwen", "Gamer_Gwen", "partner"),
    ("1006", "offline_olly", "Offline_Olly", ""),
];

/// The seeded games: id, name.
const GAMES: &[(&str, &str)] = &[
    ("509658", "Just Chatting"),
    ("509670", "Science & Technology"),
    ("27471", "Minecraft"),
    ("33214", "Fortnite"),
];

/// The first item of an operation's example `data` (an object for object-shaped `data`).
pub(crate) fn template(operation: &str) -> Value {
    let text = crate::generated::EXAMPLES
        .iter()
        .find(|(op, _)| *op == operation)
        .map_or("{}", |(_, text)| *text);
    let example: Value = serde_json::from_str(text).unwrap_or_default();
    match example.get("data") {
        Some(Value::Array(items)) => items.first().cloned().unwrap_or_else(|| json!({})),
        Some(object @ Value::Object(_)) => object.clone(),
        _ => json!({}),
    }
}

/// The example item of `operation` with `fields` written over it.
pub(crate) fn like(operation: &str, fields: Value) -> Value {
    let mut item = template(operation);
    merge(&mut item, &fields);
    item
}

/// The game named by id, as `(game_id, game_name)`; the id stands for the name when unknown.
fn game(world: &World, id: &str) -> (String, String) {
    let name = world
        .find("games", "id", id)
        .and_then(|g| g.get("name")?.as_str().map(str::to_owned))
        .unwrap_or_else(|| id.to_owned());
    (id.to_owned(), name)
}

/// A game (category) with its box art URL.
pub(crate) fn game_item(id: &str, name: &str) -> Value {
    let box_art = format!("https://static-cdn.jtvnw.net/ttv-boxart/{id}-{{width}}x{{height}}.jpg");
    like(
        "get-games",
        json!({"id": id, "name": name, "igdb_id": "", "box_art_url": box_art}),
    )
}

/// Adds a user with its channel (in `game_id`) and default chat settings.
pub(crate) fn add_user(world: &mut World, id: &str, login: &str, display: &str, kind: &str) {
    let user = like(
        "get-users",
        json!({
            "id": id, "login": login, "display_name": display, "broadcaster_type": kind,
            "description": format!("{display} on the stand-in."), "email": format!("{login}@example.invalid"),
            "created_at": "2020-01-01T00:00:00Z", "view_count": 0,
        }),
    );
    world.insert("users", user);
    let mut channel = like(
        "get-channel-information",
        world.user_fields("broadcaster", id),
    );
    merge(
        &mut channel,
        &json!({"game_id": "509658", "game_name": "Just Chatting", "title": format!("{display}'s channel"), "tags": [], "content_classification_labels": []}),
    );
    world.insert("channels", channel);
    let settings = like(
        "get-chat-settings",
        json!({"broadcaster_id": id, "follower_mode": false, "follower_mode_duration": null, "non_moderator_chat_delay": false, "non_moderator_chat_delay_duration": null}),
    );
    world.insert("chat_settings", settings);
}

/// Makes `user_id` live in `game_id` with `title`.
pub(crate) fn go_live(world: &mut World, user_id: &str, game_id: &str, title: &str) {
    let (game_id, game_name) = game(world, game_id);
    let mut stream = like("get-streams", world.user_fields("user", user_id));
    let id = format!("9{user_id}");
    merge(
        &mut stream,
        &json!({
            "id": id, "game_id": game_id, "game_name": game_name, "type": "live", "title": title,
            "tags": [], "viewer_count": 42, "started_at": now_plus(-3600), "language": "en",
        }),
    );
    world.insert("streams", stream);
}

/// `user_id` follows `broadcaster_id`.
pub(crate) fn follow(world: &mut World, user_id: &str, broadcaster_id: &str) {
    let mut item = world.user_fields("user", user_id);
    merge(&mut item, &world.user_fields("broadcaster", broadcaster_id));
    merge(&mut item, &json!({"followed_at": "2024-01-01T12:00:00Z"}));
    world.insert("follows", item);
}

/// `user_id` subscribes to `broadcaster_id` at `tier` (`1000`, `2000`, `3000`).
pub(crate) fn subscribe(world: &mut World, user_id: &str, broadcaster_id: &str, tier: &str) {
    let mut item = like(
        "get-broadcaster-subscriptions",
        world.user_fields("user", user_id),
    );
    merge(&mut item, &world.user_fields("broadcaster", broadcaster_id));
    merge(
        &mut item,
        &json!({"tier": tier, "is_gift": false, "gifter_id": "", "gifter_login": "", "gifter_name": "", "plan_name": "Channel Subscription"}),
    );
    world.insert("subscriptions", item);
}

/// A channel role (`moderators` or `vips`): `user_id` in `broadcaster_id`'s channel.
pub(crate) fn add_role(world: &mut World, collection: &str, broadcaster_id: &str, user_id: &str) {
    let mut item = world.user_fields("user", user_id);
    merge(&mut item, &json!({"broadcaster_id": broadcaster_id}));
    world.insert(collection, item);
}

/// A ban (or a timeout when `expires_at` is given) of `user_id` in `broadcaster_id`'s channel.
pub(crate) fn add_ban(
    world: &mut World,
    broadcaster_id: &str,
    user_id: &str,
    moderator_id: &str,
    reason: &str,
    expires_at: Option<&str>,
) -> Value {
    let mut item = like("get-banned-users", world.user_fields("user", user_id));
    merge(&mut item, &world.user_fields("moderator", moderator_id));
    merge(
        &mut item,
        &json!({"broadcaster_id": broadcaster_id, "reason": reason, "created_at": now_plus(0), "expires_at": expires_at.unwrap_or("")}),
    );
    world.insert("bans", item.clone());
    item
}

/// A blocked term in `broadcaster_id`'s channel; returns it.
pub(crate) fn add_term(
    world: &mut World,
    broadcaster_id: &str,
    moderator_id: &str,
    text: &str,
) -> Value {
    let id = world.next_id();
    let now = now_plus(0);
    let item = like(
        "get-blocked-terms",
        json!({"broadcaster_id": broadcaster_id, "moderator_id": moderator_id, "id": id, "text": text, "created_at": now, "updated_at": now, "expires_at": null}),
    );
    world.insert("blocked_terms", item.clone());
    item
}

/// The seeded world.
pub(super) fn world() -> World {
    let mut world = World::default();
    for &(id, name) in GAMES {
        let item = game_item(id, name);
        world.insert("games", item);
    }
    for &(id, login, display, kind) in USERS {
        add_user(&mut world, id, login, display, kind);
    }
    go_live(
        &mut world,
        "141981764",
        "509670",
        "TwitchDev Monthly Update",
    );
    go_live(&mut world, "1001", "509658", "Chatting with chat");
    go_live(&mut world, "1005", "27471", "Building a castle");
    for (user, broadcaster) in [
        ("1002", "1001"),
        ("1003", "1001"),
        ("1004", "1001"),
        ("1003", "1005"),
        ("1001", "141981764"),
    ] {
        follow(&mut world, user, broadcaster);
    }
    subscribe(&mut world, "1003", "1001", "1000");
    subscribe(&mut world, "1002", "1001", "2000");
    add_role(&mut world, "moderators", "1001", "1002");
    add_role(&mut world, "vips", "1001", "1003");
    add_ban(&mut world, "1001", "1004", "1002", "follow-bot", None);
    add_term(&mut world, "1001", "1002", "free followers");
    seed_channel_extras(&mut world);
    world
}

/// Sam's poll, prediction, reward and redemption, clips, videos and schedule.
fn seed_channel_extras(world: &mut World) {
    let sam = world.user_fields("broadcaster", "1001");
    let mut poll = like("get-polls", sam.clone());
    merge(
        &mut poll,
        &json!({"id": "6d6f636b-0000-4000-8000-0000000000a1", "title": "Which game next?", "status": "ACTIVE", "started_at": now_plus(-60)}),
    );
    world.insert("polls", poll);
    let mut prediction = like("get-predictions", sam.clone());
    merge(
        &mut prediction,
        &json!({"id": "6d6f636b-0000-4000-8000-0000000000b1", "title": "Will we win?", "status": "ACTIVE", "created_at": now_plus(-60)}),
    );
    world.insert("predictions", prediction);
    let mut reward = like("get-custom-reward", sam.clone());
    let reward_id = "6d6f636b-0000-4000-8000-0000000000c1";
    merge(
        &mut reward,
        &json!({"id": reward_id, "title": "Hydrate", "cost": 500, "prompt": "Drink some water"}),
    );
    world.insert("rewards", reward);
    let mut redemption = like("get-custom-reward-redemption", sam.clone());
    merge(&mut redemption, &world.user_fields("user", "1003"));
    merge(
        &mut redemption,
        &json!({"id": "6d6f636b-0000-4000-8000-0000000000d1", "status": "UNFULFILLED", "reward_id": reward_id,
                "reward": {"id": reward_id, "title": "Hydrate", "prompt": "Drink some water", "cost": 500}}),
    );
    world.insert("redemptions", redemption);
    for (id, game, featured) in [
        ("SamClipOne", "509658", true),
        ("SamClipTwo", "27471", false),
    ] {
        let mut clip = like("get-clips", world.user_fields("broadcaster", "1001"));
        merge(&mut clip, &world.user_fields("creator", "1003"));
        merge(
            &mut clip,
            &json!({"id": id, "game_id": game, "is_featured": featured, "title": id, "url": format!("https://clips.twitch.tv/{id}")}),
        );
        world.insert("clips", clip);
    }
    for (id, kind) in [("2001", "archive"), ("2002", "highlight")] {
        let mut video = like("get-videos", world.user_fields("user", "1001"));
        merge(
            &mut video,
            &json!({"id": id, "type": kind, "title": format!("Sam's {kind}"), "url": format!("https://www.twitch.tv/videos/{id}")}),
        );
        world.insert("videos", video);
    }
    for (id, hours) in [("c2FtLXNlZ21lbnQtMQ==", 24), ("c2FtLXNlZ21lbnQtMg==", 48)] {
        let mut segment = template("get-channel-stream-schedule")["segments"][0].clone();
        merge(
            &mut segment,
            &json!({"id": id, "broadcaster_id": "1001", "start_time": now_plus(hours * 3600), "end_time": now_plus(hours * 3600 + 7200),
                    "title": "Chatting", "category": {"id": "509658", "name": "Just Chatting"}}),
        );
        world.insert("segments", segment);
    }
}
