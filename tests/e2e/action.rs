//! The GitHub Action: `action.yml` checked with plain text rules (every input mapped through
//! `env:`, no `${{` inside a `run:`), and `scripts/action.sh` run in a simulated Actions
//! environment (env files in a temp dir, inputs as the `INPUT_*` variables action.yml sets),
//! with `CI_VITALS_BIN` pointing at a binary so that nothing is installed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const REPO: &str = env!("CARGO_MANIFEST_DIR");

fn action_yml() -> String {
    std::fs::read_to_string(Path::new(REPO).join("action.yml")).expect("action.yml")
}

fn action_script() -> String {
    std::fs::read_to_string(Path::new(REPO).join("scripts/action.sh")).expect("action.sh")
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// The names declared under the top-level `inputs:` (keys indented by two spaces).
fn input_names(yaml: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut inside = false;
    for line in yaml.lines() {
        if indent(line) == 0 && !line.trim().is_empty() {
            inside = line.trim_end() == "inputs:";
            continue;
        }
        if inside && indent(line) == 2 && !line.trim_start().starts_with('#') {
            if let Some(name) = line.trim().strip_suffix(':') {
                names.push(name.to_owned());
            }
        }
    }
    names
}

/// The text of every `run:` value: the rest of its line, and for a block scalar (`|`, `>`) the
/// lines indented deeper than the key.
fn run_blocks(yaml: &str) -> Vec<String> {
    let lines: Vec<&str> = yaml.lines().collect();
    let mut blocks = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let body = line.trim_start().trim_start_matches("- ");
        let Some(value) = body.strip_prefix("run:") else {
            continue;
        };
        let mut block = value.to_owned();
        let key_indent = indent(line) + (line.trim_start().len() - body.len());
        for next in &lines[i + 1..] {
            if !next.trim().is_empty() && indent(next) <= key_indent {
                break;
            }
            block.push('\n');
            block.push_str(next);
        }
        blocks.push(block);
    }
    blocks
}

/// The `INPUT_*` variables a text mentions.
fn input_variables(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|word| word.starts_with("INPUT_") && word.len() > "INPUT_".len())
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_rules_find_expressions_in_run_blocks_and_unmapped_inputs() {
    // The checks below must be able to fail: a hostile sample trips each of them.
    let sample = "inputs:\n  a-b:\n    default: x\n  c:\n    default: y\nruns:\n  steps:\n    - run: |\n        echo ${{ inputs.c }}\n      env:\n        INPUT_A_B: ${{ inputs.a-b }}\n";
    assert_eq!(input_names(sample), ["a-b", "c"]);
    assert!(run_blocks(sample)[0].contains("${{"));
    assert!(!sample.contains("INPUT_C: ${{ inputs.c }}"));
}

#[test]
fn action_yml_maps_every_input_through_env_and_runs_no_expression() {
    let yaml = action_yml();
    let names = input_names(&yaml);
    assert_eq!(names.len(), 16, "inputs: {names:?}");
    let blocks = run_blocks(&yaml);
    assert!(!blocks.is_empty());
    for block in &blocks {
        assert!(!block.contains("${{"), "an expression inside run: {block}");
    }
    let mut mapped = BTreeSet::new();
    for name in &names {
        let variable = format!("INPUT_{}", name.to_uppercase().replace('-', "_"));
        let line = format!("{variable}: ${{{{ inputs.{name} }}}}");
        assert!(
            yaml.contains(&line),
            "input {name} is not mapped as `{line}`"
        );
        mapped.insert(variable);
    }
    // The script reads exactly the variables action.yml sets, and never evaluates text.
    let script = action_script();
    assert_eq!(input_variables(&script), mapped);
    assert!(!script.split_whitespace().any(|word| word == "eval"));
}

/// A simulated runner: a temp dir with the env files, `GITHUB_ACTION_PATH` at the repository.
struct Runner {
    dir: tempfile::TempDir,
}

impl Runner {
    fn new() -> Runner {
        let dir = tempfile::tempdir().expect("temp dir");
        for file in ["output", "summary"] {
            std::fs::write(dir.path().join(file), "").expect("env file");
        }
        Runner { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).expect("file written")
    }

    /// Runs the script with these `INPUT_*` variables and `bin` as the installed binary.
    fn run(&self, bin: Option<&Path>, inputs: &[(&str, &str)]) -> Output {
        let mut cmd = Command::new("bash");
        cmd.arg(Path::new(REPO).join("scripts/action.sh"))
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_ACTION_PATH", REPO)
            .env("RUNNER_TEMP", self.dir.path())
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64")
            .env("GITHUB_OUTPUT", self.path("output"))
            .env("GITHUB_STEP_SUMMARY", self.path("summary"))
            .current_dir(self.dir.path());
        if let Some(bin) = bin {
            cmd.env("CI_VITALS_BIN", bin);
        }
        for (name, value) in inputs {
            cmd.env(name, value);
        }
        cmd.output().expect("bash runs")
    }

    /// A stand-in binary that records its arguments, one per NUL-terminated record, and the
    /// tokens it sees in its environment.
    fn recorder(&self) -> PathBuf {
        let path = self.path("record-args");
        let script = format!(
            "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\0' \"$a\"; done > '{args}'\n\
             printf '%s|%s' \"$BITRISE_TOKEN\" \"$GITHUB_TOKEN\" > '{env}'\n",
            args = self.path("args").display(),
            env = self.path("env").display(),
        );
        std::fs::write(&path, script).expect("recorder");
        let mut permissions = std::fs::metadata(&path).expect("stat").permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
        std::fs::set_permissions(&path, permissions).expect("chmod");
        path
    }

    fn recorded_args(&self) -> Vec<String> {
        self.read("args")
            .split_terminator('\0')
            .map(str::to_owned)
            .collect()
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn inputs_become_flags_as_data_never_as_shell() {
    let runner = Runner::new();
    let pwned = runner.path("pwned");
    let hostile = format!("$(touch {p}), `touch {p}`; rm -rf {p}", p = pwned.display());
    let out = runner.run(
        Some(&runner.recorder()),
        &[
            ("INPUT_BITRISE_TOKEN", "bitrise-secret-1"),
            ("INPUT_GITHUB_TOKEN", "github-secret-2"),
            ("INPUT_APPS", &format!("app-one\n{hostile}\n\n")),
            ("INPUT_DAYS", "14"),
            ("INPUT_PIPELINES", "ci-*, deploy"),
            ("INPUT_BRANCHES", ""),
            ("INPUT_FORMAT", "json"),
            (
                "INPUT_FAIL_IF",
                "failure_rate > 0.2\n  pipeline:ci runs in [1, 2]  \n",
            ),
            ("INPUT_SUMMARY", "true"),
            ("INPUT_COMMENT", "false"),
            ("INPUT_DEMO", "false"),
        ],
    );
    assert!(out.status.success(), "{out:?}");
    assert!(!pwned.exists(), "an input was executed");
    let report_path = runner.path("ci-vitals-report.json");
    // The hostile item is split at its comma like any list item, and each half stays text.
    let expected = [
        "report",
        "--format",
        "json",
        "--output",
        report_path.to_str().expect("utf-8 path"),
        "--days",
        "14",
        "--app",
        "app-one",
        "--app",
        &format!("$(touch {})", pwned.display()),
        "--app",
        &format!("`touch {p}`; rm -rf {p}", p = pwned.display()),
        "--pipeline",
        "ci-*",
        "--pipeline",
        "deploy",
        "--fail-if",
        "failure_rate > 0.2",
        "--fail-if",
        "pipeline:ci runs in [1, 2]",
        "--github-summary",
        "--github-outputs",
    ];
    assert_eq!(runner.recorded_args(), expected);
    // Tokens travel in the environment, masked in the log, never as arguments.
    assert_eq!(runner.read("env"), "bitrise-secret-1|github-secret-2");
    let log = stdout(&out);
    assert!(log.contains("::add-mask::bitrise-secret-1"), "{log}");
    assert!(log.contains("::add-mask::github-secret-2"), "{log}");
}

#[test]
fn demo_needs_no_token_and_comment_adds_its_flag() {
    let runner = Runner::new();
    let out = runner.run(
        Some(&runner.recorder()),
        &[
            ("INPUT_DEMO", "true"),
            ("INPUT_COMMENT", "true"),
            ("INPUT_SUMMARY", "false"),
            ("INPUT_OUTPUT", "mine.md"),
        ],
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        runner.recorded_args(),
        [
            "report",
            "--format",
            "markdown",
            "--output",
            "mine.md",
            "--demo",
            "--github-comment",
            "--github-outputs"
        ]
    );
}

#[test]
fn cache_true_passes_the_directory_the_cache_step_saves() {
    let runner = Runner::new();
    let out = runner.run(
        Some(&runner.recorder()),
        &[("INPUT_DEMO", "true"), ("INPUT_CACHE", "true")],
    );
    assert!(out.status.success(), "{out:?}");
    let args = runner.recorded_args();
    let cache_dir = runner.path("ci-vitals-cache");
    let at = args
        .iter()
        .position(|a| a == "--cache-dir")
        .expect("--cache-dir passed");
    assert_eq!(args[at + 1], cache_dir.to_str().expect("utf-8 path"));
    // The directory action.yml's cache step saves is the one passed.
    assert!(action_yml().contains("path: ${{ runner.temp }}/ci-vitals-cache"));

    let out = runner.run(Some(&runner.recorder()), &[("INPUT_CACHE", "yes")]);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert!(stdout(&out).contains("input cache must be true or false"));
}

#[test]
fn a_missing_token_or_a_bad_input_stops_with_an_annotation() {
    let runner = Runner::new();
    let recorder = runner.recorder();
    let cases: [(&[(&str, &str)], &str); 4] = [
        (&[], "input bitrise-token is required"),
        (
            &[("INPUT_DEMO", "yes")],
            "input demo must be true or false, not 'yes'",
        ),
        (
            &[("INPUT_DEMO", "true"), ("INPUT_FORMAT", "pdf")],
            "input format must be markdown, html or json",
        ),
        (
            &[("INPUT_DEMO", "true"), ("INPUT_SUMMARY", "1")],
            "input summary must be true or false",
        ),
    ];
    for (inputs, message) in cases {
        let out = runner.run(Some(&recorder), inputs);
        assert_eq!(out.status.code(), Some(3), "{inputs:?}: {out:?}");
        assert!(
            stdout(&out).contains(&format!("::error title=ci-vitals::{message}")),
            "{out:?}"
        );
    }
    assert!(!runner.path("args").exists(), "the binary ran");
}

#[test]
fn a_release_without_a_committed_checksum_is_not_installed() {
    let runner = Runner::new();
    // No CI_VITALS_BIN: the script installs, and fails closed before any download.
    let out = runner.run(
        None,
        &[
            ("INPUT_DEMO", "true"),
            ("INPUT_INSTALL", "release"),
            ("INPUT_VERSION", "v9.9.9"),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let log = stdout(&out);
    assert!(
        log.contains("no checksum for ci-vitals-v9.9.9-x86_64-unknown-linux-musl.tar.gz"),
        "{log}"
    );
    assert!(!runner.path("ci-vitals-release/ci-vitals").exists());
}

/// The real binary on the demo, end to end: outputs and summary as GitHub reads them.
#[test]
fn the_action_reports_the_demo_into_outputs_and_summary() {
    let runner = Runner::new();
    let bin = Path::new(env!("CARGO_BIN_EXE_ci-vitals"));
    let out = runner.run(
        Some(bin),
        &[("INPUT_DEMO", "true"), ("INPUT_FAIL_IF", "runs > 1000")],
    );
    assert!(out.status.success(), "{out:?}");
    let outputs = runner.read("output");
    let report_path = runner.path("ci-vitals-report.md");
    // The demo: 187 runs, no gate true (187 > 1000 is false).
    assert!(outputs.contains("runs=187\n"), "{outputs}");
    assert!(outputs.contains("gates=passed\n"), "{outputs}");
    assert!(
        outputs.contains(&format!("report-path={}\n", report_path.display())),
        "{outputs}"
    );
    assert!(runner.read("summary").contains("## CI vitals"));
    assert!(std::fs::read_to_string(&report_path)
        .expect("report file")
        .contains("| runs \\> 1000 | total | ✅ passed | runs = 187 |"));

    // 187 >= 187 is true: the step fails with 4, and the outputs say so.
    let runner = Runner::new();
    let out = runner.run(
        Some(bin),
        &[("INPUT_DEMO", "true"), ("INPUT_FAIL_IF", "runs >= 187")],
    );
    assert_eq!(out.status.code(), Some(4), "{out:?}");
    assert!(runner.read("output").contains("gates=failed\n"));
}
