//! The payloads of EventSub events: one struct per subscription type and version (plus the
//! nested objects they carry), generated from `spec/eventsub/*.yaml`.
//!
//! Decoding is lenient like the Helix models: fields Twitch adds later are ignored, and fields
//! Twitch may leave out or send as `null` are `Option`s.

#[rustfmt::skip]
mod generated;

pub use generated::*;
