#!/usr/bin/env bash
# Benchmarks, not tests: wall time (hyperfine) and peak RSS (GNU time) of
#   1. a small export (the bundled run report) against spawning /bin/true;
#   2. 25,000 custom metrics given as --metric flags;
#   3. 1,000,000 points from --metrics-file against copying and sha256-hashing the same output.
# Optional: BENCH_PEER=/path/to/dpone also measures the Python peer on cases 1 and 2.
# Usage: bash bench/run.sh [WORKDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=${1:-$(mktemp -d)}
mkdir -p "$WORK"
export SOURCE_DATE_EPOCH=1764000000

command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine time >/dev/null; }
[ -x /usr/bin/time ] || apt-get install -y -qq time >/dev/null

cargo build --release --locked --quiet
BIN=$ROOT/target/release/dpone-observability
[ -f "$WORK/metrics_1m.json" ] || python3 bench/gen_inputs.py "$WORK"

# Wrappers so that hyperfine and time run the same argv (25,000 flags do not fit a command string).
cat > "$WORK/small.sh" <<SH
exec "$BIN" metrics-export --run-report "$ROOT/examples/run_report.json" --output-dir "$WORK/out_small" --label env=ci --format json >/dev/null
SH
cat > "$WORK/flags25k.sh" <<SH
mapfile -t ARGS < "$WORK/flags_25k.txt"
exec "$BIN" metrics-export --output-dir "$WORK/out_25k" --label env=ci --format json "\${ARGS[@]}" >/dev/null
SH
cat > "$WORK/file1m.sh" <<SH
exec "$BIN" metrics-export --metrics-file "$WORK/metrics_1m.json" --output-dir "$WORK/out_1m" --label env=ci --format json >/dev/null
SH
cat > "$WORK/copyhash1m.sh" <<SH
rm -rf "$WORK/copy_1m" && mkdir "$WORK/copy_1m"
cp "$WORK"/out_1m/* "$WORK/copy_1m/"
sha256sum "$WORK"/out_1m/* >/dev/null
SH

mean() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; print(" ".join("%.6f" % x["mean"] for x in r))' "$1"; }
rss() { /usr/bin/time -f '%M' -o "$WORK/rss.txt" "$@" >/dev/null 2>&1 || true; tail -n 1 "$WORK/rss.txt"; }

echo "== small export vs /bin/true"
hyperfine -N --warmup 20 --runs 300 --export-json "$WORK/small.json" /bin/true \
  "$BIN metrics-export --run-report $ROOT/examples/run_report.json --output-dir $WORK/out_small --label env=ci --format json" >/dev/null
read -r T_TRUE T_SMALL < <(mean "$WORK/small.json")
R_SMALL=$(rss bash "$WORK/small.sh")
R_SMALL_DIRECT=$(/usr/bin/time -f '%M' "$BIN" metrics-export --run-report "$ROOT/examples/run_report.json" --output-dir "$WORK/out_small" --format json 2>&1 >/dev/null | tail -n 1)

echo "== 25,000 --metric flags"
hyperfine -N --warmup 2 --runs 15 --export-json "$WORK/25k.json" "bash $WORK/flags25k.sh" >/dev/null
T_25K=$(mean "$WORK/25k.json")
R_25K=$(rss bash "$WORK/flags25k.sh")

echo "== 1,000,000 points from --metrics-file"
hyperfine -N --warmup 1 --runs 5 --export-json "$WORK/1m.json" "bash $WORK/file1m.sh" "bash $WORK/copyhash1m.sh" >/dev/null
read -r T_1M T_COPY < <(mean "$WORK/1m.json")
R_1M=$(rss bash "$WORK/file1m.sh")
IN_1M=$(stat -c %s "$WORK/metrics_1m.json")
OUT_1M=$(du -cb "$WORK"/out_1m/* | tail -n 1 | cut -f1)

PEER_LINES=""
if [ -n "${BENCH_PEER:-}" ]; then
  echo "== peer: $BENCH_PEER"
  hyperfine -N --warmup 1 --runs 5 --export-json "$WORK/peer_small.json" \
    "$BENCH_PEER observability metrics-export --run-report $ROOT/examples/run_report.json --output-dir $WORK/peer_small --label env=ci --format json" >/dev/null
  P_SMALL=$(mean "$WORK/peer_small.json")
  P_RSS=$(/usr/bin/time -f '%M' "$BENCH_PEER" observability metrics-export --run-report "$ROOT/examples/run_report.json" --output-dir "$WORK/peer_small" --format json 2>&1 >/dev/null | tail -n 1)
  cat > "$WORK/peer25k.sh" <<SH
mapfile -t ARGS < "$WORK/flags_25k.txt"
exec "$BENCH_PEER" observability metrics-export --output-dir "$WORK/peer_25k" --label env=ci --format json "\${ARGS[@]}" >/dev/null
SH
  hyperfine -N --runs 2 --export-json "$WORK/peer25k.json" "bash $WORK/peer25k.sh" >/dev/null
  P_25K=$(mean "$WORK/peer25k.json")
  PEER_LINES=$(printf '| peer small export | %.1f ms | %s KiB |\n| peer 25,000 flags | %.0f ms | |' \
    "$(echo "$P_SMALL*1000" | bc -l)" "$P_RSS" "$(echo "$P_25K*1000" | bc -l)")
fi

python3 - "$T_TRUE" "$T_SMALL" "$R_SMALL_DIRECT" "$T_25K" "$R_25K" "$T_1M" "$T_COPY" "$R_1M" "$IN_1M" "$OUT_1M" "${P_SMALL:-0}" "${P_25K:-0}" <<'PY' | tee "$WORK/results.md"
import sys
t_true, t_small, r_small, t_25k, r_25k, t_1m, t_copy, r_1m, in_1m, out_1m, p_small, p_25k = map(float, sys.argv[1:])
print("| case | wall (mean) | peak RSS | target | ratio |")
print("|---|---|---|---|---|")
print(f"| /bin/true | {t_true*1000:.2f} ms | | | |")
print(f"| small export | {t_small*1000:.2f} ms | {r_small/1024:.1f} MiB | ≤3× /bin/true, ≤16 MiB | {t_small/t_true:.2f}× |")
print(f"| 25,000 --metric flags | {t_25k*1000:.1f} ms | {r_25k/1024:.1f} MiB | ≥300× faster than the peer (18 s) | {18.0/t_25k:.0f}× (vs 18 s){'' if not p_25k else f', {p_25k/t_25k:.0f}× (vs measured peer)'} |")
print(f"| 1,000,000 points (--metrics-file) | {t_1m*1000:.0f} ms | {r_1m/1024:.1f} MiB | ≤2× copy+sha256, RSS ≤4× input | {t_1m/t_copy:.2f}× time, {r_1m*1024/in_1m:.2f}× input |")
print(f"| copy + sha256 of the 1M output ({out_1m/1e6:.0f} MB) | {t_copy*1000:.0f} ms | | | |")
print(f"\ninput file: {in_1m/1e6:.1f} MB; output: {out_1m/1e6:.1f} MB")
if p_small:
    print(f"peer small export: {p_small*1000:.0f} ms ({p_small/t_small:.0f}× slower)")
PY
[ -n "$PEER_LINES" ] && echo "$PEER_LINES"
echo "results: $WORK/results.md"
