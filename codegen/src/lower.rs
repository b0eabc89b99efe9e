//! Stage 3: turn a validated spec into the [`Ir`].
//!
//! Every decision lives here: Rust names (through [`naming`]), Rust types, which parameters are
//! arguments and which are setters on which API class, how each value reaches the request, the
//! docs of every item, and the order of everything. The emitters only print.
//!
//! The submodules mirror `emit/`: `models` (model files), `sdk` (endpoint statics, builders,
//! API methods), `docs` (their doc text) and `calls` (the every-method test). This module holds
//! the entry point and what they share (names, types). Everything here reads the
//! [`Resolved`] spec: types are parsed, models resolved and parameters bound already.

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

use crate::bind::{BoundEndpoint, Resolved, Ty};
use crate::diag::{Diagnostic, Diagnostics};
use crate::ir::*;
use crate::naming;
use crate::spec::{self, Location, Method, Shape, TokenType};
use crate::types::Prim;

/// Lowers the spec [`crate::validate::validate`] resolved.
pub fn lower(resolved: &Resolved<'_>) -> Result<Ir, Diagnostics> {
    let mut l = Lowerer {
        resolved,
        problems: Vec::new(),
        file: String::new(),
    };
    let mut files: Vec<_> = resolved.files.iter().collect();
    files.sort_by(|a, b| a.stem.cmp(b.stem));

    let mut model_files = Vec::new();
    let mut sdk_files = Vec::new();
    let mut endpoints = Vec::new();
    for file in files {
        l.file = file.display.to_owned();
        if !file.models.is_empty() {
            model_files.push(l.model_file(file));
        }
        if !file.endpoints.is_empty() {
            let sdk = l.sdk_file(file);
            for e in &file.endpoints {
                let ident = l.ident(&naming::static_name(&e.spec.operation));
                endpoints.push((&e.spec.path, e.spec.method, sdk.module.clone(), ident));
            }
            sdk_files.push(sdk);
        }
    }
    endpoints.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    let endpoints = endpoints
        .into_iter()
        .map(|(_, _, module, ident)| EndpointRef { module, ident })
        .collect();

    let examples: Vec<(String, String)> = resolved
        .responses
        .iter()
        .map(|(operation, (json, _))| (operation.clone(), json.clone()))
        .collect();

    let requests = sdk_files
        .iter()
        .filter(|f| !f.builders.is_empty())
        .map(|f| {
            let mut builders: Vec<Ident> = f.builders.iter().map(|b| b.ident.clone()).collect();
            builders.sort_by_key(ToString::to_string);
            (f.module.clone(), builders)
        })
        .collect();
    let shared_errors = resolved
        .index
        .shared_errors
        .iter()
        .map(|(name, text)| (l.ident(&shared_error_const(name)), one_line(text)))
        .collect();
    let (calls, problems) = calls::lower(resolved);
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

fn sorted_endpoints<'e, 's>(endpoints: &'e [BoundEndpoint<'s>]) -> Vec<&'e BoundEndpoint<'s>> {
    let mut sorted: Vec<&BoundEndpoint<'s>> = endpoints.iter().collect();
    sorted.sort_by(|a, b| a.spec.operation.cmp(&b.spec.operation));
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
    resolved: &'a Resolved<'a>,
    problems: Vec<Diagnostic>,
    /// The file being lowered, for internal errors.
    file: String,
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

    fn rust_type(&mut self, ty: &Ty, side: Side) -> TokenStream {
        match ty {
            Ty::Prim(prim) => match prim {
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
            Ty::Model(r) => {
                let ident = self.ident(&r.name);
                if side == Side::Sdk {
                    quote!(models::#ident)
                } else {
                    quote!(#ident)
                }
            }
            Ty::List(inner) => {
                let inner = self.rust_type(inner, side);
                quote!(Vec<#inner>)
            }
            Ty::Map(inner) => {
                let inner = self.rust_type(inner, side);
                quote!(BTreeMap<String, #inner>)
            }
        }
    }
}
