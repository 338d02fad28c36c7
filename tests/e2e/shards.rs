//! Sharding and merging through the binary against the fake API: `fetch --shard K/N` reads a
//! stable share of the apps, every app in exactly one shard; `report --input` of the four
//! shards gives the very report of one unsharded fetch; a shard without apps writes an empty
//! snapshot; snapshots of different windows refuse to merge (exit 3, naming the files).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{
    app, ci_vitals, detail_workflow, pipeline_detail, pipeline_run, standalone_build, FakeBitrise,
};

// Their shards of 4 (1 + the top two bits of the FNV-1a 64 hash of the slug, see
// `Shard::takes`): ALPHA 1, BRAVO 1, CHARLIE 3, ECHO 2, ZULU 4. Of 64: 6, 2, 43, 23, 58.
const ALPHA: &str = "a1a1a1a1a1a1a1a1";
const BRAVO: &str = "b2b2b2b2b2b2b2b2";
const CHARLIE: &str = "c3c3c3c3c3c3c3c3";
const ECHO: &str = "e5e5e5e5e5e5e5e5";
const ZULU: &str = "0a0a0a0a0a0a0a0a";

const UNTIL: &str = "2026-11-30T00:00:00Z";
const NOW: &str = "2026-11-30T06:00:00Z";

/// Five apps; ECHO's pipelines answer 403 (a skipped app). Each readable app has 60 runs (two
/// pages of 50) spread over the 14 days of the span, some failed, one a standalone build, and
/// a detail for every pipeline run.
fn five_apps() -> FakeBitrise {
    let mut builder = FakeBitrise::builder();
    for (slug, title) in [
        (ALPHA, "Alpha iOS"),
        (BRAVO, "Bravo Android"),
        (CHARLIE, "Charlie Web"),
        (ECHO, "Echo Backend"),
        (ZULU, "Zulu Docs"),
    ] {
        builder = builder.app(app(slug, title));
    }
    builder = builder.forbidden(ECHO);
    for (app_index, slug) in [ALPHA, BRAVO, CHARLIE, ZULU].into_iter().enumerate() {
        let mut runs = Vec::new();
        for i in 0..60i64 {
            // Every 5.5 hours back from the end, offset per app: 60 × 5.5 h = 13.75 days.
            let minutes = 30 + 7 * app_index as i64 + i * 330;
            let t = (support_time(UNTIL) - chrono::TimeDelta::minutes(minutes))
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            let run_slug = format!("{}-run-{i:02}", &slug[..4]);
            let status = if (i + app_index as i64) % 7 == 0 {
                2
            } else {
                1
            };
            if i == 13 {
                runs.push(standalone_build(&run_slug, "lint", status, &t));
                continue;
            }
            let name = if i % 3 == 0 { "deploy" } else { "ci" };
            runs.push(pipeline_run(&run_slug, name, status, &t));
            let workflow_status = if status == 1 { "succeeded" } else { "failed" };
            builder = builder.detail(
                slug,
                &run_slug,
                pipeline_detail(
                    &run_slug,
                    workflow_status,
                    &t,
                    &[workflow_status],
                    vec![
                        detail_workflow("build", "succeeded", &[], &t, 4),
                        detail_workflow("test", workflow_status, &["build"], &t, 3 + i % 5),
                    ],
                ),
            );
        }
        builder = builder.runs(slug, runs);
    }
    builder.start()
}

fn support_time(s: &str) -> chrono::DateTime<chrono::Utc> {
    s.parse().expect("test timestamp")
}

/// `fetch` of the 7 days before UNTIL (and the previous 7) into `path`; returns stderr.
fn fetch(fake: &FakeBitrise, path: &Path, extra: &[&str]) -> String {
    let out = ci_vitals(Some(fake), "fetch")
        .args(["--until", UNTIL, "--days", "7", "--output"])
        .arg(path)
        .args(extra)
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    stderr
}

/// The JSON report of the snapshots, with a fixed "now".
fn report(inputs: &[PathBuf]) -> Value {
    let mut cmd = ci_vitals(None, "report");
    cmd.args([
        "--format",
        "json",
        "--now",
        NOW,
        "--deploy-pipeline",
        "deploy",
    ]);
    for input in inputs {
        cmd.arg("--input").arg(input);
    }
    let out = cmd.output().expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("report json")
}

/// The app slugs whose pipelines list the fake was asked for, with how many requests, counting
/// from the `from`th request the fake received.
fn pipelines_requests(fake: &FakeBitrise, from: usize) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for request in fake.requests().into_iter().skip(from) {
        let parts: Vec<&str> = request.path.split('/').collect();
        if parts.len() == 5 && parts[4] == "pipelines" {
            *counts.entry(parts[3].to_owned()).or_insert(0) += 1;
        }
    }
    counts
}

fn snapshot_slugs(path: &Path) -> Vec<String> {
    let snapshot = ci_vitals::snapshot::read(path).expect("snapshot");
    snapshot
        .apps
        .iter()
        .map(|a| a.app["slug"].as_str().expect("slug").to_owned())
        .chain(snapshot.skipped_apps.iter().map(|s| s.slug.clone()))
        .collect()
}

#[test]
fn four_shards_merged_report_the_same_as_one_unsharded_fetch() {
    // One fake for both, so that the reports name the same API URL.
    let fake = five_apps();
    let dir = tempfile::tempdir().expect("tempdir");
    let whole = dir.path().join("whole.json");
    fetch(&fake, &whole, &[]);
    let whole_report = report(std::slice::from_ref(&whole));
    let whole_requests = fake.requests().len();

    let mut shards = Vec::new();
    for k in 1..=4 {
        let path = dir.path().join(format!("shard-{k}.json.gz"));
        fetch(&fake, &path, &["--shard", &format!("{k}/4")]);
        shards.push(path);
    }
    // The hash's shares: shard 1 ALPHA and BRAVO, 2 ECHO (skipped: 403), 3 CHARLIE, 4 ZULU.
    assert_eq!(snapshot_slugs(&shards[0]), [ALPHA, BRAVO]);
    assert_eq!(snapshot_slugs(&shards[1]), [ECHO]);
    assert_eq!(snapshot_slugs(&shards[2]), [CHARLIE]);
    assert_eq!(snapshot_slugs(&shards[3]), [ZULU]);
    // Each app read by one shard only: the same pipelines requests as the unsharded fetch
    // (two pages each for the four readable apps, one 403 for ECHO).
    let expected: BTreeMap<String, usize> =
        [(ALPHA, 2), (BRAVO, 2), (CHARLIE, 2), (ECHO, 1), (ZULU, 2)]
            .into_iter()
            .map(|(slug, n)| (slug.to_owned(), n))
            .collect();
    let shard_requests = fake.requests().len() - whole_requests;
    assert_eq!(
        pipelines_requests(&fake, whole_requests),
        expected,
        "the shards"
    );
    let both: BTreeMap<String, usize> = expected.iter().map(|(k, v)| (k.clone(), 2 * v)).collect();
    assert_eq!(
        pipelines_requests(&fake, 0),
        both,
        "the unsharded fetch, then the shards"
    );
    // The four shards list the apps four times (one page each) where one fetch listed once;
    // every other request (pages and details) is the same: 3 more in all.
    assert_eq!(shard_requests, whole_requests + 3);

    // Merged in a shuffled order, the report is the unsharded one, byte for byte in JSON.
    let shuffled = [&shards[2], &shards[0], &shards[3], &shards[1]].map(|p| p.to_path_buf());
    let merged_report = report(&shuffled);
    assert_eq!(merged_report["coverage"]["apps"], 4, "4 read, ECHO skipped");
    assert_eq!(
        merged_report["coverage"]["skipped_apps"][0]["slug"], ECHO,
        "{:#}",
        merged_report["coverage"]
    );
    assert!(merged_report["coverage"]["runs"].as_u64().expect("runs") > 0);
    assert_eq!(merged_report, whole_report);

    // A shard merged twice (a retried matrix job) changes nothing: runs dedupe by slug.
    let mut twice = shuffled.to_vec();
    twice.push(shards[0].clone());
    assert_eq!(report(&twice), whole_report);
}

#[test]
fn a_shard_without_apps_writes_an_empty_snapshot_and_says_so() {
    // Of 64 shards, the five apps take 2, 6, 23, 43 and 58: shard 1 takes none.
    let fake = five_apps();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("empty.json");
    let stderr = fetch(&fake, &path, &["--shard", "1/64"]);
    assert!(
        stderr.contains("shard 1/64 takes none of the apps"),
        "{stderr}"
    );
    let snapshot = ci_vitals::snapshot::read(&path).expect("snapshot");
    assert!(snapshot.apps.is_empty() && snapshot.skipped_apps.is_empty());
    assert!(
        pipelines_requests(&fake, 0).is_empty(),
        "only the apps list"
    );
}

#[test]
fn snapshots_of_different_windows_do_not_merge() {
    let fake = five_apps();
    let dir = tempfile::tempdir().expect("tempdir");
    let week = dir.path().join("week.json");
    let days = dir.path().join("three-days.json");
    fetch(&fake, &week, &["--shard", "1/4"]);
    let out = ci_vitals(Some(&fake), "fetch")
        .args([
            "--until", UNTIL, "--days", "3", "--shard", "3/4", "--output",
        ])
        .arg(&days)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let out = ci_vitals(None, "report")
        .arg("--input")
        .arg(&week)
        .arg("--input")
        .arg(&days)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(3), "a configuration error");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("week.json") && stderr.contains("three-days.json"),
        "{stderr}"
    );
    assert!(stderr.contains("windows differ"), "{stderr}");
}

#[test]
fn bad_shard_values_are_usage_errors() {
    for bad in ["0/4", "5/4", "2"] {
        let out = ci_vitals(None, "fetch")
            .args(["--output", "never.json", "--shard", bad])
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2), "--shard {bad}");
    }
}
