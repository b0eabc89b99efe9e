//! The `Deserialize` of every generated struct model (Helix and EventSub), written once:
//! `map_struct!`.
//!
//! serde's derive prints, per struct, a field-name enum with its own visitor, a `visit_map` and a
//! `visit_seq` (a struct may also be read from a JSON array). The SDK decodes all 83 event types
//! wherever it decodes one, so each of those pieces is compiled for every event model in every
//! build, and the ~150 Helix structs' expansions are type-checked in every build of
//! twitch-models. Twitch's objects are always JSON objects, so `map_struct!` prints only a
//! `visit_map`, reads field names through one shared [`Key`] type, and moves the per-field steps
//! into small generic functions ([`next_value`], [`fill`]) that are compiled once per field
//! *type* (`String`, `i64`, `Timestamp`, ...) instead of once per field.
//!
//! What it accepts is what the derive accepted from a JSON object: unknown fields are skipped, a
//! repeated field is an error (`duplicate field`), a missing field is an error (`missing field`)
//! unless its type is an `Option`, which then reads as `None`, and a field marked `as EmptyAsNone`
//! reads `""` as `None` too ([`de::empty_as_none`](crate::de::empty_as_none)). The derive's
//! error texts are kept (`expected struct Name`).
//!
//! ```text
//! map_struct!(StreamOnlineV1Event {
//!     id = "id",
//!     type_ = "type",
//!     started_at = "started_at",
//!     ended_at = "ended_at" as EmptyAsNone,
//! });
//! ```

use std::borrow::Cow;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};

use crate::Timestamp;

/// `Deserialize` for the struct `$name` from a map of the listed fields; see the module docs.
macro_rules! map_struct {
    ($name:ident { $($field:ident = $wire:literal $(as $via:ty)?),* $(,)? }) => {
        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Self, D::Error> {
                struct Fields;

                impl<'de> ::serde::de::Visitor<'de> for Fields {
                    type Value = $name;

                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(concat!("struct ", stringify!($name)))
                    }

                    fn visit_map<A: ::serde::de::MapAccess<'de>>(
                        self,
                        mut map: A,
                    ) -> Result<$name, A::Error> {
                        $(let mut $field: Option<map_struct!(@slot $($via)?)> = None;)*
                        // One `?` per step, not per field: each `?` prints its own error exit.
                        while let Some(key) = map.next_key::<$crate::map_struct::Key<'de>>()? {
                            let read = match key.as_str() {
                                $($wire => $crate::map_struct::next_value(&mut map, &mut $field, $wire),)*
                                _ => $crate::map_struct::skip_value(&mut map),
                            };
                            read?;
                        }
                        // Every slot is filled (the first error in field order wins).
                        Ok(())$(.and($crate::map_struct::fill::<A, _>(&mut $field, $wire)))*?;
                        #[allow(irrefutable_let_patterns)]
                        let ($(Some($field),)*) = ($($field,)*) else {
                            return Err($crate::map_struct::unfilled());
                        };
                        Ok($name { $($field: map_struct!(@take $field $(, $via)?)),* })
                    }
                }

                deserializer.deserialize_map(Fields)
            }
        }
    };
    (@slot) => { _ };
    (@slot $via:ty) => { $via };
    (@take $field:ident) => { $field };
    (@take $field:ident, $via:ty) => { $field.0 };
}

pub(crate) use map_struct;

/// A field name as the deserializer hands it over: borrowed from the input when it can be.
#[derive(serde::Deserialize)]
#[serde(transparent)]
pub struct Key<'a>(#[serde(borrow)] Cow<'a, str>);

impl Key<'_> {
    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Reads the value of field `name` into its slot; a second value for it is an error.
pub fn next_value<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
    map: &mut A,
    slot: &mut Option<T>,
    name: &'static str,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(de::Error::duplicate_field(name));
    }
    *slot = Some(map.next_value()?);
    Ok(())
}

/// Skips the value of a field the model does not have.
pub fn skip_value<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    map.next_value::<IgnoredAny>().map(|_| ())
}

/// Fills the slot of field `name` if the map did not have it, with what its type makes of
/// nothing (`None` for an `Option`, `missing field` for anything else).
pub fn fill<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
    slot: &mut Option<T>,
    name: &'static str,
) -> Result<(), A::Error> {
    if slot.is_none() {
        *slot = Some(T::deserialize(Missing::<A::Error>(name, PhantomData))?);
    }
    Ok(())
}

/// The error for a slot still empty after [`fill`], which never leaves one empty, so this is
/// never returned.
pub fn unfilled<E: de::Error>() -> E {
    E::custom("map_struct: a field was left unread")
}

/// An optional timestamp read like [`de::empty_as_none`](crate::de::empty_as_none): `""`,
/// `null` and a missing field are `None`.
pub struct EmptyAsNone(pub Option<Timestamp>);

impl<'de> Deserialize<'de> for EmptyAsNone {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::de::empty_as_none(deserializer).map(EmptyAsNone)
    }
}

/// What a missing field deserializes from: `None` for an `Option`, an error for anything else
/// (the derive's rule).
struct Missing<E>(&'static str, PhantomData<E>);

impl<'de, E: de::Error> Deserializer<'de> for Missing<E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, E> {
        Err(E::missing_field(self.0))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        visitor.visit_none()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use crate::Timestamp;

    use super::EmptyAsNone;

    #[derive(Debug, PartialEq)]
    struct Sample {
        id: String,
        type_: String,
        count: i64,
        note: Option<String>,
        nullable: Option<String>,
        ended_at: Option<Timestamp>,
    }

    map_struct!(Sample {
        id = "id",
        type_ = "type",
        count = "count",
        note = "note",
        nullable = "nullable",
        ended_at = "ended_at" as EmptyAsNone,
    });

    fn read(json: &str) -> Result<Sample, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn reads_renamed_optional_and_unknown_fields() {
        let sample = read(
            r#"{"id":"1","type":"live","count":3,"note":null,"extra":{"a":[1]},
                "nullable":"x","ended_at":"2021-03-10T15:04:21Z"}"#,
        )
        .unwrap();
        assert_eq!(sample.id, "1");
        assert_eq!(sample.type_, "live");
        assert_eq!(sample.count, 3);
        assert_eq!(sample.note, None);
        assert_eq!(sample.nullable.as_deref(), Some("x"));
        assert_eq!(
            sample.ended_at,
            Some(Timestamp::parse("2021-03-10T15:04:21Z").unwrap())
        );
    }

    #[test]
    fn missing_options_are_none_and_empty_timestamps_too() {
        let sample = read(r#"{"id":"1","type":"live","count":3,"ended_at":""}"#).unwrap();
        assert_eq!(
            (sample.note, sample.nullable, sample.ended_at),
            (None, None, None)
        );
        let sample = read(r#"{"id":"1","type":"live","count":3}"#).unwrap();
        assert_eq!(sample.ended_at, None);
    }

    #[test]
    fn keys_with_escapes_are_matched() {
        let sample = read(r#"{"\u0069d":"1","type":"live","count":3}"#).unwrap();
        assert_eq!(sample.id, "1");
    }

    #[test]
    fn errors_name_the_field_and_the_struct() {
        let missing = read(r#"{"id":"1","type":"live"}"#).unwrap_err();
        assert!(missing.starts_with("missing field `count`"), "{missing}");
        let two_missing = read(r#"{"type":"live"}"#).unwrap_err();
        assert!(
            two_missing.starts_with("missing field `id`"),
            "the first missing field in declaration order: {two_missing}"
        );
        let twice = read(r#"{"id":"1","id":"2","type":"live","count":3}"#).unwrap_err();
        assert!(twice.starts_with("duplicate field `id`"), "{twice}");
        let wrong = read(r#"{"id":"1","type":"live","count":"3"}"#).unwrap_err();
        assert!(wrong.starts_with("invalid type: string \"3\""), "{wrong}");
        let not_object = read(r#"["1","live",3]"#).unwrap_err();
        assert!(
            not_object.contains("expected struct Sample"),
            "{not_object}"
        );
        let bad_time = read(r#"{"id":"1","type":"live","count":3,"ended_at":"soon"}"#).unwrap_err();
        assert!(
            bad_time.contains("invalid RFC 3339 timestamp"),
            "{bad_time}"
        );
    }

    #[test]
    fn reads_from_a_json_value_too() {
        let value = serde_json::json!({"id": "1", "type": "live", "count": 3});
        let sample = Sample::deserialize(value).unwrap();
        assert_eq!(sample.count, 3);
    }
}
