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
//!
//! Twitch may disable a shard while its session looks fine to the runner. The runner notices
//! two ways and assigns the shard to its live session again, reporting
//! [`EventSubItem::ShardDisabled`]: a `conduit.shard.disabled` notification about one of its
//! shards (when the app subscribed to that type; Twitch delivers it on any one shard, perhaps
//! another process's), and a periodic read of Get Conduit Shards (every minute by default),
//! which also catches what another process was told. Shards outside the runner's range are
//! left alone.

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::mpsc;

use super::ws::session::{BindFuture, Binder};
use super::ws::{EventStream, EventSubItem, Options, connection_setters};
use super::{Event, Notification};
use crate::AppApi;
use crate::error::{Error, Result};
use crate::models::{Conduit, ConduitShardStatus, ConduitShardUpdateRequest, EventSubTransport};

/// Runs the shards `range` of one conduit in this process; [`start`](Self::start) connects.
#[must_use = "nothing connects until `start`"]
pub struct ConduitShards {
    app: AppApi,
    conduit_id: String,
    shards: Range<u32>,
    options: Options,
    check_every: Option<Duration>,
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
            check_every: Some(Duration::from_secs(60)),
        }
    }

    connection_setters!();

    /// How often the runner reads Get Conduit Shards to find its shards Twitch disabled
    /// (default one minute); `None` leaves it to `conduit.shard.disabled` notifications.
    pub fn shard_check(mut self, every: Option<Duration>) -> Self {
        self.check_every = every.map(|d| d.max(Duration::from_millis(10)));
        self
    }

    /// Opens one session per shard; each reports [`EventSubItem::ShardAssigned`] (or
    /// `ShardAssignFailed`) and then `Connected`, and starts the periodic shard check.
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
        let http = self.app.api.websocket_client()?;
        let runner = Arc::new(Runner {
            app: self.app,
            conduit_id: self.conduit_id,
            live: Mutex::new(HashMap::new()),
        });
        let binders: Vec<Arc<dyn Binder>> = self
            .shards
            .map(|shard| {
                Arc::new(ShardBinder {
                    runner: runner.clone(),
                    shard_id: shard.to_string(),
                }) as Arc<dyn Binder>
            })
            .collect();
        let (mut stream, out) = EventStream::spawn_sessions(&self.options, http, binders);
        if let Some(every) = self.check_every {
            stream.add_task(tokio::spawn(watch(runner, every, out)));
        }
        Ok(stream)
    }
}

/// What the sessions of one runner share: the conduit and the session each shard is on.
struct Runner {
    app: AppApi,
    conduit_id: String,
    /// Shard id to the live session it was assigned to; a shard between a lost connection
    /// and its next assignment is absent.
    live: Mutex<HashMap<String, String>>,
}

impl Runner {
    fn live(&self) -> std::sync::MutexGuard<'_, HashMap<String, String>> {
        self.live.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Points `shard_id` at `session_id` and remembers it when Twitch agrees.
    async fn assign(&self, shard_id: &str, session_id: &str) -> EventSubItem {
        let shard = ConduitShardUpdateRequest {
            id: shard_id.to_owned(),
            transport: EventSubTransport::websocket(session_id),
        };
        let answer = self
            .app
            .update_conduit_shards(&self.conduit_id, [shard])
            .await;
        let shard_id = shard_id.to_owned();
        let refused = match answer {
            Ok(update) => match update.errors.into_iter().find(|e| e.id == shard_id) {
                Some(refused) => Error::BadRequest {
                    endpoint: "update-conduit-shards",
                    message: format!("{} ({})", refused.message, refused.code),
                },
                None => {
                    self.live().insert(shard_id.clone(), session_id.to_owned());
                    return EventSubItem::ShardAssigned {
                        shard_id,
                        session_id: session_id.to_owned(),
                    };
                }
            },
            Err(error) => error,
        };
        EventSubItem::ShardAssignFailed {
            shard_id,
            error: refused,
        }
    }

    /// Twitch disabled `shard_id`: when it is this runner's and its session is still the one
    /// Twitch names (or Twitch names none), it is reported and assigned to that session again.
    /// `None` for a shard of another runner, or one that moved on already.
    fn disabled(
        &self,
        shard_id: &str,
        session_id: Option<&str>,
        status: &str,
    ) -> Option<BindFuture<'_>> {
        let live = self.live().get(shard_id).cloned()?;
        if session_id.is_some_and(|id| id != live) {
            return None;
        }
        let report = EventSubItem::ShardDisabled {
            shard_id: shard_id.to_owned(),
            session_id: session_id.map(str::to_owned),
            status: status.to_owned(),
        };
        let shard_id = shard_id.to_owned();
        Some(Box::pin(async move {
            tracing::info!(conduit_id = %self.conduit_id, %shard_id, "eventsub: shard disabled; assigning it again");
            vec![report, self.assign(&shard_id, &live).await]
        }))
    }

    /// Reads the conduit's shards and assigns again this runner's shards Twitch has disabled.
    async fn check(&self) -> Vec<EventSubItem> {
        let shards = match self
            .app
            .get_conduit_shards(&self.conduit_id)
            .limit(MAX_SHARDS)
            .await
        {
            Ok(shards) => shards,
            Err(error) => {
                tracing::warn!(conduit_id = %self.conduit_id, %error, "eventsub: cannot read the conduit's shards");
                return Vec::new();
            }
        };
        let mut items = Vec::new();
        for shard in shards {
            if shard.status == ConduitShardStatus::Enabled {
                continue;
            }
            let session_id = shard.transport.session_id.filter(|id| !id.is_empty());
            let work = self.disabled(&shard.id, session_id.as_deref(), shard.status.as_str());
            if let Some(work) = work {
                items.extend(work.await);
            }
        }
        items
    }
}

/// Most shards a conduit may have.
const MAX_SHARDS: usize = 20_000;

/// Points one shard at each new session, and watches for the runner's shards being disabled.
struct ShardBinder {
    runner: Arc<Runner>,
    shard_id: String,
}

impl Binder for ShardBinder {
    fn bind<'a>(&'a self, session_id: &'a str) -> BindFuture<'a> {
        Box::pin(async move { vec![self.runner.assign(&self.shard_id, session_id).await] })
    }

    fn lost(&self) {
        self.runner.live().remove(&self.shard_id);
    }

    /// A `conduit.shard.disabled` notification about this runner's conduit (it may arrive on
    /// any shard's session, of any runner).
    fn notified<'a>(&'a self, notification: &Notification) -> Option<BindFuture<'a>> {
        let Event::ConduitShardDisabledV1(event) = &notification.event else {
            return None;
        };
        if event.conduit_id != self.runner.conduit_id {
            return None;
        }
        let session_id = Some(event.transport.session_id.as_str()).filter(|id| !id.is_empty());
        self.runner
            .disabled(&event.shard_id, session_id, &event.status)
    }
}

/// Every `every`, checks the runner's shards through Get Conduit Shards, until the stream is
/// dropped.
async fn watch(runner: Arc<Runner>, every: Duration, out: mpsc::Sender<EventSubItem>) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            () = out.closed() => return,
        }
        for item in runner.check().await {
            if out.send(item).await.is_err() {
                return;
            }
        }
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
