//! The core: metric model, sources, renderers, artifacts, blocker codes and the export use case.
//! Nothing here reads the environment, talks to the network or knows about GitHub.

pub mod artifacts;
pub mod blockers;
pub mod calibrate;
pub mod catalog;
pub mod change_points;
pub mod collect;
pub mod dirs;
pub mod export;
pub mod files;
pub mod gates;
pub mod history;
pub mod inputs;
pub mod json_input;
pub mod json_output;
pub mod judge;
pub mod markdown;
pub mod metric_list;
pub mod metrics;
pub mod number;
pub mod opentelemetry;
pub mod pack;
pub mod points;
pub mod policy;
pub mod prometheus;
pub mod render;
pub mod report;
pub mod report_file;
pub mod secrets;
pub mod settings;
pub mod sources;
pub mod syntax;
pub mod text;
pub mod timestamp;
pub mod traces;
pub mod verdict;
