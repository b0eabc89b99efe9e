//! One token's session: the pipeline every call goes through.
//!
//! 1. Checks, before anything is sent: the operation accepts this token type, the user token
//!    carries the scopes, the arguments keep the spec's limits. Parameters that default to the
//!    token's user are filled in.
//! 2. A valid token (renewed or revalidated when due) and a point from the token's rate-limit
//!    bucket.
//! 3. One attempt; then, depending on the answer: done, renew the token after a 401 and try once
//!    more, wait for the bucket after a 429 (or fail at once when its reset is too far ahead), back off after a 5xx or a broken connection when
//!    the method allows it (see [`crate::retry`]), or fail with the mapped error.
//!
//! Each call runs in a `twitch_sdk` tracing span with the operation, method, path, attempt, status
//! and time spent waiting for the rate limit. Tokens are never recorded.

use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use reqwest::header::{self, HeaderMap, HeaderValue};
use tracing::Instrument;

use crate::auth::{TokenCell, UserInfo};
use crate::check;
use crate::decode;
use crate::endpoint::{Endpoint, HttpMethod};
use crate::error::{Error, Result, TokenErrorKind, TokenType};
use crate::http::{self, Http};
use crate::ratelimit::{Bucket, RateHeaders};
use crate::request::Request;
use crate::retry;

/// A token with its bucket, on a shared client.
pub(crate) struct Session {
    pub(crate) http: Arc<Http>,
    pub(crate) token: TokenCell,
    pub(crate) bucket: Arc<Bucket>,
    /// The `Client-Id` header, built once (`None`: the id cannot be a header value).
    client_id: Option<HeaderValue>,
}

impl Session {
    pub(crate) fn new(http: Arc<Http>, token: TokenCell) -> Self {
        let key = match token.user_info() {
            Some(user) => format!("user:{}:{}", token.client_id(), user.user_id),
            None => format!("app:{}", token.client_id()),
        };
        Session {
            bucket: http.bucket(key),
            client_id: HeaderValue::from_str(token.client_id()).ok(),
            http,
            token,
        }
    }

    /// `"app"` or `"user"`, for `Debug`.
    pub(crate) fn kind(&self) -> &'static str {
        if self.token.is_user() { "user" } else { "app" }
    }

    pub(crate) fn user_info(&self) -> Option<UserInfo> {
        self.token.user_info()
    }

    pub(crate) async fn validate_now(&self) -> Result<()> {
        self.token.validate_now(&self.http).await
    }

    pub(crate) async fn revoke(&self) -> Result<()> {
        self.token.revoke(&self.http).await
    }

    /// Checks and sends `req`; returns the body of the successful answer.
    pub(crate) async fn send(&self, mut req: Request) -> Result<(&'static Endpoint, Vec<u8>)> {
        let endpoint = req.endpoint();
        check::token_type(endpoint, !self.token.is_user()).map_err(|message| {
            let needed = if self.token.is_user() {
                TokenType::App
            } else {
                TokenType::User
            };
            Error::token(TokenErrorKind::WrongTokenType { needed }, message)
        })?;
        let user = self.token.user_info();
        if let Some(user) = &user {
            req.resolve_token_user(Some(&user.user_id));
            match (
                check::scopes(endpoint, &user.scopes),
                endpoint.scopes_partial,
            ) {
                (Ok(()), _) => {}
                // Twitch answers such a token with part of the result; the docs say which part.
                (Err(missing), Some(without)) => {
                    tracing::debug!(%missing, answer = without, "the token gets part of the answer");
                }
                (Err(missing), None) => {
                    let message = format!("{}: the user token is {missing}", endpoint.operation);
                    return Err(Error::token(
                        TokenErrorKind::MissingScopes(missing),
                        message,
                    ));
                }
            }
        }
        let body = req.body_json();
        let query = req.wire_query();
        check::arguments_with_reference(endpoint, &query, body.as_ref())?;
        if let Some(user) = &user {
            check::acting_user(endpoint, &user.user_id, &query, body.as_ref())?;
        }
        let body = body
            .map(|b| serde_json::to_vec(&b))
            .transpose()
            .map_err(|e| Error::InvalidArgument {
                name: "body".into(),
                reason: e.to_string(),
            })?;

        let url = http::join(&self.http.helix, endpoint.path, &query);
        let span = tracing::debug_span!(
            "twitch_sdk",
            operation = endpoint.operation,
            method = endpoint.method.as_str(),
            path = endpoint.path,
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
            wait_ms = tracing::field::Empty,
        );
        self.attempts(endpoint, url, body)
            .instrument(span)
            .await
            .map(|body| (endpoint, body))
    }

    async fn attempts(
        &self,
        endpoint: &'static Endpoint,
        url: reqwest::Url,
        body: Option<Vec<u8>>,
    ) -> Result<Vec<u8>> {
        let span = tracing::Span::current();
        let method = endpoint.method;
        let max = self.http.max_retries;
        let mut attempt = 0u32;
        let mut retries = 0u32; // 5xx and transport
        let mut limited = 0u32; // 429
        let mut renewed = false; // after a 401
        let mut waited = Duration::ZERO;
        let mut token = self.token.current(&self.http).await?;
        loop {
            attempt += 1;
            let (permit, wait) = self.bucket.acquire(|| self.http.clock.now()).await;
            waited += wait;
            span.record("attempt", attempt);
            span.record("wait_ms", waited.as_millis() as u64);

            let headers = self.headers(&token.token, body.is_some())?;
            let sent = self
                .http
                .send(wire_method(method), url.clone(), headers, body.clone())
                .await;
            let response = match sent {
                Ok(response) => response,
                Err(failure) => {
                    permit.finish(None, self.http.clock.now());
                    if retries < max && retry::retry_transport(failure.connect, method) {
                        let delay = self.http.backoff.delay(retries);
                        tracing::debug!(error = %failure.message, delay_ms = delay.as_millis() as u64, "no answer; retrying");
                        retries += 1;
                        tokio::time::sleep(delay).await;
                        continue;
                    }
                    return Err(failure.into_error(endpoint.operation));
                }
            };
            let rate = RateHeaders::from_headers(&response.headers);
            permit.finish(Some(rate), self.http.clock.now());
            let status = response.status;
            span.record("status", status);

            if (200..300).contains(&status) {
                return Ok(response.body);
            }
            match status {
                // A missing scope is not cured by a new token: report it at once.
                401 if !renewed
                    && self.token.can_renew()
                    && !decode::names_missing_scope(&response.body) =>
                {
                    tracing::debug!("401: renewing the token and retrying once");
                    renewed = true;
                    token = self.token.rejected(&self.http, &token).await?;
                    continue;
                }
                429 => {
                    let now = self.http.clock.now();
                    self.bucket.exhausted(rate, now);
                    let reset = rate.reset.or_else(|| self.bucket.reset_time());
                    let until_reset = reset.and_then(|r| r.duration_since(now).ok());
                    if limited < max && retry::wait_for_reset(until_reset, self.http.max_reset_wait)
                    {
                        limited += 1;
                        // With a reset ahead the bucket makes the next caller wait; otherwise back off.
                        if until_reset.is_none_or(|d| d.is_zero()) {
                            let delay = retry_after(&response.headers)
                                .unwrap_or_else(|| self.http.backoff.delay(limited - 1));
                            tracing::debug!(
                                delay_ms = delay.as_millis() as u64,
                                "429 without a reset ahead; backing off"
                            );
                            tokio::time::sleep(delay).await;
                        } else {
                            tracing::debug!("429: waiting for the bucket to reset");
                        }
                        token = self.token.current(&self.http).await?;
                        continue;
                    }
                    return Err(decode::status_error(
                        endpoint,
                        status,
                        &response.body,
                        reset,
                    ));
                }
                _ if retries < max && retry::retry_status(status, method) => {
                    let delay = self.http.backoff.delay(retries);
                    tracing::debug!(
                        status,
                        delay_ms = delay.as_millis() as u64,
                        "server error; retrying"
                    );
                    retries += 1;
                    tokio::time::sleep(delay).await;
                    token = self.token.current(&self.http).await?;
                    continue;
                }
                _ => return Err(decode::status_error(endpoint, status, &response.body, None)),
            }
        }
    }

    fn headers(&self, token: &crate::Secret, json: bool) -> Result<HeaderMap> {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, http::authorization("Bearer", token)?);
        let client_id = self.client_id.clone().ok_or_else(|| {
            Error::Config("the client id holds characters not allowed in a header".into())
        })?;
        headers.insert("client-id", client_id);
        if json {
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
        }
        Ok(headers)
    }
}

/// `Retry-After` in seconds, if the server sent one.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let secs: u64 = headers
        .get(header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(secs.min(300)))
}

fn wire_method(method: HttpMethod) -> Method {
    match method {
        HttpMethod::Get => Method::GET,
        HttpMethod::Post => Method::POST,
        HttpMethod::Put => Method::PUT,
        HttpMethod::Patch => Method::PATCH,
        HttpMethod::Delete => Method::DELETE,
    }
}
