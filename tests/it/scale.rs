//! Large metrics files through the compact point store: Python's non-finite tokens rewritten
//! while streaming (wherever a read ends), and repeats counted without being kept.

use crate::common::*;

/// Runs an export of `file` into `out` under `dir`.
fn export(dir: &std::path::Path, file: &str) -> std::process::Output {
    run_in(
        dir,
        &[
            "metrics-export",
            "--metrics-file",
            file,
            "--label",
            "env=ci",
            "--output-dir",
            "out",
        ],
    )
}

#[test]
fn python_tokens_stream_like_quoted_strings_wherever_a_read_ends() {
    const PIECE: usize = 64 * 1024;
    let tokens = ["NaN", "Infinity", "-Infinity", "1.5", "-2"];
    let (mut bare, mut quoted) = (String::from("{"), String::from("{"));
    let mut boundary = PIECE;
    let mut straddled = 0;
    for i in 0..60_000 {
        let token = tokens[i % tokens.len()];
        // A key with `NaN` and an escaped quote in it is a string, never rewritten.
        let key = format!("\"m{i}{}\": ", if i % 7 == 0 { "_NaN\\\"x" } else { "" });
        let sep = if i == 0 { "" } else { ", " };
        // Before each 64 KiB boundary, a token starts 1..=8 bytes short of it.
        let start = bare.len() + sep.len() + key.len();
        if start + 64 > boundary && token.len() > 3 {
            let short = 1 + (boundary / PIECE - 1) % 8;
            let pad = (boundary - short).saturating_sub(start);
            bare.push_str(&" ".repeat(pad));
            quoted.push_str(&" ".repeat(pad));
            if bare.len() + sep.len() + key.len() + short == boundary {
                straddled += 1;
            }
            boundary += PIECE;
        }
        bare.push_str(&format!("{sep}{key}{token}"));
        let value = match token {
            "NaN" | "Infinity" | "-Infinity" => format!("\"{token}\""),
            number => number.to_string(),
        };
        quoted.push_str(&format!("{sep}{key}{value}"));
    }
    bare.push('}');
    quoted.push('}');
    assert!(
        straddled >= 8,
        "only {straddled} tokens straddle a boundary"
    );
    let tmp = tempfile::tempdir().unwrap();
    let mut outputs = Vec::new();
    for (name, text) in [("bare", &bare), ("quoted", &quoted)] {
        let dir = tmp.path().join(name);
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("m.json"), text).unwrap();
        let o = export(&dir, "m.json");
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let report = check_export(&dir.join("out"));
        assert_eq!(report["metric_count"], 60_000);
        outputs.push(
            ["prometheus_metrics.prom", "runtime_metrics.json"]
                .map(|f| std::fs::read(dir.join("out").join(f)).unwrap()),
        );
    }
    assert!(outputs[0] == outputs[1], "bare and quoted tokens differ");
    let prom = String::from_utf8(outputs[0][0].clone()).unwrap();
    for line in [
        "dpone_m0_nan_x{env=\"ci\"} NaN\n",
        "dpone_m1{env=\"ci\"} +Inf\n",
        "dpone_m2{env=\"ci\"} -Inf\n",
        "dpone_m7_nan_x{env=\"ci\"} -Inf\n",
    ] {
        assert!(prom.contains(line), "{line}");
    }
}

#[test]
fn repeats_in_a_large_file_are_counted_and_ten_described() {
    let mut text = String::from("{");
    for i in 0..50_000 {
        if i > 0 {
            text.push_str(", ");
        }
        // `a-i` and `a_i` both become `dpone_a_i`: the first in raw-name order is kept.
        text.push_str(&format!("\"a_{i}\": {i}, \"a-{i}\": -{i}"));
    }
    text.push('}');
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("m.json"), text).unwrap();
    let o = export(tmp.path(), "m.json");
    let report = read_json(&tmp.path().join("out/runtime_metrics.json"));
    assert_eq!(report["metric_count"], 50_000, "{}", stderr(&o));
    let details = report["blocker_details"].as_array().unwrap();
    let duplicate = details
        .iter()
        .find(|d| d["code"] == "metrics.duplicate_series")
        .expect("a duplicate-series blocker");
    let message = duplicate["message"].as_str().unwrap();
    assert!(
        message.starts_with("50000 duplicate series dropped: `dpone_a_0` from `a_0` (value 0) repeats `a-0`, which was kept; "),
        "{message}"
    );
    assert_eq!(message.matches("which was kept").count(), 10, "{message}");
    assert!(message.ends_with("; and 49990 more"), "{message}");
    // The kept one is `a-i` (first in raw-name order), with its value.
    let prom = std::fs::read_to_string(tmp.path().join("out/prometheus_metrics.prom")).unwrap();
    assert!(prom.contains("dpone_a_1{env=\"ci\"} -1\n"));
}
