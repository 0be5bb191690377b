//! `pack`: the policy's objectives as Prometheus rules, their tests and a Grafana dashboard.

use std::io::Write;

use super::metrics_export::export_time;
use super::{PackArgs, PackSource};
use crate::exit::{Error, Outcome, Verdict};
use crate::observability::pack::{build, write_pack, PackRequest, Source};
use crate::observability::settings::{resolve, ExportSpec, Names, PolicyFile};

pub fn run(args: &PackArgs, stdout: &mut impl Write) -> Outcome {
    let now = export_time().map_err(Error::Usage)?;
    // The export's settings path reads the policy and the objectives.
    let mut spec = ExportSpec::new(Names::Flags, args.output_dir.clone(), now);
    spec.policy_file = args.policy.clone().map(|path| PolicyFile {
        shown: path.display().to_string(),
        path,
        optional: false,
    });
    spec.objectives = args.objectives.clone();
    let settings = resolve(spec).map_err(Error::Usage)?;
    let request = PackRequest {
        gates: settings.policy.gates,
        source: match args.source {
            PackSource::Pushgateway => Source::Pushgateway {
                job: args.pushgateway_job.clone(),
            },
            PackSource::RemoteWrite => Source::RemoteWrite,
        },
        window: args.window.clone(),
        runbook_base: settings.runbook_base,
        now,
    };
    let pack = build(&request).map_err(Error::Usage)?;
    let written = write_pack(&pack, &request, &args.output_dir)
        .map_err(|err| Error::Failed(format!("the pack could not be written: {err}")))?;
    let _ = writeln!(
        stdout,
        "pack: {} alerting rules, {} dashboard panels, {} files in `{}` (sha256 in metrics_index.json)",
        pack.alerts.len(),
        pack.panels,
        written.len() + 1,
        args.output_dir.display()
    );
    Ok(Verdict::Passed)
}
