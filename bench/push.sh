#!/usr/bin/env bash
# Benchmark, not a test: pushing 100,000 series through Prometheus remote-write to a real
# Prometheus (Debian's 2.42, remote-write receiver on) on 127.0.0.1, 50 requests of 2,000 series.
# Also the Pushgateway PUT of the same export. Wall time from bench/measure.py; peak RSS from
# GNU time. Usage: bash bench/push.sh [WORKDIR]   (results in WORKDIR/push_results.md)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=${1:-$(mktemp -d)}
mkdir -p "$WORK"
export SOURCE_DATE_EPOCH=1764000000
command -v prometheus >/dev/null && command -v prometheus-pushgateway >/dev/null || {
  apt-get update -qq && apt-get install -y -qq --no-install-recommends prometheus prometheus-pushgateway >/dev/null; }
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
cargo build --release --locked --quiet
BIN=$ROOT/target/release/dpone-observability
MEASURE="python3 $ROOT/bench/measure.py"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PROM_PORT=$(free_port); GW_PORT=$(free_port)
mkdir -p "$WORK/prom"
printf 'global: {scrape_interval: 1h}\nscrape_configs: []\n' > "$WORK/prom/prometheus.yml"
rm -rf "$WORK/prom/data"
prometheus --config.file="$WORK/prom/prometheus.yml" --storage.tsdb.path="$WORK/prom/data" \
  --web.listen-address=127.0.0.1:$PROM_PORT --web.enable-remote-write-receiver >"$WORK/prom/log" 2>&1 &
PROM_PID=$!
prometheus-pushgateway --web.listen-address=127.0.0.1:$GW_PORT --persistence.file= >"$WORK/gw.log" 2>&1 &
GW_PID=$!
trap 'kill $PROM_PID $GW_PID 2>/dev/null || true' EXIT
for port in $PROM_PORT $GW_PORT; do
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/-/ready" >/dev/null && break; sleep 0.1; done
done

python3 - "$WORK/metrics_100k.json" <<'PY'
import json, sys
json.dump({f"series_{i:06d}": i * 0.5 for i in range(100_000)}, open(sys.argv[1], "w"))
PY
"$BIN" metrics-export --metrics-file "$WORK/metrics_100k.json" --label env=ci \
  --output-dir "$WORK/export_100k" --format json >/dev/null

RW=("$BIN" push "$WORK/export_100k" --remote-write "http://127.0.0.1:$PROM_PORT/api/v1/write")
GW=("$BIN" push "$WORK/export_100k" --pushgateway "http://127.0.0.1:$GW_PORT")
echo "== 100,000 series through remote-write"
"${RW[@]}"
$MEASURE --label rw --runs 5 --warmup 1 -- "${RW[@]}" > "$WORK/m_rw.json"
/usr/bin/time -f '%M' -o "$WORK/rss_rw.txt" "${RW[@]}" >/dev/null
echo "== the same export PUT to the Pushgateway"
$MEASURE --label gw --runs 5 --warmup 1 -- "${GW[@]}" > "$WORK/m_gw.json"
COUNT=$(curl -sf "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode 'query=count({__name__=~"series_.*|dpone_series_.*"})' --data-urlencode "time=$SOURCE_DATE_EPOCH.001" | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)')

python3 - "$WORK" "$COUNT" "$(tail -n 1 "$WORK/rss_rw.txt")" <<'PY' | tee "$WORK/push_results.md"
import json, sys
work, count, rss = sys.argv[1], sys.argv[2], float(sys.argv[3])
rw = json.load(open(f"{work}/m_rw.json"))
gw = json.load(open(f"{work}/m_gw.json"))
print("| case | wall (mean of 5) | min | peak RSS |")
print("|---|---|---|---|")
print(f"| push 100,000 series, remote-write (50 requests) | {rw['mean_s']*1e3:.0f} ms | {rw['min_s']*1e3:.0f} ms | {rss/1024:.1f} MiB |")
print(f"| push the same export to the Pushgateway (1 PUT, 11 MB) | {gw['mean_s']*1e3:.0f} ms | {gw['min_s']*1e3:.0f} ms | |")
print(f"\nSeries Prometheus holds afterwards: {count}")
PY
