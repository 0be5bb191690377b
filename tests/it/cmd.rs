//! The plain "arguments → stdout, stderr, exit status" cases of the CLI, as data files run by
//! trycmd: `tests/cmd/*.toml` (each with its `.stdout`/`.stderr`, and an `.in/` folder when it
//! reads files). Regenerate the expected output with `TRYCMD=overwrite cargo test --test it cmd::`.

use crate::common;

#[test]
fn cli_cases() {
    trycmd::TestCases::new()
        .register_bin("dpone-observability", common::bin())
        .env("SOURCE_DATE_EPOCH", common::EPOCH)
        .case("tests/cmd/*.toml");
}

/// `tests/cmd/own-env/*.toml` set `SOURCE_DATE_EPOCH` themselves with `env.add`. trycmd lets the
/// runner's default environment (`TestCases::env`) win over a case's `env.add`, so these run
/// without one.
#[test]
fn cli_cases_own_env() {
    trycmd::TestCases::new()
        .register_bin("dpone-observability", common::bin())
        .case("tests/cmd/own-env/*.toml");
}
