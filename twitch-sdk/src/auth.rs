//! Tokens: what the user hands over ([`ClientCredentials`], [`UserToken`]), how the SDK keeps a
//! valid one, and the OAuth calls behind that.
//!
//! - App tokens come from the client-credentials grant, fetched when the [`AppApi`](crate::AppApi)
//!   is made, cached, and renewed shortly before they expire and once after Helix answers 401.
//! - User tokens are validated (`/validate`: user id, login, scopes, expiry) when the
//!   [`UserApi`](crate::UserApi) is made and again every hour, as Twitch requires of apps that keep
//!   a session. With a refresh token and client secret (or a [`TokenProvider`]) they are refreshed
//!   shortly before they expire and once after a 401.
//!
//! Renewal is single-flight: however many calls find the token expired or rejected at once, one
//! renewal runs and the others wait for it and use its token. If it fails, every waiter gets the
//! failure; a call that starts afterwards tries again.
//!
//! A renewal runs on a task of its own that holds the single-flight gate until its outcome is
//! stored and `on_refresh` called, so a caller dropped mid-refresh cannot lose a rotated refresh
//! token. Every renewed user token is validated before it is used: one issued to another client
//! id, or belonging to another user than the session's, is refused with [`Error::Token`].
//! [`TokenCell::revoke`] signs out (Twitch's `/revoke`); the cell then refuses every call.
//!
//! With a [`SharedTokens`] store (the `redis` feature's fleet), renewal is also single-flight
//! across processes: under the store's lock, a token another process renewed since ours is taken
//! from the store instead of renewing again (and validated like any renewed token), and a token
//! renewed here is stored for the others. `on_refresh` fires only where the token was renewed.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use futures_core::future::BoxFuture;
use serde::Deserialize;

use crate::error::{Error, Result, TokenError, TokenErrorKind, TokenType};
use crate::http::{Http, OauthResponse};
use crate::secret::Secret;

/// How often Twitch wants a user token validated.
pub(crate) const VALIDATE_EVERY: Duration = Duration::from_secs(3600);
/// When `/validate` itself cannot be reached, how long to go on before trying it again.
const VALIDATE_RETRY: Duration = Duration::from_secs(60);
/// Renew this long before expiry (or a tenth of the lifetime, for short-lived tokens).
const RENEW_MARGIN: Duration = Duration::from_secs(300);

/// An app's client id and secret, for app access tokens (client-credentials grant).
#[derive(Clone, Debug)]
pub struct ClientCredentials {
    pub(crate) client_id: String,
    pub(crate) client_secret: Secret,
}

impl ClientCredentials {
    /// The app's client id and client secret.
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<Secret>) -> Self {
        ClientCredentials {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
        }
    }
}

/// A set of user tokens, as the SDK holds them and hands them to [`UserToken::on_refresh`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenSet {
    /// The access token.
    pub access_token: Secret,
    /// The refresh token, if there is one.
    pub refresh_token: Option<Secret>,
    /// How long the access token lives from when it was issued, if Twitch said.
    pub expires_in: Option<Duration>,
    /// The scopes the token carries, if known.
    pub scopes: Option<Vec<String>>,
}

impl TokenSet {
    /// A token set holding only an access token.
    pub fn new(access_token: impl Into<Secret>) -> Self {
        TokenSet {
            access_token: access_token.into(),
            refresh_token: None,
            expires_in: None,
            scopes: None,
        }
    }

    /// Adds the refresh token.
    pub fn with_refresh_token(mut self, refresh_token: impl Into<Secret>) -> Self {
        self.refresh_token = Some(refresh_token.into());
        self
    }

    /// Adds the lifetime of the access token.
    pub fn with_expires_in(mut self, expires_in: Duration) -> Self {
        self.expires_in = Some(expires_in);
        self
    }

    /// Adds the scopes the token carries (otherwise the SDK asks Twitch).
    pub fn with_scopes<I>(mut self, scopes: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.scopes = Some(scopes.into_iter().map(Into::into).collect());
        self
    }
}

/// The future a [`TokenProvider`] returns.
pub type TokenFuture<'a> = Pin<Box<dyn Future<Output = Result<TokenSet>> + Send + 'a>>;

/// Your own source of fresh user tokens, used instead of the SDK's refresh-token grant.
///
/// The SDK calls [`refresh`](Self::refresh) when the token is about to expire or Helix rejected it
/// (at most one call at a time), then validates the token it gets back. Return
/// [`Error::Token`] when no token can be had.
pub trait TokenProvider: Send + Sync + 'static {
    /// A fresh token set to replace `current`.
    fn refresh<'a>(&'a self, current: &'a TokenSet) -> TokenFuture<'a>;
}

type RefreshHook = Arc<dyn Fn(&TokenSet) + Send + Sync>;

/// A user access token and what the SDK needs to keep it valid.
#[derive(Clone)]
pub struct UserToken {
    pub(crate) client_id: String,
    pub(crate) access_token: Secret,
    pub(crate) refresh_token: Option<Secret>,
    pub(crate) client_secret: Option<Secret>,
    pub(crate) provider: Option<Arc<dyn TokenProvider>>,
    pub(crate) on_refresh: Option<RefreshHook>,
}

impl fmt::Debug for UserToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserToken")
            .field("client_id", &self.client_id)
            .field("access_token", &self.access_token)
            .field("refresh_token", &self.refresh_token)
            .field("client_secret", &self.client_secret)
            .field("provider", &self.provider.is_some())
            .field("on_refresh", &self.on_refresh.is_some())
            .finish()
    }
}

impl UserToken {
    /// The app's client id and a user access token issued to it.
    pub fn new(client_id: impl Into<String>, access_token: impl Into<Secret>) -> Self {
        UserToken {
            client_id: client_id.into(),
            access_token: access_token.into(),
            refresh_token: None,
            client_secret: None,
            provider: None,
            on_refresh: None,
        }
    }

    /// The refresh token; with [`client_secret`](Self::client_secret) the SDK refreshes the access
    /// token itself.
    pub fn refresh_token(mut self, refresh_token: impl Into<Secret>) -> Self {
        self.refresh_token = Some(refresh_token.into());
        self
    }

    /// The app's client secret, needed to refresh.
    pub fn client_secret(mut self, client_secret: impl Into<Secret>) -> Self {
        self.client_secret = Some(client_secret.into());
        self
    }

    /// Gets fresh tokens from `provider` instead of Twitch's refresh-token grant.
    pub fn provider(mut self, provider: impl TokenProvider) -> Self {
        self.provider = Some(Arc::new(provider));
        self
    }

    /// Calls `hook` with the new tokens after every refresh, before they are used: the place to
    /// persist them (Twitch may rotate the refresh token).
    pub fn on_refresh(mut self, hook: impl Fn(&TokenSet) + Send + Sync + 'static) -> Self {
        self.on_refresh = Some(Arc::new(hook));
        self
    }
}

/// A renewed token as a [`SharedTokens`] store keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StoredToken {
    /// The tokens; `expires_in` counts from `issued_at`.
    pub(crate) set: TokenSet,
    pub(crate) issued_at: SystemTime,
}

impl StoredToken {
    /// When the access token expires, if it does.
    fn expires_at(&self) -> Option<SystemTime> {
        let lifetime = self.set.expires_in?;
        self.issued_at.checked_add(lifetime)
    }

    /// Whether the access token is still good for a while (not due for renewal at `now`).
    fn usable(&self, now: SystemTime) -> bool {
        let renew_at = self.set.expires_in.and_then(|lifetime| {
            let margin = RENEW_MARGIN.min(lifetime / 10);
            self.issued_at.checked_add(lifetime - margin)
        });
        renew_at.is_none_or(|at| at > now)
    }

    /// The token set with its lifetime counted from `now`.
    fn adopt(&self, now: SystemTime) -> TokenSet {
        let mut set = self.set.clone();
        set.expires_in = set.expires_in.map(|lifetime| {
            let expires_at = self.issued_at.checked_add(lifetime).unwrap_or(now);
            expires_at.duration_since(now).unwrap_or_default()
        });
        set
    }
}

/// The renewal lock on one token in a [`SharedTokens`] store, and what the store held then.
#[derive(Debug)]
pub(crate) struct TokenLease {
    /// The stored token, read under the lock.
    pub(crate) stored: Option<StoredToken>,
    /// The lock's owner id; `None` when the store could not be locked (it is unavailable, or
    /// the holder did not let go in time) and this process renews on its own.
    // Read only by the `redis` feature's fleet store.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) owner: Option<String>,
}

/// Tokens shared between processes, so that one renews and the others reuse its token (the
/// `redis` feature's fleet store). Both calls are bounded in time and never fail: a store that
/// cannot answer yields an unlocked, empty lease, and the token is renewed locally.
pub(crate) trait SharedTokens: Send + Sync + 'static {
    /// Takes the renewal lock of `key` (waiting while another process holds it) and reads the
    /// token stored there.
    fn lock<'a>(&'a self, key: &'a str) -> BoxFuture<'a, TokenLease>;
    /// Stores `token`, when given, and releases the lock.
    fn unlock<'a>(
        &'a self,
        key: &'a str,
        lease: TokenLease,
        token: Option<StoredToken>,
    ) -> BoxFuture<'a, ()>;
}

/// What `/validate` says about a user token.
#[derive(Clone, Debug, Default)]
pub(crate) struct UserInfo {
    pub(crate) user_id: String,
    pub(crate) login: String,
    pub(crate) scopes: Vec<String>,
}

/// The token a request is sent with, and which renewal it came from.
#[derive(Clone)]
pub(crate) struct Snapshot {
    pub(crate) token: Secret,
    generation: u64,
    attempts: u64,
}

/// How the token is renewed.
enum Source {
    App(ClientCredentials),
    User {
        refresh_token: Option<Secret>,
        client_secret: Option<Secret>,
        provider: Option<Arc<dyn TokenProvider>>,
        on_refresh: Option<RefreshHook>,
    },
}

struct State {
    token: Secret,
    refresh_token: Option<Secret>,
    /// When to renew ahead of expiry.
    renew_at: Option<SystemTime>,
    expires_at: Option<SystemTime>,
    /// When `/validate` is due (user tokens).
    validate_at: Option<SystemTime>,
    user: Option<UserInfo>,
    /// Bumped by every successful renewal.
    generation: u64,
    /// Renewals attempted, successful or not.
    attempts: u64,
    /// The last renewal failed: its attempt number and message.
    failure: Option<(u64, TokenError)>,
    /// The token was revoked; nothing is sent with it any more.
    revoked: bool,
}

enum Due {
    Nothing,
    Validate,
    Renew,
    Expired,
}

/// A token kept valid: the app token, or one user token.
///
/// Cheap handle on shared state, so a renewal can run on a task of its own.
pub(crate) struct TokenCell(Arc<Cell>);

struct Cell {
    client_id: String,
    source: Source,
    state: Mutex<State>,
    /// Held while a renewal or validation runs: the single flight. A renewal's task owns it
    /// until the renewal is stored, even when every caller waiting for it was dropped.
    gate: Arc<tokio::sync::Mutex<()>>,
}

/// What `/validate` answered for a token, before it is accepted.
#[derive(Deserialize)]
struct Validation {
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    login: Option<String>,
    #[serde(default)]
    user_id: Option<String>,
    #[serde(default)]
    scopes: Option<Vec<String>>,
    #[serde(default)]
    expires_in: Option<u64>,
}

const REVOKED: &str = "the access token was revoked (signed out); make a new handle to go on";

impl TokenCell {
    /// Fetches the first app token.
    pub(crate) async fn app(http: &Arc<Http>, creds: ClientCredentials) -> Result<Self> {
        let cell = TokenCell::with(
            creds.client_id.clone(),
            Source::App(creds),
            State::new(Secret::default(), None),
        );
        let snap = cell.snapshot();
        cell.renew(http, &snap, Why::Start).await?;
        Ok(cell)
    }

    /// Validates the user token (refreshing it first when Twitch rejects it and refresh is possible).
    pub(crate) async fn user(http: &Arc<Http>, token: UserToken) -> Result<Self> {
        let source = Source::User {
            refresh_token: token.refresh_token.clone(),
            client_secret: token.client_secret,
            provider: token.provider,
            on_refresh: token.on_refresh,
        };
        let state = State::new(token.access_token, token.refresh_token);
        let cell = TokenCell::with(token.client_id, source, state);
        cell.validate(http, true, None).await?;
        Ok(cell)
    }

    fn with(client_id: String, source: Source, state: State) -> Self {
        TokenCell(Arc::new(Cell {
            client_id,
            source,
            state: Mutex::new(state),
            gate: Arc::new(tokio::sync::Mutex::new(())),
        }))
    }

    pub(crate) fn client_id(&self) -> &str {
        &self.0.client_id
    }

    pub(crate) fn is_user(&self) -> bool {
        self.0.is_user()
    }

    pub(crate) fn user_info(&self) -> Option<UserInfo> {
        self.0.lock().user.clone()
    }

    /// Whether the SDK can get a new token on its own.
    pub(crate) fn can_renew(&self) -> bool {
        self.0.can_renew()
    }

    /// A token to send now: validated within the hour, renewed when close to expiry.
    pub(crate) async fn current(&self, http: &Arc<Http>) -> Result<Snapshot> {
        let now = http.clock.now();
        let (due, snap) = {
            let state = self.0.lock();
            if state.revoked {
                return Err(Error::token(TokenErrorKind::Invalid, REVOKED));
            }
            (state.due(now, self.can_renew()), state.snapshot())
        };
        match due {
            Due::Nothing => Ok(snap),
            Due::Validate => {
                self.validate(http, false, Some(&snap)).await?;
                Ok(self.snapshot())
            }
            Due::Renew => match self.renew(http, &snap, Why::Expiring).await {
                Ok(fresh) => Ok(fresh),
                // Renewing ahead of time failed, but the token still works for a while.
                Err(e) if self.0.lock().expires_at.is_none_or(|at| at > now) => {
                    tracing::warn!(error = %e, "early token renewal failed; using the current token");
                    Ok(snap)
                }
                Err(e) => Err(e),
            },
            Due::Expired => Err(Error::token(
                TokenErrorKind::Invalid,
                "the user access token has expired and cannot be refreshed (give a refresh token \
                 and client secret, or a token provider)",
            )),
        }
    }

    /// Helix rejected `used` with a 401: renew once (shared with concurrent callers).
    pub(crate) async fn rejected(&self, http: &Arc<Http>, used: &Snapshot) -> Result<Snapshot> {
        self.renew(http, used, Why::Rejected).await
    }

    /// Validates now, for [`UserApi::validate`](crate::UserApi::validate).
    pub(crate) async fn validate_now(&self, http: &Arc<Http>) -> Result<()> {
        self.validate(http, true, None).await
    }

    /// Revokes the access token with Twitch (`POST /revoke`) and forgets both tokens; every later
    /// call with this cell fails with [`Error::Token`]. Revoking twice is not an error.
    pub(crate) async fn revoke(&self, http: &Http) -> Result<()> {
        let _flight = self.0.gate.lock().await;
        let token = {
            let state = self.0.lock();
            if state.revoked {
                return Ok(());
            }
            state.token.clone()
        };
        let form = [
            ("client_id", self.0.client_id.as_str()),
            ("token", token.expose()),
        ];
        match http.revoke(&form).await? {
            OauthResponse::Ok(_) => {}
            // Twitch no longer knows the token: it is as good as revoked.
            OauthResponse::Rejected { status: 400, .. } => {}
            OauthResponse::Rejected { status, message } => {
                return Err(Error::token(
                    TokenErrorKind::Invalid,
                    format!("revoking the access token failed: HTTP {status}: {message}"),
                ));
            }
        }
        let mut state = self.0.lock();
        state.revoked = true;
        state.token = Secret::default();
        state.refresh_token = None;
        tracing::debug!("access token revoked");
        Ok(())
    }

    fn snapshot(&self) -> Snapshot {
        self.0.lock().snapshot()
    }

    /// Calls `/validate`; on 401 renews when possible. `force` validates even when not due.
    ///
    /// `seen` is the token snapshot the caller found due: when a renewal failed since, the caller
    /// gets that failure instead of trying again.
    async fn validate(&self, http: &Arc<Http>, force: bool, seen: Option<&Snapshot>) -> Result<()> {
        let flight = self.0.gate.clone().lock_owned().await;
        let now = http.clock.now();
        let token = {
            let state = self.0.lock();
            if state.revoked {
                return Err(Error::token(TokenErrorKind::Invalid, REVOKED));
            }
            if let (Some(seen), Some((attempt, failure))) = (seen, &state.failure)
                && *attempt > seen.attempts
            {
                return Err(Error::Token(failure.clone()));
            }
            if !force && state.validate_at.is_some_and(|at| at > now) {
                return Ok(()); // another caller validated while we queued
            }
            state.token.clone()
        };
        match http.validate(&token).await {
            Ok(OauthResponse::Ok(body)) => {
                let checked = self.0.check_validation(&body);
                self.0.accept_validation(http, checked?);
                Ok(())
            }
            Ok(OauthResponse::Rejected {
                status: 401,
                message,
            }) => {
                tracing::debug!("user token no longer valid; refreshing");
                if !self.can_renew() {
                    return Err(self.0.fail(Error::token(
                        TokenErrorKind::Invalid,
                        format!(
                            "the user access token is not valid ({message}) and cannot be refreshed"
                        ),
                    )));
                }
                self.renew_detached(http, flight).await
            }
            Ok(OauthResponse::Rejected { status, message }) => {
                let e = Error::token(
                    TokenErrorKind::ValidationFailed,
                    format!("validating the user access token failed: HTTP {status}: {message}"),
                );
                self.0.postpone(force, now, e)
            }
            Err(e) => self.0.postpone(force, now, e),
        }
    }

    /// Single-flight renewal: the first caller renews, the others take its result.
    async fn renew(&self, http: &Arc<Http>, used: &Snapshot, why: Why) -> Result<Snapshot> {
        let flight = self.0.gate.clone().lock_owned().await;
        {
            let state = self.0.lock();
            if state.revoked {
                return Err(Error::token(TokenErrorKind::Invalid, REVOKED));
            }
            if state.generation != used.generation {
                return Ok(state.snapshot()); // renewed while we waited
            }
            if let Some((attempt, failure)) = &state.failure
                && *attempt > used.attempts
            {
                return Err(Error::Token(failure.clone())); // the renewal we waited for failed
            }
            if matches!(why, Why::Expiring) && !state.due_renewal(http.clock.now()) {
                return Ok(state.snapshot());
            }
        }
        if matches!(why, Why::Rejected) && !self.can_renew() {
            return Err(Error::token(
                TokenErrorKind::Invalid,
                "Twitch rejected the user access token and it cannot be refreshed",
            ));
        }
        self.renew_detached(http, flight).await?;
        Ok(self.snapshot())
    }

    /// Runs the renewal on a task of its own, which holds the single-flight gate until the
    /// outcome is stored (and `on_refresh` called). Twitch may rotate the refresh token; were the
    /// renewal part of the caller's future, dropping the caller (a timeout around the call) after
    /// Twitch answered would lose the new refresh token for good.
    async fn renew_detached(
        &self,
        http: &Arc<Http>,
        flight: tokio::sync::OwnedMutexGuard<()>,
    ) -> Result<()> {
        let (cell, http) = (self.0.clone(), http.clone());
        let task = tokio::spawn(async move {
            let result = cell.renew_locked(&http).await;
            drop(flight);
            result
        });
        task.await.unwrap_or_else(|_| {
            Err(Error::token(
                TokenErrorKind::RefreshFailed,
                "the token renewal stopped unexpectedly (a token provider or on_refresh hook \
                 panicked)",
            ))
        })
    }
}

impl Cell {
    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is updated in single assignments; a panic elsewhere cannot leave it torn.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn is_user(&self) -> bool {
        matches!(self.source, Source::User { .. })
    }

    fn can_renew(&self) -> bool {
        match &self.source {
            Source::App(_) => true,
            Source::User {
                refresh_token,
                client_secret,
                provider,
                ..
            } => provider.is_some() || (refresh_token.is_some() && client_secret.is_some()),
        }
    }

    /// `/validate` did not answer 200 or 401. A scheduled validation goes on with the token and
    /// tries again soon (Twitch's endpoint being down should not stop the bot); a requested one
    /// fails.
    fn postpone(&self, force: bool, now: SystemTime, e: Error) -> Result<()> {
        if force {
            return Err(e);
        }
        tracing::warn!(error = %e, "cannot validate the user token; retrying later");
        self.lock().validate_at = Some(now + VALIDATE_RETRY);
        Ok(())
    }

    /// Reads a `/validate` answer and checks it names our client id and, once the session has a
    /// user, that same user: a token of anyone else is refused, never adopted.
    fn check_validation(&self, body: &[u8]) -> Result<Validation> {
        let v: Validation = serde_json::from_slice(body).map_err(|e| {
            Error::token(
                TokenErrorKind::ValidationFailed,
                format!("cannot read Twitch's token validation response: {e}"),
            )
        })?;
        if let Some(id) = &v.client_id
            && id != &self.client_id
        {
            return Err(Error::token(
                TokenErrorKind::WrongClient,
                format!(
                    "the user access token was issued to client id {id}, not {}",
                    self.client_id
                ),
            ));
        }
        let Some(user_id) = v.user_id.as_deref().filter(|id| !id.is_empty()) else {
            return Err(Error::token(
                TokenErrorKind::WrongTokenType {
                    needed: TokenType::User,
                },
                "Twitch reports no user for this token: it is an app access token; use Client::app",
            ));
        };
        if let Some(user) = &self.lock().user
            && user.user_id != user_id
        {
            return Err(Error::token(
                TokenErrorKind::WrongUser,
                format!(
                    "the user access token now belongs to user {user_id}, not {} as this session \
                     does; refusing it",
                    user.user_id
                ),
            ));
        }
        Ok(v)
    }

    /// Stores what a checked validation says: the user, scopes, expiry, and the next due time.
    fn accept_validation(&self, http: &Http, v: Validation) {
        let now = http.clock.now();
        let mut state = self.lock();
        state.user = Some(UserInfo {
            user_id: v.user_id.unwrap_or_default(),
            login: v.login.unwrap_or_default(),
            scopes: v.scopes.unwrap_or_default(),
        });
        state.validate_at = Some(now + VALIDATE_EVERY);
        // Twitch reports 0 for tokens that do not expire.
        state.set_expiry(
            now,
            v.expires_in.filter(|&s| s > 0).map(Duration::from_secs),
        );
    }

    /// Renews; the caller holds the gate. A user token is validated before it is adopted: it
    /// must belong to this client and to the session's user.
    async fn renew_locked(&self, http: &Http) -> Result<()> {
        let (fresh, fetched) = match self.obtain(http).await {
            (Ok(fresh), fetched) => (fresh, fetched),
            (Err(e), _) => return Err(self.fail(e)),
        };
        let validation = if self.is_user() {
            match self.validate_renewed(http, &fresh).await {
                Ok(v) => Some(v),
                Err(e) => return Err(self.fail(e)),
            }
        } else {
            None
        };
        let generation = self.adopt(http, &fresh);
        if let Some(v) = validation {
            self.accept_validation(http, v);
        }
        tracing::debug!(generation, fetched, "token renewed");
        // Another process renewed a token taken from the fleet's store, and called its hook.
        if fetched {
            self.notify(&fresh);
        }
        Ok(())
    }

    /// Validates a renewed user token. When it cannot be adopted for a reason other than
    /// belonging to someone else (`/validate` down or rejecting it), its refresh token is kept
    /// and handed to `on_refresh`: Twitch may have rotated it, and the old one no longer works.
    async fn validate_renewed(&self, http: &Http, fresh: &TokenSet) -> Result<Validation> {
        let checked = match http.validate(&fresh.access_token).await {
            Ok(OauthResponse::Ok(body)) => match self.check_validation(&body) {
                Ok(v) => return Ok(v),
                Err(e) => return Err(e), // another client or user: nothing of it is kept
            },
            Ok(OauthResponse::Rejected { status, message }) => Error::token(
                TokenErrorKind::RefreshFailed,
                format!(
                    "the refreshed user access token does not validate: HTTP {status}: {message}"
                ),
            ),
            Err(e) => Error::token(
                TokenErrorKind::RefreshFailed,
                format!("cannot validate the refreshed user access token: {e}"),
            ),
        };
        if let Some(refresh) = &fresh.refresh_token {
            self.lock().refresh_token = Some(refresh.clone());
            // The old refresh token may be used up: the application must persist the new one.
            self.notify(fresh);
        }
        Err(checked)
    }

    /// Hands `fresh` to the `on_refresh` hook, if there is one.
    fn notify(&self, fresh: &TokenSet) {
        if let Source::User {
            on_refresh: Some(hook),
            ..
        } = &self.source
        {
            hook(fresh);
        }
    }

    /// Makes `fresh` the current token; returns the new generation.
    fn adopt(&self, http: &Http, fresh: &TokenSet) -> u64 {
        let now = http.clock.now();
        let mut state = self.lock();
        state.attempts += 1;
        state.generation += 1;
        state.failure = None;
        state.token = fresh.access_token.clone();
        if fresh.refresh_token.is_some() {
            state.refresh_token = fresh.refresh_token.clone();
        }
        state.set_expiry(now, fresh.expires_in);
        state.generation
    }

    /// Records a failed renewal: its message is what every waiter gets.
    fn fail(&self, e: Error) -> Error {
        let failure = match e {
            Error::Token(failure) => failure,
            other => TokenError::new(
                TokenErrorKind::RefreshFailed,
                format!("renewing the access token failed: {other}"),
            ),
        };
        tracing::warn!(error = %failure, "token renewal failed");
        let mut state = self.lock();
        state.attempts += 1;
        state.failure = Some((state.attempts, failure.clone()));
        Error::Token(failure)
    }

    /// A new token set, and whether it was fetched here (`false`: another process renewed it).
    ///
    /// With a shared token store this runs under the store's lock: a token another process
    /// renewed since ours is taken from the store, and a token fetched here is stored.
    async fn obtain(&self, http: &Http) -> (Result<TokenSet>, bool) {
        let Some((store, key)) = self.shared_store(http) else {
            return (self.fetch_new(http).await, true);
        };
        let lease = store.lock(&key).await;
        let now = http.clock.now();
        let (used, ours) = {
            let state = self.lock();
            (state.token.clone(), state.expires_at)
        };
        // A stored token older than ours (this process renewed while the store was out of reach)
        // is neither reused nor renewed from: its refresh token may be spent.
        let newer = |stored: &&StoredToken| match (stored.expires_at(), ours) {
            (Some(theirs), Some(ours)) => theirs > ours,
            _ => true,
        };
        if let Some(stored) = lease.stored.as_ref().filter(newer) {
            if stored.set.access_token != used && stored.usable(now) {
                let set = stored.adopt(now);
                store.unlock(&key, lease, None).await;
                tracing::debug!("another process renewed the token; using theirs");
                return (Ok(set), false);
            }
            // Renew with the newest refresh token: another process may have rotated ours away.
            if let Some(refresh) = &stored.set.refresh_token {
                self.lock().refresh_token = Some(refresh.clone());
            }
        }
        let result = self.fetch_new(http).await;
        let save = result.as_ref().ok().map(|set| {
            let mut set = set.clone();
            if set.refresh_token.is_none() {
                set.refresh_token = self.lock().refresh_token.clone();
            }
            StoredToken {
                set,
                issued_at: now,
            }
        });
        store.unlock(&key, lease, save).await;
        (result, true)
    }

    /// The shared token store and this token's key there (`app:<client id>`,
    /// `user:<client id>:<user id>`), once the user is known.
    fn shared_store<'h>(&self, http: &'h Http) -> Option<(&'h dyn SharedTokens, String)> {
        let store = http.sharing.tokens.as_deref()?;
        let user = self.lock().user.clone();
        let key = match (self.is_user(), user) {
            (false, _) => format!("app:{}", self.client_id),
            (true, Some(user)) => format!("user:{}:{}", self.client_id, user.user_id),
            (true, None) => return None,
        };
        Some((store, key))
    }

    async fn fetch_new(&self, http: &Http) -> Result<TokenSet> {
        match &self.source {
            Source::App(creds) => {
                let form = [
                    ("client_id", creds.client_id.as_str()),
                    ("client_secret", creds.client_secret.expose()),
                    ("grant_type", "client_credentials"),
                ];
                token_response(http.token(&form).await?, "getting an app access token")
            }
            Source::User {
                provider: Some(provider),
                ..
            } => {
                let current = {
                    let state = self.lock();
                    TokenSet {
                        access_token: state.token.clone(),
                        refresh_token: state.refresh_token.clone(),
                        expires_in: None,
                        scopes: state.user.as_ref().map(|u| u.scopes.clone()),
                    }
                };
                provider.refresh(&current).await
            }
            Source::User {
                client_secret: Some(secret),
                ..
            } => {
                let Some(refresh) = self.lock().refresh_token.clone() else {
                    return Err(Error::token(
                        TokenErrorKind::RefreshFailed,
                        "no refresh token to refresh with",
                    ));
                };
                let form = [
                    ("client_id", self.client_id.as_str()),
                    ("client_secret", secret.expose()),
                    ("grant_type", "refresh_token"),
                    ("refresh_token", refresh.expose()),
                ];
                token_response(http.token(&form).await?, "refreshing the user access token")
            }
            Source::User { .. } => Err(Error::token(
                TokenErrorKind::RefreshFailed,
                "the user access token cannot be refreshed without a refresh token and client secret",
            )),
        }
    }
}

#[derive(Clone, Copy)]
enum Why {
    Start,
    Expiring,
    Rejected,
}

pub(crate) fn token_response(response: OauthResponse, doing: &str) -> Result<TokenSet> {
    #[derive(Deserialize)]
    struct Token {
        access_token: String,
        #[serde(default)]
        refresh_token: Option<String>,
        #[serde(default)]
        expires_in: Option<u64>,
        #[serde(default, deserialize_with = "scopes")]
        scope: Option<Vec<String>>,
    }
    fn scopes<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
        // Twitch sends a list; the OAuth spec allows a space-separated string.
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Scopes {
            List(Vec<String>),
            Text(String),
        }
        Ok(match Option::<Scopes>::deserialize(d)? {
            Some(Scopes::List(list)) => Some(list),
            Some(Scopes::Text(text)) => Some(text.split_whitespace().map(str::to_owned).collect()),
            None => None,
        })
    }
    match response {
        OauthResponse::Ok(body) => {
            // The body holds the token: the parse error must not quote it.
            let token: Token = serde_json::from_slice(&body).map_err(|e| {
                Error::token(
                    TokenErrorKind::RefreshFailed,
                    format!(
                        "{doing}: unexpected response from Twitch (line {}, column {})",
                        e.line(),
                        e.column()
                    ),
                )
            })?;
            if token.access_token.is_empty() {
                return Err(Error::token(
                    TokenErrorKind::RefreshFailed,
                    format!("{doing}: Twitch returned an empty token"),
                ));
            }
            Ok(TokenSet {
                access_token: Secret::new(token.access_token),
                refresh_token: token
                    .refresh_token
                    .filter(|t| !t.is_empty())
                    .map(Secret::new),
                expires_in: token.expires_in.filter(|&s| s > 0).map(Duration::from_secs),
                scopes: token.scope,
            })
        }
        OauthResponse::Rejected { status, message } => Err(Error::token(
            TokenErrorKind::RefreshFailed,
            format!("{doing} failed: HTTP {status}: {message}"),
        )),
    }
}

impl State {
    fn new(token: Secret, refresh_token: Option<Secret>) -> Self {
        State {
            token,
            refresh_token,
            renew_at: None,
            expires_at: None,
            validate_at: None,
            user: None,
            generation: 0,
            attempts: 0,
            failure: None,
            revoked: false,
        }
    }

    fn snapshot(&self) -> Snapshot {
        Snapshot {
            token: self.token.clone(),
            generation: self.generation,
            attempts: self.attempts,
        }
    }

    fn set_expiry(&mut self, now: SystemTime, lifetime: Option<Duration>) {
        // Twitch's `expires_in` is untrusted: a lifetime past what `SystemTime` can hold counts
        // as no expiry instead of overflowing.
        self.expires_at = lifetime.and_then(|l| now.checked_add(l));
        self.renew_at = lifetime.and_then(|l| now.checked_add(l - RENEW_MARGIN.min(l / 10)));
    }

    fn due_renewal(&self, now: SystemTime) -> bool {
        self.renew_at.is_some_and(|at| at <= now)
    }

    fn due(&self, now: SystemTime, can_renew: bool) -> Due {
        if self.due_renewal(now) && can_renew {
            Due::Renew
        } else if self.expires_at.is_some_and(|at| at <= now) {
            Due::Expired
        } else if self.validate_at.is_some_and(|at| at <= now) {
            Due::Validate
        } else {
            Due::Nothing
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renewal_is_due_before_expiry() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let mut s = State::new(Secret::new("a"), None);
        s.set_expiry(t0, Some(Duration::from_secs(3600)));
        s.validate_at = Some(t0 + VALIDATE_EVERY);
        assert!(matches!(s.due(t0, true), Due::Nothing));
        assert!(matches!(
            s.due(t0 + Duration::from_secs(3300), true),
            Due::Renew
        ));
        // Without a way to renew, the token is used until it expires.
        assert!(matches!(
            s.due(t0 + Duration::from_secs(3300), false),
            Due::Nothing
        ));
        assert!(matches!(
            s.due(t0 + Duration::from_secs(3600), false),
            Due::Expired
        ));
        // Short-lived tokens renew at 90% of their life.
        s.set_expiry(t0, Some(Duration::from_secs(100)));
        assert!(matches!(
            s.due(t0 + Duration::from_secs(89), true),
            Due::Nothing
        ));
        assert!(matches!(
            s.due(t0 + Duration::from_secs(90), true),
            Due::Renew
        ));
    }

    #[test]
    fn absurd_lifetimes_do_not_overflow() {
        // Found by the security tests: `expires_in: 18446744073709551615` from `/validate`
        // panicked adding it to the clock.
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let mut s = State::new(Secret::new("a"), None);
        s.set_expiry(t0, Some(Duration::from_secs(u64::MAX)));
        assert_eq!(s.expires_at, None);
        assert!(matches!(s.due(t0, true), Due::Nothing));
    }

    #[test]
    fn a_stored_token_is_reused_until_its_renewal_is_due() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let stored = StoredToken {
            set: TokenSet::new("a").with_expires_in(Duration::from_secs(3600)),
            issued_at: t0,
        };
        assert!(stored.usable(t0 + Duration::from_secs(3299)));
        assert!(!stored.usable(t0 + Duration::from_secs(3300)));
        // Taken 20 minutes after it was issued: 40 minutes left.
        let adopted = stored.adopt(t0 + Duration::from_secs(1200));
        assert_eq!(adopted.expires_in, Some(Duration::from_secs(2400)));
        assert_eq!(
            stored.adopt(t0 + Duration::from_secs(7200)).expires_in,
            Some(Duration::ZERO)
        );
        // No lifetime: good until replaced.
        let forever = StoredToken {
            set: TokenSet::new("a"),
            issued_at: t0,
        };
        assert!(forever.usable(t0 + Duration::from_secs(u32::MAX as u64)));
        assert_eq!(forever.adopt(t0).expires_in, None);
    }

    #[test]
    fn validation_is_due_hourly() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let mut s = State::new(Secret::new("a"), None);
        s.validate_at = Some(t0 + VALIDATE_EVERY);
        assert!(matches!(
            s.due(t0 + Duration::from_secs(3599), false),
            Due::Nothing
        ));
        assert!(matches!(
            s.due(t0 + Duration::from_secs(3600), false),
            Due::Validate
        ));
    }

    #[test]
    fn token_debug_is_redacted() {
        let t = UserToken::new("cid", "access-XYZ")
            .refresh_token("refresh-XYZ")
            .client_secret("secret-XYZ");
        let printed = format!("{t:?} {:?}", ClientCredentials::new("cid", "secret-XYZ"));
        assert!(!printed.contains("XYZ"), "{printed}");
        assert!(printed.contains("cid"));
    }

    #[test]
    fn token_response_parses_and_redacts() {
        let ok = OauthResponse::Ok(
            br#"{"access_token":"tok-XYZ","refresh_token":"ref-XYZ","expires_in":14000,"scope":["a","b"],"token_type":"bearer"}"#.to_vec(),
        );
        let set = token_response(ok, "x").unwrap();
        assert_eq!(set.access_token.expose(), "tok-XYZ");
        assert_eq!(set.expires_in, Some(Duration::from_secs(14000)));
        assert_eq!(set.scopes, Some(vec!["a".into(), "b".into()]));
        assert!(!format!("{set:?}").contains("XYZ"));

        let text = OauthResponse::Ok(br#"{"access_token":"t","scope":"a b"}"#.to_vec());
        assert_eq!(
            token_response(text, "x").unwrap().scopes,
            Some(vec!["a".into(), "b".into()])
        );

        let bad = OauthResponse::Ok(br#"{"access_token":"tok-XYZ","expires_in":"soon"}"#.to_vec());
        let err = token_response(bad, "x").unwrap_err().to_string();
        assert!(!err.contains("XYZ"), "{err}");
    }
}
