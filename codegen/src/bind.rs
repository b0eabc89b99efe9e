//! Stage 2, second half: bind a checked spec into the [`Resolved`] spec that lowering reads.
//!
//! Everything lowering needs that is not a plain copy of the YAML is worked out here, once:
//! every type string parsed into a [`Ty`] whose model references point at their
//! [`BoundModel`]; every field, enum value and parameter given its Rust name; every method's
//! arguments and setters bound to their parameters ([`Binding`]); every error meaning resolved
//! to its text; every example body parsed. Lowering then only reads: it has no type string to
//! parse, no name to look up, and so no "cannot happen" case to paper over.
//!
//! [`crate::validate::validate`] calls [`bind`] once its checks found nothing, so a problem met
//! here is one those checks let through: it still comes back as a [`Diagnostic`] naming the
//! file, the endpoint or model and the field, never as a panic or a silent default.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::diag::{Diagnostic, Diagnostics};
use crate::load::Loaded;
use crate::naming;
use crate::spec::{Endpoint, EnumValue, ErrorMeaning, Field, Method, Model, Param, ParamRef};
use crate::types::{Prim, TypeExpr};
use crate::validate::{Index, binding_name, bindings};

/// The spec as lowering reads it: parsed, cross-referenced and named.
#[derive(Debug)]
pub struct Resolved<'s> {
    /// What validation collected: model names, the models holding secrets, shared errors.
    pub index: Index,
    /// Every model, in file order then spec order; a [`ModelId`] indexes this.
    pub models: Vec<BoundModel<'s>>,
    /// The spec files, in the order of [`Loaded::files`].
    pub files: Vec<BoundFile<'s>>,
    /// Example response bodies by operation: the minified text and its parsed value.
    pub responses: BTreeMap<String, (String, Value)>,
    /// Example request bodies by operation.
    pub requests: BTreeMap<String, Value>,
}

impl<'s> Resolved<'s> {
    /// The model `id` points at.
    pub fn model(&self, id: ModelId) -> &BoundModel<'s> {
        &self.models[id.0]
    }
}

/// Where a model sits in [`Resolved::models`]; only [`bind`] makes one, so it always points at
/// a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelId(usize);

/// One spec file.
#[derive(Debug)]
pub struct BoundFile<'s> {
    /// Its index in [`Resolved::files`] (and [`Loaded::files`]).
    pub index: usize,
    /// `spec/<name>`, for headers and diagnostics.
    pub display: &'s str,
    /// The group: the file stem, which names the generated module.
    pub stem: &'s str,
    /// The group's human title (`Channel Points`).
    pub title: &'s str,
    /// The file's models, in spec order.
    pub models: Vec<ModelId>,
    /// The file's endpoints, in spec order.
    pub endpoints: Vec<BoundEndpoint<'s>>,
}

/// A parsed type whose model references are resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    /// A primitive.
    Prim(Prim),
    /// A model (or an alias of one).
    Model(ModelRef),
    /// `T[]`
    List(Box<Ty>),
    /// `map<T>`
    Map(Box<Ty>),
}

impl Ty {
    /// Whether the type is a list.
    pub fn is_list(&self) -> bool {
        matches!(self, Ty::List(_))
    }

    /// Whether the type is exactly `datetime`.
    pub fn is_datetime(&self) -> bool {
        matches!(self, Ty::Prim(Prim::DateTime))
    }

    /// Whether `datetime` appears anywhere in the type.
    pub fn mentions_datetime(&self) -> bool {
        match self {
            Ty::Prim(p) => *p == Prim::DateTime,
            Ty::Model(_) => false,
            Ty::List(inner) | Ty::Map(inner) => inner.mentions_datetime(),
        }
    }

    /// Whether a map appears anywhere in the type.
    pub fn has_map(&self) -> bool {
        match self {
            Ty::Prim(_) | Ty::Model(_) => false,
            Ty::Map(_) => true,
            Ty::List(inner) => inner.has_map(),
        }
    }

    /// Every model reference in the type.
    pub fn models(&self) -> Vec<&ModelRef> {
        match self {
            Ty::Prim(_) => Vec::new(),
            Ty::Model(r) => vec![r],
            Ty::List(inner) | Ty::Map(inner) => inner.models(),
        }
    }
}

/// A reference to a model, as the spec wrote it (the name may be an alias).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelRef {
    /// The name written in the spec.
    pub name: String,
    /// The model it names.
    pub id: ModelId,
    /// The model is a string enum.
    pub is_enum: bool,
}

/// A model with its fields or values named and typed.
#[derive(Debug)]
pub struct BoundModel<'s> {
    /// The spec entry.
    pub spec: &'s Model,
    /// Index of the defining file in [`Resolved::files`].
    pub file: usize,
    /// A struct's fields (empty for an enum).
    pub fields: Vec<BoundField<'s>>,
    /// An enum's values (empty for a struct).
    pub variants: Vec<BoundVariant<'s>>,
}

impl BoundModel<'_> {
    /// Whether the model is a string enum.
    pub fn is_enum(&self) -> bool {
        !self.spec.values.is_empty()
    }
}

/// A struct field.
#[derive(Debug)]
pub struct BoundField<'s> {
    /// The spec entry.
    pub spec: &'s Field,
    /// Its type.
    pub ty: Ty,
    /// The Rust field name.
    pub rust: String,
}

/// An enum value.
#[derive(Debug)]
pub struct BoundVariant<'s> {
    /// The spec entry.
    pub spec: &'s EnumValue,
    /// The Rust variant name.
    pub rust: String,
}

/// An endpoint with its parameters, methods and errors resolved.
#[derive(Debug)]
pub struct BoundEndpoint<'s> {
    /// The spec entry.
    pub spec: &'s Endpoint,
    /// Its parameters, in spec order.
    pub params: Vec<BoundParam<'s>>,
    /// Its methods, in spec order.
    pub methods: Vec<BoundMethod<'s>>,
    /// Its errors by status, each meaning resolved.
    pub errors: Vec<BoundError>,
    /// The response model.
    pub response: Option<ModelRef>,
    /// The model of one page item of an envelope response.
    pub page_item: Option<ModelRef>,
    /// The response model holds a secret (so the endpoint's bodies are never logged).
    pub secret_response: bool,
}

/// A parameter with its type and its one Rust name (which every method binding it uses).
#[derive(Debug)]
pub struct BoundParam<'s> {
    /// The spec entry.
    pub spec: &'s Param,
    /// Its type.
    pub ty: Ty,
    /// The Rust name of the argument or setter.
    pub rust: String,
}

/// A method with its parameters bound, arguments first.
#[derive(Debug)]
pub struct BoundMethod<'s> {
    /// The spec entry.
    pub spec: &'s Method,
    /// What the method exposes: required arguments in order, then setters.
    pub bindings: Vec<Binding<'s>>,
}

/// A parameter as one method exposes it.
#[derive(Debug, Clone)]
pub struct Binding<'s> {
    /// The argument or setter name.
    pub name: String,
    /// The parameter it fills.
    pub param: &'s Param,
    /// The parameter's type.
    pub ty: Ty,
    /// A required argument (else a setter).
    pub arg: bool,
}

impl Binding<'_> {
    /// Whether the parameter is a list.
    pub fn is_list(&self) -> bool {
        self.ty.is_list()
    }
}

/// An error status with its meaning.
#[derive(Debug)]
pub struct BoundError {
    /// The HTTP status.
    pub status: u16,
    /// What it means, in words.
    pub text: String,
    /// The shared meaning it refers to, if it is a reference.
    pub shared: Option<String>,
}

/// Binds `loaded`, which validation checked and indexed in `index`.
pub fn bind(loaded: &Loaded, index: Index) -> Result<Resolved<'_>, Diagnostics> {
    let mut b = Binder {
        index: &index,
        ids: BTreeMap::new(),
        problems: Vec::new(),
    };
    // Every name first, so a model may refer to one defined in a later file.
    let mut file_models = Vec::new();
    let mut count = 0;
    for file in &loaded.files {
        let mut ids = Vec::new();
        for model in &file.spec.models {
            let id = ModelId(count);
            count += 1;
            let is_enum = !model.values.is_empty();
            b.ids.insert(model.name.as_str(), (id, is_enum));
            for alias in &model.aliases {
                b.ids.insert(alias.as_str(), (id, is_enum));
            }
            ids.push(id);
        }
        file_models.push(ids);
    }
    let mut models = Vec::new();
    for (i, file) in loaded.files.iter().enumerate() {
        for model in &file.spec.models {
            models.push(b.model(&file.display, i, model));
        }
    }
    let files = loaded
        .files
        .iter()
        .zip(file_models)
        .enumerate()
        .map(|(index, (file, models))| BoundFile {
            index,
            display: &file.display,
            stem: &file.stem,
            title: &file.spec.title,
            models,
            endpoints: file
                .spec
                .endpoints
                .iter()
                .map(|e| b.endpoint(&file.display, e))
                .collect(),
        })
        .collect();
    let (responses, requests) = examples(loaded, &mut b.problems);
    if !b.problems.is_empty() {
        return Err(Diagnostics(b.problems));
    }
    Ok(Resolved {
        index,
        models,
        files,
        responses,
        requests,
    })
}

/// Example bodies by operation, parsed: responses (with their text) and requests.
type Examples = (BTreeMap<String, (String, Value)>, BTreeMap<String, Value>);

/// The example bodies, parsed; one that is not JSON (load checked that) is reported.
fn examples(loaded: &Loaded, problems: &mut Vec<Diagnostic>) -> Examples {
    let mut responses = BTreeMap::new();
    let mut requests = BTreeMap::new();
    for example in &loaded.examples {
        match serde_json::from_str::<Value>(&example.json) {
            Ok(value) if example.request => {
                requests.insert(example.operation.clone(), value);
            }
            Ok(value) => {
                responses.insert(example.operation.clone(), (example.json.clone(), value));
            }
            Err(e) => problems.push(Diagnostic::file(
                example.display.clone(),
                format!("not JSON: {e}"),
            )),
        }
    }
    (responses, requests)
}

struct Binder<'a> {
    index: &'a Index,
    /// Model names and aliases: the model and whether it is an enum.
    ids: BTreeMap<&'a str, (ModelId, bool)>,
    problems: Vec<Diagnostic>,
}

impl<'a> Binder<'a> {
    fn report(&mut self, file: &str, item: &str, field: &str, message: String) {
        self.problems.push(Diagnostic {
            file: file.to_owned(),
            item: Some(item.to_owned()),
            field: Some(field.to_owned()),
            message,
        });
    }

    /// Parses and resolves `text`; `None` after reporting why it is not a type.
    fn ty(&mut self, at: (&str, &str, &str), text: &str) -> Option<Ty> {
        let resolved = TypeExpr::parse(text).and_then(|ty| self.resolve(&ty));
        match resolved {
            Ok(ty) => Some(ty),
            Err(message) => {
                self.report(at.0, at.1, at.2, message);
                None
            }
        }
    }

    fn resolve(&self, ty: &TypeExpr) -> Result<Ty, String> {
        Ok(match ty {
            TypeExpr::Prim(p) => Ty::Prim(*p),
            TypeExpr::Model(name) => Ty::Model(self.model_ref(name)?),
            TypeExpr::List(inner) => Ty::List(Box::new(self.resolve(inner)?)),
            TypeExpr::Map(inner) => Ty::Map(Box::new(self.resolve(inner)?)),
        })
    }

    fn model_ref(&self, name: &str) -> Result<ModelRef, String> {
        match self.ids.get(name) {
            Some(&(id, is_enum)) => Ok(ModelRef {
                name: name.to_owned(),
                id,
                is_enum,
            }),
            None => Err(format!("unknown model `{name}`")),
        }
    }

    fn model<'s>(&mut self, file: &str, file_index: usize, model: &'s Model) -> BoundModel<'s> {
        let item = format!("model `{}`", model.name);
        let mut fields = Vec::new();
        for f in &model.fields {
            let at = format!("fields[{}]", f.name);
            let ty = self.ty((file, &item, &at), &f.ty);
            let rust = match &f.rust {
                Some(name) => Ok(name.clone()),
                None => naming::field_name(&f.name),
            };
            match (ty, rust) {
                (Some(ty), Ok(rust)) => fields.push(BoundField { spec: f, ty, rust }),
                (_, Err(message)) => self.report(file, &item, &at, message),
                (None, Ok(_)) => {}
            }
        }
        let mut variants = Vec::new();
        for v in &model.values {
            let rust = match &v.variant {
                Some(name) => Ok(name.clone()),
                None => naming::variant_name(&v.value),
            };
            match rust {
                Ok(rust) => variants.push(BoundVariant { spec: v, rust }),
                Err(message) => {
                    self.report(file, &item, &format!("values[{}]", v.value), message);
                }
            }
        }
        BoundModel {
            spec: model,
            file: file_index,
            fields,
            variants,
        }
    }

    fn endpoint<'s>(&mut self, file: &str, e: &'s Endpoint) -> BoundEndpoint<'s> {
        let item = format!("endpoint `{}`", e.operation);
        let methods: Vec<BoundMethod<'s>> = e
            .methods
            .iter()
            .map(|m| BoundMethod {
                spec: m,
                bindings: self.bindings(file, &item, e, m),
            })
            .collect();
        let params = self.params(file, &item, e, &methods);
        let errors = e
            .errors
            .iter()
            .filter_map(|(status, meaning)| {
                let (text, shared) = match meaning {
                    ErrorMeaning::Text(text) => (text.as_str(), None),
                    ErrorMeaning::Shared(r) => {
                        let Some(text) = self.index.shared_errors.get(&r.shared) else {
                            let message = format!("unknown shared error `{}`", r.shared);
                            self.report(file, &item, &format!("errors[{status}]"), message);
                            return None;
                        };
                        (text.as_str(), Some(r.shared.as_str()))
                    }
                };
                Some(BoundError {
                    status: *status,
                    text: text.to_owned(),
                    shared: shared.map(str::to_owned),
                })
            })
            .collect();
        let response = e.response.model.as_deref().and_then(|name| {
            self.model_ref(name)
                .map_err(|message| self.report(file, &item, "response.model", message))
                .ok()
        });
        let page_item = e.pagination.as_ref().and_then(|p| p.item.as_deref());
        let page_item = page_item.and_then(|name| {
            self.model_ref(name)
                .map_err(|message| self.report(file, &item, "pagination.item", message))
                .ok()
        });
        let secret_response = e
            .response
            .model
            .as_ref()
            .is_some_and(|m| self.index.secret_models.contains(m));
        BoundEndpoint {
            spec: e,
            params,
            methods,
            errors,
            response,
            page_item,
            secret_response,
        }
    }

    /// The parameters `m` exposes, arguments first, each bound to its spec entry and type.
    fn bindings<'s>(
        &mut self,
        file: &str,
        item: &str,
        e: &'s Endpoint,
        m: &Method,
    ) -> Vec<Binding<'s>> {
        let b = bindings(e, m);
        let refs = b.args.iter().map(|r| ("args", r, true));
        let refs = refs.chain(b.options.iter().map(|r| ("options", r, false)));
        let mut out = Vec::new();
        for (list, r, arg) in refs {
            let at = format!("methods[{}].{list}[{}]", m.name, r.param);
            if let Some(binding) = self.binding(file, item, &at, e, r, arg) {
                out.push(binding);
            }
        }
        out
    }

    fn binding<'s>(
        &mut self,
        file: &str,
        item: &str,
        at: &str,
        e: &'s Endpoint,
        r: &ParamRef,
        arg: bool,
    ) -> Option<Binding<'s>> {
        let Some(param) = e.params.iter().find(|p| p.name == r.param) else {
            let message = format!("unknown parameter `{}`", r.param);
            self.report(file, item, at, message);
            return None;
        };
        let ty = self.ty((file, item, at), &param.ty)?;
        match binding_name(r) {
            Ok(name) => Some(Binding {
                name,
                param,
                ty,
                arg,
            }),
            Err(message) => {
                self.report(file, item, at, message);
                None
            }
        }
    }

    /// Each parameter with its type and one Rust name: the name every method binding it uses,
    /// or the field name of its wire name where no method binds it.
    fn params<'s>(
        &mut self,
        file: &str,
        item: &str,
        e: &'s Endpoint,
        methods: &[BoundMethod<'_>],
    ) -> Vec<BoundParam<'s>> {
        let mut names: BTreeMap<&str, (&str, &str)> = BTreeMap::new();
        let mut disagree = BTreeSet::new();
        for m in methods {
            for b in &m.bindings {
                let wire = b.param.name.as_str();
                match names.get(wire) {
                    None => {
                        names.insert(wire, (b.name.as_str(), m.spec.name.as_str()));
                    }
                    Some(&(first, first_method)) if first != b.name => {
                        if disagree.insert(wire) {
                            let message = format!(
                                "method `{}` names parameter `{wire}` `{}` but method `{first_method}` names it `{first}`; all methods must use one Rust name per parameter",
                                m.spec.name, b.name
                            );
                            self.report(file, item, "methods", message);
                        }
                    }
                    Some(_) => {}
                }
            }
        }
        let mut params = Vec::new();
        for p in &e.params {
            let at = format!("params[{}]", p.name);
            let ty = self.ty((file, item, &at), &p.ty);
            let rust = match names.get(p.name.as_str()) {
                Some((name, _)) => Ok((*name).to_owned()),
                None => naming::field_name(&p.name).map_err(|e| {
                    format!(
                        "{e}: no method exposes the parameter, so its Rust name (used in error \
                         messages) comes from the wire name; expose it with `{} as <name>`",
                        p.name
                    )
                }),
            };
            match (ty, rust) {
                (Some(ty), Ok(rust)) => params.push(BoundParam { spec: p, ty, rust }),
                (_, Err(message)) => self.report(file, item, &at, message),
                (None, Ok(_)) => {}
            }
        }
        params
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::load::LoadedFile;
    use crate::spec::SpecFile;

    /// A spec of one file, `spec/test.yaml`, from its YAML.
    pub(crate) fn loaded(yaml: &str) -> Loaded {
        let spec: SpecFile = serde_yaml::from_str(yaml).unwrap_or_else(|e| panic!("{e}"));
        Loaded {
            files: vec![LoadedFile {
                display: "spec/test.yaml".to_owned(),
                stem: "test".to_owned(),
                spec,
            }],
            examples: Vec::new(),
        }
    }

    /// An endpoint `get-things` with `params` (YAML list items) and `methods`.
    fn endpoint(params: &str, methods: &str) -> Loaded {
        loaded(&format!(
            "group: test\ntitle: Test\nendpoints:\n  - operation: get-things\n    method: GET\n    \
             path: /things\n    summary: Gets things.\n    \
             reference: https://dev.twitch.tv/docs/api/reference/#get-things\n    \
             tokens: [app]\n    params:\n{params}    response: {{ shape: none }}\n    \
             errors: {{ 401: Bad token. }}\n    methods:\n{methods}"
        ))
    }

    fn messages(result: Result<Resolved<'_>, Diagnostics>) -> Vec<String> {
        match result {
            Ok(_) => Vec::new(),
            Err(d) => d.0.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn resolves_types_names_and_bindings() {
        let spec = endpoint(
            "      - { name: id, in: query, type: \"Kind[]\", doc: x, required: true }\n\
             \x20     - { name: after, in: query, type: string, doc: x }\n",
            "      - { name: get_things, api: [app], args: [id as kinds] }\n",
        );
        let mut spec = spec;
        spec.files[0].spec.models = loaded(
            "group: test\ntitle: Test\nmodels:\n  - name: Kind\n    doc: A kind.\n    \
             values: [{ value: a }, { value: b-c }]\n",
        )
        .files[0]
            .spec
            .models
            .clone();
        let resolved = crate::validate::validate(&spec).unwrap_or_else(|e| panic!("{e}"));
        let e = &resolved.files[0].endpoints[0];
        let names: Vec<(&str, &str)> = e
            .params
            .iter()
            .map(|p| (p.spec.name.as_str(), p.rust.as_str()))
            .collect();
        assert_eq!(names, [("id", "kinds"), ("after", "after")]);
        let Ty::List(inner) = &e.params[0].ty else {
            panic!("a list: {:?}", e.params[0].ty)
        };
        let Ty::Model(r) = &**inner else {
            panic!("a model: {inner:?}")
        };
        assert!(r.is_enum);
        assert_eq!(resolved.model(r.id).spec.name, "Kind");
        let variants: Vec<&str> = resolved
            .model(r.id)
            .variants
            .iter()
            .map(|v| v.rust.as_str())
            .collect();
        assert_eq!(variants, ["A", "BC"]);
        let bindings: Vec<(&str, bool)> = e.methods[0]
            .bindings
            .iter()
            .map(|b| (b.name.as_str(), b.arg))
            .collect();
        assert_eq!(bindings, [("kinds", true), ("after", false)]);
        assert_eq!(e.errors[0].text, "Bad token.");
    }

    #[test]
    fn a_parameter_no_method_exposes_needs_a_usable_wire_name() {
        let spec = endpoint(
            "      - { name: id, in: query, type: string, doc: x }\n\
             \x20     - { name: 1080p, in: query, type: string, doc: x }\n",
            "      - { name: get_things, api: [app], args: [], options: [id] }\n",
        );
        let messages = messages(crate::validate::validate(&spec));
        assert_eq!(messages.len(), 1, "{messages:?}");
        assert!(
            messages[0]
                .starts_with("spec/test.yaml: endpoint `get-things`, field `params[1080p]`: "),
            "{}",
            messages[0]
        );
        assert!(
            messages[0].contains("no method exposes the parameter")
                && messages[0].contains("`1080p as <name>`"),
            "{}",
            messages[0]
        );
    }

    /// Run on a spec validation would reject, binding still reports (never panics or guesses).
    #[test]
    fn what_validation_let_through_is_reported_not_guessed() {
        let spec = endpoint(
            "      - { name: id, in: query, type: string, doc: x }\n\
             \x20     - { name: m, in: query, type: Missing, doc: x }\n\
             \x20     - { name: n, in: query, type: \"str\", doc: x }\n",
            "      - { name: get_a, api: [app], options: [id as a, m, gone] }\n\
             \x20     - { name: get_b, api: [app], options: [id as b] }\n",
        );
        let messages = messages(bind(&spec, Index::default()));
        let expected = [
            "methods[get_a].options[m]`: unknown model `Missing`",
            "methods[get_a].options[gone]`: unknown parameter `gone`",
            "methods`: method `get_b` names parameter `id` `b` but method `get_a` names it `a`",
            "params[m]`: unknown model `Missing`",
            "params[n]`: `str` is not a type",
        ];
        assert_eq!(messages.len(), expected.len(), "{messages:#?}");
        for (message, part) in messages.iter().zip(expected) {
            assert!(
                message.starts_with("spec/test.yaml: endpoint `get-things`, field `")
                    && message.contains(part),
                "{message} lacks {part}"
            );
        }
    }

    #[test]
    fn a_listed_page_size_is_an_optional_integer() {
        let mut spec = endpoint(
            "      - { name: first, in: query, type: string, doc: x }\n",
            "      - { name: get_things, api: [app] }\n",
        );
        let e = &mut spec.files[0].spec.endpoints[0];
        e.response.shape = crate::spec::Shape::Paginated;
        e.response.model = Some("Thing".to_owned());
        e.pagination = serde_yaml::from_str("{page_size: first, max_page_size: 100}").ok();
        spec.files[0].spec.models = loaded(
            "group: test\ntitle: Test\nmodels:\n  - name: Thing\n    doc: A thing.\n    \
             fields: [{ name: id, type: string, doc: x }]\n",
        )
        .files[0]
            .spec
            .models
            .clone();
        assert!(spec.files[0].spec.endpoints[0].pagination.is_some());
        let messages = messages(crate::validate::validate(&spec));
        assert_eq!(
            messages,
            [
                "spec/test.yaml: endpoint `get-things`, field `params[first]`: `first` is the page \
              size (`pagination.page_size`): it must be an optional query parameter of type i32, \
              i64 or u32"
            ]
        );
    }
}
