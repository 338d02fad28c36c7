//! Property tests (fuzzing under plain `cargo test`): the wire decoders never panic on
//! arbitrary JSON nor on the API's real shapes with fields mutated, deleted or retyped; the
//! snapshot reader never panics on arbitrary bytes; and Markdown-escaped text, put in a table
//! cell, always stays one cell of one row, forms no HTML, no mention and no issue reference.
//!
//! The number of cases is proptest's default (256 per property); `PROPTEST_CASES=20000 cargo
//! test fuzz` runs longer (docs/fuzzing.md).

use std::path::Path;

use chrono::{DateTime, Utc};
use proptest::prelude::*;
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use serde_json::{Map, Value};

use ci_vitals::bitrise::decode_snapshot;
use ci_vitals::model::Window;
use ci_vitals::report::escape;
use ci_vitals::snapshot::{self, Snapshot, SnapshotApp, SNAPSHOT_VERSION};

use crate::support::hostile::HOSTILE;
use crate::support::{
    app, detail_workflow, pipeline_detail, pipeline_run, skipped_workflow, standalone_build,
};

fn at(text: &str) -> DateTime<Utc> {
    text.parse().expect("time")
}

/// A snapshot of one app with these raw objects, over [2026-11-16, 2026-11-30).
fn snapshot_of(app: Value, runs: Vec<Value>, details: Map<String, Value>) -> Snapshot {
    Snapshot {
        snapshot_version: SNAPSHOT_VERSION,
        fetched_at: at("2026-11-30T00:00:00Z"),
        api_url: None,
        window: Window {
            since: at("2026-11-23T00:00:00Z"),
            until: at("2026-11-30T00:00:00Z"),
        },
        previous_window: Some(Window {
            since: at("2026-11-16T00:00:00Z"),
            until: at("2026-11-23T00:00:00Z"),
        }),
        apps: vec![SnapshotApp { app, runs, details }],
        skipped_apps: Vec::new(),
        details_fetched: true,
        warnings: Vec::new(),
    }
}

/// Strings the API could send: plain words, timestamps (valid and not), numbers as text and
/// hostile text.
fn wire_string() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z_]{0,12}",
        "20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,9})?(Z|[+-][0-2][0-9]:[0-5][0-9])?",
        "-?[0-9]{1,20}",
        proptest::sample::select(HOSTILE).prop_map(str::to_owned),
        any::<String>(),
    ]
}

/// Any JSON value, nested a few levels.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        wire_string().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(wire_string(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// The real shapes: an app, a pipeline run, a standalone build and a pipeline detail.
fn real_shapes() -> (Value, Vec<Value>, Value) {
    let runs = vec![
        pipeline_run("r1", "ci", 1, "2026-11-28T10:00:00Z"),
        pipeline_run("r2", "ci", 2, "2026-11-20T10:00:00Z"),
        standalone_build("s1", "lint", 3, "2026-11-27T10:00:00Z"),
    ];
    let detail = pipeline_detail(
        "r1",
        "succeeded",
        "2026-11-28T10:00:00Z",
        &["2026-11-28T10:00:01Z"],
        vec![
            detail_workflow("build", "succeeded", &[], "2026-11-28T10:00:02Z", 4),
            skipped_workflow("deploy", &["build"]),
        ],
    );
    (app("a1a1a1a1a1a1a1a1", "Alpha"), runs, detail)
}

/// One mutation of a real shape: at the `pick`th key path (depth first, wrapping), delete the
/// key or put `replacement` there.
fn mutate(value: &mut Value, pick: usize, delete: bool, replacement: Value) {
    fn paths(value: &Value, prefix: &mut Vec<String>, into: &mut Vec<Vec<String>>) {
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    prefix.push(key.clone());
                    into.push(prefix.clone());
                    paths(child, prefix, into);
                    prefix.pop();
                }
            }
            Value::Array(items) => {
                for (index, child) in items.iter().enumerate() {
                    prefix.push(index.to_string());
                    into.push(prefix.clone());
                    paths(child, prefix, into);
                    prefix.pop();
                }
            }
            _ => {}
        }
    }
    let mut all = Vec::new();
    paths(value, &mut Vec::new(), &mut all);
    if all.is_empty() {
        *value = replacement;
        return;
    }
    let path = &all[pick % all.len()];
    let (last, parents) = path.split_last().expect("non-empty path");
    let mut target = &mut *value;
    for step in parents {
        target = match target {
            Value::Object(map) => map.get_mut(step).expect("path"),
            Value::Array(items) => &mut items[step.parse::<usize>().expect("index")],
            _ => unreachable!("paths only go through containers"),
        };
    }
    match target {
        Value::Object(map) if delete => {
            map.remove(last);
        }
        Value::Object(map) => {
            map.insert(last.clone(), replacement);
        }
        Value::Array(items) => {
            let index = last.parse::<usize>().expect("index");
            if delete {
                items.remove(index);
            } else {
                items[index] = replacement;
            }
        }
        _ => unreachable!("paths end in containers"),
    }
}

/// A Markdown table of three columns with `cell` in the first cell of its one body row.
fn table_with(cell: &str) -> String {
    format!("| name | runs | failed |\n| --- | --- | --- |\n| {cell} | 3 | 4 |\n")
}

/// The text of each cell of each body row, and whether any HTML was formed. (A row with more
/// cells than the header is cut to the header's width, so a split cell shows as shifted
/// texts, not as more cells.)
fn parse_table(markdown: &str) -> (Vec<Vec<String>>, bool) {
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut row: Vec<String> = Vec::new();
    let mut in_body = false;
    let mut html = false;
    for event in Parser::new_ext(markdown, Options::ENABLE_TABLES) {
        match event {
            Event::End(TagEnd::TableHead) => in_body = true,
            Event::Start(Tag::TableRow) => row.clear(),
            Event::Start(Tag::TableCell) => row.push(String::new()),
            Event::Text(text) | Event::Code(text) => {
                if let Some(cell) = row.last_mut() {
                    cell.push_str(&text);
                }
            }
            Event::End(TagEnd::TableRow) if in_body => rows.push(row.clone()),
            Event::Html(_) | Event::InlineHtml(_) => html = true,
            _ => {}
        }
    }
    (rows, html)
}

/// Whether the table holds exactly one body row whose last two cells are still `3` and `4`.
fn one_row_kept_its_cells(rows: &[Vec<String>]) -> bool {
    matches!(rows, [row] if row.len() == 3 && row[1] == "3" && row[2] == "4")
}

/// Text built from the characters that matter to Markdown, GitHub and bidi, and anything else.
fn hostile_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        proptest::sample::select(HOSTILE).prop_map(str::to_owned),
        "[|\\\\`*_<>!&#@\\[\\](){}~=+\\-.: \t\n\r\u{202E}\u{2066}a-z0-9]{0,16}",
        any::<String>(),
    ];
    prop::collection::vec(piece, 0..5).prop_map(|parts| parts.concat())
}

proptest! {
    #[test]
    fn decoding_arbitrary_objects_never_panics(
        app_object in json_value(),
        runs in prop::collection::vec(json_value(), 0..6),
        detail in json_value(),
    ) {
        let mut details = Map::new();
        details.insert("r1".to_owned(), detail);
        let _ = decode_snapshot(&snapshot_of(app_object, runs, details));
    }

    #[test]
    fn decoding_mutated_real_shapes_never_panics(
        mutations in prop::collection::vec((0usize..4, any::<usize>(), any::<bool>(), json_value()), 1..6),
    ) {
        let (mut app_object, mut runs, mut detail) = real_shapes();
        for (which, pick, delete, replacement) in mutations {
            let target = match which {
                0 => &mut app_object,
                1 => &mut detail,
                n => &mut runs[n - 2],
            };
            mutate(target, pick, delete, replacement);
        }
        let mut details = Map::new();
        details.insert("r1".to_owned(), detail);
        let dataset = decode_snapshot(&snapshot_of(app_object, runs, details));
        // Whatever was dropped, nothing is invented: at most the three runs given.
        let decoded: usize = dataset.apps.iter().map(|a| a.runs.len()).sum();
        prop_assert!(decoded <= 3);
    }

    #[test]
    fn reading_arbitrary_snapshot_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = snapshot::decode(Path::new("fuzz.json"), &bytes);
    }

    #[test]
    fn reading_a_damaged_snapshot_never_panics(cut in any::<usize>(), flip in any::<usize>(), byte in any::<u8>()) {
        let (app_object, runs, detail) = real_shapes();
        let mut details = Map::new();
        details.insert("r1".to_owned(), detail);
        let mut bytes = serde_json::to_vec(&snapshot_of(app_object, runs, details)).expect("json");
        let index = flip % bytes.len();
        bytes[index] = byte;
        bytes.truncate(cut % (bytes.len() + 1));
        let _ = snapshot::decode(Path::new("fuzz.json"), &bytes);
    }

    #[test]
    fn escaped_markdown_stays_one_plain_table_cell(text in hostile_text()) {
        let escaped = escape::markdown(&text);
        prop_assert!(!escaped.contains(['\n', '\r']), "one line: {escaped:?}");
        let (rows, html) = parse_table(&table_with(&escaped));
        prop_assert!(one_row_kept_its_cells(&rows), "one row, cells in place: {:?} {:?}", escaped, rows);
        prop_assert!(!html, "no HTML formed: {:?}", escaped);
        let chars: Vec<char> = escaped.chars().collect();
        for pair in chars.windows(2) {
            prop_assert!(
                !(matches!(pair[0], '@' | '#') && pair[1].is_ascii_alphanumeric()),
                "no mention or reference: {:?}", escaped
            );
        }
        let bidi = chars.iter().any(|c| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'));
        prop_assert!(!bidi, "no bidi control: {:?}", escaped);
    }
}

#[test]
fn the_table_check_sees_a_broken_row() {
    // Unescaped, a pipe splits the cell and shifts `3` into the second column's place.
    assert!(!one_row_kept_its_cells(
        &parse_table(&table_with("a | b")).0
    ));
    // A newline ends the row: the rest is not a row of this table.
    assert!(!one_row_kept_its_cells(&parse_table(&table_with("a\nb")).0));
    assert!(parse_table(&table_with("<b>x</b>")).1);
    let (rows, html) = parse_table(&table_with(&escape::markdown("a | <b>")));
    assert!(one_row_kept_its_cells(&rows) && !html);
    assert_eq!(rows[0][0], "a | <b>");
}
