//! Rendering tests over the hand-built fixture report: snapshots of what people read, the JSON
//! contract's keys, and the escaping of hostile names in context.

use std::collections::BTreeSet;

use super::fixtures::{sample_report, HOSTILE_PIPELINE, HOSTILE_TITLE};
use super::{render, Format};

fn rendered(format: Format) -> String {
    render(&sample_report(), format).expect("fixture renders")
}

#[test]
fn markdown_snapshot() {
    insta::assert_snapshot!("report_markdown", rendered(Format::Markdown));
}

#[test]
fn html_snapshot() {
    insta::assert_snapshot!("report_html", rendered(Format::Html));
}

#[test]
fn every_format_ends_with_one_newline() {
    for format in [Format::Markdown, Format::Html, Format::Json] {
        let text = rendered(format);
        assert!(text.ends_with('\n'), "{format:?}");
        assert!(!text.ends_with("\n\n"), "{format:?}");
    }
}

fn keys(value: &serde_json::Value) -> BTreeSet<&str> {
    value
        .as_object()
        .expect("a JSON object")
        .keys()
        .map(String::as_str)
        .collect()
}

#[test]
fn json_has_the_contract_keys() {
    let json: serde_json::Value =
        serde_json::from_str(&rendered(Format::Json)).expect("valid JSON");
    assert_eq!(
        keys(&json),
        BTreeSet::from([
            "schema_version",
            "generated_at",
            "source",
            "window",
            "previous_window",
            "settings",
            "coverage",
            "total",
            "apps",
            "dora",
            "breakdowns",
        ])
    );
    assert_eq!(
        keys(&json["coverage"]),
        BTreeSet::from([
            "apps",
            "runs",
            "requests",
            "skipped_apps",
            "warnings",
            "data_quality"
        ])
    );
    assert_eq!(
        keys(&json["coverage"]["skipped_apps"][0]),
        BTreeSet::from(["slug", "title", "error", "message"])
    );
    assert_eq!(json["schema_version"], 1);
    assert_eq!(json["generated_at"], "2026-11-30T00:05:00Z");
    assert_eq!(
        json["coverage"]["skipped_apps"][0]["error"],
        "invalid_permissions"
    );
    // Text from the API stays verbatim in JSON: escaping belongs to Markdown and HTML.
    assert_eq!(json["apps"][1]["title"], HOSTILE_TITLE);
    assert_eq!(json["apps"][1]["pipelines"][1]["name"], HOSTILE_PIPELINE);
    // `decided` is not part of the contract.
    assert!(json["total"].get("decided").is_none());
    // Runs in either window: 74 now + 71 before.
    assert_eq!(json["coverage"]["runs"], 145);
}

/// Cell separators of a Markdown table row: `|` not escaped by a backslash.
fn separators(row: &str) -> usize {
    let mut count = 0;
    let mut escaped = false;
    for c in row.chars() {
        match c {
            '\\' if !escaped => escaped = true,
            '|' if !escaped => count += 1,
            _ => escaped = false,
        }
        if c != '\\' {
            escaped = false;
        }
    }
    count
}

#[test]
fn markdown_tables_keep_their_columns_whatever_the_names() {
    let md = rendered(Format::Markdown);
    let mut tables = 0;
    for table in md
        .split("\n\n")
        .map(|block| {
            block
                .lines()
                .filter(|l| l.starts_with('|'))
                .collect::<Vec<_>>()
        })
        .filter(|rows| !rows.is_empty())
    {
        tables += 1;
        let header = separators(table[0]);
        for row in &table {
            assert_eq!(separators(row), header, "row {row:?}");
        }
    }
    // The pipelines table and the time-to-restore table.
    assert_eq!(tables, 2);
    // 5 pipeline rows + header + delimiter; the hostile rows are among them.
    let pipelines = md
        .lines()
        .filter(|l| l.starts_with('|') && l.split('|').count() > 5)
        .count();
    assert!(pipelines >= 7, "{pipelines} table lines");
    assert_eq!(separators(r"| a\|b | c\\| d |"), 4);
}

#[test]
fn markdown_neutralises_hostile_names() {
    let md = rendered(Format::Markdown);
    // Every `<` that is not backslash-escaped opens one of the template's own tags.
    let allowed = [
        "<br>",
        "<details>",
        "</details>",
        "<summary>",
        "</summary>",
        "<b>",
        "</b>",
        "<sub>",
        "</sub>",
    ];
    for (i, _) in md.match_indices('<') {
        let escaped = md[..i].ends_with('\\');
        assert!(
            escaped || allowed.iter().any(|tag| md[i..].starts_with(tag)),
            "raw tag at {:?}",
            &md[i..(i + 20).min(md.len())]
        );
    }
    assert!(!md.contains("<!--"));
    assert!(!md.contains("-->"));
    assert!(!md.contains("**bold**"));
    assert!(!md.contains("@octocat"));
    assert!(!md.contains("@org/team"));
    assert!(!md.contains("#123"));
    assert!(!md.contains('\u{202E}'));
    assert!(md.contains(r"Shop \<script\>alert(1)\</script\> \| iOS"));
    assert!(md.contains("@\u{200B}octocat"));
    // The warning's newline became a space: one list item, one line.
    assert!(md.contains("no finished\\_at and were left out"));
}

#[test]
fn markdown_shows_what_the_brief_asks_for() {
    let md = rendered(Format::Markdown);
    // Significant failure-rate change of acme/ci (+19.6 pp), significant faster p50 of
    // release (−3m 00s), plain change of release's rate, short data of nightly.
    assert!(md.contains("**▲ +19.6 pp**"));
    assert!(md.contains("**▼ −3m 00s**"));
    assert!(md.contains("<br>−4.7 pp vs previous"));
    assert!(md.contains("not enough runs (n = 5, before 6)"));
    // Acme/ci p50 +4 s is not significant (p = 0.62): no arrow.
    assert!(md.contains("<br>+4s vs previous"));
    assert!(!md.contains("▲ +4s"));
    // Nightly's 3 durations: p95 is the maximum, footnoted.
    assert!(md.contains("35m 05s†"));
    assert!(md.contains("† fewer than 20 durations: p95 is the maximum."));
    assert!(md.contains("percentiles: nearest-rank"));
    assert!(md.contains(&format!("by ci-vitals {}</sub>", env!("CARGO_PKG_VERSION"))));
    assert!(md.contains("2026-11-23T00:00:00Z"));
    // Every <summary> line is followed by a blank line, so the body renders as Markdown.
    for (i, line) in md.lines().enumerate() {
        if line.starts_with("<summary>") {
            assert_eq!(md.lines().nth(i + 1), Some(""), "after {line}");
        }
    }
}

#[test]
fn html_is_self_contained_and_locked_down() {
    let html = rendered(Format::Html);
    assert!(html.contains(
        r#"<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">"#
    ));
    assert!(html.contains(r#"<meta name="viewport""#));
    assert!(html.contains("prefers-color-scheme: dark"));
    let lower = html.to_lowercase();
    assert!(!lower.contains("<script"), "script tag");
    for needle in [
        "src=\"http",
        "src='http",
        "href=\"http",
        "href='http",
        "src=\"//",
        "href=\"//",
        "@import",
        "url(",
        "<link",
        "<iframe",
        "<img",
    ] {
        assert!(!lower.contains(needle), "found {needle}");
    }
    assert!(!html.contains('\u{202E}'));
    assert!(html.contains("Shop &lt;script&gt;alert(1)&lt;&#x2f;script&gt; | iOS"));
}

#[test]
fn html_numbers_carry_their_n() {
    let html = rendered(Format::Html);
    // Acme/ci: 40 decided runs, 30 durations.
    assert!(html.contains(r#"title="n = 40 decided runs">25.0%"#));
    assert!(html.contains(r#"title="n = 30 durations">4m 12s"#));
    assert!(html.contains(r#"<span class="change worse""#));
    assert!(html.contains(r#"<span class="change better""#));
}

#[test]
fn template_errors_name_the_template() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("report.md.j2"), "{{ view.nope }}").expect("write");
    let err = super::render_with(&sample_report(), Format::Markdown, Some(dir.path()))
        .expect_err("undefined attribute");
    let message = err.to_string();
    assert!(
        message.starts_with("cannot render template report.md.j2:"),
        "{message}"
    );
}
