//! The twitch-sdk generator: `spec/*.yaml` in, Rust source out.
//!
//! The pipeline runs in fixed stages, each in its own module:
//!
//! 1. [`load`]: read `spec/*.yaml` (sorted) into the serde mirror in [`spec`], and the example
//!    bodies in `spec/examples/`;
//! 2. [`validate`]: check every file and collect *all* problems as [`Diagnostic`]s naming the
//!    file, the endpoint or model, and the field; then [`bind`] it into the resolved spec
//!    (parsed types, resolved model references, each method's parameter bindings with their
//!    Rust names), the only input of the next stage;
//! 3. [`lower`]: turn the resolved spec into the [`ir`], where every decision (names via [`naming`],
//!    types, docs, order) is made;
//! 4. [`emit`]: print the IR with `quote!`, format it with `prettyplease`, prepend the header.
//!
//! [`generate`] runs the pipeline on any spec directory and returns the files it would write,
//! which is what the snapshot tests use; [`sync`] compares those files with a workspace on disk
//! and writes them, which is what `cargo xtask codegen [--check]` and the up-to-date test use.
//! Nothing here panics on a bad spec: every problem comes back as a [`Diagnostic`].
//!
//! EventSub (`spec/eventsub/`) runs through its own small pipeline in [`events`], whose files
//! are added to the same output.
//!
//! The spec-diff audit (`cargo xtask spec-diff PATH`, the spec against a Helix OpenAPI
//! description) is not a pipeline stage: it lives in xtask (`xtask/src/spec_diff.rs`) and reads
//! the spec through [`load`] like any other tool.

#![forbid(unsafe_code)]

pub mod bind;
pub mod diag;
pub mod emit;
pub mod events;
pub mod ir;
pub mod load;
pub mod lower;
pub mod naming;
pub mod spec;
pub mod sync;
pub mod types;
pub mod validate;

use std::path::{Path, PathBuf};

pub use diag::{Diagnostic, Diagnostics};
pub use sync::{Drift, DriftKind};

/// One generated file: its path relative to the workspace root, and its contents.
pub type Output = (PathBuf, String);

/// Runs the whole pipeline on the spec directory `spec_dir` (the folder holding `<group>.yaml`
/// files and `examples/`), returning the generated files sorted by path, or every problem found.
///
/// Paths in the result are relative to the workspace root (`twitch-sdk/src/generated/users.rs`).
/// Files are named `spec/<file>` in diagnostics and headers whatever the directory is called, so
/// the output does not depend on where the spec lives.
pub fn generate(spec_dir: &Path) -> Result<Vec<Output>, Diagnostics> {
    let loaded = load::load(spec_dir)?;
    let resolved = validate::validate(&loaded)?;
    let ir = lower::lower(&resolved)?;
    let mut outputs = emit::emit(&ir)?;
    outputs.extend(events::generate(spec_dir, &loaded)?);
    outputs.sort();
    Ok(outputs)
}
