//! The domain: apps, their runs with parsed times and an [`Outcome`], report windows, and the
//! apps that could not be read. Everything after `bitrise/` sees these types only, never the
//! wire format, so a second CI provider would produce the same types.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// How a run ended (or that it has not yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    InProgress,
    Succeeded,
    Failed,
    Aborted,
    Other,
}

impl Outcome {
    /// The outcome of the integer `status` of the pipelines list (metrics.md, "Runs").
    pub fn from_list_status(status: i64) -> Outcome {
        match status {
            0 => Outcome::InProgress,
            1 => Outcome::Succeeded,
            2 => Outcome::Failed,
            3 | 4 => Outcome::Aborted,
            _ => Outcome::Other,
        }
    }

    /// The outcome of the string `status` of the pipeline detail (metrics.md, "Runs").
    pub fn from_detail_status(status: &str) -> Outcome {
        match status {
            "initializing" | "on_hold" | "running" => Outcome::InProgress,
            "succeeded" => Outcome::Succeeded,
            "failed" => Outcome::Failed,
            "aborted" | "succeeded_with_abort" => Outcome::Aborted,
            _ => Outcome::Other,
        }
    }
}

/// Whether a run is a pipeline run or a standalone build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunKind {
    Pipeline,
    Build,
}

impl RunKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RunKind::Pipeline => "pipeline",
            RunKind::Build => "build",
        }
    }
}

/// One item of the pipelines list: a pipeline run or a standalone build.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// The run's identity within its app.
    pub slug: String,
    /// `triggered_workflow`: the pipeline's name, or the workflow's for a standalone build.
    pub name: String,
    pub kind: RunKind,
    pub outcome: Outcome,
    pub branch: Option<String>,
    pub commit_hash: Option<String>,
    pub triggered_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub credit_cost: Option<u64>,
    /// `triggered_by`: `schedule`, `webhook-github/<login>`, `manual-<user>`, or none.
    pub triggered_by: Option<String>,
    /// What kind of event started the run.
    pub trigger: Trigger,
    /// The machine type the run asked for (`trigger_params.machine_type_id`); `None` when the
    /// workflow's default machine was used or the API does not say.
    pub machine_type: Option<String>,
    /// The pipeline detail (attempts and workflows), when it was read. Always `None` for
    /// standalone builds, and for every run when details were not read (`--no-details`).
    pub detail: Option<PipelineDetail>,
}

/// What kind of event started a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// A pull request (`pull_request_id` > 0).
    PullRequest,
    /// A tag push.
    Tag,
    /// A branch push through a webhook.
    Push,
    /// A scheduled run.
    Schedule,
    /// Started by hand or through the API.
    Manual,
    Unknown,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::PullRequest => "pull_request",
            Trigger::Tag => "tag",
            Trigger::Push => "push",
            Trigger::Schedule => "schedule",
            Trigger::Manual => "manual",
            Trigger::Unknown => "unknown",
        }
    }

    /// Classifies a run from the pipelines list's fields: a pull request or a tag wins over
    /// `triggered_by`, which tells schedules, webhooks and manual starts apart.
    pub fn classify(
        pull_request_id: Option<i64>,
        tag: Option<&str>,
        triggered_by: Option<&str>,
    ) -> Trigger {
        if pull_request_id.is_some_and(|id| id > 0) {
            return Trigger::PullRequest;
        }
        if tag.is_some_and(|t| !t.is_empty()) {
            return Trigger::Tag;
        }
        match triggered_by {
            Some("schedule") => Trigger::Schedule,
            Some(by) if by.starts_with("webhook") => Trigger::Push,
            Some(by) if by.starts_with("manual") || by.starts_with("api") => Trigger::Manual,
            _ => Trigger::Unknown,
        }
    }
}

/// What the pipeline detail endpoint tells about one pipeline run.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PipelineDetail {
    /// One per (re)run of the pipeline, ordered by `number` (1 is the first attempt).
    pub attempts: Vec<Attempt>,
    /// The workflows of the current attempt. Stage-based pipelines are flattened: each
    /// workflow of a stage depends on every workflow of the stage before.
    pub workflows: Vec<WorkflowRun>,
}

/// One attempt of a pipeline run.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    /// `number_in_pipeline_build_scope`: 1, 2, ...
    pub number: u32,
    pub outcome: Outcome,
    pub triggered_at: Option<DateTime<Utc>>,
}

/// One workflow inside a pipeline run.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkflowRun {
    pub name: String,
    /// The API's own status string (`succeeded`, `failed`, `skipped`, ...).
    pub status: String,
    /// The status as an outcome (`skipped` and unknown statuses are `Other`).
    pub outcome: Outcome,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Names of the workflows this one waits for.
    pub depends_on: Vec<String>,
}

/// A Bitrise app (a project) as the reporter needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct App {
    pub slug: String,
    /// The API's title; the slug stands in when the API gives none.
    pub title: String,
    pub is_disabled: bool,
}

/// An app with the runs read for it.
#[derive(Debug, Clone, PartialEq)]
pub struct AppRuns {
    pub app: App,
    pub runs: Vec<Run>,
}

/// Why an app or a connection could not be read. The first three are the seed's connection-check
/// codes; the others classify the remaining failures (report-json.md, `skipped_apps[].error`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    InvalidCredentials,
    InvalidPermissions,
    NoResources,
    NetworkError,
    DecodeError,
    ApiError,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidCredentials => "invalid_credentials",
            ErrorCode::InvalidPermissions => "invalid_permissions",
            ErrorCode::NoResources => "no_resources",
            ErrorCode::NetworkError => "network_error",
            ErrorCode::DecodeError => "decode_error",
            ErrorCode::ApiError => "api_error",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An app whose runs could not be read. It is reported, never dropped silently.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkippedApp {
    pub slug: String,
    pub title: Option<String>,
    pub error: ErrorCode,
    pub message: String,
}

/// Everything read for a report, in domain types.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dataset {
    pub apps: Vec<AppRuns>,
    pub skipped_apps: Vec<SkippedApp>,
    /// Data-quality notes (items left out, retention limits, ...), shown in every format.
    pub warnings: Vec<String>,
    /// Whether pipeline details were read for this data (`false` with `--no-details` and for
    /// snapshots written without them): the detail-based metrics are then `null`.
    pub details_read: bool,
}

/// A half-open time window `[since, until)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
}

impl Window {
    /// The window of `days` days ending at `until`.
    pub fn ending_at(until: DateTime<Utc>, days: f64) -> Window {
        let length = TimeDelta::milliseconds((days * 86_400_000.0).round() as i64);
        Window {
            since: until - length,
            until,
        }
    }

    /// Whether a run triggered at `t` belongs to the window: `since <= t < until`.
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.since <= t && t < self.until
    }

    pub fn length(&self) -> TimeDelta {
        self.until - self.since
    }

    /// The window's length in days, fractional.
    pub fn days(&self) -> f64 {
        seconds(self.length()) / 86_400.0
    }

    /// The window of the same length that ends where this one starts.
    pub fn previous(&self) -> Window {
        Window {
            since: self.since - self.length(),
            until: self.since,
        }
    }

    /// Whether `other` lies entirely inside this window.
    pub fn covers(&self, other: &Window) -> bool {
        self.since <= other.since && other.until <= self.until
    }
}

/// A time difference in seconds, with sub-second precision.
pub fn seconds(delta: TimeDelta) -> f64 {
    delta.num_microseconds().map_or_else(
        || delta.num_milliseconds() as f64 / 1_000.0,
        |us| us as f64 / 1_000_000.0,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("test timestamp")
    }

    #[test]
    fn list_status_maps_every_integer() {
        assert_eq!(Outcome::from_list_status(0), Outcome::InProgress);
        assert_eq!(Outcome::from_list_status(1), Outcome::Succeeded);
        assert_eq!(Outcome::from_list_status(2), Outcome::Failed);
        assert_eq!(Outcome::from_list_status(3), Outcome::Aborted);
        assert_eq!(Outcome::from_list_status(4), Outcome::Aborted);
        assert_eq!(Outcome::from_list_status(5), Outcome::Other);
        assert_eq!(Outcome::from_list_status(-1), Outcome::Other);
    }

    #[test]
    fn detail_status_maps_every_string() {
        for s in ["initializing", "on_hold", "running"] {
            assert_eq!(Outcome::from_detail_status(s), Outcome::InProgress);
        }
        assert_eq!(Outcome::from_detail_status("succeeded"), Outcome::Succeeded);
        assert_eq!(Outcome::from_detail_status("failed"), Outcome::Failed);
        assert_eq!(Outcome::from_detail_status("aborted"), Outcome::Aborted);
        assert_eq!(
            Outcome::from_detail_status("succeeded_with_abort"),
            Outcome::Aborted
        );
        assert_eq!(Outcome::from_detail_status("weird"), Outcome::Other);
    }

    #[test]
    fn triggers_are_classified_pull_request_and_tag_first() {
        assert_eq!(
            Trigger::classify(Some(812), None, Some("webhook-github/ana")),
            Trigger::PullRequest
        );
        assert_eq!(
            Trigger::classify(Some(0), Some("v1.2.0"), Some("webhook-github/ana")),
            Trigger::Tag
        );
        assert_eq!(
            Trigger::classify(Some(0), Some(""), Some("webhook-github/ana")),
            Trigger::Push
        );
        assert_eq!(
            Trigger::classify(None, None, Some("schedule")),
            Trigger::Schedule
        );
        assert_eq!(
            Trigger::classify(None, None, Some("manual-ana")),
            Trigger::Manual
        );
        assert_eq!(Trigger::classify(None, None, None), Trigger::Unknown);
    }

    #[test]
    fn window_is_half_open_and_previous_abuts() {
        let w = Window {
            since: at("2026-11-23T00:00:00Z"),
            until: at("2026-11-30T00:00:00Z"),
        };
        assert!(w.contains(at("2026-11-23T00:00:00Z")));
        assert!(!w.contains(at("2026-11-30T00:00:00Z")));
        assert_eq!(w.days(), 7.0);
        let p = w.previous();
        assert_eq!(p.since, at("2026-11-16T00:00:00Z"));
        assert_eq!(p.until, w.since);
        assert_eq!(Window::ending_at(w.until, 7.0), w);
        assert_eq!(Window::ending_at(w.until, 0.5).days(), 0.5);
    }
}
