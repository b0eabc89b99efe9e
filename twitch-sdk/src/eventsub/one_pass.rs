//! Pieces for reading an EventSub message in one pass with serde visitors, shared by the
//! payload reader ([`notification`](super::notification)) and the WebSocket envelope reader:
//! a map key matched against a list of names, reading a key's value once, and the error that
//! means "not the usual shape".
//!
//! A one-pass reader accepts only the shape Twitch sends (objects, each key once, in the order
//! it needs). Anything else ends it with [`unusual`], and its caller reads the message again the
//! general way, which is what decides every error and every lenient case. So the one-pass readers
//! never build an error anyone sees: they either give exactly what the general way would, or
//! nothing.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};

/// Ends a one-pass read: the message is not in the usual shape (the text is never shown).
pub(crate) fn unusual<E: de::Error>() -> E {
    E::custom("unusual shape")
}

/// Reads a map key as its index in a list of names; a name not in the list is the list's length.
#[derive(Clone, Copy)]
pub(crate) struct Key(pub(crate) &'static [&'static str]);

impl<'de> DeserializeSeed<'de> for Key {
    type Value = usize;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<usize, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for Key {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<usize, E> {
        Ok(self
            .0
            .iter()
            .position(|n| *n == name)
            .unwrap_or(self.0.len()))
    }
}

/// The next key of `map` as [`Key`] reads it.
pub(crate) fn next_key<'de, A: MapAccess<'de>>(
    map: &mut A,
    names: &'static [&'static str],
) -> Result<Option<usize>, A::Error> {
    map.next_key_seed(Key(names))
}

/// Skips the value of a key the reader does not need.
pub(crate) fn skip<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    map.next_value::<IgnoredAny>().map(drop)
}

/// Reads the value of a key into `slot`; a key seen twice ends the read ([`unusual`]).
pub(crate) fn once<T, E: de::Error>(
    slot: &mut Option<T>,
    read: impl FnOnce() -> Result<T, E>,
) -> Result<(), E> {
    if slot.is_some() {
        return Err(unusual());
    }
    *slot = Some(read()?);
    Ok(())
}
