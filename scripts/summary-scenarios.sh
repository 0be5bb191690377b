#!/usr/bin/env bash
# Runs the action on the five review scenarios of issue 16 and keeps each step summary (and, when
# a GitHub API stand-in is given, the PR comment) for rendering with
# `../shared/tools/render-markdown FILE.md OUT.png summary|comment`.
#
#   scripts/summary-scenarios.sh BIN OUT_DIR
#
# Each scenario runs as a pull_request event against a GitHub API stand-in on 127.0.0.1
# (scripts/github-standin.py); OUT_DIR gets NAME.md (the step summary), NAME.comment.md (the PR
# comment), NAME.log (the step's output) and, for each, the lines outside `<details>`.
#
# Scenarios: pass (a passing run), failed (a failed run), inputs (--input over every fixture),
# gates (gates failing against the example baseline), first (a first run with no baseline).
set -euo pipefail
bin=$(realpath "$1"); out=$(realpath -m "$2")
repo=$(cd "$(dirname "$0")/.." && pwd)
fixtures=$(realpath "$repo/../shared/fixtures")
mkdir -p "$out"
# Lines a reader sees without opening a <details> block.
visible() { awk '/<details>/{d++} {if (!d) n++} /<\/details>/{d--} END{print n+0}' "$1"; }
run() {
  local name=$1; shift
  local ws; ws=$(mktemp -d)
  cp "$fixtures/run-report/run_report_success_real.json" "$ws/run_report.json"
  cp "$fixtures/run-report/run_report_failed_real.json" "$ws/failed_run.json"
  mkdir -p "$ws/.github" "$ws/fixtures" "$ws/baseline"
  cp -r "$fixtures"/. "$ws/fixtures/"
  cp "$repo/examples/dpone-observability.yml" "$ws/.github/dpone-observability.yml"
  cp "$repo/examples/baseline/runtime_metrics.json" "$ws/baseline/runtime_metrics.json"
  : > "$ws/summary"; : > "$ws/output"
  printf '{"pull_request":{"number":7,"head":{"sha":"0a1b2c3d4e5f60718293a4b5c6d7e8f901234567"}}}' > "$ws/event.json"
  local calls="$ws/calls" portf="$ws/port"
  python3 "$(dirname "$0")/github-standin.py" "$calls" "$portf" & local pid=$!
  for _ in $(seq 50); do [ -s "$portf" ] && break; sleep 0.1; done
  local -a env=(GITHUB_ACTIONS=true GITHUB_RUN_ID=4242 GITHUB_RUN_ATTEMPT=1
    GITHUB_SHA=0a1b2c3d4e5f60718293a4b5c6d7e8f901234567 GITHUB_REF=refs/pull/7/merge
    GITHUB_REPOSITORY=acme/pipelines GITHUB_SERVER_URL=https://github.com GITHUB_JOB=observability
    GITHUB_WORKSPACE="$ws" GITHUB_STEP_SUMMARY="$ws/summary" GITHUB_OUTPUT="$ws/output"
    GITHUB_EVENT_NAME=pull_request GITHUB_EVENT_PATH="$ws/event.json" SOURCE_DATE_EPOCH=1700000000
    GITHUB_API_URL="http://127.0.0.1:$(cat "$portf")" INPUT_GITHUB-TOKEN=token PATH="$PATH")
  (cd "$ws" && env -i "${env[@]}" "$@" "$bin" action > "$out/$name.log" 2>&1) && rc=0 || rc=$?
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
  cp "$ws/summary" "$out/$name.md"
  local comment; comment=$(ls "$calls"/*-comments.json 2>/dev/null | head -n 1 || true)
  if [ -n "$comment" ]; then python3 -c 'import json,sys; sys.stdout.write(json.load(open(sys.argv[1]))["body"])' "$comment" > "$out/$name.comment.md"; else : > "$out/$name.comment.md"; fi
  echo "$name: exit $rc; summary $(wc -l < "$out/$name.md") lines, $(visible "$out/$name.md") outside <details>; comment $(wc -l < "$out/$name.comment.md") lines, $(visible "$out/$name.comment.md") outside <details>"
  rm -rf "$ws"
}
run pass INPUT_RUN-REPORT=run_report.json
run failed INPUT_RUN-REPORT=failed_run.json
run inputs INPUT_RUN-REPORT=run_report.json "INPUT_INPUTS=fixtures/**/*.json"
run gates INPUT_RUN-REPORT=failed_run.json INPUT_BASELINE=baseline/runtime_metrics.json
run first INPUT_RUN-REPORT=run_report.json INPUT_BASELINE=baseline/missing.json
