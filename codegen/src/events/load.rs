//! Reading `spec/eventsub/*.yaml` and `spec/examples/eventsub/*.json`.
//!
//! Example files are `<type>.v<version>[.<n>].json` (notifications: `subscription` + `event`, or
//! `events` when batched) and `<type>.v<version>.request.json` (the documented create request).
//! Each example must be JSON and must name its own type and version in its `subscription` (or,
//! for a request, at its top level); a mismatch is reported here.

use std::fs;
use std::path::Path;

use serde_json::Value;

use crate::diag::{Diagnostic, Diagnostics};

use super::spec::EventFile;

/// A parsed category file.
#[derive(Debug, Clone)]
pub struct LoadedEventFile {
    /// `spec/eventsub/<stem>.yaml`.
    pub display: String,
    /// The file stem.
    pub stem: String,
    /// Its contents.
    pub spec: EventFile,
}

/// An example from `spec/examples/eventsub/`.
#[derive(Debug, Clone)]
pub struct EventExample {
    /// `spec/examples/eventsub/<name>`.
    pub display: String,
    /// `<type>.v<version>`.
    pub stem: String,
    /// A create request rather than a notification.
    pub request: bool,
    /// The request's condition, minified (requests only).
    pub condition: Option<String>,
    /// What is wrong with it, if anything (reported by validation).
    pub problem: Option<String>,
}

/// Everything read for EventSub.
#[derive(Debug, Clone, Default)]
pub struct EventsLoaded {
    /// Category files, sorted by name.
    pub files: Vec<LoadedEventFile>,
    /// Examples, sorted by name.
    pub examples: Vec<EventExample>,
}

/// Reads `spec_dir/eventsub/` and `spec_dir/examples/eventsub/`; `None` when the spec has no
/// EventSub part (the generator's small fixture specs).
pub fn load(spec_dir: &Path) -> Result<Option<EventsLoaded>, Diagnostics> {
    let dir = spec_dir.join("eventsub");
    if !dir.is_dir() {
        return Ok(None);
    }
    let mut problems = Vec::new();
    let mut loaded = EventsLoaded::default();
    for name in files(&dir).map_err(|e| Diagnostics(vec![Diagnostic::file("spec/eventsub", e)]))? {
        let display = format!("spec/eventsub/{name}");
        let Some(stem) = name.strip_suffix(".yaml") else {
            problems.push(Diagnostic::file(
                display,
                "only `<category>.yaml` files belong in spec/eventsub",
            ));
            continue;
        };
        match fs::read_to_string(dir.join(&name))
            .map_err(|e| e.to_string())
            .and_then(|text| {
                serde_yaml::from_str::<EventFile>(&text).map_err(|e| format!("cannot parse: {e}"))
            }) {
            Ok(spec) => loaded.files.push(LoadedEventFile {
                display,
                stem: stem.to_owned(),
                spec,
            }),
            Err(message) => problems.push(Diagnostic::file(display, message)),
        }
    }
    let examples = spec_dir.join("examples").join("eventsub");
    if examples.is_dir() {
        match files(&examples) {
            Ok(names) => {
                for name in names {
                    match example(&examples, &name) {
                        Ok(example) => loaded.examples.push(example),
                        Err(message) => problems.push(Diagnostic::file(
                            format!("spec/examples/eventsub/{name}"),
                            message,
                        )),
                    }
                }
            }
            Err(message) => problems.push(Diagnostic::file("spec/examples/eventsub", message)),
        }
    }
    if problems.is_empty() {
        Ok(Some(loaded))
    } else {
        Err(Diagnostics(problems))
    }
}

fn example(dir: &Path, name: &str) -> Result<EventExample, String> {
    let (stem, request) = if let Some(stem) = name.strip_suffix(".request.json") {
        (stem.to_owned(), true)
    } else if let Some(stem) = name.strip_suffix(".json") {
        // `<type>.v<version>.2.json`: a second notification example.
        let stem = match stem.rsplit_once('.') {
            Some((head, n)) if n.chars().all(|c| c.is_ascii_digit()) => head,
            _ => stem,
        };
        (stem.to_owned(), false)
    } else {
        return Err(
            "only `<type>.v<version>[.<n>].json` and `<type>.v<version>.request.json` belong here"
                .into(),
        );
    };
    let text = fs::read_to_string(dir.join(name)).map_err(|e| format!("cannot read: {e}"))?;
    let json: Value = serde_json::from_str(&text).map_err(|e| format!("not valid JSON: {e}"))?;
    let named = if request {
        Some(&json)
    } else {
        json.get("subscription")
    };
    let said = named.map(|s| {
        format!(
            "{}.v{}",
            s.get("type").and_then(Value::as_str).unwrap_or("?"),
            s.get("version").and_then(Value::as_str).unwrap_or("?")
        )
    });
    let problem = match said {
        None => Some("a notification example needs a `subscription` object".to_owned()),
        Some(said) if said != stem => Some(format!(
            "the example says it is `{said}`, its file name says `{stem}`"
        )),
        Some(_) if !request && json.get("event").is_none() && json.get("events").is_none() => {
            Some("a notification example needs `event` (or `events`)".to_owned())
        }
        Some(_) => None,
    };
    let condition = if request {
        json.get("condition").map(Value::to_string)
    } else {
        None
    };
    Ok(EventExample {
        display: format!("spec/examples/eventsub/{name}"),
        stem,
        request,
        condition,
        problem,
    })
}

fn files(dir: &Path) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| format!("cannot read directory: {e}"))? {
        let entry = entry.map_err(|e| format!("cannot read directory: {e}"))?;
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
