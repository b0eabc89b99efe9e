//! twitch-sdk: a typed async client for every Twitch Helix endpoint.
//!
//! (Crate docs are written in issue 5; this placeholder line is replaced there.)

#![deny(missing_docs)]

pub mod endpoint;
pub mod error;
pub mod request;

pub use error::{Error, Result};
