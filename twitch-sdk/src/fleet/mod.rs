//! Fleets: many processes sharing one rate-limit budget, one token store and one EventSub dedupe
//! store through Redis (feature `redis`).
//!
//! Twitch counts Helix points per client id (app tokens) and per client id and user (user
//! tokens), not per process. Processes that each keep their own bucket race for the same points
//! and collect 429s; each fetches its own app token; two refreshing one user token at once can
//! lock each other out when Twitch rotates the refresh token. A [`Fleet`] is a connection to the
//! Redis those processes share, and [`ClientBuilder::fleet`] makes a client use it:
//!
//! - **Rate limits**: each bucket is a Redis hash updated by one Lua script per request (take a
//!   point, or learn how long to wait) and fed by the `Ratelimit-*` headers of whichever process
//!   saw them last. Callers of one process still queue in order; the head of the queue asks
//!   Redis.
//! - **Tokens**: the app token of a client id and the user token of each user are stored once.
//!   Renewal takes a lock with an expiry and re-reads the store under it, so a token another
//!   process already renewed is reused instead of renewed again. `on_refresh` fires in the
//!   process that renewed.
//! - **Dedupe**: [`RedisDedupe`], an EventSub [`DedupeStore`](crate::eventsub::DedupeStore)
//!   remembering message ids fleet-wide for ten minutes (`SET NX` with an expiry).
//!
//! Redis is a helper, never a point of failure. Every command has a short timeout. When Redis is
//! unreachable, slow or failing, the client logs one warning and goes on with its in-process
//! bucket, token cache and dedupe memory; it asks Redis again after a pause
//! ([`FleetBuilder::retry_every`]) and shares again once it answers. No call waits on Redis for
//! longer than the timeout, and none fails because of it.
//!
//! Keys, all under the prefix (default `twitch-sdk:`): `bucket:app:<client id>` and
//! `bucket:user:<client id>:<user id>` (hashes), `token:...` and `lock:...` with the same
//! suffixes, `dedupe:<message id>`. The `token:` keys hold access and refresh tokens in clear:
//! give the fleet a Redis that only it can reach, with a password.
//!
//! ```no_run
//! # async fn run() -> twitch_sdk::Result<()> {
//! use twitch_sdk::fleet::Fleet;
//! use twitch_sdk::{Client, ClientCredentials};
//!
//! let fleet = Fleet::builder("redis://127.0.0.1:6379/")
//!     .key_prefix("mybot:")
//!     .start()
//!     .await?;
//! let client = Client::builder().fleet(&fleet).build()?;
//! let app = client
//!     .app(ClientCredentials::new("client-id", "client-secret"))
//!     .await?;
//! # let _ = app;
//! # Ok(())
//! # }
//! ```

mod bucket;
mod dedupe;
mod link;
mod tokens;

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

pub use self::dedupe::RedisDedupe;
use self::link::Link;
use crate::client::ClientBuilder;
use crate::error::{Error, Result};
use crate::http::Sharing;
use crate::secret::Secret;

/// A connection to the Redis a fleet of processes shares. See the [module docs](self).
///
/// Cheap to clone; clones share the connection.
#[derive(Clone)]
pub struct Fleet {
    link: Arc<Link>,
    prefix: Arc<str>,
    lock_ttl: Duration,
}

impl fmt::Debug for Fleet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fleet")
            .field("key_prefix", &self.prefix)
            .field("shared", &self.is_shared())
            .finish_non_exhaustive()
    }
}

impl Fleet {
    /// Settings for a fleet on the Redis at `url` (`redis://[user:password@]host[:port][/db]`).
    pub fn builder(url: impl Into<String>) -> FleetBuilder {
        FleetBuilder {
            url: Secret::new(url),
            prefix: "twitch-sdk:".into(),
            timeout: Duration::from_millis(200),
            retry_every: Duration::from_secs(1),
            lock_ttl: Duration::from_secs(15),
        }
    }

    /// A fleet on the Redis at `url` with the default settings.
    pub async fn connect(url: impl Into<String>) -> Result<Fleet> {
        Self::builder(url).start().await
    }

    /// An EventSub dedupe store remembering message ids for the whole fleet.
    pub fn dedupe(&self) -> RedisDedupe {
        RedisDedupe::new(self.link.clone(), &self.prefix)
    }

    /// Whether Redis answered the last time it was asked: `false` while this process works on
    /// its own.
    pub fn is_shared(&self) -> bool {
        self.link.is_up()
    }

    /// The prefix of every key the fleet uses.
    pub fn key_prefix(&self) -> &str {
        &self.prefix
    }

    /// The stores a client of this fleet shares.
    fn sharing(&self) -> Sharing {
        Sharing {
            budget: Some(Arc::new(bucket::RedisBudget::new(
                self.link.clone(),
                &self.prefix,
            ))),
            tokens: Some(Arc::new(tokens::RedisTokens::new(
                self.link.clone(),
                &self.prefix,
                self.lock_ttl,
            ))),
        }
    }
}

/// Settings for a [`Fleet`]; from [`Fleet::builder`].
#[derive(Clone, Debug)]
#[must_use = "the fleet connects only with `start`"]
pub struct FleetBuilder {
    /// May carry a password.
    url: Secret,
    prefix: String,
    timeout: Duration,
    retry_every: Duration,
    lock_ttl: Duration,
}

impl FleetBuilder {
    /// The prefix of every key (default `twitch-sdk:`): fleets with different prefixes share
    /// nothing.
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// How long one Redis command may take before this process goes on without Redis
    /// (default 200 ms). It also bounds connecting.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// After Redis failed, how long calls go on without it before one of them asks it again
    /// (default 1 s).
    pub fn retry_every(mut self, pause: Duration) -> Self {
        self.retry_every = pause;
        self
    }

    /// How long a process may hold the lock for renewing a token (default 15 s): others wait
    /// at most this long, then renew on their own. Keep it above the OAuth call's timeout.
    pub fn lock_ttl(mut self, ttl: Duration) -> Self {
        self.lock_ttl = ttl.max(Duration::from_millis(1));
        self
    }

    /// Checks the URL and connects. An unreachable Redis is not an error: the fleet starts on
    /// its own (with a warning) and shares once Redis answers.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the URL is not a Redis URL.
    pub async fn start(self) -> Result<Fleet> {
        let client = redis::Client::open(self.url.expose()).map_err(|e| {
            // The URL may hold a password: the message does not quote it.
            Error::Config(format!(
                "the Redis URL is not valid ({:?}); expected redis://[user:password@]host[:port][/db]",
                e.kind()
            ))
        })?;
        let link = Link::new(client, self.timeout, self.retry_every)
            .map_err(|e| Error::Config(format!("cannot set up the Redis connection: {e}")))?;
        link.ping().await;
        Ok(Fleet {
            link: Arc::new(link),
            prefix: self.prefix.into(),
            lock_ttl: self.lock_ttl,
        })
    }
}

impl ClientBuilder {
    /// Shares this client's rate-limit buckets and tokens with the other processes of `fleet`
    /// (feature `redis`; see [`twitch_sdk::fleet`](crate::fleet)).
    pub fn fleet(mut self, fleet: &Fleet) -> Self {
        self.sharing = fleet.sharing();
        self
    }
}

/// An id unique across processes, for a token lock's or a rate-limit probe's owner: the process
/// id, a counter and a random part.
pub(crate) fn owner_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    format!(
        "{}-{}-{:016x}",
        std::process::id(),
        COUNTER.load(Ordering::Relaxed),
        hasher.finish()
    )
}
