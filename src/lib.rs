//! dpone-observability: turns dpone run reports into observability evidence a CI job can trust.
//!
//! [`observability`] is the core (pure, deterministic, no network); [`cli`] is the thin
//! command-line adapter over it.
#![forbid(unsafe_code)]

pub mod cli;
pub mod github;
pub mod observability;
