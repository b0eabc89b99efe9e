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

mod dedupe;
mod event;
#[rustfmt::skip]
mod generated;
mod notification;

pub use dedupe::{DEDUPE_HORIZON, DedupeFuture, DedupeStore, MemoryDedupe};
pub use event::Event;
pub use notification::{Notification, Revocation, Subscription, Transport};

#[cfg(feature = "eventsub-ws")]
mod conduit;
#[cfg(feature = "eventsub-ws")]
pub(crate) mod ws;

#[cfg(feature = "eventsub-ws")]
pub use conduit::{ConduitShards, ensure_conduit};
#[cfg(feature = "eventsub-ws")]
pub use ws::{
    EventStream, EventSubItem, EventSubWebSocket, MAX_CONNECTIONS_PER_USER,
    MAX_SUBSCRIPTIONS_PER_CONNECTION, MAX_TOTAL_COST, SubscriptionRequest, TWITCH_EVENTSUB_URL,
};
