//! Reports: the serializable report document (report-json.md), and its rendering as JSON,
//! Markdown (PR comments, job summaries) and HTML (a standalone page) through the minijinja
//! templates in `templates/`.
//!
//! [`view`] turns a report into what people read (formatted numbers, judged changes), [`render`]
//! holds the template environment, [`escape`] keeps untrusted text from forming Markdown or HTML,
//! and [`human`] formats numbers.

pub mod escape;
#[doc(hidden)]
pub mod fixtures;
pub mod human;
pub mod insight_view;
pub mod render;
#[cfg(test)]
mod tests;
pub mod view;

use std::path::Path;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::metrics::{
    AbortedAs, AppMetrics, Breakdowns, DataQuality, Dora, DurationPopulation, GroupMetrics,
};
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
    /// Runs the metrics could not use fully; shown in every format.
    pub data_quality: DataQuality,
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
    /// DORA deployment metrics; `None` without `--deploy-pipeline`.
    pub dora: Option<Dora>,
    /// Breakdowns asked for with `--group-by`; empty otherwise.
    pub breakdowns: Breakdowns,
}

/// Why a report could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("cannot render template {name}: {message}")]
    Template { name: String, message: String },
    #[error("cannot serialize the JSON report: {0}")]
    Json(#[from] serde_json::Error),
}

impl Format {
    /// The template that renders this format; `None` for JSON, which is serialized directly.
    pub fn template_name(self) -> Option<&'static str> {
        match self {
            Format::Markdown => Some("report.md.j2"),
            Format::Html => Some("report.html.j2"),
            Format::Json => None,
        }
    }
}

/// Renders the report in `format` with the built-in templates. The result ends with a newline.
pub fn render(report: &Report, format: Format) -> Result<String, RenderError> {
    render_with(report, format, None)
}

/// Renders the report in `format`; a template in `templates_dir` replaces the built-in of the
/// same name (`report.md.j2`, `report.html.j2`, partials). The result ends with one newline.
pub fn render_with(
    report: &Report,
    format: Format,
    templates_dir: Option<&Path>,
) -> Result<String, RenderError> {
    let Some(name) = format.template_name() else {
        let mut json = serde_json::to_string_pretty(report)?;
        json.push('\n');
        return Ok(json);
    };
    let env = render::environment(templates_dir);
    let text = render::render_template(&env, name, report).map_err(|e| RenderError::Template {
        name: name.to_owned(),
        message: template_error_message(&e),
    })?;
    Ok(format!("{}\n", text.trim_end()))
}

/// A template error with its causes (an included template's failure sits in the source chain).
fn template_error_message(error: &minijinja::Error) -> String {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}
