//! The EventSub half of the generator: `spec/eventsub/*.yaml` (subscription types, conditions,
//! event models) and `spec/examples/eventsub/` in; event models, typed subscriptions, the
//! `Event` enum and a test table out.
//!
//! Its own small pipeline, beside the Helix one: [`load`] -> [`resolve`] (validation that
//! returns the resolved IR, every decision made once) -> [`emit`] (printing only).

pub mod emit;
pub mod load;
pub mod resolve;
pub mod spec;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use proc_macro2::TokenStream;

use crate::Output;
use crate::diag::Diagnostics;

/// Where the event models go, relative to the workspace root.
pub const MODELS_DIR: &str = "twitch-models/src/events/generated";
/// Where the typed subscriptions and the `Event` enum go.
pub const SDK_DIR: &str = "twitch-sdk/src/eventsub/generated";
/// The test table's path.
pub const TESTS_FILE: &str = "tests/tests/generated/eventsub_types.rs";

/// The generated EventSub files of the spec at `spec_dir`; none when it has no `eventsub/`.
/// `helix` is the Helix spec as loaded (its models may be reused as `helix.<Model>`).
pub fn generate(spec_dir: &Path, helix: &crate::load::Loaded) -> Result<Vec<Output>, Diagnostics> {
    let helix: BTreeSet<String> = helix
        .files
        .iter()
        .flat_map(|f| &f.spec.models)
        .map(|m| m.name.clone())
        .collect();
    let Some(loaded) = load::load(spec_dir)? else {
        return Ok(Vec::new());
    };
    let ir = resolve::resolve(&loaded, &helix)?;
    let mut jobs: Vec<(String, String, TokenStream)> = Vec::new();
    for c in &ir.categories {
        if !c.models.is_empty() {
            jobs.push((
                format!("{MODELS_DIR}/{}.rs", c.module),
                c.source.clone(),
                emit::models_file(c),
            ));
        }
        if !c.subs.is_empty() {
            jobs.push((
                format!("{SDK_DIR}/{}.rs", c.module),
                c.source.clone(),
                emit::sdk_file(c),
            ));
        }
    }
    let all = "spec/eventsub/*.yaml".to_owned();
    jobs.push((
        format!("{MODELS_DIR}/mod.rs"),
        all.clone(),
        emit::models_mod(&ir),
    ));
    jobs.push((format!("{SDK_DIR}/mod.rs"), all.clone(), emit::sdk_mod(&ir)));
    jobs.push((format!("{SDK_DIR}/events.rs"), all, emit::events_file(&ir)));
    jobs.push((
        TESTS_FILE.to_owned(),
        "spec/eventsub/*.yaml and spec/examples/eventsub/*.request.json".to_owned(),
        emit::tests_file(&ir),
    ));
    let mut outputs = Vec::new();
    let mut problems = Vec::new();
    for (path, source, tokens) in jobs {
        match crate::emit::render(&source, &path, tokens) {
            Ok(text) => outputs.push((PathBuf::from(path), text)),
            Err(problem) => problems.push(problem),
        }
    }
    if problems.is_empty() {
        Ok(outputs)
    } else {
        Err(Diagnostics(problems))
    }
}
