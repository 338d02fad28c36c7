//! Reports: the serializable report document (report-json.md), and its rendering as JSON,
//! Markdown (PR comments, job summaries) and HTML (a standalone page) through the minijinja
//! templates in `templates/`.
//!
//! [`view`] turns a report into what people read (formatted numbers, judged changes), [`render`]
//! holds the template environment, [`escape`] keeps untrusted text from forming Markdown or HTML,
//! and [`human`] formats numbers.

pub mod charts;
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

use crate::gates::GateResult;
use crate::metrics::series::Series;
use crate::metrics::{
    AbortedAs, AppMetrics, Breakdowns, DataQuality, Dora, DurationPopulation, GroupMetrics,
};
use crate::model::{SkippedApp, Window};
use view::View;

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
    /// Daily and weekly points for the charts (an addition to report-json.md's schema 1).
    pub series: Series,
    /// DORA deployment metrics; `None` without `--deploy-pipeline`.
    pub dora: Option<Dora>,
    /// Breakdowns asked for with `--group-by`; empty otherwise.
    pub breakdowns: Breakdowns,
    /// The `--fail-if` gates' results, in the order given; empty without gates.
    pub gates: Vec<GateResult>,
}

/// Why a report could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("cannot render template {name}: {message}")]
    Template { name: String, message: String },
    #[error("cannot serialize the JSON report: {0}")]
    Json(#[from] serde_json::Error),
    #[error(
        "invalid report marker key {0:?}: use 1 to 64 letters, digits, '.', '_', ':' or single '-'"
    )]
    MarkerKey(String),
    #[error(
        "the Markdown report needs {needed} characters even without pipeline rows, over the \
         --max-size of {max_size}"
    )]
    TooLarge { needed: usize, max_size: usize },
}

/// GitHub's limit on a comment body, in characters: the default `--max-size`. (A job summary
/// may hold 1 MiB.)
pub const DEFAULT_MAX_SIZE: usize = 60_000;

/// The key of the hidden marker line `<!-- ci-vitals:report -->` that starts every Markdown
/// report, so that a publisher can find and update its own comment.
pub const DEFAULT_MARKER_KEY: &str = "report";

/// How to render, beyond the format.
#[derive(Debug, Clone, Copy)]
pub struct RenderOptions<'a> {
    /// A directory whose templates replace the built-ins of the same name.
    pub templates_dir: Option<&'a Path>,
    /// The most characters (UTF-16 code units, as GitHub counts them) of a Markdown report;
    /// pipeline rows are left out, least important first, to stay within it.
    pub max_size: usize,
    /// The key of the Markdown report's marker line.
    pub marker_key: &'a str,
}

impl Default for RenderOptions<'_> {
    fn default() -> Self {
        RenderOptions {
            templates_dir: None,
            max_size: DEFAULT_MAX_SIZE,
            marker_key: DEFAULT_MARKER_KEY,
        }
    }
}

/// The hidden first line of a Markdown report: `<!-- ci-vitals:<key> -->`. The key is checked
/// so that it cannot close the comment or break the line.
pub fn marker_line(key: &str) -> Result<String, RenderError> {
    let valid = (1..=64).contains(&key.len())
        && !key.contains("--")
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-'));
    if valid {
        Ok(format!("<!-- ci-vitals:{key} -->"))
    } else {
        Err(RenderError::MarkerKey(key.to_owned()))
    }
}

/// The length GitHub measures: UTF-16 code units (a character outside the BMP counts twice).
pub fn github_length(text: &str) -> usize {
    text.encode_utf16().count()
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
    render_with_options(
        report,
        format,
        &RenderOptions {
            templates_dir,
            ..RenderOptions::default()
        },
    )
}

/// Renders the report in `format` as `options` say. Markdown starts with the marker line and
/// stays within `options.max_size`: when the whole report is longer, the fewest pipeline rows
/// are left out, least important first ([`View::rows_by_importance`]), and the report says how
/// many. The result ends with one newline.
pub fn render_with_options(
    report: &Report,
    format: Format,
    options: &RenderOptions<'_>,
) -> Result<String, RenderError> {
    let Some(name) = format.template_name() else {
        let mut json = serde_json::to_string_pretty(report)?;
        json.push('\n');
        return Ok(json);
    };
    let env = render::environment(options.templates_dir);
    let full = View::from_report(report);
    let render_view = |view: &View| {
        render::render_view(&env, name, report, view)
            .map(|text| text.trim_end().to_owned())
            .map_err(|e| RenderError::Template {
                name: name.to_owned(),
                message: template_error_message(&e),
            })
    };
    if format != Format::Markdown {
        return Ok(format!("{}\n", render_view(&full)?));
    }
    let marker = marker_line(options.marker_key)?;
    let compose = |text: String| format!("{marker}\n{text}\n");
    let fits = |text: &str| github_length(text) <= options.max_size;
    let whole = compose(render_view(&full)?);
    if fits(&whole) {
        return Ok(whole);
    }
    // The longest report that fits keeps the most rows: search the number of rows kept. Fewer
    // rows never make a longer report, so the search is a bisection.
    let order = full.rows_by_importance();
    let (mut lo, mut hi) = (0, order.len());
    let mut best = None;
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let text = compose(render_view(&full.keeping(&order[..mid]))?);
        if fits(&text) {
            best = Some(text);
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    match best {
        Some(text) => Ok(text),
        None => Err(RenderError::TooLarge {
            needed: github_length(&compose(render_view(&full.keeping(&[]))?)),
            max_size: options.max_size,
        }),
    }
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
