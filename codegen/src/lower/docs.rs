//! Stage 3, docs: the doc text of builders, setters and methods (summary, tokens, scopes,
//! parameters with their limits, paging, errors, notes, the reference link).

use super::sdk::classes;
use super::*;
use crate::bind::Binding;
use crate::spec::{Endpoint, Param};

/// Doc text as lines: trailing spaces and surrounding blank lines removed, tabs expanded.
pub fn doc_lines(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text
        .lines()
        .map(|line| line.trim_end().replace('\t', "    "))
        .collect();
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    let start = lines
        .iter()
        .position(|l| !l.is_empty())
        .unwrap_or(lines.len());
    lines.split_off(start)
}

/// Text on one line, for list items.
pub(super) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub(super) fn bound_text(limit: &Option<spec::Limit>, unit: &str) -> Option<String> {
    let limit = limit.as_ref()?;
    match (limit.min, limit.max) {
        (Some(min), Some(max)) if min == max => Some(format!("Exactly {min} {unit}.")),
        (Some(min), Some(max)) => Some(format!("{min} to {max} {unit}.")),
        (None, Some(max)) => Some(format!("At most {max} {unit}.")),
        (Some(min), None) => Some(format!("At least {min} {unit}.")),
        (None, None) => None,
    }
}

/// The limits, accepted values and default of a parameter, as sentences.
pub(super) fn param_facts(p: &Param) -> Vec<String> {
    let mut facts = Vec::new();
    facts.extend(bound_text(&p.items, "items"));
    facts.extend(bound_text(&p.length, "characters"));
    if let Some(range) = &p.range {
        facts.extend(match (range.min, range.max) {
            (Some(min), Some(max)) => Some(format!("From {min} to {max}.")),
            (None, Some(max)) => Some(format!("At most {max}.")),
            (Some(min), None) => Some(format!("At least {min}.")),
            (None, None) => None,
        });
    }
    if !p.values.is_empty() {
        let values: Vec<String> = p.values.iter().map(|v| format!("`{v}`")).collect();
        facts.push(format!("One of {}.", values.join(", ")));
    }
    if let Some(default) = &p.default {
        let text = match default {
            serde_yaml::Value::String(s) => s.clone(),
            other => serde_json::to_string(other).unwrap_or_else(|_| "?".to_owned()),
        };
        facts.push(format!("Helix assumes `{text}` when it is not set."));
    }
    facts
}

pub(super) fn token_text(tokens: &[TokenType]) -> String {
    let set: BTreeSet<TokenType> = tokens.iter().copied().collect();
    let words: Vec<&str> = set
        .iter()
        .map(|t| match t {
            TokenType::App => "app access token",
            TokenType::User => "user access token",
        })
        .collect();
    words.join(" or ")
}

pub(super) fn scope_text(scopes: &spec::Scopes) -> String {
    let code = |s: &Vec<String>| {
        s.iter()
            .map(|s| format!("`{s}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let list = match (scopes.all_of.is_empty(), scopes.any_of.is_empty()) {
        (true, true) => "none".to_owned(),
        (false, true) => code(&scopes.all_of),
        (true, false) => format!("one of {}", code(&scopes.any_of)),
        (false, false) => format!(
            "{}, and one of {}",
            code(&scopes.all_of),
            code(&scopes.any_of)
        ),
    };
    match &scopes.partial {
        None => list,
        Some(without) => {
            let without = one_line(without);
            let mut chars = without.trim_end_matches('.').chars();
            let first = chars.next().map(|c| c.to_lowercase().collect::<String>());
            format!(
                "{list}, needed only for part of the answer: a token without them is not \
                 refused, and gets {}{}",
                first.unwrap_or_default(),
                chars.as_str()
            )
        }
    }
}

/// The docs of an `AppApi`/`UserApi` method: the summary, tokens and scopes, and the link to
/// the builder, which carries the rest once for both classes.
pub(super) fn method_docs(e: &Endpoint, builder: &str) -> Vec<String> {
    let mut docs = doc_lines(&e.summary);
    docs.push(String::new());
    docs.push(format!(
        "Token: {}. Scopes: {}. Parameters, errors and notes: [`{builder}`]. \
         [Twitch reference]({})",
        token_text(&e.tokens),
        scope_text(&e.scopes),
        e.reference
    ));
    docs
}

/// The long docs, on the request builder: summary, method doc, tokens, scopes, authorization,
/// parameters with their limits, paging, errors, notes and the reference link.
pub(super) fn builder_docs(
    bound_endpoint: &BoundEndpoint<'_>,
    m: &Method,
    methods: &str,
    builder: &str,
    bindings: &[Binding<'_>],
) -> Vec<String> {
    let e = bound_endpoint.spec;
    let classes = classes(m);
    let (app, user) = (
        classes.contains(&TokenType::App),
        classes.contains(&TokenType::User),
    );
    let mut docs = doc_lines(&e.summary);
    docs.push(format!(
        "Request builder for {methods}: set options, then `.await` it to send the request."
    ));
    if let Some(doc) = &m.doc {
        docs.push(String::new());
        docs.extend(doc_lines(doc));
    }
    docs.push(String::new());
    docs.push(format!(
        "Token: {}. Scopes: {}.",
        token_text(&e.tokens),
        scope_text(&e.scopes)
    ));
    if let Some(authorization) = &e.authorization {
        docs.push(String::new());
        docs.push(format!("Authorization: {}", one_line(authorization)));
    }
    if let Some(order) = &m.order {
        docs.push(String::new());
        docs.push(format!("Order: {}", one_line(order)));
    }
    if !bindings.is_empty() {
        docs.push(String::new());
        docs.push("# Parameters".to_owned());
        docs.push(String::new());
        for b in bindings {
            let token_user = b.arg && b.param.token_user;
            let name = if !b.arg || (token_user && user && !app) {
                format!("[`{0}`]({builder}::{0}) (optional)", b.name)
            } else if token_user && user {
                format!("[`{0}`]({builder}::{0})", b.name)
            } else {
                format!("`{}`", b.name)
            };
            let mut text = vec![one_line(&b.param.doc)];
            text.extend(param_facts(b.param));
            if token_user && user && app {
                text.push(
                    "An argument of the [`AppApi`] method; optional on [`UserApi`], which \
                     defaults it to the token's user."
                        .to_owned(),
                );
            } else if token_user && user {
                text.push("Defaults to the token's user.".to_owned());
            }
            docs.push(format!("- {name}: {}", text.join(" ")));
        }
    }
    if e.response.shape == Shape::Envelope && e.pagination.is_some() {
        docs.push(String::new());
        docs.push("# Paging".to_owned());
        docs.push(String::new());
        docs.push(format!(
            "Awaiting the request returns the first page (or the page at `after`) with its totals; \
             [`paginate`]({builder}::paginate) pages through every item by hand and \
             [`into_stream`]({builder}::into_stream) yields them one by one, uncapped unless \
             [`limit`]({builder}::limit) is set."
        ));
    }
    if e.response.shape == Shape::Paginated {
        docs.push(String::new());
        docs.push("# Paging".to_owned());
        docs.push(String::new());
        let limit = match m.default_limit {
            Some(n) => {
                format!("at most {n} items unless [`limit`]({builder}::limit) says otherwise")
            }
            None => format!("every item unless [`limit`]({builder}::limit) caps them"),
        };
        docs.push(format!(
            "Awaiting the request collects {limit}; [`paginate`]({builder}::paginate) pages by \
             hand and [`into_stream`]({builder}::into_stream) yields every item, both uncapped \
             unless `limit` is set."
        ));
    }
    if !e.errors.is_empty() {
        docs.push(String::new());
        docs.push("# Errors".to_owned());
        docs.push(String::new());
        for error in &bound_endpoint.errors {
            docs.push(format!("- {}: {}", error.status, one_line(&error.text)));
        }
    }
    if !e.notes.is_empty() {
        docs.push(String::new());
        docs.push("# Notes".to_owned());
        docs.push(String::new());
        for note in &e.notes {
            docs.push(format!("- {}", one_line(note.text())));
        }
    }
    docs.push(String::new());
    docs.push(format!(
        "Operation id: `{}` ([`{builder}::OPERATION`]), the name the stand-in \
         (`mock.on`, `set_items`, `requests_to`) and errors use.",
        e.operation
    ));
    docs.push(String::new());
    docs.push(format!("[Twitch reference]({})", e.reference));
    docs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_lines_trim() {
        assert_eq!(
            doc_lines("\nA.\n\tB  \n\n"),
            vec!["A.".to_owned(), "    B".to_owned()]
        );
        assert!(doc_lines("").is_empty());
    }

    #[test]
    fn bounds() {
        let l = |min, max| Some(spec::Limit { min, max });
        assert_eq!(
            bound_text(&l(Some(1), Some(100)), "items").as_deref(),
            Some("1 to 100 items.")
        );
        assert_eq!(
            bound_text(&l(None, Some(100)), "items").as_deref(),
            Some("At most 100 items.")
        );
        assert_eq!(
            bound_text(&l(Some(2), None), "characters").as_deref(),
            Some("At least 2 characters.")
        );
        assert_eq!(
            bound_text(&l(Some(3), Some(3)), "items").as_deref(),
            Some("Exactly 3 items.")
        );
        assert_eq!(bound_text(&l(None, None), "items"), None);
    }
}
