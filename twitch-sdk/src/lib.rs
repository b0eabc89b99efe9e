//! twitch-sdk: a typed async client for every Twitch Helix endpoint.
//!
//! (Crate docs are written in issue 5; this placeholder line is replaced there.)

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

#[cfg(test)]
mod testserver;
#[cfg(test)]
mod tests;
