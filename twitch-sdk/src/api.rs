//! The handles generated methods hang off: [`AppApi`], [`UserApi`], and the untyped [`Api`] that
//! sends any [`Request`] and decodes the answer in one of the response shapes the spec knows.
//! (`Api::collect`, which follows every page, lives beside the paginator in `paginate`.)

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde::de::DeserializeOwned;

use crate::endpoint::Endpoint;
use crate::error::Result;
use crate::request::Request;

/// The future every generated request builder turns into when awaited.
pub type ResponseFuture<T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'static>>;

/// Sends requests with one token; what [`AppApi`] and [`UserApi`] share.
///
/// Cheap to clone. Generated methods build a [`Request`] and hand it to one of the methods below,
/// which check it, send it (rate limited, retried, refreshing the token when needed) and decode
/// the answer.
#[derive(Clone)]
pub struct Api {
    pub(crate) inner: Arc<crate::session::Session>,
}

impl fmt::Debug for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Api")
            .field("token", &self.inner.kind())
            .finish()
    }
}

impl Api {
    /// The client EventSub WebSocket handshakes go through.
    #[cfg(feature = "eventsub-ws")]
    pub(crate) fn websocket_client(&self) -> crate::Result<reqwest::Client> {
        self.inner.http.websocket.get()
    }

    /// Sends `req` and ignores the body (`204 No Content` operations).
    pub fn none(&self, req: Request) -> ResponseFuture<()> {
        let session = self.inner.clone();
        Box::pin(async move { session.send(req).await.map(|_| ()) })
    }

    /// Sends `req` and decodes the one item of `data` (or `data` itself when it is an object).
    pub fn single<T: DeserializeOwned + Send + 'static>(&self, req: Request) -> ResponseFuture<T> {
        self.decoded(req, crate::decode::single)
    }

    /// Sends `req` and decodes the first item of `data`, if there is one.
    pub fn optional<T: DeserializeOwned + Send + 'static>(
        &self,
        req: Request,
    ) -> ResponseFuture<Option<T>> {
        self.decoded(req, crate::decode::optional)
    }

    /// Sends `req` and decodes every item of `data` (`null` or absent is an empty list).
    pub fn list<T: DeserializeOwned + Send + 'static>(
        &self,
        req: Request,
    ) -> ResponseFuture<Vec<T>> {
        self.decoded(req, crate::decode::list)
    }

    /// Sends `req` and decodes the whole body as `T`, for operations that answer outside `data`.
    pub fn envelope<T: DeserializeOwned + Send + 'static>(
        &self,
        req: Request,
    ) -> ResponseFuture<T> {
        self.decoded(req, crate::decode::whole)
    }

    /// Sends `req` and decodes the body with `decode`, one of the shapes of `crate::decode`.
    fn decoded<T, D>(&self, req: Request, decode: D) -> ResponseFuture<T>
    where
        T: Send + 'static,
        D: FnOnce(&Endpoint, &crate::decode::Policy, &[u8]) -> Result<T> + Send + 'static,
    {
        let session = self.inner.clone();
        Box::pin(async move {
            let (endpoint, body) = session.send(req).await?;
            decode(endpoint, &session.http.decoding, &body)
        })
    }

    /// Sends `req` and returns the body as text (for example an iCalendar file).
    pub fn text(&self, req: Request) -> ResponseFuture<String> {
        let session = self.inner.clone();
        Box::pin(async move {
            let (_, body) = session.send(req).await?;
            Ok(String::from_utf8_lossy(&body).into_owned())
        })
    }

    /// Sends `req` and decodes one page: the items, the cursor to the next, and the counts.
    pub(crate) async fn page<T: DeserializeOwned>(
        &self,
        req: Request,
    ) -> Result<crate::decode::Page<T>> {
        let (endpoint, body) = self.inner.send(req).await?;
        crate::decode::paged(endpoint, &self.inner.http.decoding, &body)
    }
}

/// Calls Helix with an app access token (client credentials).
///
/// Made by [`Client::app`](crate::Client::app). Cheap to clone; clones share the token and its rate
/// limit bucket.
#[derive(Clone, Debug)]
pub struct AppApi {
    pub(crate) api: Api,
}

impl AppApi {
    pub(crate) fn api(&self) -> Api {
        self.api.clone()
    }

    /// Revokes the app access token with Twitch (`POST /oauth2/revoke`), for an app that shuts
    /// down for good. Afterwards this handle and its clones fail every call with
    /// [`Error::Token`](crate::Error::Token); make a new one with [`Client::app`](crate::Client::app).
    pub async fn revoke(&self) -> Result<()> {
        self.api.inner.revoke().await
    }
}

/// Calls Helix with a user access token.
///
/// Made by [`Client::user`](crate::Client::user). Cheap to clone; clones share the token, its
/// refresh and its rate limit bucket.
#[derive(Clone, Debug)]
pub struct UserApi {
    pub(crate) api: Api,
}

impl UserApi {
    pub(crate) fn api(&self) -> Api {
        self.api.clone()
    }

    /// The token's user id, as `/validate` reported it.
    pub fn user_id(&self) -> String {
        self.api
            .inner
            .user_info()
            .map(|u| u.user_id)
            .unwrap_or_default()
    }

    /// The token's user login, as `/validate` reported it.
    pub fn login(&self) -> String {
        self.api
            .inner
            .user_info()
            .map(|u| u.login)
            .unwrap_or_default()
    }

    /// The scopes the token carries, as Twitch last reported them.
    pub fn scopes(&self) -> Vec<String> {
        self.api
            .inner
            .user_info()
            .map(|u| u.scopes)
            .unwrap_or_default()
    }

    /// Validates the token with Twitch now (the SDK also does so every hour on its own), refreshing
    /// it first when it is invalid and a refresh is possible.
    pub async fn validate(&self) -> Result<()> {
        self.api.inner.validate_now().await
    }

    /// Signs the user out: revokes the access token with Twitch (`POST /oauth2/revoke`) and forgets
    /// the access and refresh tokens. Afterwards this handle and its clones fail every call with
    /// [`Error::Token`](crate::Error::Token). Revoking again, or a token Twitch no longer knows,
    /// is not an error.
    pub async fn revoke(&self) -> Result<()> {
        self.api.inner.revoke().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_are_send_and_sync() {
        fn is_send_sync<T: Send + Sync>() {}
        is_send_sync::<Api>();
        is_send_sync::<AppApi>();
        is_send_sync::<UserApi>();
    }
}
