//! Nothing Twitch documents is dropped: every example body in `spec/examples/` decodes into the
//! generated model the spec names for it, and encoding that value again gives the same JSON.
//!
//! - `<operation>.json` (a response body): for the shapes `list`, `paginated`, `single` and
//!   `optional` every item of `data` decodes into the response model, and the body holds nothing
//!   else besides `pagination` (paginated operations) and top-level fields the SDK leaves out on
//!   purpose, which the spec explains with a typed `spec_diff` note (`response total: Helix only`);
//!   for `envelope` the whole body is the model.
//! - `<operation>.request.json` (a request body): every key is a body parameter of the operation
//!   (dotted names such as `data.user_id` reach into nested objects) and its value decodes into
//!   the parameter's type.
//!
//! The only differences allowed between an example and its re-encoding are a `null` (or the `""`
//! Helix sends for an unset timestamp) that the model leaves out, RFC 3339 timestamps that spell
//! the same instant differently, and numbers of equal value (`5` in a `f64` field comes back as
//! `5.0`). Every other difference is reported with the operation, the file and the JSON path, all
//! failures at once. An example whose operation has no model to decode into fails too.
//!
//! The spec is read through `twitch_codegen`; the concrete Rust type for a model name comes from
//! `twitch_models::__for_each_model!`, which the generator emits, so nothing here is per endpoint.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use twitch_codegen::load::{Loaded, load};
use twitch_codegen::spec::{Endpoint, Location, Shape};
use twitch_codegen::types::{Prim, TypeExpr};
use twitch_codegen::validate::validate;
use twitch_models::Timestamp;
use xtask::spec_diff as diff;

/// Decodes `value` as `T` and encodes the result again.
fn through<T: DeserializeOwned + Serialize>(value: &Value) -> Result<Value, String> {
    let decoded: T = serde_json::from_value(value.clone()).map_err(|e| e.to_string())?;
    serde_json::to_value(&decoded).map_err(|e| format!("cannot encode again: {e}"))
}

macro_rules! model_table {
    ($($model:ident)*) => {
        /// `through::<Model>` for the model (or alias) called `name`; `None` when there is none.
        fn through_model(name: &str, value: &Value) -> Option<Result<Value, String>> {
            $(
                if name == stringify!($model) {
                    return Some(through::<twitch_models::$model>(value));
                }
            )*
            None
        }
    };
}

twitch_models::__for_each_model!(model_table);

/// Decodes `value` as the spec type `ty` and encodes it again.
fn through_type(ty: &TypeExpr, value: &Value) -> Result<Value, String> {
    match ty {
        TypeExpr::Prim(prim) => match prim {
            Prim::String => through::<String>(value),
            Prim::Bool => through::<bool>(value),
            Prim::I32 => through::<i32>(value),
            Prim::I64 => through::<i64>(value),
            Prim::U32 => through::<u32>(value),
            Prim::U64 => through::<u64>(value),
            Prim::F64 => through::<f64>(value),
            Prim::DateTime => through::<Timestamp>(value),
            Prim::Json => through::<Value>(value),
        },
        TypeExpr::Model(name) => through_model(name, value)
            .unwrap_or_else(|| Err(format!("no generated model `{name}`"))),
        TypeExpr::List(inner) => match value {
            Value::Array(items) => items
                .iter()
                .map(|item| through_type(inner, item))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            other => Err(format!("expected a list, found {other}")),
        },
        TypeExpr::Map(inner) => match value {
            Value::Object(entries) => entries
                .iter()
                .map(|(k, v)| through_type(inner, v).map(|v| (k.clone(), v)))
                .collect::<Result<serde_json::Map<_, _>, _>>()
                .map(Value::Object),
            other => Err(format!("expected an object, found {other}")),
        },
    }
}

/// Appends to `out` every difference between the example `a` and its re-encoding `b`, with the
/// JSON path of each.
fn compare(path: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, av) in a {
                let sub = format!("{path}.{key}");
                match b.get(key) {
                    Some(bv) => compare(&sub, av, bv, out),
                    // Left out by `skip_serializing_if`: fine when the example had nothing there.
                    None if av.is_null() || av.as_str() == Some("") => {}
                    None => out.push(format!("{sub}: dropped (was {})", excerpt(av))),
                }
            }
            for (key, bv) in b {
                if !a.contains_key(key) {
                    out.push(format!("{path}.{key}: added ({})", excerpt(bv)));
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            if a.len() != b.len() {
                out.push(format!("{path}: {} items became {}", a.len(), b.len()));
            }
            for (i, (av, bv)) in a.iter().zip(b).enumerate() {
                compare(&format!("{path}[{i}]"), av, bv, out);
            }
        }
        (Value::String(x), Value::String(y)) if x != y => {
            let same_instant = matches!(
                (Timestamp::parse(x), Timestamp::parse(y)),
                (Ok(tx), Ok(ty)) if tx == ty
            );
            if !same_instant {
                out.push(format!("{path}: {} became {}", excerpt(a), excerpt(b)));
            }
        }
        // `5` in an `f64` field comes back as `5.0`: the same number.
        (Value::Number(x), Value::Number(y)) if x.as_f64() != y.as_f64() => {
            out.push(format!("{path}: {x} became {y}"));
        }
        (Value::Number(_), Value::Number(_)) => {}
        _ if a != b => out.push(format!("{path}: {} became {}", excerpt(a), excerpt(b))),
        _ => {}
    }
}

fn excerpt(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 60 {
        format!("{}...", text.chars().take(57).collect::<String>())
    } else {
        text
    }
}

fn spec_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec")
}

fn spec() -> Loaded {
    let loaded = load(&spec_dir()).unwrap_or_else(|e| panic!("{e}"));
    if let Err(e) = validate(&loaded) {
        panic!("{e}");
    }
    loaded
}

fn endpoints(loaded: &Loaded) -> BTreeMap<&str, &Endpoint> {
    loaded
        .files
        .iter()
        .flat_map(|f| &f.spec.endpoints)
        .map(|e| (e.operation.as_str(), e))
        .collect()
}

/// Reads an example file (the loader keeps only minified text; the original is what we compare).
fn read_example(display: &str) -> Value {
    let path = spec_dir().join(display.trim_start_matches("spec/"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{display}: {e}"))
}

/// The differences for one response example, each with its JSON path.
fn check_response(e: &Endpoint, body: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let model = match (e.response.shape, &e.response.model) {
        // A text body (iCalendar) is stored as one JSON string: served as-is, nothing to decode.
        (Shape::Text, _) if body.is_string() => return out,
        (Shape::None | Shape::Text, _) | (_, None) => {
            return vec![format!(
                "$: the spec says the response has no JSON model (shape {:?}), but there is an example body",
                e.response.shape
            )];
        }
        (_, Some(model)) => model.as_str(),
    };
    let decode =
        |path: &str, value: &Value, out: &mut Vec<String>| match through_model(model, value) {
            None => out.push(format!("{path}: no generated model `{model}`")),
            Some(Err(err)) => out.push(format!("{path}: does not decode as `{model}`: {err}")),
            Some(Ok(again)) => compare(path, value, &again, out),
        };
    match e.response.shape {
        Shape::Envelope => decode("$", body, &mut out),
        Shape::List | Shape::Paginated | Shape::Single | Shape::Optional => {
            let Some(root) = body.as_object() else {
                return vec![format!(
                    "$: expected an object with `data`, found {}",
                    excerpt(body)
                )];
            };
            for key in root.keys() {
                let expected = key == "data"
                    || (key == "pagination" && e.response.shape == Shape::Paginated)
                    // Left out on purpose, and the spec says why (the same note explains the
                    // line `cargo xtask spec-diff` prints for it).
                    || diff::explained(&e.notes, &diff::helix_only_response_line(key));
                if !expected {
                    out.push(format!(
                        "$.{key}: dropped (shape {:?} keeps only `data`{})",
                        e.response.shape,
                        if e.response.shape == Shape::Paginated {
                            " and `pagination`"
                        } else {
                            ""
                        }
                    ));
                }
            }
            match root.get("data") {
                Some(Value::Array(items)) => {
                    if matches!(e.response.shape, Shape::Single | Shape::Optional)
                        && items.len() > 1
                    {
                        out.push(format!(
                            "$.data: {} items, but shape {:?} keeps only the first",
                            items.len(),
                            e.response.shape
                        ));
                    }
                    for (i, item) in items.iter().enumerate() {
                        decode(&format!("$.data[{i}]"), item, &mut out);
                    }
                }
                Some(object @ Value::Object(_)) => decode("$.data", object, &mut out),
                Some(other) => {
                    out.push(format!("$.data: not a list or object: {}", excerpt(other)))
                }
                None => out.push("$: no `data`".to_owned()),
            }
        }
        Shape::None | Shape::Text => unreachable!("handled above"),
    }
    out
}

/// The differences for one request example: every key must be a body parameter whose type
/// round-trips the value. A dotted parameter name (`data.user_id`) is a key of a nested object.
fn check_request(e: &Endpoint, body: &Value) -> Vec<String> {
    let mut out = Vec::new();
    check_body_object(e, "", body, &mut out);
    out
}

fn check_body_object(e: &Endpoint, prefix: &str, body: &Value, out: &mut Vec<String>) {
    let Some(root) = body.as_object() else {
        out.push(format!(
            "$.{prefix}: expected a JSON object, found {}",
            excerpt(body)
        ));
        return;
    };
    for (key, value) in root {
        let name = format!("{prefix}{key}");
        let path = format!("$.{name}");
        let param = e
            .params
            .iter()
            .find(|p| p.name == name && p.location == Location::Body);
        let Some(param) = param else {
            let nested = format!("{name}.");
            if e.params
                .iter()
                .any(|p| p.location == Location::Body && p.name.starts_with(&nested))
            {
                check_body_object(e, &nested, value, out);
            } else if e.params.iter().any(|p| p.name == name) {
                out.push(format!(
                    "{path}: dropped: `{name}` is a query parameter in the spec"
                ));
            } else {
                out.push(format!("{path}: dropped: no body parameter `{name}`"));
            }
            continue;
        };
        if value.is_null() && !param.required {
            continue;
        }
        match TypeExpr::parse(&param.ty).and_then(|ty| through_type(&ty, value)) {
            Ok(again) => compare(&path, value, &again, out),
            Err(err) => out.push(format!("{path}: does not decode as `{}`: {err}", param.ty)),
        }
    }
}

#[test]
fn every_example_round_trips_through_its_model() {
    let spec = spec();
    let endpoints = endpoints(&spec);
    let mut failures = Vec::new();
    let (mut responses, mut requests) = (0, 0);
    for example in &spec.examples {
        let Some(endpoint) = endpoints.get(example.operation.as_str()) else {
            failures.push(format!(
                "{}: no operation `{}`",
                example.display, example.operation
            ));
            continue;
        };
        let body = read_example(&example.display);
        let problems = if example.request {
            requests += 1;
            check_request(endpoint, &body)
        } else {
            responses += 1;
            check_response(endpoint, &body)
        };
        for problem in problems {
            failures.push(format!(
                "{} ({}): {problem}",
                example.operation, example.display
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} difference(s) between examples and their re-encoding:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
    // Twitch documents an example response for 111 operations and an example request for 32;
    // fewer here means fixtures went missing.
    assert!(
        responses >= 111 && requests >= 32,
        "expected at least 111 response and 32 request examples, found {responses} and {requests}"
    );
}

#[test]
fn the_comparison_allows_only_harmless_differences() {
    let a: Value = serde_json::json!({
        "at": "2021-03-10T15:04:21.000Z", "gone": null, "ended_at": "", "n": 5,
        "list": [1, 2], "kept": "x", "lost": "y", "nested": {"deep": true}
    });
    let b: Value = serde_json::json!({
        "at": "2021-03-10T15:04:21Z", "n": 5.0, "list": [1], "kept": "x",
        "nested": {"deep": false}, "new": 1
    });
    let mut out = Vec::new();
    compare("$", &a, &b, &mut out);
    out.sort();
    assert_eq!(
        out,
        [
            "$.list: 2 items became 1",
            "$.lost: dropped (was \"y\")",
            "$.nested.deep: true became false",
            "$.new: added (1)",
        ]
    );
}
