//! Invented runs and windows shared by the metrics tests.

use chrono::{DateTime, TimeDelta, Utc};

use crate::model::{Outcome, Run, RunKind, Window};

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
