//! `cargo xtask eventsub-diff DIR [--all]`: compares `spec/eventsub/` with Twitch's EventSub
//! pages saved in DIR (`eventsub-subscription-types.html`, `eventsub-reference.html`).
//!
//! It lists subscription types and versions the pages have and the spec lacks (and the reverse),
//! and per type the top-level condition and event fields that differ by name. A difference is
//! explained when one of the type's spec `notes` names the field (`condition.<name>`,
//! `event.<name>`, or the name in backticks) or, for a type the pages lack, says why it was
//! added. Exits 0 when everything is explained, 1 otherwise. An audit tool: the generator does
//! not use it.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::ExitCode;

use twitch_codegen::events::load;
use twitch_codegen::events::spec::SubscriptionSpec;

/// One row of the subscription-types index: (anchor, type, version).
type IndexRow = (String, String, String);

pub fn run(dir: &Path, all: bool, root: &Path) -> ExitCode {
    let read = |name: &str| std::fs::read_to_string(dir.join(name));
    let (types_page, reference) = match (
        read("eventsub-subscription-types.html"),
        read("eventsub-reference.html"),
    ) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!(
                "eventsub-diff: cannot read the pages in {}: {e}",
                dir.display()
            );
            return ExitCode::from(2);
        }
    };
    let loaded = match load::load(&root.join("spec")) {
        Ok(Some(loaded)) => loaded,
        Ok(None) => {
            eprintln!("eventsub-diff: the spec has no eventsub/ folder");
            return ExitCode::FAILURE;
        }
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let subs: Vec<&SubscriptionSpec> = loaded
        .files
        .iter()
        .flat_map(|f| &f.spec.subscriptions)
        .collect();
    let index = index_rows(&types_page);
    let (mut explained, mut unexplained) = (Vec::new(), Vec::new());
    let mut put = |ok: bool, line: String| {
        if ok {
            explained.push(line)
        } else {
            unexplained.push(line)
        }
    };
    for (anchor, t, v) in &index {
        let Some(sub) = subs.iter().find(|s| &s.r#type == t && &s.version == v) else {
            put(
                false,
                format!("{t} v{v}: on Twitch's page, not in the spec"),
            );
            continue;
        };
        let section = section(&types_page, anchor, &index);
        for (kind, link) in [("condition", "-condition"), ("event", "-event")] {
            let target = link_target(section, link).or_else(|| fallback_target(section, kind, t));
            let Some(table) = target.and_then(|a| table_after(&reference, &a)) else {
                put(
                    explains(sub, kind, ""),
                    format!("{t} v{v}: {kind}: no table in the reference"),
                );
                continue;
            };
            let theirs = top_level_names(table);
            let ours: BTreeSet<String> = match kind {
                "condition" => sub.condition.iter().map(|c| c.name.clone()).collect(),
                _ => event_fields(&loaded, &sub.event),
            };
            for name in theirs.difference(&ours) {
                put(
                    explains(sub, kind, name),
                    format!("{t} v{v}: {kind}.{name}: in the reference, not in the spec"),
                );
            }
            for name in ours.difference(&theirs) {
                put(
                    explains(sub, kind, name),
                    format!("{t} v{v}: {kind}.{name}: in the spec, not in the reference"),
                );
            }
        }
    }
    for sub in &subs {
        if !index
            .iter()
            .any(|(_, t, v)| *t == sub.r#type && *v == sub.version)
        {
            let ok = sub
                .notes
                .iter()
                .any(|n| n.contains("Added after") || n.contains("snapshot"));
            put(
                ok,
                format!(
                    "{} v{}: in the spec, not on Twitch's page",
                    sub.r#type, sub.version
                ),
            );
        }
    }
    for line in &unexplained {
        println!("unexplained: {line}");
    }
    if all {
        for line in &explained {
            println!("explained:   {line}");
        }
    }
    eprintln!(
        "eventsub-diff: {} types on Twitch's page, {} in the spec; {} difference(s), {} explained by spec notes, {} unexplained",
        index.len(),
        subs.len(),
        explained.len() + unexplained.len(),
        explained.len(),
        unexplained.len()
    );
    if unexplained.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn explains(sub: &SubscriptionSpec, kind: &str, name: &str) -> bool {
    sub.notes.iter().any(|n| {
        (name.is_empty() && n.contains(kind))
            || (!name.is_empty()
                && (n.contains(&format!("{kind}.{name}")) || n.contains(&format!("`{name}`"))))
    })
}

fn event_fields(loaded: &load::EventsLoaded, model: &str) -> BTreeSet<String> {
    let found = loaded
        .files
        .iter()
        .flat_map(|f| &f.spec.models)
        .find(|m| m.name == model);
    found
        .map(|m| m.fields.iter().map(|f| f.name.clone()).collect())
        .unwrap_or_default()
}

/// The index table at the top of the subscription-types page.
fn index_rows(page: &str) -> Vec<IndexRow> {
    let Some(table) = between(page, "<table>", "</table>") else {
        return Vec::new();
    };
    rows(table)
        .filter_map(|cells| {
            let [first, t, v, ..] = cells.as_slice() else {
                return None;
            };
            let anchor = between(first, "href=\"#", "\"")?.to_owned();
            Some((anchor, text(t), text(v)))
        })
        .collect()
}

/// The part of the page from the heading with id `anchor` to the next type's heading.
fn section<'a>(page: &'a str, anchor: &str, index: &[IndexRow]) -> &'a str {
    let Some(start) = page.find(&format!("<h3 id=\"{anchor}\"")) else {
        return "";
    };
    let rest = &page[start..];
    let end = index
        .iter()
        .filter_map(|(other, _, _)| {
            rest[1..]
                .find(&format!("<h3 id=\"{other}\""))
                .map(|i| i + 1)
        })
        .chain(rest.find("<h2 "))
        .min()
        .unwrap_or(rest.len());
    &rest[..end]
}

/// The reference anchor a section links to whose name ends with `suffix` (`-event`, or
/// `-event-v2`).
fn link_target(section: &str, suffix: &str) -> Option<String> {
    section
        .split("eventsub-reference")
        .skip(1)
        .find_map(|part| {
            let anchor: String = part
                .trim_start_matches('/')
                .strip_prefix('#')?
                .chars()
                .take_while(|c| *c != '"')
                .collect();
            anchor.contains(suffix).then_some(anchor)
        })
}

/// When the section links no `-condition` / `-event` anchor: the condition table named after
/// the type, or the last reference link that is neither the transport nor the subscription.
fn fallback_target(section: &str, kind: &str, wire_type: &str) -> Option<String> {
    if kind == "condition" {
        return Some(format!("{}-condition", wire_type.replace(['.', '_'], "-")));
    }
    section
        .split("eventsub-reference")
        .skip(1)
        .filter_map(|part| {
            let anchor: String = part
                .trim_start_matches('/')
                .strip_prefix('#')?
                .chars()
                .take_while(|c| *c != '"')
                .collect();
            (!["transport", "subscription"].contains(&anchor.as_str())
                && !anchor.contains("condition"))
            .then_some(anchor)
        })
        .last()
}

fn table_after<'a>(page: &'a str, anchor: &str) -> Option<&'a str> {
    let start = page.find(&format!("id=\"{anchor}\""))?;
    let rest = &page[start..];
    let table = rest.find("<table>")?;
    // A heading with no table of its own: the next heading comes first.
    if rest[10..table].contains("<h") {
        return None;
    }
    between(&rest[table..], "<table>", "</table>")
}

fn top_level_names(table: &str) -> BTreeSet<String> {
    rows(table)
        .filter_map(|cells| cells.first().copied())
        .filter(|cell| !cell.starts_with('\u{a0}') && !cell.starts_with(' '))
        .map(text)
        .filter(|name| !name.is_empty())
        .collect()
}

fn rows(table: &str) -> impl Iterator<Item = Vec<&str>> {
    table
        .split("<tr>")
        .skip(1)
        .map(|row| {
            row.split("<td>")
                .skip(1)
                .filter_map(|cell| cell.split("</td>").next())
                .collect::<Vec<_>>()
        })
        .filter(|cells| !cells.is_empty())
}

fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = text.find(open)? + open.len();
    let len = text[start..].find(close)?;
    Some(&text[start..start + len])
}

/// Cell text without tags, entities decoded where they matter here.
fn text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&nbsp;", " ")
        .replace('\u{a0}', " ")
        .trim()
        .to_owned()
}
