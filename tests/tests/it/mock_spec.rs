//! The stand-in's generated route table: every operation of the spec is served at its method and
//! path, accepts a call that meets its documented limits with a token it accepts, and answers
//! with the spec's example (or its first page, for paginated operations).

use std::collections::HashSet;
use std::time::Duration;

use reqwest::{Client, Method};
use serde_json::{Map, Value, json};
use twitch_sdk::endpoint::{Endpoint, HttpMethod, Location, Param};
use twitch_sdk::mock::MockServer;

const HOUR: Duration = Duration::from_secs(3600);

/// A value within every limit of `param` (as text: the stand-in accepts numbers in strings).
fn valid_value(param: &Param) -> String {
    if let Some(value) = param.values.first() {
        return (*value).to_owned();
    }
    if let Some(range) = param.range {
        let n = range.min.unwrap_or(1).min(range.max.unwrap_or(i64::MAX));
        return n.to_string();
    }
    let length = param.length.map_or(1, |l| l.min.unwrap_or(1).max(1));
    "1".repeat(usize::try_from(length).unwrap())
}

/// The user of the user tokens the calls carry.
const TOKEN_USER: &str = "141981764";

/// How many items a list parameter gets.
fn valid_count(param: &Param) -> usize {
    param
        .items
        .and_then(|items| items.min)
        .map_or(1, |min| usize::try_from(min.max(1)).unwrap())
}

/// The query pairs and body of a call that passes `endpoint`'s checks: every required
/// parameter, within its limits.
fn valid_call(endpoint: &Endpoint) -> (Vec<(String, String)>, Option<Value>) {
    let mut query = Vec::new();
    let mut body = Map::new();
    for param in endpoint.params.iter().filter(|p| p.required) {
        // The parameter Helix checks against the token's user holds the token's user.
        let acting =
            endpoint.tokens.user && endpoint.acting_user.is_some_and(|a| a.param == param.name);
        let value = if acting {
            TOKEN_USER.to_owned()
        } else {
            valid_value(param)
        };
        match param.location {
            Location::Query => {
                for _ in 0..valid_count(param) {
                    query.push((param.name.to_owned(), value.clone()));
                }
            }
            Location::Body => {
                let value = if param.range.is_some() {
                    json!(value.parse::<f64>().unwrap())
                } else {
                    json!(value)
                };
                let value = match param.items {
                    Some(_) => Value::Array(vec![value; valid_count(param)]),
                    None => value,
                };
                insert_path(&mut body, param.name, value);
            }
        }
    }
    (query, (!body.is_empty()).then_some(Value::Object(body)))
}

/// Sets the body key `name`; a dotted name (`data.user_id`) is a key of a nested object.
fn insert_path(body: &mut Map<String, Value>, name: &str, value: Value) {
    match name.split_once('.') {
        None => {
            body.insert(name.to_owned(), value);
        }
        Some((outer, rest)) => {
            let inner = body
                .entry(outer.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(inner) = inner {
                insert_path(inner, rest, value);
            }
        }
    }
}

/// Removes the body key `name`, dotted like [`insert_path`].
fn remove_path(body: &mut Map<String, Value>, name: &str) {
    match name.split_once('.') {
        None => {
            body.remove(name);
        }
        Some((outer, rest)) => {
            if let Some(Value::Object(inner)) = body.get_mut(outer) {
                remove_path(inner, rest);
            }
        }
    }
}

/// Sends `query` and `body` to `endpoint` with a token it accepts, carrying every scope it needs.
async fn call(
    mock: &MockServer,
    endpoint: &Endpoint,
    query: &[(String, String)],
    body: Option<&Value>,
) -> reqwest::Response {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let method = Method::from_bytes(endpoint.method.as_str().as_bytes()).unwrap();
    let url = format!("{}{}", mock.helix_url(), endpoint.path);
    let mut request = Client::new().request(method, url).query(query);
    if let Some(body) = body {
        request = request.json(body);
    }
    let token = if endpoint.tokens.user {
        let mut scopes: Vec<&str> = endpoint.scopes_all_of.to_vec();
        scopes.extend(endpoint.scopes_any_of.first());
        Some(
            mock.issue_user_token(TOKEN_USER, "twitchdev", &scopes, HOUR)
                .0,
        )
    } else if endpoint.tokens.app {
        Some(mock.issue_app_token(HOUR))
    } else {
        None
    };
    if let Some(token) = token {
        request = request
            .bearer_auth(token)
            .header("Client-Id", mock.client_id());
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn every_spec_operation_is_served_with_its_example() {
    let mock = MockServer::builder()
        .examples_only()
        .without_rate_limit()
        .start()
        .await
        .unwrap();
    let endpoints = mock.endpoints();
    let routes: HashSet<(HttpMethod, &str)> =
        endpoints.iter().map(|e| (e.method, e.path)).collect();
    assert_eq!(
        routes.len(),
        endpoints.len(),
        "one operation per method and path"
    );
    let operations: HashSet<&str> = endpoints.iter().map(|e| e.operation).collect();
    assert_eq!(
        operations.len(),
        endpoints.len(),
        "operation ids are unique"
    );

    for endpoint in endpoints {
        let (query, body) = valid_call(endpoint);
        let response = call(&mock, endpoint, &query, body.as_ref()).await;
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        let op = endpoint.operation;

        let Some(example) = mock.example(op) else {
            let expected = if endpoint.method == HttpMethod::Get {
                (200, r#"{"data":[]}"#)
            } else {
                (204, "")
            };
            assert_eq!((status, text.as_str()), expected, "{op}");
            continue;
        };
        assert_eq!(status, 200, "{op}: {text}");
        let example: Value = serde_json::from_str(example)
            .unwrap_or_else(|e| panic!("{op}: example is not JSON: {e}"));
        match (&example, endpoint.paging) {
            (Value::String(plain), _) => assert_eq!(&text, plain, "{op}"),
            (Value::Object(fields), Some(paging))
                if fields.get("data").is_some_and(Value::is_array) =>
            {
                let served: Value = serde_json::from_str(&text).unwrap();
                let items = fields["data"].as_array().unwrap();
                let page = 20.min(paging.max_page_size.map_or(usize::MAX, |m| m as usize));
                let first_page = &items[..items.len().min(page)];
                assert_eq!(
                    served["data"].as_array().unwrap().as_slice(),
                    first_page,
                    "{op}"
                );
                assert!(served["pagination"].is_object(), "{op}: {served}");
            }
            _ => {
                let served: Value = serde_json::from_str(&text).unwrap();
                assert_eq!(served, example, "{op}");
            }
        }
    }
    assert_eq!(mock.requests().len(), endpoints.len());
    assert!(
        mock.requests().iter().all(|r| r.operation.is_some()),
        "every call was routed"
    );
}

#[tokio::test]
async fn every_required_parameter_is_enforced() {
    let mock = MockServer::builder()
        .without_rate_limit()
        .start()
        .await
        .unwrap();
    let mut checked = 0;
    for endpoint in mock.endpoints() {
        for required in endpoint.params.iter().filter(|p| p.required) {
            let (mut query, mut body) = valid_call(endpoint);
            query.retain(|(name, _)| name != required.name);
            if let Some(Value::Object(fields)) = &mut body {
                remove_path(fields, required.name);
            }
            let response = call(&mock, endpoint, &query, body.as_ref()).await;
            assert_eq!(
                response.status(),
                400,
                "{} without {}",
                endpoint.operation,
                required.name
            );
            let body: Value = response.json().await.unwrap();
            let expected = format!("Parameter \"{}\": required, but missing", required.name);
            assert_eq!(body["message"], expected.as_str());
            checked += 1;
        }
    }
    assert!(
        checked > 0 || mock.endpoints().is_empty(),
        "the spec has required parameters"
    );
}
