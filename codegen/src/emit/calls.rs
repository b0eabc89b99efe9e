//! Prints `tests/tests/generated/every_method.rs`: the table of calls the every-method test
//! (`tests/tests/it/every_method.rs`) runs against the stand-in server.
//!
//! The file holds data and one closure per case; the harness that includes it defines the types
//! (`Case`, `Call`, `Decoded`) and helpers (`send`, `from_json`, `timestamp`) it names, and does
//! the checking.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::int;
use crate::ir::{ApiClass, CallCase, CallValue, CallsFile, Decoded};

/// `tests/tests/generated/every_method.rs`.
pub fn file(f: &CallsFile) -> TokenStream {
    let mut uses = vec![quote!(Case)];
    if !f.cases.is_empty() {
        uses.extend([quote!(Call), quote!(Decoded)]);
    }
    if f.uses_from_json {
        uses.push(quote!(from_json));
    }
    if !f.cases.is_empty() {
        uses.push(quote!(send));
    }
    if f.uses_timestamp {
        uses.push(quote!(timestamp));
    }
    let id = &f.token_user_id;
    let cases = f.cases.iter().map(case);
    quote! {
        use super::{ #(#uses),* };

        /// The user id of the token the `UserApi` calls carry: the token-user parameters they
        /// leave unset must arrive with it.
        pub(crate) const TOKEN_USER_ID: &str = #id;

        /// One call of every `AppApi` and `UserApi` method (aliases included), sorted by class
        /// and name, with the request it must send and what it must decode.
        pub(crate) static CASES: &[Case] = &[ #(#cases),* ];
    }
}

fn case(c: &CallCase) -> TokenStream {
    let CallCase {
        name,
        operation,
        http_method,
        path,
        method,
        ..
    } = c;
    let alias_of = match &c.alias_of {
        Some(target) => quote!(Some(#target)),
        None => quote!(None),
    };
    let query = c
        .query
        .iter()
        .map(|(key, values)| quote!((#key, &[ #(#values),* ])));
    let body = match &c.body {
        Some(json) => {
            let json = raw_str(json);
            quote!(Some(#json))
        }
        None => quote!(None),
    };
    let token_user = &c.token_user;
    let decoded = match c.decoded {
        Decoded::Nothing => quote!(Decoded::Nothing),
        Decoded::One => quote!(Decoded::One),
        Decoded::Text => quote!(Decoded::Text),
        Decoded::Items(n) => {
            let n = Literal::usize_unsuffixed(n);
            quote!(Decoded::Items(#n))
        }
    };
    let args = c.args.iter().map(value);
    let setters = c.setters.iter().map(|(setter, v)| {
        let v = value(v);
        quote!(.#setter(#v))
    });
    let class = match c.class {
        ApiClass::App => quote!(App),
        ApiClass::User => quote!(User),
    };
    quote! {
        Case {
            name: #name,
            alias_of: #alias_of,
            operation: #operation,
            method: #http_method,
            path: #path,
            query: &[ #(#query),* ],
            body: #body,
            token_user: &[ #(#token_user),* ],
            decoded: #decoded,
            call: Call::#class(|api| send(api.#method(#(#args),*) #(#setters)*)),
        }
    }
}

/// The expression passing `v`.
fn value(v: &CallValue) -> TokenStream {
    match v {
        CallValue::Str(s) => quote!(#s),
        CallValue::Int(n) => int(*n),
        CallValue::Float(x) => {
            let abs = Literal::f64_unsuffixed(x.abs());
            if *x < 0.0 {
                quote!(-#abs)
            } else {
                quote!(#abs)
            }
        }
        CallValue::Bool(b) => quote!(#b),
        CallValue::Timestamp(text) => quote!(timestamp(#text)),
        CallValue::Json(json) => {
            let json = raw_str(&json.to_string());
            quote!(from_json::<serde_json::Value>(#json))
        }
        CallValue::Enum { model, value } => quote!(twitch_models::#model::from(#value)),
        CallValue::Model { model, json } => {
            let json = raw_str(&json.to_string());
            quote!(from_json::<twitch_models::#model>(#json))
        }
        CallValue::List(items) => {
            let items = items.iter().map(value);
            quote!([ #(#items),* ])
        }
    }
}

/// `text` as a raw string literal with enough `#`s; a plain literal if it cannot be one.
fn raw_str(text: &str) -> Literal {
    let mut hashes = String::from("#");
    while text.contains(&format!("\"{hashes}")) {
        hashes.push('#');
    }
    format!("r{hashes}\"{text}\"{hashes}")
        .parse()
        .unwrap_or_else(|_| Literal::string(text))
}
