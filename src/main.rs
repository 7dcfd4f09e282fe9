//! The binary: parses the command line, runs it through the CLI layer, and opens the desktop app when asked
//! (the default). `cli` and `ui` are leaves of the library; only this file joins them.

use clap::Parser;
use outfit_studio::cli::{Cli, Outcome};
use std::process::ExitCode;

fn main() -> ExitCode {
    // Behave like a Unix tool when piped into `head`: exit quietly on a closed pipe instead of panicking.
    #[cfg(unix)]
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    outfit_studio::cli::init_logging();
    let result = outfit_studio::cli::run(Cli::parse()).and_then(|outcome| match outcome {
        Outcome::Done => Ok(()),
        Outcome::OpenApp { db, models } => outfit_studio::ui::run_app(db, models),
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
