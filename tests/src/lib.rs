//! Test-only crate: see `tests/` for the generator snapshots and the loopback integration tests.
//!
//! The token type is checked by the compiler before the runtime ever could: a method exists
//! only on the handle whose token Helix accepts for it (`tests/runtime_checks.rs` covers the
//! run-time checks). Banning a user needs a user token, so `UserApi` has `ban_user`:
//!
//! ```no_run
//! async fn ban(user: twitch_sdk::UserApi) -> twitch_sdk::Result<()> {
//!     user.ban_user("9876").reason("spam").await.map(drop)
//! }
//! ```
//!
//! and `AppApi` has no such method (error E0599):
//!
//! ```compile_fail,E0599
//! async fn ban(app: twitch_sdk::AppApi) -> twitch_sdk::Result<()> {
//!     app.ban_user("9876").reason("spam").await.map(drop)
//! }
//! ```
