//! `cargo xtask spec-diff PATH`: the spec against a Helix OpenAPI description.
//!
//! [`diff`] matches the spec's endpoints with the OpenAPI operations (by operation id, then by
//! method and path) and lists, per operation, every difference as one [`Finding`] line:
//! operations, query and body parameters (presence, location, required, type, accepted values,
//! limits), pagination, token types, scopes, the response (shape, fields at every depth, types,
//! optionality, enum values). Lines are plain text without backticks, stable and specific, for
//! example
//!
//! ```text
//! param query.id items.max: Helix 100, spec none
//! tokens: Helix jwt, spec app
//! scope user:read:email: Helix only
//! response data[].type value "admin": spec only
//! response total: Helix only
//! ```
//!
//! A deliberate difference is explained in the spec itself, by a typed note on the endpoint
//! that lists the line(s) exactly as printed and says why:
//!
//! ```yaml
//! notes:
//!   - {spec_diff: ["response total: Helix only"], why: "The SDK returns the followers; the count is not kept."}
//!   - {spec_diff: ["scope user:bot: Helix only", "scope channel:bot: Helix only"], why: "Grants of other users."}
//! ```
//!
//! One note may list several lines that share a reason. A listed line that matches no
//! difference is reported as stale, and a note without a line or a reason as malformed, so
//! explanations cannot outlive the difference they explain. The generated method docs show only
//! the reason ([`Note::text`]). This module is an audit beside the pipeline: the generator does
//! not use it.
//!
//! What the OpenAPI file states is taken as it is: `security` scopes (or, where an operation has
//! none, the scopes its "Authorization" text names), the token types that text names (app access
//! token, user access token, JWT; none when it names none), `required`, `enum`, `format: date-time`,
//! `nullable`. Limits come from `maxItems` / `minItems`, `maxLength` / `minLength` and `maximum` /
//! `minimum` where present; otherwise from the parameter's description ("You may specify a maximum
//! of 100 IDs"), in which case only a limit the text states is compared.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde_json::{Map, Value};

use twitch_codegen::load::Loaded;
use twitch_codegen::spec::{Endpoint, Limit, Location, Model, Note, Param, Shape, TokenType};
use twitch_codegen::types::{Prim, TypeExpr};

/// The old text form of a spec-diff note (``spec-diff: `<line>` <reason>``), reported when found.
pub const NOTE_PREFIX: &str = "spec-diff:";

/// One difference between the spec and the OpenAPI description.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    /// The operation id (the spec's, or Helix's when the spec lacks the operation).
    pub operation: String,
    /// The difference, as notes quote it.
    pub line: String,
    /// A `spec-diff:` note on the endpoint explains it.
    pub explained: bool,
}

/// A problem with a `spec-diff:` note itself.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct NoteProblem {
    /// The endpoint carrying the note.
    pub operation: String,
    /// What the note says (its reason, for a spec-diff note).
    pub note: String,
    /// What is wrong with it.
    pub problem: String,
}

/// Everything [`diff`] found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Differences, sorted by operation, in the order they were found within one.
    pub findings: Vec<Finding>,
    /// Notes that match no difference or cannot be read.
    pub note_problems: Vec<NoteProblem>,
}

impl Report {
    /// Differences no note explains.
    pub fn unexplained(&self) -> usize {
        self.findings.iter().filter(|f| !f.explained).count()
    }

    /// Whether every difference is explained and every note matches one.
    pub fn is_clean(&self) -> bool {
        self.unexplained() == 0 && self.note_problems.is_empty()
    }

    /// The report for people: per operation its unexplained lines (and, with `all`, the
    /// explained ones, marked), then the note problems; empty when there is nothing to show.
    pub fn render(&self, all: bool) -> String {
        let mut out = String::new();
        let mut current: Option<&str> = None;
        for f in &self.findings {
            if f.explained && !all {
                continue;
            }
            if current != Some(f.operation.as_str()) {
                let _ = writeln!(out, "{}", f.operation);
                current = Some(&f.operation);
            }
            let mark = if f.explained { " (explained)" } else { "" };
            let _ = writeln!(out, "  {}{mark}", f.line);
        }
        for p in &self.note_problems {
            let _ = writeln!(out, "{}\n  note {}: {}", p.operation, p.problem, p.note);
        }
        out
    }

    /// One line of totals.
    pub fn summary(&self) -> String {
        let explained = self.findings.len() - self.unexplained();
        format!(
            "spec-diff: {} difference(s), {explained} explained by spec notes, {} unexplained; {} note problem(s)",
            self.findings.len(),
            self.unexplained(),
            self.note_problems.len()
        )
    }
}

/// What is wrong with `note` as an explanation, if anything: a spec-diff note must quote at
/// least one line and give a reason, and a plain note must not look like the old
/// ``spec-diff: `<line>` <reason>`` text form (it would explain nothing).
pub fn note_problem(note: &Note) -> Option<&'static str> {
    match note {
        Note::Text(text) if text.trim_start().starts_with(NOTE_PREFIX) => {
            Some("is malformed (write it as `{spec_diff: [<line>, ...], why: <reason>}`)")
        }
        Note::Text(_) => None,
        Note::SpecDiff(n) if n.spec_diff.is_empty() => Some("quotes no line"),
        Note::SpecDiff(n) if n.why.trim().is_empty() => Some("gives no reason"),
        Note::SpecDiff(_) => None,
    }
}

/// The line for a response field Helix documents and the spec's model lacks, `path` as
/// `total` or `data[].email`. The model round-trip test uses it to accept a top-level field the
/// SDK leaves out on purpose.
pub fn helix_only_response_line(path: &str) -> String {
    format!("response {path}: Helix only")
}

/// Whether one of `notes` explains `line`.
pub fn explained(notes: &[Note], line: &str) -> bool {
    notes.iter().any(|n| match n {
        Note::SpecDiff(n) => n.spec_diff.iter().any(|quoted| quoted == line),
        Note::Text(_) => false,
    })
}

/// Compares the spec with an OpenAPI description (the parsed JSON).
pub fn diff(loaded: &Loaded, openapi: &Value) -> Report {
    let empty = Map::new();
    let schemas = openapi
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut models: BTreeMap<&str, &Model> = BTreeMap::new();
    for file in &loaded.files {
        for m in &file.spec.models {
            models.insert(&m.name, m);
            for alias in &m.aliases {
                models.insert(alias, m);
            }
        }
    }
    let cx = Cx { schemas, models };

    let helix = helix_operations(openapi);
    let endpoints: Vec<&Endpoint> = loaded
        .files
        .iter()
        .flat_map(|f| &f.spec.endpoints)
        .collect();

    let mut report = Report::default();
    let mut matched = BTreeSet::new();
    for e in &endpoints {
        let found = helix.iter().position(|h| h.id == e.operation).or_else(|| {
            helix
                .iter()
                .position(|h| h.method == e.method.as_str() && h.path == e.path)
        });
        let mut lines = Vec::new();
        match found {
            None => lines.push("operation: not in Helix".to_owned()),
            Some(i) => {
                matched.insert(i);
                cx.endpoint(e, &helix[i], &mut lines);
            }
        }
        let mut quoted = BTreeSet::new();
        for line in lines {
            let explained = explained(&e.notes, &line);
            report.findings.push(Finding {
                operation: e.operation.clone(),
                line: line.clone(),
                explained,
            });
            quoted.insert(line);
        }
        for note in &e.notes {
            let problems = match (note_problem(note), note) {
                (Some(problem), _) => vec![problem.to_owned()],
                (None, Note::Text(_)) => continue,
                (None, Note::SpecDiff(n)) => n
                    .spec_diff
                    .iter()
                    .filter(|line| !quoted.contains(*line))
                    .map(|line| format!("is stale (no difference `{line}`)"))
                    .collect(),
            };
            for problem in problems {
                report.note_problems.push(NoteProblem {
                    operation: e.operation.clone(),
                    note: note.text().to_owned(),
                    problem,
                });
            }
        }
    }
    for (i, h) in helix.iter().enumerate() {
        if !matched.contains(&i) {
            report.findings.push(Finding {
                operation: h.id.clone(),
                line: format!("operation: missing from the spec ({} {})", h.method, h.path),
                explained: false,
            });
        }
    }
    report
        .findings
        .sort_by(|a, b| a.operation.cmp(&b.operation));
    report.note_problems.sort();
    report
}

/// One OpenAPI operation.
struct HelixOp<'a> {
    id: String,
    method: String,
    path: String,
    op: &'a Value,
}

fn helix_operations(openapi: &Value) -> Vec<HelixOp<'_>> {
    let mut ops = Vec::new();
    let Some(paths) = openapi.get("paths").and_then(Value::as_object) else {
        return ops;
    };
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        for (method, op) in item {
            if !matches!(method.as_str(), "get" | "post" | "put" | "patch" | "delete") {
                continue;
            }
            let id = op
                .get("operationId")
                .and_then(Value::as_str)
                .map_or_else(|| format!("{method} {path}"), str::to_owned);
            ops.push(HelixOp {
                id,
                method: method.to_uppercase(),
                path: path.clone(),
                op,
            });
        }
    }
    ops
}

/// Whether a schema describes a response or a request, which decides which optionality
/// mismatch matters: a field the spec requires but Helix may omit breaks decoding; a field
/// Helix requires but the SDK may leave out breaks the request.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Dir {
    Response,
    Request,
}

/// The coarse JSON type both sides are compared by.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    String,
    DateTime,
    Integer,
    Number,
    Boolean,
    Array,
    Object,
    Any,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::String => "string",
            Kind::DateTime => "datetime",
            Kind::Integer => "integer",
            Kind::Number => "number",
            Kind::Boolean => "boolean",
            Kind::Array => "array",
            Kind::Object => "object",
            Kind::Any => "any",
        }
    }
}

struct Cx<'a> {
    schemas: &'a Map<String, Value>,
    models: BTreeMap<&'a str, &'a Model>,
}

impl<'a> Cx<'a> {
    /// Follows `$ref`s to `#/components/schemas/...`.
    fn resolve(&self, mut schema: &'a Value) -> &'a Value {
        for _ in 0..32 {
            let Some(target) = schema.get("$ref").and_then(Value::as_str) else {
                break;
            };
            let name = target.rsplit('/').next().unwrap_or(target);
            match self.schemas.get(name) {
                Some(next) => schema = next,
                None => break,
            }
        }
        schema
    }

    fn endpoint(&self, e: &Endpoint, h: &HelixOp<'a>, out: &mut Vec<String>) {
        if h.id != e.operation {
            out.push(format!("operation id: Helix {}", h.id));
        }
        if h.method != e.method.as_str() {
            out.push(format!(
                "method: Helix {}, spec {}",
                h.method,
                e.method.as_str()
            ));
        }
        if h.path != e.path {
            out.push(format!("path: Helix {}, spec {}", h.path, e.path));
        }
        tokens(e, h.op, out);
        self.scopes(e, h.op, out);
        self.query(e, h.op, out);
        self.body(e, h.op, out);
        self.response(e, h.op, out);
    }

    fn scopes(&self, e: &Endpoint, op: &Value, out: &mut Vec<String>) {
        let mut helix = security_scopes(op);
        if helix.is_empty() {
            let description = op.get("description").and_then(Value::as_str).unwrap_or("");
            helix = scopes_in_text(authorization_text(description));
        }
        let ours: BTreeSet<String> = e
            .scopes
            .all_of
            .iter()
            .chain(&e.scopes.any_of)
            .cloned()
            .collect();
        for s in helix.difference(&ours) {
            out.push(format!("scope {s}: Helix only"));
        }
        for s in ours.difference(&helix) {
            out.push(format!("scope {s}: spec only"));
        }
    }

    fn query(&self, e: &Endpoint, op: &'a Value, out: &mut Vec<String>) {
        let params: Vec<&Value> = op
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|p| self.resolve(p))
            .filter(|p| p.get("in").and_then(Value::as_str) == Some("query"))
            .collect();
        let name_of = |p: &Value| {
            p.get("name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        let helix_names: BTreeSet<String> = params.iter().map(|p| name_of(p)).collect();
        let paginated = e.response.shape == Shape::Paginated;
        let page_size = e.pagination.as_ref().and_then(|p| p.page_size.clone());

        for p in &params {
            let name = name_of(p);
            let key = format!("query.{name}");
            let spec = e.params.iter().find(|sp| sp.name == name);
            if spec.is_none() {
                // Paging parameters are the spec's `pagination` block, not parameters.
                if name == "after" && paginated {
                    continue;
                }
                if name == "before" && e.pagination.as_ref().is_some_and(|p| p.before) {
                    continue;
                }
                if page_size.as_deref() == Some(name.as_str()) {
                    self.page_size(e, p, out);
                    continue;
                }
            }
            let required = p.get("required").and_then(Value::as_bool).unwrap_or(false);
            let schema = p.get("schema").unwrap_or(&Value::Null);
            let description = p.get("description").and_then(Value::as_str).unwrap_or("");
            match spec {
                None => out.push(format!("param {key}: Helix only")),
                Some(sp) if sp.location == Location::Body => {
                    out.push(format!("param {key} in: Helix query, spec body"));
                }
                Some(sp) => self.param(&key, required, schema, description, sp, out),
            }
        }
        if paginated && !helix_names.contains("after") {
            out.push("param query.after: spec only".to_owned());
        }
        if e.pagination.as_ref().is_some_and(|p| p.before) && !helix_names.contains("before") {
            out.push("param query.before: spec only".to_owned());
        }
        if let Some(name) = &page_size
            && !helix_names.contains(name)
            && e.params.iter().all(|sp| sp.name != *name)
        {
            out.push(format!("param query.{name}: spec only"));
        }
        for sp in &e.params {
            if sp.location == Location::Query && !helix_names.contains(&sp.name) {
                out.push(format!("param query.{}: spec only", sp.name));
            }
        }
    }

    /// The page-size parameter against `pagination.max_page_size`.
    fn page_size(&self, e: &Endpoint, p: &Value, out: &mut Vec<String>) {
        let name = p.get("name").and_then(Value::as_str).unwrap_or("");
        let schema = self.resolve(p.get("schema").unwrap_or(&Value::Null));
        let max = schema.get("maximum").and_then(Value::as_i64).or_else(|| {
            let text = p.get("description").and_then(Value::as_str).unwrap_or("");
            limits_in_text(text, TextKind::Range).max
        });
        let ours = e
            .pagination
            .as_ref()
            .and_then(|p| p.max_page_size)
            .map(i64::from);
        if let Some(max) = max
            && ours != Some(max)
        {
            out.push(format!(
                "param query.{name} max: Helix {max}, spec {}",
                show(ours)
            ));
        }
    }

    fn body(&self, e: &Endpoint, op: &'a Value, out: &mut Vec<String>) {
        let schema = op
            .pointer("/requestBody/content/application~1json/schema")
            .map(|s| self.resolve(s));
        let mut seen = BTreeSet::new();
        if let Some(schema) = schema {
            self.body_object(e, "", schema, &mut seen, out);
        }
        for sp in &e.params {
            if sp.location == Location::Body && !seen.contains(sp.name.as_str()) {
                out.push(format!("param body.{}: spec only", sp.name));
            }
        }
    }

    /// Matches the properties of a body object (`prefix` is `""` or `data.` for nested ones) with
    /// the spec's body parameters, whose dotted names place them in nested objects.
    fn body_object(
        &self,
        e: &Endpoint,
        prefix: &str,
        schema: &'a Value,
        seen: &mut BTreeSet<String>,
        out: &mut Vec<String>,
    ) {
        let Some(props) = schema.get("properties").and_then(Value::as_object) else {
            return;
        };
        let required = required_set(schema);
        for (name, prop) in props {
            let full = format!("{prefix}{name}");
            let key = format!("body.{full}");
            let prop_resolved = self.resolve(prop);
            let description = prop
                .get("description")
                .or_else(|| prop_resolved.get("description"))
                .and_then(Value::as_str)
                .unwrap_or("");
            match e.params.iter().find(|sp| sp.name == full) {
                Some(sp) if sp.location == Location::Query => {
                    out.push(format!("param {key} in: Helix body, spec query"));
                }
                Some(sp) => {
                    seen.insert(full.clone());
                    let is_required = required.contains(name.as_str());
                    self.param(&key, is_required, prop, description, sp, out);
                }
                None => {
                    let nested = format!("{full}.");
                    if e.params.iter().any(|sp| sp.name.starts_with(&nested)) {
                        self.body_object(e, &nested, prop_resolved, seen, out);
                    } else {
                        out.push(format!("param {key}: Helix only"));
                    }
                }
            }
        }
    }

    /// One parameter both sides have: required, type (with nested models), values, limits.
    fn param(
        &self,
        key: &str,
        helix_required: bool,
        schema: &'a Value,
        description: &str,
        sp: &Param,
        out: &mut Vec<String>,
    ) {
        if helix_required != sp.required {
            out.push(format!(
                "param {key} required: Helix {}, spec {}",
                yes(helix_required),
                yes(sp.required)
            ));
        }
        let schema = self.resolve(schema);
        if let Ok(ty) = TypeExpr::parse(&sp.ty) {
            self.compare("param", key, schema, &ty, Dir::Request, &sp.values, out);
        }
        let (kind, ours) = match helix_kind(schema) {
            Kind::Array => (TextKind::Items, sp.items),
            Kind::String => (TextKind::Length, sp.length),
            Kind::Integer | Kind::Number => (TextKind::Range, sp.range),
            _ => return,
        };
        let name = match kind {
            TextKind::Items => "items",
            TextKind::Length => "length",
            TextKind::Range => "range",
        };
        let ours = ours.unwrap_or_default();
        let explicit = schema_limits(schema, kind);
        let (helix, both_ways) = match explicit {
            Some(limit) => (limit, true),
            None => (limits_in_text(description, kind), false),
        };
        for (side, h, s) in [("min", helix.min, ours.min), ("max", helix.max, ours.max)] {
            if h != s && (both_ways || h.is_some()) {
                out.push(format!(
                    "param {key} {name}.{side}: Helix {}, spec {}",
                    show(h),
                    show(s)
                ));
            }
        }
    }

    fn response(&self, e: &Endpoint, op: &'a Value, out: &mut Vec<String>) {
        let Some(responses) = op.get("responses").and_then(Value::as_object) else {
            return;
        };
        let Some((_, ok)) = responses.iter().find(|(code, _)| code.starts_with('2')) else {
            return;
        };
        let content = ok.get("content").and_then(Value::as_object);
        let json = content
            .and_then(|c| c.get("application/json"))
            .and_then(|c| c.get("schema"))
            .map(|s| self.resolve(s));
        let other = content.and_then(|c| c.keys().find(|k| *k != "application/json"));
        let shape = e.response.shape;
        let shape_name = twitch_codegen::validate::shape_name(shape);
        let Some(schema) = json else {
            match (shape, other) {
                (Shape::None, None) | (Shape::Text, Some(_)) => {}
                (_, Some(ct)) => out.push(format!("response: Helix {ct}, spec {shape_name}")),
                (_, None) => out.push(format!("response: Helix has no body, spec {shape_name}")),
            }
            return;
        };
        let ty = e
            .response
            .model
            .as_deref()
            .map(|m| TypeExpr::Model(m.to_owned()));
        match (shape, ty) {
            (Shape::None | Shape::Text, _) | (_, None) => {
                out.push(format!(
                    "response: Helix has a JSON body, spec {shape_name}"
                ));
            }
            (Shape::Envelope, Some(ty)) => {
                self.compare("response", "", schema, &ty, Dir::Response, &[], out);
            }
            (_, Some(ty)) => {
                let Some(props) = schema.get("properties").and_then(Value::as_object) else {
                    out.push(format!(
                        "response: Helix body is not an object, spec {shape_name}"
                    ));
                    return;
                };
                for (name, prop) in props {
                    let prop = self.resolve(prop);
                    match name.as_str() {
                        "data" if helix_kind(prop) == Kind::Array => {
                            let items = prop.get("items").unwrap_or(&Value::Null);
                            let items = self.resolve(items);
                            self.compare("response", "data[]", items, &ty, Dir::Response, &[], out);
                        }
                        "data" => {
                            self.compare("response", "data", prop, &ty, Dir::Response, &[], out);
                        }
                        "pagination" if shape == Shape::Paginated => {}
                        _ => out.push(helix_only_response_line(name)),
                    }
                }
                if !props.contains_key("data") {
                    out.push("response data: spec only".to_owned());
                }
                if shape == Shape::Paginated && !props.contains_key("pagination") {
                    out.push("response pagination: spec only".to_owned());
                }
            }
        }
    }

    /// Compares a schema with a spec type, recursing into lists, maps and struct models.
    #[allow(
        clippy::too_many_arguments,
        reason = "a recursive walk threading its context; a struct would only rename them"
    )]
    fn compare(
        &self,
        label: &str,
        path: &str,
        schema: &'a Value,
        ty: &TypeExpr,
        dir: Dir,
        values: &[String],
        out: &mut Vec<String>,
    ) {
        let schema = self.resolve(schema);
        let at = if path.is_empty() {
            label.to_owned()
        } else {
            format!("{label} {path}")
        };
        let (hk, sk) = (helix_kind(schema), self.spec_kind(ty));
        if hk != Kind::Any && sk != Kind::Any && hk != sk {
            out.push(format!(
                "{at} type: Helix {}, spec {}",
                hk.name(),
                sk.name()
            ));
            return;
        }
        match ty {
            TypeExpr::List(inner) => {
                if let Some(items) = schema.get("items") {
                    let sub = format!("{path}[]");
                    self.compare(label, &sub, items, inner, dir, values, out);
                }
            }
            TypeExpr::Map(inner) => {
                if let Some(entry) = schema.get("additionalProperties").filter(|v| v.is_object()) {
                    let sub = format!("{path}{{}}");
                    self.compare(label, &sub, entry, inner, dir, values, out);
                }
            }
            TypeExpr::Model(name) => match self.models.get(name.as_str()) {
                Some(model) if model.values.is_empty() => {
                    self.object(label, path, schema, model, dir, out);
                }
                Some(model) => {
                    let ours: Vec<String> = model.values.iter().map(|v| v.value.clone()).collect();
                    enum_values(&at, schema, &ours, out);
                }
                None => out.push(format!("{at}: spec model {name} does not exist")),
            },
            TypeExpr::Prim(Prim::String) => {
                if !values.is_empty() {
                    enum_values(&at, schema, values, out);
                } else if schema.get("enum").is_some() {
                    out.push(format!("{at} values: Helix enum, spec plain string"));
                }
            }
            TypeExpr::Prim(_) => {}
        }
    }

    /// A struct model against an object schema: fields both ways, optionality, then each field.
    fn object(
        &self,
        label: &str,
        path: &str,
        schema: &'a Value,
        model: &Model,
        dir: Dir,
        out: &mut Vec<String>,
    ) {
        let Some(props) = schema.get("properties").and_then(Value::as_object) else {
            return;
        };
        let required = required_set(schema);
        let has_required = schema.get("required").is_some();
        let join = |name: &str| {
            if path.is_empty() {
                name.to_owned()
            } else {
                format!("{path}.{name}")
            }
        };
        for (name, prop) in props {
            let sub = join(name);
            let Some(field) = model.fields.iter().find(|f| f.name == *name) else {
                out.push(format!("{label} {sub}: Helix only"));
                continue;
            };
            let resolved = self.resolve(prop);
            let nullable = [prop, resolved]
                .iter()
                .any(|s| s.get("nullable").and_then(Value::as_bool) == Some(true));
            let helix_required = required.contains(name.as_str()) && !nullable;
            match dir {
                Dir::Response if has_required && !helix_required && !field.optional => {
                    out.push(format!("{label} {sub} required: Helix no, spec yes"));
                }
                Dir::Request if helix_required && field.optional => {
                    out.push(format!("{label} {sub} required: Helix yes, spec no"));
                }
                _ => {}
            }
            if let Ok(ty) = TypeExpr::parse(&field.ty) {
                self.compare(label, &sub, prop, &ty, dir, &[], out);
            }
        }
        for field in &model.fields {
            if !props.contains_key(&field.name) {
                out.push(format!("{label} {}: spec only", join(&field.name)));
            }
        }
    }

    fn spec_kind(&self, ty: &TypeExpr) -> Kind {
        match ty {
            TypeExpr::Prim(p) => match p {
                Prim::String => Kind::String,
                Prim::DateTime => Kind::DateTime,
                Prim::I32 | Prim::I64 | Prim::U32 | Prim::U64 => Kind::Integer,
                Prim::F64 => Kind::Number,
                Prim::Bool => Kind::Boolean,
                Prim::Json => Kind::Any,
            },
            TypeExpr::Model(name) => match self.models.get(name.as_str()) {
                Some(m) if !m.values.is_empty() => Kind::String,
                Some(_) => Kind::Object,
                None => Kind::Any,
            },
            TypeExpr::List(_) => Kind::Array,
            TypeExpr::Map(_) => Kind::Object,
        }
    }
}

fn helix_kind(schema: &Value) -> Kind {
    match schema.get("type").and_then(Value::as_str) {
        Some("string") if schema.get("format").and_then(Value::as_str) == Some("date-time") => {
            Kind::DateTime
        }
        Some("string") => Kind::String,
        Some("integer") => Kind::Integer,
        Some("number") => Kind::Number,
        Some("boolean") => Kind::Boolean,
        Some("array") => Kind::Array,
        Some("object") => Kind::Object,
        _ if schema.get("properties").is_some() => Kind::Object,
        _ => Kind::Any,
    }
}

fn required_set(schema: &Value) -> BTreeSet<&str> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

/// Enum values both ways; nothing when Helix lists none.
fn enum_values(at: &str, schema: &Value, ours: &[String], out: &mut Vec<String>) {
    let Some(helix) = schema.get("enum").and_then(Value::as_array) else {
        return;
    };
    let helix: Vec<String> = helix
        .iter()
        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
        .collect();
    for v in &helix {
        if !ours.contains(v) {
            out.push(format!("{at} value {v:?}: Helix only"));
        }
    }
    for v in ours {
        if !helix.contains(v) {
            out.push(format!("{at} value {v:?}: spec only"));
        }
    }
}

fn yes(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn show(n: Option<i64>) -> String {
    n.map_or_else(|| "none".to_owned(), |n| n.to_string())
}

/// Which limit a parameter can have.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum TextKind {
    /// How many items a list holds.
    Items,
    /// How many characters a string holds.
    Length,
    /// The value of a number.
    Range,
}

/// The limit keywords of a schema, when it has any.
fn schema_limits(schema: &Value, kind: TextKind) -> Option<Limit> {
    let (min, max) = match kind {
        TextKind::Items => ("minItems", "maxItems"),
        TextKind::Length => ("minLength", "maxLength"),
        TextKind::Range => ("minimum", "maximum"),
    };
    let get = |k: &str| schema.get(k).and_then(Value::as_f64).map(|n| n as i64);
    let limit = Limit {
        min: get(min),
        max: get(max),
    };
    (limit.min.is_some() || limit.max.is_some()).then_some(limit)
}

/// The limit a parameter description states, read from its wording: "a maximum of 100 IDs",
/// "The maximum number of IDs you may specify is 100", "limited to a maximum of 300 characters"
/// (for lengths the number must be followed by "characters"), "The minimum is 15 seconds and
/// the maximum is 1800", "between 1 and 6", "in the range 30 through 1380", "from 5 to 60".
/// Only the first statement of each side counts; a cue word reaches at most nine words ahead and
/// never past the end of its sentence.
pub fn limits_in_text(text: &str, kind: TextKind) -> Limit {
    let mut clean = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let digit_at = |j: Option<usize>| {
            j.and_then(|j| chars.get(j))
                .is_some_and(char::is_ascii_digit)
        };
        match c {
            '\\' | '*' | '_' | '`' => {}
            ',' if digit_at(i.checked_sub(1)) && digit_at(Some(i + 1)) => {}
            c => clean.extend(c.to_lowercase()),
        }
    }
    let words: Vec<&str> = clean.split_whitespace().collect();
    let bare = |w: &str| w.trim_matches(|c: char| !c.is_alphanumeric()).to_owned();
    let number = |w: &str| bare(w).parse::<i64>().ok();
    let ends_sentence = |w: &str| w.ends_with('.') || w.ends_with(';');
    let unit_ok = |j: usize| {
        kind != TextKind::Length
            || words
                .get(j + 1)
                .is_some_and(|w| bare(w).starts_with("character"))
    };

    let mut limit = Limit::default();
    for (i, w) in words.iter().enumerate() {
        let cue = bare(w);
        let side = match cue.as_str() {
            "maximum" | "max" | "most" => Some(true),
            "minimum" | "min" | "least" => Some(false),
            _ => None,
        };
        if let Some(is_max) = side {
            if ends_sentence(w) {
                continue;
            }
            for (j, next) in words.iter().enumerate().skip(i + 1).take(9) {
                if let Some(n) = number(next) {
                    if unit_ok(j) {
                        let slot = if is_max {
                            &mut limit.max
                        } else {
                            &mut limit.min
                        };
                        slot.get_or_insert(n);
                    }
                    break;
                }
                if ends_sentence(next) {
                    break;
                }
            }
        }
        // "between N and M", "N through M", "from N to M".
        if kind != TextKind::Length
            && let (Some(a), Some(link), Some(b)) = (
                number(w),
                words.get(i + 1).map(|w| bare(w)),
                words.get(i + 2),
            )
            && let Some(b) = number(b)
        {
            let before = i.checked_sub(1).map(|k| bare(words[k]));
            let range = match link.as_str() {
                "through" => true,
                "and" => before.as_deref() == Some("between"),
                "to" => before.as_deref() == Some("from"),
                _ => false,
            };
            if range && a <= b {
                limit.min.get_or_insert(a);
                limit.max.get_or_insert(b);
            }
        }
    }
    limit
}

/// The "Authorization" part of an operation description (up to the next `__Heading:__`).
fn authorization_text(description: &str) -> &str {
    let Some(start) = description.find("__Authorization:__") else {
        return "";
    };
    let rest = &description[start + "__Authorization:__".len()..];
    match rest.find("\n__") {
        Some(end) => &rest[..end],
        None => rest,
    }
}

/// The scopes of an operation's `security` entry.
fn security_scopes(op: &Value) -> BTreeSet<String> {
    op.get("security")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|s| s.get("twitch_auth").and_then(Value::as_array))
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

/// The token types line: what the operation's "Authorization" text names against the spec's
/// `tokens`.
fn tokens(e: &Endpoint, op: &Value, out: &mut Vec<String>) {
    let description = op.get("description").and_then(Value::as_str).unwrap_or("");
    let text = authorization_text(description);
    let mut helix = tokens_in_text(text);
    // Scopes without a named token type mean a user token: only those carry scopes.
    if helix.is_empty() && !(security_scopes(op).is_empty() && scopes_in_text(text).is_empty()) {
        helix.insert("user");
    }
    let ours: BTreeSet<&str> = e
        .tokens
        .iter()
        .map(|t| match t {
            TokenType::App => "app",
            TokenType::User => "user",
        })
        .collect();
    if helix != ours {
        out.push(format!(
            "tokens: Helix {}, spec {}",
            token_list(&helix),
            token_list(&ours)
        ));
    }
}

/// The token types a text names: `app` (app access token), `user` (user access token, also
/// written "User-Access token") and `jwt` (an Extension's signed JSON Web Token).
fn tokens_in_text(text: &str) -> BTreeSet<&'static str> {
    let text = text.to_lowercase().replace('-', " ");
    let mut found = BTreeSet::new();
    if text.contains("app access token") {
        found.insert("app");
    }
    if text.contains("user access token") {
        found.insert("user");
    }
    if text.contains("jwt") || text.contains("json web token") {
        found.insert("jwt");
    }
    found
}

/// `app, user`, or `none`.
fn token_list(tokens: &BTreeSet<&str>) -> String {
    if tokens.is_empty() {
        "none".to_owned()
    } else {
        tokens.iter().copied().collect::<Vec<_>>().join(", ")
    }
}

/// Scope names (`word:word[:word]`, lowercase and `_`) in a text, Markdown escapes removed.
fn scopes_in_text(text: &str) -> BTreeSet<String> {
    let text = text.replace("\\_", "_");
    text.split(|c: char| !(c.is_ascii_lowercase() || c == '_' || c == ':'))
        .filter(|w| {
            let parts: Vec<&str> = w.split(':').collect();
            parts.len() >= 2
                && parts.len() <= 3
                && parts
                    .iter()
                    .all(|p| !p.is_empty() && !p.starts_with('_') && !p.ends_with('_'))
        })
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit(min: Option<i64>, max: Option<i64>) -> Limit {
        Limit { min, max }
    }

    #[test]
    fn limits_from_descriptions() {
        let cases = [
            (
                "You may specify a maximum of 100 IDs.",
                TextKind::Items,
                limit(None, Some(100)),
            ),
            (
                "The maximum number of login names you may specify is 100\\.",
                TextKind::Items,
                limit(None, Some(100)),
            ),
            (
                "The list must contain a minimum of 2 choices and up to a maximum of 5 choices.",
                TextKind::Items,
                limit(Some(2), Some(5)),
            ),
            (
                "The maximum number of items to return per page in the response. The minimum page size is 1 item per page and the maximum is 1,000\\. The default is 20.",
                TextKind::Range,
                limit(Some(1), Some(1000)),
            ),
            (
                "The prompt is limited to a maximum of 200 characters.",
                TextKind::Length,
                limit(None, Some(200)),
            ),
            (
                "You may specify a maximum of 1 locale.",
                TextKind::Length,
                limit(None, None),
            ),
            (
                "The duration must be in the range 30 through 1380 (23 hours).",
                TextKind::Range,
                limit(Some(30), Some(1380)),
            ),
            (
                "Required to be between 1 and 6.",
                TextKind::Range,
                limit(Some(1), Some(6)),
            ),
            (
                "Possible values range from 5 to 60 inclusively with a precision of 0.1\\.",
                TextKind::Range,
                limit(Some(5), Some(60)),
            ),
            (
                "The minimum value is 1; however, the minimum value is 60 for the UX.",
                TextKind::Range,
                limit(Some(1), None),
            ),
        ];
        for (text, kind, want) in cases {
            assert_eq!(limits_in_text(text, kind), want, "{text}");
        }
    }

    #[test]
    fn token_types_from_authorization_text() {
        let text = |t: &str| {
            tokens_in_text(authorization_text(&format!(
                "x\n__Authorization:__\n{t}\n__Request:__\nuser access token"
            )))
        };
        assert_eq!(
            text("Requires an [app access token](a) or [user access token](b)."),
            BTreeSet::from(["app", "user"])
        );
        assert_eq!(
            text("Query parameter `id` must match the [User-Access token](b)"),
            BTreeSet::from(["user"])
        );
        assert_eq!(
            text("Requires a signed JSON Web Token (JWT) created by an EBS."),
            BTreeSet::from(["jwt"])
        );
        assert!(text("The Client-Id and Authorization headers are not required.").is_empty());
        assert_eq!(token_list(&BTreeSet::new()), "none");
    }

    #[test]
    fn scopes_from_authorization_text() {
        let description = "Gets things.\n\n__Authorization:__\n\nRequires a [user access token](https://dev.twitch.tv/docs/authentication#user-access-tokens) that includes the **moderator:read:automod\\_settings** or `channel:bot` scope. OAuth Scope: x.\n\n__Request Body:__\n\nuser:edit";
        let scopes = scopes_in_text(authorization_text(description));
        let want: BTreeSet<String> = ["channel:bot", "moderator:read:automod_settings"]
            .into_iter()
            .map(str::to_owned)
            .collect();
        assert_eq!(scopes, want);
    }

    #[test]
    fn notes() {
        let spec_diff = |lines: &[&str], why: &str| {
            Note::SpecDiff(twitch_codegen::spec::SpecDiffNote {
                spec_diff: lines.iter().map(|l| (*l).to_owned()).collect(),
                why: why.to_owned(),
            })
        };
        let notes = vec![
            spec_diff(&["x: Helix only", "y: Helix only"], "why"),
            Note::Text("Plain `note`.".to_owned()),
        ];
        assert!(explained(&notes, "x: Helix only"));
        assert!(explained(&notes, "y: Helix only"));
        assert!(!explained(&notes, "z: Helix only"));
        assert_eq!(notes[0].text(), "why");
        assert_eq!(notes[1].text(), "Plain `note`.");
        assert_eq!(note_problem(&notes[0]), None);
        assert_eq!(note_problem(&notes[1]), None);
        assert!(note_problem(&spec_diff(&[], "why")).is_some());
        assert!(note_problem(&spec_diff(&["x: Helix only"], " ")).is_some());
        let old_form = Note::Text("spec-diff: `x: Helix only` why".to_owned());
        assert!(note_problem(&old_form).is_some());
    }
}
