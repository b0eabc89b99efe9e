//! EventSub in the stand-in: a loopback WebSocket server speaking Twitch's EventSub protocol,
//! and the Helix side of subscriptions and conduits tied to its sessions.
//!
//! [`MockEventSub`] (from [`MockServer::eventsub`](super::MockServer::eventsub)) drives it from
//! a test:
//! - `emit` a notification to every enabled subscription whose condition agrees with the event
//!   (for a conduit, on the shard picked by hashing `broadcaster_user_id`, with one failover
//!   when that shard is disabled);
//! - `reconnect` a session (`session_reconnect`; events keep flowing on the old connection until
//!   the new one is welcomed, and 4004 closes it if the client never moves), `close` one with
//!   any code, `drop_connection` without a close frame, `stall` one (no keepalives), `revoke`
//!   a subscription, `duplicate_next` notifications (same message id twice), `disable_shard`
//!   a conduit shard (with `conduit.shard.disabled` to its watchers).
//! - webhook subscriptions get Twitch's signed deliveries: the challenge first (pending until
//!   answered with the raw challenge), every `Twitch-Eventsub-*` header, retries with the same
//!   message id, `notification_failures_exceeded` after repeated failures
//!   ([`MockEventSub::webhook_policy`], [`MockEventSub::webhook_deliveries`]).
//!
//! Sessions behave like Twitch's: the welcome carries the asked `keepalive_timeout_seconds`
//! (10 to 600), keepalives come only after silence, pings (when enabled) must be answered or
//! the connection closes with 4002, client data frames close it with 4001, and a session
//! without a subscription or shard after ten seconds closes with 4003. Subscriptions on a
//! session that ends are disabled (`websocket_disconnected` and friends). Every duration is
//! counted in protocol seconds, whose length [`MockBuilder::eventsub_second`] sets, so tests
//! need no long sleeps.
//!
//! [`MockBuilder::eventsub_second`]: super::MockBuilder::eventsub_second

pub(crate) mod helix;
pub(crate) mod hub;
mod registry;
pub(crate) mod socket;
mod webhook;

use std::fmt;
use std::sync::Arc;

use serde_json::Value;

use self::hub::Hub;
use self::registry::Outbound;
pub use self::webhook::{WebhookDelivery, WebhookPolicy};

/// Drives the EventSub side of a [`MockServer`](super::MockServer). Cheap to clone.
#[derive(Clone)]
pub struct MockEventSub {
    pub(crate) hub: Arc<Hub>,
}

impl fmt::Debug for MockEventSub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockEventSub")
            .field("url", &self.hub.ws_url())
            .finish_non_exhaustive()
    }
}

impl MockEventSub {
    /// The WebSocket URL to connect to: `ws://127.0.0.1:<port>/ws`.
    pub fn url(&self) -> String {
        self.hub.ws_url()
    }

    /// Sends a `type`/`version` notification carrying `event` to every enabled subscription
    /// whose condition agrees with it; returns the message ids sent (one per delivery).
    pub fn emit(&self, r#type: &str, version: &str, event: Value) -> Vec<String> {
        self.hub.emit(r#type, version, &event)
    }

    /// The next `n` notifications are each delivered twice with the same message id.
    pub fn duplicate_next(&self, n: usize) {
        self.hub.duplicate_next(n);
    }

    /// Revokes subscription `id` with `status` as the reason (`authorization_revoked`,
    /// `user_removed`, `version_removed`, ...) and tells its session. False when no enabled
    /// subscription has that id.
    pub fn revoke(&self, id: &str, status: &str) -> bool {
        self.hub.revoke(id, status)
    }

    /// Sends `session_reconnect` to a session. False when the session is not connected.
    pub fn reconnect(&self, session_id: &str) -> bool {
        self.hub.reconnect(session_id)
    }

    /// Closes a session's connection with `code` (4000 to 4007, or 1000).
    pub fn close(&self, session_id: &str, code: u16) -> bool {
        let reason = match code {
            4000 => "internal server error",
            4005 => "network timeout",
            4006 => "network error",
            _ => "closed by the stand-in",
        };
        self.hub.command(session_id, Outbound::Close(code, reason))
    }

    /// Drops a session's TCP connection without a close frame.
    pub fn drop_connection(&self, session_id: &str) -> bool {
        self.hub.command(session_id, Outbound::Drop)
    }

    /// Stops sending anything on a session's connection (keepalives included) while keeping
    /// it open, as a dead network path would.
    pub fn stall(&self, session_id: &str) -> bool {
        self.hub.command(session_id, Outbound::Stall)
    }

    /// Disables a conduit shard while its session stays connected, as Twitch may on its side:
    /// Get Conduit Shards shows it `websocket_disconnected`, its events fail over to the next
    /// shard, and `conduit.shard.disabled` goes to the subscriptions watching the conduit. False
    /// when the shard is not assigned to a WebSocket session.
    pub fn disable_shard(&self, conduit_id: &str, shard_id: &str) -> bool {
        self.hub.disable_shard(conduit_id, shard_id)
    }

    /// The ids of the sessions with a live connection, sorted.
    pub fn sessions(&self) -> Vec<String> {
        self.hub.live_sessions()
    }

    /// How webhook callbacks are delivered to from now on: the answer timeout, attempts per
    /// message, the pause between them, and the failures before a revocation.
    pub fn webhook_policy(&self, policy: WebhookPolicy) {
        self.hub.webhooks.set_policy(policy);
    }

    /// Every request made to a webhook callback so far (challenges, notifications,
    /// revocations, each retry), in the order they completed.
    pub fn webhook_deliveries(&self) -> Vec<WebhookDelivery> {
        self.hub.webhooks.deliveries()
    }

    /// Every subscription (all clients, all statuses) as Helix shows it.
    pub fn subscriptions(&self) -> Vec<Value> {
        self.hub.subscriptions()
    }
}
