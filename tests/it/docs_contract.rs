//! Docs are part of the product: they must name what the code does, and only that.

use crate::common;

use std::collections::BTreeSet;

use clap::CommandFactory;
use dpone_observability::cli::Cli;
use dpone_observability::observability::artifacts::{
    HISTORY, HISTORY_PAGE, INDEX_FILE_NAME, JSON_REPORT, MARKDOWN_REPORT, OPENTELEMETRY,
    OPENTELEMETRY_TRACES, PROMETHEUS,
};
use dpone_observability::observability::blockers::{runbooks_markdown, Code};
use dpone_observability::observability::catalog::catalog;
use dpone_observability::observability::sources::run_report::CATALOG;

fn doc(name: &str) -> String {
    let path = common::repo().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{} must exist: {e}", path.display()))
}

/// Every long flag the CLI accepts, with the subcommand names.
fn cli_flags() -> (BTreeSet<String>, Vec<String>) {
    let mut flags = BTreeSet::new();
    let mut subcommands = Vec::new();
    let mut root = Cli::command();
    root.build();
    let mut stack = vec![root];
    while let Some(cmd) = stack.pop() {
        for arg in cmd.get_arguments() {
            if let Some(long) = arg.get_long() {
                flags.insert(format!("--{long}"));
            }
        }
        for sub in cmd.get_subcommands() {
            if sub.get_name() != "help" {
                subcommands.push(sub.get_name().to_string());
                stack.push(sub.clone());
            }
        }
    }
    (flags, subcommands)
}

/// `--flag` tokens written in a document.
fn documented_flags(text: &str) -> BTreeSet<String> {
    let bytes = text.as_bytes();
    let mut found = BTreeSet::new();
    let mut i = 0;
    while i + 2 < bytes.len() {
        let starts = bytes[i] == b'-'
            && bytes[i + 1] == b'-'
            && (i == 0 || !(bytes[i - 1] as char).is_ascii_alphanumeric() && bytes[i - 1] != b'-');
        if starts && bytes[i + 2].is_ascii_lowercase() {
            let end = (i + 2..bytes.len())
                .find(|&j| {
                    !(bytes[j].is_ascii_lowercase()
                        || bytes[j].is_ascii_digit()
                        || bytes[j] == b'-')
                })
                .unwrap_or(bytes.len());
            found.insert(text[i..end].trim_end_matches('-').to_string());
            i = end;
        } else {
            i += 1;
        }
    }
    found
}

#[test]
fn runbooks_are_generated_from_the_code_table() {
    let expected = runbooks_markdown();
    let actual = doc("docs/runbooks.md");
    assert!(
        actual == expected,
        "docs/runbooks.md is stale: run `cargo run -- explain --runbooks > docs/runbooks.md`"
    );
    // A per-metric code's heading escapes `<metric>`, which Markdown would read as HTML.
    let heading_of = |code: &Code| code.as_str().replace('<', "&lt;").replace('>', "&gt;");
    for code in Code::ALL {
        assert!(
            actual.contains(&format!("\n## {}\n", heading_of(code))),
            "{code} has no section"
        );
    }
    for heading in actual.lines().filter_map(|l| l.strip_prefix("## ")) {
        let heading = heading.replace("&lt;", "<").replace("&gt;", ">");
        assert!(
            Code::parse(&heading).is_some(),
            "section `{heading}` names no blocker code"
        );
    }
    for section in actual.split("\n## ").skip(1) {
        for part in ["**Cause.**", "**Fix.**", "**Verify.**"] {
            assert!(
                section.contains(part),
                "a runbook section lacks {part}: {section}"
            );
        }
    }
}

#[test]
fn cli_reference_documents_exactly_the_flags_the_cli_accepts() {
    let (flags, subcommands) = cli_flags();
    let text = doc("docs/cli-reference.md");
    let documented = documented_flags(&text);
    let missing: Vec<_> = flags.difference(&documented).collect();
    let unknown: Vec<_> = documented.difference(&flags).collect();
    assert!(
        missing.is_empty(),
        "flags the CLI accepts but docs/cli-reference.md omits: {missing:?}"
    );
    assert!(
        unknown.is_empty(),
        "flags docs/cli-reference.md names but the CLI lacks: {unknown:?}"
    );
    for sub in subcommands {
        assert!(text.contains(&sub), "subcommand {sub}");
    }
    assert!(text.contains("SOURCE_DATE_EPOCH"));
    for status in ["0", "1", "2"] {
        assert!(
            text.contains(&format!("`{status}`")),
            "exit status {status}"
        );
    }
}

#[test]
fn user_guide_names_command_artifacts_formats_metrics_and_runbooks() {
    let text = doc("docs/runtime-observability.md");
    for needle in [
        "metrics-export",
        "Prometheus",
        "OpenTelemetry",
        "runbooks.md",
        "Runbook",
        "verify",
        "test_artifacts/observability/",
    ] {
        assert!(
            text.contains(needle),
            "docs/runtime-observability.md must mention {needle}"
        );
    }
    for artifact in [
        PROMETHEUS.file_name,
        OPENTELEMETRY.file_name,
        OPENTELEMETRY_TRACES.file_name,
        JSON_REPORT.file_name,
        MARKDOWN_REPORT.file_name,
        HISTORY.file_name,
        HISTORY_PAGE.file_name,
        INDEX_FILE_NAME,
    ] {
        assert!(
            text.contains(artifact),
            "docs/runtime-observability.md must describe {artifact}"
        );
    }
    for spec in CATALOG {
        assert!(
            text.contains(spec.name),
            "docs/runtime-observability.md must list {}",
            spec.name
        );
    }
}

#[test]
fn developer_docs_keep_the_architecture_rule() {
    let arch = doc("docs/architecture.md");
    for needle in [
        "thin adapter",
        "```mermaid",
        "observability/export.rs",
        "never",
    ] {
        assert!(
            arch.to_lowercase().contains(&needle.to_lowercase()),
            "docs/architecture.md must mention {needle}"
        );
    }
    let dev = doc("docs/developer-guide.md");
    for needle in [
        "metric source",
        "renderer",
        "blocker code",
        "explain --runbooks",
        "promtool",
        "bash .ci/run",
    ] {
        assert!(
            dev.contains(needle),
            "docs/developer-guide.md must mention {needle}"
        );
    }
}

#[test]
fn readme_keeps_its_two_commands() {
    let readme = doc("README.md");
    assert!(
        readme.contains("metrics-export --run-report examples/run_report.json"),
        "the main job on the bundled example"
    );
    assert!(readme.contains("bash .ci/run"), "the whole test suite");
    assert!(common::repo().join("examples/run_report.json").is_file());
    for link in [
        "docs/runtime-observability.md",
        "docs/cli-reference.md",
        "docs/runbooks.md",
        "docs/architecture.md",
    ] {
        assert!(readme.contains(link), "README links {link}");
    }
}

#[test]
fn readme_usage_lists_every_subcommand() {
    let readme = doc("README.md");
    let usage = readme
        .split_once("## Usage\n\n```\n")
        .and_then(|(_, rest)| rest.split_once("```"))
        .map(|(block, _)| block)
        .expect("README has a Usage block");
    let (_, subcommands) = cli_flags();
    for sub in subcommands.iter().map(String::as_str).chain(["help"]) {
        assert!(
            usage.contains(&format!("dpone-observability {sub} ")),
            "README's Usage block lacks `{sub}`:\n{usage}"
        );
    }
}

#[test]
fn flag_scanner_finds_flags() {
    let found = documented_flags(
        "use `--run-report FILE` and --label k=v, not x--y or ---z; see --format.",
    );
    assert_eq!(
        found.into_iter().collect::<Vec<_>>(),
        ["--format", "--label", "--run-report"]
    );
}

/// `dpone_...` metric names written in a document.
fn documented_metrics(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find("dpone_") {
        let before_ok = at == 0
            || !rest.as_bytes()[at - 1].is_ascii_alphanumeric() && rest.as_bytes()[at - 1] != b'_';
        let tail = &rest[at..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        if before_ok {
            found.insert(tail[..end].to_string());
        }
        rest = &tail[end.max(1)..];
    }
    found
}

#[test]
fn metrics_catalogue_documents_exactly_what_the_code_emits() {
    let emitted: BTreeSet<String> = catalog()
        .into_iter()
        .flat_map(|(_, specs)| specs.iter().map(|s| s.name.to_string()))
        .collect();
    let text = doc("docs/metrics.md");
    let documented = documented_metrics(&text);
    let missing: Vec<_> = emitted.difference(&documented).collect();
    let unknown: Vec<_> = documented.difference(&emitted).collect();
    assert!(
        missing.is_empty(),
        "metrics the code can emit but docs/metrics.md omits: {missing:?}"
    );
    assert!(
        unknown.is_empty(),
        "metric names docs/metrics.md gives that no source emits: {unknown:?}"
    );
    // Every name belongs to exactly one source.
    let all: Vec<&str> = catalog()
        .into_iter()
        .flat_map(|(_, specs)| specs.iter().map(|s| s.name))
        .collect();
    let unique: BTreeSet<&str> = all.iter().copied().collect();
    assert_eq!(
        all.len(),
        unique.len(),
        "a metric name appears in two catalogues"
    );
}

#[test]
fn default_regression_directions_are_documented_exactly() {
    use dpone_observability::observability::gates::DEFAULT_DIRECTIONS;
    let text = doc("docs/metrics.md");
    let section = &text[text
        .find("## Default regression directions")
        .expect("docs/metrics.md has a Default regression directions section")..];
    let documented: BTreeSet<(String, String)> = section
        .lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let name = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
            Some((name.to_string(), cells.get(2)?.to_string()))
        })
        .collect();
    let code: BTreeSet<(String, String)> = DEFAULT_DIRECTIONS
        .iter()
        .map(|(n, d)| (n.to_string(), d.as_str().to_string()))
        .collect();
    assert_eq!(documented, code);
    // Each is a catalogued metric.
    let known: BTreeSet<&str> = catalog()
        .into_iter()
        .flat_map(|(_, specs)| specs.iter().map(|s| s.name))
        .collect();
    for (name, _) in DEFAULT_DIRECTIONS {
        assert!(known.contains(name), "{name} is not catalogued");
    }
}

#[test]
fn action_reference_documents_exactly_the_inputs_and_outputs() {
    use dpone_observability::github::{inputs::INPUTS, outputs::OUTPUTS};
    let text = doc("docs/action-reference.md");
    for (name, _, _) in INPUTS {
        assert!(
            text.contains(&format!("| `{name}` |")),
            "input `{name}` has no row in docs/action-reference.md"
        );
    }
    for (name, _) in OUTPUTS {
        assert!(
            text.contains(&format!("| `{name}` |")),
            "output `{name}` has no row in docs/action-reference.md"
        );
    }
    // Every table row that names an input or output is a real one.
    let known: BTreeSet<&str> = INPUTS
        .iter()
        .map(|(n, _, _)| *n)
        .chain(OUTPUTS.iter().map(|(n, _)| *n))
        .collect();
    let mut in_table = false;
    for line in text.lines() {
        if line.starts_with("| input")
            || line.starts_with("| output")
            || line.starts_with("| Input")
            || line.starts_with("| Output")
        {
            in_table = true;
            continue;
        }
        if !line.starts_with('|') {
            in_table = false;
            continue;
        }
        if in_table {
            if let Some(name) = line.strip_prefix("| `").and_then(|r| r.split('`').next()) {
                if name.chars().all(|c| c.is_ascii_lowercase() || c == '-') {
                    assert!(
                        known.contains(name),
                        "docs/action-reference.md documents `{name}`, which action.yml lacks"
                    );
                }
            }
        }
    }
    let user = doc("docs/runtime-observability.md");
    assert!(
        user.contains("action-reference.md") && user.contains("uses: dpone/observability-action")
    );
}

// Relative links, their anchors and the `uses:` lines: tests/it/docs_links.rs.

#[test]
fn changelog_names_the_current_version() {
    let changelog = doc("CHANGELOG.md");
    assert!(
        changelog.contains(&format!("## {}", env!("CARGO_PKG_VERSION"))),
        "CHANGELOG.md has a section for this version"
    );
}
