//! The `ci-vitals` binary: parses the command line, runs the command, maps the outcome to an
//! exit code (the table lives in `error.rs` and the README).

use std::process::ExitCode;

use clap::Parser;

use ci_vitals::cancel;
use ci_vitals::cli::Cli;
use ci_vitals::commands;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let code = match runtime.block_on(cancel::run_until_signal(commands::run(cli))) {
        Ok(Ok(code)) => code,
        Ok(Err(e)) => {
            eprintln!("error: {e}");
            e.exit_code()
        }
        Err(signal) => {
            eprintln!(
                "error: interrupted by {}: stopped the requests in flight; no report or snapshot \
                 was written or published by this run",
                signal.name()
            );
            // Do not wait for tasks still winding down: the process is ending.
            runtime.shutdown_background();
            return ExitCode::from(u8::try_from(signal.exit_code()).unwrap_or(1));
        }
    };
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
