//! Stage 3, requests: each endpoint becomes its `Endpoint` static, and each of its methods a
//! request builder and an `AppApi`/`UserApi` method per API class.

use super::docs::{builder_docs, method_docs, one_line, param_facts};
use super::*;
use crate::bind::{Binding, BoundFile, BoundMethod, ModelRef};

impl Lowerer<'_> {
    pub(super) fn sdk_file(&mut self, bound: &BoundFile<'_>) -> SdkFile {
        let mut file = SdkFile {
            module: self.ident(bound.stem),
            source: self.file.clone(),
            docs: vec![format!(
                "The operations of the {} group of Helix.",
                bound.title
            )],
            endpoints: Vec::new(),
            builders: Vec::new(),
            app_methods: Vec::new(),
            user_methods: Vec::new(),
        };
        for e in sorted_endpoints(&bound.endpoints) {
            let endpoint = self.endpoint_static(e);
            for m in &e.methods {
                let builder = self.builder(e, m, &endpoint.ident);
                for class in classes(m.spec) {
                    let method = self.api_method(e, m, class, &builder);
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

    pub(super) fn endpoint_static(&mut self, bound_endpoint: &BoundEndpoint<'_>) -> EndpointStatic {
        let e = bound_endpoint.spec;
        let mut params = Vec::new();
        for bp in &bound_endpoint.params {
            let p = bp.spec;
            let rust_name = bp.rust.clone();
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
            errors: bound_endpoint
                .errors
                .iter()
                .map(|error| ErrorStatic {
                    status: error.status,
                    text: one_line(&error.text),
                    shared: error
                        .shared
                        .as_ref()
                        .map(|name| self.ident(&shared_error_const(name))),
                })
                .collect(),
            reference: e.reference.clone(),
            secret_response: bound_endpoint.secret_response,
        }
    }

    pub(super) fn location(&mut self, location: Location) -> Ident {
        self.ident(match location {
            Location::Query => "Query",
            Location::Body => "Body",
        })
    }

    pub(super) fn input(&mut self, ty: &Ty) -> Input {
        match ty {
            Ty::Prim(Prim::String) => Input::Str,
            Ty::List(inner) if **inner == Ty::Prim(Prim::String) => Input::StrList,
            Ty::Model(r) if r.is_enum => Input::Enum(self.rust_type(ty, Side::Sdk)),
            Ty::List(inner) if matches!(&**inner, Ty::Model(r) if r.is_enum) => {
                Input::EnumList(self.rust_type(inner, Side::Sdk))
            }
            Ty::List(inner) => Input::List(self.rust_type(inner, Side::Sdk)),
            other => Input::Plain(self.rust_type(other, Side::Sdk)),
        }
    }

    pub(super) fn builder(
        &mut self,
        bound_endpoint: &BoundEndpoint<'_>,
        bound_method: &BoundMethod<'_>,
        endpoint: &Ident,
    ) -> Builder {
        let (e, m) = (bound_endpoint.spec, bound_method.spec);
        let bindings = &bound_method.bindings;
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
            } else if is_page_size(e, b.param) {
                (quote!(Option<#stored>), StepCall::PageSize)
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
        let (send, model) = self.response(bound_endpoint);
        let page_item = match (send, &bound_endpoint.page_item) {
            (Send::Collect, _) => model.clone(),
            (Send::Envelope, Some(item)) => Some(self.model_type(item)),
            _ => None,
        };
        if page_item.is_some() {
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
            bound_endpoint,
            m,
            &links.join(" and "),
            &ident.to_string(),
            bindings,
        );
        Builder {
            ident,
            endpoint: endpoint.clone(),
            operation: e.operation.clone(),
            docs,
            fields,
            setters,
            request,
            send,
            model,
            page_item,
            default_limit: m.default_limit,
        }
    }

    /// How the builder sends (`send_as!`/`paged!` in the SDK's `glue`), and the model type.
    pub(super) fn response(&mut self, e: &BoundEndpoint<'_>) -> (Send, Option<TokenStream>) {
        let model = e.response.as_ref().map(|r| self.model_type(r));
        let send = match e.spec.response.shape {
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

    /// A model as the SDK writes it (`models::Name`).
    fn model_type(&mut self, r: &ModelRef) -> TokenStream {
        self.rust_type(&Ty::Model(r.clone()), Side::Sdk)
    }

    pub(super) fn api_method(
        &mut self,
        bound_endpoint: &BoundEndpoint<'_>,
        bound_method: &BoundMethod<'_>,
        class: TokenType,
        builder: &Builder,
    ) -> ApiMethod {
        let (e, m) = (bound_endpoint.spec, bound_method.spec);
        let bindings: &[Binding<'_>] = &bound_method.bindings;
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
        if builder.page_item.is_some() {
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

/// Whether `param` is the endpoint's page-size parameter (validation made it an optional
/// integer in the query).
fn is_page_size(e: &spec::Endpoint, param: &spec::Param) -> bool {
    let page_size = e.pagination.as_ref().and_then(|p| p.page_size.as_deref());
    page_size == Some(param.name.as_str())
}

/// The constant of shared error `name` in `generated::shared_errors` (`TOKEN`).
pub(super) fn shared_error_const(name: &str) -> String {
    name.to_ascii_uppercase()
}

pub(super) fn classes(m: &Method) -> Vec<TokenType> {
    let set: BTreeSet<TokenType> = m.api.iter().copied().collect();
    set.into_iter().collect()
}

pub(super) fn class_name(class: TokenType) -> &'static str {
    match class {
        TokenType::App => "AppApi",
        TokenType::User => "UserApi",
    }
}

/// Setters take `self` by value; clippy expects `as_`/`from_`/`is_`/`to_` methods not to.
pub(super) fn self_convention_allow(name: &str) -> Option<Allow> {
    ["as_", "from_", "is_", "to_"]
        .iter()
        .any(|prefix| name.starts_with(prefix))
        .then(|| Allow {
            lint: quote!(clippy::wrong_self_convention),
            reason: "a builder setter takes `self`; its name is the Helix parameter's".to_owned(),
        })
}
