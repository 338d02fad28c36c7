//! The `ci-vitals` binary end to end against the fake Bitrise API: `check` with each exit code,
//! `report` in every format with hand-computed numbers, `fetch` then `report --input`, partial
//! failure, configuration errors, and the token never appearing in any output.

use serde_json::{json, Value};

use crate::support::{
    self, app, ci_vitals, disabled_app, pipeline_run, standalone_build, FakeBitrise,
};

const ALPHA: &str = "a1a1a1a1a1a1a1a1";
const BRAVO: &str = "b2b2b2b2b2b2b2b2";
const CHARLIE: &str = "c3c3c3c3c3c3c3c3";

/// The report window of these tests: [2026-11-23, 2026-11-30), previous [2026-11-16, 2026-11-23).
const UNTIL: &str = "2026-11-30T00:00:00Z";

/// Alpha: four pipeline runs and a standalone build in the window, two failed pipeline runs in
/// the previous window, one run at `until` exactly and one far older. Bravo answers 403.
/// Charlie is disabled.
fn workspace() -> FakeBitrise {
    FakeBitrise::builder()
        .app(app(ALPHA, "Alpha iOS"))
        .app(app(BRAVO, "Bravo Android"))
        .app(disabled_app(CHARLIE, "Charlie"))
        .runs(
            ALPHA,
            vec![
                pipeline_run("r0", "ci", 1, "2026-11-30T00:00:00Z"),
                pipeline_run("r1", "ci", 1, "2026-11-29T10:00:00Z"),
                pipeline_run("r2", "ci", 2, "2026-11-28T10:00:00Z"),
                pipeline_run("r3", "ci", 1, "2026-11-27T10:00:00Z"),
                standalone_build("r4", "lint", 1, "2026-11-26T10:00:00Z"),
                pipeline_run("r5", "ci", 3, "2026-11-25T10:00:00Z"),
                pipeline_run("p1", "ci", 2, "2026-11-20T10:00:00Z"),
                pipeline_run("p2", "ci", 2, "2026-11-19T10:00:00Z"),
                pipeline_run("o1", "ci", 1, "2026-11-10T10:00:00Z"),
            ],
        )
        .runs(
            BRAVO,
            vec![pipeline_run("b1", "ci", 1, "2026-11-29T10:00:00Z")],
        )
        .forbidden(BRAVO)
        .start()
}

fn json_report(fake: &FakeBitrise, extra: &[&str]) -> Value {
    let out = ci_vitals(Some(fake), "report")
        .args(["--format", "json", "--until", UNTIL])
        .args(extra)
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json report")
}

fn close(actual: &Value, expected: f64) {
    let a = actual
        .as_f64()
        .unwrap_or_else(|| panic!("{actual} is not a number"));
    assert!((a - expected).abs() < 1e-4, "{a} != {expected}");
}

#[test]
fn report_json_has_the_hand_computed_numbers() {
    let fake = workspace();
    let report = json_report(&fake, &[]);

    assert_eq!(report["schema_version"], 1);
    assert_eq!(
        report["source"],
        json!({"kind": "bitrise", "api_url": fake.url()})
    );
    assert_eq!(report["window"]["since"], "2026-11-23T00:00:00Z");
    assert_eq!(report["window"]["days"], 7.0);
    assert_eq!(report["previous_window"]["since"], "2026-11-16T00:00:00Z");
    // Alpha read, Bravo skipped (403), Charlie disabled and left out.
    assert_eq!(report["coverage"]["apps"], 1);
    // r1..r5 in the window, p1 and p2 in the previous one; r0 (at `until`) and o1 are outside.
    assert_eq!(report["coverage"]["runs"], 7);
    assert_eq!(
        report["coverage"]["requests"].as_u64(),
        Some(fake.requests().len() as u64)
    );
    let skipped = &report["coverage"]["skipped_apps"];
    assert_eq!(skipped.as_array().map(Vec::len), Some(1));
    assert_eq!(skipped[0]["slug"], BRAVO);
    assert_eq!(skipped[0]["title"], "Bravo Android");
    assert_eq!(skipped[0]["error"], "invalid_permissions");

    let apps = report["apps"].as_array().expect("apps");
    assert_eq!(apps.len(), 1);
    let alpha = &apps[0]["metrics"];
    assert_eq!(
        report["total"], *alpha,
        "one app read: total equals the app"
    );
    // Outcomes: r1 r3 r4 succeeded, r2 failed, r5 aborted (excluded): 1 failure of 4 decided.
    assert_eq!(alpha["runs"], 5);
    close(&alpha["runs_per_day"], 5.0 / 7.0);
    assert_eq!(
        [
            &alpha["succeeded"],
            &alpha["failed"],
            &alpha["aborted"],
            &alpha["in_progress"]
        ],
        [3, 1, 1, 0]
    );
    close(&alpha["failure_rate"], 0.25);
    // Wilson, p = 0.25, n = 4, z² = 3.841459: c = 0.730183 / 1.960365 = 0.372473,
    // h = 1.959964 · sqrt(0.046875 + 0.060023) / 1.960365 = 0.326885.
    close(&alpha["failure_rate_ci95"][0], 0.045588);
    close(&alpha["failure_rate_ci95"][1], 0.699358);
    // Succeeded durations: r1 300, r3 300 (pipelines, 5 min), r4 180 (build, 3 min):
    // sorted [180, 300, 300]; p50 rank ceil(1.5) = 2 → 300; mean 260.
    assert_eq!(
        alpha["duration_s"],
        json!({"n": 3, "p50": 300.0, "p90": 300.0, "p95": 300.0, "mean": 260.0, "max": 300.0})
    );
    // Queue: four pipelines start 1.183959 s after their trigger, the build 1 s after:
    // sorted [1.0, 1.183959 ×4]; p50 rank 3, p95 rank 5.
    assert_eq!(
        alpha["queue_s"],
        json!({"n": 5, "p50": 1.183959, "p95": 1.183959})
    );
    // main: r3 S, r2 F (opens at its finish), r1 S (closes at its finish): one day exactly.
    assert_eq!(
        alpha["time_to_restore_s"],
        json!({"n": 1, "p50": 86400.0, "max": 86400.0, "open": 0, "open_episodes": []})
    );
    // 16 credits on each finished pipeline run (r1 r2 r3 r5), none known for the build.
    close(&alpha["credits"]["coverage"], 0.8);
    assert_eq!(alpha["credits"]["total"], 64);
    assert_eq!(alpha["credits"]["failed"], 32);

    // Previous window: p1 and p2 failed on main, an episode still open.
    let before = &alpha["previous"];
    assert_eq!(before["runs"], 2);
    close(&before["failure_rate"], 1.0);
    assert_eq!(before["duration_s"]["p50"], Value::Null);
    assert_eq!(before["time_to_restore_s"]["open"], 1);
    assert!(before.get("previous").is_none() && before.get("change").is_none());

    let change = &alpha["change"];
    assert_eq!(change["runs"]["delta"], 3);
    close(&change["failure_rate"]["delta"], -0.75);
    assert_eq!(change["failure_rate"]["significant"], false, "n < 10");
    assert_eq!(
        change["duration_p50"],
        json!({"delta": null, "p_value": null, "significant": false})
    );

    let rows: Vec<(&str, &str, u64)> = apps[0]["pipelines"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["name"].as_str().expect("name"),
                r["kind"].as_str().expect("kind"),
                r["metrics"]["runs"].as_u64().expect("runs"),
            )
        })
        .collect();
    assert_eq!(rows, [("ci", "pipeline", 4), ("lint", "build", 1)]);
}

#[test]
fn aborted_as_failure_changes_the_rate_only() {
    let fake = workspace();
    let report = json_report(&fake, &["--aborted-as", "failure", "--no-compare"]);
    let alpha = &report["apps"][0]["metrics"];
    // r2 failed + r5 aborted of 5 decided.
    close(&alpha["failure_rate"], 0.4);
    assert_eq!(alpha["aborted"], 1);
    assert_eq!(alpha["duration_s"]["n"], 3);
    assert_eq!(alpha["previous"], Value::Null);
    assert_eq!(alpha["change"], Value::Null);
    assert_eq!(report["previous_window"], Value::Null);
    assert_eq!(report["settings"]["aborted_as"], "failure");
}

#[test]
fn no_request_carries_bearer_and_no_output_carries_the_token() {
    let fake = workspace();
    for format in ["json", "markdown", "html"] {
        let out = ci_vitals(Some(&fake), "report")
            .args(["-v", "--format", format, "--until", UNTIL])
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(0));
        for stream in [&out.stdout, &out.stderr] {
            assert!(!String::from_utf8_lossy(stream).contains(support::TOKEN));
        }
    }
    for request in fake.requests() {
        let auth = request
            .header("authorization")
            .expect("authorization header");
        assert_eq!(auth, support::TOKEN, "raw token, no scheme");
        assert!(!request
            .headers
            .iter()
            .any(|(_, v)| v.contains("Bearer") || v.contains("bearer")));
        assert!(request
            .header("user-agent")
            .is_some_and(|ua| ua.starts_with("ci-vitals/")));
    }
}

#[test]
fn markdown_and_html_show_rows_and_the_skipped_app() {
    let fake = workspace();
    for format in ["markdown", "html"] {
        let out = ci_vitals(Some(&fake), "report")
            .args(["--format", format, "--until", UNTIL])
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8(out.stdout).expect("utf-8");
        // Markdown escapes `_` (it renders as a plain underscore).
        let code = match format {
            "markdown" => "invalid\\_permissions",
            _ => "invalid_permissions",
        };
        for needle in ["Alpha iOS", "ci", "lint", BRAVO, code] {
            assert!(text.contains(needle), "{format} lacks {needle}");
        }
        assert!(!text.contains("Charlie"), "disabled app left out");
    }
}

#[test]
fn fetch_then_report_input_equals_the_live_report() {
    let fake = workspace();
    let dir = tempfile::tempdir().expect("tempdir");
    let snapshot = dir.path().join("runs.json.gz");
    let out = ci_vitals(Some(&fake), "fetch")
        .args(["--until", UNTIL, "--output"])
        .arg(&snapshot)
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let requests_after_fetch = fake.requests().len();

    let offline = ci_vitals(None, "report")
        .args(["--format", "json", "--input"])
        .arg(&snapshot)
        .output()
        .expect("run");
    assert_eq!(offline.status.code(), Some(0));
    assert_eq!(
        fake.requests().len(),
        requests_after_fetch,
        "offline: no request"
    );
    let mut offline: Value = serde_json::from_slice(&offline.stdout).expect("json");
    let mut live = json_report(&fake, &[]);
    assert_eq!(
        offline["source"],
        json!({"kind": "snapshot", "api_url": fake.url()})
    );
    assert_eq!(offline["coverage"]["requests"], 0);
    for doc in [&mut offline, &mut live] {
        let map = doc.as_object_mut().expect("object");
        for key in ["generated_at", "source"] {
            map.remove(key);
        }
        doc["coverage"]["requests"] = json!(0);
    }
    assert_eq!(offline, live);

    // Narrowing within the snapshot works; asking for time outside it is a config error.
    let narrowed = ci_vitals(None, "report")
        .args(["--format", "json", "--days", "3", "--input"])
        .arg(&snapshot)
        .output()
        .expect("run");
    assert_eq!(narrowed.status.code(), Some(0));
    let narrowed: Value = serde_json::from_slice(&narrowed.stdout).expect("json");
    assert_eq!(narrowed["window"]["since"], "2026-11-27T00:00:00Z");
    // r1, r2, r3 in [11-27, 11-30).
    assert_eq!(narrowed["total"]["runs"], 3);
    let outside = ci_vitals(None, "report")
        .args(["--days", "30", "--input"])
        .arg(&snapshot)
        .output()
        .expect("run");
    assert_eq!(outside.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&outside.stderr).contains("holds runs from"));
}

#[test]
fn a_skipped_app_fails_the_run_only_with_strict() {
    let fake = workspace();
    let out = ci_vitals(Some(&fake), "report")
        .args(["--strict", "--until", UNTIL])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(!out.stdout.is_empty(), "the report is still written");
    assert!(String::from_utf8_lossy(&out.stderr).contains(BRAVO));
}

#[test]
fn when_every_app_fails_for_one_reason_the_exit_code_names_it() {
    let fake = FakeBitrise::builder()
        .app(app(BRAVO, "Bravo Android"))
        .forbidden(BRAVO)
        .start();
    let out = ci_vitals(Some(&fake), "report")
        .args(["--until", UNTIL])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(6));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no app could be read"), "{stderr}");

    let empty = FakeBitrise::builder().start();
    let out = ci_vitals(Some(&empty), "fetch")
        .args(["--output", "/dev/null"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(7));

    let out = ci_vitals(Some(&fake), "report")
        .env("BITRISE_TOKEN", "bitwat_wrong")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(5));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("bitwat_wrong"));
}

#[test]
fn check_exit_codes_and_json() {
    let healthy = workspace_without_forbidden();
    let out = ci_vitals(Some(&healthy), "check").output().expect("run");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(ALPHA), "{text}");

    let cases: [(FakeBitrise, Option<&str>, i32, &str); 3] = [
        (
            workspace_without_forbidden(),
            Some("bitwat_wrong"),
            5,
            "invalid_credentials",
        ),
        (workspace(), None, 6, "invalid_permissions"),
        (FakeBitrise::builder().start(), None, 7, "no_resources"),
    ];
    for (fake, token, code, error) in cases {
        let mut cmd = ci_vitals(Some(&fake), "check");
        if let Some(token) = token {
            cmd.env("BITRISE_TOKEN", token);
        }
        let out = cmd.args(["--format", "json"]).output().expect("run");
        assert_eq!(out.status.code(), Some(code), "{error}");
        let doc: Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!(doc["ok"], false);
        assert_eq!(doc["error"], error);
        assert!(doc["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert!(doc["apps"].is_array());
        let text = cmd_text(&fake, token);
        assert!(text.contains("curl -H 'Authorization: TOKEN'"), "{text}");
        assert!(!text.contains(support::TOKEN));
    }
}

fn cmd_text(fake: &FakeBitrise, token: Option<&str>) -> String {
    let mut cmd = ci_vitals(Some(fake), "check");
    if let Some(token) = token {
        cmd.env("BITRISE_TOKEN", token);
    }
    let out = cmd.output().expect("run");
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

fn workspace_without_forbidden() -> FakeBitrise {
    FakeBitrise::builder()
        .app(app(ALPHA, "Alpha iOS"))
        .runs(
            ALPHA,
            vec![pipeline_run("r1", "ci", 1, "2026-11-29T10:00:00Z")],
        )
        .start()
}

#[test]
fn configuration_errors_exit_3_and_name_the_fix() {
    // No token at all, and a token set to "" (as CI systems do for unset inputs).
    for token in [None, Some("")] {
        let mut cmd = ci_vitals(None, "report");
        if let Some(token) = token {
            cmd.env("BITRISE_TOKEN", token);
        }
        let out = cmd.output().expect("run");
        assert_eq!(out.status.code(), Some(3));
        assert!(String::from_utf8_lossy(&out.stderr).contains("BITRISE_TOKEN"));
    }
    let out = ci_vitals(None, "report")
        .args(["--demo", "--pipeline", "ci-["])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(3));
    let out = ci_vitals(None, "report")
        .args(["--demo", "--until", "2020-01-01T00:00:00Z"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(3));
    // Usage errors stay clap's.
    let out = ci_vitals(None, "report")
        .args(["--format", "pdf"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn unreadable_and_newer_snapshots_are_refused_by_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let newer = dir.path().join("newer.json");
    std::fs::write(&newer, r#"{"snapshot_version": 99}"#).expect("write");
    let garbage = dir.path().join("garbage.json");
    std::fs::write(&garbage, b"{\"snapshot_version\": 1, \"apps\": [tru").expect("write");
    let cases = [
        ("missing.json", "missing.json"),
        ("newer.json", "upgrade ci-vitals"),
        ("garbage.json", "garbage.json"),
    ];
    for (name, expected) in cases {
        let out = ci_vitals(None, "report")
            .arg("--input")
            .arg(dir.path().join(name))
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(1), "{name}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expected), "{name}: {stderr}");
    }
}

#[test]
fn the_demo_is_the_same_every_day_and_narrows_within_its_span() {
    let demo = |extra: &[&str]| {
        let out = ci_vitals(None, "report")
            .args(["--demo", "--format", "json"])
            .args(extra)
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(0), "{extra:?}");
        serde_json::from_slice::<Value>(&out.stdout).expect("json")
    };
    let first = demo(&[]);
    assert_eq!(first, demo(&[]), "deterministic");
    assert_eq!(first["source"], json!({"kind": "demo", "api_url": null}));
    assert_eq!(first["generated_at"], "2026-11-30T00:00:00Z");
    assert_eq!(first["window"]["until"], "2026-11-30T00:00:00Z");
    assert_eq!(first["window"]["days"], 7.0);
    assert!(first["coverage"]["skipped_apps"][0]["slug"].is_string());
    let two_weeks = demo(&["--days", "14"]);
    assert_eq!(
        two_weeks["previous_window"]["since"],
        "2026-11-02T00:00:00Z"
    );
    let one_app = demo(&["--app", "a81e5d0c7b29f413"]);
    assert_eq!(one_app["apps"].as_array().map(Vec::len), Some(1));
    assert_eq!(one_app["apps"][0]["title"], "Larkspur Android");
}

#[test]
fn the_demo_markdown_report_is_stable() {
    let out = ci_vitals(None, "report")
        .arg("--demo")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!(
        "demo_markdown",
        String::from_utf8(out.stdout).expect("utf-8")
    );
}
