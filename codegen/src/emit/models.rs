//! Prints `twitch-models/src/generated/*.rs`.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use super::docs;
use crate::ir::{AliasModel, EnumModel, Ir, ModelFile, ModelItem, StructModel};

/// `generated/mod.rs`: the group modules, re-exported whole, and `__for_each_model!`.
///
/// `__for_each_model!(callback)` expands to `callback! { Name Name ... }` with every model and
/// alias name (by module, then as each file orders them). The model round-trip tests use it to
/// decode an example into the model the spec names without a hand-written table; a macro rather
/// than a function, so the serde_json code for every model is only compiled by a crate that asks.
pub fn mod_file(ir: &Ir) -> TokenStream {
    let modules: Vec<_> = ir.model_files.iter().map(|f| &f.module).collect();
    let names = ir.model_files.iter().flat_map(|f| {
        f.items.iter().map(|item| match item {
            ModelItem::Struct(s) => &s.ident,
            ModelItem::Enum(e) => &e.ident,
            ModelItem::Alias(a) => &a.ident,
        })
    });
    quote! {
        #( mod #modules; )*
        #( pub use #modules::*; )*

        /// Calls `$callback! { Model ... }` with the name of every generated model and alias.
        ///
        /// For the SDK's own tests (decoding an example into the model the spec names); not part
        /// of the public API.
        #[doc(hidden)]
        #[macro_export]
        macro_rules! __for_each_model {
            ($callback:ident) => {
                $callback! { #(#names)* }
            };
        }
    }
}

/// `generated/<group>.rs`.
pub fn file(f: &ModelFile) -> TokenStream {
    let mut uses = Vec::new();
    if f.imports.btree_map {
        uses.push(quote!(
            use std::collections::BTreeMap;
        ));
    }
    if f.imports.redacted {
        uses.push(quote!(
            use std::fmt;
        ));
    }
    if f.items
        .iter()
        .any(|item| matches!(item, ModelItem::Struct(_)))
    {
        uses.push(quote!(
            use serde::Serialize;
        ));
        uses.push(quote!(
            use crate::map_struct::map_struct;
        ));
    }
    if f.imports.empty_as_none {
        uses.push(quote!(
            use crate::map_struct::EmptyAsNone;
        ));
    }
    if f.imports.enums {
        uses.push(quote!(
            use crate::string_enum::string_enum;
        ));
    }
    let mut crate_items: Vec<Ident> = f.imports.models.clone();
    if f.imports.timestamp {
        crate_items.push(Ident::new("Timestamp", Span::call_site()));
    }
    if f.imports.redacted {
        crate_items.push(Ident::new("Redacted", Span::call_site()));
    }
    crate_items.sort_by_key(ToString::to_string);
    if !crate_items.is_empty() {
        uses.push(quote!(use crate::{ #(#crate_items),* };));
    }
    let items = f.items.iter().map(|item| match item {
        ModelItem::Struct(s) => struct_model(s),
        ModelItem::Enum(e) => enum_model(e),
        ModelItem::Alias(a) => alias(a),
    });
    let docs = super::module_docs(&f.docs);
    quote! {
        #docs
        #(#uses)*
        #(#items)*
    }
}

/// A struct with a derived `Serialize` and its `Deserialize` through the hand-written
/// `map_struct!` (twitch-models/src/map_struct.rs): one `visit_map` per model instead of the
/// derive's visitors, which is most of what twitch-models costs to compile (BENCHMARKS.md).
fn struct_model(s: &StructModel) -> TokenStream {
    let ident = &s.ident;
    let doc = docs(&s.docs);
    let fields = s.fields.iter().map(|f| {
        let doc = docs(&f.docs);
        let mut serde = Vec::new();
        if let Some(rename) = &f.rename {
            serde.push(quote!(rename = #rename));
        }
        if f.optional {
            serde.push(quote!(skip_serializing_if = "Option::is_none"));
        }
        let serde = (!serde.is_empty()).then(|| quote!(#[serde( #(#serde),* )]));
        let (name, ty) = (&f.ident, &f.ty);
        quote! {
            #doc
            #serde
            pub #name: #ty
        }
    });
    let reads = s.fields.iter().map(|f| {
        let (name, wire) = (&f.ident, &f.wire);
        let via = f.empty_as_none.then(|| quote!(as EmptyAsNone));
        quote!(#name = #wire #via)
    });
    let (derive, debug) = if s.fields.iter().any(|f| f.secret) {
        (quote!(Clone, PartialEq, Serialize), redacting_debug(s))
    } else {
        (
            quote!(Debug, Clone, PartialEq, Serialize),
            TokenStream::new(),
        )
    };
    quote! {
        #doc
        #[derive(#derive)]
        pub struct #ident {
            #(#fields,)*
        }

        map_struct!(#ident { #(#reads),* });

        #debug
    }
}

/// `Debug` printing every field, with `Redacted` in place of the value of `secret` ones
/// (`Some(Redacted)` / `None` for optional ones, so presence still shows).
fn redacting_debug(s: &StructModel) -> TokenStream {
    let ident = &s.ident;
    let name = ident.to_string();
    let fields = s.fields.iter().map(|f| {
        let key = f.ident.to_string();
        let (field, key) = (&f.ident, key.trim_start_matches("r#"));
        match (f.secret, f.optional) {
            (false, _) => quote!(.field(#key, &self.#field)),
            (true, false) => quote!(.field(#key, &Redacted)),
            (true, true) => quote!(.field(#key, &self.#field.as_ref().map(|_| Redacted))),
        }
    });
    quote! {
        impl fmt::Debug for #ident {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(#name)
                    #(#fields)*
                    .finish()
            }
        }
    }
}

fn enum_model(e: &EnumModel) -> TokenStream {
    let ident = &e.ident;
    let doc = docs(&e.docs);
    let variant_docs = e.variants.iter().map(|v| docs(&v.docs));
    let variants: Vec<_> = e.variants.iter().map(|v| &v.ident).collect();
    let wires: Vec<_> = e.variants.iter().map(|v| &v.wire).collect();
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum #ident {
            #( #variant_docs #variants, )*
            /// A value this version of the SDK does not know, kept as Twitch sent it.
            Unknown(String),
        }

        impl #ident {
            /// The value as Twitch writes it.
            pub fn as_str(&self) -> &str {
                match self {
                    #( #ident::#variants => #wires, )*
                    #ident::Unknown(value) => value,
                }
            }

            fn known(value: &str) -> Option<Self> {
                match value {
                    #( #wires => Some(#ident::#variants), )*
                    _ => None,
                }
            }
        }

        string_enum!(#ident);
    }
}

fn alias(a: &AliasModel) -> TokenStream {
    let (doc, ident, target) = (docs(&a.docs), &a.ident, &a.target);
    quote! {
        #doc
        pub type #ident = #target;
    }
}
