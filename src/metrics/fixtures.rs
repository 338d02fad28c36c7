//! Invented runs and windows shared by the metrics tests.

use chrono::{DateTime, TimeDelta, Utc};

use crate::model::{
    App, AppRuns, Attempt, Dataset, Outcome, PipelineDetail, Run, RunKind, Window, WorkflowRun,
};

/// The report window's start: 2026-11-23T00:00:00Z.
pub fn since() -> DateTime<Utc> {
    DateTime::from_timestamp(1_795_392_000, 0).expect("valid timestamp")
}

/// `minutes` after the report window's start (negative: inside the previous window).
pub fn at(minutes: i64) -> DateTime<Utc> {
    since() + TimeDelta::minutes(minutes)
}

/// The 7-day report window `[2026-11-23, 2026-11-30)`.
pub fn window() -> Window {
    Window {
        since: since(),
        until: since() + TimeDelta::days(7),
    }
}

/// A pipeline run on `main` triggered `t` minutes into the report window, without start,
/// finish or cost.
pub fn run(slug: &str, name: &str, outcome: Outcome, t: i64) -> Run {
    Run {
        slug: slug.to_owned(),
        name: name.to_owned(),
        kind: RunKind::Pipeline,
        outcome,
        branch: Some("main".to_owned()),
        commit_hash: None,
        triggered_at: at(t),
        started_at: None,
        finished_at: None,
        credit_cost: None,
        triggered_by: None,
        trigger: crate::model::Trigger::Unknown,
        machine_type: None,
        detail: None,
    }
}

/// A run triggered at minute `t` that started at `t` and took `seconds`.
pub fn timed(slug: &str, outcome: Outcome, t: i64, seconds: i64) -> Run {
    let mut r = run(slug, "ci", outcome, t);
    r.started_at = Some(at(t));
    r.finished_at = Some(at(t) + TimeDelta::seconds(seconds));
    r
}

/// `run` with a detail holding one attempt per outcome, numbered from 1, and no workflows.
pub fn with_attempts(mut r: Run, outcomes: &[Outcome]) -> Run {
    let attempts = outcomes
        .iter()
        .zip(1..)
        .map(|(&outcome, number)| Attempt {
            number,
            outcome,
            triggered_at: Some(r.triggered_at),
        })
        .collect();
    r.detail = Some(PipelineDetail {
        attempts,
        workflows: Vec::new(),
    });
    r
}

/// A workflow entry that started `start_s` seconds after the window's start and took
/// `duration_s` seconds, waiting for `depends_on`.
pub fn workflow(
    name: &str,
    outcome: Outcome,
    start_s: i64,
    duration_s: i64,
    depends_on: &[&str],
) -> WorkflowRun {
    let started = since() + TimeDelta::seconds(start_s);
    WorkflowRun {
        name: name.to_owned(),
        status: match outcome {
            Outcome::Succeeded => "succeeded",
            Outcome::Failed => "failed",
            Outcome::Aborted => "aborted",
            Outcome::InProgress => "running",
            Outcome::Other => "skipped",
        }
        .to_owned(),
        outcome,
        started_at: Some(started),
        finished_at: Some(started + TimeDelta::seconds(duration_s)),
        depends_on: depends_on.iter().map(|d| (*d).to_owned()).collect(),
    }
}

/// `run` with a detail holding one succeeded attempt and `workflows`.
pub fn with_workflows(mut r: Run, workflows: Vec<WorkflowRun>) -> Run {
    r = with_attempts(r, &[Outcome::Succeeded]);
    if let Some(d) = r.detail.as_mut() {
        d.workflows = workflows;
    }
    r
}

/// A dataset of one app `a1` ("A") holding `runs`.
pub fn one_app(runs: Vec<Run>) -> Dataset {
    Dataset {
        apps: vec![AppRuns {
            app: App {
                slug: "a1".to_owned(),
                title: "A".to_owned(),
                is_disabled: false,
            },
            runs,
        }],
        ..Dataset::default()
    }
}
