//! Validation of the EventSub spec, producing the resolved IR the emitters print.
//!
//! Every decision is made here once: Rust names, field types, which condition fields are
//! constructor arguments, token-user fields or setters, the doc lines, the example each type is
//! checked against. Every problem is collected (none stops the pass) and names the file, the
//! subscription type or model, and the field.

use std::collections::{BTreeMap, BTreeSet};

use crate::diag::{Diagnostic, Diagnostics};
use crate::naming;

use super::load::EventsLoaded;
use super::spec::{EventField, Status, SubscriptionSpec, TransportKind};

/// The resolved EventSub spec.
#[derive(Debug, Clone, Default)]
pub struct EventsIr {
    /// One per `spec/eventsub/<category>.yaml`, sorted by module.
    pub categories: Vec<Category>,
}

/// One category file.
#[derive(Debug, Clone)]
pub struct Category {
    /// The Rust module (`automod`).
    pub module: String,
    /// `spec/eventsub/<module>.yaml`, for headers.
    pub source: String,
    /// Its subscription types.
    pub subs: Vec<Sub>,
    /// Its event models.
    pub models: Vec<Model>,
    /// Models of other categories its models use.
    pub imports: Vec<String>,
    /// Whether a model uses `Timestamp`.
    pub uses_timestamp: bool,
}

/// A subscription type at one version.
#[derive(Debug, Clone)]
pub struct Sub {
    /// Twitch's type name.
    pub wire_type: String,
    /// Twitch's version.
    pub version: String,
    /// The typed subscription and `Event` variant name.
    pub name: String,
    /// The event model name.
    pub event: String,
    /// `events` array instead of `event`.
    pub batched: bool,
    /// Accepted transports.
    pub transports: Vec<TransportKind>,
    /// Scope lists for user tokens.
    pub scopes_all: Vec<String>,
    /// Scope lists for user tokens.
    pub scopes_any: Vec<String>,
    /// Condition fields.
    pub condition: Vec<Cond>,
    /// One-of groups (wire names).
    pub one_of: Vec<Vec<String>>,
    /// Doc lines of the typed subscription struct.
    pub docs: Vec<String>,
    /// One doc line for the `Event` variant.
    pub variant_doc: String,
    /// The documented request example's condition (minified JSON), when there is one.
    pub request_condition: Option<String>,
}

/// How a condition field is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A constructor argument.
    Argument,
    /// A setter; on the user API the token's user when left unset.
    TokenUser,
    /// A setter (optional, or one of a one-of group).
    Optional,
}

/// A condition field.
#[derive(Debug, Clone)]
pub struct Cond {
    /// Wire name.
    pub wire: String,
    /// Rust name.
    pub rust: String,
    /// Doc line.
    pub doc: String,
    /// How it is set.
    pub role: Role,
    /// Twitch requires it (after the token user is filled).
    pub required: bool,
}

/// An event model struct.
#[derive(Debug, Clone)]
pub struct Model {
    /// Type name.
    pub name: String,
    /// Doc lines.
    pub docs: Vec<String>,
    /// Fields.
    pub fields: Vec<Field>,
}

/// A model field.
#[derive(Debug, Clone)]
pub struct Field {
    /// Wire name.
    pub wire: String,
    /// Rust name (differs from `wire` when `rename` is needed).
    pub rust: String,
    /// The Rust type, without the `Option` of an optional field.
    pub ty: String,
    /// Option + default + skip when absent.
    pub optional: bool,
    /// An optional timestamp (read through `empty_as_none`).
    pub optional_timestamp: bool,
    /// Doc lines.
    pub docs: Vec<String>,
}

const SCALARS: [(&str, &str); 6] = [
    ("string", "String"),
    ("integer", "i64"),
    ("number", "f64"),
    ("boolean", "bool"),
    ("timestamp", "Timestamp"),
    ("json", "serde_json::Value"),
];

/// Validates `loaded` and resolves it; every problem at once. `helix_models` are the Helix
/// spec's model names, which event fields may use as `helix.<Name>`.
pub fn resolve(
    loaded: &EventsLoaded,
    helix_models: &BTreeSet<String>,
) -> Result<EventsIr, Diagnostics> {
    let mut problems = Vec::new();
    let mut model_home: BTreeMap<String, String> = BTreeMap::new();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    let mut wire_keys: BTreeSet<(String, String)> = BTreeSet::new();

    // First pass: where every model lives, and name clashes.
    for file in &loaded.files {
        for model in &file.spec.models {
            let place = || format!("model `{}`", model.name);
            if !naming::is_type_ident(&model.name) {
                problems.push(diag(
                    &file.display,
                    Some(place()),
                    Some("name"),
                    "must be an UpperCamelCase Rust type name",
                ));
            }
            if let Some(other) = model_home.insert(model.name.clone(), file.stem.clone()) {
                problems.push(diag(
                    &file.display,
                    Some(place()),
                    Some("name"),
                    &format!("also defined in spec/eventsub/{other}.yaml"),
                ));
            }
        }
    }

    let mut categories = Vec::new();
    for file in &loaded.files {
        let display = &file.display;
        if file.spec.category != file.stem {
            problems.push(diag(
                display,
                None,
                Some("category"),
                &format!(
                    "`{}` must equal the file stem `{}`",
                    file.spec.category, file.stem
                ),
            ));
        }
        if !naming::is_snake_ident(&file.stem) {
            problems.push(diag(
                display,
                None,
                Some("category"),
                "must be a snake_case Rust module name",
            ));
        }
        let mut subs = Vec::new();
        for sub in &file.spec.subscriptions {
            let place = format!("subscription `{} v{}`", sub.r#type, sub.version);
            let mut push = |field: &str, message: &str| {
                problems.push(diag(display, Some(place.clone()), Some(field), message))
            };
            if !wire_keys.insert((sub.r#type.clone(), sub.version.clone())) {
                push("type", "this type and version are described twice");
            }
            if !is_type_name(&sub.r#type) {
                push(
                    "type",
                    "must be dot-separated lowercase words (`channel.follow`)",
                );
            }
            if sub.version.is_empty() || !sub.version.chars().all(|c| c.is_ascii_alphanumeric()) {
                push("version", "must be a non-empty word (`1`, `beta`)");
            }
            if !naming::is_type_ident(&sub.name) {
                push("name", "must be an UpperCamelCase Rust type name");
            } else if let Some(other) = names.insert(sub.name.clone(), display.clone()) {
                push(
                    "name",
                    &format!("`{}` is already used in {other}", sub.name),
                );
            } else if model_home.contains_key(&sub.name) {
                push("name", "clashes with a model of the same name");
            }
            if !model_home.contains_key(&sub.event) {
                push("event", &format!("unknown model `{}`", sub.event));
            }
            if sub.transports.is_empty() {
                push("transports", "list at least one transport");
            }
            if sub.transports.iter().collect::<BTreeSet<_>>().len() != sub.transports.len() {
                push("transports", "a transport is listed twice");
            }
            if !sub
                .reference
                .starts_with("https://dev.twitch.tv/docs/eventsub/")
            {
                push("reference", "must link to Twitch's EventSub documentation");
            }
            if sub.summary.trim().is_empty() {
                push("summary", "must not be empty");
            }
            for scope in sub.scopes.all_of.iter().chain(&sub.scopes.any_of) {
                if !is_scope(scope) {
                    push(
                        "scopes",
                        &format!("`{scope}` does not look like a scope (`word:word[:word]`)"),
                    );
                }
            }
            let has_scopes = !(sub.scopes.all_of.is_empty() && sub.scopes.any_of.is_empty());
            if has_scopes && !sub.transports.contains(&TransportKind::Websocket) {
                push(
                    "scopes",
                    "scopes apply to user tokens, which only WebSocket subscriptions use",
                );
            }
            let mut seen = BTreeSet::new();
            for (i, c) in sub.condition.iter().enumerate() {
                let field = format!(
                    "condition[{}]",
                    if c.name.is_empty() {
                        i.to_string()
                    } else {
                        c.name.clone()
                    }
                );
                if !seen.insert(c.name.clone()) {
                    push(&field, "listed twice");
                }
                if c.r#type != "string" {
                    push(&format!("{field}.type"), "condition fields are strings");
                }
                if naming::field_name(&c.name).is_err()
                    || naming::field_name(&c.name).ok().as_deref() != Some(c.name.as_str())
                {
                    push(&field, "must be a snake_case name usable in Rust as is");
                }
                if ["new", "api"].contains(&c.name.as_str()) {
                    push(&field, "this name is taken on typed subscriptions");
                }
            }
            for (g, group) in sub.one_of.iter().enumerate() {
                if group.len() < 2 {
                    push(&format!("one_of[{g}]"), "a group needs at least two fields");
                }
                for name in group {
                    match sub.condition.iter().find(|c| &c.name == name) {
                        None => push(
                            &format!("one_of[{g}]"),
                            &format!("unknown condition field `{name}`"),
                        ),
                        Some(c) if c.required => push(
                            &format!("one_of[{g}]"),
                            &format!("`{name}` is required, so it cannot be one of a group"),
                        ),
                        Some(_) => {}
                    }
                }
            }
            let stem = format!("{}.v{}", sub.r#type, sub.version);
            let request_condition = loaded
                .examples
                .iter()
                .find(|e| e.stem == stem && e.request)
                .and_then(|e| e.condition.clone());
            if !loaded.examples.iter().any(|e| e.stem == stem && !e.request) {
                push(
                    "examples",
                    &format!("no notification example spec/examples/eventsub/{stem}.json"),
                );
            }
            subs.push(lower_sub(sub, request_condition));
        }
        let mut models = Vec::new();
        let mut imports = BTreeSet::new();
        let mut uses_timestamp = false;
        for model in &file.spec.models {
            let place = format!("model `{}`", model.name);
            let mut fields = Vec::new();
            let mut seen = BTreeSet::new();
            for f in &model.fields {
                let field = format!("fields[{}]", f.name);
                if !seen.insert(f.name.clone()) {
                    problems.push(diag(
                        display,
                        Some(place.clone()),
                        Some(&field),
                        "listed twice",
                    ));
                }
                let rust = match naming::field_name(&f.name) {
                    Ok(rust) => rust,
                    Err(message) => {
                        problems.push(diag(display, Some(place.clone()), Some(&field), &message));
                        continue;
                    }
                };
                match rust_type(&f.r#type, &model_home, helix_models) {
                    Ok((ty, referenced, timestamp)) => {
                        if let Some(name) = referenced
                            && model_home.get(&name) != Some(&file.stem)
                        {
                            imports.insert(name);
                        }
                        uses_timestamp |= timestamp;
                        fields.push(lower_field(f, rust, ty, timestamp));
                    }
                    Err(message) => problems.push(diag(
                        display,
                        Some(place.clone()),
                        Some(&format!("{field}.type")),
                        &message,
                    )),
                }
            }
            let docs = match &model.doc {
                Some(doc) => vec![doc.clone()],
                None => vec![model_doc(&model.name, &file.spec.subscriptions)],
            };
            models.push(Model {
                name: model.name.clone(),
                docs,
                fields,
            });
        }
        categories.push(Category {
            module: file.stem.clone(),
            source: file.display.clone(),
            subs,
            models,
            imports: imports.into_iter().collect(),
            uses_timestamp,
        });
    }
    for example in &loaded.examples {
        if !wire_keys
            .iter()
            .any(|(t, v)| format!("{t}.v{v}") == example.stem)
        {
            problems.push(Diagnostic::file(
                &example.display,
                "no subscription type in spec/eventsub/ has this type and version",
            ));
        }
        if let Some(problem) = &example.problem {
            problems.push(Diagnostic::file(&example.display, problem));
        }
    }
    if problems.is_empty() {
        categories.sort_by(|a, b| a.module.cmp(&b.module));
        Ok(EventsIr { categories })
    } else {
        Err(Diagnostics(problems))
    }
}

fn diag(file: &str, item: Option<String>, field: Option<&str>, message: &str) -> Diagnostic {
    Diagnostic {
        file: file.to_owned(),
        item,
        field: field.map(str::to_owned),
        message: message.to_owned(),
    }
}

fn is_type_name(name: &str) -> bool {
    name.split('.').count() >= 2
        && name.split('.').all(|part| {
            !part.is_empty() && part.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        })
}

fn is_scope(scope: &str) -> bool {
    let parts: Vec<&str> = scope.split(':').collect();
    (2..=3).contains(&parts.len())
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
}

/// `(Rust type, model it names, uses Timestamp)` of a spec type.
fn rust_type(
    spec: &str,
    models: &BTreeMap<String, String>,
    helix: &BTreeSet<String>,
) -> Result<(String, Option<String>, bool), String> {
    let (base, list) = match spec.strip_suffix("[]") {
        Some(base) => (base, true),
        None => (spec, false),
    };
    let (ty, model) = if let Some((_, rust)) = SCALARS.iter().find(|(name, _)| *name == base) {
        ((*rust).to_owned(), None)
    } else if let Some(name) = base.strip_prefix("helix.") {
        if !helix.contains(name) {
            return Err(format!("`{name}` is not a model of the Helix spec"));
        }
        (format!("crate::{name}"), None)
    } else if models.contains_key(base) {
        (base.to_owned(), Some(base.to_owned()))
    } else {
        return Err(format!(
            "unknown type `{spec}` (scalars: string, integer, number, boolean, timestamp, json; a model name; `helix.<Model>`; `[]` for a list)"
        ));
    };
    let timestamp = base == "timestamp";
    Ok((
        if list { format!("Vec<{ty}>") } else { ty },
        model,
        timestamp,
    ))
}

fn lower_field(f: &EventField, rust: String, ty: String, timestamp: bool) -> Field {
    Field {
        wire: f.name.clone(),
        rust,
        optional_timestamp: f.optional && timestamp && !ty.starts_with("Vec<"),
        ty,
        optional: f.optional,
        docs: vec![f.doc.clone()],
    }
}

fn model_doc(name: &str, subs: &[SubscriptionSpec]) -> String {
    match subs.iter().find(|s| s.event == name) {
        Some(sub) => format!(
            "The event of `{}` v{}: {}",
            sub.r#type,
            sub.version,
            lowercase_first(&sub.summary)
        ),
        None => "Part of an EventSub event.".to_owned(),
    }
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) if !text.starts_with("EventSub") => first.to_lowercase().chain(chars).collect(),
        _ => text.to_owned(),
    }
}

fn lower_sub(sub: &SubscriptionSpec, request_condition: Option<String>) -> Sub {
    let in_group = |name: &str| sub.one_of.iter().flatten().any(|n| n == name);
    let condition: Vec<Cond> = sub
        .condition
        .iter()
        .map(|c| Cond {
            wire: c.name.clone(),
            rust: c.name.clone(),
            doc: c.doc.clone(),
            role: if c.token_user {
                Role::TokenUser
            } else if c.required && !in_group(&c.name) {
                Role::Argument
            } else {
                Role::Optional
            },
            required: c.required,
        })
        .collect();
    Sub {
        wire_type: sub.r#type.clone(),
        version: sub.version.clone(),
        name: sub.name.clone(),
        event: sub.event.clone(),
        batched: sub.batched,
        transports: sub.transports.clone(),
        scopes_all: sub.scopes.all_of.clone(),
        scopes_any: sub.scopes.any_of.clone(),
        docs: sub_docs(sub, &condition),
        variant_doc: format!("`{}` v{}: {}", sub.r#type, sub.version, sub.summary),
        condition,
        one_of: sub.one_of.clone(),
        request_condition,
    }
}

fn sub_docs(sub: &SubscriptionSpec, condition: &[Cond]) -> Vec<String> {
    let mut d = vec![format!(
        "`{}` v{}: {}",
        sub.r#type, sub.version, sub.summary
    )];
    if let Some(description) = &sub.description {
        d.extend([String::new(), description.clone()]);
    }
    match sub.status {
        Status::Stable => {}
        Status::Beta => d.extend([
            String::new(),
            "**Beta**: Twitch may change or remove this type.".to_owned(),
        ]),
        Status::Deprecated => d.extend([String::new(), "**Deprecated** by Twitch.".to_owned()]),
    }
    let transports: Vec<&str> = sub
        .transports
        .iter()
        .map(|t| match t {
            TransportKind::Websocket => "WebSocket (user token, `UserApi`)",
            TransportKind::Webhook => "webhook (app token, `AppApi`)",
            TransportKind::Conduit => "conduit (app token, `AppApi`)",
        })
        .collect();
    d.extend([
        String::new(),
        format!("Transports: {}.", transports.join(", ")),
    ]);
    let scopes = match (sub.scopes.all_of.as_slice(), sub.scopes.any_of.as_slice()) {
        ([], []) => "none on the token".to_owned(),
        (all, []) => code_list(all, ", "),
        ([], any) => format!("one of {}", code_list(any, ", ")),
        (all, any) => format!(
            "{} and one of {}",
            code_list(all, ", "),
            code_list(any, ", ")
        ),
    };
    d.extend([String::new(), format!("Scopes (user token): {scopes}.")]);
    if let Some(auth) = &sub.authorization {
        d.extend([String::new(), format!("Authorization: {auth}")]);
    }
    if !condition.is_empty() {
        d.extend([String::new(), "# Condition".to_owned(), String::new()]);
        for c in condition {
            let how = match c.role {
                Role::Argument => "argument of `new`",
                Role::TokenUser => "setter; on `UserApi` the token's user when unset",
                Role::Optional if c.required => "setter; one of a group is required",
                Role::Optional => "optional setter",
            };
            d.push(format!("- `{}` ({how}): {}", c.wire, c.doc));
        }
    }
    for group in &sub.one_of {
        d.push(format!(
            "- Exactly one of {} must be set.",
            code_list(group, ", ")
        ));
    }
    d.extend([String::new(), format!("Event: [`Event::{0}`](crate::eventsub::Event::{0}) with [`{1}`](crate::models::events::{1}).", sub.name, sub.event)]);
    if !sub.methods.is_empty() {
        d.extend([
            String::new(),
            format!("Reference library: {}.", code_list(&sub.methods, ", ")),
        ]);
    }
    if !sub.notes.is_empty() {
        d.extend([String::new(), "# Notes".to_owned(), String::new()]);
        d.extend(sub.notes.iter().map(|n| format!("- {n}")));
    }
    d.extend([
        String::new(),
        format!("[Twitch reference]({})", sub.reference),
    ]);
    d
}

fn code_list(items: &[String], sep: &str) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(sep)
}
