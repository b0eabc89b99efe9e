//! Builds the decode table of the `decode_models` target from the SDK's generated code, and the
//! seed inputs that are derived from the spec.
//!
//! Every generated builder declares how it decodes in one glue macro call
//! (`send_as!(GetUsers, "get-users", list, models::UserInfo);`, `paged!(...)` for collected pages).
//! Reading those calls gives `(operation, shape, model)` for every operation the SDK has, so the
//! table never drifts from the spec: regenerate the SDK and the fuzz target follows.
//!
//! Seeds go to `seeds/generated/` (ignored by git): for `decode_models`, the table index byte
//! followed by the operation's example response from `spec/examples/`; for `spec`, the spec files.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest.parent().unwrap();
    let generated = root.join("twitch-sdk/src/generated");
    let spec = root.join("spec");
    println!("cargo:rerun-if-changed={}", generated.display());
    println!("cargo:rerun-if-changed={}", spec.display());

    let mut entries = BTreeMap::new();
    for path in rust_files(&generated) {
        println!("cargo:rerun-if-changed={}", path.display());
        scan(&fs::read_to_string(&path).unwrap(), &mut entries);
    }
    assert!(
        entries.len() > 100,
        "found only {} operations in {}",
        entries.len(),
        generated.display()
    );

    let mut table = String::from("static TABLE: &[Entry] = &[\n");
    for (operation, (shape, model)) in &entries {
        let call = match shape.as_str() {
            "none" => "|_, _| {}".to_owned(),
            "text" => "|_, b| text(b)".to_owned(),
            "collect" => format!("page::<twitch_models::{model}>"),
            "single" => format!("single::<twitch_models::{model}>"),
            "optional" => format!("optional::<twitch_models::{model}>"),
            "list" => format!("list::<twitch_models::{model}>"),
            "envelope" => format!("whole::<twitch_models::{model}>"),
            other => panic!("unknown response shape `{other}` for {operation}"),
        };
        writeln!(
            table,
            "    Entry {{ operation: {operation:?}, decode: {call} }},"
        )
        .unwrap();
    }
    table.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    fs::write(out.join("decode_table.rs"), table).unwrap();

    // Seeds.
    let seeds = manifest.join("seeds/generated");
    let decode_seeds = seeds.join("decode_models");
    let spec_seeds = seeds.join("spec");
    let _ = fs::remove_dir_all(&seeds);
    fs::create_dir_all(&decode_seeds).unwrap();
    fs::create_dir_all(&spec_seeds).unwrap();
    for (index, operation) in entries.keys().enumerate() {
        let Ok(example) = fs::read(spec.join("examples").join(format!("{operation}.json"))) else {
            continue;
        };
        let mut seed = vec![u8::try_from(index).expect("at most 256 operations")];
        seed.extend_from_slice(&example);
        fs::write(decode_seeds.join(operation), seed).unwrap();
    }
    for entry in fs::read_dir(&spec).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") {
            fs::copy(&path, spec_seeds.join(path.file_name().unwrap())).unwrap();
        }
    }
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    files
}

/// Reads the generated builders' glue: `send_as!(Builder, "operation", shape[, models::Model]);`
/// and `paged!(Builder, "operation", models::Model[, default limit]);` (which collects pages).
fn scan(source: &str, entries: &mut BTreeMap<String, (String, String)>) {
    let flat = source.split_whitespace().collect::<Vec<_>>().join(" ");
    for (macro_name, paged) in [("send_as!(", false), ("paged!(", true)] {
        let mut rest = flat.as_str();
        while let Some(at) = rest.find(macro_name) {
            let after = &rest[at + macro_name.len()..];
            let end = after
                .find(");")
                .unwrap_or_else(|| panic!("unterminated {macro_name}"));
            let args: Vec<&str> = after[..end]
                .split(',')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .collect();
            rest = &after[end..];
            let Some(operation) = args
                .get(1)
                .and_then(|a| a.strip_prefix('"')?.strip_suffix('"'))
            else {
                continue; // the macro's own definition, not a use
            };
            let model_of = |arg: Option<&&str>| {
                arg.map(|m| {
                    m.strip_prefix("models::")
                        .unwrap_or_else(|| panic!("unexpected type {m}"))
                        .to_owned()
                })
                .unwrap_or_default()
            };
            let (shape, model) = if paged {
                ("collect".to_owned(), model_of(args.get(2)))
            } else {
                (args[2].to_owned(), model_of(args.get(3)))
            };
            entries
                .entry(operation.to_owned())
                .or_insert((shape, model));
        }
    }
}
