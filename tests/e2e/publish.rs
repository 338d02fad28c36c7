//! Publishing end to end: the `ci-vitals` binary (`report --demo`, or a live report against the
//! fake Bitrise) with the GitHub Actions environment set on the child only, against the fake
//! GitHub API of `support`: one sticky comment updated in place, pagination, spoofed markers, a
//! read-only token, the PR from the event payload, step outputs as GitHub parses them, the job
//! summary appended, and where each token may go.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::{json, Value};
use tempfile::TempDir;

use crate::support::hostile::{self, HOSTILE};
use crate::support::{
    self, app, pipeline_run, with, FakeBitrise, FakeGithub, TokenUser, GITHUB_TOKEN,
};

const MARKER: &str = "<!-- ci-vitals:report -->";
const PR: u64 = 7;
const COMMENTS_OF_PR: &str = "/repos/octo/widgets/issues/7/comments";

/// The files a GitHub Actions step gets: the summary (already holding an earlier step's
/// content), the outputs file, and a place for the report.
struct Runner {
    dir: TempDir,
}

impl Runner {
    fn new() -> Runner {
        let runner = Runner {
            dir: tempfile::tempdir().expect("tempdir"),
        };
        std::fs::write(runner.summary(), "# Build\nearlier step\n").expect("seed summary");
        std::fs::write(runner.outputs(), "earlier=1\n").expect("seed outputs");
        runner
    }

    fn summary(&self) -> PathBuf {
        self.dir.path().join("step_summary.md")
    }

    fn outputs(&self) -> PathBuf {
        self.dir.path().join("output")
    }

    fn report(&self) -> PathBuf {
        self.dir.path().join("report.md")
    }

    fn read(&self, path: &Path) -> String {
        std::fs::read_to_string(path).expect("read file")
    }

    /// `ci-vitals report` in a simulated Actions step talking to `github`: only the variables
    /// set here, nothing inherited.
    fn command(&self, github: &FakeGithub) -> Command {
        let mut cmd = Command::cargo_bin("ci-vitals").expect("binary");
        for name in [
            "BITRISE_TOKEN",
            "BITRISE_API_URL",
            "GITHUB_TOKEN",
            "GITHUB_EVENT_PATH",
            "GITHUB_STEP_SUMMARY",
            "GITHUB_OUTPUT",
            "GITHUB_REPOSITORY",
            "GITHUB_API_URL",
            "GITHUB_ACTIONS",
        ] {
            cmd.env_remove(name);
        }
        cmd.env("GITHUB_ACTIONS", "true")
            .env("GITHUB_REPOSITORY", "octo/widgets")
            .env("GITHUB_API_URL", github.url())
            .env("GITHUB_TOKEN", GITHUB_TOKEN)
            .env("GITHUB_STEP_SUMMARY", self.summary())
            .env("GITHUB_OUTPUT", self.outputs())
            .arg("report");
        cmd
    }

    /// The demo report published everywhere, on PR 7 unless `args` say otherwise.
    fn demo(&self, github: &FakeGithub, args: &[&str]) -> Command {
        let mut cmd = self.command(github);
        cmd.args([
            "--demo",
            "--github-comment",
            "--github-summary",
            "--github-outputs",
        ])
        .arg("--output")
        .arg(self.report())
        .args(args);
        cmd
    }
}

fn run(mut cmd: Command) -> (i32, String, String) {
    let out = cmd.output().expect("run ci-vitals");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Reads an outputs file the way the runner does: `name=value` lines, and `name<<DELIMITER`
/// followed by lines up to the delimiter alone on a line.
fn parse_outputs(text: &str) -> BTreeMap<String, String> {
    let mut outputs = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let equals = line.find('=');
        let heredoc = line.find("<<");
        match (equals, heredoc) {
            (Some(e), h) if h.is_none_or(|h| e < h) => {
                outputs.insert(line[..e].to_owned(), line[e + 1..].to_owned());
            }
            (_, Some(h)) => {
                let delimiter = &line[h + 2..];
                let mut value = Vec::new();
                loop {
                    let next = lines.next().expect("heredoc closed by its delimiter");
                    if next == delimiter {
                        break;
                    }
                    value.push(next);
                }
                outputs.insert(line[..h].to_owned(), value.join("\n"));
            }
            _ => panic!("invalid outputs line {line:?}"),
        }
    }
    outputs
}

fn body(comment: &Value) -> &str {
    comment["body"].as_str().expect("comment body")
}

#[test]
fn two_runs_leave_one_comment_updated_in_place() {
    let github = FakeGithub::builder().start();
    let runner = Runner::new();
    for _ in 0..2 {
        let (code, _, stderr) = run(runner.demo(&github, &["--pr", "7"]));
        assert_eq!(code, 0, "{stderr}");
    }
    let comments = github.comments(PR);
    assert_eq!(comments.len(), 1, "{comments:?}");
    assert!(body(&comments[0]).starts_with(&format!("{MARKER}\n")));
    assert_eq!(comments[0]["user"]["login"], "github-actions[bot]");
    assert_ne!(comments[0]["created_at"], comments[0]["updated_at"]);
    let writes: Vec<(String, String)> = github
        .calls()
        .into_iter()
        .filter(|(method, _)| method != "GET")
        .collect();
    let id = comments[0]["id"].as_u64().expect("id");
    assert_eq!(
        writes,
        [
            ("POST".to_owned(), COMMENTS_OF_PR.to_owned()),
            (
                "PATCH".to_owned(),
                format!("/repos/octo/widgets/issues/comments/{id}")
            ),
        ]
    );
    // Each run asks who it is and lists the comments 100 a page.
    let lists: Vec<_> = github
        .requests()
        .into_iter()
        .filter(|r| r.path == COMMENTS_OF_PR)
        .filter(|r| r.method == "GET")
        .collect();
    assert_eq!(lists.len(), 2);
    assert!(lists
        .iter()
        .all(|r| r.query_value("per_page") == Some("100")));
}

#[test]
fn our_comment_on_the_second_page_is_found_by_following_the_link() {
    // 120 comments: 110 humans, ours as the 111th, 9 more humans; pages of 100 put ours on the
    // second page, at offset 110.
    let mut builder = FakeGithub::builder();
    for i in 0..120 {
        builder = if i == 110 {
            builder.comment(
                PR,
                "github-actions[bot]",
                "Bot",
                &format!("{MARKER}\nold report"),
            )
        } else {
            builder.comment(PR, &format!("reviewer{i}"), "User", "looks good")
        };
    }
    let github = builder.start();
    let ours = github.comments(PR)[110]["id"].as_u64().expect("id");
    let runner = Runner::new();
    let (code, _, stderr) = run(runner.demo(&github, &["--pr", "7"]));
    assert_eq!(code, 0, "{stderr}");

    let comments = github.comments(PR);
    assert_eq!(comments.len(), 120, "no second comment");
    assert!(body(&comments[110]).starts_with(MARKER));
    assert_ne!(body(&comments[110]), format!("{MARKER}\nold report"));
    let requests = github.requests();
    let lists: Vec<&str> = requests
        .iter()
        .filter(|r| r.method == "GET" && r.path.ends_with("/comments"))
        .map(|r| r.target.as_str())
        .collect();
    // The second request is the `Link` URL exactly: the /repositories form, the cursor still
    // percent-encoded, the extra parameter kept.
    assert_eq!(
        lists,
        [
            "/repos/octo/widgets/issues/7/comments?per_page=100",
            "/repositories/424242/issues/7/comments?per_page=100&page=cursor%3A100&sort=created",
        ]
    );
    let writes: Vec<(String, String)> = github
        .calls()
        .into_iter()
        .filter(|(method, _)| method != "GET")
        .collect();
    assert_eq!(
        writes,
        [(
            "PATCH".to_owned(),
            format!("/repos/octo/widgets/issues/comments/{ours}")
        )]
    );
}

#[test]
fn a_human_comment_with_the_marker_is_never_edited() {
    let spoof = format!("{MARKER}\nI can fake the marker too");
    let github = FakeGithub::builder()
        .comment(PR, "mallory", "User", &spoof)
        .start();
    let runner = Runner::new();
    let (code, _, stderr) = run(runner.demo(&github, &["--pr", "7"]));
    assert_eq!(code, 0, "{stderr}");
    let comments = github.comments(PR);
    assert_eq!(comments.len(), 2);
    assert_eq!(body(&comments[0]), spoof);
    assert_eq!(comments[0]["created_at"], comments[0]["updated_at"]);
    assert_eq!(comments[1]["user"]["login"], "github-actions[bot]");
    assert!(github.calls().iter().all(|(method, _)| method != "PATCH"));
}

#[test]
fn with_a_user_token_ours_are_the_logins_comments_only() {
    // `GET /user` works: we are "release-captain". A bot's marker comment is someone else's.
    let github = FakeGithub::builder()
        .user(TokenUser::Login("release-captain".to_owned()))
        .comment(
            PR,
            "github-actions[bot]",
            "Bot",
            &format!("{MARKER}\nanother bot"),
        )
        .comment(PR, "release-captain", "User", &format!("{MARKER}\nmine"))
        .comment(
            PR,
            "release-captain",
            "User",
            &format!("{MARKER}\na duplicate"),
        )
        .start();
    let runner = Runner::new();
    let (code, _, stderr) = run(runner.demo(&github, &["--pr", "7"]));
    assert_eq!(code, 0, "{stderr}");
    let comments = github.comments(PR);
    assert_eq!(comments.len(), 3);
    assert_eq!(body(&comments[0]), format!("{MARKER}\nanother bot"));
    // The oldest of ours is updated; the duplicate is left alone.
    assert_ne!(body(&comments[1]), format!("{MARKER}\nmine"));
    assert_eq!(body(&comments[2]), format!("{MARKER}\na duplicate"));
}

#[test]
fn a_read_only_token_warns_about_workflow_run_and_still_writes_summary_and_outputs() {
    let github = FakeGithub::builder().read_only().start();
    let runner = Runner::new();
    let (code, _, stderr) = run(runner.demo(&github, &["--pr", "7"]));
    assert_eq!(code, 0, "{stderr}");
    let warning = stderr
        .lines()
        .find(|l| l.starts_with("::warning") && l.contains("workflow_run"))
        .unwrap_or_else(|| panic!("no workflow_run warning in {stderr}"));
    assert!(warning.contains("Resource not accessible by integration"));
    assert!(github.comments(PR).is_empty());
    assert!(runner.read(&runner.summary()).contains(MARKER));
    assert_eq!(
        parse_outputs(&runner.read(&runner.outputs()))["gates"],
        "passed"
    );

    // --strict: the same, then exit 1.
    let strict = Runner::new();
    let (code, _, stderr) = run(strict.demo(&github, &["--pr", "7", "--strict"]));
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("workflow_run"));
    assert!(strict.read(&strict.summary()).contains(MARKER));
    assert!(strict.read(&strict.outputs()).contains("\nruns="));
}

#[test]
fn the_pr_comes_from_the_event_payload() {
    let github = FakeGithub::builder().start();
    let runner = Runner::new();
    let pull_request = runner.dir.path().join("pull_request.json");
    std::fs::write(
        &pull_request,
        json!({"action": "synchronize", "number": 12, "pull_request": {"number": 12}}).to_string(),
    )
    .expect("event");
    let issue_comment = runner.dir.path().join("issue_comment.json");
    std::fs::write(
        &issue_comment,
        json!({"action": "created", "issue": {"number": 31, "pull_request": {}},
               "comment": {"id": 1}})
        .to_string(),
    )
    .expect("event");
    for event in [&pull_request, &issue_comment] {
        let mut cmd = runner.demo(&github, &[]);
        cmd.env("GITHUB_EVENT_PATH", event);
        let (code, _, stderr) = run(cmd);
        assert_eq!(code, 0, "{stderr}");
    }
    assert_eq!(github.comments(12).len(), 1);
    assert_eq!(github.comments(31).len(), 1);

    // A push event names no PR: a configuration error saying to pass --pr, before anything.
    let push = runner.dir.path().join("push.json");
    std::fs::write(&push, r#"{"ref": "refs/heads/main"}"#).expect("event");
    let before = runner.read(&runner.summary());
    let mut cmd = runner.demo(&github, &[]);
    cmd.env("GITHUB_EVENT_PATH", &push);
    let (code, _, stderr) = run(cmd);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("--pr"), "{stderr}");
    assert_eq!(runner.read(&runner.summary()), before);
}

#[test]
fn outputs_parse_as_github_reads_them() {
    let github = FakeGithub::builder().start();
    let runner = Runner::new();
    let (code, _, stderr) = run(runner.demo(&github, &["--pr", "7"]));
    assert_eq!(code, 0, "{stderr}");
    let outputs = parse_outputs(&runner.read(&runner.outputs()));
    let names: Vec<&str> = outputs.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "duration-p50",
            "duration-p95",
            "earlier",
            "failure-rate",
            "gates",
            "report-path",
            "runs"
        ]
    );
    assert_eq!(outputs["earlier"], "1", "earlier outputs stay");
    assert_eq!(outputs["gates"], "passed");
    assert_eq!(
        outputs["report-path"],
        runner.report().display().to_string()
    );
    // The numbers are the JSON report's total of the same data.
    let mut json = runner.command(&github);
    json.args(["--demo", "--format", "json"]);
    let (code, stdout, _) = run(json);
    assert_eq!(code, 0);
    let total: Value = serde_json::from_str::<Value>(&stdout).expect("json")["total"].clone();
    assert_eq!(outputs["runs"], total["runs"].to_string());
    // serde_json's default float parsing may be one unit in the last place off, hence the
    // tolerance.
    let same = |name: &str, json: &Value| {
        let output = outputs[name].parse::<f64>().expect(name);
        let expected = json.as_f64().expect("a number in the JSON report");
        assert!(
            (output - expected).abs() < 1e-12,
            "{name}: {output} vs {expected}"
        );
    };
    same("failure-rate", &total["failure_rate"]);
    same("duration-p50", &total["duration_s"]["p50"]);
    same("duration-p95", &total["duration_s"]["p95"]);
    assert!(outputs["failure-rate"].starts_with("0."), "a fraction");

    // Without --output the report path is empty.
    let bare = Runner::new();
    let mut cmd = bare.command(&github);
    cmd.args(["--demo", "--github-outputs"]);
    let (code, stdout, _) = run(cmd);
    assert_eq!(code, 0);
    assert!(
        stdout.starts_with(MARKER),
        "the report still goes to stdout"
    );
    assert_eq!(
        parse_outputs(&bare.read(&bare.outputs()))["report-path"],
        ""
    );
}

#[test]
fn the_summary_is_appended_as_markdown_whatever_the_format() {
    let github = FakeGithub::builder().start();
    let runner = Runner::new();
    let mut cmd = runner.command(&github);
    cmd.args(["--demo", "--github-summary", "--format", "html", "--output"])
        .arg(runner.dir.path().join("report.html"));
    let (code, stdout, stderr) = run(cmd);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "");
    let summary = runner.read(&runner.summary());
    let appended = summary
        .strip_prefix("# Build\nearlier step\n")
        .expect("the earlier content stays first");
    assert!(
        appended.starts_with(&format!("{MARKER}\n")),
        "{appended:.200}"
    );
    assert!(!appended.contains("<html"));
    // Nothing was asked of GitHub.
    assert!(github.requests().is_empty());

    // Without $GITHUB_STEP_SUMMARY: a configuration error naming it.
    let mut cmd = runner.command(&github);
    cmd.env_remove("GITHUB_STEP_SUMMARY")
        .args(["--demo", "--github-summary"]);
    let (code, _, stderr) = run(cmd);
    assert_eq!(code, 3);
    assert!(stderr.contains("GITHUB_STEP_SUMMARY"), "{stderr}");
}

#[test]
fn a_github_failure_is_a_runtime_error_after_summary_and_outputs() {
    let github = FakeGithub::builder()
        .list_failure(500, "Server Error")
        .start();
    let runner = Runner::new();
    let (code, _, stderr) = run(runner.demo(&github, &["--pr", "7"]));
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("GET /repos/octo/widgets/issues/7/comments")
            && stderr.contains("Server Error"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("127.0.0.1"),
        "the endpoint is a path: {stderr}"
    );
    assert!(runner.read(&runner.summary()).contains(MARKER));
    assert!(runner.read(&runner.outputs()).contains("gates=passed"));
}

/// A live report from the fake Bitrise published to the fake GitHub: each token goes to its
/// own API only, and neither shows up anywhere.
#[test]
fn each_token_goes_only_to_its_own_api_and_never_shows() {
    const ALPHA: &str = "a1a1a1a1a1a1a1a1";
    // Three pipeline runs in [2026-11-23, 2026-11-30): two succeeded, one failed.
    let bitrise = FakeBitrise::builder()
        .app(app(ALPHA, "Alpha iOS"))
        .runs(
            ALPHA,
            vec![
                pipeline_run("r1", "ci", 1, "2026-11-29T10:00:00Z"),
                pipeline_run("r2", "ci", 2, "2026-11-28T10:00:00Z"),
                pipeline_run("r3", "ci", 1, "2026-11-27T10:00:00Z"),
            ],
        )
        .start();
    let github = FakeGithub::builder().start();
    let runner = Runner::new();
    let mut cmd = runner.command(&github);
    cmd.env("BITRISE_TOKEN", support::TOKEN)
        .env("BITRISE_API_URL", bitrise.url())
        .args([
            "--retries",
            "0",
            "--timeout",
            "5",
            "--no-details",
            "--no-compare",
        ])
        .args(["--until", "2026-11-30T00:00:00Z", "--days", "7", "-v"])
        .args([
            "--github-comment",
            "--github-summary",
            "--github-outputs",
            "--pr",
            "7",
        ]);
    let (code, stdout, stderr) = run(cmd);
    assert_eq!(code, 0, "{stderr}");

    // runs 3; failure rate 1 / (2 + 1); both succeeded runs took 5 minutes = 300 s.
    let outputs = parse_outputs(&runner.read(&runner.outputs()));
    assert_eq!(outputs["runs"], "3");
    assert_eq!(
        outputs["failure-rate"].parse::<f64>().expect("rate"),
        1.0 / 3.0
    );
    assert_eq!(outputs["duration-p50"], "300");
    assert_eq!(outputs["duration-p95"], "300");
    assert_eq!(outputs["report-path"], "");

    let bitrise_requests = bitrise.requests();
    assert!(!bitrise_requests.is_empty());
    for request in &bitrise_requests {
        assert_eq!(request.header("authorization"), Some(support::TOKEN));
        assert!(
            request
                .headers
                .iter()
                .all(|(_, v)| !v.contains(GITHUB_TOKEN)),
            "GitHub token sent to Bitrise: {request:?}"
        );
    }
    let github_requests = github.requests();
    assert!(github_requests.len() >= 3, "user, list, create");
    let bearer = format!("Bearer {GITHUB_TOKEN}");
    for request in &github_requests {
        assert_eq!(request.header("authorization"), Some(bearer.as_str()));
        assert!(request
            .header("user-agent")
            .is_some_and(|ua| ua.starts_with("ci-vitals/")));
        assert_eq!(
            request.header("accept"),
            Some("application/vnd.github+json")
        );
        assert_eq!(request.header("x-github-api-version"), Some("2022-11-28"));
        assert!(
            request
                .headers
                .iter()
                .all(|(_, v)| !v.contains(support::TOKEN)),
            "Bitrise token sent to GitHub: {request:?}"
        );
    }
    // Inside Actions the Bitrise token read from the environment is masked with
    // `::add-mask::TOKEN`: the one line that must carry it (the runner removes it from the log).
    let stderr: String = stderr
        .lines()
        .filter(|line| !line.starts_with("::add-mask::"))
        .collect::<Vec<_>>()
        .join("\n");
    let files = [runner.summary(), runner.outputs()];
    for text in files
        .iter()
        .map(|p| runner.read(p))
        .chain([stdout, stderr])
        .chain(github.comments(PR).iter().map(|c| body(c).to_owned()))
    {
        assert!(!text.contains(GITHUB_TOKEN), "GitHub token leaked");
        assert!(!text.contains(support::TOKEN), "Bitrise token leaked");
    }
}

#[test]
fn data_problems_become_warning_annotations_inside_actions_only() {
    const ALPHA: &str = "a1a1a1a1a1a1a1a1";
    const BRAVO: &str = "b2b2b2b2b2b2b2b2";
    let bitrise = FakeBitrise::builder()
        .app(app(ALPHA, "Alpha iOS"))
        .app(app(BRAVO, "Bravo Android"))
        .runs(
            ALPHA,
            vec![pipeline_run("r1", "ci", 1, "2026-11-29T10:00:00Z")],
        )
        .runs(
            BRAVO,
            vec![pipeline_run("b1", "ci", 1, "2026-11-29T10:00:00Z")],
        )
        .forbidden(BRAVO)
        .start();
    let github = FakeGithub::builder().start();
    let runner = Runner::new();
    let live = |actions: Option<&str>| {
        let mut cmd = runner.command(&github);
        match actions {
            Some(value) => cmd.env("GITHUB_ACTIONS", value),
            None => cmd.env_remove("GITHUB_ACTIONS"),
        };
        cmd.env("BITRISE_TOKEN", support::TOKEN)
            .env("BITRISE_API_URL", bitrise.url())
            .args([
                "--retries",
                "0",
                "--timeout",
                "5",
                "--no-details",
                "--no-compare",
            ])
            .args(["--until", "2026-11-30T00:00:00Z", "--days", "7"]);
        run(cmd)
    };
    let (code, _, stderr) = live(Some("true"));
    assert_eq!(code, 0, "{stderr}");
    let annotation = stderr
        .lines()
        .find(|l| l.starts_with("::warning title=ci-vitals%3A app skipped::"))
        .unwrap_or_else(|| panic!("no annotation in {stderr}"));
    assert!(annotation.contains(&format!("app {BRAVO} skipped (invalid_permissions)")));
    for actions in [None, Some("false")] {
        let (code, _, stderr) = live(actions);
        assert_eq!(code, 0, "{stderr}");
        assert!(!stderr.contains("::warning"), "{stderr}");
        assert!(stderr.contains(BRAVO), "the plain warning stays: {stderr}");
    }
    // Nothing was published, so GitHub was never called.
    assert!(github.requests().is_empty());
}

#[test]
fn hostile_names_cannot_break_out_of_the_pr_comment() {
    // One app per hostile string, titled with it, with a red pipeline run named with it on a
    // branch named with it (main-branch red streaks and skipped apps are shown too).
    let mut builder = FakeBitrise::builder();
    for (i, text) in HOSTILE.iter().enumerate() {
        let slug = format!("{i:0>16x}");
        let run = with(
            pipeline_run(&format!("h{i}"), text, 2, "2026-11-29T10:00:00Z"),
            "branch",
            json!(text),
        );
        builder = builder.app(app(&slug, text)).runs(&slug, vec![run]);
    }
    let bitrise = builder.start();
    let github = FakeGithub::builder().start();
    let runner = Runner::new();
    let mut cmd = runner.command(&github);
    cmd.env("BITRISE_TOKEN", support::TOKEN)
        .env("BITRISE_API_URL", bitrise.url())
        .args(["--retries", "0", "--timeout", "5", "--no-details"])
        .args(["--until", "2026-11-30T00:00:00Z", "--main-branch"])
        .arg(HOSTILE[0])
        .args(["--github-comment", "--pr", "7"]);
    let (code, _, stderr) = run(cmd);
    assert_eq!(code, 0, "{stderr}");

    let comments = github.comments(PR);
    assert_eq!(comments.len(), 1);
    let text = body(&comments[0]);
    // The marker is the only HTML comment: nothing opens or closes another one that would
    // hide the rest of the report.
    assert!(text.starts_with(MARKER));
    assert_eq!(text.matches("<!--").count(), 1, "{text}");
    assert_eq!(text.matches("-->").count(), 1, "{text}");
    // No tag survives: every `<` of the hostile text is backslash-escaped, so GitHub shows it
    // as text.
    for tag in ["<script", "<SCRIPT", "<img"] {
        for (at, _) in text.match_indices(tag) {
            assert!(text[..at].ends_with('\\'), "unescaped {tag:?} at byte {at}");
        }
    }
    // No mention, no issue reference, no bidi control, no workflow command at a line start.
    for forbidden in [
        "@octocat",
        "@acme-org",
        "#123",
        "repo#8",
        "\u{202E}",
        "\u{2066}",
        "\n::error::",
    ] {
        assert!(!text.contains(forbidden), "{forbidden:?} in the comment");
    }
    // Every table keeps its header's number of cells on every row.
    let mut header_cells = None;
    for line in text.lines() {
        if !line.starts_with('|') {
            header_cells = None;
            continue;
        }
        let cells = hostile::cell_separators(line);
        match header_cells {
            None => header_cells = Some(cells),
            Some(expected) => assert_eq!(cells, expected, "row {line:?}"),
        }
    }
    assert!(text.contains("fixes #\u{200B}123") || text.contains("fixes #\u{200b}123"));
}
