//! Cancellation: a command runs until it ends or until SIGINT or SIGTERM arrives (GitHub Actions
//! sends SIGINT on a cancelled job, then SIGTERM 7.5 s later), whichever is first.
//!
//! On a signal the command's future is dropped at its next await point, which aborts the
//! requests in flight and starts no new ones. Output is only ever written by synchronous code
//! between await points (the report in one write, the snapshot through a temporary file renamed
//! into place), so a dropped command leaves either the old file or the complete new one, never
//! half of one, and nothing half-built is published.

use std::future::Future;

/// The signal that stopped a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Interrupt,
    Terminate,
}

impl Signal {
    /// The conventional exit code of a process ended by this signal: 128 + its number.
    pub fn exit_code(self) -> i32 {
        match self {
            Signal::Interrupt => 130,
            Signal::Terminate => 143,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
        }
    }
}

/// Runs `work` to its end, or until a signal: `Err(signal)` then, with `work` dropped. The
/// handlers are installed before `work` is first polled, so no signal can slip in between.
/// When they cannot be installed the work simply runs without them (and a signal ends the
/// process the default way).
pub async fn run_until_signal<F: Future>(work: F) -> Result<F::Output, Signal> {
    match Listener::install() {
        Some(mut listener) => {
            tokio::select! {
                // A signal wins over work that happens to finish in the same poll.
                biased;
                signal = listener.next() => Err(signal),
                output = work => Ok(output),
            }
        }
        None => Ok(work.await),
    }
}

#[cfg(unix)]
struct Listener {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Listener {
    fn install() -> Option<Listener> {
        use tokio::signal::unix::{signal, SignalKind};
        Some(Listener {
            interrupt: signal(SignalKind::interrupt()).ok()?,
            terminate: signal(SignalKind::terminate()).ok()?,
        })
    }

    async fn next(&mut self) -> Signal {
        tokio::select! {
            _ = self.interrupt.recv() => Signal::Interrupt,
            _ = self.terminate.recv() => Signal::Terminate,
        }
    }
}

#[cfg(not(unix))]
struct Listener;

#[cfg(not(unix))]
impl Listener {
    fn install() -> Option<Listener> {
        Some(Listener)
    }

    async fn next(&mut self) -> Signal {
        match tokio::signal::ctrl_c().await {
            Ok(()) => Signal::Interrupt,
            // Without a handler there is nothing to wait for: never resolve.
            Err(_) => std::future::pending().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_128_plus_the_signal_number() {
        // SIGINT is 2 and SIGTERM 15: 128 + 2 = 130, 128 + 15 = 143.
        assert_eq!(Signal::Interrupt.exit_code(), 130);
        assert_eq!(Signal::Terminate.exit_code(), 143);
    }

    #[tokio::test]
    async fn work_that_ends_returns_its_output() {
        assert_eq!(run_until_signal(async { 7 }).await, Ok(7));
    }
}
