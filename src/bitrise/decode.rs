//! Snapshot → domain: turns the raw app objects and pipelines-list items kept in a snapshot
//! into [`App`]s and [`Run`]s. Tolerant: an item that cannot be decoded is left out with a
//! warning naming the app, the item and the JSON path; nothing is dropped silently.
//!
//! Pipeline details (attempts and workflows) are attached to their pipeline runs here too; a
//! detail that cannot be decoded is left out with a warning and its run stays, without detail.

use std::collections::HashSet;

use serde_json::value::RawValue;
use serde_json::Value;

use super::wire::{self, WireApp, WireDetail, WireRun, WireWorkflow};
use crate::model::{
    App, AppRuns, Attempt, Dataset, ErrorCode, Outcome, PipelineDetail, Run, RunKind, SkippedApp,
    Trigger, WorkflowRun,
};
use crate::snapshot::{RawSnapshotApp, Snapshot, SnapshotApp};

/// See [`super::decode_snapshot`].
pub(crate) fn decode_snapshot(snapshot: &Snapshot) -> Dataset {
    let mut builder = DatasetBuilder::default();
    for (index, raw) in snapshot.apps.iter().enumerate() {
        builder.push(index, raw);
    }
    builder.finish(snapshot)
}

/// Decodes a snapshot's apps one at a time, so that a large snapshot can be read app by app
/// without holding every raw object at once ([`crate::snapshot::read_each_app`]); the result is
/// the very [`Dataset`] of [`super::decode_snapshot`].
#[derive(Debug, Default)]
pub struct DatasetBuilder {
    apps: Vec<AppRuns>,
    skipped_apps: Vec<SkippedApp>,
    warnings: Vec<String>,
}

impl DatasetBuilder {
    /// Decodes `raw`, the app at `index` of the snapshot's `apps`.
    pub fn push(&mut self, index: usize, raw: &SnapshotApp) {
        let decoded = decode_app(
            &raw.app,
            &raw.runs,
            |slug| raw.details.get(slug),
            &mut self.warnings,
        );
        self.add(index, &raw.app, decoded);
    }

    /// [`DatasetBuilder::push`] of an app read with its items as JSON text.
    pub fn push_raw(&mut self, index: usize, raw: &RawSnapshotApp) {
        let decoded = decode_app(
            &raw.app,
            &raw.runs,
            |slug| raw.details.get(slug),
            &mut self.warnings,
        );
        self.add(index, &raw.app, decoded);
    }

    fn add(&mut self, index: usize, app_object: &Value, decoded: Result<AppRuns, String>) {
        match decoded {
            Ok(app_runs) => self.apps.push(app_runs),
            Err(message) => self.skipped_apps.push(SkippedApp {
                slug: format!("(snapshot app {index})"),
                title: app_object
                    .get("title")
                    .and_then(|t| t.as_str())
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned),
                error: ErrorCode::DecodeError,
                message: format!("apps[{index}].app left out: {message}"),
            }),
        }
    }

    /// The dataset, given the snapshot's other fields (its `apps` are not looked at).
    pub fn finish(self, snapshot: &Snapshot) -> Dataset {
        // The fetch's own notes (details that could not be read, ...) come first: they are as
        // much a part of the data's quality as what decoding finds.
        let mut skipped_apps = snapshot.skipped_apps.clone();
        skipped_apps.extend(self.skipped_apps);
        let mut warnings = snapshot.warnings.clone();
        warnings.extend(self.warnings);
        Dataset {
            apps: self.apps,
            skipped_apps,
            warnings,
            details_read: snapshot.details_fetched,
        }
    }
}

/// [`wire::decode`] with the JSON path tracked only when decoding fails: tracking costs an
/// allocation per field, and on a snapshot of a million runs nearly every item decodes.
/// Decoding is deterministic, so the second attempt fails the same way and names where.
fn decode_item<T: serde::de::DeserializeOwned>(value: &Value) -> Result<T, String> {
    T::deserialize(value).or_else(|_| wire::decode(value))
}

/// A raw item of a snapshot (a run or a detail), as a JSON tree or as JSON text.
trait RawItem {
    fn decode<T: serde::de::DeserializeOwned>(&self) -> Result<T, String>;
}

impl RawItem for Value {
    fn decode<T: serde::de::DeserializeOwned>(&self) -> Result<T, String> {
        decode_item(self)
    }
}

impl RawItem for Box<RawValue> {
    /// Straight from the text, without a tree (the large-snapshot path); when that fails, through
    /// the tree, so that what is accepted and every warning are exactly those of a `Value` (a
    /// repeated key, say, is an error for the derive but "last wins" in a tree).
    fn decode<T: serde::de::DeserializeOwned>(&self) -> Result<T, String> {
        serde_json::from_str(self.get()).or_else(|_| {
            let value: Value = serde_json::from_str(self.get()).map_err(|e| e.to_string())?;
            decode_item(&value)
        })
    }
}

fn decode_app<'a, I: RawItem + 'a>(
    app_object: &Value,
    items: &[I],
    detail_of: impl Fn(&str) -> Option<&'a I>,
    warnings: &mut Vec<String>,
) -> Result<AppRuns, String> {
    let wire_app: WireApp = decode_item(app_object)?;
    let app = App {
        title: wire_app.title.unwrap_or_else(|| wire_app.slug.clone()),
        slug: wire_app.slug,
        is_disabled: wire_app.is_disabled.unwrap_or(false),
    };
    let mut runs = Vec::with_capacity(items.len());
    let mut seen = HashSet::new();
    let mut duplicates = 0usize;
    for (index, item) in items.iter().enumerate() {
        match item.decode::<WireRun>() {
            Ok(run) => {
                if seen.insert(run.slug.clone()) {
                    let mut run = domain_run(run);
                    run.detail = run_detail(&app.slug, &run, &detail_of, warnings);
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
fn run_detail<'a, I: RawItem + 'a>(
    app: &str,
    run: &Run,
    detail_of: &impl Fn(&str) -> Option<&'a I>,
    warnings: &mut Vec<String>,
) -> Option<PipelineDetail> {
    if run.kind != RunKind::Pipeline {
        return None;
    }
    let raw = detail_of(&run.slug)?;
    match raw.decode::<WireDetail>() {
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

    fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
        s.parse().expect("test timestamp")
    }

    /// One app with the runs `r1` (pipeline), `b1` (standalone build) and the given details.
    fn with_details(details: Value) -> Snapshot {
        let mut s = snapshot(vec![(
            json!({"slug": "aaaa"}),
            vec![
                json!({"slug": "r1", "is_pipeline": true, "triggered_workflow": "ci",
                       "status": 1, "triggered_at": "2026-11-24T10:00:00Z"}),
                json!({"slug": "b1", "is_pipeline": false, "status": 1,
                       "triggered_at": "2026-11-24T09:00:00Z"}),
            ],
        )]);
        s.apps[0].details = details.as_object().cloned().expect("details object");
        s.details_fetched = true;
        s
    }

    fn detail_of(d: &Dataset, slug: &str) -> Option<PipelineDetail> {
        d.apps[0]
            .runs
            .iter()
            .find(|r| r.slug == slug)
            .expect("run")
            .detail
            .clone()
    }

    fn workflow(name: &str, status: &str, depends_on: &[&str]) -> WorkflowRun {
        WorkflowRun {
            name: name.to_owned(),
            status: status.to_owned(),
            outcome: Outcome::from_detail_status(status),
            started_at: None,
            finished_at: None,
            depends_on: depends_on.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    #[test]
    fn dag_detail_decodes_attempts_and_workflows() {
        // The shape of a real graph pipeline (invented values): no `data` wrapper, `depends_on`
        // omitted on the root, a skipped workflow that never ran, unknown fields everywhere.
        let s = with_details(json!({"r1": {
            "id": "r1", "name": "ci", "type": "dag", "status": "succeeded", "abort_reason": "",
            "put_on_hold_at": null, "current_attempt_id": "att-2",
            "attempts": [
                {"id": "att-2", "number_in_pipeline_build_scope": 2, "status": "succeeded",
                 "triggered_at": "2026-11-24T10:20:00.500000Z"},
                {"id": "att-1", "number_in_pipeline_build_scope": 1, "status": "failed",
                 "triggered_at": "2026-11-24T10:00:00.250000Z"}
            ],
            "workflows": [
                {"id": "w1", "external_id": "e1", "name": "check", "status": "succeeded",
                 "started_at": "2026-11-24T10:00:02Z", "finished_at": "2026-11-24T10:00:30Z",
                 "credit_cost": 1, "startFailureReason": ""},
                {"id": "w2", "external_id": "e2", "name": "build", "status": "succeeded",
                 "started_at": "2026-11-24T10:00:50Z", "finished_at": "2026-11-24T10:06:00Z",
                 "depends_on": ["check"], "credit_cost": 8},
                {"id": "w3", "external_id": "", "name": "docs", "status": "skipped",
                 "started_at": null, "finished_at": null, "depends_on": ["check"],
                 "credit_cost": null}
            ]
        }}));
        let d = decode_snapshot(&s);
        assert!(d.details_read);
        assert!(d.warnings.is_empty(), "{:?}", d.warnings);
        let detail = detail_of(&d, "r1").expect("detail");
        // Sorted by number: attempt 1 (failed) first, though listed second.
        assert_eq!(
            detail.attempts,
            [
                Attempt {
                    number: 1,
                    outcome: Outcome::Failed,
                    triggered_at: Some(at("2026-11-24T10:00:00.250Z")),
                },
                Attempt {
                    number: 2,
                    outcome: Outcome::Succeeded,
                    triggered_at: Some(at("2026-11-24T10:20:00.500Z")),
                },
            ]
        );
        let mut check = workflow("check", "succeeded", &[]);
        check.started_at = Some(at("2026-11-24T10:00:02Z"));
        check.finished_at = Some(at("2026-11-24T10:00:30Z"));
        let mut build = workflow("build", "succeeded", &["check"]);
        build.started_at = Some(at("2026-11-24T10:00:50Z"));
        build.finished_at = Some(at("2026-11-24T10:06:00Z"));
        let docs = workflow("docs", "skipped", &["check"]);
        assert_eq!(docs.outcome, Outcome::Other, "skipped is not a failure");
        assert_eq!(detail.workflows, [check, build, docs]);
        assert_eq!(detail_of(&d, "b1"), None, "builds have no detail");
    }

    #[test]
    fn stages_flatten_in_order_with_implied_dependencies() {
        // Stage "prepare" {setup}; stage "test" {unit, ui (own depends_on ["setup", "lint"])};
        // an empty stage; stage "ship" {deploy}. Expected, by hand:
        //   setup  → []                      (first stage)
        //   unit   → [setup]                 (every workflow of "prepare")
        //   ui     → [setup, lint]           (setup implied, lint its own, setup not repeated)
        //   deploy → [unit, ui]              (the empty stage does not cut the chain)
        let s = with_details(json!({"r1": {
            "status": "failed",
            "attempts": [{"number_in_pipeline_build_scope": 1, "status": "failed"}],
            "stages": [
                {"id": "s1", "name": "prepare", "workflows": [
                    {"name": "setup", "status": "succeeded"}]},
                {"id": "s2", "name": "test", "workflows": [
                    {"name": "unit", "status": "succeeded"},
                    {"name": "ui", "status": "failed", "depends_on": ["setup", "lint"]}]},
                {"id": "s3", "name": "empty", "workflows": null},
                {"id": "s4", "name": "ship", "workflows": [
                    {"name": "deploy", "status": "skipped"}]}
            ]
        }}));
        let detail = detail_of(&decode_snapshot(&s), "r1").expect("detail");
        assert_eq!(
            detail.workflows,
            [
                workflow("setup", "succeeded", &[]),
                workflow("unit", "succeeded", &["setup"]),
                workflow("ui", "failed", &["setup", "lint"]),
                workflow("deploy", "skipped", &["unit", "ui"]),
            ]
        );
        assert_eq!(detail.attempts.len(), 1);
        assert_eq!(detail.attempts[0].triggered_at, None);
    }

    #[test]
    fn null_and_empty_fields_are_tolerated() {
        let s = with_details(json!({"r1": {
            "attempts": [
                {"number_in_pipeline_build_scope": "3", "status": "", "triggered_at": ""},
                {"number_in_pipeline_build_scope": 1, "status": null, "triggered_at": null},
                {"number_in_pipeline_build_scope": 2}
            ],
            "workflows": [
                {"name": "w", "status": "", "started_at": "", "finished_at": null,
                 "depends_on": null}
            ],
            "stages": null
        }}));
        let detail = detail_of(&decode_snapshot(&s), "r1").expect("detail");
        let numbers: Vec<u32> = detail.attempts.iter().map(|a| a.number).collect();
        assert_eq!(numbers, [1, 2, 3], "sorted; a numeric string is a number");
        assert!(detail.attempts.iter().all(|a| a.outcome == Outcome::Other));
        assert!(detail.attempts.iter().all(|a| a.triggered_at.is_none()));
        assert_eq!(detail.workflows, [workflow("w", "", &[])]);
        assert_eq!(detail.workflows[0].outcome, Outcome::Other);

        // A detail with nothing in it is still a detail: the run was read, it had no attempts.
        let bare = with_details(json!({"r1": {"attempts": null, "workflows": null}}));
        assert_eq!(
            detail_of(&decode_snapshot(&bare), "r1"),
            Some(PipelineDetail::default())
        );
    }

    #[test]
    fn undecodable_detail_is_left_out_with_its_json_path() {
        let s = with_details(json!({"r1": {
            "attempts": [{"number_in_pipeline_build_scope": 1, "status": "failed"}],
            "workflows": [
                {"name": "ok", "status": "succeeded"},
                {"status": "failed", "started_at": "2026-11-24T10:00:00Z"}
            ]
        }}));
        let d = decode_snapshot(&s);
        // The run stays, without its detail.
        assert_eq!(d.apps[0].runs.len(), 2);
        assert_eq!(detail_of(&d, "r1"), None);
        assert_eq!(
            d.warnings,
            ["app aaaa: detail of run r1 left out: workflows[1]: missing field `name`"]
        );

        let s = with_details(json!({"r1": {
            "attempts": [{"number_in_pipeline_build_scope": -1}]
        }}));
        let d = decode_snapshot(&s);
        assert_eq!(
            d.warnings,
            [
                "app aaaa: detail of run r1 left out: attempts[0].number_in_pipeline_build_scope: \
              expected an attempt number, got -1"
            ]
        );
    }

    #[test]
    fn fetch_warnings_and_details_flag_carry_over() {
        let mut s = with_details(json!({}));
        s.details_fetched = false;
        s.warnings = vec!["app aaaa: 1 of 3 pipeline details could not be read".to_owned()];
        let d = decode_snapshot(&s);
        assert!(!d.details_read);
        assert_eq!(d.warnings, s.warnings);
        assert_eq!(detail_of(&d, "r1"), None, "no detail stored");
    }
}

#[cfg(test)]
mod raw_tests {
    use super::*;
    use serde_json::json;

    /// The same app through both paths: as trees ([`DatasetBuilder::push`]) and as JSON text
    /// ([`DatasetBuilder::push_raw`]).
    fn both_ways(runs: &[&str], details: &[(&str, &str)]) -> (Dataset, Dataset) {
        let header = Snapshot {
            snapshot_version: crate::snapshot::SNAPSHOT_VERSION,
            fetched_at: "2026-11-30T08:00:00Z".parse().expect("time"),
            api_url: None,
            window: crate::model::Window {
                since: "2026-11-23T00:00:00Z".parse().expect("time"),
                until: "2026-11-30T00:00:00Z".parse().expect("time"),
            },
            previous_window: None,
            apps: vec![],
            skipped_apps: vec![],
            details_fetched: true,
            warnings: vec!["from the fetch".to_owned()],
        };
        let app = json!({"slug": "aaaa", "title": "App"});
        let tree = SnapshotApp {
            app: app.clone(),
            runs: runs
                .iter()
                .map(|r| serde_json::from_str(r).expect("run"))
                .collect(),
            details: details
                .iter()
                .map(|(k, d)| ((*k).to_owned(), serde_json::from_str(d).expect("detail")))
                .collect(),
        };
        let text = RawSnapshotApp {
            app,
            runs: runs
                .iter()
                .map(|r| RawValue::from_string((*r).to_owned()).expect("raw"))
                .collect(),
            details: details
                .iter()
                .map(|(k, d)| {
                    let raw = RawValue::from_string((*d).to_owned()).expect("raw");
                    ((*k).to_owned(), raw)
                })
                .collect(),
        };
        let mut by_tree = DatasetBuilder::default();
        by_tree.push(0, &tree);
        let mut by_text = DatasetBuilder::default();
        by_text.push_raw(0, &text);
        (by_tree.finish(&header), by_text.finish(&header))
    }

    #[test]
    fn text_and_tree_decode_alike_including_what_they_leave_out() {
        let runs = [
            // Fine, with a detail.
            r#"{"slug":"r1","is_pipeline":true,"status":1,"triggered_workflow":"ci",
                "triggered_at":"2026-11-29T10:00:00Z","started_at":"2026-11-29T10:00:01Z",
                "finished_at":"2026-11-29T10:05:01Z"}"#,
            // A repeated key: an error for the derive, "last wins" in a tree.
            r#"{"slug":"r2","status":2,"status":1,"triggered_at":"2026-11-28T10:00:00Z"}"#,
            // No triggered_at: left out with a warning naming the field.
            r#"{"slug":"r3","status":1}"#,
            // A repeat of r1: counted as a duplicate.
            r#"{"slug":"r1","status":1,"triggered_at":"2026-11-29T10:00:00Z"}"#,
        ];
        let details = [
            (
                "r1",
                r#"{"id":"r1","status":"succeeded","attempts":[{"number_in_pipeline_build_scope":1,
                    "status":"succeeded","triggered_at":"2026-11-29T10:00:00Z"}],"workflows":[]}"#,
            ),
            ("r2", r#"{"attempts":"not a list"}"#),
        ];
        let (by_tree, by_text) = both_ways(&runs, &details);
        assert_eq!(by_text, by_tree);
        // And what they agree on: r1 and r2 kept (r2 with status 1, the last), r3 left out,
        // one duplicate; r1 has its detail, r2's detail is left out with a warning.
        let slugs: Vec<&str> = by_text.apps[0]
            .runs
            .iter()
            .map(|r| r.slug.as_str())
            .collect();
        assert_eq!(slugs, ["r1", "r2"]);
        assert_eq!(
            by_text.apps[0].runs[1].outcome,
            Outcome::from_list_status(1)
        );
        assert!(by_text.apps[0].runs[0].detail.is_some());
        assert_eq!(by_text.warnings.len(), 4, "{:?}", by_text.warnings);
        assert_eq!(by_text.warnings[0], "from the fetch");
        assert!(by_text.warnings.iter().any(|w| w.contains("runs[2]")));
        assert!(by_text
            .warnings
            .iter()
            .any(|w| w.contains("detail of run r2")));
        assert!(by_text
            .warnings
            .iter()
            .any(|w| w.contains("1 duplicate run")));
    }
}
