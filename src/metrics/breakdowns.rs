//! Breakdowns asked for with `--group-by`: the runs of the whole dataset split by branch, by
//! trigger or by machine type, each part measured exactly like every other group.

use std::collections::BTreeMap;

use serde::Serialize;

use super::breakdown::{GroupRuns, Placement, Windows};
use super::group::AppRun;
use super::{GroupMetrics, Settings};
use crate::model::{Dataset, Run, Window};

/// What a breakdown splits runs by (`--group-by`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// The run's branch; `(none)` without one.
    Branch,
    /// What started the run: pull_request, push, tag, schedule, manual or unknown.
    Trigger,
    /// The machine type the run asked for; `(default)` without one.
    Machine,
}

impl Dimension {
    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Branch => "branch",
            Dimension::Trigger => "trigger",
            Dimension::Machine => "machine",
        }
    }

    /// The key of `run` in this breakdown.
    fn key(self, run: &Run) -> &str {
        match self {
            Dimension::Branch => run.branch.as_deref().unwrap_or("(none)"),
            Dimension::Trigger => run.trigger.as_str(),
            Dimension::Machine => run.machine_type.as_deref().unwrap_or("(default)"),
        }
    }
}

/// One part of a breakdown.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BreakdownRow {
    pub key: String,
    pub metrics: GroupMetrics,
}

/// Breakdowns by dimension name (`branch`, `machine`, `trigger`); empty unless asked for.
pub type Breakdowns = BTreeMap<&'static str, Vec<BreakdownRow>>;

/// The breakdowns of `dataset` (already filtered) along `dimensions`. Rows are ordered by runs in
/// the report window, most first, then by key.
pub fn breakdowns(
    dataset: &Dataset,
    window: &Window,
    previous: Option<&Window>,
    settings: &Settings,
    dimensions: &[Dimension],
) -> Breakdowns {
    let settings = settings.for_dataset(dataset);
    let windows = Windows {
        current: window,
        previous,
    };
    let mut result = Breakdowns::new();
    for &dimension in dimensions {
        let mut parts: BTreeMap<&str, GroupRuns<'_>> = BTreeMap::new();
        for app_runs in &dataset.apps {
            for run in &app_runs.runs {
                let placement = Placement::of(run, windows);
                if placement.any() {
                    let app_run = AppRun {
                        app: &app_runs.app.slug,
                        run,
                    };
                    parts
                        .entry(dimension.key(run))
                        .or_default()
                        .push(app_run, placement);
                }
            }
        }
        let mut rows: Vec<BreakdownRow> = parts
            .into_iter()
            .map(|(key, group)| BreakdownRow {
                key: key.to_owned(),
                metrics: group.metrics(windows, &settings),
            })
            .collect();
        // The map gave key order; a stable sort by runs keeps it among equals.
        rows.sort_by_key(|row| std::cmp::Reverse(row.metrics.current.runs));
        result.insert(dimension.as_str(), rows);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::fixtures::{one_app, run, window};
    use crate::model::{Outcome, Trigger};

    fn dataset() -> Dataset {
        let mut runs = vec![
            run("r1", "ci", Outcome::Succeeded, 1),
            run("r2", "ci", Outcome::Failed, 2),
            run("r3", "ci", Outcome::Succeeded, 3),
            run("r4", "ci", Outcome::Failed, 4),
            run("r5", "ci", Outcome::Succeeded, -5), // previous window only
        ];
        // r1, r2 on main (fixture default); r3 on feature/x; r4 without a branch.
        runs[2].branch = Some("feature/x".to_owned());
        runs[3].branch = None;
        runs[4].branch = Some("feature/x".to_owned());
        runs[0].trigger = Trigger::Push;
        runs[1].trigger = Trigger::PullRequest;
        runs[2].trigger = Trigger::PullRequest;
        runs[3].trigger = Trigger::PullRequest;
        runs[1].machine_type = Some("g2.mac.large".to_owned());
        Dataset {
            details_read: true,
            ..one_app(runs)
        }
    }

    fn summary(rows: &[BreakdownRow]) -> Vec<(&str, u64, u64)> {
        rows.iter()
            .map(|r| {
                (
                    r.key.as_str(),
                    r.metrics.current.runs,
                    r.metrics.current.failed,
                )
            })
            .collect()
    }

    #[test]
    fn by_branch_trigger_and_machine() {
        let (w, p) = (window(), window().previous());
        let dims = [Dimension::Branch, Dimension::Trigger, Dimension::Machine];
        let b = breakdowns(&dataset(), &w, Some(&p), &Settings::default(), &dims);
        assert_eq!(
            b.keys().copied().collect::<Vec<_>>(),
            ["branch", "machine", "trigger"]
        );
        // Branch: main 2 (r1, r2; 1 failed); (none) 1 (r4, failed); feature/x 1 (r3).
        // Ties at 1 run ordered by key: "(none)" < "feature/x".
        assert_eq!(
            summary(&b["branch"]),
            [("main", 2, 1), ("(none)", 1, 1), ("feature/x", 1, 0)]
        );
        // feature/x also holds r5 in the previous window.
        let fx = &b["branch"][2].metrics;
        assert_eq!(fx.previous.as_ref().map(|m| m.runs), Some(1));
        // Trigger: pull_request 3 (r2, r3, r4; 2 failed); push 1; r5 (unknown) only before.
        assert_eq!(
            summary(&b["trigger"]),
            [("pull_request", 3, 2), ("push", 1, 0), ("unknown", 0, 0)]
        );
        // Machine: (default) 3, g2.mac.large 1 (failed).
        assert_eq!(
            summary(&b["machine"]),
            [("(default)", 3, 1), ("g2.mac.large", 1, 1)]
        );
        // Same definitions as every group: failure rate of pull_request 2/3.
        let pr = &b["trigger"][0].metrics.current;
        assert_eq!(pr.failure_rate, Some(2.0 / 3.0));
        // JSON: {"branch": [{"key", "metrics": <Metrics>}], ...}.
        let v = serde_json::to_value(&b).expect("serializable");
        assert_eq!(v["branch"][0]["key"], "main");
        assert_eq!(v["branch"][0]["metrics"]["runs"], 2);
        assert!(v["branch"][0]["metrics"].get("previous").is_some());
    }

    #[test]
    fn nothing_asked_nothing_given() {
        let w = window();
        assert!(breakdowns(&dataset(), &w, None, &Settings::default(), &[]).is_empty());
    }
}
