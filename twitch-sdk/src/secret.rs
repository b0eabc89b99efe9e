//! [`Secret`]: a string that never prints.
//!
//! The client secret, access tokens and refresh tokens are held in this type from the moment the
//! user hands them over. `Debug` and `Display` print `[redacted]`, so a secret cannot leak through
//! a log line, a panic message, an error or a derived `Debug` of a struct that holds one. The value
//! is read only where it goes on the wire: the `Authorization` header and the OAuth form bodies.
//! When a `Secret` is dropped its bytes are overwritten with zeros, so a freed token does not
//! linger in memory.

use std::fmt;

/// A credential: printed as `[redacted]`, compared in constant time, wiped when dropped.
#[derive(Clone, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps `value`.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself. Use it to persist a token; never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl PartialEq for Secret {
    /// Constant-time over the common length, so comparing tokens leaks no prefix timing.
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (self.0.as_bytes(), other.0.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

impl Eq for Secret {}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_are_redacted() {
        let s = Secret::new("hunter2-token");
        assert_eq!(format!("{s:?}"), "[redacted]");
        assert_eq!(format!("{s}"), "[redacted]");
        assert_eq!(format!("{:?}", Some(s.clone())), "Some([redacted])");
        assert_eq!(s.expose(), "hunter2-token");
    }

    #[test]
    fn equality() {
        assert_eq!(Secret::from("abc"), Secret::new("abc"));
        assert_ne!(Secret::from("abc"), Secret::new("abd"));
        assert_ne!(Secret::from("abc"), Secret::new("abcd"));
    }
}
