//! The demo's pipeline details (`GET /v0.1/apps/{app}/pipelines/{id}`), in the API's shape:
//! attempts and the workflows of the current attempt, laid out inside each run's own start and
//! finish so that the workflows account for the run's duration.
//!
//! - `ci-pipeline` is a graph: `check-change-type` → (`build-app`, `lint`) → (`unit-tests`
//!   after both, `ui-tests-shard-1` and `ui-tests-shard-2` after `build-app`);
//! - `release-pipeline` is stage-based (`stages[]`): build → verify → ship;
//! - some succeeded iOS and Android `ci-pipeline` runs were rescued by a rerun: attempt 1
//!   failed, attempt 2 reran the failed workflow and succeeded. On iOS that workflow is always
//!   `ui-tests-shard-2`, the demo's flaky one, which also fails most of the iOS red runs.
//!
//! Each detail draws from its own generator seeded by the run's slug, so details never change
//! the pipelines-list items and stay the same from one call to the next.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{json, Map, Value};

use super::rng::SplitMix64;
use super::traffic::{DemoApp, DemoRun, ANDROID_SLUG, IOS_SLUG};
use crate::model::RunKind;

/// The share of an app's `ci-pipeline` runs rescued by a rerun, on the apps that have them.
pub(super) const RESCUED_SHARE: f64 = 0.065;

/// The iOS workflow that fails now and then for no reason of the change under test.
pub(super) const IOS_FLAKY_WORKFLOW: &str = "ui-tests-shard-2";

const CHECK: &str = "check-change-type";
const BUILD: &str = "build-app";
const LINT: &str = "lint";
const UNIT: &str = "unit-tests";
const SHARD_1: &str = "ui-tests-shard-1";
const SHARD_2: &str = "ui-tests-shard-2";

/// The details of `app`'s pipeline runs keyed by slug; `runs` in trigger order and numbered
/// from `first_build_number`, as the pipelines list numbers them.
pub(super) fn details(
    app: &DemoApp,
    runs: &[DemoRun],
    anchor: DateTime<Utc>,
) -> Map<String, Value> {
    let has_reruns = matches!(app.slug, IOS_SLUG | ANDROID_SLUG);
    // Rescues are spread by error diffusion, not drawn one by one, so that their share in any
    // week stays close to RESCUED_SHARE: each ci-pipeline run adds to the debt, and the next
    // succeeded run pays it off.
    let mut debt = 0.5;
    let mut out = Map::new();
    for (number, run) in (app.first_build_number..).zip(runs) {
        if run.kind != RunKind::Pipeline {
            continue;
        }
        let mut rescued = false;
        if has_reruns && run.name == "ci-pipeline" {
            debt += RESCUED_SHARE;
            if debt >= 1.0 && run.status == 1 && run.finished_at.is_some() {
                rescued = true;
                debt -= 1.0;
            }
        }
        out.insert(run.slug.clone(), detail(app, run, number, rescued, anchor));
    }
    out
}

/// A timestamp in whole seconds, as the API writes workflow times.
fn whole(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A timestamp with microseconds, as the API writes pipeline times.
fn micros(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

fn seconds(s: f64) -> TimeDelta {
    TimeDelta::milliseconds((s * 1_000.0).round() as i64)
}

/// The detail's string status for the list's integer one.
fn pipeline_status(run: &DemoRun) -> &'static str {
    match run.status {
        0 if run.started_at.is_none() => "initializing",
        0 => "running",
        1 => "succeeded",
        2 => "failed",
        3 => "aborted",
        4 => "succeeded_with_abort",
        _ => "error",
    }
}

/// One workflow as laid out: its times, status and what it waits for.
#[derive(Debug, Clone)]
struct Step {
    name: &'static str,
    status: &'static str,
    started: Option<DateTime<Utc>>,
    finished: Option<DateTime<Utc>>,
    depends_on: &'static [&'static str],
}

impl Step {
    fn ran(
        name: &'static str,
        status: &'static str,
        started: DateTime<Utc>,
        finished: DateTime<Utc>,
        depends_on: &'static [&'static str],
    ) -> Step {
        Step {
            name,
            status,
            started: Some(started),
            finished: Some(finished),
            depends_on,
        }
    }

    fn waiting(
        name: &'static str,
        status: &'static str,
        depends_on: &'static [&'static str],
    ) -> Step {
        Step {
            name,
            status,
            started: None,
            finished: None,
            depends_on,
        }
    }
}

fn detail(
    app: &DemoApp,
    run: &DemoRun,
    number: u64,
    rescued: bool,
    anchor: DateTime<Utc>,
) -> Value {
    let mut rng = SplitMix64::seeded(&format!("{}/detail", run.slug));
    let staged = run.name == "release-pipeline";
    let (steps, rerun_at) = match (run.started_at, run.finished_at) {
        (None, _) => (not_started(staged), None),
        (Some(start), None) => (running(staged, start, anchor), None),
        (Some(start), Some(end)) if staged => (stages_done(run.status, start, end, &mut rng), None),
        (Some(start), Some(end)) if rescued => {
            let flaky = flaky_workflow(app, &mut rng);
            let (steps, rerun_at) = rescued_graph(flaky, start, end, &mut rng);
            (steps, Some(rerun_at))
        }
        (Some(start), Some(end)) => (graph_done(app, run.status, start, end, &mut rng), None),
    };

    let status = pipeline_status(run);
    let mut attempts = vec![json!({
        "id": rng.uuid_v4(),
        "number_in_pipeline_build_scope": 1,
        "status": if rerun_at.is_some() { "failed" } else { status },
        "triggered_at": micros(run.triggered_at),
    })];
    if let Some(at) = rerun_at {
        attempts.push(json!({
            "id": rng.uuid_v4(),
            "number_in_pipeline_build_scope": 2,
            "status": status,
            "triggered_at": micros(at),
        }));
    }
    let current = attempts.last().map_or(Value::Null, |a| a["id"].clone());
    let workflows: Vec<Value> = steps
        .iter()
        .map(|step| workflow_object(app, step, staged, &mut rng))
        .collect();
    let mut object = json!({
        "abort_reason": if run.status == 3 { "Aborted by a newer push" } else { "" },
        "attempts": attempts,
        "credit_cost": run.credit_cost,
        "current_attempt_id": current,
        "finished_at": run.finished_at.map(micros),
        "id": run.slug,
        "name": run.name,
        "number_in_app_scope": number,
        "put_on_hold_at": null,
        "rebuildable": run.finished_at.is_some(),
        "started_at": run.started_at.map(micros),
        "status": status,
        "triggered_at": micros(run.triggered_at),
        "triggered_by": run.triggered_by,
        "trigger_params": {
            "branch": run.branch,
            "commit_hash": run.commit_hash.as_deref().unwrap_or(""),
            "tag": "",
        },
    });
    if let Some(fields) = object.as_object_mut() {
        if staged {
            fields.insert("stages".to_owned(), release_stages(workflows, &mut rng));
        } else {
            fields.insert("type".to_owned(), Value::from("dag"));
            fields.insert("workflows".to_owned(), Value::from(workflows));
        }
    }
    object
}

fn workflow_object(app: &DemoApp, step: &Step, staged: bool, rng: &mut SplitMix64) -> Value {
    let ran = step.started.is_some();
    let minutes = match (step.started, step.finished) {
        (Some(s), Some(f)) => (f - s).num_seconds() as f64 / 60.0,
        _ => 0.0,
    };
    let credit_cost = step
        .finished
        .map(|_| (minutes * app.credits_per_minute).ceil().max(1.0) as u64);
    let mut object = json!({
        "credit_cost": credit_cost,
        "external_id": if ran { rng.uuid_v4() } else { String::new() },
        "finished_at": step.finished.map(whole),
        "id": rng.uuid_v4(),
        "name": step.name,
        "started_at": step.started.map(whole),
        "status": step.status,
        "startFailureReason": "",
    });
    // Stage-based workflows wait for their stage; graph workflows name what they wait for, and
    // the API omits the field when that is nothing.
    if !staged && !step.depends_on.is_empty() {
        if let Some(fields) = object.as_object_mut() {
            fields.insert("depends_on".to_owned(), json!(step.depends_on));
        }
    }
    object
}

/// The workflow that fails now and then: always the same on iOS; on Android one of two.
fn flaky_workflow(app: &DemoApp, rng: &mut SplitMix64) -> &'static str {
    if app.slug == IOS_SLUG {
        IOS_FLAKY_WORKFLOW
    } else if rng.chance(0.5) {
        UNIT
    } else {
        SHARD_1
    }
}

/// The graph's workflows, laid over `[start, end]`: `last` ends exactly at `end` with
/// `last_status`; every other workflow succeeds. `check-change-type`, `build-app` and the
/// longest test workflow make up the whole run, with a few seconds between them.
fn graph_layout(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    last: &'static str,
    last_status: &'static str,
    rng: &mut SplitMix64,
) -> Vec<Step> {
    let total = (end - start).num_milliseconds() as f64 / 1_000.0;
    let gap =
        |rng: &mut SplitMix64| seconds((total * 0.015).clamp(2.0, 25.0) * rng.between(0.6, 1.0));
    let check_start = start + seconds(rng.between(1.0, 3.0));
    let check_end = check_start + seconds(total * rng.between(0.04, 0.06));
    let build_start = check_end + gap(rng);
    let build_end = build_start + seconds(total * rng.between(0.3, 0.36));
    let lint_start = check_end + gap(rng);
    let lint_end = lint_start + seconds(total * rng.between(0.12, 0.2));
    let tests_start = build_end + gap(rng);
    // The two test workflows that are not `last` finish a little before the end.
    let rest = (end - tests_start).num_milliseconds() as f64 / 1_000.0;
    let mut early_end = || end - seconds(rest * rng.between(0.04, 0.3));
    let test_step = |name: &'static str, deps: &'static [&'static str], finish: DateTime<Utc>| {
        let status = if name == last {
            last_status
        } else {
            "succeeded"
        };
        Step::ran(name, status, tests_start, finish, deps)
    };
    let unit_end = if last == UNIT { end } else { early_end() };
    let shard_1_end = if last == SHARD_1 { end } else { early_end() };
    let shard_2_end = if last == SHARD_2 { end } else { early_end() };
    vec![
        Step::ran(CHECK, "succeeded", check_start, check_end, &[]),
        Step::ran(BUILD, "succeeded", build_start, build_end, &[CHECK]),
        Step::ran(LINT, "succeeded", lint_start, lint_end, &[CHECK]),
        test_step(UNIT, &[BUILD, LINT], unit_end),
        test_step(SHARD_1, &[BUILD], shard_1_end),
        test_step(SHARD_2, &[BUILD], shard_2_end),
    ]
}

/// A finished graph run: succeeded (some test workflow ends it), failed (a test workflow, or
/// now and then `build-app` with the tests skipped), or aborted while testing.
fn graph_done(
    app: &DemoApp,
    status: i64,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    rng: &mut SplitMix64,
) -> Vec<Step> {
    let tests = [UNIT, SHARD_1, SHARD_2];
    let any_test = |rng: &mut SplitMix64| *rng.pick(&tests).unwrap_or(&SHARD_1);
    match status {
        2 if rng.chance(0.15) => {
            // The build broke: the tests never ran.
            let mut steps = graph_layout(start, end, SHARD_1, "succeeded", rng);
            steps.truncate(3);
            if let Some(build) = steps.get_mut(1) {
                build.status = "failed";
                build.finished = Some(end);
            }
            steps.push(Step::waiting(UNIT, "skipped", &[BUILD, LINT]));
            steps.push(Step::waiting(SHARD_1, "skipped", &[BUILD]));
            steps.push(Step::waiting(SHARD_2, "skipped", &[BUILD]));
            steps
        }
        2 => {
            // On iOS the flaky shard fails most red runs; elsewhere any test workflow may.
            let failing = if app.slug == IOS_SLUG && rng.chance(0.55) {
                IOS_FLAKY_WORKFLOW
            } else {
                any_test(rng)
            };
            graph_layout(start, end, failing, "failed", rng)
        }
        3 => {
            let mut steps = graph_layout(start, end, any_test(rng), "aborted", rng);
            // Aborted with the tests: those still going at the end stop there.
            for step in steps.iter_mut().skip(3) {
                step.status = "aborted";
                step.finished = Some(end);
            }
            steps
        }
        _ => graph_layout(start, end, any_test(rng), "succeeded", rng),
    }
}

/// A run rescued by a rerun: attempt 1 ran the whole graph over the first part of the run and
/// `flaky` failed at its end; attempt 2, started by hand, reran only `flaky`, which passed and
/// ends the run. The current attempt's workflows are the passed ones of attempt 1 and the rerun.
/// Returns the workflows and when attempt 2 was triggered.
fn rescued_graph(
    flaky: &'static str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    rng: &mut SplitMix64,
) -> (Vec<Step>, DateTime<Utc>) {
    let total = (end - start).num_milliseconds() as f64 / 1_000.0;
    let first_end = start + seconds(total * rng.between(0.55, 0.6));
    let mut steps = graph_layout(start, first_end, flaky, "failed", rng);
    let flaky_s = steps
        .iter()
        .find(|s| s.name == flaky)
        .and_then(|s| Some((s.finished? - s.started?).num_milliseconds() as f64 / 1_000.0))
        .unwrap_or(total * 0.3);
    // The rerun takes about as long as the failed try, and must fit before the run's end.
    let rerun_s = (flaky_s * rng.between(0.9, 1.05)).min(total * 0.35);
    let rerun_start = end - seconds(rerun_s);
    let rerun_at = rerun_start - seconds(rng.between(3.0, 12.0));
    for step in steps.iter_mut().filter(|s| s.name == flaky) {
        step.status = "succeeded";
        step.started = Some(rerun_start);
        step.finished = Some(end);
    }
    (steps, rerun_at)
}

/// The release's workflows in stage order, laid over `[start, end]`: archive (build), then
/// smoke tests and the screenshot check (verify), then the store upload (ship). A failed
/// release failed its smoke tests and never shipped.
fn stages_done(
    status: i64,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    rng: &mut SplitMix64,
) -> Vec<Step> {
    let total = (end - start).num_milliseconds() as f64 / 1_000.0;
    let gap = |rng: &mut SplitMix64| seconds(rng.between(5.0, 20.0));
    let archive_start = start + seconds(rng.between(1.0, 3.0));
    let failed = status == 2;
    let archive_end = archive_start + seconds(total * if failed { 0.6 } else { 0.45 });
    let verify_start = archive_end + gap(rng);
    if failed {
        let screenshots_end = end - seconds(total * rng.between(0.05, 0.15));
        return vec![
            Step::ran("archive", "succeeded", archive_start, archive_end, &[]),
            Step::ran("smoke-tests", "failed", verify_start, end, &[]),
            Step::ran(
                "screenshot-check",
                "succeeded",
                verify_start,
                screenshots_end,
                &[],
            ),
            Step::waiting("upload-to-store", "skipped", &[]),
        ];
    }
    let smoke_end = verify_start + seconds(total * rng.between(0.22, 0.27));
    let screenshots_end = verify_start + seconds(total * rng.between(0.12, 0.2));
    let ship_start = smoke_end.max(screenshots_end) + gap(rng);
    let status = if status == 1 { "succeeded" } else { "aborted" };
    vec![
        Step::ran("archive", "succeeded", archive_start, archive_end, &[]),
        Step::ran("smoke-tests", "succeeded", verify_start, smoke_end, &[]),
        Step::ran(
            "screenshot-check",
            "succeeded",
            verify_start,
            screenshots_end,
            &[],
        ),
        Step::ran("upload-to-store", status, ship_start, end, &[]),
    ]
}

/// Groups the release's four workflows into its three stages.
fn release_stages(mut workflows: Vec<Value>, rng: &mut SplitMix64) -> Value {
    let ship = workflows.split_off(workflows.len().min(3));
    let verify = workflows.split_off(workflows.len().min(1));
    json!([
        {"id": rng.uuid_v4(), "name": "build", "workflows": workflows},
        {"id": rng.uuid_v4(), "name": "verify", "workflows": verify},
        {"id": rng.uuid_v4(), "name": "ship", "workflows": ship},
    ])
}

/// Workflows of a run still waiting for a machine.
fn not_started(staged: bool) -> Vec<Step> {
    workflow_names(staged)
        .iter()
        .map(|&(name, deps)| Step::waiting(name, "initializing", deps))
        .collect()
}

/// Workflows of a run going at the anchor: the first step done when there was time for it, the
/// next ones running, the rest waiting.
fn running(staged: bool, start: DateTime<Utc>, anchor: DateTime<Utc>) -> Vec<Step> {
    let elapsed = (anchor - start).num_milliseconds() as f64 / 1_000.0;
    let first_end = start + seconds((elapsed * 0.3).min(60.0));
    let next_start = first_end + seconds((elapsed * 0.05).min(10.0));
    let names = workflow_names(staged);
    names
        .iter()
        .enumerate()
        .map(|(i, &(name, deps))| match i {
            0 => Step::ran(name, "succeeded", start, first_end, deps),
            // The workflows that wait only for the first one run now.
            _ if deps == [names[0].0] || (staged && i < 3) => Step {
                finished: None,
                ..Step::ran(name, "running", next_start, next_start, deps)
            },
            _ => Step::waiting(name, "initializing", deps),
        })
        .collect()
}

/// The workflows of each pipeline shape with what they wait for.
fn workflow_names(staged: bool) -> &'static [(&'static str, &'static [&'static str])] {
    if staged {
        &[
            ("archive", &[]),
            ("smoke-tests", &[]),
            ("screenshot-check", &[]),
            ("upload-to-store", &[]),
        ]
    } else {
        &[
            (CHECK, &[]),
            (BUILD, &[CHECK]),
            (LINT, &[CHECK]),
            (UNIT, &[BUILD, LINT]),
            (SHARD_1, &[BUILD]),
            (SHARD_2, &[BUILD]),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("test timestamp")
    }

    #[test]
    fn a_running_graph_has_its_first_workflow_done_and_the_next_ones_going() {
        // 10 minutes in: check-change-type took min(600 × 0.3, 60) = 60 s; build-app and lint
        // (waiting only for it) started min(600 × 0.05, 10) = 10 s later; the tests wait.
        let start = at("2026-11-29T23:50:00Z");
        let steps = running(false, start, at("2026-11-30T00:00:00Z"));
        type Seen<'a> = (
            &'a str,
            &'a str,
            Option<DateTime<Utc>>,
            Option<DateTime<Utc>>,
        );
        let seen: Vec<Seen> = steps
            .iter()
            .map(|s| (s.name, s.status, s.started, s.finished))
            .collect();
        let next = Some(at("2026-11-29T23:51:10Z"));
        assert_eq!(
            seen,
            [
                (
                    CHECK,
                    "succeeded",
                    Some(start),
                    Some(at("2026-11-29T23:51:00Z"))
                ),
                (BUILD, "running", next, None),
                (LINT, "running", next, None),
                (UNIT, "initializing", None, None),
                (SHARD_1, "initializing", None, None),
                (SHARD_2, "initializing", None, None),
            ]
        );
    }

    #[test]
    fn a_rescued_run_ends_with_the_rerun_of_its_flaky_workflow() {
        let (start, end) = (at("2026-11-20T10:00:00Z"), at("2026-11-20T10:20:00Z"));
        let mut rng = SplitMix64::seeded("rescue");
        let (steps, rerun_at) = rescued_graph(SHARD_2, start, end, &mut rng);
        assert!(steps.iter().all(|s| s.status == "succeeded"));
        let shard = steps.iter().find(|s| s.name == SHARD_2).expect("shard");
        assert_eq!(shard.finished, Some(end));
        assert!(shard.started.is_some_and(|s| s > rerun_at));
        // Attempt 1 took 55–60 % of the 20 minutes: everything else ended by 12 minutes in.
        let others_end = steps
            .iter()
            .filter(|s| s.name != SHARD_2)
            .filter_map(|s| s.finished)
            .max()
            .expect("others");
        assert!(others_end <= start + TimeDelta::minutes(12));
        assert!(rerun_at > others_end);
    }
}
