//! A request as the generated builders hand it to the runtime: which endpoint, which query pairs,
//! which body keys, and the page size (a number, which the paginator adjusts without reading it
//! back out of the query). Building one never fails and never touches the network; the runtime checks it
//! against the endpoint's limits before sending (see the `check` module).

use std::fmt::Display;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::endpoint::{Endpoint, Location};

/// One call, ready to be checked and sent.
///
/// `Debug` shows the operation, the query and the names of the body keys, never body values: a
/// body can hold a secret (an EventSub webhook secret inside `transport`).
#[derive(Clone)]
pub struct Request {
    pub(crate) endpoint: &'static Endpoint,
    pub(crate) query: Vec<(&'static str, String)>,
    /// The page size, sent as the endpoint's page-size parameter ([`Paging::page_size`]).
    ///
    /// [`Paging::page_size`]: crate::endpoint::Paging::page_size
    pub(crate) page_size: Option<i64>,
    /// Top-level body keys set one by one.
    pub(crate) fields: Map<String, Value>,
    /// Parameters left empty that default to the token's user id in the user API.
    pub(crate) token_user: Vec<(&'static str, Location)>,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let body_keys: Vec<&str> = self.fields.keys().map(String::as_str).collect();
        f.debug_struct("Request")
            .field("operation", &self.endpoint.operation)
            .field("query", &self.query)
            .field("page_size", &self.page_size)
            .field("body_keys", &body_keys)
            .field("token_user", &self.token_user)
            .finish()
    }
}

impl Request {
    /// A request for `endpoint` with nothing set yet.
    pub fn new(endpoint: &'static Endpoint) -> Self {
        Request {
            endpoint,
            query: Vec::new(),
            page_size: None,
            fields: Map::new(),
            token_user: Vec::new(),
        }
    }

    /// The endpoint this request calls.
    pub fn endpoint(&self) -> &'static Endpoint {
        self.endpoint
    }

    /// The query pairs, in the order they were added (the page size is apart: see
    /// [`page_size`](Self::page_size)).
    pub fn query_pairs(&self) -> &[(&'static str, String)] {
        &self.query
    }

    /// The page size set, if any.
    pub fn page_size(&self) -> Option<i64> {
        self.page_size
    }

    /// Sets the page size when `size` is set. It is sent as the endpoint's page-size parameter
    /// (`first` on most endpoints) and checked against that parameter's range before sending;
    /// an endpoint without one ([`Paging::page_size`] is `None`) sends no page size.
    ///
    /// [`Paging::page_size`]: crate::endpoint::Paging::page_size
    pub fn set_page_size<T: Into<i64>>(&mut self, size: Option<T>) {
        if let Some(size) = size {
            self.page_size = Some(size.into());
        }
    }

    /// The query as sent: the pairs added, then the page size under the endpoint's name for it.
    pub(crate) fn wire_query(&self) -> Vec<(&'static str, String)> {
        let mut query = self.query.clone();
        let name = self.endpoint.paging.and_then(|p| p.page_size);
        if let (Some(name), Some(size)) = (name, self.page_size) {
            query.push((name, size.to_string()));
        }
        query
    }

    /// The JSON body, if a key was set: the object of the keys set.
    pub fn body_json(&self) -> Option<Value> {
        (!self.fields.is_empty()).then(|| Value::Object(self.fields.clone()))
    }

    /// Adds `name=value` to the query string.
    pub fn query(&mut self, name: &'static str, value: impl Display) {
        self.query.push((name, value.to_string()));
    }

    /// Adds `name=value` when `value` is set.
    pub fn query_opt<T: Display>(&mut self, name: &'static str, value: Option<T>) {
        if let Some(value) = value {
            self.query(name, value);
        }
    }

    /// Adds `name=item` once per item (`id=1&id=2`), as Helix expects lists.
    pub fn query_list<T: Display>(
        &mut self,
        name: &'static str,
        values: impl IntoIterator<Item = T>,
    ) {
        for value in values {
            self.query(name, value);
        }
    }

    /// Sets the body key `name`. A dotted name (`data.user_id`) sets a key of a nested object, as
    /// Helix wants for bodies such as Ban User's `{"data": {"user_id": ...}}`.
    pub fn body<T: Serialize + ?Sized>(&mut self, name: &'static str, value: &T) {
        // Values are SDK models and primitives; their serialization cannot fail (string keys only).
        let value = serde_json::to_value(value).unwrap_or(Value::Null);
        let mut keys = name.split('.').peekable();
        let mut map = &mut self.fields;
        while let Some(key) = keys.next() {
            if keys.peek().is_none() {
                map.insert(key.to_owned(), value);
                return;
            }
            let slot = map
                .entry(key.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if !slot.is_object() {
                *slot = Value::Object(Map::new());
            }
            let Value::Object(inner) = slot else { return };
            map = inner;
        }
    }

    /// Sets the top-level body key `name` when `value` is set.
    pub fn body_opt<T: Serialize>(&mut self, name: &'static str, value: Option<&T>) {
        if let Some(value) = value {
            self.body(name, value);
        }
    }

    /// Sets a parameter that, left empty, defaults to the token's user id in the user API.
    pub fn token_user(&mut self, name: &'static str, location: Location, value: Option<String>) {
        match (value, location) {
            (Some(value), Location::Query) => self.query(name, value),
            (Some(value), Location::Body) => self.body(name, &value),
            (None, _) => self.token_user.push((name, location)),
        }
    }

    /// Fills the parameters left for the token's user; called by the runtime once the user is known.
    pub(crate) fn resolve_token_user(&mut self, user_id: Option<&str>) {
        let Some(user_id) = user_id else { return };
        for (name, location) in std::mem::take(&mut self.token_user) {
            match location {
                Location::Query => self.query(name, user_id),
                Location::Body => self.body(name, user_id),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::endpoint::Paging;

    static PAGED: Endpoint = Endpoint {
        operation: "get-things",
        paging: Some(Paging::sized("first", Some(100))),
        ..Endpoint::BLANK
    };
    static UNSIZED: Endpoint = Endpoint {
        operation: "get-others",
        paging: Some(Paging::CURSOR),
        ..Endpoint::BLANK
    };

    #[test]
    fn the_page_size_is_a_number_sent_under_the_endpoints_name() {
        let mut req = Request::new(&PAGED);
        req.query("id", 7);
        req.set_page_size(None::<i32>);
        assert_eq!(req.page_size(), None);
        assert_eq!(req.wire_query(), [("id", "7".to_owned())]);
        req.set_page_size(Some(25_u32));
        assert_eq!(req.page_size(), Some(25));
        assert_eq!(req.query_pairs(), [("id", "7".to_owned())]);
        assert_eq!(
            req.wire_query(),
            [("id", "7".to_owned()), ("first", "25".to_owned())]
        );
        assert!(format!("{req:?}").contains("page_size: Some(25)"));

        let mut req = Request::new(&UNSIZED);
        req.set_page_size(Some(5));
        assert!(
            req.wire_query().is_empty(),
            "no page-size parameter to send it as"
        );
    }
}
