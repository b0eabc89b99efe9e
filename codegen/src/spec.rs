//! The serde mirror of `spec/*.yaml`.
//!
//! These types say what a spec file may contain and nothing more: every struct rejects unknown
//! keys, so a typo in the YAML is a parse error rather than a silently ignored field. Whether the
//! values make sense together (models exist, limits are ordered, names are unique) is the job of
//! [`crate::validate`]. `spec/README.md` documents the format for people.

use std::collections::BTreeMap;

use serde::Deserialize;

/// One file, `spec/<group>.yaml`: an API group as Twitch's reference groups it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecFile {
    /// The group's name; must equal the file stem (`channel_points`).
    pub group: String,
    /// Human title of the group (`Channel Points`).
    pub title: String,
    /// The Helix operations of this group.
    #[serde(default)]
    pub endpoints: Vec<Endpoint>,
    /// Models (structs and enums) first described in this group. Names are global across files.
    #[serde(default)]
    pub models: Vec<Model>,
    /// Error meanings many operations share, by snake_case name (`token`), referenced from an
    /// endpoint's `errors` as `{shared: token}`. Names are global across files.
    #[serde(default)]
    pub shared_errors: BTreeMap<String, String>,
}

/// What an error status means for one operation.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ErrorMeaning {
    /// The meaning in words.
    Text(String),
    /// A reference to a shared meaning.
    Shared(SharedError),
}

/// `{shared: name}`: a reference to an entry of some file's `shared_errors`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharedError {
    /// The entry's name.
    pub shared: String,
}

/// One Helix operation: an HTTP method on a path.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Endpoint {
    /// Twitch's operation id, kebab case (`get-users`).
    pub operation: String,
    /// HTTP method.
    pub method: HttpMethod,
    /// Path relative to the Helix base URL (`/channels/followers`).
    pub path: String,
    /// One-line summary; the first line of every generated method's docs.
    pub summary: String,
    /// Link to the operation in Twitch's API reference.
    pub reference: String,
    /// Token types Helix accepts.
    pub tokens: Vec<TokenType>,
    /// Scopes a user token must carry. App tokens carry no scopes and are not checked.
    #[serde(default)]
    pub scopes: Scopes,
    /// The authorization requirement in words (`Token holder is the broadcaster`).
    #[serde(default)]
    pub authorization: Option<String>,
    /// Who may act, where Helix checks it against the user token: the parameter that must name
    /// the token's user, and optionally the channel that user must moderate.
    #[serde(default)]
    pub acting_user: Option<ActingUser>,
    /// Query and body parameters, in Twitch's documented order.
    #[serde(default)]
    pub params: Vec<Param>,
    /// Present when the operation is cursor-paginated.
    #[serde(default)]
    pub pagination: Option<Pagination>,
    /// What a successful call returns.
    pub response: Response,
    /// Documented error statuses and what each means for this operation: the meaning in words,
    /// or `{shared: name}` for one of the [`SpecFile::shared_errors`].
    #[serde(default)]
    pub errors: BTreeMap<u16, ErrorMeaning>,
    /// The SDK methods that call this operation.
    pub methods: Vec<Method>,
    /// Deliberate differences from Helix or from the reference library, with the reason.
    #[serde(default)]
    pub notes: Vec<Note>,
}

/// A note on an endpoint: words, or `{spec_diff: [line, ...], why: reason}` explaining lines
/// of `cargo xtask spec-diff`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Note {
    /// A note in words.
    Text(String),
    /// An explanation of deliberate differences from Helix's OpenAPI description.
    SpecDiff(SpecDiffNote),
}

impl Note {
    /// What the note says to people (the reason, for a spec-diff note).
    pub fn text(&self) -> &str {
        match self {
            Note::Text(text) => text,
            Note::SpecDiff(n) => &n.why,
        }
    }
}

/// `{spec_diff: [line, ...], why: reason}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecDiffNote {
    /// The `spec-diff` lines explained, exactly as it prints them.
    pub spec_diff: Vec<String>,
    /// Why the spec differs on purpose.
    pub why: String,
}

/// HTTP methods Helix uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
pub enum HttpMethod {
    GET,
    POST,
    PUT,
    PATCH,
    DELETE,
}

impl HttpMethod {
    /// The method as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::GET => "GET",
            HttpMethod::POST => "POST",
            HttpMethod::PUT => "PUT",
            HttpMethod::PATCH => "PATCH",
            HttpMethod::DELETE => "DELETE",
        }
    }
}

/// The kinds of OAuth token Helix accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenType {
    /// An app access token (client credentials).
    App,
    /// A user access token.
    User,
}

/// Required scopes: every scope of `all_of`, and at least one of `any_of` when it is not empty.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scopes {
    #[serde(default)]
    pub all_of: Vec<String>,
    #[serde(default)]
    pub any_of: Vec<String>,
    /// Present when the scopes are needed only for part of the answer: what a user token without
    /// them gets (`Only the total; the list is empty.`). Such a token is not refused.
    #[serde(default)]
    pub partial: Option<String>,
}

/// Where a parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Location {
    /// A query-string parameter; lists repeat the key (`id=1&id=2`).
    Query,
    /// A top-level key of the JSON request body.
    Body,
}

/// An inclusive bound; either side may be open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limit {
    #[serde(default)]
    pub min: Option<i64>,
    #[serde(default)]
    pub max: Option<i64>,
}

/// One query or body parameter of an operation.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Param {
    /// The name on the wire (`id`, `broadcaster_id`).
    pub name: String,
    /// Query string or JSON body.
    #[serde(rename = "in")]
    pub location: Location,
    /// The type: a primitive (`string`, `bool`, `i32`, `i64`, `u32`, `f64`, `datetime`, `json`),
    /// a model name, or either followed by `[]` for a list.
    #[serde(rename = "type")]
    pub ty: String,
    /// What the parameter means.
    pub doc: String,
    /// Helix rejects the call without it.
    #[serde(default)]
    pub required: bool,
    /// The value Twitch assumes when it is left out (documentation only).
    #[serde(default)]
    pub default: Option<serde_yaml::Value>,
    /// In the user API, the parameter defaults to the token's user id.
    #[serde(default)]
    pub token_user: bool,
    /// For lists: how many items are allowed.
    #[serde(default)]
    pub items: Option<Limit>,
    /// For strings: allowed length in characters.
    #[serde(default)]
    pub length: Option<Limit>,
    /// For numbers: allowed value range.
    #[serde(default)]
    pub range: Option<Limit>,
    /// For strings: the accepted values, when Helix accepts only a fixed set.
    #[serde(default)]
    pub values: Vec<String>,
    /// The value is a credential: `Debug` of the request builder prints `[redacted]` for it.
    /// `string` (or `string[]`) parameters only, without `values`.
    #[serde(default)]
    pub secret: bool,
}

/// The rule Helix applies to user tokens on operations that act for someone.
///
/// `param` must hold the token's user id (Helix answers `401` otherwise). With `moderates`,
/// that user must also be the broadcaster named by the `moderates` parameter or one of its
/// moderators (Helix answers `403` otherwise); only the server can know who moderates.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActingUser {
    /// The parameter that must be the token's user (`broadcaster_id`, `moderator_id`).
    pub param: String,
    /// The channel parameter whose broadcaster or moderators may act (`broadcaster_id`).
    #[serde(default)]
    pub moderates: Option<String>,
}

/// How a paginated operation pages.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pagination {
    /// The page-size query parameter (`first`), absent when Helix has none.
    #[serde(default)]
    pub page_size: Option<String>,
    /// The largest page Helix serves.
    #[serde(default)]
    pub max_page_size: Option<u32>,
    /// Whether Helix accepts a `before` cursor for the previous page.
    #[serde(default)]
    pub before: bool,
    /// For an `envelope` response that is also a cursor-paged list: the model of one item of
    /// `data`. The builders then page over the items too (`paginate()`, `into_stream()`).
    #[serde(default)]
    pub item: Option<String>,
}

/// What a successful call returns.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Response {
    /// The shape of the body.
    pub shape: Shape,
    /// The model of one item (`list`, `paginated`, `single`, `optional`) or of the whole body
    /// (`envelope`). Absent for `none` and `text`.
    #[serde(default)]
    pub model: Option<String>,
}

/// Shapes of a successful response body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    /// No body (204).
    None,
    /// `data` holds exactly one item, returned on its own.
    Single,
    /// `data` holds zero or one item.
    Optional,
    /// `data` is a list, returned whole.
    List,
    /// `data` is a list spread over cursor pages.
    Paginated,
    /// The whole body is the model (lists with extra fields such as `total`).
    Envelope,
    /// The body is plain text (iCalendar).
    Text,
}

/// One SDK method on `AppApi` and/or `UserApi`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Method {
    /// The method name: the reference library's where it has one.
    pub name: String,
    /// The API classes that have the method.
    pub api: Vec<TokenType>,
    /// Extra documentation for this method (how it differs from its siblings).
    #[serde(default)]
    pub doc: Option<String>,
    /// Required arguments, in order: `wire_name` or `wire_name as sdk_name`. When both `args` and
    /// `options` are absent, every required parameter is an argument and the rest are options.
    #[serde(default)]
    pub args: Option<Vec<ParamRef>>,
    /// Optional parameters exposed as setters, same syntax as `args`.
    #[serde(default)]
    pub options: Option<Vec<ParamRef>>,
    /// For paginated methods: how many items awaiting the request fetches when `limit` is not set.
    #[serde(default)]
    pub default_limit: Option<u32>,
    /// The order the results come in, where Twitch defines one (`Most viewed first.`).
    #[serde(default)]
    pub order: Option<String>,
    /// Another name the reference library uses for the same call.
    #[serde(default)]
    pub aliases: Vec<String>,
}

/// A method's use of a parameter, written `wire_name` or `wire_name as sdk_name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamRef {
    /// The parameter's wire name.
    pub param: String,
    /// The Rust name of the argument or setter.
    pub rust: String,
}

impl<'de> Deserialize<'de> for ParamRef {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let mut words = text.split_whitespace();
        match (words.next(), words.next(), words.next(), words.next()) {
            (Some(param), None, None, None) => Ok(ParamRef {
                param: param.to_owned(),
                rust: param.to_owned(),
            }),
            (Some(param), Some("as"), Some(rust), None) => Ok(ParamRef {
                param: param.to_owned(),
                rust: rust.to_owned(),
            }),
            _ => Err(serde::de::Error::custom(format!(
                "`{text}`: expected `wire_name` or `wire_name as rust_name`"
            ))),
        }
    }
}

/// A model: a struct (with `fields`) or an enum (with `values`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Model {
    /// The Rust type name (`UserInfo`).
    pub name: String,
    /// What the model is.
    pub doc: String,
    /// Struct fields, in Twitch's documented order.
    #[serde(default)]
    pub fields: Vec<Field>,
    /// Enum values, in Twitch's documented order.
    #[serde(default)]
    pub values: Vec<EnumValue>,
    /// Other names of this model kept for the reference library (`StarCommercial`).
    #[serde(default)]
    pub aliases: Vec<String>,
}

/// One field of a struct model.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// The JSON key.
    pub name: String,
    /// Same syntax as [`Param::ty`], plus `map<T>` for objects with arbitrary keys.
    #[serde(rename = "type")]
    pub ty: String,
    /// What the field holds.
    pub doc: String,
    /// Twitch may omit the field or send `null` (`""` for timestamps counts as absent too).
    #[serde(default)]
    pub optional: bool,
    /// The Rust field name when the JSON key does not make a good one.
    #[serde(default)]
    pub rust: Option<String>,
    /// The value is a credential (a stream key, a webhook or extension secret): `Debug` of the
    /// model prints `[redacted]` for it, and errors never quote a response that holds it.
    /// `string` (or `string[]`) fields only.
    #[serde(default)]
    pub secret: bool,
}

/// One value of an enum model.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnumValue {
    /// The string on the wire.
    pub value: String,
    /// The Rust variant name, when the upper camel case of `value` does not make a good one.
    #[serde(default)]
    pub variant: Option<String>,
    /// What the value means.
    #[serde(default)]
    pub doc: Option<String>,
}
