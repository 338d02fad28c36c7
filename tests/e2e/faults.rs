//! Trust under faults and hostile input, end to end through the `ci-vitals` binary and the fake
//! Bitrise API: faults that retries absorb leave the report unchanged; apps that never answer,
//! answer garbage or page forever are skipped in bounded time; a token rejected mid-run writes
//! nothing; SIGINT and SIGTERM stop a run promptly without leaving a file behind; the token
//! never appears in any output at maximum verbosity; hostile text keeps every format intact.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command as Process, Output, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{json, Value};

use crate::support::hostile::{self, HOSTILE, LONE_SURROGATE_LITERALS};
use crate::support::{self, app, pipeline_run, with, Chaos, FakeBitrise, Fault};

const ALPHA: &str = "a1a1a1a1a1a1a1a1";
const BRAVO: &str = "b2b2b2b2b2b2b2b2";
const HANGS: &str = "d4d4d4d4d4d4d4d4";
const GARBLED: &str = "e5e5e5e5e5e5e5e5";
const LOOPS: &str = "f6f6f6f6f6f6f6f6";

/// The report window: [2026-11-23, 2026-11-30), previous [2026-11-16, 2026-11-23).
const UNTIL: &str = "2026-11-30T00:00:00Z";

fn pipelines_path(slug: &str) -> String {
    format!("/v0.1/apps/{slug}/pipelines")
}

/// The binary against `fake` with a clean environment and the given client flags.
fn ci_vitals(fake: &FakeBitrise, command: &str, client_flags: &[&str]) -> Command {
    let mut cmd = Command::cargo_bin("ci-vitals").expect("binary");
    cmd.env_remove("BITRISE_TOKEN")
        .env_remove("BITRISE_API_URL")
        .env_remove("GITHUB_ACTIONS")
        .env("BITRISE_TOKEN", support::TOKEN)
        .env("BITRISE_API_URL", fake.url())
        .arg(command)
        .args(client_flags);
    cmd
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `count` pipeline runs of `name`, one every `step_minutes` back from just before `UNTIL`,
/// statuses cycling succeeded, succeeded, failed.
fn runs(prefix: &str, name: &str, count: usize, step_minutes: i64) -> Vec<Value> {
    let until: DateTime<Utc> = UNTIL.parse().expect("until");
    (0..count)
        .map(|i| {
            let at = until - TimeDelta::minutes(7 + step_minutes * i as i64);
            let status = if i % 3 == 2 { 2 } else { 1 };
            pipeline_run(&format!("{prefix}{i}"), name, status, &at.to_rfc3339())
        })
        .collect()
}

/// Two apps whose runs span both windows in three pages each: 120 runs every 165 minutes
/// reach back 120 * 165 min = 13.75 days, and 120 runs at 50 a page (the page boundary item
/// repeating) take three pages.
fn two_apps() -> support::server::Builder {
    FakeBitrise::builder()
        .app(app(ALPHA, "Alpha iOS"))
        .app(app(BRAVO, "Bravo Android"))
        .runs(ALPHA, runs("a", "ci", 120, 165))
        .runs(BRAVO, runs("b", "release", 120, 165))
}

/// The JSON report without what differs between equal runs: when it was made, and how many
/// requests it took.
fn comparable(stdout: &[u8]) -> Value {
    let mut report: Value = serde_json::from_slice(stdout).expect("json report");
    let object = report.as_object_mut().expect("object");
    object.remove("generated_at");
    // Each run has its own fake, so its own address.
    object["source"]
        .as_object_mut()
        .expect("source")
        .remove("api_url");
    object["coverage"]
        .as_object_mut()
        .expect("coverage")
        .remove("requests");
    report
}

fn json_report(fake: &FakeBitrise, client_flags: &[&str]) -> (Value, Duration) {
    let started = Instant::now();
    let out = ci_vitals(fake, "report", client_flags)
        .args(["--format", "json", "--no-details", "--until", UNTIL])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    (comparable(&out.stdout), started.elapsed())
}

#[test]
fn faults_that_retries_absorb_leave_the_json_report_unchanged() {
    let clean = two_apps().start();
    let (expected, _) = json_report(&clean, &["--retries", "0", "--timeout", "5"]);
    assert_eq!(expected["coverage"]["skipped_apps"], json!([]));

    // 20% of requests fail (500, an HTML 502, a 503 with `Retry-After: 0`, a bare 429), each
    // at most once in a row, with up to 40 ms of latency; on top, scripted: 429s with a
    // `Retry-After` in seconds and as an HTTP date, a reset connection and a cut body.
    let troubled = two_apps()
        .chaos(Chaos {
            seed: 7,
            error_rate: 0.2,
            max_latency: Duration::from_millis(40),
            max_streak: 1,
        })
        .fault("/v0.1/apps", Fault::Status(429), 1)
        .fault("/v0.1/apps", Fault::retry_after_date(429, 1), 1)
        .fault(&pipelines_path(ALPHA), Fault::Reset, 1)
        .fault(
            &pipelines_path(ALPHA),
            Fault::RetryAfter(429, "1".into()),
            1,
        )
        .fault(&pipelines_path(BRAVO), Fault::CutBody, 1)
        .start();
    let (actual, elapsed) = json_report(&troubled, &["--retries", "4", "--timeout", "5"]);
    assert!(
        troubled.chaos_failures() > 0,
        "the seed must fail some requests"
    );
    // Clean: 1 apps page + 3 pages per app = 7 requests; the troubled run made more.
    assert!(troubled.requests().len() > clean.requests().len());
    assert_eq!(clean.requests().len(), 7);
    assert_eq!(actual, expected);
    assert!(elapsed < Duration::from_secs(15), "took {elapsed:?}");
}

#[test]
fn apps_that_hang_garble_or_loop_are_skipped_in_bounded_time() {
    // The looping app's every page holds one run and sends the first cursor back as `next`.
    let loop_page = json!({
        "data": [pipeline_run("l0", "ci", 1, "2026-11-29T10:00:00Z")],
        "paging": {"total_item_count": 1, "page_item_limit": 50, "next": "2026-11-30T00:00:01Z"}
    });
    let fake = two_apps()
        .app(app(HANGS, "Hangs"))
        .app(app(GARBLED, "Garbled"))
        .app(app(LOOPS, "Loops"))
        .runs(HANGS, runs("h", "ci", 3, 60))
        .fault(
            &pipelines_path(HANGS),
            Fault::Hang(Duration::from_secs(10)),
            20,
        )
        .fault(&pipelines_path(GARBLED), Fault::NotJson, 20)
        .fault(&pipelines_path(LOOPS), Fault::Json(200, loop_page), 1000)
        .start();
    let started = Instant::now();
    // Timeouts of 1 s with 3 retries would take up to 4 s plus backoff: the 2 s app deadline
    // ends the hanging app first.
    let out = ci_vitals(
        &fake,
        "report",
        &["--retries", "3", "--timeout", "1", "--app-deadline", "2"],
    )
    .args(["--format", "json", "--no-details", "--until", UNTIL])
    .output()
    .expect("run");
    let elapsed = started.elapsed();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(elapsed < Duration::from_secs(6), "took {elapsed:?}");
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    let reported: Vec<&str> = report["apps"]
        .as_array()
        .expect("apps")
        .iter()
        .map(|a| a["slug"].as_str().expect("slug"))
        .collect();
    assert_eq!(reported.len(), 2);
    assert!(reported.contains(&ALPHA) && reported.contains(&BRAVO));
    let skipped: Vec<(String, String, String)> = report["coverage"]["skipped_apps"]
        .as_array()
        .expect("skipped")
        .iter()
        .map(|s| {
            (
                s["slug"].as_str().expect("slug").to_owned(),
                s["error"].as_str().expect("error").to_owned(),
                s["message"].as_str().expect("message").to_owned(),
            )
        })
        .collect();
    let reason = |slug: &str| {
        skipped
            .iter()
            .find(|s| s.0 == slug)
            .unwrap_or_else(|| panic!("{slug} not skipped: {skipped:?}"))
            .clone()
    };
    let (_, code, message) = reason(HANGS);
    assert_eq!(code, "network_error");
    assert!(message.contains("--app-deadline"), "{message}");
    let (_, code, message) = reason(GARBLED);
    assert_eq!(code, "decode_error");
    assert!(message.contains("not JSON"), "{message}");
    let (_, code, message) = reason(LOOPS);
    assert_eq!(code, "api_error");
    assert!(message.contains("endless loop"), "{message}");
    assert_eq!(skipped.len(), 3);
    // The looping app was asked once: its first page's `next` does not move back in time.
    assert_eq!(fake.requests_to(&pipelines_path(LOOPS)).len(), 1);
}

#[test]
fn a_token_rejected_mid_run_fails_it_and_writes_nothing() {
    let fake = two_apps()
        .fault(&pipelines_path(BRAVO), Fault::Status(401), 1)
        .start();
    let dir = tempfile::tempdir().expect("tempdir");
    let snapshot = dir.path().join("runs.json");
    let out = ci_vitals(&fake, "fetch", &["--retries", "0", "--timeout", "5"])
        .args(["--no-details", "--until", UNTIL, "--output"])
        .arg(&snapshot)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(stderr(&out).contains("401"), "{}", stderr(&out));
    assert!(!snapshot.exists());
    assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 0);
}

/// Sends `signal` (a `kill` name) to the process `pid`, with the shell's own `kill` (a
/// separate `kill` program is not on every machine).
fn send_signal(pid: u32, signal: &str) {
    let status = Process::new("sh")
        .args(["-c", &format!("kill -{signal} {pid}")])
        .status()
        .expect("kill");
    assert!(status.success());
}

/// Starts the binary with `args` against a fake whose pipelines answer after 20 s, waits for it
/// to be mid-fetch, sends `signal`, and returns its output and how long it took to exit.
fn interrupt_mid_fetch(args: &[&str], output: &Path, signal: &str) -> (Output, Duration) {
    let fake = FakeBitrise::builder()
        .app(app(ALPHA, "Alpha iOS"))
        .runs(ALPHA, runs("a", "ci", 3, 60))
        .fault(
            &pipelines_path(ALPHA),
            Fault::Delay(Duration::from_secs(20)),
            1,
        )
        .start();
    let child = Process::new(assert_cmd::cargo::cargo_bin("ci-vitals"))
        .env_remove("GITHUB_ACTIONS")
        .env("BITRISE_TOKEN", support::TOKEN)
        .env("BITRISE_API_URL", fake.url())
        .args(args)
        .args(["--no-details", "--until", UNTIL, "--output"])
        .arg(output)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let waiting = Instant::now();
    while fake.requests_to(&pipelines_path(ALPHA)).is_empty() {
        assert!(waiting.elapsed() < Duration::from_secs(10), "never fetched");
        std::thread::sleep(Duration::from_millis(20));
    }
    let sent = Instant::now();
    send_signal(child.id(), signal);
    let out = child.wait_with_output().expect("wait");
    (out, sent.elapsed())
}

#[test]
fn sigint_during_a_fetch_exits_130_promptly_and_leaves_the_old_snapshot() {
    let dir = tempfile::tempdir().expect("tempdir");
    let snapshot = dir.path().join("runs.json.gz");
    std::fs::write(&snapshot, b"the previous snapshot").expect("old file");
    let (out, elapsed) = interrupt_mid_fetch(&["fetch"], &snapshot, "INT");
    assert!(elapsed < Duration::from_secs(2), "took {elapsed:?}");
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("interrupted by SIGINT"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read(&snapshot).expect("old file"),
        b"the previous snapshot"
    );
    // No temporary file either: the directory holds the old snapshot only.
    assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 1);
}

#[test]
fn sigterm_during_a_report_exits_143_and_writes_no_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    let report = dir.path().join("report.md");
    let (out, elapsed) = interrupt_mid_fetch(&["report"], &report, "TERM");
    assert!(elapsed < Duration::from_secs(2), "took {elapsed:?}");
    assert_eq!(out.status.code(), Some(143), "{}", stderr(&out));
    assert!(stderr(&out).contains("interrupted by SIGTERM"));
    assert!(out.stdout.is_empty());
    assert!(!report.exists());
}

/// One way the API can fail, set on a fake of two apps.
fn failing_fake(failure: &str) -> FakeBitrise {
    let builder = two_apps();
    let bravo = pipelines_path(BRAVO);
    match failure {
        // Every request rejected: the fake expects another token.
        "401" => builder.token("bitwat_another-token"),
        "403" => builder.forbidden(BRAVO),
        "500" => builder.fault(&bravo, Fault::Html(500), 10),
        "timeout" => builder.fault(&bravo, Fault::Hang(Duration::from_secs(3)), 10),
        "bad json" => builder.fault(&bravo, Fault::NotJson, 10),
        other => panic!("unknown failure {other}"),
    }
    .start()
}

#[test]
fn at_maximum_verbosity_with_failures_the_token_appears_in_no_output() {
    let failures = ["401", "403", "500", "timeout", "bad json"];
    let threads: Vec<_> = failures
        .into_iter()
        .map(|failure| {
            std::thread::spawn(move || {
                let fake = failing_fake(failure);
                let dir = tempfile::tempdir().expect("tempdir");
                // No retries: each failure is seen once, and a timeout costs one second.
                let flags = ["-vv", "--retries", "0", "--timeout", "1"];
                let mut outputs: Vec<(String, Output)> = Vec::new();
                for format in ["text", "json"] {
                    let out = ci_vitals(&fake, "check", &flags)
                        .args(["--format", format])
                        .output()
                        .expect("check");
                    outputs.push((format!("check {format}"), out));
                }
                let snapshot = dir.path().join("runs.json");
                // With details: one more kind of request, and its failures as warnings.
                let out = ci_vitals(&fake, "fetch", &flags)
                    .args(["--until", UNTIL, "--output"])
                    .arg(&snapshot)
                    .output()
                    .expect("fetch");
                outputs.push(("fetch".to_owned(), out));
                for format in ["json", "markdown", "html"] {
                    let file = dir.path().join(format!("report.{format}"));
                    let out = ci_vitals(&fake, "report", &flags)
                        .args(["--format", format, "--no-details", "--until", UNTIL])
                        .arg("--output")
                        .arg(&file)
                        .output()
                        .expect("report");
                    outputs.push((format!("report {format} to a file"), out));
                    let out = ci_vitals(&fake, "report", &flags)
                        .args(["--format", format, "--no-details", "--until", UNTIL])
                        .output()
                        .expect("report");
                    outputs.push((format!("report {format}"), out));
                }
                (failure, fake, dir, outputs)
            })
        })
        .collect();
    for thread in threads {
        let (failure, fake, dir, outputs) = thread.join().expect("scenario");
        for (what, out) in &outputs {
            for stream in [&out.stdout, &out.stderr] {
                assert!(
                    !String::from_utf8_lossy(stream).contains(support::TOKEN),
                    "{failure}: {what} printed the token"
                );
            }
        }
        // The failure must have been met: some run warned of it or failed.
        assert!(
            outputs
                .iter()
                .any(|(_, out)| stderr(out).contains("warning") || !out.status.success()),
            "{failure}: no run noticed the failure"
        );
        for entry in std::fs::read_dir(dir.path()).expect("dir") {
            let path = entry.expect("entry").path();
            let bytes = std::fs::read(&path).expect("file");
            assert!(
                !String::from_utf8_lossy(&bytes).contains(support::TOKEN),
                "{failure}: {} holds the token",
                path.display()
            );
        }
        for request in fake.requests() {
            assert!(!request.path.contains(support::TOKEN), "{failure}: path");
            assert!(
                request
                    .query
                    .iter()
                    .all(|(k, v)| !k.contains(support::TOKEN) && !v.contains(support::TOKEN)),
                "{failure}: query"
            );
            for (name, value) in &request.headers {
                if name != "authorization" {
                    assert!(!value.contains(support::TOKEN), "{failure}: header {name}");
                }
            }
        }
    }
}

#[test]
fn inside_github_actions_the_token_from_the_environment_is_masked_once() {
    let fake = two_apps().start();
    let out = ci_vitals(&fake, "check", &["--retries", "0"])
        .env("GITHUB_ACTIONS", "true")
        .output()
        .expect("check");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mask = format!("::add-mask::{}", support::TOKEN);
    let err = stderr(&out);
    assert_eq!(err.lines().filter(|l| *l == mask).count(), 1, "{err}");
    // That line is the only place the value is written out.
    assert_eq!(err.matches(support::TOKEN).count(), 1);
    assert!(!String::from_utf8_lossy(&out.stdout).contains(support::TOKEN));
    // Outside Actions: no mask line.
    let out = ci_vitals(&fake, "check", &["--retries", "0"])
        .output()
        .expect("check");
    assert!(!stderr(&out).contains("::add-mask::"));
}

/// The slug of the `i`th hostile app.
fn hostile_slug(i: usize) -> String {
    format!("{i:0>16x}")
}

/// One app per hostile string, titled with it, whose two runs are a pipeline named with it on
/// the next string's branch; one more app's runs come as raw JSON with lone surrogates in the
/// branch and the pipeline name.
fn hostile_fake() -> (FakeBitrise, Vec<String>, String) {
    let texts = hostile::all();
    let mut builder = FakeBitrise::builder();
    for (i, text) in texts.iter().enumerate() {
        let slug = hostile_slug(i);
        let branch = &texts[(i + 1) % texts.len()];
        let items = runs(&format!("h{i}x"), text, 2, 600)
            .into_iter()
            .map(|item| with(item, "branch", json!(branch)))
            .collect();
        builder = builder.app(app(&slug, text)).runs(&slug, items);
    }
    // The lone-surrogate app: placeholders swapped for the raw escapes after serializing.
    let lone = "0ddba11000000000".to_owned();
    let item = with(
        pipeline_run("lone0", "PLACEHOLDER_NAME", 1, "2026-11-29T10:00:00Z"),
        "branch",
        json!("PLACEHOLDER_BRANCH"),
    );
    let page = json!({"data": [item], "paging": {"total_item_count": 1, "page_item_limit": 50, "next": null}})
        .to_string()
        .replace("\"PLACEHOLDER_NAME\"", LONE_SURROGATE_LITERALS[3])
        .replace("\"PLACEHOLDER_BRANCH\"", LONE_SURROGATE_LITERALS[0]);
    let fake = builder
        .app(app(&lone, "Lone surrogates"))
        .fault(&pipelines_path(&lone), Fault::RawJson(200, page), 1)
        .start();
    (fake, texts, lone)
}

fn hostile_report(fake: &FakeBitrise, format: &str) -> String {
    let out = ci_vitals(fake, "report", &["--retries", "0", "--timeout", "5"])
        .args([
            "--format",
            format,
            "--no-details",
            "--group-by",
            "branch",
            "--until",
            UNTIL,
        ])
        .output()
        .expect("report");
    assert_eq!(out.status.code(), Some(0), "{format}: {}", stderr(&out));
    String::from_utf8(out.stdout).expect("utf-8")
}

/// Every string value anywhere in `value`.
fn strings(value: &Value, into: &mut BTreeSet<String>) {
    match value {
        Value::String(s) => {
            into.insert(s.clone());
        }
        Value::Array(items) => items.iter().for_each(|v| strings(v, into)),
        Value::Object(map) => map.values().for_each(|v| strings(v, into)),
        _ => {}
    }
}

#[test]
fn hostile_text_is_kept_in_json_and_shown_plainly_in_markdown_and_html() {
    let (fake, texts, lone) = hostile_fake();

    let report: Value = serde_json::from_str(&hostile_report(&fake, "json")).expect("json");
    assert_eq!(report["coverage"]["skipped_apps"], json!([]));
    let mut all = BTreeSet::new();
    strings(&report, &mut all);
    for (i, text) in texts.iter().enumerate() {
        let app = report["apps"]
            .as_array()
            .expect("apps")
            .iter()
            .find(|a| a["slug"] == hostile_slug(i))
            .unwrap_or_else(|| panic!("app {i} reported"));
        assert_eq!(app["title"], json!(text), "title {i} verbatim");
        assert_eq!(
            app["pipelines"][0]["name"],
            json!(text),
            "name {i} verbatim"
        );
    }
    // Lone surrogates are read as U+FFFD, the rest of the text kept.
    let lone_app = report["apps"]
        .as_array()
        .expect("apps")
        .iter()
        .find(|a| a["slug"] == json!(lone))
        .expect("lone-surrogate app reported");
    assert_eq!(
        lone_app["pipelines"][0]["name"],
        json!("pair \u{1F600} then lone \u{FFFD}")
    );

    let markdown = hostile_report(&fake, "markdown");
    // Every table keeps its shape: each row has as many cell separators as its header.
    let mut header: Option<usize> = None;
    for line in markdown.lines() {
        if line.starts_with('|') {
            let cells = hostile::cell_separators(line);
            match header {
                None => header = Some(cells),
                Some(expected) => assert_eq!(cells, expected, "row broke its table: {line}"),
            }
        } else {
            header = None;
        }
    }
    for (i, c) in markdown.char_indices() {
        let next = markdown[i + c.len_utf8()..].chars().next();
        // A mention needs a name right after `@`, an issue reference a number after `#`.
        assert!(
            !(c == '@' && next.is_some_and(|n| n.is_ascii_alphanumeric())),
            "a mention formed at byte {i}"
        );
        assert!(
            !(c == '#' && next.is_some_and(|n| n.is_ascii_digit())),
            "an issue reference formed at byte {i}"
        );
        assert!(!is_bidi(c), "bidi control at byte {i}");
    }
    // Comment markers and tags only ever appear escaped (`-->` with its `>` escaped), but for
    // the report's own marker comment on the first line.
    let marker = "<!-- ci-vitals:report -->\n";
    let body = markdown.strip_prefix(marker).expect("the report's marker");
    for needle in ["<!--", "<script", "<SCRIPT", "<img"] {
        for (at, _) in body.match_indices(needle) {
            assert!(
                at > 0 && body.as_bytes()[at - 1] == b'\\',
                "raw {needle} at byte {at}"
            );
        }
    }
    assert!(!body.contains("-->"));
    // Printed to stdout in a job, a line starting with `::` would be a workflow command.
    assert!(!markdown.lines().any(|l| l.starts_with("::")));

    let html = hostile_report(&fake, "html");
    assert!(!hostile::has_script_tag(&html), "no <script survives");
    assert!(!html.contains("<img src=x"));
    assert!(!html.contains("<!-- hide"));
    assert!(
        html.contains("&lt;script&gt;alert(1)"),
        "the tag is shown as text"
    );
    assert!(html.contains("@octocat"), "HTML shows the text itself");
    assert!(!html.chars().any(is_bidi));
}

fn is_bidi(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[test]
fn the_hostile_set_holds_what_the_issue_names() {
    let all = hostile::all().join("\n");
    for needle in [
        "<script",
        "<!--",
        "-->",
        "|",
        "`",
        "@octocat",
        "@acme-org/",
        "#123",
        "\u{202E}",
    ] {
        assert!(all.contains(needle), "{needle}");
    }
    assert_eq!(hostile::long_name().chars().count(), 2_000);
    assert!(HOSTILE.len() >= 20);
    for literal in LONE_SURROGATE_LITERALS {
        assert!(serde_json::from_str::<Value>(literal).is_err(), "{literal}");
    }
}

#[test]
fn an_unusable_token_or_api_url_is_a_configuration_error_naming_the_flag() {
    let fake = two_apps().start();
    // A token pasted with a line break cannot go in a header: exit 3, the flag named, the
    // token's text nowhere.
    let out = ci_vitals(&fake, "check", &["--retries", "0"])
        .env("BITRISE_TOKEN", "bitwat_pasted\nsecond-line-of-token")
        .output()
        .expect("check");
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("--token"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("second-line-of-token"));
    let out = ci_vitals(&fake, "report", &["--retries", "0"])
        .env("BITRISE_API_URL", "http://exa mple.invalid")
        .output()
        .expect("report");
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("--api-url"), "{}", stderr(&out));
    assert!(fake.requests().is_empty());
}
