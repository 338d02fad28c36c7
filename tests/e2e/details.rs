//! Pipeline details against the fake API: which runs have their detail read (pipeline runs in
//! the span only), the shared bound on requests in flight, details that fail without costing
//! their app, a rejected token, and through the binary `--no-details` and `fetch` then
//! `report --input` keeping the details.

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{DateTime, Utc};
use ci_vitals::bitrise::{fetch, Client, ClientOptions, FetchPlan};
use ci_vitals::model::{ErrorCode, Window};
use ci_vitals::secret::Secret;
use serde_json::Value;

use crate::support::{
    self, app, ci_vitals, detail_workflow, pipeline_detail, pipeline_run, skipped_workflow,
    standalone_build, FakeBitrise, Fault,
};

const ALPHA: &str = "a1a1a1a1a1a1a1a1";
const BRAVO: &str = "b2b2b2b2b2b2b2b2";

fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("test timestamp")
}

fn client(fake: &FakeBitrise, concurrency: usize, retries: u32) -> Client {
    Client::new(ClientOptions {
        api_url: fake.url(),
        token: Secret::new(support::TOKEN),
        timeout: Duration::from_secs(5),
        concurrency,
        max_rps: None,
        retries,
    })
    .expect("client")
}

/// The span [2026-11-16, 2026-11-30) of these tests, details on.
fn plan() -> FetchPlan {
    FetchPlan {
        apps: vec![],
        span: Window {
            since: at("2026-11-16T00:00:00Z"),
            until: at("2026-11-30T00:00:00Z"),
        },
        details: true,
        cache_dir: None,
    }
}

fn detail_path(app: &str, run: &str) -> String {
    format!("/v0.1/apps/{app}/pipelines/{run}")
}

/// A succeeded two-workflow detail for run `id`.
fn green_detail(id: &str, triggered_at: &str) -> Value {
    pipeline_detail(
        id,
        "succeeded",
        triggered_at,
        &["succeeded"],
        vec![
            detail_workflow("build", "succeeded", &[], triggered_at, 4),
            detail_workflow("test", "succeeded", &["build"], triggered_at, 6),
        ],
    )
}

/// The paths of every detail request the fake saw.
fn detail_requests(fake: &FakeBitrise) -> BTreeSet<String> {
    fake.requests()
        .into_iter()
        .map(|r| r.path)
        .filter(|p| p.split('/').count() == 6)
        .collect()
}

/// Alpha: pipeline runs a1, a2 and a3 in the span, a standalone build, a pipeline run before
/// the span and one at its (exclusive) end. Bravo: pipeline runs b1, b2. Every detail request waits 150 ms, so that they
/// overlap if the client lets them.
fn two_apps() -> FakeBitrise {
    let mut builder = FakeBitrise::builder()
        .app(app(ALPHA, "Alpha iOS"))
        .app(app(BRAVO, "Bravo Android"))
        .runs(
            ALPHA,
            vec![
                pipeline_run("a-late", "ci", 1, "2026-11-30T00:00:00Z"),
                pipeline_run("a1", "ci", 1, "2026-11-29T10:00:00Z"),
                standalone_build("a-build", "lint", 1, "2026-11-28T10:00:00Z"),
                pipeline_run("a2", "ci", 2, "2026-11-27T10:00:00Z"),
                pipeline_run("a3", "ci", 1, "2026-11-20T10:00:00Z"),
                pipeline_run("a-old", "ci", 1, "2026-11-15T10:00:00Z"),
            ],
        )
        .runs(
            BRAVO,
            vec![
                pipeline_run("b1", "ci", 1, "2026-11-29T12:00:00Z"),
                pipeline_run("b2", "ci", 1, "2026-11-18T12:00:00Z"),
            ],
        );
    for (app_slug, run, t) in [
        (ALPHA, "a-late", "2026-11-30T00:00:00Z"),
        (ALPHA, "a1", "2026-11-29T10:00:00Z"),
        (ALPHA, "a2", "2026-11-27T10:00:00Z"),
        (ALPHA, "a3", "2026-11-20T10:00:00Z"),
        (ALPHA, "a-old", "2026-11-15T10:00:00Z"),
        (BRAVO, "b1", "2026-11-29T12:00:00Z"),
        (BRAVO, "b2", "2026-11-18T12:00:00Z"),
    ] {
        builder = builder.detail(app_slug, run, green_detail(run, t)).fault(
            &detail_path(app_slug, run),
            Fault::Delay(Duration::from_millis(150)),
            1,
        );
    }
    builder.start()
}

#[tokio::test]
async fn details_are_read_for_pipeline_runs_in_the_span_only_and_concurrently() {
    let fake = two_apps();
    let client = client(&fake, 3, 0);
    let outcome = fetch(&client, &plan()).await.expect("fetch");

    // 5 of 8 runs: not the standalone build, not a-old (before the span), not a-late (at its
    // exclusive end).
    let expected: BTreeSet<String> = [
        (ALPHA, "a1"),
        (ALPHA, "a2"),
        (ALPHA, "a3"),
        (BRAVO, "b1"),
        (BRAVO, "b2"),
    ]
    .iter()
    .map(|(a, r)| detail_path(a, r))
    .collect();
    assert_eq!(detail_requests(&fake), expected);
    let keys =
        |i: usize| -> Vec<&str> { outcome.apps[i].details.keys().map(String::as_str).collect() };
    assert_eq!(keys(0), ["a1", "a2", "a3"]);
    assert_eq!(keys(1), ["b1", "b2"]);
    assert_eq!(
        outcome.apps[0].details["a2"]["workflows"][1]["name"],
        "test"
    );
    assert!(outcome.warnings.is_empty(), "{:?}", outcome.warnings);
    // 1 apps list + 2 pipelines lists + 5 details, all counted by the one client.
    assert_eq!(client.requests(), 8);
    assert_eq!(fake.requests().len(), 8);
    // Five 150 ms details overlap (serialized, they could never reach 2), but never beyond the
    // client's bound of 3.
    let peak = fake.max_in_flight();
    assert!((2..=3).contains(&peak), "max in flight {peak}");
}

#[tokio::test]
async fn without_details_no_detail_is_requested() {
    let fake = two_apps();
    let plan = FetchPlan {
        details: false,
        cache_dir: None,
        ..plan()
    };
    let outcome = fetch(&client(&fake, 3, 0), &plan).await.expect("fetch");
    assert!(detail_requests(&fake).is_empty());
    assert!(outcome.apps.iter().all(|a| a.details.is_empty()));
    assert_eq!(outcome.apps[0].runs.len(), 6, "the runs are all there");
}

#[tokio::test]
async fn failed_details_leave_the_app_read_with_a_warning_naming_the_count() {
    // r1 has no detail (404), r2 answers 500 on both tries, r3 is not JSON, r4 is fine.
    let fake = FakeBitrise::builder()
        .app(app(ALPHA, "Alpha iOS"))
        .runs(
            ALPHA,
            vec![
                pipeline_run("r1", "ci", 1, "2026-11-29T10:00:00Z"),
                pipeline_run("r2", "ci", 1, "2026-11-28T10:00:00Z"),
                pipeline_run("r3", "ci", 1, "2026-11-27T10:00:00Z"),
                pipeline_run("r4", "ci", 2, "2026-11-26T10:00:00Z"),
            ],
        )
        .detail(ALPHA, "r2", green_detail("r2", "2026-11-28T10:00:00Z"))
        .detail(ALPHA, "r3", green_detail("r3", "2026-11-27T10:00:00Z"))
        .detail(
            ALPHA,
            "r4",
            pipeline_detail(
                "r4",
                "failed",
                "2026-11-26T10:00:00Z",
                &["failed"],
                vec![
                    detail_workflow("build", "failed", &[], "2026-11-26T10:00:02Z", 3),
                    skipped_workflow("test", &["build"]),
                ],
            ),
        )
        .fault(&detail_path(ALPHA, "r2"), Fault::Status(500), 2)
        .fault(&detail_path(ALPHA, "r3"), Fault::NotJson, 1)
        .start();
    let outcome = fetch(&client(&fake, 4, 1), &plan()).await.expect("fetch");
    assert!(outcome.skipped_apps.is_empty(), "the app is read");
    assert_eq!(outcome.apps[0].runs.len(), 4);
    let keys: Vec<&str> = outcome.apps[0].details.keys().map(String::as_str).collect();
    assert_eq!(keys, ["r4"]);
    // A 500 is retried once (retries 1): 2 requests; a 404 and a broken body are not retried.
    assert_eq!(fake.requests_to(&detail_path(ALPHA, "r2")).len(), 2);
    assert_eq!(fake.requests_to(&detail_path(ALPHA, "r1")).len(), 1);
    assert_eq!(fake.requests_to(&detail_path(ALPHA, "r3")).len(), 1);
    assert_eq!(outcome.warnings.len(), 1, "{:?}", outcome.warnings);
    let warning = &outcome.warnings[0];
    assert!(
        warning.starts_with(&format!(
            "app {ALPHA}: 3 of 4 pipeline details could not be read (first, run r1: GET \
             /v0.1/apps/{ALPHA}/pipelines/r1: HTTP 404"
        )),
        "{warning}"
    );
    assert!(!warning.contains(support::TOKEN));
}

#[tokio::test]
async fn a_rejected_token_on_a_detail_fails_the_whole_fetch() {
    let fake = FakeBitrise::builder()
        .app(app(ALPHA, "Alpha iOS"))
        .runs(
            ALPHA,
            vec![pipeline_run("r1", "ci", 1, "2026-11-29T10:00:00Z")],
        )
        .fault(&detail_path(ALPHA, "r1"), Fault::Status(401), 1)
        .start();
    let err = fetch(&client(&fake, 4, 0), &plan()).await.expect_err("401");
    assert_eq!(err.code, ErrorCode::InvalidCredentials);
    assert!(err.message.contains("/pipelines/r1"), "{}", err.message);
}

fn fetch_snapshot(fake: &FakeBitrise, path: &std::path::Path, extra: &[&str]) -> Value {
    let out = ci_vitals(Some(fake), "fetch")
        .args(["--until", "2026-11-30T00:00:00Z", "--days", "7", "--output"])
        .arg(path)
        .args(extra)
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&std::fs::read(path).expect("snapshot")).expect("snapshot json")
}

#[test]
fn fetch_with_no_details_makes_no_detail_request() {
    let fake = two_apps();
    let dir = tempfile::tempdir().expect("tempdir");
    let snapshot = fetch_snapshot(&fake, &dir.path().join("s.json"), &["--no-details"]);
    assert!(detail_requests(&fake).is_empty());
    assert_eq!(snapshot["details_fetched"], false);
    for app in snapshot["apps"].as_array().expect("apps") {
        assert_eq!(app["details"], serde_json::json!({}));
    }
}

#[test]
fn fetch_then_report_input_keeps_the_details_and_the_warnings() {
    // Span [2026-11-16, 2026-11-30) (7 days and the previous 7) holds a1 and a2; a2 has no
    // detail (404): 1 of 2 missing.
    let fake = FakeBitrise::builder()
        .app(app(ALPHA, "Alpha iOS"))
        .runs(
            ALPHA,
            vec![
                pipeline_run("a1", "ci", 1, "2026-11-29T10:00:00Z"),
                pipeline_run("a2", "ci", 2, "2026-11-27T10:00:00Z"),
            ],
        )
        .detail(ALPHA, "a1", green_detail("a1", "2026-11-29T10:00:00Z"))
        .start();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("s.json.gz");
    let out = ci_vitals(Some(&fake), "fetch")
        .args(["--until", "2026-11-30T00:00:00Z", "--days", "7", "--output"])
        .arg(&path)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("1 of 2 pipeline details could not be read"),
        "{stderr}"
    );
    let stored = ci_vitals::snapshot::read(&path).expect("snapshot");
    assert!(stored.details_fetched);
    assert_eq!(stored.apps[0].details.keys().collect::<Vec<_>>(), ["a1"]);
    assert_eq!(stored.warnings.len(), 1);

    let requests = fake.requests().len();
    let report = ci_vitals(None, "report")
        .args(["--format", "json", "--input"])
        .arg(&path)
        .output()
        .expect("run");
    assert_eq!(report.status.code(), Some(0));
    assert_eq!(fake.requests().len(), requests, "offline: no request");
    let report: Value = serde_json::from_slice(&report.stdout).expect("json");
    let warnings = report["coverage"]["warnings"].as_array().expect("warnings");
    assert!(
        warnings.iter().any(|w| w
            .as_str()
            .is_some_and(|w| w.contains("1 of 2 pipeline details could not be read"))),
        "{warnings:?}"
    );
    // And the decoded data holds the detail: what `report --input` computes from.
    let dataset = ci_vitals::bitrise::decode_snapshot(&stored);
    assert!(dataset.details_read);
    let a1 = dataset.apps[0]
        .runs
        .iter()
        .find(|r| r.slug == "a1")
        .expect("a1");
    let detail = a1.detail.as_ref().expect("a1 detail");
    assert_eq!(detail.workflows.len(), 2);
    assert_eq!(detail.workflows[1].depends_on, ["build"]);
}

/// One app with twelve pipeline runs in the span, each with a detail; every answer waits
/// 40 ms so that requests overlap as far as the client lets them. The apps list answers 429
/// (`Retry-After: 0`) to its first `throttles` requests.
fn twelve_details(throttles: usize) -> FakeBitrise {
    let mut builder = FakeBitrise::builder()
        .app(app(ALPHA, "Alpha iOS"))
        .latency(Duration::from_millis(40));
    let mut runs = Vec::new();
    for hour in (0..12).rev() {
        let id = format!("r{hour:02}");
        let t = format!("2026-11-20T{hour:02}:00:00Z");
        runs.push(pipeline_run(&id, "ci", 1, &t));
        builder = builder.detail(ALPHA, &id, green_detail(&id, &t));
    }
    builder = builder.runs(ALPHA, runs);
    if throttles > 0 {
        builder = builder.fault(
            "/v0.1/apps",
            Fault::RetryAfter(429, "0".to_owned()),
            throttles,
        );
    }
    builder.start()
}

#[tokio::test]
async fn after_429s_fewer_requests_are_in_flight_and_the_limit_recovers_gradually() {
    // Unthrottled, the twelve details overlap up to the client's bound of 8.
    let calm = twelve_details(0);
    let outcome = fetch(&client(&calm, 8, 3), &plan()).await.expect("fetch");
    assert_eq!(outcome.apps[0].details.len(), 12);
    let calm_peak = calm.max_in_flight();
    assert!(calm_peak >= 6, "max in flight {calm_peak} without 429s");

    // Three 429s in a row, each sent after the previous one halved the limit: 8 → 4 → 2 → 1.
    // It then grows by 1 after `limit` successes in a row: 1 + 2 + 3 + 4 = 10 successes to
    // reach 5, 15 to reach 6. There are 14 (apps list, pipelines list, 12 details), so no
    // more than 5 requests are ever in flight.
    let throttled = twelve_details(3);
    let client = client(&throttled, 8, 3);
    let outcome = fetch(&client, &plan()).await.expect("fetch");
    assert_eq!(outcome.apps[0].details.len(), 12, "every detail is read");
    // 3 throttled + 1 apps list + 1 pipelines list + 12 details.
    assert_eq!(client.requests(), 17);
    let peak = throttled.max_in_flight();
    assert!(
        (2..=5).contains(&peak),
        "max in flight {peak} after three 429s (without: {calm_peak})"
    );
}

#[tokio::test]
async fn max_rps_spaces_the_starts_of_requests() {
    // 1 apps list + 1 pipelines list + 8 details = 10 requests at 20 a second: the first
    // starts at once, the other 9 one interval of 1000 / 20 = 50 ms apart: at least 9 × 50 =
    // 450 ms in all (a lower bound only: a slow machine may take longer).
    let fake = FakeBitrise::builder().app(app(ALPHA, "Alpha iOS")).runs(
        ALPHA,
        (0..8)
            .map(|hour| {
                let t = format!("2026-11-20T{hour:02}:00:00Z");
                pipeline_run(&format!("r{hour}"), "ci", 1, &t)
            })
            .collect(),
    );
    let fake = (0..8)
        .fold(fake, |builder, hour| {
            let id = format!("r{hour}");
            let t = format!("2026-11-20T{hour:02}:00:00Z");
            builder.detail(ALPHA, &id, green_detail(&id, &t))
        })
        .start();
    let client = Client::new(ClientOptions {
        api_url: fake.url(),
        token: Secret::new(support::TOKEN),
        timeout: Duration::from_secs(5),
        concurrency: 8,
        max_rps: Some(20),
        retries: 0,
    })
    .expect("client");
    let started = std::time::Instant::now();
    let outcome = fetch(&client, &plan()).await.expect("fetch");
    let took = started.elapsed();
    assert_eq!(outcome.apps[0].details.len(), 8);
    assert_eq!(client.requests(), 10);
    assert!(
        took >= Duration::from_millis(450),
        "10 requests at --max-rps 20 took {took:?}"
    );
}

#[tokio::test]
async fn with_a_cache_the_apps_holding_the_most_runs_start_first() {
    const CHARLIE: &str = "c3c3c3c3c3c3c3c3";
    // Listed Alpha, Bravo, Charlie, holding 1, 6 and 3 runs in the span.
    let runs = |prefix: &str, count: u32| -> Vec<Value> {
        (0..count)
            .map(|hour| {
                let t = format!("2026-11-20T{:02}:00:00Z", 20 - hour);
                pipeline_run(&format!("{prefix}{hour}"), "ci", 1, &t)
            })
            .collect()
    };
    let fake = FakeBitrise::builder()
        .app(app(ALPHA, "Alpha iOS"))
        .app(app(BRAVO, "Bravo Android"))
        .app(app(CHARLIE, "Charlie Web"))
        .runs(ALPHA, runs("a", 1))
        .runs(BRAVO, runs("b", 6))
        .runs(CHARLIE, runs("c", 3))
        .start();
    let dir = tempfile::tempdir().expect("temp dir");
    let plan = FetchPlan {
        details: false,
        cache_dir: Some(dir.path().to_owned()),
        ..plan()
    };
    // One request at a time, so that the fake sees the apps in the order they start.
    let list_order = |from: usize| -> Vec<String> {
        fake.requests()[from..]
            .iter()
            .filter_map(|r| {
                r.path
                    .strip_prefix("/v0.1/apps/")
                    .and_then(|rest| rest.strip_suffix("/pipelines"))
                    .map(str::to_owned)
            })
            .collect()
    };
    // Cold: no cache, the listed order.
    fetch(&client(&fake, 1, 0), &plan)
        .await
        .expect("cold fetch");
    assert_eq!(list_order(0), [ALPHA, BRAVO, CHARLIE]);
    // Warm: most cached runs first: Bravo (6), Charlie (3), Alpha (1).
    let seen = fake.requests().len();
    let outcome = fetch(&client(&fake, 1, 0), &plan)
        .await
        .expect("warm fetch");
    assert_eq!(list_order(seen), [BRAVO, CHARLIE, ALPHA]);
    // The results keep the listed order.
    let slugs: Vec<&str> = outcome
        .apps
        .iter()
        .map(|a| a.app["slug"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(slugs, [ALPHA, BRAVO, CHARLIE]);
}
