#!/usr/bin/env bash
# What a runner does for a released version of the action, on this machine: the action's image
# is pulled from a registry (the Debian package `docker-registry`, started on 127.0.0.1 with a
# temporary storage folder), then run on the bundled example exactly as tests/it/container.rs runs
# it (workspace at /github/workspace, file-command folder, INPUT_* with action.yml's defaults,
# GITHUB_* variables). Each of RUNS repetitions starts with no local copy of the image.
#
# Beside it, in the same run, the two ways users met the step before:
#   - a clean `cargo build --release` (empty target folder, crates already downloaded): the
#     floor of `image: Dockerfile`, which also pulls the Rust image and downloads the crates;
#   - the peer: `pip install dpone==0.88.0` into a new virtualenv, no pip cache, plus its export.
# COLD_STEP_SKIP_BUILD=1 and COLD_STEP_SKIP_PEER=1 leave those out.
#
# Prints: `cold step: pull P s + run R s = T s; image S MB` (medians), then the comparisons.
# Usage: bash bench/cold-step.sh [WORKDIR]   (needs podman, runc and docker-registry, which it
# installs with apt-get when missing; results in WORKDIR/cold-step.md)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=${1:-$(mktemp -d)}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
RUNS=${RUNS:-5}
export SOURCE_DATE_EPOCH=1764000000

need=()
command -v podman >/dev/null 2>&1 || need+=(podman)
command -v runc >/dev/null 2>&1 || need+=(runc)
command -v docker-registry >/dev/null 2>&1 || need+=(docker-registry)
if [ ${#need[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
grep -qs default_ulimits /etc/containers/containers.conf \
  || { mkdir -p /etc/containers; printf '[containers]\ndefault_ulimits = []\n' >> /etc/containers/containers.conf; }
PODMAN=(podman --runtime runc)

case "$(uname -m)" in
  x86_64) ARCH=amd64 ;;
  aarch64) ARCH=arm64 ;;
  *) echo "no image for $(uname -m)" >&2; exit 1 ;;
esac
TRIPLE="$(uname -m)-unknown-linux-gnu"

echo "== static release binary ($TRIPLE)"
RUSTFLAGS="-C target-feature=+crt-static" cargo build --release --locked --quiet --target "$TRIPLE"

echo "== local registry on 127.0.0.1"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$WORK/registry"
cat > "$WORK/registry.yml" <<YML
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $WORK/registry
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$PORT
YML
docker-registry serve "$WORK/registry.yml" > "$WORK/registry.log" 2>&1 &
REGISTRY_PID=$!
trap 'kill $REGISTRY_PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  curl -fsS "http://127.0.0.1:$PORT/v2/" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "http://127.0.0.1:$PORT/v2/" >/dev/null

echo "== image from the prebuilt stage, pushed, then removed locally"
IMAGE=127.0.0.1:$PORT/dpone/observability-action
CONTEXT=$WORK/context
rm -rf "$CONTEXT" && mkdir -p "$CONTEXT/dist/linux/$ARCH"
cp "target/$TRIPLE/release/dpone-observability" "$CONTEXT/dist/linux/$ARCH/"
"${PODMAN[@]}" build --quiet --build-arg "TARGETARCH=$ARCH" --target prebuilt -t "$IMAGE:bench" -f Dockerfile "$CONTEXT" >/dev/null
SIZE=$("${PODMAN[@]}" image inspect --format '{{.Size}}' "$IMAGE:bench")
"${PODMAN[@]}" push --quiet --tls-verify=false --digestfile "$WORK/digest" "$IMAGE:bench"
DIGEST=$(cat "$WORK/digest")
REF=$IMAGE@$DIGEST
"${PODMAN[@]}" rmi -f "$IMAGE:bench" >/dev/null

# The run, as tests/it/container.rs: action.yml's defaults as INPUT_*, then the step's `with:`.
WS=$WORK/workspace
FILES=$WORK/file_commands
ENVS=()
while IFS= read -r line; do ENVS+=(-e "$line"); done < <(python3 - "$ROOT/action.yml" <<'PY'
import re, sys
name = None
for line in open(sys.argv[1], encoding="utf-8"):
    if re.match(r"^outputs:", line):
        break
    m = re.match(r"^  ([a-z][a-z0-9-]*):\s*$", line)
    if m:
        name = m.group(1)
    m = re.match(r"^    default: '(.*)'\s*$", line)
    if m and name:
        print(f"INPUT_{name.upper()}={m.group(1).replace(chr(39) * 2, chr(39))}")
PY
)
ENVS+=(-e 'INPUT_RUN-REPORT=run_report.json' -e 'INPUT_LABELS=env=ci' -e 'INPUT_PR-STATUS=none')
for kv in GITHUB_ACTIONS=true GITHUB_RUN_ID=5150 GITHUB_RUN_ATTEMPT=1 GITHUB_SHA=0123abcd \
  GITHUB_REF=refs/heads/main GITHUB_REPOSITORY=acme/pipelines GITHUB_SERVER_URL=https://github.com \
  GITHUB_WORKSPACE=/github/workspace GITHUB_STEP_SUMMARY=/github/file_commands/step_summary \
  GITHUB_OUTPUT=/github/file_commands/output SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH; do
  ENVS+=(-e "$kv")
done

now() { date +%s.%N; }
: > "$WORK/cold.tsv"
for i in $(seq "$RUNS"); do
  rm -rf "$WS" "$FILES" && mkdir -p "$WS" "$FILES"
  cp examples/run_report.json "$WS/"
  "${PODMAN[@]}" rmi -f "$REF" >/dev/null 2>&1 || true
  t0=$(now)
  "${PODMAN[@]}" pull --quiet --tls-verify=false "$REF" >/dev/null
  t1=$(now)
  "${PODMAN[@]}" run --rm --workdir /github/workspace -v "$WS:/github/workspace" \
    -v "$FILES:/github/file_commands" "${ENVS[@]}" "$REF" action > "$WORK/run.out"
  t2=$(now)
  grep -q '^passed<<' "$FILES/output" || grep -q 'true' "$FILES/output"
  test -f "$WS/test_artifacts/observability/5150-1/metrics_index.json"
  printf '%s\t%s\t%s\n' "$t0" "$t1" "$t2" >> "$WORK/cold.tsv"
done
"${PODMAN[@]}" rmi -f "$REF" >/dev/null 2>&1 || true

BUILD=0
if [ "${COLD_STEP_SKIP_BUILD:-0}" != 1 ]; then
  echo "== clean cargo build --release (empty target folder)"
  rm -rf "$WORK/build-target"
  t0=$(now)
  CARGO_TARGET_DIR="$WORK/build-target" cargo build --release --locked --quiet
  BUILD=$(python3 -c 'import sys; print(float(sys.argv[2]) - float(sys.argv[1]))' "$t0" "$(now)")
  rm -rf "$WORK/build-target"
fi

PEER=0
if [ "${COLD_STEP_SKIP_PEER:-0}" != 1 ]; then
  echo "== peer: pip install dpone==0.88.0 (new virtualenv, no cache) + export"
  rm -rf "$WORK/venv" "$WORK/peer_out"
  python3 -m venv "$WORK/venv"
  t0=$(now)
  PIP_NO_CACHE_DIR=1 "$WORK/venv/bin/pip" install --quiet --disable-pip-version-check dpone==0.88.0
  "$WORK/venv/bin/dpone" observability metrics-export --run-report examples/run_report.json \
    --output-dir "$WORK/peer_out" --label env=ci --format json >/dev/null
  PEER=$(python3 -c 'import sys; print(float(sys.argv[2]) - float(sys.argv[1]))' "$t0" "$(now)")
fi

python3 - "$WORK/cold.tsv" "$SIZE" "$BUILD" "$PEER" "$RUNS" <<'PY' | tee "$WORK/cold-step.md"
import statistics, sys
stamps = [tuple(map(float, l.split("\t"))) for l in open(sys.argv[1]) if l.strip()]
rows = [(t1 - t0, t2 - t1) for t0, t1, t2 in stamps]
size, build, peer, runs = float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
pull = statistics.median(r[0] for r in rows)
run = statistics.median(r[1] for r in rows)
total = statistics.median(r[0] + r[1] for r in rows)
print(f"cold step: pull {pull:.2f} s + run {run:.2f} s = {total:.2f} s; image {size / 1e6:.1f} MB")
print(f"  (median of {runs} cold pulls; each: " + ", ".join(f"{a + b:.2f} s" for a, b in rows) + ")")
if build:
    print(f"clean cargo build --release: {build:.1f} s ({build / total:.0f}x the cold step; target >= 40x)")
if peer:
    print(f"peer pip install dpone==0.88.0 + export: {peer:.1f} s ({peer / total:.1f}x the cold step; target >= 5x)")
print(f"targets: cold step <= 3 s: {'met' if total <= 3 else 'MISSED'}; image < 10 MB: {'met' if size < 10e6 else 'MISSED'}")
PY
