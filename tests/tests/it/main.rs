//! The integration tests, as one test binary: each file of this folder is a module, so a change
//! to the runtime relinks one binary instead of one per test file. Run one file's tests with
//! `cargo test -p twitch-sdk-tests --test it <module>::` (`--test it runtime_retry::`).
//!
//! A new test file goes here (a `mod` line below) unless it changes something the whole process
//! shares, which the other tests of this binary would then see. Those keep a binary of their
//! own, a file directly in `tests/tests/`:
//! - process environment variables: `security_proxy.rs` sets `HTTP_PROXY` and friends, which
//!   every HTTP client built meanwhile would pick up;
//! - the global `tracing` subscriber: `runtime_decoding.rs`, `runtime_redaction.rs` and
//!   `security.rs` each install one and read what the whole process logged;
//! - insta snapshot names: `codegen_snapshots.rs` and `codegen_events_snapshots.rs` keep theirs,
//!   because insta names `tests/tests/snapshots/*.snap` after the test binary;
//! - wall-clock time: `fleet.rs` asserts that no call waits for a stalled Redis (each well under
//!   its 3-second stall), which tests running beside it in the same process can break on a
//!   loaded machine (seen: 7 s on 2 busy cores).
//!
//! Process-wide state that is safe to share stays here: the rustls crypto provider is installed
//! with `let _ = ...install_default()` (the first install wins and they are all the same).

#[path = "../support/mod.rs"]
mod support;

mod codegen_sync;
mod codegen_up_to_date;
mod coverage;
mod emote_templates;
mod eventsub_churn;
mod eventsub_conduit;
mod eventsub_events;
mod eventsub_helix;
mod eventsub_subscribe;
mod eventsub_webhook;
mod eventsub_ws;
mod every_method;
mod mock_server;
mod mock_spec;
mod mock_world;
mod models_roundtrip;
mod pinned_chat;
mod runtime_auth;
mod runtime_checks;
mod runtime_errors;
mod runtime_pagination;
mod runtime_ratelimit;
mod runtime_retry;
mod soak;
mod spec_diff;
