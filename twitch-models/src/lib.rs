//! The models of the Twitch Helix API: what every endpoint returns and what some accept.
//!
//! Almost everything here is generated from the twitch-sdk spec (`spec/*.yaml`) by
//! `cargo xtask codegen`; this file holds the few hand-written pieces the generated code uses:
//!
//! - [`Timestamp`], the RFC 3339 date-time Helix sends;
//! - [`de::empty_as_none`], which reads the `""` Helix sends for an unset timestamp as `None`;
//! - `string_enum!`, the conversions, `Display` and serde of every generated string enum;
//! - `map_struct!`, the `Deserialize` of every generated struct model, Helix and EventSub (one
//!   `visit_map`);
//! - [`Redacted`], what a field the spec marks `secret` (a stream key, a webhook secret) prints
//!   as in `Debug`.
//!
//! [`events`] holds the EventSub event payloads, generated from `spec/eventsub/*.yaml`.
//!
//! Decoding is lenient where Twitch is: unknown fields are ignored, and an enum value the spec
//! does not list decodes as the enum's `Unknown` variant instead of failing.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

use std::fmt;
use std::str::FromStr;
use std::time::SystemTime;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

#[rustfmt::skip]
mod generated;

mod map_struct;
mod rfc3339;
mod string_enum;
mod transport;

pub mod events;

pub use generated::*;

/// What a secret field prints as in `Debug`: `[redacted]`.
///
/// Models with a field the spec marks `secret` (a stream key, a webhook or extension secret, a
/// browser source token) implement `Debug` by hand and show this in place of the value, so a
/// credential cannot leak through a log line or a panic message. `Serialize` is unchanged: the
/// value still goes to Twitch.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// The error of [`Timestamp::parse`]: the text is not an RFC 3339 date-time.
pub use time::error::Parse as TimestampError;

/// A point in time as Helix writes it: RFC 3339 (`2021-03-10T15:04:21Z`), in and out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(OffsetDateTime);

impl Timestamp {
    /// Parses an RFC 3339 date-time (`2021-03-10T15:04:21Z`, fractions and offsets allowed).
    pub fn parse(text: &str) -> Result<Timestamp, TimestampError> {
        match rfc3339::parse_utc(text) {
            Some(at) => Ok(Timestamp(at)),
            None => OffsetDateTime::parse(text, &Rfc3339).map(Timestamp),
        }
    }

    /// The date-time.
    pub fn get(self) -> OffsetDateTime {
        self.0
    }

    /// The current time, in UTC.
    pub fn now() -> Timestamp {
        Timestamp(OffsetDateTime::now_utc())
    }

    /// Seconds since 1970-01-01T00:00:00Z (negative before).
    pub fn unix_timestamp(self) -> i64 {
        self.0.unix_timestamp()
    }
}

impl From<SystemTime> for Timestamp {
    /// The same instant, in UTC.
    fn from(value: SystemTime) -> Self {
        Timestamp(OffsetDateTime::from(value))
    }
}

impl From<Timestamp> for SystemTime {
    fn from(value: Timestamp) -> Self {
        value.0.into()
    }
}

impl From<OffsetDateTime> for Timestamp {
    fn from(value: OffsetDateTime) -> Self {
        Timestamp(value)
    }
}

impl From<Timestamp> for OffsetDateTime {
    fn from(value: Timestamp) -> Self {
        value.0
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339, padded and aligned as the format asks; a year RFC 3339 cannot express (outside
    /// 0..=9999) falls back to `time`'s own format rather than failing.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.format(&Rfc3339) {
            Ok(text) => f.pad(&text),
            Err(_) => f.pad(&self.0.to_string()),
        }
    }
}

impl FromStr for Timestamp {
    type Err = TimestampError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Timestamp::parse(text)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(TimestampVisitor)
    }
}

/// Reads a timestamp straight from the string serde hands over, borrowed or not: no copy of the
/// text is made (serde's `Cow<str>` always copies), which matters on the hot path of decoding
/// events, where most models carry one or two timestamps.
struct TimestampVisitor;

impl<'de> serde::de::Visitor<'de> for TimestampVisitor {
    type Value = Timestamp;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an RFC 3339 timestamp")
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Timestamp, E> {
        Timestamp::parse(text)
            .map_err(|e| E::custom(format_args!("invalid RFC 3339 timestamp `{text}`: {e}")))
    }
}

/// Serde helpers the generated models name in `#[serde(deserialize_with = ...)]`.
pub mod de {
    use std::fmt;

    use serde::Deserializer;
    use serde::de::{Error, Visitor};

    use crate::{Timestamp, TimestampVisitor};

    /// Reads an optional timestamp where Helix sends `""` (or `null`, or nothing) for "not set".
    pub fn empty_as_none<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Timestamp>, D::Error> {
        deserializer.deserialize_option(EmptyAsNone)
    }

    struct EmptyAsNone;

    impl<'de> Visitor<'de> for EmptyAsNone {
        type Value = Option<Timestamp>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an RFC 3339 timestamp, \"\" or null")
        }

        fn visit_none<E: Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_str(self)
        }

        fn visit_str<E: Error>(self, text: &str) -> Result<Self::Value, E> {
            match text {
                "" => Ok(None),
                text => TimestampVisitor.visit_str(text).map(Some),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timestamp_round_trip() {
        let t = Timestamp::parse("2021-03-10T15:04:21Z").unwrap();
        assert_eq!(t.to_string(), "2021-03-10T15:04:21Z");
        assert_eq!("2021-03-10T15:04:21Z".parse::<Timestamp>().unwrap(), t);
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(json, "\"2021-03-10T15:04:21Z\"");
        assert_eq!(serde_json::from_str::<Timestamp>(&json).unwrap(), t);
        assert_eq!(Timestamp::from(t.get()), t);
        assert!(Timestamp::parse("yesterday").is_err());
        let fraction = Timestamp::parse("2021-03-10T15:04:21.123456Z").unwrap();
        assert_eq!(fraction.to_string(), "2021-03-10T15:04:21.123456Z");
        assert_eq!(format!("[{t:>22}]"), "[  2021-03-10T15:04:21Z]");
    }

    #[test]
    fn timestamps_from_system_time() {
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_615_388_661);
        let t = Timestamp::from(at);
        assert_eq!(t.to_string(), "2021-03-10T15:04:21Z");
        assert_eq!(t.unix_timestamp(), 1_615_388_661);
        assert_eq!(SystemTime::from(t), at);
        let before = Timestamp::from(SystemTime::now());
        assert!(Timestamp::now() >= before);
    }

    #[test]
    fn enum_display_pads() {
        let kind = VideoType::Archive;
        assert_eq!(format!("[{kind:<9}]"), "[archive  ]");
        assert_eq!(format!("[{kind:^9}]"), "[ archive ]");
        assert_eq!(
            format!("[{:>7}]", VideoType::Unknown("new".into())),
            "[    new]"
        );
    }

    #[derive(Deserialize)]
    struct Holder {
        #[serde(default, deserialize_with = "de::empty_as_none")]
        at: Option<Timestamp>,
    }

    #[test]
    fn empty_timestamps_are_none() {
        for json in [r#"{"at": ""}"#, r#"{"at": null}"#, "{}"] {
            let holder: Holder = serde_json::from_str(json).unwrap();
            assert_eq!(holder.at, None, "{json}");
        }
        let holder: Holder = serde_json::from_str(r#"{"at": "2021-03-10T15:04:21Z"}"#).unwrap();
        assert!(holder.at.is_some());
        assert!(serde_json::from_str::<Holder>(r#"{"at": "soon"}"#).is_err());
    }
}
