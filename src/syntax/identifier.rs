//! Identifier checks used by tooling: is a string a valid identifier, and turning any string
//! into one.

use super::chars;
use super::parser::is_valid_identifier_bytes;

/// True when `s` scans as exactly one identifier (so `""`, `true` and `my-name` are not).
pub fn is_valid_identifier(s: &str) -> bool {
    is_valid_identifier_bytes(s.as_bytes())
}

/// Returns `s` unchanged when it is a valid identifier; otherwise prefixes `_` if it starts
/// with a digit and replaces every character that is not a letter or digit with `_`.
pub fn sanitize_identifier(s: &str) -> Result<String, String> {
    if s.is_empty() {
        return Err("cannot generate a new identifier for an empty string".to_string());
    }
    if is_valid_identifier(s) {
        return Ok(s.to_string());
    }
    let mut out = String::with_capacity(s.len() + 1);
    for (i, c) in s.chars().enumerate() {
        if i == 0 && chars::is_digit(c) {
            out.push('_');
        }
        if chars::is_letter(c) || chars::is_digit(c) || c == '_' {
            out.push(c);
        } else {
            out.push('_');
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validity() {
        assert!(is_valid_identifier("identifier_1"));
        assert!(is_valid_identifier("métrica_café"));
        assert!(!is_valid_identifier(""));
        assert!(!is_valid_identifier("true"));
        assert!(!is_valid_identifier("0abc"));
        assert!(!is_valid_identifier("a b"));
        assert_eq!(
            sanitize_identifier("0identifier_1").unwrap(),
            "_0identifier_1"
        );
        assert_eq!(sanitize_identifier("!@#$%^&*()").unwrap(), "__________");
    }
}
