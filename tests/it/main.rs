//! The integration tests, in one binary (one link of the crate with its HTTP stack instead of
//! one per area), a module per area. Run one area with `cargo test --test it <area>::`.

#![allow(clippy::print_stderr)]

mod common;
mod standin;

mod action;
mod architecture;
mod artifacts;
#[cfg(feature = "github-api")]
mod baseline_auto;
mod carried_history;
mod change_points;
mod change_points_otava;
mod cli;
mod cmd;
mod conformance;
mod container;
mod docs_contract;
mod docs_links;
mod faults;
mod gates;
#[cfg(feature = "github-api")]
mod github_api;
mod grafana;
mod hardening;
mod history;
mod history_page;
mod injection;
mod neutral;
mod openlineage;
mod pack;
mod peer_compat;
mod properties;
#[cfg(feature = "github-api")]
mod publish;
#[cfg(feature = "push")]
mod push;
mod renderers;
mod report_read;
mod scale;
mod schema;
#[cfg(feature = "push")]
mod servers;
mod sources;
mod statistics;
mod summary;
mod traces;
#[cfg(feature = "push")]
mod victoria;
mod workflows;
