//! The stand-in's EventSub bookkeeping: subscriptions, conduits and their shards, and WebSocket
//! sessions, with Twitch's rules for creating them. Plain data behind the hub's mutex; no I/O.
//!
//! Transports are one enum, [`Transport`]: a new transport (webhooks) is a new variant plus its
//! arm in [`Registry::check_transport`] and in the delivery code of `hub.rs`.

use std::collections::HashMap;

use serde_json::{Value, json};
use tokio::sync::mpsc;

/// Most enabled subscriptions one WebSocket session may hold.
pub(crate) const MAX_SUBSCRIPTIONS_PER_SESSION: usize = 300;
/// Most WebSocket sessions with subscriptions one user token may have.
pub(crate) const MAX_SESSIONS_PER_USER: usize = 3;
/// The total cost one user may spend on WebSocket subscriptions.
pub(crate) const MAX_WEBSOCKET_COST: u64 = 10;
/// The total cost one client may spend on webhook and conduit subscriptions.
pub(crate) const MAX_APP_COST: u64 = 10_000;
/// Most shards a conduit may have.
pub(crate) const MAX_SHARDS: u64 = 20_000;
/// Most conduits per client.
pub(crate) const MAX_CONDUITS: usize = 5;

/// Where a subscription delivers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Transport {
    /// A WebSocket session of the stand-in.
    WebSocket { session_id: String },
    /// A conduit of the same client.
    Conduit { conduit_id: String },
    /// A webhook callback, and the secret its messages are signed with.
    Webhook {
        callback: String,
        secret: crate::secret::Secret,
    },
}

impl Transport {
    /// The `transport` object Helix shows.
    pub fn to_json(&self, registry: &Registry) -> Value {
        match self {
            Transport::WebSocket { session_id } => {
                let mut out = json!({"method": "websocket", "session_id": session_id});
                if let Some(session) = registry.sessions.get(session_id) {
                    out["connected_at"] = json!(session.connected_at);
                    if let Some(at) = &session.disconnected_at {
                        out["disconnected_at"] = json!(at);
                    }
                }
                out
            }
            Transport::Conduit { conduit_id } => {
                json!({"method": "conduit", "conduit_id": conduit_id})
            }
            // Helix never shows the secret.
            Transport::Webhook { callback, .. } => {
                json!({"method": "webhook", "callback": callback})
            }
        }
    }
}

/// One subscription.
#[derive(Debug, Clone)]
pub(crate) struct Subscription {
    pub id: String,
    pub r#type: String,
    pub version: String,
    pub status: String,
    pub cost: u64,
    pub condition: Value,
    pub transport: Transport,
    pub created_at: String,
    /// The client that created it.
    pub client_id: String,
    /// The user of the token that created it (WebSocket subscriptions).
    pub user_id: Option<String>,
}

impl Subscription {
    /// The `subscription` object Helix and EventSub messages show.
    pub fn to_json(&self, registry: &Registry) -> Value {
        json!({
            "id": self.id,
            "status": self.status,
            "type": self.r#type,
            "version": self.version,
            "cost": self.cost,
            "condition": self.condition,
            "transport": self.transport.to_json(registry),
            "created_at": self.created_at,
        })
    }

    pub fn enabled(&self) -> bool {
        self.status == "enabled"
    }
}

/// What the hub asks a connection's task to do.
#[derive(Debug)]
pub(crate) enum Outbound {
    /// Send this text frame.
    Text(String),
    /// Send a close frame with this code and end.
    Close(u16, &'static str),
    /// End without a close frame (an abrupt drop).
    Drop,
    /// Everything queued before this is written: answer, then keep going until closed.
    Flushed(tokio::sync::oneshot::Sender<()>),
    /// Send this `session_reconnect` text and start the grace time (4004 when it runs out).
    Reconnect(String),
    /// Stop sending anything (keepalives included) while staying connected: a stalled link.
    Stall,
}

/// The sending half towards one connection's task.
#[derive(Debug, Clone)]
pub(crate) struct Link {
    /// Unique per connection.
    pub serial: u64,
    pub tx: mpsc::UnboundedSender<Outbound>,
}

/// One WebSocket session: a session id that outlives a reconnect handover.
#[derive(Debug)]
pub(crate) struct Session {
    pub id: String,
    pub connected_at: String,
    pub disconnected_at: Option<String>,
    /// The connection events go to; `None` once the session is gone.
    pub link: Option<Link>,
    /// Set between `session_reconnect` and the new connection's welcome.
    pub reconnecting: bool,
    /// Whether anything was ever subscribed (or a shard assigned) on it.
    pub used: bool,
    pub keepalive_secs: u64,
}

/// One conduit and its shards (`None`: a shard with no transport yet).
#[derive(Debug, Clone)]
pub(crate) struct Conduit {
    pub id: String,
    pub client_id: String,
    pub shards: Vec<Option<Transport>>,
}

/// Everything, behind the hub's mutex.
#[derive(Debug, Default)]
pub(crate) struct Registry {
    pub subscriptions: Vec<Subscription>,
    pub sessions: HashMap<String, Session>,
    pub conduits: Vec<Conduit>,
    serial: u64,
}

/// A refusal: HTTP status and Helix message.
pub(crate) type Refusal = (u16, String);

fn refuse<T>(status: u16, message: impl Into<String>) -> Result<T, Refusal> {
    Err((status, message.into()))
}

impl Registry {
    /// A fresh id in the shape of Twitch's (a UUID).
    pub fn new_id(&mut self) -> String {
        self.serial += 1;
        let n = self.serial;
        format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            0x5e55_0000u32 | (n as u32 & 0xffff),
            (n >> 16) & 0xffff,
            n & 0xfff,
            (n >> 12) & 0xfff,
            n
        )
    }

    /// A fresh session id (Twitch's are long opaque strings).
    pub fn new_session_id(&mut self) -> String {
        self.serial += 1;
        format!("AgoQmockSession{:010}GQ", self.serial)
    }

    /// Parses and checks a `transport` object for a new subscription made by `client_id` with
    /// a user token of `user` (or an app token).
    pub fn check_transport(
        &self,
        transport: &Value,
        client_id: &str,
        user: Option<&str>,
    ) -> Result<Transport, Refusal> {
        let method = transport.get("method").and_then(Value::as_str);
        let field = |name: &str| {
            transport
                .get(name)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        };
        match method {
            Some("websocket") => {
                if user.is_none() {
                    return refuse(400, "websocket transports require a user access token");
                }
                let Some(session_id) = field("session_id") else {
                    return refuse(400, "transport.session_id is required for websocket");
                };
                match self.sessions.get(session_id) {
                    Some(s) if s.link.is_some() => Ok(Transport::WebSocket {
                        session_id: session_id.to_owned(),
                    }),
                    _ => refuse(
                        400,
                        "websocket transport session does not exist or has already disconnected",
                    ),
                }
            }
            Some("conduit") => {
                if user.is_some() {
                    return refuse(400, "conduit transports require an app access token");
                }
                let Some(conduit_id) = field("conduit_id") else {
                    return refuse(400, "transport.conduit_id is required for conduit");
                };
                let known = self
                    .conduits
                    .iter()
                    .any(|c| c.id == conduit_id && c.client_id == client_id);
                if !known {
                    return refuse(400, "conduit not found");
                }
                Ok(Transport::Conduit {
                    conduit_id: conduit_id.to_owned(),
                })
            }
            Some("webhook") => super::webhook::check_transport(transport, user),
            _ => refuse(
                400,
                "transport.method must be websocket, conduit or webhook",
            ),
        }
    }

    /// The cost of a new subscription: WebSocket subscriptions about the token's own user cost
    /// nothing (the user authorized the app), others one.
    pub fn cost_of(condition: &Value, user: Option<&str>) -> u64 {
        let own = |user: &str| {
            condition.as_object().is_some_and(|fields| {
                fields
                    .iter()
                    .any(|(key, value)| key.ends_with("user_id") && value.as_str() == Some(user))
            })
        };
        match user {
            Some(user) if own(user) => 0,
            _ => 1,
        }
    }

    /// Enabled subscriptions of this owner: `(count, total cost)`.
    pub fn totals(&self, client_id: &str, user: Option<&str>) -> (usize, u64) {
        self.owned(client_id, user)
            .filter(|s| s.enabled())
            .fold((0, 0), |(n, cost), s| (n + 1, cost + s.cost))
    }

    /// Subscriptions of this owner: a user's WebSocket ones, or the client's app ones.
    pub fn owned<'a>(
        &'a self,
        client_id: &'a str,
        user: Option<&'a str>,
    ) -> impl Iterator<Item = &'a Subscription> + 'a {
        self.subscriptions
            .iter()
            .filter(move |s| s.client_id == client_id && s.user_id.as_deref() == user)
    }

    /// Twitch's limits for one more subscription on `transport`.
    pub fn check_limits(
        &self,
        transport: &Transport,
        client_id: &str,
        user: Option<&str>,
        cost: u64,
    ) -> Result<(), Refusal> {
        let (_, spent) = self.totals(client_id, user);
        let budget = if user.is_some() {
            MAX_WEBSOCKET_COST
        } else {
            MAX_APP_COST
        };
        if spent + cost > budget {
            return refuse(
                429,
                format!("total cost exceeded: {spent} of {budget} spent"),
            );
        }
        let Transport::WebSocket { session_id } = transport else {
            return Ok(());
        };
        let on_session = self
            .subscriptions
            .iter()
            .filter(|s| s.enabled() && s.transport == *transport)
            .count();
        if on_session >= MAX_SUBSCRIPTIONS_PER_SESSION {
            return refuse(
                429,
                "websocket transport: subscription limit for the session reached",
            );
        }
        let mut sessions: Vec<&str> = self
            .owned(client_id, user)
            .filter(|s| s.enabled())
            .filter_map(|s| match &s.transport {
                Transport::WebSocket { session_id } => Some(session_id.as_str()),
                Transport::Conduit { .. } | Transport::Webhook { .. } => None,
            })
            .collect();
        sessions.sort_unstable();
        sessions.dedup();
        if !sessions.contains(&session_id.as_str()) && sessions.len() >= MAX_SESSIONS_PER_USER {
            return refuse(
                429,
                "websocket transport: too many connections with subscriptions",
            );
        }
        Ok(())
    }

    /// Whether an enabled subscription of this owner already has this type, version, condition
    /// and transport (Twitch answers `409`).
    pub fn duplicate(&self, new: &Subscription) -> bool {
        self.subscriptions.iter().any(|s| {
            s.enabled()
                && s.client_id == new.client_id
                && s.r#type == new.r#type
                && s.version == new.version
                && s.condition == new.condition
                && s.transport == new.transport
        })
    }

    /// Marks a session gone: its subscriptions take `status` (Twitch disables them) and the
    /// shards pointing at it are disconnected.
    pub fn end_session(&mut self, session_id: &str, status: &str, at: String) {
        if let Some(session) = self.sessions.get_mut(session_id) {
            session.link = None;
            session.disconnected_at = Some(at);
        }
        let gone = Transport::WebSocket {
            session_id: session_id.to_owned(),
        };
        for sub in &mut self.subscriptions {
            if sub.transport == gone && sub.enabled() {
                sub.status = status.to_owned();
            }
        }
    }

    /// The status of a conduit shard as Helix reports it.
    pub fn shard_status(&self, shard: Option<&Transport>) -> &'static str {
        match shard {
            None => "websocket_disconnected",
            Some(Transport::WebSocket { session_id }) => match self.sessions.get(session_id) {
                Some(s) if s.link.is_some() => "enabled",
                Some(_) => "websocket_disconnected",
                None => "websocket_failed_to_reconnect",
            },
            Some(Transport::Conduit { .. } | Transport::Webhook { .. }) => "enabled",
        }
    }

    /// The live link of the shard's session, if the shard is enabled.
    pub fn shard_link(&self, shard: Option<&Transport>) -> Option<(&str, Link)> {
        match shard {
            Some(Transport::WebSocket { session_id }) => {
                let session = self.sessions.get(session_id)?;
                session.link.clone().map(|l| (session.id.as_str(), l))
            }
            _ => None,
        }
    }
}
