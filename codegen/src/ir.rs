//! Stage 3 output: the generated code as data, with every decision already made.
//!
//! Lowering fills these types (names, Rust types, docs, order); the emitters in [`crate::emit`]
//! only print them. Docs are lists of lines without the leading space `///` gets.

use proc_macro2::{Ident, TokenStream};

/// Everything the generator writes.
#[derive(Debug, Clone)]
pub struct Ir {
    /// One per group that defines models, sorted by module.
    pub model_files: Vec<ModelFile>,
    /// One per group that has endpoints, sorted by module.
    pub sdk_files: Vec<SdkFile>,
    /// Every endpoint static, sorted by path then method.
    pub endpoints: Vec<EndpointRef>,
    /// The builders each request module exports, by module; builders sorted by name.
    pub requests: Vec<(Ident, Vec<Ident>)>,
    /// The spec's shared error meanings as `(constant, text)`, sorted by name.
    pub shared_errors: Vec<(Ident, String)>,
    /// `(operation, minified JSON)` example response bodies, sorted by operation.
    pub examples: Vec<(String, String)>,
    /// One call of every API method, for the every-method test.
    pub calls: CallsFile,
}

/// `twitch-models/src/generated/<group>.rs`.
#[derive(Debug, Clone)]
pub struct ModelFile {
    /// The module (the group).
    pub module: Ident,
    /// `spec/<group>.yaml`.
    pub source: String,
    /// The module doc, naming the group by its title.
    pub docs: Vec<String>,
    /// What the file imports.
    pub imports: ModelImports,
    /// Models sorted by name, each followed by its aliases.
    pub items: Vec<ModelItem>,
}

/// Imports of a model file.
#[derive(Debug, Clone, Default)]
pub struct ModelImports {
    /// `std::collections::BTreeMap`
    pub btree_map: bool,
    /// `crate::string_enum::string_enum`, for enums.
    pub enums: bool,
    /// `crate::Timestamp`
    pub timestamp: bool,
    /// `std::fmt` and `crate::Redacted`, for a hand-written `Debug` hiding `secret` fields.
    pub redacted: bool,
    /// `crate::map_struct::EmptyAsNone`, for optional timestamps that read `""` as `None`.
    pub empty_as_none: bool,
    /// Models of other groups, sorted.
    pub models: Vec<Ident>,
}

/// One item of a model file.
#[derive(Debug, Clone)]
pub enum ModelItem {
    /// A struct decoded from a JSON object.
    Struct(StructModel),
    /// A string enum with a catch-all.
    Enum(EnumModel),
    /// `pub type Alias = Model;`
    Alias(AliasModel),
}

/// A struct model.
#[derive(Debug, Clone)]
pub struct StructModel {
    /// Type name.
    pub ident: Ident,
    /// Doc lines.
    pub docs: Vec<String>,
    /// Fields in JSON order.
    pub fields: Vec<StructField>,
}

/// A struct field.
#[derive(Debug, Clone)]
pub struct StructField {
    /// Rust name.
    pub ident: Ident,
    /// Doc lines.
    pub docs: Vec<String>,
    /// The full Rust type (`Option<..>` included).
    pub ty: TokenStream,
    /// The JSON key, when it differs from the Rust name.
    pub rename: Option<String>,
    /// The JSON key.
    pub wire: String,
    /// `Option<T>`: default to `None`, skip when `None`.
    pub optional: bool,
    /// Optional timestamp: `""` decodes as `None`.
    pub empty_as_none: bool,
    /// A credential: `Debug` prints `[redacted]` for it.
    pub secret: bool,
}

/// An enum model.
#[derive(Debug, Clone)]
pub struct EnumModel {
    /// Type name.
    pub ident: Ident,
    /// Doc lines.
    pub docs: Vec<String>,
    /// Known values, in spec order.
    pub variants: Vec<EnumVariant>,
}

/// A known enum value.
#[derive(Debug, Clone)]
pub struct EnumVariant {
    /// Variant name.
    pub ident: Ident,
    /// The string on the wire.
    pub wire: String,
    /// Doc lines.
    pub docs: Vec<String>,
}

/// Another name for a model.
#[derive(Debug, Clone)]
pub struct AliasModel {
    /// The alias.
    pub ident: Ident,
    /// The model it names.
    pub target: Ident,
    /// Doc lines.
    pub docs: Vec<String>,
}

/// `twitch-sdk/src/generated/<group>.rs`.
#[derive(Debug, Clone)]
pub struct SdkFile {
    /// The module (the group).
    pub module: Ident,
    /// `spec/<group>.yaml`.
    pub source: String,
    /// The module doc, naming the group by its title.
    pub docs: Vec<String>,
    /// Endpoint statics, sorted by operation.
    pub endpoints: Vec<EndpointStatic>,
    /// Request builders, in endpoint then method order.
    pub builders: Vec<Builder>,
    /// `impl AppApi` methods.
    pub app_methods: Vec<ApiMethod>,
    /// `impl UserApi` methods.
    pub user_methods: Vec<ApiMethod>,
}

/// A `static Endpoint`.
#[derive(Debug, Clone)]
pub struct EndpointStatic {
    /// `GET_USERS`
    pub ident: Ident,
    /// `get-users`
    pub operation: String,
    /// `HttpMethod` variant.
    pub method: Ident,
    /// `/users`
    pub path: String,
    /// Accepts app tokens.
    pub app: bool,
    /// Accepts user tokens.
    pub user: bool,
    /// Scopes all required.
    pub scopes_all_of: Vec<String>,
    /// Scopes of which one is required.
    pub scopes_any_of: Vec<String>,
    /// When the scopes are needed only for part of the answer: what a token without them gets.
    pub scopes_partial: Option<String>,
    /// Parameters in spec order.
    pub params: Vec<ParamStatic>,
    /// Paging, for paginated endpoints.
    pub paging: Option<PagingStatic>,
    /// The acting-user rule: the parameter that must be the token's user, and the channel it
    /// must moderate.
    pub acting_user: Option<(String, Option<String>)>,
    /// Error statuses, ascending.
    pub errors: Vec<ErrorStatic>,
    /// Reference link.
    pub reference: String,
    /// The response model holds a secret field: errors must not quote the body.
    pub secret_response: bool,
}

/// One documented error status of an endpoint.
#[derive(Debug, Clone)]
pub struct ErrorStatic {
    /// The status.
    pub status: u16,
    /// Its meaning, on one line.
    pub text: String,
    /// The `shared_errors` constant holding the meaning, when the spec refers to a shared one.
    pub shared: Option<Ident>,
}

/// A `Param` literal.
#[derive(Debug, Clone)]
pub struct ParamStatic {
    /// Wire name.
    pub name: String,
    /// The name the SDK user sees.
    pub rust_name: String,
    /// `Location` variant.
    pub location: Ident,
    /// Required by Helix.
    pub required: bool,
    /// List length bound.
    pub items: Option<Bound>,
    /// String length bound.
    pub length: Option<Bound>,
    /// Number range.
    pub range: Option<Bound>,
    /// Accepted values.
    pub values: Vec<String>,
}

/// A `Limit` literal.
#[derive(Debug, Clone, Copy)]
pub struct Bound {
    /// Inclusive minimum.
    pub min: Option<i64>,
    /// Inclusive maximum.
    pub max: Option<i64>,
}

/// A `Paging` literal.
#[derive(Debug, Clone)]
pub struct PagingStatic {
    /// Page-size query parameter.
    pub page_size: Option<String>,
    /// Largest page.
    pub max_page_size: Option<u32>,
    /// Accepts `before`.
    pub before: bool,
}

/// A reference to an endpoint static from `generated/mod.rs`.
#[derive(Debug, Clone)]
pub struct EndpointRef {
    /// The module holding it.
    pub module: Ident,
    /// The static.
    pub ident: Ident,
}

/// A request builder type.
#[derive(Debug, Clone)]
pub struct Builder {
    /// Type name (`GetUsers`).
    pub ident: Ident,
    /// The endpoint static it calls.
    pub endpoint: Ident,
    /// Twitch's operation id, for the `OPERATION` constant.
    pub operation: String,
    /// Doc lines.
    pub docs: Vec<String>,
    /// Fields besides `api`, `limit` last for paginated builders.
    pub fields: Vec<BuilderField>,
    /// Setter methods.
    pub setters: Vec<Setter>,
    /// Statements of `into_request`, in parameter order.
    pub request: Vec<RequestStep>,
    /// How the runtime sends it.
    pub send: Send,
    /// The model type `T` of the runtime call (`api.list::<T>`), if the shape has one.
    pub model: Option<TokenStream>,
    /// The item model `paginate()` and `into_stream()` page over: the model of a paginated
    /// response, or the item of a paged envelope; `None` when the builder does not page.
    pub page_item: Option<TokenStream>,
    /// For paginated builders: how many items awaiting collects when `limit` is not set
    /// (`paginate` and `into_stream` have no cap unless `limit` is set).
    pub default_limit: Option<u32>,
}

/// A builder field.
#[derive(Debug, Clone)]
pub struct BuilderField {
    /// Field name (the argument / setter name).
    pub ident: Ident,
    /// Stored type.
    pub ty: TokenStream,
    /// A parameter marked `secret`: `Debug` prints `[redacted]` for it.
    pub secret: bool,
}

/// A builder setter.
#[derive(Debug, Clone)]
pub struct Setter {
    /// Method and field name.
    pub ident: Ident,
    /// Doc lines.
    pub docs: Vec<String>,
    /// What it accepts.
    pub input: Input,
    /// How the value is stored.
    pub store: Store,
    /// A targeted lint exception, with its reason.
    pub allow: Option<Allow>,
}

/// `#[allow(<lint>, reason = "...")]` on one item.
#[derive(Debug, Clone)]
pub struct Allow {
    /// The lint path (`clippy::too_many_arguments`).
    pub lint: TokenStream,
    /// Why the lint does not apply.
    pub reason: String,
}

/// What an argument or setter accepts, and so how it is converted.
#[derive(Debug, Clone)]
pub enum Input {
    /// `impl Into<String>`, stored with `.into()`.
    Str,
    /// `impl IntoIterator<Item = impl Into<String>>`, collected into `Vec<String>`.
    StrList,
    /// `T` as is.
    Plain(TokenStream),
    /// `impl IntoIterator<Item = T>`, collected into `Vec<T>`.
    List(TokenStream),
    /// An enum model `E`: `impl Into<E>`, so a known variant, a `&str` or a `String` (a value
    /// newer than the SDK) all fit.
    Enum(TokenStream),
    /// A list of an enum model: `impl IntoIterator<Item = impl Into<E>>`, collected.
    EnumList(TokenStream),
}

/// How a converted value is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Store {
    /// As is.
    Direct,
    /// In `Some(..)`.
    Some,
}

/// One statement of `into_request`.
#[derive(Debug, Clone)]
pub struct RequestStep {
    /// The `Request` method.
    pub call: StepCall,
    /// Wire name.
    pub wire: String,
    /// Builder field.
    pub field: Ident,
}

/// `Request` helper methods.
#[derive(Debug, Clone)]
pub enum StepCall {
    /// `req.query(name, v)`
    Query,
    /// `req.query_opt(name, opt)`
    QueryOpt,
    /// `req.query_list(name, iter)`
    QueryList,
    /// `req.body(name, &v)`
    Body,
    /// `req.body_opt(name, opt.as_ref())`
    BodyOpt,
    /// `req.token_user(name, Location::X, opt)`
    TokenUser(Ident),
    /// `req.set_page_size(opt)`: the endpoint's page-size parameter, which the paginator
    /// adjusts as a number.
    PageSize,
}

/// The runtime call that sends a request, by response shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Send {
    /// `api.none(req)`
    None,
    /// `api.single::<M>(req)`
    Single,
    /// `api.optional::<M>(req)`
    Optional,
    /// `api.list::<M>(req)`
    List,
    /// `api.envelope::<M>(req)`
    Envelope,
    /// `api.text(req)`
    Text,
    /// `api.collect::<M>(req, limit)`, plus `limit`, `paginate` and `into_stream` on the builder.
    Collect,
}

/// A method of `AppApi` or `UserApi`.
#[derive(Debug, Clone)]
pub struct ApiMethod {
    /// Method name.
    pub ident: Ident,
    /// Doc lines.
    pub docs: Vec<String>,
    /// Required arguments.
    pub args: Vec<Arg>,
    /// The builder it returns.
    pub builder: Ident,
    /// Initial value of every builder field except `api`.
    pub init: Vec<FieldInit>,
    /// A targeted lint exception, with its reason.
    pub allow: Option<Allow>,
    /// Other names for the same method, delegating to it.
    pub aliases: Vec<AliasMethod>,
}

/// A method argument.
#[derive(Debug, Clone)]
pub struct Arg {
    /// Name (also the builder field).
    pub ident: Ident,
    /// What it accepts.
    pub input: Input,
}

/// A builder field's starting value.
#[derive(Debug, Clone)]
pub struct FieldInit {
    /// The field.
    pub field: Ident,
    /// Its value.
    pub value: Init,
}

/// Where a starting value comes from.
#[derive(Debug, Clone)]
pub enum Init {
    /// The argument of the same name, converted, then stored.
    Arg(Input, Store),
    /// A fixed expression (`Vec::new()`, `None`, `Some(100)`).
    Value(TokenStream),
}

/// An alias of an API method.
#[derive(Debug, Clone)]
pub struct AliasMethod {
    /// The alias.
    pub ident: Ident,
    /// Doc lines.
    pub docs: Vec<String>,
}

/// `tests/tests/generated/every_method.rs`: one call of every API method (aliases included)
/// against the stand-in server, with the request each call must send and what it must decode.
#[derive(Debug, Clone, Default)]
pub struct CallsFile {
    /// The user id of the token the [`ApiClass::User`] calls carry; token-user parameters
    /// expect it.
    pub token_user_id: String,
    /// One per API class and method name, sorted by class, then name.
    pub cases: Vec<CallCase>,
    /// Some argument is a timestamp (the file uses the harness's `timestamp`).
    pub uses_timestamp: bool,
    /// Some argument is a model or JSON value (the file uses the harness's `from_json`).
    pub uses_from_json: bool,
}

/// The API classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ApiClass {
    /// `AppApi`
    App,
    /// `UserApi`
    User,
}

/// One call of one method on one API class.
#[derive(Debug, Clone)]
pub struct CallCase {
    /// The class whose method is called.
    pub class: ApiClass,
    /// The method called (an alias is called by its own name).
    pub method: Ident,
    /// `AppApi::get_users`
    pub name: String,
    /// The method an alias delegates to.
    pub alias_of: Option<String>,
    /// The Helix operation it must reach.
    pub operation: String,
    /// `GET`
    pub http_method: String,
    /// `/users`, below the Helix base URL.
    pub path: String,
    /// Argument values, in order.
    pub args: Vec<CallValue>,
    /// Setters called, with their values.
    pub setters: Vec<(Ident, CallValue)>,
    /// The query the request must carry, by wire name in parameter order; lists repeat the key.
    pub query: Vec<(String, Vec<String>)>,
    /// The JSON body it must carry (minified), dotted names nested.
    pub body: Option<String>,
    /// Wire names the runtime fills with the token's user id.
    pub token_user: Vec<String>,
    /// What the call must decode from the stand-in's example.
    pub decoded: Decoded,
}

/// A value passed to an argument or setter.
#[derive(Debug, Clone)]
pub enum CallValue {
    /// A string literal.
    Str(String),
    /// An integer literal.
    Int(i64),
    /// A float literal.
    Float(f64),
    /// `true` or `false`.
    Bool(bool),
    /// A `Timestamp` parsed from RFC 3339 text.
    Timestamp(String),
    /// A `serde_json::Value`, printed as JSON text.
    Json(serde_json::Value),
    /// An enum model from its wire value.
    Enum {
        /// The model.
        model: Ident,
        /// The wire value.
        value: String,
    },
    /// A struct model decoded from JSON text.
    Model {
        /// The model.
        model: Ident,
        /// Its JSON.
        json: serde_json::Value,
    },
    /// An array of values, for list parameters.
    List(Vec<CallValue>),
}

/// What a successful call decodes, as the harness sees the output serialized to JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decoded {
    /// `()` or `None`.
    Nothing,
    /// One model.
    One,
    /// Text.
    Text,
    /// A list of this many items.
    Items(usize),
}
