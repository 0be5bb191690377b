//! `site`: reads the history, writes the trend pages as a static site
//! (`observability::site`), prints the pages written.

use std::io::Write;

use super::SiteArgs;
use crate::exit::{Error, Outcome, Verdict};
use crate::observability::change_points::ChangePointOptions;
use crate::observability::history::{self, MAX_HISTORY_LIMIT};
use crate::observability::history_page::{github_repository, mark_change_points, PageOptions};
use crate::observability::report_file::read_history;
use crate::observability::site::{write_site, SiteError};
use crate::observability::text::plural;

pub fn run(args: &SiteArgs, stdout: &mut impl Write) -> Outcome {
    let repository_url = match &args.repository {
        None => None,
        Some(repo) => Some(
            github_repository(&format!("https://github.com/{repo}")).ok_or_else(|| {
                Error::Usage(format!(
                    "--repository `{repo}` is not OWNER/REPO (letters, digits, `-`, `_`, `.`)"
                ))
            })?,
        ),
    };
    let read = read_history(&args.history);
    if let Some(first) = read.blockers.first() {
        return Err(Error::Usage(format!(
            "the history could not be read cleanly ({}): {}",
            first.code, first.message
        )));
    }
    let file = history::from_samples(&read.samples, &|_| true, MAX_HISTORY_LIMIT);
    let mut options = PageOptions {
        title: args.title.clone(),
        repository_url,
        ..PageOptions::default()
    };
    if !args.no_change_points {
        let search = ChangePointOptions::default();
        options.unsearched = mark_change_points(&file, &search, &mut options.notes);
    }
    let pages = write_site(&file, &options, &args.out).map_err(|err| match err {
        SiteError::NotOurs { .. } => Error::Usage(err.to_string()),
        SiteError::Io { .. } => Error::Failed(err.to_string()),
    })?;
    let mut text = format!(
        "wrote {} to `{}` ({} series, {}):\n",
        plural(pages.len(), "page"),
        args.out.display(),
        file.series.len(),
        plural(file.entries.len(), "run")
    );
    for page in &pages {
        text.push_str(&format!("  {}\n", page.display()));
    }
    stdout
        .write_all(text.as_bytes())
        .map_err(|err| Error::Failed(format!("cannot write the output: {err}")))?;
    Ok(Verdict::Passed)
}
