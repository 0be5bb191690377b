//! The GitHub Action adapter: the runner's environment in, the export service, and the runner's
//! files and workflow commands out. No business rule lives here.

pub mod action;
pub mod commands;
pub mod outputs;
pub mod runner;
pub mod summary;
