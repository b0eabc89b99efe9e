//! Everything the stand-in remembers: route table, clients, tokens, rate-limit buckets, page
//! items, overrides, the request log and OAuth counters under one mutex, and the world under
//! its own. Neither is held across an await.

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use serde_json::Value;
use tokio::time::Instant;

use super::log::ReceivedRequest;
use super::reply::{Reply, Route};
use super::world::World;
use crate::endpoint::{Endpoint, HttpMethod};

/// How many OAuth requests the stand-in received, by kind (failed ones included).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OAuthCounts {
    /// `POST /oauth2/token` with `grant_type=client_credentials`.
    pub client_credentials: usize,
    /// `POST /oauth2/token` with `grant_type=refresh_token`.
    pub refresh: usize,
    /// `GET /oauth2/validate`.
    pub validate: usize,
    /// `POST /oauth2/revoke`.
    pub revoke: usize,
}

/// Settings fixed when the server starts.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    /// Points per bucket and how long until a started bucket is full again; `None` disables
    /// rate limiting (and its headers).
    pub rate_limit: Option<(u32, Duration)>,
    /// Whether responses carry the `Ratelimit-*` headers.
    pub rate_limit_headers: bool,
    /// Page size when the request names none.
    pub page_size: usize,
    /// Last page as `"pagination": {}` instead of `"pagination": {"cursor": ""}`.
    pub last_page_without_cursor: bool,
    /// Lifetime of app tokens from client credentials.
    pub app_token_lifetime: Duration,
    /// The most requests the log keeps; older ones are dropped first.
    pub log_limit: usize,
    /// The largest request body read, in bytes; a larger one is answered `413`.
    pub max_request_body: usize,
    /// Lifetime of user tokens from a refresh.
    pub user_token_lifetime: Duration,
    /// Serve the spec's examples verbatim instead of the world, keeping no state (EventSub
    /// included).
    pub examples_only: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            rate_limit: Some((800, Duration::from_secs(60))),
            rate_limit_headers: true,
            page_size: 20,
            last_page_without_cursor: false,
            app_token_lifetime: Duration::from_secs(60 * 24 * 3600),
            user_token_lifetime: Duration::from_secs(4 * 3600),
            examples_only: false,
            log_limit: 10_000,
            max_request_body: 1 << 20,
        }
    }
}

/// The route table: endpoints by method and path, examples by operation.
#[derive(Debug)]
pub(crate) struct Routes {
    pub endpoints: &'static [&'static Endpoint],
    by_route: HashMap<(HttpMethod, &'static str), &'static Endpoint>,
    examples: HashMap<&'static str, &'static str>,
}

impl Routes {
    pub fn new(
        endpoints: &'static [&'static Endpoint],
        examples: &'static [(&'static str, &'static str)],
    ) -> Routes {
        Routes {
            endpoints,
            by_route: endpoints.iter().map(|e| ((e.method, e.path), *e)).collect(),
            examples: examples.iter().copied().collect(),
        }
    }

    /// The endpoint serving `method` on the full request `path` (`/helix/users`).
    pub fn find(&self, method: &str, path: &str) -> Option<&'static Endpoint> {
        let method = match method {
            "GET" => HttpMethod::Get,
            "POST" => HttpMethod::Post,
            "PUT" => HttpMethod::Put,
            "PATCH" => HttpMethod::Patch,
            "DELETE" => HttpMethod::Delete,
            _ => return None,
        };
        let path = path.strip_prefix("/helix")?;
        let path = path.strip_suffix('/').unwrap_or(path);
        self.by_route.get(&(method, path)).copied()
    }

    /// The example response body of `operation`.
    pub fn example(&self, operation: &str) -> Option<&'static str> {
        self.examples.get(operation).copied()
    }
}

/// Who a token was issued to, and what it may do.
#[derive(Debug, Clone)]
pub(crate) struct Grant {
    pub client_id: String,
    /// `(user_id, login)` for user tokens; `None` for app tokens.
    pub user: Option<(String, String)>,
    pub scopes: Vec<String>,
}

#[derive(Debug)]
struct Token {
    grant: Grant,
    expires_at: Instant,
}

/// A fixed-window bucket: full again `window` after its first point was spent.
#[derive(Debug)]
struct Bucket {
    remaining: u32,
    reset_at: Instant,
}

/// The state of a bucket after charging one request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Charge {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    /// When the bucket is full again, as Unix seconds rounded up.
    pub reset_unix: u64,
}

#[derive(Debug, Default)]
struct Inner {
    clients: HashMap<String, String>,
    tokens: HashMap<String, Token>,
    refresh_tokens: HashMap<String, Grant>,
    buckets: HashMap<(String, Option<String>), Bucket>,
    items: HashMap<String, Vec<Value>>,
    overrides: Vec<Override>,
    log: VecDeque<ReceivedRequest>,
    /// How many entries were cleared from the front of `log`, so log indexes stay valid.
    log_base: usize,
    counts: OAuthCounts,
    serial: u64,
}

/// Shared by the server task and the [`MockServer`](super::MockServer) handle.
#[derive(Debug)]
pub(crate) struct State {
    pub routes: Routes,
    pub config: Config,
    /// The client tokens are issued for by default.
    pub client_id: String,
    pub client_secret: String,
    seed: RandomState,
    inner: Mutex<Inner>,
    /// The world reads and writes act on; its own lock, never held with `inner`'s.
    world: Mutex<World>,
    /// EventSub subscriptions, conduits and WebSocket sessions (`mock/eventsub`).
    pub eventsub: Arc<super::eventsub::hub::Hub>,
}

impl State {
    pub fn new(
        routes: Routes,
        config: Config,
        clients: Vec<(String, String)>,
        items: HashMap<String, Vec<Value>>,
    ) -> State {
        let (client_id, client_secret) = clients[0].clone();
        State {
            routes,
            config,
            client_id,
            client_secret,
            seed: RandomState::new(),
            world: Mutex::new(World::seeded()),
            eventsub: Arc::new(super::eventsub::hub::Hub::new(Default::default())),
            inner: Mutex::new(Inner {
                clients: clients.into_iter().collect(),
                items,
                ..Inner::default()
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panicking test thread must not wedge the server for the others.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The world, locked.
    pub fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A fresh 30-character token in Twitch's alphabet.
    fn new_token(&self, inner: &mut Inner) -> String {
        const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        inner.serial += 1;
        let mut out = String::with_capacity(30);
        let mut round = 0u64;
        while out.len() < 30 {
            let mut hasher = self.seed.build_hasher();
            hasher.write_u64(inner.serial);
            hasher.write_u64(round);
            let mut bits = hasher.finish();
            for _ in 0..12 {
                out.push(ALPHABET[(bits % 36) as usize] as char);
                bits /= 36;
            }
            round += 1;
        }
        out.truncate(30);
        out
    }

    /// Issues an access token (and a refresh token for user grants).
    pub fn issue(&self, grant: Grant, lifetime: Duration) -> (String, Option<String>) {
        let mut inner = self.lock();
        let access = self.new_token(&mut inner);
        let refresh = grant.user.is_some().then(|| self.new_token(&mut inner));
        if let Some(refresh) = &refresh {
            inner.refresh_tokens.insert(refresh.clone(), grant.clone());
        }
        inner.tokens.insert(
            access.clone(),
            Token {
                grant,
                expires_at: Instant::now() + lifetime,
            },
        );
        (access, refresh)
    }

    /// The grant behind a live (known, unexpired) access token, with its remaining lifetime.
    pub fn lookup(&self, access: &str) -> Option<(Grant, Duration)> {
        let inner = self.lock();
        let token = inner.tokens.get(access)?;
        let left = token.expires_at.saturating_duration_since(Instant::now());
        (!left.is_zero()).then(|| (token.grant.clone(), left))
    }

    /// Marks an access token expired. Whether it existed.
    pub fn expire(&self, access: &str) -> bool {
        let mut inner = self.lock();
        match inner.tokens.get_mut(access) {
            Some(token) => {
                token.expires_at = Instant::now();
                true
            }
            None => false,
        }
    }

    /// Forgets an access or refresh token. Whether it existed.
    pub fn revoke(&self, token: &str) -> bool {
        let mut inner = self.lock();
        let access = inner.tokens.remove(token).is_some();
        let refresh = inner.refresh_tokens.remove(token).is_some();
        access || refresh
    }

    /// The client that owns an access or refresh token.
    pub fn token_client(&self, token: &str) -> Option<String> {
        let inner = self.lock();
        inner
            .tokens
            .get(token)
            .map(|t| t.grant.client_id.clone())
            .or_else(|| inner.refresh_tokens.get(token).map(|g| g.client_id.clone()))
    }

    /// Uses up a refresh token (they are single-use here) and returns its grant.
    pub fn take_refresh(&self, refresh: &str, client_id: &str) -> Option<Grant> {
        let mut inner = self.lock();
        match inner.refresh_tokens.get(refresh) {
            Some(grant) if grant.client_id == client_id => inner.refresh_tokens.remove(refresh),
            _ => None,
        }
    }

    /// The registered secret of `client_id`.
    pub fn client_secret_of(&self, client_id: &str) -> Option<String> {
        self.lock().clients.get(client_id).cloned()
    }

    pub fn count(&self, bump: impl FnOnce(&mut OAuthCounts)) {
        bump(&mut self.lock().counts);
    }

    pub fn counts(&self) -> OAuthCounts {
        self.lock().counts
    }

    /// Spends one point of the bucket of `grant` (per client for app tokens, per client and user
    /// for user tokens, as Helix keys them). `None` when rate limiting is off.
    pub fn charge(&self, grant: &Grant) -> Option<Charge> {
        let (limit, window) = self.config.rate_limit?;
        let key = (
            grant.client_id.clone(),
            grant.user.as_ref().map(|(id, _)| id.clone()),
        );
        let now = Instant::now();
        let mut inner = self.lock();
        let bucket = inner.buckets.entry(key).or_insert(Bucket {
            remaining: limit,
            reset_at: now + window,
        });
        if now >= bucket.reset_at {
            bucket.remaining = limit;
            bucket.reset_at = now + window;
        }
        let allowed = bucket.remaining > 0;
        if allowed {
            bucket.remaining -= 1;
        }
        let until_reset = bucket.reset_at.saturating_duration_since(now);
        let reset = SystemTime::now() + until_reset;
        let since_epoch = reset
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or(Duration::ZERO);
        let reset_unix = since_epoch.as_secs() + u64::from(since_epoch.subsec_nanos() > 0);
        Some(Charge {
            allowed,
            limit,
            remaining: bucket.remaining,
            reset_unix,
        })
    }

    pub fn reset_rate_limits(&self) {
        self.lock().buckets.clear();
    }

    pub fn items(&self, operation: &str) -> Option<Vec<Value>> {
        self.lock().items.get(operation).cloned()
    }

    pub fn set_items(&self, operation: String, items: Vec<Value>) {
        self.lock().items.insert(operation, items);
    }

    pub fn add_override(
        &self,
        route: Route,
        reply: Reply,
        remaining: Option<usize>,
        hits: Arc<AtomicUsize>,
    ) -> u64 {
        let mut inner = self.lock();
        inner.serial += 1;
        let id = inner.serial;
        if remaining == Some(0) {
            return id;
        }
        inner.overrides.push(Override {
            id,
            route,
            reply,
            remaining,
            hits,
        });
        id
    }

    pub fn remove_override(&self, id: u64) {
        self.lock().overrides.retain(|o| o.id != id);
    }

    pub fn clear_overrides(&self) {
        self.lock().overrides.clear();
    }

    /// The reply of the newest override matching the request, counting it as used.
    pub fn take_override(
        &self,
        method: &str,
        path: &str,
        operation: Option<&str>,
        query: &[(String, String)],
    ) -> Option<Reply> {
        let mut inner = self.lock();
        let index = inner
            .overrides
            .iter()
            .rposition(|o| o.route.matches(method, path, operation, query))?;
        let entry = &mut inner.overrides[index];
        entry.hits.fetch_add(1, Ordering::SeqCst);
        let reply = entry.reply.clone();
        if let Some(remaining) = &mut entry.remaining {
            *remaining = remaining.saturating_sub(1);
            if *remaining == 0 {
                inner.overrides.remove(index);
            }
        }
        Some(reply)
    }

    /// Appends to the request log; returns the entry's index.
    pub fn log(&self, request: ReceivedRequest) -> usize {
        let mut inner = self.lock();
        inner.log.push_back(request);
        let index = inner.log_base + inner.log.len() - 1;
        // Bounded: a long soak or a flood must not grow the stand-in without end.
        while inner.log.len() > self.config.log_limit.max(1) {
            inner.log.pop_front();
            inner.log_base += 1;
        }
        index
    }

    /// Records the status answered to log entry `index`.
    pub fn log_status(&self, index: usize, status: u16) {
        let mut inner = self.lock();
        let Some(position) = index.checked_sub(inner.log_base) else {
            return;
        };
        if let Some(entry) = inner.log.get_mut(position) {
            entry.status = Some(status);
        }
    }

    pub fn requests(&self, route: Option<&Route>) -> Vec<ReceivedRequest> {
        self.lock()
            .log
            .iter()
            .filter(|r| {
                route.is_none_or(|route| route.matches(&r.method, &r.path, r.operation, &r.query))
            })
            .cloned()
            .collect()
    }

    pub fn clear_requests(&self) {
        let mut inner = self.lock();
        inner.log_base += inner.log.len();
        inner.log.clear();
    }
}

/// One registered override.
#[derive(Debug)]
pub(crate) struct Override {
    pub id: u64,
    pub route: Route,
    pub reply: Reply,
    /// How many more requests it answers; `None` for always.
    pub remaining: Option<usize>,
    pub hits: Arc<AtomicUsize>,
}
