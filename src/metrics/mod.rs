//! CI metrics over domain runs, exactly as `docs/metrics.md` defines them: counts, failure rate
//! with its Wilson interval, nearest-rank duration and queue percentiles, time to restore,
//! credits, and the change against the previous window with its significance; from pipeline
//! details, reliability (first attempts, reruns, flaky commits) and per-workflow metrics with the
//! critical path; and, over the whole dataset, DORA deployment metrics, breakdowns by branch,
//! trigger or machine, and data-quality counts.
//!
//! Pure functions: no I/O and no clock. The window (and so "now") is always passed in.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::model::{Dataset, RunKind, Window};

mod breakdown;
mod breakdowns;
mod dora;
#[cfg(test)]
mod fixtures;
mod group;
mod percentile;
mod quality;
mod reliability;
mod restore;
pub mod series;
mod stats;
mod workflows;

pub use breakdowns::{breakdowns, BreakdownRow, Breakdowns, Dimension};
pub use dora::{
    dora, Band, ChangeFailureRate, DeploySelector, DeploymentFrequency, Dora, DoraThresholds,
    RecoveryTime, DORA_SOURCE,
};
pub use group::{group_metrics, AppRun, WindowRuns, MIN_SIGNIFICANT_N};
pub use percentile::SortedSample;
pub use quality::{data_quality, DataQuality};
pub use restore::time_to_restore;
pub use stats::{mann_whitney_p, newcombe, wilson, Z95};
pub use workflows::run_critical_path;

/// How aborted runs count towards the failure rate (`--aborted-as`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum AbortedAs {
    /// Aborted runs are not decided: they count neither as failures nor as successes.
    #[default]
    Excluded,
    /// Aborted runs are decided and count as failures.
    Failure,
}

/// Which runs form the duration population (`--durations`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum DurationPopulation {
    /// Succeeded runs only, as Bitrise Insights does.
    #[default]
    Succeeded,
    /// Succeeded and failed runs.
    Finished,
}

/// The choices that change how metrics are computed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub aborted_as: AbortedAs,
    pub durations: DurationPopulation,
    /// Branches whose red episodes give time to restore.
    pub main_branches: Vec<String>,
    /// Whether pipeline details were read: without them the detail-based metrics
    /// (`reliability`, `workflows`, `critical_path`) are `null`. [`compute`] and [`breakdowns`]
    /// take it from [`Dataset::details_read`], whatever is set here.
    pub details_read: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            aborted_as: AbortedAs::Excluded,
            durations: DurationPopulation::Succeeded,
            main_branches: vec!["main".to_owned(), "master".to_owned()],
            details_read: true,
        }
    }
}

/// Duration statistics of a group's duration population, in seconds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DurationStats {
    pub n: u64,
    pub p50: Option<f64>,
    pub p90: Option<f64>,
    pub p95: Option<f64>,
    pub mean: Option<f64>,
    pub max: Option<f64>,
}

/// Queue time statistics, in seconds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueStats {
    pub n: u64,
    pub p50: Option<f64>,
    pub p95: Option<f64>,
}

/// Time to restore over closed red episodes on the main branches, in seconds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RestoreStats {
    pub n: u64,
    pub p50: Option<f64>,
    pub max: Option<f64>,
    /// Red episodes still open at the end of the window.
    pub open: u64,
    /// The still-open episodes, ordered by `since`, then app, name, kind and branch.
    pub open_episodes: Vec<OpenEpisode>,
}

/// A red episode still open at the end of the window: the branch is red now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpenEpisode {
    pub app: String,
    pub name: String,
    pub kind: RunKind,
    pub branch: String,
    /// `F` of the failed run that opened the episode; `None` when that run has no finish time.
    pub since: Option<DateTime<Utc>>,
}

/// Attempts and flakiness of a group's pipeline runs (metrics.md, "Attempts and workflows").
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reliability {
    pub first_attempt_failure_rate: Option<f64>,
    pub first_attempt_failure_rate_ci95: Option<[f64; 2]>,
    /// Pipeline runs whose attempt 1 is decided.
    pub first_attempt_decided: u64,
    /// Pipeline runs whose attempt 1 is decided and failed (not in the JSON; renderers rank by
    /// its Wilson interval).
    #[serde(skip)]
    pub first_attempt_failed: u64,
    pub rerun_rescued: RerunRescued,
    pub flaky_commits: u64,
}

/// Pipeline runs that failed in some attempt and finally succeeded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RerunRescued {
    pub count: u64,
    /// `count` over `decided`; `None` when no decided pipeline run has a detail.
    pub share: Option<f64>,
    /// Decided pipeline runs with a detail: the share's denominator (not in the JSON).
    #[serde(skip)]
    pub decided: u64,
}

/// One workflow's metrics inside a pipeline row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkflowMetrics {
    pub name: String,
    pub metrics: WorkflowStats,
}

/// Counts, failure rate and durations of one workflow's entries in the report window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkflowStats {
    pub runs: u64,
    pub succeeded: u64,
    pub failed: u64,
    pub skipped: u64,
    /// Decided entries (succeeded + failed, plus aborted with `--aborted-as failure`); not in
    /// the JSON.
    #[serde(skip)]
    pub decided: u64,
    pub failure_rate: Option<f64>,
    pub failure_rate_ci95: Option<[f64; 2]>,
    /// Durations of the `succeeded` entries.
    pub duration_s: DurationStats,
}

/// The critical path of a pipeline row's typical (median-duration) run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CriticalPath {
    /// The typical run's slug.
    pub run: String,
    /// Workflow names in chain order (first to run first).
    pub workflows: Vec<String>,
    pub duration_s: f64,
    /// The workflow with the largest summed duration on the critical paths of the runs at or
    /// above the row's p95 duration.
    pub p95_bottleneck: Option<String>,
}

/// Credits spent, when the API reports `credit_cost`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Credits {
    pub total: u64,
    pub failed: u64,
    /// Share of runs whose cost is known; `None` without runs.
    pub coverage: Option<f64>,
}

/// The metrics of one group in one window (report-json.md `<Metrics>` without `previous` and
/// `change`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WindowMetrics {
    pub runs: u64,
    pub runs_per_day: f64,
    pub succeeded: u64,
    pub failed: u64,
    pub aborted: u64,
    pub in_progress: u64,
    pub other: u64,
    /// Decided runs (succeeded + failed, plus aborted with `--aborted-as failure`). Not part of
    /// the JSON contract; renderers show it as the failure rate's `n`.
    #[serde(skip)]
    pub decided: u64,
    pub failure_rate: Option<f64>,
    pub failure_rate_ci95: Option<[f64; 2]>,
    pub duration_s: DurationStats,
    pub queue_s: QueueStats,
    pub time_to_restore_s: RestoreStats,
    pub credits: Credits,
    /// `None` when pipeline details were not read.
    pub reliability: Option<Reliability>,
}

/// `change.runs`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunsChange {
    pub delta: i64,
}

/// `change.failure_rate`: difference of rates with the Newcombe hybrid score interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailureRateChange {
    pub delta: Option<f64>,
    pub ci95: Option<[f64; 2]>,
    pub significant: bool,
}

/// `change.duration_p50`: difference of medians with a Mann–Whitney U test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DurationChange {
    pub delta: Option<f64>,
    pub p_value: Option<f64>,
    pub significant: bool,
}

/// The change of a group's metrics against the previous window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub runs: RunsChange,
    pub failure_rate: FailureRateChange,
    pub duration_p50: DurationChange,
}

/// A group's metrics: the report window, and (unless `--no-compare`) the previous window and the
/// change between them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupMetrics {
    #[serde(flatten)]
    pub current: WindowMetrics,
    pub previous: Option<WindowMetrics>,
    pub change: Option<Change>,
}

/// A pipeline row: one (app, name, kind).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PipelineMetrics {
    pub name: String,
    pub kind: RunKind,
    pub metrics: GroupMetrics,
    /// Per-workflow metrics, ordered by name; empty for builds, `None` without details.
    pub workflows: Option<Vec<WorkflowMetrics>>,
    /// `None` for builds, without details, or without a typical run.
    pub critical_path: Option<CriticalPath>,
}

/// An app with its metrics and its pipeline rows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AppMetrics {
    pub slug: String,
    pub title: String,
    pub metrics: GroupMetrics,
    pub pipelines: Vec<PipelineMetrics>,
}

/// Metrics for every group of a dataset.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricsReport {
    pub total: GroupMetrics,
    /// Ordered by title, then slug.
    pub apps: Vec<AppMetrics>,
    /// Runs in either window (the JSON's `coverage.runs`).
    pub runs_considered: u64,
}

/// Computes every group's metrics. `previous` is `None` with `--no-compare`.
///
/// The dataset must already be filtered (apps, pipelines, branches): every run it holds counts.
pub fn compute(
    dataset: &Dataset,
    window: &Window,
    previous: Option<&Window>,
    settings: &Settings,
) -> MetricsReport {
    breakdown::compute(dataset, window, previous, settings)
}

impl Settings {
    /// These settings with `details_read` taken from the dataset.
    fn for_dataset(&self, dataset: &Dataset) -> Settings {
        Settings {
            details_read: dataset.details_read,
            ..self.clone()
        }
    }
}
