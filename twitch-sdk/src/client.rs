//! [`Client`]: the shared configuration (base URLs, timeout, retries, clock) that makes
//! [`AppApi`] and [`UserApi`] handles.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::api::{Api, AppApi, UserApi};
use crate::auth::{ClientCredentials, TokenCell, UserToken};
use crate::clock::{Clock, SystemClock};
use crate::error::Result;
use crate::http::{self, Http, Sharing};
use crate::retry::Backoff;
use crate::session::Session;

const HELIX_URL: &str = "https://api.twitch.tv/helix";
const OAUTH_URL: &str = "https://id.twitch.tv/oauth2";

/// The entry point: holds the HTTP client and settings, and makes API handles per token.
///
/// Cheap to clone. One client can serve an app token and any number of user tokens; each token
/// gets its own rate-limit bucket.
///
/// ```no_run
/// # async fn run() -> twitch_sdk::Result<()> {
/// use twitch_sdk::{Client, ClientCredentials, UserToken};
///
/// let client = Client::builder().build()?;
/// let app = client.app(ClientCredentials::new("client-id", "client-secret")).await?;
/// let user = client
///     .user(UserToken::new("client-id", "access-token")
///         .refresh_token("refresh-token")
///         .client_secret("client-secret"))
///     .await?;
/// # let _ = (app, user);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Client {
    http: Arc<Http>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("helix_url", &self.http.helix.as_str())
            .field("oauth_url", &self.http.oauth.as_str())
            .field("max_retries", &self.http.max_retries)
            .finish()
    }
}

impl Client {
    /// A client with the default settings (Twitch's URLs, 30 s timeout, 3 retries).
    pub fn new() -> Result<Self> {
        Self::builder().build()
    }

    /// Settings for a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// An API handle with an app access token, fetched now with the client credentials.
    pub async fn app(&self, credentials: ClientCredentials) -> Result<AppApi> {
        let token = TokenCell::app(&self.http, credentials).await?;
        Ok(AppApi {
            api: Api {
                inner: Arc::new(Session::new(self.http.clone(), token)),
            },
        })
    }

    /// An API handle with a user access token, validated now with Twitch (and refreshed first
    /// when it is no longer valid and a refresh is possible).
    pub async fn user(&self, token: UserToken) -> Result<UserApi> {
        let token = TokenCell::user(&self.http, token).await?;
        Ok(UserApi {
            api: Api {
                inner: Arc::new(Session::new(self.http.clone(), token)),
            },
        })
    }
}

/// Settings for a [`Client`]; every one has a default.
///
/// `Debug` shows the URLs with any `user:password@` redacted.
#[derive(Clone)]
pub struct ClientBuilder {
    helix_url: String,
    oauth_url: String,
    timeout: Duration,
    max_retries: u32,
    retry_backoff: Duration,
    allow_insecure_http: bool,
    https_proxy: Option<String>,
    clock: Arc<dyn Clock>,
    max_rate_limit_wait: Duration,
    strict_decoding: bool,
    /// Set by `ClientBuilder::fleet` (the `redis` feature).
    pub(crate) sharing: Sharing,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("helix_url", &http::redact_userinfo(&self.helix_url))
            .field("oauth_url", &http::redact_userinfo(&self.oauth_url))
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("retry_backoff", &self.retry_backoff)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field(
                "https_proxy",
                &self.https_proxy.as_deref().map(http::redact_userinfo),
            )
            .field("clock", &self.clock)
            .field("max_rate_limit_wait", &self.max_rate_limit_wait)
            .field("strict_decoding", &self.strict_decoding)
            .field("sharing", &self.sharing)
            .finish()
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            helix_url: HELIX_URL.into(),
            oauth_url: OAUTH_URL.into(),
            timeout: Duration::from_secs(30),
            max_retries: 3,
            retry_backoff: Duration::from_millis(500),
            allow_insecure_http: false,
            https_proxy: None,
            clock: Arc::new(SystemClock),
            max_rate_limit_wait: crate::ratelimit::MAX_RESET_WAIT,
            strict_decoding: false,
            sharing: Sharing::default(),
        }
    }
}

impl ClientBuilder {
    /// The Helix base URL. Default `https://api.twitch.tv/helix`.
    pub fn helix_url(mut self, url: impl Into<String>) -> Self {
        self.helix_url = url.into();
        self
    }

    /// The OAuth base URL (`/token`, `/validate`). Default `https://id.twitch.tv/oauth2`.
    pub fn oauth_url(mut self, url: impl Into<String>) -> Self {
        self.oauth_url = url.into();
        self
    }

    /// How long one attempt may take, connecting through reading the body. Default 30 s.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How many times a call is retried after a 429, and separately after a 5xx or a broken
    /// connection (idempotent methods only). Default 3.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// The first backoff between retries; it doubles each time (with jitter). Default 500 ms.
    pub fn retry_backoff(mut self, backoff: Duration) -> Self {
        self.retry_backoff = backoff;
        self
    }

    /// Allows plain `http://` URLs to hosts other than loopback. Tokens then travel
    /// unencrypted; only for test setups. Default `false`.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Sends `https://` requests through the HTTP proxy at `url` (`http://host:port`, with
    /// `user:password@` for a proxy that wants them). Default: no proxy.
    ///
    /// The SDK never reads `HTTP_PROXY`, `HTTPS_PROXY` or `ALL_PROXY` from the environment: a
    /// proxy is used only when named here. It carries only `https://` traffic, tunnelled with
    /// `CONNECT` so TLS runs end to end and the proxy never sees a token; plain `http://`
    /// requests (loopback test servers, or hosts allowed by
    /// [`allow_insecure_http`](Self::allow_insecure_http)) always go direct.
    pub fn https_proxy(mut self, url: impl Into<String>) -> Self {
        self.https_proxy = Some(url.into());
        self
    }

    /// The longest a call waits for a rate-limit bucket to refill. A 429 whose
    /// `Ratelimit-Reset` lies further ahead fails at once with [`Error::RateLimited`]
    /// (see [`Error::retry_after`]) instead of sleeping, and no single response holds a token's
    /// bucket for longer than this. Default 65 s: Helix's one-minute window plus a little skew.
    ///
    /// [`Error::RateLimited`]: crate::Error::RateLimited
    /// [`Error::retry_after`]: crate::Error::retry_after
    pub fn max_rate_limit_wait(mut self, wait: Duration) -> Self {
        self.max_rate_limit_wait = wait;
        self
    }

    /// Makes every difference between an answer and the spec a [`Error::Decode`].
    ///
    /// By default (`false`) the SDK reads what Twitch really sends: a field that is `null`, `""`
    /// or missing where the spec declares a value becomes that type's empty value (`[]`, `""`,
    /// `0`, `false`, the Unix epoch for a timestamp), a key spelled in another case is read
    /// under its name, and each such deviation is logged once per operation and field path as a
    /// `tracing` warning. Only an item's `id` is never made up. Strict mode is for tests over
    /// Twitch's documented examples, where a deviation means the spec is wrong. `data: null` is
    /// an empty answer in both modes.
    ///
    /// [`Error::Decode`]: crate::Error::Decode
    pub fn strict_decoding(mut self, strict: bool) -> Self {
        self.strict_decoding = strict;
        self
    }

    /// The clock token expiry, hourly validation and rate-limit resets are judged by.
    /// Default the system clock; tests can pass a [`ManualClock`](crate::ManualClock).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Checks the settings and builds the client.
    ///
    /// With the default `rustls-ring` feature, installs rustls' `ring` crypto provider as the
    /// process default unless one is installed.
    pub fn build(self) -> Result<Client> {
        let helix = http::base_url("helix_url", &self.helix_url, self.allow_insecure_http)?;
        let oauth = http::base_url("oauth_url", &self.oauth_url, self.allow_insecure_http)?;
        let client = http::client(self.timeout, self.https_proxy.as_deref())?;
        Ok(Client {
            http: Arc::new(Http {
                client,
                helix,
                oauth,
                clock: self.clock,
                backoff: Backoff {
                    base: self.retry_backoff,
                },
                max_retries: self.max_retries,
                max_reset_wait: self.max_rate_limit_wait,
                decoding: crate::decode::Policy::new(self.strict_decoding),
                buckets: Default::default(),
                sharing: self.sharing,
                #[cfg(feature = "eventsub-ws")]
                websocket: http::WebSocketClient::new(self.timeout, self.https_proxy.as_deref()),
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    #[test]
    fn builds_with_defaults_and_refuses_insecure_remote_urls() {
        let client = Client::builder().build().unwrap();
        let printed = format!("{client:?}");
        assert!(printed.contains("https://api.twitch.tv/helix"), "{printed}");
        assert!(printed.contains("https://id.twitch.tv/oauth2"), "{printed}");
        let err = Client::builder()
            .helix_url("http://example.com/helix")
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::Config(_)));
        Client::builder()
            .helix_url("http://example.com/helix")
            .allow_insecure_http(true)
            .build()
            .unwrap();
        Client::builder()
            .helix_url("http://127.0.0.1:1/helix")
            .oauth_url("http://127.0.0.1:1/oauth2")
            .build()
            .unwrap();
    }

    #[test]
    fn a_proxy_must_be_an_http_proxy_url() {
        Client::builder()
            .https_proxy("http://user:pw@127.0.0.1:3128")
            .build()
            .unwrap();
        for bad in ["not a url", "socks5://127.0.0.1:1080", "file:///tmp/proxy"] {
            let err = Client::builder().https_proxy(bad).build().unwrap_err();
            assert!(
                matches!(&err, Error::Config(m) if m.contains("https_proxy")),
                "{bad}: {err}"
            );
        }
    }
}
