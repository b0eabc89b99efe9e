//! The one error type every call returns.
//!
//! Errors say what failed in terms a user can act on: which scope is missing, which argument broke
//! which limit, which status Twitch sent and what Twitch said, where in the body decoding failed.
//! They never carry a secret: tokens and the client secret are not part of any variant, and body
//! excerpts are cut short and come from Twitch's responses, which never echo credentials.

use std::fmt;
use std::time::{Duration, SystemTime};

/// Shorthand for `std::result::Result<T, twitch_sdk::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong with a call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The token cannot be used for this call: wrong token type, a missing scope, or no valid
    /// token could be obtained. Nothing was sent. Match on [`TokenError::kind`] for the reason.
    #[error("token error: {0}")]
    Token(TokenError),

    /// An argument broke a limit the spec documents (count, length, range, accepted values) or a
    /// required one is missing. Nothing was sent.
    #[error("invalid argument `{name}`: {reason}")]
    InvalidArgument {
        /// The argument, as the SDK user names it.
        name: String,
        /// The limit it broke; for a parameter limit, followed by the operation's reference
        /// link (`(see https://dev.twitch.tv/docs/api/reference#get-users)`).
        reason: String,
    },

    /// 400: Twitch rejected the request.
    #[error("bad request ({endpoint}): {message}")]
    BadRequest {
        /// Operation id.
        endpoint: &'static str,
        /// Twitch's message, or the spec's meaning of the status.
        message: String,
    },

    /// 401: the token is missing, invalid, expired, or lacks a scope Twitch wanted
    /// ([`Error::missing_scopes`] reads the scopes out of Twitch's message).
    #[error("unauthorized ({endpoint}): {message}")]
    Unauthorized {
        /// Operation id.
        endpoint: &'static str,
        /// Twitch's message, or the spec's meaning of the status.
        message: String,
    },

    /// 403: the token's user may not do this.
    #[error("forbidden ({endpoint}): {message}")]
    Forbidden {
        /// Operation id.
        endpoint: &'static str,
        /// Twitch's message, or the spec's meaning of the status.
        message: String,
    },

    /// 404: what the call refers to does not exist; also a single-item answer with no item.
    #[error("not found ({endpoint}): {message}")]
    NotFound {
        /// Operation id.
        endpoint: &'static str,
        /// Twitch's message, or the spec's meaning of the status.
        message: String,
    },

    /// 409: the request conflicts with the current state.
    #[error("conflict ({endpoint}): {message}")]
    Conflict {
        /// Operation id.
        endpoint: &'static str,
        /// Twitch's message, or the spec's meaning of the status.
        message: String,
    },

    /// 429 after the configured retries were spent.
    #[error("rate limited ({endpoint}); bucket resets {reset:?}")]
    RateLimited {
        /// Operation id.
        endpoint: &'static str,
        /// When Twitch said the bucket refills, if it said.
        reset: Option<SystemTime>,
    },

    /// Any other non-success status.
    #[error("HTTP {status} ({endpoint}): {message}")]
    Status {
        /// Operation id.
        endpoint: &'static str,
        /// The status code.
        status: u16,
        /// Twitch's message, the spec's meaning, or an excerpt of a non-JSON body.
        message: String,
    },

    /// The request did not complete: connection refused or reset, TLS, or the timeout.
    #[error("transport error ({endpoint}): {message}")]
    Transport {
        /// Operation id.
        endpoint: &'static str,
        /// What happened.
        message: String,
        /// Whether the cause was the timeout.
        timeout: bool,
    },

    /// The body of a successful response did not match the model.
    #[error("cannot decode {endpoint} response at `{path}`: {message} (body starts: {excerpt})")]
    Decode {
        /// Operation id.
        endpoint: &'static str,
        /// JSON path of the failure (`data[0].created_at`).
        path: String,
        /// What serde said.
        message: String,
        /// The first bytes of the body.
        excerpt: String,
    },

    /// The client was configured wrongly (a bad URL, plain HTTP to a remote host).
    #[error("configuration error: {0}")]
    Config(String),
}

impl Error {
    /// A decode error whose parts are bounded whatever the input: serde quotes the offending
    /// value and a path names the keys it passed, so a hostile body could otherwise make an
    /// error (and every log line carrying it) as large as itself.
    pub(crate) fn decode(
        endpoint: &'static str,
        path: impl Into<String>,
        message: impl Into<String>,
        excerpt: String,
    ) -> Error {
        Error::Decode {
            endpoint,
            path: crate::decode::clip(path.into(), 200),
            message: crate::decode::clip(message.into(), 400),
            excerpt,
        }
    }

    /// A token error of `kind`, explained by `message`.
    pub(crate) fn token(kind: TokenErrorKind, message: impl Into<String>) -> Error {
        Error::Token(TokenError::new(kind, message))
    }

    /// The scopes the token lacks, when the SDK refused the call for a missing scope
    /// ([`TokenErrorKind::MissingScopes`]) or Twitch answered 401 saying a scope is missing.
    ///
    /// Twitch's message names the scopes (`Missing scope: moderator:read:followers`); they are
    /// returned in [`MissingScopes::all_of`]. When its message names none, both lists are empty.
    ///
    /// ```
    /// # use twitch_sdk::Error;
    /// let err = Error::Unauthorized {
    ///     endpoint: "get-channel-followers",
    ///     message: "Missing scope: moderator:read:followers".into(),
    /// };
    /// let missing = err.missing_scopes().unwrap();
    /// assert_eq!(missing.all_of, ["moderator:read:followers"]);
    /// assert!(err.is_missing_scope());
    /// ```
    pub fn missing_scopes(&self) -> Option<MissingScopes> {
        match self {
            Error::Token(TokenError {
                kind: TokenErrorKind::MissingScopes(missing),
                ..
            }) => Some(missing.clone()),
            Error::Unauthorized { message, .. } => MissingScopes::from_message(message),
            _ => None,
        }
    }

    /// Whether the call was refused for a missing scope, by the SDK or by Twitch.
    pub fn is_missing_scope(&self) -> bool {
        self.missing_scopes().is_some()
    }

    /// The reason a token could not be used, for [`Error::Token`].
    pub fn token_error(&self) -> Option<&TokenErrorKind> {
        match self {
            Error::Token(e) => Some(&e.kind),
            _ => None,
        }
    }

    /// The HTTP status behind this error, when Twitch answered with one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::BadRequest { .. } => Some(400),
            Error::Unauthorized { .. } => Some(401),
            Error::Forbidden { .. } => Some(403),
            Error::NotFound { .. } => Some(404),
            Error::Conflict { .. } => Some(409),
            Error::RateLimited { .. } => Some(429),
            Error::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// How long to wait before the bucket refills, for [`Error::RateLimited`].
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RateLimited {
                reset: Some(reset), ..
            } => Some(
                reset
                    .duration_since(SystemTime::now())
                    .unwrap_or(Duration::ZERO),
            ),
            _ => None,
        }
    }
}

/// Why a token could not be used: the reason as [`TokenErrorKind`], and a message for people.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenError {
    /// The reason, to match on.
    pub kind: TokenErrorKind,
    /// What happened, for logs and people (never holds a token).
    pub message: String,
}

impl TokenError {
    /// A token error of `kind`, explained by `message`. A [`TokenProvider`](crate::TokenProvider)
    /// that cannot produce a token returns `Error::Token(TokenError::new(...))`.
    pub fn new(kind: TokenErrorKind, message: impl Into<String>) -> Self {
        TokenError {
            kind,
            message: message.into(),
        }
    }
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TokenError {}

impl From<TokenError> for Error {
    fn from(e: TokenError) -> Self {
        Error::Token(e)
    }
}

/// The reasons a token cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenErrorKind {
    /// The operation takes the other type of token (or a user token was expected and Twitch
    /// reports an app token). `needed` is the type that works.
    WrongTokenType {
        /// The token type the operation (or constructor) needs.
        needed: TokenType,
    },
    /// The user token lacks scopes the operation needs.
    MissingScopes(MissingScopes),
    /// The token has expired or Twitch rejected it, and the SDK has no way to get a new one
    /// (no refresh token and client secret, no provider). Also: a token that cannot be sent.
    Invalid,
    /// Getting a new token failed: the client-credentials grant, the refresh-token grant, or
    /// your [`TokenProvider`](crate::TokenProvider).
    RefreshFailed,
    /// Twitch's `/validate` could not be asked or gave an answer the SDK cannot read.
    ValidationFailed,
    /// The token was issued to another client id than the one given.
    WrongClient,
    /// A renewed token belongs to another user than the session's: it is refused, never
    /// adopted, so no call acts in someone else's channel.
    WrongUser,
}

/// The two types of Twitch access token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenType {
    /// An app access token (client credentials).
    App,
    /// A user access token.
    User,
}

/// The scopes a user token lacks for an operation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MissingScopes {
    /// Scopes that are all needed and not granted.
    pub all_of: Vec<String>,
    /// Alternatives of which one is needed and none is granted (empty when none is lacking).
    pub any_of: Vec<String>,
}

impl MissingScopes {
    /// Missing scopes: all of `all_of`, and one of `any_of` (when not empty).
    pub fn new<A, B>(all_of: A, any_of: B) -> Self
    where
        A: IntoIterator,
        A::Item: Into<String>,
        B: IntoIterator,
        B::Item: Into<String>,
    {
        MissingScopes {
            all_of: all_of.into_iter().map(Into::into).collect(),
            any_of: any_of.into_iter().map(Into::into).collect(),
        }
    }

    /// Whether `scope` is among the missing ones (in either list).
    pub fn contains(&self, scope: &str) -> bool {
        self.all_of.iter().chain(&self.any_of).any(|s| s == scope)
    }

    /// Reads a 401 message saying a scope is missing (`Missing scope: a, b` as Twitch writes it;
    /// `...; one of x, y` as the stand-in adds). `None` when the message is about something else.
    pub(crate) fn from_message(message: &str) -> Option<MissingScopes> {
        let lower = message.to_ascii_lowercase();
        let at = [
            "missing scope",
            "missing required scope",
            "missing the required scope",
        ]
        .iter()
        .find_map(|needle| lower.find(needle).map(|at| at + needle.len()))?;
        let rest = message[at..].trim_start_matches(['s', 'S']);
        let Some(list) = rest.trim_start().strip_prefix(':') else {
            return Some(MissingScopes::default());
        };
        let mut missing = MissingScopes::default();
        for part in list.split(';') {
            let part = part.trim();
            let (target, names) = match part.strip_prefix("one of") {
                Some(names) => (&mut missing.any_of, names),
                None => (&mut missing.all_of, part),
            };
            target.extend(
                names
                    .split([',', ' '])
                    .map(|s| s.trim().trim_end_matches('.'))
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned),
            );
        }
        Some(missing)
    }
}

impl fmt::Display for MissingScopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let all = match self.all_of.as_slice() {
            [] => None,
            [one] => Some(format!("missing scope: {one}")),
            many => Some(format!("missing scopes: {}", many.join(", "))),
        };
        let any = self.any_of.join(", ");
        match (all, self.any_of.is_empty()) {
            (Some(all), true) => f.write_str(&all),
            (None, true) => f.write_str("missing a scope"),
            (None, false) => write!(f, "missing one of: {any}"),
            (Some(all), false) => write!(f, "{all}; and one of: {any}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_twitch_missing_scope_messages() {
        let one = MissingScopes::from_message("Missing scope: moderator:read:followers").unwrap();
        assert_eq!(
            one,
            MissingScopes::new(["moderator:read:followers"], [""; 0])
        );
        let stand_in = MissingScopes::from_message("Missing scope: a:b; one of c:d, e:f").unwrap();
        assert_eq!(stand_in, MissingScopes::new(["a:b"], ["c:d", "e:f"]));
        let bare = MissingScopes::from_message("The token is missing required scopes").unwrap();
        assert_eq!(bare, MissingScopes::default());
        assert_eq!(MissingScopes::from_message("Invalid OAuth token"), None);
    }

    #[test]
    fn names_what_is_missing() {
        let m = MissingScopes::new(["a", "b"], ["x", "y"]);
        assert_eq!(m.to_string(), "missing scopes: a, b; and one of: x, y");
        assert_eq!(
            MissingScopes::new([""; 0], ["x"]).to_string(),
            "missing one of: x"
        );
    }
}
