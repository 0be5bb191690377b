//! Tests of the trend page: escaping, the CSP hashes, marks, bands, gaps and the size bound.

use super::*;
use crate::observability::history::{Entry, HistoryFile, SeriesKey, HISTORY_SCHEMA_VERSION};

fn key(name: &str, labels: &[(&str, &str)]) -> SeriesKey {
    SeriesKey {
        name: name.to_string(),
        labels: labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

/// A history of `runs` runs of the given series, value `f(series, run)`.
fn history(
    series: Vec<SeriesKey>,
    runs: usize,
    f: impl Fn(usize, usize) -> Option<f64>,
) -> HistoryFile {
    let entries = (0..runs)
        .map(|run| Entry {
            previous_sha256: None,
            revision: Some(format!("{run:07x}{}", "0".repeat(33))),
            run_id: Some(format!("{}", 1000 + run)),
            run_attempt: Some("1".to_string()),
            generated_at: format!("2026-01-01T00:00:{:02}Z", run % 60),
            verdict: "passed".to_string(),
            values: (0..series.len()).map(|s| f(s, run)).collect(),
            breached: Vec::new(),
        })
        .collect();
    HistoryFile {
        schema_version: HISTORY_SCHEMA_VERSION,
        series,
        entries,
    }
}

fn page(file: &HistoryFile, options: &PageOptions) -> String {
    let mut out = Vec::new();
    render(file, options, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn base64_and_the_csp_hashes_match_the_page() {
    assert_eq!(base64(b""), "");
    assert_eq!(base64(b"f"), "Zg==");
    assert_eq!(base64(b"fo"), "Zm8=");
    assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    let file = history(vec![key("m", &[])], 3, |_, r| Some(r as f64));
    let html = page(&file, &PageOptions::default());
    let style = html
        .split("<style>")
        .nth(1)
        .unwrap()
        .split("</style>")
        .next()
        .unwrap();
    let script = html
        .split("<script>")
        .nth(1)
        .unwrap()
        .split("</script>")
        .next()
        .unwrap();
    let csp = content_security_policy();
    assert!(csp.contains(&csp_hash(style)) && csp.contains(&csp_hash(script)));
    assert!(html.contains(&format!("content=\"{csp}\"")));
    assert!(
        !html.contains("style=\""),
        "no style attribute (the CSP would refuse it)"
    );
    assert!(!html.contains("http://") && !html.contains("src="));
}

#[test]
fn hostile_names_labels_and_commits_stay_text() {
    let hostile = "</script><script>alert(1)</script><!--\u{2028}";
    let mut file = history(
        vec![key(
            hostile,
            &[("x\"><img src=x onerror=alert(1)>", hostile)],
        )],
        2,
        |_, r| Some(r as f64),
    );
    file.entries[1].revision = Some("<b>bold</b>".to_string());
    file.entries[1].run_id = Some("<i>".to_string());
    let options = PageOptions {
        title: hostile.to_string(),
        repository_url: Some("https://github.com/o/r".to_string()),
        ..PageOptions::default()
    };
    let html = page(&file, &options);
    assert!(!html.contains("<script>alert"));
    assert!(!html.contains("<img"));
    assert!(!html.contains("<b>") && !html.contains("<i>"));
    assert!(html.contains(&format!("<h2 id=\"g0\">{}</h2>", escape(hostile))));
    assert_eq!(
        html.matches("<script").count(),
        2,
        "the data block and the script only"
    );
    let value = serde_json::json!({ "a": hostile });
    let json = script_json(&value);
    assert!(!json.contains('<') && !json.contains('\u{2028}'));
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&json).unwrap(),
        value
    );
}

#[test]
fn only_a_plain_github_repository_is_linked() {
    assert_eq!(
        github_repository("https://github.com/o-1/r.x/").as_deref(),
        Some("https://github.com/o-1/r.x")
    );
    for bad in [
        "javascript:alert(1)",
        "https://github.com/o",
        "https://github.com/o/r/x",
        "https://github.com/../r",
        "https://evil.example/o/r",
        "https://github.com/o/r\"",
    ] {
        assert_eq!(github_repository(bad), None, "{bad}");
    }
}

#[test]
fn marks_band_and_this_run_are_drawn() {
    let file = history(
        vec![key("m", &[("job", "a")]), key("m", &[("job", "b")])],
        10,
        |s, r| (s == 0 || r != 4).then_some(if r < 6 { 10.0 } else { 20.0 }),
    );
    let options = PageOptions {
        notes: vec![(
            key("m", &[("job", "a")]),
            SeriesNotes {
                band: Some(Band {
                    lower: None,
                    upper: Some(22.0),
                }),
                marks: vec![Mark {
                    index: 6,
                    mean_before: 10.0,
                    mean_after: 20.0,
                    p_value: 0.01,
                }],
            },
        )],
        ..PageOptions::default()
    };
    let html = page(&file, &options);
    assert_eq!(html.matches("<figure class=\"chart\"").count(), 2);
    // Short histories: every value is a point; the newest run of each chart is highlighted.
    assert_eq!(html.matches("<circle class=\"pt").count(), 10 + 9);
    assert_eq!(html.matches("class=\"pt now\"").count(), 2);
    assert_eq!(html.matches("class=\"pt cp\"").count(), 1);
    assert!(html.contains("step change at 0000006: +100% (p = 0.01)"));
    assert!(html.contains(">0000006</text>"));
    assert_eq!(html.matches("<rect class=\"b\"").count(), 1);
    assert!(html.contains("Limits: lower none, upper 22."));
    // The second series lacks run 5: its line starts again after the gap.
    let second = html.split("id=\"c1\"").nth(1).unwrap();
    let second = second.split("</figure>").next().unwrap();
    let d = second
        .split("class=\"l\" d=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    assert_eq!(d.matches('M').count(), 2, "{d}");
    assert_eq!(second.matches("<tr><th>").count(), 9);
    assert!(!second.contains("<tr><th>5<td>"));
}

#[test]
fn a_mark_past_the_values_is_ignored_and_y_starts_at_zero_unless_negative() {
    let file = history(vec![key("m", &[])], 3, |_, r| Some(r as f64 - 1.0));
    let options = PageOptions {
        notes: vec![(
            key("m", &[]),
            SeriesNotes {
                band: None,
                marks: vec![Mark {
                    index: 9,
                    mean_before: 1.0,
                    mean_after: 2.0,
                    p_value: 0.5,
                }],
            },
        )],
        ..PageOptions::default()
    };
    let html = page(&file, &options);
    assert!(!html.contains("class=\"cp\""));
    assert!(html.contains("The y axis starts at -1."), "{html}");
    let file = history(vec![key("m", &[])], 3, |_, r| Some(r as f64 + 5.0));
    assert!(page(&file, &PageOptions::default()).contains("The y axis starts at 0."));
}

#[test]
fn long_values_are_shown_to_six_significant_digits() {
    assert_eq!(shown_value(0.1 + 0.2), "0.3");
    assert_eq!(shown_value(23.740000000000002), "23.74");
    assert_eq!(shown_value(1234.5678), "1234.5678");
    assert_eq!(shown_value(123456.789012), "123457");
    assert_eq!(shown_value(-0.000123456789), "-0.000123457");
    assert_eq!(shown_value(1e300), "1e300");
}

#[test]
fn sparklines_span_the_eight_levels() {
    assert_eq!(
        sparkline(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]),
        "▁▂▃▄▅▆▇█"
    );
    assert_eq!(sparkline(&[5.0, 5.0]), "▄▄");
    assert_eq!(sparkline(&[0.0, f64::NAN, 10.0]), "▁ █");
    assert_eq!(sparkline(&[]), "");
}

#[test]
fn an_empty_history_says_so() {
    let file = history(Vec::new(), 0, |_, _| None);
    let html = page(&file, &PageOptions::default());
    assert!(html.contains("id=\"empty\""));
    assert!(!html.contains("<figure"));
}

#[test]
fn one_metric_only_for_a_site_page() {
    let file = history(vec![key("a", &[]), key("b", &[])], 2, |_, r| Some(r as f64));
    assert_eq!(metrics(&file), ["a", "b"]);
    let options = PageOptions {
        metric: Some("b".to_string()),
        ..PageOptions::default()
    };
    let html = page(&file, &options);
    assert_eq!(html.matches("<figure").count(), 1);
    assert!(html.contains("<h2 id=\"g0\">b</h2>"));
}

#[test]
fn a_hundred_series_of_five_hundred_runs_stay_under_1_5_mib() {
    let series = (0..100)
        .map(|s| key("dpone_duration_seconds", &[("job", &format!("job_{s:03}"))]))
        .collect();
    let file = history(series, 500, |s, r| {
        // Sums that are not exact in binary: 17 digits stored, 6 shown.
        Some(((s * 7919 + r * 104_729) % 100_000) as f64 / 1000.0 * 1.1 + 0.1)
    });
    let html = page(&file, &PageOptions::default());
    assert!(html.len() <= 1536 * 1024, "{} bytes", html.len());
    assert!(html.contains("<td>"), "values are in tables");
    assert_eq!(html.matches("<figure").count(), 100);
    assert_eq!(
        html.matches("<circle").count(),
        100,
        "only this run is a point"
    );
}

/// The numbers `<svg>`, `<circle>`, `<rect>` and `<line>` carry, as written.
fn coordinates(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for attribute in [
        " x=\"",
        " y=\"",
        " cx=\"",
        " cy=\"",
        " x1=\"",
        " x2=\"",
        " y1=\"",
        " y2=\"",
        " width=\"",
        " height=\"",
        " d=\"",
        " viewBox=\"",
    ] {
        for part in html.split(attribute).skip(1) {
            found.push(part.split('"').next().unwrap_or("").to_string());
        }
    }
    found
}

#[test]
fn extreme_values_limits_and_means_stay_finite_and_drawn_in_order() {
    let max = f64::MAX;
    let values = [-max, 0.0, max, -0.0, 5e-324, -5e-324, max, -max];
    let file = history(vec![key("m", &[])], values.len(), |_, r| Some(values[r]));
    let options = PageOptions {
        notes: vec![(
            key("m", &[]),
            SeriesNotes {
                band: Some(Band {
                    lower: Some(f64::NAN),
                    upper: Some(f64::INFINITY),
                }),
                marks: vec![
                    Mark {
                        index: 2,
                        mean_before: 5e-324,
                        mean_after: 1.0,
                        p_value: 0.01,
                    },
                    Mark {
                        index: 4,
                        mean_before: f64::NAN,
                        mean_after: f64::INFINITY,
                        p_value: f64::NAN,
                    },
                ],
            },
        )],
        ..PageOptions::default()
    };
    let html = page(&file, &options);
    assert!(!html.contains("NaN"), "{html}");
    assert!(!html.contains('∞'), "the axis and the change are finite");
    for number in coordinates(&html) {
        assert!(
            number
                .chars()
                .all(|c| c.is_ascii_digit() || " -MlVH".contains(c)),
            "{number}"
        );
    }
    // −MAX at the bottom, 0 in the middle, MAX at the top.
    let cy = |run: usize| -> i64 {
        let at = html.find(&format!("data-i=\"{run}\"")).unwrap();
        let circle = &html[html[..at].rfind("<circle").unwrap()..at];
        let cy = circle
            .split(" cy=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        cy.parse().unwrap()
    };
    assert!(
        cy(1) > cy(2) && cy(2) > cy(3),
        "{} {} {}",
        cy(1),
        cy(2),
        cy(3)
    );
    let html_again = page(&file, &options);
    assert_eq!(html, html_again, "same input, same bytes");
}

#[test]
fn sparklines_of_the_widest_range_keep_their_order() {
    let max = f64::MAX;
    assert_eq!(sparkline(&[-max, 0.0, max]), "▁▅█");
    assert_eq!(sparkline(&[5e-324, 1e-323]), "▁█");
}

#[test]
fn the_change_point_search_of_a_page_is_bounded_and_says_so() {
    // Three stepped series of 40 runs; a budget of 100 values searches the first two only.
    let series = vec![key("a", &[]), key("b", &[]), key("c", &[])];
    let file = history(series, 40, |_, r| Some(if r < 20 { 1.0 } else { 9.0 }));
    let options = ChangePointOptions::default();
    let mut notes = Vec::new();
    assert_eq!(
        mark_change_points_within(&file, &options, &mut notes, 100),
        1
    );
    let marked: Vec<&str> = notes.iter().map(|(k, _)| k.name.as_str()).collect();
    assert_eq!(marked, ["a", "b"]);
    let mut all = Vec::new();
    assert_eq!(mark_change_points(&file, &options, &mut all), 0);
    assert_eq!(all.len(), 3);
    let html = page(
        &file,
        &PageOptions {
            notes,
            unsearched: 1,
            ..PageOptions::default()
        },
    );
    assert!(
        html.contains(
            "Change points were not searched in 1 series (a page searches at most 50,000 values)."
        ),
        "{html}"
    );
    assert!(!page(&file, &PageOptions::default()).contains("not searched"));
}
