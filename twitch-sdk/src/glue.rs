//! The names the generated request modules (`generated/<group>.rs`) import with one glob.
//!
//! Hand-written, so the set is reviewed here once instead of being printed by the generator:
//! the endpoint table's types and const constructors, the request value, and the runtime types
//! the builders hand their requests to.

pub(crate) use std::future::IntoFuture;
pub(crate) use twitch_models as models;

pub(crate) use crate::endpoint::{
    ActingUser, Endpoint, HttpMethod, Limit, Location, Paging, Param, TokenTypes,
};
pub(crate) use crate::generated::shared_errors;
pub(crate) use crate::request::Request;
pub(crate) use crate::{Api, AppApi, PageStream, Paginator, ResponseFuture, Result, UserApi};

// `#[inline]` on `into_future`, `paginate` and `into_stream` (and on each builder's
// `into_request`): rustc then compiles them, and the decoding of the response model they
// instantiate, only in the crates that call them, so a program pays for the operations it sends
// instead of every build of twitch-sdk paying for all of them. Measured in BENCHMARKS.md.

/// `OPERATION` and `IntoFuture` for a request builder whose `into_request` gives
/// `(Api, Request)`: awaiting it sends the request with `Api::$send`: `none` yields `()`, `text`
/// a `String`, `list` a `Vec<$model>`, `optional` an `Option<$model>`, `single` and `envelope`
/// the `$model`.
macro_rules! send_as {
    (@impl $builder:ident, $operation:literal, $send:ident, $output:ty) => {
        operation!($builder, $operation);

        impl IntoFuture for $builder {
            type Output = Result<$output>;
            type IntoFuture = ResponseFuture<$output>;

            #[inline]
            fn into_future(self) -> Self::IntoFuture {
                let (api, req) = self.into_request();
                api.$send(req)
            }
        }
    };
    ($builder:ident, $operation:literal, none) => {
        send_as!(@impl $builder, $operation, none, ());
    };
    ($builder:ident, $operation:literal, text) => {
        send_as!(@impl $builder, $operation, text, String);
    };
    ($builder:ident, $operation:literal, list, $model:ty) => {
        send_as!(@impl $builder, $operation, list, Vec<$model>);
    };
    ($builder:ident, $operation:literal, optional, $model:ty) => {
        send_as!(@impl $builder, $operation, optional, Option<$model>);
    };
    ($builder:ident, $operation:literal, $send:ident, $model:ty) => {
        send_as!(@impl $builder, $operation, $send, $model);
    };
}

/// `Builder::OPERATION`.
macro_rules! operation {
    ($builder:ident, $operation:literal) => {
        impl $builder {
            /// Twitch's id of the operation this request calls: the name the stand-in
            /// (`mock.on`, `set_items`, `requests_to`) and errors use.
            pub const OPERATION: &str = $operation;
        }
    };
}

/// A paginated request builder (with a `limit: Option<usize>` field): `OPERATION`, `limit`,
/// `paginate` and `into_stream`, and `IntoFuture` collecting the items, at most `$default`
/// unless `limit` is set.
macro_rules! paged {
    ($builder:ident, $operation:literal, $model:ty) => {
        operation!($builder, $operation);
        pages!($builder, $model, "Caps how many items are fetched in all: by awaiting the request, by [`paginate`](Self::paginate) and by [`into_stream`](Self::into_stream).");
        paged!(@future $builder, $model, |limit: Option<usize>| limit);
    };
    ($builder:ident, $operation:literal, $model:ty, $default:literal) => {
        operation!($builder, $operation);
        pages!($builder, $model, "Caps how many items are fetched in all: by awaiting the request, by [`paginate`](Self::paginate) and by [`into_stream`](Self::into_stream).");
        paged!(@future $builder, $model, |limit: Option<usize>| limit.or(Some($default)));
    };
    (@future $builder:ident, $model:ty, $limit:expr) => {
        impl IntoFuture for $builder {
            type Output = Result<Vec<$model>>;
            type IntoFuture = ResponseFuture<Vec<$model>>;

            #[inline]
            fn into_future(self) -> Self::IntoFuture {
                let limit = ($limit)(self.limit);
                let (api, req) = self.into_request();
                api.collect(req, limit)
            }
        }
    };
}

/// `limit`, `paginate` and `into_stream` on a builder with a `limit: Option<usize>` field, paging
/// over `$item`. Alone (an envelope that pages), `limit` caps only `paginate` and `into_stream`.
macro_rules! pages {
    ($builder:ident, $item:ty) => {
        pages!($builder, $item, "Caps how many items [`paginate`](Self::paginate) and [`into_stream`](Self::into_stream) fetch in all.");
    };
    ($builder:ident, $item:ty, $limit_doc:literal) => {
        impl $builder {
            #[doc = $limit_doc]
            pub fn limit(mut self, limit: usize) -> Self {
                self.limit = Some(limit);
                self
            }

            /// Pages by hand, one request per page, forward or (where Helix allows) back.
            #[inline]
            pub fn paginate(self) -> Paginator<$item> {
                let limit = self.limit;
                let (api, req) = self.into_request();
                Paginator::new(api, req, limit)
            }

            /// Yields the items one by one, fetching pages as they are needed.
            #[inline]
            pub fn into_stream(self) -> PageStream<$item> {
                self.paginate().into_stream()
            }
        }
    };
}

pub(crate) use {operation, paged, pages, send_as};
