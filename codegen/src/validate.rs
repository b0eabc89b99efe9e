//! Stage 2: check that a parsed spec makes sense, collecting every problem.
//!
//! Parsing already rejected unknown keys and wrong value types; this pass checks what serde
//! cannot: references resolve, names are unique and usable in Rust, limits are ordered, shapes
//! and pagination agree, methods expose what Helix requires. Each problem names the file, the
//! endpoint or model, and the field. Valid input is then bound into the [`Resolved`] spec
//! that lowering reads ([`crate::bind`]).

use std::collections::{BTreeMap, BTreeSet};

use crate::bind::{self, Resolved};
use crate::diag::{Diagnostic, Diagnostics};
use crate::load::Loaded;
use crate::naming;
use crate::spec::{
    ActingUser, Endpoint, ErrorMeaning, Limit, Location, Method, Model, Param, ParamRef, Shape,
    TokenType,
};
use crate::types::{Prim, TypeExpr};

/// What validation learned that lowering needs.
#[derive(Debug, Clone, Default)]
pub struct Index {
    /// Every model name (aliases included) with where it lives.
    pub models: BTreeMap<String, ModelInfo>,
    /// The models (aliases included) holding a `secret` field at any depth.
    pub secret_models: BTreeSet<String>,
    /// The shared error meanings of every file, by name.
    pub shared_errors: BTreeMap<String, String>,
}

/// Where a model is defined and what it is.
#[derive(Debug, Clone)]
pub struct ModelInfo {
    /// Index of the defining file in [`Loaded::files`].
    pub file: usize,
    /// An enum (string values) rather than a struct.
    pub is_enum: bool,
}

/// The parameters a method takes as arguments and as setters.
#[derive(Debug, Clone)]
pub struct Bindings {
    /// Required arguments, in order.
    pub args: Vec<ParamRef>,
    /// Setters.
    pub options: Vec<ParamRef>,
}

/// Resolves a method's `args` and `options`, filling in whichever is absent: without `args`,
/// the required parameters not listed in `options` are arguments; without `options`, every
/// parameter not listed in `args` is a setter.
pub fn bindings(endpoint: &Endpoint, method: &Method) -> Bindings {
    let plain = |p: &Param| ParamRef {
        param: p.name.clone(),
        rust: p.name.clone(),
    };
    let args = match &method.args {
        Some(args) => args.clone(),
        None => endpoint
            .params
            .iter()
            .filter(|p| p.required)
            .filter(|p| {
                method
                    .options
                    .as_ref()
                    .is_none_or(|o| o.iter().all(|r| r.param != p.name))
            })
            .map(plain)
            .collect(),
    };
    let options = match &method.options {
        Some(options) => options.clone(),
        None => endpoint
            .params
            .iter()
            .filter(|p| args.iter().all(|r| r.param != p.name))
            .map(plain)
            .collect(),
    };
    Bindings { args, options }
}

/// The Rust name a parameter reference gives: the explicit `as` name, or one derived from the
/// wire name.
pub fn binding_name(r: &ParamRef) -> Result<String, String> {
    if r.rust == r.param {
        naming::field_name(&r.param).map_err(|e| format!("{e}: write `{} as <name>`", r.param))
    } else if naming::is_snake_ident(&r.rust) {
        Ok(r.rust.clone())
    } else {
        Err(format!(
            "bad Rust identifier `{}`: use a snake_case name that is not a keyword",
            r.rust
        ))
    }
}

/// The parameter of `endpoint` that a reference names (first match by wire name).
pub fn find_param<'a>(endpoint: &'a Endpoint, r: &ParamRef) -> Option<&'a Param> {
    endpoint.params.iter().find(|p| p.name == r.param)
}

/// Checks the loaded spec, then binds it ([`crate::bind`]). Returns the resolved spec, or every
/// problem found.
pub fn validate(loaded: &Loaded) -> Result<Resolved<'_>, Diagnostics> {
    let mut v = Validator {
        loaded,
        problems: Vec::new(),
        index: Index::default(),
        used_shared_errors: BTreeSet::new(),
    };
    v.collect_models();
    v.collect_shared_errors();
    let mut seen = Seen::default();
    for (i, file) in loaded.files.iter().enumerate() {
        let display = file.display.as_str();
        if file.spec.group != file.stem {
            v.report(
                display,
                None,
                Some("group"),
                format!(
                    "group `{}` must equal the file stem `{}`",
                    file.spec.group, file.stem
                ),
            );
        } else if !naming::is_snake_ident(&file.stem) {
            v.report(
                display,
                None,
                Some("group"),
                format!(
                    "bad Rust identifier: group `{}` becomes a module name, so it must be snake_case and not a keyword",
                    file.stem
                ),
            );
        }
        for model in &file.spec.models {
            v.check_model(i, model);
        }
        for endpoint in &file.spec.endpoints {
            v.check_endpoint(i, endpoint, &mut seen);
        }
    }
    v.check_examples();
    v.check_shared_errors_used();
    v.index.secret_models = secret_models(loaded);
    // Global checks report as they go; list each file's problems together, in the order found.
    v.problems.sort_by(|a, b| a.file.cmp(&b.file));
    if v.problems.is_empty() {
        bind::bind(loaded, v.index)
    } else {
        Err(Diagnostics(v.problems))
    }
}

/// The models with a `secret` field, then those containing one of them, until none is added;
/// aliases follow their model.
fn secret_models(loaded: &Loaded) -> BTreeSet<String> {
    let models: Vec<&Model> = loaded.files.iter().flat_map(|f| &f.spec.models).collect();
    let mut secret = BTreeSet::new();
    loop {
        let before = secret.len();
        for model in &models {
            let holds = model.fields.iter().any(|f| {
                f.secret
                    || TypeExpr::parse(&f.ty)
                        .is_ok_and(|ty| ty.models().into_iter().any(|m| secret.contains(m)))
            });
            if holds {
                secret.insert(model.name.clone());
                secret.extend(model.aliases.iter().cloned());
            }
        }
        if secret.len() == before {
            return secret;
        }
    }
}

/// Global names seen so far, for duplicate checks across files.
#[derive(Default)]
struct Seen {
    /// operation -> file
    operations: BTreeMap<String, String>,
    /// (method, path) -> (file, operation)
    routes: BTreeMap<(String, String), (String, String)>,
    /// (class, method name) -> (file, operation)
    methods: BTreeMap<(TokenType, String), (String, String)>,
    /// builder type -> (file, operation, method)
    builders: BTreeMap<String, (String, String, String)>,
}

struct Validator<'a> {
    loaded: &'a Loaded,
    problems: Vec<Diagnostic>,
    index: Index,
    /// Shared error names some endpoint refers to.
    used_shared_errors: BTreeSet<String>,
}

/// `string` or `string[]`: the types a `secret` marker applies to.
fn is_text(ty: &TypeExpr) -> bool {
    match ty {
        TypeExpr::List(inner) => **inner == TypeExpr::Prim(Prim::String),
        other => *other == TypeExpr::Prim(Prim::String),
    }
}

fn class_name(class: TokenType) -> &'static str {
    match class {
        TokenType::App => "AppApi",
        TokenType::User => "UserApi",
    }
}

fn token_word(class: TokenType) -> &'static str {
    match class {
        TokenType::App => "app",
        TokenType::User => "user",
    }
}

/// `^[a-z_]+(:[a-z_]+)+$`
fn is_scope(scope: &str) -> bool {
    let parts: Vec<&str> = scope.split(':').collect();
    parts.len() >= 2
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
}

fn path_problem(path: &str) -> Option<&'static str> {
    if !path.starts_with('/') {
        Some("must start with `/`")
    } else if path.len() > 1 && path.ends_with('/') {
        Some("must not end with `/`")
    } else if path.chars().any(char::is_whitespace) {
        Some("must not contain spaces")
    } else if path.contains("//") {
        Some("must not contain an empty segment (`//`)")
    } else if !path
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '/' | '_' | '-'))
    {
        Some("may only contain lowercase letters, digits, `_`, `-` and `/` (no templates or query)")
    } else {
        None
    }
}

impl Validator<'_> {
    fn report(
        &mut self,
        file: &str,
        item: Option<&str>,
        field: Option<&str>,
        message: impl Into<String>,
    ) {
        self.problems.push(Diagnostic {
            file: file.to_owned(),
            item: item.map(str::to_owned),
            field: field.map(str::to_owned),
            message: message.into(),
        });
    }

    /// Registers every model and alias name, reporting bad and duplicate names.
    /// Gathers every file's `shared_errors`; a name must be a snake_case identifier (it becomes
    /// a constant) and defined once across the spec.
    fn collect_shared_errors(&mut self) {
        let loaded = self.loaded;
        for file in &loaded.files {
            for (name, text) in &file.spec.shared_errors {
                let field = format!("shared_errors.{name}");
                if !naming::is_snake_ident(name) {
                    self.report(
                        &file.display,
                        None,
                        Some(&field),
                        format!("bad Rust identifier `{name}`: shared error names are snake_case"),
                    );
                } else if self.index.shared_errors.contains_key(name) {
                    self.report(
                        &file.display,
                        None,
                        Some(&field),
                        format!(
                            "shared error `{name}` is defined twice; names are global across files"
                        ),
                    );
                } else {
                    self.index.shared_errors.insert(name.clone(), text.clone());
                }
            }
        }
    }

    /// A shared error no endpoint refers to is a leftover: report it.
    fn check_shared_errors_used(&mut self) {
        let loaded = self.loaded;
        for file in &loaded.files {
            for name in file.spec.shared_errors.keys() {
                let defined = self.index.shared_errors.contains_key(name);
                if defined && !self.used_shared_errors.contains(name) {
                    self.report(
                        &file.display,
                        None,
                        Some(&format!("shared_errors.{name}")),
                        format!("shared error `{name}` is used by no endpoint; remove it"),
                    );
                }
            }
        }
    }

    fn collect_models(&mut self) {
        let loaded = self.loaded;
        let mut defined_in: BTreeMap<String, String> = BTreeMap::new();
        for (i, file) in loaded.files.iter().enumerate() {
            for model in &file.spec.models {
                let item = format!("model `{}`", model.name);
                let names = std::iter::once((model.name.as_str(), "name".to_owned())).chain(
                    model
                        .aliases
                        .iter()
                        .enumerate()
                        .map(|(k, a)| (a.as_str(), format!("aliases[{k}]"))),
                );
                for (name, field) in names {
                    if !naming::is_type_ident(name) {
                        self.report(
                            &file.display,
                            Some(&item),
                            Some(&field),
                            format!("bad Rust identifier `{name}`: model names are UpperCamelCase identifiers"),
                        );
                    } else if naming::RESERVED_TYPES.contains(&name) {
                        self.report(
                            &file.display,
                            Some(&item),
                            Some(&field),
                            format!("`{name}` is reserved: the generated code uses that name"),
                        );
                    }
                    if let Some(other) = defined_in.get(name) {
                        let message =
                            format!("duplicate model name `{name}`: already defined in {other}");
                        self.report(&file.display, Some(&item), Some(&field), message);
                        continue;
                    }
                    defined_in.insert(name.to_owned(), file.display.clone());
                    self.index.models.insert(
                        name.to_owned(),
                        ModelInfo {
                            file: i,
                            is_enum: !model.values.is_empty(),
                        },
                    );
                }
            }
        }
    }

    fn check_type(&mut self, file: &str, item: &str, field: &str, text: &str) -> Option<TypeExpr> {
        match TypeExpr::parse(text) {
            Ok(ty) => {
                let mut ok = true;
                for model in ty.models() {
                    if !self.index.models.contains_key(model) {
                        self.report(
                            file,
                            Some(item),
                            Some(field),
                            format!("unknown model reference `{model}`"),
                        );
                        ok = false;
                    }
                }
                ok.then_some(ty)
            }
            Err(message) => {
                self.report(file, Some(item), Some(field), message);
                None
            }
        }
    }

    fn check_limit(&mut self, file: &str, item: &str, field: &str, limit: &Option<Limit>) {
        if let Some(Limit {
            min: Some(min),
            max: Some(max),
        }) = limit
            && min > max
        {
            self.report(
                file,
                Some(item),
                Some(field),
                format!("limit min {min} is greater than max {max}"),
            );
        }
    }

    fn check_model(&mut self, file_index: usize, model: &Model) {
        let file = self.loaded.files[file_index].display.as_str();
        let item = format!("model `{}`", model.name);
        if !model.fields.is_empty() && !model.values.is_empty() {
            self.report(
                file,
                Some(&item),
                None,
                "a model is a struct (`fields`) or an enum (`values`), not both",
            );
            return;
        }
        let mut wire = BTreeSet::new();
        let mut rust = BTreeSet::new();
        for f in &model.fields {
            let field = format!("fields[{}]", f.name);
            if !wire.insert(f.name.as_str()) {
                self.report(
                    file,
                    Some(&item),
                    Some(&field),
                    format!("duplicate field `{}`", f.name),
                );
            }
            let ty = self.check_type(file, &item, &format!("{field}.type"), &f.ty);
            if ty == Some(TypeExpr::Model(model.name.clone())) {
                self.report(
                    file,
                    Some(&item),
                    Some(&format!("{field}.type")),
                    "a model cannot contain itself directly; use a list",
                );
            }
            if f.secret && ty.as_ref().is_some_and(|ty| !is_text(ty)) {
                self.report(
                    file,
                    Some(&item),
                    Some(&format!("{field}.secret")),
                    format!(
                        "`secret` applies to `string` and `string[]` fields only, not `{}`",
                        f.ty
                    ),
                );
            }
            let name = match &f.rust {
                Some(name) if naming::is_snake_ident(name) => Ok(name.clone()),
                Some(name) => Err(format!(
                    "bad Rust identifier `{name}`: use a snake_case name that is not a keyword"
                )),
                None => naming::field_name(&f.name).map_err(|e| format!("{e}: set `rust:`")),
            };
            match name {
                Ok(name) => {
                    if !rust.insert(name.clone()) {
                        self.report(
                            file,
                            Some(&item),
                            Some(&field),
                            format!("two fields have the Rust name `{name}`: set `rust:` on one"),
                        );
                    }
                }
                Err(message) => {
                    self.report(file, Some(&item), Some(&format!("{field}.rust")), message)
                }
            }
        }
        let mut values = BTreeSet::new();
        let mut variants = BTreeSet::new();
        for v in &model.values {
            let field = format!("values[{}]", v.value);
            if !values.insert(v.value.as_str()) {
                self.report(
                    file,
                    Some(&item),
                    Some(&field),
                    format!("duplicate value `{}`", v.value),
                );
            }
            let name = match &v.variant {
                Some(name) if naming::is_type_ident(name) => Ok(name.clone()),
                Some(name) => Err(format!(
                    "bad Rust identifier `{name}`: variants are UpperCamelCase identifiers"
                )),
                None => naming::variant_name(&v.value).map_err(|e| format!("{e}: set `variant:`")),
            };
            match name {
                Ok(name) if name == "Unknown" => self.report(
                    file,
                    Some(&item),
                    Some(&format!("{field}.variant")),
                    "`Unknown` is the catch-all variant for values the spec does not list: set `variant:`",
                ),
                Ok(name) => {
                    if !variants.insert(name.clone()) {
                        self.report(
                            file,
                            Some(&item),
                            Some(&field),
                            format!("two values have the variant `{name}`: set `variant:` on one"),
                        );
                    }
                }
                Err(message) => self.report(file, Some(&item), Some(&format!("{field}.variant")), message),
            }
        }
    }

    fn check_endpoint(&mut self, file_index: usize, e: &Endpoint, seen: &mut Seen) {
        let file = self.loaded.files[file_index].display.clone();
        let file = file.as_str();
        let item = format!("endpoint `{}`", e.operation);
        let item = item.as_str();

        if !naming::is_operation_id(&e.operation) {
            self.report(
                file,
                Some(item),
                Some("operation"),
                "operation ids are kebab-case (`get-users`)",
            );
        }
        if let Some(other) = seen.operations.get(&e.operation) {
            let message = format!("duplicate operation `{}`: already in {other}", e.operation);
            self.report(file, Some(item), Some("operation"), message);
        } else {
            seen.operations.insert(e.operation.clone(), file.to_owned());
        }
        if let Some(problem) = path_problem(&e.path) {
            self.report(
                file,
                Some(item),
                Some("path"),
                format!("bad path `{}`: {problem}", e.path),
            );
        }
        let route = (e.method.as_str().to_owned(), e.path.clone());
        if let Some((other_file, other_op)) = seen.routes.get(&route) {
            let message = format!(
                "duplicate route {} {}: already used by `{other_op}` in {other_file}",
                route.0, route.1
            );
            self.report(file, Some(item), Some("path"), message);
        } else {
            seen.routes
                .insert(route, (file.to_owned(), e.operation.clone()));
        }
        if e.summary.trim().is_empty() {
            self.report(
                file,
                Some(item),
                Some("summary"),
                "the summary must not be empty",
            );
        }
        if !e.reference.starts_with("https://") {
            self.report(
                file,
                Some(item),
                Some("reference"),
                "the reference must be an https:// link",
            );
        }
        if e.tokens.is_empty() {
            self.report(
                file,
                Some(item),
                Some("tokens"),
                "at least one token type is required",
            );
        }
        let unique_tokens: BTreeSet<_> = e.tokens.iter().collect();
        if unique_tokens.len() != e.tokens.len() {
            self.report(
                file,
                Some(item),
                Some("tokens"),
                "a token type is listed twice",
            );
        }
        if let Some(partial) = &e.scopes.partial {
            if partial.trim().is_empty() {
                self.report(
                    file,
                    Some(item),
                    Some("scopes.partial"),
                    "empty: say what a token without the scopes gets",
                );
            }
            if e.scopes.all_of.is_empty() && e.scopes.any_of.is_empty() {
                self.report(
                    file,
                    Some(item),
                    Some("scopes.partial"),
                    "no scopes listed in `all_of` or `any_of` to be partial",
                );
            }
        }
        for (set, scopes) in [("all_of", &e.scopes.all_of), ("any_of", &e.scopes.any_of)] {
            for (k, scope) in scopes.iter().enumerate() {
                if !is_scope(scope) {
                    self.report(
                        file,
                        Some(item),
                        Some(&format!("scopes.{set}[{k}]")),
                        format!("malformed scope `{scope}`: expected `word:word` (lowercase, `_` allowed)"),
                    );
                }
            }
        }

        let mut param_names = BTreeSet::new();
        for p in &e.params {
            let field = format!("params[{}]", p.name);
            if p.name.is_empty() || p.name.chars().any(char::is_whitespace) {
                self.report(
                    file,
                    Some(item),
                    Some(&field),
                    "parameter names must be non-empty and without spaces",
                );
            }
            if !param_names.insert(p.name.as_str()) {
                self.report(
                    file,
                    Some(item),
                    Some(&field),
                    format!("duplicate parameter `{}`", p.name),
                );
            }
            self.check_param(file, item, &field, p);
        }

        if let Some(acting) = &e.acting_user {
            self.check_acting_user(file, item, e, acting);
        }

        self.check_page_size_param(file, item, e);
        match (e.response.shape, &e.pagination) {
            (Shape::Paginated, None) => self.report(
                file,
                Some(item),
                Some("pagination"),
                "a paginated response needs a `pagination` block",
            ),
            (Shape::Paginated, Some(p)) if p.item.is_some() => self.report(
                file,
                Some(item),
                Some("pagination.item"),
                "only an `envelope` response names its item model; a paginated one pages `response.model`",
            ),
            (Shape::Envelope, Some(p)) => match &p.item {
                None => self.report(
                    file,
                    Some(item),
                    Some("pagination.item"),
                    "a paged `envelope` response needs the model of one item of `data`",
                ),
                Some(model) if self.index.models.get(model).is_none_or(|m| m.is_enum) => self
                    .report(
                        file,
                        Some(item),
                        Some("pagination.item"),
                        format!("unknown struct model reference `{model}`"),
                    ),
                Some(_) => {}
            },
            (shape, Some(_)) if shape != Shape::Paginated => self.report(
                file,
                Some(item),
                Some("pagination"),
                "a `pagination` block needs `response.shape: paginated` (or `envelope` with `item`)",
            ),
            _ => {}
        }
        let needs_model = !matches!(e.response.shape, Shape::None | Shape::Text);
        match (&e.response.model, needs_model) {
            (None, true) => self.report(
                file,
                Some(item),
                Some("response.model"),
                format!("shape `{}` needs a model", shape_name(e.response.shape)),
            ),
            (Some(_), false) => self.report(
                file,
                Some(item),
                Some("response.model"),
                format!(
                    "shape `{}` has no model; remove it",
                    shape_name(e.response.shape)
                ),
            ),
            (Some(model), true) => {
                if !self.index.models.contains_key(model) {
                    self.report(
                        file,
                        Some(item),
                        Some("response.model"),
                        format!("unknown model reference `{model}`"),
                    );
                }
            }
            (None, false) => {}
        }
        for (status, meaning) in &e.errors {
            let field = format!("errors[{status}]");
            if !(400..=599).contains(status) {
                self.report(
                    file,
                    Some(item),
                    Some(&field),
                    "error statuses are 4xx or 5xx",
                );
            }
            if let ErrorMeaning::Shared(r) = meaning {
                if self.index.shared_errors.contains_key(&r.shared) {
                    self.used_shared_errors.insert(r.shared.clone());
                } else {
                    self.report(
                        file,
                        Some(item),
                        Some(&field),
                        format!(
                            "unknown shared error `{}`: define it under `shared_errors`",
                            r.shared
                        ),
                    );
                }
            }
        }

        if e.methods.is_empty() {
            self.report(
                file,
                Some(item),
                Some("methods"),
                "at least one SDK method is required",
            );
        }
        for m in &e.methods {
            self.check_method(file, item, e, m, seen);
        }
        self.check_rust_names_agree(file, item, e);
    }

    /// The endpoint table carries one Rust name per wire parameter (for error messages about
    /// it), so every method binding the parameter must call it the same.
    fn check_rust_names_agree(&mut self, file: &str, item: &str, e: &Endpoint) {
        let mut names: BTreeMap<&str, (String, &str)> = BTreeMap::new();
        for m in &e.methods {
            let b = bindings(e, m);
            for r in b.args.iter().chain(&b.options) {
                let Ok(name) = binding_name(r) else { continue };
                let param = e.params.iter().find(|p| p.name == r.param);
                let Some(param) = param else { continue };
                match names.get(param.name.as_str()) {
                    None => {
                        names.insert(&param.name, (name, &m.name));
                    }
                    Some((first, first_method)) if *first != name && *first_method != m.name => {
                        let message = format!(
                            "method `{}` names parameter `{}` `{name}` but method `{first_method}` names it `{first}`; all methods must use one Rust name per parameter",
                            m.name, param.name
                        );
                        self.report(file, Some(item), Some("methods"), message);
                    }
                    Some(_) => {}
                }
            }
        }
    }

    /// A page-size parameter the spec lists (for its range) is an optional integer in the
    /// query: a method exposing it hands it to the paginator as a number
    /// (`Request::set_page_size`).
    fn check_page_size_param(&mut self, file: &str, item: &str, e: &Endpoint) {
        let name = e.pagination.as_ref().and_then(|p| p.page_size.as_deref());
        let Some(p) = name.and_then(|name| e.params.iter().find(|p| p.name == name)) else {
            return;
        };
        let integer = matches!(
            TypeExpr::parse(&p.ty),
            Ok(TypeExpr::Prim(Prim::I32 | Prim::I64 | Prim::U32))
        );
        if !integer || p.required || p.location != Location::Query || p.token_user {
            self.report(
                file,
                Some(item),
                Some(&format!("params[{}]", p.name)),
                format!(
                    "`{}` is the page size (`pagination.page_size`): it must be an optional \
                     query parameter of type i32, i64 or u32",
                    p.name
                ),
            );
        }
    }

    /// Checks an `acting_user` rule: it needs user tokens and names string parameters.
    fn check_acting_user(&mut self, file: &str, item: &str, e: &Endpoint, acting: &ActingUser) {
        if !e.tokens.contains(&TokenType::User) {
            self.report(
                file,
                Some(item),
                Some("acting_user"),
                "an acting-user rule needs an operation that accepts user tokens",
            );
        }
        let named = [
            ("param", Some(&acting.param)),
            ("moderates", acting.moderates.as_ref()),
        ];
        for (key, name) in named {
            let Some(name) = name else { continue };
            match e.params.iter().find(|p| &p.name == name) {
                None => self.report(
                    file,
                    Some(item),
                    Some(&format!("acting_user.{key}")),
                    format!("unknown parameter `{name}`"),
                ),
                Some(p) if p.ty != "string" => self.report(
                    file,
                    Some(item),
                    Some(&format!("acting_user.{key}")),
                    format!("parameter `{name}` must be a `string`, not `{}`", p.ty),
                ),
                Some(_) => {}
            }
        }
    }

    /// Checks one parameter.
    fn check_param(&mut self, file: &str, item: &str, field: &str, p: &Param) {
        let Some(ty) = self.check_type(file, item, &format!("{field}.type"), &p.ty) else {
            return;
        };
        let element = match &ty {
            TypeExpr::List(inner) => inner.as_ref(),
            other => other,
        };
        if ty.has_map() || matches!(element, TypeExpr::List(_)) {
            self.report(
                file,
                Some(item),
                Some(&format!("{field}.type")),
                "parameters cannot be maps or nested lists",
            );
            return;
        }
        if p.location == Location::Query {
            let bad = match element {
                TypeExpr::Prim(Prim::Json) => Some("json"),
                TypeExpr::Model(name)
                    if self.index.models.get(name).is_some_and(|m| !m.is_enum) =>
                {
                    Some("a struct model")
                }
                _ => None,
            };
            if let Some(bad) = bad {
                self.report(
                    file,
                    Some(item),
                    Some(&format!("{field}.type")),
                    format!("a query parameter cannot be {bad}; use `in: body`"),
                );
            }
        }
        if p.token_user && ty != TypeExpr::Prim(Prim::String) {
            self.report(
                file,
                Some(item),
                Some(&format!("{field}.token_user")),
                "only a `string` parameter can default to the token's user id",
            );
        }
        let is_list = matches!(ty, TypeExpr::List(_));
        let is_string = *element == TypeExpr::Prim(Prim::String);
        let is_number = matches!(element, TypeExpr::Prim(prim) if prim.is_number());
        if p.items.is_some() && !is_list {
            self.report(
                file,
                Some(item),
                Some(&format!("{field}.items")),
                "`items` applies to list parameters only",
            );
        }
        if p.length.is_some() && !is_string {
            self.report(
                file,
                Some(item),
                Some(&format!("{field}.length")),
                "`length` applies to string parameters only",
            );
        }
        if p.range.is_some() && !is_number {
            self.report(
                file,
                Some(item),
                Some(&format!("{field}.range")),
                "`range` applies to number parameters only",
            );
        }
        if !p.values.is_empty() && !is_string {
            self.report(
                file,
                Some(item),
                Some(&format!("{field}.values")),
                "`values` applies to string parameters only",
            );
        }
        if p.secret && (!is_text(&ty) || !p.values.is_empty()) {
            self.report(
                file,
                Some(item),
                Some(&format!("{field}.secret")),
                "`secret` applies to `string` and `string[]` parameters without `values` only",
            );
        }
        self.check_limit(file, item, &format!("{field}.items"), &p.items);
        self.check_limit(file, item, &format!("{field}.length"), &p.length);
        self.check_limit(file, item, &format!("{field}.range"), &p.range);
    }

    fn check_method(&mut self, file: &str, item: &str, e: &Endpoint, m: &Method, seen: &mut Seen) {
        let at = format!("methods[{}]", m.name);
        let classes: BTreeSet<TokenType> = m.api.iter().copied().collect();
        let names = std::iter::once((m.name.as_str(), format!("{at}.name"))).chain(
            m.aliases
                .iter()
                .enumerate()
                .map(|(k, a)| (a.as_str(), format!("{at}.aliases[{k}]"))),
        );
        let mut names_ok = true;
        for (name, field) in names {
            if !naming::is_snake_ident(name) {
                names_ok = false;
                self.report(
                    file,
                    Some(item),
                    Some(&field),
                    format!(
                        "bad Rust identifier `{name}`: method names are snake_case and not keywords"
                    ),
                );
                continue;
            }
            for class in &classes {
                let key = (*class, name.to_owned());
                if let Some((other_file, other_op)) = seen.methods.get(&key) {
                    let message = format!(
                        "duplicate method name `{name}` on {}: already used by `{other_op}` in {other_file}",
                        class_name(*class)
                    );
                    self.report(file, Some(item), Some(&field), message);
                } else {
                    seen.methods
                        .insert(key, (file.to_owned(), e.operation.clone()));
                }
            }
        }
        if names_ok {
            let builder = naming::builder_name(&m.name);
            if naming::RESERVED_BUILDERS.contains(&builder.as_str()) {
                self.report(
                    file,
                    Some(item),
                    Some(&format!("{at}.name")),
                    format!("method `{}` would need the request type `{builder}`, a name the generated code already uses", m.name),
                );
            } else if let Some((other_file, other_op, other_method)) = seen.builders.get(&builder) {
                if !(other_op == &e.operation && other_method == &m.name) {
                    let message = format!(
                        "request type `{builder}` is already generated for `{other_method}` of `{other_op}` in {other_file}; rename the method"
                    );
                    self.report(file, Some(item), Some(&format!("{at}.name")), message);
                }
            } else {
                seen.builders.insert(
                    builder,
                    (file.to_owned(), e.operation.clone(), m.name.clone()),
                );
            }
        }

        if m.api.is_empty() {
            self.report(
                file,
                Some(item),
                Some(&format!("{at}.api")),
                "at least one API class (app, user) is required",
            );
        }
        if classes.len() != m.api.len() {
            self.report(
                file,
                Some(item),
                Some(&format!("{at}.api")),
                "an API class is listed twice",
            );
        }
        for class in &classes {
            if !e.tokens.contains(class) {
                self.report(
                    file,
                    Some(item),
                    Some(&format!("{at}.api")),
                    format!(
                        "api class `{}` is not in the endpoint's tokens: {} has no {} token to send",
                        token_word(*class),
                        class_name(*class),
                        token_word(*class)
                    ),
                );
            }
        }
        if m.order.as_deref().is_some_and(|o| o.trim().is_empty()) {
            self.report(
                file,
                Some(item),
                Some(&format!("{at}.order")),
                "empty: say in which order the results come, or leave `order` out",
            );
        }
        if m.default_limit.is_some() && e.response.shape != Shape::Paginated {
            self.report(
                file,
                Some(item),
                Some(&format!("{at}.default_limit")),
                "`default_limit` applies to paginated endpoints only",
            );
        }

        let b = bindings(e, m);
        let mut used = BTreeSet::new();
        let mut rust_names = BTreeSet::new();
        let refs = b
            .args
            .iter()
            .map(|r| ("args", r))
            .chain(b.options.iter().map(|r| ("options", r)));
        for (list, r) in refs {
            let field = format!("{at}.{list}[{}]", r.param);
            if find_param(e, r).is_none() {
                self.report(
                    file,
                    Some(item),
                    Some(&field),
                    format!("unknown parameter `{}`", r.param),
                );
                continue;
            }
            if !used.insert(r.param.as_str()) {
                self.report(
                    file,
                    Some(item),
                    Some(&field),
                    format!("parameter `{}` is exposed twice", r.param),
                );
            }
            match binding_name(r) {
                Ok(name) => {
                    if naming::RESERVED_SETTERS.contains(&name.as_str()) {
                        self.report(
                            file,
                            Some(item),
                            Some(&field),
                            format!(
                                "`{name}` is reserved on request types: write `{} as <name>`",
                                r.param
                            ),
                        );
                    } else if !rust_names.insert(name.clone()) {
                        self.report(
                            file,
                            Some(item),
                            Some(&field),
                            format!("two parameters are named `{name}`"),
                        );
                    }
                }
                Err(message) => self.report(file, Some(item), Some(&field), message),
            }
        }
        for p in &e.params {
            if p.required && !used.contains(p.name.as_str()) {
                self.report(
                    file,
                    Some(item),
                    Some(&at),
                    format!(
                        "required parameter `{}` is not exposed: add it to `args` or `options`",
                        p.name
                    ),
                );
            }
        }
    }

    fn check_examples(&mut self) {
        let loaded = self.loaded;
        let operations: BTreeSet<&str> = loaded
            .files
            .iter()
            .flat_map(|f| f.spec.endpoints.iter().map(|e| e.operation.as_str()))
            .collect();
        for example in &loaded.examples {
            if !operations.contains(example.operation.as_str()) {
                let message = format!(
                    "no endpoint has the operation `{}`: rename or remove the example",
                    example.operation
                );
                self.report(&example.display, None, None, message);
            }
        }
    }
}

/// The spec spelling of a shape.
pub fn shape_name(shape: Shape) -> &'static str {
    match shape {
        Shape::None => "none",
        Shape::Single => "single",
        Shape::Optional => "optional",
        Shape::List => "list",
        Shape::Paginated => "paginated",
        Shape::Envelope => "envelope",
        Shape::Text => "text",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes() {
        for good in [
            "user:read:email",
            "moderator:manage:automod_messages",
            "bits:read",
        ] {
            assert!(is_scope(good), "{good}");
        }
        for bad in [
            "user",
            "User:read",
            "user::read",
            "user:read:",
            "user read:x",
            "",
        ] {
            assert!(!is_scope(bad), "{bad}");
        }
    }

    #[test]
    fn paths() {
        for good in [
            "/users",
            "/channels/followers",
            "/moderation/shield_mode",
            "/",
        ] {
            assert_eq!(path_problem(good), None, "{good}");
        }
        for bad in [
            "users",
            "/users/",
            "/us ers",
            "/users//x",
            "/users/{id}",
            "/users?x=1",
        ] {
            assert!(path_problem(bad).is_some(), "{bad}");
        }
    }
}
