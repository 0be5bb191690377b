//! dpone-observability: turns dpone run reports into observability evidence a CI job can trust.
//!
//! [`observability`] is the core (pure, deterministic, no network); [`cli`] is the thin
//! command-line adapter over it; [`github`] is the GitHub Action adapter and `push` (feature
//! `push`) sends a finished export to Prometheus and OpenTelemetry receivers.
#![forbid(unsafe_code)]
// No `unwrap()` in the product's code paths (tests may): a bad input gets an error, never a panic.
#![cfg_attr(not(test), deny(clippy::unwrap_used))]
// Functions stay under 80 lines (`clippy.toml`); CI denies warnings. An allow says why.
#![warn(clippy::too_many_lines)]

pub mod ci_env;
pub mod cli;
pub mod exit;
pub mod github;
pub mod inert;
#[cfg(feature = "net")]
pub mod net;
pub mod observability;
#[cfg(feature = "push")]
pub mod push;
