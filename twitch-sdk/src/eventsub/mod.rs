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
#[cfg(feature = "webhook")]
pub mod webhook;

pub use dedupe::{DEDUPE_HORIZON, DedupeFuture, DedupeStore, MemoryDedupe};
pub use event::Event;
pub use notification::{Notification, Revocation, Subscription, Transport};
#[cfg(feature = "webhook")]
pub use webhook::{WebhookOutcome, WebhookVerifier};
