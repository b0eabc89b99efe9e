//! The one implementation of the spec's argument limits and scope rules.
//!
//! The client calls these before sending, so a call that breaks a documented limit fails locally
//! with [`Error::InvalidArgument`] and nothing goes over the wire; the stand-in server (`mock`
//! feature) calls the very same functions to answer `400` and `401` the way Helix would. Both
//! sides read the limits from the generated [`Endpoint`] statics, so they cannot disagree.

use serde_json::Value;

use crate::endpoint::{Endpoint, Limit, Location, Param};
use crate::error::Error;

/// Checks the arguments of one call against the limits of `endpoint`'s parameters.
///
/// `query` holds the query pairs in any order (lists repeat the key); `body` is the JSON body,
/// whose top-level keys are the body parameters. For each parameter, in the spec's order: a
/// required one must be present (`null` counts as absent), a list must have an allowed number of
/// items (repeated query keys or JSON array length), each string must have an allowed length in
/// characters and, where the spec lists accepted values, be one of them, and each number must be
/// a number within its range. The first broken limit is returned as
/// [`Error::InvalidArgument`], named by the parameter's Rust name, with a reason naming the
/// limit (`at most 100 items, got 101`). Query keys the spec does not know are left alone.
#[cfg(any(feature = "mock", test))]
pub fn arguments<K, V>(
    endpoint: &Endpoint,
    query: &[(K, V)],
    body: Option<&Value>,
) -> Result<(), Error>
where
    K: AsRef<str>,
    V: AsRef<str>,
{
    parameters(endpoint, query, body, |reason| reason)?;
    body.map_or(Ok(()), |body| webhook_transports(body, ""))
}

/// `arguments` as the SDK reports to its callers: the reason of a broken parameter limit ends
/// with the operation's reference link, where Twitch documents the limit. (The stand-in answers
/// with `arguments`, as Twitch does, without the link.)
pub(crate) fn arguments_with_reference<K, V>(
    endpoint: &Endpoint,
    query: &[(K, V)],
    body: Option<&Value>,
) -> Result<(), Error>
where
    K: AsRef<str>,
    V: AsRef<str>,
{
    parameters(endpoint, query, body, |reason| {
        with_reference(reason, endpoint)
    })?;
    body.map_or(Ok(()), |body| webhook_transports(body, ""))
}

/// The parameter limits of `arguments`; `explain` finishes the reason of a broken one.
fn parameters<K, V>(
    endpoint: &Endpoint,
    query: &[(K, V)],
    body: Option<&Value>,
    explain: impl Fn(String) -> String,
) -> Result<(), Error>
where
    K: AsRef<str>,
    V: AsRef<str>,
{
    endpoint.params.iter().try_for_each(|param| {
        let values = match param.location {
            Location::Query => query_values(param, query),
            Location::Body => body_values(param, body),
        };
        check_param(param, values.as_deref()).map_err(|reason| Error::InvalidArgument {
            name: param.rust_name.to_owned(),
            reason: explain(reason),
        })
    })
}

/// `reason` with the operation's reference link, where Twitch documents the limit broken.
fn with_reference(reason: String, endpoint: &Endpoint) -> String {
    if endpoint.reference.is_empty() {
        reason
    } else {
        format!("{reason} (see {})", endpoint.reference)
    }
}

/// Twitch's rules for a webhook transport, wherever one sits in a body (`transport`, or
/// `shards[i].transport` of a conduit update): the callback is an `https` URL and the secret
/// holds 10 to 100 characters. `at` is the path of `value`, for the error's name.
fn webhook_transports(value: &Value, at: &str) -> Result<(), Error> {
    let child = |key: &str| {
        if at.is_empty() {
            key.to_owned()
        } else {
            format!("{at}.{key}")
        }
    };
    match value {
        Value::Object(map) => {
            if map.get("method").and_then(Value::as_str) == Some("webhook") {
                webhook_transport(map, at)?;
            }
            map.iter()
                .try_for_each(|(key, value)| webhook_transports(value, &child(key)))
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, item)| webhook_transports(item, &format!("{at}[{i}]"))),
        _ => Ok(()),
    }
}

fn webhook_transport(map: &serde_json::Map<String, Value>, at: &str) -> Result<(), Error> {
    let name = if at.is_empty() { "transport" } else { at };
    let problem = match map.get("callback").and_then(Value::as_str) {
        None => Some("a webhook transport needs a callback URL".to_owned()),
        Some(url) => webhook_callback_problem(url).map(str::to_owned),
    };
    let problem = problem.or_else(|| match map.get("secret").and_then(Value::as_str) {
        None => Some("a webhook transport needs a secret".to_owned()),
        Some(secret) => webhook_secret_problem(secret),
    });
    problem.map_or(Ok(()), |reason| {
        Err(Error::InvalidArgument {
            name: name.to_owned(),
            reason,
        })
    })
}

/// What is wrong with a webhook callback, if anything: Twitch calls only `https` URLs (plain
/// `http` is let through to loopback, where the stand-in and local receivers listen). The one
/// statement of this rule: subscribing, the stand-in and the Helix pre-send check all ask here.
pub(crate) fn webhook_callback_problem(callback: &str) -> Option<&'static str> {
    (!crate::http::webhook_callback_allowed(callback))
        .then_some("a webhook callback must be an https:// URL")
}

/// What is wrong with a webhook secret, if anything: Twitch wants 10 to 100 ASCII characters.
/// The secret itself is never quoted, only its length. Also the verifier's rule for the secrets
/// it signs with, so a verifier never accepts a secret Twitch would refuse.
pub(crate) fn webhook_secret_problem(secret: &str) -> Option<String> {
    if !secret.is_ascii() {
        return Some("a webhook secret must be ASCII".to_owned());
    }
    match secret.len() {
        10..=100 => None,
        n => Some(format!(
            "a webhook secret must hold 10 to 100 characters, got {n}"
        )),
    }
}

/// Checks that a token with `granted` scopes may call `endpoint`.
///
/// Every scope of the endpoint's `all_of` list must be granted, and at least one of its `any_of`
/// list when that list is not empty. On failure the error lists what is missing; its `Display`
/// reads `missing scope: a`, `missing scopes: a, b`, `missing one of: x, y`, or both parts joined
/// (`missing scope: a; and one of: x, y`). Scopes only apply to user tokens: the caller skips
/// this check for app tokens, which carry none.
pub fn scopes<S: AsRef<str>>(
    endpoint: &Endpoint,
    granted: &[S],
) -> Result<(), crate::error::MissingScopes> {
    match missing_scopes(endpoint, granted) {
        None => Ok(()),
        Some(missing) => Err(crate::error::MissingScopes::new(
            missing.all_of,
            missing.any_of.iter().copied(),
        )),
    }
}

/// What a token lacks for an endpoint; see [`missing_scopes`].
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct MissingScopes {
    /// The scopes of the `all_of` list that were not granted.
    pub all_of: Vec<&'static str>,
    /// The `any_of` list when none of it was granted; empty otherwise.
    pub any_of: &'static [&'static str],
}

/// The scopes `granted` lacks for `endpoint`, or `None` when it lacks nothing.
pub(crate) fn missing_scopes<S: AsRef<str>>(
    endpoint: &Endpoint,
    granted: &[S],
) -> Option<MissingScopes> {
    let has = |scope: &&str| granted.iter().any(|g| g.as_ref() == *scope);
    let all_of: Vec<&'static str> = endpoint
        .scopes_all_of
        .iter()
        .copied()
        .filter(|s| !has(s))
        .collect();
    let any_of = if endpoint.scopes_any_of.iter().any(has) {
        &[]
    } else {
        endpoint.scopes_any_of
    };
    (!all_of.is_empty() || !any_of.is_empty()).then_some(MissingScopes { all_of, any_of })
}

/// Checks the acting-user rule of `endpoint` for a user token of `user_id`: the parameter the
/// rule names, when given, must be that user. A broken rule is returned as
/// [`Error::InvalidArgument`] naming the argument, with Helix's wording in the reason. Whether
/// the user moderates the channel is not checked here; only the server knows.
pub fn acting_user<K, V>(
    endpoint: &Endpoint,
    user_id: &str,
    query: &[(K, V)],
    body: Option<&Value>,
) -> Result<(), Error>
where
    K: AsRef<str>,
    V: AsRef<str>,
{
    let Some(rule) = endpoint.acting_user else {
        return Ok(());
    };
    let Some(param) = endpoint.param(rule.param) else {
        return Ok(());
    };
    let values = match param.location {
        Location::Query => query_values(param, query),
        Location::Body => body_values(param, body),
    };
    let given = values.unwrap_or_default();
    match given
        .iter()
        .find(|v| !matches!(v, Arg::Text(t) if t == user_id))
    {
        None => Ok(()),
        Some(other) => Err(Error::InvalidArgument {
            name: param.rust_name.to_owned(),
            reason: format!(
                "must be the token's user ({user_id}), not {}: {}",
                other.text(),
                acting_user_message(rule.param)
            ),
        }),
    }
}

/// Helix's message when the acting-user parameter is not the token's user.
pub(crate) fn acting_user_message(param: &str) -> String {
    format!("The ID in {param} must match the user ID in the access token.")
}

/// Checks that `endpoint` accepts an app access token (`app == true`) or a user access token.
///
/// The message names the operation and the token type it needs. Operations that accept neither
/// (no authorization at all, such as the iCalendar feed) accept any token.
pub fn token_type(endpoint: &Endpoint, app: bool) -> Result<(), String> {
    let tokens = endpoint.tokens;
    if (!tokens.app && !tokens.user) || (app && tokens.app) || (!app && tokens.user) {
        return Ok(());
    }
    let (needed, given) = if app {
        ("a user", "an app")
    } else {
        ("an app", "a user")
    };
    Err(format!(
        "{} needs {needed} access token, not {given} access token",
        endpoint.operation
    ))
}

/// The values given for a query parameter; `None` when the key is absent.
fn query_values<K: AsRef<str>, V: AsRef<str>>(param: &Param, query: &[(K, V)]) -> Option<Vec<Arg>> {
    let values: Vec<Arg> = query
        .iter()
        .filter(|(key, _)| key.as_ref() == param.name)
        .map(|(_, value)| Arg::Text(value.as_ref().to_owned()))
        .collect();
    (!values.is_empty()).then_some(values)
}

/// The values given for a body parameter (the items of an array); `None` when absent or `null`.
/// A dotted name (`data.user_id`) is a key of a nested object.
fn body_values(param: &Param, body: Option<&Value>) -> Option<Vec<Arg>> {
    let value = param
        .name
        .split('.')
        .try_fold(body?, |value, key| value.get(key))?;
    match value {
        Value::Null => None,
        Value::Array(items) => Some(items.iter().map(Arg::from_json).collect()),
        value => Some(vec![Arg::from_json(value)]),
    }
}

/// One given value, as far as the limits care.
enum Arg {
    /// A string, or a query value (every query value is text on the wire).
    Text(String),
    /// A JSON number.
    Number(f64),
    /// Anything else: booleans, objects, nested arrays. Only counted.
    Other(String),
}

impl Arg {
    fn from_json(value: &Value) -> Arg {
        match value {
            Value::String(s) => Arg::Text(s.clone()),
            Value::Number(n) => n
                .as_f64()
                .map_or_else(|| Arg::Other(n.to_string()), Arg::Number),
            other => Arg::Other(other.to_string()),
        }
    }

    /// The value as it reads, for length, accepted values and messages.
    fn text(&self) -> String {
        match self {
            Arg::Text(s) | Arg::Other(s) => s.clone(),
            Arg::Number(n) => n.to_string(),
        }
    }

    fn number(&self) -> Option<f64> {
        match self {
            Arg::Text(s) => s.trim().parse::<f64>().ok().filter(|n| n.is_finite()),
            Arg::Number(n) => Some(*n),
            Arg::Other(_) => None,
        }
    }
}

/// The reason `values` break `param`'s limits, if they do.
fn check_param(param: &Param, values: Option<&[Arg]>) -> Result<(), String> {
    let Some(values) = values else {
        return if param.required {
            Err("required, but missing".to_owned())
        } else {
            Ok(())
        };
    };
    if let Some(items) = param.items {
        let count = values.len();
        if !contains(items, count as f64) {
            return Err(format!("{items} items, got {count}"));
        }
    }
    for value in values {
        check_value(param, value)?;
    }
    Ok(())
}

fn check_value(param: &Param, value: &Arg) -> Result<(), String> {
    if let Some(length) = param.length {
        let chars = value.text().chars().count();
        if !contains(length, chars as f64) {
            return Err(format!("length {length}, got {chars}"));
        }
    }
    if let Some(range) = param.range {
        let Some(number) = value.number() else {
            return Err(format!(
                "must be a number, got `{}`",
                excerpt(&value.text())
            ));
        };
        if !contains(range, number) {
            return Err(format!("must be {range}, got {}", value.text()));
        }
    }
    if !param.values.is_empty() {
        let text = value.text();
        if !param.values.contains(&text.as_str()) {
            return Err(format!(
                "must be one of: {}; got `{}`",
                param.values.join(", "),
                excerpt(&text)
            ));
        }
    }
    Ok(())
}

/// [`Limit::contains`] for fractional values: `2.5` is not within `1 to 2`.
fn contains(limit: Limit, n: f64) -> bool {
    limit.min.is_none_or(|min| n >= min as f64) && limit.max.is_none_or(|max| n <= max as f64)
}

/// At most 40 characters of a value, so a huge argument does not flood the message.
fn excerpt(text: &str) -> String {
    const MAX: usize = 40;
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::endpoint::{HttpMethod, Limit, TokenTypes};

    const fn param(name: &'static str, location: Location) -> Param {
        Param {
            name,
            rust_name: name,
            location,
            required: false,
            items: None,
            length: None,
            range: None,
            values: &[],
        }
    }

    const fn limit(min: i64, max: i64) -> Option<Limit> {
        Some(Limit {
            min: Some(min),
            max: Some(max),
        })
    }

    static PARAMS: &[Param] = &[
        Param {
            rust_name: "user_ids",
            items: Some(Limit {
                min: None,
                max: Some(3),
            }),
            ..param("id", Location::Query)
        },
        Param {
            required: true,
            ..param("broadcaster_id", Location::Query)
        },
        Param {
            range: limit(1, 100),
            ..param("first", Location::Query)
        },
        Param {
            values: &["day", "week", "all"],
            ..param("period", Location::Query)
        },
        Param {
            required: true,
            length: limit(1, 5),
            ..param("title", Location::Body)
        },
        Param {
            items: limit(2, 3),
            length: limit(1, 4),
            ..param("choices", Location::Body)
        },
        Param {
            range: limit(15, 1800),
            ..param("duration", Location::Body)
        },
        Param {
            rust_name: "reason",
            length: limit(1, 4),
            ..param("data.reason", Location::Body)
        },
    ];

    static ENDPOINT: Endpoint = Endpoint {
        operation: "test-op",
        method: HttpMethod::Post,
        path: "/test",
        tokens: TokenTypes {
            app: false,
            user: true,
        },
        scopes_all_of: &["a:read", "b:read"],
        scopes_any_of: &["x:manage", "y:manage"],
        scopes_partial: None,
        params: PARAMS,
        paging: None,
        acting_user: None,
        errors: &[],
        reference: "",
        secret_response: false,
    };

    fn run(query: &[(&str, &str)], body: Value) -> Result<(), (String, String)> {
        let body = (!body.is_null()).then_some(body);
        arguments(&ENDPOINT, query, body.as_ref()).map_err(|e| match e {
            Error::InvalidArgument { name, reason } => (name, reason),
            other => panic!("unexpected error {other:?}"),
        })
    }

    #[test]
    fn argument_limits() {
        let ok_body = json!({"title": "hey", "choices": ["a", "b"]});
        let bid = ("broadcaster_id", "1");
        // (query, body, expected failure as (name, reason))
        type Case = (
            Vec<(&'static str, &'static str)>,
            Value,
            Option<(&'static str, &'static str)>,
        );
        let cases: Vec<Case> = vec![
            (vec![bid], ok_body.clone(), None),
            (
                vec![],
                ok_body.clone(),
                Some(("broadcaster_id", "required, but missing")),
            ),
            // An empty value is present: Helix decides what it means.
            (vec![("broadcaster_id", "")], ok_body.clone(), None),
            (
                vec![bid, ("id", "1"), ("id", "2"), ("id", "3")],
                ok_body.clone(),
                None,
            ),
            (
                vec![bid, ("id", "1"), ("id", "2"), ("id", "3"), ("id", "4")],
                ok_body.clone(),
                Some(("user_ids", "at most 3 items, got 4")),
            ),
            (vec![bid, ("first", "100")], ok_body.clone(), None),
            (
                vec![bid, ("first", "101")],
                ok_body.clone(),
                Some(("first", "must be 1 to 100, got 101")),
            ),
            (
                vec![bid, ("first", "0")],
                ok_body.clone(),
                Some(("first", "must be 1 to 100, got 0")),
            ),
            (
                vec![bid, ("first", "ten")],
                ok_body.clone(),
                Some(("first", "must be a number, got `ten`")),
            ),
            (vec![bid, ("first", "1.5")], ok_body.clone(), None),
            (vec![bid, ("period", "week")], ok_body.clone(), None),
            (
                vec![bid, ("period", "month")],
                ok_body.clone(),
                Some(("period", "must be one of: day, week, all; got `month`")),
            ),
            (
                vec![bid],
                json!({"choices": ["a", "b"]}),
                Some(("title", "required, but missing")),
            ),
            (
                vec![bid],
                json!({"title": null}),
                Some(("title", "required, but missing")),
            ),
            (
                vec![bid],
                Value::Null,
                Some(("title", "required, but missing")),
            ),
            (
                vec![bid],
                json!({"title": ""}),
                Some(("title", "length 1 to 5, got 0")),
            ),
            (vec![bid], json!({"title": "héllo"}), None),
            // Dotted names reach into nested objects (Ban User's `data.reason`).
            (
                vec![bid],
                json!({"title": "t", "choices": ["a", "b"], "data": {"reason": "spam"}}),
                None,
            ),
            (
                vec![bid],
                json!({"title": "t", "choices": ["a", "b"], "data": {"reason": "spammy"}}),
                Some(("reason", "length 1 to 4, got 6")),
            ),
            (
                vec![bid],
                json!({"title": "héllo!"}),
                Some(("title", "length 1 to 5, got 6")),
            ),
            (
                vec![bid],
                json!({"title": "t", "choices": ["a"]}),
                Some(("choices", "2 to 3 items, got 1")),
            ),
            (
                vec![bid],
                json!({"title": "t", "choices": ["a", "b", "c", "d"]}),
                Some(("choices", "2 to 3 items, got 4")),
            ),
            (
                vec![bid],
                json!({"title": "t", "choices": ["a", "toolong"]}),
                Some(("choices", "length 1 to 4, got 7")),
            ),
            (vec![bid], json!({"title": "t", "duration": 15}), None),
            (
                vec![bid],
                json!({"title": "t", "duration": 14}),
                Some(("duration", "must be 15 to 1800, got 14")),
            ),
            (
                vec![bid],
                json!({"title": "t", "duration": true}),
                Some(("duration", "must be a number, got `true`")),
            ),
            // A number written as a string is still a number.
            (vec![bid], json!({"title": "t", "duration": "60"}), None),
            // Keys the spec does not know are not Helix's problem here.
            (
                vec![bid, ("unknown", "x")],
                json!({"title": "t", "extra": 1}),
                None,
            ),
        ];
        for (query, body, expected) in cases {
            let got = run(&query, body.clone());
            let expected = expected.map(|(n, r)| (n.to_owned(), r.to_owned()));
            assert_eq!(
                got,
                expected.map_or(Ok(()), Err),
                "query {query:?}, body {body}"
            );
        }
    }

    #[test]
    fn long_values_are_cut_in_messages() {
        let long = "x".repeat(100);
        let (_, reason) = run(
            &[("broadcaster_id", "1"), ("period", &long)],
            json!({"title": "t"}),
        )
        .unwrap_err();
        assert_eq!(
            reason,
            format!("must be one of: day, week, all; got `{}…`", "x".repeat(40))
        );
    }

    #[test]
    fn the_sdk_names_the_reference_and_the_stand_in_does_not() {
        static LINKED: Endpoint = Endpoint {
            reference: "https://dev.twitch.tv/docs/api/reference#test-op",
            ..ENDPOINT
        };
        let query: [(&str, &str); 0] = [];
        let reason = |result: Result<(), Error>| match result {
            Err(Error::InvalidArgument { reason, .. }) => reason,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            reason(arguments(&LINKED, &query, None)),
            "required, but missing"
        );
        assert_eq!(
            reason(arguments_with_reference(&LINKED, &query, None)),
            "required, but missing (see https://dev.twitch.tv/docs/api/reference#test-op)"
        );
    }

    #[test]
    fn owned_query_pairs_work_too() {
        let query = vec![("broadcaster_id".to_owned(), "1".to_owned())];
        assert!(arguments(&ENDPOINT, &query, Some(&json!({"title": "t"}))).is_ok());
    }

    #[test]
    fn webhook_transports_need_https_and_a_sized_secret() {
        let open = Endpoint {
            params: &[],
            ..ENDPOINT
        };
        let check = |body: Value| arguments::<&str, &str>(&open, &[], Some(&body));
        let hook = |callback: &str, secret: &str| json!({"method": "webhook", "callback": callback, "secret": secret});
        let ok = hook("https://example.com/cb", "0123456789");
        assert!(check(json!({"transport": ok})).is_ok());
        assert!(check(json!({"transport": {"method": "websocket", "session_id": "x"}})).is_ok());
        let reason = |body: Value| match check(body) {
            Err(Error::InvalidArgument { name, reason }) => format!("{name}: {reason}"),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            reason(json!({"transport": hook("http://example.com/cb", "0123456789")})),
            "transport: a webhook callback must be an https:// URL"
        );
        assert_eq!(
            reason(json!({"transport": hook("https://example.com/cb", "short")})),
            "transport: a webhook secret must hold 10 to 100 characters, got 5"
        );
        let long = "x".repeat(101);
        assert_eq!(
            reason(
                json!({"shards": [{"id": "0", "transport": ok}, {"id": "1", "transport": hook("https://a.b", &long)}]})
            ),
            "shards[1].transport: a webhook secret must hold 10 to 100 characters, got 101"
        );
        assert!(!reason(json!({"transport": hook("https://a.b", "short")})).contains("short"));
    }

    #[test]
    fn scope_messages() {
        let cases: &[(&[&str], Result<(), &str>)] = &[
            (&["a:read", "b:read", "x:manage"], Ok(())),
            (&["b:read", "a:read", "y:manage", "other"], Ok(())),
            (&["a:read", "x:manage"], Err("missing scope: b:read")),
            (&["y:manage"], Err("missing scopes: a:read, b:read")),
            (
                &["a:read", "b:read"],
                Err("missing one of: x:manage, y:manage"),
            ),
            (
                &["b:read"],
                Err("missing scope: a:read; and one of: x:manage, y:manage"),
            ),
            (
                &[],
                Err("missing scopes: a:read, b:read; and one of: x:manage, y:manage"),
            ),
        ];
        for (granted, expected) in cases {
            assert_eq!(
                scopes(&ENDPOINT, granted).map_err(|m| m.to_string()),
                expected.map_err(str::to_owned),
                "granted {granted:?}"
            );
        }
        let open = Endpoint {
            scopes_all_of: &[],
            scopes_any_of: &[],
            ..ENDPOINT
        };
        assert!(scopes::<&str>(&open, &[]).is_ok());
    }

    #[test]
    fn acting_user_must_be_the_token_user() {
        use crate::endpoint::ActingUser;
        static PARAMS: &[Param] = &[
            Param {
                name: "moderator_id",
                rust_name: "moderator_id",
                location: Location::Query,
                required: true,
                items: None,
                length: None,
                range: None,
                values: &[],
            },
            Param {
                name: "data.owner_id",
                rust_name: "owner_id",
                location: Location::Body,
                required: false,
                items: None,
                length: None,
                range: None,
                values: &[],
            },
        ];
        let rule = |param| Endpoint {
            params: PARAMS,
            acting_user: Some(ActingUser {
                param,
                moderates: Some("broadcaster_id"),
            }),
            ..ENDPOINT
        };
        let query = [("moderator_id", "42")];
        assert!(acting_user(&rule("moderator_id"), "42", &query, None).is_ok());
        let err = acting_user(&rule("moderator_id"), "7", &query, None).unwrap_err();
        let Error::InvalidArgument { name, reason } = err else {
            panic!("not an argument error")
        };
        assert_eq!(name, "moderator_id");
        assert_eq!(
            reason,
            "must be the token's user (7), not 42: The ID in moderator_id must match the user ID in the access token."
        );
        // A body parameter, nested, is checked too; an absent one is left to the other checks.
        let body = serde_json::json!({"data": {"owner_id": "9"}});
        let no_query: [(&str, &str); 0] = [];
        assert!(acting_user(&rule("data.owner_id"), "9", &no_query, Some(&body)).is_ok());
        assert!(acting_user(&rule("data.owner_id"), "1", &no_query, Some(&body)).is_err());
        assert!(acting_user(&rule("data.owner_id"), "1", &no_query, None).is_ok());
        // No rule, nothing to check.
        assert!(acting_user(&ENDPOINT, "1", &query, None).is_ok());
    }

    #[test]
    fn token_types() {
        let with = |app, user| Endpoint {
            tokens: TokenTypes { app, user },
            ..ENDPOINT
        };
        let cases = [
            ((true, true), true, Ok(())),
            ((true, true), false, Ok(())),
            ((false, true), false, Ok(())),
            (
                (false, true),
                true,
                Err("test-op needs a user access token, not an app access token"),
            ),
            ((true, false), true, Ok(())),
            (
                (true, false),
                false,
                Err("test-op needs an app access token, not a user access token"),
            ),
            ((false, false), true, Ok(())),
            ((false, false), false, Ok(())),
        ];
        for ((app, user), given_app, expected) in cases {
            assert_eq!(
                token_type(&with(app, user), given_app),
                expected.map_err(str::to_owned),
                "accepts app {app} user {user}, given app {given_app}"
            );
        }
    }
}
