//! Duplicate detection by message id.
//!
//! Twitch may deliver one message more than once (a webhook retry, a WebSocket handover, a
//! conduit shard failover), always with the same `message_id`, and it keeps no message older than
//! ten minutes. A receiver therefore needs to remember ids for ten minutes and no longer.

use std::collections::HashSet;
use std::collections::hash_map::RandomState;
use std::future::Future;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long Twitch may resend a message, and so how long an id is remembered.
pub const DEDUPE_HORIZON: Duration = Duration::from_secs(10 * 60);

/// The future a [`DedupeStore`] returns.
pub type DedupeFuture<'a> = Pin<Box<dyn Future<Output = bool> + Send + 'a>>;

/// Remembers EventSub message ids to drop repeated deliveries.
///
/// Implement it to share one store between processes (the `redis` feature has one); the SDK's
/// receivers take any `Arc<dyn DedupeStore>`.
pub trait DedupeStore: Send + Sync + 'static {
    /// Records `message_id` and answers whether this is its first sighting within
    /// [`DEDUPE_HORIZON`]. A store that cannot tell (its backend is down) answers `true`:
    /// processing a message twice is better than losing it.
    fn first_sighting<'a>(&'a self, message_id: &'a str) -> DedupeFuture<'a>;
}

/// An in-process [`DedupeStore`]. It remembers an id for at least its horizon
/// ([`DEDUPE_HORIZON`] by default) unless `capacity` newer ids came since, and forgets it within
/// twice that, so memory stays bounded (at most twice `capacity` ids) however fast messages come.
///
/// Ids live in two generations: a new id joins the young one; when that holds `capacity` ids or
/// its first id is a horizon old, it becomes the old generation and the one before is forgotten
/// whole. A message costs two lookups and nothing is expired one by one, which matters at 100,000
/// ids, where every lookup misses the processor's cache.
///
/// It keeps a 128-bit keyed hash of each id rather than the id: no allocation per message and
/// no string to chase in memory. The key is random per store, so nobody can make two ids collide;
/// by chance two do with a probability of about 2^-128 per pair.
#[derive(Debug)]
pub struct MemoryDedupe {
    horizon: Duration,
    capacity: usize,
    key: RandomState,
    seen: Mutex<Generations>,
}

type IdSet = HashSet<u128, BuildHasherDefault<KeyHasher>>;

#[derive(Debug, Default)]
struct Generations {
    /// Ids since `young_since`.
    young: IdSet,
    /// When the first id of `young` came.
    young_since: Option<Instant>,
    /// The generation before, forgotten whole at the next turn or at `old_until`, when even
    /// its last id is a horizon old.
    old: IdSet,
    old_until: Option<Instant>,
}

/// Hashes a key that is a random hash already: its low 64 bits are the hash.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u128(&mut self, n: u128) {
        self.0 = n as u64;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl MemoryDedupe {
    /// A store remembering ids for ten minutes, unless 100,000 newer ones came since.
    pub fn new() -> Self {
        Self::with_limits(DEDUPE_HORIZON, 100_000)
    }

    /// A store remembering ids for `horizon`, unless `capacity` (at least one) newer ones came
    /// since.
    pub fn with_limits(horizon: Duration, capacity: usize) -> Self {
        MemoryDedupe {
            horizon,
            capacity: capacity.max(1),
            key: RandomState::new(),
            seen: Mutex::new(Generations::default()),
        }
    }

    /// The 128 bits that stand for `message_id` in this store: the id is read once into a keyed
    /// hasher, whose state then ends in two ways (a different last byte each), giving two
    /// independent 64-bit halves.
    fn key(&self, message_id: &str) -> u128 {
        let mut high = self.key.build_hasher();
        high.write(message_id.as_bytes());
        let mut low = high.clone();
        high.write_u8(0);
        low.write_u8(1);
        (u128::from(high.finish()) << 64) | u128::from(low.finish())
    }

    /// Records `message_id` at `now`; true when it was not already remembered.
    pub fn check_at(&self, message_id: &str, now: Instant) -> bool {
        let key = self.key(message_id);
        let mut seen = self
            .seen
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        seen.expire(now, self.horizon, self.capacity);
        if seen.old.contains(&key) || !seen.young.insert(key) {
            return false;
        }
        seen.young_since.get_or_insert(now);
        true
    }

    /// How many ids are remembered now.
    pub fn len(&self) -> usize {
        self.seen
            .lock()
            .map(|s| s.young.len() + s.old.len())
            .unwrap_or(0)
    }

    /// Whether no id is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Generations {
    /// Forgets the old generation once it is a horizon old, and turns the young one old once it
    /// is full or a horizon old itself.
    fn expire(&mut self, now: Instant, horizon: Duration, capacity: usize) {
        if self.old_until.is_some_and(|until| now >= until) {
            self.old.clear();
            self.old_until = None;
        }
        let aged = self
            .young_since
            .is_some_and(|since| now.saturating_duration_since(since) >= horizon);
        if aged || self.young.len() >= capacity {
            // The old set's memory is reused for the next young one.
            std::mem::swap(&mut self.old, &mut self.young);
            self.young.clear();
            self.young_since = None;
            self.old_until = Some(now + horizon);
        }
    }
}

impl Default for MemoryDedupe {
    fn default() -> Self {
        Self::new()
    }
}

impl DedupeStore for MemoryDedupe {
    fn first_sighting<'a>(&'a self, message_id: &'a str) -> DedupeFuture<'a> {
        // A zero-sized future in a box allocates nothing: the answer is in the type.
        if self.check_at(message_id, Instant::now()) {
            Box::pin(Answer::<true>)
        } else {
            Box::pin(Answer::<false>)
        }
    }
}

/// A future that is ready at once with `ANSWER`.
struct Answer<const ANSWER: bool>;

impl<const ANSWER: bool> Future for Answer<ANSWER> {
    type Output = bool;

    fn poll(self: Pin<&mut Self>, _: &mut std::task::Context<'_>) -> std::task::Poll<bool> {
        std::task::Poll::Ready(ANSWER)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_remembered_for_the_horizon_and_forgotten_within_two() {
        let store = MemoryDedupe::with_limits(Duration::from_secs(600), 10);
        let t0 = Instant::now();
        let at = |secs| t0 + Duration::from_secs(secs);
        assert!(store.check_at("a", t0));
        assert!(!store.check_at("a", at(599)));
        assert!(store.check_at("b", at(1)));
        // At the horizon both turn old, still remembered.
        assert!(!store.check_at("a", at(600)));
        assert!(!store.check_at("b", at(1_199)));
        // A horizon after that turn, the old generation is forgotten.
        assert!(store.check_at("a", at(1_200)));
        assert!(store.check_at("b", at(1_200)));
        assert_eq!(store.len(), 2);
    }

    #[test]
    fn capacity_bounds_memory_oldest_first() {
        let store = MemoryDedupe::with_limits(Duration::from_secs(600), 3);
        let t0 = Instant::now();
        for id in ["a", "b", "c", "d"] {
            assert!(store.check_at(id, t0));
        }
        // "d" started a new generation; "a" to "c" are the old one.
        assert_eq!(store.len(), 4);
        assert!(
            !store.check_at("a", t0),
            "fewer than `capacity` newer ids came since"
        );
        for id in ["e", "f", "g"] {
            assert!(store.check_at(id, t0));
        }
        assert!(
            store.check_at("a", t0),
            "more than `capacity` newer ids came since"
        );
        assert!(!store.check_at("d", t0));
        for n in 0..1_000 {
            store.check_at(&n.to_string(), t0);
            assert!(store.len() <= 6);
        }
    }

    #[tokio::test]
    async fn the_trait_answers_like_check_at() {
        let store: std::sync::Arc<dyn DedupeStore> = std::sync::Arc::new(MemoryDedupe::new());
        assert!(store.first_sighting("m1").await);
        assert!(!store.first_sighting("m1").await);
    }
}
