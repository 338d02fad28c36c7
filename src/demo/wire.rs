//! The demo's runs and apps written in the Bitrise API's own JSON shapes (an app of
//! `GET /v0.1/apps`, an item of `GET /v0.1/apps/{app}/pipelines`), so that the demo is decoded
//! by the same code as a real snapshot.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::traffic::{DemoApp, DemoRun};
use crate::model::RunKind;

/// The invented workspace that owns every demo app.
const WORKSPACE_NAME: &str = "Larkspur Apps";
const WORKSPACE_SLUG: &str = "c4e8a2f91b0d7356";
const REPO_OWNER: &str = "larkspur-apps";

/// A timestamp with microseconds, as the API writes pipeline times and every `triggered_at`.
fn micros(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// A whole-second timestamp, as the API writes the start and finish of standalone builds.
fn whole(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// An app object of the apps list.
pub(super) fn app_object(app: &DemoApp) -> Value {
    json!({
        "slug": app.slug,
        "title": app.title,
        "project_type": app.project_type,
        "provider": "github",
        "repo_owner": REPO_OWNER,
        "repo_slug": app.repo_slug,
        "repo_url": format!("git@github.com:{REPO_OWNER}/{}.git", app.repo_slug),
        "is_disabled": false,
        "status": 1,
        "is_public": false,
        "owner": {
            "account_type": "organization",
            "name": WORKSPACE_NAME,
            "slug": WORKSPACE_SLUG,
        },
        "avatar_url": null,
    })
}

/// An item of the pipelines list.
pub(super) fn run_item(app: &DemoApp, run: &DemoRun, build_number: u64) -> Value {
    let stamp = |t: DateTime<Utc>| match run.kind {
        RunKind::Pipeline => micros(t),
        RunKind::Build => whole(t),
    };
    let running = run.finished_at.is_none();
    let mut item = json!({
        "artifacts": null,
        "branch": run.branch,
        "build_number": build_number,
        "commit_hash": run.commit_hash,
        "commit_message": run.commit_message,
        "credit_cost": run.credit_cost,
        "finished_at": run.finished_at.map(stamp),
        "is_on_hold": false,
        "is_pipeline": run.kind == RunKind::Pipeline,
        // A run still waiting for a machine has not been picked up yet.
        "is_processed": run.started_at.is_some(),
        "slug": run.slug,
        "started_at": run.started_at.map(stamp),
        "status": run.status,
        "tag": null,
        "triggered_at": micros(run.triggered_at),
        "triggered_by": run.triggered_by,
        "triggered_workflow": run.name,
        "trigger_params": trigger_params(app, run),
        "pull_request_id": run.pull_request.map_or(0, |pr| pr.id),
        "pull_request_target_branch": run.pull_request.map(|_| app.main_branch),
        "rebuildable": !running && run.ai_run_type.is_none(),
    });
    if let (Some(kind), Some(fields)) = (run.ai_run_type, item.as_object_mut()) {
        fields.insert("ai_run_type".to_owned(), Value::from(kind));
    }
    item
}

/// The `trigger_params` object: the API fills it with `""` and `null` for whatever the trigger
/// did not carry, and writes the pull request id as a string here.
fn trigger_params(app: &DemoApp, run: &DemoRun) -> Value {
    let pr = run.pull_request;
    let environments = match (run.ai_run_type, pr) {
        (Some(_), Some(pr)) => json!([
            {"is_expand": null, "key": "REVIEW_SCOPE", "value": "diff"},
            {"is_expand": null, "key": "BITRISE_PULL_REQUEST", "value": pr.id},
            {
                "is_expand": null,
                "key": "BITRISE_PULL_REQUEST_BASE_BRANCH",
                "value": app.main_branch,
            },
        ]),
        _ => Value::Null,
    };
    json!({
        "base_repository_url": "",
        "branch": run.branch,
        "branch_dest": pr.map_or("", |_| app.main_branch),
        "branch_dest_repo_owner": "",
        "branch_repo_owner": "",
        "commit_hash": run.commit_hash.as_deref().unwrap_or(""),
        "commit_message": run.commit_message.unwrap_or(""),
        "commit_messages": null,
        "commit_paths": if pr.is_some() { Value::Null } else { json!([]) },
        "environments": environments,
        "head_repository_url": "",
        "machine_type_id": "",
        "priority": 0,
        "pull_request_author": pr.map_or("", |pr| pr.author),
        "pull_request_comment": "",
        "pull_request_comment_id": "",
        "pull_request_head_branch": pr.map_or("", |pr| pr.branch),
        "pull_request_id": pr.map_or(String::new(), |pr| pr.id.to_string()),
        "pull_request_labels": null,
        "pull_request_labels_added": null,
        "pull_request_merge_branch": pr.map_or(String::new(), |pr| format!("pull/{}/merge", pr.id)),
        "pull_request_ready_state": pr.map_or("", |_| "ready_for_review"),
        "pull_request_repository_url": "",
        "pull_request_unverified_merge_branch": "",
        "skip_git_status_report": run.ai_run_type.is_some(),
        "stack": "",
        "tag": "",
    })
}
