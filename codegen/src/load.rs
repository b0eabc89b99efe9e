//! Stage 1: read the spec directory.
//!
//! `<dir>/*.yaml` are parsed (sorted by file name) into [`SpecFile`]s; unknown keys are parse
//! errors, reported with the file name and serde's line and column. `<dir>/examples/*.json` are
//! the example response bodies (`<operation>.json`) and request bodies
//! (`<operation>.request.json`); they are checked to be JSON and minified here.

use std::fs;
use std::path::Path;

use crate::diag::{Diagnostic, Diagnostics};
use crate::spec::SpecFile;

/// A parsed spec file.
#[derive(Debug, Clone)]
pub struct LoadedFile {
    /// `spec/<name>.yaml`, as diagnostics and headers name it.
    pub display: String,
    /// The file stem, which must equal the group.
    pub stem: String,
    /// The contents.
    pub spec: SpecFile,
}

/// An example body from `spec/examples/`.
#[derive(Debug, Clone)]
pub struct Example {
    /// `spec/examples/<name>`.
    pub display: String,
    /// The operation it belongs to (the file name without `.json` / `.request.json`).
    pub operation: String,
    /// A request body (`.request.json`) rather than a response body.
    pub request: bool,
    /// The JSON, with insignificant whitespace removed.
    pub json: String,
}

/// Everything read from a spec directory.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    /// Spec files, sorted by file name.
    pub files: Vec<LoadedFile>,
    /// Example bodies, sorted by file name.
    pub examples: Vec<Example>,
}

/// Reads and parses `spec_dir`. Returns every read or parse problem at once.
pub fn load(spec_dir: &Path) -> Result<Loaded, Diagnostics> {
    let mut problems = Vec::new();
    let mut loaded = Loaded::default();

    let names = match list_dir(spec_dir) {
        Ok(names) => names,
        Err(message) => return Err(Diagnostic::file("spec", message).into()),
    };
    for name in names {
        let display = format!("spec/{name}");
        if name.ends_with(".yml") {
            problems.push(Diagnostic::file(
                display,
                "spec files must end in `.yaml`; rename the file",
            ));
            continue;
        }
        let Some(stem) = name.strip_suffix(".yaml") else {
            continue;
        };
        let text = match fs::read_to_string(spec_dir.join(&name)) {
            Ok(text) => text,
            Err(e) => {
                problems.push(Diagnostic::file(display, format!("cannot read: {e}")));
                continue;
            }
        };
        match serde_yaml::from_str::<SpecFile>(&text) {
            Ok(spec) => loaded.files.push(LoadedFile {
                display,
                stem: stem.to_owned(),
                spec,
            }),
            Err(e) => problems.push(Diagnostic::file(display, format!("cannot parse: {e}"))),
        }
    }

    let examples_dir = spec_dir.join("examples");
    if examples_dir.is_dir() {
        match list_dir(&examples_dir) {
            Ok(names) => {
                for name in names {
                    if let Some(example) = load_example(&examples_dir, &name, &mut problems) {
                        loaded.examples.push(example);
                    }
                }
            }
            Err(message) => problems.push(Diagnostic::file("spec/examples", message)),
        }
    }

    if problems.is_empty() {
        Ok(loaded)
    } else {
        Err(Diagnostics(problems))
    }
}

fn load_example(dir: &Path, name: &str, problems: &mut Vec<Diagnostic>) -> Option<Example> {
    let display = format!("spec/examples/{name}");
    let (operation, request) = if let Some(op) = name.strip_suffix(".request.json") {
        (op, true)
    } else if let Some(op) = name.strip_suffix(".json") {
        (op, false)
    } else {
        problems.push(Diagnostic::file(
            display,
            "only `<operation>.json` and `<operation>.request.json` belong in spec/examples",
        ));
        return None;
    };
    let text = match fs::read_to_string(dir.join(name)) {
        Ok(text) => text,
        Err(e) => {
            problems.push(Diagnostic::file(display, format!("cannot read: {e}")));
            return None;
        }
    };
    if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(&text) {
        problems.push(Diagnostic::file(display, format!("not valid JSON: {e}")));
        return None;
    }
    Some(Example {
        display,
        operation: operation.to_owned(),
        request,
        json: minify_json(&text),
    })
}

/// File names in `dir`, sorted; hidden files are skipped.
fn list_dir(dir: &Path) -> Result<Vec<String>, String> {
    let entries =
        fs::read_dir(dir).map_err(|e| format!("cannot read directory {}: {e}", dir.display()))?;
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read directory {}: {e}", dir.display()))?;
        if let Some(name) = entry.file_name().to_str()
            && !name.starts_with('.')
            && entry.path().is_file()
        {
            names.push(name.to_owned());
        }
    }
    names.sort();
    Ok(names)
}

/// Removes whitespace outside strings from valid JSON, keeping everything else byte for byte
/// (key order and number spelling included, unlike a parse and re-serialise).
pub fn minify_json(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in text.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !c.is_whitespace() {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::minify_json;

    #[test]
    fn minify_keeps_strings() {
        let text = "{ \"a b\": [1, 2.50],\n  \"c\": \"x \\\" y\" }\n";
        assert_eq!(minify_json(text), "{\"a b\":[1,2.50],\"c\":\"x \\\" y\"}");
    }
}
