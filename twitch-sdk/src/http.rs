//! The HTTP layer: one configured `reqwest` client, base URLs, and single attempts.
//!
//! - TLS is rustls with the `ring` provider and the platform's certificate verifier by default;
//!   the `rustls-aws-lc` and `native-tls` features choose the others.
//! - Redirects are never followed, so the `Authorization` header cannot travel to another host.
//! - Plain `http://` is refused except to loopback hosts (tests, the stand-in server) unless the
//!   builder explicitly allows it.
//! - No proxy unless the builder names one: `HTTP_PROXY`, `HTTPS_PROXY` and `ALL_PROXY` are
//!   ignored, and a named proxy carries only `https://` traffic (end-to-end TLS through a
//!   `CONNECT` tunnel), so a proxy never sees a token or the client secret in clear.
//! - URLs in errors and `Debug` output have their userinfo (`user:password@`) redacted.
//! - Tokens go in the `Authorization` header only, marked sensitive; never in a URL or a log.
//!
//! Retrying, rate limiting and token renewal sit above this module; here one call is one attempt
//! (the OAuth calls retry connection failures, which cannot have reached the server).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Method, Url};
use tracing::Instrument;

use crate::auth::SharedTokens;
use crate::clock::Clock;
use crate::decode;
use crate::error::{Error, Result, TokenErrorKind};
use crate::ratelimit::{Bucket, SharedBudget};
use crate::retry::Backoff;
use crate::secret::Secret;

/// The largest response body read. Helix answers are at most a few hundred KiB (a page of 100
/// items); anything this large is a broken or hostile server.
const MAX_BODY: usize = 16 << 20;

/// The client configuration every token session shares.
pub(crate) struct Http {
    pub(crate) client: reqwest::Client,
    pub(crate) helix: Url,
    pub(crate) oauth: Url,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) backoff: Backoff,
    pub(crate) max_retries: u32,
    /// The longest the SDK waits for a rate-limit reset; a 429 whose reset is further ahead
    /// fails at once, and no reset holds a bucket for longer.
    pub(crate) max_reset_wait: Duration,
    /// How answers that differ from the spec are read (strict or mended and reported).
    pub(crate) decoding: decode::Policy,
    /// Rate-limit buckets by token identity, shared by every handle of the same token.
    pub(crate) buckets: Mutex<HashMap<String, Weak<Bucket>>>,
    /// What is shared with other processes (a fleet); nothing by default.
    pub(crate) sharing: Sharing,
    /// The client for EventSub WebSocket handshakes.
    #[cfg(feature = "eventsub-ws")]
    pub(crate) websocket: WebSocketClient,
}

/// The stores a client shares with other processes: a rate-limit budget and a token store.
#[derive(Clone, Default)]
pub(crate) struct Sharing {
    pub(crate) budget: Option<Arc<dyn SharedBudget>>,
    pub(crate) tokens: Option<Arc<dyn SharedTokens>>,
}

impl std::fmt::Debug for Sharing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sharing")
            .field("budget", &self.budget.is_some())
            .field("tokens", &self.tokens.is_some())
            .finish()
    }
}

/// An answer with any status.
pub(crate) struct RawResponse {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

/// An attempt that got no answer.
#[derive(Debug)]
pub(crate) struct Transport {
    pub(crate) message: String,
    pub(crate) timeout: bool,
    /// The connection failed before the request was written: safe to retry any method.
    pub(crate) connect: bool,
}

impl Transport {
    pub(crate) fn into_error(self, endpoint: &'static str) -> Error {
        Error::Transport {
            endpoint,
            message: self.message,
            timeout: self.timeout,
        }
    }
}

/// What an OAuth endpoint said.
pub(crate) enum OauthResponse {
    /// 2xx with this body.
    Ok(Vec<u8>),
    /// Any other status, with Twitch's message.
    Rejected { status: u16, message: String },
}

/// Builds the `reqwest` client: TLS as the cargo features chose, no redirects, the timeout, and
/// no proxy but `https_proxy` (for `https://` URLs only).
pub(crate) fn client(timeout: Duration, https_proxy: Option<&str>) -> Result<reqwest::Client> {
    build(builder(timeout, https_proxy)?.timeout(timeout))
}

fn build(builder: reqwest::ClientBuilder) -> Result<reqwest::Client> {
    builder
        .build()
        .map_err(|e| Error::Config(format!("cannot build the HTTP client: {}", chain(&e))))
}

/// What the Helix client and the WebSocket client share: TLS, proxy, redirects, connect timeout
/// and user agent.
fn builder(timeout: Duration, https_proxy: Option<&str>) -> Result<reqwest::ClientBuilder> {
    // With `rustls-ring`, reqwest needs a process-wide rustls provider; keep one the application
    // installed.
    #[cfg(feature = "rustls-ring")]
    let _ = rustls::crypto::ring::default_provider().install_default();
    let builder = reqwest::Client::builder();
    // native-tls alone: say so, as reqwest prefers rustls when both are compiled in.
    #[cfg(all(
        feature = "native-tls",
        not(any(feature = "rustls-ring", feature = "rustls-aws-lc"))
    ))]
    let builder = builder.tls_backend_native();
    // `no_proxy` first: it drops the proxies reqwest read from the environment.
    let mut builder = builder.no_proxy();
    if let Some(url) = https_proxy {
        builder = builder.proxy(proxy(url)?);
    }
    Ok(builder
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .user_agent(concat!("twitch-sdk/", env!("CARGO_PKG_VERSION"))))
}

/// The client EventSub WebSocket handshakes go through: the Helix client's settings, HTTP/1.1
/// only (an upgrade needs it, whatever reqwest features the application turns on) and no
/// overall timeout. Built on first use, since most programs never open a WebSocket.
#[cfg(feature = "eventsub-ws")]
pub(crate) struct WebSocketClient {
    timeout: Duration,
    /// May hold proxy credentials: never printed.
    https_proxy: Option<String>,
    client: std::sync::OnceLock<reqwest::Client>,
}

#[cfg(feature = "eventsub-ws")]
impl WebSocketClient {
    pub(crate) fn new(timeout: Duration, https_proxy: Option<&str>) -> WebSocketClient {
        WebSocketClient {
            timeout,
            https_proxy: https_proxy.map(str::to_owned),
            client: std::sync::OnceLock::new(),
        }
    }

    /// The client (cheap to clone), or why it cannot be built.
    pub(crate) fn get(&self) -> Result<reqwest::Client> {
        if let Some(client) = self.client.get() {
            return Ok(client.clone());
        }
        let built = build(builder(self.timeout, self.https_proxy.as_deref())?.http1_only())?;
        // Two callers racing both build one; the first stored is kept.
        Ok(self.client.get_or_init(|| built).clone())
    }
}

/// A proxy for `https://` requests only: plain-HTTP requests never go through it.
fn proxy(value: &str) -> Result<reqwest::Proxy> {
    let shown = redact_userinfo(value);
    let url = Url::parse(value)
        .map_err(|e| Error::Config(format!("https_proxy `{shown}` is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(Error::Config(format!(
            "https_proxy `{shown}` must be an http:// or https:// proxy URL with a host"
        )));
    }
    reqwest::Proxy::https(url)
        .map_err(|e| Error::Config(format!("https_proxy `{shown}`: {}", chain(&e))))
}

/// `value` with any `user:password@` of its authority replaced by `[redacted]@`, for messages.
///
/// Works on text, so it also cleans a value that does not parse as a URL.
pub(crate) fn redact_userinfo(value: &str) -> String {
    let start = value.find("://").map_or(0, |i| i + 3);
    let authority_end = value[start..]
        .find(['/', '?', '#'])
        .map_or(value.len(), |i| start + i);
    match value[start..authority_end].rfind('@') {
        Some(at) => format!("{}[redacted]{}", &value[..start], &value[start + at..]),
        None => value.to_owned(),
    }
}

/// Parses a base URL: `https`, or `http` to a loopback host unless `allow_insecure`; no
/// credentials, query or fragment. Messages show the value with its userinfo redacted.
pub(crate) fn base_url(name: &str, value: &str, allow_insecure: bool) -> Result<Url> {
    let shown = redact_userinfo(value);
    let mut url = Url::parse(value)
        .map_err(|e| Error::Config(format!("{name} `{shown}` is not a URL: {e}")))?;
    match url.scheme() {
        "https" => {}
        "http" if allow_insecure || is_loopback(&url) => {}
        "http" => {
            return Err(Error::Config(format!(
                "{name} `{shown}` uses plain HTTP to a remote host; tokens would travel \
                 unencrypted (use https, or allow_insecure_http(true))"
            )));
        }
        other => {
            return Err(Error::Config(format!(
                "{name} `{shown}` has scheme `{other}`; expected https"
            )));
        }
    }
    if url.cannot_be_a_base() || url.host().is_none() {
        return Err(Error::Config(format!("{name} `{shown}` has no host")));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::Config(format!(
            "{name} `{shown}` must not carry credentials"
        )));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::Config(format!(
            "{name} `{shown}` must not carry a query or a fragment"
        )));
    }
    // Endpoint paths are appended to the base path.
    let path = url.path().trim_end_matches('/').to_owned();
    url.set_path(&path);
    Ok(url)
}

/// Whether `callback` is one Twitch can deliver webhooks to: `https://`, or plain `http://` to a
/// loopback host, which only a local stand-in can reach (real Twitch refuses it itself).
pub(crate) fn webhook_callback_allowed(callback: &str) -> bool {
    match Url::parse(callback) {
        Ok(url) if url.scheme() == "https" => url.host_str().is_some(),
        Ok(url) if url.scheme() == "http" => is_loopback(&url),
        _ => false,
    }
}

/// Whether `url` names a loopback address or `localhost`.
pub(crate) fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    }
}

/// `base` + `path` (+ query pairs).
pub(crate) fn join(base: &Url, path: &str, query: &[(&str, String)]) -> Url {
    let mut url = base.clone();
    let joined = format!(
        "{}/{}",
        base.path().trim_end_matches('/'),
        path.trim_start_matches('/')
    );
    url.set_path(&joined);
    if !query.is_empty() {
        url.query_pairs_mut()
            .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
    }
    url
}

/// `Authorization: <scheme> <token>`, marked sensitive so no debug output shows it.
pub(crate) fn authorization(scheme: &str, token: &Secret) -> Result<HeaderValue> {
    let mut value =
        HeaderValue::from_str(&format!("{scheme} {}", token.expose())).map_err(|_| {
            Error::token(
                TokenErrorKind::Invalid,
                "the access token holds characters not allowed in an HTTP header",
            )
        })?;
    value.set_sensitive(true);
    Ok(value)
}

/// The message of an error and its causes, joined.
pub(crate) fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

impl Http {
    /// The bucket for `key` (`app:<client id>` or `user:<client id>:<user id>`): Helix counts
    /// per app and per user, so handles of the same token share one.
    pub(crate) fn bucket(&self, key: String) -> Arc<Bucket> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        buckets.retain(|_, b| b.strong_count() > 0);
        if let Some(bucket) = buckets.get(&key).and_then(Weak::upgrade) {
            return bucket;
        }
        let shared = self.sharing.budget.clone().map(|b| (b, key.clone()));
        let bucket = Bucket::with_shared(self.max_reset_wait, shared);
        buckets.insert(key, Arc::downgrade(&bucket));
        bucket
    }

    /// One attempt.
    pub(crate) async fn send(
        &self,
        method: Method,
        url: Url,
        headers: HeaderMap,
        body: Option<Vec<u8>>,
    ) -> std::result::Result<RawResponse, Transport> {
        let mut builder = self.client.request(method, url).headers(headers);
        if let Some(body) = body {
            builder = builder.body(body);
        }
        let mut response = builder.send().await.map_err(transport)?;
        let status = response.status().as_u16();
        // Taken, not cloned: the body is read through `chunk`, which does not need them.
        let headers = std::mem::take(response.headers_mut());
        // Read at most `MAX_BODY`: a server streaming without end must not exhaust memory.
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport)? {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(Transport {
                    message: format!("the response body is larger than {} MiB", MAX_BODY >> 20),
                    timeout: false,
                    connect: false,
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(RawResponse {
            status,
            headers,
            body,
        })
    }

    /// `GET {oauth}/validate` with `token`.
    pub(crate) async fn validate(&self, token: &Secret) -> Result<OauthResponse> {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, authorization("OAuth", token)?);
        let url = join(&self.oauth, "/validate", &[]);
        self.oauth_call("oauth-validate", Method::GET, url, headers, None)
            .await
    }

    /// `POST {oauth}/token` with a form body.
    pub(crate) async fn token(&self, form: &[(&str, &str)]) -> Result<OauthResponse> {
        self.oauth_form("oauth-token", "/token", form).await
    }

    /// `POST {oauth}/revoke` with a form body (`client_id`, `token`).
    pub(crate) async fn revoke(&self, form: &[(&str, &str)]) -> Result<OauthResponse> {
        self.oauth_form("oauth-revoke", "/revoke", form).await
    }

    async fn oauth_form(
        &self,
        what: &'static str,
        path: &str,
        form: &[(&str, &str)],
    ) -> Result<OauthResponse> {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish()
            .into_bytes();
        let url = join(&self.oauth, path, &[]);
        self.oauth_call(what, Method::POST, url, headers, Some(body))
            .await
    }

    async fn oauth_call(
        &self,
        what: &'static str,
        method: Method,
        url: Url,
        headers: HeaderMap,
        body: Option<Vec<u8>>,
    ) -> Result<OauthResponse> {
        let idempotent = method == Method::GET;
        let mut retry = 0;
        loop {
            let span = tracing::debug_span!("twitch_oauth", call = what, attempt = retry + 1);
            let attempt = self.send(method.clone(), url.clone(), headers.clone(), body.clone());
            match attempt.instrument(span).await {
                Ok(r) if (200..300).contains(&r.status) => return Ok(OauthResponse::Ok(r.body)),
                Ok(r) if r.status >= 500 && idempotent && retry < self.max_retries => {}
                Ok(r) => {
                    return Ok(OauthResponse::Rejected {
                        status: r.status,
                        message: decode::error_message(&r.body)
                            .unwrap_or_else(|| decode::excerpt(&r.body)),
                    });
                }
                Err(t) if (t.connect || idempotent) && retry < self.max_retries => {
                    tracing::debug!(call = what, error = %t.message, "retrying");
                }
                Err(t) => return Err(t.into_error(what)),
            }
            tokio::time::sleep(self.backoff.delay(retry)).await;
            retry += 1;
        }
    }
}

fn transport(e: reqwest::Error) -> Transport {
    let timeout = e.is_timeout();
    let connect = e.is_connect() && !timeout;
    // Without the URL: it is ours anyway, and this keeps messages short.
    let e = e.without_url();
    let mut message = chain(&e);
    if timeout {
        message = format!("timed out ({message})");
    }
    Transport {
        message,
        timeout,
        connect,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls() {
        assert!(base_url("helix_url", "https://api.twitch.tv/helix", false).is_ok());
        assert!(base_url("helix_url", "http://127.0.0.1:8080/helix", false).is_ok());
        assert!(base_url("helix_url", "http://localhost:1/", false).is_ok());
        assert!(base_url("helix_url", "http://[::1]:1/", false).is_ok());
        let remote = base_url("helix_url", "http://api.twitch.tv/helix", false).unwrap_err();
        assert!(matches!(remote, Error::Config(_)), "{remote}");
        assert!(base_url("helix_url", "http://api.twitch.tv/helix", true).is_ok());
        assert!(base_url("helix_url", "ftp://x/", false).is_err());
        assert!(base_url("helix_url", "not a url", false).is_err());
        assert!(base_url("helix_url", "https://u:p@x/", false).is_err());
        assert!(base_url("helix_url", "https://x/helix#frag", false).is_err());
        assert!(base_url("helix_url", "https://x/helix#", false).is_err());
        assert!(base_url("helix_url", "https://x/helix?a=1", false).is_err());
    }

    #[test]
    fn userinfo_is_redacted_from_messages() {
        assert_eq!(
            redact_userinfo("https://u:pw@x.tv/a@b"),
            "https://[redacted]@x.tv/a@b"
        );
        assert_eq!(redact_userinfo("u:pw@x.tv"), "[redacted]@x.tv");
        assert_eq!(
            redact_userinfo("https://x.tv/p?q=a@b"),
            "https://x.tv/p?q=a@b"
        );
        for value in [
            "https://user:hunter2@api.twitch.tv/helix",
            "http://user:hunter2@example.com/helix",
            "https://user:hunter2@/helix",
            "ftp://user:hunter2@x/",
            "user:hunter2@api.twitch.tv",
            "https://user:hunter2@exa mple.com",
        ] {
            let err = base_url("helix_url", value, false).unwrap_err().to_string();
            assert!(!err.contains("hunter2"), "{err}");
        }
    }

    #[test]
    fn joins_paths_and_encodes_queries() {
        let base = base_url("h", "https://api.twitch.tv/helix/", false).unwrap();
        let url = join(
            &base,
            "/users",
            &[
                ("login", "a b".into()),
                ("id", "1&2".into()),
                ("id", "3".into()),
            ],
        );
        assert_eq!(
            url.as_str(),
            "https://api.twitch.tv/helix/users?login=a+b&id=1%262&id=3"
        );
        let root = base_url("h", "http://127.0.0.1:9", false).unwrap();
        assert_eq!(
            join(&root, "/token", &[]).as_str(),
            "http://127.0.0.1:9/token"
        );
    }

    #[test]
    fn authorization_is_sensitive() {
        let v = authorization("Bearer", &Secret::new("abc")).unwrap();
        assert!(v.is_sensitive());
        assert!(!format!("{v:?}").contains("abc"));
        assert!(authorization("Bearer", &Secret::new("a\nb")).is_err());
    }
}
