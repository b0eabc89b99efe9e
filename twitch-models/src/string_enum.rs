//! The behaviour every generated string enum shares, written once: `string_enum!`.
//!
//! A generated enum lists its variants, `as_str` (variant to wire value) and a private `known`
//! (wire value to variant, `None` for a value the spec does not list), then calls
//! `string_enum!(Name)` for the rest: conversions from `&str` and `String` (an unlisted value
//! becomes `Unknown`), `FromStr`, `Display` (the wire value, padded as the format asks) and serde
//! as a plain string. Decoding an enum therefore never fails on a value Twitch adds later.

/// The shared impls of the generated string enum `$name`; see the module docs.
macro_rules! string_enum {
    ($name:ident) => {
        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self::known(value).unwrap_or_else(|| $name::Unknown(value.to_owned()))
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                match Self::known(&value) {
                    Some(known) => known,
                    None => $name::Unknown(value),
                }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;

            fn from_str(value: &str) -> Result<Self, ::std::convert::Infallible> {
                Ok(Self::from(value))
            }
        }

        impl ::std::fmt::Display for $name {
            /// The wire value, padded and aligned as the format asks (`{:<12}`).
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.pad(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Self, D::Error> {
                <String as ::serde::Deserialize>::deserialize(deserializer).map(Self::from)
            }
        }
    };
}

pub(crate) use string_enum;
