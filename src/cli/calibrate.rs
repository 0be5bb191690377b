//! `calibrate`: reads the policy and the history, replays the rules
//! (`observability::calibrate`), prints the table or JSON.

use std::io::Write;

use super::{CalibrateArgs, CalibrateFormat};
use crate::exit::{Error, Outcome, Verdict};
use crate::observability::calibrate::{calibrate, table};
use crate::observability::policy::parse_policy;
use crate::observability::report_file::read_history;

pub fn run(args: &CalibrateArgs, stdout: &mut impl Write) -> Outcome {
    if !(0.0..1.0).contains(&args.target) {
        return Err(Error::Usage(format!(
            "--target {} is not a rate from 0 to below 1",
            args.target
        )));
    }
    let shown = args.policy.display().to_string();
    let text = std::fs::read_to_string(&args.policy)
        .map_err(|err| Error::Usage(format!("cannot read the policy `{shown}`: {err}")))?;
    let policy = parse_policy(&text, &shown).map_err(Error::Usage)?;
    let rules = policy.gates.regressions;
    if rules.is_empty() {
        return Err(Error::Usage(format!(
            "the policy `{shown}` has no `regressions:` to calibrate"
        )));
    }
    let history = read_history(&args.history);
    if let Some(first) = history.blockers.first() {
        return Err(Error::Usage(format!(
            "the history could not be read cleanly ({}): {}",
            first.code, first.message
        )));
    }
    if history.samples.len() < 2 {
        return Err(Error::Usage(format!(
            "the history holds {} run(s); calibrating needs at least 2",
            history.samples.len()
        )));
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
