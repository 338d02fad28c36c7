//! Progress of a fetch on stderr: on a terminal, one status line redrawn in place (apps done,
//! pages, runs, requests and those in flight); in a log (CI), a plain line per app done. The
//! closing summary line is the command's (see `commands`).

use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::bitrise::{Client, FetchEvent, FetchObserver};
use crate::term::Stderr;

/// The least time between two redraws of the status line, so a fast fetch does not flood the
/// terminal.
const REDRAW_EVERY: Duration = Duration::from_millis(80);

/// Erases the current terminal line and returns to its start.
const CLEAR_LINE: &str = "\r\x1b[2K";

/// Counts of a fetch so far.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub apps: usize,
    pub apps_done: usize,
    pub pages: usize,
    pub runs: usize,
}

impl Tally {
    /// Adds `event` to the counts.
    pub fn add(&mut self, event: &FetchEvent<'_>) {
        match event {
            FetchEvent::AppsChosen { apps } => self.apps = *apps,
            FetchEvent::PageRead { items, .. } => {
                self.pages += 1;
                self.runs += items;
            }
            FetchEvent::AppDone { .. } => self.apps_done += 1,
        }
    }

    /// The status line, e.g. `apps 2/5 · pages 7 · runs 312 · requests 40 (3 in flight)`.
    pub fn line(&self, requests: u64, in_flight: usize) -> String {
        format!(
            "apps {}/{} · pages {} · runs {} · requests {requests} ({in_flight} in flight)",
            self.apps_done, self.apps, self.pages, self.runs
        )
    }
}

/// The line logged for an app when it is done.
pub fn app_done_line(
    app: &str,
    outcome: Result<(usize, usize), &crate::bitrise::ApiError>,
) -> String {
    match outcome {
        Ok((runs, details)) => {
            format!("app {app}: {runs} run(s), {details} pipeline detail(s) read")
        }
        Err(e) => format!("app {app}: skipped ({}): {}", e.code, e.message),
    }
}

/// A [`FetchObserver`] writing to stderr, as loud as `-q`/`-v`/`-vv` ask.
#[derive(Debug)]
pub struct FetchProgress {
    stderr: Stderr,
    /// -1 quiet, 0 normal, 1 `-v`, 2 `-vv`.
    level: i8,
    client: Client,
    concurrency: usize,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    tally: Tally,
    last_draw: Option<Instant>,
    /// Whether a status line is on screen (to be erased before another line is printed).
    drawn: bool,
}

impl FetchProgress {
    pub fn new(stderr: Stderr, level: i8, client: Client, concurrency: usize) -> FetchProgress {
        FetchProgress {
            stderr,
            level,
            client,
            concurrency,
            state: Mutex::new(State {
                tally: Tally::default(),
                last_draw: None,
                drawn: false,
            }),
        }
    }

    /// Whether the status line is drawn: a terminal, not `-q`.
    pub fn live(&self) -> bool {
        self.stderr.terminal && self.level >= 0
    }

    /// Redraws the status line (requests in flight change between events): call it on a timer
    /// while the fetch runs.
    pub fn refresh(&self) {
        if self.live() {
            let mut state = self.lock();
            if state.drawn {
                self.draw(&mut state, false);
            }
        }
    }

    /// Erases the status line: call when the fetch is over, before the summary.
    pub fn finish(&self) {
        let mut state = self.lock();
        if state.drawn {
            eprint!("{CLEAR_LINE}");
            state.drawn = false;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while drawing leaves counts that are still good enough for progress.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Prints a whole line, keeping the status line below it.
    fn print_line(&self, state: &mut State, line: &str) {
        if state.drawn {
            eprint!("{CLEAR_LINE}");
            state.drawn = false;
        }
        eprintln!("ci-vitals: {line}");
    }

    fn draw(&self, state: &mut State, force: bool) {
        let now = Instant::now();
        if !force && state.last_draw.is_some_and(|t| now - t < REDRAW_EVERY) {
            return;
        }
        let in_flight = self.concurrency.saturating_sub(self.client.free_slots());
        let line = state.tally.line(self.client.requests(), in_flight);
        let mut err = std::io::stderr().lock();
        // Progress is best effort: a closed stderr must not fail the fetch.
        let _ = write!(err, "{CLEAR_LINE}ci-vitals: {line}").and_then(|()| err.flush());
        state.last_draw = Some(now);
        state.drawn = true;
    }
}

impl FetchObserver for FetchProgress {
    fn event(&self, event: FetchEvent<'_>) {
        if self.level < 0 {
            return;
        }
        let mut state = self.lock();
        state.tally.add(&event);
        match event {
            FetchEvent::PageRead { app, items } if self.level >= 2 => {
                self.print_line(
                    &mut state,
                    &format!("app {app}: read a page of {items} run(s)"),
                );
            }
            // On a terminal the status line counts the apps; the per-app line is for -v. In a
            // log there is no status line, so each app gets its line.
            FetchEvent::AppDone { app, outcome } if !self.live() || self.level >= 1 => {
                self.print_line(&mut state, &app_done_line(app, outcome));
            }
            _ => {}
        }
        if self.live() {
            let force = matches!(
                event,
                FetchEvent::AppDone { .. } | FetchEvent::AppsChosen { .. }
            );
            self.draw(&mut state, force);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bitrise::ApiError;
    use crate::model::ErrorCode;

    #[test]
    fn the_tally_counts_pages_runs_and_apps() {
        let mut tally = Tally::default();
        let failed = ApiError {
            code: ErrorCode::InvalidPermissions,
            message: "403".to_owned(),
        };
        for event in [
            FetchEvent::AppsChosen { apps: 2 },
            FetchEvent::PageRead {
                app: "a",
                items: 50,
            },
            FetchEvent::PageRead { app: "a", items: 7 },
            FetchEvent::AppDone {
                app: "a",
                outcome: Ok((57, 3)),
            },
            FetchEvent::AppDone {
                app: "b",
                outcome: Err(&failed),
            },
        ] {
            tally.add(&event);
        }
        // 2 pages, 50 + 7 = 57 runs, both apps done.
        assert_eq!(
            tally,
            Tally {
                apps: 2,
                apps_done: 2,
                pages: 2,
                runs: 57
            }
        );
        assert_eq!(
            tally.line(4, 1),
            "apps 2/2 · pages 2 · runs 57 · requests 4 (1 in flight)"
        );
        assert_eq!(
            app_done_line("b", Err(&failed)),
            "app b: skipped (invalid_permissions): 403"
        );
    }
}
