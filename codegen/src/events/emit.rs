//! Printing the resolved EventSub IR: event models into twitch-models, typed subscriptions and
//! the `Event` enum into twitch-sdk, and the every-type test table. Emitters only print; every
//! decision was made in [`resolve`](super::resolve).

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::emit::docs;

use super::resolve::{Category, Cond, EventsIr, Field, Model, Role, Sub};
use super::spec::TransportKind;

fn ident(name: &str) -> Ident {
    if crate::naming::is_keyword(name) {
        Ident::new_raw(name, Span::call_site())
    } else {
        Ident::new(name, Span::call_site())
    }
}

fn ty(text: &str) -> TokenStream {
    syn::parse_str::<syn::Type>(text).map_or_else(|_| quote!(serde_json::Value), |t| quote!(#t))
}

/// `twitch-models/src/events/generated/<category>.rs`.
pub fn models_file(c: &Category) -> TokenStream {
    let timestamp = c.uses_timestamp.then(|| {
        quote!(
            use crate::Timestamp;
        )
    });
    let imports = c.imports.iter().map(|i| ident(i));
    let imports = (!c.imports.is_empty()).then(|| quote!(use super::{ #(#imports),* };));
    let models = c.models.iter().map(model);
    let empty_as_none = c
        .models
        .iter()
        .flat_map(|m| &m.fields)
        .any(|f| f.optional && f.optional_timestamp)
        .then(|| {
            quote!(
                use crate::map_struct::EmptyAsNone;
            )
        });
    quote! {
        use serde::Serialize;
        use crate::map_struct::map_struct;
        #empty_as_none
        #timestamp
        #imports
        #(#models)*
    }
}

fn model(m: &Model) -> TokenStream {
    let docs = docs(&m.docs);
    let name = ident(&m.name);
    let fields = m.fields.iter().map(field);
    // `Deserialize` through the hand-written `map_struct!` (twitch-models/src/map_struct.rs):
    // one `visit_map` per model instead of the derive's visitors (BENCHMARKS.md).
    let reads = m.fields.iter().map(|f| {
        let rust = Ident::new(&f.rust, Span::call_site());
        let wire = &f.wire;
        let via = (f.optional && f.optional_timestamp).then(|| quote!(as EmptyAsNone));
        quote!(#rust = #wire #via)
    });
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, Serialize)]
        pub struct #name { #(#fields)* }
        map_struct!(#name { #(#reads),* });
    }
}

fn field(f: &Field) -> TokenStream {
    let docs = docs(&f.docs);
    let rust = Ident::new(&f.rust, Span::call_site());
    let rename = (f.rust != f.wire).then(|| {
        let wire = &f.wire;
        quote!(#[serde(rename = #wire)])
    });
    let ty = ty(&f.ty);
    // Serialize only: reading (missing or null optionals as `None`) is `map_struct!`'s.
    let (attr, ty) = if f.optional {
        (
            quote!(#[serde(skip_serializing_if = "Option::is_none")]),
            quote!(Option<#ty>),
        )
    } else {
        (TokenStream::new(), ty)
    };
    quote! { #docs #rename #attr pub #rust: #ty, }
}

/// `twitch-models/src/events/generated/mod.rs`.
pub fn models_mod(ir: &EventsIr) -> TokenStream {
    let mods = ir
        .categories
        .iter()
        .filter(|c| !c.models.is_empty())
        .map(|c| ident(&c.module));
    let uses = mods.clone();
    quote! {
        #(mod #mods;)*
        #(pub use #uses::*;)*
    }
}

/// `twitch-sdk/src/eventsub/generated/<category>.rs`: the typed subscriptions.
pub fn sdk_file(c: &Category) -> TokenStream {
    let mut events: Vec<&str> = c.subs.iter().map(|s| s.event.as_str()).collect();
    events.sort_unstable();
    events.dedup();
    let events = events.into_iter().map(ident);
    let subs = c.subs.iter().map(subscription);
    quote! {
        use serde::Serialize;
        use crate::eventsub::{SubscriptionType, Transports, TypeSpec};
        use crate::models::events::{ #(#events),* };
        #(#subs)*
    }
}

fn subscription(s: &Sub) -> TokenStream {
    let sub_docs = docs(&s.docs);
    let name = ident(&s.name);
    let event = ident(&s.event);
    let fields = s.condition.iter().map(|c| {
        let doc = docs(std::slice::from_ref(&c.doc));
        let rust = ident(&c.rust);
        if c.role == Role::Argument {
            quote! { #doc pub #rust: String, }
        } else {
            quote! { #doc #[serde(skip_serializing_if = "Option::is_none")] pub #rust: Option<String>, }
        }
    });
    let args: Vec<&Cond> = s
        .condition
        .iter()
        .filter(|c| c.role == Role::Argument)
        .collect();
    let params = args.iter().map(|c| {
        let rust = ident(&c.rust);
        quote!(#rust: impl Into<String>)
    });
    let inits = s.condition.iter().map(|c| {
        let rust = ident(&c.rust);
        if c.role == Role::Argument {
            quote!(#rust: #rust.into())
        } else {
            quote!(#rust: None)
        }
    });
    let new_doc = if args.is_empty() {
        "The subscription; set its condition fields with the setters.".to_owned()
    } else {
        let names: Vec<String> = args.iter().map(|c| format!("`{}`", c.wire)).collect();
        format!("The subscription for the given {}.", names.join(", "))
    };
    let setters = s.condition.iter().filter(|c| c.role != Role::Argument).map(|c| {
        let rust = ident(&c.rust);
        let doc = match c.role {
            Role::TokenUser => format!("Sets `{}` (on `UserApi`, the token's user when unset).", c.wire),
            _ => format!("Sets `{}`.", c.wire),
        };
        let doc = docs(&[doc]);
        quote! {
            #doc
            pub fn #rust(mut self, value: impl Into<String>) -> Self { self.#rust = Some(value.into()); self }
        }
    });
    let wire_type = &s.wire_type;
    let version = &s.version;
    let transports = transports(&s.transports);
    let all = &s.scopes_all;
    let any = &s.scopes_any;
    let token_user = s
        .condition
        .iter()
        .filter(|c| c.role == Role::TokenUser)
        .map(|c| &c.wire);
    let required = s.condition.iter().filter(|c| c.required).map(|c| &c.wire);
    let one_of = s.one_of.iter().map(|g| quote!(&[#(#g),*]));
    let batched = s.batched;
    let new_doc = docs(&[new_doc]);
    let default = args.is_empty().then(|| quote!(Default,));
    quote! {
        #sub_docs
        #[derive(Debug, Clone, #default PartialEq, Eq, Serialize)]
        pub struct #name { #(#fields)* }

        impl #name {
            #new_doc
            pub fn new(#(#params),*) -> Self { #name { #(#inits),* } }
            #(#setters)*
        }

        impl SubscriptionType for #name {
            type Event = #event;
            const SPEC: &'static TypeSpec = &TypeSpec {
                r#type: #wire_type,
                version: #version,
                transports: #transports,
                scopes_all_of: &[#(#all),*],
                scopes_any_of: &[#(#any),*],
                token_user: &[#(#token_user),*],
                required: &[#(#required),*],
                one_of: &[#(#one_of),*],
                batched: #batched,
            };
        }
    }
}

fn transports(list: &[TransportKind]) -> TokenStream {
    let has = |t| list.contains(&t);
    match (
        has(TransportKind::Webhook),
        has(TransportKind::Websocket),
        has(TransportKind::Conduit),
    ) {
        (true, true, true) => quote!(Transports::ALL),
        (true, false, false) => quote!(Transports::WEBHOOK_ONLY),
        (webhook, websocket, conduit) => {
            quote!(Transports { webhook: #webhook, websocket: #websocket, conduit: #conduit })
        }
    }
}

/// `twitch-sdk/src/eventsub/generated/mod.rs`.
pub fn sdk_mod(ir: &EventsIr) -> TokenStream {
    let mods: Vec<Ident> = ir
        .categories
        .iter()
        .filter(|c| !c.subs.is_empty())
        .map(|c| ident(&c.module))
        .collect();
    let specs = ir.categories.iter().flat_map(|c| &c.subs).map(|s| {
        let name = ident(&s.name);
        quote!(<#name as SubscriptionType>::SPEC)
    });
    quote! {
        #(mod #mods;)*
        pub(crate) mod events;
        #(pub use #mods::*;)*
        use crate::eventsub::{SubscriptionType, TypeSpec};
        /// Every subscription type and version this SDK knows, in spec order.
        pub static SUBSCRIPTION_TYPES: &[&TypeSpec] = &[ #(#specs),* ];
    }
}

/// `twitch-sdk/src/eventsub/generated/events.rs`: the `Event` enum and its per-type table.
pub fn events_file(ir: &EventsIr) -> TokenStream {
    let subs: Vec<&Sub> = ir.categories.iter().flat_map(|c| &c.subs).collect();
    let variants = subs.iter().map(|s| {
        let doc = docs(std::slice::from_ref(&s.variant_doc));
        let name = ident(&s.name);
        let event = ident(&s.event);
        if s.batched {
            quote!(#doc #name(Vec<m::#event>),)
        } else {
            quote!(#doc #name(Box<m::#event>),)
        }
    });
    let decode = subs.iter().map(|s| {
        let (t, v, name) = (&s.wire_type, &s.version, ident(&s.name));
        quote!((#t, #v) => Deserialize::deserialize(deserializer).map(Event::#name),)
    });
    let encode = subs.iter().map(|s| {
        let name = ident(&s.name);
        quote!(Event::#name(e) => e.serialize(serializer),)
    });
    let kinds = subs.iter().map(|s| {
        let (t, v, name) = (&s.wire_type, &s.version, ident(&s.name));
        quote!(Event::#name(_) => (#t, #v),)
    });
    quote! {
        use serde::{Deserialize, Deserializer, Serialize, Serializer};
        use crate::models::events as m;

        /// An EventSub event, typed by its subscription type and version: one variant per type
        /// and version in the spec, and [`Event::Unknown`] for any other.
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum Event {
            #(#variants)*
            /// A type or version this SDK does not know (newer than it, most likely): the JSON as sent.
            Unknown {
                /// The subscription type.
                r#type: String,
                /// The subscription version.
                version: String,
                /// The event object.
                raw: serde_json::Value,
            },
        }

        impl Event {
            /// The typed decoding of the event object `deserializer` holds, for a known type and
            /// version; for any other, the deserializer back, unread.
            ///
            /// Every caller passes `&mut serde_json::Deserializer<StrRead>`, so the models'
            /// `Deserialize` is compiled once (event.rs).
            pub(crate) fn decode_known<'de, D: Deserializer<'de>>(
                r#type: &str,
                version: &str,
                deserializer: D,
            ) -> Result<Result<Event, D::Error>, D> {
                Ok(match (r#type, version) {
                    #(#decode)*
                    _ => return Err(deserializer),
                })
            }

            /// Writes the event object (the `events` array of a batched type).
            pub(crate) fn serialize_payload<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    #(#encode)*
                    Event::Unknown { raw, .. } => raw.serialize(serializer),
                }
            }

            /// The subscription type and version this event belongs to.
            pub fn subscription_type(&self) -> (&str, &str) {
                match self {
                    #(#kinds)*
                    Event::Unknown { r#type, version, .. } => (r#type, version),
                }
            }
        }
    }
}

/// `tests/tests/generated/eventsub_types.rs`: one typed subscription per type, built from the
/// documented request example's condition, sent through the app API.
pub fn tests_file(ir: &EventsIr) -> TokenStream {
    let cases = ir.categories.iter().flat_map(|c| &c.subs).filter_map(|s| {
        let condition: serde_json::Value =
            serde_json::from_str(s.request_condition.as_deref()?).ok()?;
        let name = ident(&s.name);
        let value = |c: &Cond| {
            condition
                .get(&c.wire)
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        };
        let args = s
            .condition
            .iter()
            .filter(|c| c.role == Role::Argument)
            .map(|c| value(c).unwrap_or_default());
        let setters = s
            .condition
            .iter()
            .filter(|c| c.role != Role::Argument)
            .filter_map(|c| {
                let v = value(c)?;
                let rust = ident(&c.rust);
                Some(quote!(.#rust(#v)))
            });
        let stem = format!("{}.v{}", s.wire_type, s.version);
        Some(quote!(case(#stem, Box::new(#name::new(#(#args),*) #(#setters)*));))
    });
    quote! {
        use twitch_sdk::eventsub::types::*;
        use super::Case;

        /// Every typed subscription whose type has a documented request example, with that
        /// example's condition: `(example stem, the subscription)`.
        pub(crate) fn every_type(case: &mut dyn FnMut(&'static str, Box<dyn Case>)) {
            #(#cases)*
        }
    }
}
