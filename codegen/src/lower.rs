//! Stage 3: turn a validated spec into the [`Ir`].
//!
//! Every decision lives here: Rust names (through [`naming`]), Rust types, which parameters are
//! arguments and which are setters on which API class, how each value reaches the request, the
//! docs of every item, and the order of everything. The emitters only print.
//!
//! The submodules mirror `emit/`: `models` (model files), `sdk` (endpoint statics, builders,
//! API methods), `docs` (their doc text) and `calls` (the every-method test). This module holds
//! the entry point and what they share (names, types, bindings).

pub mod calls;
mod docs;
mod models;
mod sdk;

pub use docs::doc_lines;
use docs::one_line;
use sdk::shared_error_const;

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
}
