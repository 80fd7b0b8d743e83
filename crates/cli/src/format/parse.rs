//! The parser of `-F` formats: literals (with `\` escapes, `%%` and `@@`),
//! `%` fields and `@` time codes.

/// One piece of a `-F` format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Token {
    /// Bytes printed as they are (after `\` escapes, `%%` and `@@`).
    Literal(Vec<u8>),
    /// A `%` field.
    Field(Spec),
    /// An `@` time code (strftime letter, or `N` for nanoseconds).
    Time(char),
}

/// A `%[-][0][width][.precision]conversion` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Spec {
    pub(super) conversion: u8,
    pub(super) left: bool,
    pub(super) zero: bool,
    pub(super) width: usize,
    pub(super) precision: Option<usize>,
}

const CONVERSIONS: &[u8] = b"%ACDEFIlmPpqRrStjJUxX";

/// Parses and checks a `-F` format (Mosquitto's `check_format` rules).
pub(super) fn parse(format: &str) -> Result<Vec<Token>, String> {
    let bytes = format.as_bytes();
    let mut tokens = Vec::new();
    let mut literal = Vec::new();
    let incomplete = || "Error: Incomplete format specifier.".to_owned();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'%' => {
                i += 1;
                let mut spec = Spec {
                    conversion: 0,
                    left: false,
                    zero: false,
                    width: 0,
                    precision: None,
                };
                if bytes.get(i) == Some(&b'-') {
                    spec.left = true;
                    i += 1;
                }
                if bytes.get(i) == Some(&b'0') {
                    spec.zero = true;
                    i += 1;
                }
                while let Some(d) = bytes.get(i).filter(|d| d.is_ascii_digit()) {
                    spec.width = spec
                        .width
                        .saturating_mul(10)
                        .saturating_add(usize::from(d - b'0'));
                    i += 1;
                }
                if bytes.get(i) == Some(&b'.') {
                    i += 1;
                    let mut precision = 0usize;
                    while let Some(d) = bytes.get(i).filter(|d| d.is_ascii_digit()) {
                        precision = precision
                            .saturating_mul(10)
                            .saturating_add(usize::from(d - b'0'));
                        i += 1;
                    }
                    spec.precision = Some(precision);
                }
                let Some(&c) = bytes.get(i) else {
                    return Err(incomplete());
                };
                if !CONVERSIONS.contains(&c) {
                    let shown = format
                        .get(i..)
                        .and_then(|s| s.chars().next())
                        .unwrap_or('?');
                    return Err(format!("Error: Invalid format specifier '{shown}'."));
                }
                if c == b'%' {
                    literal.push(b'%');
                } else {
                    spec.conversion = c;
                    flush(&mut tokens, &mut literal);
                    tokens.push(Token::Field(spec));
                }
                i += 1;
            }
            b'@' => {
                i += 1;
                let Some(c) = format.get(i..).and_then(|s| s.chars().next()) else {
                    return Err(incomplete());
                };
                if c == '@' {
                    literal.push(b'@');
                } else {
                    flush(&mut tokens, &mut literal);
                    tokens.push(Token::Time(c));
                }
                i += c.len_utf8();
            }
            b'\\' => {
                i += 1;
                let Some(&c) = bytes.get(i) else {
                    return Err("Error: Incomplete escape specifier.".into());
                };
                let byte = match c {
                    b'\\' => b'\\',
                    b'0' => 0,
                    b'a' => 0x07,
                    b'e' => 0x1b,
                    b'n' => b'\n',
                    b'r' => b'\r',
                    b't' => b'\t',
                    b'v' => 0x0b,
                    _ => {
                        let shown = format
                            .get(i..)
                            .and_then(|s| s.chars().next())
                            .unwrap_or('?');
                        return Err(format!("Error: Invalid escape specifier '{shown}'."));
                    }
                };
                literal.push(byte);
                i += 1;
            }
            _ => {
                literal.push(b);
                i += 1;
            }
        }
    }
    flush(&mut tokens, &mut literal);
    Ok(tokens)
}

fn flush(tokens: &mut Vec<Token>, literal: &mut Vec<u8>) {
    if !literal.is_empty() {
        tokens.push(Token::Literal(std::mem::take(literal)));
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn format_errors_like_mosquitto() {
        let err = |f: &str| parse(f).unwrap_err();
        assert_eq!(err("%"), "Error: Incomplete format specifier.");
        assert_eq!(err("%10"), "Error: Incomplete format specifier.");
        assert_eq!(err("%k"), "Error: Invalid format specifier 'k'.");
        assert_eq!(err("@"), "Error: Incomplete format specifier.");
        assert_eq!(err("\\"), "Error: Incomplete escape specifier.");
        assert_eq!(err("\\q"), "Error: Invalid escape specifier 'q'.");
        assert!(parse("%%@@\\n%-05l%.3t").is_ok());
    }
}
