//! The GitHub Action adapter: the runner's environment in, the export service, and the runner's
//! files and workflow commands out. No business rule lives here.

pub mod action;
#[cfg(feature = "github-api")]
pub mod api;
#[cfg(feature = "github-api")]
pub mod artifacts;
pub mod baseline;
pub mod commands;
pub mod inputs;
pub mod outputs;
#[cfg(feature = "github-api")]
pub mod posting;
pub mod pr_status;
#[cfg(feature = "github-api")]
pub mod publish;
#[cfg(feature = "push")]
pub mod push_step;
pub mod redact;
pub mod runner;
pub mod summary;
