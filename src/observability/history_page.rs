//! The trend page (`history.html`): the carried history drawn as one self-contained HTML file,
//! one inline SVG chart per series grouped by metric, with the rule's limit band, the newest
//! run highlighted, the change points the caller marks, a data table per chart and a little
//! plain JavaScript for hover values and links.
//!
//! Self-contained: no external request of any kind (no CDN, font or image). The page carries
//! its own Content-Security-Policy (`default-src 'none'`, the one `<style>` and the one
//! `<script>` allowed by their sha256 hashes), so it also opens under a strict policy that
//! allows those hashes. Every text from the history (names, labels, commits, run ids) is
//! HTML-escaped; the only data in a script context is the page's settings, as JSON escaped for
//! `<script>`. The JavaScript reads the values from the data tables, so they are written once.
//!
//! Pure: the caller passes the history and writes the bytes.

use std::collections::BTreeMap;
use std::io::{self, Write};

use sha2::{Digest, Sha256};

use super::change_points::{detect, ChangePointOptions};
use super::history::{HistoryFile, SeriesKey};
use super::number;

/// A change point to mark on a series' chart: `index` is the first value of the new segment,
/// an index into the series' values as [`series_values`] lists them (the runs that have one).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mark {
    pub index: usize,
    pub mean_before: f64,
    pub mean_after: f64,
    pub p_value: f64,
}

/// The values a series' rule lets pass (`None` on a side the rule does not check).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Band {
    pub lower: Option<f64>,
    pub upper: Option<f64>,
}

/// What the caller knows of one series beyond its values.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SeriesNotes {
    pub band: Option<Band>,
    pub marks: Vec<Mark>,
}

/// How to draw the page.
#[derive(Debug, Clone, Default)]
pub struct PageOptions {
    /// The `<title>` and heading.
    pub title: String,
    /// `https://github.com/<owner>/<repo>`: the runs and commits are linked when given (any
    /// other form is ignored, see [`github_repository`]).
    pub repository_url: Option<String>,
    /// Per series, its band and change points.
    pub notes: Vec<(SeriesKey, SeriesNotes)>,
    /// Only the series of this metric (a page of the static site); all when `None`.
    pub metric: Option<String>,
    /// Links shown above the charts: (relative address, text).
    pub nav: Vec<(String, String)>,
    /// The series whose change points were not searched ([`MAX_SEARCHED_VALUES`]), said on the
    /// page.
    pub unsearched: usize,
}

/// The most values [`mark_change_points`] searches over all the series of a history (100 series
/// of 500 runs); the series past it are not searched, so 10 000 series cost seconds, not hours.
pub const MAX_SEARCHED_VALUES: usize = 50_000;

/// The series' values with the entry (run) each is from, oldest first: `(entry index, value)`.
/// A [`Mark`]'s `index` is an index into this list.
pub fn series_values(file: &HistoryFile, column: usize) -> Vec<(usize, f64)> {
    file.entries
        .iter()
        .enumerate()
        .filter_map(|(i, e)| e.values.get(column).copied().flatten().map(|v| (i, v)))
        .filter(|(_, v)| v.is_finite())
        .collect()
}

/// The change points of every series of `file` (`change_points::detect` over each series'
/// values, as [`series_values`] lists them), added to `notes` as marks: a series with a note
/// keeps its band. Series are searched in column order while their values add up to at most
/// [`MAX_SEARCHED_VALUES`]; returns how many were not searched.
pub fn mark_change_points(
    file: &HistoryFile,
    options: &ChangePointOptions,
    notes: &mut Vec<(SeriesKey, SeriesNotes)>,
) -> usize {
    mark_change_points_within(file, options, notes, MAX_SEARCHED_VALUES)
}

fn mark_change_points_within(
    file: &HistoryFile,
    options: &ChangePointOptions,
    notes: &mut Vec<(SeriesKey, SeriesNotes)>,
    budget: usize,
) -> usize {
    let mut left = budget;
    let mut unsearched = 0;
    for (column, key) in file.series.iter().enumerate() {
        let values: Vec<f64> = series_values(file, column)
            .into_iter()
            .map(|(_, v)| v)
            .collect();
        // Each series costs at most the values the search reads.
        let cost = values.len().min(super::change_points::MAX_VALUES);
        if cost > left {
            unsearched += 1;
            continue;
        }
        left -= cost;
        let marks: Vec<Mark> = detect(&values, options)
            .into_iter()
            .map(|point| Mark {
                index: point.index,
                mean_before: point.mean_before,
                mean_after: point.mean_after,
                p_value: point.p_value,
            })
            .collect();
        if marks.is_empty() {
            continue;
        }
        match notes.iter_mut().find(|(k, _)| k == key) {
            Some((_, note)) => note.marks = marks,
            None => notes.push((key.clone(), SeriesNotes { band: None, marks })),
        }
    }
    unsearched
}

/// The repository address when it is `https://github.com/<owner>/<repo>` with plain names.
pub fn github_repository(url: &str) -> Option<String> {
    let rest = url
        .trim_end_matches('/')
        .strip_prefix("https://github.com/")?;
    let (owner, repo) = rest.split_once('/')?;
    let plain = |s: &str| {
        !s.is_empty()
            && s != "."
            && s != ".."
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    (plain(owner) && plain(repo)).then(|| format!("https://github.com/{owner}/{repo}"))
}

/// A value as the page shows it: as stored when that takes at most 10 characters, else rounded
/// to 6 significant digits (`0.30000000000000004` is `0.3`; `history.json` keeps it exactly),
/// in exponent form when still longer than 12 (`1e300`), which bounds the tables of
/// 100 series × 500 runs.
pub fn shown_value(v: f64) -> String {
    let exact = v.to_string();
    if exact.len() <= 10 {
        return exact;
    }
    let Ok(rounded) = format!("{v:.5e}").parse::<f64>() else {
        return exact;
    };
    let plain = rounded.to_string();
    if plain.len() <= 12 {
        plain
    } else {
        format!("{rounded:e}")
    }
}

/// The eight levels of a [`sparkline`], lowest first.
const SPARKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// A tiny Unicode chart of `values`, one character per value from `▁` (the lowest) to `█` (the
/// highest); all alike are `▄`, a value that is not finite is a space.
pub fn sparkline(values: &[f64]) -> String {
    let finite = values.iter().copied().filter(|v| v.is_finite());
    let lo = finite.clone().fold(f64::INFINITY, f64::min);
    let hi = finite.fold(f64::NEG_INFINITY, f64::max);
    values
        .iter()
        .map(|&v| {
            if !v.is_finite() {
                ' '
            } else if hi <= lo {
                SPARKS[3]
            } else {
                // A share in 0..=1 times 7 rounds to a level 0..=7.
                SPARKS[(share(v, lo, hi) * 7.0).round().clamp(0.0, 7.0) as usize]
            }
        })
        .collect()
}

/// Where `value` lies from `lo` (0) to `hi` (1), clamped to 0..=1, also when `hi − lo` does not
/// fit an `f64` (`−f64::MAX` to `f64::MAX`); 0 when it is not defined.
fn share(value: f64, lo: f64, hi: f64) -> f64 {
    let share = if (hi - lo).is_finite() {
        (value - lo) / (hi - lo)
    } else {
        (value / 2.0 - lo / 2.0) / (hi / 2.0 - lo / 2.0)
    };
    if share.is_nan() {
        0.0
    } else {
        share.clamp(0.0, 1.0)
    }
}

/// HTML-escaped text, for element content and quoted attribute values alike.
pub fn escape(text: &str) -> String {
    super::markdown::page_text(text)
}

/// JSON that is safe inside `<script>`: no `<`, `>`, `&` (so no `</script>` or `<!--`) and no
/// U+2028/U+2029, each written as its `\u` escape.
pub fn script_json(value: &serde_json::Value) -> String {
    let text = value.to_string();
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// A series as people read it: `name{key="value",…}`.
pub fn series_label(key: &SeriesKey) -> String {
    if key.labels.is_empty() {
        return key.name.clone();
    }
    let labels: Vec<String> = key
        .labels
        .iter()
        .map(|(k, v)| format!("{k}=\"{v}\""))
        .collect();
    format!("{}{{{}}}", key.name, labels.join(","))
}

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:1em auto;max-width:70em;\
padding:0 1em;color:#1f2328}h2{border-bottom:1px solid #d0d7de}figure{margin:1em 0;content-visibility:auto;contain-intrinsic-size:auto 22em}\
figcaption{font-weight:600;overflow-wrap:anywhere}svg{width:100%;max-width:48em;height:auto;\
display:block}svg:focus,circle:focus{outline:3px solid #0969da;outline-offset:2px}\
circle:focus{stroke:#0969da;stroke-width:3}.l{fill:none;stroke:#0969da;stroke-width:1.5}\
.b{fill:#2da44e;fill-opacity:.15;stroke:#2da44e;stroke-dasharray:4 3}.pt{fill:#0969da}\
.now{fill:#cf222e}.cp{stroke:#8250df;stroke-dasharray:3 2}circle.cp{fill:#8250df;stroke:none}\
.cur{stroke:#57606a;fill:none}.ax{font-size:10px;fill:#57606a}.cpl{font-size:10px;fill:#8250df}\
.tip{min-height:1.4em;margin:.2em 0;font-family:monospace}.t{max-height:12em;overflow:auto;\
display:inline-block}table{border-collapse:collapse;font-size:12px}th,td{padding:0 .6em;\
text-align:right;border-bottom:1px solid #eaeef2}caption{text-align:left}";

const SCRIPT: &str = r#"(function(){
var cfg=JSON.parse(document.getElementById('cfg').textContent),repo=cfg.repository,runs={};
document.querySelectorAll('#runs tbody tr').forEach(function(tr){var c=tr.cells;
runs[c[0].textContent]={sha:c[2].textContent,run:c[3].textContent};});
function link(h,t){var a=document.createElement('a');a.href=h;a.textContent=t;return a;}
function vals(f){if(!f.v){f.v={};f.querySelectorAll('tbody tr').forEach(function(tr){
f.v[tr.cells[0].textContent]=tr.cells[1].textContent;});}return f.v;}
function show(f,i){var s=f.querySelector('svg'),n=+s.dataset.n;i=Math.max(1,Math.min(n,i));
f.i=i;var v=vals(f)[i],tip=f.querySelector('.tip'),r=runs[i]||{};tip.textContent='';
tip.append('run #'+i+(r.sha?' ('+r.sha.slice(0,7)+')':'')+': '+(v===undefined?'no value':v));
if(repo&&/^[0-9a-f]{7,64}$/i.test(r.sha)){tip.append(' ',link(repo+'/commit/'+r.sha,'commit'));}
if(repo&&/^[0-9]+$/.test(r.run)){tip.append(' ',link(repo+'/actions/runs/'+r.run,'run'));}
var x=+s.dataset.x+(i-1)*+s.dataset.dx,l=s.querySelector('.cur');
l.setAttribute('x1',x);l.setAttribute('x2',x);l.setAttribute('visibility','visible');}
document.querySelectorAll('figure.chart').forEach(function(f){var s=f.querySelector('svg');
s.addEventListener('mousemove',function(e){var p=s.createSVGPoint();p.x=e.clientX;p.y=e.clientY;
p=p.matrixTransform(s.getScreenCTM().inverse());var dx=+s.dataset.dx||1;
show(f,Math.round((p.x-s.dataset.x)/dx)+1);});
s.addEventListener('focusin',function(e){var i=e.target.dataset.i;show(f,i?+i:(f.i||+s.dataset.n));});
s.addEventListener('keydown',function(e){var d=e.key==='ArrowRight'?1:e.key==='ArrowLeft'?-1:0;
if(d){e.preventDefault();show(f,(f.i||+s.dataset.n)+d);}});});
})();"#;

/// Standard base64 (the CSP hashes).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * k)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `'sha256-…'` of a text, as a CSP source.
fn csp_hash(text: &str) -> String {
    format!("'sha256-{}'", base64(&Sha256::digest(text.as_bytes())))
}

/// The page's Content-Security-Policy: nothing but its own style and script.
pub fn content_security_policy() -> String {
    format!(
        "default-src 'none'; style-src {}; script-src {}; base-uri 'none'; form-action 'none'",
        csp_hash(STYLE),
        csp_hash(SCRIPT)
    )
}

/// The page's series, grouped by metric (sorted by name, then labels): column indexes.
fn groups(file: &HistoryFile, metric: Option<&str>) -> BTreeMap<String, Vec<usize>> {
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (column, key) in file.series.iter().enumerate() {
        if metric.is_none_or(|m| m == key.name) {
            groups.entry(key.name.clone()).or_default().push(column);
        }
    }
    for columns in groups.values_mut() {
        columns.sort_by(|a, b| file.series[*a].cmp(&file.series[*b]));
    }
    groups
}

/// The metrics of a history, sorted, each once.
pub fn metrics(file: &HistoryFile) -> Vec<String> {
    groups(file, None).into_keys().collect()
}

/// Writes the page.
pub fn render(file: &HistoryFile, options: &PageOptions, out: &mut impl Write) -> io::Result<()> {
    let groups = groups(file, options.metric.as_deref());
    let title = escape(&options.title);
    write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<meta name=\"referrer\" content=\"no-referrer\">\
<title>{title}</title><style>{STYLE}</style></head><body><h1>{title}</h1>",
        content_security_policy()
    )?;
    if !options.nav.is_empty() {
        out.write_all(b"<nav><ul>")?;
        for (href, text) in &options.nav {
            write!(
                out,
                "<li><a href=\"{}\">{}</a></li>",
                escape(href),
                escape(text)
            )?;
        }
        out.write_all(b"</ul></nav>")?;
    }
    let charts: usize = groups.values().map(Vec::len).sum();
    if file.entries.is_empty() || charts == 0 {
        out.write_all(b"<p id=\"empty\">No history yet: no run has a gated series.</p>")?;
    } else {
        write!(
            out,
            "<p>{} of {}; the newest run is highlighted in red. Each chart's values are in the \
table under it; the runs are listed at the end.</p>",
            number::count(charts as f64) + if charts == 1 { " chart" } else { " charts" },
            super::text::plural(file.entries.len(), "run"),
        )?;
    }
    if options.unsearched > 0 {
        write!(
            out,
            "<p id=\"unsearched\">Change points were not searched in {} (a page searches at \
most {} values).</p>",
            number::count(options.unsearched as f64) + " series",
            number::count(MAX_SEARCHED_VALUES as f64)
        )?;
    }
    let mut chart = 0;
    for (group, (metric, columns)) in groups.iter().enumerate() {
        write!(
            out,
            "<section aria-labelledby=\"g{group}\"><h2 id=\"g{group}\">{}</h2>",
            escape(metric)
        )?;
        for &column in columns {
            let key = &file.series[column];
            let notes = options
                .notes
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, n)| n.clone())
                .unwrap_or_default();
            write_chart(out, file, column, &notes, chart)?;
            chart += 1;
        }
        out.write_all(b"</section>")?;
    }
    write_runs(out, file)?;
    let repository = options
        .repository_url
        .as_deref()
        .and_then(github_repository);
    let cfg = serde_json::json!({ "repository": repository });
    writeln!(
        out,
        "<script type=\"application/json\" id=\"cfg\">{}</script><script>{SCRIPT}</script>\
</body></html>",
        script_json(&cfg)
    )
}

/// The table of runs: number, time, commit, run id, verdict.
fn write_runs(out: &mut impl Write, file: &HistoryFile) -> io::Result<()> {
    out.write_all(
        b"<h2 id=\"runs-h\">Runs</h2><div class=\"t\"><table id=\"runs\" aria-labelledby=\"runs-h\">\
<thead><tr><th scope=\"col\">Run</th><th scope=\"col\">Time</th><th scope=\"col\">Commit</th>\
<th scope=\"col\">CI run</th><th scope=\"col\">Verdict</th></tr></thead><tbody>",
    )?;
    for (i, entry) in file.entries.iter().enumerate() {
        let run = escape(entry.run_id.as_deref().unwrap_or(""));
        write!(
            out,
            "<tr><th>{}<td>{}<td>{}<td>{run}<td>{}",
            i + 1,
            escape(&entry.generated_at),
            escape(entry.revision.as_deref().unwrap_or("")),
            escape(&entry.verdict)
        )?;
    }
    out.write_all(b"</tbody></table></div>")
}

/// The geometry of a chart: the plot's left edge, its top, height and the step between runs.
struct Frame {
    left: i64,
    top: i64,
    height: i64,
    step: i64,
    width: i64,
    ymin: f64,
    ymax: f64,
}

impl Frame {
    const LEFT: i64 = 64;
    const TOP: i64 = 14;
    const HEIGHT: i64 = 100;
    const RIGHT: i64 = 12;
    const BOTTOM: i64 = 20;
    /// The plot's width is about this, a whole number of pixels per run.
    const PLOT: i64 = 600;

    fn new(runs: usize, values: &[(usize, f64)], band: Option<Band>) -> Frame {
        let gaps = i64::try_from(runs.saturating_sub(1)).unwrap_or(i64::MAX);
        let step = if gaps == 0 {
            0
        } else {
            (Self::PLOT / gaps).max(1)
        };
        let mut lo = values.iter().map(|(_, v)| *v).fold(f64::INFINITY, f64::min);
        let mut hi = values
            .iter()
            .map(|(_, v)| *v)
            .fold(f64::NEG_INFINITY, f64::max);
        for limit in band
            .iter()
            .flat_map(|b| [b.lower, b.upper])
            .flatten()
            .filter(|l| l.is_finite())
        {
            lo = lo.min(limit);
            hi = hi.max(limit);
        }
        if !lo.is_finite() || !hi.is_finite() {
            (lo, hi) = (0.0, 1.0);
        }
        let ymin = lo.min(0.0);
        let mut ymax = hi + (hi - ymin).abs() * 0.05;
        if !ymax.is_finite() {
            ymax = f64::MAX;
        }
        if ymax <= ymin {
            ymax = ymin + 1.0;
        }
        Frame {
            left: Self::LEFT,
            top: Self::TOP,
            height: Self::HEIGHT,
            step,
            width: Self::LEFT + (step * gaps).max(100) + Self::RIGHT,
            ymin,
            ymax,
        }
    }

    fn x(&self, entry: usize) -> i64 {
        self.left + self.step * i64::try_from(entry).unwrap_or(0)
    }

    fn y(&self, value: f64) -> i64 {
        let share = share(value, self.ymin, self.ymax);
        // A share in 0..=1 times the height fits an i64.
        self.top + self.height - (share * self.height as f64).round() as i64
    }

    fn full_height(&self) -> i64 {
        self.top + self.height + Self::BOTTOM
    }
}

/// The series' line: one path, a relative step per run, a new start after a run without a
/// value (a run alone is a point only, drawn by [`write_points`] in a short history).
fn line_path(frame: &Frame, values: &[(usize, f64)]) -> String {
    let mut d = String::with_capacity(values.len() * 6);
    let mut last: Option<(usize, i64, i64)> = None;
    for &(entry, v) in values {
        let (x, y) = (frame.x(entry), frame.y(v));
        match last {
            Some((e, lx, ly)) if e + 1 == entry => {
                if !d.ends_with('l') {
                    d.push(' ');
                }
                let (dx, dy) = (x - lx, y - ly);
                if dy < 0 {
                    d.push_str(&format!("{dx}{dy}"));
                } else {
                    d.push_str(&format!("{dx} {dy}"));
                }
            }
            _ => {
                if d.ends_with('l') {
                    d.pop();
                }
                d.push_str(&format!("M{x} {y}l"));
            }
        }
        last = Some((entry, x, y));
    }
    if d.ends_with('l') {
        d.pop();
    }
    d
}

/// The short form of a commit (7 characters) or the run's number.
fn short_commit(file: &HistoryFile, entry: usize) -> String {
    file.entries
        .get(entry)
        .and_then(|e| e.revision.as_deref())
        .map_or_else(
            || format!("run #{}", entry + 1),
            |r| r.chars().take(7).collect(),
        )
}

/// A mark's words: `step change at abc1234: +12.3% (p = 0.01)`; the means themselves when
/// the change is no finite percentage (from a mean of 0, or a tiny one), and only what is
/// finite.
fn mark_text(file: &HistoryFile, entry: usize, mark: &Mark) -> String {
    let percent = (mark.mean_after - mark.mean_before) / mark.mean_before.abs() * 100.0;
    let change = if mark.mean_before != 0.0 && percent.is_finite() {
        format!(": {}", number::percent(percent))
    } else if mark.mean_before.is_finite() && mark.mean_after.is_finite() {
        format!(
            ": {} → {}",
            number::human(mark.mean_before),
            number::human(mark.mean_after)
        )
    } else {
        String::new()
    };
    let p = if mark.p_value.is_finite() {
        format!(" (p = {})", number::human(mark.p_value))
    } else {
        String::new()
    };
    format!("step change at {}{change}{p}", short_commit(file, entry))
}

/// The chart's description: what the values are, the axis, the band and the change points.
fn description(
    file: &HistoryFile,
    values: &[(usize, f64)],
    frame: &Frame,
    notes: &SeriesNotes,
    marks: &[(usize, &Mark)],
) -> String {
    let Some((&(first, _), &(last, newest))) = values.first().zip(values.last()) else {
        return "No values.".to_string();
    };
    let lo = values.iter().map(|(_, v)| *v).fold(f64::INFINITY, f64::min);
    let hi = values
        .iter()
        .map(|(_, v)| *v)
        .fold(f64::NEG_INFINITY, f64::max);
    let mut text = format!(
        "{} from run #{} to #{}; lowest {}, highest {}, newest {}{}. The y axis starts at {}.",
        super::text::plural(values.len(), "value"),
        first + 1,
        last + 1,
        number::human(lo),
        number::human(hi),
        number::human(newest),
        if last + 1 == file.entries.len() {
            " (this run)"
        } else {
            ""
        },
        number::human(frame.ymin)
    );
    if let Some(band) = notes.band {
        let side = |v: Option<f64>| v.map_or_else(|| "none".to_string(), number::human);
        text.push_str(&format!(
            " Limits: lower {}, upper {}.",
            side(band.lower),
            side(band.upper)
        ));
    }
    for (entry, mark) in marks {
        text.push_str(&format!(" {}.", mark_text(file, *entry, mark)));
    }
    text
}

/// One chart: a figure with the SVG, the hover line and the data table.
fn write_chart(
    out: &mut impl Write,
    file: &HistoryFile,
    column: usize,
    notes: &SeriesNotes,
    chart: usize,
) -> io::Result<()> {
    let values = series_values(file, column);
    // A limit that is not finite draws and says nothing (an infinite one limits nothing).
    let finite = |side: Option<f64>| side.filter(|v| v.is_finite());
    let notes = &SeriesNotes {
        band: notes.band.map(|b| Band {
            lower: finite(b.lower),
            upper: finite(b.upper),
        }),
        marks: notes.marks.clone(),
    };
    let frame = Frame::new(file.entries.len(), &values, notes.band);
    let marks: Vec<(usize, &Mark)> = notes
        .marks
        .iter()
        .filter_map(|m| values.get(m.index).map(|(entry, _)| (*entry, m)))
        .collect();
    let label = escape(&series_label(&file.series[column]));
    write!(
        out,
        "<figure class=\"chart\" id=\"c{chart}\"><figcaption>{label}</figcaption>\
<svg viewBox=\"0 0 {} {}\" role=\"img\" aria-labelledby=\"c{chart}t\" aria-describedby=\"c{chart}d\" tabindex=\"0\" \
data-n=\"{}\" data-x=\"{}\" data-dx=\"{}\"><title id=\"c{chart}t\">{label}</title>\
<desc id=\"c{chart}d\">{}</desc>",
        frame.width,
        frame.full_height(),
        file.entries.len(),
        frame.left,
        frame.step,
        escape(&description(file, &values, &frame, notes, &marks)),
    )?;
    write_axes(out, &frame, file.entries.len(), notes.band)?;
    write!(
        out,
        "<path class=\"l\" d=\"{}\"/><line class=\"cur\" y1=\"{}\" y2=\"{}\" x1=\"0\" x2=\"0\" \
visibility=\"hidden\"/>",
        line_path(&frame, &values),
        frame.top,
        frame.top + frame.height
    )?;
    write_points(out, file, &frame, &values, &marks)?;
    write!(
        out,
        "</svg><p class=\"tip\" aria-live=\"polite\"></p><div class=\"t\"><table>\
<caption>Values of {label}</caption><thead><tr><th scope=\"col\">Run</th>\
<th scope=\"col\">Value</th></tr></thead><tbody>"
    )?;
    for (entry, v) in &values {
        write!(out, "<tr><th>{}<td>{}", entry + 1, shown_value(*v))?;
    }
    out.write_all(b"</tbody></table></div></figure>")
}

/// The band, the axis labels and the baseline of a chart.
fn write_axes(
    out: &mut impl Write,
    frame: &Frame,
    runs: usize,
    band: Option<Band>,
) -> io::Result<()> {
    let right = frame.width - Frame::RIGHT;
    if let Some(band) = band.filter(|b| b.lower.is_some() || b.upper.is_some()) {
        let top = band.upper.map_or(frame.top, |u| frame.y(u));
        let bottom = band.lower.map_or(frame.top + frame.height, |l| frame.y(l));
        write!(
            out,
            "<rect class=\"b\" x=\"{}\" y=\"{top}\" width=\"{}\" height=\"{}\"/>",
            frame.left,
            right - frame.left,
            (bottom - top).max(1)
        )?;
    }
    let base = frame.top + frame.height;
    write!(
        out,
        "<path class=\"cur\" d=\"M{} {}V{base}H{right}\"/>\
<text class=\"ax\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\
<text class=\"ax\" x=\"{}\" y=\"{base}\" text-anchor=\"end\">{}</text>\
<text class=\"ax\" x=\"{}\" y=\"{}\">#1</text>\
<text class=\"ax\" x=\"{right}\" y=\"{}\" text-anchor=\"end\">#{runs}</text>",
        frame.left,
        frame.top,
        frame.left - 4,
        frame.top + 4,
        escape(&number::human(frame.ymax)),
        frame.left - 4,
        escape(&number::human(frame.ymin)),
        frame.left,
        base + 14,
        base + 14,
    )
}

/// Every run of a short history is a point; of a long one, only this run and the change points.
const ALL_POINTS_UP_TO: usize = 60;

/// The focusable points: this run's, the change points, and every value of a short history.
fn write_points(
    out: &mut impl Write,
    file: &HistoryFile,
    frame: &Frame,
    values: &[(usize, f64)],
    marks: &[(usize, &Mark)],
) -> io::Result<()> {
    for (entry, _) in marks {
        let x = frame.x(*entry);
        write!(
            out,
            "<line class=\"cp\" x1=\"{x}\" x2=\"{x}\" y1=\"{}\" y2=\"{}\"/>\
<text class=\"cpl\" x=\"{x}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            frame.top,
            frame.top + frame.height,
            frame.top - 3,
            escape(&short_commit(file, *entry))
        )?;
    }
    let newest = file.entries.len().saturating_sub(1);
    for &(entry, v) in values {
        let mark = marks.iter().find(|(e, _)| *e == entry).map(|(_, m)| *m);
        let is_newest = entry == newest;
        if values.len() > ALL_POINTS_UP_TO && mark.is_none() && !is_newest {
            continue;
        }
        let class = match (is_newest, mark.is_some()) {
            (true, _) => "pt now",
            (false, true) => "pt cp",
            (false, false) => "pt",
        };
        let mut title = format!(
            "run #{} ({}): {}",
            entry + 1,
            short_commit(file, entry),
            shown_value(v)
        );
        if is_newest {
            title.push_str(", this run");
        }
        if let Some(mark) = mark {
            title.push_str(&format!("; {}", mark_text(file, entry, mark)));
        }
        write!(
            out,
            "<circle class=\"{class}\" cx=\"{}\" cy=\"{}\" r=\"{}\" tabindex=\"0\" data-i=\"{}\">\
<title>{}</title></circle>",
            frame.x(entry),
            frame.y(v),
            if is_newest || mark.is_some() { 4 } else { 3 },
            entry + 1,
            escape(&title)
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
