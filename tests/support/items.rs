//! Builders of API objects with the shapes the live API returns (invented values): pipelines
//! carry microsecond timestamps, standalone builds whole-second start and finish times; `""`
//! and `null` both stand for "empty"; `trigger_params` holds strings where the top level holds
//! integers.

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use serde_json::{json, Value};

/// An app object of the apps list.
pub fn app(slug: &str, title: &str) -> Value {
    json!({
        "slug": slug,
        "title": title,
        "project_type": "ios",
        "provider": "github",
        "repo_owner": "example-org",
        "repo_slug": title.to_lowercase().replace(' ', "-"),
        "repo_url": format!("https://github.com/example-org/{slug}"),
        "is_disabled": false,
        "status": 1,
        "is_public": false,
        "owner": {"account_type": "organization", "name": "Example Org", "slug": "0a1b2c3d4e5f6071"},
        "avatar_url": null
    })
}

/// A disabled app object.
pub fn disabled_app(slug: &str, title: &str) -> Value {
    with(app(slug, title), "is_disabled", json!(true))
}

/// `item` with `key` set to `value`.
pub fn with(mut item: Value, key: &str, value: Value) -> Value {
    if let Some(object) = item.as_object_mut() {
        object.insert(key.to_owned(), value);
    }
    item
}

fn parse(at: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(at)
        .expect("builder timestamp")
        .with_timezone(&Utc)
}

fn micros(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn whole_seconds(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn trigger_params(branch: &str) -> Value {
    json!({
        "base_repository_url": "",
        "branch": branch,
        "branch_dest": "",
        "commit_hash": "",
        "commit_message": "",
        "commit_messages": null,
        "commit_paths": [],
        "environments": null,
        "priority": 0,
        "pull_request_id": "",
        "pull_request_labels": null,
        "skip_git_status_report": false,
        "tag": ""
    })
}

/// A pipeline run triggered at `triggered_at` (RFC 3339); it starts a second later and, unless
/// `status` is 0 (running), finishes five minutes after that.
pub fn pipeline_run(slug: &str, name: &str, status: i64, triggered_at: &str) -> Value {
    let t = parse(triggered_at);
    let started = t + TimeDelta::microseconds(1_183_959);
    let finished = (status != 0).then(|| micros(started + TimeDelta::minutes(5)));
    json!({
        "artifacts": null,
        "branch": "main",
        "build_number": 4100,
        "commit_hash": null,
        "commit_message": null,
        "credit_cost": if status == 0 { Value::Null } else { json!(16) },
        "finished_at": finished,
        "is_on_hold": false,
        "is_pipeline": true,
        "is_processed": true,
        "slug": slug,
        "started_at": micros(started),
        "status": status,
        "tag": null,
        "triggered_at": micros(t),
        "triggered_by": "schedule",
        "triggered_workflow": name,
        "trigger_params": trigger_params("main"),
        "pull_request_id": 0,
        "pull_request_target_branch": null,
        "rebuildable": true
    })
}

/// A standalone build of workflow `workflow` from a pull request, with whole-second start and
/// finish times and the undocumented `ai_run_type`.
pub fn standalone_build(slug: &str, workflow: &str, status: i64, triggered_at: &str) -> Value {
    let t = parse(triggered_at);
    let started = t + TimeDelta::seconds(1);
    let finished = (status != 0).then(|| whole_seconds(started + TimeDelta::minutes(3)));
    json!({
        "artifacts": null,
        "branch": "feature/login",
        "build_number": 4099,
        "commit_hash": "5d41402abc4b2a76b9719d911017c592a1b2c3d4",
        "commit_message": null,
        "credit_cost": null,
        "finished_at": finished,
        "is_on_hold": false,
        "is_pipeline": false,
        "is_processed": true,
        "slug": slug,
        "started_at": whole_seconds(started),
        "status": status,
        "tag": null,
        "triggered_at": micros(t),
        "triggered_by": null,
        "triggered_workflow": workflow,
        "trigger_params": trigger_params("feature/login"),
        "pull_request_id": 812,
        "pull_request_target_branch": "main",
        "rebuildable": false,
        "ai_run_type": "code-reviewer"
    })
}

/// A workflow of a pipeline detail that ran from `started_at` for `minutes` minutes
/// (whole-second times, as the API writes them), waiting for the workflows in `depends_on`
/// (omitted when empty, as the API does).
pub fn detail_workflow(
    name: &str,
    status: &str,
    depends_on: &[&str],
    started_at: &str,
    minutes: i64,
) -> Value {
    let started = parse(started_at);
    let mut workflow = json!({
        "credit_cost": 4,
        "external_id": format!("ext-{name}"),
        "finished_at": whole_seconds(started + TimeDelta::minutes(minutes)),
        "id": format!("wf-{name}"),
        "name": name,
        "started_at": whole_seconds(started),
        "status": status,
        "startFailureReason": ""
    });
    if !depends_on.is_empty() {
        workflow = with(workflow, "depends_on", json!(depends_on));
    }
    workflow
}

/// A workflow that never ran (its dependency failed): no build, no times, no cost.
pub fn skipped_workflow(name: &str, depends_on: &[&str]) -> Value {
    json!({
        "credit_cost": null,
        "depends_on": depends_on,
        "external_id": "",
        "finished_at": null,
        "id": format!("wf-{name}"),
        "name": name,
        "started_at": null,
        "status": "skipped",
        "startFailureReason": ""
    })
}

/// A pipeline detail in the API's shape (no `data` wrapper): `attempts` lists the status of
/// each attempt, the first triggered at `triggered_at` and each rerun ten minutes later.
pub fn pipeline_detail(
    id: &str,
    status: &str,
    triggered_at: &str,
    attempts: &[&str],
    workflows: Vec<Value>,
) -> Value {
    let t = parse(triggered_at);
    let attempts: Vec<Value> = attempts
        .iter()
        .enumerate()
        .map(|(i, status)| {
            json!({
                "id": format!("{id}-attempt-{}", i + 1),
                "number_in_pipeline_build_scope": i + 1,
                "status": status,
                "triggered_at": micros(t + TimeDelta::minutes(10 * i as i64)),
            })
        })
        .collect();
    let current = attempts.last().map_or(Value::Null, |a| a["id"].clone());
    json!({
        "abort_reason": "",
        "attempts": attempts,
        "credit_cost": 16,
        "current_attempt_id": current,
        "finished_at": null,
        "id": id,
        "name": "ci",
        "number_in_app_scope": 4100,
        "put_on_hold_at": null,
        "rebuildable": true,
        "started_at": micros(t + TimeDelta::seconds(1)),
        "status": status,
        "triggered_at": micros(t),
        "triggered_by": "schedule",
        "type": "dag",
        "workflows": workflows
    })
}
