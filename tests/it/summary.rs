//! The step summary as GitHub renders it (GFM: tables, code spans, inline HTML), parsed with
//! pulldown-cmark: the verdict first and short, code spans that render as code (no literal
//! backtick reaches the page), tables whose rows keep their cells, nothing from a report
//! turned into a link or HTML, and the rest folded into `<details>`.

use crate::action::Runner;
use crate::common::*;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// What a reader sees of a Markdown document.
struct Rendered {
    /// Plain text outside code spans.
    text: String,
    code: Vec<String>,
    html: Vec<String>,
    links: Vec<String>,
    /// Each table row's cell count, with the header's first.
    tables: Vec<Vec<usize>>,
}

fn render(markdown: &str) -> Rendered {
    let mut out = Rendered {
        text: String::new(),
        code: Vec::new(),
        html: Vec::new(),
        links: Vec::new(),
        tables: Vec::new(),
    };
    let mut cells = 0;
    for event in Parser::new_ext(
        markdown,
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
    ) {
        match event {
            Event::Text(t) => {
                out.text.push_str(&t);
                out.text.push(' ');
            }
            Event::Code(c) => out.code.push(c.to_string()),
            Event::Html(h) | Event::InlineHtml(h) => out.html.push(h.trim().to_string()),
            Event::Start(Tag::Link { dest_url, .. }) => out.links.push(dest_url.to_string()),
            Event::Start(Tag::Table(_)) => out.tables.push(Vec::new()),
            Event::Start(Tag::TableHead | Tag::TableRow) => cells = 0,
            Event::Start(Tag::TableCell) => cells += 1,
            Event::End(TagEnd::TableHead | TagEnd::TableRow) => {
                if let Some(t) = out.tables.last_mut() {
                    t.push(cells);
                }
            }
            _ => {}
        }
    }
    out
}

/// Lines outside `<details>` blocks: what is in view without a click.
fn visible_lines(markdown: &str) -> usize {
    let mut depth = 0usize;
    let mut n = 0;
    for line in markdown.lines() {
        if line.contains("<details>") {
            depth += 1;
        }
        if depth == 0 {
            n += 1;
        }
        if line.contains("</details>") {
            depth = depth.saturating_sub(1);
        }
    }
    n
}

/// The HTML the summary itself writes; anything else came from a report.
fn own_html(h: &str) -> bool {
    h.starts_with("<!-- dpone-observability")
        || [
            "<details>",
            "</details>",
            "<summary>",
            "</summary>",
            "<code>",
            "</code>",
        ]
        .iter()
        .any(|tag| h.starts_with(tag))
}

fn check_rendered(name: &str, markdown: &str, literal_backticks_allowed: bool) -> Rendered {
    let r = render(markdown);
    if !literal_backticks_allowed {
        assert!(
            !r.text.contains('`'),
            "{name}: a literal backtick reaches the page:\n{}\n---\n{markdown}",
            r.text
        );
    }
    for h in &r.html {
        assert!(own_html(h), "{name}: HTML from a report: {h}\n{markdown}");
    }
    for link in &r.links {
        assert!(
            link.starts_with("https://github.example.com/")
                || link.starts_with("https://github.com/dpone/observability-action/"),
            "{name}: a link the summary did not make: {link}"
        );
    }
    for table in &r.tables {
        assert!(
            table.iter().all(|n| *n == table[0]),
            "{name}: a row with a different cell count: {table:?}\n{markdown}"
        );
    }
    r
}

fn summary_of(r: &Runner, run_name: &str) -> String {
    std::fs::read_to_string(
        r.workspace
            .join("test_artifacts/observability")
            .join(run_name)
            .join("step_summary.md"),
    )
    .unwrap()
}

fn policy(r: &Runner) {
    std::fs::create_dir_all(r.workspace.join(".github")).unwrap();
    std::fs::copy(
        repo().join("examples/dpone-observability.yml"),
        r.workspace.join(".github/dpone-observability.yml"),
    )
    .unwrap();
    std::fs::create_dir_all(r.workspace.join("baseline")).unwrap();
    std::fs::copy(
        repo().join("examples/baseline/runtime_metrics.json"),
        r.workspace.join("baseline/runtime_metrics.json"),
    )
    .unwrap();
}

#[test]
fn the_five_review_scenarios_render_as_code_with_the_verdict_in_view() {
    let r = Runner::new();
    policy(&r);
    let copy = |from: &std::path::Path, to: &str| {
        let target = r.workspace.join(to);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(from, target).unwrap();
    };
    // Every fixture, under its own folder, for the many-input scenario.
    for entry in walk(&fixtures()) {
        if entry.extension().is_some_and(|e| e == "json") {
            let rel = entry.strip_prefix(fixtures()).unwrap();
            copy(&entry, &format!("fixtures/{}", rel.display()));
        }
    }
    // Name, inputs, heading, most lines in view.
    type Scenario<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str, usize);
    let scenarios: [Scenario<'_>; 5] = [
        ("pass", &[("run-report", "run_report.json")], "### ✅ ", 12),
        (
            "failed",
            &[("run-report", "failed_run.json")],
            "### ❌ ",
            16,
        ),
        (
            "inputs",
            &[
                ("run-report", "run_report.json"),
                ("inputs", "fixtures/**/*.json"),
            ],
            "### ❌ ",
            26,
        ),
        (
            "gates",
            &[
                ("run-report", "failed_run.json"),
                ("baseline", "baseline/runtime_metrics.json"),
            ],
            "### ❌ ",
            16,
        ),
        (
            "first",
            &[
                ("run-report", "run_report.json"),
                ("baseline", "baseline/none.json"),
            ],
            "### ⚠️ ",
            12,
        ),
    ];
    for (name, inputs, heading, most_lines) in scenarios {
        let mut inputs = inputs.to_vec();
        inputs.push(("run-name", name));
        let (_, out, err) = r.run(&inputs);
        let summary = summary_of(&r, name);
        assert!(
            summary.starts_with(heading),
            "{name}: {summary}\n{out}{err}"
        );
        let rendered = check_rendered(name, &summary, false);
        assert!(!rendered.code.is_empty());
        let lines = visible_lines(&summary);
        assert!(
            lines <= most_lines,
            "{name}: {lines} lines in view:\n{summary}"
        );
        // Cells stay short: no line in view is a wall of text.
        let mut depth = 0;
        for line in summary.lines() {
            depth += line.matches("<details>").count();
            depth -= line.matches("</details>").count().min(depth);
            if depth == 0 {
                assert!(line.chars().count() < 1200, "{name}: {line}");
            }
        }
    }
    // The failed run's own cause is in view, in the heading's next paragraph.
    let failed = summary_of(&r, "failed");
    let second = failed.split("\n\n").nth(1).unwrap();
    assert!(
        second.contains("`DPONE_LEGACY_RUNTIME_DEFAULTS_DISABLED`"),
        "{failed}"
    );
    // 39 files of no known kind are one group, their files folded away.
    let inputs = summary_of(&r, "inputs");
    let in_view = &inputs[..inputs.find("<details>").unwrap()];
    assert!(in_view.contains("[`input.unknown_kind`]("), "{inputs}");
    assert_eq!(
        in_view.matches("input.unknown_kind").count(),
        1,
        "{in_view}"
    );
    // The gates against the example baseline fail in view with their limits; the failed run's
    // regression is missing, not passing.
    let gates = summary_of(&r, "gates");
    let in_view = &gates[..gates.find("<details>").unwrap()];
    assert!(in_view.contains("| ❌ | `run_passed"), "{in_view}");
    assert!(
        in_view.contains("| missing | ≥\u{a0}92,000 rows/s | — vs baseline |"),
        "{in_view}"
    );
    assert!(
        in_view.contains("[dpone-observability.yml L7](https://github.example.com/acme/pipelines/blob/0123abcd/.github/dpone-observability.yml#L7)"),
        "{in_view}"
    );
}

/// Every file under `dir`, sorted.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn hostile_report_text_stays_text() {
    let r = Runner::new();
    let hostile =
        "x`y` | <img src=x onerror=alert(1)> [click](https://evil.example) **b** ``` </details>";
    let report = serde_json::json!({
        "manifest": format!("m{hostile}.yaml"),
        "process": hostile,
        "run_id": hostile,
        "passed": false,
        "result": {
            "status": hostile,
            "error_code": hostile,
            "errors": [format!("{hostile}\nsecond line ::error::x")],
            "extracted_rows": 1,
        },
    });
    std::fs::write(r.workspace.join("hostile.json"), report.to_string()).unwrap();
    let (code, out, err) = r.run(&[
        ("run-report", "hostile.json"),
        ("labels", "team=a|b"),
        ("check-name", hostile),
        ("run-name", "hostile"),
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let summary = summary_of(&r, "hostile");
    // The report's own backticks may show; its HTML, links and table breaks may not.
    let rendered = check_rendered("hostile", &summary, true);
    assert!(
        rendered.text.contains("<img src=x onerror=alert(1)>")
            || rendered
                .code
                .iter()
                .any(|c| c.contains("<img src=x onerror=alert(1)>")),
        "the text is shown, not run: {summary}"
    );
    let opened = rendered
        .html
        .iter()
        .filter(|h| h.starts_with("<details>"))
        .count();
    let closed = rendered
        .html
        .iter()
        .filter(|h| h.starts_with("</details>"))
        .count();
    assert_eq!(opened, closed, "{summary}");
}

#[test]
fn a_failing_regression_draws_its_history_with_the_limit_and_a_legend() {
    let r = Runner::new();
    for (i, v) in [100.0, 104.0, 98.0, 101.0].iter().enumerate() {
        let o = std::process::Command::new(bin())
            .args(["metrics-export", "--metric", &format!("lag_seconds={v}")])
            .args(["--output-dir", &format!("hist/{i}")])
            .current_dir(&r.workspace)
            .env("SOURCE_DATE_EPOCH", (1_764_000_000 + i).to_string())
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0));
    }
    std::fs::create_dir_all(r.workspace.join(".github")).unwrap();
    std::fs::write(
        r.workspace.join(".github/dpone-observability.yml"),
        "regressions:\n  lag_seconds: {direction: lower, test: t_test, boundary: 0.99}\n",
    )
    .unwrap();
    let (code, out, _) = r.run(&[
        ("metrics", "lag_seconds=180"),
        ("baseline", "hist/*"),
        ("run-name", "chart"),
    ]);
    assert_eq!(code, 1, "{out}");
    let summary = summary_of(&r, "chart");
    let in_view = &summary[..summary.find("<details>").unwrap()];
    // At most 280 px tall, its y axis from 0 (a bar's height is its value).
    assert!(
        in_view.contains("```mermaid\n---\nconfig:\n  xyChart:\n    height: 280\n---\nxychart-beta\n    title \"lag_seconds: history and this run\""),
        "{in_view}"
    );
    assert!(in_view.contains("    y-axis 0 --> "), "{in_view}");
    assert!(
        in_view.contains("x-axis [\"1\", \"2\", \"3\", \"4\", \"now\"]"),
        "{in_view}"
    );
    assert!(
        in_view.contains("bar [100, 104, 98, 101, 180]"),
        "{in_view}"
    );
    assert!(in_view.contains("    line ["), "{in_view}");
    assert!(
        in_view.contains("bars 1–4 are the samples, oldest first, and `now` is this run; the line is the upper limit"),
        "{in_view}"
    );
    // The change is said in numbers, in the table's Δ (named) and under the chart.
    assert!(
        in_view.contains("| ❌ | `lag_seconds` | 180 | ≤\u{a0}113.4 | +78.66% vs baseline |"),
        "{in_view}"
    );
    assert!(
        in_view.contains("`now` is +78.66% vs the baseline."),
        "{in_view}"
    );
    assert!(in_view.contains("vs a history of 4 samples"), "{in_view}");
    check_rendered("chart", &summary, false);
}

/// Mermaid's own xychart parser (`tests/validators/mermaid_xychart_check.mjs`, the npm package
/// `mermaid` that `.ci/run` installs into `MERMAID_CHECK`) reading one chart: what it read, or
/// its parse error.
fn mermaid_reads(chart: &str) -> Result<serde_json::Value, String> {
    use std::io::Write;
    let mut child = std::process::Command::new("node")
        .arg(repo().join("tests/validators/mermaid_xychart_check.mjs"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("node, with mermaid in MERMAID_CHECK (bash .ci/run installs it)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(chart.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_ne!(o.status.code(), Some(2), "{}", stderr(&o));
    if o.status.success() {
        Ok(serde_json::from_slice(&o.stdout).unwrap())
    } else {
        Err(stderr(&o))
    }
}

/// The heading's verdict and counts, checked against the rows under it: a `✅` heading sits
/// above no `❌` or `⚠️` row, a `❌` heading above at least one `❌` row, the gates it counts
/// failed are the failed gate rows, the errors it counts are the failing blocker rows (`×n`
/// counted), the warnings it counts are the warnings line's; a gate that judged nothing is
/// never `✅`.
fn check_verdict_against_rows(name: &str, summary: &str) {
    let heading = summary.lines().next().unwrap();
    let count = |what: &str| -> usize {
        heading
            .split(&[':', ','][..])
            .map(str::trim)
            .find_map(|part| {
                part.strip_suffix(what)?
                    .split(' ')
                    .next_back()?
                    .parse()
                    .ok()
            })
            .unwrap_or(0)
    };
    let in_view = &summary[..summary.find("<details>").unwrap_or(summary.len())];
    let times = |line: &str| -> usize {
        line.split('×')
            .nth(1)
            .and_then(|t| t.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok())
            .unwrap_or(1)
    };
    let failed_gates = in_view
        .lines()
        .filter(|l| l.starts_with("| ❌ | `"))
        .count();
    let failed_blockers: usize = in_view
        .lines()
        .filter(|l| l.starts_with("| ❌ | [`"))
        .map(times)
        .sum();
    let warnings: usize = in_view
        .lines()
        .find_map(|l| l.strip_prefix("⚠️ "))
        .and_then(|l| l.split(' ').next()?.parse().ok())
        .unwrap_or(0);
    let gates_word = if failed_gates == 1 {
        " gate failed"
    } else {
        " gates failed"
    };
    assert_eq!(
        count(gates_word),
        failed_gates,
        "{name}: {heading}\n{summary}"
    );
    let errors_word = if failed_blockers == 1 {
        " error"
    } else {
        " errors"
    };
    assert_eq!(
        count(errors_word),
        failed_blockers,
        "{name}: {heading}\n{summary}"
    );
    let warnings_word = if warnings == 1 {
        " warning"
    } else {
        " warnings"
    };
    assert_eq!(
        count(warnings_word),
        warnings,
        "{name}: {heading}\n{summary}"
    );
    let rows_fail = failed_gates + failed_blockers > 0;
    match heading.split(' ').nth(1) {
        Some("✅") => assert!(
            !rows_fail
                && warnings == 0
                && !summary.contains("| ❌ |")
                && !summary.contains("| ⚠️ |"),
            "{name}: ✅ above a failed or warned row\n{summary}"
        ),
        Some("⚠️") => assert!(!rows_fail && warnings > 0, "{name}: {summary}"),
        Some("❌") => assert!(rows_fail, "{name}: ❌ above no failed row\n{summary}"),
        other => panic!("{name}: no verdict in {heading}: {other:?}"),
    }
    for line in summary.lines().filter(|l| l.starts_with("| ✅ |")) {
        assert!(
            !line.contains("not compared") && !line.contains("not evaluated"),
            "{name}: a gate that judged nothing shown as passed: {line}"
        );
    }
}

#[test]
fn charts_of_very_large_and_very_small_values_are_read_by_mermaid() {
    // Mermaid's grammar is live: an exponent (what `1e15` used to be written as) is refused.
    assert!(mermaid_reads("xychart-beta\n    y-axis 0 --> 1e15\n    bar [1, 2]\n").is_err());
    for scale in [1e15, 1e-5, 1e22] {
        let r = Runner::new();
        let history = [1.0, 1.04, 0.98, 1.01].map(|v| v * scale);
        for (i, v) in history.iter().enumerate() {
            let o = std::process::Command::new(bin())
                .args(["metrics-export", "--metric", &format!("lag_seconds={v:e}")])
                .args(["--output-dir", &format!("hist/{i}")])
                .current_dir(&r.workspace)
                .env("SOURCE_DATE_EPOCH", (1_764_000_000 + i).to_string())
                .output()
                .unwrap();
            assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        }
        std::fs::create_dir_all(r.workspace.join(".github")).unwrap();
        std::fs::write(
            r.workspace.join(".github/dpone-observability.yml"),
            "regressions:\n  lag_seconds: {direction: lower, test: t_test, boundary: 0.99}\n",
        )
        .unwrap();
        let now = 1.8 * scale;
        let (code, out, _) = r.run(&[
            ("metrics", &format!("lag_seconds={now:e}")),
            ("baseline", "hist/*"),
            ("run-name", "chart"),
        ]);
        assert_eq!(code, 1, "{out}");
        let summary = summary_of(&r, "chart");
        let start = summary.find("```mermaid\n").expect("a chart") + "```mermaid\n".len();
        let chart = &summary[start..start + summary[start..].find("```").unwrap()];
        let read = mermaid_reads(chart).unwrap_or_else(|err| panic!("{err}\n{chart}"));
        let bars: Vec<f64> = read["bars"][0]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["value"].as_f64().unwrap())
            .collect();
        let want: Vec<f64> = history.iter().copied().chain([now]).collect();
        assert_eq!(bars.len(), want.len(), "{chart}");
        for (got, want) in bars.iter().zip(&want) {
            assert!((got / want - 1.0).abs() < 1e-3, "{got} vs {want}: {chart}");
        }
        let (low, high) = (
            read["y_axis"][0].as_f64().unwrap(),
            read["y_axis"][1].as_f64().unwrap(),
        );
        assert!(low < 0.98 * scale && high > now, "{chart}");
    }
}

#[test]
fn the_verdict_line_agrees_with_every_row() {
    // Without a policy file (no objective but those given here), and with the example one.
    let bare = Runner::new();
    let r = Runner::new();
    policy(&r);
    let duration = ("objectives", "{\"duration_seconds\": {\"max\": 60}}");
    type Scenario<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str);
    let scenarios: Vec<Scenario<'_>> = vec![
        ("pass", vec![("run-report", "run_report.json")], "### ✅ "),
        (
            "failed-input",
            vec![
                ("run-report", "run_report.json"),
                ("inputs", "failed_run.json"),
            ],
            "### ⚠️ ",
        ),
        (
            "missing",
            vec![("run-report", "missing.json"), duration],
            "### ❌ ",
        ),
        (
            "never-ran",
            vec![("run-report", "failed_run.json"), duration],
            "### ⚠️ ",
        ),
        (
            "not-compared",
            vec![
                ("run-report", "run_report.json"),
                ("inputs", "failed_run.json"),
                ("baseline", "baseline/runtime_metrics.json"),
            ],
            "### ",
        ),
        (
            "mixed",
            vec![
                ("run-report", "failed_run.json"),
                ("inputs", "run_report.json"),
                ("baseline", "baseline/runtime_metrics.json"),
                duration,
            ],
            "### ❌ ",
        ),
    ];
    for (i, (name, mut inputs, heading)) in scenarios.into_iter().enumerate() {
        inputs.push(("run-name", name));
        let runner = if i < 4 { &bare } else { &r };
        let (_, out, err) = runner.run(&inputs);
        let summary = summary_of(runner, name);
        assert!(
            summary.starts_with(heading),
            "{name}: {summary}\n{out}{err}"
        );
        check_rendered(name, &summary, false);
        check_verdict_against_rows(name, &summary);
    }
    // A failed run given as an input counts, named by its file.
    let failed_input = summary_of(&bare, "failed-input");
    assert!(
        failed_input.contains("[`run_report.run_failed`]("),
        "{failed_input}"
    );
    assert!(
        failed_input.contains("passed (status `success`). **1 other run report failed**."),
        "{failed_input}"
    );
    // One root cause, counted once, with what it hides.
    let missing = summary_of(&bare, "missing");
    assert!(
        missing.starts_with("### ❌ dpone observability — failed: 1 error\n")
            || missing
                .lines()
                .next()
                .unwrap()
                .ends_with("— failed: 1 error"),
        "{missing}"
    );
    assert!(
        missing.contains("[`run_report.missing`](") && missing.contains("(+2 caused by it)"),
        "{missing}"
    );
    assert!(
        missing.contains("not evaluated (no data: run\\_report.missing)"),
        "{missing}"
    );
    // A run that never ran: its duration is not evaluated, and says why.
    let never = summary_of(&bare, "never-ran");
    assert!(!never.contains("| ✅ | `duration_seconds"), "{never}");
    assert!(
        never.contains("| — | `duration_seconds` | not evaluated (the run did not run"),
        "{never}"
    );
    // A regression with no baseline series is not compared, shown —.
    let not_compared = summary_of(&r, "not-compared");
    assert!(not_compared.contains("| — | `"), "{not_compared}");
}

/// A chart of a negative series cannot start at 0: it says so.
#[test]
fn a_chart_that_cannot_start_at_zero_says_so() {
    let r = Runner::new();
    for (i, v) in [-10.0, -11.0, -9.0, -10.5].iter().enumerate() {
        let o = std::process::Command::new(bin())
            .args(["metrics-export", "--metric", &format!("balance={v}")])
            .args(["--output-dir", &format!("hist/{i}")])
            .current_dir(&r.workspace)
            .env("SOURCE_DATE_EPOCH", (1_764_000_000 + i).to_string())
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0));
    }
    std::fs::create_dir_all(r.workspace.join(".github")).unwrap();
    std::fs::write(
        r.workspace.join(".github/dpone-observability.yml"),
        "regressions:\n  balance: {direction: higher, absolute: 2}\n",
    )
    .unwrap();
    let (code, out, _) = r.run(&[
        ("metrics", "balance=-20"),
        ("baseline", "hist/*"),
        ("run-name", "negative"),
    ]);
    assert_eq!(code, 1, "{out}");
    let summary = summary_of(&r, "negative");
    assert!(summary.contains("    y-axis -"), "{summary}");
    assert!(
        summary.contains("The axis does not start at 0: a value is negative."),
        "{summary}"
    );
}

/// `runtime_metrics.md`, the CLI's default output, as a person reads it: no raw double, code
/// spans that render (no literal backtick in a blocker's message), counts exact.
#[test]
fn runtime_metrics_md_shows_numbers_for_people() {
    let tmp = tempfile::tempdir().unwrap();
    let o = std::process::Command::new(bin())
        .args(["metrics-export", "--output-dir", "out"])
        .args(["--metric", "sum=0.30000000000000004"])
        .args(["--metric", "rows_total=1234567"])
        .args(["--objectives", r#"{"sum": {"max": 0.1}}"#])
        .current_dir(tmp.path())
        .env("SOURCE_DATE_EPOCH", "1764000000")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let md = stdout(&o);
    assert!(!md.contains("0.30000000000000004"), "{md}");
    assert!(md.contains("| `dpone_sum` | 0.3 |"), "{md}");
    assert!(md.contains("| `dpone_rows_total` | 1,234,567 |"), "{md}");
    assert!(md.contains("| 0.3 | ≤\u{a0}0.1 | margin -0.2 |"), "{md}");
    check_rendered("runtime_metrics.md", &md, false);
}

/// A shadow rule over a history of main's runs: the step summary shows, next to its 👁 state,
/// how often it would have failed them ("would have failed 1 of the last 3 runs on main": the
/// run at 130 is more than 10 % above the 100 before it).
#[test]
fn a_shadow_rule_says_how_often_it_would_have_failed_on_main() {
    let r = Runner::new();
    for (i, v) in [100.0, 101.0, 130.0, 102.0].iter().enumerate() {
        let o = std::process::Command::new(bin())
            .args(["metrics-export", "--metric", &format!("lag_seconds={v}")])
            .args(["--output-dir", &format!("hist/{i}")])
            .current_dir(&r.workspace)
            .env("SOURCE_DATE_EPOCH", (1_764_000_000 + i).to_string())
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0));
    }
    std::fs::create_dir_all(r.workspace.join(".github")).unwrap();
    std::fs::write(
        r.workspace.join(".github/dpone-observability.yml"),
        "regressions:\n  lag_seconds: {direction: lower, ratio: 0.1, enforce: shadow}\n",
    )
    .unwrap();
    let (code, out, _) = r.run(&[
        ("metrics", "lag_seconds=180"),
        ("baseline", "hist/*"),
        ("run-name", "shadow"),
    ]);
    assert_eq!(code, 0, "{out}");
    let summary = summary_of(&r, "shadow");
    assert!(
        summary.contains(
            "| 👁 would fail | `lag_seconds` | 180; would have failed 1 of the last 3 runs on main | ≤\u{a0}112.2 |"
        ),
        "{summary}"
    );
    check_rendered("shadow", &summary, false);
}

#[test]
fn recent_step_changes_are_listed_in_view_and_small() {
    let r = Runner::new();
    let values = (0..19).map(|i| {
        if i < 15 {
            100.0 + (i % 3) as f64
        } else {
            120.0 + (i % 2) as f64
        }
    });
    for (i, v) in values.enumerate() {
        let o = std::process::Command::new(bin())
            .args(["metrics-export", "--metric", &format!("lag_seconds={v}")])
            .args(["--output-dir", &format!("hist/{i:02}")])
            .current_dir(&r.workspace)
            .env("SOURCE_DATE_EPOCH", (1_764_000_000 + i).to_string())
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0));
    }
    std::fs::create_dir_all(r.workspace.join(".github")).unwrap();
    std::fs::write(
        r.workspace.join(".github/dpone-observability.yml"),
        "regressions:\n  lag_seconds: {direction: lower, test: change_point}\nchange_points: {last_runs: 6}\n",
    )
    .unwrap();
    let (code, out, _) = r.run(&[
        ("metrics", "lag_seconds=120.5"),
        ("baseline", "hist/*"),
        ("run-name", "steps"),
    ]);
    assert_eq!(code, 1, "{out}");
    let summary = summary_of(&r, "steps");
    let in_view = &summary[..summary.find("<details>").unwrap_or(summary.len())];
    assert!(
        in_view.contains("Step changes in the recent runs:\n\n- `lag_seconds`: step change at `hist/15`: +19.31%, p = 0.001\n"),
        "{in_view}"
    );
    let rendered = check_rendered("steps", &summary, false);
    assert!(
        rendered.code.iter().any(|c| c == "hist/15"),
        "{:?}",
        rendered.code
    );
}
