//! Tests of the demo snapshot, read back from its JSON with plain counting (the decoder lives in
//! `bitrise/`), so they check the wire shapes and the designed story at once.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, TimeDelta, Utc, Weekday};
use serde_json::Value;

use super::*;

/// One pipelines-list item, read from its JSON.
#[derive(Debug)]
struct Item<'a> {
    app: &'a str,
    raw: &'a Value,
    name: &'a str,
    pipeline: bool,
    status: i64,
    branch: &'a str,
    commit: Option<&'a str>,
    slug: &'a str,
    t: DateTime<Utc>,
    s: Option<DateTime<Utc>>,
    f: Option<DateTime<Utc>>,
}

fn time(v: &Value) -> Option<DateTime<Utc>> {
    v.as_str()
        .map(|s| s.parse().expect("an RFC 3339 timestamp"))
}

fn items(snapshot: &Snapshot) -> Vec<Item<'_>> {
    let mut out = Vec::new();
    for app in &snapshot.apps {
        let slug = app.app["slug"].as_str().expect("app slug");
        for raw in &app.runs {
            out.push(Item {
                app: slug,
                raw,
                name: raw["triggered_workflow"].as_str().expect("name"),
                pipeline: raw["is_pipeline"].as_bool().expect("is_pipeline"),
                status: raw["status"].as_i64().expect("integer status"),
                branch: raw["branch"].as_str().expect("branch"),
                commit: raw["commit_hash"].as_str(),
                slug: raw["slug"].as_str().expect("slug"),
                t: time(&raw["triggered_at"]).expect("triggered_at"),
                s: time(&raw["started_at"]),
                f: time(&raw["finished_at"]),
            });
        }
    }
    out
}

/// The default demo report's window: the 7 days before the anchor.
fn last_week() -> Window {
    Window::ending_at(anchor(), 7.0)
}

fn in_window<'a, 'b>(items: &'b [Item<'a>], w: Window) -> impl Iterator<Item = &'b Item<'a>> {
    items.iter().filter(move |i| w.contains(i.t))
}

/// (failed, decided) of the runs of `app`/`name` in `w`, aborted runs excluded.
fn failures(items: &[Item<'_>], app: &str, name: &str, w: Window) -> (f64, f64) {
    let runs: Vec<_> = in_window(items, w)
        .filter(|i| i.app == app && i.name == name)
        .collect();
    let failed = runs.iter().filter(|i| i.status == 2).count();
    let decided = runs.iter().filter(|i| matches!(i.status, 1 | 2)).count();
    (failed as f64, decided as f64)
}

/// Wilson score interval (metrics.md): (p, low, high).
fn wilson(failed: f64, n: f64) -> (f64, f64, f64) {
    let z: f64 = 1.959964;
    let p = failed / n;
    let centre = (p + z * z / (2.0 * n)) / (1.0 + z * z / n);
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / (1.0 + z * z / n);
    (p, centre - half, centre + half)
}

/// Newcombe's interval of `now − before` (metrics.md).
fn newcombe(now: (f64, f64), before: (f64, f64)) -> (f64, f64) {
    let (p1, l1, u1) = wilson(now.0, now.1);
    let (p2, l2, u2) = wilson(before.0, before.1);
    let delta = p1 - p2;
    (
        delta - ((p1 - l1).powi(2) + (u2 - p2).powi(2)).sqrt(),
        delta + ((u1 - p1).powi(2) + (p2 - l2).powi(2)).sqrt(),
    )
}

fn failure_change_significant(now: (f64, f64), before: (f64, f64)) -> bool {
    let (low, high) = newcombe(now, before);
    now.1 >= 10.0 && before.1 >= 10.0 && (low > 0.0 || high < 0.0)
}

/// Durations (F − S, seconds) of the succeeded runs of `app`/`name` in `w`.
fn durations(items: &[Item<'_>], app: &str, name: &str, w: Window) -> Vec<f64> {
    in_window(items, w)
        .filter(|i| i.app == app && i.name == name && i.status == 1)
        .filter_map(|i| Some(crate::model::seconds(i.f? - i.s?)))
        .collect()
}

/// Nearest-rank p50 (metrics.md).
fn p50(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[(50 * sorted.len()).div_ceil(100).max(1) - 1]
}

/// Two-sided Mann–Whitney p-value, normal approximation with tie and continuity correction.
fn mann_whitney(now: &[f64], before: &[f64]) -> f64 {
    let mut pooled: Vec<(f64, bool)> = now.iter().map(|&v| (v, true)).collect();
    pooled.extend(before.iter().map(|&v| (v, false)));
    pooled.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (n1, n2, n) = (now.len() as f64, before.len() as f64, pooled.len() as f64);
    let (mut r1, mut ties, mut i) = (0.0, 0.0, 0);
    while i < pooled.len() {
        let mut j = i;
        while j < pooled.len() && pooled[j].0 == pooled[i].0 {
            j += 1;
        }
        let rank = (i + 1 + j) as f64 / 2.0;
        r1 += rank * pooled[i..j].iter().filter(|p| p.1).count() as f64;
        let t = (j - i) as f64;
        ties += t * t * t - t;
        i = j;
    }
    let u = r1 - n1 * (n1 + 1.0) / 2.0;
    let sigma = (n1 * n2 / 12.0 * ((n + 1.0) - ties / (n * (n - 1.0)))).sqrt();
    let z = ((u - n1 * n2 / 2.0).abs() - 0.5).max(0.0) / sigma;
    statrs::function::erf::erfc(z / std::f64::consts::SQRT_2)
}

const MAIN_BRANCHES: [&str; 2] = ["main", "master"];

/// Red episodes on the main branches in `w`: (closed restore times per group, open groups).
fn episodes(items: &[Item<'_>], w: Window) -> (Vec<f64>, Vec<String>) {
    let mut groups: BTreeMap<(&str, &str, bool, &str), Vec<&Item<'_>>> = BTreeMap::new();
    for i in in_window(items, w).filter(|i| MAIN_BRANCHES.contains(&i.branch)) {
        if matches!(i.status, 1 | 2) {
            groups
                .entry((i.app, i.name, i.pipeline, i.branch))
                .or_default()
                .push(i);
        }
    }
    let (mut closed, mut open) = (Vec::new(), Vec::new());
    for (key, mut runs) in groups {
        runs.sort_by_key(|i| (i.t, i.slug));
        let mut red_since: Option<DateTime<Utc>> = None;
        for run in runs {
            let f = run.f.expect("decided runs have finished");
            match (run.status, red_since) {
                (2, None) => red_since = Some(f),
                (1, Some(since)) => {
                    closed.push(crate::model::seconds(f - since));
                    red_since = None;
                }
                _ => {}
            }
        }
        if red_since.is_some() {
            open.push(format!("{}/{}", key.0, key.1));
        }
    }
    (closed, open)
}

#[test]
fn the_counting_helpers_match_hand_computed_cases() {
    // metrics.md: 3 failed of 20 → 0.15, [0.0524, 0.3604].
    let (p, low, high) = wilson(3.0, 20.0);
    assert_eq!(p, 0.15);
    assert!((low - 0.0524).abs() < 1e-4 && (high - 0.3604).abs() < 1e-4);
    // metrics.md: [4, 5, 6, 7, 30] → p50 = x(ceil(2.5)) = x(3) = 6.
    assert_eq!(p50(&[30.0, 4.0, 7.0, 5.0, 6.0]), 6.0);
    // now [1, 2, 3] against before [4, 5, 6]: R1 = 6, U = 6 − 6 = 0, μ = 4.5,
    // σ² = 9/12 · 7 = 5.25, z = (4.5 − 0.5) / 2.2913 = 1.7457, p = 2 · 0.04043 = 0.0809.
    assert!((mann_whitney(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]) - 0.0809).abs() < 1e-3);
}

#[test]
fn two_calls_give_the_same_snapshot() {
    assert_eq!(snapshot(), snapshot());
}

#[test]
fn snapshot_fields_are_anchored() {
    let s = snapshot();
    let a = anchor();
    assert_eq!(a.to_rfc3339(), "2026-11-30T00:00:00+00:00");
    assert_eq!(a.weekday(), Weekday::Mon);
    assert_eq!(s.snapshot_version, SNAPSHOT_VERSION);
    assert_eq!(s.fetched_at, a);
    assert_eq!(s.api_url.as_deref(), Some("https://api.bitrise.io"));
    // [anchor − 14 d, anchor) and [anchor − 28 d, anchor − 14 d).
    assert_eq!(s.window.since, a - TimeDelta::days(14));
    assert_eq!(s.window.until, a);
    let previous = s.previous_window.expect("previous window");
    assert_eq!(previous.since, a - TimeDelta::days(28));
    assert_eq!(previous.until, a - TimeDelta::days(14));
    assert!(s.details_fetched, "the demo has pipeline details");
    assert!(s.warnings.is_empty(), "the demo fetch read every detail");
}

#[test]
fn every_run_is_inside_the_span() {
    let s = snapshot();
    let span = s.span();
    let all = items(&s);
    assert!(all.len() > 500, "{} runs", all.len());
    for i in &all {
        assert!(span.contains(i.t), "{} at {}", i.slug, i.t);
    }
}

#[test]
fn each_app_lists_newest_first_with_unique_slugs_and_build_numbers() {
    for app in snapshot().apps {
        let times: Vec<DateTime<Utc>> = app
            .runs
            .iter()
            .map(|r| time(&r["triggered_at"]).expect("triggered_at"))
            .collect();
        assert!(
            times.windows(2).all(|w| w[0] >= w[1]),
            "{}",
            app.app["slug"]
        );
        let slugs: BTreeSet<&str> = app.runs.iter().filter_map(|r| r["slug"].as_str()).collect();
        assert_eq!(slugs.len(), app.runs.len());
        let numbers: Vec<i64> = app
            .runs
            .iter()
            .map(|r| r["build_number"].as_i64().expect("build number"))
            .collect();
        assert!(numbers.windows(2).all(|w| w[0] == w[1] + 1));
    }
}

#[test]
fn run_slugs_look_like_uuids() {
    let s = snapshot();
    for i in items(&s) {
        let lengths: Vec<usize> = i.slug.split('-').map(str::len).collect();
        assert_eq!(lengths, [8, 4, 4, 4, 12], "{}", i.slug);
        if let Some(commit) = i.commit {
            assert_eq!(commit.len(), 40);
            assert!(commit.chars().all(|c| c.is_ascii_hexdigit()));
        }
    }
}

#[test]
fn pipelines_carry_microseconds_and_builds_whole_seconds() {
    let s = snapshot();
    let all = items(&s);
    // "2026-11-27T09:14:03.482913Z" is 27 characters; "2026-11-27T09:14:03Z" is 20.
    let shape = |v: &Value| v.as_str().map(|t| (t.len(), t.contains('.')));
    for i in &all {
        assert_eq!(
            shape(&i.raw["triggered_at"]),
            Some((27, true)),
            "{}",
            i.slug
        );
        let expected = if i.pipeline { (27, true) } else { (20, false) };
        for field in ["started_at", "finished_at"] {
            if let Some(found) = shape(&i.raw[field]) {
                assert_eq!(found, expected, "{} {field}", i.slug);
            }
        }
    }
    // A few builds start within their trigger second, so S reads up to a second before T.
    let early = all
        .iter()
        .filter(|i| !i.pipeline && i.s.is_some_and(|s| s < i.t))
        .inspect(|i| assert!(i.t - i.s.expect("start") < TimeDelta::seconds(1)))
        .count();
    assert!((5..=80).contains(&early), "{early} builds start before T");
    for i in &all {
        if i.pipeline {
            assert!(i.s.is_none_or(|s| s > i.t), "{}", i.slug);
        }
        if let (Some(s), Some(f)) = (i.s, i.f) {
            assert!(f >= s, "{}", i.slug);
        }
    }
}

#[test]
fn statuses_are_integers_and_every_one_occurs() {
    let s = snapshot();
    let all = items(&s);
    let mut counts: BTreeMap<i64, usize> = BTreeMap::new();
    for i in &all {
        assert!(i.raw["status"].is_i64());
        *counts.entry(i.status).or_default() += 1;
    }
    assert_eq!(
        counts.keys().copied().collect::<Vec<_>>(),
        [0, 1, 2, 3, 4, 5]
    );
    assert_eq!(counts[&5], 1);
    // In progress: unfinished, and only in the last hours before the anchor.
    assert!((2..=6).contains(&counts[&0]), "{counts:?}");
    for i in all.iter().filter(|i| i.status == 0) {
        assert!(i.f.is_none() && i.raw["credit_cost"].is_null());
        assert!(anchor() - i.t < TimeDelta::hours(3), "{}", i.slug);
    }
    assert!(all.iter().any(|i| i.status == 0 && i.s.is_none()));
    assert!(all.iter().filter(|i| i.status != 0).all(|i| i.f.is_some()));
    // Mostly succeeded: 1 is well over half of all runs.
    assert!(counts[&1] * 10 > all.len() * 7, "{counts:?}");
}

#[test]
fn the_wire_shapes_have_every_field() {
    let s = snapshot();
    let item_fields = [
        "artifacts",
        "branch",
        "build_number",
        "commit_hash",
        "commit_message",
        "credit_cost",
        "finished_at",
        "is_on_hold",
        "is_pipeline",
        "is_processed",
        "slug",
        "started_at",
        "status",
        "tag",
        "triggered_at",
        "triggered_by",
        "triggered_workflow",
        "trigger_params",
        "pull_request_id",
        "pull_request_target_branch",
        "rebuildable",
    ];
    let all = items(&s);
    for i in &all {
        let fields = i.raw.as_object().expect("object");
        for f in item_fields {
            assert!(fields.contains_key(f), "{} lacks {f}", i.slug);
        }
        let pr = i.raw["pull_request_id"]
            .as_u64()
            .expect("integer pull_request_id");
        let inner = &i.raw["trigger_params"]["pull_request_id"];
        assert_eq!(
            inner.as_str().expect("string in trigger_params").is_empty(),
            pr == 0
        );
        assert_eq!(i.raw["pull_request_target_branch"].is_null(), pr == 0);
        let by = i.raw["triggered_by"].as_str();
        assert!(by.is_none_or(|b| b == "schedule"
            || b.starts_with("webhook-github/")
            || b.starts_with("manual-")));
    }
    let ai = all
        .iter()
        .filter(|i| i.raw.get("ai_run_type").is_some())
        .count();
    assert_eq!(ai, 3);
    assert!(all
        .iter()
        .any(|i| i.raw["credit_cost"].is_null() && i.status != 0));
    assert!(all
        .iter()
        .any(|i| i.raw["commit_message"].is_null() && i.commit.is_some()));
    for app in &s.apps {
        let slug = app.app["slug"].as_str().expect("slug");
        assert_eq!(slug.len(), 16);
        assert!(slug.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')));
        for f in [
            "title",
            "project_type",
            "provider",
            "repo_owner",
            "repo_slug",
            "repo_url",
        ] {
            assert!(app.app[f].is_string(), "{slug} {f}");
        }
        for f in ["is_disabled", "is_public"] {
            assert!(app.app[f].is_boolean(), "{slug} {f}");
        }
        assert!(app.app["status"].is_i64() && app.app["avatar_url"].is_null());
        for f in ["account_type", "name", "slug"] {
            assert!(app.app["owner"][f].is_string(), "{slug} owner.{f}");
        }
    }
}

#[test]
fn apps_include_a_quiet_one_and_a_skipped_one() {
    let s = snapshot();
    assert_eq!(s.apps.len(), 4);
    let runs: Vec<usize> = s.apps.iter().map(|a| a.runs.len()).collect();
    assert_eq!(runs.iter().filter(|&&n| n == 0).count(), 1, "{runs:?}");
    // The design system runs far less than either phone app.
    assert!(runs[2] * 3 < runs[0] && runs[2] * 3 < runs[1], "{runs:?}");
    let [skipped] = s.skipped_apps.as_slice() else {
        panic!("one skipped app expected");
    };
    assert_eq!(skipped.error, ErrorCode::InvalidPermissions);
    assert!(skipped.message.starts_with(&format!(
        "GET /v0.1/apps/{}/pipelines: HTTP 403: ",
        skipped.slug
    )));
    assert!(skipped.message.contains("Viewer"));
    assert!(s
        .apps
        .iter()
        .all(|a| a.app["slug"] != skipped.slug.as_str()));
}

#[test]
fn hostile_text_is_present_for_escaping() {
    let s = snapshot();
    let all = items(&s);
    let hostile = "feature/pipes|and<b>tags</b>-@ci-team-#123";
    let on_hostile = in_window(&all, last_week())
        .filter(|i| i.branch == hostile)
        .count();
    assert!(on_hostile >= 3, "{on_hostile} runs on the hostile branch");
    assert!(all
        .iter()
        .filter_map(|i| i.raw["commit_message"].as_str())
        .any(|m| m.contains('`')));
    let branches: BTreeSet<&str> = all.iter().map(|i| i.branch).collect();
    for b in ["main", "master"] {
        assert!(branches.contains(b));
    }
    assert!(branches.iter().any(|b| b.starts_with("feature/")));
    assert!(branches.iter().any(|b| b.starts_with("fix/")));
}

#[test]
fn android_ci_failure_rate_drops_significantly() {
    let s = snapshot();
    let all = items(&s);
    let now = failures(&all, traffic::ANDROID_SLUG, "ci-pipeline", last_week());
    let before = failures(
        &all,
        traffic::ANDROID_SLUG,
        "ci-pipeline",
        last_week().previous(),
    );
    assert!(
        now.1 >= 40.0 && before.1 >= 40.0,
        "decided {now:?} {before:?}"
    );
    // Designed as ~35% before and ~10% now.
    let (rate_now, rate_before) = (now.0 / now.1, before.0 / before.1);
    assert!((0.25..=0.45).contains(&rate_before), "{rate_before}");
    assert!((0.03..=0.15).contains(&rate_now), "{rate_now}");
    let (_, high) = newcombe(now, before);
    assert!(high < 0.0, "interval reaches {high}");
    assert!(failure_change_significant(now, before));
}

#[test]
fn ios_ci_p50_duration_rises_significantly() {
    let s = snapshot();
    let all = items(&s);
    let now = durations(&all, traffic::IOS_SLUG, "ci-pipeline", last_week());
    let before = durations(
        &all,
        traffic::IOS_SLUG,
        "ci-pipeline",
        last_week().previous(),
    );
    assert!(now.len() >= 10 && before.len() >= 10);
    // Designed as medians of 840 s (14 min) before and 1200 s (20 min) now; drawn ~14 and ~19.
    let (p_now, p_before) = (p50(&now), p50(&before));
    assert!((760.0..=920.0).contains(&p_before), "{p_before}");
    assert!((1060.0..=1320.0).contains(&p_now), "{p_now}");
    assert!(mann_whitney(&now, &before) < 0.05);
}

#[test]
fn other_pipelines_show_no_significant_change() {
    let s = snapshot();
    let all = items(&s);
    let names: BTreeSet<(&str, &str)> = all.iter().map(|i| (i.app, i.name)).collect();
    for (app, name) in names {
        let (now, before) = (last_week(), last_week().previous());
        if (app, name) != (traffic::ANDROID_SLUG, "ci-pipeline") {
            let (f_now, f_before) = (
                failures(&all, app, name, now),
                failures(&all, app, name, before),
            );
            assert!(
                !failure_change_significant(f_now, f_before),
                "{app}/{name} failure rate"
            );
        }
        if (app, name) != (traffic::IOS_SLUG, "ci-pipeline") {
            let (d_now, d_before) = (
                durations(&all, app, name, now),
                durations(&all, app, name, before),
            );
            if d_now.len() >= 10 && d_before.len() >= 10 {
                let p = mann_whitney(&d_now, &d_before);
                assert!(p >= 0.05, "{app}/{name} durations p = {p}");
            }
        }
    }
}

#[test]
fn main_branches_restore_several_times_and_one_stays_red() {
    let s = snapshot();
    let all = items(&s);
    let (closed, open) = episodes(&all, last_week());
    assert!(closed.len() >= 4, "{} closed episodes", closed.len());
    assert!(closed.iter().all(|&t| t > 0.0));
    assert_eq!(open, [format!("{}/ui-tests", traffic::IOS_SLUG)]);
}

#[test]
fn flaky_commits_fail_then_pass_on_the_same_pipeline() {
    let s = snapshot();
    let all = items(&s);
    let mut outcomes: BTreeMap<(&str, &str, &str), BTreeSet<i64>> = BTreeMap::new();
    for i in in_window(&all, last_week()) {
        if let Some(commit) = i.commit {
            outcomes
                .entry((i.app, i.name, commit))
                .or_default()
                .insert(i.status);
        }
    }
    let flaky = outcomes
        .values()
        .filter(|s| s.contains(&1) && s.contains(&2))
        .count();
    assert!(flaky >= 3, "{flaky} flaky commits");
}

#[test]
fn weekdays_are_busy_and_weekends_quiet() {
    let s = snapshot();
    let all = items(&s);
    let mut per_day: BTreeMap<chrono::NaiveDate, usize> = BTreeMap::new();
    for i in &all {
        *per_day.entry(i.t.date_naive()).or_default() += 1;
    }
    assert_eq!(per_day.len(), 28);
    for (day, n) in per_day {
        if matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            assert!((2..=14).contains(&n), "{day}: {n}");
        } else {
            assert!((15..=40).contains(&n), "{day}: {n}");
        }
    }
}

#[test]
fn credits_scale_with_duration() {
    let s = snapshot();
    let all = items(&s);
    let known = all.iter().filter(|i| i.raw["credit_cost"].is_u64()).count();
    // Most runs carry a cost; some standalone builds and running ones do not.
    assert!(known * 10 > all.len() * 8 && known < all.len());
    for i in all.iter().filter(|i| i.status == 1) {
        let (Some(cost), Some(s), Some(f)) = (i.raw["credit_cost"].as_u64(), i.s, i.f) else {
            continue;
        };
        // iOS machines cost 2 credits a minute, the others 1, rounded up.
        let per_minute = if i.app == traffic::IOS_SLUG { 2.0 } else { 1.0 };
        let expected = crate::model::seconds(f - s) / 60.0 * per_minute;
        assert!(
            (cost as f64 - expected).abs() <= per_minute + 1.0,
            "{} {cost}",
            i.slug
        );
    }
}

/// The raw detail of each pipeline item, with the item.
fn with_details(snapshot: &Snapshot) -> Vec<(Item<'_>, Option<&Value>)> {
    let details: BTreeMap<&str, &Value> = snapshot
        .apps
        .iter()
        .flat_map(|a| a.details.iter().map(|(k, v)| (k.as_str(), v)))
        .collect();
    items(snapshot)
        .into_iter()
        .map(|item| {
            let detail = details.get(item.slug).copied();
            (item, detail)
        })
        .collect()
}

/// Whether a detail is a rescue: attempt 1 failed, attempt 2 succeeded, the run succeeded.
fn rescued(detail: &Value) -> bool {
    let attempts = detail["attempts"].as_array().expect("attempts");
    attempts.len() == 2
        && attempts[0]["status"] == "failed"
        && attempts[1]["status"] == "succeeded"
        && detail["status"] == "succeeded"
}

#[test]
fn every_pipeline_run_has_a_detail_and_no_build_has_one() {
    let s = snapshot();
    assert!(s.details_fetched);
    let mut pipelines = 0;
    for (item, detail) in with_details(&s) {
        if item.pipeline {
            pipelines += 1;
            let detail = detail.unwrap_or_else(|| panic!("no detail for {}", item.slug));
            assert_eq!(detail["id"], item.slug);
            assert_eq!(detail["name"], item.name);
            assert_eq!(detail["triggered_at"], item.raw["triggered_at"]);
        } else {
            assert!(detail.is_none(), "build {} has a detail", item.slug);
        }
    }
    let stored: usize = s.apps.iter().map(|a| a.details.len()).sum();
    assert_eq!(
        stored, pipelines,
        "one detail per pipeline run, nothing else"
    );
    // Decoded by the real decoder: every detail decodes, none is left out.
    let dataset = crate::bitrise::decode_snapshot(&s);
    assert!(dataset.details_read);
    assert!(
        !dataset.warnings.iter().any(|w| w.contains("detail")),
        "{:?}",
        dataset.warnings
    );
    let decoded = dataset
        .apps
        .iter()
        .flat_map(|a| &a.runs)
        .filter(|r| r.detail.is_some())
        .count();
    assert_eq!(decoded, pipelines);
}

#[test]
fn details_do_not_change_between_calls() {
    let (a, b) = (snapshot(), snapshot());
    for (x, y) in a.apps.iter().zip(&b.apps) {
        assert_eq!(x.details, y.details);
    }
}

#[test]
fn rescued_share_of_mobile_ci_runs_is_between_5_and_8_percent() {
    let s = snapshot();
    let all = with_details(&s);
    for app in [traffic::IOS_SLUG, traffic::ANDROID_SLUG] {
        for w in [
            Window::ending_at(anchor(), 28.0),
            Window::ending_at(anchor(), 14.0),
        ] {
            let runs: Vec<_> = all
                .iter()
                .filter(|(i, _)| i.app == app && i.name == "ci-pipeline" && w.contains(i.t))
                .collect();
            let rescues = runs.iter().filter(|(_, d)| d.is_some_and(rescued)).count();
            // Of all runs, and of the decided ones (succeeded or failed: the metric's base).
            let decided = runs
                .iter()
                .filter(|(i, _)| [1, 2].contains(&i.status))
                .count();
            for base in [runs.len(), decided] {
                let share = rescues as f64 / base as f64;
                assert!(
                    (0.05..=0.08).contains(&share),
                    "{app} over {} days: {rescues} of {base} rescued ({share:.3})",
                    w.days(),
                );
            }
        }
    }
    // Nothing else has reruns.
    let elsewhere = all
        .iter()
        .filter(|(i, _)| {
            i.name != "ci-pipeline" || ![traffic::IOS_SLUG, traffic::ANDROID_SLUG].contains(&i.app)
        })
        .filter(|(_, d)| d.is_some_and(|d| d["attempts"].as_array().is_some_and(|a| a.len() > 1)))
        .count();
    assert_eq!(elsewhere, 0);
}

#[test]
fn ios_reruns_repeat_the_flaky_shard_only() {
    let s = snapshot();
    let mut rescues = 0;
    for (item, detail) in with_details(&s) {
        let Some(detail) = detail.filter(|d| item.app == traffic::IOS_SLUG && rescued(d)) else {
            continue;
        };
        rescues += 1;
        let rerun_at = time(&detail["attempts"][1]["triggered_at"]).expect("attempt 2 time");
        let rerun: Vec<&str> = detail["workflows"]
            .as_array()
            .expect("workflows")
            .iter()
            .filter(|w| time(&w["started_at"]).is_some_and(|t| t >= rerun_at))
            .map(|w| w["name"].as_str().expect("name"))
            .collect();
        assert_eq!(rerun, [detail::IOS_FLAKY_WORKFLOW], "run {}", item.slug);
    }
    assert!(rescues >= 5, "{rescues} iOS rescues");
}

#[test]
fn workflows_follow_their_dependencies_and_fill_the_run() {
    let s = snapshot();
    let mut checked = 0;
    for (item, detail) in with_details(&s) {
        let (Some(detail), Some(start), Some(finish)) = (detail, item.s, item.f) else {
            continue;
        };
        if item.status != 1 || item.name != "ci-pipeline" {
            continue;
        }
        let workflows = detail["workflows"].as_array().expect("graph workflows");
        let times: BTreeMap<&str, (DateTime<Utc>, DateTime<Utc>)> = workflows
            .iter()
            .map(|w| {
                let name = w["name"].as_str().expect("name");
                let s = time(&w["started_at"]).expect("started");
                let f = time(&w["finished_at"]).expect("finished");
                assert_eq!(w["status"], "succeeded");
                (name, (s, f))
            })
            .collect();
        assert_eq!(times.len(), 6);
        for w in workflows {
            let (s, _) = times[w["name"].as_str().expect("name")];
            for dep in w["depends_on"].as_array().into_iter().flatten() {
                let (_, dep_finish) = times[dep.as_str().expect("dependency")];
                assert!(
                    dep_finish <= s,
                    "run {}: {} before {dep}",
                    item.slug,
                    w["name"]
                );
            }
        }
        // Workflow times are whole seconds: the first starts within 4 s of the run, the last
        // ends in the run's last second.
        let first = times.values().map(|t| t.0).min().expect("first");
        let last = times.values().map(|t| t.1).max().expect("last");
        assert!(first >= start - TimeDelta::seconds(1) && first <= start + TimeDelta::seconds(4));
        assert!(
            finish - last < TimeDelta::seconds(1) && last <= finish,
            "run {}",
            item.slug
        );
        checked += 1;
    }
    assert!(
        checked > 100,
        "{checked} succeeded ci-pipeline runs checked"
    );
}

#[test]
fn releases_are_stage_based() {
    let s = snapshot();
    let dataset = crate::bitrise::decode_snapshot(&s);
    let mut releases = 0;
    for (item, detail) in with_details(&s) {
        if item.name != "release-pipeline" {
            continue;
        }
        let detail = detail.expect("release detail");
        assert!(detail.get("workflows").is_none());
        let stages: Vec<&str> = detail["stages"]
            .as_array()
            .expect("stages")
            .iter()
            .map(|st| st["name"].as_str().expect("stage name"))
            .collect();
        assert_eq!(stages, ["build", "verify", "ship"]);
        let run = dataset
            .apps
            .iter()
            .flat_map(|a| &a.runs)
            .find(|r| r.slug == item.slug)
            .expect("decoded run");
        let flat: Vec<(&str, Vec<&str>)> = run
            .detail
            .as_ref()
            .expect("decoded detail")
            .workflows
            .iter()
            .map(|w| {
                (
                    w.name.as_str(),
                    w.depends_on.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            flat,
            [
                ("archive", vec![]),
                ("smoke-tests", vec!["archive"]),
                ("screenshot-check", vec!["archive"]),
                ("upload-to-store", vec!["smoke-tests", "screenshot-check"]),
            ]
        );
        releases += 1;
    }
    assert!(releases >= 4, "{releases} releases");
}
