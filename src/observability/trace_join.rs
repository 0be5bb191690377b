//! Where the export's trace joins another: GitHub's workflow trace as the OpenTelemetry
//! collector's `githubreceiver` derives it from the run id and attempt, or a W3C `TRACEPARENT`.
//!
//! The ids follow `receiver/githubreceiver/trace_event_handling.go` of
//! open-telemetry/opentelemetry-collector-contrib (commit
//! 0829e775effb8186296ec99ed6cad48d81b4bb7b, v0.151.0 and later): the trace id is the first 16
//! bytes of sha256 of `"<run_id><run_attempt>t"`; a job's span id is bytes 8..16 of sha256 of
//! `"<check_run_id>-j"` (the `UseCheckRunID` feature gate, on by default since v0.151.0) or,
//! before it, of `"<run_id><run_attempt><job name>"`. Pure: the adapters read the environment
//! and pass the values in.

use sha2::{Digest, Sha256};

/// Which ids the export's trace uses (`--trace-ids`, action input `trace-ids`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TraceIds {
    /// Join the workflow's trace: `TRACEPARENT` when set, else GitHub's run and job (when the
    /// run id and attempt are known), else the export's own ids.
    #[default]
    Github,
    /// The export's own ids (the only ones before this setting): derived from the run URL,
    /// the run id or the output folder; the root span has no parent.
    Export,
}

impl std::str::FromStr for TraceIds {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text.trim() {
            "github" => Ok(TraceIds::Github),
            "export" => Ok(TraceIds::Export),
            other => Err(format!("must be `github` or `export`, got `{other}`")),
        }
    }
}

/// The CI job that ran the export, as the runner tells it (GitHub: `GITHUB_RUN_ID`,
/// `GITHUB_RUN_ATTEMPT`, `GITHUB_JOB`, and the job's check run id when the workflow passes it).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CiJob {
    pub run_id: u64,
    pub run_attempt: u64,
    /// The job's name as the receiver hashes it before `UseCheckRunID` (the webhook's
    /// `workflow_job.name`; `GITHUB_JOB` is the job's key, the same unless the job has a
    /// `name:` or a matrix).
    pub job_name: Option<String>,
    /// `workflow_job.id`, the job's check run (`${{ job.check_run_id }}`).
    pub check_run_id: Option<u64>,
}

/// A parent for the export's root span: a trace id and the span the root is a child of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceParent {
    pub trace_id: [u8; 16],
    pub span_id: [u8; 8],
}

fn digest(input: &str) -> [u8; 32] {
    Sha256::digest(input.as_bytes()).into()
}

/// The receiver's trace id of a run attempt: sha256(`"<run_id><run_attempt>t"`)[0..16].
pub fn github_trace_id(run_id: u64, run_attempt: u64) -> [u8; 16] {
    let d = digest(&format!("{run_id}{run_attempt}t"));
    let mut id = [0u8; 16];
    id.copy_from_slice(&d[..16]);
    id
}

/// Bytes 8..16 of a sha256: the receiver's span ids.
fn span_of(input: &str) -> [u8; 8] {
    let d = digest(input);
    let mut id = [0u8; 8];
    id.copy_from_slice(&d[8..16]);
    id
}

/// The receiver's span id of the workflow run (the job spans' parent): `"<run_id><attempt>s"`.
pub fn github_run_span_id(run_id: u64, run_attempt: u64) -> [u8; 8] {
    span_of(&format!("{run_id}{run_attempt}s"))
}

/// The receiver's span id of a job: by its check run id (`"<id>-j"`, v0.151.0 and later), else
/// by run, attempt and job name (before); None when neither is known.
pub fn github_job_span_id(job: &CiJob) -> Option<[u8; 8]> {
    if let Some(check_run) = job.check_run_id {
        return Some(span_of(&format!("{check_run}-j")));
    }
    let name = job.job_name.as_deref().filter(|n| !n.is_empty())?;
    Some(span_of(&format!("{}{}{name}", job.run_id, job.run_attempt)))
}

/// The parent GitHub's trace gives a job: the job's span, else the run's.
pub fn github_parent(job: &CiJob) -> TraceParent {
    TraceParent {
        trace_id: github_trace_id(job.run_id, job.run_attempt),
        span_id: github_job_span_id(job)
            .unwrap_or_else(|| github_run_span_id(job.run_id, job.run_attempt)),
    }
}

fn lower_hex<const N: usize>(text: &str) -> Option<[u8; N]> {
    if text.len() != 2 * N || !text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let mut out = [0u8; N];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

/// Parses a W3C Trace Context `traceparent` strictly: `version-traceid-parentid-flags`, lower
/// hex, version not `ff`, ids not all zero; version `00` has exactly four fields, a later
/// version may have more after a `-`. The error says what is wrong.
pub fn parse_traceparent(text: &str) -> Result<TraceParent, String> {
    let fields: Vec<&str> = text.split('-').collect();
    if fields.len() < 4 {
        return Err("expected `version-traceid-parentid-flags`".to_string());
    }
    let version =
        lower_hex::<1>(fields[0]).ok_or("the version is not two lower-case hex digits")?;
    if version[0] == 0xff {
        return Err("version `ff` is invalid".to_string());
    }
    if version[0] == 0 && fields.len() != 4 {
        return Err("version `00` has exactly four fields".to_string());
    }
    let trace_id =
        lower_hex::<16>(fields[1]).ok_or("the trace id is not 32 lower-case hex digits")?;
    let span_id =
        lower_hex::<8>(fields[2]).ok_or("the parent id is not 16 lower-case hex digits")?;
    lower_hex::<1>(fields[3]).ok_or("the flags are not two lower-case hex digits")?;
    if trace_id == [0u8; 16] {
        return Err("the trace id is all zeros".to_string());
    }
    if span_id == [0u8; 8] {
        return Err("the parent id is all zeros".to_string());
    }
    Ok(TraceParent { trace_id, span_id })
}

/// The parent the export's root span gets: `TRACEPARENT` when it parses, else GitHub's job when
/// the run is known; none with [`TraceIds::Export`]. A `TRACEPARENT` that does not parse is
/// ignored with a warning (the second value).
pub fn resolve_parent(
    ids: TraceIds,
    traceparent: Option<&str>,
    job: Option<&CiJob>,
) -> (Option<TraceParent>, Option<String>) {
    if ids == TraceIds::Export {
        return (None, None);
    }
    let mut warning = None;
    if let Some(text) = traceparent.map(str::trim).filter(|t| !t.is_empty()) {
        match parse_traceparent(text) {
            Ok(parent) => return (Some(parent), None),
            Err(why) => {
                let shown: String = text.chars().take(80).collect();
                warning = Some(format!(
                    "TRACEPARENT `{shown}` is not a W3C traceparent ({why}): ignored"
                ));
            }
        }
    }
    (job.map(github_parent), warning)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observability::artifacts::hex;

    #[test]
    fn traceparent_is_parsed_strictly() {
        let ok = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let p = parse_traceparent(ok).unwrap();
        assert_eq!(hex(&p.trace_id), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(hex(&p.span_id), "00f067aa0ba902b7");
        assert!(
            parse_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x").is_ok()
        );
        for bad in [
            "",
            "garbage",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",
            "0é-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        ] {
            assert!(parse_traceparent(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_bad_traceparent_is_ignored_with_a_warning_and_github_is_used() {
        let job = CiJob {
            run_id: 7,
            run_attempt: 2,
            job_name: None,
            check_run_id: Some(9),
        };
        let (parent, warning) = resolve_parent(TraceIds::Github, Some("nope"), Some(&job));
        assert_eq!(parent, Some(github_parent(&job)));
        assert!(warning.unwrap().contains("not a W3C traceparent"));
        assert_eq!(
            resolve_parent(TraceIds::Export, Some("nope"), Some(&job)),
            (None, None)
        );
        assert_eq!(resolve_parent(TraceIds::Github, None, None), (None, None));
    }

    #[test]
    fn github_ids_follow_the_receiver() {
        let d = Sha256::digest(b"123452t");
        assert_eq!(github_trace_id(12345, 2)[..], d[..16]);
        let job = |check: Option<u64>, name: Option<&str>| CiJob {
            run_id: 12345,
            run_attempt: 2,
            job_name: name.map(str::to_string),
            check_run_id: check,
        };
        let d = Sha256::digest(b"777-j");
        assert_eq!(
            github_job_span_id(&job(Some(777), Some("b"))).unwrap()[..],
            d[8..16]
        );
        let d = Sha256::digest(b"123452build");
        assert_eq!(
            github_job_span_id(&job(None, Some("build"))).unwrap()[..],
            d[8..16]
        );
        let d = Sha256::digest(b"123452s");
        assert_eq!(github_parent(&job(None, None)).span_id[..], d[8..16]);
    }
}
