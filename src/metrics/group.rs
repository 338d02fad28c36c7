//! The metrics of one group of runs: its [`WindowMetrics`] in the report window and, when the
//! report compares, in the previous window, and the [`Change`] between the two.
//!
//! Any breakdown (total, app, pipeline row, and later branch or workflow) hands its runs here, so
//! every group follows the same definitions.

use chrono::TimeDelta;

use super::percentile::{finite, SortedSample};
use super::restore::time_to_restore;
use super::stats::{excludes_zero, mann_whitney_p, newcombe, wilson};
use super::{
    AbortedAs, Change, Credits, DurationChange, DurationPopulation, DurationStats,
    FailureRateChange, GroupMetrics, QueueStats, RunsChange, Settings, WindowMetrics,
};
use crate::model::{seconds, Outcome, Run, Window};

/// Changes are called significant only when both windows have at least this many observations
/// (decided runs for the failure rate, durations for the median).
pub const MIN_SIGNIFICANT_N: u64 = 10;

/// A run with the slug of its app: runs of different apps never share a time-to-restore
/// sequence, even in the `total` group.
#[derive(Debug, Clone, Copy)]
pub struct AppRun<'a> {
    pub app: &'a str,
    pub run: &'a Run,
}

/// A window's runs of one group, and the window they were taken from.
#[derive(Debug, Clone, Copy)]
pub struct WindowRuns<'a, 'r> {
    pub window: &'a Window,
    /// Only runs triggered inside `window`.
    pub runs: &'a [AppRun<'r>],
}

/// The metrics of one group: `current` in the report window, `previous` (with `--no-compare`,
/// `None`) in the previous window, and the change between them.
pub fn group_metrics(
    current: WindowRuns<'_, '_>,
    previous: Option<WindowRuns<'_, '_>>,
    settings: &Settings,
) -> GroupMetrics {
    let now = WindowSummary::new(current, settings);
    match previous.map(|before| WindowSummary::new(before, settings)) {
        None => GroupMetrics {
            current: now.metrics,
            previous: None,
            change: None,
        },
        Some(before) => {
            let change = change(&now, &before);
            GroupMetrics {
                current: now.metrics,
                previous: Some(before.metrics),
                change: Some(change),
            }
        }
    }
}

/// A window's metrics with the duration sample the Mann–Whitney test needs.
struct WindowSummary {
    metrics: WindowMetrics,
    durations: SortedSample,
}

impl WindowSummary {
    fn new(WindowRuns { window, runs }: WindowRuns<'_, '_>, settings: &Settings) -> WindowSummary {
        let mut counts = OutcomeCounts::default();
        let mut durations = Vec::new();
        let mut queue_times = Vec::new();
        let mut credits = CreditTally::default();
        for AppRun { run, .. } in runs {
            counts.add(run.outcome);
            if let Some(d) = duration(run, settings.durations) {
                durations.push(d);
            }
            if let Some(q) = queue_time(run) {
                queue_times.push(q);
            }
            credits.add(run);
        }

        let (decided, failures) = counts.decided_and_failures(settings.aborted_as);
        let failure_rate = if decided == 0 {
            None
        } else {
            finite(failures as f64 / decided as f64)
        };
        let durations = SortedSample::new(durations);
        let queue_times = SortedSample::new(queue_times);
        let days = window.days();
        // A window without length holds no run; 0 runs per day rather than 0/0.
        let runs_per_day = if days > 0.0 {
            finite(counts.runs as f64 / days).unwrap_or(0.0)
        } else {
            0.0
        };

        let metrics = WindowMetrics {
            runs: counts.runs,
            runs_per_day,
            succeeded: counts.succeeded,
            failed: counts.failed,
            aborted: counts.aborted,
            in_progress: counts.in_progress,
            other: counts.other,
            decided,
            failure_rate,
            failure_rate_ci95: wilson(failures, decided),
            duration_s: DurationStats {
                n: durations.len() as u64,
                p50: durations.nearest_rank(50),
                p90: durations.nearest_rank(90),
                p95: durations.nearest_rank(95),
                mean: durations.mean(),
                max: durations.max(),
            },
            queue_s: QueueStats {
                n: queue_times.len() as u64,
                p50: queue_times.nearest_rank(50),
                p95: queue_times.nearest_rank(95),
            },
            time_to_restore_s: time_to_restore(runs, &settings.main_branches),
            credits: credits.finish(counts.runs),
        };
        WindowSummary { metrics, durations }
    }
}

#[derive(Debug, Default)]
struct OutcomeCounts {
    runs: u64,
    succeeded: u64,
    failed: u64,
    aborted: u64,
    in_progress: u64,
    other: u64,
}

impl OutcomeCounts {
    fn add(&mut self, outcome: Outcome) {
        self.runs += 1;
        let count = match outcome {
            Outcome::Succeeded => &mut self.succeeded,
            Outcome::Failed => &mut self.failed,
            Outcome::Aborted => &mut self.aborted,
            Outcome::InProgress => &mut self.in_progress,
            Outcome::Other => &mut self.other,
        };
        *count += 1;
    }

    /// `(decided, failures)` under the `--aborted-as` choice.
    fn decided_and_failures(&self, aborted_as: AbortedAs) -> (u64, u64) {
        match aborted_as {
            AbortedAs::Excluded => (self.succeeded + self.failed, self.failed),
            AbortedAs::Failure => (
                self.succeeded + self.failed + self.aborted,
                self.failed + self.aborted,
            ),
        }
    }
}

#[derive(Debug, Default)]
struct CreditTally {
    total: u64,
    failed: u64,
    known: u64,
}

impl CreditTally {
    fn add(&mut self, run: &Run) {
        let Some(cost) = run.credit_cost else {
            return;
        };
        self.known += 1;
        // Saturating: an absurd cost from the API must not wrap or panic.
        self.total = self.total.saturating_add(cost);
        if matches!(run.outcome, Outcome::Failed | Outcome::Aborted) {
            self.failed = self.failed.saturating_add(cost);
        }
    }

    fn finish(self, runs: u64) -> Credits {
        Credits {
            total: self.total,
            failed: self.failed,
            coverage: (runs > 0).then(|| self.known as f64 / runs as f64),
        }
    }
}

/// `D = F − S` in seconds, for a run of the duration population with both times and `F >= S`.
fn duration(run: &Run, population: DurationPopulation) -> Option<f64> {
    let in_population = match population {
        DurationPopulation::Succeeded => run.outcome == Outcome::Succeeded,
        DurationPopulation::Finished => {
            matches!(run.outcome, Outcome::Succeeded | Outcome::Failed)
        }
    };
    if !in_population {
        return None;
    }
    let (start, finish) = (run.started_at?, run.finished_at?);
    (finish >= start).then(|| seconds(finish - start))
}

/// `Q = max(0, S − T)` in seconds, for a run with `S` no more than a second before `T`.
///
/// The second of slack exists because standalone builds report `started_at` in whole seconds
/// but `triggered_at` in microseconds, so a build started within its trigger second can read
/// as having started slightly before it was triggered.
fn queue_time(run: &Run) -> Option<f64> {
    let wait = run.started_at? - run.triggered_at;
    (wait >= -TimeDelta::seconds(1)).then(|| seconds(wait).max(0.0))
}

fn change(now: &WindowSummary, before: &WindowSummary) -> Change {
    let (n, b) = (&now.metrics, &before.metrics);
    Change {
        runs: RunsChange {
            delta: signed_difference(n.runs, b.runs),
        },
        failure_rate: failure_rate_change(n, b),
        duration_p50: duration_change(now, before),
    }
}

/// `a − b` of two counts, saturating at the ends of `i64`.
fn signed_difference(a: u64, b: u64) -> i64 {
    let difference = i128::from(a) - i128::from(b);
    i64::try_from(difference).unwrap_or(if difference < 0 { i64::MIN } else { i64::MAX })
}

fn failure_rate_change(now: &WindowMetrics, before: &WindowMetrics) -> FailureRateChange {
    let (Some(p1), Some(ci1), Some(p2), Some(ci2)) = (
        now.failure_rate,
        now.failure_rate_ci95,
        before.failure_rate,
        before.failure_rate_ci95,
    ) else {
        return FailureRateChange {
            delta: None,
            ci95: None,
            significant: false,
        };
    };
    let ci95 = newcombe(p1, ci1, p2, ci2);
    let enough_runs = now.decided >= MIN_SIGNIFICANT_N && before.decided >= MIN_SIGNIFICANT_N;
    FailureRateChange {
        delta: finite(p1 - p2),
        ci95,
        significant: enough_runs && ci95.is_some_and(excludes_zero),
    }
}

fn duration_change(now: &WindowSummary, before: &WindowSummary) -> DurationChange {
    let delta = match (now.metrics.duration_s.p50, before.metrics.duration_s.p50) {
        (Some(p50_now), Some(p50_before)) => finite(p50_now - p50_before),
        _ => None,
    };
    let p_value = mann_whitney_p(now.durations.values(), before.durations.values());
    let enough_runs = now.durations.len() as u64 >= MIN_SIGNIFICANT_N
        && before.durations.len() as u64 >= MIN_SIGNIFICANT_N;
    DurationChange {
        delta,
        p_value,
        significant: enough_runs && p_value.is_some_and(|p| p < 0.05),
    }
}
