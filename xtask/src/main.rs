//! Project automation, run as `cargo xtask <command>` (an alias in `.cargo/config.toml`).
//!
//! - `cargo xtask codegen`: regenerates `twitch-models/src/generated/` and
//!   `twitch-sdk/src/generated/` from `spec/`, deleting files the spec no longer produces.
//! - `cargo xtask codegen --check`: writes nothing; exits 1 naming every stale, missing or
//!   orphaned file. CI runs this, and so does the `codegen_up_to_date` test.
//!
//! A spec the generator rejects prints every problem (file, endpoint or model, field) and exits 1.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use twitch_codegen::sync;

const USAGE: &str = "usage: cargo xtask codegen [--check]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["codegen"] => codegen(false),
        ["codegen", "--check"] => codegen(true),
        ["help" | "--help" | "-h"] => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// The workspace root: the parent of this crate's directory.
fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map_or_else(|| manifest_dir.to_path_buf(), Path::to_path_buf)
}

fn codegen(check: bool) -> ExitCode {
    let root = workspace_root();
    let result = if check {
        sync::check(&root)
    } else {
        sync::write(&root)
    };
    match result {
        Ok(drifts) if check && !drifts.is_empty() => {
            eprintln!("{}", sync::drift_report(&drifts));
            ExitCode::FAILURE
        }
        Ok(drifts) if check => {
            let _ = drifts;
            println!("codegen: generated files are up to date");
            ExitCode::SUCCESS
        }
        Ok(drifts) => {
            for drift in &drifts {
                let verb = match drift.kind {
                    sync::DriftKind::Stale => "updated",
                    sync::DriftKind::Missing => "created",
                    sync::DriftKind::Orphaned => "deleted",
                };
                println!("{verb} {}", drift.path.display());
            }
            println!("codegen: {} file(s) changed", drifts.len());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
