//! The stand-in's world (`twitch_sdk::mock`): reads honour their filters, writes show in later
//! reads, unknown ids get Helix's answer, and the acting-user rules refuse what Twitch refuses.
//!
//! Most cases speak plain HTTP (as a client written in another language would); the first ones
//! go through the SDK. Seeded world: see `twitch-sdk/src/mock/world/seed.rs` (streamer_sam
//! `1001` live with moderator mod_mia `1002`, VIP and subscriber viewer_vic `1003`, banned
//! spambot_7 `1004`; gamer_gwen `1005` live; offline_olly `1006` offline; twitchdev live).

use std::io::ErrorKind;
use std::time::Duration;

use reqwest::{Client, Method};
use serde_json::{Value, json};
use twitch_sdk::mock::{ItemsError, MockServer, Reply};
use twitch_sdk::{Error, UserApi, UserToken};

const HOUR: Duration = Duration::from_secs(3600);
const SAM: &str = "1001";
const MIA: &str = "1002";
const VIC: &str = "1003";

/// A stand-in with user tokens (every scope) for sam, mia and vic, and an app token.
struct World {
    mock: MockServer,
    sam: String,
    mia: String,
    vic: String,
    app: String,
}

fn every_scope(mock: &MockServer) -> Vec<&'static str> {
    let mut scopes: Vec<&'static str> = mock
        .endpoints()
        .iter()
        .flat_map(|e| e.scopes_all_of.iter().chain(e.scopes_any_of))
        .copied()
        .collect();
    scopes.sort_unstable();
    scopes.dedup();
    scopes
}

impl World {
    async fn start() -> World {
        let mock = MockServer::builder()
            .without_rate_limit()
            .start()
            .await
            .unwrap();
        let scopes = every_scope(&mock);
        let token = |id, login| mock.issue_user_token(id, login, &scopes, HOUR).0;
        World {
            sam: token(SAM, "streamer_sam"),
            mia: token(MIA, "mod_mia"),
            vic: token(VIC, "viewer_vic"),
            app: mock.issue_app_token(HOUR),
            mock,
        }
    }

    /// Sends a Helix request as `token`; `(status, JSON body or null)`.
    async fn call(
        &self,
        token: &str,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<Value>,
    ) -> (u16, Value) {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let url = format!("{}{path}", self.mock.helix_url());
        let mut request = Client::new()
            .request(method, url)
            .query(query)
            .header("Client-Id", self.mock.client_id())
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn get(&self, token: &str, path: &str, query: &[(&str, &str)]) -> (u16, Value) {
        self.call(token, Method::GET, path, query, None).await
    }

    /// The `data` of a successful GET.
    async fn data(&self, token: &str, path: &str, query: &[(&str, &str)]) -> Vec<Value> {
        let (status, body) = self.get(token, path, query).await;
        assert_eq!(status, 200, "GET {path} {query:?}: {body}");
        body["data"].as_array().cloned().unwrap_or_default()
    }

    /// The values of `field` in the `data` of a successful GET.
    async fn field(
        &self,
        token: &str,
        path: &str,
        query: &[(&str, &str)],
        field: &str,
    ) -> Vec<String> {
        let items = self.data(token, path, query).await;
        items
            .iter()
            .map(|i| i[field].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    async fn user_api(&self, access: &str) -> UserApi {
        twitch_sdk::Client::builder()
            .helix_url(self.mock.helix_url())
            .oauth_url(self.mock.oauth_url())
            .build()
            .unwrap()
            .user(UserToken::new(self.mock.client_id(), access))
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn the_sdk_sees_filters_honoured() {
    let w = World::start().await;
    let api = w.user_api(&w.vic).await;
    let nobody = api.get_users().user_logins(["nosuchuser"]).await.unwrap();
    assert!(nobody.is_empty(), "{nobody:?}");
    let sam = api.get_users().user_logins(["Streamer_Sam"]).await.unwrap();
    assert_eq!(sam.len(), 1);
    assert_eq!(sam[0].id, SAM);
    let offline = api.get_streams().user_ids(["1006"]).await.unwrap();
    assert!(offline.is_empty(), "offline_olly is not live: {offline:?}");
    let live = api.get_streams().user_ids([SAM, "1006"]).await.unwrap();
    assert_eq!(live.len(), 1);
    assert_eq!(live[0].user_login, "streamer_sam");
    let me = api.get_users().await.unwrap();
    assert_eq!(me[0].login, "viewer_vic", "no filter: the token's user");
}

#[tokio::test]
async fn the_sdk_bans_with_an_end_time_and_reads_the_ban_back() {
    let w = World::start().await;
    let sam = w.user_api(&w.sam).await;
    let ban = sam
        .ban_user(VIC)
        .duration(600)
        .reason("caps")
        .await
        .unwrap();
    let end = ban.end_time.expect("a timeout has an end time");
    let created = ban.created_at.get();
    let length = (end.get() - created).whole_seconds();
    assert_eq!(length, 600);
    let bans = sam.get_banned_users().user_ids([VIC]).await.unwrap();
    assert_eq!(bans.len(), 1);
    assert_eq!(bans[0].expires_at, Some(end));
    assert_eq!(bans[0].reason, "caps");
    sam.unban_user(VIC).await.unwrap();
    assert!(
        sam.get_banned_users()
            .user_ids([VIC])
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn the_sdk_refuses_what_twitch_refuses_before_sending() {
    let w = World::start().await;
    let mia = w.user_api(&w.mia).await;
    w.mock.clear_requests();
    // Only the broadcaster may list a channel's bans.
    let err = mia
        .get_banned_users()
        .broadcaster_id(SAM)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidArgument { name, reason } if name == "broadcaster_id"
            && reason.contains("The ID in broadcaster_id must match the user ID in the access token.")),
        "{err}"
    );
    // A moderator ban names the token's user as moderator; naming someone else is refused.
    let err = mia
        .ban_user(VIC)
        .broadcaster_id(SAM)
        .moderator_id(SAM)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidArgument { name, .. } if name == "moderator_id"),
        "{err}"
    );
    assert!(
        w.mock
            .requests_to("*")
            .iter()
            .all(|r| !r.path.starts_with("/helix"))
    );
    // A moderator of the channel may ban there; a viewer may not (the stand-in knows who moderates).
    mia.ban_user(VIC).broadcaster_id(SAM).await.unwrap();
    let vic = w.user_api(&w.vic).await;
    let err = vic.ban_user("1006").broadcaster_id(SAM).await.unwrap_err();
    assert!(
        matches!(&err, Error::Forbidden { message, .. } if message == "The user in moderator_id is not one of the broadcaster's moderators."),
        "{err}"
    );
}

#[tokio::test]
async fn acting_user_rules_answer_twitch_statuses_on_the_wire() {
    let w = World::start().await;
    let (status, body) = w
        .get(&w.sam, "/moderation/banned", &[("broadcaster_id", MIA)])
        .await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "Unauthorized");
    assert_eq!(
        body["message"],
        "The ID in broadcaster_id must match the user ID in the access token."
    );
    let query = [("broadcaster_id", "1005"), ("moderator_id", MIA)];
    let (status, body) = w.get(&w.mia, "/moderation/blocked_terms", &query).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (
            403,
            Some("The user in moderator_id is not one of the broadcaster's moderators.")
        )
    );
    let query = [("broadcaster_id", SAM), ("moderator_id", MIA)];
    assert_eq!(
        w.get(&w.mia, "/moderation/blocked_terms", &query).await.0,
        200
    );
}

#[tokio::test]
async fn users_channels_and_games_filter() {
    let w = World::start().await;
    let logins = |q: &'static [(&'static str, &'static str)]| w.field(&w.app, "/users", q, "login");
    assert_eq!(
        logins(&[("id", SAM), ("login", "gamer_gwen")]).await,
        ["streamer_sam", "gamer_gwen"]
    );
    assert!(logins(&[("id", "424242")]).await.is_empty());
    let (status, _) = w.get(&w.app, "/users", &[]).await;
    assert_eq!(status, 400, "an app token must name users");
    let names = w
        .field(
            &w.app,
            "/channels",
            &[("broadcaster_id", SAM), ("broadcaster_id", "9")],
            "broadcaster_login",
        )
        .await;
    assert_eq!(names, ["streamer_sam"]);
    assert_eq!(
        w.field(&w.app, "/games", &[("name", "Minecraft")], "id")
            .await,
        ["27471"]
    );
    assert_eq!(
        w.field(&w.app, "/games", &[("id", "33214"), ("id", "1")], "name")
            .await,
        ["Fortnite"]
    );
    assert!(
        w.data(&w.app, "/games", &[("name", "No Such Game")])
            .await
            .is_empty()
    );
    assert_eq!(w.data(&w.app, "/games/top", &[]).await.len(), 4);
}

#[tokio::test]
async fn streams_filter_by_user_login_game_and_type_and_page() {
    let w = World::start().await;
    let live =
        |q: &'static [(&'static str, &'static str)]| w.field(&w.app, "/streams", q, "user_login");
    assert_eq!(live(&[("user_login", "GAMER_GWEN")]).await, ["gamer_gwen"]);
    assert_eq!(live(&[("game_id", "27471")]).await, ["gamer_gwen"]);
    assert_eq!(live(&[("type", "all")]).await.len(), 3);
    assert_eq!(
        live(&[("type", "live"), ("user_id", SAM)]).await,
        ["streamer_sam"]
    );
    assert!(live(&[("user_login", "offline_olly")]).await.is_empty());
    assert!(live(&[("language", "de")]).await.is_empty());
    // Pages of one, forward to the end.
    let (_, first) = w.get(&w.app, "/streams", &[("first", "1")]).await;
    let cursor = first["pagination"]["cursor"].as_str().unwrap().to_owned();
    let (_, second) = w
        .get(&w.app, "/streams", &[("first", "2"), ("after", &cursor)])
        .await;
    assert_eq!(second["data"].as_array().unwrap().len(), 2);
    assert_eq!(second["pagination"]["cursor"], "");
    // Followed streams: vic follows sam and gwen, both live.
    let followed = w
        .field(
            &w.vic,
            "/streams/followed",
            &[("user_id", VIC)],
            "user_login",
        )
        .await;
    assert_eq!(followed, ["streamer_sam", "gamer_gwen"]);
    // A test makes someone live, and the world shows it.
    w.mock.world().go_live("1006", "33214", "Surprise stream");
    assert_eq!(live(&[("game_id", "33214")]).await, ["offline_olly"]);
    w.mock.world().end_stream("1006");
    assert!(live(&[("game_id", "33214")]).await.is_empty());
}

#[tokio::test]
async fn follows_and_subscriptions_filter_and_count() {
    let w = World::start().await;
    let (_, body) = w
        .get(&w.sam, "/channels/followers", &[("broadcaster_id", SAM)])
        .await;
    assert_eq!(body["total"], 3);
    assert_eq!(body["data"].as_array().unwrap().len(), 3);
    assert!(
        body["data"][0].get("broadcaster_id").is_none(),
        "only the example's fields: {body}"
    );
    let one = w
        .field(
            &w.sam,
            "/channels/followers",
            &[("broadcaster_id", SAM), ("user_id", VIC)],
            "user_login",
        )
        .await;
    assert_eq!(one, ["viewer_vic"]);
    let followed = w
        .field(
            &w.vic,
            "/channels/followed",
            &[("user_id", VIC)],
            "broadcaster_login",
        )
        .await;
    assert_eq!(followed, ["streamer_sam", "gamer_gwen"]);
    let subs = w
        .field(
            &w.sam,
            "/subscriptions",
            &[("broadcaster_id", SAM)],
            "user_id",
        )
        .await;
    assert_eq!(subs, [VIC, MIA]);
    let tier = w
        .field(
            &w.sam,
            "/subscriptions",
            &[("broadcaster_id", SAM), ("user_id", MIA)],
            "tier",
        )
        .await;
    assert_eq!(tier, ["2000"]);
    let check = [("broadcaster_id", SAM), ("user_id", VIC)];
    assert_eq!(
        w.field(&w.vic, "/subscriptions/user", &check, "tier").await,
        ["1000"]
    );
    let (status, body) = w
        .get(
            &w.vic,
            "/subscriptions/user",
            &[("broadcaster_id", "1005"), ("user_id", VIC)],
        )
        .await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"], "Not Found");
}

#[tokio::test]
async fn bans_write_then_read() {
    let w = World::start().await;
    let q = [("broadcaster_id", SAM), ("moderator_id", MIA)];
    let ban = |user: &str, duration: Option<u32>| {
        let mut data = json!({"user_id": user, "reason": "test"});
        if let Some(d) = duration {
            data["duration"] = json!(d);
        }
        w.call(
            &w.mia,
            Method::POST,
            "/moderation/bans",
            &q,
            Some(json!({"data": data})),
        )
    };
    let (status, body) = ban(VIC, Some(60)).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["data"][0]["end_time"].is_string(), "{body}");
    let listed = w
        .data(
            &w.sam,
            "/moderation/banned",
            &[("broadcaster_id", SAM), ("user_id", VIC)],
        )
        .await;
    assert_eq!(listed[0]["expires_at"], body["data"][0]["end_time"]);
    assert_eq!(listed[0]["moderator_login"], "mod_mia");
    // A permanent ban replaces the timeout; a second one is refused as Twitch refuses it.
    let (status, body) = ban(VIC, None).await;
    assert_eq!(
        (status, body["data"][0]["end_time"].clone()),
        (200, Value::Null)
    );
    let (status, body) = ban(VIC, None).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (
            400,
            Some("The user specified in the user_id field is already banned.")
        )
    );
    assert_eq!(ban(MIA, None).await.0, 400, "a moderator cannot be banned");
    assert_eq!(ban("999999", None).await.0, 400, "unknown user");
    let all = w
        .field(
            &w.sam,
            "/moderation/banned",
            &[("broadcaster_id", SAM)],
            "user_id",
        )
        .await;
    assert_eq!(all, ["1004", VIC]);
    let unban = [
        ("broadcaster_id", SAM),
        ("moderator_id", MIA),
        ("user_id", VIC),
    ];
    assert_eq!(
        w.call(&w.mia, Method::DELETE, "/moderation/bans", &unban, None)
            .await
            .0,
        204
    );
    assert_eq!(
        w.call(&w.mia, Method::DELETE, "/moderation/bans", &unban, None)
            .await
            .0,
        400
    );
    let all = w
        .field(
            &w.sam,
            "/moderation/banned",
            &[("broadcaster_id", SAM)],
            "user_id",
        )
        .await;
    assert_eq!(all, ["1004"]);
}

#[tokio::test]
async fn moderators_and_vips_write_then_read() {
    let w = World::start().await;
    let q = |user: &'static str| [("broadcaster_id", SAM), ("user_id", user)];
    let mods = || {
        w.field(
            &w.sam,
            "/moderation/moderators",
            &[("broadcaster_id", SAM)],
            "user_id",
        )
    };
    let vips = || {
        w.field(
            &w.sam,
            "/channels/vips",
            &[("broadcaster_id", SAM)],
            "user_id",
        )
    };
    assert_eq!(mods().await, [MIA]);
    assert_eq!(vips().await, [VIC]);
    // A VIP must stop being one before becoming a moderator.
    let (status, _) = w
        .call(
            &w.sam,
            Method::POST,
            "/moderation/moderators",
            &q(VIC),
            None,
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(
        w.call(&w.sam, Method::DELETE, "/channels/vips", &q(VIC), None)
            .await
            .0,
        204
    );
    assert_eq!(
        w.call(&w.sam, Method::DELETE, "/channels/vips", &q(VIC), None)
            .await
            .0,
        422
    );
    assert!(vips().await.is_empty());
    assert_eq!(
        w.call(
            &w.sam,
            Method::POST,
            "/moderation/moderators",
            &q(VIC),
            None
        )
        .await
        .0,
        204
    );
    assert_eq!(
        w.call(
            &w.sam,
            Method::POST,
            "/moderation/moderators",
            &q(VIC),
            None
        )
        .await
        .0,
        400
    );
    assert_eq!(mods().await, [MIA, VIC]);
    let filtered = w
        .field(
            &w.sam,
            "/moderation/moderators",
            &[("broadcaster_id", SAM), ("user_id", VIC)],
            "user_login",
        )
        .await;
    assert_eq!(filtered, ["viewer_vic"]);
    let moderated = w
        .field(
            &w.vic,
            "/moderation/channels",
            &[("user_id", VIC)],
            "broadcaster_login",
        )
        .await;
    assert_eq!(moderated, ["streamer_sam"]);
    assert_eq!(
        w.call(
            &w.sam,
            Method::DELETE,
            "/moderation/moderators",
            &q(VIC),
            None
        )
        .await
        .0,
        204
    );
    assert_eq!(
        w.call(
            &w.sam,
            Method::DELETE,
            "/moderation/moderators",
            &q(VIC),
            None
        )
        .await
        .0,
        400
    );
    assert_eq!(mods().await, [MIA]);
    assert_eq!(
        w.call(&w.sam, Method::POST, "/channels/vips", &q("1006"), None)
            .await
            .0,
        204
    );
    assert_eq!(
        w.call(&w.sam, Method::POST, "/channels/vips", &q(MIA), None)
            .await
            .0,
        422,
        "a moderator"
    );
    assert_eq!(vips().await, ["1006"]);
    // Only the broadcaster changes roles.
    assert_eq!(
        w.call(&w.mia, Method::POST, "/channels/vips", &q("1005"), None)
            .await
            .0,
        401
    );
}

#[tokio::test]
async fn blocked_terms_and_chat_settings_write_then_read() {
    let w = World::start().await;
    let q = [("broadcaster_id", SAM), ("moderator_id", MIA)];
    let terms = || w.field(&w.mia, "/moderation/blocked_terms", &q, "text");
    assert_eq!(terms().await, ["free followers"]);
    let add = |text: &'static str| {
        w.call(
            &w.mia,
            Method::POST,
            "/moderation/blocked_terms",
            &q,
            Some(json!({"text": text})),
        )
    };
    let (status, body) = add("buy views").await;
    assert_eq!(status, 200);
    let id = body["data"][0]["id"].as_str().unwrap().to_owned();
    let (_, again) = add("BUY VIEWS").await;
    assert_eq!(
        again["data"][0]["id"],
        id.as_str(),
        "an existing term comes back"
    );
    assert_eq!(terms().await, ["free followers", "buy views"]);
    let remove = [
        ("broadcaster_id", SAM),
        ("moderator_id", MIA),
        ("id", id.as_str()),
    ];
    assert_eq!(
        w.call(
            &w.mia,
            Method::DELETE,
            "/moderation/blocked_terms",
            &remove,
            None
        )
        .await
        .0,
        204
    );
    assert_eq!(terms().await, ["free followers"]);

    let change = json!({"slow_mode": true, "slow_mode_wait_time": 30, "emote_mode": true});
    let (status, body) = w
        .call(&w.mia, Method::PATCH, "/chat/settings", &q, Some(change))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"][0]["slow_mode_wait_time"], 30);
    let settings = w
        .data(&w.vic, "/chat/settings", &[("broadcaster_id", SAM)])
        .await;
    assert_eq!(
        (
            settings[0]["slow_mode"].clone(),
            settings[0]["emote_mode"].clone()
        ),
        (json!(true), json!(true))
    );
    let other = w
        .data(&w.vic, "/chat/settings", &[("broadcaster_id", "1005")])
        .await;
    assert_eq!(other[0]["slow_mode"], false, "another channel is untouched");
}

#[tokio::test]
async fn channel_and_user_updates_show_in_reads() {
    let w = World::start().await;
    let q = [("broadcaster_id", SAM)];
    let change = json!({"title": "New title", "game_id": "27471"});
    assert_eq!(
        w.call(&w.sam, Method::PATCH, "/channels", &q, Some(change))
            .await
            .0,
        204
    );
    let channel = w.data(&w.app, "/channels", &q).await;
    assert_eq!(
        (
            channel[0]["title"].as_str(),
            channel[0]["game_name"].as_str()
        ),
        (Some("New title"), Some("Minecraft"))
    );
    let stream = w.data(&w.app, "/streams", &[("user_id", SAM)]).await;
    assert_eq!(
        stream[0]["title"], "New title",
        "the live stream shows it too"
    );
    let bad = json!({"game_id": "123456789"});
    assert_eq!(
        w.call(&w.sam, Method::PATCH, "/channels", &q, Some(bad))
            .await
            .0,
        400
    );
    assert_eq!(
        w.call(
            &w.mia,
            Method::PATCH,
            "/channels",
            &q,
            Some(json!({"title": "x"}))
        )
        .await
        .0,
        401
    );
    let (status, body) = w
        .call(
            &w.vic,
            Method::PUT,
            "/users",
            &[("description", "hello")],
            None,
        )
        .await;
    assert_eq!(
        (status, body["data"][0]["description"].as_str()),
        (200, Some("hello"))
    );
    assert_eq!(
        w.field(&w.app, "/users", &[("id", VIC)], "description")
            .await,
        ["hello"]
    );
}

#[tokio::test]
async fn polls_and_predictions_run_their_lifecycles() {
    let w = World::start().await;
    let q = [("broadcaster_id", SAM)];
    let poll = json!({"broadcaster_id": SAM, "title": "Pizza?", "choices": [{"title": "Yes"}, {"title": "No"}], "duration": 60});
    let (status, _) = w
        .call(&w.sam, Method::POST, "/polls", &[], Some(poll.clone()))
        .await;
    assert_eq!(status, 400, "one poll at a time");
    let seeded = w.field(&w.sam, "/polls", &q, "id").await;
    let end = |id: &str, status: &str| json!({"broadcaster_id": SAM, "id": id, "status": status});
    let (status, body) = w
        .call(
            &w.sam,
            Method::PATCH,
            "/polls",
            &[],
            Some(end(&seeded[0], "TERMINATED")),
        )
        .await;
    assert_eq!(
        (status, body["data"][0]["status"].as_str()),
        (200, Some("TERMINATED"))
    );
    let (status, body) = w
        .call(&w.sam, Method::POST, "/polls", &[], Some(poll))
        .await;
    assert_eq!(status, 200, "{body}");
    let id = body["data"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(body["data"][0]["choices"].as_array().unwrap().len(), 2);
    let read = w
        .field(
            &w.sam,
            "/polls",
            &[("broadcaster_id", SAM), ("id", &id)],
            "status",
        )
        .await;
    assert_eq!(read, ["ACTIVE"]);
    let (status, body) = w
        .get(
            &w.sam,
            "/polls",
            &[("broadcaster_id", SAM), ("id", "no-such-poll")],
        )
        .await;
    assert_eq!(status, 404, "{body}");

    let (_, body) = w.get(&w.sam, "/predictions", &q).await;
    let prediction = body["data"][0].clone();
    let pid = prediction["id"].as_str().unwrap();
    let winner = prediction["outcomes"][0]["id"].as_str().unwrap();
    let end = |status: &str, winner: Option<&str>| json!({"broadcaster_id": SAM, "id": pid, "status": status, "winning_outcome_id": winner});
    let (status, body) = w
        .call(
            &w.sam,
            Method::PATCH,
            "/predictions",
            &[],
            Some(end("LOCKED", None)),
        )
        .await;
    assert_eq!(
        (status, body["data"][0]["status"].as_str()),
        (200, Some("LOCKED"))
    );
    assert_eq!(
        w.call(
            &w.sam,
            Method::PATCH,
            "/predictions",
            &[],
            Some(end("RESOLVED", Some("nope")))
        )
        .await
        .0,
        400
    );
    let (status, body) = w
        .call(
            &w.sam,
            Method::PATCH,
            "/predictions",
            &[],
            Some(end("RESOLVED", Some(winner))),
        )
        .await;
    assert_eq!(
        (status, body["data"][0]["winning_outcome_id"].as_str()),
        (200, Some(winner))
    );
    let read = w
        .field(
            &w.sam,
            "/predictions",
            &[("broadcaster_id", SAM), ("id", pid)],
            "status",
        )
        .await;
    assert_eq!(read, ["RESOLVED"]);
    let unknown = json!({"broadcaster_id": SAM, "id": "nope", "status": "CANCELED"});
    assert_eq!(
        w.call(&w.sam, Method::PATCH, "/predictions", &[], Some(unknown))
            .await
            .0,
        404
    );
}

#[tokio::test]
async fn rewards_and_redemptions_write_then_read() {
    let w = World::start().await;
    let q = [("broadcaster_id", SAM)];
    let create = json!({"title": "Stretch", "cost": 100, "is_global_cooldown_enabled": true, "global_cooldown_seconds": 60});
    let (status, body) = w
        .call(
            &w.sam,
            Method::POST,
            "/channel_points/custom_rewards",
            &q,
            Some(create.clone()),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["data"][0]["global_cooldown_setting"],
        json!({"is_enabled": true, "global_cooldown_seconds": 60})
    );
    let id = body["data"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        w.call(
            &w.sam,
            Method::POST,
            "/channel_points/custom_rewards",
            &q,
            Some(create)
        )
        .await
        .0,
        400,
        "duplicate title"
    );
    let by_id = [("broadcaster_id", SAM), ("id", id.as_str())];
    let change = json!({"cost": 250, "is_paused": true});
    assert_eq!(
        w.call(
            &w.sam,
            Method::PATCH,
            "/channel_points/custom_rewards",
            &by_id,
            Some(change)
        )
        .await
        .0,
        200
    );
    let reward = w
        .data(&w.sam, "/channel_points/custom_rewards", &by_id)
        .await;
    assert_eq!(
        (reward[0]["cost"].clone(), reward[0]["is_paused"].clone()),
        (json!(250), json!(true))
    );
    assert_eq!(
        w.field(&w.sam, "/channel_points/custom_rewards", &q, "title")
            .await,
        ["Hydrate", "Stretch"]
    );
    assert_eq!(
        w.call(
            &w.sam,
            Method::DELETE,
            "/channel_points/custom_rewards",
            &by_id,
            None
        )
        .await
        .0,
        204
    );
    assert_eq!(
        w.get(&w.sam, "/channel_points/custom_rewards", &by_id)
            .await
            .0,
        404
    );
    assert_eq!(
        w.call(
            &w.sam,
            Method::DELETE,
            "/channel_points/custom_rewards",
            &by_id,
            None
        )
        .await
        .0,
        404
    );

    let hydrate = w
        .field(&w.sam, "/channel_points/custom_rewards", &q, "id")
        .await[0]
        .clone();
    let open = redemptions(&w, &hydrate, "UNFULFILLED").await;
    assert_eq!(open.len(), 1);
    assert!(redemptions(&w, &hydrate, "FULFILLED").await.is_empty());
    let update = [
        ("broadcaster_id", SAM),
        ("reward_id", hydrate.as_str()),
        ("id", open[0].as_str()),
    ];
    let body = json!({"status": "FULFILLED"});
    let (status, answer) = w
        .call(
            &w.sam,
            Method::PATCH,
            "/channel_points/custom_rewards/redemptions",
            &update,
            Some(body.clone()),
        )
        .await;
    assert_eq!(
        (status, answer["data"][0]["status"].as_str()),
        (200, Some("FULFILLED"))
    );
    assert_eq!(redemptions(&w, &hydrate, "FULFILLED").await, open);
    assert!(redemptions(&w, &hydrate, "UNFULFILLED").await.is_empty());
    let (status, _) = w
        .call(
            &w.sam,
            Method::PATCH,
            "/channel_points/custom_rewards/redemptions",
            &update,
            Some(body),
        )
        .await;
    assert_eq!(status, 404, "no unfulfilled redemption left");
}

/// The ids of `reward`'s redemptions in sam's channel with `status`.
async fn redemptions(w: &World, reward: &str, status: &str) -> Vec<String> {
    let query = [
        ("broadcaster_id", SAM),
        ("reward_id", reward),
        ("status", status),
    ];
    w.field(
        &w.sam,
        "/channel_points/custom_rewards/redemptions",
        &query,
        "id",
    )
    .await
}

#[tokio::test]
async fn clips_videos_and_schedules() {
    let w = World::start().await;
    let clips = |q: &'static [(&'static str, &'static str)]| w.field(&w.app, "/clips", q, "id");
    assert_eq!(
        clips(&[("broadcaster_id", SAM)]).await,
        ["SamClipOne", "SamClipTwo"]
    );
    assert_eq!(clips(&[("game_id", "27471")]).await, ["SamClipTwo"]);
    assert_eq!(
        clips(&[("broadcaster_id", SAM), ("is_featured", "true")]).await,
        ["SamClipOne"]
    );
    assert!(clips(&[("id", "NoSuchClip")]).await.is_empty());
    let (status, body) = w
        .call(
            &w.vic,
            Method::POST,
            "/clips",
            &[("broadcaster_id", SAM)],
            None,
        )
        .await;
    assert_eq!(status, 202, "{body}");
    let id = body["data"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        w.field(&w.app, "/clips", &[("id", &id)], "creator_name")
            .await,
        ["Viewer_Vic"]
    );
    assert_eq!(
        w.call(
            &w.vic,
            Method::POST,
            "/clips",
            &[("broadcaster_id", "1006")],
            None
        )
        .await
        .0,
        404,
        "offline"
    );

    assert_eq!(
        w.field(
            &w.app,
            "/videos",
            &[("user_id", SAM), ("type", "highlight")],
            "id"
        )
        .await,
        ["2002"]
    );
    assert_eq!(
        w.field(
            &w.app,
            "/videos",
            &[("user_id", SAM), ("type", "all")],
            "id"
        )
        .await
        .len(),
        2
    );
    assert_eq!(w.get(&w.app, "/videos", &[("id", "31337")]).await.0, 404);
    assert!(
        w.data(&w.app, "/videos", &[("user_id", "1006")])
            .await
            .is_empty()
    );

    let (_, body) = w
        .get(
            &w.app,
            "/schedule",
            &[("broadcaster_id", SAM), ("first", "1")],
        )
        .await;
    assert_eq!(body["data"]["segments"].as_array().unwrap().len(), 1);
    assert_eq!(body["data"]["broadcaster_login"], "streamer_sam");
    let cursor = body["pagination"]["cursor"].as_str().unwrap().to_owned();
    let (_, next) = w
        .get(
            &w.app,
            "/schedule",
            &[("broadcaster_id", SAM), ("after", &cursor)],
        )
        .await;
    assert_eq!(next["data"]["segments"].as_array().unwrap().len(), 1);
    assert_eq!(next["pagination"], json!({}));
    let olly = [("broadcaster_id", "1006")];
    assert_eq!(w.get(&w.app, "/schedule", &olly).await.0, 404);
    let olly_token = w
        .mock
        .issue_user_token("1006", "offline_olly", &every_scope(&w.mock), HOUR)
        .0;
    let segment = json!({"start_time": "2030-01-01T18:00:00Z", "timezone": "UTC", "duration": "90", "title": "Comeback", "category_id": "27471"});
    let (status, body) = w
        .call(
            &olly_token,
            Method::POST,
            "/schedule/segment",
            &olly,
            Some(segment),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let seg = body["data"]["segments"][0].clone();
    assert_eq!(
        (seg["end_time"].as_str(), seg["category"]["name"].as_str()),
        (Some("2030-01-01T19:30:00Z"), Some("Minecraft"))
    );
    let by_id = [
        ("broadcaster_id", "1006"),
        ("id", seg["id"].as_str().unwrap()),
    ];
    let (status, _) = w
        .call(
            &olly_token,
            Method::PATCH,
            "/schedule/segment",
            &by_id,
            Some(json!({"title": "Renamed"})),
        )
        .await;
    assert_eq!(status, 200);
    let (_, read) = w.get(&w.app, "/schedule", &olly).await;
    assert_eq!(read["data"]["segments"][0]["title"], "Renamed");
    let moved = json!({"start_time": "2030-01-02T18:00:00Z", "duration": "60"});
    w.call(
        &olly_token,
        Method::PATCH,
        "/schedule/segment",
        &by_id,
        Some(moved),
    )
    .await;
    let (_, read) = w.get(&w.app, "/schedule", &olly).await;
    assert_eq!(
        read["data"]["segments"][0]["end_time"],
        "2030-01-02T19:00:00Z"
    );
    assert_eq!(
        w.call(
            &olly_token,
            Method::DELETE,
            "/schedule/segment",
            &by_id,
            None
        )
        .await
        .0,
        204
    );
    assert_eq!(w.get(&w.app, "/schedule", &olly).await.0, 404);
}

#[tokio::test]
async fn tests_add_their_own_entities() {
    let w = World::start().await;
    w.mock
        .world()
        .add_user("42", "new_streamer")
        .add_game("1234", "Chess Variants")
        .go_live("42", "1234", "Opening")
        .follow(VIC, "42")
        .subscribe(VIC, "42", "3000")
        .add_moderator("42", MIA)
        .ban("42", "1004", "bot")
        .block_term("42", "spoilers")
        .insert("videos", json!({"id": "777", "user_id": "42", "user_login": "new_streamer", "type": "upload", "title": "Raw"}));
    assert_eq!(
        w.field(&w.app, "/users", &[("login", "new_streamer")], "id")
            .await,
        ["42"]
    );
    assert_eq!(
        w.field(&w.app, "/streams", &[("game_id", "1234")], "game_name")
            .await,
        ["Chess Variants"]
    );
    assert_eq!(
        w.field(&w.vic, "/streams/followed", &[("user_id", VIC)], "user_id")
            .await
            .len(),
        3
    );
    let new_token = w
        .mock
        .issue_user_token("42", "new_streamer", &every_scope(&w.mock), HOUR)
        .0;
    assert_eq!(
        w.field(
            &new_token,
            "/subscriptions",
            &[("broadcaster_id", "42")],
            "tier"
        )
        .await,
        ["3000"]
    );
    assert_eq!(
        w.field(
            &new_token,
            "/moderation/banned",
            &[("broadcaster_id", "42")],
            "user_id"
        )
        .await,
        ["1004"]
    );
    let terms = [("broadcaster_id", "42"), ("moderator_id", MIA)];
    assert_eq!(
        w.field(&w.mia, "/moderation/blocked_terms", &terms, "text")
            .await,
        ["spoilers"]
    );
    assert_eq!(
        w.field(&w.app, "/videos", &[("user_id", "42")], "title")
            .await,
        ["Raw"]
    );
    assert_eq!(w.mock.world().items("users").len(), 8);
    w.mock.world().clear("streams");
    assert!(w.data(&w.app, "/streams", &[]).await.is_empty());
}

#[tokio::test]
async fn examples_only_mode_serves_the_documented_payloads() {
    let mock = MockServer::builder().examples_only().start().await.unwrap();
    let app = mock.issue_app_token(HOUR);
    let w = World {
        sam: String::new(),
        mia: String::new(),
        vic: String::new(),
        app,
        mock,
    };
    let logins = w
        .field(&w.app, "/users", &[("login", "nosuchuser")], "login")
        .await;
    assert_eq!(
        logins,
        ["twitchdev"],
        "Twitch's example, whatever was asked"
    );
}

#[tokio::test]
async fn set_items_refuses_operations_without_items() {
    let mock = MockServer::start().await;
    assert_eq!(
        mock.set_items("get-users", vec![]),
        Err(ItemsError::NotPaginated("get-users".into()))
    );
    assert_eq!(
        mock.set_items("get-userz", vec![]),
        Err(ItemsError::UnknownOperation("get-userz".into()))
    );
    let err = mock.set_items("ban-user", vec![]).unwrap_err();
    assert!(err.to_string().contains("not paginated"), "{err}");
    assert_eq!(
        mock.set_items("get-clips", vec![json!({"id": "x"})]),
        Ok(())
    );
    let err = MockServer::builder()
        .items("get-channel-information", vec![])
        .start()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("get-channel-information"), "{err}");
}

#[tokio::test]
async fn overrides_can_match_one_query_value() {
    let w = World::start().await;
    let busy = w
        .mock
        .on("get-users?login=nosuchuser")
        .reply(Reply::error(503, "busy"));
    assert_eq!(
        w.get(&w.app, "/users", &[("login", "nosuchuser")]).await.0,
        503
    );
    assert_eq!(
        w.get(&w.app, "/users", &[("login", "viewer_vic")]).await.0,
        200
    );
    assert_eq!(
        w.get(
            &w.app,
            "/users",
            &[("login", "viewer_vic"), ("login", "nosuchuser")]
        )
        .await
        .0,
        503
    );
    assert_eq!(busy.hits(), 2);
    assert_eq!(w.mock.requests_to("get-users?login=viewer_vic").len(), 2);
}
