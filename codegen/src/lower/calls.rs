//! Stage 3, for the every-method test: one [`CallCase`] per API method and class (aliases
//! included), with the arguments to pass and the request the stand-in server must receive.
//!
//! Every value is chosen here, from the spec alone:
//! - a required argument gets a value within the parameter's limits: the first of its `values`,
//!   the minimum of its `range` (1 when open), a string of the minimum `length` (else a
//!   distinctive `<name>-1` that fits), a fixed timestamp, the first value of an enum model, and
//!   for a struct model the value at the parameter's key in the documented example request
//!   (`spec/examples/<operation>.request.json`) or, without one, an object of its required
//!   fields;
//! - every list parameter, argument or setter, gets two items (within its `items` limits; an
//!   example request's list is used whole when it fits), so repeated query keys show;
//! - a token-user parameter is left unset in the user API, which must fill in the token's user;
//! - other setters are left unset.
//!
//! The expected query holds every value set, by wire name; the expected body is the JSON object
//! of the body values, dotted names nested (`data.user_id`). What a successful call decodes
//! follows from the response shape and the example response the stand-in serves.

use std::collections::BTreeSet;

use proc_macro2::{Ident, Span};
use serde_json::{Map, Value, json};

use crate::bind::{Binding, BoundEndpoint, BoundMethod, BoundModel, Resolved, Ty};
use crate::diag::Diagnostic;
use crate::ir::{ApiClass, CallCase, CallValue, CallsFile, Decoded};
use crate::naming;
use crate::spec::{Location, Param, Shape, TokenType};
use crate::types::Prim;

/// The user id of the token the user API calls carry.
pub const TOKEN_USER_ID: &str = "141981764";

/// The timestamp every datetime argument gets.
const TIMESTAMP: &str = "2024-01-01T00:00:00Z";

/// How deep a synthesized model may nest before its fields are left out.
const MAX_DEPTH: usize = 6;

/// The most items or characters a chosen value gets, whatever a limit's minimum says.
const MAX_SIZE: i64 = 1000;

/// The calls of every method of the resolved spec, and any internal problem.
pub fn lower(resolved: &Resolved<'_>) -> (CallsFile, Vec<Diagnostic>) {
    let mut l = Calls {
        resolved,
        problems: Vec::new(),
        file: String::new(),
        uses_timestamp: false,
        uses_from_json: false,
    };
    let mut cases = Vec::new();
    for file in &resolved.files {
        l.file = file.display.to_owned();
        for e in &file.endpoints {
            for m in &e.methods {
                let classes: BTreeSet<TokenType> = m.spec.api.iter().copied().collect();
                for class in classes {
                    let class = match class {
                        TokenType::App => ApiClass::App,
                        TokenType::User => ApiClass::User,
                    };
                    let name = &m.spec.name;
                    let aliases = m.spec.aliases.iter().map(|a| (a, Some(name.clone())));
                    for (name, alias_of) in std::iter::once((name, None)).chain(aliases) {
                        cases.push(l.case(e, m, class, name, alias_of));
                    }
                }
            }
        }
    }
    cases.sort_by(|a, b| (a.class, &a.name).cmp(&(b.class, &b.name)));
    let file = CallsFile {
        token_user_id: TOKEN_USER_ID.to_owned(),
        cases,
        uses_timestamp: l.uses_timestamp,
        uses_from_json: l.uses_from_json,
    };
    (file, l.problems)
}

struct Calls<'a> {
    resolved: &'a Resolved<'a>,
    problems: Vec<Diagnostic>,
    /// The file being lowered, for internal errors.
    file: String,
    uses_timestamp: bool,
    uses_from_json: bool,
}

/// The request a case must send, filled while choosing its values.
#[derive(Default)]
struct Expected {
    query: Vec<(String, Vec<String>)>,
    body: Map<String, Value>,
    token_user: Vec<String>,
}

impl Expected {
    fn add(&mut self, param: &Param, value: &CallValue) {
        match param.location {
            Location::Query => {
                let texts = match value {
                    CallValue::List(items) => items.iter().map(query_text).collect(),
                    value => vec![query_text(value)],
                };
                self.query.push((param.name.clone(), texts));
            }
            Location::Body => insert_path(&mut self.body, &param.name, body_json(value)),
        }
    }
}

impl<'a> Calls<'a> {
    fn ident(&mut self, name: &str) -> Ident {
        naming::ident(name).unwrap_or_else(|| {
            self.problems.push(Diagnostic::file(
                self.file.clone(),
                format!("internal error: `{name}` is not a Rust identifier but passed validation; please report this"),
            ));
            Ident::new("invalid", Span::call_site())
        })
    }

    fn case(
        &mut self,
        bound_endpoint: &BoundEndpoint<'_>,
        m: &BoundMethod<'_>,
        class: ApiClass,
        name: &str,
        alias_of: Option<String>,
    ) -> CallCase {
        let e = bound_endpoint.spec;
        let example = self.resolved.requests.get(&e.operation);
        let mut args = Vec::new();
        let mut setters = Vec::new();
        let mut expected = Expected::default();
        for Binding {
            name: setter,
            param,
            ty,
            arg,
        } in &m.bindings
        {
            if param.token_user && class == ApiClass::User {
                // An argument on `AppApi`, a setter on `UserApi`: left for the runtime.
                let id = CallValue::Str(TOKEN_USER_ID.to_owned());
                expected.add(param, &id);
                expected.token_user.push(param.name.clone());
                continue;
            }
            let set = *arg || ty.is_list();
            if !set {
                continue;
            }
            let value = self.value(param, ty, example);
            expected.add(param, &value);
            if *arg {
                args.push(value);
            } else {
                setters.push((self.ident(setter), value));
            }
        }
        let class_name = match class {
            ApiClass::App => "AppApi",
            ApiClass::User => "UserApi",
        };
        CallCase {
            class,
            method: self.ident(name),
            name: format!("{class_name}::{name}"),
            alias_of,
            operation: e.operation.clone(),
            http_method: e.method.as_str().to_owned(),
            path: e.path.clone(),
            args,
            setters,
            query: expected.query,
            body: (!expected.body.is_empty()).then(|| Value::Object(expected.body).to_string()),
            token_user: expected.token_user,
            decoded: self.decoded(e, m.spec.default_limit),
        }
    }

    /// The value for `param` (of type `ty`), from its limits or the example request.
    fn value(&mut self, param: &Param, ty: &Ty, example: Option<&Value>) -> CallValue {
        let example = example.and_then(|body| lookup(body, &param.name));
        match ty {
            Ty::List(inner) => {
                let count = list_count(param);
                let items = example.and_then(Value::as_array).filter(|a| !a.is_empty());
                let count = match items {
                    Some(items) if fits(param, items.len()) => items.len(),
                    _ => count,
                };
                CallValue::List(
                    (0..count)
                        .map(|i| {
                            let item = items.map(|items| &items[i % items.len()]);
                            self.scalar(param, inner, item, i)
                        })
                        .collect(),
                )
            }
            other => self.scalar(param, other, example, 0),
        }
    }

    /// The `index`th value for `param` of the non-list type `ty`; `example` is the example
    /// request's value for it.
    fn scalar(
        &mut self,
        param: &Param,
        ty: &Ty,
        example: Option<&Value>,
        index: usize,
    ) -> CallValue {
        match ty {
            Ty::Prim(Prim::String) => CallValue::Str(string_value(param, index)),
            Ty::Prim(Prim::Bool) => CallValue::Bool(true),
            Ty::Prim(Prim::F64) => CallValue::Float(number(param) as f64),
            Ty::Prim(p) if p.is_number() => CallValue::Int(number(param)),
            Ty::Prim(Prim::DateTime) => {
                self.uses_timestamp = true;
                CallValue::Timestamp(TIMESTAMP.to_owned())
            }
            Ty::Prim(_) => {
                self.uses_from_json = true;
                let json = example.cloned().unwrap_or_else(|| json!({}));
                CallValue::Json(json)
            }
            Ty::Model(r) => {
                let model = self.ident(&r.name);
                let resolved = self.resolved;
                let m = resolved.model(r.id);
                if let Some(first) = m.variants.first() {
                    CallValue::Enum {
                        model,
                        value: first.spec.value.clone(),
                    }
                } else {
                    self.uses_from_json = true;
                    let json = match example {
                        Some(value) if value.is_object() => value.clone(),
                        _ => self.synthesize(m, index, &mut Vec::new()),
                    };
                    CallValue::Model { model, json }
                }
            }
            // A list of lists or a map is no parameter type; validation rejects both.
            Ty::List(_) | Ty::Map(_) => CallValue::List(Vec::new()),
        }
    }

    /// An object of `model`'s required fields, each with a plain value of its type; strings
    /// end in `index + 1`, so list items differ. `outer` holds the models being synthesized
    /// around this one: a model nested in itself (or deeper than [`MAX_DEPTH`]) is left empty.
    fn synthesize(
        &self,
        model: &'a BoundModel<'a>,
        index: usize,
        outer: &mut Vec<&'a str>,
    ) -> Value {
        let mut object = Map::new();
        if outer.len() < MAX_DEPTH && !outer.contains(&model.spec.name.as_str()) {
            outer.push(&model.spec.name);
            for field in model.fields.iter().filter(|f| !f.spec.optional) {
                let value = self.field_json(&field.spec.name, &field.ty, index, outer);
                object.insert(field.spec.name.clone(), value);
            }
            outer.pop();
        }
        Value::Object(object)
    }

    fn field_json(&self, name: &str, ty: &Ty, index: usize, outer: &mut Vec<&'a str>) -> Value {
        match ty {
            Ty::Prim(Prim::String) => json!(format!("{name}-{}", index + 1)),
            Ty::Prim(Prim::Bool) => json!(false),
            Ty::Prim(Prim::F64) => json!(1.0),
            Ty::Prim(p) if p.is_number() => json!(1),
            Ty::Prim(Prim::DateTime) => json!(TIMESTAMP),
            Ty::Prim(_) | Ty::Map(_) => json!({}),
            Ty::List(_) => json!([]),
            Ty::Model(r) => {
                let m = self.resolved.model(r.id);
                match m.variants.first() {
                    Some(first) => json!(first.spec.value),
                    None => self.synthesize(m, index, outer),
                }
            }
        }
    }

    /// What a successful call decodes from the example the stand-in serves.
    fn decoded(&self, e: &crate::spec::Endpoint, default_limit: Option<u32>) -> Decoded {
        let data = self
            .resolved
            .responses
            .get(&e.operation)
            .and_then(|(_, body)| body.get("data"));
        let items = data.and_then(Value::as_array).map_or(0, Vec::len);
        match e.response.shape {
            Shape::None => Decoded::Nothing,
            Shape::Text => Decoded::Text,
            Shape::Single | Shape::Envelope => Decoded::One,
            Shape::Optional if items > 0 => Decoded::One,
            Shape::Optional => Decoded::Nothing,
            Shape::List => Decoded::Items(items),
            Shape::Paginated => Decoded::Items(match default_limit {
                Some(limit) => items.min(limit as usize),
                None => items,
            }),
        }
    }
}

/// How many items a list parameter gets: two, within its `items` limits.
fn list_count(param: &Param) -> usize {
    let (min, max) = param.items.map_or((None, None), |l| (l.min, l.max));
    let count = min.unwrap_or(0).clamp(2, MAX_SIZE);
    let count = max.map_or(count, |max| count.min(max));
    usize::try_from(count).unwrap_or(0)
}

/// Whether `count` items are within `param`'s `items` limits.
fn fits(param: &Param, count: usize) -> bool {
    let count = i64::try_from(count).unwrap_or(i64::MAX);
    param.items.is_none_or(|l| {
        l.min.is_none_or(|min| count >= min) && l.max.is_none_or(|max| count <= max)
    })
}

/// A number within `param`'s range: its minimum, or 1 when that is open (the maximum when it
/// is below 1).
fn number(param: &Param) -> i64 {
    match param.range {
        Some(range) => match range.min {
            Some(min) => min,
            None => range.max.map_or(1, |max| max.min(1)),
        },
        None => 1,
    }
}

/// The `index`th string for `param`: one of its accepted values, a string of its minimum length,
/// or `<name>-<index + 1>` (shortened to its maximum length).
fn string_value(param: &Param, index: usize) -> String {
    if !param.values.is_empty() {
        return param.values[index % param.values.len()].clone();
    }
    let letter = char::from(b'a' + (index % 26) as u8);
    let (min, max) = param.length.map_or((None, None), |l| (l.min, l.max));
    if let Some(min) = min.filter(|min| *min > 0) {
        return letter
            .to_string()
            .repeat(usize::try_from(min.min(MAX_SIZE)).unwrap_or(1));
    }
    let leaf = param.name.rsplit('.').next().unwrap_or(&param.name);
    let text = format!("{leaf}-{}", index + 1);
    match max.and_then(|max| usize::try_from(max).ok()) {
        Some(max) if text.chars().count() > max => letter.to_string().repeat(max),
        _ => text,
    }
}

/// The value at the dotted `path` (`data.user_id`) of `body`.
fn lookup<'v>(body: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(body, |value, key| value.get(key))
}

/// Sets the dotted `path` of `body` to `value`, creating nested objects.
fn insert_path(body: &mut Map<String, Value>, path: &str, value: Value) {
    match path.split_once('.') {
        None => {
            body.insert(path.to_owned(), value);
        }
        Some((outer, rest)) => {
            let slot = body
                .entry(outer.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if !slot.is_object() {
                *slot = Value::Object(Map::new());
            }
            if let Value::Object(inner) = slot {
                insert_path(inner, rest, value);
            }
        }
    }
}

/// A value as the query string carries it (what `Display` prints).
fn query_text(value: &CallValue) -> String {
    match value {
        CallValue::Str(s) | CallValue::Timestamp(s) => s.clone(),
        CallValue::Json(json) => json.to_string(),
        CallValue::Int(n) => n.to_string(),
        CallValue::Float(x) => x.to_string(),
        CallValue::Bool(b) => b.to_string(),
        CallValue::Enum { value, .. } => value.clone(),
        CallValue::Model { json, .. } => json.to_string(),
        CallValue::List(items) => items.iter().map(query_text).collect::<Vec<_>>().join(","),
    }
}

/// A value as the JSON body carries it.
fn body_json(value: &CallValue) -> Value {
    match value {
        CallValue::Str(s) | CallValue::Timestamp(s) => json!(s),
        CallValue::Int(n) => json!(n),
        CallValue::Float(x) => json!(x),
        CallValue::Bool(b) => json!(b),
        CallValue::Enum { value, .. } => json!(value),
        CallValue::Json(json) | CallValue::Model { json, .. } => json.clone(),
        CallValue::List(items) => Value::Array(items.iter().map(body_json).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Limit;

    fn param(name: &str) -> Param {
        Param {
            name: name.to_owned(),
            location: Location::Query,
            ty: "string".to_owned(),
            doc: String::new(),
            required: true,
            default: None,
            token_user: false,
            items: None,
            length: None,
            range: None,
            values: Vec::new(),
            secret: false,
        }
    }

    fn limit(min: Option<i64>, max: Option<i64>) -> Option<Limit> {
        Some(Limit { min, max })
    }

    #[test]
    fn values_respect_limits() {
        let p = param("data.user_id");
        assert_eq!(string_value(&p, 0), "user_id-1");
        assert_eq!(string_value(&p, 1), "user_id-2");
        let p = Param {
            length: limit(Some(3), Some(10)),
            ..param("title")
        };
        assert_eq!(string_value(&p, 0), "aaa");
        assert_eq!(string_value(&p, 1), "bbb");
        let p = Param {
            length: limit(None, Some(4)),
            ..param("title")
        };
        assert_eq!(string_value(&p, 0), "aaaa");
        let p = Param {
            values: vec!["x".to_owned(), "y".to_owned()],
            ..param("kind")
        };
        assert_eq!(string_value(&p, 1), "y");

        let ranged = |min, max| Param {
            range: limit(min, max),
            ..param("n")
        };
        assert_eq!(number(&ranged(Some(15), Some(1800))), 15);
        assert_eq!(number(&ranged(None, Some(100))), 1);
        assert_eq!(number(&ranged(None, Some(-5))), -5);
        assert_eq!(number(&param("n")), 1);

        let items = |min, max| Param {
            items: limit(min, max),
            ..param("id")
        };
        assert_eq!(list_count(&param("id")), 2);
        assert_eq!(list_count(&items(Some(3), None)), 3);
        assert_eq!(list_count(&items(None, Some(1))), 1);
        assert!(fits(&items(Some(2), Some(5)), 2));
        assert!(!fits(&items(Some(2), Some(5)), 6));
    }

    #[test]
    fn synthesized_models_fill_required_fields_and_stop_at_cycles() {
        let loaded = crate::bind::tests::loaded(
            "group: test\ntitle: Test\nmodels:\n  - name: Node\n    doc: A node.\n    fields:\n\
             \x20     - { name: name, type: string, doc: x }\n\
             \x20     - { name: count, type: i32, doc: x }\n\
             \x20     - { name: note, type: string, doc: x, optional: true }\n\
             \x20     - { name: next, type: Node, doc: x }\n\
             \x20     - { name: tags, type: \"string[]\", doc: x }\n",
        );
        // Validation rejects a model holding itself directly; binding alone accepts it.
        let index = crate::validate::Index::default();
        let resolved = crate::bind::bind(&loaded, index).unwrap_or_else(|e| panic!("{e}"));
        let calls = Calls {
            resolved: &resolved,
            problems: Vec::new(),
            file: String::new(),
            uses_timestamp: false,
            uses_from_json: false,
        };
        assert_eq!(
            calls.synthesize(&resolved.models[0], 1, &mut Vec::new()),
            json!({"name": "name-2", "count": 1, "next": {}, "tags": []})
        );
    }

    #[test]
    fn dotted_paths_nest() {
        let mut body = Map::new();
        insert_path(&mut body, "data.user_id", json!("1"));
        insert_path(&mut body, "data.reason", json!("r"));
        insert_path(&mut body, "broadcaster_id", json!("2"));
        assert_eq!(
            Value::Object(body),
            json!({"data": {"user_id": "1", "reason": "r"}, "broadcaster_id": "2"})
        );
        let example = json!({"data": {"user_id": "9"}});
        assert_eq!(lookup(&example, "data.user_id"), Some(&json!("9")));
        assert_eq!(lookup(&example, "data.reason"), None);
    }
}
