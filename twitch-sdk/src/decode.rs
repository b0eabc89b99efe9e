//! Turning response bodies into values and error statuses into [`Error`]s.
//!
//! Helix wraps results as `{"data": [...], "pagination": {"cursor": "..."}}`. Lenient where Twitch
//! is: `data: null` or no `data` is an empty list, `data` may be a single object, and `pagination`
//! may be an object with a cursor, an empty object, or the cursor as a plain string. A decode
//! failure names the operation and the JSON path (`data[0].created_at`) with a short excerpt of
//! the body. Error bodies (`{"error": "...", "status": 400, "message": "..."}`) keep Twitch's
//! message; a non-JSON error body (an HTML 502 page) is quoted briefly instead.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::endpoint::Endpoint;
use crate::error::{Error, Result};

/// How much of a body an error quotes.
const EXCERPT_CHARS: usize = 160;

/// One page of a paginated operation: its items, the next cursor, and the counts some
/// listings add next to `data`.
#[derive(Debug)]
pub(crate) struct Page<T> {
    pub(crate) items: Vec<T>,
    pub(crate) cursor: Option<String>,
    /// Top-level `total` (followers, chatters, subscriptions): how many items the whole list
    /// holds, not this page.
    pub(crate) total: Option<u64>,
    /// Top-level `points` (broadcaster subscriptions): the subscriber points.
    pub(crate) points: Option<u64>,
}

/// `data` as a list of `T`, plus the next cursor: [`paged`] without the counts, for the fuzz
/// targets, the benches and this module's tests.
#[cfg(any(fuzzing, feature = "__bench", test))]
pub(crate) fn page<T: DeserializeOwned>(
    endpoint: &Endpoint,
    body: &[u8],
) -> Result<(Vec<T>, Option<String>)> {
    paged(endpoint, body).map(|page| (page.items, page.cursor))
}

/// [`page`] plus the top-level `total` and `points`, read from the parsed body (no extra
/// parsing or allocation). A count that is absent, negative or not a whole number is `None`.
pub(crate) fn paged<T: DeserializeOwned>(endpoint: &Endpoint, body: &[u8]) -> Result<Page<T>> {
    let mut root = parse(endpoint, body)?;
    let cursor = cursor(&root);
    let count = |key: &str| root.get(key).and_then(Value::as_u64);
    let (total, points) = (count("total"), count("points"));
    let items = data_list(endpoint, body, take_data(&mut root))?;
    Ok(Page {
        items,
        cursor,
        total,
        points,
    })
}

/// `data` as a list of `T`.
pub(crate) fn list<T: DeserializeOwned>(endpoint: &Endpoint, body: &[u8]) -> Result<Vec<T>> {
    let mut root = parse(endpoint, body)?;
    data_list(endpoint, body, take_data(&mut root))
}

/// The first item of `data` (or `data` itself when it is an object), if any.
pub(crate) fn optional<T: DeserializeOwned>(endpoint: &Endpoint, body: &[u8]) -> Result<Option<T>> {
    let mut root = parse(endpoint, body)?;
    match take_data(&mut root) {
        Value::Null => Ok(None),
        Value::Array(items) => match items.into_iter().next() {
            None => Ok(None),
            Some(first) => value(endpoint, body, "data[0]", first).map(Some),
        },
        other => value(endpoint, body, "data", other).map(Some),
    }
}

/// Exactly one item: the first of `data`, or `data` itself when it is an object.
pub(crate) fn single<T: DeserializeOwned>(endpoint: &Endpoint, body: &[u8]) -> Result<T> {
    optional(endpoint, body)?.ok_or_else(|| Error::Decode {
        endpoint: endpoint.operation,
        path: "data".into(),
        message: "expected one item, got none".into(),
        excerpt: excerpt(body),
    })
}

/// The whole body as `T`.
pub(crate) fn whole<T: DeserializeOwned>(endpoint: &Endpoint, body: &[u8]) -> Result<T> {
    let root = parse(endpoint, body)?;
    value(endpoint, body, "", root)
}

fn parse(endpoint: &Endpoint, body: &[u8]) -> Result<Value> {
    if body.iter().all(u8::is_ascii_whitespace) {
        // 204 No Content, or an empty 200: nothing in it.
        return Ok(Value::Null);
    }
    serde_json::from_slice(body).map_err(|e| Error::Decode {
        endpoint: endpoint.operation,
        path: ".".into(),
        message: format!("not JSON: {e}"),
        excerpt: excerpt(body),
    })
}

fn take_data(root: &mut Value) -> Value {
    match root {
        Value::Object(map) => map.remove("data").unwrap_or(Value::Null),
        _ => Value::Null,
    }
}

fn data_list<T: DeserializeOwned>(endpoint: &Endpoint, body: &[u8], data: Value) -> Result<Vec<T>> {
    match data {
        Value::Null => Ok(Vec::new()),
        data @ Value::Array(_) => value(endpoint, body, "data", data),
        other => value(endpoint, body, "data", other).map(|one| vec![one]),
    }
}

/// Deserializes `v`, reporting failures at `prefix` + the path inside `v`.
fn value<T: DeserializeOwned>(
    endpoint: &Endpoint,
    body: &[u8],
    prefix: &str,
    v: Value,
) -> Result<T> {
    serde_path_to_error::deserialize(v).map_err(|e| {
        let inner = e.path().to_string();
        let path = match (prefix, inner.as_str()) {
            ("", i) => i.to_owned(),
            (p, ".") => p.to_owned(),
            (p, i) if i.starts_with('[') => format!("{p}{i}"),
            (p, i) => format!("{p}.{i}"),
        };
        Error::Decode {
            endpoint: endpoint.operation,
            path,
            message: e.into_inner().to_string(),
            excerpt: excerpt(body),
        }
    })
}

/// `pagination.cursor`, `pagination` as a string, or nothing; empty cursors count as none.
fn cursor(root: &Value) -> Option<String> {
    let cursor = match root.get("pagination")? {
        Value::String(s) => s.as_str(),
        Value::Object(map) => map.get("cursor")?.as_str()?,
        _ => return None,
    };
    (!cursor.is_empty()).then(|| cursor.to_owned())
}

/// Maps a non-success status to the error the user sees.
pub(crate) fn status_error(
    endpoint: &Endpoint,
    status: u16,
    body: &[u8],
    reset: Option<std::time::SystemTime>,
) -> Error {
    let operation = endpoint.operation;
    let message = error_message(body)
        .or_else(|| endpoint.error_meaning(status).map(str::to_owned))
        .unwrap_or_else(|| {
            if body.iter().all(u8::is_ascii_whitespace) {
                "no details given".to_owned()
            } else {
                format!("unexpected non-JSON error body: {}", excerpt(body))
            }
        });
    match status {
        400 => Error::BadRequest {
            endpoint: operation,
            message,
        },
        401 => Error::Unauthorized {
            endpoint: operation,
            message,
        },
        403 => Error::Forbidden {
            endpoint: operation,
            message,
        },
        404 => Error::NotFound {
            endpoint: operation,
            message,
        },
        409 => Error::Conflict {
            endpoint: operation,
            message,
        },
        429 => Error::RateLimited {
            endpoint: operation,
            reset,
        },
        _ => Error::Status {
            endpoint: operation,
            status,
            message,
        },
    }
}

/// Twitch's `message` (or `error`) from a JSON error body.
pub(crate) fn error_message(body: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    ["message", "error"]
        .iter()
        .find_map(|key| v.get(key)?.as_str().filter(|s| !s.trim().is_empty()))
        .map(str::to_owned)
}

/// The start of `body`, whitespace squeezed, cut at a character boundary.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out = String::new();
    let mut count = 0;
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        for c in word.chars() {
            if count == EXCERPT_CHARS {
                out.push('…');
                return out;
            }
            out.push(c);
            count += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::endpoint::{HttpMethod, TokenTypes};
    use serde::Deserialize;

    static EP: Endpoint = Endpoint {
        operation: "get-things",
        method: HttpMethod::Get,
        path: "/things",
        tokens: TokenTypes {
            app: true,
            user: true,
        },
        scopes_all_of: &[],
        scopes_any_of: &[],
        params: &[],
        paging: None,
        errors: &[(400, "The id is not valid."), (404, "No such thing.")],
        reference: "",
    };

    #[derive(Debug, Deserialize, PartialEq)]
    struct Thing {
        id: String,
        #[serde(default)]
        count: Option<u32>,
    }

    #[test]
    fn pages_and_cursors() {
        let (items, cursor) = page::<Thing>(
            &EP,
            br#"{"data":[{"id":"1"},{"id":"2"}],"pagination":{"cursor":"abc"}}"#,
        )
        .unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(cursor.as_deref(), Some("abc"));
        let (_, c) = page::<Thing>(&EP, br#"{"data":[],"pagination":{}}"#).unwrap();
        assert_eq!(c, None);
        let (_, c) = page::<Thing>(&EP, br#"{"data":[],"pagination":"xyz"}"#).unwrap();
        assert_eq!(c.as_deref(), Some("xyz"));
        let (_, c) = page::<Thing>(&EP, br#"{"data":[],"pagination":{"cursor":""}}"#).unwrap();
        assert_eq!(c, None);
        let (items, c) = page::<Thing>(&EP, br#"{"data":null}"#).unwrap();
        assert!(items.is_empty() && c.is_none());
    }

    #[test]
    fn pages_carry_their_counts() {
        let p = paged::<Thing>(
            &EP,
            br#"{"total":8,"points":13,"data":[{"id":"1"}],"pagination":{"cursor":"c"}}"#,
        )
        .unwrap();
        assert_eq!((p.items.len(), p.cursor.as_deref()), (1, Some("c")));
        assert_eq!((p.total, p.points), (Some(8), Some(13)));
        let p = paged::<Thing>(&EP, br#"{"data":[]}"#).unwrap();
        assert_eq!((p.total, p.points), (None, None));
        // Not a count: ignored rather than failing the page.
        let p = paged::<Thing>(&EP, br#"{"data":[],"total":"many","points":-1}"#).unwrap();
        assert_eq!((p.total, p.points), (None, None));
    }

    #[test]
    fn shapes() {
        assert_eq!(list::<Thing>(&EP, br#"{"data":null}"#).unwrap(), vec![]);
        assert_eq!(list::<Thing>(&EP, b"").unwrap(), vec![]);
        let one: Thing = single(&EP, br#"{"data":[{"id":"1"}]}"#).unwrap();
        assert_eq!(one.id, "1");
        let obj: Thing = single(&EP, br#"{"data":{"id":"2"}}"#).unwrap();
        assert_eq!(obj.id, "2");
        assert_eq!(optional::<Thing>(&EP, br#"{"data":[]}"#).unwrap(), None);
        let err = single::<Thing>(&EP, br#"{"data":[]}"#).unwrap_err();
        assert!(
            matches!(err, Error::Decode { ref path, .. } if path == "data"),
            "{err}"
        );
        let whole_body: Value = whole(&EP, br#"{"total":3}"#).unwrap();
        assert_eq!(whole_body["total"], 3);
    }

    #[test]
    fn decode_errors_name_the_path() {
        let err =
            list::<Thing>(&EP, br#"{"data":[{"id":"1"},{"id":"2","count":"many"}]}"#).unwrap_err();
        match err {
            Error::Decode {
                endpoint,
                path,
                excerpt,
                ..
            } => {
                assert_eq!(endpoint, "get-things");
                assert_eq!(path, "data[1].count");
                assert!(excerpt.starts_with(r#"{"data":"#));
            }
            other => panic!("{other}"),
        }
        let err = single::<Thing>(&EP, br#"{"data":[{"count":1}]}"#).unwrap_err();
        assert!(
            matches!(err, Error::Decode { ref path, .. } if path == "data[0]"),
            "{err}"
        );
        let err = list::<Thing>(&EP, b"<html>oops</html>").unwrap_err();
        assert!(matches!(err, Error::Decode { ref excerpt, .. } if excerpt == "<html>oops</html>"));
    }

    #[test]
    fn status_errors() {
        let body = br#"{"error":"Bad Request","status":400,"message":"Invalid login names"}"#;
        match status_error(&EP, 400, body, None) {
            Error::BadRequest { endpoint, message } => {
                assert_eq!(endpoint, "get-things");
                assert_eq!(message, "Invalid login names");
            }
            other => panic!("{other}"),
        }
        // No message: the spec's meaning.
        match status_error(&EP, 404, b"", None) {
            Error::NotFound { message, .. } => assert_eq!(message, "No such thing."),
            other => panic!("{other}"),
        }
        let html = b"<html>\n  <body>  <h1>502 Bad Gateway</h1></body></html>";
        match status_error(&EP, 502, html, None) {
            Error::Status {
                status, message, ..
            } => {
                assert_eq!(status, 502);
                assert!(message.contains("<h1>502 Bad Gateway</h1>"), "{message}");
            }
            other => panic!("{other}"),
        }
        assert_eq!(status_error(&EP, 401, b"{}", None).status(), Some(401));
        assert_eq!(status_error(&EP, 403, b"{}", None).status(), Some(403));
        assert_eq!(status_error(&EP, 409, b"{}", None).status(), Some(409));
        assert!(matches!(
            status_error(&EP, 429, b"{}", None),
            Error::RateLimited { .. }
        ));
        assert_eq!(status_error(&EP, 418, b"{}", None).status(), Some(418));
    }

    #[test]
    fn excerpts_are_short_and_clean() {
        let long = "é".repeat(1000);
        let e = excerpt(long.as_bytes());
        assert_eq!(e.chars().count(), EXCERPT_CHARS + 1);
        assert_eq!(excerpt(b"a \n\n  b"), "a b");
        assert_eq!(excerpt(&[0xff, b'a']), "\u{fffd}a");
    }
}
