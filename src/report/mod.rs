//! Reports: the serializable report document (report-json.md), and its rendering as JSON,
//! Markdown (PR comments, job summaries) and HTML (a standalone page) through the minijinja
//! templates in `templates/`.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::metrics::{AbortedAs, AppMetrics, DurationPopulation, GroupMetrics};
use crate::model::{SkippedApp, Window};

/// The version of the JSON report's schema.
pub const SCHEMA_VERSION: u32 = 1;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    #[default]
    Markdown,
    Html,
    Json,
}

/// Where the runs came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    Bitrise,
    Snapshot,
    Demo,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Source {
    pub kind: SourceKind,
    pub api_url: Option<String>,
}

/// A window as the report shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WindowInfo {
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub days: f64,
}

impl From<&Window> for WindowInfo {
    fn from(w: &Window) -> Self {
        WindowInfo {
            since: w.since,
            until: w.until,
            days: w.days(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SettingsInfo {
    /// Always `nearest-rank`.
    pub percentile: &'static str,
    pub aborted_as: AbortedAs,
    pub durations: DurationPopulation,
    pub main_branches: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coverage {
    /// Apps whose runs were read (not skipped).
    pub apps: u64,
    /// Runs read in both windows after filters.
    pub runs: u64,
    /// HTTP requests made; 0 for snapshot and demo.
    pub requests: u64,
    pub skipped_apps: Vec<SkippedApp>,
    pub warnings: Vec<String>,
}

/// The report document: the JSON output as report-json.md specifies it, and the context every
/// template renders.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub generated_at: DateTime<Utc>,
    pub source: Source,
    pub window: WindowInfo,
    pub previous_window: Option<WindowInfo>,
    pub settings: SettingsInfo,
    pub coverage: Coverage,
    pub total: GroupMetrics,
    pub apps: Vec<AppMetrics>,
}

/// Why a report could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("cannot render template {name}: {message}")]
    Template { name: String, message: String },
    #[error("cannot serialize the JSON report: {0}")]
    Json(#[from] serde_json::Error),
}

/// Renders the report in `format`. The result ends with a newline.
pub fn render(report: &Report, format: Format) -> Result<String, RenderError> {
    let _ = (report, format);
    todo!("report::render")
}
