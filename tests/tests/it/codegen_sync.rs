//! `cargo xtask codegen [--check]` logic on a throwaway workspace: writing brings it up to date,
//! and the check names every stale, missing and orphaned file and the command that fixes them.

use std::fs;
use std::path::{Path, PathBuf};

use twitch_codegen::sync::{self, Drift, DriftKind};

/// A fresh workspace under the system temp dir whose `spec/` is a copy of a fixture spec.
fn workspace(name: &str, case: &str) -> PathBuf {
    let root = std::env::temp_dir().join(format!("twitch-codegen-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&root);
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/specs")
        .join(case);
    copy_dir(&fixture, &root.join("spec"));
    root
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn drift(path: &str, kind: DriftKind) -> Drift {
    Drift {
        path: PathBuf::from(path),
        kind,
    }
}

#[test]
fn write_then_check_then_detect_drift() {
    let root = workspace("drift", "every_shape");

    let created = sync::write(&root).unwrap();
    assert!(created.iter().all(|d| d.kind == DriftKind::Missing));
    assert_eq!(created.len(), sync::outputs(&root).unwrap().len());
    assert_eq!(sync::check(&root).unwrap(), Vec::new());
    assert_eq!(sync::assert_up_to_date(&root), Ok(()));

    // Hand-edit one file, delete another, leave a stray one behind.
    let users = root.join("twitch-sdk/src/generated/users.rs");
    fs::write(&users, fs::read_to_string(&users).unwrap() + "// edited\n").unwrap();
    fs::remove_file(root.join("twitch-models/src/generated/clips.rs")).unwrap();
    fs::write(
        root.join("twitch-sdk/src/generated/old_group.rs"),
        "// gone\n",
    )
    .unwrap();

    let drifts = sync::check(&root).unwrap();
    assert_eq!(
        drifts,
        vec![
            drift("twitch-models/src/generated/clips.rs", DriftKind::Missing),
            drift("twitch-sdk/src/generated/old_group.rs", DriftKind::Orphaned),
            drift("twitch-sdk/src/generated/users.rs", DriftKind::Stale),
        ]
    );
    let report = sync::assert_up_to_date(&root).unwrap_err();
    for needle in [
        "twitch-models/src/generated/clips.rs: missing",
        "twitch-sdk/src/generated/old_group.rs: orphaned",
        "twitch-sdk/src/generated/users.rs: stale",
        "run `cargo xtask codegen`",
    ] {
        assert!(report.contains(needle), "{needle:?} not in:\n{report}");
    }

    // Editing a spec value without regenerating is caught too.
    let spec = root.join("spec/users.yaml");
    let text = fs::read_to_string(&spec)
        .unwrap()
        .replace("max: 100", "max: 99");
    fs::write(&spec, text).unwrap();
    sync::write(&root).unwrap();
    assert_eq!(sync::check(&root).unwrap(), Vec::new());
    assert!(!root.join("twitch-sdk/src/generated/old_group.rs").exists());
    let sdk_users = fs::read_to_string(&users).unwrap();
    assert!(sdk_users.contains("Limit::at_most(99)"), "{sdk_users}");

    let _ = fs::remove_dir_all(&root);
}

#[test]
fn a_bad_spec_is_reported_not_written() {
    let root = workspace("bad", "broken_refs");
    let error = sync::write(&root).unwrap_err().to_string();
    assert!(
        error.contains("spec/refs.yaml: endpoint `get-things`"),
        "{error}"
    );
    assert!(!root.join("twitch-sdk").exists());
    let report = sync::assert_up_to_date(&root).unwrap_err();
    assert!(report.contains("run `cargo xtask codegen`"), "{report}");
    let _ = fs::remove_dir_all(&root);
}
