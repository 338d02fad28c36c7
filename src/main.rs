//! The `ci-vitals` binary: parses the command line (merging the config file under it), runs the
//! command, maps the outcome to an exit code (the table lives in `error.rs` and the README) and
//! prints a failure with its hint.

use std::process::ExitCode;

use ci_vitals::cancel;
use ci_vitals::commands;
use ci_vitals::config::file::{self, ParseFailure};
use ci_vitals::term::{self, Stderr};

fn main() -> ExitCode {
    let cli = match file::parse_cli(std::env::args_os()) {
        Ok(cli) => cli,
        // Usage errors, --help and --version, printed and exited as clap does.
        Err(ParseFailure::Clap(e)) => e.exit(),
        Err(ParseFailure::Config { error, color }) => {
            let code = term::report_error(Stderr::detect(color), &error);
            return ExitCode::from(u8::try_from(code).unwrap_or(1));
        }
    };
    let stderr = Stderr::detect(cli.color);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!(
                "{}cannot start the async runtime: {e}",
                stderr.error_prefix()
            );
            return ExitCode::from(1);
        }
    };
    let code = match runtime.block_on(cancel::run_until_signal(commands::run(cli))) {
        Ok(Ok(code)) => code,
        Ok(Err(e)) => term::report_error(stderr, &e),
        Err(signal) => {
            eprintln!(
                "{}interrupted by {}: stopped the requests in flight; no report or snapshot was \
                 written or published by this run",
                stderr.error_prefix(),
                signal.name()
            );
            // Do not wait for tasks still winding down: the process is ending.
            runtime.shutdown_background();
            return ExitCode::from(u8::try_from(signal.exit_code()).unwrap_or(1));
        }
    };
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
