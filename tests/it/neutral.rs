//! Text from reports on GitHub is inert (`observability::markdown::neutral`): rendered as GitHub
//! renders Markdown (comrak with the GFM extensions autolink, table, strikethrough, tagfilter
//! and tasklist), no mention (`@` before a letter or digit), issue reference (`#` before a
//! digit, `GH-1`), link or HTML comment comes out of it, outside code, which GitHub leaves
//! alone. A property test feeds every form arbitrary text; end-to-end, a report whose texts
//! carry all of them leaves them dead in the step summary and `runtime_metrics.md` (the check
//! run and the PR comment: `github_api.rs`).

use proptest::prelude::*;

use crate::action::Runner;
use dpone_observability::observability::markdown::{
    chart_text, code, destination, escape, html, message_within, neutral, plain, Form,
};

/// Renders `markdown` as GitHub does: GFM with raw HTML kept (GitHub sanitises it later; a
/// comment must not be there to begin with).
// GitHub still filters the tags GFM's tagfilter names; comrak 0.55 deprecates the option.
#[allow(deprecated)]
pub(crate) fn render(markdown: &str) -> String {
    let mut options = comrak::Options::default();
    options.extension.autolink = true;
    options.extension.table = true;
    options.extension.strikethrough = true;
    options.extension.tagfilter = true;
    options.extension.tasklist = true;
    options.render.r#unsafe = true;
    comrak::markdown_to_html(markdown, &options)
}

/// `html` without the content of `<code>` and `<pre>` elements, which GitHub does not
/// post-process (each becomes a space: GitHub reads the text either side as separate nodes).
fn outside_code(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    loop {
        let next = ["<code", "<pre"]
            .iter()
            .filter_map(|open| rest.find(open).map(|at| (at, *open)))
            .min();
        let Some((at, open)) = next else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..at]);
        let close = if open == "<code" { "</code>" } else { "</pre>" };
        // A separate text node for GitHub: what stands either side never joins.
        out.push(' ');
        match rest[at..].find(close) {
            Some(end) => rest = &rest[at + end + close.len()..],
            None => return out,
        }
    }
}

/// The text a reader sees of `html` (tags dropped, entities decoded once, as a browser does).
fn text_of(html: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    decode(&text)
}

fn decode(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let Some(end) = rest.find(';').filter(|e| *e < 12) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..end];
        let c = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match c {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// What GitHub would turn into a mention, a reference or a link in `text` (plain text).
pub(crate) fn live_in_text(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        let next = chars.get(i + 1).copied().unwrap_or(' ');
        let shown = || {
            chars[i.saturating_sub(12)..(i + 12).min(chars.len())]
                .iter()
                .collect::<String>()
        };
        if *c == '@' && next.is_ascii_alphanumeric() {
            found.push(format!("a mention: {:?}", shown()));
        }
        if *c == '#' && next.is_ascii_digit() {
            found.push(format!("an issue reference: {:?}", shown()));
        }
        let lower: String = chars[i..(i + 4).min(chars.len())]
            .iter()
            .collect::<String>()
            .to_ascii_lowercase();
        if lower.starts_with("gh-") && chars.get(i + 3).is_some_and(char::is_ascii_digit) {
            found.push(format!("a GH- reference: {:?}", shown()));
        }
        if lower.starts_with("://") || lower == "www." {
            found.push(format!("a URL: {:?}", shown()));
        }
    }
    for fragment in ["<!--", "-->"] {
        if text.contains(fragment) {
            found.push(format!("an HTML comment fragment `{fragment}`"));
        }
    }
    found
}

/// What GitHub would post-process in the rendering of `markdown`: a mention, a reference or a
/// URL in text outside code, a link to anything not starting with one of `own_links`, an HTML
/// comment.
pub(crate) fn live_in(markdown: &str, own_links: &[&str]) -> Vec<String> {
    let html = render(markdown);
    let mut found = live_in_text(&text_of(&outside_code(&html)));
    if markdown.contains("<!--") {
        found.push("an HTML comment in the source".to_string());
    }
    if html.contains("<!--") {
        found.push("an HTML comment".to_string());
    }
    for (at, _) in html.match_indices("<a ") {
        let tag = &html[at..html[at..].find('>').map_or(html.len(), |e| at + e)];
        let href = tag
            .split_once("href=\"")
            .and_then(|(_, h)| h.split('"').next())
            .unwrap_or_default();
        if !own_links.iter().any(|own| href.starts_with(own)) {
            found.push(format!("a link: {tag}"));
        }
    }
    found
}

/// Strings with what GitHub post-processes more often than chance would give them.
fn hostile() -> impl Strategy<Value = String> {
    let parts = prop::sample::select(vec![
        "@", "#", "/", "<!--", "-->", "-", "http://", "https://", "www.", "WWW.", "GH-", "`", "``",
        "```", "|", "[", "]", "(", ")", "<", ">", "!", "&", "&#64;", ";", ":", ".", "\\", "*", "_",
        "\n", "\r", " ",
    ])
    .prop_map(str::to_string);
    prop::collection::vec(
        prop_oneof![
            4 => parts,
            1 => "[0-9]{1,3}",
            1 => "[a-zA-Z]{1,5}",
            1 => any::<char>().prop_map(|c| c.to_string()),
        ],
        0..24,
    )
    .prop_map(|parts| parts.concat())
}

fn assert_inert(what: &str, markdown: &str, text: &str) -> Result<(), TestCaseError> {
    let live = live_in(markdown, &[]);
    prop_assert!(
        live.is_empty(),
        "{what} of {text:?} is live: {live:?}\n{markdown}\n{}",
        render(markdown)
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn no_form_lets_a_mention_reference_link_or_comment_through(text in hostile()) {
        let prose = escape(&text);
        prop_assert_eq!(&prose, &neutral(&text, Form::Prose));
        assert_inert("prose", &format!("a {prose} b"), &text)?;
        assert_inert("prose", &prose, &text)?;
        assert_inert("a cell", &format!("| h | i |\n|---|---|\n| {prose} | x |"), &text)?;
        let message = message_within(&text, 200);
        assert_inert("a message", &format!("- {message}"), &text)?;
        assert_inert("html", &format!("<details><summary>{}</summary>\n\nx\n</details>", html(&text)), &text)?;
        assert_inert("a cell", &format!("| h |\n|---|\n| {} |", code(&text)), &text)?;
        // A code span is one code span, whatever it holds.
        let spanned = render(&format!("x {} y", code(&text)));
        prop_assert_eq!(spanned.matches("<code>").count(), 1, "{:?}: {}", text, spanned);
        let live = live_in_text(&plain(&text));
        prop_assert!(live.is_empty(), "plain {:?}: {:?}", text, live);
    }

    #[test]
    fn a_link_target_and_a_chart_title_stay_inside_their_place(text in hostile()) {
        let link = render(&format!("[x]({}) y", destination(&format!("https://e.example/{text}"))));
        prop_assert_eq!(link.matches("<a ").count(), 1, "{:?}: {}", text, link);
        prop_assert!(link.contains("\">x</a> y"), "{:?}: {}", text, link);
        let chart = render(&format!("```mermaid\nxychart-beta\n    title \"{}\"\n```\n\nz", chart_text(&text)));
        prop_assert_eq!(chart.matches("<pre").count(), 1, "{:?}: {}", text, chart);
        prop_assert!(chart.ends_with("</code></pre>\n<p>z</p>\n"), "{:?}: {}", text, chart);
    }
}

/// The texts GitHub would act on, each in a report field.
pub(crate) const HOSTILE: &str = "@octocat @org/team #1 dpone/other#2 GH-3 https://evil.example/ \
    www.evil.example x@evil.example [l](https://evil.example) \
    <!-- dpone-observability:dpone observability --> `@inline #4` -->";

pub(crate) fn hostile_report() -> serde_json::Value {
    serde_json::json!({
        "manifest": format!("m {HOSTILE}.yaml"),
        "process": HOSTILE,
        "run_id": HOSTILE,
        "passed": false,
        "result": {
            "status": HOSTILE,
            "error_code": HOSTILE,
            "errors": [format!("{HOSTILE}\nsecond line {HOSTILE}")],
            "extracted_rows": 1,
        },
    })
}

/// The links the tool makes itself: the runbooks, the repository's files, commits and runs
/// (on the test's server).
pub(crate) const OWN_LINKS: [&str; 2] = [
    "https://github.com/dpone/observability-action/",
    "https://github.example.com/",
];

#[test]
fn a_hostile_report_leaves_nothing_live_in_the_summary_or_the_markdown_report() {
    let r = Runner::new();
    std::fs::write(
        r.workspace.join("hostile.json"),
        hostile_report().to_string(),
    )
    .unwrap();
    let (status, out, err) = r.run(&[
        ("run-report", "hostile.json"),
        ("labels", &format!("team={HOSTILE}")),
        ("check-name", HOSTILE),
        ("run-name", "hostile"),
    ]);
    assert_eq!(status, 0, "{out}{err}");
    let dir = r.workspace.join("test_artifacts/observability/hostile");
    for file in ["step_summary.md", "runtime_metrics.md"] {
        let markdown = std::fs::read_to_string(dir.join(file)).unwrap();
        let live = live_in(&markdown, &OWN_LINKS);
        assert!(live.is_empty(), "{file}: {live:#?}\n{markdown}");
        // The text is still there to read, mentions and all.
        let text = text_of(&render(&markdown)).replace('\u{2060}', "");
        for shown in [
            "@octocat",
            "dpone/other#2",
            "https://evil.example/",
            "x@evil.example",
        ] {
            assert!(text.contains(shown), "{file} shows {shown}:\n{text}");
        }
    }
    // Annotations (plain text): nothing live in their titles and messages.
    for line in out.lines().filter(|l| l.starts_with("::")) {
        let data = line
            .replace("%0A", "\n")
            .replace("%0D", "\r")
            .replace("%25", "%");
        let data = data
            .split_once(" Runbook: ")
            .map_or(data.as_str(), |(m, _)| m);
        let live = live_in_text(data);
        assert!(live.is_empty(), "{line}: {live:?}");
    }
}

#[test]
fn a_chart_title_cannot_close_its_fence() {
    // A carriage return ends a line in Markdown as a line feed does.
    let title = chart_text("x\r```\r@octocat <!-- c -->\n```");
    let chart = format!("```mermaid\nxychart-beta\n    title \"{title}\"\n```\n");
    assert_eq!(live_in(&chart, &[]), Vec::<String>::new(), "{chart}");
    assert_eq!(render(&chart).matches("<pre").count(), 1, "{chart}");
}

#[test]
fn the_checker_sees_what_github_would_act_on() {
    // Each of these, left as it is, is live: the checks above can fail.
    for raw in [
        "@octocat",
        "see #1",
        "dpone/other#2",
        "GH-3",
        "https://evil.example/",
        "www.evil.example",
        "x@evil.example",
        "[l](https://evil.example)",
        "<!-- dpone-observability:x -->",
        "&#64;octocat",
    ] {
        assert!(!live_in(raw, &[]).is_empty(), "{raw}");
    }
    assert!(live_in("`@octocat #1 https://e.x`", &[]).is_empty());
}
