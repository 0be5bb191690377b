//! PR status through the GitHub REST API (cargo feature `github-api`): a check run with
//! annotations, one PR comment edited in place, a commit status.
//!
//! Runs only after the artifacts, the step summary and the outputs are complete, and can never
//! fail the export: every fault (a fork's read-only token, 404, 422, 5xx, rate limits, network)
//! is retried where retrying is right, then returned as a warning saying what was not posted.
//! Every request goes to `GITHUB_API_URL`, so GitHub Enterprise Server works unchanged.

use std::time::Duration;

use http::StatusCode;
use octocrab::Octocrab;
use serde_json::{json, Value};

use crate::observability::text::clip;

/// Where and as whom to post.
#[derive(Debug, Clone)]
pub struct PrTarget {
    pub api_url: String,
    pub token: String,
    pub owner: String,
    pub repo: String,
    pub head_sha: String,
    pub pull_number: Option<u64>,
    pub check_name: String,
    pub run_url: Option<String>,
}

/// Which of the three to post.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PrStatusKinds {
    pub check_run: bool,
    pub comment: bool,
    pub commit_status: bool,
}

/// One check-run annotation (blockers that concern a file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileAnnotation {
    pub path: String,
    pub failure: bool,
    pub title: String,
    pub message: String,
}

/// What to say.
#[derive(Debug, Clone)]
pub struct PrVerdict {
    /// `success`, `failure` or `neutral` (fail policy `never`).
    pub conclusion: &'static str,
    pub title: String,
    /// Markdown within the API's 65,535 characters.
    pub summary: String,
    pub annotations: Vec<FileAnnotation>,
    /// The whole comment body, hidden marker included.
    pub comment: String,
    /// At most 140 characters.
    pub status_description: String,
}

/// Bounded retries with backoff; `Retry-After` is honoured up to `max_delay`.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub retries: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            retries: 3,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
            timeout: Duration::from_secs(30),
        }
    }
}

/// The API's limits.
pub const ANNOTATIONS_PER_REQUEST: usize = 50;
pub const STATUS_DESCRIPTION_CHARS: usize = 140;
pub const OUTPUT_CHARS: usize = 65_535;
pub const COMMENT_CHARS: usize = 65_536;

/// Posts what `kinds` asks for; returns a warning for each thing that could not be posted.
pub fn post(
    target: &PrTarget,
    kinds: PrStatusKinds,
    verdict: &PrVerdict,
    retry: RetryPolicy,
) -> Vec<String> {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            return vec![format!(
                "PR status not posted: cannot start the HTTP runtime: {err}"
            )]
        }
    };
    runtime.block_on(post_async(target, kinds, verdict, retry))
}

async fn post_async(
    target: &PrTarget,
    kinds: PrStatusKinds,
    verdict: &PrVerdict,
    retry: RetryPolicy,
) -> Vec<String> {
    let client = match Octocrab::builder()
        .base_uri(target.api_url.as_str())
        .map(|b| {
            b.personal_token(target.token.clone())
                .set_connect_timeout(Some(retry.timeout))
                .set_read_timeout(Some(retry.timeout))
                .set_write_timeout(Some(retry.timeout))
        })
        .and_then(|b| b.build())
    {
        Ok(client) => client,
        Err(err) => {
            return vec![format!(
                "PR status not posted: `{}` is not a usable API URL: {err}",
                target.api_url
            )]
        }
    };
    let api = Api { client, retry };
    let repo = format!("/repos/{}/{}", target.owner, target.repo);
    let mut warnings = Vec::new();
    if kinds.check_run {
        if let Err(why) = check_run(&api, &repo, target, verdict).await {
            warnings.push(format!(
                "check run `{}` not posted: {why}",
                target.check_name
            ));
        }
    }
    if kinds.comment {
        match target.pull_number {
            Some(number) => {
                if let Err(why) = comment(&api, &repo, number, target, verdict).await {
                    warnings.push(format!("PR comment not posted: {why}"));
                }
            }
            None => warnings
                .push("PR comment not posted: this run is not for a pull request".to_string()),
        }
    }
    if kinds.commit_status {
        let state = if verdict.conclusion == "failure" {
            "failure"
        } else {
            "success"
        };
        let mut body = json!({
            "state": state,
            "description": clip(&verdict.status_description, STATUS_DESCRIPTION_CHARS),
            "context": target.check_name,
        });
        if let Some(url) = &target.run_url {
            body["target_url"] = json!(url);
        }
        if let Err(why) = api
            .send(
                Method::Post,
                &format!("{repo}/statuses/{}", target.head_sha),
                Some(&body),
            )
            .await
        {
            warnings.push(format!("commit status not posted: {why}"));
        }
    }
    warnings
}

async fn check_run(
    api: &Api,
    repo: &str,
    target: &PrTarget,
    verdict: &PrVerdict,
) -> Result<(), String> {
    let batches: Vec<&[FileAnnotation]> = verdict
        .annotations
        .chunks(ANNOTATIONS_PER_REQUEST)
        .collect();
    let output = |batch: &[FileAnnotation]| {
        json!({
            "title": clip(&verdict.title, 255),
            "summary": clip(&verdict.summary, OUTPUT_CHARS),
            "annotations": batch.iter().map(annotation_json).collect::<Vec<_>>(),
        })
    };
    let mut body = json!({
        "name": target.check_name,
        "head_sha": target.head_sha,
        "status": "completed",
        "conclusion": verdict.conclusion,
        "output": output(batches.first().copied().unwrap_or(&[])),
    });
    if let Some(url) = &target.run_url {
        body["details_url"] = json!(url);
    }
    let created = api
        .send(Method::Post, &format!("{repo}/check-runs"), Some(&body))
        .await?;
    let id = created
        .get("id")
        .and_then(Value::as_u64)
        .ok_or("the API did not return the check run's id")?;
    for batch in batches.iter().skip(1) {
        let update = json!({ "output": output(batch) });
        api.send(
            Method::Patch,
            &format!("{repo}/check-runs/{id}"),
            Some(&update),
        )
        .await
        .map_err(|why| {
            format!("annotations after the first {ANNOTATIONS_PER_REQUEST} not sent: {why}")
        })?;
    }
    Ok(())
}

fn annotation_json(a: &FileAnnotation) -> Value {
    json!({
        "path": a.path,
        "start_line": 1,
        "end_line": 1,
        "annotation_level": if a.failure { "failure" } else { "warning" },
        "title": clip(&a.title, 255),
        "message": clip(&a.message, 64_000),
    })
}

async fn comment(
    api: &Api,
    repo: &str,
    number: u64,
    target: &PrTarget,
    verdict: &PrVerdict,
) -> Result<(), String> {
    let marker = super::pr_status::comment_marker(&target.check_name);
    let body = clip(&verdict.comment, COMMENT_CHARS);
    let mut page = 1;
    let existing = loop {
        let list = api
            .send(
                Method::Get,
                &format!("{repo}/issues/{number}/comments?per_page=100&page={page}"),
                None,
            )
            .await?;
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
    match existing {
        Some(found) if found.get("body").and_then(Value::as_str) == Some(body.as_str()) => Ok(()),
        Some(found) => {
            let id = found
                .get("id")
                .and_then(Value::as_u64)
                .ok_or("the comment has no id")?;
            api.send(
                Method::Patch,
                &format!("{repo}/issues/comments/{id}"),
                Some(&json!({ "body": body })),
            )
            .await
            .map(|_| ())
        }
        None => api
            .send(
                Method::Post,
                &format!("{repo}/issues/{number}/comments"),
                Some(&json!({ "body": body })),
            )
            .await
            .map(|_| ()),
    }
}

#[derive(Debug, Clone, Copy)]
enum Method {
    Get,
    Post,
    Patch,
}

struct Api {
    client: Octocrab,
    retry: RetryPolicy,
}

impl Api {
    /// One request with bounded retries; the JSON body of a success, or why it failed.
    async fn send(
        &self,
        method: Method,
        route: &str,
        body: Option<&Value>,
    ) -> Result<Value, String> {
        let mut attempt = 0;
        loop {
            let sent = match method {
                Method::Get => self.client._get(route).await,
                Method::Post => self.client._post(route, body).await,
                Method::Patch => self.client._patch(route, body).await,
            };
            let (status, retry_after, text) = match sent {
                Ok(response) => {
                    let status = response.status();
                    let retry_after = response
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok());
                    let limited = response
                        .headers()
                        .get("x-ratelimit-remaining")
                        .and_then(|v| v.to_str().ok())
                        == Some("0");
                    let text = self
                        .client
                        .body_to_string(response)
                        .await
                        .unwrap_or_default();
                    if status.is_success() {
                        return Ok(serde_json::from_str(&text).unwrap_or(Value::Null));
                    }
                    let rate_limited = status == StatusCode::TOO_MANY_REQUESTS
                        || (status == StatusCode::FORBIDDEN
                            && (retry_after.is_some()
                                || limited
                                || text.to_lowercase().contains("rate limit")));
                    if !(rate_limited || status.is_server_error()) {
                        return Err(http_failure(status, &text));
                    }
                    (Some(status), retry_after, text)
                }
                Err(err) => (None, None, err.to_string()),
            };
            if attempt >= self.retry.retries {
                return Err(match status {
                    Some(status) => {
                        format!("{} after {} retries", http_failure(status, &text), attempt)
                    }
                    None => format!("{text} (after {attempt} retries)"),
                });
            }
            let backoff = self.retry.base_delay.saturating_mul(1 << attempt.min(16));
            let wait = retry_after
                .map_or(backoff, Duration::from_secs)
                .min(self.retry.max_delay);
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }
}

/// `403 Resource not accessible by integration`, with a hint where there is a common cause.
fn http_failure(status: StatusCode, body: &str) -> String {
    let message = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(|| clip(body.trim(), 200));
    let hint = match status.as_u16() {
        403 => " (pull requests from forks get a read-only token; grant `checks: write`, `pull-requests: write` or `statuses: write`)",
        404 => " (check the repository, the commit and the token's access)",
        422 => " (GitHub refused the request's content)",
        _ => "",
    };
    format!("{} {message}{hint}", status.as_u16())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_explain_common_causes() {
        let text = http_failure(
            StatusCode::FORBIDDEN,
            r#"{"message": "Resource not accessible by integration"}"#,
        );
        assert!(
            text.starts_with(
                "403 Resource not accessible by integration (pull requests from forks"
            ),
            "{text}"
        );
    }
}
