//! The stand-in's webhook transport: signed HTTP deliveries to a subscription's callback.
//!
//! What Twitch does, on loopback:
//! - creating a webhook subscription sends a `webhook_callback_verification` message with a
//!   challenge; the subscription stays `webhook_callback_verification_pending` until the callback
//!   answers 2xx with exactly the challenge (then `enabled`), and any other answer, or none in
//!   time, makes it `webhook_callback_verification_failed`;
//! - notifications and revocations go out as signed POSTs with every Twitch header
//!   (`Twitch-Eventsub-Message-Id`, `-Retry`, `-Type`, `-Signature`, `-Timestamp`,
//!   `Twitch-Eventsub-Subscription-Type`, `-Version`);
//! - a delivery the callback fails (non-2xx, a dropped connection, or no answer within
//!   [`WebhookPolicy::timeout`]) is retried with the same message id and a higher retry count;
//! - after [`WebhookPolicy::failures_before_revocation`] messages in a row failed every attempt,
//!   the subscription is revoked with `notification_failures_exceeded` (and the revocation is
//!   sent to the callback).
//!
//! Every attempt is logged ([`WebhookDelivery`]). Deliveries run as tasks on the runtime that
//! started the stand-in, so the Helix handlers and `emit` never wait for a callback.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, Weak};
use std::time::Duration;

use serde_json::{Value, json};

use super::hub::{Hub, now_rfc3339};
use super::registry::{Registry, Subscription, Transport};
use crate::eventsub::webhook::{
    MESSAGE_ID, MESSAGE_RETRY, MESSAGE_SIGNATURE, MESSAGE_TIMESTAMP, MESSAGE_TYPE,
    SUBSCRIPTION_TYPE, SUBSCRIPTION_VERSION, signature,
};
use crate::secret::Secret;

/// The status of a webhook subscription waiting for its challenge to be answered.
pub(crate) const PENDING: &str = "webhook_callback_verification_pending";
const FAILED: &str = "webhook_callback_verification_failed";
const FAILURES_EXCEEDED: &str = "notification_failures_exceeded";

/// How the stand-in delivers to webhook callbacks; set with
/// [`MockEventSub::webhook_policy`](super::MockEventSub::webhook_policy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookPolicy {
    /// How long a callback has to answer one attempt (default 2 s).
    pub timeout: Duration,
    /// Attempts per message, the first included (default 3).
    pub attempts: u32,
    /// The pause before the n-th retry is n times this (default 100 ms).
    pub retry_pause: Duration,
    /// Messages in a row that fail every attempt before the subscription is revoked with
    /// `notification_failures_exceeded` (default 3).
    pub failures_before_revocation: u32,
}

impl Default for WebhookPolicy {
    fn default() -> WebhookPolicy {
        WebhookPolicy {
            timeout: Duration::from_secs(2),
            attempts: 3,
            retry_pause: Duration::from_millis(100),
            failures_before_revocation: 3,
        }
    }
}

/// One request the stand-in made to a webhook callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookDelivery {
    /// The subscription it was for.
    pub subscription_id: String,
    /// `Twitch-Eventsub-Message-Id`: the same for every attempt of one message.
    pub message_id: String,
    /// `notification`, `webhook_callback_verification` or `revocation`.
    pub message_type: String,
    /// `Twitch-Eventsub-Message-Retry`: 0 for the first attempt.
    pub retry: u32,
    /// The callback's status; `None` when it did not answer in time or the connection failed.
    pub status: Option<u16>,
}

/// The webhook side of the hub.
#[derive(Debug, Default)]
pub(crate) struct Webhooks {
    hub: OnceLock<Weak<Hub>>,
    runtime: OnceLock<tokio::runtime::Handle>,
    client: OnceLock<Option<reqwest::Client>>,
    policy: Mutex<WebhookPolicy>,
    log: Mutex<Vec<WebhookDelivery>>,
    /// Messages in a row that failed every attempt, per subscription id.
    failures: Mutex<HashMap<String, u32>>,
    challenges: AtomicU64,
}

/// One message on its way to a callback.
#[derive(Debug, Clone)]
struct Outgoing {
    subscription_id: String,
    subscription_type: String,
    subscription_version: String,
    callback: String,
    secret: Secret,
    message_id: String,
    message_type: &'static str,
    body: String,
}

/// How one message's delivery ended.
enum Ended {
    /// A 2xx answer, with its body.
    Answered(String),
    /// Every attempt failed.
    Failed,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Webhooks {
    /// Ties the sender to its hub and to the runtime the stand-in runs on; without it nothing is
    /// delivered.
    pub fn attach(&self, hub: &Arc<Hub>) {
        let _ = self.hub.set(Arc::downgrade(hub));
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let _ = self.runtime.set(runtime);
        }
    }

    pub fn set_policy(&self, policy: WebhookPolicy) {
        *lock(&self.policy) = policy;
    }

    pub fn deliveries(&self) -> Vec<WebhookDelivery> {
        lock(&self.log).clone()
    }

    /// Sends the challenge for a just-created webhook subscription (`shown` is its Helix JSON)
    /// and settles its status from the answer.
    pub fn challenge(&self, hub: &Hub, sub: &Subscription, shown: Value) {
        let n = self.challenges.fetch_add(1, Ordering::Relaxed) + 1;
        let challenge = format!("mock-challenge-{n:06}-{}", super::hub::fnv1a(&sub.id));
        let body = json!({"challenge": challenge, "subscription": shown}).to_string();
        let Some(outgoing) = outgoing(hub, sub, "webhook_callback_verification", body) else {
            return;
        };
        self.spawn(move |hub| async move {
            let answered = match hub.webhooks.send(&outgoing, 1).await {
                Ended::Answered(text) => text == challenge,
                Ended::Failed => false,
            };
            let mut registry = hub.lock();
            let found = registry
                .subscriptions
                .iter_mut()
                .find(|s| s.id == outgoing.subscription_id && s.status == PENDING);
            if let Some(sub) = found {
                sub.status = if answered { "enabled" } else { FAILED }.to_owned();
            }
        });
    }

    /// Sends a notification carrying `event` for `sub` as message `message_id`, with retries;
    /// counts the failures that lead to a revocation.
    pub fn notify(
        &self,
        hub: &Hub,
        registry: &Registry,
        sub: &Subscription,
        event: &Value,
        message_id: &str,
    ) {
        let body = json!({"subscription": sub.to_json(registry), "event": event}).to_string();
        let Some(mut outgoing) = outgoing(hub, sub, "notification", body) else {
            return;
        };
        outgoing.message_id = message_id.to_owned();
        let attempts = lock(&self.policy).attempts.max(1);
        self.spawn(move |hub| async move {
            let ended = hub.webhooks.send(&outgoing, attempts).await;
            let exceeded = hub.webhooks.count(&outgoing.subscription_id, &ended);
            if exceeded {
                hub.revoke(&outgoing.subscription_id, FAILURES_EXCEEDED);
            }
        });
    }

    /// Sends the revocation of `sub` (its status already set to the reason), with retries.
    pub fn revocation(&self, hub: &Hub, registry: &Registry, sub: &Subscription) {
        let body = json!({"subscription": sub.to_json(registry)}).to_string();
        let Some(outgoing) = outgoing(hub, sub, "revocation", body) else {
            return;
        };
        let attempts = lock(&self.policy).attempts.max(1);
        self.spawn(move |hub| async move {
            hub.webhooks.send(&outgoing, attempts).await;
        });
    }

    /// Records how a notification ended; true when the subscription just ran out of failures.
    fn count(&self, subscription_id: &str, ended: &Ended) -> bool {
        let limit = lock(&self.policy).failures_before_revocation.max(1);
        let mut failures = lock(&self.failures);
        match ended {
            Ended::Answered(_) => {
                failures.remove(subscription_id);
                false
            }
            Ended::Failed => {
                let count = failures.entry(subscription_id.to_owned()).or_insert(0);
                *count += 1;
                *count == limit
            }
        }
    }

    fn spawn<F, Fut>(&self, task: F)
    where
        F: FnOnce(Arc<Hub>) -> Fut,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let (Some(hub), Some(runtime)) =
            (self.hub.get().and_then(Weak::upgrade), self.runtime.get())
        else {
            return;
        };
        runtime.spawn(task(hub));
    }

    /// The SDK's own HTTP client setup (TLS provider, no redirects); `None` if it cannot be
    /// built, and then every attempt fails.
    fn client(&self) -> Option<&reqwest::Client> {
        self.client
            .get_or_init(|| crate::http::client(Duration::from_secs(30), None).ok())
            .as_ref()
    }

    /// Up to `attempts` tries with the same message id; the first 2xx answer ends it.
    async fn send(&self, outgoing: &Outgoing, attempts: u32) -> Ended {
        let policy = lock(&self.policy).clone();
        for retry in 0..attempts {
            if retry > 0 {
                tokio::time::sleep(policy.retry_pause.saturating_mul(retry)).await;
            }
            let (status, text) = self.attempt(outgoing, retry, policy.timeout).await;
            lock(&self.log).push(WebhookDelivery {
                subscription_id: outgoing.subscription_id.clone(),
                message_id: outgoing.message_id.clone(),
                message_type: outgoing.message_type.to_owned(),
                retry,
                status,
            });
            if let (Some(200..=299), Some(text)) = (status, text) {
                return Ended::Answered(text);
            }
        }
        Ended::Failed
    }

    /// One signed POST: the status and body, or `None`s when there was no complete answer.
    async fn attempt(
        &self,
        outgoing: &Outgoing,
        retry: u32,
        timeout: Duration,
    ) -> (Option<u16>, Option<String>) {
        let timestamp = now_rfc3339();
        let signed = signature(
            outgoing.secret.expose().as_bytes(),
            outgoing.message_id.as_bytes(),
            timestamp.as_bytes(),
            outgoing.body.as_bytes(),
        );
        let Some(client) = self.client() else {
            return (None, None);
        };
        let request = client
            .post(&outgoing.callback)
            .timeout(timeout)
            .header("content-type", "application/json")
            .header(MESSAGE_ID, &outgoing.message_id)
            .header(MESSAGE_RETRY, retry.to_string())
            .header(MESSAGE_TYPE, outgoing.message_type)
            .header(MESSAGE_SIGNATURE, signed)
            .header(MESSAGE_TIMESTAMP, timestamp)
            .header(SUBSCRIPTION_TYPE, &outgoing.subscription_type)
            .header(SUBSCRIPTION_VERSION, &outgoing.subscription_version)
            .body(outgoing.body.clone());
        let Ok(response) = request.send().await else {
            return (None, None);
        };
        let status = response.status().as_u16();
        match response.text().await {
            Ok(text) => (Some(status), Some(text)),
            Err(_) => (None, None),
        }
    }
}

/// The message for `sub`, when it is a webhook subscription; a fresh message id.
fn outgoing(
    hub: &Hub,
    sub: &Subscription,
    message_type: &'static str,
    body: String,
) -> Option<Outgoing> {
    let Transport::Webhook { callback, secret } = &sub.transport else {
        return None;
    };
    Some(Outgoing {
        subscription_id: sub.id.clone(),
        subscription_type: sub.r#type.clone(),
        subscription_version: sub.version.clone(),
        callback: callback.clone(),
        secret: secret.clone(),
        message_id: hub.message_id(),
        message_type,
        body,
    })
}

/// Checks a webhook `transport` object the way Helix does (an app token, then the client's own
/// callback and secret rules from `check`), answering with Helix's wording.
pub(crate) fn check_transport(
    transport: &Value,
    user: Option<&str>,
) -> Result<Transport, (u16, String)> {
    let refuse = |message: &str| Err((400, message.to_owned()));
    if user.is_some() {
        return refuse("webhook transports require an app access token");
    }
    let field = |name: &str| transport.get(name).and_then(Value::as_str);
    let Some(callback) = field("callback").filter(|c| !c.is_empty()) else {
        return refuse("transport.callback is required for webhook");
    };
    if crate::check::webhook_callback_problem(callback).is_some() {
        return refuse("transport.callback must use https");
    }
    let Some(secret) = field("secret") else {
        return refuse("transport.secret is required for webhook");
    };
    if crate::check::webhook_secret_problem(secret).is_some() {
        return refuse("transport.secret must be between 10 and 100 characters");
    }
    Ok(Transport::Webhook {
        callback: callback.to_owned(),
        secret: Secret::new(secret),
    })
}
