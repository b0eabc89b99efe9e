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

/// What the child-process binaries (`fleet_worker`, `churn_client`) share: settings read from the
/// environment their parent test sets, the SDK's log on stderr, and how they end.
pub mod child {
    use std::process::ExitCode;

    /// The environment variable `name`, which the parent must set.
    pub fn var(name: &str) -> Result<String, String> {
        std::env::var(name).map_err(|_| format!("{name} is not set"))
    }

    /// The number in the environment variable `name`, or `default` when it is not set.
    pub fn number(name: &str, default: u64) -> Result<u64, String> {
        match std::env::var(name) {
            Ok(v) => v.parse().map_err(|_| format!("{name} is not a number")),
            Err(_) => Ok(default),
        }
    }

    /// Sends the SDK's log records at `level` and above to stderr (stdout is the parent's).
    pub fn log_to_stderr(level: tracing_subscriber::filter::LevelFilter) {
        tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_max_level(level)
            .init();
    }

    /// The exit code for how the child's run ended; a failure is printed first, named after the
    /// binary.
    pub fn exit(binary: &str, ran: Result<(), String>) -> ExitCode {
        match ran {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("{binary}: {message}");
                ExitCode::FAILURE
            }
        }
    }
}
