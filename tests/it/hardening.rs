//! Files that are not what they claim: a FIFO, a link to `/dev/zero`, a directory, a symbolic
//! link out of an export folder. Each is refused at once with a message that says what it is;
//! nothing blocks and nothing grows. Every run here has a deadline, so a regression fails the
//! test instead of hanging it.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::{self, bin, fixture, EPOCH};

/// Runs the binary, killing it if it is still running after 20 s.
fn run_bounded(dir: &Path, args: &[&str]) -> Output {
    let mut child = Command::new(bin())
        .args(args)
        .current_dir(dir)
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!(
                "`{}` did not finish within 20 s: it blocked",
                args.join(" ")
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn fifo(path: &Path) {
    let made = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(made.success(), "mkfifo");
}

fn text(o: &Output) -> String {
    format!("{}{}", common::stdout(o), common::stderr(o))
}

#[test]
fn a_fifo_or_a_device_in_place_of_an_input_is_refused_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fifo(&dir.join("fifo"));
    std::os::unix::fs::symlink("/dev/zero", dir.join("zero")).unwrap();
    std::fs::copy(
        fixture("run-report/run_report_success_real.json"),
        dir.join("r.json"),
    )
    .unwrap();
    for (special, what) in [("fifo", "a FIFO"), ("zero", "a device")] {
        let cases: [(&[&str], i32); 5] = [
            (
                &[
                    "metrics-export",
                    "--run-report",
                    special,
                    "--output-dir",
                    "out",
                ],
                1,
            ),
            (
                &["metrics-export", "--input", special, "--output-dir", "out"],
                1,
            ),
            (
                &[
                    "metrics-export",
                    "--metrics-file",
                    special,
                    "--output-dir",
                    "out",
                ],
                1,
            ),
            (
                &[
                    "metrics-export",
                    "--run-report",
                    "r.json",
                    "--policy",
                    special,
                    "--output-dir",
                    "out",
                ],
                2,
            ),
            (
                &[
                    "metrics-export",
                    "--run-report",
                    "r.json",
                    "--baseline",
                    special,
                    "--output-dir",
                    "out",
                ],
                0,
            ),
        ];
        for (args, code) in cases {
            let o = run_bounded(dir, args);
            assert_eq!(o.status.code(), Some(code), "{args:?}: {}", text(&o));
            assert!(
                text(&o).contains(&format!("{what}, not a regular file"))
                    || text(&o).contains("not a regular file"),
                "{args:?} names what the file is: {}",
                text(&o)
            );
        }
    }
}

#[test]
fn verify_and_push_refuse_links_fifos_and_an_endless_index() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::copy(
        fixture("run-report/run_report_success_real.json"),
        dir.join("r.json"),
    )
    .unwrap();
    let export = |name: &str| {
        let o = run_bounded(
            dir,
            &[
                "metrics-export",
                "--run-report",
                "r.json",
                "--output-dir",
                name,
            ],
        );
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        dir.join(name)
    };

    // An artifact replaced by a link to an identical copy outside the folder.
    let linked = export("linked");
    let outside = dir.join("outside.prom");
    std::fs::copy(linked.join("prometheus_metrics.prom"), &outside).unwrap();
    std::fs::remove_file(linked.join("prometheus_metrics.prom")).unwrap();
    std::os::unix::fs::symlink(&outside, linked.join("prometheus_metrics.prom")).unwrap();
    let o = run_bounded(dir, &["verify", "linked"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("prometheus_metrics.prom is a symbolic link, not a regular file"),
        "{}",
        text(&o)
    );

    // An artifact replaced by a FIFO: verify and push answer at once.
    let piped = export("piped");
    std::fs::remove_file(piped.join("runtime_metrics.json")).unwrap();
    fifo(&piped.join("runtime_metrics.json"));
    let o = run_bounded(dir, &["verify", "piped"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("runtime_metrics.json is a FIFO"),
        "{}",
        text(&o)
    );
    let o = run_bounded(
        dir,
        &[
            "push",
            "piped",
            "--pushgateway",
            "http://127.0.0.1:1",
            "--retries",
            "0",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));

    // An index that never ends.
    let endless = export("endless");
    std::fs::remove_file(endless.join("metrics_index.json")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", endless.join("metrics_index.json")).unwrap();
    let o = run_bounded(dir, &["verify", "endless"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("a device, not a regular file"),
        "{}",
        text(&o)
    );
}

/// Every file under `dir`, read as text.
fn folder_text(dir: &Path) -> String {
    let mut text = String::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            text.push_str(&folder_text(&path));
        } else {
            text.push_str(&String::from_utf8_lossy(&std::fs::read(&path).unwrap()));
        }
    }
    text
}

#[test]
fn credential_shaped_labels_names_and_attributes_are_written_nowhere() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::copy(
        fixture("run-report/run_report_success_real.json"),
        dir.join("r.json"),
    )
    .unwrap();
    let secrets = [
        "ghp_0123456789abcdefghijABCDEFGHIJ0123",
        "AKIAIOSFODNN7EXAMPLE",
        "hunter22secret",
    ];
    let o = run_bounded(
        dir,
        &[
            "metrics-export",
            "--run-report",
            "r.json",
            "--output-dir",
            "out",
            "--metric",
            "kept=1",
            "--metric",
            &format!("{}=2", secrets[1]),
            "--resource-attr",
            &format!("db=https://svc:{}@db.example.com/x", secrets[2]),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let shown = text(&o);
    assert!(shown.contains("labels.secret_like"), "{shown}");
    let written = folder_text(&dir.join("out"));
    assert!(written.contains("kept"), "the other metrics are exported");
    for secret in &secrets {
        assert!(
            !shown.contains(secret) && !written.contains(secret),
            "{secret} was written"
        );
    }

    // The action never writes its own token, whatever label holds it.
    let token = "s3cr3t-token-value-0123";
    let o = Command::new(bin())
        .arg("action")
        .current_dir(dir)
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .env("GITHUB_WORKSPACE", dir)
        .env("INPUT_RUN-REPORT", "r.json")
        .env("INPUT_LABELS", format!("owner={token}"))
        .env("INPUT_GITHUB-TOKEN", token)
        .env("INPUT_PR-STATUS", "none")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let shown = text(&o);
    assert!(
        shown.contains("the value of label `owner` looks like a secret of this step"),
        "{shown}"
    );
    let written = folder_text(&dir.join("test_artifacts"));
    assert!(
        !written.contains(token),
        "the token was written into the run folder"
    );
    // Only the mask names it.
    assert!(shown
        .lines()
        .all(|l| !l.contains(token) || l.starts_with("::add-mask::")));
}

fn action(workspace: &Path, inputs: &[(&str, &str)], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(bin());
    cmd.arg("action")
        .current_dir(workspace)
        .env_clear()
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .env("GITHUB_WORKSPACE", workspace)
        .env("INPUT_PR-STATUS", "none");
    for (name, value) in inputs {
        cmd.env(format!("INPUT_{}", name.to_uppercase()), value);
    }
    cmd.envs(env.iter().copied());
    cmd.output().unwrap()
}

#[test]
fn in_the_action_the_workspace_is_a_wall() {
    let tmp = tempfile::tempdir().unwrap();
    let workspace = tmp.path().join("workspace");
    let outside = tmp.path().join("outside");
    let temp = tmp.path().join("runner_temp");
    for dir in [&workspace, &outside, &temp] {
        std::fs::create_dir_all(dir).unwrap();
    }
    let report = fixture("run-report/run_report_success_real.json");
    std::fs::copy(&report, workspace.join("r.json")).unwrap();
    std::fs::copy(&report, outside.join("r.json")).unwrap();
    std::fs::copy(&report, temp.join("r.json")).unwrap();
    std::fs::write(outside.join("secret.yml"), "SECRET-CONTENT: [unclosed\n").unwrap();
    std::os::unix::fs::symlink(outside.join("secret.yml"), workspace.join("policy.yml")).unwrap();
    std::os::unix::fs::symlink(outside.join("r.json"), workspace.join("linked.json")).unwrap();
    let outside_report = outside.join("r.json").display().to_string();

    let refused: [(&str, &str); 5] = [
        ("policy-file", "policy.yml"),
        ("run-report", "linked.json"),
        ("run-report", &outside_report),
        ("inputs", "../outside/*.json"),
        ("objectives", "../outside/secret.yml"),
    ];
    for (input, value) in refused {
        let mut inputs = vec![(input, value)];
        if input != "run-report" {
            inputs.push(("run-report", "r.json"));
        }
        let o = action(&workspace, &inputs, &[]);
        assert_eq!(o.status.code(), Some(2), "{input}={value}: {}", text(&o));
        let shown = text(&o);
        assert!(shown.contains("resolves outside the workspace"), "{shown}");
        assert!(
            !shown.contains("SECRET-CONTENT"),
            "a file outside was quoted: {shown}"
        );
    }

    // RUNNER_TEMP is readable.
    let in_temp = temp.join("r.json").display().to_string();
    let o = action(
        &workspace,
        &[("run-report", &in_temp)],
        &[("RUNNER_TEMP", temp.to_str().unwrap())],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));

    // A committed `test_artifacts` link would send the run folder elsewhere.
    std::fs::remove_dir_all(workspace.join("test_artifacts")).unwrap();
    std::os::unix::fs::symlink(&outside, workspace.join("test_artifacts")).unwrap();
    let o = action(
        &workspace,
        &[("run-report", "r.json"), ("run-name", "x")],
        &[],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("resolves outside the workspace"),
        "{}",
        text(&o)
    );
    assert!(
        !outside.join("observability").exists(),
        "nothing was written outside"
    );
}
