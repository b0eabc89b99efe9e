#![doc = include_str!("lib.md")]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod endpoint;
pub mod error;
pub mod request;

#[cfg(feature = "mock")]
pub mod mock;

mod api;
mod auth;
mod check;
mod client;
mod clock;
mod decode;
pub mod eventsub;
#[cfg(feature = "redis")]
pub mod fleet;
mod glue;
mod http;
mod paginate;
mod ratelimit;
mod retry;
mod secret;
mod session;
mod shortcuts;

#[rustfmt::skip]
mod generated;

pub use api::{Api, AppApi, ResponseFuture, UserApi};
pub use auth::{ClientCredentials, TokenFuture, TokenProvider, TokenSet, UserToken};
pub use client::{Client, ClientBuilder};
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{Error, MissingScopes, Result, TokenError, TokenErrorKind, TokenType};
pub use generated::{ENDPOINTS, requests};
pub use paginate::{PageStream, Paginator};
pub use secret::Secret;
/// The `serde_json` this crate uses, for [`serde_json::Value`] in raw conditions and stand-in
/// replies, without adding the dependency yourself.
pub use serde_json;
/// The Helix models (`UserInfo`, `Clip`, ...), re-exported so one dependency is enough.
#[doc(inline)]
pub use twitch_models as models;

// Wrappers the fuzz targets in `fuzz/` call; only under `--cfg fuzzing` (set by `cargo fuzz`).
#[cfg(fuzzing)]
#[doc(hidden)]
#[path = "fuzz.rs"]
pub mod __fuzz;

// The decode paths `benches/runtime.rs` measures; only with the hidden `__bench` feature.
#[cfg(feature = "__bench")]
#[doc(hidden)]
pub mod __bench {
    use serde::de::DeserializeOwned;

    use crate::endpoint::Endpoint;

    /// The endpoint of `operation` (the first one when there is no such operation).
    pub fn endpoint(operation: &str) -> &'static Endpoint {
        crate::ENDPOINTS
            .iter()
            .copied()
            .find(|e| e.operation == operation)
            .unwrap_or(crate::ENDPOINTS[0])
    }

    /// What [`Api::list`](crate::Api::list) does with a response body.
    pub fn list<T: DeserializeOwned>(endpoint: &Endpoint, body: &[u8]) -> crate::Result<Vec<T>> {
        crate::decode::list(endpoint, &crate::decode::Policy::default(), body)
    }

    /// What a paginator does with a response body: the items and the next cursor.
    pub fn page<T: DeserializeOwned>(
        endpoint: &Endpoint,
        body: &[u8],
    ) -> crate::Result<(Vec<T>, Option<String>)> {
        crate::decode::page(endpoint, &crate::decode::Policy::default(), body)
    }
}
