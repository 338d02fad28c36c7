//! Writes a large, deterministic snapshot for the scale benchmark (BENCHMARKS.md): `RUNS`
//! pipelines-list items spread over `APPS` apps and the 14 days before 2026-11-30 (the default
//! 7-day window and the 7 before), in the API's shapes, with a pipeline detail for one run in
//! `DETAIL_EVERY`. Every value is invented; the same arguments give the same bytes.
//!
//! ```sh
//! cargo run --release --example gen_snapshot -- big.json.gz 1000000 200 4
//! ```
//! Arguments: output path (gzip when it ends in `.gz`), runs (default 1,000,000), apps (200),
//! detail every n-th run (4; 0 for none).
//!
//! The JSON is written as a stream, so the generator itself needs little memory.

use std::fs::File;
use std::io::{BufWriter, Write};

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use serde_json::json;

const PIPELINES: [&str; 6] = [
    "ci",
    "deploy",
    "nightly",
    "release",
    "lint-and-test",
    "ui-tests",
];
const BRANCHES: [&str; 5] = ["main", "main", "develop", "feature/login", "release/5.2"];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let path = args.get(1).map_or("big.json.gz", String::as_str);
    let runs: u64 = args.get(2).map_or(Ok(1_000_000), |a| a.parse())?;
    let apps: u64 = args.get(3).map_or(Ok(200), |a| a.parse())?;
    let detail_every: u64 = args.get(4).map_or(Ok(4), |a| a.parse())?;
    if apps == 0 {
        return Err("apps must be at least 1".into());
    }

    let file = BufWriter::with_capacity(1 << 20, File::create(path)?);
    let mut out: Box<dyn Write> = if path.ends_with(".gz") {
        Box::new(flate2::write::GzEncoder::new(
            file,
            flate2::Compression::fast(),
        ))
    } else {
        Box::new(file)
    };
    let until: DateTime<Utc> = "2026-11-30T00:00:00Z".parse()?;
    let span = TimeDelta::days(14);
    write!(
        out,
        r#"{{"snapshot_version":1,"fetched_at":"2026-11-30T06:00:00Z","api_url":"https://api.example.invalid","window":{{"since":"2026-11-23T00:00:00Z","until":"2026-11-30T00:00:00Z"}},"previous_window":{{"since":"2026-11-16T00:00:00Z","until":"2026-11-23T00:00:00Z"}},"apps":["#
    )?;
    let mut rng = fastrand::Rng::with_seed(0x005e_edc1_7a15);
    for app in 0..apps {
        // Runs split evenly; the first apps take the remainder.
        let count = runs / apps + u64::from(app < runs % apps);
        let slug = format!("{:016x}", 0x0a00_0000_0000_0000u64 + app * 0x0001_0203_0405);
        if app > 0 {
            out.write_all(b",")?;
        }
        let object = json!({
            "slug": slug, "title": format!("App {app:03}"), "project_type": "ios",
            "provider": "github", "repo_owner": "example-org",
            "repo_slug": format!("app-{app:03}"), "is_disabled": false, "status": 1,
            "is_public": false, "avatar_url": null,
            "owner": {"account_type": "organization", "name": "Example Org", "slug": "0a1b2c3d4e5f6071"}
        });
        write!(out, r#"{{"app":{object},"runs":["#)?;
        let step = span.num_seconds() as f64 / count.max(1) as f64;
        let mut details = Vec::new();
        for i in 0..count {
            // Newest first, as the API lists them; jitter keeps the times distinct.
            let offset = (i as f64 * step) as i64 + rng.i64(0..60);
            let triggered = until - TimeDelta::seconds(offset + 1);
            let queued = TimeDelta::milliseconds(rng.i64(500..90_000));
            let started = triggered + queued;
            let status = match rng.u32(0..100) {
                0..=79 => 1,
                80..=93 => 2,
                94..=97 => 3,
                _ => 4,
            };
            let minutes = rng.i64(2..45);
            let finished = started + TimeDelta::seconds(minutes * 60 + rng.i64(0..60));
            let name = PIPELINES[rng.usize(0..PIPELINES.len())];
            let branch = BRANCHES[rng.usize(0..BRANCHES.len())];
            let run_slug = format!("{app:04x}-{i:08x}-run");
            let pr = if branch.starts_with("feature") {
                rng.i64(1..5000)
            } else {
                0
            };
            let item = json!({
                "artifacts": null, "branch": branch, "build_number": 10_000 + i,
                "commit_hash": format!("{:040x}", rng.u128(..)), "commit_message": "Bump dependencies",
                "credit_cost": if status == 4 { json!(null) } else { json!(minutes * 2) },
                "finished_at": micros(finished), "is_on_hold": false, "is_pipeline": true,
                "is_processed": true, "slug": run_slug, "started_at": micros(started),
                "status": status, "tag": null, "triggered_at": micros(triggered),
                "triggered_by": if pr > 0 { "pull_request" } else { "webhook" },
                "triggered_workflow": name, "pull_request_id": pr,
                "pull_request_target_branch": if pr > 0 { json!("main") } else { json!(null) },
                "rebuildable": true,
                "trigger_params": {"branch": branch, "commit_hash": "", "commit_message": "",
                                   "machine_type_id": "g2.mac.large", "rebuildable": false}
            });
            if i > 0 {
                out.write_all(b",")?;
            }
            write!(out, "{item}")?;
            if detail_every > 0 && i % detail_every == 0 {
                let verdict = if status == 1 { "succeeded" } else { "failed" };
                let build_end = started + TimeDelta::minutes(minutes / 2);
                let detail = json!({
                    "id": run_slug, "name": name, "status": verdict, "type": "dag",
                    "triggered_at": micros(triggered), "started_at": micros(started),
                    "attempts": [{"id": format!("{run_slug}-a1"), "number_in_pipeline_build_scope": 1,
                                  "status": verdict, "triggered_at": micros(triggered)}],
                    "workflows": [
                        {"id": "wf-build", "name": "build", "status": "succeeded", "credit_cost": 4,
                         "started_at": secs(started), "finished_at": secs(build_end)},
                        {"id": "wf-test", "name": "test", "status": verdict, "credit_cost": 4,
                         "depends_on": ["build"], "started_at": secs(build_end),
                         "finished_at": secs(finished)}
                    ]
                });
                details.push((run_slug, detail));
            }
        }
        out.write_all(b"],\"details\":{")?;
        for (index, (slug, detail)) in details.iter().enumerate() {
            if index > 0 {
                out.write_all(b",")?;
            }
            write!(out, "\"{slug}\":{detail}")?;
        }
        out.write_all(b"}}")?;
    }
    out.write_all(b"],\"skipped_apps\":[],\"details_fetched\":true,\"warnings\":[]}")?;
    out.flush()?;
    drop(out);
    eprintln!("wrote {path}: {runs} runs over {apps} apps");
    Ok(())
}

fn micros(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn secs(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}
