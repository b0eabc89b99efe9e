//! Conduit shards over WebSocket, for apps: a runner for a range of one conduit's shards, and
//! helpers to create or resize a conduit idempotently.
//!
//! [`ConduitShards`] opens one WebSocket session per shard id in its range, assigns each shard
//! to its session through Update Conduit Shards as soon as the session is welcomed, assigns it
//! again after every reconnect that brings a new session id, and merges every shard's events
//! into one [`EventStream`]. Several processes can each run a disjoint range of the same
//! conduit: Twitch spreads the conduit's events over the shards, so that is how a fleet scales.
//! Subscriptions are made once, by the app, with a conduit transport; they outlive any
//! session.

use std::fmt;
use std::ops::Range;
use std::pin::Pin;
use std::sync::Arc;

use super::ws::session::Binder;
use super::ws::{EventStream, EventSubItem, Options, connection_setters};
use crate::AppApi;
use crate::error::{Error, Result};
use crate::models::{Conduit, ConduitShardUpdateRequest, EventSubTransport};

/// Runs the shards `range` of one conduit in this process; [`start`](Self::start) connects.
#[must_use = "nothing connects until `start`"]
pub struct ConduitShards {
    app: AppApi,
    conduit_id: String,
    shards: Range<u32>,
    options: Options,
}

impl fmt::Debug for ConduitShards {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConduitShards")
            .field("conduit_id", &self.conduit_id)
            .field("shards", &self.shards)
            .finish_non_exhaustive()
    }
}

impl ConduitShards {
    /// A runner for shards `shards` (ids `start..end`) of conduit `conduit_id`, assigning them
    /// with the app token of `app`.
    pub fn builder(app: AppApi, conduit_id: impl Into<String>, shards: Range<u32>) -> Self {
        ConduitShards {
            app,
            conduit_id: conduit_id.into(),
            shards,
            options: Options::default(),
        }
    }

    connection_setters!();

    /// Opens one session per shard; each reports [`EventSubItem::ShardAssigned`] (or
    /// `ShardAssignFailed`) and then `Connected`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for an empty range, an empty conduit id or a keepalive
    /// outside 10 to 600 seconds; [`Error::Config`] for a bad URL.
    pub async fn start(self) -> Result<EventStream> {
        self.options.check()?;
        if self.shards.is_empty() || self.conduit_id.is_empty() {
            return Err(Error::InvalidArgument {
                name: "shards".to_owned(),
                reason: format!(
                    "conduit `{}` with shard range {:?}: need a conduit id and at least one shard",
                    self.conduit_id, self.shards
                ),
            });
        }
        let binders: Vec<Arc<dyn Binder>> = self
            .shards
            .clone()
            .map(|shard| {
                Arc::new(ShardBinder {
                    app: self.app.clone(),
                    conduit_id: self.conduit_id.clone(),
                    shard_id: shard.to_string(),
                }) as Arc<dyn Binder>
            })
            .collect();
        Ok(EventStream::spawn(&self.options, binders))
    }
}

/// Points one shard at each new session.
struct ShardBinder {
    app: AppApi,
    conduit_id: String,
    shard_id: String,
}

impl Binder for ShardBinder {
    fn bind<'a>(
        &'a self,
        session_id: &'a str,
    ) -> Pin<Box<dyn std::future::Future<Output = Vec<EventSubItem>> + Send + 'a>> {
        Box::pin(async move {
            let shard = ConduitShardUpdateRequest {
                id: self.shard_id.clone(),
                transport: EventSubTransport::websocket(session_id),
            };
            let answer = self
                .app
                .update_conduit_shards(&self.conduit_id, [shard])
                .await;
            let shard_id = self.shard_id.clone();
            let item = match answer {
                Ok(update) => match update.errors.into_iter().find(|e| e.id == shard_id) {
                    Some(refused) => EventSubItem::ShardAssignFailed {
                        shard_id,
                        error: Error::BadRequest {
                            endpoint: "update-conduit-shards",
                            message: format!("{} ({})", refused.message, refused.code),
                        },
                    },
                    None => EventSubItem::ShardAssigned {
                        shard_id,
                        session_id: session_id.to_owned(),
                    },
                },
                Err(error) => EventSubItem::ShardAssignFailed { shard_id, error },
            };
            vec![item]
        })
    }
}

/// The app's conduit with `shard_count` shards: its first conduit, resized when its shard
/// count differs, or a new one. Running it again changes nothing.
///
/// # Errors
///
/// What Twitch answers to Get, Update or Create Conduits.
pub async fn ensure_conduit(app: &AppApi, shard_count: u32) -> Result<Conduit> {
    let count = i32::try_from(shard_count).map_err(|_| Error::InvalidArgument {
        name: "shard_count".to_owned(),
        reason: format!("{shard_count} is too large"),
    })?;
    let existing = app.get_conduits().await?.into_iter().next();
    match existing {
        Some(conduit) if conduit.shard_count == count => Ok(conduit),
        Some(conduit) => app.update_conduit(&conduit.id, count).await,
        None => app.create_conduit(count).await,
    }
}
