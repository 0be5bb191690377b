#!/usr/bin/env bash
# Benchmark, not a test: `push` of a large opentelemetry_traces.json (default 80 MiB, about
# 62,000 spans) to a stand-in OTLP/HTTP receiver on 127.0.0.1 (bench/otlp_sink.py: reads each
# request, answers 200), in both encodings. Peak RSS and wall time from GNU time; the largest
# request body from the receiver's log. Usage: bash bench/push-traces.sh [WORKDIR] [MB]
# (results in WORKDIR/push_traces_results.md)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=${1:-$(mktemp -d)}
MB=${2:-80}
mkdir -p "$WORK"
export SOURCE_DATE_EPOCH=1764000000
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
cargo build --release --locked --quiet
BIN=${BIN:-$ROOT/target/release/dpone-observability}

rm -rf "$WORK/export"
"$BIN" metrics-export --run-report examples/run_report.json --output-dir "$WORK/export" >/dev/null
SPANS=$(python3 bench/big_traces.py "$WORK/export" "$MB")
"$BIN" verify "$WORK/export" >/dev/null

python3 bench/otlp_sink.py "$WORK/sink.log" > "$WORK/sink.port" &
SINK_PID=$!
trap 'kill $SINK_PID 2>/dev/null || true' EXIT
for _ in $(seq 50); do [ -s "$WORK/sink.port" ] && break; sleep 0.1; done
PORT=$(cat "$WORK/sink.port")

{
  echo "| encoding | file | spans | requests | largest body | wall | peak RSS |"
  echo "|---|---|---|---|---|---|---|"
  for protocol in http/protobuf http/json; do
    rm -f "$WORK/sink.log"
    /usr/bin/time -f '%e %M' -o "$WORK/time.txt" "$BIN" push "$WORK/export" \
      --otlp-endpoint "http://127.0.0.1:$PORT/v1/metrics" --otlp-protocol "$protocol" \
      >"$WORK/out.txt" 2>/dev/null
    grep -q "otlp-traces .*: $SPANS of $SPANS series" "$WORK/out.txt"
    read -r wall rss < "$WORK/time.txt"
    requests=$(grep -c '^/v1/traces' "$WORK/sink.log")
    largest=$(grep '^/v1/traces' "$WORK/sink.log" | sort -k2 -n | tail -n 1 | cut -d' ' -f2)
    size=$(stat -c %s "$WORK/export/opentelemetry_traces.json")
    python3 -c "import sys; p, sz, sp, rq, lg, w, r = sys.argv[1:]; print(f'| {p} | {int(sz)/2**20:.1f} MiB | {sp} | {rq} | {int(lg)/2**20:.2f} MiB | {float(w):.1f} s | {int(r)/1024:.1f} MiB |')" \
      "$protocol" "$size" "$SPANS" "$requests" "$largest" "$wall" "$rss"
  done
} | tee "$WORK/push_traces_results.md"
