//! Every word about the release is true: the docs (every Markdown file of the repository outside
//! `tests/` and `target/`: `README.md`, `CHANGELOG.md`, `docs/**`, `bench/README.md`) name
//! only actions, refs and files that exist.
//!
//! - A `uses:` line, and any `<owner>/<repo>[/<path>]@<ref>` naming this repository (in the docs,
//!   `action.yml`, `cli/action.yml`, the workflows and `release/`), names an action the
//!   repository has (`action.yml` at the root or in `<path>`) at a ref the release workflow
//!   produces: the version tag `v<Cargo.toml version>`, the major tag it moves, or `main`. The
//!   allowed tags are read from `.github/workflows/release.yml` and `Cargo.toml`, not written
//!   here. Third-party actions (`actions/checkout@v4`) are taken as they are; `./path` must
//!   exist.
//! - A relative link resolves to a file of the repository, and its `#anchor` to a heading of
//!   that file under GitHub's slug rules (lower case, spaces to `-`, punctuation other than `-`
//!   and `_` removed, a repeated heading suffixed `-1`, `-2`, ...).
//!   A link to the unsuffixed anchor of a repeated heading is refused: it names the first one,
//!   whichever its writer meant.
//! - A link into this repository on github.com (`blob/`, `tree/`, `raw/`, `releases/`) uses one
//!   of the refs above, and its file and anchor exist.
//! - A tag in a command (`gh release download <tag>`, `refs/tags/<tag>`) is one the release
//!   workflow makes, and every `docs/<file>.md#<anchor>` named by `src/`, the action files and
//!   the workflows resolves.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// What the release workflow produces for this version.
struct Release {
    /// `owner/name` of the repository (`Cargo.toml`'s `repository`).
    repository: String,
    /// The tags the release workflow pushes for this version.
    tags: BTreeSet<String>,
}

impl Release {
    fn refs(&self) -> BTreeSet<String> {
        let mut refs = self.tags.clone();
        refs.insert("main".to_string());
        refs
    }
}

fn release_from(workflow: &str, version: &str, repository_url: &str) -> Release {
    let repository = repository_url
        .strip_prefix("https://github.com/")
        .unwrap_or_else(|| panic!("Cargo.toml's repository is on github.com: {repository_url}"))
        .trim_end_matches('/')
        .to_string();
    let parsed: serde_json::Value = serde_saphyr::from_str(workflow).expect("release.yml is YAML");
    let pattern = parsed["on"]["push"]["tags"][0]
        .as_str()
        .expect("release.yml runs on a pushed tag pattern");
    let prefix = pattern
        .strip_suffix("*.*.*")
        .unwrap_or_else(|| panic!("the release tag pattern is <prefix>*.*.*: {pattern}"));
    // The version tag: the workflow's first job refuses a tag other than v<Cargo.toml version>.
    assert!(
        workflow.contains(&format!(r#"test "{prefix}$version" = "$GITHUB_REF_NAME""#)),
        "release.yml checks that the tag is {prefix}<Cargo.toml version>"
    );
    let mut tags = BTreeSet::from([format!("{prefix}{version}")]);
    // The moving major tag: `${GITHUB_REF_NAME%%.*}`, pushed beside the version tag.
    if workflow.contains(r#"major="${GITHUB_REF_NAME%%.*}""#)
        && workflow.contains(r#""refs/tags/$major""#)
    {
        let major = version.split('.').next().unwrap_or_default();
        tags.insert(format!("{prefix}{major}"));
    }
    Release { repository, tags }
}

fn release() -> Release {
    let workflow = read(&common::repo().join(".github/workflows/release.yml"));
    release_from(
        &workflow,
        env!("CARGO_PKG_VERSION"),
        env!("CARGO_PKG_REPOSITORY"),
    )
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Folders of the repository's root that hold no docs: the tests' fixtures and what builds and
/// runs write (`.gitignore`).
const NOT_DOCS: [&str; 4] = ["tests", "target", "test_artifacts", "dist"];

/// The documents: every `.md` file of the repository outside [`NOT_DOCS`] and dot folders.
fn documents() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                let at_root = path.parent() == Some(common::repo().as_path());
                let skipped = name.starts_with('.') || at_root && NOT_DOCS.contains(&name.as_str());
                if !skipped {
                    walk(&path, out);
                }
            } else if name.ends_with(".md") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&common::repo(), &mut out);
    out.sort();
    out
}

/// Other files that name the action as users pin it.
fn release_files() -> Vec<PathBuf> {
    let repo = common::repo();
    let mut out = vec![
        repo.join("action.yml"),
        repo.join("cli/action.yml"),
        repo.join("release/action_files.py"),
    ];
    for entry in std::fs::read_dir(repo.join(".github/workflows")).unwrap() {
        out.push(entry.unwrap().path());
    }
    out.sort();
    out
}

/// The source files, whose messages and help name sections of the docs.
fn source_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&common::repo().join("src"), &mut out);
    out.sort();
    out
}

/// `docs/<file>.md#<anchor>` written in a text (a message, a help line, a comment), taken from
/// the repository's root.
fn doc_mentions(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = text[from..].find("docs/") {
        let start = from + at;
        let token: String = text[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | '#'))
            .collect();
        from = start + token.len();
        let preceded = text[..start]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '-' | '_'));
        if !preceded && token.contains(".md#") {
            out.push(token.trim_end_matches('.').to_string());
        }
    }
    out
}

/// GitHub's anchor for a heading's text.
fn slug(text: &str) -> String {
    text.trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// The anchors of a Markdown document.
#[derive(Clone, Debug, Default)]
struct Anchors {
    /// One per heading (not in code), a repeated one suffixed `-1`, `-2`, ...
    all: BTreeSet<String>,
    /// The unsuffixed anchors of repeated headings: a link to one is ambiguous to its writer.
    repeated: BTreeSet<String>,
}

fn anchors(markdown: &str) -> Anchors {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = Anchors::default();
    let mut heading: Option<String> = None;
    for event in Parser::new_ext(markdown, Options::ENABLE_TABLES) {
        match event {
            Event::Start(Tag::Heading { .. }) => heading = Some(String::new()),
            Event::Text(t) | Event::Code(t) => {
                if let Some(h) = heading.as_mut() {
                    h.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                let base = slug(&heading.take().unwrap_or_default());
                let count = seen.entry(base.clone()).or_insert(0);
                let anchor = if *count == 0 {
                    base.clone()
                } else {
                    format!("{base}-{count}")
                };
                *count += 1;
                if *count == 2 {
                    out.repeated.insert(base);
                }
                out.all.insert(anchor);
            }
            _ => {}
        }
    }
    out
}

/// The link destinations of a Markdown document (inline, reference and autolinks; not in code).
fn links(markdown: &str) -> Vec<String> {
    Parser::new_ext(markdown, Options::ENABLE_TABLES)
        .filter_map(|event| match event {
            Event::Start(Tag::Link { dest_url, .. }) => Some(dest_url.to_string()),
            _ => None,
        })
        .collect()
}

/// `owner/repo[/path]@ref` after each `uses:` on a line (in code or not): the token, stripped
/// of quotes and backticks; words that name no action (``the `uses:` line``) are skipped.
fn uses_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut rest = line;
        while let Some(at) = rest.find("uses:") {
            rest = &rest[at + "uses:".len()..];
            let token: String = rest
                .trim_start()
                .trim_start_matches(['`', '"', '\''])
                .chars()
                .take_while(|c| !c.is_whitespace() && !matches!(c, '`' | '"' | '\'' | ')' | '|'))
                .collect();
            if token.contains('@') || token.starts_with("./") || token == "." {
                out.push(token);
            }
        }
    }
    out
}

/// Every `<repository>[/path]@ref` in a text, in prose or code (an image on ghcr.io is not an
/// action and is skipped).
fn action_mentions(text: &str, owner: &str) -> Vec<String> {
    let needle = format!("{owner}/");
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = text[from..].find(&needle) {
        let start = from + at;
        from = start + needle.len();
        let before = &text[..start];
        if before.ends_with("ghcr.io/")
            || before.ends_with("github.com/")
            || before
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
        {
            continue;
        }
        let token: String = text[start..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | '@' | ':'))
            .collect();
        let token = token.trim_end_matches(['.', ':']);
        // `@<release commit SHA>`: a placeholder for a commit, not a ref.
        let placeholder = token.ends_with('@') && text[start + token.len()..].starts_with('<');
        if token.contains('@') && !placeholder {
            out.push(token.to_string());
        }
    }
    out
}

/// The tags named in commands (`gh release download <tag>`, `refs/tags/<tag>`); placeholders
/// (`$TAG`, `<tag>`) are skipped.
fn tag_mentions(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for prefix in ["gh release download ", "gh release view ", "refs/tags/"] {
        let mut from = 0;
        while let Some(at) = text[from..].find(prefix) {
            let start = from + at + prefix.len();
            from = start;
            let token: String = text[start..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'))
                .collect();
            let token = token.trim_end_matches('.');
            if !token.is_empty() {
                out.push(token.to_string());
            }
        }
    }
    out
}

/// Why a `uses:` target is wrong, if it is.
fn check_action(target: &str, release: &Release, repo: &Path) -> Option<String> {
    if let Some(local) = target.strip_prefix("./").or((target == ".").then_some("")) {
        return (!repo.join(local).exists())
            .then(|| format!("`{target}` is not in the repository"));
    }
    let (name, reference) = target.split_once('@')?;
    let owner = release.repository.split('/').next().unwrap_or_default();
    if name.split('/').next() != Some(owner) {
        return None; // a third-party action, taken as it is
    }
    let path = name
        .strip_prefix(&release.repository)
        .filter(|rest| rest.is_empty() || rest.starts_with('/'));
    let Some(path) = path else {
        return Some(format!(
            "`{target}` names `{name}`: the action is `{}` (or a folder of it with an action.yml)",
            release.repository
        ));
    };
    if !repo
        .join(path.trim_start_matches('/'))
        .join("action.yml")
        .is_file()
    {
        return Some(format!(
            "`{target}`: the repository has no {path}/action.yml"
        ));
    }
    if !release.refs().contains(reference) {
        return Some(format!(
            "`{target}`: `@{reference}` is not a ref the release workflow produces ({:?})",
            release.refs()
        ));
    }
    None
}

/// Why a link is wrong, if it is. `from` is the document holding it.
fn check_link(
    target: &str,
    from: &Path,
    release: &Release,
    repo: &Path,
    anchors_of: &mut dyn FnMut(&Path) -> Anchors,
) -> Option<String> {
    let github = format!("https://github.com/{}/", release.repository);
    if let Some(rest) = target.strip_prefix(&github) {
        return check_repository_url(rest, release, repo, anchors_of)
            .map(|why| format!("`{target}`: {why}"));
    }
    if target.contains("://") || target.starts_with("mailto:") {
        return None; // another site
    }
    let (path, anchor) = match target.split_once('#') {
        Some((path, anchor)) => (path, Some(anchor)),
        None => (target, None),
    };
    let file = if path.is_empty() {
        from.to_path_buf()
    } else {
        from.parent().unwrap().join(path)
    };
    if !file.exists() {
        return Some(format!("`{target}` does not resolve to a file"));
    }
    let outside = file
        .canonicalize()
        .map_or(true, |f| !f.starts_with(repo.canonicalize().unwrap()));
    if outside {
        return Some(format!("`{target}` leaves the repository"));
    }
    check_anchor(&file, anchor, anchors_of).map(|why| format!("`{target}`: {why}"))
}

/// A file as the repository names it.
fn shown(file: &Path) -> String {
    let repo = common::repo();
    file.strip_prefix(&repo)
        .unwrap_or(file)
        .display()
        .to_string()
}

fn check_anchor(
    file: &Path,
    anchor: Option<&str>,
    anchors_of: &mut dyn FnMut(&Path) -> Anchors,
) -> Option<String> {
    let anchor = anchor?;
    if file.extension().is_some_and(|e| e == "md") {
        let known = anchors_of(file);
        if known.repeated.contains(anchor) {
            return Some(format!(
                "`#{anchor}` is the first of repeated headings in {}: rename one",
                shown(file)
            ));
        }
        return (!known.all.contains(anchor))
            .then(|| format!("no heading `#{anchor}` in {}", shown(file)));
    }
    // Line anchors on a source file (`#L7`, `#L7-L9`).
    let line = anchor.split('-').all(|part| {
        part.strip_prefix('L')
            .is_some_and(|n| n.parse::<u32>().is_ok())
    });
    (!line).then(|| format!("`#{anchor}` is no line anchor of {}", shown(file)))
}

/// `rest` follows `https://github.com/<repository>/`.
fn check_repository_url(
    rest: &str,
    release: &Release,
    repo: &Path,
    anchors_of: &mut dyn FnMut(&Path) -> Anchors,
) -> Option<String> {
    let (rest, anchor) = match rest.split_once('#') {
        Some((rest, anchor)) => (rest, Some(anchor)),
        None => (rest, None),
    };
    let mut parts = rest.splitn(3, '/');
    let kind = parts.next().unwrap_or_default();
    let (reference, path) = match kind {
        "blob" | "tree" | "raw" => (parts.next()?, parts.next().unwrap_or_default()),
        "releases" => match parts.next()? {
            "tag" | "download" => {
                let tail = parts.next()?;
                (tail.split('/').next().unwrap_or_default(), "")
            }
            _ => return None,
        },
        _ => return None,
    };
    if !release.refs().contains(reference) {
        return Some(format!(
            "ref `{reference}` is not one the release workflow produces ({:?})",
            release.refs()
        ));
    }
    if kind == "releases" && !release.tags.contains(reference) {
        return Some(format!("a release is made only for {:?}", release.tags));
    }
    if path.is_empty() {
        return None;
    }
    let file = repo.join(path);
    if !file.exists() {
        return Some(format!("{path} is not in the repository"));
    }
    check_anchor(&file, anchor, anchors_of)
}

/// Every URL into the repository written in a text, in code or not (a tool's output shown in
/// the docs is what users click).
fn repository_urls(text: &str, repository: &str) -> Vec<String> {
    let needle = format!("https://github.com/{repository}/");
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = text[from..].find(&needle) {
        let start = from + at;
        let url: String = text[start..]
            .chars()
            .take_while(|c| {
                !c.is_whitespace() && !matches!(c, ')' | '`' | '"' | '\'' | '>' | ']' | '|')
            })
            .collect();
        from = start + url.len();
        out.push(url.trim_end_matches(['.', ',', ';', ':']).to_string());
    }
    out
}

/// All problems of the repository's docs, one line each.
fn problems(release: &Release, repo: &Path) -> Vec<String> {
    let mut cache: BTreeMap<PathBuf, Anchors> = BTreeMap::new();
    let mut anchors_of = |file: &Path| {
        cache
            .entry(file.to_path_buf())
            .or_insert_with(|| anchors(&read(file)))
            .clone()
    };
    let owner = release.repository.split('/').next().unwrap_or_default();
    let mut out = Vec::new();
    for file in documents() {
        let text = read(&file);
        let mut targets = uses_lines(&text);
        targets.extend(action_mentions(&text, owner));
        for target in targets {
            if let Some(why) = check_action(&target, release, repo) {
                out.push(format!("{}: {why}", shown(&file)));
            }
        }
        for tag in tag_mentions(&text) {
            if !release.tags.contains(&tag) {
                out.push(format!(
                    "{}: tag `{tag}` is not one the release workflow makes ({:?})",
                    shown(&file),
                    release.tags
                ));
            }
        }
        let mut seen = BTreeSet::new();
        let absolute = repository_urls(&text, &release.repository);
        for link in links(&text).into_iter().chain(absolute) {
            if !seen.insert(link.clone()) {
                continue;
            }
            if let Some(why) = check_link(&link, &file, release, repo, &mut anchors_of) {
                out.push(format!("{}: {why}", shown(&file)));
            }
        }
    }
    for file in release_files() {
        let text = read(&file);
        for target in action_mentions(&text, owner) {
            if let Some(why) = check_action(&target, release, repo) {
                out.push(format!("{}: {why}", shown(&file)));
            }
        }
    }
    // The sections that messages, input descriptions and workflow comments point users to.
    let root = repo.join("README.md");
    for file in release_files().into_iter().chain(source_files()) {
        for mention in doc_mentions(&read(&file)) {
            if let Some(why) = check_link(&mention, &root, release, repo, &mut anchors_of) {
                out.push(format!("{}: {why}", shown(&file)));
            }
        }
    }
    out
}

#[test]
fn docs_name_only_what_the_release_produces_and_links_resolve() {
    let problems = problems(&release(), &common::repo());
    assert!(
        problems.is_empty(),
        "{} problems in the docs:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn the_allowed_tags_come_from_the_release_workflow() {
    let repo = "https://github.com/dpone/observability-action";
    let workflow = read(&common::repo().join(".github/workflows/release.yml"));
    let release = release_from(&workflow, "0.1.0", repo);
    assert_eq!(release.repository, "dpone/observability-action");
    assert_eq!(release.tags, BTreeSet::from(["v0".into(), "v0.1.0".into()]));
    let release = release_from(&workflow, "2.3.4", repo);
    assert_eq!(release.tags, BTreeSet::from(["v2".into(), "v2.3.4".into()]));
    // A workflow that moved no major tag would allow only the version tag.
    let without_major = workflow.replace(r#""refs/tags/$major""#, "");
    let release = release_from(&without_major, "0.1.0", repo);
    assert_eq!(release.tags, BTreeSet::from(["v0.1.0".into()]));
}

#[test]
fn anchors_follow_github_slug_rules() {
    let doc = "# Pull requests from forks\n\n## Pull requests from forks\n\n\
               ### Which `uses:` line to pin\n\n### Other runners: macOS, Windows\n\n\
               ## `metrics.empty`\n\n## ✅ Done_now — *really*\n\n\
               ```yaml\n# .github/not-a-heading.yml\n```\n";
    let found = anchors(doc).all;
    let expected: BTreeSet<String> = [
        "pull-requests-from-forks",
        "pull-requests-from-forks-1",
        "which-uses-line-to-pin",
        "other-runners-macos-windows",
        "metricsempty",
        "-done_now--really",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(found, expected);
}

/// The checker finds each kind of wrong line in a made-up repository.
#[test]
fn the_checker_rejects_each_kind_of_wrong_reference() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::create_dir_all(root.join("cli")).unwrap();
    std::fs::create_dir_all(root.join("docs")).unwrap();
    std::fs::write(root.join("action.yml"), "name: a\n").unwrap();
    std::fs::write(root.join("cli/action.yml"), "name: a\n").unwrap();
    std::fs::write(
        root.join("docs/runbooks.md"),
        "# Runbooks\n\n## `metrics.empty`\n",
    )
    .unwrap();
    let doc = root.join("docs/guide.md");
    std::fs::write(&doc, "# Guide\n\n## Forks\n\n## Forks\n").unwrap();
    let release = Release {
        repository: "dpone/observability-action".into(),
        tags: BTreeSet::from(["v0".into(), "v0.1.0".into()]),
    };
    let mut anchors_of = |file: &Path| anchors(&read(file));
    let action = |t: &str| check_action(t, &release, root);
    assert_eq!(action("dpone/observability-action@v0"), None);
    assert_eq!(action("dpone/observability-action/cli@v0.1.0"), None);
    assert_eq!(action("dpone/observability-action@main"), None);
    assert_eq!(action("actions/checkout@v4"), None);
    assert_eq!(action("./cli"), None);
    assert!(action("dpone/observability-action@v1").is_some());
    assert!(action("dpone/observability-action@v1.2.3").is_some());
    assert!(action("dpone/observability@v0").is_some());
    assert!(action("dpone/observability-action/nowhere@v0").is_some());
    assert!(action("./nowhere").is_some());
    let mut link = |t: &str| check_link(t, &doc, &release, root, &mut anchors_of);
    assert_eq!(link("runbooks.md#metricsempty"), None);
    assert_eq!(link("#forks-1"), None);
    assert_eq!(link("../action.yml#L1"), None);
    assert_eq!(link("https://example.com/x#y"), None);
    assert_eq!(
        link(
            "https://github.com/dpone/observability-action/blob/main/docs/runbooks.md#metricsempty"
        ),
        None
    );
    assert_eq!(
        link("https://github.com/dpone/observability-action/tree/main/docs"),
        None
    );
    assert!(link("#forks-2").is_some());
    assert!(
        link("#forks").is_some(),
        "the first of two `Forks` is ambiguous"
    );
    assert!(link("runbooks.md#metrics-empty").is_some());
    assert!(link("missing.md").is_some());
    assert!(link("../../outside.md").is_some());
    assert!(link("../action.yml#top").is_some());
    assert!(
        link("https://github.com/dpone/observability-action/blob/v1.0.0/docs/runbooks.md")
            .is_some()
    );
    assert!(
        link("https://github.com/dpone/observability-action/blob/main/docs/runbooks.md#nope")
            .is_some()
    );
    assert!(link("https://github.com/dpone/observability-action/blob/main/docs/gone.md").is_some());
    assert!(
        link("https://github.com/dpone/observability-action/releases/download/main/x").is_some()
    );
    // Mentions in prose and `uses:` lines are both found; images and URLs are not actions.
    let text = "Pin `dpone/observability-action@v1` or\n  - uses: dpone/observability@v0\n\
                image ghcr.io/dpone/observability-action@sha256:abc and \
                https://github.com/dpone/observability-action/blob/v0/x\n\
                Which `uses:` line to pin, or `dpone/observability-action@<commit>`\n";
    assert_eq!(
        action_mentions(text, "dpone"),
        ["dpone/observability-action@v1", "dpone/observability@v0"]
    );
    assert_eq!(uses_lines(text), ["dpone/observability@v0"]);
    assert_eq!(
        tag_mentions(
            "gh release download v1.2.3 --repo x; git ls-remote r refs/tags/v0.1.0.\n\
                      gh release download \"$TAG\"; refs/tags/<tag>"
        ),
        ["v1.2.3", "v0.1.0"]
    );
    assert_eq!(
        doc_mentions(
            "see docs/action-reference.md#pull-requests-from-forks. Or docs/x.md, mydocs/y.md#z"
        ),
        ["docs/action-reference.md#pull-requests-from-forks"]
    );
    assert_eq!(
        repository_urls(text, "dpone/observability-action"),
        ["https://github.com/dpone/observability-action/blob/v0/x"]
    );
}

/// The runbook links' ref (a release build links its tag, every other build `main`) is told
/// where users read about links, under the variable's real name.
#[test]
fn the_runbook_ref_rule_is_documented() {
    use dpone_observability::observability::blockers::RELEASE_TAG_VARIABLE;
    let repo = common::repo();
    let reference = read(&repo.join("docs/action-reference.md"));
    let section = reference
        .split("\n## Runbook links\n")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("action-reference.md has a Runbook links section");
    assert!(section.contains(RELEASE_TAG_VARIABLE), "{section}");
    assert!(section.contains("links `main`"), "{section}");
    let cli = read(&repo.join("docs/cli-reference.md"));
    assert!(
        cli.contains("links `blob/main/docs/runbooks.md` instead"),
        "{cli}"
    );
}
