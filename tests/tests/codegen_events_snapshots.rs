//! Snapshot tests of the EventSub half of the generator (`twitch_codegen::events`) on small
//! fixture specs in `tests/fixtures/specs/events_*`.
//!
//! `events_shapes` covers an argument condition, token-user and one-of fields, a beta type with
//! both scope lists, a webhook-only batched deprecated type, a model shared across categories,
//! renamed and optional fields: each generated file is one snapshot. `events_broken` is invalid
//! on purpose; its validation report (every problem, each naming file, type or model, and field)
//! is the snapshot. Review changes with `cargo insta review`.

use std::path::{Path, PathBuf};

use twitch_codegen::load::load;

fn fixture(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/specs")
        .join(case)
}

/// The EventSub files of a fixture spec (with no Helix models of its own).
fn generate(dir: &Path) -> Result<Vec<twitch_codegen::Output>, twitch_codegen::Diagnostics> {
    twitch_codegen::events::generate(dir, &load(dir)?)
}

#[test]
fn event_shapes_generate_each_file() {
    let outputs = generate(&fixture("events_shapes")).unwrap_or_else(|e| panic!("{e}"));
    let listing: Vec<String> = outputs
        .iter()
        .map(|(p, _)| p.display().to_string())
        .collect();
    insta::assert_snapshot!("events_shapes__files", listing.join("\n"));
    for (path, text) in &outputs {
        let name = path.to_string_lossy().replace('/', "__");
        insta::assert_snapshot!(format!("events_shapes__{name}"), text);
    }
}

#[test]
fn broken_event_specs_are_reported() {
    let report = match generate(&fixture("events_broken")) {
        Ok(outputs) => panic!("broken on purpose but generated {} files", outputs.len()),
        Err(diagnostics) => diagnostics.to_string(),
    };
    insta::assert_snapshot!("events_broken__report", report);
}

#[test]
fn a_spec_without_eventsub_generates_nothing() {
    let outputs = generate(&fixture("every_shape")).unwrap_or_else(|e| panic!("{e}"));
    assert!(outputs.is_empty(), "{} files", outputs.len());
}
