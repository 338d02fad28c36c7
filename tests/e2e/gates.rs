//! `--fail-if` gates end to end on `report --demo`: a passing gate, a failing one (exit 4, with
//! the report written and listing it), a typo (exit 3, nothing written), per-pipeline gates, and
//! `--strict` taking precedence.
//!
//! The demo data's numbers used here: 187 runs in the window, failure rate 7/59 (11.9%), and
//! `ci-pipeline` rows of 45, 11 and 52 runs in apps a81e5d0c7b29f413, 5c07e9b2f168ad30 and
//! 3f9c2a71d04b8e56; one app is skipped (403), which makes `--strict` fail.

use assert_cmd::Command;
use serde_json::{json, Value};

fn demo_report(gates: &[&str]) -> Command {
    let mut cmd = Command::cargo_bin("ci-vitals").expect("binary");
    cmd.env_remove("BITRISE_TOKEN")
        .args(["-q", "report", "--demo"]);
    for gate in gates {
        cmd.args(["--fail-if", gate]);
    }
    cmd
}

fn json_gates(output: &[u8]) -> Vec<Value> {
    let report: Value = serde_json::from_slice(output).expect("JSON report");
    report["gates"].as_array().expect("gates list").clone()
}

#[test]
fn without_gates_the_list_is_empty_and_the_exit_code_zero() {
    let out = demo_report(&[]).args(["--format", "json"]).assert().code(0);
    assert_eq!(json_gates(&out.get_output().stdout), Vec::<Value>::new());
}

#[test]
fn a_passing_gate_exits_zero_and_is_listed() {
    // 187 runs > 1000 is false: the gate passes.
    let out = demo_report(&["runs > 1000"])
        .args(["--format", "json"])
        .assert()
        .code(0);
    assert_eq!(
        json_gates(&out.get_output().stdout),
        vec![json!({
            "expr": "runs > 1000",
            "scope": "total",
            "result": "passed",
            "values": {"runs": 187},
            "note": null,
        })]
    );
}

#[test]
fn a_failing_gate_exits_four_after_the_report_is_written() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("report.md");
    // 7/59 = 0.1186 > 0.1: fails. 187 > 1000: passes.
    let out = demo_report(&["failure_rate > 0.1", "runs > 1000"])
        .arg("--output")
        .arg(&path)
        .assert()
        .code(4);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr);
    assert!(
        stderr.contains("gate failed on total: failure_rate > 0.1"),
        "{stderr}"
    );
    let markdown = std::fs::read_to_string(&path).expect("report written");
    // The failed gate is called out before the pipelines, and both are in the table.
    let caution = markdown
        .find("> **1 gate failed**")
        .expect("failed gates callout");
    assert!(caution < markdown.find("### Pipelines").expect("pipelines"));
    assert!(markdown.contains("> - failure\\_rate \\> 0.1 on total"));
    assert!(markdown
        .contains("| failure\\_rate \\> 0.1 | total | ❌ failed | failure\\_rate = 11.9% |"));
    assert!(markdown.contains("| runs \\> 1000 | total | ✅ passed | runs = 187 |"));
}

#[test]
fn a_failing_gate_is_listed_in_html_too() {
    let out = demo_report(&["failure_rate_low >= 0"])
        .args(["--format", "html"])
        .assert()
        .code(4);
    let html = String::from_utf8_lossy(&out.get_output().stdout);
    assert!(html.contains("<h2>1 gate failed</h2>"), "callout");
    assert!(
        html.contains("<li><code>failure_rate_low &gt;= 0</code> on <strong>total</strong></li>")
    );
}

#[test]
fn a_typo_is_a_configuration_error_before_anything_is_written() {
    let out = demo_report(&["failure_rat > 0.2"])
        .args(["--format", "json"])
        .assert()
        .code(3);
    assert!(out.get_output().stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.get_output().stderr);
    assert!(stderr.contains("unknown name failure_rat"), "{stderr}");
    assert!(
        stderr.contains("valid names: runs, runs_per_day"),
        "{stderr}"
    );
}

#[test]
fn a_pipeline_gate_gives_one_result_per_app_holding_the_pipeline() {
    // 45 > 50 and 11 > 50 pass; 52 > 50 fails.
    let out = demo_report(&["pipeline:ci-pipeline runs > 50"])
        .args(["--format", "json"])
        .assert()
        .code(4);
    let results: Vec<(String, String, Value)> = json_gates(&out.get_output().stdout)
        .iter()
        .map(|g| {
            (
                g["scope"].as_str().expect("scope").to_owned(),
                g["result"].as_str().expect("result").to_owned(),
                g["values"]["runs"].clone(),
            )
        })
        .collect();
    assert_eq!(
        results,
        [
            (
                "a81e5d0c7b29f413/ci-pipeline".to_owned(),
                "passed".to_owned(),
                json!(45)
            ),
            (
                "5c07e9b2f168ad30/ci-pipeline".to_owned(),
                "passed".to_owned(),
                json!(11)
            ),
            (
                "3f9c2a71d04b8e56/ci-pipeline".to_owned(),
                "failed".to_owned(),
                json!(52)
            ),
        ]
    );
}

#[test]
fn a_pipeline_matching_no_row_is_a_configuration_error() {
    let out = demo_report(&["pipeline:deploy runs > 1"]).assert().code(3);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr);
    assert!(stderr.contains("no pipeline named deploy"), "{stderr}");
}

#[test]
fn a_runtime_failure_takes_precedence_over_a_failed_gate() {
    // The demo skips one app: --strict fails the run (1), whatever the gates say.
    demo_report(&["runs > 0"])
        .args(["--strict", "--format", "json"])
        .assert()
        .code(1);
}
