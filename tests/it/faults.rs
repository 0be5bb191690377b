//! Crash consistency of an export's artifact set, by fault injection: every file-system call of
//! an export is made to fail in turn (`strace -e inject=SYSCALL:error=EIO|ENOSPC:when=N`) or to
//! kill the process (`:signal=SIGKILL`). After each run the output folder must hold exactly the
//! previous complete set or the new one (it verifies, and its Prometheus text is one of the
//! two), never a temporary file; the next export must succeed and leave no staging folder. And
//! 20 exports into one folder at once leave one whole set.
//!
//! Needs `strace` (Debian package; `.ci/run` installs it). With `CI=true` its absence fails.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::common::{bin, EPOCH};
use dpone_observability::observability::artifacts::verify;

const SYSCALLS: &[&str] = &[
    "openat",
    "read",
    "write",
    "close",
    "mkdir",
    "renameat2",
    "unlinkat",
    "rmdir",
    "flock",
    "getdents64",
    "newfstatat",
    "statx",
    "fcntl",
    "linkat",
];

fn strace_available() -> bool {
    let ok = Command::new("strace").arg("-V").output().is_ok();
    if !ok {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI must install strace (see .ci/run)"
        );
        eprintln!("fault injection not run: install strace (`bash .ci/run` does)");
    }
    ok
}

fn export_args(value: u32) -> Vec<String> {
    [
        "metrics-export",
        "--metric",
        &format!("x={value}"),
        "--output-dir",
        "out",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn export(dir: &Path, value: u32) -> std::process::Output {
    Command::new(bin())
        .args(export_args(value))
        .current_dir(dir)
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .output()
        .unwrap()
}

/// How many times each traced system call happens in one export.
fn occurrences(dir: &Path) -> BTreeMap<String, usize> {
    occurrences_of(dir, &export_args(2))
}

/// How many times each traced system call happens in one run with `args`.
fn occurrences_of(dir: &Path, args: &[String]) -> BTreeMap<String, usize> {
    let log = dir.join("strace.log");
    let status = Command::new("strace")
        .args(["-f", "-qq", "-o"])
        .arg(&log)
        .arg("-e")
        .arg(format!("trace={}", SYSCALLS.join(",")))
        .arg(bin())
        .args(args)
        .current_dir(dir)
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let mut counts = BTreeMap::new();
    for line in std::fs::read_to_string(&log).unwrap().lines() {
        let call = line
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.split('(').next())
            .unwrap_or_default();
        if SYSCALLS.contains(&call) {
            *counts.entry(call.to_string()).or_insert(0) += 1;
        }
    }
    std::fs::remove_file(&log).unwrap();
    counts
}

/// Which set the folder holds: `old` (x=1), `new` (x=2), or a description of what is wrong.
fn state(dir: &Path) -> String {
    let out = dir.join("out");
    let leftovers: Vec<String> = std::fs::read_dir(&out)
        .map(|e| {
            e.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with('.'))
                .collect()
        })
        .unwrap_or_default();
    if !leftovers.is_empty() {
        return format!("temporary files {leftovers:?}");
    }
    // The user's own file in the folder is carried over by every export, whatever fails.
    if std::fs::read_to_string(out.join("notes.txt"))
        .ok()
        .as_deref()
        != Some("mine")
    {
        return "the user's notes.txt was lost".to_string();
    }
    match verify(&out) {
        Ok(report) => {
            let problems: Vec<String> = report
                .problems
                .iter()
                .map(|p| p.to_string())
                .filter(|p| !p.starts_with("extra: notes.txt "))
                .collect();
            if !problems.is_empty() {
                return format!("does not verify: {problems:?}");
            }
        }
        Err(err) => return format!("no set: {err}"),
    }
    let prom = std::fs::read_to_string(out.join("prometheus_metrics.prom")).unwrap();
    if prom.contains("dpone_x 1\n") {
        "old".to_string()
    } else if prom.contains("dpone_x 2\n") {
        "new".to_string()
    } else {
        format!("unknown set: {prom}")
    }
}

#[test]
fn every_failing_or_killed_file_system_call_leaves_a_whole_set() {
    if !strace_available() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    assert!(export(dir, 1).status.success());
    std::fs::write(dir.join("out/notes.txt"), "mine").unwrap();
    let counts = occurrences(dir);
    assert!(
        counts.get("renameat2").is_some_and(|n| *n >= 1),
        "{counts:?}"
    );

    let mut table: BTreeMap<(String, String), BTreeMap<String, usize>> = BTreeMap::new();
    let mut runs = 0;
    for (call, n) in &counts {
        let mut faults = vec!["error=EIO", "signal=SIGKILL"];
        if call == "write" || call == "mkdir" || call == "linkat" || call == "close" {
            faults.push("error=ENOSPC");
        }
        for fault in faults {
            for when in 1..=*n {
                // Start from the old set each time.
                if state(dir) != "old" {
                    let _ = std::fs::remove_dir_all(dir.join("out"));
                    assert!(export(dir, 1).status.success());
                    std::fs::write(dir.join("out/notes.txt"), "mine").unwrap();
                }
                let o = Command::new("strace")
                    .args(["-f", "-qq", "-o", "/dev/null", "-e"])
                    .arg(format!("trace={call}"))
                    .arg("-e")
                    .arg(format!("inject={call}:{fault}:when={when}"))
                    .arg(bin())
                    .args(export_args(2))
                    .current_dir(dir)
                    .env("SOURCE_DATE_EPOCH", EPOCH)
                    .output()
                    .unwrap();
                runs += 1;
                let found = state(dir);
                let code = match o.status.code() {
                    Some(code) => format!("exit {code}"),
                    None => "killed".to_string(),
                };
                check_failure_is_clear(&format!("{call} {fault} at occurrence {when}"), &o);
                assert!(
                    found == "old" || found == "new",
                    "{call} {fault} at occurrence {when}: {found} ({code})\n{}",
                    String::from_utf8_lossy(&o.stderr)
                );
                if found == "new" && fault != "signal=SIGKILL" {
                    // A whole new set only after the switch; an error after it may still
                    // report a failure, never a success with the old set.
                }
                if found == "old" && o.status.code() == Some(0) {
                    panic!("{call} {fault} at occurrence {when}: exit 0 but the old set remains");
                }
                *table
                    .entry((call.clone(), fault.to_string()))
                    .or_default()
                    .entry(format!("{found}, {code}"))
                    .or_insert(0) += 1;
            }
        }
    }
    // The next export succeeds and leaves no staging folder beside the output folder.
    assert!(export(dir, 2).status.success());
    assert_eq!(state(dir), "new");
    let beside: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".out."))
        .collect();
    assert!(beside.is_empty(), "left beside the folder: {beside:?}");

    eprintln!("{runs} injected faults; folder state and exit per system call and fault:");
    eprintln!("| system call | fault | occurrences | outcomes |\n|---|---|---|---|");
    for ((call, fault), outcomes) in &table {
        let shown: Vec<String> = outcomes.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        eprintln!(
            "| {call} | {fault} | {} | {} |",
            outcomes.values().sum::<usize>(),
            shown.join("; ")
        );
    }
}

/// An injected error is an error the tool reports, never a panic or an abort (the standard
/// library's directory stream asserts that closing a folder succeeds; the release build aborts
/// on panic), and its message names the user's folder, never the hidden staging folder.
fn check_failure_is_clear(what: &str, o: &std::process::Output) {
    let stderr = String::from_utf8_lossy(&o.stderr);
    // 127: the dynamic loader of a test build failed to load a library, before the program.
    let loader = o.status.code() == Some(127) && stderr.contains("error while loading shared");
    let killed = what.contains("SIGKILL") && o.status.code().is_none();
    assert!(
        loader || killed || matches!(o.status.code(), Some(0..=2)),
        "{what}: {:?}\n{stderr}",
        o.status
    );
    assert!(
        !stderr.contains("panicked") && !stderr.contains(".staging"),
        "{what}: {stderr}"
    );
}

/// EIO or ENOSPC from every `close` of an export in turn, the folder listings' among them: each
/// run reports an error or succeeds, and leaves the previous set or the new one.
#[test]
fn a_failing_close_is_an_error_never_an_abort() {
    if !strace_available() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    assert!(export(dir, 1).status.success());
    std::fs::write(dir.join("out/notes.txt"), "mine").unwrap();
    fail_every_close(dir, &export_args(2), |what| {
        let found = state(dir);
        assert!(found == "old" || found == "new", "{what}: {found}");
    });
}

/// The same while `--input` and `--baseline` patterns are matched: the folders a glob lists
/// are closed without the standard library's assertion too.
#[test]
fn a_failing_close_while_matching_patterns_is_an_error_never_an_abort() {
    if !strace_available() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir(dir.join("in")).unwrap();
    std::fs::copy(
        crate::common::fixture("run-report/run_report_success_real.json"),
        dir.join("in/run.json"),
    )
    .unwrap();
    let run = |args: &[&str]| {
        Command::new(bin())
            .args(args)
            .current_dir(dir)
            .env("SOURCE_DATE_EPOCH", EPOCH)
            .output()
            .unwrap()
    };
    let first = [
        "metrics-export",
        "--input",
        "in/*.json",
        "--output-dir",
        "prev1",
    ];
    assert!(run(&first).status.success());
    let args: Vec<String> = [
        "metrics-export",
        "--input",
        "in/*.json",
        "--baseline",
        "prev*/runtime_metrics.json",
        "--output-dir",
        "out",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    fail_every_close(dir, &args, |what| {
        let problems = verify(&dir.join("out")).map(|r| r.problems.len());
        assert!(
            matches!(problems, Ok(0)) || !dir.join("out").exists(),
            "{what}: {problems:?}"
        );
    });
}

/// Runs `args` once for each `close` of a run, that close failing with EIO, then ENOSPC; each
/// run must fail clearly or succeed, then `check` looks at what it left.
fn fail_every_close(dir: &Path, args: &[String], check: impl Fn(&str)) {
    let closes = occurrences_of(dir, args)
        .get("close")
        .copied()
        .unwrap_or_default();
    assert!(closes >= 5, "{closes} closes");
    for fault in ["error=EIO", "error=ENOSPC"] {
        for when in 1..=closes {
            let o = Command::new("strace")
                .args(["-f", "-qq", "-o", "/dev/null", "-e", "trace=close", "-e"])
                .arg(format!("inject=close:{fault}:when={when}"))
                .arg(bin())
                .args(args)
                .current_dir(dir)
                .env("SOURCE_DATE_EPOCH", EPOCH)
                .output()
                .unwrap();
            let what = format!("close {fault} at occurrence {when}");
            check_failure_is_clear(&what, &o);
            check(&what);
        }
    }
}

#[test]
fn twenty_exports_into_one_folder_at_once_leave_one_whole_set() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let children: Vec<_> = (1..=20u32)
        .map(|i| {
            Command::new(bin())
                .args([
                    "metrics-export",
                    "--metric",
                    &format!("x={i}"),
                    "--output-dir",
                    "out",
                ])
                .current_dir(dir)
                .env("SOURCE_DATE_EPOCH", EPOCH)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let o = child.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let out = dir.join("out");
    assert!(verify(&out).unwrap().problems.is_empty());
    let prom = std::fs::read_to_string(out.join("prometheus_metrics.prom")).unwrap();
    let values = prom.lines().filter(|l| l.starts_with("dpone_x ")).count();
    assert_eq!(values, 1, "one whole set: {prom}");
    let names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["out"], "no staging folder is left");
}
