//! Splits a dataset into the report's groups — `total`, each app, each (app, name, kind)
//! pipeline row — in one pass over the runs, and orders them as the report shows them.

use std::collections::BTreeMap;

use super::group::{group_metrics, AppRun, WindowRuns};
use super::{AppMetrics, GroupMetrics, MetricsReport, PipelineMetrics, Settings};
use crate::model::{Dataset, RunKind, Window};

/// The windows a report covers.
#[derive(Debug, Clone, Copy)]
struct Windows<'w> {
    current: &'w Window,
    previous: Option<&'w Window>,
}

/// One group's runs, split by window.
#[derive(Debug, Default)]
struct GroupRuns<'r> {
    current: Vec<AppRun<'r>>,
    previous: Vec<AppRun<'r>>,
}

impl<'r> GroupRuns<'r> {
    fn metrics(&self, windows: Windows<'_>, settings: &Settings) -> GroupMetrics {
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

    fn push(&mut self, run: AppRun<'r>, placement: Placement) {
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
struct Placement {
    current: bool,
    previous: bool,
}

pub(super) fn compute(
    dataset: &Dataset,
    window: &Window,
    previous: Option<&Window>,
    settings: &Settings,
) -> MetricsReport {
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
            let placement = Placement {
                current: window.contains(run.triggered_at),
                previous: previous.is_some_and(|p| p.contains(run.triggered_at)),
            };
            if !placement.current && !placement.previous {
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
            .map(|((name, _), (kind, group))| PipelineMetrics {
                name: name.to_owned(),
                kind,
                metrics: group.metrics(windows, settings),
            })
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
