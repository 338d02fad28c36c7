//! Templates users change and the Markdown size budget, through the binary: `templates dump`
//! writes the built-ins and refuses to overwrite without `--force`, `report --templates`
//! renders with an edited copy, an undefined variable fails with the template's name and line,
//! and `--max-size` leaves rows out with a note. Everything runs on the demo data: no network.

use std::path::Path;

use assert_cmd::Command;

fn ci_vitals() -> Command {
    let mut cmd = Command::cargo_bin("ci-vitals").expect("binary");
    cmd.env_remove("BITRISE_TOKEN")
        .env_remove("BITRISE_API_URL");
    cmd
}

fn dump(dir: &Path, force: bool) -> std::process::Output {
    let mut cmd = ci_vitals();
    cmd.args(["templates", "dump"]).arg(dir);
    if force {
        cmd.arg("--force");
    }
    cmd.output().expect("run")
}

fn demo_report(extra: &[&str]) -> std::process::Output {
    ci_vitals()
        .args(["report", "--demo"])
        .args(extra)
        .output()
        .expect("run")
}

#[test]
fn dump_writes_every_builtin_and_refuses_to_overwrite() {
    let work = tempfile::tempdir().expect("temp dir");
    let dir = work.path().join("my-templates");
    let out = dump(&dir, false);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for expected in [
        "report.md.j2",
        "report.html.j2",
        "_styles.css.j2",
        "_macros.md.j2",
    ] {
        assert!(names.iter().any(|n| n == expected), "{names:?}");
    }
    let original = std::fs::read_to_string(dir.join("report.md.j2")).expect("read");
    assert!(original.contains("{% include \"_pipelines_table.md.j2\" %}"));

    // A second dump refuses (configuration error, exit 3), names the files, changes nothing.
    std::fs::write(dir.join("report.md.j2"), "edited").expect("edit");
    let out = dump(&dir, false);
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("report.md.j2") && stderr.contains("--force"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("report.md.j2")).expect("read"),
        "edited"
    );
    // With --force the built-in comes back.
    assert_eq!(dump(&dir, true).status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(dir.join("report.md.j2")).expect("read"),
        original
    );
}

#[test]
fn report_renders_with_an_edited_template() {
    let work = tempfile::tempdir().expect("temp dir");
    let dir = work.path();
    assert_eq!(dump(dir, false).status.code(), Some(0));
    // Only the pipelines partial is replaced; the rest stays built in.
    std::fs::write(
        dir.join("_pipelines_table.md.j2"),
        "{% for r in view.rows %}* {{ r.name }}: {{ r.metrics.runs }} runs\n{% endfor %}",
    )
    .expect("write");
    let out = demo_report(&["--templates", dir.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let md = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        md.starts_with("<!-- ci-vitals:report -->\n## CI vitals"),
        "{md}"
    );
    // The demo's Larkspur iOS ci-pipeline had 52 runs (see the built-in report).
    assert!(md.contains("* ci-pipeline: 52 runs"), "{md}");
    assert!(!md.contains("| App | Pipeline | Runs |"));
}

#[test]
fn an_undefined_variable_names_the_template_and_line() {
    let work = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        work.path().join("report.html.j2"),
        "<p>{{ view.total.runs }}</p>\n<p>{{ view.no_such_thing }}</p>\n",
    )
    .expect("write");
    let out = demo_report(&[
        "--format",
        "html",
        "--templates",
        work.path().to_str().expect("utf-8 path"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot render template report.html.j2"),
        "{stderr}"
    );
    assert!(stderr.contains("undefined"), "{stderr}");
    assert!(stderr.contains("report.html.j2:2"), "{stderr}");
}

#[test]
fn max_size_leaves_rows_out_with_a_note() {
    let out = demo_report(&["--max-size", "4000"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let md = String::from_utf8(out.stdout).expect("utf-8");
    assert!(md.encode_utf16().count() <= 4000, "{} chars", md.len());
    assert!(md.contains("pipeline rows left out**"), "{md}");
    // The default (60000) fits the whole demo.
    let whole = String::from_utf8(demo_report(&[]).stdout).expect("utf-8");
    assert!(!whole.contains("pipeline rows left out"));
    // Below 1000 characters no report is useful: a usage error.
    assert_eq!(demo_report(&["--max-size", "999"]).status.code(), Some(2));
}
