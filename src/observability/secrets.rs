//! Credential shapes that must never be written into an artifact: a label key or value, a
//! resource attribute or a metric name that looks like one is the error blocker
//! `labels.secret_like`, and the series or attribute is dropped, so the value is written
//! nowhere (not in a message either: the message names the key and the shape).
//!
//! The shapes (`docs/runbooks.md#labelssecret_like` lists them): GitHub tokens (`ghp_`,
//! `gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_`), AWS access key ids, Slack tokens, private
//! key blocks, JSON Web Tokens, URLs with a password, and the values of the action's own
//! secrets (its token and push credentials).
//!
//! [`Redactor`] is the other half: the step's own secrets, in every form text carries them
//! (raw, JSON-escaped, percent-encoded, as workflow-command data, debug-escaped), replaced by
//! `***` wherever text the tool did not write itself (a server's answer) could bring them back.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use super::blockers::{Blocker, Code};
use super::metrics::LabelSet;
use super::points::Points;

/// What a text looks like, if it looks like a credential.
pub fn secret_shape(text: &str, known: &[String]) -> Option<&'static str> {
    if known
        .iter()
        .any(|secret| secret.len() >= 8 && text.contains(secret.as_str()))
    {
        return Some("a secret of this step");
    }
    if text.len() < 16 || !has_marker(text) {
        return None;
    }
    if text.contains("PRIVATE KEY") && text.contains("-----BEGIN") {
        return Some("a private key");
    }
    if url_with_password(text) {
        return Some("a URL with a password");
    }
    for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || "_-.".contains(c))) {
        if let Some(shape) = word_shape(word) {
            return Some(shape);
        }
    }
    None
}

/// Whether `text` holds something every shape starts with: a quick no for the millions of
/// ordinary metric names an export may have.
fn has_marker(text: &str) -> bool {
    let bytes = text.as_bytes();
    (0..bytes.len()).any(|i| {
        let rest = &bytes[i..];
        match bytes[i] {
            // AWS key ids, `PRIVATE KEY`, `://`.
            b'A' | b'P' | b':' => true,
            b'g' => rest.starts_with(b"gh") || rest.starts_with(b"github_pat_"),
            b'x' => rest.starts_with(b"xox") || rest.starts_with(b"xapp-"),
            b'e' => rest.starts_with(b"eyJ"),
            _ => false,
        }
    })
}

fn word_shape(word: &str) -> Option<&'static str> {
    let alnum = |s: &str| s.bytes().all(|b| b.is_ascii_alphanumeric());
    for prefix in ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"] {
        if let Some(rest) = word.strip_prefix(prefix) {
            if rest.len() >= 30 && alnum(rest) {
                return Some("a GitHub token");
            }
        }
    }
    if let Some(rest) = word.strip_prefix("github_pat_") {
        if rest.len() >= 30 && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Some("a GitHub token");
        }
    }
    if aws_key_id(word) {
        return Some("an AWS access key id");
    }
    if ["xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xapp-"]
        .iter()
        .any(|p| word.starts_with(p) && word.len() >= 20)
    {
        return Some("a Slack token");
    }
    let parts: Vec<&str> = word.split('.').collect();
    if parts.len() == 3
        && parts[0].starts_with("eyJ")
        && parts[1].starts_with("eyJ")
        && parts.iter().all(|p| {
            p.len() >= 8
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
    {
        return Some("a JSON Web Token");
    }
    None
}

/// An AWS access key id anywhere in the word (a metric name prefixes it with `dpone_`): 20
/// upper-case letters and digits starting with a known prefix, bounded on both sides.
fn aws_key_id(word: &str) -> bool {
    let bytes = word.as_bytes();
    let key_byte = |b: u8| b.is_ascii_uppercase() || b.is_ascii_digit();
    (0..bytes.len().saturating_sub(19)).any(|start| {
        // Every prefix starts with `A`: most names are lower case and end here.
        if bytes[start] != b'A' {
            return false;
        }
        let window = &bytes[start..start + 20];
        [
            "AKIA", "ASIA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA", "A3T",
        ]
        .iter()
        .any(|p| window.starts_with(p.as_bytes()))
            && window.iter().all(|&b| key_byte(b))
            && (start == 0 || !key_byte(bytes[start - 1]))
            && bytes.get(start + 20).is_none_or(|&b| !key_byte(b))
    })
}

/// `scheme://user:password@host…` with a non-empty password.
fn url_with_password(text: &str) -> bool {
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let after = &rest[at + 3..];
        let authority = after.split(['/', '?', '#', ' ']).next().unwrap_or_default();
        if let Some((userinfo, _host)) = authority.rsplit_once('@') {
            if userinfo
                .split_once(':')
                .is_some_and(|(_, pw)| !pw.is_empty())
            {
                return true;
            }
        }
        rest = after;
    }
    false
}

/// What a redacted secret becomes (the runner's own mask).
pub const REDACTED: &str = "***";
/// A secret (or one line of it) shorter than this is not redacted: it would match ordinary
/// words, and no credential is that short.
pub const MIN_REDACTED_CHARS: usize = 4;

/// Replaces the step's secrets, in every form text may carry them, with [`REDACTED`].
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// Every form of every secret, longest first (a longer form is replaced before a part of it).
    forms: Vec<String>,
}

impl Redactor {
    pub fn new<S: AsRef<str>>(secrets: &[S]) -> Self {
        let mut redactor = Redactor::default();
        for secret in secrets {
            redactor.add(secret.as_ref());
        }
        redactor
    }

    /// Adds a secret (and each of its lines, for a multi-line one).
    pub fn add(&mut self, secret: &str) {
        let mut pieces = vec![secret.trim()];
        pieces.extend(secret.lines().map(str::trim));
        for piece in pieces {
            if piece.chars().count() < MIN_REDACTED_CHARS {
                continue;
            }
            for form in forms(piece) {
                if !self.forms.contains(&form) {
                    self.forms.push(form);
                }
            }
        }
        self.forms
            .sort_by_key(|f| (std::cmp::Reverse(f.len()), f.clone()));
    }

    pub fn is_empty(&self) -> bool {
        self.forms.is_empty()
    }

    /// `text` without any secret.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(text);
        for form in &self.forms {
            if out.contains(form.as_str()) {
                out = Cow::Owned(out.replace(form.as_str(), REDACTED));
            }
        }
        out
    }

    /// Every string and key of a JSON value redacted.
    pub fn redact_json(&self, value: &mut serde_json::Value) {
        use serde_json::Value;
        if self.is_empty() {
            return;
        }
        match value {
            Value::String(text) => {
                if let Cow::Owned(clean) = self.redact(text) {
                    *text = clean;
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.redact_json(v)),
            Value::Object(map) => {
                let entries = std::mem::take(map);
                for (key, mut v) in entries {
                    self.redact_json(&mut v);
                    map.insert(self.redact(&key).into_owned(), v);
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }
}

/// The forms a secret takes in text: as it is, JSON-escaped, percent-encoded (every
/// non-alphanumeric byte, or all but RFC 3986's unreserved ones, in upper or lower case hex,
/// `+` for a space), as workflow-command data and property, and Rust-debug-escaped.
fn forms(secret: &str) -> Vec<String> {
    let json = serde_json::to_string(secret).unwrap_or_default();
    let mut out = vec![
        secret.to_string(),
        json.trim_matches('"').to_string(),
        secret.escape_debug().to_string(),
        secret.escape_default().to_string(),
    ];
    for keep in ["", "-_.~"] {
        let upper = percent(secret, keep);
        out.push(upper.replace("%20", "+"));
        out.push(lower_hex(&upper));
        out.push(upper);
    }
    let data = secret
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    out.push(data.replace(':', "%3A").replace(',', "%2C"));
    out.push(data);
    out.sort();
    out.dedup();
    out
}

/// Percent-encodes every byte but ASCII letters, digits and `keep`.
fn percent(text: &str, keep: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric() || keep.as_bytes().contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `%2F` as `%2f`.
fn lower_hex(encoded: &str) -> String {
    let mut out = String::with_capacity(encoded.len());
    let mut hex_left = 0;
    for c in encoded.chars() {
        if c == '%' {
            hex_left = 2;
            out.push(c);
        } else if hex_left > 0 {
            hex_left -= 1;
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Drops every point whose name or labels look like a credential, and every such resource
/// attribute; one `labels.secret_like` blocker per key (never quoting the value). Points keep
/// their order, so families stay contiguous.
pub fn drop_secret_like(
    points: &mut Points,
    attributes: &mut Vec<(String, String)>,
    known: &[String],
) -> Vec<Blocker> {
    let mut found: BTreeSet<String> = BTreeSet::new();
    // Label sets are shared between points: each is looked at once.
    let mut seen: HashMap<*const LabelSet, Option<String>> = HashMap::new();
    let mut last: Option<*const LabelSet> = None;
    points.retain(|p| {
        // A catalogued name is the tool's own; a custom one is checked as given (its raw name
        // is in its description; the exported name is derived from it).
        let custom = p.is_custom();
        if let Some(shape) = custom.then(|| secret_shape(p.raw_name(), known)).flatten() {
            found.insert(format!(
                "a metric name looks like {shape}; that metric was not written"
            ));
            return false;
        }
        // Consecutive points mostly share one set: only a new set is looked up.
        let key = Arc::as_ptr(p.labels);
        if last == Some(key) {
            return true;
        }
        let verdict = seen.entry(key).or_insert_with(|| {
            p.labels.iter().find_map(|l| {
                if let Some(shape) = secret_shape(&l.key, known) {
                    Some(format!(
                        "a label key looks like {shape}; its series were not written"
                    ))
                } else {
                    secret_shape(&l.value, known).map(|shape| {
                        format!(
                            "the value of label `{}` looks like {shape}; its series were not \
                                 written",
                            l.key
                        )
                    })
                }
            })
        });
        match verdict {
            Some(message) => {
                found.insert(message.clone());
                false
            }
            None => {
                last = Some(key);
                true
            }
        }
    });
    attributes.retain(|(key, value)| {
        if let Some(shape) = secret_shape(key, known) {
            found.insert(format!(
                "a resource attribute key looks like {shape}; it was not written"
            ));
            return false;
        }
        match secret_shape(value, known) {
            Some(shape) => {
                found.insert(format!(
                    "the value of resource attribute `{key}` looks like {shape}; it was not written"
                ));
                false
            }
            None => true,
        }
    });
    found
        .into_iter()
        .map(|message| Blocker::new(Code::LabelsSecretLike, message))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_shapes_are_found() {
        let none: &[String] = &[];
        for (text, shape) in [
            ("ghp_0123456789abcdefghijABCDEFGHIJ0123", "a GitHub token"),
            ("token=ghs_0123456789abcdefghijABCDEFGHIJ0123 x", "a GitHub token"),
            ("github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuv", "a GitHub token"),
            ("AKIAIOSFODNN7EXAMPLE", "an AWS access key id"),
            ("dpone_AKIAIOSFODNN7EXAMPLE", "an AWS access key id"),
            ("xoxb-1234567890-abcdefghij", "a Slack token"),
            ("-----BEGIN RSA PRIVATE KEY-----\nMIIE", "a private key"),
            ("https://user:hunter22@example.com/x", "a URL with a password"),
            (
                "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
                "a JSON Web Token",
            ),
        ] {
            assert_eq!(secret_shape(text, none), Some(shape), "{text}");
        }
        let known = vec!["s3cr3t-value".to_string()];
        assert_eq!(
            secret_shape("prefix s3cr3t-value", &known),
            Some("a secret of this step")
        );
    }

    #[test]
    fn secrets_are_redacted_in_every_form() {
        let redactor = Redactor::new(&["ghs_abc/d\"e f", "two\nlines!", "abc"]);
        for text in [
            "Authorization: Bearer ghs_abc/d\"e f.",
            r#"{"message":"token ghs_abc/d\"e f"}"#,
            "url?t=ghs_abc%2Fd%22e%20f&x",
            "url?t=ghs_abc%2fd%22e%20f&x",
            "form t=ghs_abc%2Fd%22e+f&x",
            "url?t=ghs%5Fabc%2Fd%22e%20f",
            "debug \"ghs_abc/d\\\"e f\"",
            "line two, lines!",
        ] {
            let clean = redactor.redact(text);
            assert!(clean.contains(REDACTED), "{text} -> {clean}");
            for leak in ["ghs_abc", "ghs%5Fabc", "lines!"] {
                assert!(!clean.contains(leak), "{text} -> {clean}");
            }
        }
        // Too short to be told from ordinary text: left alone.
        assert_eq!(redactor.redact("abc def"), "abc def");
        let mut value = serde_json::json!({"ghs_abc/d\"e f": ["x ghs_abc/d\"e f", 1]});
        redactor.redact_json(&mut value);
        assert_eq!(value, serde_json::json!({"***": ["x ***", 1]}));
        assert!(matches!(redactor.redact("nothing"), Cow::Borrowed(_)));
    }

    #[test]
    fn ordinary_labels_pass() {
        let none: &[String] = &[];
        for text in [
            "ci",
            "orders_pg_to_pg",
            "https://github.com/acme/pipelines/actions/runs/1",
            "https://user@example.com/x",
            "ghp_short",
            "AKIA-not-a-key-at-all",
            "1.2.3",
            "0123abcd0123abcd0123abcd0123abcd0123abcd",
        ] {
            assert_eq!(secret_shape(text, none), None, "{text}");
        }
    }
}
