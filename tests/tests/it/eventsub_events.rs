//! Every documented EventSub notification decodes into its typed event and encodes back with
//! nothing dropped (the rules of `models_roundtrip`, in `support/json.rs`); unknown types and
//! versions, extra fields and missing optional fields decode too.
//!
//! The examples are `spec/examples/eventsub/<type>.v<version>[.<n>].json`; which event fields are
//! optional comes from the resolved EventSub spec (`twitch_codegen::events`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use twitch_codegen::events::{load, resolve};
use twitch_sdk::eventsub::{Event, Notification};
use twitch_sdk::models::Timestamp;

#[path = "../support/json.rs"]
mod json;

fn spec_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec")
}

/// `(file name, JSON)` of every notification example.
fn notification_examples() -> Vec<(String, Value)> {
    let dir = spec_dir().join("examples/eventsub");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.ends_with(".json") && !name.ends_with(".request.json") {
            let text = std::fs::read_to_string(dir.join(&name)).unwrap();
            out.push((name, serde_json::from_str(&text).unwrap()));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn at() -> Timestamp {
    Timestamp::parse("2026-02-27T10:11:12Z").unwrap()
}

fn decode(value: &Value) -> Result<Notification, String> {
    Notification::from_payload("m", at(), &serde_json::to_vec(value).unwrap())
        .map_err(|e| e.to_string())
}

#[test]
fn every_example_decodes_typed_and_round_trips() {
    let examples = notification_examples();
    assert!(
        examples.len() >= 83,
        "only {} notification examples",
        examples.len()
    );
    let mut failures = Vec::new();
    let mut types = std::collections::BTreeSet::new();
    for (name, example) in &examples {
        let n = match decode(example) {
            Ok(n) => n,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        if let Event::Unknown { .. } = n.event {
            failures.push(format!("{name}: decoded as Event::Unknown"));
            continue;
        }
        let sub = &example["subscription"];
        assert_eq!(
            n.event.subscription_type(),
            (
                sub["type"].as_str().unwrap(),
                sub["version"].as_str().unwrap()
            ),
            "{name}"
        );
        types
            .insert(n.event.subscription_type().0.to_owned() + "/" + n.event.subscription_type().1);
        let key = if example.get("events").is_some() {
            "events"
        } else {
            "event"
        };
        let mut problems = Vec::new();
        json::compare(
            &format!("$.{key}"),
            &example[key],
            &n.event.to_json().unwrap(),
            &mut problems,
        );
        let mut again = serde_json::to_value(&n.subscription).unwrap();
        // Some of Twitch's examples leave `cost` out; the SDK reads that as 0 and writes it.
        if sub.get("cost").is_none() && again["cost"] == 0 {
            again.as_object_mut().unwrap().remove("cost");
        }
        json::compare("$.subscription", sub, &again, &mut problems);
        failures.extend(problems.into_iter().map(|p| format!("{name}: {p}")));
    }
    assert!(
        failures.is_empty(),
        "{} problem(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(types.len() >= 83, "{} types decoded", types.len());
}

#[test]
fn unknown_types_and_versions_keep_their_json() {
    let (_, example) = &notification_examples()[0];
    for (t, v) in [
        ("channel.brand_new", "1"),
        (example["subscription"]["type"].as_str().unwrap(), "99"),
    ] {
        let mut changed = example.clone();
        changed["subscription"]["type"] = t.into();
        changed["subscription"]["version"] = v.into();
        let n = decode(&changed).unwrap();
        match &n.event {
            Event::Unknown {
                r#type,
                version,
                raw,
            } => {
                assert_eq!((r#type.as_str(), version.as_str()), (t, v));
                assert_eq!(raw, &example["event"]);
            }
            other => panic!("expected Unknown, got {other:?}"),
        }
        assert_eq!(n.event.subscription_type(), (t, v));
    }
}

#[test]
fn extra_fields_and_missing_optional_fields_decode() {
    let loaded = load::load(&spec_dir()).unwrap().unwrap();
    let helix = twitch_codegen::load::load(&spec_dir()).unwrap();
    let helix_models = helix
        .files
        .iter()
        .flat_map(|f| &f.spec.models)
        .map(|m| m.name.clone())
        .collect();
    let ir = resolve::resolve(&loaded, &helix_models).unwrap();
    // event model -> its optional top-level fields
    let mut optional: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    let models: BTreeMap<&str, &resolve::Model> = ir
        .categories
        .iter()
        .flat_map(|c| &c.models)
        .map(|m| (m.name.as_str(), m))
        .collect();
    for sub in ir.categories.iter().flat_map(|c| &c.subs) {
        let fields = models[sub.event.as_str()]
            .fields
            .iter()
            .filter(|f| f.optional)
            .map(|f| f.wire.clone());
        optional.insert(
            (sub.wire_type.clone(), sub.version.clone()),
            fields.collect(),
        );
    }
    let mut failures = Vec::new();
    let mut dropped = 0;
    for (name, example) in notification_examples() {
        if example.get("events").is_some() {
            continue;
        }
        let key = (
            example["subscription"]["type"].as_str().unwrap().to_owned(),
            example["subscription"]["version"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
        let mut extra = example.clone();
        extra["event"]["field_from_the_future"] = serde_json::json!({"nested": [1, 2]});
        extra["subscription"]["field_from_the_future"] = true.into();
        if let Err(e) = decode(&extra) {
            failures.push(format!("{name} with extra fields: {e}"));
        }
        let mut missing = example.clone();
        for field in &optional[&key] {
            if let Some(event) = missing["event"].as_object_mut() {
                dropped += usize::from(event.remove(field).is_some());
            }
        }
        match decode(&missing) {
            Ok(n) if matches!(n.event, Event::Unknown { .. }) => {
                failures.push(format!("{name}: Unknown"))
            }
            Ok(_) => {}
            Err(e) => failures.push(format!("{name} without its optional fields: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(dropped > 20, "only {dropped} optional fields were left out");
}

#[test]
fn a_known_type_whose_field_changed_is_kept_as_json() {
    let (name, example) = notification_examples()
        .into_iter()
        .find(|(name, _)| name.starts_with("stream.online.v1"))
        .unwrap();
    let mut changed = example.clone();
    changed["event"]["started_at"] = 5.into();
    // Lenient where Twitch is concerned: the notification still arrives, as JSON.
    match decode(&changed).unwrap().event {
        Event::Unknown { r#type, raw, .. } => {
            assert_eq!(r#type, "stream.online");
            assert_eq!(raw, changed["event"]);
        }
        other => panic!("{name}: expected Unknown, got {other:?}"),
    }
    // Strict on request: the typed decoding says what is wrong.
    let strict = Event::from_json("stream.online", "1", &changed["event"].to_string()).unwrap_err();
    assert!(
        strict.to_string().contains("invalid type: integer `5`"),
        "{strict}"
    );
    // A payload without its subscription is an error naming the path.
    let err = decode(&serde_json::json!({"event": {}})).unwrap_err();
    assert!(err.contains("subscription"), "{err}");
}
