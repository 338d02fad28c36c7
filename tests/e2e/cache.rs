//! `--cache-dir` against the fake API, through the binary: a second run reads only the newest
//! page of each app and the details it does not hold, and reports exactly what a run without a
//! cache reports; a cache file of another version is ignored with a warning and rebuilt.

use std::collections::BTreeSet;
use std::path::Path;

use assert_cmd::Command;
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::Value;

use crate::support::{self, app, detail_workflow, pipeline_detail, pipeline_run, FakeBitrise};

const ALPHA: &str = "a1a1a1a1a1a1a1a1";
const BRAVO: &str = "b2b2b2b2b2b2b2b2";

/// The binary reporting on [2026-11-23, 2026-11-30) and the week before, as JSON.
fn report(fake: &FakeBitrise, cache_dir: Option<&Path>) -> (Value, String) {
    let mut cmd = Command::cargo_bin("ci-vitals").expect("binary");
    cmd.env("BITRISE_TOKEN", support::TOKEN)
        .env("BITRISE_API_URL", fake.url())
        .args([
            "report",
            "--retries",
            "0",
            "--timeout",
            "5",
            "--format",
            "json",
        ])
        .args(["--until", "2026-11-30T00:00:00Z", "--days", "7"]);
    if let Some(dir) = cache_dir {
        cmd.arg("--cache-dir").arg(dir);
    }
    let out = cmd.output().expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    (serde_json::from_slice(&out.stdout).expect("json"), stderr)
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339()
}

/// A detail of run `id` whose two workflows ended with `status`.
fn detail(id: &str, status: &str, triggered_at: &str) -> Value {
    pipeline_detail(
        id,
        status,
        triggered_at,
        &[status],
        vec![
            detail_workflow("build", "succeeded", &[], triggered_at, 4),
            detail_workflow("test", status, &["build"], triggered_at, 6),
        ],
    )
}

/// Alpha: 150 finished runs every 2.5 hours back from 2026-11-29T20:00 (the oldest on 11-14,
/// before the span's start on 11-16: three pages of 50 to reach it), and `a-running`, in
/// progress since 11-29T21:00. Bravo: `b-done` on 11-25 and `b-running` since 11-29T12:00.
fn fake() -> FakeBitrise {
    let newest: DateTime<Utc> = "2026-11-29T20:00:00Z".parse().expect("time");
    let mut alpha = vec![pipeline_run("a-running", "ci", 0, "2026-11-29T21:00:00Z")];
    let mut builder = FakeBitrise::builder()
        .app(app(ALPHA, "Alpha iOS"))
        .app(app(BRAVO, "Bravo Android"))
        .detail(
            ALPHA,
            "a-running",
            detail("a-running", "running", "2026-11-29T21:00:00Z"),
        );
    for i in 0..150 {
        let t = stamp(newest - TimeDelta::minutes(150 * i));
        let slug = format!("a{i:03}");
        // Every seventh run failed, so that the report has something to tell.
        let (status, word) = if i % 7 == 0 {
            (2, "failed")
        } else {
            (1, "succeeded")
        };
        alpha.push(pipeline_run(&slug, "ci", status, &t));
        builder = builder.detail(ALPHA, &slug, detail(&slug, word, &t));
    }
    builder
        .runs(ALPHA, alpha)
        .runs(
            BRAVO,
            vec![
                pipeline_run("b-done", "ci", 1, "2026-11-25T08:00:00Z"),
                pipeline_run("b-running", "ci", 0, "2026-11-29T12:00:00Z"),
            ],
        )
        .detail(
            BRAVO,
            "b-done",
            detail("b-done", "succeeded", "2026-11-25T08:00:00Z"),
        )
        .detail(
            BRAVO,
            "b-running",
            detail("b-running", "running", "2026-11-29T12:00:00Z"),
        )
        .start()
}

/// Between the runs: `a-new` appears (11-29T22:00, failed), `a-running` fails, `b-running`
/// succeeds.
fn advance(fake: &FakeBitrise) {
    let newest: DateTime<Utc> = "2026-11-29T20:00:00Z".parse().expect("time");
    let mut alpha = vec![
        pipeline_run("a-new", "ci", 2, "2026-11-29T22:00:00Z"),
        pipeline_run("a-running", "ci", 2, "2026-11-29T21:00:00Z"),
    ];
    for i in 0..150 {
        let t = stamp(newest - TimeDelta::minutes(150 * i));
        let status = if i % 7 == 0 { 2 } else { 1 };
        alpha.push(pipeline_run(&format!("a{i:03}"), "ci", status, &t));
    }
    fake.set_runs(ALPHA, alpha);
    fake.set_detail(
        ALPHA,
        "a-new",
        detail("a-new", "failed", "2026-11-29T22:00:00Z"),
    );
    fake.set_detail(
        ALPHA,
        "a-running",
        detail("a-running", "failed", "2026-11-29T21:00:00Z"),
    );
    fake.set_runs(
        BRAVO,
        vec![
            pipeline_run("b-done", "ci", 1, "2026-11-25T08:00:00Z"),
            pipeline_run("b-running", "ci", 1, "2026-11-29T12:00:00Z"),
        ],
    );
    fake.set_detail(
        BRAVO,
        "b-running",
        detail("b-running", "succeeded", "2026-11-29T12:00:00Z"),
    );
}

/// The report without what differs from one run to the next.
fn comparable(mut report: Value) -> Value {
    report["generated_at"] = Value::Null;
    report["coverage"]["requests"] = Value::Null;
    report
}

/// The paths of the requests made after the first `skip`, with how often each was asked.
fn paths_after(fake: &FakeBitrise, skip: usize) -> Vec<String> {
    fake.requests()
        .into_iter()
        .skip(skip)
        .map(|r| r.path)
        .collect()
}

#[test]
fn a_second_run_reads_only_what_changed_and_reports_like_a_cold_run() {
    let fake = fake();
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = dir.path().join("cache");

    let (first, _) = report(&fake, Some(&cache));
    // Cold: 1 apps page, Alpha 3 list pages (150 + 1 items, 50 a page, the third reaching
    // 11-14), Bravo 1; details of the runs in the span [11-16, 11-30): Alpha's runs from
    // 11-29T20:00 back to 11-16 every 2.5 h are i = 0..=132 (132 × 2.5 h = 330 h = 13 d 18 h,
    // 11-16T02:00; i = 133 is 11-15T23:30), 133 of them plus a-running; Bravo's 2.
    // 1 + 3 + 1 + 134 + 2 = 141.
    assert_eq!(first["coverage"]["requests"], 141);
    let cold_requests = fake.requests().len();
    assert_eq!(cold_requests, 141);
    let files: BTreeSet<String> = std::fs::read_dir(&cache)
        .expect("cache dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        files,
        BTreeSet::from([format!("app-{ALPHA}.json"), format!("app-{BRAVO}.json")])
    );
    // No absolute path inside (the directory is shared between machines).
    let text = std::fs::read_to_string(cache.join(format!("app-{ALPHA}.json"))).expect("file");
    assert!(!text.contains(&*dir.path().to_string_lossy()));

    advance(&fake);
    let (warm, stderr) = report(&fake, Some(&cache));
    let warm_paths = paths_after(&fake, cold_requests);
    // The apps page, one list page per app, and the details of the runs not held finished:
    // a-new, a-running and b-running. 1 + 2 + 3 = 6.
    let expected: BTreeSet<String> = [
        "/v0.1/apps".to_owned(),
        format!("/v0.1/apps/{ALPHA}/pipelines"),
        format!("/v0.1/apps/{BRAVO}/pipelines"),
        format!("/v0.1/apps/{ALPHA}/pipelines/a-new"),
        format!("/v0.1/apps/{ALPHA}/pipelines/a-running"),
        format!("/v0.1/apps/{BRAVO}/pipelines/b-running"),
    ]
    .into();
    assert_eq!(warm_paths.len(), 6, "{warm_paths:?}");
    assert_eq!(
        warm_paths.iter().cloned().collect::<BTreeSet<_>>(),
        expected
    );
    assert_eq!(warm["coverage"]["requests"], 6);
    assert!(!stderr.contains("cache file"), "{stderr}");

    let warm_done = fake.requests().len();
    let (cold, _) = report(&fake, None);
    // Without a cache the whole span again: as the first run, plus a-new's detail (its list
    // item still leaves three pages reaching 11-14): 1 + 3 + 1 + 135 + 2 = 142.
    assert_eq!(fake.requests().len() - warm_done, 142);
    assert_eq!(comparable(warm), comparable(cold));
    // And the cache saw the change: not the report of the first run.
    assert_ne!(comparable(first), comparable(report(&fake, Some(&cache)).0));
}

#[test]
fn a_cache_of_another_version_is_ignored_with_a_warning_and_rebuilt() {
    let fake = fake();
    let dir = tempfile::tempdir().expect("tempdir");
    report(&fake, Some(dir.path()));
    let file = dir.path().join(format!("app-{BRAVO}.json"));
    let text = std::fs::read_to_string(&file).expect("file");
    std::fs::write(
        &file,
        text.replace("\"cache_version\":1", "\"cache_version\":2"),
    )
    .expect("write");

    let before = fake.requests().len();
    let (_, stderr) = report(&fake, Some(dir.path()));
    assert!(
        stderr.contains("ignored (cache_version 2, this ci-vitals writes 1)"),
        "{stderr}"
    );
    // 1 apps page; Alpha from its cache: 1 list page and a-running's detail (still running,
    // so never cached); Bravo in full: 1 list page, 2 details. 1 + 2 + 3 = 6.
    assert_eq!(fake.requests().len() - before, 6);
    // Rebuilt: the next run reads Bravo from the cache again, only b-running's detail.
    let before = fake.requests().len();
    let (_, stderr) = report(&fake, Some(dir.path()));
    assert!(!stderr.contains("ignored"), "{stderr}");
    // 1 apps page, 2 list pages, a-running and b-running: 5.
    assert_eq!(fake.requests().len() - before, 5);
}
