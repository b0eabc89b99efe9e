//! When a failed attempt is tried again, and after how long.
//!
//! - 429: retried (Helix refused before doing anything) after the bucket resets, unless the reset
//!   lies further ahead than the client's longest wait: then the call fails at once with the
//!   reset, for the caller to decide.
//! - 5xx, timeouts and broken connections: retried only for idempotent methods (GET, PUT,
//!   DELETE). A POST or PATCH may have taken effect, so it is never repeated once it may have
//!   reached the server; a connection that failed before the request was written is retried for
//!   every method.
//! - 401: handled by the token layer (one renewal, one retry), not here.
//!
//! Waits grow exponentially from the configured base, capped, with jitter so that many clients
//! failing together do not retry in lockstep.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use crate::endpoint::HttpMethod;

/// Longest single backoff.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Exponential backoff with jitter.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Backoff {
    pub(crate) base: Duration,
}

impl Backoff {
    /// The wait before retry number `retry` (0 for the first retry): between half and all of
    /// `base * 2^retry`, capped.
    pub(crate) fn delay(&self, retry: u32) -> Duration {
        let ceiling = self.ceiling(retry);
        let half = ceiling / 2;
        let spread = (ceiling - half).as_nanos() as u64;
        let jitter = if spread == 0 {
            0
        } else {
            random() % (spread + 1)
        };
        half + Duration::from_nanos(jitter)
    }

    /// `base * 2^retry`, capped.
    fn ceiling(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry.min(20)).unwrap_or(u32::MAX);
        self.base.saturating_mul(factor).min(MAX_BACKOFF)
    }
}

/// Whether a response status is worth another attempt for `method`.
pub(crate) fn retry_status(status: u16, method: HttpMethod) -> bool {
    status >= 500 && method.is_idempotent()
}

/// Whether a 429 whose bucket resets in `until_reset` (`None`: not said) is worth waiting for
/// when the client waits at most `max_wait`.
pub(crate) fn wait_for_reset(until_reset: Option<Duration>, max_wait: Duration) -> bool {
    until_reset.is_none_or(|until| until <= max_wait)
}

/// Whether a request that got no answer may be sent again.
pub(crate) fn retry_transport(connect: bool, method: HttpMethod) -> bool {
    connect || method.is_idempotent()
}

/// A random number for jitter; `RandomState` is seeded per instance from the OS.
fn random() -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(0x9e37_79b9_7f4a_7c15);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_jitter_and_cap() {
        let b = Backoff {
            base: Duration::from_millis(100),
        };
        for retry in 0..5 {
            let ceiling = Duration::from_millis(100 * (1 << retry));
            for _ in 0..50 {
                let d = b.delay(retry);
                assert!(d >= ceiling / 2 && d <= ceiling, "{retry}: {d:?}");
            }
        }
        assert!(b.delay(40) <= MAX_BACKOFF);
        assert!(b.delay(40) >= MAX_BACKOFF / 2);
        let zero = Backoff {
            base: Duration::ZERO,
        };
        assert_eq!(zero.delay(3), Duration::ZERO);
    }

    #[test]
    fn jitter_varies() {
        let b = Backoff {
            base: Duration::from_secs(1),
        };
        let delays: std::collections::HashSet<_> = (0..20).map(|_| b.delay(2)).collect();
        assert!(delays.len() > 1);
    }

    #[test]
    fn far_resets_are_not_waited_for() {
        let max = Duration::from_secs(65);
        assert!(wait_for_reset(None, max));
        assert!(wait_for_reset(Some(Duration::ZERO), max));
        assert!(wait_for_reset(Some(Duration::from_secs(65)), max));
        assert!(!wait_for_reset(Some(Duration::from_secs(66)), max));
        assert!(!wait_for_reset(Some(Duration::from_secs(3600)), max));
    }

    #[test]
    fn only_idempotent_methods_retry_after_sending() {
        assert!(retry_status(502, HttpMethod::Get));
        assert!(retry_status(500, HttpMethod::Delete));
        assert!(!retry_status(502, HttpMethod::Post));
        assert!(!retry_status(503, HttpMethod::Patch));
        assert!(!retry_status(404, HttpMethod::Get));
        assert!(retry_transport(true, HttpMethod::Post));
        assert!(!retry_transport(false, HttpMethod::Post));
        assert!(retry_transport(false, HttpMethod::Put));
    }
}
