//! PR status through the GitHub REST API (cargo feature `github-api`): a check run with
//! annotations, one PR comment edited in place, a commit status.
//!
//! Runs only after the artifacts, the step summary and the outputs are complete, and can never
//! fail the export: every fault (a fork's read-only token, 404, 422, 5xx, rate limits, network)
//! is retried where retrying is right, then returned as a warning saying what was not posted.
//!
//! The PR comment edited is only ever this check's own: the one with its hidden marker written
//! by the account the token posts as ([`author`]). A comment by anyone else that carries the
//! marker (and a forged state line) is never edited, and its state is never read.

use http::Method;
use serde_json::{json, Value};

use super::api::{explain_failure, Api};
use super::pr_status::{
    comment_marker, decide_comment, shared_comment_warning, valid_login, Author, CommentAction,
    Conclusion, FileAnnotation, Kinds, Message, PrTarget, ACTIONS_BOT,
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

/// The account the token posts as, in this order: the `comment-author` input; GraphQL's
/// `viewer` (a user's token, a GitHub App's installation token and the workflow's
/// `GITHUB_TOKEN` alike); for an installation token (`ghs_`) GraphQL could not answer, the
/// `GITHUB_TOKEN`'s `github-actions[bot]`; else REST `GET /user` (a user's token). `Err` says
/// why none could be learnt.
fn author(api: &Api, target: &PrTarget) -> Result<Author, String> {
    if let Some(login) = &target.comment_author {
        return Ok(Author {
            id: None,
            login: login.clone(),
        });
    }
    let viewer = match api.graphql("query { viewer { login databaseId } }") {
        Ok(answer) => match login_of(&answer["data"]["viewer"], "databaseId") {
            Some(author) => return Ok(author),
            None => graphql_error(&answer),
        },
        Err(failure) => explain_failure(&failure, PR_STATUS_FORBIDDEN),
    };
    if target.token.starts_with("ghs_") {
        return Ok(Author {
            id: None,
            login: ACTIONS_BOT.to_string(),
        });
    }
    let user = api
        .request(Method::GET, "/user", None)
        .map_err(|failure| explain_failure(&failure, PR_STATUS_FORBIDDEN))
        .and_then(|answer| {
            login_of(&answer, "id").ok_or_else(|| "the answer names no login".to_string())
        });
    user.map_err(|why| {
        format!(
            "cannot tell which account the token posts as (GraphQL `viewer`: {viewer}; `GET /user`: {why}), so no comment is taken for this check's own; set the input `comment-author` to that account's login"
        )
    })
}

/// `{login, <id field>}` as an [`Author`]; `None` without a usable login.
fn login_of(user: &Value, id_field: &str) -> Option<Author> {
    let login = user["login"].as_str().filter(|l| valid_login(l))?;
    Some(Author {
        id: user[id_field].as_u64(),
        login: login.to_string(),
    })
}

/// The first of a GraphQL answer's `errors`, or that it had no `viewer`.
fn graphql_error(answer: &Value) -> String {
    answer["errors"][0]["message"]
        .as_str()
        .map_or_else(|| "no `viewer` in the answer".to_string(), |m| clip(m, 200))
}

/// This check's comment: the first with its marker that `author` wrote; comments by anyone
/// else are passed over, marker or not.
fn own_comment(
    api: &Api,
    route: &str,
    marker: &str,
    author: &Author,
) -> Result<Option<Value>, String> {
    for page in 1..=50 {
        let list = send(
            api,
            Method::GET,
            &format!("{route}?per_page=100&page={page}"),
            None,
        )?;
        let comments = list.as_array().cloned().unwrap_or_default();
        if let Some(found) = comments.iter().find(|c| {
            author.wrote(c)
                && c.get("body")
                    .and_then(Value::as_str)
                    .is_some_and(|b| b.contains(marker))
        }) {
            return Ok(Some(found.clone()));
        }
        if comments.len() < 100 {
            break;
        }
    }
    Ok(None)
}

/// Finds this check's own comment (its marker, written by the token's account), then creates,
/// edits or leaves it as the `comment-mode` says. Returns a warning when another job of this
/// run wrote it last, or when the comment created is not by the account expected.
fn comment(
    api: &Api,
    repo: &str,
    number: u64,
    target: &PrTarget,
    message: &Message,
) -> Result<Option<String>, String> {
    let marker = comment_marker(&target.check_name);
    let author = author(api, target)?;
    let route = format!("{repo}/issues/{number}/comments");
    let existing = own_comment(api, &route, &marker, &author)?;
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
            let created = send(api, Method::POST, &route, Some(&json!({ "body": body })))?;
            let wrote = created["user"].as_object().is_none() || author.wrote(&created);
            if !wrote {
                let by = created["user"]["login"].as_str().unwrap_or_default();
                return Ok(Some(format!(
                    "the PR comment was posted as `{}`, not as `{}`, so the next run will not find it to edit; set the input `comment-author` to `{}`",
                    by.escape_debug(),
                    author.login,
                    by.escape_debug()
                )));
            }
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
