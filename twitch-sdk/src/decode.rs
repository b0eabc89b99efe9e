//! Turning response bodies into values and error statuses into [`Error`]s.
//!
//! Helix wraps results as `{"data": [...], "pagination": {"cursor": "..."}}`. Lenient where Twitch
//! is: `data: null` or no `data` is an empty list, `data` may be a single object, and `pagination`
//! may be an object with a cursor, an empty object, or the cursor as a plain string. A decode
//! failure names the operation and the JSON path (`data[0].created_at`) with a short excerpt of
//! the body, except for operations whose answers hold secrets (the spec marks them). An answer
//! that differs from the spec in a field (`null`, `""`, missing, another spelling) is mended and
//! read again by [`repair`], under the client's [`Policy`]. Error bodies (`{"error": "...", "status": 400, "message": "..."}`) keep Twitch's
//! message; a non-JSON error body (an HTML 502 page) is quoted briefly instead.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess,
    Visitor,
};
use serde_json::Value;

use crate::endpoint::Endpoint;
use crate::error::{Error, Result};

mod repair;

use repair::Failure;
pub(crate) use repair::Policy;

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
    /// Top-level `template` (user emotes): the URL template for emote images.
    pub(crate) template: Option<String>,
}

/// `data` as a list of `T`, plus the next cursor: [`paged`] without the counts, for the fuzz
/// targets, the benches and this module's tests.
#[cfg(any(fuzzing, feature = "__bench", test))]
pub(crate) fn page<T: DeserializeOwned>(
    endpoint: &Endpoint,
    policy: &Policy,
    body: &[u8],
) -> Result<(Vec<T>, Option<String>)> {
    paged(endpoint, policy, body).map(|page| (page.items, page.cursor))
}

/// [`page`] plus the top-level `total`, `points` and `template`, read in the same pass. A count that is
/// absent, negative or not a whole number is `None`.
pub(crate) fn paged<T: DeserializeOwned>(
    endpoint: &Endpoint,
    policy: &Policy,
    body: &[u8],
) -> Result<Page<T>> {
    envelope(endpoint, policy, body, false)
}

/// `data` as a list of `T`.
pub(crate) fn list<T: DeserializeOwned>(
    endpoint: &Endpoint,
    policy: &Policy,
    body: &[u8],
) -> Result<Vec<T>> {
    envelope(endpoint, policy, body, false).map(|page| page.items)
}

/// The first item of `data` (or `data` itself when it is an object), if any.
pub(crate) fn optional<T: DeserializeOwned>(
    endpoint: &Endpoint,
    policy: &Policy,
    body: &[u8],
) -> Result<Option<T>> {
    envelope(endpoint, policy, body, true).map(|page| page.items.into_iter().next())
}

/// Exactly one item: the first of `data`, or `data` itself when it is an object. No item at all
/// (`data: []`, `data: null`, no body) is [`Error::NotFound`]: Twitch has nothing to show.
pub(crate) fn single<T: DeserializeOwned>(
    endpoint: &Endpoint,
    policy: &Policy,
    body: &[u8],
) -> Result<T> {
    optional(endpoint, policy, body)?.ok_or_else(|| Error::NotFound {
        endpoint: endpoint.operation,
        message: "Twitch answered with no item (empty `data`)".into(),
    })
}

/// The whole body as `T`.
pub(crate) fn whole<T: DeserializeOwned>(
    endpoint: &Endpoint,
    policy: &Policy,
    body: &[u8],
) -> Result<T> {
    // 204 No Content, or an empty 200: read as `null`.
    let json = if is_blank(body) { &b"null"[..] } else { body };
    match serde_json::from_slice(json) {
        Ok(value) => Ok(value),
        Err(e) if e.classify() != serde_json::error::Category::Data => {
            Err(decode_error(endpoint, body, json, "", e))
        }
        Err(e) => repair::read_mended(endpoint.operation, policy, json, false, e, |json| {
            serde_json::from_slice(json)
        })
        .map_err(|failure| mended_error(endpoint, body, failure)),
    }
}

// How decoding is laid out, for speed and for compile time: the body is read once, straight into
// `T` (no `serde_json::Value` in between, no path tracking), and each model's `Deserialize` is
// instantiated for one deserializer type only (`&mut serde_json::Deserializer<SliceRead>`),
// whatever the response shape. The rare `data` that is not a list, and any answer that differs
// from the spec, is mended as a `serde_json::Value` and read again on a slow path ([`repair`])
// with that same deserializer. A failure's JSON path (`data[1].count`) is worked out afterwards
// from the position serde_json reports ([`json_path`]), by code that is not generic.

fn is_blank(body: &[u8]) -> bool {
    body.iter().all(u8::is_ascii_whitespace)
}

fn envelope<T: DeserializeOwned>(
    endpoint: &Endpoint,
    policy: &Policy,
    body: &[u8],
    first: bool,
) -> Result<Page<T>> {
    if !is_object(body) {
        return not_an_object(endpoint, body);
    }
    match read_envelope(body, first) {
        Ok(page) => Ok(page),
        Err(e) if e.classify() != serde_json::error::Category::Data => {
            Err(decode_error(endpoint, body, body, "", e))
        }
        // The slow path: `data` that is not a list, or a field that differs from the spec.
        Err(e) => repair::read_mended(endpoint.operation, policy, body, true, e, |json| {
            read_envelope(json, first)
        })
        .map_err(|failure| mended_error(endpoint, body, failure)),
    }
}

/// The fast path: the envelope read straight from `json`.
fn read_envelope<T: DeserializeOwned>(json: &[u8], first: bool) -> serde_json::Result<Page<T>> {
    let mut de = serde_json::Deserializer::from_slice(json);
    let read = EnvelopeSeed::<T>::new(first).deserialize(&mut de)?;
    de.end()?;
    Ok(read)
}

/// Whether the body starts as a JSON object.
fn is_object(body: &[u8]) -> bool {
    body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

/// A body that is not an object holds no `data`: no items (when it is JSON at all).
fn not_an_object<T>(endpoint: &Endpoint, body: &[u8]) -> Result<Page<T>> {
    if !is_blank(body) {
        // 204 No Content, or an empty 200, have nothing in them; anything else must be JSON.
        serde_json::from_slice::<IgnoredAny>(body)
            .map_err(|e| decode_error(endpoint, body, body, "", e))?;
    }
    Ok(Page {
        items: Vec::new(),
        cursor: None,
        total: None,
        points: None,
        template: None,
    })
}

/// The decode error of a read that failed even after mending. When `data` was one object read
/// as a list of one, its paths say `data` rather than `data[0]`.
fn mended_error(endpoint: &Endpoint, body: &[u8], failure: Failure) -> Error {
    let mut error = decode_error(endpoint, body, &failure.json, "", failure.error);
    if let (true, Error::Decode { path, .. }) = (failure.wrapped_data, &mut error) {
        if let Some(rest) = path.strip_prefix("data[0]") {
            *path = format!("data{rest}");
        }
    }
    error
}

/// A serde_json failure reading `json` (the body, or the part of it at `prefix`) as an error
/// naming the operation and the JSON path.
fn decode_error(
    endpoint: &Endpoint,
    body: &[u8],
    json: &[u8],
    prefix: &str,
    e: serde_json::Error,
) -> Error {
    let (path, message) = where_and_what(json, prefix, &e);
    Error::decode(
        endpoint.operation,
        path,
        message,
        body_excerpt(endpoint, body),
    )
}

/// Where in `json` (the part of a body at path `prefix`, `""` for the whole) serde failed, as a
/// JSON path, and what it said without its line and column. A body that is not JSON at all is
/// reported at `.`.
pub(crate) fn where_and_what(json: &[u8], prefix: &str, e: &serde_json::Error) -> (String, String) {
    use serde_json::error::Category;
    let text = e.to_string();
    match e.classify() {
        Category::Syntax | Category::Eof | Category::Io => {
            (".".to_owned(), format!("not JSON: {text}"))
        }
        Category::Data => {
            let message = match text.rfind(" at line ") {
                Some(at) if e.line() > 0 => text[..at].to_owned(),
                _ => text,
            };
            let inner = json_path(json, e.line(), e.column());
            let path = match (prefix, inner.as_str()) {
                ("", i) => i.to_owned(),
                (p, ".") => p.to_owned(),
                (p, i) if i.starts_with('[') => format!("{p}{i}"),
                (p, i) => format!("{p}.{i}"),
            };
            (path, message)
        }
    }
}

/// One step of a JSON path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment {
    /// An object's key.
    Key(String),
    /// A list's index.
    Index(usize),
}

/// The JSON path (`data[1].count`; `.` for the root) of the value serde_json was reading at
/// `line` and `column` (1-based; serde_json reports the last byte it looked at).
pub(crate) fn json_path(json: &[u8], line: usize, column: usize) -> String {
    let mut path = String::new();
    for segment in json_segments(json, line, column) {
        match segment {
            Segment::Key(key) => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(&key);
            }
            Segment::Index(index) => {
                path.push('[');
                path.push_str(&index.to_string());
                path.push(']');
            }
        }
    }
    if path.is_empty() {
        ".".to_owned()
    } else {
        path
    }
}

/// [`json_path`] as steps (empty for the root).
fn json_segments(json: &[u8], line: usize, column: usize) -> Vec<Segment> {
    enum Frame {
        Object { key: Option<String>, in_key: bool },
        Array { index: usize },
    }
    let line_start = if line <= 1 {
        0
    } else {
        json.iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .nth(line - 2)
            .map_or(json.len(), |(i, _)| i + 1)
    };
    let end = (line_start + column).min(json.len());
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    while i < end {
        match json[i] {
            b'{' => stack.push(Frame::Object {
                key: None,
                in_key: true,
            }),
            b'[' => stack.push(Frame::Array { index: 0 }),
            b'}' | b']' => {
                stack.pop();
            }
            b',' => match stack.last_mut() {
                Some(Frame::Array { index }) => *index += 1,
                Some(Frame::Object { in_key, .. }) => *in_key = true,
                None => {}
            },
            b':' => {
                if let Some(Frame::Object { in_key, .. }) = stack.last_mut() {
                    *in_key = false;
                }
            }
            b'"' => {
                let start = i + 1;
                i = start;
                while i < end && json[i] != b'"' {
                    i += if json[i] == b'\\' { 2 } else { 1 };
                }
                if let Some(Frame::Object { key, in_key: true }) = stack.last_mut() {
                    *key = Some(String::from_utf8_lossy(&json[start..i.min(end)]).into_owned());
                }
            }
            _ => {}
        }
        i += 1;
    }
    stack
        .into_iter()
        .filter_map(|frame| match frame {
            Frame::Object {
                key: Some(key),
                in_key: false,
            } => Some(Segment::Key(key)),
            Frame::Object { .. } => None,
            Frame::Array { index } => Some(Segment::Index(index)),
        })
        .collect()
}

/// The Helix envelope as read in one pass: `data` (`null` or absent: no items), the cursor,
/// `total` and `points`.
type Envelope<T> = Page<T>;

/// Reads an [`Envelope`]; `first` keeps the first item of `data` only (the rest is skipped).
struct EnvelopeSeed<T> {
    first: bool,
    item: PhantomData<fn() -> T>,
}

impl<T> EnvelopeSeed<T> {
    fn new(first: bool) -> Self {
        EnvelopeSeed {
            first,
            item: PhantomData,
        }
    }
}

/// The top-level keys the envelope reads.
enum Key {
    Data,
    Pagination,
    Total,
    Points,
    Template,
    Other,
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: de::Error>(self, key: &str) -> std::result::Result<Key, E> {
                Ok(match key {
                    "data" => Key::Data,
                    "pagination" => Key::Pagination,
                    "total" => Key::Total,
                    "points" => Key::Points,
                    "template" => Key::Template,
                    _ => Key::Other,
                })
            }
        }
        d.deserialize_identifier(KeyVisitor)
    }
}

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for EnvelopeSeed<T> {
    type Value = Envelope<T>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Envelope<T>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for EnvelopeSeed<T> {
    type Value = Envelope<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Helix response")
    }

    fn visit_map<A: MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Envelope<T>, A::Error> {
        let mut out = Page {
            items: Vec::new(),
            cursor: None,
            total: None,
            points: None,
            template: None,
        };
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Data => {
                    out.items = map.next_value_seed(DataSeed {
                        first: self.first,
                        item: PhantomData,
                    })?;
                }
                Key::Pagination => out.cursor = cursor(&map.next_value::<Value>()?),
                Key::Total => out.total = map.next_value::<Value>()?.as_u64(),
                Key::Points => out.points = map.next_value::<Value>()?.as_u64(),
                Key::Template => {
                    out.template = map.next_value::<Value>()?.as_str().map(str::to_owned);
                }
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(out)
    }
}

/// Reads `data`: a list into items, `null` into none. Anything else fails, and the slow path
/// ([`repair`]) takes over.
struct DataSeed<T> {
    first: bool,
    item: PhantomData<fn() -> T>,
}

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for DataSeed<T> {
    type Value = Vec<T>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Vec<T>, D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for DataSeed<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list")
    }

    fn visit_none<E: de::Error>(self) -> std::result::Result<Vec<T>, E> {
        Ok(Vec::new())
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Vec<T>, D::Error> {
        d.deserialize_seq(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Vec<T>, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<T>()? {
            items.push(item);
            if self.first {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                break;
            }
        }
        Ok(items)
    }
}

/// `pagination.cursor`, `pagination` as a string, or nothing; empty cursors count as none.
fn cursor(pagination: &Value) -> Option<String> {
    let cursor = match pagination {
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

/// Whether an error body's message says the token lacks a scope.
pub(crate) fn names_missing_scope(body: &[u8]) -> bool {
    error_message(body).is_some_and(|m| crate::error::MissingScopes::from_message(&m).is_some())
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
/// The excerpt a decode error of `endpoint` quotes: none when its answers carry secrets (a
/// stream key, extension secrets), whose body must not end up in a log.
fn body_excerpt(endpoint: &Endpoint, body: &[u8]) -> String {
    if endpoint.secret_response {
        "[omitted: the response holds secrets]".to_owned()
    } else {
        excerpt(body)
    }
}

/// `text` cut to at most `max` characters, with `…` marking the cut.
pub(crate) fn clip(mut text: String, max: usize) -> String {
    if let Some((at, _)) = text.char_indices().nth(max) {
        text.truncate(at);
        text.push('…');
    }
    text
}

/// The first characters of `body` with its whitespace collapsed, for an error to quote.
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
        scopes_partial: None,
        params: &[],
        paging: None,
        acting_user: None,
        errors: &[(400, "The id is not valid."), (404, "No such thing.")],
        reference: "",
        secret_response: false,
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
            &Policy::default(),
            br#"{"data":[{"id":"1"},{"id":"2"}],"pagination":{"cursor":"abc"}}"#,
        )
        .unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(cursor.as_deref(), Some("abc"));
        let (_, c) =
            page::<Thing>(&EP, &Policy::default(), br#"{"data":[],"pagination":{}}"#).unwrap();
        assert_eq!(c, None);
        let (_, c) = page::<Thing>(
            &EP,
            &Policy::default(),
            br#"{"data":[],"pagination":"xyz"}"#,
        )
        .unwrap();
        assert_eq!(c.as_deref(), Some("xyz"));
        let (_, c) = page::<Thing>(
            &EP,
            &Policy::default(),
            br#"{"data":[],"pagination":{"cursor":""}}"#,
        )
        .unwrap();
        assert_eq!(c, None);
        let (items, c) = page::<Thing>(&EP, &Policy::default(), br#"{"data":null}"#).unwrap();
        assert!(items.is_empty() && c.is_none());
    }

    #[test]
    fn pages_carry_their_counts() {
        let p = paged::<Thing>(
            &EP,
            &Policy::default(),
            br#"{"total":8,"points":13,"data":[{"id":"1"}],"pagination":{"cursor":"c"},"template":"t/{{id}}"}"#,
        )
        .unwrap();
        assert_eq!((p.items.len(), p.cursor.as_deref()), (1, Some("c")));
        assert_eq!((p.total, p.points), (Some(8), Some(13)));
        assert_eq!(p.template.as_deref(), Some("t/{{id}}"));
        let p = paged::<Thing>(&EP, &Policy::default(), br#"{"data":[]}"#).unwrap();
        assert_eq!((p.total, p.points), (None, None));
        // Not a count: ignored rather than failing the page.
        let p = paged::<Thing>(
            &EP,
            &Policy::default(),
            br#"{"data":[],"total":"many","points":-1}"#,
        )
        .unwrap();
        assert_eq!((p.total, p.points), (None, None));
    }

    #[test]
    fn shapes() {
        assert_eq!(
            list::<Thing>(&EP, &Policy::default(), br#"{"data":null}"#).unwrap(),
            vec![]
        );
        assert_eq!(list::<Thing>(&EP, &Policy::default(), b"").unwrap(), vec![]);
        let one: Thing = single(&EP, &Policy::default(), br#"{"data":[{"id":"1"}]}"#).unwrap();
        assert_eq!(one.id, "1");
        let obj: Thing = single(&EP, &Policy::default(), br#"{"data":{"id":"2"}}"#).unwrap();
        assert_eq!(obj.id, "2");
        assert_eq!(
            optional::<Thing>(&EP, &Policy::default(), br#"{"data":[]}"#).unwrap(),
            None
        );
        // No item: "not found", whichever way Twitch says it.
        for body in [&br#"{"data":[]}"#[..], br#"{"data":null}"#, b"{}", b""] {
            let err = single::<Thing>(&EP, &Policy::default(), body).unwrap_err();
            assert!(matches!(err, Error::NotFound { .. }), "{err}");
        }
        let whole_body: Value = whole(&EP, &Policy::default(), br#"{"total":3}"#).unwrap();
        assert_eq!(whole_body["total"], 3);
    }

    #[test]
    fn decode_errors_name_the_path() {
        let err = list::<Thing>(
            &EP,
            &Policy::default(),
            br#"{"data":[{"id":"1"},{"id":"2","count":"many"}]}"#,
        )
        .unwrap_err();
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
        let err =
            single::<Thing>(&EP, &Policy::default(), br#"{"data":[{"count":1}]}"#).unwrap_err();
        assert!(
            matches!(err, Error::Decode { ref path, .. } if path == "data[0]"),
            "{err}"
        );
        let err = list::<Thing>(&EP, &Policy::default(), b"<html>oops</html>").unwrap_err();
        assert!(matches!(err, Error::Decode { ref excerpt, .. } if excerpt == "<html>oops</html>"));
    }

    #[test]
    fn paths_from_positions() {
        // Errors inside an object `data`, over several lines, and after escaped strings.
        let err = single::<Thing>(
            &EP,
            &Policy::default(),
            br#"{"data":{"id":"1","count":true}}"#,
        )
        .unwrap_err();
        assert!(
            matches!(err, Error::Decode { ref path, .. } if path == "data.count"),
            "{err}"
        );
        let body = b"{\n  \"pagination\": {},\n  \"data\": [\n    {\"id\": \"a\\\"]\"},\n    {\"id\": 5}\n  ]\n}";
        let err = list::<Thing>(&EP, &Policy::default(), body).unwrap_err();
        assert!(
            matches!(err, Error::Decode { ref path, .. } if path == "data[1].id"),
            "{err}"
        );
        let err = whole::<Thing>(&EP, &Policy::default(), br#"{"count":1}"#).unwrap_err();
        assert!(
            matches!(err, Error::Decode { ref path, ref message, .. } if path == "." && message == "missing field `id`"),
            "{err}"
        );
        let err = list::<Thing>(
            &EP,
            &Policy::default(),
            br#"{"data":[{"id":"1"}]} trailing"#,
        )
        .unwrap_err();
        assert!(
            matches!(err, Error::Decode { ref path, .. } if path == "."),
            "{err}"
        );
        // Only the first item is read for single answers; the rest is skipped.
        let one: Thing = single(
            &EP,
            &Policy::default(),
            br#"{"data":[{"id":"1"},{"id":2}]}"#,
        )
        .unwrap();
        assert_eq!(one.id, "1");
        // Scalars and lists at the root hold no items.
        assert!(
            list::<Thing>(&EP, &Policy::default(), b"[1,2]")
                .unwrap()
                .is_empty()
        );
        assert!(
            list::<Thing>(&EP, &Policy::default(), b"null")
                .unwrap()
                .is_empty()
        );
    }

    /// A model as the generator writes them: nothing optional but `note`.
    #[derive(Debug, Deserialize, PartialEq)]
    struct Stream {
        id: String,
        title: String,
        tags: Vec<String>,
        viewer_count: u32,
        is_mature: bool,
        started_at: twitch_models::Timestamp,
        broadcaster_id: String,
        #[serde(default)]
        note: Option<String>,
    }

    const FULL: &str = r#"{"id":"1","title":"t","tags":["a"],"viewer_count":5,"is_mature":true,"started_at":"2021-03-10T15:04:21Z","broadcaster_id":"9"}"#;

    #[test]
    fn real_world_shapes_are_mended() {
        let odd = [
            r#"{"id":"2","title":null,"tags":null,"viewer_count":null,"is_mature":null,"started_at":"","broadcaster_id":"9"}"#,
            r#"{"id":"3","tags":[],"started_at":null}"#,
            r#"{"id":"4","title":"","tags":null,"viewer_count":"","is_mature":false,"started_at":"2021-03-10T15:04:21Z","broadcasterId":"9"}"#,
        ];
        let body = format!(r#"{{"data":[{FULL},{}]}}"#, odd.join(","));
        let policy = Policy::default();
        let items = list::<Stream>(&EP, &policy, body.as_bytes()).unwrap();
        assert_eq!(items.len(), 4);
        assert_eq!(items[0].tags, ["a"]);
        assert_eq!((items[1].title.as_str(), items[1].tags.len()), ("", 0));
        assert_eq!((items[1].viewer_count, items[1].is_mature), (0, false));
        assert_eq!(items[1].started_at.to_string(), "1970-01-01T00:00:00Z");
        assert_eq!(items[2].broadcaster_id, "");
        assert_eq!(
            items[3].broadcaster_id, "9",
            "read under the other spelling"
        );
        // Every field path was reported once: a second body adds nothing.
        let reported = policy.reported();
        assert!(
            reported.contains(&("get-things", "data[].tags".to_owned())),
            "{reported:?}"
        );
        assert!(reported.contains(&("get-things", "data[].broadcaster_id".to_owned())));
        list::<Stream>(&EP, &policy, body.as_bytes()).unwrap();
        assert_eq!(policy.reported(), reported);
        // `data` as one object: paths say `data`, not `data[0]`.
        let one: Stream =
            single(&EP, &policy, format!(r#"{{"data":{}}}"#, odd[1]).as_bytes()).unwrap();
        assert_eq!(one.id, "3");
    }

    #[test]
    fn strict_mode_refuses_deviations_but_not_empty_data() {
        let strict = Policy::new(true);
        let body = format!(
            r#"{{"data":[{FULL},{}]}}"#,
            FULL.replace(r#"["a"]"#, "null")
        );
        let err = list::<Stream>(&EP, &strict, body.as_bytes()).unwrap_err();
        assert!(
            matches!(err, Error::Decode { ref path, .. } if path == "data[1].tags"),
            "{err}"
        );
        assert!(
            list::<Stream>(&EP, &strict, br#"{"data":null}"#)
                .unwrap()
                .is_empty()
        );
        let one: Stream = single(&EP, &strict, format!(r#"{{"data":{FULL}}}"#).as_bytes()).unwrap();
        assert_eq!(one.id, "1");
        assert!(strict.reported().is_empty());
    }

    /// The whole body as the model (`envelope` shapes): `data` is what the model says, an
    /// object stays an object, and `data: null` for a list is the empty answer in both modes.
    #[derive(Debug, Deserialize, PartialEq)]
    struct Listing {
        data: Vec<Stream>,
        template: String,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Schedule {
        data: Thing,
        note: String,
    }

    #[test]
    fn whole_bodies_are_mended_without_touching_data() {
        for policy in [Policy::default(), Policy::new(true)] {
            let empty: Listing = whole(&EP, &policy, br#"{"data":null,"template":"t"}"#).unwrap();
            assert!(empty.data.is_empty());
            assert!(policy.reported().is_empty());
        }
        let policy = Policy::default();
        let schedule: Schedule =
            whole(&EP, &policy, br#"{"data":{"id":"1"},"note":null}"#).unwrap();
        assert_eq!(
            (schedule.data.id.as_str(), schedule.note.as_str()),
            ("1", "")
        );
        assert!(
            policy
                .reported()
                .contains(&("get-things", "note".to_owned()))
        );
        let listing: Listing =
            whole(&EP, &policy, format!(r#"{{"data":[{FULL}]}}"#).as_bytes()).unwrap();
        assert_eq!((listing.data.len(), listing.template.as_str()), (1, ""));
    }

    #[test]
    fn identity_is_never_made_up() {
        let policy = Policy::default();
        for item in [
            FULL.replace(r#""id":"1","#, ""),
            FULL.replace(r#""id":"1""#, r#""id":null"#),
        ] {
            let body = format!(r#"{{"data":[{item}]}}"#);
            let err = list::<Stream>(&EP, &policy, body.as_bytes()).unwrap_err();
            assert!(
                matches!(err, Error::Decode { ref path, .. } if path == "data[0]" || path == "data[0].id"),
                "{err}"
            );
        }
        // A wrong type is not a deviation the SDK guesses at.
        let body = format!(r#"{{"data":[{}]}}"#, FULL.replace("5", r#""five""#));
        assert!(list::<Stream>(&EP, &policy, body.as_bytes()).is_err());
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
