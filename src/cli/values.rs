//! Parsers for flag values; each error names what was wrong, clap adds the flag and value.

use crate::observability::json_input::parse_number;

/// `key=value`: split at the first `=`, both sides trimmed, the key non-empty.
pub fn parse_key_value(text: &str) -> Result<(String, String), String> {
    let Some((key, value)) = text.split_once('=') else {
        return Err(format!("expected key=value, got `{text}`"));
    };
    let key = key.trim();
    if key.is_empty() {
        return Err(format!("expected a non-empty key in `{text}`"));
    }
    Ok((key.to_string(), value.trim().to_string()))
}

/// `name=value` with a numeric value.
pub fn parse_metric(text: &str) -> Result<(String, f64), String> {
    let Some((name, value)) = text.split_once('=') else {
        return Err(format!("expected name=value, got `{text}`"));
    };
    let name = name.trim();
    if name.is_empty() {
        return Err(format!("expected a non-empty metric name in `{text}`"));
    }
    let number = parse_number(value)
        .ok_or_else(|| format!("metric `{name}` must be numeric, got `{}`", value.trim()))?;
    Ok((name.to_string(), number))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_values() {
        assert_eq!(
            parse_key_value(" a = b=c ").unwrap(),
            ("a".into(), "b=c".into())
        );
        assert_eq!(parse_key_value("a=").unwrap(), ("a".into(), "".into()));
        assert!(parse_key_value("=v").unwrap_err().contains("non-empty key"));
        assert!(parse_key_value("novalue")
            .unwrap_err()
            .contains("key=value"));
    }

    #[test]
    fn metrics() {
        assert_eq!(
            parse_metric("rows/sec=1e3").unwrap(),
            ("rows/sec".into(), 1000.0)
        );
        assert!(parse_metric("x=nan").unwrap().1.is_nan());
        assert!(parse_metric("x=abc")
            .unwrap_err()
            .contains("must be numeric"));
        assert!(parse_metric("=1").is_err());
    }
}
