//! The action image, run the way the GitHub runner runs a container action: built with podman
//! from the Dockerfile's `prebuilt` stage (the statically linked binary `.ci/run` builds, placed
//! at `dist/linux/<TARGETARCH>/` of a build context of its own, as the release workflow does),
//! workspace mounted at `/github/workspace` as the working directory, the file-command folder
//! mounted, `INPUT_*` variables with `action.yml`'s defaults applied, `GITHUB_*` variables.
//!
//! In CI (`CI=true`) a missing podman or binary fails the test; elsewhere it says what to run.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use common::*;

const IMAGE: &str = "localhost/dpone-observability-test:latest";

fn static_binary() -> PathBuf {
    repo().join(format!(
        "target/{}-unknown-linux-gnu/release/dpone-observability",
        std::env::consts::ARCH
    ))
}

/// This machine's platform in OCI terms, as BuildKit and podman set `TARGETARCH`.
fn target_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => panic!("no action image for {other}"),
    }
}

fn podman(args: &[&str]) -> std::process::Output {
    Command::new("podman")
        .arg("--runtime")
        .arg("runc")
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("podman is required for the container test (`bash .ci/run` installs it): {e}")
        })
}

/// Builds the image once per test run. `None` outside CI when the prerequisites are absent.
fn image() -> Option<&'static str> {
    static BUILT: OnceLock<Option<&'static str>> = OnceLock::new();
    *BUILT.get_or_init(|| {
        let ready = static_binary().is_file() && Command::new("podman").arg("--version").output().is_ok();
        if !ready {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI must build {} and install podman (see .ci/run)",
                static_binary().display()
            );
            eprintln!("container test not run: build the static binary and install podman with `bash .ci/run`");
            return None;
        }
        // The build context holds only the binary, where the `prebuilt` stage looks for it.
        let context = tempfile::tempdir().unwrap();
        let dist = context.path().join("dist/linux").join(target_arch());
        std::fs::create_dir_all(&dist).unwrap();
        std::fs::copy(static_binary(), dist.join("dpone-observability")).unwrap();
        let dockerfile = repo().join("Dockerfile").display().to_string();
        let context_arg = context.path().display().to_string();
        // podman sets TARGETARCH itself; naming it keeps buildah from warning about the
        // `build` stage's unused argument.
        let arch_arg = format!("TARGETARCH={}", target_arch());
        let out = podman(&[
            "build", "--build-arg", &arch_arg, "--target", "prebuilt", "-t", IMAGE, "-f",
            &dockerfile, &context_arg,
        ]);
        assert!(out.status.success(), "podman build failed:\n{}", stderr(&out));
        let inspect = podman(&["image", "inspect", "--format", "{{.Size}} {{.Architecture}}", IMAGE]);
        let inspect = stdout(&inspect);
        eprintln!("image size and architecture: {}", inspect.trim());
        let (size, arch) = inspect.trim().split_once(' ').expect("size and architecture");
        assert_eq!(arch, target_arch(), "the image is for this machine's platform");
        let bytes: u64 = size.parse().expect("image size");
        assert!(bytes < 10 * 1024 * 1024, "the image must stay under 10 MB: {bytes} bytes");
        Some(IMAGE)
    })
}

/// `action.yml`'s inputs and defaults, as the runner applies them.
fn action_defaults() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(repo().join("action.yml")).unwrap();
    let yml: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
    yml["inputs"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, input)| {
            (
                name.clone(),
                input["default"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

struct Run {
    code: i32,
    stdout: String,
    workspace: PathBuf,
    files: PathBuf,
}

fn run_action(image: &str, dir: &Path, inputs: &[(&str, &str)]) -> Run {
    let workspace = dir.join("workspace");
    let files = dir.join("file_commands");
    std::fs::create_dir_all(&workspace).unwrap();
    std::fs::create_dir_all(&files).unwrap();
    std::fs::copy(
        fixture("run-report/run_report_success_real.json"),
        workspace.join("passing.json"),
    )
    .unwrap();
    std::fs::copy(
        fixture("run-report/run_report_failed_real.json"),
        workspace.join("failed.json"),
    )
    .unwrap();
    let mut args: Vec<String> = ["run", "--rm", "--workdir", "/github/workspace", "-v"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.push(format!("{}:/github/workspace", workspace.display()));
    args.push("-v".into());
    args.push(format!("{}:/github/file_commands", files.display()));
    let mut env: Vec<(String, String)> = action_defaults()
        .into_iter()
        .map(|(name, default)| (format!("INPUT_{}", name.to_uppercase()), default))
        .collect();
    for (name, value) in inputs {
        env.push((format!("INPUT_{}", name.to_uppercase()), value.to_string()));
    }
    for (k, v) in [
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_RUN_ID", "5150"),
        ("GITHUB_RUN_ATTEMPT", "2"),
        ("GITHUB_SHA", "0123abcd"),
        ("GITHUB_REF", "refs/heads/main"),
        ("GITHUB_REPOSITORY", "acme/pipelines"),
        ("GITHUB_SERVER_URL", "https://github.com"),
        ("GITHUB_WORKSPACE", "/github/workspace"),
        ("GITHUB_STEP_SUMMARY", "/github/file_commands/step_summary"),
        ("GITHUB_OUTPUT", "/github/file_commands/output"),
        ("SOURCE_DATE_EPOCH", EPOCH),
    ] {
        env.push((k.to_string(), v.to_string()));
    }
    for (k, v) in env {
        args.push("-e".into());
        args.push(format!("{k}={v}"));
    }
    args.push(image.to_string());
    args.push("action".into()); // `runs.args` of action.yml
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = podman(&refs);
    let code = out.status.code().expect("exit status");
    assert!(
        code <= 2,
        "container failed to run ({code}):\n{}",
        stderr(&out)
    );
    Run {
        code,
        stdout: stdout(&out),
        workspace,
        files,
    }
}

impl Run {
    fn run_dir(&self) -> PathBuf {
        self.workspace.join("test_artifacts/observability/5150-2")
    }

    fn summary(&self) -> String {
        std::fs::read_to_string(self.files.join("step_summary")).unwrap()
    }

    fn output(&self) -> String {
        std::fs::read_to_string(self.files.join("output")).unwrap()
    }
}

#[test]
fn the_image_runs_as_a_github_container_action() {
    let Some(image) = image() else { return };
    let tmp = tempfile::tempdir().unwrap();

    let passing = run_action(
        image,
        &tmp.path().join("passing"),
        &[("run-report", "passing.json"), ("labels", "env=ci")],
    );
    assert_eq!(passing.code, 0, "{}", passing.stdout);
    assert!(
        !passing.stdout.lines().any(|l| l.starts_with("::")),
        "{}",
        passing.stdout
    );
    assert!(
        passing
            .summary()
            .starts_with("### ✅ dpone observability: "),
        "{}",
        passing.summary()
    );
    assert!(
        passing.output().contains("\ntrue\n")
            && passing
                .output()
                .contains("test_artifacts/observability/5150-2/metrics_index.json")
    );
    check_export(&passing.run_dir());

    // A failed dpone run: a warning by default; `fail-on: warning` fails the step with it.
    let failed = run_action(
        image,
        &tmp.path().join("failed"),
        &[("run-report", "failed.json"), ("fail-on", "warning")],
    );
    assert_eq!(failed.code, 1, "{}", failed.stdout);
    assert!(
        failed
            .stdout
            .starts_with("::warning title=run_report.run_failed,file=failed.json::"),
        "{}",
        failed.stdout
    );
    let summary = failed.summary();
    assert!(
        summary.starts_with("### ❌ dpone observability: "),
        "{summary}"
    );
    assert!(summary.contains("— failed: 1 error\n"), "{summary}");
    assert!(
        summary.contains("| ❌ | [`run_report.run_failed`]("),
        "{summary}"
    );
    eprintln!("--- step summary of the failed-run case ---\n{summary}");
    check_export(&failed.run_dir());

    // A blocker: the run report is missing.
    let blocked = run_action(
        image,
        &tmp.path().join("blocked"),
        &[("run-report", "absent.json")],
    );
    assert_eq!(blocked.code, 1, "{}", blocked.stdout);
    assert!(
        blocked
            .stdout
            .contains("::error title=run_report.missing,file=absent.json::"),
        "{}",
        blocked.stdout
    );
    assert!(blocked.output().contains("\nfalse\n"));
    assert!(
        blocked.summary().contains("| ❌ | [`run_report.missing`]("),
        "{}",
        blocked.summary()
    );
    check_export(&blocked.run_dir());
}
