//! PR status through the GitHub REST API (cargo feature `github-api`): a check run with
//! annotations, one PR comment edited in place, a commit status.
//!
//! Runs only after the artifacts, the step summary and the outputs are complete, and can never
//! fail the export: every fault (a fork's read-only token, 404, 422, 5xx, rate limits, network)
//! is retried where retrying is right, then returned as a warning saying what was not posted.
//! Every request goes to `GITHUB_API_URL`, so GitHub Enterprise Server works unchanged. The
//! requests go through the same HTTP client and retry policy as `push` (`net::http`): the
//! adapter sends four kinds of JSON request, each validated in the tests against GitHub's
//! OpenAPI description, which needs no typed SDK.

use std::time::Duration;

use http::{HeaderName, HeaderValue, Method};
use serde_json::{json, Value};

use super::pr_status::{
    comment_marker, decide_comment, shared_comment_warning, CommentAction, Conclusion,
    FileAnnotation, Kinds, Message, PrTarget,
};
use crate::net::http::{Failure, HttpClient, Request, RetryPolicy};
use crate::observability::text::clip;

/// The API's limits.
pub const ANNOTATIONS_PER_REQUEST: usize = 50;
pub const STATUS_DESCRIPTION_CHARS: usize = 140;
pub const OUTPUT_CHARS: usize = 65_535;
pub const COMMENT_CHARS: usize = 65_536;

/// Each attempt's limit: connecting, sending and reading together.
pub const TIMEOUT: Duration = Duration::from_secs(30);
/// A page of 100 comments of up to 65,536 characters each.
const MAX_RESPONSE: usize = 32 * 1024 * 1024;
/// The REST API version the requests are written for.
const API_VERSION: &str = "2022-11-28";

/// Posts what `kinds` asks for; returns a warning for each thing that could not be posted.
pub fn post(target: &PrTarget, kinds: Kinds, message: &Message, retry: RetryPolicy) -> Vec<String> {
    let api = match Api::new(&target.api_url, &target.token, retry) {
        Ok(api) => api,
        Err(why) => return vec![format!("PR status not posted: {why}")],
    };
    let repo = format!("/repos/{}/{}", target.owner, target.repo);
    let mut warnings = Vec::new();
    if kinds.check_run {
        if let Err(why) = check_run(&api, &repo, target, message) {
            warnings.push(format!(
                "check run `{}` not posted: {why}",
                target.check_name
            ));
        }
    }
    if kinds.comment {
        match target.pull_number {
            Some(number) => match comment(&api, &repo, number, target, message) {
                Ok(Some(shared)) => warnings.push(shared),
                Ok(None) => {}
                Err(why) => warnings.push(format!("PR comment not posted: {why}")),
            },
            None => warnings
                .push("PR comment not posted: this run is not for a pull request".to_string()),
        }
    }
    if kinds.commit_status {
        if let Err(why) = commit_status(&api, &repo, target, message) {
            warnings.push(format!("commit status not posted: {why}"));
        }
    }
    warnings
}

fn commit_status(
    api: &Api,
    repo: &str,
    target: &PrTarget,
    message: &Message,
) -> Result<(), String> {
    let state = match message.conclusion {
        Conclusion::Failure => "failure",
        Conclusion::Success | Conclusion::Neutral => "success",
    };
    let mut body = json!({
        "state": state,
        "description": clip(&message.status_description, STATUS_DESCRIPTION_CHARS),
        "context": target.check_name,
    });
    if let Some(url) = &target.run_url {
        body["target_url"] = json!(url);
    }
    api.send(
        Method::POST,
        &format!("{repo}/statuses/{}", target.head_sha),
        Some(&body),
    )
    .map(|_| ())
}

fn check_run(api: &Api, repo: &str, target: &PrTarget, message: &Message) -> Result<(), String> {
    let batches: Vec<&[FileAnnotation]> = message
        .annotations
        .chunks(ANNOTATIONS_PER_REQUEST)
        .collect();
    let output = |batch: &[FileAnnotation]| {
        json!({
            "title": clip(&message.title, 255),
            "summary": clip(&message.summary, OUTPUT_CHARS),
            "annotations": batch.iter().map(annotation_json).collect::<Vec<_>>(),
        })
    };
    let mut body = json!({
        "name": target.check_name,
        "head_sha": target.head_sha,
        "status": "completed",
        "conclusion": message.conclusion.as_str(),
        "output": output(batches.first().copied().unwrap_or(&[])),
    });
    if let Some(url) = &target.run_url {
        body["details_url"] = json!(url);
    }
    let created = api.send(Method::POST, &format!("{repo}/check-runs"), Some(&body))?;
    let id = created
        .get("id")
        .and_then(Value::as_u64)
        .ok_or("the API did not return the check run's id")?;
    for batch in batches.iter().skip(1) {
        let update = json!({ "output": output(batch) });
        api.send(
            Method::PATCH,
            &format!("{repo}/check-runs/{id}"),
            Some(&update),
        )
        .map_err(|why| {
            format!("annotations after the first {ANNOTATIONS_PER_REQUEST} not sent: {why}")
        })?;
    }
    Ok(())
}

fn annotation_json(a: &FileAnnotation) -> Value {
    let line = a.line.unwrap_or(1);
    json!({
        "path": a.path,
        "start_line": line,
        "end_line": line,
        "annotation_level": if a.failure { "failure" } else { "warning" },
        "title": clip(&a.title, 255),
        "message": clip(&a.message, 64_000),
    })
}

/// Finds this check's comment by its marker, then creates, edits or leaves it as the
/// `comment-mode` says. Returns a warning when another job of this run wrote it last.
fn comment(
    api: &Api,
    repo: &str,
    number: u64,
    target: &PrTarget,
    message: &Message,
) -> Result<Option<String>, String> {
    let marker = comment_marker(&target.check_name);
    let mut page = 1;
    let existing = loop {
        let list = api.send(
            Method::GET,
            &format!("{repo}/issues/{number}/comments?per_page=100&page={page}"),
            None,
        )?;
        let comments = list.as_array().cloned().unwrap_or_default();
        if let Some(found) = comments.iter().find(|c| {
            c.get("body")
                .and_then(Value::as_str)
                .is_some_and(|b| b.contains(&marker))
        }) {
            break Some(found.clone());
        }
        if comments.len() < 100 || page == 50 {
            break None;
        }
        page += 1;
    };
    let existing_body = existing
        .as_ref()
        .and_then(|c| c.get("body"))
        .and_then(Value::as_str);
    let shared = shared_comment_warning(message, existing_body, &target.check_name);
    let body = match decide_comment(message, target.comment_mode, existing_body) {
        CommentAction::Keep => return Ok(shared),
        CommentAction::Write(body) => clip(&body, COMMENT_CHARS),
    };
    match existing {
        Some(found) => {
            let id = found
                .get("id")
                .and_then(Value::as_u64)
                .ok_or("the comment has no id")?;
            api.send(
                Method::PATCH,
                &format!("{repo}/issues/comments/{id}"),
                Some(&json!({ "body": body })),
            )?;
        }
        None => {
            api.send(
                Method::POST,
                &format!("{repo}/issues/{number}/comments"),
                Some(&json!({ "body": body })),
            )?;
        }
    }
    Ok(shared)
}

/// The REST API at `GITHUB_API_URL` with the workflow's token.
pub struct Api {
    client: HttpClient,
    base: String,
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl Api {
    pub fn new(api_url: &str, token: &str, retry: RetryPolicy) -> Result<Self, String> {
        let base = api_url.trim_end_matches('/').to_string();
        match base.parse::<http::Uri>() {
            Ok(uri) if uri.scheme().is_some() && uri.host().is_some() => {}
            _ => return Err(format!("`{api_url}` is not a usable API URL")),
        }
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
        })
    }

    /// One request with bounded retries; the JSON body of a success, or why it failed.
    fn send(&self, method: Method, route: &str, body: Option<&Value>) -> Result<Value, String> {
        self.request(method, route, body)
            .map_err(|failure| failure_text(&failure))
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
        let response = self.client.send_keeping_redirects(&request)?;
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

    /// [`send`](Self::send), with the failure as it came (the caller explains it).
    pub fn request(
        &self,
        method: Method,
        route: &str,
        body: Option<&Value>,
    ) -> Result<Value, Failure> {
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
            url: format!("{}{route}", self.base),
            headers,
            body: bytes.into(),
        };
        self.client
            .send(&request)
            .map(|response| serde_json::from_slice(&response.body).unwrap_or(Value::Null))
    }
}

/// What a 403 on the PR status requests usually means.
const PR_STATUS_FORBIDDEN: &str = "pull requests from forks get a read-only token; grant `checks: write`, `pull-requests: write` or `statuses: write`, and for forks add the publish workflow (`mode: publish` on `workflow_run`, see docs/action-reference.md#pull-requests-from-forks)";

/// `403 Resource not accessible by integration`, with how often it was retried.
fn failure_text(failure: &Failure) -> String {
    explain_failure(failure, PR_STATUS_FORBIDDEN)
}

/// [`failure_text`] with the caller's hint for a 403 (the permission its requests need).
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
    fn failures_explain_common_causes() {
        let text = http_failure(
            403,
            r#"{"message": "Resource not accessible by integration"}"#,
            PR_STATUS_FORBIDDEN,
        );
        assert!(
            text.starts_with(
                "403 Resource not accessible by integration (pull requests from forks"
            ),
            "{text}"
        );
        let retried = failure_text(&Failure {
            message: "HTTP 503".into(),
            attempts: 4,
            status: Some(503),
            body: br#"{"message": "unavailable"}"#.to_vec(),
        });
        assert_eq!(retried, "503 unavailable after 3 retries");
    }
}
