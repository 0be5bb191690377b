//! The `dpone-observability` binary: hands the arguments to `cli::main` and exits with its status.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    dpone_observability::cli::main(std::env::args_os())
}
