//! The `duijie` command line: see `duijie_server::cli`.

fn main() -> std::process::ExitCode {
    duijie_server::cli::main()
}
