//! What the pull request should show: which of check run, comment and commit status to post
//! (`pr-status`), on which commit (the PR head from the event payload), and what they say.
//! The posting itself is `api.rs` (cargo feature `github-api`).

use super::runner::{Env, RunnerContext};
use super::summary::{self, SummaryContext};
use crate::ci_env::Event;
use crate::observability::artifacts::WrittenArtifact;
use crate::observability::blockers::{roots, Root, Severity};
use crate::observability::markdown::plain;
use crate::observability::points::Points;
use crate::observability::policy::FailOn;
use crate::observability::report::ExportReport;
use crate::observability::verdict::{Assessment, Verdict};
use sha2::{Digest, Sha256};

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
pub fn pull_request(env: &Env, event: &Event) -> Option<PullRequest> {
    let name = env.var("GITHUB_EVENT_NAME")?;
    if name != "pull_request" && name != "pull_request_target" {
        return None;
    }
    let (number, head_sha) = event.pull_request_head()?;
    Some(PullRequest {
        number,
        head_sha: head_sha.to_string(),
    })
}

/// A check run's conclusion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "lowercase")]
pub enum Conclusion {
    Success,
    Failure,
    /// Blockers, but the fail policy is `never`.
    Neutral,
}

impl Conclusion {
    /// As the checks API spells it.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// One check-run annotation: a blocker that concerns a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileAnnotation {
    /// Relative to the workspace.
    pub path: String,
    /// The line the finding is about (a gate's line in the policy file).
    pub line: Option<u64>,
    /// The blocker fails the step (or is an error).
    pub failure: bool,
    pub title: String,
    /// The message with its runbook.
    pub message: String,
}

impl FileAnnotation {
    /// The annotation of a root cause at `path` and `line`: its code as the title, its message
    /// (plain text), what it caused and its runbook.
    pub fn of_root(
        root: &Root<'_>,
        report: &ExportReport,
        fail_on: FailOn,
        path: String,
        line: Option<u64>,
    ) -> Self {
        let b = root.blocker;
        FileAnnotation {
            path,
            line,
            failure: fail_on.fails_on(root.severity) || root.severity == Severity::Error,
            title: plain(&b.id().to_string()),
            message: format!(
                "{}{} Runbook: {}",
                plain(&b.message),
                root.caused_text(),
                report.runbook_url(b.code)
            ),
        }
    }
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
    /// The body a passing run leaves where a failure was (`comment-mode: failures`).
    pub comment_passing: String,
    pub comment_state: CommentState,
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
    pub comment_mode: CommentMode,
    /// The `comment-author` input: the login whose comments are this check's own, instead of
    /// the account the token is found to post as.
    pub comment_author: Option<String>,
}

/// The login the workflow's `GITHUB_TOKEN` posts as (the GitHub Actions app's bot).
pub const ACTIONS_BOT: &str = "github-actions[bot]";

/// A GitHub login: letters, digits and `-`, with `[bot]` after an app's.
pub fn valid_login(login: &str) -> bool {
    let name = login.strip_suffix("[bot]").unwrap_or(login);
    !name.is_empty()
        && name.len() <= 100
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// The account a comment must be written by to be this check's own: only its comment is ever
/// edited, and only its state line is read. Anyone can write the hidden marker into a comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    /// The account's id (`databaseId` in GraphQL, `user.id` in REST), when known: matched
    /// first, because a login can be renamed and taken by someone else.
    pub id: Option<u64>,
    pub login: String,
}

impl Author {
    /// Whether `comment` (as the REST API lists it) was written by this account: the same id
    /// when both are known, else the same login (ignoring case, as GitHub does) and, for a
    /// `[bot]` login, an account of type `Bot`.
    pub fn wrote(&self, comment: &serde_json::Value) -> bool {
        let user = &comment["user"];
        if let (Some(id), Some(theirs)) = (self.id, user["id"].as_u64()) {
            return id == theirs;
        }
        let Some(login) = user["login"].as_str() else {
            return false;
        };
        let bot = self.login.to_ascii_lowercase().ends_with("[bot]");
        login.eq_ignore_ascii_case(&self.login)
            && (!bot || user["type"].as_str().is_none_or(|t| t == "Bot"))
    }
}

/// `comment-mode`: when the PR comment is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, strum::EnumString)]
#[strum(serialize_all = "lowercase")]
pub enum CommentMode {
    /// Create, then edit in place on every run.
    #[default]
    Always,
    /// Post or edit only when the verdict or the set of failures changed.
    Changes,
    /// Only while something fails or warns; a passing run then edits it to "now passing".
    Failures,
    Off,
}

impl CommentMode {
    pub fn parse(text: &str) -> Result<CommentMode, String> {
        match text.trim() {
            "" => Ok(CommentMode::Always),
            other => other.parse().map_err(|_| {
                format!(
                    "input `comment-mode` must be `always`, `changes`, `failures` or `off`, got `{}`",
                    other.escape_debug()
                )
            }),
        }
    }
}

/// What a comment says about itself, in a hidden line, so the next run can tell what changed
/// and who wrote it last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentState {
    /// `passed`, `warned` or `failed`.
    pub verdict: String,
    /// A digest of the failing and warning blocker codes.
    pub findings: String,
    /// `<run id>-<attempt>` of the run that wrote it.
    pub run: String,
    /// The job that wrote it.
    pub job: String,
}

const STATE_PREFIX: &str = "<!-- dpone-observability-state ";

impl CommentState {
    pub fn new(
        assessment: &Assessment,
        report: &ExportReport,
        fail_on: FailOn,
        run: &str,
        job: &str,
    ) -> Self {
        let mut codes: Vec<String> = report
            .blockers
            .iter()
            .map(|b| format!("{}:{}", fail_on.fails_on(b.severity()), b.id()))
            .collect();
        codes.sort();
        codes.dedup();
        let digest = Sha256::digest(codes.join("\n").as_bytes());
        let findings: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
        CommentState {
            verdict: match assessment.verdict {
                Verdict::Passed => "passed",
                Verdict::PassedWithWarnings => "warned",
                Verdict::Failed => "failed",
            }
            .to_string(),
            findings,
            run: token(run),
            job: token(job),
        }
    }

    /// The hidden line.
    pub fn marker(&self) -> String {
        format!(
            "{STATE_PREFIX}verdict={} findings={} run={} job={} -->",
            self.verdict, self.findings, self.run, self.job
        )
    }

    /// The state a comment body carries, if any.
    pub fn parse(body: &str) -> Option<CommentState> {
        let start = body.find(STATE_PREFIX)? + STATE_PREFIX.len();
        let rest = &body[start..];
        let line = &rest[..rest.find("-->")?];
        let field = |name: &str| {
            line.split_whitespace()
                .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
                .map(str::to_string)
        };
        Some(CommentState {
            verdict: field("verdict")?,
            findings: field("findings").unwrap_or_default(),
            run: field("run").unwrap_or_default(),
            job: field("job").unwrap_or_default(),
        })
    }
}

/// A value in the hidden line: no spaces, no `--`, no `>`.
fn token(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    if cleaned.is_empty() {
        "_".to_string()
    } else {
        cleaned
    }
}

/// What to do with the PR comment, given the one already there (if any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommentAction {
    /// Leave it as it is (or do not create one).
    Keep,
    /// Create or edit it to this body.
    Write(String),
}

/// The comment for this run under `mode`, against `existing` (the body found by the marker).
pub fn decide_comment(
    message: &Message,
    mode: CommentMode,
    existing: Option<&str>,
) -> CommentAction {
    let before = existing.and_then(CommentState::parse);
    let now = &message.comment_state;
    let write = |body: &str| match existing {
        Some(old) if old == body => CommentAction::Keep,
        _ => CommentAction::Write(body.to_string()),
    };
    match mode {
        CommentMode::Off => CommentAction::Keep,
        CommentMode::Always => write(&message.comment),
        CommentMode::Changes => match &before {
            Some(b) if b.verdict == now.verdict && b.findings == now.findings => {
                CommentAction::Keep
            }
            _ => write(&message.comment),
        },
        CommentMode::Failures => {
            if now.verdict != "passed" {
                write(&message.comment)
            } else {
                match &before {
                    Some(b) if b.verdict != "passed" => write(&message.comment_passing),
                    _ => CommentAction::Keep,
                }
            }
        }
    }
}

/// A warning when the comment found was written by another job (or matrix leg) of this run:
/// they share the comment key and overwrite each other.
pub fn shared_comment_warning(
    message: &Message,
    existing: Option<&str>,
    key: &str,
) -> Option<String> {
    let before = CommentState::parse(existing?)?;
    let now = &message.comment_state;
    (before.run == now.run).then(|| {
        format!(
            "the PR comment for `{key}` was last written by job `{}` of this same run; jobs or matrix legs sharing a `check-name` overwrite each other's comment and check run, so give each its own `check-name`",
            before.job
        )
    })
}

pub fn message(
    report: &ExportReport,
    points: &Points,
    written: &[&WrittenArtifact],
    ctx: &SummaryContext<'_>,
    runner: &RunnerContext,
    marker: &str,
    job: &str,
) -> Message {
    let assessment = Assessment::of(&report.blockers, &report.gates, ctx.fail_on);
    let conclusion = match assessment.verdict {
        Verdict::Failed => Conclusion::Failure,
        Verdict::PassedWithWarnings => Conclusion::Neutral,
        Verdict::Passed => Conclusion::Success,
    };
    let counts = format!("{} metrics", report.metric_count);
    let title = format!(
        "{} {} ({counts})",
        assessment.verdict.emoji(),
        assessment.text()
    );
    let summary = summary::render_within(report, points, written, ctx, 50_000, 65_000);
    let run = format!(
        "{}-{}",
        runner.run_id.as_deref().unwrap_or("0"),
        runner.run_attempt.as_deref().unwrap_or("1")
    );
    let comment_state = CommentState::new(&assessment, report, ctx.fail_on, &run, job);
    let hidden = format!("{marker}\n{}", comment_state.marker());
    let comment = summary::render_comment(report, ctx, &hidden);
    let mut passing_state = comment_state.clone();
    passing_state.verdict = "passed".to_string();
    let comment_passing =
        summary::render_now_passing(ctx, &format!("{marker}\n{}", passing_state.marker()));
    let status_description = format!("{} ({counts})", assessment.text());
    // One annotation per root cause; what it caused is counted in its message.
    let annotations = roots(&report.blockers)
        .into_iter()
        .filter_map(|root| {
            let b = root.blocker;
            let path = runner.workspace_file(std::path::Path::new(b.subject.as_deref()?))?;
            Some(FileAnnotation::of_root(
                &root,
                report,
                ctx.fail_on,
                path,
                b.line,
            ))
        })
        .collect();
    Message {
        conclusion,
        title,
        summary,
        comment,
        comment_passing,
        comment_state,
        status_description,
        annotations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_author_s_comments_are_its_own() {
        let comment = |id: u64, login: &str, kind: &str| serde_json::json!({"id": 1, "body": "x", "user": {"id": id, "login": login, "type": kind}});
        let bot = Author {
            id: Some(41898282),
            login: ACTIONS_BOT.into(),
        };
        assert!(bot.wrote(&comment(41898282, ACTIONS_BOT, "Bot")));
        // The id decides when both are known: a renamed or look-alike account is not it.
        assert!(!bot.wrote(&comment(666, ACTIONS_BOT, "Bot")));
        let by_login = Author {
            id: None,
            login: ACTIONS_BOT.into(),
        };
        assert!(by_login.wrote(&comment(1, "GitHub-Actions[bot]", "Bot")));
        assert!(!by_login.wrote(&comment(1, "github-actions", "User")));
        assert!(!by_login.wrote(&comment(1, ACTIONS_BOT, "User")));
        assert!(!by_login.wrote(&serde_json::json!({"id": 1, "body": "x"})));
    }

    #[test]
    fn markers_cannot_end_their_comment() {
        assert_eq!(comment_marker("a--b"), "<!-- dpone-observability:a- -b -->");
    }

    fn state(verdict: &str, findings: &str, run: &str) -> CommentState {
        CommentState {
            verdict: verdict.into(),
            findings: findings.into(),
            run: run.into(),
            job: "j".into(),
        }
    }

    fn message_in(state: CommentState) -> Message {
        Message {
            conclusion: Conclusion::Success,
            title: String::new(),
            summary: String::new(),
            comment: format!("<!-- m -->\n{}\nbody", state.marker()),
            comment_passing: format!("<!-- m -->\n{}\nnow passing", state.marker()),
            comment_state: state,
            status_description: String::new(),
            annotations: Vec::new(),
        }
    }

    #[test]
    fn comment_modes() {
        use CommentAction::{Keep, Write};
        let failed = message_in(state("failed", "aa", "1_1"));
        let old_failed = message_in(state("failed", "aa", "0_1")).comment;
        let old_other = message_in(state("failed", "bb", "0_1")).comment;
        let old_passed = message_in(state("passed", "", "0_1")).comment;
        // always: write unless identical
        assert_eq!(
            decide_comment(&failed, CommentMode::Always, None),
            Write(failed.comment.clone())
        );
        assert_eq!(
            decide_comment(&failed, CommentMode::Always, Some(&failed.comment)),
            Keep
        );
        // changes: only when the verdict or the findings changed
        assert_eq!(
            decide_comment(&failed, CommentMode::Changes, Some(&old_failed)),
            Keep
        );
        assert!(matches!(
            decide_comment(&failed, CommentMode::Changes, Some(&old_other)),
            Write(_)
        ));
        assert!(matches!(
            decide_comment(&failed, CommentMode::Changes, Some(&old_passed)),
            Write(_)
        ));
        assert!(matches!(
            decide_comment(&failed, CommentMode::Changes, None),
            Write(_)
        ));
        // failures: a passing run writes only over a failure, and then says "now passing"
        let passed = message_in(state("passed", "", "1_1"));
        assert_eq!(decide_comment(&passed, CommentMode::Failures, None), Keep);
        assert_eq!(
            decide_comment(&passed, CommentMode::Failures, Some(&old_passed)),
            Keep
        );
        assert_eq!(
            decide_comment(&passed, CommentMode::Failures, Some(&old_failed)),
            Write(passed.comment_passing.clone())
        );
        assert!(matches!(
            decide_comment(&failed, CommentMode::Failures, None),
            Write(_)
        ));
        assert_eq!(
            decide_comment(&failed, CommentMode::Off, Some(&old_failed)),
            Keep
        );
        // A comment from another job of this run is warned about; one from an earlier run is not.
        let same_run = message_in(state("failed", "aa", "1_1")).comment;
        assert!(shared_comment_warning(&failed, Some(&same_run), "k").is_some());
        assert!(shared_comment_warning(&failed, Some(&old_failed), "k").is_none());
        // A body without a state (an older comment) is simply rewritten.
        assert!(matches!(
            decide_comment(&failed, CommentMode::Changes, Some("<!-- m -->")),
            Write(_)
        ));
        assert_eq!(
            CommentState::parse(&failed.comment),
            Some(failed.comment_state.clone())
        );
        assert!(CommentMode::parse("sometimes").is_err());
    }
}
