//! Push targets and their credentials. Credentials come only from environment variables named
//! by a flag (or the OpenTelemetry variables), never from a command-line value; they are kept
//! as sensitive header values and listed as secrets so every message can be scrubbed of them.

use base64::Engine;
use http::{HeaderName, HeaderValue};

/// Where a push goes, as messages show it: scheme, host, port and path (no user name or
/// password, no query, never credentials).
pub fn shown_url(url: &str) -> String {
    match url.parse::<http::Uri>() {
        Ok(uri) => {
            let host = uri.host().unwrap_or_default();
            let port = uri.port().map(|p| format!(":{p}")).unwrap_or_default();
            format!(
                "{}://{host}{port}{}",
                uri.scheme_str().unwrap_or("http"),
                uri.path()
            )
        }
        Err(_) => "(an invalid URL)".to_string(),
    }
}

/// `url` with `suffix` appended to its path, the query (if any) kept after it.
pub fn join_path(url: &str, suffix: &str) -> String {
    let (base, query) = match url.find(['?', '#']) {
        Some(at) => url.split_at(at),
        None => (url, ""),
    };
    format!(
        "{}/{}{query}",
        base.trim_end_matches('/'),
        suffix.trim_start_matches('/')
    )
}

/// Checks a target URL: `http://` or `https://`, a host, no user name or password in it. The
/// URL is never quoted in the message (its query could hold a key).
pub fn check_url(url: &str, flag: &str) -> Result<(), String> {
    let uri: http::Uri = url
        .parse()
        .map_err(|err| format!("{flag}: not a URL ({err})"))?;
    if uri.authority().is_some_and(|a| a.as_str().contains('@')) {
        return Err(format!(
            "{flag}: credentials in the URL are refused (they would show in process lists and \
             logs); put them in an environment variable and name it with the matching `-env` \
             flag"
        ));
    }
    match uri.scheme_str() {
        Some("http") | Some("https") => {}
        _ => {
            return Err(format!(
                "{flag}: the URL must start with http:// or https://"
            ))
        }
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(format!("{flag}: the URL has no host"));
    }
    Ok(())
}

/// The environment variables a target's credentials are read from.
#[derive(Debug, Clone, Default)]
pub struct CredentialVars {
    /// Holds a bearer token: `Authorization: Bearer <token>`.
    pub token: Option<String>,
    /// Holds `user:password`: `Authorization: Basic <base64>`.
    pub basic_auth: Option<String>,
    /// Holds extra headers, `key=value,key2=value2` with percent-encoded values (the
    /// OpenTelemetry `OTEL_EXPORTER_OTLP_HEADERS` format).
    pub headers: Option<String>,
}

/// Headers to send, and the secret strings that must never be printed.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub secrets: Vec<String>,
}

impl Credentials {
    fn add(&mut self, name: HeaderName, value: &str, secret: &str) -> Result<(), String> {
        let mut value = HeaderValue::from_str(value)
            .map_err(|_| format!("the value for header `{name}` is not a valid header value"))?;
        // (The message names the header, never its value.)
        value.set_sensitive(true);
        self.headers.push((name, value));
        self.add_secret(secret);
        Ok(())
    }

    fn add_secret(&mut self, secret: &str) {
        if !secret.is_empty() && !self.secrets.iter().any(|s| s == secret) {
            self.secrets.push(secret.to_string());
        }
    }

    /// `text` with every secret replaced by `***`.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_string();
        let mut secrets: Vec<&String> = self.secrets.iter().collect();
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        for secret in secrets {
            out = out.replace(secret.as_str(), "***");
        }
        out
    }
}

/// Reads the named variables. `flag` names the flag or input in messages; a named variable
/// that is unset or empty is an error (a push without the credentials it was configured with
/// would only fail later, less clearly).
pub fn credentials(
    vars: &CredentialVars,
    flag: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Credentials, String> {
    let read = |name: &str, which: &str| -> Result<String, String> {
        env(name).filter(|v| !v.is_empty()).ok_or_else(|| {
            format!(
                "environment variable `{name}` (named by {flag}-{which}-env) is not set or empty"
            )
        })
    };
    let mut creds = Credentials::default();
    if vars.token.is_some() && vars.basic_auth.is_some() {
        return Err(format!(
            "{flag}-token-env and {flag}-basic-auth-env both set the Authorization header; give one"
        ));
    }
    if let Some(name) = &vars.token {
        let token = read(name, "token")?;
        let token = token.trim();
        creds.add(
            http::header::AUTHORIZATION,
            &format!("Bearer {token}"),
            token,
        )?;
    }
    if let Some(name) = &vars.basic_auth {
        // A secret read from a file often ends in a newline that is not part of it.
        let pair = read(name, "basic-auth")?
            .trim_end_matches(['\r', '\n'])
            .to_string();
        let Some((_, password)) = pair.split_once(':') else {
            return Err(format!(
                "environment variable `{name}` (named by {flag}-basic-auth-env) must hold `user:password`"
            ));
        };
        let encoded = base64::engine::general_purpose::STANDARD.encode(pair.as_bytes());
        creds.add(
            http::header::AUTHORIZATION,
            &format!("Basic {encoded}"),
            &encoded,
        )?;
        creds.add_secret(password);
        creds.add_secret(&pair);
    }
    if let Some(name) = &vars.headers {
        let text = read(name, "headers")?;
        add_header_list(&mut creds, &text)
            .map_err(|err| format!("environment variable `{name}`: {err}"))?;
    }
    Ok(creds)
}

/// Adds headers written `key=value,key2=value2` (values percent-encoded, as OpenTelemetry's
/// `OTEL_EXPORTER_OTLP_HEADERS`; a value that is not encoded is taken as it is).
/// Errors name the item by its position only: a malformed item may hold the secret.
pub fn add_header_list(creds: &mut Credentials, text: &str) -> Result<(), String> {
    for (i, item) in text.split(',').enumerate() {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let n = i + 1;
        let Some((key, value)) = item.split_once('=') else {
            return Err(format!("header #{n} is not written `key=value`"));
        };
        let key = percent_decode(key.trim());
        let value = percent_decode(value.trim());
        let name = HeaderName::from_bytes(key.as_bytes())
            .map_err(|_| format!("header #{n} does not have a valid header name"))?;
        creds
            .add(name, &value, &value)
            .map_err(|_| format!("header #{n} does not have a valid header value"))?;
    }
    Ok(())
}

/// `%XY` escapes decoded (`XY` two hex digits; anything else after a `%` is kept as it is),
/// then UTF-8 with each invalid sequence replaced by U+FFFD.
fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::push::plan::test_env as env;

    #[test]
    fn urls_are_shown_without_query_and_credentials_are_refused() {
        assert_eq!(
            shown_url("https://gw.example.com:9091/base?token=x"),
            "https://gw.example.com:9091/base"
        );
        assert_eq!(
            shown_url("https://u:pw@h.example.com/w"),
            "https://h.example.com/w"
        );
        assert!(check_url("ftp://x", "--pushgateway").is_err());
        for bad in [
            "https://user:pw@x.example.com/",
            "http://u:pw@/x",
            "http://h:1/w?k=pw x",
        ] {
            let err = check_url(bad, "--remote-write").unwrap_err();
            assert!(!err.contains("pw"), "{err}");
        }
        assert!(check_url("http://127.0.0.1:9091", "--pushgateway").is_ok());
        assert_eq!(
            join_path("http://gw:1/?t=1", "metrics/job/x"),
            "http://gw:1/metrics/job/x?t=1"
        );
        assert_eq!(
            join_path("http://c:4318/base", "v1/metrics"),
            "http://c:4318/base/v1/metrics"
        );
        let mut creds = Credentials::default();
        let err = add_header_list(&mut creds, "Authorization: Bearer s3cr3t=x").unwrap_err();
        assert!(!err.contains("s3cr3t"), "{err}");
    }

    #[test]
    fn header_values_are_percent_decoded_and_malformed_escapes_kept() {
        for (text, decoded) in [
            ("team%20a%2Cb%3d1", "team a,b=1"),
            ("100%", "100%"),
            ("%4", "%4"),
            ("%zz%", "%zz%"),
            ("%+1", "%+1"),
            ("%%41", "%A"),
            ("%C3%A9", "é"),
            ("%ff%C3", "\u{fffd}\u{fffd}"),
            ("é%", "é%"),
        ] {
            assert_eq!(percent_decode(text), decoded, "{text}");
        }
    }

    #[test]
    fn credentials_from_named_variables() {
        let vars = CredentialVars {
            token: Some("TOKEN".into()),
            basic_auth: None,
            headers: Some("HDRS".into()),
        };
        let creds = credentials(
            &vars,
            "--otlp",
            &env(&[
                ("TOKEN", "s3cret"),
                ("HDRS", "X-Scope-OrgID=team%20a,api-key=k%3D1"),
            ]),
        )
        .unwrap();
        let shown: Vec<(String, String)> = creds
            .headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_string()))
            .collect();
        assert_eq!(
            shown,
            [
                ("authorization".into(), "Bearer s3cret".into()),
                ("x-scope-orgid".into(), "team a".into()),
                ("api-key".into(), "k=1".into())
            ]
        );
        assert!(creds.headers.iter().all(|(_, v)| v.is_sensitive()));
        assert_eq!(creds.scrub("token s3cret and k=1"), "token *** and ***");

        let basic = CredentialVars {
            basic_auth: Some("BASIC".into()),
            ..CredentialVars::default()
        };
        let creds = credentials(&basic, "--pushgateway", &env(&[("BASIC", "me:pw0rd")])).unwrap();
        assert_eq!(creds.headers[0].1.to_str().unwrap(), "Basic bWU6cHcwcmQ=");
        assert_eq!(creds.scrub("pw0rd bWU6cHcwcmQ="), "*** ***");
        // A secret read from a file keeps no trailing newline.
        let creds = credentials(&basic, "--pushgateway", &env(&[("BASIC", "me:pw0rd\n")])).unwrap();
        assert_eq!(creds.headers[0].1.to_str().unwrap(), "Basic bWU6cHcwcmQ=");
        let err = credentials(&basic, "--pushgateway", &env(&[])).unwrap_err();
        assert!(
            err.contains("`BASIC`") && err.contains("--pushgateway-basic-auth-env"),
            "{err}"
        );
    }
}
