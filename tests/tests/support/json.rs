//! Comparing an example with its re-encoding under the round-trip rules of `models_roundtrip`:
//! the only differences allowed are a `null` (or `""`) the model leaves out, RFC 3339 timestamps
//! spelling the same instant differently, and numbers of equal value.

use serde_json::Value;
use twitch_models::Timestamp;

/// Appends to `out` every difference between the example `a` and its re-encoding `b`, with the
/// JSON path of each.
pub fn compare(path: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, av) in a {
                let sub = format!("{path}.{key}");
                match b.get(key) {
                    Some(bv) => compare(&sub, av, bv, out),
                    None if av.is_null() || av.as_str() == Some("") => {}
                    None => out.push(format!("{sub}: dropped (was {av})")),
                }
            }
            for (key, bv) in b {
                if !a.contains_key(key) {
                    out.push(format!("{path}.{key}: added ({bv})"));
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            if a.len() != b.len() {
                out.push(format!("{path}: {} items became {}", a.len(), b.len()));
            }
            for (i, (av, bv)) in a.iter().zip(b).enumerate() {
                compare(&format!("{path}[{i}]"), av, bv, out);
            }
        }
        (Value::String(x), Value::String(y)) if x != y => {
            let same =
                matches!((Timestamp::parse(x), Timestamp::parse(y)), (Ok(tx), Ok(ty)) if tx == ty);
            if !same {
                out.push(format!("{path}: {a} became {b}"));
            }
        }
        (Value::Number(x), Value::Number(y)) if x.as_f64() != y.as_f64() => {
            out.push(format!("{path}: {x} became {y}"));
        }
        (Value::Number(_), Value::Number(_)) => {}
        _ if a != b => out.push(format!("{path}: {a} became {b}")),
        _ => {}
    }
}
