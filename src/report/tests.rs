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
            "series",
            "dora",
            "breakdowns",
            "gates",
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
    let whole = rendered(Format::Markdown);
    // The marker line is the report's only comment; nothing after it may open or close one.
    let md = whole
        .strip_prefix("<!-- ci-vitals:report -->\n")
        .expect("the marker line comes first");
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

#[test]
fn template_errors_carry_a_line_number() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("report.md.j2"),
        "line one\nline two {{ view.total.runs }}\n{{ nothing_here }}\n",
    )
    .expect("write");
    let message = super::render_with(&sample_report(), Format::Markdown, Some(dir.path()))
        .expect_err("undefined variable")
        .to_string();
    assert!(message.contains("undefined"), "{message}");
    assert!(message.contains("report.md.j2:3"), "{message}");
}

/// The Markdown as GitHub's parser sees it: every table row has the header's number of cells,
/// no hostile text forms a link, code span, emphasis or raw HTML, and each hostile name lies
/// whole inside one cell.
mod gfm {
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

    use super::*;
    use crate::report::fixtures::HOSTILE_PIPELINE;

    /// The template's own HTML: the marker comment and these tags, nothing else.
    const OWN_HTML: &[&str] = &[
        "<!-- ci-vitals:report -->",
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

    /// Tables as lists of rows of cell texts (header row first), after checking the events.
    fn parse(md: &str) -> Vec<Vec<Vec<String>>> {
        let mut tables = Vec::new();
        let mut cell: Option<String> = None;
        for event in Parser::new_ext(md, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH) {
            match event {
                Event::Start(Tag::Table(_)) => tables.push(Vec::new()),
                Event::Start(Tag::TableHead | Tag::TableRow) => {
                    if let Some(table) = tables.last_mut() {
                        table.push(Vec::new());
                    }
                }
                Event::Start(Tag::TableCell) => cell = Some(String::new()),
                Event::End(TagEnd::TableCell) => {
                    let text = cell.take().expect("a cell was open");
                    let row = tables
                        .last_mut()
                        .and_then(|t| t.last_mut())
                        .expect("a row is open");
                    row.push(text);
                }
                Event::Text(text) => {
                    if let Some(c) = cell.as_mut() {
                        c.push_str(&text);
                    }
                }
                Event::Html(html) | Event::InlineHtml(html) => {
                    // Once the template's own tags are taken out no tag may remain: untrusted
                    // text inside a `<summary>` line is written with entities.
                    let rest = OWN_HTML
                        .iter()
                        .fold(html.to_string(), |text, own| text.replace(own, ""));
                    assert!(
                        !rest.contains('<') && !rest.contains("-->"),
                        "raw HTML {html:?}"
                    );
                }
                Event::Code(code) => panic!("a code span formed: {code:?}"),
                Event::Start(
                    tag @ (Tag::Link { .. }
                    | Tag::Image { .. }
                    | Tag::Emphasis
                    | Tag::Strikethrough),
                ) => panic!("hostile text formed {tag:?}"),
                _ => {}
            }
        }
        tables
    }

    fn check_tables(md: &str) -> Vec<Vec<Vec<String>>> {
        let tables = parse(md);
        assert!(!tables.is_empty(), "no table parsed");
        for table in &tables {
            let header = table[0].len();
            for (i, row) in table.iter().enumerate() {
                assert_eq!(row.len(), header, "row {i} of {} cells: {row:?}", row.len());
            }
        }
        tables
    }

    /// Text as it reads on the page: zero-width spaces are invisible.
    fn visible(text: &str) -> String {
        text.replace('\u{200B}', "")
    }

    #[test]
    fn fixture_tables_keep_their_columns_and_names_their_cells() {
        let md = rendered(Format::Markdown);
        let tables = check_tables(&md);
        let cells: Vec<String> = tables
            .iter()
            .flatten()
            .flatten()
            .map(|c| visible(c))
            .collect();
        // The pipelines table's first column holds the hostile title whole, as text.
        assert!(cells.iter().any(|c| c == HOSTILE_TITLE), "{cells:?}");
        assert!(
            cells
                .iter()
                .any(|c| c == &format!("{HOSTILE_PIPELINE} · pipeline")),
            "{cells:?}"
        );
        // The bidi control is gone, the backticks are text.
        assert!(cells.iter().any(|c| c == "evil`code` · build"), "{cells:?}");
    }

    /// A report of 300 pipeline rows over the fixture's 2 apps, every tenth with a hostile name.
    fn big_report() -> crate::report::Report {
        let mut report = sample_report();
        let template = report.apps[0].pipelines[0].clone();
        for (a, app) in report.apps.iter_mut().enumerate() {
            app.pipelines = (0..150)
                .map(|i| {
                    let mut p = template.clone();
                    p.name = if i % 10 == 0 {
                        format!("{HOSTILE_PIPELINE} | <!-- {i} --> `x`")
                    } else {
                        format!("app{a}-pipeline-{i:03}")
                    };
                    // Runs fall with the index, so importance by runs is well defined.
                    p.metrics.current.runs = 500 - i as u64;
                    // Only a few rows keep the fixture's significant change.
                    if i % 37 != 5 {
                        if let Some(change) = p.metrics.change.as_mut() {
                            change.failure_rate.significant = false;
                        }
                    }
                    p
                })
                .collect();
        }
        report
    }

    #[test]
    fn a_300_row_report_fits_a_comment_with_a_note() {
        let report = big_report();
        // 150 + 150 = 300 rows.
        let rows: usize = report.apps.iter().map(|a| a.pipelines.len()).sum();
        assert_eq!(rows, 300);

        let md = crate::report::render(&report, Format::Markdown).expect("renders");
        let length = crate::report::github_length(&md);
        assert!(length <= crate::report::DEFAULT_MAX_SIZE, "{length}");
        assert!(md.starts_with("<!-- ci-vitals:report -->\n"));
        let tables = check_tables(&md);
        let kept = tables[0].len() - 1;
        assert!(kept > 0 && kept < 300, "{kept} rows kept");
        let note = format!("**{} of 300 pipeline rows left out**", 300 - kept);
        assert!(md.contains(&note), "no note {note:?}");
        // The note is outside every collapsed section.
        let at = md.find(&note).expect("note");
        assert_eq!(
            md[..at].matches("<details>").count(),
            md[..at].matches("</details>").count()
        );
        // The rows with a significant change are kept (i % 37 == 5 in each app: i = 5, 42,
        // 79, 116 in the first app).
        for i in [5, 42, 79, 116] {
            assert!(
                md.contains(&format!("app0-pipeline-{i:03}")),
                "row {i} dropped"
            );
        }
        // The least busy row of the first app (i = 149, 351 runs) is left out.
        assert!(!md.contains("app0-pipeline-149"));

        // With the job summary's limit everything fits and nothing is left out.
        let whole = crate::report::render_with_options(
            &report,
            Format::Markdown,
            &crate::report::RenderOptions {
                max_size: 1_048_576,
                ..Default::default()
            },
        )
        .expect("renders");
        assert!(!whole.contains("pipeline rows left out"));
        assert_eq!(check_tables(&whole)[0].len() - 1, 300);
    }

    #[test]
    fn importance_puts_significant_and_red_rows_first() {
        let view = crate::report::view::View::from_report(&sample_report());
        // Acme/ci's failure rate rose significantly: whichever row comes first must be urgent.
        let order = view.rows_by_importance();
        let first = &view.rows[order[0]];
        assert!(
            first.metrics.failure.change.status == "significant"
                || first.metrics.duration.change.status == "significant"
                || first.metrics.restore.open > 0
        );
        let kept = view.keeping(&order[..1]);
        assert_eq!(kept.rows.len(), 1);
        assert_eq!(kept.omitted_rows, view.rows.len() - 1);
    }

    #[test]
    fn marker_keys_cannot_break_the_comment() {
        assert_eq!(
            crate::report::marker_line("report").expect("valid"),
            "<!-- ci-vitals:report -->"
        );
        assert!(crate::report::marker_line("pr-42").is_ok());
        for bad in ["", "a-->b", "a b", "x\n", "a--b", &"k".repeat(65)] {
            assert!(crate::report::marker_line(bad).is_err(), "{bad:?}");
        }
    }
}
