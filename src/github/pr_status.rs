//! What the pull request should show: which of check run, comment and commit status to post
//! (`pr-status`), on which commit (the PR head from the event payload), and what they say.
//! The posting itself is `api.rs` (cargo feature `github-api`).

use std::path::Path;

use serde_json::Value;

use super::runner::{Env, RunnerContext};
use super::summary::{self, SummaryContext};
use crate::observability::artifacts::WrittenArtifact;
use crate::observability::blockers::{Blocker, Severity};
use crate::observability::files;
use crate::observability::metrics::MetricPoint;
use crate::observability::policy::FailOn;
use crate::observability::report::ExportReport;
use crate::observability::text;

/// The hidden marker that finds this check's comment again (`--` cannot end the HTML comment).
pub fn comment_marker(check_name: &str) -> String {
    format!(
        "<!-- dpone-observability:{} -->",
        check_name.replace("--", "- -")
    )
}

/// Which of the three the action posts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Kinds {
    pub check_run: bool,
    pub comment: bool,
    pub commit_status: bool,
}

impl Kinds {
    pub fn any(self) -> bool {
        self.check_run || self.comment || self.commit_status
    }
}

/// The pull request this run is for, from the event payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequest {
    pub number: u64,
    pub head_sha: String,
}

/// `pull_request` and `pull_request_target` events name the PR and its head commit; the
/// `GITHUB_SHA` of such a run is a merge commit nobody looks at.
pub fn pull_request(env: &Env) -> Option<PullRequest> {
    let event = env.0.get("GITHUB_EVENT_NAME")?;
    if event != "pull_request" && event != "pull_request_target" {
        return None;
    }
    let path = Path::new(env.0.get("GITHUB_EVENT_PATH")?);
    let text = files::read_text_capped(path, files::MAX_EVENT_BYTES).ok()?;
    let payload: Value = serde_json::from_str(&text).ok()?;
    let pr = payload.get("pull_request")?;
    Some(PullRequest {
        number: pr.get("number")?.as_u64()?,
        head_sha: pr.get("head")?.get("sha")?.as_str()?.to_string(),
    })
}

/// Parses `pr-status`: `check-run`, `comment`, `commit-status` or `none`, separated by commas,
/// spaces or lines. Empty means `check-run,comment` on pull requests and `check-run` otherwise.
/// Returns whether the user asked explicitly.
pub fn parse_kinds(text: Option<&str>, on_pull_request: bool) -> Result<(Kinds, bool), String> {
    let Some(text) = text.filter(|t| !t.trim().is_empty()) else {
        return Ok((
            Kinds {
                check_run: true,
                comment: on_pull_request,
                commit_status: false,
            },
            false,
        ));
    };
    let mut kinds = Kinds::default();
    for item in text
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|i| !i.is_empty())
    {
        match item {
            "check-run" => kinds.check_run = true,
            "comment" => kinds.comment = true,
            "commit-status" => kinds.commit_status = true,
            "none" => {}
            other => {
                return Err(format!(
                    "input `pr-status`: `{other}` is not one of `check-run`, `comment`, `commit-status`, `none`"
                ))
            }
        }
    }
    Ok((kinds, true))
}

/// A check run's conclusion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conclusion {
    Success,
    Failure,
    /// Blockers, but the fail policy is `never`.
    Neutral,
}

impl Conclusion {
    /// As the checks API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Conclusion::Success => "success",
            Conclusion::Failure => "failure",
            Conclusion::Neutral => "neutral",
        }
    }
}

/// One check-run annotation: a blocker that concerns a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileAnnotation {
    /// Relative to the workspace.
    pub path: String,
    /// The blocker fails the step (or is an error).
    pub failure: bool,
    pub title: String,
    /// The message with its runbook.
    pub message: String,
}

/// Everything the API calls say, built from the finished export.
#[derive(Debug, Clone)]
pub struct Message {
    pub conclusion: Conclusion,
    pub title: String,
    /// Markdown within the checks API's 65,535 characters.
    pub summary: String,
    /// The whole comment body, hidden marker included.
    pub comment: String,
    /// At most 140 characters once sent.
    pub status_description: String,
    pub annotations: Vec<FileAnnotation>,
}

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

pub fn message(
    report: &ExportReport,
    points: &[MetricPoint],
    written: &[&WrittenArtifact],
    ctx: &SummaryContext<'_>,
    runner: &RunnerContext,
    check_name: &str,
    marker: &str,
) -> Message {
    let failing: Option<&Blocker> = ctx.fail_on.first_failing(&report.blockers);
    let conclusion = match (failing, ctx.fail_on) {
        (Some(_), _) => Conclusion::Failure,
        (None, FailOn::Never) if !report.blockers.is_empty() => Conclusion::Neutral,
        (None, _) => Conclusion::Success,
    };
    let counts = format!(
        "{} metrics, {}",
        report.metric_count,
        text::plural(report.blockers.len(), "blocker")
    );
    let title = match failing {
        Some(b) => format!("Failed by {}: {counts}", b.id()),
        None => format!("Passed: {counts}"),
    };
    let summary = summary::render_within(report, points, written, ctx, 50_000, 65_000);
    let comment_summary = summary::render_within(report, points, written, ctx, 30_000, 60_000);
    let comment = format!("{marker}\n### {check_name}\n\n{comment_summary}");
    let status_description = match failing {
        Some(b) => format!("Failed by {} ({counts})", b.id()),
        None => format!("Passed ({counts})"),
    };
    let annotations = report
        .blockers
        .iter()
        .filter_map(|b| {
            let path = b.subject.as_deref()?;
            Some(FileAnnotation {
                path: runner.relative(Path::new(path)),
                failure: ctx.fail_on.fails_on(b.severity()) || b.severity() == Severity::Error,
                title: b.id().to_string(),
                message: format!("{} Runbook: {}", b.message, report.runbook_url(b.code)),
            })
        })
        .collect();
    Message {
        conclusion,
        title,
        summary,
        comment,
        status_description,
        annotations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(
            parse_kinds(None, true).unwrap().0,
            Kinds {
                check_run: true,
                comment: true,
                commit_status: false
            }
        );
        assert_eq!(
            parse_kinds(Some(""), false).unwrap().0,
            Kinds {
                check_run: true,
                comment: false,
                commit_status: false
            }
        );
        let (k, explicit) = parse_kinds(Some("comment, commit-status"), false).unwrap();
        assert!(explicit && k.comment && k.commit_status && !k.check_run);
        assert!(!parse_kinds(Some("none"), true).unwrap().0.any());
        assert!(parse_kinds(Some("checks"), true).is_err());
        assert_eq!(comment_marker("a--b"), "<!-- dpone-observability:a- -b -->");
    }
}
