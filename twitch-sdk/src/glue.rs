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
pub(crate) use crate::request::Request;
pub(crate) use crate::{Api, AppApi, PageStream, Paginator, ResponseFuture, Result, UserApi};
