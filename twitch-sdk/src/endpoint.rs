//! What the generated code tells the runtime about each Helix operation.
//!
//! `cargo xtask codegen` turns every spec endpoint into one `static` [`Endpoint`]. The runtime
//! reads it to check the token type and scopes, to check arguments against their limits before
//! anything is sent, to map error statuses, and to page; the stand-in server (`mock` feature)
//! reads the same statics to serve and police every route. One description, used on both sides.

/// The HTTP methods Helix uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HttpMethod {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
}

impl HttpMethod {
    /// The method as written on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
        }
    }

    /// Whether repeating the request cannot change the outcome, so a failed attempt may be retried.
    pub const fn is_idempotent(self) -> bool {
        matches!(self, HttpMethod::Get | HttpMethod::Put | HttpMethod::Delete)
    }
}

/// Which kinds of token an operation accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenTypes {
    /// App access tokens (client credentials).
    pub app: bool,
    /// User access tokens.
    pub user: bool,
}

impl TokenTypes {
    /// App access tokens only.
    pub(crate) const APP: TokenTypes = TokenTypes {
        app: true,
        user: false,
    };
    /// User access tokens only.
    pub(crate) const USER: TokenTypes = TokenTypes {
        app: false,
        user: true,
    };
    /// Either kind of token.
    pub(crate) const ANY: TokenTypes = TokenTypes {
        app: true,
        user: true,
    };
}

/// Where a parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// Query string; lists repeat the key.
    Query,
    /// Top-level key of the JSON body.
    Body,
}

/// An inclusive bound; either side may be open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Smallest allowed value, if any.
    pub min: Option<i64>,
    /// Largest allowed value, if any.
    pub max: Option<i64>,
}

impl Limit {
    /// From `min` to `max`, both included.
    pub(crate) const fn between(min: i64, max: i64) -> Limit {
        Limit {
            min: Some(min),
            max: Some(max),
        }
    }

    /// At least `min`.
    pub(crate) const fn at_least(min: i64) -> Limit {
        Limit {
            min: Some(min),
            max: None,
        }
    }

    /// At most `max`.
    pub(crate) const fn at_most(max: i64) -> Limit {
        Limit {
            min: None,
            max: Some(max),
        }
    }

    /// Whether `n` lies within the bound.
    pub const fn contains(&self, n: i64) -> bool {
        let above = match self.min {
            Some(min) => n >= min,
            None => true,
        };
        let below = match self.max {
            Some(max) => n <= max,
            None => true,
        };
        above && below
    }
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.min, self.max) {
            (Some(min), Some(max)) => write!(f, "{min} to {max}"),
            (Some(min), None) => write!(f, "at least {min}"),
            (None, Some(max)) => write!(f, "at most {max}"),
            (None, None) => f.write_str("any"),
        }
    }
}

/// One parameter of an operation, with the limits Helix documents for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param {
    /// The wire name.
    pub name: &'static str,
    /// The name the SDK user sees (argument or setter), for error messages.
    pub rust_name: &'static str,
    /// Query or body.
    pub location: Location,
    /// Helix rejects the call without it.
    pub required: bool,
    /// For lists: how many items.
    pub items: Option<Limit>,
    /// For strings: length in characters.
    pub length: Option<Limit>,
    /// For numbers: the value range.
    pub range: Option<Limit>,
    /// For strings with a fixed set of accepted values.
    pub values: &'static [&'static str],
}

// Const constructors, so a generated parameter table holds one line per parameter:
// `Param::query("first").range(Limit::between(1, 100))`.
impl Param {
    /// An optional query parameter without limits, whose Rust name is its wire name.
    pub(crate) const fn query(name: &'static str) -> Param {
        Param::new(name, Location::Query)
    }

    /// An optional body parameter without limits, whose Rust name is its wire name.
    pub(crate) const fn body(name: &'static str) -> Param {
        Param::new(name, Location::Body)
    }

    const fn new(name: &'static str, location: Location) -> Param {
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

    /// The argument or setter has another name than the wire parameter.
    pub(crate) const fn rust(mut self, rust_name: &'static str) -> Param {
        self.rust_name = rust_name;
        self
    }

    /// Helix rejects the call without it.
    pub(crate) const fn required(mut self) -> Param {
        self.required = true;
        self
    }

    /// How many items a list may hold.
    pub(crate) const fn items(mut self, limit: Limit) -> Param {
        self.items = Some(limit);
        self
    }

    /// How many characters a string may hold.
    pub(crate) const fn length(mut self, limit: Limit) -> Param {
        self.length = Some(limit);
        self
    }

    /// The range of a number.
    pub(crate) const fn range(mut self, limit: Limit) -> Param {
        self.range = Some(limit);
        self
    }

    /// The values a string may take.
    pub(crate) const fn values(mut self, values: &'static [&'static str]) -> Param {
        self.values = values;
        self
    }
}

/// How an operation pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// The page-size query parameter, if Helix has one.
    pub page_size: Option<&'static str>,
    /// The largest page Helix serves.
    pub max_page_size: Option<u32>,
    /// Whether Helix accepts `before` for the previous page.
    pub before: bool,
}

impl Paging {
    /// Pages without a page-size parameter, forward only.
    pub(crate) const CURSOR: Paging = Paging {
        page_size: None,
        max_page_size: None,
        before: false,
    };

    /// The page size travels as `page_size`, at most `max` (when Helix documents a maximum).
    pub(crate) const fn sized(page_size: &'static str, max: Option<u32>) -> Paging {
        Paging {
            page_size: Some(page_size),
            max_page_size: max,
            before: false,
        }
    }

    /// Helix also pages back (`before`).
    pub(crate) const fn before(mut self) -> Paging {
        self.before = true;
        self
    }
}

/// Who may make a call for someone, where Helix checks it against the user token.
///
/// The parameter `param` must hold the token's user id; Helix answers `401` otherwise, and the
/// client refuses such a call before sending it. With `moderates`, that user must also be the
/// broadcaster named by the `moderates` parameter or one of the channel's moderators; Helix
/// answers `403` otherwise (only the server knows who moderates, so the client cannot check it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActingUser {
    /// The parameter that must be the token's user (`moderator_id`).
    pub param: &'static str,
    /// The channel the acting user must own or moderate (`broadcaster_id`).
    pub moderates: Option<&'static str>,
}

impl ActingUser {
    /// `param` must be the token's user.
    pub(crate) const fn new(param: &'static str) -> ActingUser {
        ActingUser {
            param,
            moderates: None,
        }
    }

    /// `param` must be the token's user, who owns or moderates the channel `moderates` names.
    pub(crate) const fn moderating(param: &'static str, moderates: &'static str) -> ActingUser {
        ActingUser {
            param,
            moderates: Some(moderates),
        }
    }
}

/// One Helix operation, as the spec describes it.
#[derive(Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// Twitch's operation id (`get-users`).
    pub operation: &'static str,
    /// HTTP method.
    pub method: HttpMethod,
    /// Path below the Helix base URL (`/users`).
    pub path: &'static str,
    /// Accepted token types.
    pub tokens: TokenTypes,
    /// Scopes a user token must all carry.
    pub scopes_all_of: &'static [&'static str],
    /// Scopes of which a user token must carry at least one (when not empty).
    pub scopes_any_of: &'static [&'static str],
    /// When set, the scopes above are needed only for part of the answer, and this says what a
    /// token without them gets (the follower count but not the list, for one). Such a token is
    /// not refused.
    pub scopes_partial: Option<&'static str>,
    /// Parameters with their limits.
    pub params: &'static [Param],
    /// Paging, for paginated operations.
    pub paging: Option<Paging>,
    /// The acting-user rule for user tokens, where Helix has one.
    pub acting_user: Option<ActingUser>,
    /// Documented error statuses and what they mean for this operation.
    pub errors: &'static [(u16, &'static str)],
    /// Link to Twitch's reference section; an [`Error::InvalidArgument`] for a parameter limit
    /// ends with it.
    ///
    /// [`Error::InvalidArgument`]: crate::Error::InvalidArgument
    pub reference: &'static str,
    /// The response holds a secret (the spec marks a field of its model `secret`): errors
    /// about it never quote the body.
    pub secret_response: bool,
}

impl Endpoint {
    /// The fields a generated static leaves at their usual value (`..Endpoint::BLANK`): no
    /// scopes, parameters, paging, acting-user rule or errors, and a response without secrets.
    pub(crate) const BLANK: Endpoint = Endpoint {
        operation: "",
        method: HttpMethod::Get,
        path: "",
        tokens: TokenTypes::ANY,
        scopes_all_of: &[],
        scopes_any_of: &[],
        scopes_partial: None,
        params: &[],
        paging: None,
        acting_user: None,
        errors: &[],
        reference: "",
        secret_response: false,
    };

    /// The documented meaning of `status` for this operation, if the spec has one.
    pub fn error_meaning(&self, status: u16) -> Option<&'static str> {
        self.errors
            .iter()
            .find(|(code, _)| *code == status)
            .map(|(_, text)| *text)
    }

    /// The parameter named `name` on the wire.
    pub fn param(&self, name: &str) -> Option<&'static Param> {
        self.params.iter().find(|p| p.name == name)
    }
}
