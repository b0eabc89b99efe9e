//! Typed subscribing: `user.subscribe(ChannelFollowV2::new(broadcaster)).websocket(session)` and
//! `app.subscribe(StreamOnlineV1::new(broadcaster)).conduit(conduit)`.
//!
//! Every generated subscription type (in [`types`](super::types)) is a typed condition plus a
//! static [`TypeSpec`]; this module owns what they share: the checks made before anything is
//! sent, exactly as for Helix calls, and the create call itself.
//!
//! - The token type must suit the transport (WebSocket takes a user token; webhook and conduit
//!   take an app token), and the type must allow the transport: [`Error::Token`] and
//!   [`Error::InvalidArgument`] otherwise.
//! - A user token must carry the type's scopes ([`Error::Token`] naming what is missing).
//! - Condition fields Twitch requires to be the token's user are filled with it on `UserApi` (and
//!   refused when set to someone else); required and one-of fields are checked.
//! - Twitch's 409 for an identical existing subscription is [`Subscribed::AlreadyExists`], not an
//!   error, so callers that subscribe on every start can treat it as success.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;

use serde::Serialize;
use serde_json::{Map, Value};
use twitch_models::{EventSubSubscription, EventSubTransport, TransportMethod};

use crate::auth::UserInfo;
use crate::error::{Error, MissingScopes, Result, TokenErrorKind, TokenType};
use crate::{AppApi, UserApi};

/// Which transports a subscription type accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transports {
    /// HTTPS callbacks (app token).
    pub webhook: bool,
    /// A WebSocket session (user token).
    pub websocket: bool,
    /// A conduit's shards (app token).
    pub conduit: bool,
}

impl Transports {
    /// Every transport.
    pub const ALL: Transports = Transports {
        webhook: true,
        websocket: true,
        conduit: true,
    };
    /// Webhooks only.
    pub const WEBHOOK_ONLY: Transports = Transports {
        webhook: true,
        websocket: false,
        conduit: false,
    };

    fn allows(self, method: &TransportMethod) -> bool {
        match method {
            TransportMethod::Webhook => self.webhook,
            TransportMethod::Websocket => self.websocket,
            TransportMethod::Conduit => self.conduit,
            _ => false,
        }
    }

    fn names(self) -> String {
        let list = [
            (self.webhook, "webhook"),
            (self.websocket, "websocket"),
            (self.conduit, "conduit"),
        ];
        list.iter()
            .filter(|(on, _)| *on)
            .map(|(_, name)| *name)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The static facts of one subscription type and version, from the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypeSpec {
    /// Twitch's type name (`channel.follow`).
    pub r#type: &'static str,
    /// Twitch's version (`"2"`).
    pub version: &'static str,
    /// Transports it accepts.
    pub transports: Transports,
    /// Scopes a user token must all carry.
    pub scopes_all_of: &'static [&'static str],
    /// Scopes of which a user token must carry one (when not empty).
    pub scopes_any_of: &'static [&'static str],
    /// Condition fields that must be the token's user (filled on `UserApi`).
    pub token_user: &'static [&'static str],
    /// Condition fields Twitch requires.
    pub required: &'static [&'static str],
    /// Groups of condition fields of which exactly one must be set.
    pub one_of: &'static [&'static [&'static str]],
    /// Twitch delivers an `events` array instead of one `event`.
    pub batched: bool,
}

/// A typed subscription: a condition that knows its type, version and rules. Generated for every
/// type in the spec (see [`types`](super::types)).
pub trait SubscriptionType: Serialize + Send + 'static {
    /// The event payload it delivers.
    type Event;
    /// Its static facts.
    const SPEC: &'static TypeSpec;
}

/// What a create call achieved.
#[derive(Debug, Clone, PartialEq)]
pub enum Subscribed {
    /// Twitch created the subscription.
    Created(Box<EventSubSubscription>),
    /// Twitch answered 409: an identical subscription exists already. Usually success.
    AlreadyExists,
}

impl Subscribed {
    /// The created subscription, if one was created.
    pub fn subscription(&self) -> Option<&EventSubSubscription> {
        match self {
            Subscribed::Created(sub) => Some(sub),
            Subscribed::AlreadyExists => None,
        }
    }
}

#[derive(Clone, Debug)]
enum Holder {
    App(AppApi),
    User(UserApi),
}

/// A typed subscription waiting for its transport: call [`websocket`](Subscribe::websocket),
/// [`conduit`](Subscribe::conduit) or [`webhook`](Subscribe::webhook), then `.await`.
#[derive(Debug)]
#[must_use = "pick a transport, then await the request"]
pub struct Subscribe<S> {
    api: Holder,
    sub: S,
}

impl AppApi {
    /// Starts an EventSub subscription of a typed condition; finish it with
    /// [`conduit`](Subscribe::conduit) or [`webhook`](Subscribe::webhook).
    pub fn subscribe<S: SubscriptionType>(&self, sub: S) -> Subscribe<S> {
        Subscribe {
            api: Holder::App(self.clone()),
            sub,
        }
    }
}

impl UserApi {
    /// Starts an EventSub subscription of a typed condition; finish it with
    /// [`websocket`](Subscribe::websocket). Condition fields Twitch requires to be the token's
    /// user are filled with it when left unset.
    pub fn subscribe<S: SubscriptionType>(&self, sub: S) -> Subscribe<S> {
        Subscribe {
            api: Holder::User(self.clone()),
            sub,
        }
    }
}

impl<S: SubscriptionType> Subscribe<S> {
    /// Deliver over the WebSocket session whose welcome carried `session_id` (user token).
    pub fn websocket(self, session_id: impl Into<String>) -> SubscribeRequest {
        self.with(EventSubTransport::websocket(session_id))
    }

    /// Deliver to the shards of conduit `conduit_id` (app token).
    pub fn conduit(self, conduit_id: impl Into<String>) -> SubscribeRequest {
        self.with(EventSubTransport::conduit(conduit_id))
    }

    /// Deliver to the HTTPS `callback`, signed with `secret` (app token).
    pub fn webhook(
        self,
        callback: impl Into<String>,
        secret: impl Into<String>,
    ) -> SubscribeRequest {
        self.with(EventSubTransport::webhook(callback, secret))
    }

    fn with(self, transport: EventSubTransport) -> SubscribeRequest {
        let condition = condition_json(&self.sub);
        SubscribeRequest {
            api: self.api,
            spec: S::SPEC,
            condition,
            transport,
        }
    }
}

/// A typed subscription with its transport: `.await` it to check and send it.
#[must_use = "a request does nothing until it is awaited"]
pub struct SubscribeRequest {
    api: Holder,
    spec: &'static TypeSpec,
    condition: Result<Value>,
    transport: EventSubTransport,
}

impl fmt::Debug for SubscribeRequest {
    // The transport may hold a webhook secret: only its method is shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SubscribeRequest")
            .field("type", &self.spec.r#type)
            .field("version", &self.spec.version)
            .field("transport", &self.transport.method)
            .finish_non_exhaustive()
    }
}

impl IntoFuture for SubscribeRequest {
    type Output = Result<Subscribed>;
    type IntoFuture = Pin<Box<dyn Future<Output = Result<Subscribed>> + Send + 'static>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

impl SubscribeRequest {
    async fn send(self) -> Result<Subscribed> {
        let spec = self.spec;
        let user = match &self.api {
            Holder::User(api) => Some(token_user(spec, api)?),
            Holder::App(_) => None,
        };
        let condition = checked_condition(spec, &self.transport, user.as_ref(), self.condition)?;
        let sent = match &self.api {
            Holder::App(api) => {
                api.create_eventsub_subscription(
                    spec.r#type,
                    spec.version,
                    self.transport,
                    condition,
                )
                .await
            }
            Holder::User(api) => {
                api.create_eventsub_subscription(
                    spec.r#type,
                    spec.version,
                    self.transport,
                    condition,
                )
                .await
            }
        };
        match sent {
            Ok(subs) => match subs.data.into_iter().next() {
                Some(sub) => Ok(Subscribed::Created(Box::new(sub))),
                None => Err(Error::decode(
                    "create-eventsub-subscription",
                    "data",
                    "expected the created subscription, got none",
                    String::new(),
                )),
            },
            Err(Error::Conflict { .. }) => Ok(Subscribed::AlreadyExists),
            Err(e) => Err(e),
        }
    }
}

fn name(spec: &TypeSpec) -> String {
    format!("{} v{}", spec.r#type, spec.version)
}

/// The checks a typed subscription gets before a WebSocket session creates it, the same as
/// [`UserApi::subscribe`] runs: the type takes WebSocket transports, the user token carries its
/// scopes, and the condition is complete (fields that must be the token's user filled in).
/// Returns the condition to send.
#[cfg(feature = "eventsub-ws")]
pub(crate) fn prepare_websocket<S: SubscriptionType>(
    subscription: &S,
    api: &UserApi,
) -> Result<Value> {
    let user = token_user(S::SPEC, api)?;
    // The session id is not known before the welcome; any value passes the transport check.
    let transport = EventSubTransport::websocket("welcome-pending");
    checked_condition(
        S::SPEC,
        &transport,
        Some(&user),
        condition_json(subscription),
    )
}

/// A typed condition as the JSON object Twitch takes.
fn condition_json<S: SubscriptionType>(subscription: &S) -> Result<Value> {
    serde_json::to_value(subscription).map_err(|e| Error::InvalidArgument {
        name: "condition".into(),
        reason: e.to_string(),
    })
}

/// The user of a user token, known once the token was validated.
fn token_user(spec: &TypeSpec, api: &UserApi) -> Result<UserInfo> {
    api.api.inner.user_info().ok_or_else(|| {
        Error::token(
            TokenErrorKind::Invalid,
            format!("{}: the user token's user is not known yet", name(spec)),
        )
    })
}

/// Every check before a subscription is sent: the token type suits the transport and the type
/// allows it, a user token carries the type's scopes, and the condition is complete (token-user
/// fields filled in on a user token). Returns the condition to send.
fn checked_condition(
    spec: &TypeSpec,
    transport: &EventSubTransport,
    user: Option<&UserInfo>,
    condition: Result<Value>,
) -> Result<Value> {
    check_transport(spec, transport, user.is_some())?;
    let mut condition = condition?;
    if let Some(user) = user {
        check_scopes(spec, &user.scopes)?;
    }
    fill_condition(spec, &mut condition, user.map(|u| u.user_id.as_str()))?;
    Ok(condition)
}

/// The token type suits the transport, and the type allows the transport.
fn check_transport(spec: &TypeSpec, transport: &EventSubTransport, user: bool) -> Result<()> {
    let method = &transport.method;
    let needs_user = *method == TransportMethod::Websocket;
    if needs_user != user {
        let (needed, given) = if needs_user {
            ("a user", "an app")
        } else {
            ("an app", "a user")
        };
        let needed_type = if needs_user {
            TokenType::User
        } else {
            TokenType::App
        };
        return Err(Error::token(
            TokenErrorKind::WrongTokenType {
                needed: needed_type,
            },
            format!(
                "{}: {} transport needs {needed} access token, not {given} access token",
                name(spec),
                method.as_str()
            ),
        ));
    }
    if !spec.transports.allows(method) {
        return Err(Error::InvalidArgument {
            name: "transport".into(),
            reason: format!("{} supports only: {}", name(spec), spec.transports.names()),
        });
    }
    let empty = |v: &Option<String>| v.as_deref().is_none_or(str::is_empty);
    let (field, missing) = match method {
        TransportMethod::Websocket => ("session_id", empty(&transport.session_id)),
        TransportMethod::Conduit => ("conduit_id", empty(&transport.conduit_id)),
        _ => ("callback", empty(&transport.callback)),
    };
    if missing {
        return Err(Error::InvalidArgument {
            name: field.into(),
            reason: "must not be empty".into(),
        });
    }
    if *method == TransportMethod::Webhook {
        let secret = transport.secret.as_deref().unwrap_or("");
        if let Some(reason) = crate::check::webhook_secret_problem(secret) {
            return Err(Error::InvalidArgument {
                name: "secret".into(),
                reason,
            });
        }
        let callback = transport.callback.as_deref().unwrap_or("");
        if let Some(reason) = crate::check::webhook_callback_problem(callback) {
            return Err(Error::InvalidArgument {
                name: "callback".into(),
                reason: reason.into(),
            });
        }
    }
    Ok(())
}

/// The user token carries the type's scopes.
fn check_scopes(spec: &TypeSpec, granted: &[String]) -> Result<()> {
    let has = |scope: &&str| granted.iter().any(|g| g == scope);
    let missing: Vec<&str> = spec
        .scopes_all_of
        .iter()
        .copied()
        .filter(|s| !has(s))
        .collect();
    let any_missing = !spec.scopes_any_of.is_empty() && !spec.scopes_any_of.iter().any(has);
    let what = match (missing.as_slice(), any_missing) {
        ([], false) => return Ok(()),
        ([one], false) => format!("missing scope: {one}"),
        (many, false) => format!("missing scopes: {}", many.join(", ")),
        ([], true) => format!("missing one of: {}", spec.scopes_any_of.join(", ")),
        (many, true) => format!(
            "missing scopes: {}; and one of: {}",
            many.join(", "),
            spec.scopes_any_of.join(", ")
        ),
    };
    let any_of: &[&str] = if any_missing { spec.scopes_any_of } else { &[] };
    Err(Error::token(
        TokenErrorKind::MissingScopes(MissingScopes::new(missing, any_of.iter().copied())),
        format!("{}: the user token is {what}", name(spec)),
    ))
}

/// Fills token-user fields and checks required and one-of fields.
fn fill_condition(spec: &TypeSpec, condition: &mut Value, user_id: Option<&str>) -> Result<()> {
    if condition.is_null() {
        *condition = Value::Object(Map::new());
    }
    let Some(map) = condition.as_object_mut() else {
        return Err(Error::InvalidArgument {
            name: "condition".into(),
            reason: "must be an object".into(),
        });
    };
    for field in spec.token_user {
        match (map.get(*field).and_then(Value::as_str), user_id) {
            (None, Some(user)) => {
                map.insert((*field).to_owned(), Value::String(user.to_owned()));
            }
            (Some(given), Some(user)) if given != user => {
                return Err(Error::InvalidArgument {
                    name: (*field).to_owned(),
                    reason: format!(
                        "must be the token's user ({user}) for a WebSocket subscription of {}, not {given}",
                        name(spec)
                    ),
                });
            }
            _ => {}
        }
    }
    let set = |map: &Map<String, Value>, field: &str| {
        map.get(field)
            .and_then(Value::as_str)
            .is_some_and(|v| !v.is_empty())
    };
    for field in spec.required {
        if !set(map, field) {
            let reason = if spec.token_user.contains(field) {
                "is required; with an app token there is no token user to fill it in".to_owned()
            } else {
                "is required".to_owned()
            };
            return Err(Error::InvalidArgument {
                name: (*field).to_owned(),
                reason,
            });
        }
    }
    for group in spec.one_of {
        let count = group.iter().filter(|f| set(map, f)).count();
        if count != 1 {
            return Err(Error::InvalidArgument {
                name: group.join(" / "),
                reason: format!("set exactly one of them (got {count})"),
            });
        }
    }
    Ok(())
}
