//! The GitHub REST API client (cargo feature `github-api`): the workflow's token, GitHub's
//! headers and one retry policy over `net::http`, shared by posting, artifacts and publish.
//!
//! Every request goes to `GITHUB_API_URL`, so GitHub Enterprise Server works unchanged. The
//! requests go through the same HTTP client and retry policy as `push` (`net::http`); each
//! kind of JSON request is validated in the tests against GitHub's OpenAPI description, which
//! needs no typed SDK.
//!
//! Whatever the API answers passes a [`Redactor`] of the token before anyone reads it: an
//! answer or an error body that echoes the `Authorization` header (a proxy's 4xx page, a 422
//! quoting the request) never carries the token into a message, a blocker or a file.

use std::time::Duration;

use http::{HeaderName, HeaderValue, Method};
use serde_json::Value;

use super::runner::{Env, RunnerContext};
use crate::net::http::{Failure, HttpClient, Request, RetryPolicy};
use crate::observability::secrets::Redactor;
use crate::observability::text::clip;

/// Each attempt's limit: connecting, sending and reading together.
pub const TIMEOUT: Duration = Duration::from_secs(30);
/// A page of 100 comments of up to 65,536 characters each.
const MAX_RESPONSE: usize = 32 * 1024 * 1024;
/// The REST API version the requests are written for.
const API_VERSION: &str = "2022-11-28";

/// A name GitHub allows in an owner or repository path segment (nothing to escape).
pub fn plain_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

/// `GITHUB_API_URL`, else github.com's API.
pub fn api_url(env: &Env) -> String {
    env.var("GITHUB_API_URL")
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "https://api.github.com".to_string())
}

/// The retry policy of the step's API requests (shortened by the tests' variables), within
/// the step's deadline (the `timeout` input).
pub fn retry_policy(env: &Env, ctx: &RunnerContext) -> RetryPolicy {
    let mut retry = RetryPolicy::default();
    retry.shorten_for_tests(&|name| env.var(name));
    retry.deadline = ctx.deadline;
    retry
}

/// The GraphQL endpoint beside a REST API URL, as GitHub lays them out (and octokit derives
/// it): `https://api.github.com` → `https://api.github.com/graphql`; GitHub Enterprise
/// Server's `https://HOST/api/v3` → `https://HOST/api/graphql`.
pub fn graphql_url(api_url: &str) -> String {
    let base = api_url.trim_end_matches('/');
    match base.strip_suffix("/api/v3") {
        Some(server) => format!("{server}/api/graphql"),
        None => format!("{base}/graphql"),
    }
}

/// The REST API at `GITHUB_API_URL` with the workflow's token.
pub struct Api {
    client: HttpClient,
    base: String,
    headers: Vec<(HeaderName, HeaderValue)>,
    /// The token's every form, out of every answer.
    redactor: Redactor,
}

impl Api {
    pub fn new(api_url: &str, token: &str, retry: RetryPolicy) -> Result<Self, String> {
        let base = api_url.trim_end_matches('/').to_string();
        match base.parse::<http::Uri>() {
            Ok(uri) if uri.scheme().is_some() && uri.host().is_some() => {}
            _ => return Err(format!("`{api_url}` is not a usable API URL")),
        }
        let redactor = Redactor::new(&[token]);
        let mut token = HeaderValue::from_str(&format!("Bearer {token}"))
            .map_err(|_| "the `github-token` is not a valid header value".to_string())?;
        token.set_sensitive(true);
        let headers = vec![
            (http::header::AUTHORIZATION, token),
            (
                http::header::ACCEPT,
                HeaderValue::from_static("application/vnd.github+json"),
            ),
            (
                HeaderName::from_static("x-github-api-version"),
                HeaderValue::from_static(API_VERSION),
            ),
            (
                http::header::USER_AGENT,
                HeaderValue::from_static(concat!(
                    "dpone-observability/",
                    env!("CARGO_PKG_VERSION")
                )),
            ),
        ];
        let client = HttpClient::new(TIMEOUT, retry)?.with_max_body(MAX_RESPONSE);
        Ok(Api {
            client,
            base,
            headers,
            redactor,
        })
    }

    /// A failure with the token out of its message and body.
    fn redacted(&self, mut failure: Failure) -> Failure {
        failure.message = self.redactor.redact(&failure.message).into_owned();
        let body = String::from_utf8_lossy(&failure.body);
        if let std::borrow::Cow::Owned(clean) = self.redactor.redact(&body) {
            failure.body = clean.into_bytes();
        }
        failure
    }

    /// The API's scheme (`https`, or `http` for a local stand-in).
    pub fn scheme(&self) -> &str {
        self.base
            .split_once("://")
            .map_or("https", |(scheme, _)| scheme)
    }

    /// A GET whose answer is a redirect (an artifact's download): the `Location`, never
    /// followed here, so the token stays with the API.
    pub fn redirect(&self, route: &str) -> Result<String, Failure> {
        let request = Request {
            method: Method::GET,
            url: format!("{}{route}", self.base),
            headers: self.headers.clone(),
            body: Vec::new().into(),
        };
        let response = self
            .client
            .send_keeping_redirects(&request)
            .map_err(|failure| self.redacted(failure))?;
        let failure = |message: &str| Failure {
            message: format!("HTTP {}: {message}", response.status.as_u16()),
            attempts: 1,
            status: None,
            body: Vec::new(),
        };
        if !response.status.is_redirection() {
            return Err(failure(
                "the API answered without a redirect to the download",
            ));
        }
        response
            .headers
            .get(http::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .ok_or_else(|| failure("the API's redirect has no usable `Location`"))
    }

    /// One request to the REST API: the JSON answer, or the failure (the caller explains it);
    /// both without the token.
    pub fn request(
        &self,
        method: Method,
        route: &str,
        body: Option<&Value>,
    ) -> Result<Value, Failure> {
        self.send_to(method, format!("{}{route}", self.base), body)
    }

    /// One GraphQL query at the endpoint beside the REST API ([`graphql_url`]); the whole
    /// answer (`data` and `errors`).
    pub fn graphql(&self, query: &str) -> Result<Value, Failure> {
        let body = serde_json::json!({ "query": query });
        self.send_to(Method::POST, graphql_url(&self.base), Some(&body))
    }

    fn send_to(&self, method: Method, url: String, body: Option<&Value>) -> Result<Value, Failure> {
        let mut headers = self.headers.clone();
        let bytes = match body {
            Some(body) => {
                headers.push((
                    http::header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                ));
                serde_json::to_vec(body).map_err(|err| Failure {
                    message: format!("cannot encode the request: {err}"),
                    attempts: 0,
                    status: None,
                    body: Vec::new(),
                })?
            }
            None => Vec::new(),
        };
        let request = Request {
            method,
            url,
            headers,
            body: bytes.into(),
        };
        let response = self
            .client
            .send(&request)
            .map_err(|failure| self.redacted(failure))?;
        let mut answer = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
        self.redactor.redact_json(&mut answer);
        Ok(answer)
    }
}

/// A failed request, said for a person: the status and GitHub's message, with `forbidden_hint`
/// for a 403 (the permission the caller's requests need) and how often it was retried.
pub fn explain_failure(failure: &Failure, forbidden_hint: &str) -> String {
    let retries = failure.attempts.saturating_sub(1);
    match failure.status {
        Some(status) => {
            let text = http_failure(
                status,
                &String::from_utf8_lossy(&failure.body),
                forbidden_hint,
            );
            if retries > 0 {
                format!("{text} after {retries} retries")
            } else {
                text
            }
        }
        None => format!("{} (after {retries} retries)", failure.message),
    }
}

/// `403 Resource not accessible by integration`, with a hint where there is a common cause.
fn http_failure(status: u16, body: &str, forbidden_hint: &str) -> String {
    let message = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(|| clip(body.trim(), 200));
    let hint = match status {
        403 => format!(" ({forbidden_hint})"),
        404 => " (check the repository, the commit and the token's access)".to_string(),
        422 => " (GitHub refused the request's content)".to_string(),
        _ => String::new(),
    };
    format!("{status} {message}{hint}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_graphql_endpoint_sits_beside_the_rest_api() {
        assert_eq!(
            graphql_url("https://api.github.com"),
            "https://api.github.com/graphql"
        );
        assert_eq!(
            graphql_url("https://ghe.example.com/api/v3/"),
            "https://ghe.example.com/api/graphql"
        );
    }

    #[test]
    fn failures_explain_common_causes() {
        let text = http_failure(
            403,
            r#"{"message": "Resource not accessible by integration"}"#,
            "grant it",
        );
        assert_eq!(
            text,
            "403 Resource not accessible by integration (grant it)"
        );
        let retried = explain_failure(
            &Failure {
                message: "HTTP 503".into(),
                attempts: 4,
                status: Some(503),
                body: br#"{"message": "unavailable"}"#.to_vec(),
            },
            "grant it",
        );
        assert_eq!(retried, "503 unavailable after 3 retries");
        let refused = explain_failure(
            &Failure {
                message: "connection refused".into(),
                attempts: 2,
                status: None,
                body: Vec::new(),
            },
            "grant it",
        );
        assert_eq!(refused, "connection refused (after 1 retries)");
    }
}
