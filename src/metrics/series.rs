//! Time series for the report's charts: per UTC day over the report window (runs by outcome,
//! duration and queue percentiles) and per ISO week over the previous and report windows
//! (failure rate with its Wilson interval).
//!
//! Pure, like the rest of `metrics`: the windows are passed in. Every percentile is nearest-rank
//! and every value that cannot be computed (a day without durations, a week without decided
//! runs) is `None` (JSON `null`), never 0, so a chart shows a gap rather than a false zero.

use chrono::{DateTime, Datelike, Days, NaiveDate, TimeDelta, Utc};
use serde::Serialize;

use super::group::{duration, queue_time};
use super::percentile::{finite, SortedSample};
use super::stats::wilson;
use super::{AbortedAs, Settings};
use crate::model::{Dataset, Outcome, Run, Window};

/// The most days (and so weeks) a series holds: a window of years would otherwise make a chart
/// of thousands of bars. Longer windows keep their most recent days.
pub const MAX_POINTS: usize = 400;

/// The charts' data: `daily` over the report window, `weekly` over the previous and report
/// windows (the report window alone with `--no-compare`).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Series {
    pub daily: Vec<DailyPoint>,
    pub weekly: Vec<WeeklyPoint>,
}

/// Nearest-rank p50 and p95 of one day's sample, in seconds, with the sample's size.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Percentiles {
    pub n: u64,
    pub p50: Option<f64>,
    pub p95: Option<f64>,
}

/// One UTC day of the report window (the first and last day may be partial: only runs inside
/// the window count).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DailyPoint {
    pub date: NaiveDate,
    pub runs: u64,
    pub succeeded: u64,
    pub failed: u64,
    pub aborted: u64,
    pub in_progress: u64,
    pub other: u64,
    pub duration_s: Percentiles,
    pub queue_s: Percentiles,
}

/// One ISO week (Monday to Sunday, UTC) of the previous and report windows; weeks at the ends
/// may be partial.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeeklyPoint {
    /// The Monday the week starts on.
    pub week_start: NaiveDate,
    pub decided: u64,
    pub failures: u64,
    pub failure_rate: Option<f64>,
    pub failure_rate_ci95: Option<[f64; 2]>,
}

/// Computes the series of `dataset` (already filtered) for the report `window` and, unless
/// `--no-compare`, the `previous` window.
pub fn compute(
    dataset: &Dataset,
    window: &Window,
    previous: Option<&Window>,
    settings: &Settings,
) -> Series {
    let runs: Vec<&Run> = dataset.apps.iter().flat_map(|a| a.runs.iter()).collect();
    let span = match previous {
        // The previous window ends where the report window starts.
        Some(p) => Window {
            since: p.since.min(window.since),
            until: window.until,
        },
        None => *window,
    };
    Series {
        daily: daily(&runs, window, settings),
        weekly: weekly(&runs, &span, settings.aborted_as),
    }
}

/// The UTC dates a window touches, oldest first, at most [`MAX_POINTS`] (the most recent).
fn dates(window: &Window) -> Vec<NaiveDate> {
    if window.until <= window.since {
        return Vec::new();
    }
    let first = window.since.date_naive();
    // `until` is exclusive: a window ending at midnight does not touch that day.
    let last = (window.until - TimeDelta::nanoseconds(1)).date_naive();
    let count = (last - first).num_days().max(0) as usize + 1;
    let skip = count.saturating_sub(MAX_POINTS);
    first.iter_days().skip(skip).take(count - skip).collect()
}

fn daily(runs: &[&Run], window: &Window, settings: &Settings) -> Vec<DailyPoint> {
    dates(window)
        .into_iter()
        .map(|date| {
            let mut point = DailyPoint {
                date,
                runs: 0,
                succeeded: 0,
                failed: 0,
                aborted: 0,
                in_progress: 0,
                other: 0,
                duration_s: Percentiles::of(SortedSample::default()),
                queue_s: Percentiles::of(SortedSample::default()),
            };
            let mut durations = Vec::new();
            let mut queues = Vec::new();
            for run in runs
                .iter()
                .filter(|r| window.contains(r.triggered_at) && r.triggered_at.date_naive() == date)
            {
                point.runs += 1;
                *match run.outcome {
                    Outcome::Succeeded => &mut point.succeeded,
                    Outcome::Failed => &mut point.failed,
                    Outcome::Aborted => &mut point.aborted,
                    Outcome::InProgress => &mut point.in_progress,
                    Outcome::Other => &mut point.other,
                } += 1;
                durations.extend(duration(run, settings.durations));
                queues.extend(queue_time(run));
            }
            point.duration_s = Percentiles::of(SortedSample::new(durations));
            point.queue_s = Percentiles::of(SortedSample::new(queues));
            point
        })
        .collect()
}

fn weekly(runs: &[&Run], span: &Window, aborted_as: AbortedAs) -> Vec<WeeklyPoint> {
    let mut weeks: Vec<NaiveDate> = dates(span).into_iter().map(week_start).collect();
    weeks.dedup();
    weeks
        .into_iter()
        .map(|start| {
            let (mut decided, mut failures) = (0_u64, 0_u64);
            for run in runs
                .iter()
                .filter(|r| span.contains(r.triggered_at) && week_start_of(r.triggered_at) == start)
            {
                let (counts, fails) = match (run.outcome, aborted_as) {
                    (Outcome::Succeeded, _) => (true, false),
                    (Outcome::Failed, _) | (Outcome::Aborted, AbortedAs::Failure) => (true, true),
                    _ => (false, false),
                };
                decided += u64::from(counts);
                failures += u64::from(fails);
            }
            WeeklyPoint {
                week_start: start,
                decided,
                failures,
                failure_rate: if decided == 0 {
                    None
                } else {
                    finite(failures as f64 / decided as f64)
                },
                failure_rate_ci95: wilson(failures, decided),
            }
        })
        .collect()
}

/// The Monday of `date`'s ISO week.
fn week_start(date: NaiveDate) -> NaiveDate {
    date.checked_sub_days(Days::new(u64::from(date.weekday().num_days_from_monday())))
        .unwrap_or(date)
}

fn week_start_of(t: DateTime<Utc>) -> NaiveDate {
    week_start(t.date_naive())
}

impl Percentiles {
    fn of(sample: SortedSample) -> Percentiles {
        Percentiles {
            n: sample.len() as u64,
            p50: sample.nearest_rank(50),
            p95: sample.nearest_rank(95),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{App, AppRuns, RunKind, Trigger};

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("test timestamp")
    }

    /// A run triggered at `t`, queued `queue` s, running `took` s (when it started).
    fn run(t: &str, outcome: Outcome, queue: i64, took: Option<i64>) -> Run {
        let triggered_at = at(t);
        let started_at = took.map(|_| triggered_at + TimeDelta::seconds(queue));
        Run {
            slug: format!("run-{t}"),
            name: "ci".to_owned(),
            kind: RunKind::Pipeline,
            outcome,
            branch: Some("main".to_owned()),
            commit_hash: None,
            triggered_at,
            started_at,
            finished_at: started_at.zip(took).map(|(s, d)| s + TimeDelta::seconds(d)),
            credit_cost: None,
            triggered_by: None,
            trigger: Trigger::Push,
            machine_type: None,
            detail: None,
        }
    }

    fn dataset(runs: Vec<Run>) -> Dataset {
        Dataset {
            apps: vec![AppRuns {
                app: App {
                    slug: "app-1".to_owned(),
                    title: "App".to_owned(),
                    is_disabled: false,
                },
                runs,
            }],
            ..Dataset::default()
        }
    }

    /// Report window Wed 2026-11-25 12:00 to Sat 2026-11-28 12:00 (3 days, touching 4 dates);
    /// previous window Sun 2026-11-22 12:00 to Wed 12:00.
    fn windows() -> (Window, Window) {
        let window = Window {
            since: at("2026-11-25T12:00:00Z"),
            until: at("2026-11-28T12:00:00Z"),
        };
        (window, window.previous())
    }

    #[test]
    fn daily_points_cover_every_date_with_nulls_for_empty_days() {
        let (window, previous) = windows();
        let data = dataset(vec![
            // Before the window starts, on its first date: not counted.
            run("2026-11-25T11:59:59Z", Outcome::Succeeded, 5, Some(100)),
            run("2026-11-25T13:00:00Z", Outcome::Succeeded, 10, Some(300)),
            run("2026-11-25T14:00:00Z", Outcome::Succeeded, 20, Some(100)),
            run("2026-11-25T15:00:00Z", Outcome::Succeeded, 30, Some(200)),
            run("2026-11-25T16:00:00Z", Outcome::Failed, 40, Some(900)),
            run("2026-11-25T17:00:00Z", Outcome::InProgress, 0, None),
            // 2026-11-26: no run. 2026-11-27: one aborted run.
            run("2026-11-27T09:00:00Z", Outcome::Aborted, 2, Some(50)),
            // At `until`: outside (half-open window).
            run("2026-11-28T12:00:00Z", Outcome::Succeeded, 1, Some(10)),
        ]);
        let series = compute(&data, &window, Some(&previous), &Settings::default());
        let dates: Vec<String> = series.daily.iter().map(|d| d.date.to_string()).collect();
        assert_eq!(
            dates,
            ["2026-11-25", "2026-11-26", "2026-11-27", "2026-11-28"]
        );
        let first = &series.daily[0];
        // 5 runs: 3 succeeded, 1 failed, 1 in progress.
        assert_eq!(
            (first.runs, first.succeeded, first.failed, first.in_progress),
            (5, 3, 1, 1)
        );
        // Durations of succeeded runs: [100, 200, 300]; p50 rank ceil(1.5) = 2 → 200,
        // p95 rank ceil(2.85) = 3 → 300. The failed 900 s is not in the population.
        assert_eq!(
            first.duration_s,
            Percentiles {
                n: 3,
                p50: Some(200.0),
                p95: Some(300.0)
            }
        );
        // Queue of the 4 started runs: [10, 20, 30, 40]; p50 rank 2 → 20, p95 rank
        // ceil(3.8) = 4 → 40.
        assert_eq!(
            first.queue_s,
            Percentiles {
                n: 4,
                p50: Some(20.0),
                p95: Some(40.0)
            }
        );
        // An empty day has n = 0 and null percentiles, not zeros.
        let empty = &series.daily[1];
        assert_eq!(empty.runs, 0);
        assert_eq!(empty.duration_s.p50, None);
        assert_eq!(empty.queue_s.p95, None);
        // The aborted run has a queue time but no duration (not succeeded).
        assert_eq!(
            (series.daily[2].aborted, series.daily[2].duration_s.n),
            (1, 0)
        );
        assert_eq!(series.daily[2].queue_s.p50, Some(2.0));
        assert_eq!(series.daily[3].runs, 0);
    }

    #[test]
    fn weekly_points_span_both_windows_by_iso_week() {
        let (window, previous) = windows();
        let data = dataset(vec![
            // Before the previous window (Sun 2026-11-22 11:00): not counted.
            run("2026-11-22T11:00:00Z", Outcome::Failed, 0, Some(10)),
            // Sun 2026-11-22, week of Mon 2026-11-16: 1 failed of 2 decided.
            run("2026-11-22T13:00:00Z", Outcome::Failed, 0, Some(10)),
            run("2026-11-22T14:00:00Z", Outcome::Succeeded, 0, Some(10)),
            // Week of Mon 2026-11-23: 1 failed of 4 decided; the aborted run is not decided.
            run("2026-11-23T08:00:00Z", Outcome::Succeeded, 0, Some(10)),
            run("2026-11-24T08:00:00Z", Outcome::Succeeded, 0, Some(10)),
            run("2026-11-26T08:00:00Z", Outcome::Succeeded, 0, Some(10)),
            run("2026-11-27T08:00:00Z", Outcome::Failed, 0, Some(10)),
            run("2026-11-27T09:00:00Z", Outcome::Aborted, 0, Some(10)),
        ]);
        let series = compute(&data, &window, Some(&previous), &Settings::default());
        let weeks: Vec<(String, u64, u64)> = series
            .weekly
            .iter()
            .map(|w| (w.week_start.to_string(), w.decided, w.failures))
            .collect();
        assert_eq!(
            weeks,
            [
                ("2026-11-16".to_owned(), 2, 1),
                ("2026-11-23".to_owned(), 4, 1)
            ]
        );
        // 1 of 4 = 0.25, with Wilson's interval for 1 of 4.
        assert_eq!(series.weekly[1].failure_rate, Some(0.25));
        assert_eq!(series.weekly[1].failure_rate_ci95, wilson(1, 4));

        // Aborted runs as failures: week of 2026-11-23 has 2 failures of 5 decided = 0.4.
        let settings = Settings {
            aborted_as: AbortedAs::Failure,
            ..Settings::default()
        };
        let series = compute(&data, &window, Some(&previous), &settings);
        assert_eq!(
            (series.weekly[1].decided, series.weekly[1].failure_rate),
            (5, Some(0.4))
        );
    }

    #[test]
    fn weeks_without_decided_runs_are_null() {
        let (window, _) = windows();
        let data = dataset(vec![run(
            "2026-11-26T08:00:00Z",
            Outcome::InProgress,
            0,
            None,
        )]);
        // Without the previous window only the week of 2026-11-23 remains.
        let series = compute(&data, &window, None, &Settings::default());
        assert_eq!(series.weekly.len(), 1);
        assert_eq!(series.weekly[0].decided, 0);
        assert_eq!(series.weekly[0].failure_rate, None);
        assert_eq!(series.weekly[0].failure_rate_ci95, None);
    }

    #[test]
    fn window_ending_at_midnight_does_not_touch_the_next_day() {
        let window = Window {
            since: at("2026-11-23T00:00:00Z"),
            until: at("2026-11-30T00:00:00Z"),
        };
        let days = dates(&window);
        // 23 to 29 November: 7 dates.
        assert_eq!(days.len(), 7);
        assert_eq!(
            days.last().map(|d| d.to_string()).as_deref(),
            Some("2026-11-29")
        );
        // An empty window has no dates.
        assert!(dates(&Window {
            since: window.until,
            until: window.until
        })
        .is_empty());
    }

    #[test]
    fn long_windows_keep_their_most_recent_days() {
        let window = Window::ending_at(at("2026-11-30T00:00:00Z"), 1_000.0);
        let days = dates(&window);
        assert_eq!(days.len(), MAX_POINTS);
        assert_eq!(
            days.last().map(|d| d.to_string()).as_deref(),
            Some("2026-11-29")
        );
    }
}
