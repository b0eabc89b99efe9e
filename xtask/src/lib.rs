//! What `cargo xtask` shares with the tests: [`spec_diff`], the audit of the spec against a
//! Helix OpenAPI description (`cargo xtask spec-diff PATH`). It is an audit beside the
//! generator, so it lives here rather than in `twitch-codegen`, whose pipeline never uses it.
//! The commands themselves are in `main.rs`.

#![forbid(unsafe_code)]

pub mod spec_diff;
