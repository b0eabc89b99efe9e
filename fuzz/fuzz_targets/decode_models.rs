//! Every response model through the runtime's decode path, from arbitrary bytes.
//!
//! Input: one byte choosing the operation (index into the table `build.rs` reads off the SDK's
//! generated code, sorted by operation id), then the response body. The body is decoded exactly as
//! a successful answer of that operation is (`page`, `list`, `single`, `optional`, `whole` or
//! text). Beyond not panicking:
//! - errors print, and their body excerpt stays short;
//! - whatever decodes, re-encoded in the same envelope, decodes to an equal value (what the SDK
//!   reads it can write back, as the models promise).
#![no_main]

use std::fmt::Debug;

use libfuzzer_sys::fuzz_target;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;
use twitch_sdk::__fuzz;
use twitch_sdk::endpoint::Endpoint;

struct Entry {
    operation: &'static str,
    decode: fn(&'static Endpoint, &[u8]),
}

include!(concat!(env!("OUT_DIR"), "/decode_table.rs"));

trait Model: Serialize + DeserializeOwned + Debug + PartialEq {}
impl<T: Serialize + DeserializeOwned + Debug + PartialEq> Model for T {}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let entry = &TABLE[usize::from(selector) % TABLE.len()];
    let endpoint = twitch_sdk::ENDPOINTS
        .iter()
        .find(|e| e.operation == entry.operation)
        .expect("every table operation is in ENDPOINTS");
    (entry.decode)(endpoint, body);
});

fn text(body: &[u8]) {
    let _ = String::from_utf8_lossy(body);
}

fn failed(error: &twitch_sdk::Error) {
    let text = error.to_string();
    let _ = format!("{error:?}");
    if let twitch_sdk::Error::Decode { excerpt, .. } = error {
        // 160 characters of text, plus the single spaces that stand for runs of whitespace.
        assert!(
            excerpt.chars().count() <= 321,
            "excerpt too long: {excerpt}"
        );
    }
    assert!(!text.is_empty());
}

fn page<M: Model>(e: &'static Endpoint, b: &[u8]) {
    match __fuzz::page::<M>(e, b) {
        Err(error) => failed(&error),
        Ok((items, cursor)) => {
            let body = json!({"data": items, "pagination": {"cursor": cursor.clone().unwrap_or_default()}});
            let again = __fuzz::page::<M>(e, &serde_json::to_vec(&body).unwrap());
            assert_eq!(again.expect("re-encoded page decodes"), (items, cursor));
        }
    }
}

fn single<M: Model>(e: &'static Endpoint, b: &[u8]) {
    match __fuzz::single::<M>(e, b) {
        Err(error) => failed(&error),
        Ok(item) => {
            let body = json!({"data": [item]});
            let again = __fuzz::single::<M>(e, &serde_json::to_vec(&body).unwrap());
            assert_eq!(again.expect("re-encoded item decodes"), item);
        }
    }
}

fn optional<M: Model>(e: &'static Endpoint, b: &[u8]) {
    match __fuzz::optional::<M>(e, b) {
        Err(error) => failed(&error),
        Ok(item) => {
            let body = json!({"data": item.as_ref().map_or_else(Vec::new, |i| vec![i])});
            let again = __fuzz::optional::<M>(e, &serde_json::to_vec(&body).unwrap());
            assert_eq!(again.expect("re-encoded item decodes"), item);
        }
    }
}

fn list<M: Model>(e: &'static Endpoint, b: &[u8]) {
    match __fuzz::list::<M>(e, b) {
        Err(error) => failed(&error),
        Ok(items) => {
            let body = json!({ "data": items });
            let again = __fuzz::list::<M>(e, &serde_json::to_vec(&body).unwrap());
            assert_eq!(again.expect("re-encoded list decodes"), items);
        }
    }
}

fn whole<M: Model>(e: &'static Endpoint, b: &[u8]) {
    match __fuzz::whole::<M>(e, b) {
        Err(error) => failed(&error),
        Ok(value) => {
            let again = __fuzz::whole::<M>(e, &serde_json::to_vec(&value).unwrap());
            assert_eq!(again.expect("re-encoded body decodes"), value);
        }
    }
}
