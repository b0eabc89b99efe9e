//! EventSub: receiving Twitch's events.
//!
//! This module owns what every EventSub transport shares; the transports (WebSocket sessions,
//! conduit shards, webhooks) each live in a submodule of their own.
//!
//! - [`DedupeStore`]: "have I seen this message id?", because Twitch delivers at least once and
//!   may send a message again with the same id. [`MemoryDedupe`] keeps ids in this process for
//!   Twitch's ten-minute horizon; a shared store lets several processes agree.
//! - [`Notification`], [`Revocation`], [`Subscription`]: the messages every transport delivers,
//!   decoded with `from_payload`; [`Event`] is the typed event, one variant per subscription type
//!   and version, with [`Event::Unknown`] for anything newer than this SDK.
//! - [`types`]: the typed subscriptions; `user.subscribe(ChannelFollowV2::new(id)).websocket(session)`
//!   checks token, transport, scopes and condition before sending (see [`Subscribe`]).

mod dedupe;
mod event;
#[rustfmt::skip]
mod generated;
mod notification;
mod one_pass;
mod subscribe;

/// Typed subscriptions, one per subscription type and version (generated from
/// `spec/eventsub/*.yaml`): a condition that knows its type, version, transports and scopes.
/// Hand one to [`UserApi::subscribe`](crate::UserApi::subscribe) or
/// [`AppApi::subscribe`](crate::AppApi::subscribe).
pub mod types {
    pub use super::generated::*;
}
#[cfg(feature = "webhook")]
pub mod webhook;

pub use dedupe::{DEDUPE_HORIZON, DedupeFuture, DedupeStore, MemoryDedupe};
pub use event::Event;
pub use notification::{Notification, Revocation, Subscription, Transport};
pub use subscribe::{
    Subscribe, SubscribeRequest, Subscribed, SubscriptionType, Transports, TypeSpec,
};

#[cfg(feature = "eventsub-ws")]
mod conduit;
#[cfg(feature = "eventsub-ws")]
pub(crate) mod ws;

#[cfg(feature = "eventsub-ws")]
pub use conduit::{ConduitShards, ensure_conduit};
#[cfg(feature = "webhook")]
pub use webhook::{WebhookOutcome, WebhookVerifier};
#[cfg(feature = "eventsub-ws")]
pub use ws::{
    EventStream, EventSubItem, EventSubWebSocket, MAX_CONNECTIONS_PER_USER,
    MAX_SUBSCRIPTIONS_PER_CONNECTION, MAX_TOTAL_COST, SubscriptionRequest, TWITCH_EVENTSUB_URL,
};
