//! Prometheus Pushgateway: the export's Prometheus text, `PUT` to
//! `/metrics/job/<job>{/<label>/<value>}`. PUT replaces the whole group, so a re-run of the
//! same job and grouping key overwrites the previous push instead of leaving series the re-run
//! no longer has mixed with the new ones.

use base64::Engine;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use super::export_dir::Series;

/// Grouping labels used when none are asked for: each only when every series has it with one
/// and the same value (a grouping label overrides the series' own label of that name, so a
/// label with several values would be overwritten).
pub const DEFAULT_GROUPING: &[&str] = &["process"];

/// The path segment(s) for one label: `name/value`, or `name@base64/<base64url>` when the
/// value is empty or holds a `/` (the Pushgateway's encoding); other characters that are not
/// allowed in a path are percent-encoded.
pub fn segment(name: &str, value: &str) -> String {
    if value.is_empty() {
        return format!("{name}@base64/=");
    }
    // `.` and `..` would be read as path steps by the server or a proxy in front of it.
    if value.contains('/') || value == "." || value == ".." {
        let encoded = base64::engine::general_purpose::URL_SAFE.encode(value.as_bytes());
        return format!("{name}@base64/{encoded}");
    }
    format!("{name}/{}", utf8_percent_encode(value, SEGMENT))
}

/// Everything but RFC 3986's unreserved characters is percent-encoded in a path segment.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The group URL under `base` (its trailing `/` ignored).
pub fn group_url(base: &str, job: &str, grouping: &[(String, String)]) -> String {
    let mut path = format!("metrics/{}", segment("job", job));
    for (name, value) in grouping {
        path.push('/');
        path.push_str(&segment(name, value));
    }
    super::target::join_path(base, &path)
}

/// The grouping key: the labels asked for (or the defaults), each with its single value.
/// An explicit label that is missing on a series or has several values is an error; a default
/// one is then left out.
pub fn grouping(
    series: &[Series],
    asked: Option<&[String]>,
) -> Result<Vec<(String, String)>, String> {
    let defaults: Vec<String> = DEFAULT_GROUPING.iter().map(|s| s.to_string()).collect();
    let (names, explicit) = match asked {
        Some(names) => (names.to_vec(), true),
        None => (defaults, false),
    };
    let mut key = Vec::new();
    for name in names {
        if name == "job" {
            return Err("`job` is set with --pushgateway-job, not as a grouping label".to_string());
        }
        let mut values = series.iter().map(|s| {
            s.labels
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.as_str())
        });
        let first = values.next().flatten();
        let single = first.is_some() && values.all(|v| v == first);
        match (single, first) {
            (true, Some(value)) => key.push((name, value.to_string())),
            _ if explicit => {
                return Err(format!(
                    "grouping label `{name}` must be on every series with one value; it is \
                     missing on some or has several values, and the Pushgateway would \
                     overwrite them"
                ))
            }
            _ => {}
        }
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(labels: &[(&str, &str)]) -> Series {
        Series {
            name: "dpone_x".into(),
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            value: 1.0,
        }
    }

    #[test]
    fn paths_use_base64_for_slashes_and_empty_values() {
        assert_eq!(
            group_url(
                "http://gw:9091/",
                "dpone",
                &[("process".into(), "orders".into())]
            ),
            "http://gw:9091/metrics/job/dpone/process/orders"
        );
        assert_eq!(segment("path", "a/b"), "path@base64/YS9i");
        assert_eq!(segment("empty", ""), "empty@base64/=");
        assert_eq!(segment("env", "ci run"), "env/ci%20run");
        assert_eq!(segment("job", "my/job"), "job@base64/bXkvam9i");
        assert_eq!(segment("process", ".."), "process@base64/Li4=");
        assert_eq!(segment("process", "."), "process@base64/Lg==");
        assert_eq!(
            group_url("http://gw:9091/base/?k=1", "dpone", &[]),
            "http://gw:9091/base/metrics/job/dpone?k=1"
        );
    }

    #[test]
    fn grouping_needs_one_value_on_every_series() {
        let same = [series(&[("process", "a")]), series(&[("process", "a")])];
        assert_eq!(
            grouping(&same, None).unwrap(),
            [("process".to_string(), "a".to_string())]
        );
        let mixed = [series(&[("process", "a")]), series(&[("process", "b")])];
        assert!(grouping(&mixed, None).unwrap().is_empty());
        assert!(grouping(&mixed, Some(&["process".to_string()])).is_err());
        let partial = [series(&[("env", "ci")]), series(&[])];
        assert!(grouping(&partial, Some(&["env".to_string()])).is_err());
        assert!(grouping(&same, Some(&["job".to_string()])).is_err());
    }
}
