//! The hub between the Helix side and the WebSocket side: the [`Registry`] behind one mutex,
//! session bookkeeping for connections, and delivery (notifications, revocations, reconnects,
//! drops) to the connection a session currently lives on.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::registry::{Link, Outbound, Registry, Session, Subscription, Transport};

/// Timing and faults of the EventSub stand-in.
#[derive(Debug, Clone)]
pub(crate) struct Timing {
    /// How long one protocol second lasts (keepalives, the subscribe window, the reconnect
    /// grace time); shorter in tests.
    pub second: Duration,
    /// Send a WebSocket ping this often (in protocol seconds) and close with 4002 when the
    /// previous one was not answered; `None`: no pings.
    pub ping_every: Option<u64>,
}

impl Default for Timing {
    fn default() -> Timing {
        Timing {
            second: Duration::from_secs(1),
            ping_every: None,
        }
    }
}

/// Shared by the Helix handlers, the WebSocket connections and the test's handle.
#[derive(Debug)]
pub(crate) struct Hub {
    pub timing: Timing,
    ws_addr: OnceLock<SocketAddr>,
    registry: Mutex<Registry>,
    links: AtomicU64,
    messages: AtomicU64,
    /// How many of the next notifications go out twice (same message id).
    duplicates: AtomicUsize,
    /// Signed deliveries to webhook callbacks (`webhook.rs`).
    pub webhooks: super::webhook::Webhooks,
}

impl Hub {
    pub fn new(timing: Timing) -> Hub {
        Hub {
            timing,
            ws_addr: OnceLock::new(),
            registry: Mutex::new(Registry::default()),
            links: AtomicU64::new(0),
            messages: AtomicU64::new(0),
            duplicates: AtomicUsize::new(0),
            webhooks: Default::default(),
        }
    }

    pub fn lock(&self) -> MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn set_addr(&self, addr: SocketAddr) {
        let _ = self.ws_addr.set(addr);
    }

    /// `ws://127.0.0.1:<port>/ws`.
    pub fn ws_url(&self) -> String {
        match self.ws_addr.get() {
            Some(addr) => format!("ws://{addr}/ws"),
            None => "ws://127.0.0.1:0/ws".to_owned(),
        }
    }

    pub fn protocol_secs(&self, secs: u64) -> Duration {
        self.timing
            .second
            .saturating_mul(secs.min(u64::from(u32::MAX)) as u32)
    }

    /// A new link (the sending half towards a connection) and its receiver.
    pub fn new_link(&self) -> (Link, tokio::sync::mpsc::UnboundedReceiver<Outbound>) {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let serial = self.links.fetch_add(1, Ordering::Relaxed) + 1;
        (Link { serial, tx }, rx)
    }

    /// Registers a fresh session on `link`; returns its id.
    pub fn open_session(&self, link: Link, keepalive_secs: u64) -> String {
        let mut registry = self.lock();
        let id = registry.new_session_id();
        let session = Session {
            id: id.clone(),
            connected_at: now_rfc3339(),
            disconnected_at: None,
            link: Some(link),
            reconnecting: false,
            used: false,
            keepalive_secs,
        };
        registry.sessions.insert(id.clone(), session);
        id
    }

    /// A reconnecting client arrived on `link` for `session_id`: the session moves to it, and
    /// the link it leaves is returned so its queue can be flushed before the welcome. `None`
    /// when the session is unknown, gone or not reconnecting (Twitch closes with 4007).
    pub fn take_over(&self, session_id: &str, link: Link) -> Option<(Link, u64)> {
        let mut registry = self.lock();
        let session = registry.sessions.get_mut(session_id)?;
        // A session that ended (or was never told to move) cannot be taken over.
        if !session.reconnecting || session.link.is_none() {
            return None;
        }
        let old = session.link.replace(link)?;
        session.reconnecting = false;
        Some((old, session.keepalive_secs))
    }

    /// Whether the session was used (a subscription or a shard) since it opened.
    pub fn session_used(&self, session_id: &str) -> bool {
        self.lock().sessions.get(session_id).is_some_and(|s| s.used)
    }

    /// Whether `serial` is still the link the session lives on.
    pub fn is_current(&self, session_id: &str, serial: u64) -> bool {
        let registry = self.lock();
        let current = registry
            .sessions
            .get(session_id)
            .and_then(|s| s.link.as_ref());
        current.is_some_and(|l| l.serial == serial)
    }

    /// A connection ended; when it was the session's current one, the session ends with
    /// `status` for its subscriptions, and shards on it are reported disabled.
    pub fn connection_ended(&self, session_id: &str, serial: u64, status: &str) {
        let shards = {
            let mut registry = self.lock();
            let current = registry
                .sessions
                .get(session_id)
                .and_then(|s| s.link.as_ref())
                .is_some_and(|l| l.serial == serial);
            if !current {
                return;
            }
            registry.end_session(session_id, status, now_rfc3339());
            shards_on(&registry, session_id)
        };
        for (conduit_id, shard_id) in shards {
            self.shard_disabled(&conduit_id, &shard_id, session_id);
        }
    }

    /// Disables shard `shard_id` of `conduit_id` (its session stays connected, as when Twitch
    /// drops a shard on its side) and tells the watchers. False when the shard had no
    /// WebSocket transport.
    pub fn disable_shard(&self, conduit_id: &str, shard_id: &str) -> bool {
        let session_id = {
            let mut registry = self.lock();
            let slot = registry
                .conduits
                .iter_mut()
                .find(|c| c.id == conduit_id)
                .and_then(|c| c.shards.get_mut(shard_id.parse::<usize>().ok()?));
            let Some(slot) = slot else {
                return false;
            };
            match slot.take() {
                Some(Transport::WebSocket { session_id }) => session_id,
                other => {
                    *slot = other;
                    return false;
                }
            }
        };
        self.shard_disabled(conduit_id, shard_id, &session_id);
        true
    }

    /// Sends `conduit.shard.disabled` to the subscriptions watching that conduit.
    fn shard_disabled(&self, conduit_id: &str, shard_id: &str, session_id: &str) {
        let registry = self.lock();
        let Some(client_id) = registry
            .conduits
            .iter()
            .find(|c| c.id == conduit_id)
            .map(|c| c.client_id.clone())
        else {
            return;
        };
        let event = json!({
            "conduit_id": conduit_id,
            "shard_id": shard_id,
            "status": "websocket_disconnected",
            "transport": {
                "method": "websocket",
                "session_id": session_id,
                "connected_at": registry.sessions.get(session_id).map(|s| s.connected_at.clone()),
                "disconnected_at": now_rfc3339(),
            },
        });
        let watchers: Vec<Subscription> = registry
            .subscriptions
            .iter()
            .filter(|s| s.enabled() && s.r#type == "conduit.shard.disabled")
            .filter(|s| s.client_id == client_id)
            .filter(|s| {
                s.condition
                    .get("conduit_id")
                    .and_then(Value::as_str)
                    .is_none_or(|id| id == conduit_id)
            })
            .cloned()
            .collect();
        for sub in watchers {
            self.deliver(&registry, &sub, &event, None);
        }
    }

    /// Sends a notification of `type`/`version` with `event` to every enabled subscription
    /// whose condition agrees with the event; returns the message ids sent.
    pub fn emit(&self, r#type: &str, version: &str, event: &Value) -> Vec<String> {
        let registry = self.lock();
        let matching: Vec<Subscription> = registry
            .subscriptions
            .iter()
            .filter(|s| s.enabled() && s.r#type == r#type && s.version == version)
            .filter(|s| condition_matches(&s.condition, event))
            .cloned()
            .collect();
        matching
            .iter()
            .filter_map(|sub| self.deliver(&registry, sub, event, None))
            .collect()
    }

    /// Sends one notification for `sub`; returns its message id when it went out.
    fn deliver(
        &self,
        registry: &Registry,
        sub: &Subscription,
        event: &Value,
        message_id: Option<String>,
    ) -> Option<String> {
        let link = match &sub.transport {
            Transport::WebSocket { session_id } => {
                registry.sessions.get(session_id)?.link.clone()?
            }
            Transport::Conduit { conduit_id } => conduit_link(registry, conduit_id, event)?,
            Transport::Webhook { .. } => {
                let id = message_id.unwrap_or_else(|| self.message_id());
                self.webhooks.notify(self, registry, sub, event, &id);
                return Some(id);
            }
        };
        let id = message_id.unwrap_or_else(|| self.message_id());
        let frame = json!({
            "metadata": {
                "message_id": id,
                "message_type": "notification",
                "message_timestamp": now_rfc3339(),
                "subscription_type": sub.r#type,
                "subscription_version": sub.version,
            },
            "payload": {"subscription": sub.to_json(registry), "event": event},
        })
        .to_string();
        let twice = self
            .duplicates
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if twice {
            let _ = link.tx.send(Outbound::Text(frame.clone()));
        }
        link.tx.send(Outbound::Text(frame)).ok()?;
        Some(id)
    }

    pub fn message_id(&self) -> String {
        let n = self.messages.fetch_add(1, Ordering::Relaxed) + 1;
        format!("mock-message-{n:012}")
    }

    pub fn duplicate_next(&self, n: usize) {
        self.duplicates.fetch_add(n, Ordering::SeqCst);
    }

    /// Revokes a subscription with `status` as the reason; WebSocket and conduit subscriptions
    /// get a `revocation` message. Returns whether it was enabled.
    pub fn revoke(&self, subscription_id: &str, status: &str) -> bool {
        let mut registry = self.lock();
        let Some(index) = registry
            .subscriptions
            .iter()
            .position(|s| s.id == subscription_id && s.enabled())
        else {
            return false;
        };
        registry.subscriptions[index].status = status.to_owned();
        let sub = registry.subscriptions[index].clone();
        let link = match &sub.transport {
            Transport::WebSocket { session_id } => registry
                .sessions
                .get(session_id)
                .and_then(|s| s.link.clone()),
            Transport::Conduit { conduit_id } => {
                conduit_link(&registry, conduit_id, &sub.condition)
            }
            Transport::Webhook { .. } => {
                self.webhooks.revocation(self, &registry, &sub);
                None
            }
        };
        if let Some(link) = link {
            let frame = json!({
                "metadata": {
                    "message_id": self.message_id(),
                    "message_type": "revocation",
                    "message_timestamp": now_rfc3339(),
                    "subscription_type": sub.r#type,
                    "subscription_version": sub.version,
                },
                "payload": {"subscription": sub.to_json(&registry)},
            });
            let _ = link.tx.send(Outbound::Text(frame.to_string()));
        }
        true
    }

    /// Sends `session_reconnect` on the session's connection; the client has the grace time
    /// to connect to the URL given, else the old connection closes with 4004.
    pub fn reconnect(&self, session_id: &str) -> bool {
        let mut registry = self.lock();
        let Some(session) = registry.sessions.get_mut(session_id) else {
            return false;
        };
        let Some(link) = session.link.clone() else {
            return false;
        };
        session.reconnecting = true;
        let url = format!("{}?reconnect={session_id}", self.ws_url());
        let frame = json!({
            "metadata": {
                "message_id": self.message_id(),
                "message_type": "session_reconnect",
                "message_timestamp": now_rfc3339(),
            },
            "payload": {"session": {
                "id": session_id,
                "status": "reconnecting",
                "keepalive_timeout_seconds": null,
                "reconnect_url": url,
                "connected_at": session.connected_at,
            }},
        });
        link.tx.send(Outbound::Reconnect(frame.to_string())).is_ok()
    }

    /// Sends `what` to the session's current connection.
    pub fn command(&self, session_id: &str, what: Outbound) -> bool {
        let registry = self.lock();
        let link = registry
            .sessions
            .get(session_id)
            .and_then(|s| s.link.clone());
        link.is_some_and(|l| l.tx.send(what).is_ok())
    }

    /// Ids of the sessions with a live connection.
    pub fn live_sessions(&self) -> Vec<String> {
        let registry = self.lock();
        let mut ids: Vec<String> = registry
            .sessions
            .values()
            .filter(|s| s.link.is_some())
            .map(|s| s.id.clone())
            .collect();
        ids.sort();
        ids
    }

    /// Every subscription as Helix shows it.
    pub fn subscriptions(&self) -> Vec<Value> {
        let registry = self.lock();
        registry
            .subscriptions
            .iter()
            .map(|s| s.to_json(&registry))
            .collect()
    }
}

/// The shards of conduits that point at `session_id`: `(conduit id, shard id)`.
fn shards_on(registry: &Registry, session_id: &str) -> Vec<(String, String)> {
    let target = Transport::WebSocket {
        session_id: session_id.to_owned(),
    };
    registry
        .conduits
        .iter()
        .flat_map(|c| {
            c.shards
                .iter()
                .enumerate()
                .filter(|(_, shard)| shard.as_ref() == Some(&target))
                .map(|(n, _)| (c.id.clone(), n.to_string()))
        })
        .collect()
}

/// The shard a conduit delivers this event on: the broadcaster id hashed over the shards, and
/// the next shard once when that one is disabled.
fn conduit_link(registry: &Registry, conduit_id: &str, event: &Value) -> Option<Link> {
    let conduit = registry.conduits.iter().find(|c| c.id == conduit_id)?;
    let count = conduit.shards.len();
    if count == 0 {
        return None;
    }
    let key = event
        .get("broadcaster_user_id")
        .and_then(Value::as_str)
        .unwrap_or("");
    let first = (fnv1a(key) % count as u64) as usize;
    [first, (first + 1) % count]
        .into_iter()
        .find_map(|n| registry.shard_link(conduit.shards[n].as_ref()))
        .map(|(_, link)| link)
}

/// FNV-1a: a stable hash, so the shard of a broadcaster is the same in every run.
pub(crate) fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// A subscription's condition agrees with an event when every condition field the event also
/// has carries the same value.
fn condition_matches(condition: &Value, event: &Value) -> bool {
    let Some(fields) = condition.as_object() else {
        return true;
    };
    fields
        .iter()
        .all(|(key, want)| event.get(key).is_none_or(|have| have == want))
}

/// Now, as RFC 3339 with nanoseconds, the way EventSub writes timestamps.
pub(crate) fn now_rfc3339() -> String {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let secs = since.as_secs();
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:09}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60,
        since.subsec_nanos()
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_matching() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        let condition = json!({"broadcaster_user_id": "1", "user_id": "9"});
        assert!(condition_matches(
            &condition,
            &json!({"broadcaster_user_id": "1"})
        ));
        assert!(!condition_matches(
            &condition,
            &json!({"broadcaster_user_id": "2"})
        ));
    }
}
