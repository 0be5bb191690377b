//! The action's push step: after the artifacts, the step summary and the outputs are complete,
//! the run folder is pushed to the targets the inputs name. Faults become `push.failed`
//! blockers (annotations, a "Pushed" table in the step summary, the `pushed` output); the
//! export is never changed.

use serde::Serialize;

use super::commands::{annotation_linking, Level};
use super::inputs::{CredentialInputs, Inputs};
use super::runner::Env;
use crate::observability::blockers::Blocker;
use crate::observability::markdown::{code, escape};
use crate::observability::policy::Policy;
use crate::push::{self, CredentialVars, PushPlan, PushResult, PushSpec, TargetKind};

fn vars(inputs: &CredentialInputs) -> CredentialVars {
    CredentialVars {
        token: inputs.token.clone(),
        basic_auth: inputs.basic_auth.clone(),
        headers: inputs.headers.clone(),
    }
}

/// The push plan from the inputs; `None` when no target is named.
pub fn plan(inputs: &Inputs, env: &Env) -> Result<Option<PushPlan>, String> {
    let otlp = inputs.otlp_endpoint.clone();
    let [pushgateway, remote_write, otlp_credentials] = inputs.credentials();
    let spec = PushSpec {
        pushgateway_url: inputs.pushgateway_url.clone(),
        pushgateway_job: inputs.pushgateway_job.clone(),
        grouping: inputs.pushgateway_grouping_labels.clone(),
        pushgateway_credentials: vars(&pushgateway),
        remote_write_url: inputs.remote_write_url.clone(),
        remote_write_credentials: vars(&remote_write),
        otlp_from_env: otlp.as_deref() == Some("env"),
        otlp_endpoint: otlp.filter(|o| o != "env"),
        otlp_protocol: inputs.otlp_protocol.clone(),
        otlp_compression: inputs.otlp_compression.clone(),
        otlp_credentials: vars(&otlp_credentials),
        timeout: None,
        retries: None,
        openlineage_url: inputs.openlineage_url.clone(),
        names: push::Names::Inputs,
    };
    if spec.pushgateway_url.is_none()
        && spec.remote_write_url.is_none()
        && spec.otlp_endpoint.is_none()
        && !spec.otlp_from_env
        && spec.openlineage_url.is_none()
    {
        return Ok(None);
    }
    let lookup = |name: &str| env.var(name);
    let plan = push::plan(&spec, &lookup)?;
    Ok(Some(plan))
}

/// The OTLP headers of the `OTEL_EXPORTER_OTLP_*` variables and `OPENLINEAGE_API_KEY`, whole:
/// masked even when the plan
/// could not be built, so nothing later can print them (the credential inputs' values are
/// `inputs::secrets`).
pub fn env_secrets(env: &Env) -> Vec<String> {
    [
        "OTEL_EXPORTER_OTLP_HEADERS",
        "OTEL_EXPORTER_OTLP_METRICS_HEADERS",
        "OPENLINEAGE_API_KEY",
    ]
    .into_iter()
    .filter_map(|name| env.var(name).filter(|v| !v.is_empty()))
    .collect()
}

#[derive(Serialize)]
struct PushedOutput<'a> {
    kind: TargetKind,
    target: &'a str,
    series: usize,
    total: usize,
    requests: usize,
    error: Option<&'a str>,
}

/// What the push step leaves: the `pushed` output, the summary section and the blockers.
pub struct Pushed {
    pub output: String,
    pub summary: String,
    pub blockers: Vec<Blocker>,
}

/// Pushes the run folder and reports each target; each target's progress (what is sent, each
/// retry) is printed on stderr inside a `::group::` of its own.
pub fn run(
    plan: &PushPlan,
    dir: &std::path::Path,
    policy: &Policy,
    stdout: &mut impl crate::inert::Commands,
    stderr: &mut impl std::io::Write,
) -> Pushed {
    let mut progress = push::Printed {
        stdout,
        stderr,
        groups: true,
    };
    let results: Vec<PushResult> = match push::read_export(dir, plan.needs())
        .and_then(|export| push::push_export(&export, plan, &mut progress))
    {
        Ok(results) => results,
        Err(message) => {
            // The folder was written by this step; failing to read it back is still only a
            // push failure, reported for every target.
            let mut failed = Vec::new();
            for (kind, url) in [
                (
                    TargetKind::Pushgateway,
                    plan.pushgateway.as_ref().map(|t| &t.url),
                ),
                (
                    TargetKind::RemoteWrite,
                    plan.remote_write.as_ref().map(|t| &t.url),
                ),
                (TargetKind::Otlp, plan.otlp.as_ref().map(|t| &t.metrics.url)),
                (
                    TargetKind::Openlineage,
                    plan.openlineage.as_ref().map(|t| &t.url),
                ),
            ] {
                if let Some(url) = url {
                    failed.push(PushResult {
                        kind,
                        target: push::shown_url(url),
                        series: 0,
                        total: 0,
                        requests: 0,
                        error: Some(message.clone()),
                    });
                }
            }
            failed
        }
    };
    let output: Vec<PushedOutput<'_>> = results
        .iter()
        .map(|r| PushedOutput {
            kind: r.kind,
            target: &r.target,
            series: r.series,
            total: r.total,
            requests: r.requests,
            error: r.error.as_deref(),
        })
        .collect();
    let mut summary = String::from("\n### Pushed\n\n| target | sent | result |\n|---|---|---|\n");
    for r in &results {
        summary.push_str(&format!(
            "| {} {} | {} of {} {} ({} request{}) | {} |\n",
            r.kind,
            code(&r.target),
            r.series,
            r.total,
            r.kind.unit(),
            r.requests,
            if r.requests == 1 { "" } else { "s" },
            match &r.error {
                None => "✅ pushed".to_string(),
                Some(err) => format!("⚠️ failed: {}", escape(err)),
            }
        ));
    }
    Pushed {
        output: serde_json::to_string(&output).unwrap_or_else(|_| "[]".to_string()),
        summary,
        blockers: policy.apply(results.iter().filter_map(PushResult::blocker).collect()),
    }
}

/// One annotation per failed push.
pub fn annotations(blockers: &[Blocker], runbook: impl Fn(&Blocker) -> String) -> Vec<String> {
    blockers
        .iter()
        .map(|b| {
            annotation_linking(
                Level::from(b.severity()),
                &b.id().to_string(),
                None,
                None,
                &b.message,
                &format!(" Runbook: {}", runbook(b)),
            )
        })
        .collect()
}
