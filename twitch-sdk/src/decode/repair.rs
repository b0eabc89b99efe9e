//! Reading answers that differ from the spec: the slow path behind every decode.
//!
//! Twitch's wire and its documentation disagree now and then: `"tags": null` where a list is
//! declared, `""` for a timestamp that was never set, a field left out, a key spelled in another
//! case. One such field must not fail a whole page, so when the fast path fails on the model (not
//! on broken JSON) the body is mended one field at a time and read again:
//!
//! - a missing field is taken from a key spelled the same but for case and `_` (`broadcasterId`,
//!   `Broadcaster_ID`), or else filled with the type's empty value;
//! - `null` or `""` where the model wants a list, string, number, bool, object or timestamp
//!   becomes the type's empty value (`[]`, `""`, `0`, `false`, `{}`, the Unix epoch);
//! - a fix found at `data[3].tags` is applied to every item (`data[].tags`), so a page of 100
//!   streams with `"tags": null` costs one extra read, not 100.
//!
//! An item's identity (its `id`) is never made up: without it the call fails. Each fix is a
//! *deviation*, reported once per operation and field path as a `tracing` warning (see
//! [`Policy`]); a strict policy turns the first deviation into the decode error instead.
//!
//! Two differences are not deviations and are mended silently in both modes: `data: null` (no
//! items, as `data: []`) and `data` holding one object instead of a list.

use std::collections::HashSet;
use std::sync::Mutex;

use serde_json::{Map, Value};

use super::Segment;

/// At most this many mending rounds per body; each fixes one field path (across all items).
const MAX_ROUNDS: usize = 64;
/// At most this many (operation, path) pairs are remembered as reported; past it, deviations are
/// still mended but no longer logged (a hostile server cannot grow the set without end).
const MAX_REPORTED: usize = 4096;
/// What an unset timestamp becomes when the model has no room for "none".
const EMPTY_TIMESTAMP: &str = "1970-01-01T00:00:00Z";

/// How answers that differ from the spec are treated; one per client.
#[derive(Debug, Default)]
pub(crate) struct Policy {
    /// Deviations are errors (the SDK's own tests over Twitch's documented examples).
    strict: bool,
    /// The (operation, path) pairs already reported.
    reported: Mutex<HashSet<(&'static str, String)>>,
}

impl Policy {
    /// A policy that mends and reports (`strict == false`) or refuses deviations.
    pub(crate) fn new(strict: bool) -> Self {
        Policy {
            strict,
            reported: Mutex::default(),
        }
    }

    /// The (operation, path) pairs reported so far.
    #[cfg(test)]
    pub(crate) fn reported(&self) -> HashSet<(&'static str, String)> {
        self.reported
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Logs a deviation the first time `operation` shows it at `path`.
    fn report(&self, operation: &'static str, path: &str, deviation: &str) {
        let mut reported = self.reported.lock().unwrap_or_else(|e| e.into_inner());
        if reported.len() >= MAX_REPORTED || reported.contains(&(operation, path.to_owned())) {
            return;
        }
        reported.insert((operation, path.to_owned()));
        drop(reported);
        tracing::warn!(
            operation,
            path,
            deviation,
            "Twitch's answer differs from the spec; read leniently"
        );
    }
}

/// A read that failed even after mending: the error and the JSON text it refers to.
pub(crate) struct Failure {
    pub(crate) json: Vec<u8>,
    pub(crate) error: serde_json::Error,
    /// `data` was one object, read as a list of one: `data[0]` in paths means `data`.
    pub(crate) wrapped_data: bool,
}

/// Mends `body` after `read` failed on it with `error`, and reads it again until it succeeds,
/// cannot be mended further, or (strict) needs a deviation. `data_list`: `read` wants `data` as
/// a list of items (every shape but `envelope`, whose model says what `data` is).
pub(crate) fn read_mended<R>(
    operation: &'static str,
    policy: &Policy,
    body: &[u8],
    data_list: bool,
    error: serde_json::Error,
    read: impl Fn(&[u8]) -> serde_json::Result<R>,
) -> Result<R, Failure> {
    let mut failure = Failure {
        json: body.to_vec(),
        error,
        wrapped_data: false,
    };
    let Ok(mut root) = serde_json::from_slice::<Value>(body) else {
        return Err(failure);
    };
    // The silent mends first; when there are none, the failure at hand is already a deviation
    // (and the one a strict policy reports, at its place in the original body).
    let mut silent = false;
    if let Some(data) = root.get_mut("data").filter(|_| data_list) {
        match data {
            Value::Null => {
                *data = Value::Array(Vec::new());
                silent = true;
            }
            Value::Array(_) => {}
            other => {
                *other = Value::Array(vec![other.take()]);
                failure.wrapped_data = true;
                silent = true;
            }
        }
    }
    for _ in 0..MAX_ROUNDS {
        if !silent {
            let Some(fix) = diagnose(&failure, &root) else {
                return Err(failure);
            };
            let path = pattern(&fix.path, failure.wrapped_data);
            // `data: null` where the model wants a list is the empty answer, not a deviation.
            let empty_data = path == "data" && fix.kind == Kind::Null(Value::Array(Vec::new()));
            if policy.strict && !empty_data {
                return Err(failure);
            }
            if !apply_everywhere(&mut root, &fix.path, &fix.kind) {
                return Err(failure);
            }
            if !empty_data {
                policy.report(operation, &path, &fix.kind.describe());
            }
        }
        silent = false;
        let json = serde_json::to_vec(&root).unwrap_or_default();
        match read(&json) {
            Ok(read) => return Ok(read),
            Err(error) if error.classify() == serde_json::error::Category::Data => {
                failure.json = json;
                failure.error = error;
            }
            Err(_) => return Err(failure),
        }
    }
    Err(failure)
}

/// One mend: at `path` (ending with the field's key), do `kind`.
struct Fix {
    path: Vec<Segment>,
    kind: Kind,
}

/// What a mend does to a field.
#[derive(Debug, Clone, PartialEq)]
enum Kind {
    /// The field is missing; its key is spelled `from` instead.
    Rename { from: String },
    /// The field is missing: give it `null`, and learn its type from the next read.
    Missing,
    /// The field is `null`: use this value.
    Null(Value),
    /// The field is `""`: use this value.
    Empty(Value),
}

impl Kind {
    fn describe(&self) -> String {
        match self {
            Kind::Rename { from } => format!("key spelled `{from}`"),
            Kind::Missing => "missing".to_owned(),
            Kind::Null(_) => "null".to_owned(),
            Kind::Empty(_) => "empty string".to_owned(),
        }
    }
}

/// The mend for the failure's error (the failure's JSON is `root` written out), if it is one this
/// module knows.
fn diagnose(failure: &Failure, root: &Value) -> Option<Fix> {
    let e = &failure.error;
    let mut path = super::json_segments(&failure.json, e.line(), e.column());
    let text = e.to_string();
    let message = text
        .rsplit_once(" at line ")
        .map_or(text.as_str(), |(m, _)| m);
    let kind = if let Some(rest) = message.strip_prefix("missing field `") {
        let key = rest.strip_suffix('`')?;
        if key == "id" {
            return None;
        }
        let from = object_at(root, &path).and_then(|object| spelled_otherwise(object, key));
        path.push(Segment::Key(key.to_owned()));
        match from {
            Some(from) => Kind::Rename { from },
            None => Kind::Missing,
        }
    } else if let Some(expected) = message.strip_prefix("invalid type: null, expected ") {
        Kind::Null(empty_value(expected)?)
    } else if let Some(expected) = message.strip_prefix("invalid type: string \"\", expected ") {
        Kind::Empty(empty_value(expected)?)
    } else if message.starts_with("invalid RFC 3339 timestamp ``") {
        Kind::Empty(Value::String(EMPTY_TIMESTAMP.to_owned()))
    } else {
        return None;
    };
    // The identity of an item is never made up.
    match path.last() {
        Some(Segment::Key(key)) if key != "id" => Some(Fix { path, kind }),
        _ => None,
    }
}

/// The empty value of the type serde describes as `expected` (`a sequence`, `i32`, ...).
fn empty_value(expected: &str) -> Option<Value> {
    Some(match expected {
        "a sequence" => Value::Array(Vec::new()),
        "a string" | "a borrowed string" => Value::String(String::new()),
        "a boolean" => Value::Bool(false),
        // `twitch_models::Timestamp` says this; its empty value is the zero timestamp.
        "an RFC 3339 timestamp" => Value::String(EMPTY_TIMESTAMP.to_owned()),
        "a map" => Value::Object(Map::new()),
        "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" => Value::from(0),
        "f32" | "f64" => Value::from(0.0),
        _ if expected.starts_with("struct ") => Value::Object(Map::new()),
        _ => return None,
    })
}

/// The path with every list index as `[]` (`data[].tags`), as deviations are reported.
fn pattern(path: &[Segment], wrapped_data: bool) -> String {
    let mut out = String::new();
    for (i, segment) in path.iter().enumerate() {
        match segment {
            Segment::Index(_) if wrapped_data && i == 1 => {}
            Segment::Index(_) => out.push_str("[]"),
            Segment::Key(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
        }
    }
    out
}

/// Applies `kind` at `path` and at every place that differs from it only in list indexes.
/// Returns whether anything changed (a mend that changes nothing would loop).
fn apply_everywhere(root: &mut Value, path: &[Segment], kind: &Kind) -> bool {
    let Some((Segment::Key(key), parents)) = path.split_last() else {
        return false;
    };
    let mut changed = false;
    for_each_object(root, parents, &mut |object| {
        changed |= mend(object, key, kind);
    });
    changed
}

/// Calls `f` on every object reached by `path`, any index standing for every item.
fn for_each_object(
    value: &mut Value,
    path: &[Segment],
    f: &mut dyn FnMut(&mut Map<String, Value>),
) {
    match (path.split_first(), value) {
        (None, Value::Object(object)) => f(object),
        (Some((Segment::Key(key), rest)), Value::Object(object)) => {
            if let Some(inner) = object.get_mut(key) {
                for_each_object(inner, rest, f);
            }
        }
        (Some((Segment::Index(_), rest)), Value::Array(items)) => {
            for item in items {
                for_each_object(item, rest, f);
            }
        }
        _ => {}
    }
}

/// Applies `kind` to `object[key]` where it fits; whether it did.
fn mend(object: &mut Map<String, Value>, key: &str, kind: &Kind) -> bool {
    match kind {
        // Each item on its own: one may lack the key while another spells it differently.
        Kind::Missing | Kind::Rename { .. } if !object.contains_key(key) => {
            match (spelled_otherwise(object, key), kind) {
                (Some(from), Kind::Rename { .. }) => {
                    let value = object.remove(&from).unwrap_or(Value::Null);
                    object.insert(key.to_owned(), value);
                    true
                }
                (None, Kind::Missing) => {
                    object.insert(key.to_owned(), Value::Null);
                    true
                }
                _ => false,
            }
        }
        Kind::Null(empty) => match object.get_mut(key) {
            Some(value @ Value::Null) => {
                *value = empty.clone();
                true
            }
            _ => false,
        },
        Kind::Empty(empty) => match object.get_mut(key) {
            Some(Value::String(text)) if text.is_empty() => {
                object.insert(key.to_owned(), empty.clone());
                true
            }
            _ => false,
        },
        _ => false,
    }
}

/// The object at `path` (indexes taken literally).
fn object_at<'a>(root: &'a Value, path: &[Segment]) -> Option<&'a Map<String, Value>> {
    let mut value = root;
    for segment in path {
        value = match segment {
            Segment::Key(key) => value.get(key)?,
            Segment::Index(i) => value.get(*i)?,
        };
    }
    value.as_object()
}

/// A key of `object` that is `key` but for case, `_` and `-`.
fn spelled_otherwise(object: &Map<String, Value>, key: &str) -> Option<String> {
    let wanted = loose(key);
    object
        .keys()
        .find(|k| k.as_str() != key && loose(k) == wanted)
        .cloned()
}

fn loose(key: &str) -> String {
    key.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_values_by_type() {
        assert_eq!(empty_value("a sequence"), Some(Value::Array(vec![])));
        assert_eq!(empty_value("i32"), Some(Value::from(0)));
        assert_eq!(empty_value("struct Thing"), Some(Value::Object(Map::new())));
        assert_eq!(empty_value("a unit"), None);
    }

    #[test]
    fn loose_spellings() {
        assert_eq!(loose("broadcaster_id"), loose("broadcasterId"));
        assert_eq!(loose("broadcaster_id"), loose("Broadcaster_ID"));
        assert_ne!(loose("user_id"), loose("user_login"));
    }

    #[test]
    fn patterns_hide_indexes() {
        let path = vec![
            Segment::Key("data".into()),
            Segment::Index(3),
            Segment::Key("tags".into()),
        ];
        assert_eq!(pattern(&path, false), "data[].tags");
        assert_eq!(pattern(&path, true), "data.tags");
    }
}
