//! The fleet's token store: one stored token per app (client id) and per user, and a lock per
//! token so that one process renews it while the others wait and then reuse what it stored.
//!
//! The lock is `SET lock:<token> <owner> NX PX <ttl>`, released only by its owner (a compare and
//! delete script); a process that dies holding it delays the others by at most the TTL. The token
//! is JSON under `token:<token>`, expiring with the access token.

use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_core::future::BoxFuture;
use redis::Script;
use serde::{Deserialize, Serialize};

use super::link::Link;
use crate::auth::{SharedTokens, StoredToken, TokenLease, TokenSet};
use crate::secret::Secret;

/// How often a process waiting for another's renewal looks again.
const LOCK_POLL: Duration = Duration::from_millis(20);

/// Deletes the lock only if `ARGV[1]` still owns it.
static UNLOCK: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
    )
});

/// A stored token, as JSON.
#[derive(Serialize, Deserialize)]
struct Record {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    /// Lifetime in seconds from `issued_at_ms`.
    #[serde(default)]
    expires_in: Option<u64>,
    #[serde(default)]
    scopes: Option<Vec<String>>,
    issued_at_ms: u64,
}

impl Record {
    fn from_token(token: &StoredToken) -> Record {
        Record {
            access_token: token.set.access_token.expose().to_owned(),
            refresh_token: token
                .set
                .refresh_token
                .as_ref()
                .map(|t| t.expose().to_owned()),
            expires_in: token.set.expires_in.map(|d| d.as_secs()),
            scopes: token.set.scopes.clone(),
            issued_at_ms: token
                .issued_at
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as u64),
        }
    }

    fn into_token(self) -> StoredToken {
        let mut set = TokenSet::new(Secret::new(self.access_token));
        set.refresh_token = self.refresh_token.map(Secret::new);
        set.expires_in = self.expires_in.map(Duration::from_secs);
        set.scopes = self.scopes;
        StoredToken {
            set,
            issued_at: UNIX_EPOCH + Duration::from_millis(self.issued_at_ms),
        }
    }
}

/// The fleet's [`SharedTokens`].
pub(crate) struct RedisTokens {
    link: Arc<Link>,
    prefix: String,
    lock_ttl: Duration,
}

impl RedisTokens {
    pub(crate) fn new(link: Arc<Link>, prefix: &str, lock_ttl: Duration) -> Self {
        RedisTokens {
            link,
            prefix: prefix.to_owned(),
            lock_ttl,
        }
    }

    /// Tries to take the lock once: `Some(true)` taken, `Some(false)` held by another, `None`
    /// Redis unavailable.
    async fn try_lock(&self, lock: &str, owner: &str) -> Option<bool> {
        let ttl = self.lock_ttl.as_millis() as u64;
        self.link
            .run("locking a token for renewal", |mut conn| async move {
                redis::cmd("SET")
                    .arg(lock)
                    .arg(owner)
                    .arg("NX")
                    .arg("PX")
                    .arg(ttl.max(1))
                    .query_async::<Option<String>>(&mut conn)
                    .await
            })
            .await
            .map(|reply| reply.is_some())
    }

    async fn read(&self, key: &str) -> Option<StoredToken> {
        let stored = self
            .link
            .run("reading a stored token", |mut conn| async move {
                redis::cmd("GET")
                    .arg(key)
                    .query_async::<Option<String>>(&mut conn)
                    .await
            })
            .await
            .flatten()?;
        match serde_json::from_str::<Record>(&stored) {
            Ok(record) => Some(record.into_token()),
            Err(e) => {
                // The record holds tokens: say where it failed, not what it holds.
                tracing::warn!(
                    line = e.line(),
                    column = e.column(),
                    "fleet: the stored token is not readable; renewing"
                );
                None
            }
        }
    }

    async fn write(&self, key: &str, token: &StoredToken) {
        let json = match serde_json::to_string(&Record::from_token(token)) {
            Ok(json) => json,
            Err(_) => return,
        };
        // Kept while the access token lives; a token without an expiry is kept until replaced.
        let expires_at = token
            .set
            .expires_in
            .and_then(|lifetime| token.issued_at.checked_add(lifetime));
        let keep = expires_at.map(|at| {
            let left = at.duration_since(SystemTime::now()).unwrap_or_default();
            (left.as_millis() as u64).max(1)
        });
        self.link
            .run("storing a renewed token", |mut conn| async move {
                let mut cmd = redis::cmd("SET");
                cmd.arg(key).arg(json);
                if let Some(keep) = keep {
                    cmd.arg("PX").arg(keep);
                }
                cmd.query_async::<()>(&mut conn).await
            })
            .await;
    }
}

impl SharedTokens for RedisTokens {
    fn lock<'a>(&'a self, key: &'a str) -> BoxFuture<'a, TokenLease> {
        Box::pin(async move {
            let lock = format!("{}lock:{key}", self.prefix);
            let stored = format!("{}token:{key}", self.prefix);
            let owner = super::owner_id();
            let deadline = Instant::now() + self.lock_ttl;
            loop {
                let owner = match self.try_lock(&lock, &owner).await {
                    None => None,
                    Some(true) => Some(owner),
                    Some(false) if Instant::now() < deadline => {
                        tokio::time::sleep(LOCK_POLL).await;
                        continue;
                    }
                    Some(false) => {
                        tracing::warn!(
                            "fleet: another process held the token renewal lock too long; renewing here"
                        );
                        None
                    }
                };
                let stored = self.read(&stored).await;
                return TokenLease { stored, owner };
            }
        })
    }

    fn unlock<'a>(
        &'a self,
        key: &'a str,
        lease: TokenLease,
        token: Option<StoredToken>,
    ) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            if let Some(token) = &token {
                self.write(&format!("{}token:{key}", self.prefix), token)
                    .await;
            }
            let Some(owner) = lease.owner else { return };
            let lock = format!("{}lock:{key}", self.prefix);
            self.link
                .run("unlocking a token", |mut conn| async move {
                    UNLOCK
                        .key(lock)
                        .arg(owner)
                        .invoke_async::<i64>(&mut conn)
                        .await
                })
                .await;
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_token_round_trips_through_json() {
        let token = StoredToken {
            set: TokenSet::new("access-XYZ")
                .with_refresh_token("refresh-XYZ")
                .with_expires_in(Duration::from_secs(14_400))
                .with_scopes(["chat:read"]),
            issued_at: UNIX_EPOCH + Duration::from_millis(1_700_000_000_123),
        };
        let json = serde_json::to_string(&Record::from_token(&token)).unwrap();
        let back = serde_json::from_str::<Record>(&json).unwrap().into_token();
        assert_eq!(back, token);
        // Older or partial records still read.
        let minimal = r#"{"access_token":"a","issued_at_ms":5}"#;
        let read = serde_json::from_str::<Record>(minimal)
            .unwrap()
            .into_token();
        assert_eq!(read.set.refresh_token, None);
        assert_eq!(read.set.expires_in, None);
    }

    #[test]
    fn lock_owners_differ() {
        assert_ne!(crate::fleet::owner_id(), crate::fleet::owner_id());
    }
}
