//! Coverage cannot silently regress: the spec holds every Helix operation, and every method of
//! the reference library on the API class(es) the reference library has it on.
//!
//! Both lists are fixtures copied from the reference material, so the test needs nothing outside
//! the repository:
//!
//! - `tests/fixtures/helix-operations.tsv`: the Helix operations (operation id, method, path,
//!   ...), one per row after the header: the reference material's 144 plus the 4 pinned-chat
//!   operations Twitch added in 2026 (marked by a comment line);
//! - `tests/fixtures/reference-methods.tsv`: the reference library's 120 method names, the
//!   classes that have each (`app` = `AppAPI`, `user` = `UserAPI`) and the operation it calls.
//!
//! The spec side comes from `spec/` through `twitch_codegen`'s loader and validator.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use twitch_codegen::load::{Loaded, load};
use twitch_codegen::spec::TokenType;
use twitch_codegen::validate::validate;

/// The reference material's 144 operations plus Twitch's 4 pinned-chat operations of 2026.
const HELIX_OPERATIONS: usize = 144 + 4;

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn spec() -> Loaded {
    let dir: PathBuf = manifest_dir().join("../spec");
    let loaded = load(&dir).unwrap_or_else(|e| panic!("{e}"));
    if let Err(e) = validate(&loaded) {
        panic!("{e}");
    }
    loaded
}

/// The rows of a tab-separated fixture (comment lines starting with `#` and the header skipped),
/// each as a column-name -> value map.
fn tsv(name: &str) -> Vec<BTreeMap<String, String>> {
    let path = manifest_dir().join("fixtures").join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut lines = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty());
    let header: Vec<&str> = lines
        .next()
        .unwrap_or_else(|| panic!("{name} is empty"))
        .split('\t')
        .collect();
    lines
        .map(|line| {
            header
                .iter()
                .zip(line.split('\t'))
                .map(|(k, v)| ((*k).to_owned(), v.to_owned()))
                .collect()
        })
        .collect()
}

fn col<'a>(row: &'a BTreeMap<String, String>, name: &str) -> &'a str {
    row.get(name)
        .map(String::as_str)
        .unwrap_or_else(|| panic!("row without `{name}`: {row:?}"))
}

fn class_name(class: TokenType) -> &'static str {
    match class {
        TokenType::App => "app",
        TokenType::User => "user",
    }
}

#[test]
fn spec_covers_every_helix_operation() {
    let helix: BTreeMap<(String, String), String> = tsv("helix-operations.tsv")
        .iter()
        .map(|row| {
            (
                (
                    col(row, "http_method").to_owned(),
                    col(row, "path").to_owned(),
                ),
                col(row, "operationId").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        helix.len(),
        HELIX_OPERATIONS,
        "the fixture lists {HELIX_OPERATIONS} distinct operations"
    );

    let mut ours: BTreeMap<(String, String), String> = BTreeMap::new();
    for file in &spec().files {
        for e in &file.spec.endpoints {
            let key = (e.method.as_str().to_owned(), e.path.clone());
            ours.insert(key, e.operation.clone());
        }
    }

    let mut problems = Vec::new();
    for ((method, path), operation) in &helix {
        match ours.get(&(method.clone(), path.clone())) {
            None => problems.push(format!("missing: {method} {path} ({operation})")),
            Some(ours) if ours != operation => problems.push(format!(
                "{method} {path}: the spec calls it `{ours}`, Helix `{operation}`"
            )),
            Some(_) => {}
        }
    }
    for ((method, path), operation) in &ours {
        if !helix.contains_key(&(method.clone(), path.clone())) {
            problems.push(format!(
                "extra: {method} {path} ({operation}) is not a Helix operation"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "the spec's (method, path) pairs differ from the {HELIX_OPERATIONS} Helix operations:\n  {}",
        problems.join("\n  ")
    );
    assert_eq!(ours.len(), HELIX_OPERATIONS);
}

#[test]
fn every_reference_method_is_on_its_classes() {
    let reference = tsv("reference-methods.tsv");
    assert_eq!(reference.len(), 120, "the fixture lists 120 method names");

    // (class, method name or alias) -> operation.
    let mut ours: BTreeMap<(&'static str, String), String> = BTreeMap::new();
    let spec = spec();
    for file in &spec.files {
        for e in &file.spec.endpoints {
            for m in &e.methods {
                for class in &m.api {
                    for name in std::iter::once(&m.name).chain(&m.aliases) {
                        ours.insert((class_name(*class), name.clone()), e.operation.clone());
                    }
                }
            }
        }
    }

    let mut problems = Vec::new();
    let mut entries = 0;
    for row in &reference {
        let name = col(row, "method");
        let operation = col(row, "operation");
        let classes: BTreeSet<&str> = col(row, "classes").split(',').collect();
        for class in classes {
            entries += 1;
            let class = match class {
                "app" => TokenType::App,
                "user" => TokenType::User,
                other => panic!("unknown class `{other}` in reference-methods.tsv"),
            };
            let api = match class {
                TokenType::App => "AppApi",
                TokenType::User => "UserApi",
            };
            match ours.get(&(class_name(class), name.to_owned())) {
                None => problems.push(format!("{api}::{name} is missing (calls {operation})")),
                Some(ours) if ours != operation => problems.push(format!(
                    "{api}::{name} calls `{ours}`; the reference library's calls `{operation}`"
                )),
                Some(_) => {}
            }
        }
    }
    assert_eq!(
        entries, 147,
        "54 AppAPI and 93 UserAPI entries in the fixture"
    );
    assert!(
        problems.is_empty(),
        "reference-library methods missing from the spec or on the wrong operation:\n  {}",
        problems.join("\n  ")
    );
}

#[test]
fn every_accepted_token_type_has_a_method() {
    let mut problems = Vec::new();
    for file in &spec().files {
        for e in &file.spec.endpoints {
            for token in &e.tokens {
                if !e.methods.iter().any(|m| m.api.contains(token)) {
                    problems.push(format!(
                        "{}: Helix accepts {} tokens but no method is on {}",
                        e.operation,
                        class_name(*token),
                        match token {
                            TokenType::App => "AppApi",
                            TokenType::User => "UserApi",
                        }
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
