//! The serde mirror of `spec/eventsub/<category>.yaml`: one file per category of EventSub
//! subscription types, holding the types (with their conditions) and the event models first
//! described there. Unknown keys are parse errors. The format is documented in spec/README.md.

use serde::Deserialize;

/// One `spec/eventsub/<category>.yaml` file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventFile {
    /// Must equal the file stem; becomes the Rust module name.
    pub category: String,
    /// The subscription types (one entry per type and version).
    #[serde(default)]
    pub subscriptions: Vec<SubscriptionSpec>,
    /// Event payload models (structs) first described in this file.
    #[serde(default)]
    pub models: Vec<EventModel>,
}

/// One subscription type at one version.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionSpec {
    /// Twitch's type name (`channel.follow`).
    pub r#type: String,
    /// Twitch's version (`"1"`, `"2"`, `"beta"`).
    pub version: String,
    /// The Rust name of the typed subscription and the `Event` variant (`ChannelFollowV2`).
    pub name: String,
    /// `stable`, `beta` or `deprecated`.
    pub status: Status,
    /// One line: what the event is.
    pub summary: String,
    /// More words, when Twitch has them.
    #[serde(default)]
    pub description: Option<String>,
    /// Link to Twitch's documentation of the type.
    pub reference: String,
    /// Transports Twitch accepts for it (WebSocket takes user tokens; webhook and conduit take
    /// app tokens).
    pub transports: Vec<TransportKind>,
    /// Scopes a user token must carry (WebSocket); both lists optional.
    #[serde(default)]
    pub scopes: Scopes,
    /// Who must have authorized what, in words.
    #[serde(default)]
    pub authorization: Option<String>,
    /// The reference library's method names for it.
    #[serde(default)]
    pub methods: Vec<String>,
    /// The condition fields, in Twitch's order.
    #[serde(default)]
    pub condition: Vec<ConditionField>,
    /// Groups of optional condition fields of which exactly one must be set.
    #[serde(default)]
    pub one_of: Vec<Vec<String>>,
    /// The event payload model.
    pub event: String,
    /// Twitch delivers an `events` array (batched) instead of one `event`.
    #[serde(default)]
    pub batched: bool,
    /// Deliberate differences from Twitch's pages, and corrections made to its examples.
    #[serde(default)]
    pub notes: Vec<String>,
}

/// How settled a type is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Generally available.
    Stable,
    /// In Twitch's beta program: may change or disappear.
    Beta,
    /// Still accepted, to be removed.
    Deprecated,
}

/// An EventSub transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransportKind {
    /// HTTPS callbacks (app token).
    Webhook,
    /// A WebSocket session (user token).
    Websocket,
    /// A conduit's shards (app token).
    Conduit,
}

/// Scopes, as in the Helix spec.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scopes {
    /// Every one is required.
    #[serde(default)]
    pub all_of: Vec<String>,
    /// One of them is required.
    #[serde(default)]
    pub any_of: Vec<String>,
}

/// One condition field.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionField {
    /// The wire name.
    pub name: String,
    /// Always `string` today; kept so a new kind is a spec change, not a silent one.
    pub r#type: String,
    /// Twitch rejects the subscription without it.
    pub required: bool,
    /// Twitch requires it to be the token's user (WebSocket); the user API fills it.
    #[serde(default)]
    pub token_user: bool,
    /// What it means.
    pub doc: String,
}

/// An event payload model: a struct.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventModel {
    /// UpperCamelCase, unique across all EventSub files.
    pub name: String,
    /// The struct's doc; derived from the types using it when absent.
    #[serde(default)]
    pub doc: Option<String>,
    /// The fields, in Twitch's order.
    pub fields: Vec<EventField>,
}

/// One field of an event model.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventField {
    /// The wire name.
    pub name: String,
    /// `string`, `integer`, `number`, `boolean`, `timestamp`, `json`, a model name, or any of
    /// these with `[]`.
    pub r#type: String,
    /// Twitch may leave it out or send `null`.
    #[serde(default)]
    pub optional: bool,
    /// What it means.
    pub doc: String,
}
