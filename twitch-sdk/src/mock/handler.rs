//! The normal behaviour: OAuth endpoints, and every Helix route of the table with Helix's
//! authentication, scope, rate-limit, argument and pagination rules. Pure functions of the
//! request and the [`State`]; the HTTP plumbing lives in `server.rs`.

use serde_json::{Map, Value, json};

use super::eventsub;
use super::log::ReceivedRequest;
use super::reply::error_body;
use super::state::{Grant, State};
use crate::check;
use crate::endpoint::{Endpoint, HttpMethod, Paging};
use crate::error::Error;

/// A complete response before it becomes HTTP.
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    /// `status` with `body` and no headers yet (`application/json` is assumed for a body
    /// without a content type).
    pub fn raw(status: u16, body: impl Into<Vec<u8>>) -> Answer {
        Answer {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    fn json(status: u16, body: &Value) -> Answer {
        let mut answer = Answer::raw(status, body.to_string());
        answer.set_header("content-type", "application/json");
        answer
    }

    /// Helix's error body.
    fn error(status: u16, message: impl AsRef<str>) -> Answer {
        Answer::json(status, &error_body(status, message.as_ref()))
    }

    /// The OAuth server's error body, which has no `error` key.
    fn oauth_error(status: u16, message: &str) -> Answer {
        Answer::json(status, &json!({"status": status, "message": message}))
    }

    /// Sets header `name`, replacing any of the same name.
    pub fn set_header(&mut self, name: &str, value: &str) {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name.to_owned(), value.to_owned()));
    }
}

/// The normal answer to `request`.
pub(crate) fn handle(state: &State, request: &ReceivedRequest) -> Answer {
    let path = request.path.trim_end_matches('/');
    match (request.method.as_str(), path) {
        ("POST", "/oauth2/token") => token(state, request),
        ("GET", "/oauth2/validate") => validate(state, request),
        ("POST", "/oauth2/revoke") => revoke(state, request),
        (_, path) if path.starts_with("/helix/") => helix(state, request),
        (method, path) => Answer::error(
            404,
            format!("no route {method} {path} on the Helix stand-in"),
        ),
    }
}

/// OAuth parameters: the query and the form body together (Twitch accepts either).
fn oauth_params(request: &ReceivedRequest) -> Vec<(String, String)> {
    let mut params = request.query.clone();
    params.extend(request.form());
    params
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
        .filter(|value| !value.is_empty())
}

/// `POST /oauth2/token`: client credentials and refresh grants.
fn token(state: &State, request: &ReceivedRequest) -> Answer {
    let params = oauth_params(request);
    let grant_type = param(&params, "grant_type");
    match grant_type {
        Some("client_credentials") => state.count(|c| c.client_credentials += 1),
        Some("refresh_token") => state.count(|c| c.refresh += 1),
        _ => {}
    }
    let Some(client_id) = param(&params, "client_id") else {
        return Answer::oauth_error(400, "missing client id");
    };
    let Some(secret) = state.client_secret_of(client_id) else {
        return Answer::oauth_error(400, "invalid client");
    };
    if param(&params, "client_secret") != Some(secret.as_str()) {
        return Answer::oauth_error(403, "invalid client secret");
    }
    match grant_type {
        Some("client_credentials") => {
            let lifetime = state.config.app_token_lifetime;
            let grant = Grant {
                client_id: client_id.to_owned(),
                user: None,
                scopes: Vec::new(),
            };
            let (access, _) = state.issue(grant, lifetime);
            Answer::json(
                200,
                &json!({"access_token": access, "expires_in": lifetime.as_secs(), "token_type": "bearer"}),
            )
        }
        Some("refresh_token") => {
            let Some(refresh) = param(&params, "refresh_token") else {
                return Answer::oauth_error(400, "missing refresh token");
            };
            let Some(grant) = state.take_refresh(refresh, client_id) else {
                return Answer::oauth_error(400, "Invalid refresh token");
            };
            let lifetime = state.config.user_token_lifetime;
            let scopes = grant.scopes.clone();
            let (access, refresh) = state.issue(grant, lifetime);
            Answer::json(
                200,
                &json!({
                    "access_token": access,
                    "refresh_token": refresh,
                    "expires_in": lifetime.as_secs(),
                    "scope": scopes,
                    "token_type": "bearer",
                }),
            )
        }
        _ => Answer::oauth_error(400, "unsupported grant type"),
    }
}

/// The token of an `Authorization: <scheme> <token>` header, if the scheme is one of `schemes`.
fn credentials<'a>(request: &'a ReceivedRequest, schemes: &[&str]) -> Option<&'a str> {
    let (scheme, token) = request.header("authorization")?.trim().split_once(' ')?;
    schemes
        .iter()
        .any(|s| s.eq_ignore_ascii_case(scheme))
        .then(|| token.trim())
        .filter(|token| !token.is_empty())
}

/// `GET /oauth2/validate`.
fn validate(state: &State, request: &ReceivedRequest) -> Answer {
    state.count(|c| c.validate += 1);
    let live = credentials(request, &["OAuth", "Bearer"]).and_then(|token| state.lookup(token));
    let Some((grant, left)) = live else {
        return Answer::oauth_error(401, "invalid access token");
    };
    let mut body = json!({
        "client_id": grant.client_id,
        "scopes": grant.scopes,
        "expires_in": left.as_secs(),
    });
    if let Some((user_id, login)) = grant.user {
        body["login"] = Value::String(login);
        body["user_id"] = Value::String(user_id);
    }
    Answer::json(200, &body)
}

/// `POST /oauth2/revoke`.
fn revoke(state: &State, request: &ReceivedRequest) -> Answer {
    state.count(|c| c.revoke += 1);
    let params = oauth_params(request);
    let Some(client_id) = param(&params, "client_id") else {
        return Answer::oauth_error(400, "missing client id");
    };
    if state.client_secret_of(client_id).is_none() {
        return Answer::oauth_error(404, "client does not exist");
    }
    let Some(token) = param(&params, "token") else {
        return Answer::oauth_error(400, "missing oauth token");
    };
    match state.token_client(token) {
        None => Answer::oauth_error(400, "Invalid token"),
        Some(owner) if owner != client_id => Answer::oauth_error(403, "client ID does not match"),
        Some(_) => {
            state.revoke(token);
            Answer::raw(200, Vec::new())
        }
    }
}

/// Any `/helix/...` request.
fn helix(state: &State, request: &ReceivedRequest) -> Answer {
    let Some(endpoint) = state.routes.find(&request.method, &request.path) else {
        let message = format!("no Helix operation {} {}", request.method, request.path);
        return Answer::error(404, message);
    };
    let mut rate_headers = Vec::new();
    let mut caller = None;
    // Operations that accept no token type need no authorization at all (the iCalendar feed).
    if endpoint.tokens.app || endpoint.tokens.user {
        let grant = match authenticate(state, request) {
            Ok(grant) => grant,
            Err(message) => return Answer::error(401, message),
        };
        caller = Some(grant.clone());
        if let Err(message) = check::token_type(endpoint, grant.user.is_none()) {
            return Answer::error(401, message);
        }
        // App tokens carry no scopes and are not checked for them.
        let missing = grant
            .user
            .as_ref()
            .and_then(|_| check::missing_scopes(endpoint, &grant.scopes));
        if let Some(missing) = missing {
            let mut names = missing.all_of.join(", ");
            if !missing.any_of.is_empty() {
                let sep = if names.is_empty() { "" } else { "; " };
                names = format!("{names}{sep}one of {}", missing.any_of.join(", "));
            }
            return Answer::error(401, format!("Missing scope: {names}"));
        }
        if let Some(charge) = state.charge(&grant) {
            if state.config.rate_limit_headers {
                rate_headers = vec![
                    ("Ratelimit-Limit".to_owned(), charge.limit.to_string()),
                    (
                        "Ratelimit-Remaining".to_owned(),
                        charge.remaining.to_string(),
                    ),
                    ("Ratelimit-Reset".to_owned(), charge.reset_unix.to_string()),
                ];
            }
            if !charge.allowed {
                let mut answer = Answer::error(429, "Too Many Requests");
                answer.headers.extend(rate_headers);
                return answer;
            }
        }
    }
    let mut answer = serve(state, endpoint, request, caller.as_ref());
    answer.headers.extend(rate_headers);
    answer
}

/// The grant of the request's bearer token, or Helix's 401 message.
fn authenticate(state: &State, request: &ReceivedRequest) -> Result<Grant, &'static str> {
    if request.header("authorization").is_none() {
        return Err("OAuth token is missing");
    }
    let token = credentials(request, &["Bearer"])
        .ok_or("Invalid OAuth token: expected `Authorization: Bearer <token>`")?;
    let client_id = request
        .header("client-id")
        .filter(|id| !id.is_empty())
        .ok_or("Client-Id header is missing")?;
    let (grant, _) = state.lookup(token).ok_or("Invalid OAuth token")?;
    if grant.client_id != client_id {
        return Err("Client ID and OAuth token do not match");
    }
    Ok(grant)
}

/// The answer of an authorized request: 400 for broken arguments, else the page or example.
fn serve(
    state: &State,
    endpoint: &'static Endpoint,
    request: &ReceivedRequest,
    grant: Option<&Grant>,
) -> Answer {
    let body = if request.body.is_empty() {
        None
    } else {
        match serde_json::from_slice::<Value>(&request.body) {
            Ok(body) => Some(body),
            Err(e) => {
                return Answer::error(400, format!("The request body is not valid JSON: {e}"));
            }
        }
    };
    if let Err(error) = check::arguments(endpoint, &request.query, body.as_ref()) {
        let message = match error {
            Error::InvalidArgument { name, reason } => {
                let wire = endpoint
                    .params
                    .iter()
                    .find(|p| p.rust_name == name)
                    .map_or(name.as_str(), |p| p.name);
                format!("Parameter \"{wire}\": {reason}")
            }
            other => other.to_string(),
        };
        return Answer::error(400, message);
    }
    if let Some(answer) = eventsub_answer(state, endpoint, request, body.as_ref(), grant) {
        return answer;
    }
    let example = state.routes.example(endpoint.operation);
    if let Some(paging) = endpoint.paging {
        return page(state, endpoint, paging, request, example);
    }
    match example {
        Some(text) => example_answer(text),
        None if endpoint.method == HttpMethod::Get => Answer::json(200, &json!({"data": []})),
        None => Answer::raw(204, Vec::new()),
    }
}

/// EventSub subscriptions and conduits are answered from the stand-in's EventSub state.
fn eventsub_answer(
    state: &State,
    endpoint: &Endpoint,
    request: &ReceivedRequest,
    body: Option<&Value>,
    grant: Option<&Grant>,
) -> Option<Answer> {
    let grant = grant.filter(|_| !state.config.examples_only)?;
    let caller = eventsub::helix::Caller {
        client_id: &grant.client_id,
        user_id: grant.user.as_ref().map(|(id, _)| id.as_str()),
    };
    let (status, body) =
        eventsub::helix::answer(&state.eventsub, endpoint.operation, request, body, caller)?;
    Some(match body {
        Some(body) => Answer::json(status, &body),
        None => Answer::raw(status, Vec::new()),
    })
}

/// An example body as Twitch would send it: JSON as written, a JSON string (the iCalendar
/// example) as plain text.
fn example_answer(text: &'static str) -> Answer {
    let (body, content_type) = match serde_json::from_str::<Value>(text) {
        Ok(Value::String(plain)) => {
            let content_type = if plain.starts_with("BEGIN:VCALENDAR") {
                "text/calendar; charset=utf-8"
            } else {
                "text/plain; charset=utf-8"
            };
            (plain.into_bytes(), content_type)
        }
        Ok(_) => (text.as_bytes().to_vec(), "application/json"),
        Err(_) => (text.as_bytes().to_vec(), "text/plain; charset=utf-8"),
    };
    let mut answer = Answer::raw(200, body);
    answer.set_header("content-type", content_type);
    answer
}

/// One page of the operation's items (set by the test, or the example's `data`).
///
/// A cursor names the page it came with (its first and past-the-end index): `after` serves the
/// page that follows it, `before` the page that precedes it. The cursor is empty (or absent,
/// see `last_page_without_cursor`) when there is nothing further in that direction.
fn page(
    state: &State,
    endpoint: &Endpoint,
    paging: Paging,
    request: &ReceivedRequest,
    example: Option<&'static str>,
) -> Answer {
    let mut body: Map<String, Value> = example
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or_default();
    let items = match (state.items(endpoint.operation), body.get("data")) {
        (Some(items), _) => items,
        (None, Some(Value::Array(items))) => items.clone(),
        (None, None) => Vec::new(),
        // `data` is one object with its own lists (a schedule): serve the example as it is.
        (None, Some(_)) => {
            return example.map_or_else(|| Answer::raw(204, Vec::new()), example_answer);
        }
    };
    let size = paging
        .page_size
        .and_then(|name| request.query_value(name))
        .and_then(|value| value.trim().parse::<usize>().ok())
        .unwrap_or(state.config.page_size)
        .max(1);
    let size = paging
        .max_page_size
        .map_or(size, |max| size.min(max as usize).max(1));
    let cursor = |name| request.query_value(name).filter(|c| !c.is_empty());
    let len = items.len();
    let (start, end, backward) = if let Some(after) = cursor("after") {
        let Some((_, end)) = decode_cursor(after) else {
            return Answer::error(400, "Invalid value for parameter \"after\": unknown cursor");
        };
        let start = end.min(len);
        (start, (start + size).min(len), false)
    } else if let Some(before) = cursor("before") {
        if !paging.before {
            let message = format!(
                "{} does not support the \"before\" cursor",
                endpoint.operation
            );
            return Answer::error(400, message);
        }
        let Some((start, _)) = decode_cursor(before) else {
            return Answer::error(
                400,
                "Invalid value for parameter \"before\": unknown cursor",
            );
        };
        let end = start.min(len);
        (end.saturating_sub(size), end, true)
    } else {
        (0, size.min(len), false)
    };
    let more = if backward { start > 0 } else { end < len };
    let pagination = if more {
        json!({"cursor": encode_cursor(start, end)})
    } else if state.config.last_page_without_cursor {
        json!({})
    } else {
        json!({"cursor": ""})
    };
    body.insert("data".to_owned(), Value::Array(items[start..end].to_vec()));
    body.insert("pagination".to_owned(), pagination);
    if body.contains_key("total") {
        body.insert("total".to_owned(), Value::from(len));
    }
    Answer::json(200, &Value::Object(body))
}

/// An opaque cursor for the page `start..end`.
fn encode_cursor(start: usize, end: usize) -> String {
    format!("mock:{start}:{end}")
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn decode_cursor(cursor: &str) -> Option<(usize, usize)> {
    let pairs = cursor.as_bytes().chunks_exact(2);
    if !pairs.remainder().is_empty() {
        return None;
    }
    let bytes: Vec<u8> = pairs
        .map(|pair| {
            let hex = std::str::from_utf8(pair).ok()?;
            let digits = hex.bytes().all(|b| b.is_ascii_hexdigit());
            digits.then(|| u8::from_str_radix(hex, 16).ok()).flatten()
        })
        .collect::<Option<_>>()?;
    let text = String::from_utf8(bytes).ok()?;
    let (start, end) = text.strip_prefix("mock:")?.split_once(':')?;
    Some((start.parse().ok()?, end.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::{decode_cursor, encode_cursor};

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        for (start, end) in [(0, 20), (20, 40), (123, 456)] {
            assert_eq!(
                decode_cursor(&encode_cursor(start, end)),
                Some((start, end))
            );
        }
        for garbage in [
            "",
            "abc",
            "zz",
            "6d6f636b",
            "eyJiIjpudWxsfQ",
            "6d6f636b3a783a79",
        ] {
            assert_eq!(decode_cursor(garbage), None, "{garbage}");
        }
    }
}
