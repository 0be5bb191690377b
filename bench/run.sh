#!/usr/bin/env bash
# Benchmarks, not tests: wall time (bench/measure.py, posix_spawn + wait4, no shell in between)
# and peak RSS (GNU time, which forks from a small process, so its figure is the export's own) of
#   1. a small export (the bundled run report) against spawning /bin/true;
#   2. 25,000 custom metrics given as --metric flags;
#   3. 1,000,000 points from --metrics-file against copying and sha256-hashing the same output.
# BENCH_PEER=/path/to/dpone also measures the Python peer (dpone 0.88.0) on cases 1 and 2.
# Usage: bash bench/run.sh [WORKDIR]     (results in WORKDIR/results.md)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=${1:-$(mktemp -d)}
mkdir -p "$WORK"
export SOURCE_DATE_EPOCH=1764000000

[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
cargo build --release --locked --quiet
BIN=$ROOT/target/release/dpone-observability
[ -f "$WORK/metrics_1m.json" ] || python3 bench/gen_inputs.py "$WORK"
MEASURE="python3 $ROOT/bench/measure.py"

# Peak RSS in KiB. xargs passes the 25,000 flags in one exec (-s: up to 2 MB of arguments).
rss() {
  local args_file=$1; shift
  if [ -n "$args_file" ]; then
    xargs -a "$args_file" -d '\n' -s 2000000 /usr/bin/time -f '%M' -o "$WORK/rss.txt" "$@" >/dev/null 2>&1 || true
  else
    /usr/bin/time -f '%M' -o "$WORK/rss.txt" "$@" >/dev/null 2>&1 || true
  fi
  tail -n 1 "$WORK/rss.txt"
}

SMALL=("$BIN" metrics-export --run-report "$ROOT/examples/run_report.json" --output-dir "$WORK/out_small" --label env=ci --format json)
FLAGS=("$BIN" metrics-export --output-dir "$WORK/out_25k" --label env=ci --format json)
FILE1M=("$BIN" metrics-export --metrics-file "$WORK/metrics_1m.json" --output-dir "$WORK/out_1m" --label env=ci --format json)

echo "== small export vs /bin/true"
$MEASURE --label true --runs 300 --warmup 20 -- /bin/true > "$WORK/m_true.json"
$MEASURE --label small --runs 300 --warmup 20 -- "${SMALL[@]}" > "$WORK/m_small.json"
R_SMALL=$(rss "" "${SMALL[@]}")

echo "== 25,000 --metric flags"
$MEASURE --label 25k --runs 20 --warmup 3 --args-file "$WORK/flags_25k.txt" -- "${FLAGS[@]}" > "$WORK/m_25k.json"
R_25K=$(rss "$WORK/flags_25k.txt" "${FLAGS[@]}")

echo "== 1,000,000 points from --metrics-file, and copy + sha256 of its output"
$MEASURE --label 1m --runs 5 --warmup 1 -- "${FILE1M[@]}" > "$WORK/m_1m.json"
R_1M=$(rss "" "${FILE1M[@]}")
cat > "$WORK/copyhash.sh" <<SH
rm -rf "$WORK/copy_1m" && mkdir "$WORK/copy_1m"
cp "$WORK"/out_1m/* "$WORK/copy_1m/"
sha256sum "$WORK"/out_1m/* >/dev/null
SH
$MEASURE --label copyhash --runs 5 --warmup 1 -- /bin/bash "$WORK/copyhash.sh" > "$WORK/m_copy.json"
IN_1M=$(stat -c %s "$WORK/metrics_1m.json")
OUT_1M=$(du -cb "$WORK"/out_1m/* | tail -n 1 | cut -f1)

P_SMALL=0; P_RSS=0; P_25K=0
if [ -n "${BENCH_PEER:-}" ]; then
  echo "== peer: $BENCH_PEER"
  PEER_SMALL=("$BENCH_PEER" observability metrics-export --run-report "$ROOT/examples/run_report.json" --output-dir "$WORK/peer_small" --label env=ci --format json)
  P_SMALL=$($MEASURE --runs 3 --warmup 1 -- "${PEER_SMALL[@]}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["mean_s"])')
  P_RSS=$(rss "" "${PEER_SMALL[@]}")
  P_25K=$($MEASURE --runs 1 --warmup 0 --args-file "$WORK/flags_25k.txt" -- "$BENCH_PEER" observability metrics-export --output-dir "$WORK/peer_25k" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["mean_s"])')
fi

python3 - "$WORK" "$R_SMALL" "$R_25K" "$R_1M" "$IN_1M" "$OUT_1M" "$P_SMALL" "$P_RSS" "$P_25K" <<'PY' | tee "$WORK/results.md"
import json, sys
work = sys.argv[1]
r_small, r_25k, r_1m, in_1m, out_1m, p_small, p_rss, p_25k = map(float, sys.argv[2:])
m = {k: json.load(open(f"{work}/m_{k}.json")) for k in ["true", "small", "25k", "1m", "copy"]}
t = {k: v["mean_s"] for k, v in m.items()}
print("| case | wall (mean) | peak RSS | target | result |")
print("|---|---|---|---|---|")
print(f"| spawn /bin/true | {t['true']*1e3:.2f} ms | | | |")
print(f"| small export (bundled run report) | {t['small']*1e3:.2f} ms | {r_small/1024:.1f} MiB | ≤ 3× /bin/true, ≤ 16 MiB | {t['small']/t['true']:.2f}× |")
peer = f"; {p_25k/t['25k']:.0f}× vs peer measured here ({p_25k:.1f} s)" if p_25k else ""
print(f"| 25,000 --metric flags | {t['25k']*1e3:.1f} ms | {r_25k/1024:.1f} MiB | ≥ 300× faster than the peer (18 s) | {18.0/t['25k']:.0f}× vs 18 s{peer} |")
print(f"| 1,000,000 points, --metrics-file | {t['1m']*1e3:.0f} ms | {r_1m/1024:.1f} MiB | ≤ 2× copy+sha256; RSS ≤ 4× input | {t['1m']/t['copy']:.2f}× copy+sha256; RSS {r_1m*1024/in_1m:.2f}× input |")
print(f"| cp + sha256sum of that output | {t['copy']*1e3:.0f} ms | | | |")
print(f"\n1M input: {in_1m/1e6:.1f} MB; 1M output: {out_1m/1e6:.1f} MB (5 files)")
if p_small:
    print(f"peer small export: {p_small*1e3:.0f} ms, {p_rss/1024:.1f} MiB ({p_small/t['small']:.0f}× our time)")
PY
echo "results: $WORK/results.md"
