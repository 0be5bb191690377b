#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    dpone_observability::cli::main(std::env::args_os())
}
