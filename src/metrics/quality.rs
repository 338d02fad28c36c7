//! Data quality: how much of what was read could not be measured, so every report says so
//! instead of dropping it silently (report-json.md, `coverage.data_quality`).

use serde::Serialize;

use crate::model::{Dataset, Outcome, Window};

/// Counts of runs the metrics could not use fully.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DataQuality {
    /// Runs triggered inside the span (report window and, when compared, previous window).
    pub runs_in_span: u64,
    /// Runs of the report window that are no longer in progress but have no `started_at`: they
    /// have no duration and no queue time.
    pub runs_without_start: u64,
    /// Runs of the report window that finished before they started (`F < S`).
    pub negative_durations: u64,
    /// Runs of the report window whose status is not one the reporter knows (outcome `other`).
    pub unknown_status: u64,
    /// Share of the report window's runs without a `credit_cost`; `None` without runs.
    pub unknown_credit_cost_share: Option<f64>,
    /// Whether the span reaches past the API's retention (older runs are missing).
    pub beyond_retention: bool,
}

/// The data quality of `dataset` (already filtered) for `window` inside `span`.
pub fn data_quality(
    dataset: &Dataset,
    window: &Window,
    span: &Window,
    beyond_retention: bool,
) -> DataQuality {
    let mut q = DataQuality {
        runs_in_span: 0,
        runs_without_start: 0,
        negative_durations: 0,
        unknown_status: 0,
        unknown_credit_cost_share: None,
        beyond_retention,
    };
    let (mut in_window, mut unknown_cost) = (0u64, 0u64);
    for run in dataset.apps.iter().flat_map(|a| &a.runs) {
        q.runs_in_span += u64::from(span.contains(run.triggered_at));
        if !window.contains(run.triggered_at) {
            continue;
        }
        in_window += 1;
        unknown_cost += u64::from(run.credit_cost.is_none());
        q.unknown_status += u64::from(run.outcome == Outcome::Other);
        match (run.started_at, run.finished_at) {
            (None, _) if run.outcome != Outcome::InProgress => q.runs_without_start += 1,
            (Some(s), Some(f)) if f < s => q.negative_durations += 1,
            _ => {}
        }
    }
    q.unknown_credit_cost_share = (in_window > 0).then(|| unknown_cost as f64 / in_window as f64);
    q
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;
    use crate::metrics::fixtures::{one_app, run, timed, window};
    use crate::model::Run;

    fn dataset(runs: Vec<Run>) -> Dataset {
        one_app(runs)
    }

    #[test]
    fn counts_by_hand() {
        let mut backwards = timed("r3", Outcome::Succeeded, 3, 60);
        backwards.finished_at = backwards.started_at.map(|s| s - TimeDelta::seconds(5));
        let mut costed = timed("r1", Outcome::Succeeded, 1, 60);
        costed.credit_cost = Some(4);
        let runs = vec![
            costed,                                    // fine, cost known
            run("r2", "ci", Outcome::Failed, 2),       // finished, no start
            backwards,                                 // F < S
            run("r4", "ci", Outcome::Other, 4),        // unknown status, and no start
            run("r5", "ci", Outcome::InProgress, 5),   // no start yet: fine
            run("r6", "ci", Outcome::Failed, -10),     // previous window: span only
            run("r7", "ci", Outcome::Failed, -20_000), // before the span
        ];
        let (w, p) = (window(), window().previous());
        let span = Window {
            since: p.since,
            until: w.until,
        };
        let q = data_quality(&dataset(runs), &w, &span, true);
        // Span: r1..r6 = 6. Window: r1..r5 = 5; without start: r2, r4 = 2; negative: r3;
        // unknown status: r4; unknown cost: 4 of 5 = 0.8.
        assert_eq!(q.runs_in_span, 6);
        assert_eq!(
            (q.runs_without_start, q.negative_durations, q.unknown_status),
            (2, 1, 1)
        );
        assert_eq!(q.unknown_credit_cost_share, Some(0.8));
        assert!(q.beyond_retention);

        let empty = data_quality(&dataset(Vec::new()), &w, &span, false);
        assert_eq!(
            (empty.runs_in_span, empty.unknown_credit_cost_share),
            (0, None)
        );
    }

    #[test]
    fn json_keys() {
        let w = window();
        let v = serde_json::to_value(data_quality(&dataset(Vec::new()), &w, &w, false))
            .expect("serializable");
        let mut keys: Vec<&str> = v
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "beyond_retention",
                "negative_durations",
                "runs_in_span",
                "runs_without_start",
                "unknown_credit_cost_share",
                "unknown_status"
            ]
        );
        assert_eq!(v["unknown_credit_cost_share"], serde_json::Value::Null);
    }
}
