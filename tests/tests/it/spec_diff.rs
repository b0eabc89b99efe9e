//! `cargo xtask spec-diff` on a tiny fixture: `tests/fixtures/spec_diff/spec/` against
//! `tests/fixtures/spec_diff/openapi.json`, where every kind of difference appears once. (The
//! real OpenAPI description is too large to keep in the repository; its run is part of the
//! release checklist, see spec/README.md.)

use std::path::Path;

use twitch_codegen::load::load;
use twitch_codegen::validate::validate;
use xtask::spec_diff::{Report, diff};

fn report() -> Report {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/spec_diff");
    let loaded = load(&dir.join("spec")).unwrap_or_else(|e| panic!("{e}"));
    if let Err(e) = validate(&loaded) {
        panic!("the fixture spec must be valid:\n{e}");
    }
    let text = std::fs::read_to_string(dir.join("openapi.json")).expect("fixture openapi.json");
    let openapi = serde_json::from_str(&text).expect("fixture openapi.json is JSON");
    diff(&loaded, &openapi)
}

#[test]
fn every_kind_of_difference_is_found() {
    let report = report();
    let lines: Vec<String> = report
        .findings
        .iter()
        .map(|f| {
            let mark = if f.explained { " (explained)" } else { "" };
            format!("{}: {}{mark}", f.operation, f.line)
        })
        .collect();
    let want = [
        "get-widgets: param query.id items.max: Helix 100, spec 50",
        "get-widgets: param query.kind value \"hexagon\": Helix only",
        "get-widgets: param query.kind value \"star\": spec only",
        "get-widgets: param query.color required: Helix no, spec yes",
        "get-widgets: param query.size: Helix only",
        "get-widgets: param query.first max: Helix 100, spec 50",
        "get-widgets: param query.before: spec only",
        "get-widgets: param query.legacy: spec only",
        "get-widgets: response data[].kind value \"hexagon\": Helix only",
        "get-widgets: response data[].kind value \"triangle\": spec only",
        "get-widgets: response data[].weight type: Helix number, spec integer",
        "get-widgets: response data[].tags required: Helix no, spec yes",
        "get-widgets: response data[].color: Helix only",
        "get-widgets: response data[].extra: spec only",
        "get-widgets: response total: Helix only (explained)",
        "make-widget: tokens: Helix jwt, spec user",
        "make-widget: scope widgets:admin: Helix only",
        "make-widget: param body.name length.max: Helix 25, spec 20",
        "make-widget: param body.data.size range.max: Helix 12, spec 10",
        "make-widget: param body.data.shape: Helix only",
        "make-widget: param body.parts[].label required: Helix yes, spec no",
        "make-widget: param body.color: Helix only",
        "make-widget: response data[].kind value \"hexagon\": Helix only",
        "make-widget: response data[].kind value \"triangle\": spec only",
        "make-widget: response data[].weight type: Helix number, spec integer",
        "make-widget: response data[].tags required: Helix no, spec yes",
        "make-widget: response data[].color: Helix only",
        "make-widget: response data[].extra: spec only",
        "polish-widget: operation: missing from the spec (PATCH /widgets/polish)",
        "spin-widget: operation: not in Helix",
    ];
    let mut got = lines.clone();
    let mut want: Vec<String> = want.iter().map(|s| (*s).to_owned()).collect();
    got.sort();
    want.sort();
    assert_eq!(got, want, "\nall findings:\n{}", lines.join("\n"));
}

#[test]
fn notes_explain_and_stale_or_malformed_notes_are_reported() {
    let report = report();
    let mut problems: Vec<String> = report
        .note_problems
        .iter()
        .map(|p| format!("{}: {}", p.operation, p.problem))
        .collect();
    problems.sort();
    assert_eq!(
        problems,
        [
            "get-widgets: is malformed (write it as `{spec_diff: [<line>, ...], why: <reason>}`)",
            "get-widgets: is stale (no difference `param query.nothing: Helix only`)",
            "get-widgets: is stale (no difference `scope widgets:admin: Helix only`)",
        ]
    );
    assert_eq!(report.unexplained(), 29);
    assert!(!report.is_clean());

    let text = report.render(false);
    assert!(text.starts_with("get-widgets\n  param query.id items.max: Helix 100, spec 50\n"));
    assert!(
        !text.contains("response total"),
        "explained lines are hidden:\n{text}"
    );
    assert!(
        report
            .render(true)
            .contains("  response total: Helix only (explained)\n")
    );
    assert_eq!(
        report.summary(),
        "spec-diff: 30 difference(s), 1 explained by spec notes, 29 unexplained; 3 note problem(s)"
    );
}

#[test]
fn an_empty_description_makes_every_operation_extra() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/spec_diff");
    let loaded = load(&dir.join("spec")).unwrap_or_else(|e| panic!("{e}"));
    let empty = serde_json::json!({ "paths": {} });
    let report = diff(&loaded, &empty);
    assert_eq!(report.findings.len(), 3);
    assert!(
        report
            .findings
            .iter()
            .all(|f| f.line == "operation: not in Helix")
    );
}
