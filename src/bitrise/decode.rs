//! Snapshot → domain: turns the raw app objects and pipelines-list items kept in a snapshot
//! into [`App`]s and [`Run`]s. Tolerant: an item that cannot be decoded is left out with a
//! warning naming the app, the item and the JSON path; nothing is dropped silently.
//!
//! Pipeline details (attempts and workflows) are attached to their pipeline runs here too; a
//! detail that cannot be decoded is left out with a warning and its run stays, without detail.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::wire::{self, WireApp, WireDetail, WireRun, WireWorkflow};
use crate::model::{
    App, AppRuns, Attempt, Dataset, ErrorCode, Outcome, PipelineDetail, Run, RunKind, SkippedApp,
    Trigger, WorkflowRun,
};
use crate::snapshot::{Snapshot, SnapshotApp};

/// See [`super::decode_snapshot`].
pub(crate) fn decode_snapshot(snapshot: &Snapshot) -> Dataset {
    // The fetch's own notes (details that could not be read, ...) come first: they are as much
    // a part of the data's quality as what decoding finds.
    let mut dataset = Dataset {
        skipped_apps: snapshot.skipped_apps.clone(),
        warnings: snapshot.warnings.clone(),
        details_read: snapshot.details_fetched,
        ..Dataset::default()
    };
    for (index, raw) in snapshot.apps.iter().enumerate() {
        match decode_app(raw, &mut dataset.warnings) {
            Ok(app_runs) => dataset.apps.push(app_runs),
            Err(message) => dataset.skipped_apps.push(SkippedApp {
                slug: format!("(snapshot app {index})"),
                title: raw
                    .app
                    .get("title")
                    .and_then(|t| t.as_str())
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned),
                error: ErrorCode::DecodeError,
                message: format!("apps[{index}].app left out: {message}"),
            }),
        }
    }
    dataset
}

fn decode_app(raw: &SnapshotApp, warnings: &mut Vec<String>) -> Result<AppRuns, String> {
    let wire_app: WireApp = wire::decode(&raw.app)?;
    let app = App {
        title: wire_app.title.unwrap_or_else(|| wire_app.slug.clone()),
        slug: wire_app.slug,
        is_disabled: wire_app.is_disabled.unwrap_or(false),
    };
    let mut runs = Vec::with_capacity(raw.runs.len());
    let mut seen = HashSet::new();
    let mut duplicates = 0usize;
    for (index, item) in raw.runs.iter().enumerate() {
        match wire::decode::<WireRun>(item) {
            Ok(run) => {
                if seen.insert(run.slug.clone()) {
                    let mut run = domain_run(run);
                    run.detail = run_detail(&app.slug, &run, &raw.details, warnings);
                    runs.push(run);
                } else {
                    duplicates += 1;
                }
            }
            Err(reason) => warnings.push(format!(
                "app {}: run runs[{index}] left out: {reason}",
                app.slug
            )),
        }
    }
    if duplicates > 0 {
        warnings.push(format!(
            "app {}: {duplicates} duplicate run{} left out (same slug as an earlier run)",
            app.slug,
            if duplicates == 1 { "" } else { "s" }
        ));
    }
    Ok(AppRuns { app, runs })
}

fn domain_run(run: WireRun) -> Run {
    let machine_type = run.machine_type_id();
    Run {
        slug: run.slug,
        name: run.triggered_workflow.unwrap_or_default(),
        // The pipelines list mostly holds pipelines; an item that does not say is one.
        kind: match run.is_pipeline {
            Some(false) => RunKind::Build,
            Some(true) | None => RunKind::Pipeline,
        },
        // A missing status is not "in progress": it is something we cannot classify.
        outcome: run.status.map_or(Outcome::Other, Outcome::from_list_status),
        branch: run.branch,
        commit_hash: run.commit_hash,
        triggered_at: run.triggered_at,
        started_at: run.started_at,
        finished_at: run.finished_at,
        credit_cost: run.credit_cost,
        trigger: Trigger::classify(
            run.pull_request_id,
            run.tag.as_deref(),
            run.triggered_by.as_deref(),
        ),
        machine_type,
        triggered_by: run.triggered_by,
        detail: None,
    }
}

/// The decoded detail of a pipeline run, when the snapshot holds one that decodes.
fn run_detail(
    app: &str,
    run: &Run,
    details: &Map<String, Value>,
    warnings: &mut Vec<String>,
) -> Option<PipelineDetail> {
    if run.kind != RunKind::Pipeline {
        return None;
    }
    let raw = details.get(&run.slug)?;
    match wire::decode::<WireDetail>(raw) {
        Ok(detail) => Some(domain_detail(detail)),
        Err(reason) => {
            warnings.push(format!(
                "app {app}: detail of run {} left out: {reason}",
                run.slug
            ));
            None
        }
    }
}

/// Attempts in number order; workflows with the stages flattened in stage order, each workflow
/// of a stage depending on every workflow of the stage before (besides its own `depends_on`).
fn domain_detail(detail: WireDetail) -> PipelineDetail {
    let mut attempts: Vec<Attempt> = detail
        .attempts
        .into_iter()
        .map(|a| Attempt {
            number: a.number_in_pipeline_build_scope,
            outcome: a
                .status
                .as_deref()
                .map_or(Outcome::Other, Outcome::from_detail_status),
            triggered_at: a.triggered_at,
        })
        .collect();
    attempts.sort_by_key(|a| a.number);

    let mut workflows: Vec<WorkflowRun> =
        detail.workflows.into_iter().map(domain_workflow).collect();
    let mut previous_stage: Vec<String> = Vec::new();
    for stage in detail.stages {
        let names: Vec<String> = stage.workflows.iter().map(|w| w.name.clone()).collect();
        for wire_workflow in stage.workflows {
            let mut workflow = domain_workflow(wire_workflow);
            let own = std::mem::take(&mut workflow.depends_on);
            workflow.depends_on = previous_stage.clone();
            for name in own {
                if !workflow.depends_on.contains(&name) {
                    workflow.depends_on.push(name);
                }
            }
            workflows.push(workflow);
        }
        // An empty stage does not cut the chain: the next stage waits for the last non-empty one.
        if !names.is_empty() {
            previous_stage = names;
        }
    }
    PipelineDetail {
        attempts,
        workflows,
    }
}

fn domain_workflow(workflow: WireWorkflow) -> WorkflowRun {
    let status = workflow.status.unwrap_or_default();
    WorkflowRun {
        outcome: Outcome::from_detail_status(&status),
        status,
        name: workflow.name,
        started_at: workflow.started_at,
        finished_at: workflow.finished_at,
        depends_on: workflow.depends_on,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Window;
    use serde_json::{json, Map, Value};

    fn snapshot(apps: Vec<(Value, Vec<Value>)>) -> Snapshot {
        Snapshot {
            snapshot_version: crate::snapshot::SNAPSHOT_VERSION,
            fetched_at: "2026-11-30T08:00:00Z".parse().expect("time"),
            api_url: None,
            window: Window {
                since: "2026-11-23T00:00:00Z".parse().expect("time"),
                until: "2026-11-30T00:00:00Z".parse().expect("time"),
            },
            previous_window: None,
            apps: apps
                .into_iter()
                .map(|(app, runs)| SnapshotApp {
                    app,
                    runs,
                    details: Map::new(),
                })
                .collect(),
            skipped_apps: vec![SkippedApp {
                slug: "cccc".to_owned(),
                title: None,
                error: ErrorCode::InvalidPermissions,
                message: "HTTP 403".to_owned(),
            }],
            details_fetched: false,
            warnings: vec![],
        }
    }

    #[test]
    fn decodes_runs_and_warns_about_the_rest() {
        let s = snapshot(vec![(
            json!({"slug": "0123456789abcdef", "title": "", "is_disabled": true}),
            vec![
                json!({"slug": "r1", "is_pipeline": true, "triggered_workflow": "ci",
                       "status": 1, "triggered_at": "2026-11-24T10:00:00.250000Z",
                       "finished_at": "2026-11-24T10:05:00Z", "credit_cost": 12}),
                json!({"slug": "r2", "is_pipeline": false, "status": 2,
                       "triggered_at": "2026-11-24T09:00:00Z", "credit_cost": -1}),
                json!({"slug": "r3", "triggered_at": "yesterday"}),
                json!({"slug": "r1", "triggered_at": "2026-11-24T10:00:00Z"}),
                json!({"slug": "r4", "triggered_at": "2026-11-24T08:00:00Z"}),
                json!({"slug": "r2", "triggered_at": "2026-11-24T09:00:00Z"}),
            ],
        )]);
        let d = decode_snapshot(&s);
        assert_eq!(d.apps.len(), 1);
        let app = &d.apps[0];
        // An empty title falls back to the slug; disabled apps are kept.
        assert_eq!(app.app.title, "0123456789abcdef");
        assert!(app.app.is_disabled);
        // 6 items: r3 left out, second r1 and second r2 are duplicates → r1, r2, r4.
        let slugs: Vec<&str> = app.runs.iter().map(|r| r.slug.as_str()).collect();
        assert_eq!(slugs, ["r1", "r2", "r4"]);
        assert_eq!(app.runs[0].kind, RunKind::Pipeline);
        assert_eq!(app.runs[0].outcome, Outcome::Succeeded);
        assert_eq!(app.runs[0].name, "ci");
        assert_eq!(app.runs[0].credit_cost, Some(12));
        assert_eq!(app.runs[1].kind, RunKind::Build);
        assert_eq!(app.runs[1].outcome, Outcome::Failed);
        assert_eq!(app.runs[1].credit_cost, None);
        assert_eq!(app.runs[1].name, "");
        assert_eq!(app.runs[2].kind, RunKind::Pipeline, "missing is_pipeline");
        assert_eq!(app.runs[2].outcome, Outcome::Other, "missing status");
        assert_eq!(
            d.warnings,
            [
                "app 0123456789abcdef: run runs[2] left out: triggered_at: invalid timestamp \
                 \"yesterday\"",
                "app 0123456789abcdef: 2 duplicate runs left out (same slug as an earlier run)",
            ]
        );
        assert_eq!(d.skipped_apps.len(), 1, "carried over from the snapshot");
        assert_eq!(d.skipped_apps[0].slug, "cccc");
    }

    #[test]
    fn app_without_slug_is_skipped_with_decode_error() {
        let s = snapshot(vec![
            (json!({"title": "No slug"}), vec![]),
            (json!({"slug": "aaaa"}), vec![]),
        ]);
        let d = decode_snapshot(&s);
        assert_eq!(d.apps.len(), 1);
        assert_eq!(d.apps[0].app.slug, "aaaa");
        // One carried over plus the one without a slug.
        assert_eq!(d.skipped_apps.len(), 2);
        let skipped = &d.skipped_apps[1];
        assert_eq!(skipped.error, ErrorCode::DecodeError);
        assert_eq!(skipped.title.as_deref(), Some("No slug"));
        assert!(skipped.message.contains("slug"), "{}", skipped.message);
    }
}
