//! One module per input kind; each turns its input into metric values and blockers.

pub mod airflow;
pub mod custom;
pub mod run_report;
