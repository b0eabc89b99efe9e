#![doc = include_str!("lib.md")]
#![deny(missing_docs)]

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
mod http;
mod paginate;
mod ratelimit;
mod retry;
mod secret;
mod session;

#[rustfmt::skip]
mod generated;

pub use api::{Api, AppApi, ResponseFuture, UserApi};
pub use auth::{ClientCredentials, TokenFuture, TokenProvider, TokenSet, UserToken};
pub use client::{Client, ClientBuilder};
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{Error, Result};
pub use generated::{ENDPOINTS, requests};
pub use paginate::{PageStream, Paginator};
pub use secret::Secret;

// Wrappers the fuzz targets in `fuzz/` call; only under `--cfg fuzzing` (set by `cargo fuzz`).
#[cfg(fuzzing)]
#[doc(hidden)]
#[path = "fuzz.rs"]
pub mod __fuzz;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod testserver;
