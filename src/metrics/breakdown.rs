//! Splits a dataset into the report's groups — `total`, each app, each (app, name, kind)
//! pipeline row — in one pass over the runs, and orders them as the report shows them.

use std::collections::BTreeMap;

use super::group::{group_metrics, AppRun, WindowRuns};
use super::workflows::{critical_path, workflow_metrics};
use super::{AppMetrics, GroupMetrics, MetricsReport, PipelineMetrics, Settings};
use crate::model::{Dataset, Run, RunKind, Window};

/// The windows a report covers.
#[derive(Debug, Clone, Copy)]
pub(super) struct Windows<'w> {
    pub(super) current: &'w Window,
    pub(super) previous: Option<&'w Window>,
}

/// One group's runs, split by window.
#[derive(Debug, Default)]
pub(super) struct GroupRuns<'r> {
    pub(super) current: Vec<AppRun<'r>>,
    previous: Vec<AppRun<'r>>,
}

impl<'r> GroupRuns<'r> {
    pub(super) fn metrics(&self, windows: Windows<'_>, settings: &Settings) -> GroupMetrics {
        let current = WindowRuns {
            window: windows.current,
            runs: &self.current,
        };
        let previous = windows.previous.map(|window| WindowRuns {
            window,
            runs: &self.previous,
        });
        group_metrics(current, previous, settings)
    }

    pub(super) fn push(&mut self, run: AppRun<'r>, placement: Placement) {
        if placement.current {
            self.current.push(run);
        }
        if placement.previous {
            self.previous.push(run);
        }
    }
}

/// Which windows a run was triggered in.
#[derive(Debug, Clone, Copy)]
pub(super) struct Placement {
    pub(super) current: bool,
    pub(super) previous: bool,
}

impl Placement {
    pub(super) fn of(run: &Run, windows: Windows<'_>) -> Placement {
        Placement {
            current: windows.current.contains(run.triggered_at),
            previous: windows
                .previous
                .is_some_and(|p| p.contains(run.triggered_at)),
        }
    }

    pub(super) fn any(self) -> bool {
        self.current || self.previous
    }
}

pub(super) fn compute(
    dataset: &Dataset,
    window: &Window,
    previous: Option<&Window>,
    settings: &Settings,
) -> MetricsReport {
    let settings = &settings.for_dataset(dataset);
    let windows = Windows {
        current: window,
        previous,
    };
    let mut total = GroupRuns::default();
    let mut runs_considered = 0;
    let mut apps = Vec::with_capacity(dataset.apps.len());

    for app_runs in &dataset.apps {
        let app = &app_runs.app;
        let mut app_group = GroupRuns::default();
        // Keyed by the kind's string so that "build" sorts before "pipeline".
        let mut rows: BTreeMap<(&str, &str), (RunKind, GroupRuns<'_>)> = BTreeMap::new();
        for run in &app_runs.runs {
            let placement = Placement::of(run, windows);
            if !placement.any() {
                continue;
            }
            runs_considered += 1;
            let app_run = AppRun {
                app: &app.slug,
                run,
            };
            total.push(app_run, placement);
            app_group.push(app_run, placement);
            rows.entry((run.name.as_str(), run.kind.as_str()))
                .or_insert_with(|| (run.kind, GroupRuns::default()))
                .1
                .push(app_run, placement);
        }

        let pipelines = rows
            .into_iter()
            .map(|((name, _), (kind, group))| pipeline_row(name, kind, &group, windows, settings))
            .collect();
        apps.push(AppMetrics {
            slug: app.slug.clone(),
            title: app.title.clone(),
            metrics: app_group.metrics(windows, settings),
            pipelines,
        });
    }
    apps.sort_by(|a, b| a.title.cmp(&b.title).then_with(|| a.slug.cmp(&b.slug)));

    MetricsReport {
        total: total.metrics(windows, settings),
        apps,
        runs_considered,
    }
}

/// A pipeline row with its workflows and critical path (from the report window's details).
fn pipeline_row(
    name: &str,
    kind: RunKind,
    group: &GroupRuns<'_>,
    windows: Windows<'_>,
    settings: &Settings,
) -> PipelineMetrics {
    let metrics = group.metrics(windows, settings);
    let (workflows, critical_path) = match (settings.details_read, kind) {
        (false, _) => (None, None),
        // Standalone builds have no workflows inside them.
        (true, RunKind::Build) => (Some(Vec::new()), None),
        (true, RunKind::Pipeline) => (
            Some(workflow_metrics(&group.current, settings)),
            critical_path(&group.current, metrics.current.duration_s.p95, settings),
        ),
    };
    PipelineMetrics {
        name: name.to_owned(),
        kind,
        metrics,
        workflows,
        critical_path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::fixtures::{at, run, window};
    use crate::model::{App, AppRuns, Outcome, Run};

    /// The report window is 7 days = 10 080 minutes long; the previous one covers minutes
    /// −10 080 .. 0.
    const UNTIL: i64 = 7 * 24 * 60;

    fn app(slug: &str, title: &str, runs: Vec<Run>) -> AppRuns {
        AppRuns {
            app: App {
                slug: slug.to_owned(),
                title: title.to_owned(),
                is_disabled: false,
            },
            runs,
        }
    }

    fn build(slug: &str, name: &str, outcome: Outcome, t: i64) -> Run {
        let mut r = run(slug, name, outcome, t);
        r.kind = RunKind::Build;
        r
    }

    /// "Beta" (b-app) has runs; "Alpha" (z-app) and a second "Beta" (a-app) have none.
    fn dataset() -> Dataset {
        let runs = vec![
            run("r1", "ci", Outcome::Succeeded, 0), // at `since` exactly: current
            run("r2", "ci", Outcome::Failed, 60),   // current
            build("r3", "ci", Outcome::Succeeded, 30), // current, a build row
            run("r4", "Zeta", Outcome::Succeeded, 90), // current; 'Z' < 'c' in bytes
            run("r5", "deploy", Outcome::Failed, -1), // previous window only
            run("r6", "ci", Outcome::Succeeded, -600), // previous window
            run("r7", "late", Outcome::Succeeded, UNTIL), // at `until`: in no window
            run("r8", "old", Outcome::Failed, -UNTIL - 1), // before the previous window
            run("r9", "ci", Outcome::Aborted, UNTIL - 1), // current, last minute
        ];
        Dataset {
            apps: vec![
                app("b-app", "Beta", runs),
                app("z-app", "Alpha", Vec::new()),
                app("a-app", "Beta", Vec::new()),
            ],
            ..Dataset::default()
        }
    }

    fn rows(app: &AppMetrics) -> Vec<(&str, RunKind)> {
        app.pipelines
            .iter()
            .map(|p| (p.name.as_str(), p.kind))
            .collect()
    }

    #[test]
    fn groups_are_ordered_and_counted_with_comparison() {
        let (w, p) = (window(), window().previous());
        let report = compute(&dataset(), &w, Some(&p), &Settings::default());

        // Apps by title, then slug; every app appears, with or without runs.
        let order: Vec<(&str, &str)> = report
            .apps
            .iter()
            .map(|a| (a.title.as_str(), a.slug.as_str()))
            .collect();
        assert_eq!(
            order,
            [("Alpha", "z-app"), ("Beta", "a-app"), ("Beta", "b-app")]
        );

        // Current: r1 r2 r3 r4 r9 = 5; previous: r5 r6 = 2; considered 5 + 2 = 7.
        assert_eq!(report.runs_considered, 7);
        assert_eq!(report.total.current.runs, 5);
        let total_before = report.total.previous.as_ref().expect("compared");
        assert_eq!(total_before.runs, 2);

        let beta = &report.apps[2];
        // Rows by name in byte order, then kind by its string: "build" < "pipeline".
        // "deploy" ran only in the previous window and still has a row.
        assert_eq!(
            rows(beta),
            [
                ("Zeta", RunKind::Pipeline),
                ("ci", RunKind::Build),
                ("ci", RunKind::Pipeline),
                ("deploy", RunKind::Pipeline),
            ]
        );
        assert_eq!(beta.metrics, report.total);
        let ci = &beta.pipelines[2].metrics;
        // ci pipeline now: r1 succeeded, r2 failed, r9 aborted; before: r6 succeeded.
        assert_eq!(
            (
                ci.current.runs,
                ci.current.succeeded,
                ci.current.failed,
                ci.current.aborted
            ),
            (3, 1, 1, 1)
        );
        assert_eq!(ci.previous.as_ref().map(|m| m.runs), Some(1));
        let deploy = &beta.pipelines[3].metrics;
        assert_eq!(deploy.current.runs, 0);
        assert_eq!(deploy.previous.as_ref().map(|m| m.failed), Some(1));
        assert_eq!(deploy.change.as_ref().map(|c| c.runs.delta), Some(-1));

        // Apps without runs: zeros and nulls in both windows, no rows.
        let alpha = &report.apps[0];
        assert!(alpha.pipelines.is_empty());
        assert_eq!(alpha.metrics.current.runs, 0);
        assert_eq!(alpha.metrics.current.failure_rate, None);
        assert_eq!(alpha.metrics.previous.as_ref().map(|m| m.runs), Some(0));
        assert!(alpha.metrics.change.is_some());
    }

    #[test]
    fn without_comparison_only_the_report_window_counts() {
        let report = compute(&dataset(), &window(), None, &Settings::default());
        // r1 r2 r3 r4 r9 only.
        assert_eq!(report.runs_considered, 5);
        assert_eq!((report.total.previous, report.total.change), (None, None));
        let beta = &report.apps[2];
        // No "deploy" row: its only run is in the previous window.
        assert_eq!(
            rows(beta),
            [
                ("Zeta", RunKind::Pipeline),
                ("ci", RunKind::Build),
                ("ci", RunKind::Pipeline),
            ]
        );
        assert!(beta
            .pipelines
            .iter()
            .all(|p| p.metrics.previous.is_none() && p.metrics.change.is_none()));
    }

    #[test]
    fn total_pools_apps_but_keeps_their_restore_sequences_apart() {
        // a1 fails on main (F at minute 2); a2 succeeds on main later (F at minute 20).
        // Separate sequences: a2's success does not close a1's episode. Total: 1 open.
        let mut failed = run("x1", "ci", Outcome::Failed, 1);
        failed.finished_at = Some(at(2));
        let mut fixed = run("x1", "ci", Outcome::Succeeded, 10);
        fixed.finished_at = Some(at(20));
        let data = Dataset {
            apps: vec![
                app("a1", "One", vec![failed]),
                app("a2", "Two", vec![fixed]),
            ],
            ..Dataset::default()
        };
        let report = compute(&data, &window(), None, &Settings::default());
        let ttr = &report.total.current.time_to_restore_s;
        assert_eq!((ttr.n, ttr.open), (0, 1));
        assert_eq!(report.total.current.runs, 2);
        assert_eq!(report.total.current.failure_rate, Some(0.5));
    }

    #[test]
    fn pipeline_rows_carry_workflows_and_critical_path() {
        use crate::metrics::fixtures::{with_workflows, workflow};
        // One pipeline run "ci" with check (60 s) → build (300 s), lasting 400 s; one build.
        let mut ci = with_workflows(
            run("p1", "ci", Outcome::Succeeded, 1),
            vec![
                workflow("check", Outcome::Succeeded, 0, 60, &[]),
                workflow("build", Outcome::Succeeded, 60, 300, &["check"]),
            ],
        );
        ci.started_at = Some(at(1));
        ci.finished_at = Some(at(1) + chrono::TimeDelta::seconds(400));
        let mut data = Dataset {
            apps: vec![app(
                "a1",
                "A",
                vec![ci, build("b1", "lint", Outcome::Succeeded, 2)],
            )],
            details_read: true,
            ..Dataset::default()
        };
        let w = window();
        let report = compute(&data, &w, None, &Settings::default());
        let rows = &report.apps[0].pipelines;
        let (lint, ci) = (&rows[1], &rows[0]);
        assert_eq!((ci.name.as_str(), lint.name.as_str()), ("ci", "lint"));
        let names: Vec<&str> = ci
            .workflows
            .as_ref()
            .expect("details read")
            .iter()
            .map(|w| w.name.as_str())
            .collect();
        assert_eq!(names, ["build", "check"]);
        let cp = ci.critical_path.as_ref().expect("a typical run");
        // check 60 + build 300 = 360; one run: p95 = 400 is the run itself, whose longest
        // workflow on the path is build.
        assert_eq!(
            (cp.run.as_str(), cp.duration_s, cp.p95_bottleneck.as_deref()),
            ("p1", 360.0, Some("build"))
        );
        assert_eq!(lint.workflows.as_deref(), Some(&[][..]));
        assert_eq!(lint.critical_path, None);
        assert!(ci.metrics.current.reliability.is_some());

        // Without details: every detail-based metric is null, in every group.
        data.details_read = false;
        let report = compute(&data, &w, None, &Settings::default());
        let rows = &report.apps[0].pipelines;
        assert!(rows
            .iter()
            .all(|r| r.workflows.is_none() && r.critical_path.is_none()));
        assert!(report.total.current.reliability.is_none());
        assert!(report.apps[0].metrics.current.reliability.is_none());
        let v = serde_json::to_value(&rows[0]).expect("serializable");
        assert_eq!(v["workflows"], serde_json::Value::Null);
        assert_eq!(v["critical_path"], serde_json::Value::Null);
        assert_eq!(v["metrics"]["reliability"], serde_json::Value::Null);
    }
}
