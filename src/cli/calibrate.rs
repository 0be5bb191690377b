//! `calibrate`: reads the policy and the history, replays the rules
//! (`observability::calibrate`), prints the table or JSON.

use std::io::Write;
use std::path::Path;

use super::{CalibrateArgs, CalibrateFormat};
use crate::exit::{Error, Outcome, Verdict};
use crate::observability::calibrate::{calibrate, table};
use crate::observability::gates::calibration_rules;
use crate::observability::gates::config::RegressionRule;
use crate::observability::policy::parse_policy;
use crate::observability::report_file::read_history;

pub fn run(args: &CalibrateArgs, stdout: &mut impl Write) -> Outcome {
    if !(0.0..1.0).contains(&args.target) {
        return Err(Error::Usage(format!(
            "--target {} is not a rate from 0 to below 1",
            args.target
        )));
    }
    let mut rules = match &args.policy {
        Some(path) => policy_rules(path)?,
        None => Vec::new(),
    };
    let history = read_history(&args.history);
    if let Some(first) = history.blockers.first() {
        return Err(Error::Usage(format!(
            "the history could not be read cleanly ({}): {}",
            first.code, first.message
        )));
    }
    if rules.is_empty() {
        let mut names: Vec<&str> = Vec::new();
        for sample in &history.samples {
            for s in &sample.report.series {
                if !names.contains(&s.name.as_str()) {
                    names.push(&s.name);
                }
            }
        }
        rules = calibration_rules(&names);
        if rules.is_empty() {
            return Err(Error::Usage(
                "nothing to calibrate: no `regressions:` given and no series in the history"
                    .to_string(),
            ));
        }
    }
    let rows = calibrate(&rules, &history.samples, args.last, args.target);
    let out = match args.format {
        CalibrateFormat::Text => table(&rows, args.target),
        CalibrateFormat::Json => serde_json::to_string_pretty(&rows)
            .map(|json| json + "\n")
            .map_err(|err| Error::Failed(format!("cannot write the JSON: {err}")))?,
    };
    stdout
        .write_all(out.as_bytes())
        .map_err(|err| Error::Failed(format!("cannot write the output: {err}")))?;
    Ok(Verdict::Passed)
}

/// The policy's regression rules (none when it has no `regressions:`).
fn policy_rules(path: &Path) -> Result<Vec<RegressionRule>, Error> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|err| Error::Usage(format!("cannot read the policy `{shown}`: {err}")))?;
    let policy = parse_policy(&text, &shown).map_err(Error::Usage)?;
    Ok(policy.gates.regressions)
}
