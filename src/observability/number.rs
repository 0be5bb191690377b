//! The one number format for people: every value the step summary, the PR comment, the check
//! run, `runtime_metrics.md` and the CLI's text show goes through [`human`] (or [`count`],
//! [`with_unit`], [`percent`], which build on it). The exact values stay in the JSON.
//!
//! At most 4 significant digits, thousands separated by commas (`115,000`, `0.2174`), never a
//! raw double (`0.30000000000000004` is `0.3`) and never `e` notation: a magnitude outside
//! 0.0001 – 999,999,999 is written `1.235×10⁻⁵`, so a number is at most 13 characters. A
//! whole number below a billion is shown exactly (`1,234,567`); [`count`] keeps every whole
//! number exact (a row count stays a row count).

/// Whole numbers below this are shown exactly by [`human`] (at most 11 characters).
const EXACT_BELOW: f64 = 1e9;

/// Whole numbers below this are exact in an `f64` (2^53), and so shown exactly by [`count`].
const EXACT_COUNT_BELOW: f64 = 9_007_199_254_740_992.0;

/// A number for people: see the module documentation.
pub fn human(v: f64) -> String {
    if v.is_nan() {
        return "NaN".to_string();
    }
    if v.is_infinite() {
        return if v > 0.0 { "∞" } else { "−∞" }.to_string();
    }
    if v == 0.0 {
        return "0".to_string();
    }
    if v.fract() == 0.0 && v.abs() < EXACT_BELOW {
        return grouped(&format!("{v:.0}"));
    }
    let magnitude = v.abs().log10().floor() as i32;
    if !(-4..9).contains(&magnitude) {
        return scientific(v);
    }
    let decimals = (3 - magnitude).max(0) as usize;
    let rounded = if magnitude >= 3 {
        let scale = 10f64.powi(magnitude - 3);
        (v / scale).round() * scale
    } else {
        v
    };
    let text = format!("{rounded:.decimals$}");
    // Rounding can carry into the next power of ten (999,999,999.7 → 1,000,000,000).
    if text
        .trim_start_matches('-')
        .split('.')
        .next()
        .map_or(0, str::len)
        > 9
    {
        return scientific(v);
    }
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        text.as_str()
    };
    if text == "-0" {
        return "0".to_string();
    }
    grouped(text)
}

/// A count (rows, files, series): every whole number exactly, with separators; anything else
/// as [`human`] writes it.
pub fn count(v: f64) -> String {
    if v.is_finite() && v.fract() == 0.0 && v.abs() < EXACT_COUNT_BELOW {
        grouped(&format!("{v:.0}"))
    } else {
        human(v)
    }
}

/// A value for a table whose unit is in another column: a count for a count's unit (`rows`),
/// else [`human`].
pub fn value(v: f64, unit: &str) -> String {
    match unit {
        "rows" | "{row}" => count(v),
        _ => human(v),
    }
}

/// A value with its unit as people write it: `12.3 s`, `115,000 rows/s`, `25,000 rows` (a
/// count, exact), `14.8%`; a dimensionless value (`1`) alone. The space before the unit does
/// not break.
pub fn with_unit(v: f64, unit: &str) -> String {
    match unit {
        "" | "1" => human(v),
        "%" | "percent" => format!("{}%", human(v)),
        "rows" | "{row}" if v.abs() == 1.0 => format!("{}\u{a0}row", count(v)),
        "rows" | "{row}" => format!("{}\u{a0}rows", count(v)),
        "s" | "seconds" => format!("{}\u{a0}s", human(v)),
        other => format!("{}\u{a0}{other}", human(v)),
    }
}

/// A change in percent with its sign: `+71.87%`, `-14.93%`, `0%`.
pub fn percent(v: f64) -> String {
    if v > 0.0 {
        format!("+{}%", human(v))
    } else {
        format!("{}%", human(v))
    }
}

/// `1.235×10⁻⁵`: four significant digits and a power of ten in superscript.
fn scientific(v: f64) -> String {
    let text = format!("{v:.3e}");
    let (mantissa, exponent) = text.split_once('e').unwrap_or((text.as_str(), "0"));
    let mantissa = if mantissa.contains('.') {
        mantissa.trim_end_matches('0').trim_end_matches('.')
    } else {
        mantissa
    };
    let exponent: String = exponent
        .chars()
        .map(|c| match c {
            '-' => '⁻',
            '0' => '⁰',
            '1' => '¹',
            '2' => '²',
            '3' => '³',
            '4' => '⁴',
            '5' => '⁵',
            '6' => '⁶',
            '7' => '⁷',
            '8' => '⁸',
            '9' => '⁹',
            other => other,
        })
        .collect();
    format!("{mantissa}×10{exponent}")
}

/// A decimal number's whole part with a comma every three digits: `-1234.5` → `-1,234.5`.
fn grouped(text: &str) -> String {
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text),
    };
    match digits.split_once('.') {
        Some((int, frac)) => format!("{sign}{}.{frac}", group_thousands(int)),
        None => format!("{sign}{}", group_thousands(digits)),
    }
}

/// A run of ASCII digits with a comma every three from the right: `1234567` → `1,234,567`.
pub fn group_thousands(digits: &str) -> String {
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (n, c) in digits.chars().enumerate() {
        if n > 0 && (digits.len() - n) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    grouped
}

/// Reads back what [`human`] writes (separators, `×10ⁿ`, `∞`); for tests and for checking that
/// a shown number says the value.
pub fn parse_human(text: &str) -> Option<f64> {
    let text = text.replace(',', "");
    match text.as_str() {
        "∞" => return Some(f64::INFINITY),
        "−∞" => return Some(f64::NEG_INFINITY),
        "NaN" => return Some(f64::NAN),
        _ => {}
    }
    let Some((mantissa, power)) = text.split_once("×10") else {
        return text.parse().ok();
    };
    let exponent: String = power
        .chars()
        .map(|c| match c {
            '⁻' => Some('-'),
            '⁰' => Some('0'),
            '¹' => Some('1'),
            '²' => Some('2'),
            '³' => Some('3'),
            '⁴' => Some('4'),
            '⁵' => Some('5'),
            '⁶' => Some('6'),
            '⁷' => Some('7'),
            '⁸' => Some('8'),
            '⁹' => Some('9'),
            _ => None,
        })
        .collect::<Option<String>>()?;
    format!("{mantissa}e{exponent}").parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn numbers_for_people() {
        for (v, text) in [
            (0.0, "0"),
            (-0.0, "0"),
            (1.0, "1"),
            (60.0, "60"),
            (25000.0, "25,000"),
            (1_234_567.0, "1,234,567"),
            (115001.5, "115,000"),
            (1234.5, "1,235"),
            (0.217391, "0.2174"),
            (12.3456, "12.35"),
            (0.1 + 0.2, "0.3"),
            (-1.0, "-1"),
            (-98765.4, "-98,770"),
            (0.5, "0.5"),
            (0.00012346, "0.0001235"),
            (1.5e-5, "1.5×10⁻⁵"),
            (2.5e20, "2.5×10²⁰"),
            (999_999_999.7, "1×10⁹"),
            (-1.797e308, "-1.797×10³⁰⁸"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "∞"),
        ] {
            assert_eq!(human(v), text, "{v}");
        }
    }

    #[test]
    fn counts_units_and_percents() {
        assert_eq!(count(12_345_678_901.0), "12,345,678,901");
        assert_eq!(count(0.5), "0.5");
        assert_eq!(with_unit(25000.0, "rows"), "25,000\u{a0}rows");
        assert_eq!(with_unit(0.217391, "seconds"), "0.2174\u{a0}s");
        assert_eq!(with_unit(115001.5, "rows/s"), "115,000\u{a0}rows/s");
        assert_eq!(with_unit(1.0, "1"), "1");
        assert_eq!(with_unit(1.0, "rows"), "1\u{a0}row");
        assert_eq!(with_unit(-1.0, "rows"), "-1\u{a0}row");
        assert_eq!(percent(71.8712), "+71.87%");
        assert_eq!(percent(-14.9321), "-14.93%");
        assert_eq!(percent(0.0), "0%");
    }

    /// Significant digits of what [`human`] wrote (the mantissa's, for `×10ⁿ`).
    fn significant(text: &str) -> usize {
        let mantissa = text.split("×10").next().unwrap_or(text);
        let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
        let digits = digits.trim_start_matches('0');
        if mantissa.contains('.') {
            digits.len()
        } else {
            digits.trim_end_matches('0').len()
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        #[test]
        fn any_finite_number_is_short_plain_and_reads_back(
            v in prop_oneof![
                any::<f64>().prop_filter("finite", |v| v.is_finite()),
                (-1e12f64..1e12),
                (-10.0f64..10.0),
                (-2_000_000_000i64..2_000_000_000).prop_map(|i| i as f64),
            ]
        ) {
            let text = human(v);
            prop_assert!(text.chars().count() <= 13, "{v}: {text}");
            prop_assert!(!text.contains('e') && !text.contains('E'), "{v}: {text}");
            let whole = v.fract() == 0.0 && v.abs() < EXACT_BELOW;
            prop_assert!(whole || significant(&text) <= 4, "{v}: {text}");
            let back = parse_human(&text);
            prop_assert!(back.is_some(), "{v}: {text} does not read back");
            let back = back.unwrap_or_default();
            if whole {
                prop_assert_eq!(back, v, "{}", text);
            } else {
                let error = ((back - v) / v).abs();
                prop_assert!(error <= 0.000_500_1, "{v}: {text} reads back as {back}");
            }
        }
    }
}
