//! [`RedisDedupe`]: EventSub message ids remembered by the whole fleet.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::link::Link;
use crate::eventsub::{DEDUPE_HORIZON, DedupeFuture, DedupeStore, MemoryDedupe};

/// A [`DedupeStore`] shared by every process of a [`Fleet`](super::Fleet): `SET NX` of
/// `dedupe:<message id>`, expiring after [`DEDUPE_HORIZON`]. The first process to see an id wins;
/// the others are told it is a repeat.
///
/// Ids are also remembered in this process ([`MemoryDedupe`]), which answers alone while Redis
/// is unavailable and still catches repeats this process saw before an outage.
///
/// ```no_run
/// # async fn run(fleet: twitch_sdk::fleet::Fleet) {
/// use twitch_sdk::eventsub::DedupeStore;
///
/// let dedupe = fleet.dedupe();
/// if dedupe.first_sighting("befa7b53-d79d-478f-86b9-120f112b044e").await {
///     // handle the message
/// }
/// # }
/// ```
#[derive(Clone)]
pub struct RedisDedupe {
    link: Arc<Link>,
    prefix: Arc<str>,
    horizon: Duration,
    local: Arc<MemoryDedupe>,
}

impl fmt::Debug for RedisDedupe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisDedupe")
            .field("prefix", &self.prefix)
            .field("horizon", &self.horizon)
            .finish_non_exhaustive()
    }
}

impl RedisDedupe {
    pub(crate) fn new(link: Arc<Link>, prefix: &str) -> Self {
        RedisDedupe {
            link,
            prefix: format!("{prefix}dedupe:").into(),
            horizon: DEDUPE_HORIZON,
            local: Arc::new(MemoryDedupe::new()),
        }
    }

    /// Remembers ids for `horizon` instead of Twitch's ten minutes (at least a millisecond).
    pub fn with_horizon(mut self, horizon: Duration) -> Self {
        self.horizon = horizon.max(Duration::from_millis(1));
        self.local = Arc::new(MemoryDedupe::with_limits(self.horizon, 100_000));
        self
    }

    async fn first_in_fleet(&self, message_id: &str) -> Option<bool> {
        let key = format!("{}{message_id}", self.prefix);
        let horizon = self.horizon.as_millis() as u64;
        self.link
            .run("recording an EventSub message id", |mut conn| async move {
                redis::cmd("SET")
                    .arg(key)
                    .arg(1)
                    .arg("NX")
                    .arg("PX")
                    .arg(horizon)
                    .query_async::<Option<String>>(&mut conn)
                    .await
            })
            .await
            .map(|reply| reply.is_some())
    }
}

impl DedupeStore for RedisDedupe {
    fn first_sighting<'a>(&'a self, message_id: &'a str) -> DedupeFuture<'a> {
        Box::pin(async move {
            let here = self.local.check_at(message_id, Instant::now());
            let fleet = self.first_in_fleet(message_id).await;
            here && fleet.unwrap_or(true)
        })
    }
}
