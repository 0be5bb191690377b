# The dpone observability container action.
#
# GitHub builds the default (last) stage for `uses: dpone/observability-action@v1`: the release
# binary, linked statically, alone in an empty image (no shell, no package manager).
# `podman build --target prebuilt` packs a binary built outside instead, for machines that cannot
# pull the Rust image (see docs/developer-guide.md).
# Container actions run as root (GitHub's rule): there is no USER.

FROM docker.io/library/rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN RUSTFLAGS="-C target-feature=+crt-static" \
    cargo build --release --locked --target x86_64-unknown-linux-gnu \
 && cp target/x86_64-unknown-linux-gnu/release/dpone-observability /dpone-observability

FROM scratch AS prebuilt
COPY target/x86_64-unknown-linux-gnu/release/dpone-observability /dpone-observability
ENTRYPOINT ["/dpone-observability"]
CMD ["action"]

FROM scratch
COPY --from=build /dpone-observability /dpone-observability
ENTRYPOINT ["/dpone-observability"]
CMD ["action"]
