#!/usr/bin/env bash
# Installs the dpone-observability release binary for this runner, for cli/action.yml:
#   1. picks the release asset for RUNNER_OS/RUNNER_ARCH;
#   2. takes it from the runner's tool cache when a verified copy of that release is there;
#   3. otherwise downloads it and the release's SHA256SUMS, and refuses to install a binary
#      whose sha256 is not the one SHA256SUMS lists for it (a changed, truncated or missing
#      asset is an error, never a warning);
#   4. writes its path as the step output `path`.
# Environment: DPONE_OBSERVABILITY_RELEASE (`vX.Y.Z`, or `latest`, which is never cached),
# DPONE_OBSERVABILITY_REPOSITORY (OWNER/REPO), DPONE_OBSERVABILITY_SERVER_URL (default
# https://github.com), and the runner's RUNNER_OS, RUNNER_ARCH, RUNNER_TOOL_CACHE, RUNNER_TEMP,
# GITHUB_OUTPUT. Needs bash, curl and sha256sum (or shasum), which every hosted runner has.
# tests/workflows.rs runs it against a release served on 127.0.0.1.
set -euo pipefail

# Messages become workflow commands: escape them as the runner expects (% CR LF), so nothing in
# them can end the command or start another.
escape() {
  local s=${1//'%'/'%25'}
  s=${s//$'\r'/'%0D'}
  s=${s//$'\n'/'%0A'}
  printf '%s' "$s"
}
fail() {
  printf '::error title=dpone-observability install::%s\n' "$(escape "$*")"
  exit 1
}

release=${DPONE_OBSERVABILITY_RELEASE:-latest}
repository=${DPONE_OBSERVABILITY_REPOSITORY:-dpone/observability-action}
server=${DPONE_OBSERVABILITY_SERVER_URL:-https://github.com}
server=${server%/}

[[ $release =~ ^(latest|v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?)$ ]] \
  || fail "DPONE_OBSERVABILITY_RELEASE must be vX.Y.Z or latest, not '$release'"
[[ $repository =~ ^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+$ ]] \
  || fail "DPONE_OBSERVABILITY_REPOSITORY must be OWNER/REPO, not '$repository'"

os=${RUNNER_OS:-$(uname -s)}
arch=${RUNNER_ARCH:-$(uname -m)}
ext=
case "$os/$arch" in
  Linux/X64 | Linux/x86_64) target=x86_64-unknown-linux-gnu ;;
  Linux/ARM64 | Linux/aarch64) target=aarch64-unknown-linux-gnu ;;
  macOS/ARM64 | Darwin/arm64) target=aarch64-apple-darwin ;;
  Windows/X64) target=x86_64-pc-windows-msvc; ext=.exe ;;
  *) fail "no dpone-observability release binary for $os $arch: the releases have Linux X64 and ARM64, macOS ARM64 and Windows X64" ;;
esac
asset=dpone-observability-$target$ext

if command -v sha256sum >/dev/null 2>&1; then
  sha256() { sha256sum "$1" | cut -d ' ' -f 1; }
elif command -v shasum >/dev/null 2>&1; then
  sha256() { shasum -a 256 "$1" | cut -d ' ' -f 1; }
else
  fail "neither sha256sum nor shasum is installed: the download cannot be verified"
fi

emit() {
  if [ -n "${GITHUB_OUTPUT:-}" ]; then
    printf 'path=%s\n' "$1" >> "$GITHUB_OUTPUT"
  else
    printf 'path=%s\n' "$1"
  fi
}

# The tool cache's layout: <tool>/<version>/<arch>/ and a <arch>.complete marker beside it.
cache_root=${RUNNER_TOOL_CACHE:-${RUNNER_TEMP:-${TMPDIR:-/tmp}}}
lower_arch=$(printf '%s' "$arch" | tr '[:upper:]' '[:lower:]')
cache_dir=$cache_root/dpone-observability/${release#v}/$lower_arch
binary=$cache_dir/dpone-observability$ext
if [ "$release" != latest ] && [ -f "$cache_dir.complete" ] && [ -f "$binary" ] \
  && [ -f "$cache_dir/sha256" ] && [ "$(sha256 "$binary")" = "$(cat "$cache_dir/sha256")" ]; then
  echo "dpone-observability $release from the tool cache: $binary"
  emit "$binary"
  exit 0
fi

if [ "$release" = latest ]; then
  base=$server/$repository/releases/latest/download
else
  base=$server/$repository/releases/download/$release
fi
work=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/dpone-observability.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Bounded: a few retries on transient faults, a time limit, and a size limit per file.
download() { # URL FILE MAX_BYTES
  if ! curl --fail --silent --show-error --location --proto '=https,http' \
    --retry 3 --retry-delay 2 --connect-timeout 15 --max-time 300 --max-filesize "$3" \
    --output "$2" "$1" 2>"$work/curl.err"; then
    fail "could not download $1 ($(tr '\n' ' ' <"$work/curl.err" | sed 's/ *$//')): is $release a release of $repository with the asset $(basename "$1")?"
  fi
}
download "$base/SHA256SUMS" "$work/SHA256SUMS" 65536
download "$base/$asset" "$work/$asset" 268435456

# `sha256sum` lines: 64 hex digits, two spaces (or a space and `*`), the file name.
expected=$(awk -v name="$asset" 'length($1) == 64 && ($2 == name || $2 == "*" name) { print tolower($1) }' "$work/SHA256SUMS")
case "$expected" in
  "") fail "SHA256SUMS of $repository $release lists no $asset: refusing to run an unverified binary" ;;
  *[!0-9a-f]*) fail "SHA256SUMS of $repository $release lists $asset more than once or malformed: refusing to run it" ;;
esac
actual=$(sha256 "$work/$asset")
if [ "$actual" != "$expected" ]; then
  fail "sha256 of the downloaded $asset is $actual, but SHA256SUMS of $repository $release says $expected: the download was changed or cut short; refusing to run it"
fi

mkdir -p "$cache_dir"
chmod +x "$work/$asset"
mv -f "$work/$asset" "$binary"
printf '%s\n' "$actual" > "$cache_dir/sha256"
[ "$release" = latest ] || : > "$cache_dir.complete"
echo "dpone-observability $release installed: $binary (sha256 $actual)"
emit "$binary"
