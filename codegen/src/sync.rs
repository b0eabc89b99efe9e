//! Generated files versus the workspace on disk: what `cargo xtask codegen` writes and what
//! `--check` (and the up-to-date test) compares.
//!
//! The generator owns [`OWNED_DIRS`]: every file there is either one it produces or an orphan it
//! deletes.

use std::fmt;
use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use crate::diag::Diagnostics;
use crate::emit::{MODELS_DIR, SDK_DIR, TESTS_DIR};
use crate::{Output, generate};

/// The folders whose every file the generator owns, relative to the workspace root.
pub const OWNED_DIRS: [&str; 5] = [
    MODELS_DIR,
    SDK_DIR,
    TESTS_DIR,
    crate::events::MODELS_DIR,
    crate::events::SDK_DIR,
];

/// The command that brings generated files up to date.
pub const FIX_COMMAND: &str = "cargo xtask codegen";

/// How a file on disk differs from what the spec generates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DriftKind {
    /// The contents differ.
    Stale,
    /// The file should exist and does not.
    Missing,
    /// The file is in a generated folder but the spec no longer produces it.
    Orphaned,
}

/// One out-of-date file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Drift {
    /// Relative to the workspace root.
    pub path: PathBuf,
    /// What is wrong with it.
    pub kind: DriftKind,
}

impl fmt::Display for Drift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            DriftKind::Stale => "stale (differs from what the spec generates)",
            DriftKind::Missing => "missing",
            DriftKind::Orphaned => "orphaned (the spec no longer generates it)",
        };
        write!(f, "{}: {what}", self.path.display())
    }
}

/// Why the workspace could not be checked or written.
#[derive(Debug)]
pub enum SyncError {
    /// The spec is invalid.
    Spec(Diagnostics),
    /// Reading or writing a file failed.
    Io(String),
}

impl fmt::Display for SyncError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyncError::Spec(diagnostics) => diagnostics.fmt(f),
            SyncError::Io(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for SyncError {}

/// The files the workspace at `root` should have (from `root/spec`).
pub fn outputs(root: &Path) -> Result<Vec<Output>, Diagnostics> {
    generate(&root.join("spec"))
}

/// Compares `outputs` with the files under `root`, sorted by path.
pub fn diff(root: &Path, outputs: &[Output]) -> Result<Vec<Drift>, SyncError> {
    let mut drifts = Vec::new();
    for (path, contents) in outputs {
        match fs::read(root.join(path)) {
            Ok(bytes) if bytes == contents.as_bytes() => {}
            Ok(_) => drifts.push(Drift {
                path: path.clone(),
                kind: DriftKind::Stale,
            }),
            Err(e) if e.kind() == ErrorKind::NotFound => drifts.push(Drift {
                path: path.clone(),
                kind: DriftKind::Missing,
            }),
            Err(e) => {
                return Err(SyncError::Io(format!(
                    "cannot read {}: {e}",
                    path.display()
                )));
            }
        }
    }
    for dir in OWNED_DIRS {
        let entries = match fs::read_dir(root.join(dir)) {
            Ok(entries) => entries,
            Err(e) if e.kind() == ErrorKind::NotFound => continue,
            Err(e) => return Err(SyncError::Io(format!("cannot read {dir}: {e}"))),
        };
        for entry in entries {
            let entry = entry.map_err(|e| SyncError::Io(format!("cannot read {dir}: {e}")))?;
            let path = Path::new(dir).join(entry.file_name());
            if entry.path().is_file() && !outputs.iter().any(|(p, _)| *p == path) {
                drifts.push(Drift {
                    path,
                    kind: DriftKind::Orphaned,
                });
            }
        }
    }
    drifts.sort();
    Ok(drifts)
}

/// What `cargo xtask codegen --check` does: generates from `root/spec` and compares, writing
/// nothing.
pub fn check(root: &Path) -> Result<Vec<Drift>, SyncError> {
    let outputs = outputs(root).map_err(SyncError::Spec)?;
    diff(root, &outputs)
}

/// What `cargo xtask codegen` does: generates from `root/spec`, writes what differs and deletes
/// orphans. Returns what it changed.
pub fn write(root: &Path) -> Result<Vec<Drift>, SyncError> {
    let outputs = outputs(root).map_err(SyncError::Spec)?;
    let drifts = diff(root, &outputs)?;
    let io = |path: &Path, e: std::io::Error| {
        SyncError::Io(format!("cannot write {}: {e}", path.display()))
    };
    for drift in &drifts {
        let full = root.join(&drift.path);
        match drift.kind {
            DriftKind::Orphaned => fs::remove_file(&full).map_err(|e| io(&drift.path, e))?,
            DriftKind::Stale | DriftKind::Missing => {
                if let Some(parent) = full.parent() {
                    fs::create_dir_all(parent).map_err(|e| io(&drift.path, e))?;
                }
                let contents = outputs
                    .iter()
                    .find(|(p, _)| *p == drift.path)
                    .map_or("", |(_, c)| c.as_str());
                fs::write(&full, contents).map_err(|e| io(&drift.path, e))?;
            }
        }
    }
    Ok(drifts)
}

/// The report for out-of-date files: one line per file, then the command that fixes them.
pub fn drift_report(drifts: &[Drift]) -> String {
    let mut report = String::from("generated code is out of date with spec/:\n");
    for drift in drifts {
        report.push_str(&format!("  {drift}\n"));
    }
    report.push_str(&format!(
        "run `{FIX_COMMAND}` to regenerate, then review and commit the diff"
    ));
    report
}

/// The up-to-date check as one call, for a `#[test]`: `Err` carries the full report.
pub fn assert_up_to_date(root: &Path) -> Result<(), String> {
    match check(root) {
        Ok(drifts) if drifts.is_empty() => Ok(()),
        Ok(drifts) => Err(drift_report(&drifts)),
        Err(e) => Err(format!("{e}\nfix the spec, then run `{FIX_COMMAND}`")),
    }
}
