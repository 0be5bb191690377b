#!/usr/bin/env bash
# Benchmark, not a test: time and peak RSS of an export of compact `--metrics-file` inputs, one
# JSON object of short names as a scheduler or a script writes it ({"p_0": 0.5, "p_1": 1.5, ...}),
# from 1,000 to 3,000,000 points; against copying and sha256-hashing each export's output.
# Wall time comes from bench/measure.py (posix_spawn + wait4); peak RSS from GNU time, which forks
# from a small process, so the figure is the export's own (wait4's figure after Python's
# posix_spawn starts from the interpreter's). Usage: bash bench/compact.sh [WORKDIR] [BIN]   (results in WORKDIR/compact.md)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
ROOT=$PWD
WORK=${1:-$(mktemp -d)}
mkdir -p "$WORK"
export SOURCE_DATE_EPOCH=1764000000
if [ -n "${2:-}" ]; then
  BIN=$2
else
  cargo build --release --locked --quiet
  BIN=$ROOT/target/release/dpone-observability
fi
MEASURE="python3 $ROOT/bench/measure.py"
SIZES=${BENCH_SIZES:-"1000 10000 100000 1000000 3000000"}
python3 bench/gen_inputs.py --compact "$WORK" $SIZES

: > "$WORK/compact.jsonl"
for n in $SIZES; do
  runs=5; [ "$n" -ge 1000000 ] && runs=3
  in=$WORK/compact_$n.json
  out=$WORK/out_compact_$n
  echo "== $n points"
  $MEASURE --label "$n" --runs "$runs" --warmup 1 -- "$BIN" metrics-export --metrics-file "$in" \
    --output-dir "$out" --label env=ci --format json > "$WORK/m_export.json"
  /usr/bin/time -f '%M' -o "$WORK/rss.txt" "$BIN" metrics-export --metrics-file "$in" \
    --output-dir "$out" --label env=ci --format json >/dev/null 2>&1
  cat > "$WORK/copyhash.sh" <<SH
rm -rf "$WORK/copy" && mkdir "$WORK/copy"
cp "$out"/* "$WORK/copy/"
sha256sum "$out"/* >/dev/null
SH
  $MEASURE --label copy --runs "$runs" --warmup 1 -- /bin/bash "$WORK/copyhash.sh" > "$WORK/m_copy.json"
  rm -rf "$WORK/copy"
  python3 - "$n" "$in" "$out" "$WORK/m_export.json" "$WORK/m_copy.json" "$(tail -n 1 "$WORK/rss.txt")" >> "$WORK/compact.jsonl" <<'PY'
import json, os, sys
n, src, out, export, copy, rss = sys.argv[1:]
e, c = json.load(open(export)), json.load(open(copy))
assert e["exit_codes"] == [0], e
print(json.dumps({
    "points": int(n),
    "input_bytes": os.path.getsize(src),
    "output_bytes": sum(os.path.getsize(os.path.join(out, f)) for f in os.listdir(out)),
    "export_s": e["mean_s"], "rss_kib": int(rss), "copy_s": c["mean_s"],
}))
PY
  rm -rf "$out"
done

python3 - "$WORK/compact.jsonl" <<'PY' | tee "$WORK/compact.md"
import json, sys
MiB = 1 << 20
rows = [json.loads(line) for line in open(sys.argv[1])]
print("| points | input | peak RSS | × input | bytes/point above 4 MiB | time | ns/point | cp+sha256 of the output | × cp+sha256 |")
print("|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
for r in rows:
    n, rss = r["points"], r["rss_kib"] * 1024
    above = max(0, rss - 4 * MiB) / n
    print(f"| {n:,} | {r['input_bytes']/MiB:.1f} MiB | {rss/MiB:.1f} MiB | {rss/r['input_bytes']:.1f}× "
          f"| {above:.0f} | {r['export_s']*1e3:.1f} ms | {r['export_s']*1e9/n:.0f} "
          f"| {r['copy_s']*1e3:.1f} ms | {r['export_s']/r['copy_s']:.2f}× |")
print("\nTargets (1M and 3M): peak RSS ≤ 4× the input and ≤ 50 bytes per point above a 4 MiB floor;"
      " time within 2× cp + sha256sum of the output.")
PY
echo "results: $WORK/compact.md"
