//! `push DIR`: verify the folder, send it to each target, print what each received.

use std::io::Write;

use super::PushArgs;
use crate::exit::{write_blocker, Error, Outcome, Verdict};
use crate::inert::Commands;
use crate::observability::blockers::{any_error, Blocker};
use crate::observability::policy::Policy;
use crate::observability::settings::{read_policy_file, PolicyFile};
use crate::push::{self, CredentialVars, PushSpec};

fn spec(args: &PushArgs) -> PushSpec {
    let vars =
        |token: &Option<String>, basic: &Option<String>, headers: &Option<String>| CredentialVars {
            token: token.clone(),
            basic_auth: basic.clone(),
            headers: headers.clone(),
        };
    PushSpec {
        pushgateway_url: args.pushgateway.clone(),
        pushgateway_job: Some(args.pushgateway_job.clone()),
        grouping: (!args.grouping_labels.is_empty()).then(|| args.grouping_labels.clone()),
        pushgateway_credentials: vars(
            &args.pushgateway_token_env,
            &args.pushgateway_basic_auth_env,
            &args.pushgateway_headers_env,
        ),
        remote_write_url: args.remote_write.clone(),
        remote_write_credentials: vars(
            &args.remote_write_token_env,
            &args.remote_write_basic_auth_env,
            &args.remote_write_headers_env,
        ),
        otlp_endpoint: args.otlp_endpoint.clone(),
        otlp_from_env: args.otlp,
        otlp_protocol: args.otlp_protocol.clone(),
        otlp_compression: args.otlp_compression.clone(),
        otlp_credentials: vars(
            &args.otlp_token_env,
            &args.otlp_basic_auth_env,
            &args.otlp_headers_env,
        ),
        timeout: args.timeout,
        retries: Some(args.retries),
        openlineage_url: args.openlineage_url.clone(),
        names: push::Names::Flags,
    }
}

fn read_policy(args: &PushArgs) -> Result<Policy, String> {
    match &args.policy {
        None => Ok(Policy::default()),
        Some(path) => read_policy_file(&PolicyFile {
            shown: path.display().to_string(),
            path: path.clone(),
            optional: false,
        }),
    }
}

pub fn run(args: &PushArgs, stdout: &mut impl Commands, stderr: &mut impl Write) -> Outcome {
    let policy = read_policy(args).map_err(Error::Usage)?;
    let env = |name: &str| std::env::var(name).ok();
    let plan = push::plan(&spec(args), &env).map_err(Error::Usage)?;
    let export = push::read_export(&args.dir, plan.needs()).map_err(Error::Failed)?;
    let mut progress = push::Printed {
        stdout: &mut *stdout,
        stderr: &mut *stderr,
        // In a workflow, each target's lines fold into a group of the log.
        groups: env("GITHUB_ACTIONS").as_deref() == Some("true"),
    };
    let results = push::push_export(&export, &plan, &mut progress).map_err(Error::Failed)?;
    let mut blockers: Vec<Blocker> = Vec::new();
    for r in &results {
        let _ = writeln!(
            stdout,
            "{} {}: {} of {} {} in {} request{}{}",
            r.kind,
            r.target,
            r.series,
            r.total,
            r.kind.unit(),
            r.requests,
            if r.requests == 1 { "" } else { "s" },
            if r.error.is_some() { " (failed)" } else { "" }
        );
        blockers.extend(r.blocker());
    }
    let blockers = policy.apply(blockers);
    for b in &blockers {
        write_blocker(stderr, b, &b.code.runbook_url());
    }
    Ok(Verdict::from_failed(any_error(&blockers)))
}
