//! Every naming decision of the generator, in one place.
//!
//! Spec names are wire names (`broadcaster_id`, `get-users`, `user:read`); Rust names are derived
//! here with `heck` and checked to be usable identifiers. Rust keywords get a `_` suffix
//! (`type` -> `type_`, with a serde rename back to the wire name). Where no usable name can be
//! derived (`1080p`), the spec must give one (`rust:` / `variant:` / `as`), and validation says so.

use heck::{ToShoutySnakeCase, ToSnakeCase, ToUpperCamelCase};
use proc_macro2::Ident;

/// Strict and reserved keywords of Rust 2024: none can be an identifier without `r#`.
const KEYWORDS: &[&str] = &[
    "Self", "abstract", "as", "async", "await", "become", "box", "break", "const", "continue",
    "crate", "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if",
    "impl", "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub",
    "ref", "return", "self", "static", "struct", "super", "trait", "true", "try", "type", "typeof",
    "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Names a model may not take: the generated model files import or use these.
pub const RESERVED_TYPES: &[&str] = &[
    "Box",
    "Clone",
    "Debug",
    "Default",
    "Deserialize",
    "Deserializer",
    "Eq",
    "Err",
    "FromStr",
    "Infallible",
    "None",
    "Ok",
    "Option",
    "PartialEq",
    "Result",
    "Serialize",
    "Serializer",
    "Some",
    "String",
    "Timestamp",
    "Value",
    "Vec",
    "BTreeMap",
];

/// Names a request builder may not take: the generated request files import these.
pub const RESERVED_BUILDERS: &[&str] = &[
    "ActingUser",
    "Api",
    "AppApi",
    "Endpoint",
    "HttpMethod",
    "IntoFuture",
    "Limit",
    "Location",
    "PageStream",
    "Paginator",
    "Param",
    "Paging",
    "Request",
    "ResponseFuture",
    "Result",
    "TokenTypes",
    "UserApi",
    "Option",
    "String",
    "Vec",
];

/// Names an argument or setter may not take: builders already use them.
pub const RESERVED_SETTERS: &[&str] = &[
    "api",
    "into_future",
    "into_request",
    "into_stream",
    "limit",
    "paginate",
];

/// Whether `name` is a Rust keyword.
pub fn is_keyword(name: &str) -> bool {
    KEYWORDS.contains(&name)
}

/// Whether `name` is a plain ASCII identifier that is not a keyword.
pub fn is_ident(name: &str) -> bool {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    (first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name != "_"
        && !is_keyword(name)
}

/// Whether `name` is a usable snake-case identifier (`user_ids`).
pub fn is_snake_ident(name: &str) -> bool {
    is_ident(name)
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Whether `name` is a usable upper-camel-case type name (`UserInfo`).
pub fn is_type_ident(name: &str) -> bool {
    is_ident(name)
        && name.starts_with(|c: char| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_alphanumeric())
}

/// The Rust name of a struct field or parameter known on the wire as `wire`.
pub fn field_name(wire: &str) -> Result<String, String> {
    let snake = wire.to_snake_case();
    let name = if is_keyword(&snake) {
        format!("{snake}_")
    } else {
        snake
    };
    if is_snake_ident(&name) {
        Ok(name)
    } else {
        Err(format!("cannot make a Rust name from `{wire}`"))
    }
}

/// The Rust variant of an enum value known on the wire as `value`.
pub fn variant_name(value: &str) -> Result<String, String> {
    let camel = value.to_upper_camel_case();
    if is_type_ident(&camel) {
        Ok(camel)
    } else {
        Err(format!("cannot make a Rust variant name from `{value}`"))
    }
}

/// The request builder type of the SDK method `method` (`get_users` -> `GetUsers`).
pub fn builder_name(method: &str) -> String {
    method.to_upper_camel_case()
}

/// The `static` holding the endpoint description of `operation` (`get-users` -> `GET_USERS`).
pub fn static_name(operation: &str) -> String {
    operation.to_shouty_snake_case()
}

/// Whether `operation` is a kebab-case operation id (`get-users`).
pub fn is_operation_id(operation: &str) -> bool {
    !operation.is_empty()
        && operation.split('-').all(|w| {
            !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

/// The variant of `twitch_sdk::endpoint::HttpMethod` for `method`.
pub fn http_method_variant(method: crate::spec::HttpMethod) -> &'static str {
    use crate::spec::HttpMethod::*;
    match method {
        GET => "Get",
        POST => "Post",
        PUT => "Put",
        PATCH => "Patch",
        DELETE => "Delete",
    }
}

/// `name` as a token, if it is a valid identifier. Lowering only passes validated names, so
/// `None` means a bug in validation; callers turn it into a diagnostic rather than panic.
pub fn ident(name: &str) -> Option<Ident> {
    syn::parse_str::<Ident>(name).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names() {
        let table = [
            ("broadcaster_id", Ok("broadcaster_id")),
            ("id", Ok("id")),
            ("type", Ok("type_")),
            ("self", Ok("self_")),
            ("userID", Ok("user_id")),
            ("user.login", Ok("user_login")),
            ("is_mature", Ok("is_mature")),
            ("1080p", Err(())),
            ("", Err(())),
        ];
        for (wire, expected) in table {
            assert_eq!(
                field_name(wire).as_deref().map_err(|_| ()),
                expected,
                "field_name({wire:?})"
            );
        }
    }

    #[test]
    fn variant_names() {
        let table = [
            ("enabled", Ok("Enabled")),
            ("ACTIVE", Ok("Active")),
            ("user:read", Ok("UserRead")),
            (
                "websocket_connection_unused",
                Ok("WebsocketConnectionUnused"),
            ),
            ("channel.follow", Ok("ChannelFollow")),
            ("1080p", Err(())),
            ("self", Err(())),
            ("", Err(())),
        ];
        for (value, expected) in table {
            assert_eq!(
                variant_name(value).as_deref().map_err(|_| ()),
                expected,
                "variant_name({value:?})"
            );
        }
    }

    #[test]
    fn item_names() {
        assert_eq!(builder_name("get_users"), "GetUsers");
        assert_eq!(builder_name("get_clips_by_user_id"), "GetClipsByUserId");
        assert_eq!(static_name("get-users"), "GET_USERS");
        assert_eq!(
            static_name("get-eventsub-subscriptions"),
            "GET_EVENTSUB_SUBSCRIPTIONS"
        );
    }

    #[test]
    fn identifier_checks() {
        let table = [
            ("get_users", true, true, false),
            ("UserInfo", true, false, true),
            ("User_Info", true, false, false),
            ("type", false, false, false),
            ("Self", false, false, false),
            ("_", false, false, false),
            ("9lives", false, false, false),
            ("get-users", false, false, false),
            ("x", true, true, false),
        ];
        for (name, ident, snake, ty) in table {
            assert_eq!(is_ident(name), ident, "is_ident({name:?})");
            assert_eq!(is_snake_ident(name), snake, "is_snake_ident({name:?})");
            assert_eq!(is_type_ident(name), ty, "is_type_ident({name:?})");
        }
    }

    #[test]
    fn operation_ids() {
        assert!(is_operation_id("get-users"));
        assert!(is_operation_id("get-extension-analytics"));
        assert!(!is_operation_id("Get-Users"));
        assert!(!is_operation_id("get--users"));
        assert!(!is_operation_id("get_users"));
        assert!(!is_operation_id(""));
    }

    #[test]
    fn idents_never_panic() {
        assert!(ident("type_").is_some());
        assert!(ident("type").is_none());
        assert!(ident("a b").is_none());
    }
}
