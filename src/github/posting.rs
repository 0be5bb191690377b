//! PR status through the GitHub REST API (cargo feature `github-api`): a check run with
//! annotations, one PR comment edited in place, a commit status.
//!
//! Runs only after the artifacts, the step summary and the outputs are complete, and can never
//! fail the export: every fault (a fork's read-only token, 404, 422, 5xx, rate limits, network)
//! is retried where retrying is right, then returned as a warning saying what was not posted.

use http::Method;
use serde_json::{json, Value};

use super::api::{explain_failure, Api};
use super::pr_status::{
    comment_marker, decide_comment, shared_comment_warning, CommentAction, Conclusion,
    FileAnnotation, Kinds, Message, PrTarget,
};
use crate::net::http::RetryPolicy;
use crate::observability::text::clip;

/// The API's limits.
pub const ANNOTATIONS_PER_REQUEST: usize = 50;
pub const STATUS_DESCRIPTION_CHARS: usize = 140;
pub const OUTPUT_CHARS: usize = 65_535;
pub const COMMENT_CHARS: usize = 65_536;

/// What a 403 on the PR status requests usually means.
const PR_STATUS_FORBIDDEN: &str = "pull requests from forks get a read-only token; grant `checks: write`, `pull-requests: write` or `statuses: write`, and for forks add the publish workflow (`mode: publish` on `workflow_run`, see docs/action-reference.md#pull-requests-from-forks)";

/// One request with bounded retries; the JSON body of a success, or why it failed.
fn send(api: &Api, method: Method, route: &str, body: Option<&Value>) -> Result<Value, String> {
    api.request(method, route, body)
        .map_err(|failure| explain_failure(&failure, PR_STATUS_FORBIDDEN))
}

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
    send(
        api,
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
    let created = send(
        api,
        Method::POST,
        &format!("{repo}/check-runs"),
        Some(&body),
    )?;
    let id = created
        .get("id")
        .and_then(Value::as_u64)
        .ok_or("the API did not return the check run's id")?;
    for batch in batches.iter().skip(1) {
        let update = json!({ "output": output(batch) });
        send(
            api,
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
        let list = send(
            api,
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
            send(
                api,
                Method::PATCH,
                &format!("{repo}/issues/comments/{id}"),
                Some(&json!({ "body": body })),
            )?;
        }
        None => {
            send(
                api,
                Method::POST,
                &format!("{repo}/issues/{number}/comments"),
                Some(&json!({ "body": body })),
            )?;
        }
    }
    Ok(shared)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_forbidden_post_names_the_permissions_and_the_publish_workflow() {
        let text = explain_failure(
            &crate::net::http::Failure {
                message: "HTTP 403".into(),
                attempts: 1,
                status: Some(403),
                body: br#"{"message": "Resource not accessible by integration"}"#.to_vec(),
            },
            PR_STATUS_FORBIDDEN,
        );
        assert!(
            text.starts_with(
                "403 Resource not accessible by integration (pull requests from forks"
            ),
            "{text}"
        );
    }
}
