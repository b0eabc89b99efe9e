//! Project automation, run as `cargo xtask <command>` (an alias in `.cargo/config.toml`).
//!
//! - `cargo xtask codegen`: regenerates `twitch-models/src/generated/`,
//!   `twitch-sdk/src/generated/` and `tests/tests/generated/` from `spec/`, deleting files the
//!   spec no longer produces.
//! - `cargo xtask codegen --check`: writes nothing; exits 1 naming every stale, missing or
//!   orphaned file. CI runs this, and so does the `codegen_up_to_date` test.
//! - `cargo xtask spec-diff PATH [--all]`: compares `spec/` with a Helix OpenAPI description
//!   (JSON) and prints, per operation, every difference no `spec-diff:` note in the spec
//!   explains (with `--all`, the explained ones too), then stale or malformed notes. Exits 0
//!   when everything is explained, 1 otherwise. See `spec_diff.rs` (this crate's library, which the
//!   tests use too) and spec/README.md.
//!
//! - `cargo xtask eventsub-diff DIR [--all]`: compares `spec/eventsub/` with Twitch's EventSub
//!   pages saved in DIR: types and versions missing on either side, and condition and event
//!   fields that differ, each explained by a spec note or reported (see `eventsub_diff.rs`).
//!
//! - `cargo xtask bench-compile [--reps N] [--no-cold]` and `cargo xtask bench-runtime
//!   [--quick]`: the comparisons with the `twitch_api` crate in scratch projects under
//!   `/tmp/twitch-sdk-bench` (see `bench.rs` and BENCHMARKS.md); `cargo xtask bench-chart`
//!   redraws `benchmarks.svg` from their saved results.
//!
//! A spec the generator rejects prints every problem (file, endpoint or model, field) and exits 1.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use twitch_codegen::sync;

mod bench;
mod chart;
mod eventsub_diff;

const USAGE: &str = "usage: cargo xtask codegen [--check]\n       cargo xtask spec-diff PATH [--all]\n       \
     cargo xtask eventsub-diff DIR [--all]\n       \
     cargo xtask bench-compile [--reps N] [--no-cold]\n       cargo xtask bench-runtime [--quick]\n       \
     cargo xtask bench-chart";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["codegen"] => codegen(false),
        ["codegen", "--check"] => codegen(true),
        ["spec-diff", path] => spec_diff(Path::new(path), false),
        ["spec-diff", path, "--all"] | ["spec-diff", "--all", path] => {
            spec_diff(Path::new(path), true)
        }
        ["eventsub-diff", dir] => eventsub_diff::run(Path::new(dir), false, &workspace_root()),
        ["eventsub-diff", dir, "--all"] | ["eventsub-diff", "--all", dir] => {
            eventsub_diff::run(Path::new(dir), true, &workspace_root())
        }
        ["bench-compile", rest @ ..] => bench::compile(rest, &workspace_root()),
        ["bench-runtime", rest @ ..] => bench::runtime(rest, &workspace_root()),
        ["bench-chart"] => match chart::redraw(&workspace_root()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("bench-chart: {e}");
                ExitCode::FAILURE
            }
        },
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

fn spec_diff(openapi_path: &Path, all: bool) -> ExitCode {
    let text = match std::fs::read_to_string(openapi_path) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("cannot read {}: {e}", openapi_path.display());
            return ExitCode::from(2);
        }
    };
    let openapi: serde_json::Value = match serde_json::from_str(&text) {
        Ok(value) => value,
        Err(e) => {
            eprintln!("{} is not JSON: {e}", openapi_path.display());
            return ExitCode::from(2);
        }
    };
    let loaded = match twitch_codegen::load::load(&workspace_root().join("spec")) {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let report = xtask::spec_diff::diff(&loaded, &openapi);
    let mut stdout = std::io::stdout().lock();
    let _ = write!(stdout, "{}", report.render(all));
    let _ = stdout.flush();
    eprintln!("{}", report.summary());
    if report.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
