//! The spec's type expressions (`string`, `UserInfo[]`, `map<i64>`), parsed.

use std::fmt;

/// Primitive spec types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prim {
    /// `string`
    String,
    /// `bool`
    Bool,
    /// `i32`
    I32,
    /// `i64`
    I64,
    /// `u32`
    U32,
    /// `u64`
    U64,
    /// `f64`
    F64,
    /// `datetime`: an RFC 3339 timestamp.
    DateTime,
    /// `json`: any JSON value.
    Json,
}

impl Prim {
    const ALL: [(&'static str, Prim); 9] = [
        ("string", Prim::String),
        ("bool", Prim::Bool),
        ("i32", Prim::I32),
        ("i64", Prim::I64),
        ("u32", Prim::U32),
        ("u64", Prim::U64),
        ("f64", Prim::F64),
        ("datetime", Prim::DateTime),
        ("json", Prim::Json),
    ];

    /// The spec spelling.
    pub fn name(self) -> &'static str {
        Prim::ALL
            .iter()
            .find(|(_, p)| *p == self)
            .map_or("?", |(name, _)| name)
    }

    /// Whether the type is a number.
    pub fn is_number(self) -> bool {
        matches!(
            self,
            Prim::I32 | Prim::I64 | Prim::U32 | Prim::U64 | Prim::F64
        )
    }
}

/// A parsed type expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeExpr {
    /// A primitive.
    Prim(Prim),
    /// A model, by name.
    Model(String),
    /// `T[]`
    List(Box<TypeExpr>),
    /// `map<T>`: an object with arbitrary string keys.
    Map(Box<TypeExpr>),
}

impl TypeExpr {
    /// Parses the spec syntax.
    pub fn parse(text: &str) -> Result<TypeExpr, String> {
        if let Some(inner) = text.strip_suffix("[]") {
            return Ok(TypeExpr::List(Box::new(TypeExpr::parse(inner)?)));
        }
        if let Some(inner) = text.strip_prefix("map<").and_then(|t| t.strip_suffix('>')) {
            return Ok(TypeExpr::Map(Box::new(TypeExpr::parse(inner)?)));
        }
        if let Some((_, prim)) = Prim::ALL.iter().find(|(name, _)| *name == text) {
            return Ok(TypeExpr::Prim(*prim));
        }
        if crate::naming::is_type_ident(text) {
            return Ok(TypeExpr::Model(text.to_owned()));
        }
        Err(format!(
            "`{text}` is not a type: expected string, bool, i32, i64, u32, u64, f64, datetime, \
             json, a model name, `T[]` or `map<T>`"
        ))
    }

    /// Every model this type mentions.
    pub fn models(&self) -> Vec<&str> {
        match self {
            TypeExpr::Prim(_) => Vec::new(),
            TypeExpr::Model(name) => vec![name.as_str()],
            TypeExpr::List(inner) | TypeExpr::Map(inner) => inner.models(),
        }
    }

    /// Whether a map appears anywhere in the type.
    pub fn has_map(&self) -> bool {
        match self {
            TypeExpr::Prim(_) | TypeExpr::Model(_) => false,
            TypeExpr::Map(_) => true,
            TypeExpr::List(inner) => inner.has_map(),
        }
    }

    /// Whether the type is exactly `datetime`.
    pub fn is_datetime(&self) -> bool {
        matches!(self, TypeExpr::Prim(Prim::DateTime))
    }
}

impl fmt::Display for TypeExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TypeExpr::Prim(p) => f.write_str(p.name()),
            TypeExpr::Model(name) => f.write_str(name),
            TypeExpr::List(inner) => write!(f, "{inner}[]"),
            TypeExpr::Map(inner) => write!(f, "map<{inner}>"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        for text in [
            "string",
            "UserInfo[]",
            "map<i64>",
            "map<string[]>",
            "map<Cost>[]",
        ] {
            let ty = TypeExpr::parse(text).unwrap();
            assert_eq!(ty.to_string(), text);
        }
        assert_eq!(
            TypeExpr::parse("string[]").unwrap(),
            TypeExpr::List(Box::new(TypeExpr::Prim(Prim::String)))
        );
        for bad in ["", "str", "user_info", "map<>", "[]", "Map<string"] {
            assert!(TypeExpr::parse(bad).is_err(), "{bad}");
        }
    }
}
