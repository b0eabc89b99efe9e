//! Stage 3: turn a validated spec into the [`Ir`].
//!
//! Every decision lives here: Rust names (through [`naming`]), Rust types, which parameters are
//! arguments and which are setters on which API class, how each value reaches the request, the
//! docs of every item, and the order of everything. The emitters only print.

pub mod calls;

use std::collections::BTreeSet;

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::diag::{Diagnostic, Diagnostics};
use crate::ir::*;
use crate::load::Loaded;
use crate::naming;
use crate::spec::{self, Endpoint, Location, Method, Model, Param, Shape, TokenType};
use crate::types::{Prim, TypeExpr};
use crate::validate::{Index, binding_name, bindings, find_param};

/// Lowers `loaded`, which [`crate::validate::validate`] accepted with `index`.
pub fn lower(loaded: &Loaded, index: &Index) -> Result<Ir, Diagnostics> {
    let mut l = Lowerer {
        index,
        problems: Vec::new(),
        file: String::new(),
    };
    let mut files: Vec<_> = loaded.files.iter().enumerate().collect();
    files.sort_by(|a, b| a.1.stem.cmp(&b.1.stem));

    let mut model_files = Vec::new();
    let mut sdk_files = Vec::new();
    let mut endpoints = Vec::new();
    for (i, file) in files {
        l.file = file.display.clone();
        if !file.spec.models.is_empty() {
            model_files.push(l.model_file(i, &file.stem, &file.spec.models));
        }
        if !file.spec.endpoints.is_empty() {
            let sdk = l.sdk_file(&file.stem, &file.spec.endpoints);
            for e in &file.spec.endpoints {
                let ident = l.ident(&naming::static_name(&e.operation));
                endpoints.push((e.path.clone(), e.method, sdk.module.clone(), ident));
            }
            sdk_files.push(sdk);
        }
    }
    endpoints.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    let endpoints = endpoints
        .into_iter()
        .map(|(_, _, module, ident)| EndpointRef { module, ident })
        .collect();

    let mut examples: Vec<(String, String)> = loaded
        .examples
        .iter()
        .filter(|x| !x.request)
        .map(|x| (x.operation.clone(), x.json.clone()))
        .collect();
    examples.sort();

    let requests = sdk_files
        .iter()
        .filter(|f| !f.builders.is_empty())
        .map(|f| {
            let mut builders: Vec<Ident> = f.builders.iter().map(|b| b.ident.clone()).collect();
            builders.sort_by_key(ToString::to_string);
            (f.module.clone(), builders)
        })
        .collect();
    let shared_errors = index
        .shared_errors
        .iter()
        .map(|(name, text)| (l.ident(&shared_error_const(name)), one_line(text)))
        .collect();
    let (calls, problems) = calls::lower(loaded);
    l.problems.extend(problems);
    if l.problems.is_empty() {
        Ok(Ir {
            model_files,
            sdk_files,
            endpoints,
            requests,
            shared_errors,
            examples,
            calls,
        })
    } else {
        Err(Diagnostics(l.problems))
    }
}

fn sorted_endpoints(endpoints: &[Endpoint]) -> Vec<&Endpoint> {
    let mut sorted: Vec<&Endpoint> = endpoints.iter().collect();
    sorted.sort_by(|a, b| a.operation.cmp(&b.operation));
    sorted
}

/// Which crate a type is written for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    /// Inside twitch-models: models by bare name.
    Models,
    /// Inside twitch-sdk: models as `models::Name`.
    Sdk,
}

struct Lowerer<'a> {
    index: &'a Index,
    problems: Vec<Diagnostic>,
    /// The file being lowered, for internal errors.
    file: String,
}

/// A parameter as one method exposes it.
pub(crate) struct Binding<'a> {
    /// The argument or setter name.
    pub(crate) name: String,
    pub(crate) param: &'a Param,
    pub(crate) ty: TypeExpr,
    /// A required argument (else a setter).
    pub(crate) arg: bool,
}

impl Binding<'_> {
    pub(crate) fn is_list(&self) -> bool {
        matches!(self.ty, TypeExpr::List(_))
    }
}

/// The parameters `m` exposes, arguments first, each resolved to its spec entry and type.
pub(crate) fn method_bindings<'e>(e: &'e Endpoint, m: &Method) -> Vec<Binding<'e>> {
    let b = bindings(e, m);
    let refs = b.args.iter().map(|r| (r, true));
    let refs = refs.chain(b.options.iter().map(|r| (r, false)));
    refs.filter_map(|(r, arg)| {
        // Validation checked that the parameter exists, its type parses and the name is good.
        let param = find_param(e, r)?;
        let ty = TypeExpr::parse(&param.ty).ok()?;
        let name = binding_name(r).unwrap_or_else(|_| r.rust.clone());
        Some(Binding {
            name,
            param,
            ty,
            arg,
        })
    })
    .collect()
}

impl Lowerer<'_> {
    /// `name` as an identifier. Validation guarantees it is one; if not, the bug is reported as
    /// a diagnostic instead of a panic.
    fn ident(&mut self, name: &str) -> Ident {
        naming::ident(name).unwrap_or_else(|| {
            self.problems.push(Diagnostic::file(
                self.file.clone(),
                format!("internal error: `{name}` is not a Rust identifier but passed validation; please report this"),
            ));
            Ident::new("invalid", Span::call_site())
        })
    }

    fn rust_type(&mut self, ty: &TypeExpr, side: Side) -> TokenStream {
        match ty {
            TypeExpr::Prim(prim) => match prim {
                Prim::String => quote!(String),
                Prim::Bool => quote!(bool),
                Prim::I32 => quote!(i32),
                Prim::I64 => quote!(i64),
                Prim::U32 => quote!(u32),
                Prim::U64 => quote!(u64),
                Prim::F64 => quote!(f64),
                Prim::Json => quote!(serde_json::Value),
                Prim::DateTime if side == Side::Sdk => {
                    quote!(models::Timestamp)
                }
                Prim::DateTime => quote!(Timestamp),
            },
            TypeExpr::Model(name) => {
                let ident = self.ident(name);
                if side == Side::Sdk {
                    quote!(models::#ident)
                } else {
                    quote!(#ident)
                }
            }
            TypeExpr::List(inner) => {
                let inner = self.rust_type(inner, side);
                quote!(Vec<#inner>)
            }
            TypeExpr::Map(inner) => {
                let inner = self.rust_type(inner, side);
                quote!(BTreeMap<String, #inner>)
            }
        }
    }

    // ----- models -----

    fn model_file(&mut self, file_index: usize, stem: &str, models: &[Model]) -> ModelFile {
        let mut sorted: Vec<&Model> = models.iter().collect();
        sorted.sort_by(|a, b| a.name.cmp(&b.name));
        let mut imports = ModelImports::default();
        let mut foreign = BTreeSet::new();
        let mut items = Vec::new();
        for model in sorted {
            let target = self.ident(&model.name);
            if model.values.is_empty() {
                let mut fields = Vec::new();
                for f in &model.fields {
                    // Validation checked the type and the name.
                    let ty = TypeExpr::parse(&f.ty).unwrap_or(TypeExpr::Prim(Prim::Json));
                    for name in ty.models() {
                        if self
                            .index
                            .models
                            .get(name)
                            .is_some_and(|m| m.file != file_index)
                        {
                            foreign.insert(name.to_owned());
                        }
                    }
                    imports.timestamp |= mentions_datetime(&ty);
                    imports.btree_map |= ty.has_map();
                    let name = match &f.rust {
                        Some(name) => name.clone(),
                        None => naming::field_name(&f.name).unwrap_or_else(|_| f.name.clone()),
                    };
                    let inner = self.rust_type(&ty, Side::Models);
                    fields.push(StructField {
                        ident: self.ident(&name),
                        docs: doc_lines(&f.doc),
                        ty: if f.optional {
                            quote!(Option<#inner>)
                        } else {
                            inner
                        },
                        rename: (name != f.name).then(|| f.name.clone()),
                        optional: f.optional,
                        empty_as_none: f.optional && ty.is_datetime(),
                        secret: f.secret,
                    });
                }
                imports.redacted |= fields.iter().any(|f| f.secret);
                items.push(ModelItem::Struct(StructModel {
                    ident: target.clone(),
                    docs: doc_lines(&model.doc),
                    fields,
                }));
            } else {
                imports.enums = true;
                let mut variants = Vec::new();
                for v in &model.values {
                    let name = match &v.variant {
                        Some(name) => name.clone(),
                        None => naming::variant_name(&v.value).unwrap_or_else(|_| v.value.clone()),
                    };
                    let docs = match &v.doc {
                        Some(doc) => doc_lines(doc),
                        None => vec![format!("`{}`", v.value)],
                    };
                    variants.push(EnumVariant {
                        ident: self.ident(&name),
                        wire: v.value.clone(),
                        docs,
                    });
                }
                items.push(ModelItem::Enum(EnumModel {
                    ident: target.clone(),
                    docs: doc_lines(&model.doc),
                    variants,
                }));
            }
            for alias in &model.aliases {
                items.push(ModelItem::Alias(AliasModel {
                    ident: self.ident(alias),
                    target: target.clone(),
                    docs: vec![format!(
                        "Another name for [`{}`], kept because the reference library uses it.",
                        model.name
                    )],
                }));
            }
        }
        imports.models = foreign.iter().map(|name| self.ident(name)).collect();
        ModelFile {
            module: self.ident(stem),
            source: self.file.clone(),
            imports,
            items,
        }
    }

    // ----- requests -----

    fn sdk_file(&mut self, stem: &str, endpoints: &[Endpoint]) -> SdkFile {
        let mut file = SdkFile {
            module: self.ident(stem),
            source: self.file.clone(),
            endpoints: Vec::new(),
            builders: Vec::new(),
            app_methods: Vec::new(),
            user_methods: Vec::new(),
        };
        for e in sorted_endpoints(endpoints) {
            let endpoint = self.endpoint_static(e);
            for m in &e.methods {
                let bindings = method_bindings(e, m);
                let builder = self.builder(e, m, &endpoint.ident, &bindings);
                for class in classes(m) {
                    let method = self.api_method(e, m, class, &builder, &bindings);
                    match class {
                        TokenType::App => file.app_methods.push(method),
                        TokenType::User => file.user_methods.push(method),
                    }
                }
                file.builders.push(builder);
            }
            file.endpoints.push(endpoint);
        }
        file
    }

    fn endpoint_static(&mut self, e: &Endpoint) -> EndpointStatic {
        let mut params = Vec::new();
        for p in &e.params {
            let resolved = self.index.rust_names.get(&e.operation);
            let rust_name = match resolved.and_then(|names| names.get(&p.name)) {
                Some(name) => name.clone(),
                None => {
                    self.problems.push(Diagnostic::file(
                        self.file.clone(),
                        format!(
                            "internal error: parameter `{}` of `{}` has no resolved Rust name; please report this",
                            p.name, e.operation
                        ),
                    ));
                    p.name.clone()
                }
            };
            let bound = |limit: &Option<spec::Limit>| {
                limit.map(|l| Bound {
                    min: l.min,
                    max: l.max,
                })
            };
            let (items, length, range) = (bound(&p.items), bound(&p.length), bound(&p.range));
            params.push(ParamStatic {
                name: p.name.clone(),
                rust_name,
                location: self.location(p.location),
                required: p.required,
                items,
                length,
                range,
                values: p.values.clone(),
            });
        }
        let paging = e.pagination.as_ref().map(|pg| PagingStatic {
            page_size: pg.page_size.clone(),
            max_page_size: pg.max_page_size,
            before: pg.before,
        });
        EndpointStatic {
            ident: self.ident(&naming::static_name(&e.operation)),
            operation: e.operation.clone(),
            method: self.ident(naming::http_method_variant(e.method)),
            path: e.path.clone(),
            app: e.tokens.contains(&TokenType::App),
            user: e.tokens.contains(&TokenType::User),
            scopes_all_of: e.scopes.all_of.clone(),
            scopes_any_of: e.scopes.any_of.clone(),
            scopes_partial: e.scopes.partial.as_deref().map(one_line),
            params,
            paging,
            acting_user: e
                .acting_user
                .as_ref()
                .map(|a| (a.param.clone(), a.moderates.clone())),
            errors: e
                .errors
                .iter()
                .map(|(status, meaning)| {
                    let (text, shared) = self.index.error_text(meaning);
                    ErrorStatic {
                        status: *status,
                        text: one_line(text),
                        shared: shared.map(|name| self.ident(&shared_error_const(name))),
                    }
                })
                .collect(),
            reference: e.reference.clone(),
            secret_response: e
                .response
                .model
                .as_ref()
                .is_some_and(|m| self.index.secret_models.contains(m)),
        }
    }

    fn location(&mut self, location: Location) -> Ident {
        self.ident(match location {
            Location::Query => "Query",
            Location::Body => "Body",
        })
    }

    fn input(&mut self, ty: &TypeExpr) -> Input {
        match ty {
            TypeExpr::Prim(Prim::String) => Input::Str,
            TypeExpr::List(inner) if **inner == TypeExpr::Prim(Prim::String) => Input::StrList,
            TypeExpr::List(inner) => Input::List(self.rust_type(inner, Side::Sdk)),
            other => Input::Plain(self.rust_type(other, Side::Sdk)),
        }
    }

    fn builder(
        &mut self,
        e: &Endpoint,
        m: &Method,
        endpoint: &Ident,
        bindings: &[Binding<'_>],
    ) -> Builder {
        let ident = self.ident(&naming::builder_name(&m.name));
        let user = m.api.contains(&TokenType::User);
        let mut fields = Vec::new();
        let mut setters = Vec::new();
        let mut request = Vec::new();
        for b in bindings {
            let field = self.ident(&b.name);
            let query = b.param.location == Location::Query;
            let stored = self.rust_type(&b.ty, Side::Sdk);
            let (ty, call) = if b.param.token_user {
                let location = self.location(b.param.location);
                (quote!(Option<String>), StepCall::TokenUser(location))
            } else if b.arg {
                let call = match (query, b.is_list()) {
                    (true, true) => StepCall::QueryList,
                    (true, false) => StepCall::Query,
                    (false, _) => StepCall::Body,
                };
                (stored, call)
            } else if b.is_list() && query {
                (stored, StepCall::QueryList)
            } else if query {
                (quote!(Option<#stored>), StepCall::QueryOpt)
            } else {
                (quote!(Option<#stored>), StepCall::BodyOpt)
            };
            // A secret parameter prints as `models::Redacted` in the builder's `Debug`.
            fields.push(BuilderField {
                ident: field.clone(),
                ty,
                secret: b.param.secret,
            });
            request.push(RequestStep {
                call,
                wire: b.param.name.clone(),
                field: field.clone(),
            });
            let setter = !b.arg || (b.param.token_user && user);
            if setter {
                let store = if b.is_list() && query && !b.param.token_user {
                    Store::Direct
                } else {
                    Store::Some
                };
                let mut docs = doc_lines(&b.param.doc);
                let facts = param_facts(b.param);
                if !facts.is_empty() {
                    docs.push(String::new());
                    docs.push(facts.join(" "));
                }
                if b.param.token_user {
                    docs.push(String::new());
                    docs.push(
                        "Left unset, the [`UserApi`] fills in the id of the token's user."
                            .to_owned(),
                    );
                }
                let input = if b.param.token_user {
                    Input::Str
                } else {
                    self.input(&b.ty)
                };
                setters.push(Setter {
                    allow: self_convention_allow(&b.name),
                    ident: field,
                    docs,
                    input,
                    store,
                });
            }
        }
        let (send, model) = self.response(e);
        if send == Send::Collect {
            fields.push(BuilderField {
                ident: self.ident("limit"),
                ty: quote!(Option<usize>),
                secret: false,
            });
        }

        let links: Vec<String> = classes(m)
            .into_iter()
            .map(|class| format!("[`{}::{}`]", class_name(class), m.name))
            .collect();
        let docs = builder_docs(
            self.index,
            e,
            m,
            &links.join(" and "),
            &ident.to_string(),
            bindings,
        );
        Builder {
            ident,
            endpoint: endpoint.clone(),
            docs,
            fields,
            setters,
            request,
            send,
            model,
            default_limit: m.default_limit,
        }
    }

    /// How the builder sends (`send_as!`/`paged!` in the SDK's `glue`), and the model type.
    fn response(&mut self, e: &Endpoint) -> (Send, Option<TokenStream>) {
        let model = e
            .response
            .model
            .as_ref()
            .map(|name| self.rust_type(&TypeExpr::Model(name.clone()), Side::Sdk));
        let send = match e.response.shape {
            Shape::None => Send::None,
            Shape::Text => Send::Text,
            Shape::Single => Send::Single,
            Shape::Envelope => Send::Envelope,
            Shape::Optional => Send::Optional,
            Shape::List => Send::List,
            Shape::Paginated => Send::Collect,
        };
        (send, model)
    }

    fn api_method(
        &mut self,
        e: &Endpoint,
        m: &Method,
        class: TokenType,
        builder: &Builder,
        bindings: &[Binding<'_>],
    ) -> ApiMethod {
        let mut args = Vec::new();
        let mut init = Vec::new();
        for b in bindings {
            let field = self.ident(&b.name);
            let value = if b.arg && b.param.token_user {
                if class == TokenType::App {
                    args.push(Arg {
                        ident: field.clone(),
                        input: Input::Str,
                    });
                    Init::Arg(Input::Str, Store::Some)
                } else {
                    Init::Value(quote!(None))
                }
            } else if b.arg {
                let input = self.input(&b.ty);
                args.push(Arg {
                    ident: field.clone(),
                    input: input.clone(),
                });
                Init::Arg(input, Store::Direct)
            } else if b.is_list() && b.param.location == Location::Query && !b.param.token_user {
                Init::Value(quote!(Vec::new()))
            } else {
                Init::Value(quote!(None))
            };
            init.push(FieldInit { field, value });
        }
        if builder.send == Send::Collect {
            init.push(FieldInit {
                field: self.ident("limit"),
                value: Init::Value(quote!(None)),
            });
        }
        let allow = (args.len() + 1 > 7).then(|| Allow {
            lint: quote!(clippy::too_many_arguments),
            reason:
                "the arguments are the parameters Helix requires, in the reference library's order"
                    .to_owned(),
        });
        let aliases = m
            .aliases
            .iter()
            .map(|alias| AliasMethod {
                ident: self.ident(alias),
                docs: vec![format!(
                    "Another name for [`{}`](Self::{}), kept because the reference library uses it.",
                    m.name, m.name
                )],
            })
            .collect();
        ApiMethod {
            ident: self.ident(&m.name),
            docs: method_docs(e, &builder.ident.to_string()),
            args,
            builder: builder.ident.clone(),
            init,
            allow,
            aliases,
        }
    }
}

/// The constant of shared error `name` in `generated::shared_errors` (`TOKEN`).
fn shared_error_const(name: &str) -> String {
    name.to_ascii_uppercase()
}

fn classes(m: &Method) -> Vec<TokenType> {
    let set: BTreeSet<TokenType> = m.api.iter().copied().collect();
    set.into_iter().collect()
}

fn class_name(class: TokenType) -> &'static str {
    match class {
        TokenType::App => "AppApi",
        TokenType::User => "UserApi",
    }
}

fn mentions_datetime(ty: &TypeExpr) -> bool {
    match ty {
        TypeExpr::Prim(p) => *p == Prim::DateTime,
        TypeExpr::Model(_) => false,
        TypeExpr::List(inner) | TypeExpr::Map(inner) => mentions_datetime(inner),
    }
}

/// Setters take `self` by value; clippy expects `as_`/`from_`/`is_`/`to_` methods not to.
fn self_convention_allow(name: &str) -> Option<Allow> {
    ["as_", "from_", "is_", "to_"]
        .iter()
        .any(|prefix| name.starts_with(prefix))
        .then(|| Allow {
            lint: quote!(clippy::wrong_self_convention),
            reason: "a builder setter takes `self`; its name is the Helix parameter's".to_owned(),
        })
}

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
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn bound_text(limit: &Option<spec::Limit>, unit: &str) -> Option<String> {
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
fn param_facts(p: &Param) -> Vec<String> {
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

fn token_text(tokens: &[TokenType]) -> String {
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

fn scope_text(scopes: &spec::Scopes) -> String {
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
fn method_docs(e: &Endpoint, builder: &str) -> Vec<String> {
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
fn builder_docs(
    index: &Index,
    e: &Endpoint,
    m: &Method,
    methods: &str,
    builder: &str,
    bindings: &[Binding<'_>],
) -> Vec<String> {
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
        for (status, meaning) in &e.errors {
            let (text, _) = index.error_text(meaning);
            docs.push(format!("- {status}: {}", one_line(text)));
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
