//! The envparity command. `main` only maps the outcome to the exit code contract:
//! 0 parity holds, 1 the gate failed, 2 trouble.

fn main() -> std::process::ExitCode {
    envparity::cli::main()
}
