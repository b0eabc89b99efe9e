//! EventSub over WebSocket: a session that stays up for days on its own.
//!
//! [`EventSubWebSocket`] connects to Twitch's EventSub WebSocket server with a user token,
//! creates the subscriptions asked for within the welcome window, and hands everything over as
//! one [`EventStream`] of [`EventSubItem`]s: typed notifications, revocations, and lifecycle
//! changes (connected, reconnected, disconnected with its close code, subscriptions refused).
//!
//! What it does without being asked:
//! - **Keepalive**: no message for longer than the session's keepalive timeout (plus a small
//!   margin) means the connection is dead; it reconnects. Pings are answered; it never sends
//!   a data frame (Twitch closes with 4001 for that).
//! - **Handover**: on `session_reconnect` it connects to the given URL, keeps reading the old
//!   connection until the new one is welcomed, then closes the old one, still reading what it
//!   had in flight.
//! - **Deduplication**: every notification passes a [`DedupeStore`] (ten minutes of message
//!   ids by default), so one message id reaches the stream once, also across reconnects.
//! - **Drops**: a connection lost without `session_reconnect` is reopened with backoff and
//!   jitter, and the subscriptions this client made are created again on the new session
//!   (they die with the old one); any Twitch refuses is reported.
//! - **Limits** before anything is sent: at most 300 subscriptions per connection, a total
//!   cost of 10 per user (a subscription about the token's own user costs nothing), and at most
//!   3 connections with subscriptions per user in this process: [`Error::InvalidArgument`]
//!   instead of Twitch's 429.
//!
//! The user token is refreshed by its [`UserApi`] as calls need it, so a long session survives
//! token expiry. For apps, [`ConduitShards`](super::ConduitShards) runs conduit shards on the
//! same machinery.
//!
//! ```no_run
//! use futures_util::StreamExt;
//! use serde_json::json;
//! use twitch_sdk::eventsub::{Event, EventSubItem, EventSubWebSocket};
//! # async fn demo(user: twitch_sdk::UserApi) -> twitch_sdk::Result<()> {
//! let mut events = EventSubWebSocket::builder(user.clone())
//!     .subscribe("channel.chat.message", "1", json!({
//!         "broadcaster_user_id": "141981764",
//!         "user_id": user.user_id(),
//!     }))
//!     .start()
//!     .await?;
//! while let Some(item) = events.next().await {
//!     match item {
//!         EventSubItem::Notification(n) => println!("{:?}", n.event),
//!         other => println!("{other:?}"),
//!     }
//! }
//! # Ok(()) }
//! ```

mod connect;
pub(crate) mod frame;
pub(crate) mod session;

use std::collections::HashMap;
use std::fmt;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use self::session::{BindFuture, Binder};
use super::{DedupeStore, MemoryDedupe, Notification, Revocation};
use crate::UserApi;
use crate::error::{Error, Result};
use crate::models::EventSubTransport;

/// Twitch's EventSub WebSocket server.
pub const TWITCH_EVENTSUB_URL: &str = "wss://eventsub.wss.twitch.tv/ws";
/// Most subscriptions one connection may hold.
pub const MAX_SUBSCRIPTIONS_PER_CONNECTION: usize = 300;
/// Most connections with subscriptions one user may have.
pub const MAX_CONNECTIONS_PER_USER: usize = 3;
/// The total cost of one user's WebSocket subscriptions.
pub const MAX_TOTAL_COST: u64 = 10;

/// Something that happened on an EventSub stream.
#[derive(Debug)]
#[non_exhaustive]
pub enum EventSubItem {
    /// An event, once per message id.
    Notification(Box<Notification>),
    /// Twitch ended a subscription; `subscription.status` says why. It is not recreated.
    // Boxed, like a notification: every item is moved several times on its way to the
    // consumer, and an unboxed revocation made each item 288 bytes.
    Revoked(Box<Revocation>),
    /// The first session is up and its subscriptions (or shard) are set up.
    Connected {
        /// The session id.
        session_id: String,
    },
    /// A session is up again: after Twitch's `session_reconnect` (`handover`, same session,
    /// subscriptions kept), or after a drop (a new session, subscriptions recreated).
    Reconnected {
        /// The session id now in use.
        session_id: String,
        /// Whether this was Twitch's handover rather than a reconnect after a drop.
        handover: bool,
    },
    /// The connection was lost; a reconnect follows on its own.
    Disconnected {
        /// The WebSocket close code (4000 to 4007 are Twitch's), if the server sent one.
        code: Option<u16>,
        /// The close reason, or what went wrong (keepalive timeout, connect failure).
        reason: String,
    },
    /// Twitch refused to create a subscription (also when recreating it after a drop).
    SubscribeFailed {
        /// The subscription asked for.
        request: SubscriptionRequest,
        /// Twitch's answer.
        error: Error,
    },
    /// A conduit shard now delivers to this runner's session.
    ShardAssigned {
        /// The shard id.
        shard_id: String,
        /// The session it points at.
        session_id: String,
    },
    /// Twitch disabled one of this runner's conduit shards while its session was live (the
    /// runner read it in a `conduit.shard.disabled` notification or in Get Conduit Shards). The
    /// runner assigns the shard again: `ShardAssigned` or `ShardAssignFailed` follows.
    ShardDisabled {
        /// The shard id.
        shard_id: String,
        /// The session the shard pointed at, if Twitch said.
        session_id: Option<String>,
        /// Twitch's status for the shard (`websocket_disconnected`, ...).
        status: String,
    },
    /// Twitch refused to assign a conduit shard to this runner's session.
    ShardAssignFailed {
        /// The shard id.
        shard_id: String,
        /// Twitch's answer.
        error: Error,
    },
    /// A message arrived that could not be decoded; the stream goes on.
    Undecodable {
        /// Its message id.
        message_id: String,
        /// Why.
        error: Error,
    },
}

/// A subscription to create on the session: type, version and condition.
#[derive(Debug, Clone, PartialEq)]
pub struct SubscriptionRequest {
    /// The subscription type (`channel.chat.message`).
    pub r#type: String,
    /// Its version (`"1"`).
    pub version: String,
    /// The condition object.
    pub condition: Value,
}

impl SubscriptionRequest {
    /// A subscription request.
    pub fn new(r#type: impl Into<String>, version: impl Into<String>, condition: Value) -> Self {
        SubscriptionRequest {
            r#type: r#type.into(),
            version: version.into(),
            condition,
        }
    }

    /// Its cost for a WebSocket session of `user_id`: nothing when a `*user_id` field of the
    /// condition names the token's own user (who authorized the app), else one.
    pub fn cost_for(&self, user_id: &str) -> u64 {
        let own = self.condition.as_object().is_some_and(|fields| {
            fields
                .iter()
                .any(|(key, value)| key.ends_with("user_id") && value.as_str() == Some(user_id))
        });
        u64::from(!own)
    }
}

/// Items the stream's channel holds; a session keeps any more in its own backlog (up to the
/// builder's `buffer`). Small on purpose: an item the consumer has not taken yet is memory the
/// allocator cannot reuse while it is hot, and a channel of 256 made every event cost about an
/// eighth more CPU than one of 16 (BENCHMARKS.md); a backlog fills only while the consumer is
/// really behind.
const CHANNEL: usize = 16;

/// Settings shared by a session's tasks.
pub(crate) struct Settings {
    pub url: String,
    pub keepalive: Option<u64>,
    /// How long one protocol second lasts (one second, except against a compressed stand-in).
    pub second: Duration,
    /// Protocol seconds added to the keepalive timeout before a connection counts as dead.
    pub margin: f64,
    pub backoff_min: Duration,
    pub backoff_max: Duration,
    pub dedupe: Arc<dyn DedupeStore>,
    /// Items a session may hold for a consumer whose channel is full.
    pub backlog: usize,
    /// The HTTP/1.1 client the WebSocket handshakes go through.
    pub http: reqwest::Client,
}

impl Settings {
    /// `secs` protocol seconds in real time.
    pub fn protocol(&self, secs: f64) -> Duration {
        self.second.mul_f64(secs.max(0.0))
    }
}

/// Connection settings shared by [`EventSubWebSocket`] and the conduit runner.
#[derive(Clone)]
pub(crate) struct Options {
    pub(crate) url: String,
    pub(crate) keepalive: Option<u64>,
    pub(crate) second: Duration,
    pub(crate) margin: f64,
    pub(crate) backoff: (Duration, Duration),
    pub(crate) dedupe: Arc<dyn DedupeStore>,
    pub(crate) allow_insecure: bool,
    pub(crate) buffer: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            url: TWITCH_EVENTSUB_URL.to_owned(),
            keepalive: None,
            second: Duration::from_secs(1),
            margin: 1.0,
            backoff: (Duration::from_millis(500), Duration::from_secs(60)),
            dedupe: Arc::new(MemoryDedupe::new()),
            allow_insecure: false,
            buffer: 1024,
        }
    }
}

impl Options {
    pub(crate) fn check(&self) -> Result<()> {
        connect::check_url(&self.url, self.allow_insecure)?;
        match self.keepalive {
            Some(secs) if !(10..=600).contains(&secs) => Err(Error::InvalidArgument {
                name: "keepalive".to_owned(),
                reason: format!("must be 10 to 600 seconds, got {secs}"),
            }),
            _ => Ok(()),
        }
    }

    pub(crate) fn settings(&self, http: reqwest::Client) -> Arc<Settings> {
        Arc::new(Settings {
            url: self.url.clone(),
            keepalive: self.keepalive,
            second: self.second,
            margin: self.margin,
            backoff_min: self.backoff.0,
            backoff_max: self.backoff.1,
            dedupe: self.dedupe.clone(),
            backlog: self.buffer.saturating_sub(CHANNEL),
            http,
        })
    }
}

/// Builds the setters every EventSub WebSocket builder shares.
macro_rules! connection_setters {
    () => {
        /// The EventSub WebSocket URL (default Twitch's; the stand-in's for tests).
        pub fn url(mut self, url: impl Into<String>) -> Self {
            self.options.url = url.into();
            self
        }

        /// Asks Twitch for this keepalive timeout, 10 to 600 seconds (default Twitch's, 10).
        pub fn keepalive(mut self, seconds: u64) -> Self {
            self.options.keepalive = Some(seconds);
            self
        }

        /// The store that drops repeated message ids (default a [`MemoryDedupe`] of ten
        /// minutes); share one between processes to dedupe across them.
        ///
        /// [`MemoryDedupe`]: crate::eventsub::MemoryDedupe
        pub fn dedupe(mut self, store: std::sync::Arc<dyn crate::eventsub::DedupeStore>) -> Self {
            self.options.dedupe = store;
            self
        }

        /// Delays between reconnection attempts: from `min`, doubling up to `max`, with
        /// jitter (default 0.5 s to 60 s).
        pub fn backoff(mut self, min: std::time::Duration, max: std::time::Duration) -> Self {
            self.options.backoff = (min, max.max(min));
            self
        }

        /// Seconds of silence beyond the keepalive timeout before a connection counts as dead
        /// (default 1).
        pub fn keepalive_margin(mut self, seconds: f64) -> Self {
            self.options.margin = seconds.max(0.0);
            self
        }

        /// How long one protocol second lasts: keepalive timeouts and the welcome window are
        /// counted in these. One second against Twitch; the stand-in can compress time
        /// (`MockBuilder::eventsub_second`) and a test gives the client the same value.
        pub fn protocol_second(mut self, second: std::time::Duration) -> Self {
            self.options.second = second.max(std::time::Duration::from_micros(100));
            self
        }

        /// Allows `ws://` to a host that is not loopback (never needed for Twitch).
        pub fn allow_insecure(mut self, allow: bool) -> Self {
            self.options.allow_insecure = allow;
            self
        }

        /// How many items may wait for the consumer before reading pauses (default 1,024).
        ///
        /// A session keeps reading while items wait, so it still answers Twitch's pings (Twitch
        /// closes a connection whose pongs stop, 4002, and the events on it are lost); past this
        /// many, frames wait in the socket instead.
        pub fn buffer(mut self, items: usize) -> Self {
            self.options.buffer = items.max(1);
            self
        }
    };
}
pub(crate) use connection_setters;

/// Settings for an EventSub WebSocket session of one user; [`start`](Self::start) connects.
#[must_use = "nothing connects until `start`"]
pub struct EventSubWebSocket {
    api: UserApi,
    options: Options,
    requests: Vec<SubscriptionRequest>,
}

impl fmt::Debug for EventSubWebSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventSubWebSocket")
            .field("url", &self.options.url)
            .field("requests", &self.requests)
            .finish_non_exhaustive()
    }
}

impl EventSubWebSocket {
    /// A session for the user of `api`, whose token creates the subscriptions.
    pub fn builder(api: UserApi) -> EventSubWebSocket {
        EventSubWebSocket {
            api,
            options: Options::default(),
            requests: Vec::new(),
        }
    }

    connection_setters!();

    /// Adds a subscription to create on every new session.
    pub fn subscribe(
        mut self,
        r#type: impl Into<String>,
        version: impl Into<String>,
        condition: Value,
    ) -> Self {
        self.requests
            .push(SubscriptionRequest::new(r#type, version, condition));
        self
    }

    /// Adds a typed subscription (see [`types`](crate::eventsub::types)) to create on every new
    /// session, checked now as [`UserApi::subscribe`](crate::UserApi::subscribe) checks it: the
    /// type must take WebSocket transports, the token must carry its scopes, and condition
    /// fields that must be the token's user are filled in.
    ///
    /// # Errors
    ///
    /// [`Error::Token`] for a missing scope or an unknown token user, [`Error::InvalidArgument`]
    /// for a type without WebSocket delivery or an incomplete condition. Nothing is sent.
    pub fn subscribe_to<S: super::SubscriptionType>(mut self, subscription: S) -> Result<Self> {
        let condition = super::subscribe::prepare_websocket(&subscription, &self.api)?;
        self.requests.push(SubscriptionRequest::new(
            S::SPEC.r#type,
            S::SPEC.version,
            condition,
        ));
        Ok(self)
    }

    /// Checks the limits, connects, and creates the subscriptions once welcomed. The stream
    /// starts with [`EventSubItem::Connected`] (after any `SubscribeFailed`); connection
    /// failures are retried on their own and reported as `Disconnected` items.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a bad URL; [`Error::InvalidArgument`] for a keepalive outside 10 to
    /// 600 seconds or when the subscriptions break Twitch's limits (300 per connection, a total
    /// cost of 10 per user, 3 connections per user with subscriptions in this process).
    pub async fn start(self) -> Result<EventStream> {
        self.options.check()?;
        let user_id = self.api.user_id();
        // Twitch counts per client and user; the Helix URL keeps stand-ins apart.
        let inner = &self.api.api.inner;
        let key = format!("{} {} {user_id}", inner.http.helix, inner.token.client_id());
        let http = self.api.api.websocket_client()?;
        let ticket = Ticket::take(key, &user_id, &self.requests)?;
        let binder = Arc::new(Subscriber {
            api: self.api,
            wanted: Mutex::new(self.requests),
        });
        let mut stream = EventStream::spawn(&self.options, http, vec![binder]);
        stream.ticket = Some(ticket);
        Ok(stream)
    }
}

/// Creates the requested subscriptions on each new session.
struct Subscriber {
    api: UserApi,
    wanted: Mutex<Vec<SubscriptionRequest>>,
}

impl Binder for Subscriber {
    fn bind<'a>(&'a self, session_id: &'a str) -> BindFuture<'a> {
        Box::pin(async move {
            let wanted = self
                .wanted
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone();
            let mut failed = Vec::new();
            for request in wanted {
                let created = self
                    .api
                    .create_eventsub_subscription(
                        request.r#type.clone(),
                        request.version.clone(),
                        EventSubTransport::websocket(session_id),
                        request.condition.clone(),
                    )
                    .await;
                match created {
                    // 409: it exists already on this session, which is what was wanted.
                    Ok(_) | Err(Error::Conflict { .. }) => {}
                    Err(error) => failed.push(EventSubItem::SubscribeFailed { request, error }),
                }
            }
            failed
        })
    }

    /// Stops recreating the request behind a revoked subscription (the one of the same type
    /// and version whose condition the revocation echoes).
    fn revoked(&self, revocation: &Revocation) {
        let sub = &revocation.subscription;
        self.wanted
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|r| {
                !(r.r#type == sub.r#type
                    && r.version == sub.version
                    && r.condition == sub.condition)
            });
    }
}

/// This process's WebSocket connections with subscriptions, per user: `(connections, cost)`.
fn live() -> &'static Mutex<HashMap<String, (usize, u64)>> {
    static LIVE: std::sync::OnceLock<Mutex<HashMap<String, (usize, u64)>>> =
        std::sync::OnceLock::new();
    LIVE.get_or_init(Default::default)
}

/// A connection's share of a user's limits, given back on drop.
struct Ticket {
    key: String,
    cost: u64,
    counted: bool,
}

impl Ticket {
    fn take(key: String, user_id: &str, requests: &[SubscriptionRequest]) -> Result<Ticket> {
        let refuse = |reason: String| Error::InvalidArgument {
            name: "subscriptions".to_owned(),
            reason,
        };
        if requests.len() > MAX_SUBSCRIPTIONS_PER_CONNECTION {
            return Err(refuse(format!(
                "{} subscriptions on one connection; Twitch allows {MAX_SUBSCRIPTIONS_PER_CONNECTION}",
                requests.len()
            )));
        }
        let cost: u64 = requests.iter().map(|r| r.cost_for(user_id)).sum();
        let counted = !requests.is_empty();
        let mut live = live().lock().unwrap_or_else(PoisonError::into_inner);
        let (connections, spent) = live.get(&key).copied().unwrap_or((0, 0));
        if counted && connections >= MAX_CONNECTIONS_PER_USER {
            return Err(refuse(format!(
                "user {user_id} already has {connections} connections with subscriptions; Twitch allows {MAX_CONNECTIONS_PER_USER}"
            )));
        }
        if spent + cost > MAX_TOTAL_COST {
            return Err(refuse(format!(
                "total cost {} for user {user_id} ({spent} in use + {cost} asked) exceeds Twitch's {MAX_TOTAL_COST}; \
                 subscriptions about the token's own user cost nothing",
                spent + cost
            )));
        }
        let entry = live.entry(key.clone()).or_default();
        entry.0 += usize::from(counted);
        entry.1 += cost;
        Ok(Ticket { key, cost, counted })
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut live = live().lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(entry) = live.get_mut(&self.key) {
            entry.0 -= usize::from(self.counted).min(entry.0);
            entry.1 = entry.1.saturating_sub(self.cost);
            if *entry == (0, 0) {
                live.remove(&self.key);
            }
        }
    }
}

/// The items of one or more EventSub sessions, merged. Dropping it closes every connection.
pub struct EventStream {
    rx: mpsc::Receiver<EventSubItem>,
    tasks: Vec<JoinHandle<()>>,
    /// This connection's place in the per-user limits, given back when the stream is dropped.
    ticket: Option<Ticket>,
}

impl fmt::Debug for EventStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventStream")
            .field("sessions", &self.tasks.len())
            .finish_non_exhaustive()
    }
}

impl EventStream {
    /// Starts one session per binder, all feeding one stream.
    pub(crate) fn spawn(
        options: &Options,
        http: reqwest::Client,
        binders: Vec<Arc<dyn Binder>>,
    ) -> EventStream {
        Self::spawn_sessions(options, http, binders).0
    }

    /// [`spawn`](Self::spawn), also handing out the stream's sender for a task of the caller's
    /// (given to [`add_task`](Self::add_task)).
    pub(crate) fn spawn_sessions(
        options: &Options,
        http: reqwest::Client,
        binders: Vec<Arc<dyn Binder>>,
    ) -> (EventStream, mpsc::Sender<EventSubItem>) {
        let (tx, rx) = mpsc::channel(options.buffer.min(CHANNEL));
        let settings = options.settings(http);
        let tasks = binders
            .into_iter()
            .map(|binder| tokio::spawn(session::run(settings.clone(), binder, tx.clone())))
            .collect();
        let stream = EventStream {
            rx,
            tasks,
            ticket: None,
        };
        (stream, tx)
    }

    /// A task that feeds the stream too; it is ended with the sessions.
    pub(crate) fn add_task(&mut self, task: JoinHandle<()>) {
        self.tasks.push(task);
    }

    /// The next item; `None` only after every session stopped (which they do not on their own).
    pub async fn next_item(&mut self) -> Option<EventSubItem> {
        self.rx.recv().await
    }

    /// Closes every connection now.
    pub fn close(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
        self.rx.close();
        self.ticket = None;
    }
}

impl Drop for EventStream {
    fn drop(&mut self) {
        self.close();
    }
}

impl futures_core::Stream for EventStream {
    type Item = EventSubItem;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<EventSubItem>> {
        self.rx.poll_recv(cx)
    }
}
