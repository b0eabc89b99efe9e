//! One authorized, well-formed Helix call as the world sees it: the operation, its arguments
//! and who made it.

use serde_json::Value;

use super::super::handler::Answer;
use crate::endpoint::Endpoint;

/// A call to the world.
#[derive(Debug)]
pub(crate) struct Call<'a> {
    /// The operation called.
    pub endpoint: &'static Endpoint,
    /// The query pairs, decoded.
    pub query: &'a [(String, String)],
    /// The JSON body, if any.
    pub body: Option<&'a Value>,
    /// The token's user id (`None` for app tokens).
    pub user: Option<&'a str>,
    /// The example body of the operation, if the spec has one.
    pub example: Option<&'static str>,
}

impl Call<'_> {
    /// The first value of argument `name`: a query value, or a body value (a dotted name is a
    /// key of a nested object). Numbers and booleans are written out.
    pub fn arg(&self, name: &str) -> Option<&str> {
        if let Some((_, value)) = self.query.iter().find(|(key, _)| key == name) {
            return Some(value.as_str());
        }
        self.body_value(name).and_then(Value::as_str)
    }

    /// Every query value of `name`, in order, or the items of a body array.
    pub fn args(&self, name: &str) -> Vec<String> {
        let query: Vec<String> = self
            .query
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .collect();
        if !query.is_empty() {
            return query;
        }
        match self.body_value(name) {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            Some(Value::String(s)) => vec![s.clone()],
            _ => Vec::new(),
        }
    }

    /// The body value at `name` (dotted for nested keys).
    pub fn body_value(&self, name: &str) -> Option<&Value> {
        name.split('.')
            .try_fold(self.body?, |value, key| value.get(key))
            .filter(|v| !v.is_null())
    }

    /// A required argument the checks already proved present.
    pub fn required(&self, name: &str) -> String {
        self.arg(name).unwrap_or_default().to_owned()
    }

    /// The first item of the operation's example `data`, the shape of what it answers.
    pub fn example_item(&self) -> Value {
        let example: Value = self
            .example
            .and_then(|text| serde_json::from_str(text).ok())
            .unwrap_or_default();
        match example.get("data") {
            Some(Value::Array(items)) => items.first().cloned().unwrap_or_default(),
            Some(object @ Value::Object(_)) => object.clone(),
            _ => Value::Null,
        }
    }

    /// Helix's answer when an id the call names does not exist: `404` where the operation
    /// documents one, `400` otherwise.
    pub fn not_found(&self, what: &str) -> Answer {
        let status = if self.endpoint.error_meaning(404).is_some() {
            404
        } else {
            400
        };
        Answer::error(status, what)
    }
}
