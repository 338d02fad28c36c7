//! The metrics of one group of runs: its [`WindowMetrics`] in the report window and, when the
//! report compares, in the previous window, and the [`Change`] between the two.
//!
//! Any breakdown (total, app, pipeline row, and later branch or workflow) hands its runs here, so
//! every group follows the same definitions.

use chrono::TimeDelta;

use super::percentile::{finite, SortedSample};
use super::reliability::reliability;
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
            duration_s: duration_stats(&durations),
            queue_s: QueueStats {
                n: queue_times.len() as u64,
                p50: queue_times.nearest_rank(50),
                p95: queue_times.nearest_rank(95),
            },
            time_to_restore_s: time_to_restore(runs, &settings.main_branches),
            credits: credits.finish(counts.runs),
            reliability: reliability(runs, settings),
        };
        WindowSummary { metrics, durations }
    }
}

/// The duration statistics of a sample (every group and every workflow reports the same ones).
pub(super) fn duration_stats(durations: &SortedSample) -> DurationStats {
    DurationStats {
        n: durations.len() as u64,
        p50: durations.nearest_rank(50),
        p90: durations.nearest_rank(90),
        p95: durations.nearest_rank(95),
        mean: durations.mean(),
        max: durations.max(),
    }
}

/// Whether an outcome counts as a failure, for a decided outcome under the `--aborted-as`
/// choice; `None` when it is not decided. The one place where attempts, workflow entries and
/// deploy runs learn the run-level rule.
pub(super) fn decided_failure(outcome: Outcome, aborted_as: AbortedAs) -> Option<bool> {
    match (outcome, aborted_as) {
        (Outcome::Succeeded, _) => Some(false),
        (Outcome::Failed, _) | (Outcome::Aborted, AbortedAs::Failure) => Some(true),
        _ => None,
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
pub(super) fn duration(run: &Run, population: DurationPopulation) -> Option<f64> {
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
pub(super) fn queue_time(run: &Run) -> Option<f64> {
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

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;
    use serde_json::{json, Value};

    use super::*;
    use crate::metrics::fixtures::{at, run, timed, window};

    fn close(actual: f64, expected: f64, tolerance: f64) -> bool {
        (actual - expected).abs() <= tolerance
    }

    fn refs(runs: &[Run]) -> Vec<AppRun<'_>> {
        runs.iter().map(|run| AppRun { app: "a1", run }).collect()
    }

    /// The report-window metrics of `runs` (no comparison).
    fn current(runs: &[Run], settings: &Settings) -> WindowMetrics {
        let w = window();
        let runs = refs(runs);
        group_metrics(
            WindowRuns {
                window: &w,
                runs: &runs,
            },
            None,
            settings,
        )
        .current
    }

    /// The metrics of `now` against `before`.
    fn compared(now: &[Run], before: &[Run]) -> GroupMetrics {
        let (w, p) = (window(), window().previous());
        let (now, before) = (refs(now), refs(before));
        group_metrics(
            WindowRuns {
                window: &w,
                runs: &now,
            },
            Some(WindowRuns {
                window: &p,
                runs: &before,
            }),
            &Settings::default(),
        )
    }

    /// `failed` failed and `succeeded` succeeded runs.
    fn decided_runs(failed: usize, succeeded: usize) -> Vec<Run> {
        let failures = (0..failed).map(|i| run(&format!("f{i}"), "ci", Outcome::Failed, 1));
        let successes = (0..succeeded).map(|i| run(&format!("s{i}"), "ci", Outcome::Succeeded, 1));
        failures.chain(successes).collect()
    }

    /// Succeeded runs lasting each of `seconds`.
    fn durations(seconds: impl IntoIterator<Item = i64>) -> Vec<Run> {
        seconds
            .into_iter()
            .enumerate()
            .map(|(i, s)| timed(&format!("d{i}"), Outcome::Succeeded, 1, s))
            .collect()
    }

    #[test]
    fn empty_group_is_zeros_and_nulls() {
        let g = compared(&[], &[]);
        for m in [&g.current, g.previous.as_ref().expect("compared")] {
            assert_eq!(
                (
                    m.runs,
                    m.succeeded,
                    m.failed,
                    m.aborted,
                    m.in_progress,
                    m.other
                ),
                (0, 0, 0, 0, 0, 0)
            );
            assert_eq!((m.runs_per_day, m.decided), (0.0, 0));
            assert_eq!((m.failure_rate, m.failure_rate_ci95), (None, None));
            let d = &m.duration_s;
            assert_eq!(
                (d.n, d.p50, d.p90, d.p95, d.mean, d.max),
                (0, None, None, None, None, None)
            );
            assert_eq!((m.queue_s.n, m.queue_s.p50, m.queue_s.p95), (0, None, None));
            let r = &m.time_to_restore_s;
            assert_eq!((r.n, r.p50, r.max, r.open), (0, None, None, 0));
            assert_eq!(
                (m.credits.total, m.credits.failed, m.credits.coverage),
                (0, 0, None)
            );
        }
        let c = g.change.expect("compared");
        assert_eq!(c.runs.delta, 0);
        assert_eq!(
            c.failure_rate,
            FailureRateChange {
                delta: None,
                ci95: None,
                significant: false
            }
        );
        assert_eq!(
            c.duration_p50,
            DurationChange {
                delta: None,
                p_value: None,
                significant: false
            }
        );
    }

    #[test]
    fn without_comparison_previous_and_change_are_none() {
        let w = window();
        let g = group_metrics(
            WindowRuns {
                window: &w,
                runs: &[],
            },
            None,
            &Settings::default(),
        );
        assert_eq!((g.previous, g.change), (None, None));
    }

    #[test]
    fn one_run() {
        // Succeeded, started at its trigger, 90 s long, 7 credits.
        let mut r = timed("r1", Outcome::Succeeded, 5, 90);
        r.credit_cost = Some(7);
        let m = current(&[r], &Settings::default());
        // 1 run over 7 days = 1/7 per day.
        assert_eq!((m.runs, m.succeeded, m.decided), (1, 1, 1));
        assert!(close(m.runs_per_day, 1.0 / 7.0, 1e-12));
        assert_eq!(m.failure_rate, Some(0.0));
        // Wilson for 0 of 1: c = h = (3.841459/2)/(1 + 3.841459) = 0.3967253 → [0, 0.7934507]
        let [lo, hi] = m.failure_rate_ci95.expect("decided > 0");
        assert_eq!(lo, 0.0);
        assert!(close(hi, 0.7934507, 1e-6), "{hi}");
        let d = &m.duration_s;
        assert_eq!(
            (d.n, d.p50, d.p90, d.p95, d.mean, d.max),
            (
                1,
                Some(90.0),
                Some(90.0),
                Some(90.0),
                Some(90.0),
                Some(90.0)
            )
        );
        assert_eq!(
            (m.queue_s.n, m.queue_s.p50, m.queue_s.p95),
            (1, Some(0.0), Some(0.0))
        );
        assert_eq!(
            (m.credits.total, m.credits.failed, m.credits.coverage),
            (7, 0, Some(1.0))
        );
    }

    /// 2 succeeded, 1 failed, 2 aborted, 1 in progress, 1 other; costs on some.
    fn mixed_runs() -> Vec<Run> {
        let mut runs = vec![
            run("r1", "ci", Outcome::Succeeded, 1),
            run("r2", "ci", Outcome::Succeeded, 2),
            run("r3", "ci", Outcome::Failed, 3),
            run("r4", "ci", Outcome::Aborted, 4),
            run("r5", "ci", Outcome::Aborted, 5),
            run("r6", "ci", Outcome::InProgress, 6),
            run("r7", "ci", Outcome::Other, 7),
        ];
        runs[0].credit_cost = Some(10);
        runs[2].credit_cost = Some(4);
        runs[3].credit_cost = Some(3);
        runs[6].credit_cost = Some(0);
        runs
    }

    #[test]
    fn aborted_and_in_progress_are_counted_but_not_decided() {
        let m = current(&mixed_runs(), &Settings::default());
        assert_eq!(
            (
                m.runs,
                m.succeeded,
                m.failed,
                m.aborted,
                m.in_progress,
                m.other
            ),
            (7, 2, 1, 2, 1, 1)
        );
        // decided = 2 + 1 = 3; failure rate = 1/3
        assert_eq!(m.decided, 3);
        assert!(close(
            m.failure_rate.expect("decided > 0"),
            1.0 / 3.0,
            1e-12
        ));
        // credits: total 10 + 4 + 3 + 0 = 17; failed + aborted: 4 + 3 = 7;
        // coverage: 4 known of 7 runs.
        assert_eq!((m.credits.total, m.credits.failed), (17, 7));
        assert!(close(
            m.credits.coverage.expect("runs > 0"),
            4.0 / 7.0,
            1e-12
        ));
    }

    #[test]
    fn aborted_as_failure_changes_only_the_rate() {
        let settings = Settings {
            aborted_as: AbortedAs::Failure,
            ..Settings::default()
        };
        let m = current(&mixed_runs(), &settings);
        // decided = 2 + 1 + 2 = 5; failures = 1 + 2 = 3; rate 3/5 = 0.6
        assert_eq!(m.decided, 5);
        assert_eq!(m.failure_rate, Some(0.6));
        // Wilson for 3 of 5: 1 + z²/5 = 1.7682918;
        // c = (0.6 + 0.3841459)/1.7682918 = 0.5565518,
        // h = 1.959964·sqrt(0.24/5 + 3.841459/100)/1.7682918 = 0.3258275 → [0.2307, 0.8824]
        let [lo, hi] = m.failure_rate_ci95.expect("decided > 0");
        assert!(
            close(lo, 0.2307, 1e-4) && close(hi, 0.8824, 1e-4),
            "{lo} {hi}"
        );
        // Counts are as they are.
        assert_eq!((m.failed, m.aborted), (1, 2));
    }

    #[test]
    fn spec_failure_rate_example() {
        // 3 failed of 20 → 0.15, [0.0524, 0.3604]
        let m = current(&decided_runs(3, 17), &Settings::default());
        assert_eq!(m.failure_rate, Some(0.15));
        let [lo, hi] = m.failure_rate_ci95.expect("decided > 0");
        assert!(
            close(lo, 0.0524, 1e-4) && close(hi, 0.3604, 1e-4),
            "{lo} {hi}"
        );
    }

    #[test]
    fn spec_duration_example() {
        // [4, 5, 6, 7, 30] → p50 6, p90 30, p95 30, mean 52/5 = 10.4, max 30
        let m = current(&durations([4, 5, 6, 7, 30]), &Settings::default());
        let d = &m.duration_s;
        assert_eq!(
            (d.n, d.p50, d.p90, d.p95, d.mean, d.max),
            (5, Some(6.0), Some(30.0), Some(30.0), Some(10.4), Some(30.0))
        );
    }

    #[test]
    fn duration_population() {
        let mut runs = vec![
            timed("r1", Outcome::Succeeded, 1, 100),
            timed("r2", Outcome::Failed, 2, 40),
            timed("r3", Outcome::Aborted, 3, 10),
            timed("r4", Outcome::InProgress, 4, 5),
        ];
        // A succeeded run finished before it started, one without a finish: neither counts.
        let mut backwards = timed("r5", Outcome::Succeeded, 5, 0);
        backwards.finished_at = Some(at(5) - TimeDelta::seconds(1));
        let mut unfinished = timed("r6", Outcome::Succeeded, 6, 0);
        unfinished.finished_at = None;
        runs.extend([backwards, unfinished]);

        let m = current(&runs, &Settings::default());
        assert_eq!((m.duration_s.n, m.duration_s.p50), (1, Some(100.0)));

        let finished = Settings {
            durations: DurationPopulation::Finished,
            ..Settings::default()
        };
        let m = current(&runs, &finished);
        // [40, 100]: p50 r = (100+99)/100 = 1 → 40; p90 r = 2 → 100; mean 140/2 = 70
        let d = &m.duration_s;
        assert_eq!(
            (d.n, d.p50, d.p90, d.mean),
            (2, Some(40.0), Some(100.0), Some(70.0))
        );
        // --aborted-as failure does not add aborted runs to durations.
        let both = Settings {
            aborted_as: AbortedAs::Failure,
            ..finished
        };
        assert_eq!(current(&runs, &both).duration_s.n, 2);
    }

    #[test]
    fn durations_keep_sub_second_precision() {
        let mut r = timed("r1", Outcome::Succeeded, 1, 0);
        r.finished_at = r.started_at.map(|s| s + TimeDelta::milliseconds(2_250));
        assert_eq!(
            current(&[r], &Settings::default()).duration_s.p50,
            Some(2.25)
        );
    }

    #[test]
    fn queue_tolerates_one_second_of_clock_skew() {
        let started = |slug: &str, offset_ms: i64| {
            let mut r = run(slug, "ci", Outcome::Succeeded, 10);
            r.started_at = Some(at(10) + TimeDelta::milliseconds(offset_ms));
            r
        };
        let runs = [
            started("early", -400),                       // counted, Q = max(0, −0.4) = 0
            started("edge", -1_000),                      // S = T − 1 s exactly: counted, Q = 0
            started("skewed", -1_500),                    // more than 1 s early: excluded
            started("waited", 30_000),                    // Q = 30
            run("queued", "ci", Outcome::InProgress, 10), // no S: excluded
        ];
        let m = current(&runs, &Settings::default());
        // [0, 0, 30]: p50 r = (150+99)/100 = 2 → 0; p95 r = (285+99)/100 = 3 → 30
        assert_eq!(
            (m.queue_s.n, m.queue_s.p50, m.queue_s.p95),
            (3, Some(0.0), Some(30.0))
        );
    }

    #[test]
    fn failure_rate_change_by_hand() {
        // now 12 of 40, before 4 of 40: delta 0.3 − 0.1 = 0.2, Newcombe [0.0232069, 0.3657081]
        // (arithmetic in stats::tests::newcombe_by_hand_is_significant): excludes 0 with
        // 40 ≥ 10 decided in both windows → significant.
        let g = compared(&decided_runs(12, 28), &decided_runs(4, 36));
        let c = g.change.expect("compared").failure_rate;
        assert!(close(c.delta.expect("both rates"), 0.2, 1e-12));
        let [lo, hi] = c.ci95.expect("both rates");
        assert!(
            close(lo, 0.0232069, 1e-6) && close(hi, 0.3657081, 1e-6),
            "{lo} {hi}"
        );
        assert!(c.significant);
    }

    #[test]
    fn failure_rate_change_needs_ten_decided_runs_in_both_windows() {
        // now 9 of 9 failed, before 0 of 20: Wilson now [0.7008, 1], before [0, 0.1611];
        // lower = 1 − sqrt((1 − 0.7008)² + (0.1611 − 0)²) = 1 − 0.3398 = 0.6602 > 0, so the
        // interval excludes 0, yet 9 < 10 decided runs now: not significant.
        let g = compared(&decided_runs(9, 0), &decided_runs(0, 20));
        let c = g.change.expect("compared").failure_rate;
        assert_eq!(c.delta, Some(1.0));
        let [lo, _] = c.ci95.expect("both rates");
        assert!(close(lo, 0.6602, 1e-4), "{lo}");
        assert!(!c.significant);
    }

    #[test]
    fn failure_rate_change_is_null_without_decided_runs_before() {
        let g = compared(&decided_runs(3, 17), &[run("a", "ci", Outcome::Aborted, 1)]);
        let c = g.change.expect("compared");
        assert_eq!(c.runs.delta, 19);
        assert_eq!((c.failure_rate.delta, c.failure_rate.ci95), (None, None));
        assert!(!c.failure_rate.significant);
    }

    #[test]
    fn duration_change_is_significant_with_ten_in_each_sample() {
        // now 100..=109, before 200..=209: every current value ranks below every previous
        // one, R1 = 1+…+10 = 55, U = 55 − 55 = 0, μ = 50, σ² = 100/12 · 21 = 175,
        // σ = 13.2287566, z = 49.5/σ = 3.7418483, p = 2·(1 − Φ(z)) = 0.0001827.
        // p50 r = (500+99)/100 = 5: 104 now, 204 before → delta −100.
        let g = compared(&durations(100..110), &durations(200..210));
        let c = g.change.expect("compared").duration_p50;
        assert_eq!(c.delta, Some(-100.0));
        assert!(close(c.p_value.expect("σ > 0"), 0.0001827, 1e-6));
        assert!(c.significant);
    }

    #[test]
    fn duration_change_needs_ten_in_each_sample() {
        // now 100..=108 (n = 9): U = 0, μ = 45, σ² = 90/12 · 20 = 150, σ = 12.2474487,
        // z = 44.5/σ = 3.6334098, p = 0.0002797 < 0.05, yet 9 < 10: not significant.
        let g = compared(&durations(100..109), &durations(200..210));
        let c = g.change.expect("compared").duration_p50;
        assert!(close(c.p_value.expect("σ > 0"), 0.0002797, 1e-6));
        assert!(!c.significant);
    }

    #[test]
    fn duration_change_of_identical_durations_has_no_p_value() {
        let g = compared(&durations([60; 12]), &durations([60; 12]));
        let c = g.change.expect("compared").duration_p50;
        assert_eq!(
            (c.delta, c.p_value, c.significant),
            (Some(0.0), None, false)
        );
    }

    fn keys(value: &Value) -> Vec<&str> {
        let mut keys: Vec<&str> = value
            .as_object()
            .expect("a JSON object")
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        keys
    }

    #[test]
    fn json_shape_matches_the_metrics_contract() {
        // An empty current window against a previous window holding one succeeded run.
        let g = compared(&[], &durations([50]));
        let v = serde_json::to_value(&g).expect("serializable");

        let window_keys = [
            "aborted",
            "credits",
            "duration_s",
            "failed",
            "failure_rate",
            "failure_rate_ci95",
            "in_progress",
            "other",
            "queue_s",
            "reliability",
            "runs",
            "runs_per_day",
            "succeeded",
            "time_to_restore_s",
        ];
        let mut group_keys = window_keys.to_vec();
        group_keys.extend(["change", "previous"]);
        group_keys.sort_unstable();
        assert_eq!(keys(&v), group_keys);
        assert_eq!(keys(&v["previous"]), window_keys);

        assert_eq!(
            keys(&v["duration_s"]),
            ["max", "mean", "n", "p50", "p90", "p95"]
        );
        assert_eq!(keys(&v["queue_s"]), ["n", "p50", "p95"]);
        assert_eq!(
            keys(&v["time_to_restore_s"]),
            ["max", "n", "open", "open_episodes", "p50"]
        );
        // Pipeline details are read by default: an empty group still has the object.
        assert_eq!(
            keys(&v["reliability"]),
            [
                "first_attempt_decided",
                "first_attempt_failure_rate",
                "first_attempt_failure_rate_ci95",
                "flaky_commits",
                "rerun_rescued"
            ]
        );
        assert_eq!(keys(&v["reliability"]["rerun_rescued"]), ["count", "share"]);
        assert_eq!(v["reliability"]["first_attempt_failure_rate"], Value::Null);
        assert_eq!(v["time_to_restore_s"]["open_episodes"], json!([]));
        assert_eq!(keys(&v["credits"]), ["coverage", "failed", "total"]);
        assert_eq!(keys(&v["change"]), ["duration_p50", "failure_rate", "runs"]);
        assert_eq!(keys(&v["change"]["runs"]), ["delta"]);
        assert_eq!(
            keys(&v["change"]["failure_rate"]),
            ["ci95", "delta", "significant"]
        );
        assert_eq!(
            keys(&v["change"]["duration_p50"]),
            ["delta", "p_value", "significant"]
        );

        // Nulls where nothing can be computed, never 0.
        assert_eq!(v["failure_rate"], Value::Null);
        assert_eq!(v["failure_rate_ci95"], Value::Null);
        assert_eq!(v["duration_s"]["p50"], Value::Null);
        assert_eq!(v["credits"]["coverage"], Value::Null);
        assert_eq!(v["runs_per_day"], json!(0.0));
        assert_eq!(v["change"]["runs"]["delta"], json!(-1));
        assert_eq!(
            v["change"]["failure_rate"],
            json!({"delta": null, "ci95": null, "significant": false})
        );
        assert_eq!(
            v["change"]["duration_p50"],
            json!({"delta": null, "p_value": null, "significant": false})
        );
        // The previous window's values are there, the interval as a two-element array.
        assert_eq!(v["previous"]["duration_s"]["p50"], json!(50.0));
        assert_eq!(v["previous"]["failure_rate"], json!(0.0));
        assert_eq!(
            v["previous"]["failure_rate_ci95"].as_array().map(Vec::len),
            Some(2)
        );

        // Without comparison both are null, not missing.
        let w = window();
        let alone = group_metrics(
            WindowRuns {
                window: &w,
                runs: &[],
            },
            None,
            &Settings::default(),
        );
        let v = serde_json::to_value(&alone).expect("serializable");
        assert_eq!((&v["previous"], &v["change"]), (&Value::Null, &Value::Null));
        assert!(v.get("previous").is_some() && v.get("change").is_some());
    }
}
