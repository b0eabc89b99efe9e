//! What Twitch really sends, read through the SDK from the stand-in: response shapes seen in the
//! wild (null lists and strings, `""` timestamps, missing fields, keys in another case) decode
//! instead of failing the call, each deviation is logged once per operation and field path, and
//! strict mode (what the other tests use over Twitch's documented examples) refuses them.
//! `data: null` is the empty answer of every shape.

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{Value, json};
use twitch_sdk::Error;
use twitch_sdk::mock::{MockServer, Reply};

/// Everything logged at WARN and above, for the process (one global subscriber).
fn warnings() -> Arc<Mutex<Vec<u8>>> {
    static LOG: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOG.get_or_init(|| {
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = log.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::WARN)
            .with_writer(move || Sink(sink.clone()))
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("one subscriber");
        log
    })
    .clone()
}

struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Lines of the log holding every one of `needles`.
fn logged(needles: &[&str]) -> usize {
    let log = warnings();
    let text = String::from_utf8_lossy(&log.lock().unwrap()).into_owned();
    text.lines()
        .filter(|line| needles.iter().all(|n| line.contains(n)))
        .count()
}

/// Get Streams as seen in the wild: Twitch's example stream, then one with `"tags": null`, a
/// null title, a `""` start and no `game_name`, then one whose `user_login` key is
/// `user_Login`.
fn odd_streams() -> Value {
    let example: Value =
        serde_json::from_str(include_str!("../../spec/examples/get-streams.json")).unwrap();
    let good = example["data"][0].clone();
    let mut nulls = good.clone();
    nulls["id"] = json!("2");
    nulls["tags"] = Value::Null;
    nulls["title"] = Value::Null;
    nulls["started_at"] = json!("");
    nulls.as_object_mut().unwrap().remove("game_name");
    let mut spelled = good.clone();
    spelled["id"] = json!("3");
    let login = spelled
        .as_object_mut()
        .unwrap()
        .remove("user_login")
        .unwrap();
    spelled["user_Login"] = login;
    json!({"data": [good, nulls, spelled], "pagination": {}})
}

#[tokio::test]
async fn real_world_streams_decode_and_each_deviation_is_logged_once() {
    warnings();
    let mock = MockServer::start().await;
    let app = support::app_with(&mock, support::client(&mock).strict_decoding(false)).await;
    mock.on("get-streams")
        .reply(Reply::json(200, odd_streams()));
    for _ in 0..2 {
        let streams = app.get_streams().await.unwrap();
        assert_eq!(streams.len(), 3);
        assert_eq!(streams[0].tags, ["Español"]);
        assert!(streams[1].tags.is_empty());
        assert_eq!(streams[1].title, "");
        assert_eq!(streams[1].game_name, "");
        assert_eq!(streams[1].started_at.to_string(), "1970-01-01T00:00:00Z");
        assert_eq!(streams[2].user_login, "sandysanderman");
    }
    for path in [
        "data[].tags",
        "data[].title",
        "data[].started_at",
        "data[].game_name",
        "data[].user_login",
    ] {
        let path = format!("path=\"{path}\"");
        assert_eq!(
            logged(&["get-streams", &path]),
            1,
            "{path} logged once over two calls"
        );
    }
}

#[tokio::test]
async fn strict_mode_fails_on_the_first_deviation_naming_it() {
    let mock = MockServer::start().await;
    let app = support::app(&mock).await;
    mock.on("get-streams")
        .reply(Reply::json(200, odd_streams()));
    let err = app.get_streams().await.unwrap_err();
    match err {
        Error::Decode { endpoint, path, .. } => {
            assert_eq!(endpoint, "get-streams");
            // The stand-in writes keys in sorted order: `started_at` is the first odd field.
            assert_eq!(path, "data[1].started_at");
        }
        other => panic!("{other:?}"),
    }
}

/// Twitch documents `last_activated_at: ""` for a channel that never used Shield Mode.
#[tokio::test]
async fn shield_mode_never_activated() {
    let mock = MockServer::start().await;
    let (user, _) = support::user(&mock, &["moderator:read:shield_mode"]).await;
    let example: Value = serde_json::from_str(include_str!(
        "../../spec/examples/get-shield-mode-status.json"
    ))
    .unwrap();
    let mut never = example.clone();
    never["data"][0]["last_activated_at"] = json!("");
    never["data"][0]["is_active"] = json!(false);
    mock.on("get-shield-mode-status")
        .once()
        .reply(Reply::json(200, never));
    let status = user.get_shield_mode_status().await.unwrap();
    assert_eq!(status.last_activated_at, None);
    let status = user.get_shield_mode_status().await.unwrap();
    assert!(status.last_activated_at.is_some());
}

/// `data: null`, `data: []` and no `data` are the same empty answer: an empty list or page,
/// `None` for an optional item, and "not found" for a single one. Strict mode agrees.
#[tokio::test]
async fn empty_data_is_the_empty_answer_of_every_shape() {
    let mock = MockServer::start().await;
    let (user, _) = support::user(
        &mock,
        &["moderator:read:shield_mode", "channel:read:charity"],
    )
    .await;
    for body in [json!({"data": null}), json!({"data": []}), json!({})] {
        let _routes = [
            mock.on("get-users").reply(Reply::json(200, body.clone())),
            mock.on("get-streams").reply(Reply::json(200, body.clone())),
            mock.on("get-shield-mode-status")
                .reply(Reply::json(200, body.clone())),
            mock.on("get-charity-campaign")
                .reply(Reply::json(200, body.clone())),
        ];
        assert!(user.get_users().await.unwrap().is_empty(), "{body}");
        assert!(user.get_streams().await.unwrap().is_empty(), "{body}");
        let err = user.get_shield_mode_status().await.unwrap_err();
        assert!(
            matches!(
                err,
                Error::NotFound {
                    endpoint: "get-shield-mode-status",
                    ..
                }
            ),
            "{body}: {err:?}"
        );
        let campaign = user.get_charity_campaign().await.unwrap();
        assert!(campaign.is_none(), "{body}");
        for route in _routes {
            route.remove();
        }
    }
    // An envelope (the whole body is the model) with an empty `data`.
    for data in [Value::Null, json!([])] {
        let route = mock
            .on("get-global-emotes")
            .reply(Reply::json(200, json!({"data": data, "template": "t"})));
        let emotes = user.get_global_emotes().await.unwrap();
        assert!(emotes.data.is_empty(), "{data}");
        route.remove();
    }
}

/// Twitch's own example and schema disagree on the marker link's key (`URL` in the example, which
/// the spec follows, `url` in the schema): either spelling is read, the other one logged.
#[tokio::test]
async fn a_key_in_another_case_is_read_under_its_name() {
    let mock = MockServer::start().await;
    let lenient = support::client(&mock).strict_decoding(false);
    let (access, _) = support::issue(&mock, &["user:read:broadcast"]);
    let user = lenient
        .build()
        .unwrap()
        .user(twitch_sdk::UserToken::new(
            mock.client_id(),
            access.as_str(),
        ))
        .await
        .unwrap();
    let example = include_str!("../../spec/examples/get-stream-markers.json");
    let schema_spelling: Value =
        serde_json::from_str(&example.replace("\"URL\"", "\"url\"")).unwrap();
    mock.on("get-stream-markers")
        .reply(Reply::json(200, schema_spelling.clone()));
    let markers = user.get_stream_markers().await.unwrap();
    let marker = &markers[0].videos[0].markers[0];
    assert!(
        marker.url.starts_with("https://twitch.tv/"),
        "{}",
        marker.url
    );

    // Strict: the difference is an error naming the object that lacks `URL`.
    let strict = support::client(&mock).build().unwrap();
    let user = strict
        .user(twitch_sdk::UserToken::new(
            mock.client_id(),
            access.as_str(),
        ))
        .await
        .unwrap();
    let err = user.get_stream_markers().await.unwrap_err();
    assert!(
        matches!(&err, Error::Decode { path, message, .. }
            if path == "data[0].videos[0].markers[0]" && message.contains("URL")),
        "{err:?}"
    );
}
