//! The committed generated code matches `spec/`: the same check as `cargo xtask codegen --check`,
//! so a plain `cargo test` fails when someone edits the spec and forgets to regenerate.

use std::path::Path;
use std::time::Instant;

#[test]
fn generated_code_is_up_to_date() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate sits in the workspace root");
    if let Err(report) = twitch_codegen::sync::assert_up_to_date(root) {
        panic!("{report}");
    }
}

#[test]
fn generating_the_whole_spec_is_fast() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate sits in the workspace root");
    let start = Instant::now();
    let outputs = twitch_codegen::sync::outputs(root).unwrap_or_else(|e| panic!("{e}"));
    let elapsed = start.elapsed();
    // Generous for an unoptimised test build on a busy CI machine; a release build is far faster.
    assert!(
        elapsed.as_secs_f64() < 10.0,
        "generating {} files took {elapsed:?}",
        outputs.len()
    );
}
