//! The user-facing side of the binary: `ci-vitals.toml` and its precedence (flag > environment >
//! file > default), config errors, completions and the man page, several outputs from one run,
//! progress lines in a log, examples in every `--help`, and the README's usage block.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

use crate::support::{self, app, pipeline_run, FakeBitrise};

const ALPHA: &str = "a1a1a1a1a1a1a1a1";
const BRAVO: &str = "b2b2b2b2b2b2b2b2";

/// The binary in `dir` (where a `ci-vitals.toml` may be), with no Bitrise or colour variables.
fn in_dir(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("ci-vitals").expect("binary");
    cmd.current_dir(dir)
        .env_remove("BITRISE_TOKEN")
        .env_remove("BITRISE_API_URL")
        .env_remove("NO_COLOR");
    cmd
}

fn with_config(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("ci-vitals.toml"), text).expect("write config");
    dir
}

/// `report --demo` with `config` as ci-vitals.toml: it must fail as a configuration error
/// (exit 3); its stderr.
fn config_error(config: &str) -> String {
    let dir = with_config(config);
    let out = in_dir(dir.path())
        .args(["report", "--demo"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(3), "{}", stderr_of(&out));
    stderr_of(&out)
}

/// `report --demo --format json` run in `dir` with `extra` flags; the parsed report.
fn demo_json(dir: &Path, extra: &[&str]) -> Value {
    let out = in_dir(dir)
        .args(["report", "--demo", "--format", "json"])
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

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn the_file_beats_defaults_and_flags_beat_the_file_for_every_kind_of_key() {
    let dir = with_config(
        "days = 3\n\
         main_branches = [\"trunk\", \"release\"]\n\
         aborted_as = \"failure\"\n\
         no_compare = true\n",
    );
    // Demo window ends 2026-11-30T00:00:00Z; 3 days back is 2026-11-27.
    let from_file = demo_json(dir.path(), &[]);
    assert_eq!(from_file["window"]["since"], "2026-11-27T00:00:00Z");
    assert_eq!(
        from_file["settings"]["main_branches"],
        serde_json::json!(["trunk", "release"])
    );
    assert_eq!(from_file["settings"]["aborted_as"], "failure");
    assert_eq!(from_file["previous_window"], Value::Null);

    // Each flag replaces its key (a list flag replaces the whole list); others keep the file's.
    let flags = demo_json(
        dir.path(),
        &[
            "--days",
            "2",
            "--main-branch",
            "main",
            "--aborted-as",
            "excluded",
        ],
    );
    assert_eq!(flags["window"]["since"], "2026-11-28T00:00:00Z");
    assert_eq!(
        flags["settings"]["main_branches"],
        serde_json::json!(["main"])
    );
    assert_eq!(flags["settings"]["aborted_as"], "excluded");
    assert_eq!(
        flags["previous_window"],
        Value::Null,
        "no_compare still from the file"
    );

    // Without a file: the defaults (7 days, main and master, excluded, compared).
    let empty = tempfile::tempdir().expect("temp dir");
    let defaults = demo_json(empty.path(), &[]);
    assert_eq!(defaults["window"]["since"], "2026-11-23T00:00:00Z");
    assert_eq!(
        defaults["settings"]["main_branches"],
        serde_json::json!(["main", "master"])
    );
    assert_eq!(defaults["settings"]["aborted_as"], "excluded");
    assert_eq!(defaults["previous_window"]["since"], "2026-11-16T00:00:00Z");
}

/// One app, one run in the window [2026-11-23, 2026-11-30).
fn one_app() -> FakeBitrise {
    FakeBitrise::builder()
        .app(app(ALPHA, "Alpha iOS"))
        .runs(
            ALPHA,
            vec![pipeline_run("r1", "ci", 1, "2026-11-29T10:00:00Z")],
        )
        .start()
}

/// A port on 127.0.0.1 where nothing listens (bound, then released).
fn dead_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    format!("http://127.0.0.1:{port}")
}

#[test]
fn the_environment_beats_the_file_and_a_flag_beats_the_environment() {
    let fake = one_app();
    let dead = dead_url();
    let dir = with_config(&format!("api_url = \"{dead}\"\nretries = 0\ntimeout = 5\n"));
    let report = |env_url: Option<&str>, flag_url: Option<&str>| {
        let mut cmd = in_dir(dir.path());
        cmd.env("BITRISE_TOKEN", support::TOKEN).args([
            "report",
            "--format",
            "json",
            "--until",
            "2026-11-30T00:00:00Z",
            "-q",
        ]);
        if let Some(url) = env_url {
            cmd.env("BITRISE_API_URL", url);
        }
        if let Some(url) = flag_url {
            cmd.args(["--api-url", url]);
        }
        cmd.output().expect("run")
    };
    // File only: the dead URL is used, a network failure (exit 1) with its hint.
    let out = report(None, None);
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("\nhint: is the API reachable"),
        "{}",
        stderr_of(&out)
    );
    // The environment beats the file.
    let out = report(Some(&fake.url()), None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let json: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["source"]["api_url"], fake.url());
    // The flag beats the environment.
    let out = report(Some(&dead), Some(&fake.url()));
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
}

#[test]
fn an_unknown_key_is_a_configuration_error_naming_it_and_its_line() {
    let err = config_error("days = 3\n\n# the window\ndayz = 4\n");
    assert!(err.contains("ci-vitals.toml: line 4:"), "{err}");
    assert!(err.contains("`dayz`"), "{err}");
}

#[test]
fn a_bad_value_names_the_key_and_its_line() {
    let err = config_error("days = 3\nconcurrency = 99\n");
    assert!(err.contains("line 2: `concurrency`"), "{err}");
}

#[test]
fn max_rps_is_a_config_key_checked_like_its_flag() {
    // The flag's range is 1..=1000: 0 is refused, in the file as on the command line.
    let err = config_error("max_rps = 0\n");
    assert!(err.contains("line 1: `max_rps`"), "{err}");
    let dir = with_config("max_rps = 5\n");
    let out = in_dir(dir.path())
        .args(["report", "--demo", "--format", "json"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
}

#[test]
fn a_missing_config_file_is_a_configuration_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = in_dir(dir.path())
        .args(["report", "--demo", "--config", "elsewhere.toml"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr_of(&out).contains("--config elsewhere.toml: no such file"));
}

#[test]
fn an_explicit_config_file_is_read_from_its_path() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("team.toml"), "days = 1\n").expect("write");
    let report = demo_json(dir.path(), &["--config", "team.toml"]);
    // 1 day back from 2026-11-30T00:00:00Z.
    assert_eq!(report["window"]["since"], "2026-11-29T00:00:00Z");
}

#[test]
fn a_token_in_the_file_is_refused_without_being_printed() {
    let err = config_error("days = 3\ntoken = \"bitwat_in-the-file-1234\"\n");
    assert!(
        err.contains("line 2: `token`") && err.contains("BITRISE_TOKEN"),
        "{err}"
    );
    assert!(!err.contains("bitwat_in-the-file-1234"));
}

#[test]
fn app_names_from_the_file_replace_the_titles() {
    let fake = one_app();
    let dir = with_config(&format!("[app_names]\n{ALPHA} = \"Shop iOS\"\n"));
    let out = in_dir(dir.path())
        .env("BITRISE_TOKEN", support::TOKEN)
        .env("BITRISE_API_URL", fake.url())
        .args([
            "report",
            "--format",
            "json",
            "--until",
            "2026-11-30T00:00:00Z",
            "-q",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let json: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["apps"][0]["title"], "Shop iOS", "{}", json["apps"][0]);
}

#[test]
fn completions_and_the_man_page_are_generated() {
    // They do not read the config file, so a broken one does not stop them.
    let dir = with_config("dayz = 1\n");
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = in_dir(dir.path())
            .args(["completions", shell])
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let script = String::from_utf8_lossy(&out.stdout);
        assert!(script.contains("fail-if"), "{shell}: no report flags");
    }
    let out = in_dir(dir.path()).arg("man").output().expect("run");
    assert_eq!(out.status.code(), Some(0));
    let page = String::from_utf8_lossy(&out.stdout);
    assert!(
        page.starts_with(".ie") && page.contains(".TH ci-vitals 1"),
        "{page}"
    );
}

#[test]
fn one_run_writes_each_output_in_the_format_of_its_extension() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = in_dir(dir.path())
        .args(["report", "--demo", "--format", "json", "-q"])
        .args(["--output", "comment.md", "--output", "report.HTML"])
        .args(["--output", "data.json", "--output", "other.txt"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert!(
        out.stdout.is_empty(),
        "nothing on stdout when writing files"
    );
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).expect(name);
    assert!(read("comment.md").starts_with("<!-- ci-vitals:"));
    assert!(read("report.HTML").starts_with("<!DOCTYPE html>"));
    let json: Value = serde_json::from_str(&read("data.json")).expect("json");
    assert_eq!(json["schema_version"], 1);
    // `.txt` says nothing: --format (json) decides.
    assert_eq!(read("other.txt"), read("data.json"));
}

#[test]
fn a_log_gets_one_line_per_app_and_a_summary() {
    let fake = FakeBitrise::builder()
        .app(app(ALPHA, "Alpha iOS"))
        .app(app(BRAVO, "Bravo Android"))
        .runs(
            ALPHA,
            vec![pipeline_run("r1", "ci", 1, "2026-11-29T10:00:00Z")],
        )
        .runs(
            BRAVO,
            vec![
                pipeline_run("b1", "ci", 1, "2026-11-29T11:00:00Z"),
                pipeline_run("b2", "ci", 2, "2026-11-28T11:00:00Z"),
            ],
        )
        .start();
    let dir = tempfile::tempdir().expect("temp dir");
    let out = in_dir(dir.path())
        .env("BITRISE_TOKEN", support::TOKEN)
        .env("BITRISE_API_URL", fake.url())
        .args([
            "report",
            "--until",
            "2026-11-30T00:00:00Z",
            "--retries",
            "0",
        ])
        .args(["--no-details", "--output", "r.md"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    // Not a terminal: no redrawn line, and no colour.
    assert!(!err.contains('\r') && !err.contains('\x1b'), "{err:?}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 3, "{err}");
    let mut app_lines: Vec<&str> = lines[..2].to_vec();
    app_lines.sort_unstable();
    assert_eq!(
        app_lines,
        [
            format!("ci-vitals: app {ALPHA}: 1 run(s), 0 pipeline detail(s) read"),
            format!("ci-vitals: app {BRAVO}: 2 run(s), 0 pipeline detail(s) read"),
        ]
    );
    // 2 apps; 3 runs in the window; 1 apps list + 2 pipelines pages = 3 requests.
    assert!(
        lines[2].starts_with("ci-vitals: reported 2 app(s), 3 run(s), 3 request(s) in "),
        "{}",
        lines[2]
    );

    let quiet = in_dir(dir.path())
        .env("BITRISE_TOKEN", support::TOKEN)
        .env("BITRISE_API_URL", fake.url())
        .args([
            "report",
            "--until",
            "2026-11-30T00:00:00Z",
            "-q",
            "--output",
            "q.md",
        ])
        .output()
        .expect("run");
    assert_eq!(quiet.status.code(), Some(0));
    assert!(quiet.stderr.is_empty(), "{}", stderr_of(&quiet));
}

#[test]
fn color_always_beats_no_color_and_never_beats_a_terminal() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = in_dir(dir.path())
        .env("NO_COLOR", "1")
        .args(["report", "--demo", "--days", "0", "--color", "always"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr_of(&out).starts_with("\x1b[1;31merror:\x1b[0m "));
    let out = in_dir(dir.path())
        .args(["report", "--demo", "--days", "0"])
        .output()
        .expect("run");
    assert!(
        stderr_of(&out).starts_with("error: --days 0"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn every_command_help_shows_an_example() {
    let dir = tempfile::tempdir().expect("temp dir");
    for command in [
        &[][..],
        &["report"],
        &["fetch"],
        &["check"],
        &["templates"],
        &["templates", "dump"],
        &["completions"],
        &["man"],
    ] {
        let out = in_dir(dir.path())
            .args(command)
            .arg("--help")
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(0), "{command:?}");
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(
            help.contains("Example"),
            "{command:?} --help has no example:\n{help}"
        );
        assert!(help.contains("ci-vitals "), "{command:?}");
    }
}

#[test]
fn the_readme_usage_block_is_the_help_output() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let start = "<!-- usage:start -->\n```text\n";
    let end = "```\n<!-- usage:end -->";
    let block = readme
        .split_once(start)
        .and_then(|(_, rest)| rest.split_once(end))
        .map(|(block, _)| block)
        .expect("README.md has a usage block between the usage markers");
    let dir = tempfile::tempdir().expect("temp dir");
    let out = in_dir(dir.path())
        .env("COLUMNS", "100")
        .arg("--help")
        .output()
        .expect("run");
    let help = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        block, help,
        "README.md's usage block differs from `ci-vitals --help`: paste the new help in"
    );
}
