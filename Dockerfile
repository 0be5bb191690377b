# The dpone observability container action.
#
# On `main`, `action.yml` says `image: Dockerfile`, so `uses: ./` in this repository's workflows
# builds the default (last) stage: the release binary, linked statically, alone in an empty image
# (no shell, no package manager). Released versions do not build anything: their `action.yml`
# names the prebuilt multi-arch image by digest (`docker://ghcr.io/...@sha256:...`), which the
# release workflow packs with the `prebuilt` stage (see docs/action-reference.md#container-image).
# Container actions run as root (GitHub's rule): there is no USER.

# Builds for the platform it runs on: BuildKit and podman set TARGETARCH (amd64, arm64); the
# legacy builder leaves it empty, and then the machine's own architecture decides.
FROM docker.io/library/rust:1.95-slim-bookworm AS build
ARG TARGETARCH
WORKDIR /src
COPY . .
RUN set -eu; \
    arch="${TARGETARCH:-$(uname -m)}"; \
    case "$arch" in \
      amd64|x86_64) triple=x86_64-unknown-linux-gnu ;; \
      arm64|aarch64) triple=aarch64-unknown-linux-gnu ;; \
      *) echo "dpone-observability: no build for architecture '$arch' (amd64 and arm64 only)" >&2; exit 1 ;; \
    esac; \
    RUSTFLAGS="-C target-feature=+crt-static" cargo build --release --locked --target "$triple"; \
    cp "target/$triple/release/dpone-observability" /dpone-observability

# Packs a static binary built outside, for the platform being built: the context holds
# dist/linux/amd64/dpone-observability and/or dist/linux/arm64/dpone-observability. The release
# workflow builds it for both platforms at once (`--platform linux/amd64,linux/arm64`; a COPY
# needs no emulation); tests and bench/cold-step.sh build it for this machine's platform.
FROM scratch AS prebuilt
ARG TARGETARCH
COPY dist/linux/${TARGETARCH}/dpone-observability /dpone-observability
ENTRYPOINT ["/dpone-observability"]
CMD ["action"]

FROM scratch
COPY --from=build /dpone-observability /dpone-observability
ENTRYPOINT ["/dpone-observability"]
CMD ["action"]
