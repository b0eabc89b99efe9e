//! Prints `twitch-sdk/src/generated/*.rs`: endpoint statics, request builders, API methods.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::{allow, docs, int, option};
use crate::diag::Diagnostic;
use crate::ir::*;

/// `generated/mod.rs`: modules, `ENDPOINTS`, the `requests` re-exports, the mock examples.
pub fn mod_file(ir: &Ir) -> TokenStream {
    let modules: Vec<_> = ir.sdk_files.iter().map(|f| &f.module).collect();
    let endpoints = ir.endpoints.iter().map(|e| {
        let (module, ident) = (&e.module, &e.ident);
        quote!(&#module::#ident)
    });
    let shared_errors = ir.shared_errors.iter().map(|(name, text)| {
        let doc = format!(" `{}`", name.to_string().to_ascii_lowercase());
        quote! {
            #[doc = #doc]
            pub(crate) const #name: &str = #text;
        }
    });
    let reexports = ir
        .requests
        .iter()
        .map(|(module, builders)| quote!(pub use super::#module::{ #(#builders),* };));
    quote! {
        #( mod #modules; )*
        #[cfg(feature = "mock")]
        mod examples;

        #[cfg(feature = "mock")]
        pub(crate) use examples::EXAMPLES;

        use crate::endpoint::Endpoint;

        /// Error meanings many operations share, defined once under `shared_errors` in the spec.
        pub(crate) mod shared_errors {
            #(#shared_errors)*
        }

        /// Every Helix operation the SDK describes, sorted by path, then method.
        pub static ENDPOINTS: &[&Endpoint] = &[ #(#endpoints),* ];

        /// The request builders the [`AppApi`](crate::AppApi) and [`UserApi`](crate::UserApi)
        /// methods return: set options on one, then `.await` it to send the request.
        pub mod requests {
            #(#reexports)*
        }
    }
}

/// `generated/examples.rs`: example bodies for the stand-in server, as raw string literals.
pub fn examples(examples: &[(String, String)]) -> Result<TokenStream, Diagnostic> {
    let mut entries = Vec::new();
    for (operation, json) in examples {
        let mut hashes = String::from("#");
        while json.contains(&format!("\"{hashes}")) {
            hashes.push('#');
        }
        let literal: Literal = format!("r{hashes}\"{json}\"{hashes}").parse().map_err(|_| {
            Diagnostic::file(
                format!("spec/examples/{operation}.json"),
                "internal error: the example cannot be written as a string literal; please report this",
            )
        })?;
        entries.push(quote!((#operation, #literal)));
    }
    Ok(quote! {
        /// Example response bodies from Twitch's reference, by operation (sorted), served by
        /// the stand-in server.
        pub(crate) static EXAMPLES: &[(&str, &str)] = &[ #(#entries),* ];
    })
}

/// `generated/<group>.rs`.
pub fn file(f: &SdkFile) -> TokenStream {
    let statics = f.endpoints.iter().map(endpoint_static);
    let builders = f.builders.iter().map(builder);
    let app = (!f.app_methods.is_empty()).then(|| {
        let methods = f.app_methods.iter().map(api_method);
        quote!(impl AppApi { #(#methods)* })
    });
    let user = (!f.user_methods.is_empty()).then(|| {
        let methods = f.user_methods.iter().map(api_method);
        quote!(impl UserApi { #(#methods)* })
    });
    let docs = super::module_docs(&f.docs);
    quote! {
        #docs
        use crate::glue::*;
        #(#statics)*
        #(#builders)*
        #app
        #user
    }
}

fn strs(values: &[String]) -> TokenStream {
    quote!(&[ #(#values),* ])
}

fn limit(b: Bound) -> TokenStream {
    match (b.min, b.max) {
        (Some(min), Some(max)) => {
            let (min, max) = (int(min), int(max));
            quote!(Limit::between(#min, #max))
        }
        (Some(min), None) => {
            let min = int(min);
            quote!(Limit::at_least(#min))
        }
        (None, Some(max)) => {
            let max = int(max);
            quote!(Limit::at_most(#max))
        }
        (None, None) => quote!(Limit {
            min: None,
            max: None
        }),
    }
}

/// One `Param` on one line: a const constructor plus a call per fact that differs from it.
fn param(p: &ParamStatic) -> TokenStream {
    let name = &p.name;
    let mut tokens = match p.location.to_string().as_str() {
        "Query" => quote!(Param::query(#name)),
        _ => quote!(Param::body(#name)),
    };
    if p.rust_name != p.name {
        let rust_name = &p.rust_name;
        tokens.extend(quote!(.rust(#rust_name)));
    }
    if p.required {
        tokens.extend(quote!(.required()));
    }
    for (call, bound) in [("items", p.items), ("length", p.length), ("range", p.range)] {
        if let Some(b) = bound {
            let call = proc_macro2::Ident::new(call, proc_macro2::Span::call_site());
            let b = limit(b);
            tokens.extend(quote!(.#call(#b)));
        }
    }
    if !p.values.is_empty() {
        let values = strs(&p.values);
        tokens.extend(quote!(.values(#values)));
    }
    tokens
}

/// The `Endpoint` static: the fields that differ from `Endpoint::BLANK`, then `..BLANK`.
fn endpoint_static(e: &EndpointStatic) -> TokenStream {
    let EndpointStatic {
        ident,
        operation,
        method,
        path,
        reference,
        ..
    } = e;
    let mut fields = Vec::new();
    let tokens = match (e.app, e.user) {
        (true, true) => quote!(ANY),
        (true, false) => quote!(APP),
        _ => quote!(USER),
    };
    if !(e.app && e.user) {
        fields.push(quote!(tokens: TokenTypes::#tokens));
    }
    if !e.scopes_all_of.is_empty() {
        let all_of = strs(&e.scopes_all_of);
        fields.push(quote!(scopes_all_of: #all_of));
    }
    if !e.scopes_any_of.is_empty() {
        let any_of = strs(&e.scopes_any_of);
        fields.push(quote!(scopes_any_of: #any_of));
    }
    if let Some(text) = &e.scopes_partial {
        fields.push(quote!(scopes_partial: Some(#text)));
    }
    if !e.params.is_empty() {
        let params = e.params.iter().map(param);
        fields.push(quote!(params: &[ #(#params),* ]));
    }
    if let Some(p) = &e.paging {
        let mut paging = match &p.page_size {
            Some(size) => {
                let max = option(p.max_page_size, |n| {
                    let n = Literal::u32_unsuffixed(n);
                    quote!(#n)
                });
                quote!(Paging::sized(#size, #max))
            }
            None => quote!(Paging::CURSOR),
        };
        if p.before {
            paging.extend(quote!(.before()));
        }
        fields.push(quote!(paging: Some(#paging)));
    }
    if let Some((param, moderates)) = &e.acting_user {
        let rule = match moderates {
            Some(m) => quote!(ActingUser::moderating(#param, #m)),
            None => quote!(ActingUser::new(#param)),
        };
        fields.push(quote!(acting_user: Some(#rule)));
    }
    if !e.errors.is_empty() {
        let errors = e.errors.iter().map(|error| {
            let status = Literal::u16_unsuffixed(error.status);
            match &error.shared {
                Some(name) => quote!((#status, shared_errors::#name)),
                None => {
                    let text = &error.text;
                    quote!((#status, #text))
                }
            }
        });
        fields.push(quote!(errors: &[ #(#errors),* ]));
    }
    if e.secret_response {
        fields.push(quote!(secret_response: true));
    }
    quote! {
        pub(crate) static #ident: Endpoint = Endpoint {
            operation: #operation,
            method: HttpMethod::#method,
            path: #path,
            #(#fields,)*
            reference: #reference,
            ..Endpoint::BLANK
        };
    }
}

/// `Debug` of a builder with a `secret` parameter: `[redacted]` in place of its value.
fn redacting_debug(b: &Builder) -> TokenStream {
    let ident = &b.ident;
    let name = ident.to_string();
    let fields = b.fields.iter().map(|f| {
        let (field, key) = (&f.ident, f.ident.to_string());
        let key = key.trim_start_matches("r#");
        if f.secret {
            quote!(.field(#key, &models::Redacted))
        } else {
            quote!(.field(#key, &self.#field))
        }
    });
    quote! {
        impl std::fmt::Debug for #ident {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(#name)
                    .field("api", &self.api)
                    #(#fields)*
                    .finish()
            }
        }
    }
}

/// The parameter type of an argument or setter.
fn input_type(input: &Input) -> TokenStream {
    match input {
        Input::Str => quote!(impl Into<String>),
        Input::StrList => quote!(impl IntoIterator<Item = impl Into<String>>),
        Input::Plain(ty) => quote!(#ty),
        Input::List(ty) => quote!(impl IntoIterator<Item = #ty>),
        Input::Enum(ty) => quote!(impl Into<#ty>),
        Input::EnumList(ty) => quote!(impl IntoIterator<Item = impl Into<#ty>>),
    }
}

/// The value stored for argument `name`.
fn stored(input: &Input, store: Store, name: &proc_macro2::Ident) -> TokenStream {
    let value = match input {
        Input::Str => quote!(#name.into()),
        Input::StrList => quote!(#name.into_iter().map(Into::into).collect()),
        Input::Plain(_) => quote!(#name),
        Input::List(_) => quote!(#name.into_iter().collect()),
        Input::Enum(_) => quote!(#name.into()),
        Input::EnumList(_) => quote!(#name.into_iter().map(Into::into).collect()),
    };
    match store {
        Store::Direct => value,
        Store::Some => quote!(Some(#value)),
    }
}

fn builder(b: &Builder) -> TokenStream {
    let Builder {
        ident, endpoint, ..
    } = b;
    let doc = docs(&b.docs);
    let fields = b.fields.iter().map(|f| {
        let (name, ty) = (&f.ident, &f.ty);
        quote!(#name: #ty)
    });
    let setters = b.setters.iter().map(|s| {
        let (doc, allow, name) = (docs(&s.docs), allow(&s.allow), &s.ident);
        let ty = input_type(&s.input);
        let value = stored(&s.input, s.store, name);
        quote! {
            #doc
            #allow
            pub fn #name(mut self, #name: #ty) -> Self {
                self.#name = #value;
                self
            }
        }
    });
    let steps: Vec<_> = b
        .request
        .iter()
        .map(|step| {
            let (wire, field) = (&step.wire, &step.field);
            match &step.call {
                StepCall::Query => quote!(req.query(#wire, self.#field);),
                StepCall::QueryOpt => quote!(req.query_opt(#wire, self.#field);),
                StepCall::QueryList => quote!(req.query_list(#wire, self.#field);),
                StepCall::Body => quote!(req.body(#wire, &self.#field);),
                StepCall::BodyOpt => quote!(req.body_opt(#wire, self.#field.as_ref());),
                StepCall::TokenUser(location) => {
                    quote!(req.token_user(#wire, Location::#location, self.#field);)
                }
                StepCall::PageSize => quote!(req.set_page_size(self.#field);),
            }
        })
        .collect();
    let req = if steps.is_empty() {
        quote!(req)
    } else {
        quote!(mut req)
    };
    let model = b.model.clone().unwrap_or_else(|| quote!(()));
    let send = match b.send {
        Send::None => quote!(none),
        Send::Text => quote!(text),
        Send::Single => quote!(single),
        Send::Optional => quote!(optional),
        Send::List => quote!(list),
        Send::Envelope => quote!(envelope),
        Send::Collect => quote!(collect),
    };
    // Sending is the same for every builder of a shape: one hand-written macro in `glue`.
    let operation = &b.operation;
    let mut future = match b.default_limit {
        _ if matches!(b.send, Send::None | Send::Text) => {
            quote!(send_as!(#ident, #operation, #send);)
        }
        _ if b.send != Send::Collect => quote!(send_as!(#ident, #operation, #send, #model);),
        Some(n) => {
            let n = proc_macro2::Literal::usize_unsuffixed(n as usize);
            quote!(paged!(#ident, #operation, #model, #n);)
        }
        None => quote!(paged!(#ident, #operation, #model);),
    };
    // An envelope that pages: awaiting returns the page; `paginate`/`into_stream` page the items.
    if let (false, Some(item)) = (b.send == Send::Collect, &b.page_item) {
        future.extend(quote!(pages!(#ident, #item);));
    }
    let (derive, debug) = if b.fields.iter().any(|f| f.secret) {
        (quote!(), redacting_debug(b))
    } else {
        (quote!(#[derive(Debug)]), quote!())
    };
    quote! {
        #doc
        #derive
        #[must_use = "a request does nothing until it is awaited"]
        pub struct #ident {
            api: Api,
            #(#fields,)*
        }

        impl #ident {
            #(#setters)*

            #[inline]
            fn into_request(self) -> (Api, Request) {
                let #req = Request::new(&#endpoint);
                #(#steps)*
                (self.api, req)
            }
        }

        #future

        #debug
    }
}

fn api_method(m: &ApiMethod) -> TokenStream {
    let (doc, allow, ident, builder) = (docs(&m.docs), allow(&m.allow), &m.ident, &m.builder);
    let args: Vec<_> = m
        .args
        .iter()
        .map(|a| {
            let (name, ty) = (&a.ident, input_type(&a.input));
            quote!(#name: #ty)
        })
        .collect();
    let arg_names: Vec<_> = m.args.iter().map(|a| &a.ident).collect();
    let init = m.init.iter().map(|i| {
        let field = &i.field;
        match &i.value {
            Init::Arg(Input::Plain(_), Store::Direct) => quote!(#field),
            Init::Arg(input, store) => {
                let value = stored(input, *store, field);
                quote!(#field: #value)
            }
            Init::Value(value) => quote!(#field: #value),
        }
    });
    let aliases = m.aliases.iter().map(|a| {
        let (alias_doc, alias_ident) = (docs(&a.docs), &a.ident);
        quote! {
            #alias_doc
            #allow
            pub fn #alias_ident(&self, #(#args),*) -> #builder {
                self.#ident(#(#arg_names),*)
            }
        }
    });
    quote! {
        #doc
        #allow
        pub fn #ident(&self, #(#args),*) -> #builder {
            #builder {
                api: self.api(),
                #(#init,)*
            }
        }
        #(#aliases)*
    }
}
