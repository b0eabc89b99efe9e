//! What the stand-in received: one [`ReceivedRequest`] per request, kept in arrival order.

use std::borrow::Cow;

use serde_json::Value;

/// One request the stand-in received, exactly as it arrived (nothing is redacted: tests use the
/// log to prove where credentials travel).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedRequest {
    /// The HTTP method (`GET`).
    pub method: String,
    /// The full path, without the query (`/helix/users`, `/oauth2/token`).
    pub path: String,
    /// The query string as sent, still percent-encoded; empty when there was none.
    pub raw_query: String,
    /// The query pairs, percent-decoded, in order; lists repeat the key.
    pub query: Vec<(String, String)>,
    /// Every header, names in lower case, in order.
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
    /// The Helix operation the request was routed to (`get-users`), if any.
    pub operation: Option<&'static str>,
    /// The status the stand-in answered with; `None` while the answer is pending (a delay) or
    /// when it answered with no response at all (a dropped connection).
    pub status: Option<u16>,
}

impl ReceivedRequest {
    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The first value of query parameter `name`.
    pub fn query_value(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// Every value of query parameter `name`, in order.
    pub fn query_values(&self, name: &str) -> Vec<&str> {
        self.query
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .collect()
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn body_text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }

    /// The body parsed as JSON; `None` when it is empty or not JSON.
    pub fn body_json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The body parsed as `application/x-www-form-urlencoded` pairs, as OAuth requests send it.
    pub fn form(&self) -> Vec<(String, String)> {
        parse_pairs(&self.body_text())
    }

    /// Whether `needle` occurs anywhere in the request other than the `Authorization` header:
    /// the path, the query, another header or the body. Tests use it to prove a token or a
    /// secret travels only where it should.
    pub fn contains_outside_authorization(&self, needle: &str) -> bool {
        self.path.contains(needle)
            || self.raw_query.contains(needle)
            || self
                .query
                .iter()
                .any(|(k, v)| k.contains(needle) || v.contains(needle))
            || self.headers.iter().any(|(k, v)| {
                !k.eq_ignore_ascii_case("authorization")
                    && (k.contains(needle) || v.contains(needle))
            })
            || self.body_text().contains(needle)
            || self
                .form()
                .iter()
                .any(|(k, v)| k.contains(needle) || v.contains(needle))
    }
}

/// Splits `a=1&b=2` into decoded pairs (`+` is a space, `%XX` a byte).
pub(crate) fn parse_pairs(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (key, value) = part.split_once('=').unwrap_or((part, ""));
            (decode(key), decode(value))
        })
        .collect()
}

/// Percent-decodes one form-encoded component; malformed escapes are kept as they are.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .filter(|hex| hex.iter().all(u8::is_ascii_hexdigit))
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match (bytes[i], escaped) {
            (_, Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b'+', None) => {
                out.push(b' ');
                i += 1;
            }
            (byte, None) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::parse_pairs;

    #[test]
    fn decodes_form_pairs() {
        let pairs = parse_pairs("a=1&b=x+y&c=%C3%A9t%C3%A9&d&e=%zz&&f=100%25&g=%+1");
        let expected = [
            ("a", "1"),
            ("b", "x y"),
            ("c", "été"),
            ("d", ""),
            ("e", "%zz"),
            ("f", "100%"),
            ("g", "% 1"),
        ];
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        assert_eq!(pairs, expected);
    }
}
