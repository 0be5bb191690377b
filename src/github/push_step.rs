//! The action's push step: after the artifacts, the step summary and the outputs are complete,
//! the run folder is pushed to the targets the inputs name. Faults become `push.failed`
//! blockers (annotations, a "Pushed" table in the step summary, the `pushed` output); the
//! export is never changed.

use serde::Serialize;

use super::commands::{annotation, escape_data, Level};
use super::runner::Env;
use crate::observability::blockers::Blocker;
use crate::observability::markdown::{code, escape};
use crate::observability::policy::Policy;
use crate::push::{self, CredentialVars, PushPlan, PushResult, PushSpec, TargetKind};

/// Input names of the credentials' variables, per target.
const CREDENTIAL_INPUTS: [&str; 3] = ["pushgateway", "remote-write", "otlp"];

fn vars(env: &Env, target: &str) -> CredentialVars {
    CredentialVars {
        token: env.input(&format!("{target}-token-env")),
        basic_auth: env.input(&format!("{target}-basic-auth-env")),
        headers: env.input(&format!("{target}-headers-env")),
    }
}

/// The push plan from the inputs; `None` when no target is named.
pub fn plan(env: &Env) -> Result<Option<PushPlan>, String> {
    let otlp = env.input("otlp-endpoint");
    let spec = PushSpec {
        pushgateway_url: env.input("pushgateway-url"),
        pushgateway_job: env.input("pushgateway-job"),
        grouping: env.input("pushgateway-grouping-labels").map(|text| {
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect()
        }),
        pushgateway_credentials: vars(env, "pushgateway"),
        remote_write_url: env.input("remote-write-url"),
        remote_write_credentials: vars(env, "remote-write"),
        otlp_from_env: otlp.as_deref() == Some("env"),
        otlp_endpoint: otlp.filter(|o| o != "env"),
        otlp_protocol: env.input("otlp-protocol"),
        otlp_compression: env.input("otlp-compression"),
        otlp_credentials: vars(env, "otlp"),
        timeout: None,
        retries: None,
        names: push::Names::Inputs,
    };
    if spec.pushgateway_url.is_none()
        && spec.remote_write_url.is_none()
        && spec.otlp_endpoint.is_none()
        && !spec.otlp_from_env
    {
        return Ok(None);
    }
    let lookup = |name: &str| env.var(name);
    let plan = push::plan(&spec, &lookup)?;
    Ok(Some(plan))
}

/// Every value the credential inputs point at, whole: masked even when the plan could not be
/// built, so nothing later can print them.
pub fn raw_secrets(env: &Env) -> Vec<String> {
    let mut out = Vec::new();
    for target in CREDENTIAL_INPUTS {
        for kind in ["token", "basic-auth", "headers"] {
            if let Some(value) = env
                .input(&format!("{target}-{kind}-env"))
                .and_then(|name| env.var(&name))
                .filter(|v| !v.is_empty())
            {
                out.push(value);
            }
        }
    }
    for name in [
        "OTEL_EXPORTER_OTLP_HEADERS",
        "OTEL_EXPORTER_OTLP_METRICS_HEADERS",
    ] {
        if let Some(value) = env.var(name).filter(|v| !v.is_empty()) {
            out.push(value);
        }
    }
    out
}

/// `::add-mask::` lines for the secrets (each line of a multi-line secret masked on its own).
pub fn mask(secrets: &[String], stdout: &mut impl crate::inert::Commands) {
    for secret in secrets {
        for line in secret.lines().filter(|l| !l.trim().is_empty()) {
            stdout.command(&format!("::add-mask::{}", escape_data(line)));
        }
    }
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
    let mut summary = String::from("\n### Pushed\n\n| target | series | result |\n|---|---|---|\n");
    for r in &results {
        summary.push_str(&format!(
            "| {} {} | {} of {} ({} request{}) | {} |\n",
            r.kind,
            code(&r.target),
            r.series,
            r.total,
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
            annotation(
                Level::from(b.severity()),
                &b.id().to_string(),
                None,
                &format!("{} Runbook: {}", b.message, runbook(b)),
            )
        })
        .collect()
}
