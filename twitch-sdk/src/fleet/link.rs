//! The connection to Redis and its health.
//!
//! Every command runs under the fleet's timeout. The first failure of an outage is logged once,
//! as a warning; after it, calls leave Redis alone (and use their in-process fallbacks) until
//! `retry_every` has passed, when one call asks Redis again. The first answer after an outage is
//! logged too. The connection itself is `redis`'s connection manager, which reconnects on its
//! own.

use std::future::Future;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use redis::RedisResult;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

/// A shared connection to Redis, and whether Redis is answering.
pub(crate) struct Link {
    conn: ConnectionManager,
    timeout: Duration,
    retry_every: Duration,
    /// Redis failed and has not answered since.
    down: AtomicBool,
    /// While down: when a call may ask Redis again.
    next_try: Mutex<Instant>,
    /// Bumped when Redis goes down or comes back. Only a command started since the last change
    /// may change the state again: a late answer sent before an outage must not end it, and a
    /// late failure from before a recovery must not start a new one.
    epoch: AtomicU64,
}

impl Link {
    /// Sets up the connection; it is made on first use.
    pub(crate) fn new(
        client: redis::Client,
        timeout: Duration,
        retry_every: Duration,
    ) -> RedisResult<Link> {
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(20))
            .set_max_delay(timeout);
        Ok(Link {
            conn: ConnectionManager::new_lazy_with_config(client, config)?,
            timeout,
            retry_every,
            down: AtomicBool::new(false),
            next_try: Mutex::new(Instant::now()),
            epoch: AtomicU64::new(0),
        })
    }

    /// Whether Redis answered the last time it was asked.
    pub(crate) fn is_up(&self) -> bool {
        !self.down.load(Ordering::Acquire)
    }

    /// Connects (or finds Redis down, with the warning).
    pub(crate) async fn ping(&self) {
        self.run("connecting", |mut conn| async move {
            redis::cmd("PING").query_async::<()>(&mut conn).await
        })
        .await;
    }

    /// Runs `op` on Redis within the timeout. `None` when Redis is known to be down, fails or
    /// is too slow: the caller then uses its in-process fallback.
    pub(crate) async fn run<T, F, Fut>(&self, what: &'static str, op: F) -> Option<T>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = RedisResult<T>>,
    {
        if !self.may_try() {
            return None;
        }
        let epoch = self.epoch.load(Ordering::Acquire);
        match tokio::time::timeout(self.timeout, op(self.conn.clone())).await {
            Ok(Ok(value)) => {
                self.answered(epoch);
                Some(value)
            }
            Ok(Err(e)) => {
                self.failed(epoch, what, &e.to_string());
                None
            }
            Err(_) => {
                let cause = format!("no answer within {:?}", self.timeout);
                self.failed(epoch, what, &cause);
                None
            }
        }
    }

    /// Whether to ask Redis now: always while it answers; once per `retry_every` while down.
    fn may_try(&self) -> bool {
        if self.is_up() {
            return true;
        }
        let mut next = self.next_try.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if now < *next {
            return false;
        }
        *next = now + self.retry_every;
        true
    }

    /// A command started in `epoch` failed.
    fn failed(&self, epoch: u64, what: &str, cause: &str) {
        *self.next_try.lock().unwrap_or_else(|e| e.into_inner()) =
            Instant::now() + self.retry_every;
        if self.is_up() && self.change(epoch) {
            self.down.store(true, Ordering::Release);
            tracing::warn!(
                during = what,
                error = cause,
                "fleet: Redis unavailable; using in-process rate limits, tokens and dedupe until it answers again"
            );
        }
    }

    /// A command started in `epoch` got its answer.
    fn answered(&self, epoch: u64) {
        if !self.is_up() && self.change(epoch) {
            self.down.store(false, Ordering::Release);
            tracing::warn!("fleet: Redis answers again; sharing resumed");
        }
    }

    /// Claims the state change after `epoch`; false when another change came first.
    fn change(&self, epoch: u64) -> bool {
        self.epoch
            .compare_exchange(epoch, epoch + 1, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }
}
