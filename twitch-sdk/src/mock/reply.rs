//! Test hooks as data: which requests an override applies to ([`Route`]) and what it answers
//! ([`Reply`]). Registering one ([`OnRoute`](super::OnRoute)) is in `overrides`, beside the
//! state it changes.

use std::time::Duration;

use serde_json::{Value, json};

/// Which requests something applies to: one Helix operation, one path (any or one method), or
/// every request.
///
/// Written as a string (`From<&str>`):
/// - `"get-users"`: the Helix operation with that id;
/// - `"/users"` or `"/helix/users"`: that Helix path, any method; `"/oauth2/token"`: that OAuth
///   path (paths that do not start with `/helix/` or `/oauth2/` are Helix paths);
/// - `"POST /oauth2/token"`, `"DELETE /moderation/bans"`: that method on that path;
/// - `"*"`: every request.
///
/// Any of these may end in `?name=value&...` to match only requests whose query carries each of
/// those values (`"get-users?login=nosuchuser"`); [`with_query`](Route::with_query) does the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    method: Option<String>,
    target: Target,
    query: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    Any,
    Operation(String),
    Path(String),
}

impl Route {
    /// Every request.
    pub fn any() -> Route {
        Route {
            method: None,
            target: Target::Any,
            query: Vec::new(),
        }
    }

    /// The Helix operation `operation` (`get-users`).
    pub fn operation(operation: impl Into<String>) -> Route {
        Route {
            method: None,
            target: Target::Operation(operation.into()),
            query: Vec::new(),
        }
    }

    /// `path` (Helix-relative like `/users`, or starting with `/helix/` or `/oauth2/`), with
    /// `method` (`"GET"`) or any method when `None`.
    pub fn path(method: Option<&str>, path: &str) -> Route {
        let path = path.trim_end_matches('/');
        let path = if path.starts_with("/helix/") || path.starts_with("/oauth2/") {
            path.to_owned()
        } else {
            format!("/helix{path}")
        };
        Route {
            method: method.map(str::to_ascii_uppercase),
            target: Target::Path(path),
            query: Vec::new(),
        }
    }

    /// Only requests whose query has `name` with `value` (one of its values, for a list).
    pub fn with_query(mut self, name: impl Into<String>, value: impl Into<String>) -> Route {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Whether a request with `method` on `path` and `query`, routed to `operation`, is on this
    /// route.
    pub(crate) fn matches(
        &self,
        method: &str,
        path: &str,
        operation: Option<&str>,
        query: &[(String, String)],
    ) -> bool {
        if self.method.as_deref().is_some_and(|m| m != method) {
            return false;
        }
        if !self.query.iter().all(|wanted| query.contains(wanted)) {
            return false;
        }
        match &self.target {
            Target::Any => true,
            Target::Operation(op) => operation == Some(op.as_str()),
            Target::Path(p) => p == path.trim_end_matches('/'),
        }
    }
}

impl From<&str> for Route {
    fn from(text: &str) -> Route {
        let (text, query) = text.trim().split_once('?').unwrap_or((text.trim(), ""));
        let mut route = match text.split_once(' ') {
            _ if text == "*" => Route::any(),
            Some((method, path)) => Route::path(Some(method), path.trim()),
            None if text.starts_with('/') => Route::path(None, text),
            None => Route::operation(text),
        };
        route.query = super::log::parse_pairs(query);
        route
    }
}

impl From<String> for Route {
    fn from(text: String) -> Route {
        Route::from(text.as_str())
    }
}

impl From<&String> for Route {
    fn from(text: &String) -> Route {
        Route::from(text.as_str())
    }
}

/// What the stand-in answers instead of (or on top of) its normal behaviour.
///
/// Build one with a constructor, optionally add headers and a delay, and register it with
/// [`MockServer::on`](super::MockServer::on):
///
/// ```
/// # use std::time::Duration;
/// # use twitch_sdk::mock::Reply;
/// let busy = Reply::error(503, "try again").header("Retry-After", "1");
/// let slow = Reply::passthrough().delay(Duration::from_secs(30)); // for client timeouts
/// let broken = Reply::html_502();
/// # let _ = (busy, slow, broken);
/// ```
#[derive(Debug, Clone)]
pub struct Reply {
    pub(crate) kind: ReplyKind,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) delay: Duration,
    /// The request is handled before the delay, not after: its effects (a refresh token used
    /// up, a new one issued) happen at once and only the answer is late.
    pub(crate) handle_first: bool,
}

#[derive(Debug, Clone)]
pub(crate) enum ReplyKind {
    /// Behave normally.
    Passthrough,
    /// This exact response.
    Fixed {
        status: u16,
        content_type: Option<String>,
        body: Vec<u8>,
    },
    /// The normal response with its body cut in half (the HTTP message itself is complete).
    Truncated,
    /// The normal response announcing its full length, the connection dropped halfway.
    Incomplete,
    /// Drop the connection with a TCP reset, no response.
    Reset,
    /// Close the connection, no response.
    Close,
}

impl Reply {
    fn new(kind: ReplyKind) -> Reply {
        Reply {
            kind,
            headers: Vec::new(),
            delay: Duration::ZERO,
            handle_first: false,
        }
    }

    fn fixed(status: u16, content_type: Option<&str>, body: Vec<u8>) -> Reply {
        Reply::new(ReplyKind::Fixed {
            status,
            content_type: content_type.map(str::to_owned),
            body,
        })
    }

    /// The normal answer, unchanged: combine with [`delay`](Self::delay) (slow responses,
    /// client timeouts) or [`header`](Self::header).
    pub fn passthrough() -> Reply {
        Reply::new(ReplyKind::Passthrough)
    }

    /// `status` with `body` as JSON.
    pub fn json(status: u16, body: Value) -> Reply {
        Reply::fixed(
            status,
            Some("application/json"),
            body.to_string().into_bytes(),
        )
    }

    /// `status` with Twitch's error body:
    /// `{"error": "<reason phrase>", "status": <status>, "message": "<message>"}`.
    pub fn error(status: u16, message: impl Into<String>) -> Reply {
        Reply::json(status, error_body(status, &message.into()))
    }

    /// `status` with `body` sent as it is, labelled `content_type`.
    pub fn body(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply::fixed(status, Some(content_type), body.into())
    }

    /// `status` with no body (`204`, or an error with an empty body).
    pub fn empty(status: u16) -> Reply {
        Reply::fixed(status, None, Vec::new())
    }

    /// `200` labelled JSON whose body is not valid JSON.
    pub fn malformed_json() -> Reply {
        Reply::body(
            200,
            "application/json",
            r#"{"data": [{"id": "1", "login": }"#,
        )
    }

    /// The normal answer with its JSON body cut in half. The HTTP message is complete and its
    /// `Content-Length` matches; only the JSON is broken.
    pub fn truncated_json() -> Reply {
        Reply::new(ReplyKind::Truncated)
    }

    /// The normal answer announcing its full `Content-Length`, with the connection dropped after
    /// half of the body.
    pub fn incomplete_body() -> Reply {
        Reply::new(ReplyKind::Incomplete)
    }

    /// `502` with the HTML page a load balancer sends in front of a failing backend.
    pub fn html_502() -> Reply {
        Reply::body(
            502,
            "text/html",
            "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
             <center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n",
        )
    }

    /// No response: the connection is reset (TCP RST).
    pub fn reset() -> Reply {
        Reply::new(ReplyKind::Reset)
    }

    /// No response: the connection is closed cleanly before anything is written.
    pub fn close() -> Reply {
        Reply::new(ReplyKind::Close)
    }

    /// Adds a response header; for a pass-through reply it replaces the normal header of that
    /// name (`Ratelimit-Remaining`, `Content-Type`).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Waits `delay` before answering (or before dropping the connection).
    pub fn delay(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }

    /// Handles the request at once and waits `delay` before sending the answer: the server did
    /// the work (a refresh token was exchanged), but a client that gives up in the meantime
    /// never hears of it.
    pub fn delay_answer(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self.handle_first = true;
        self
    }
}

/// Twitch's error body for `status`.
pub(crate) fn error_body(status: u16, message: &str) -> Value {
    let reason = hyper::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    json!({"error": reason, "status": status, "message": message})
}

#[cfg(test)]
mod tests {
    use super::Route;

    #[test]
    fn routes_can_require_query_values() {
        let query = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        let route = Route::from("get-users?login=nosuchuser");
        let users = Some("get-users");
        assert!(route.matches(
            "GET",
            "/helix/users",
            users,
            &query(&[("login", "nosuchuser")])
        ));
        assert!(route.matches(
            "GET",
            "/helix/users",
            users,
            &query(&[("login", "a"), ("login", "nosuchuser")])
        ));
        assert!(!route.matches(
            "GET",
            "/helix/users",
            users,
            &query(&[("login", "twitchdev")])
        ));
        assert!(!route.matches("GET", "/helix/users", users, &[]));
        let both = Route::from("GET /users")
            .with_query("id", "1")
            .with_query("login", "x");
        assert!(both.matches(
            "GET",
            "/helix/users",
            None,
            &query(&[("login", "x"), ("id", "1")])
        ));
        assert!(!both.matches("GET", "/helix/users", None, &query(&[("id", "1")])));
        assert!(Route::from("*?id=1").matches("GET", "/x", None, &query(&[("id", "1")])));
    }

    #[test]
    fn route_syntax() {
        let cases: &[(&str, &str, &str, Option<&str>, bool)] = &[
            ("get-users", "GET", "/helix/users", Some("get-users"), true),
            ("get-users", "GET", "/helix/users", Some("get-clips"), false),
            ("/users", "GET", "/helix/users", None, true),
            ("/users", "POST", "/helix/users/", None, true),
            ("/helix/users", "GET", "/helix/users", None, true),
            ("/users", "GET", "/helix/users/follows", None, false),
            ("POST /oauth2/token", "POST", "/oauth2/token", None, true),
            ("post /oauth2/token", "POST", "/oauth2/token", None, true),
            ("POST /oauth2/token", "GET", "/oauth2/token", None, false),
            ("/oauth2/validate", "GET", "/oauth2/validate", None, true),
            (
                "DELETE /moderation/bans",
                "DELETE",
                "/helix/moderation/bans",
                None,
                true,
            ),
            ("*", "PATCH", "/anything", None, true),
        ];
        for (route, method, path, operation, expected) in cases {
            assert_eq!(
                Route::from(*route).matches(method, path, *operation, &[]),
                *expected,
                "{route} vs {method} {path} {operation:?}"
            );
        }
    }
}
