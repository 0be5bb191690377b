//! The trend page (`history.html`) in real headless Chromium, driven by Playwright
//! (tests/validators/history_page_check.py): no console error, no request, the charts and
//! points, hover values, keyboard, hostile names as text, and the page without JavaScript.
//! Screenshots are written to `$CARGO_TARGET_TMPDIR/history-page/<case>.png`
//! (`target/tmp/history-page/` by default).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

use crate::common;
use dpone_observability::observability::history::{
    Entry, HistoryFile, SeriesKey, HISTORY_SCHEMA_VERSION,
};
use dpone_observability::observability::history_page::{
    self, shown_value, Band, Mark, PageOptions, SeriesNotes,
};

fn key(name: &str, labels: &[(&str, &str)]) -> SeriesKey {
    SeriesKey {
        name: name.to_string(),
        labels: labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

fn sha(run: usize) -> String {
    format!("{run:07x}{}", "0".repeat(33))
}

/// `runs` runs of `series`, series `s` at run `r` worth `value(s, r)`.
fn history(
    series: Vec<SeriesKey>,
    runs: usize,
    value: impl Fn(usize, usize) -> f64,
) -> HistoryFile {
    let entries = (0..runs)
        .map(|run| Entry {
            previous_sha256: None,
            revision: Some(sha(run)),
            run_id: Some(format!("{}", 7000 + run)),
            run_attempt: Some("1".to_string()),
            generated_at: format!("2026-01-{:02}T00:00:00Z", 1 + run % 28),
            verdict: "passed".to_string(),
            values: (0..series.len()).map(|s| Some(value(s, run))).collect(),
            breached: Vec::new(),
        })
        .collect();
    HistoryFile {
        schema_version: HISTORY_SCHEMA_VERSION,
        series,
        entries,
    }
}

/// A value that looks measured: a level per series, a wobble per run.
fn measured(s: usize, r: usize) -> f64 {
    f64::from(u32::try_from((s * 7919 + r * 104_729) % 1000).unwrap()) / 100.0 + 20.0 + s as f64
}

/// What hovering run `run` (1-based) of chart `chart` must show.
fn hover(file: &HistoryFile, chart: usize, column: usize, run: usize) -> Value {
    let value = file.entries[run - 1].values[column].unwrap();
    json!({
        "chart": chart,
        "run": run,
        "text": format!("run #{run} ({}): {}", &sha(run - 1)[..7], shown_value(value)),
    })
}

/// Writes the case's page (with `notes` for its series) and returns its manifest entry.
fn case(
    dir: &Path,
    name: &str,
    (file, notes): (&HistoryFile, Vec<(SeriesKey, SeriesNotes)>),
    points: usize,
    hovers: Vec<Value>,
    hostile: &[&str],
) -> Value {
    let page = dir.join(format!("{name}.html"));
    let marks: usize = notes.iter().map(|(_, n)| n.marks.len()).sum();
    let options = PageOptions {
        title: format!("Trend: {name}"),
        repository_url: Some("https://github.com/dpone/observability-action".to_string()),
        notes,
        ..PageOptions::default()
    };
    let mut out = Vec::new();
    history_page::render(file, &options, &mut out).unwrap();
    std::fs::write(&page, out).unwrap();
    json!({
        "name": name,
        "page": page,
        "charts": file.series.len(),
        "points": points,
        "marks": marks,
        "hover": hovers,
        "hostile": hostile,
        "screenshot": dir.join(format!("{name}.png")),
    })
}

fn screenshot_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("history-page");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_page_works_in_chromium_with_and_without_javascript() {
    let dir = screenshot_dir();
    let one = history(vec![key("dpone_duration_seconds", &[])], 12, measured);
    let big = history(
        (0..100)
            .map(|s| key("dpone_duration_seconds", &[("job", &format!("job_{s:03}"))]))
            .collect(),
        500,
        measured,
    );
    let empty = history(Vec::new(), 0, measured);
    let name = "<script>window.pwned=1</script>dpone_rows";
    let label = "<img src=x onerror=\"window.pwned=1\"><b>bold</b>";
    let mut hostile = history(
        vec![key(name, &[("job", label)]), key(name, &[])],
        3,
        measured,
    );
    hostile.entries[2].revision = Some("<b>x</b>".to_string());
    // The one series steps up at its 7th value: marked, with a band above it.
    let one_notes = vec![(
        key("dpone_duration_seconds", &[]),
        SeriesNotes {
            band: Some(Band {
                lower: None,
                upper: Some(40.0),
            }),
            marks: vec![Mark {
                index: 6,
                mean_before: 25.0,
                mean_after: 30.0,
                p_value: 0.01,
            }],
        },
    )];
    let cases = vec![
        case(
            &dir,
            "one-series",
            (&one, one_notes),
            12,
            vec![hover(&one, 0, 0, 5), hover(&one, 0, 0, 12)],
            &[],
        ),
        case(
            &dir,
            "100x500",
            (&big, Vec::new()),
            100,
            vec![hover(&big, 0, 0, 250), hover(&big, 99, 99, 500)],
            &[],
        ),
        case(&dir, "empty", (&empty, Vec::new()), 0, Vec::new(), &[]),
        // Charts are sorted by labels: the unlabelled series comes first.
        case(
            &dir,
            "hostile",
            (&hostile, Vec::new()),
            6,
            vec![hover(&hostile, 0, 1, 2)],
            &[name, label, "<b>x</b>"],
        ),
    ];
    let manifest = dir.join("manifest.json");
    std::fs::write(&manifest, json!({ "cases": cases }).to_string()).unwrap();
    let out = Command::new("python3")
        .arg(common::repo().join("tests/validators/history_page_check.py"))
        .arg(&manifest)
        .output()
        .unwrap_or_else(|e| panic!("python3 is required: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    if out.status.code() == Some(77) {
        eprintln!(
            "skipped, the browser check cannot run here: {}",
            stdout.trim()
        );
        return;
    }
    assert!(
        out.status.success(),
        "history_page_check.py:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for name in ["one-series", "100x500", "empty", "hostile"] {
        let png = dir.join(format!("{name}.png"));
        assert!(
            png.metadata().is_ok_and(|m| m.len() > 1000),
            "{}",
            png.display()
        );
    }
}

/// Three exports, each given the one before as its baseline: the last run folder's
/// `history.html` is indexed, draws the gated series only, with the rule's band and three
/// values; `site` draws the same history from that folder.
#[test]
fn every_export_writes_the_page_and_site_draws_its_history() {
    let tmp = tempfile::tempdir().unwrap();
    let cwd = tmp.path();
    std::fs::write(
        cwd.join("p.yml"),
        "regressions:\n  job_seconds: {direction: lower, ratio: 0.5}\n",
    )
    .unwrap();
    for i in 0..3u64 {
        let mut args = vec![
            "metrics-export".to_string(),
            "--output-dir".to_string(),
            format!("run/{i}"),
            "--policy".to_string(),
            "p.yml".to_string(),
            "--metric".to_string(),
            format!("job_seconds={}", 300 + i),
            "--metric".to_string(),
            "rows=1000".to_string(),
        ];
        if i > 0 {
            args.extend(["--baseline".to_string(), format!("run/{}", i - 1)]);
        }
        let out = Command::new(common::bin())
            .args(&args)
            .current_dir(cwd)
            .env("SOURCE_DATE_EPOCH", (1_764_000_000 + i * 3600).to_string())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    }
    let folder = cwd.join("run/2");
    let index = common::read_json(&folder.join("metrics_index.json"));
    let listed = index["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["relative_path"] == "history.html")
        .expect("history.html is indexed");
    assert_eq!(listed["artifact_type"], "history_page");
    let page = std::fs::read_to_string(folder.join("history.html")).unwrap();
    assert_eq!(
        page.matches("<figure class=\"chart\"").count(),
        1,
        "rows is not gated"
    );
    assert!(page.contains("<figcaption>dpone_job_seconds</figcaption>"));
    assert_eq!(
        page.matches("<rect class=\"b\"").count(),
        1,
        "the rule's band"
    );
    assert!(page.contains("Limits: lower none, upper 451."), "301 × 1.5");
    assert!(page.contains("<tr><th>3<td>302"));
    assert_eq!(page.matches("class=\"pt now\"").count(), 1);

    let out = Command::new(common::bin())
        .args(["site", "--history", "run/2", "--out", "site"])
        .current_dir(cwd)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    let index = std::fs::read_to_string(cwd.join("site/index.html")).unwrap();
    assert!(index.contains("<a href=\"metric-dpone_job_seconds.html\">dpone_job_seconds</a>"));
    assert!(index.contains("<tr><th>3<td>302"));
    assert!(cwd.join("site/metric-dpone_job_seconds.html").is_file());
}

/// Twenty chained exports whose `job_seconds` steps from about 100 to about 130 at run 13:
/// with `change_points:` in the policy, the last folder's `history.html` marks the step
/// (found by `change_points::detect` on the carried history); without it, nothing is searched.
/// `site` searches by default and `--no-change-points` turns it off.
#[test]
fn the_page_marks_the_change_points_the_policy_asks_for() {
    let tmp = tempfile::tempdir().unwrap();
    let cwd = tmp.path();
    let export = |policy: &str, out: &str, i: u64, previous: Option<String>| {
        let value = if i < 12 { 100 + i % 3 } else { 130 + i % 2 };
        let mut args = vec![
            "metrics-export".to_string(),
            "--output-dir".to_string(),
            out.to_string(),
            "--policy".to_string(),
            policy.to_string(),
            "--metric".to_string(),
            format!("job_seconds={value}"),
        ];
        if let Some(previous) = previous {
            args.extend(["--baseline".to_string(), previous]);
        }
        let out = Command::new(common::bin())
            .args(&args)
            .current_dir(cwd)
            .env("SOURCE_DATE_EPOCH", (1_764_000_000 + i * 3600).to_string())
            .output()
            .unwrap();
        // The ratio rule fails the run of the step; the others pass.
        assert!(out.status.code().unwrap() <= 1, "{}", common::stderr(&out));
    };
    let rule = "regressions:\n  job_seconds: {direction: lower, ratio: 0.5}\n";
    std::fs::write(cwd.join("with.yml"), format!("{rule}change_points: {{}}\n")).unwrap();
    std::fs::write(cwd.join("without.yml"), rule).unwrap();
    for (policy, root) in [("with.yml", "a"), ("without.yml", "b")] {
        for i in 0..20u64 {
            let previous = (i > 0).then(|| format!("{root}/{}", i - 1));
            export(policy, &format!("{root}/{i}"), i, previous);
        }
    }
    let page = std::fs::read_to_string(cwd.join("a/19/history.html")).unwrap();
    // One mark, at the 13th run (named in the chart's description and on its point).
    let mark = "step change at run #13: +29.21% (p = 0.001)";
    assert!(page.contains(mark), "{page}");
    assert_eq!(
        page.matches("step change at").count(),
        page.matches(mark).count()
    );
    let page = std::fs::read_to_string(cwd.join("b/19/history.html")).unwrap();
    assert!(!page.contains("step change at"));

    let site = |extra: &[&str], out: &str| {
        let o = Command::new(common::bin())
            .args(["site", "--history", "b/19", "--out", out])
            .args(extra)
            .current_dir(cwd)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", common::stderr(&o));
        std::fs::read_to_string(cwd.join(out).join("index.html")).unwrap()
    };
    assert!(site(&[], "s1").contains("step change at run #13: +"));
    assert!(!site(&["--no-change-points"], "s2").contains("step change at"));
}
