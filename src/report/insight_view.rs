//! The display model of the insight sections — flaky pipelines, branches red now, critical
//! paths, DORA, breakdowns and data quality — decided in Rust from a [`Report`] so that the
//! templates (`_insight.*.j2`, `_red_now.*.j2`, `_data_quality.*.j2`) only loop and print.
//! Untrusted text stays raw here: the template environment escapes it on output.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::escape::truncate;
use super::{human, Report};
use crate::metrics::{wilson, Band, BreakdownRow, DataQuality, Dora, GroupMetrics};

/// At most this many flaky pipelines are listed (the worst first).
const FLAKY_MAX_ROWS: usize = 10;

/// Longest app title, pipeline or workflow name shown; the full text goes to HTML `title`s.
const TITLE_MAX_CHARS: usize = 48;
const NAME_MAX_CHARS: usize = 64;

#[derive(Debug, Clone, Serialize)]
pub struct InsightView {
    /// Whether pipeline details were read: without them the flaky and critical-path sections say
    /// so instead of showing nothing.
    pub details_read: bool,
    /// Pipelines with a flaky signal, worst first (see [`flaky_rows`]).
    pub flaky: Vec<FlakyRow>,
    /// Flaky pipelines beyond the ones listed.
    pub flaky_more: usize,
    /// One line per red episode still open at the end of the window.
    pub red_now: Vec<RedNow>,
    pub critical_paths: Vec<CriticalPathView>,
    pub dora: Option<DoraView>,
    pub breakdowns: Vec<BreakdownView>,
    pub data_quality: DataQualityView,
}

#[derive(Debug, Clone, Serialize)]
pub struct FlakyRow {
    pub app_title: String,
    pub name: String,
    pub name_full: String,
    /// Runs rescued by a rerun, and the decided runs with a detail they are counted over.
    pub rescued: u64,
    pub decided: u64,
    pub rescued_share: String,
    /// The Wilson 95% lower bound of the rescued share: the ranking key.
    pub rescued_lower: String,
    pub first_attempt_rate: String,
    pub first_attempt_n: u64,
    pub flaky_commits: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct RedNow {
    pub app_title: String,
    pub name: String,
    pub kind: &'static str,
    pub branch: String,
    /// `2026-11-28 14:02 UTC`, or empty when the failed run has no finish time.
    pub since: String,
    /// How long it has been red at the end of the window (`1d 10h`); empty when unknown.
    pub age: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CriticalPathView {
    pub app_title: String,
    pub name: String,
    pub name_full: String,
    /// The typical run's slug.
    pub run: String,
    pub workflows: Vec<String>,
    pub duration: String,
    /// Empty when there is none.
    pub p95_bottleneck: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DoraView {
    pub source: &'static str,
    pub deploy_pipelines: Vec<String>,
    pub deploys: u64,
    pub per_day: String,
    pub days_per_week: String,
    pub frequency_band: &'static str,
    pub cfr: String,
    pub cfr_interval: String,
    pub cfr_n: u64,
    pub cfr_band: &'static str,
    pub cfr_note: &'static str,
    pub recovery_n: u64,
    pub recovery_p50: String,
    pub recovery_max: String,
    pub recovery_open: u64,
    pub recovery_band: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct BreakdownView {
    /// `Branch`, `Machine`, `Trigger`.
    pub title: String,
    pub rows: Vec<BreakdownRowView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BreakdownRowView {
    pub key: String,
    pub key_full: String,
    pub runs: u64,
    pub failure_rate: String,
    pub failure_interval: String,
    pub failure_n: u64,
    pub p50: String,
    pub p95: String,
    pub duration_n: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct DataQualityView {
    pub runs_in_span: u64,
    pub runs_without_start: u64,
    pub negative_durations: u64,
    pub unknown_status: u64,
    pub unknown_cost: String,
    pub beyond_retention: bool,
    /// Nothing to flag: every count is 0, every cost known and the span within retention.
    pub clean: bool,
}

impl InsightView {
    pub fn from_report(report: &Report) -> InsightView {
        let titles: BTreeMap<&str, &str> = report
            .apps
            .iter()
            .map(|a| (a.slug.as_str(), a.title.as_str()))
            .collect();
        let (flaky, flaky_more) = flaky_rows(report);
        InsightView {
            details_read: report.total.current.reliability.is_some(),
            flaky,
            flaky_more,
            red_now: red_now(report, &titles),
            critical_paths: critical_paths(report),
            dora: report.dora.as_ref().map(dora_view),
            breakdowns: report
                .breakdowns
                .iter()
                .map(|(dimension, rows)| BreakdownView {
                    title: capitalized(dimension),
                    rows: rows.iter().map(breakdown_row).collect(),
                })
                .collect(),
            data_quality: data_quality_view(&report.coverage.data_quality),
        }
    }
}

fn short(text: &str, max: usize) -> String {
    truncate(text, max).into_owned()
}

fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Pipeline rows with a flaky signal (a run rescued by a rerun, or a flaky commit), ranked by the
/// Wilson 95% lower bound of the rescued share rather than the share itself: 1 rescued of 1 run
/// (share 100%, lower bound 20.7%) ranks below 8 of 20 (share 40%, lower bound 21.9%), because one
/// run is weak evidence. Ties go to more flaky commits, then report order (app title, name).
/// Returns the listed rows and how many more there are.
fn flaky_rows(report: &Report) -> (Vec<FlakyRow>, usize) {
    let mut ranked: Vec<(f64, FlakyRow)> = Vec::new();
    for app in &report.apps {
        for p in &app.pipelines {
            let Some(r) = &p.metrics.current.reliability else {
                continue;
            };
            let rescued = &r.rerun_rescued;
            if rescued.count == 0 && r.flaky_commits == 0 {
                continue;
            }
            let bounds = wilson(rescued.count, rescued.decided);
            let lower = bounds.map_or(0.0, |[lo, _]| lo);
            ranked.push((
                lower,
                FlakyRow {
                    app_title: short(&app.title, TITLE_MAX_CHARS),
                    name: short(&p.name, NAME_MAX_CHARS),
                    name_full: p.name.clone(),
                    rescued: rescued.count,
                    decided: rescued.decided,
                    rescued_share: human::percent(rescued.share),
                    rescued_lower: human::percent(bounds.map(|[lo, _]| lo)),
                    first_attempt_rate: human::percent(r.first_attempt_failure_rate),
                    first_attempt_n: r.first_attempt_decided,
                    flaky_commits: r.flaky_commits,
                },
            ));
        }
    }
    // Report order (apps by title, rows by name) is kept among equals by the stable sort.
    ranked.sort_by(|(a, ra), (b, rb)| {
        b.total_cmp(a)
            .then_with(|| rb.flaky_commits.cmp(&ra.flaky_commits))
    });
    let more = ranked.len().saturating_sub(FLAKY_MAX_ROWS);
    let rows = ranked
        .into_iter()
        .take(FLAKY_MAX_ROWS)
        .map(|(_, row)| row)
        .collect();
    (rows, more)
}

fn red_now(report: &Report, titles: &BTreeMap<&str, &str>) -> Vec<RedNow> {
    let until = report.window.until;
    report
        .total
        .current
        .time_to_restore_s
        .open_episodes
        .iter()
        .map(|e| RedNow {
            app_title: short(
                titles.get(e.app.as_str()).copied().unwrap_or(&e.app),
                TITLE_MAX_CHARS,
            ),
            name: short(&e.name, NAME_MAX_CHARS),
            kind: e.kind.as_str(),
            branch: short(&e.branch, NAME_MAX_CHARS),
            since: e.since.map(minute).unwrap_or_default(),
            age: e
                .since
                .map(|s| human::duration(Some(crate::model::seconds(until - s))))
                .unwrap_or_default(),
        })
        .collect()
}

/// `2026-11-28 14:02 UTC`.
fn minute(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

fn critical_paths(report: &Report) -> Vec<CriticalPathView> {
    report
        .apps
        .iter()
        .flat_map(|app| {
            app.pipelines.iter().filter_map(move |p| {
                let cp = p.critical_path.as_ref()?;
                Some(CriticalPathView {
                    app_title: short(&app.title, TITLE_MAX_CHARS),
                    name: short(&p.name, NAME_MAX_CHARS),
                    name_full: p.name.clone(),
                    run: cp.run.clone(),
                    workflows: cp
                        .workflows
                        .iter()
                        .map(|w| short(w, NAME_MAX_CHARS))
                        .collect(),
                    duration: human::duration(Some(cp.duration_s)),
                    p95_bottleneck: cp
                        .p95_bottleneck
                        .as_deref()
                        .map(|w| short(w, NAME_MAX_CHARS))
                        .unwrap_or_default(),
                })
            })
        })
        .collect()
}

fn band(b: Option<Band>) -> &'static str {
    b.map_or(human::MISSING, Band::as_str)
}

fn dora_view(d: &Dora) -> DoraView {
    let f = &d.deployment_frequency;
    let c = &d.change_failure_rate;
    let r = &d.recovery_time;
    DoraView {
        source: d.thresholds.source,
        deploy_pipelines: d.deploy_pipelines.clone(),
        deploys: f.deploys,
        per_day: format!("{:.2}", f.per_day),
        days_per_week: f
            .median_deploy_days_per_week
            .map_or_else(|| human::MISSING.to_owned(), |d| format!("{d:.0}")),
        frequency_band: band(f.band),
        cfr: human::percent(c.value),
        cfr_interval: c
            .ci95
            .map(|ci| human::interval(Some(ci)))
            .unwrap_or_default(),
        cfr_n: c.decided,
        cfr_band: band(c.band),
        cfr_note: c.note,
        recovery_n: r.n,
        recovery_p50: human::duration(r.p50),
        recovery_max: human::duration(r.max),
        recovery_open: r.open,
        recovery_band: band(r.band),
    }
}

fn breakdown_row(row: &BreakdownRow) -> BreakdownRowView {
    let GroupMetrics { current: m, .. } = &row.metrics;
    BreakdownRowView {
        key: short(&row.key, NAME_MAX_CHARS),
        key_full: row.key.clone(),
        runs: m.runs,
        failure_rate: human::percent(m.failure_rate),
        failure_interval: m
            .failure_rate_ci95
            .map(|ci| human::interval(Some(ci)))
            .unwrap_or_default(),
        failure_n: m.decided,
        p50: human::duration(m.duration_s.p50),
        p95: human::duration(m.duration_s.p95),
        duration_n: m.duration_s.n,
    }
}

fn data_quality_view(q: &DataQuality) -> DataQualityView {
    DataQualityView {
        runs_in_span: q.runs_in_span,
        runs_without_start: q.runs_without_start,
        negative_durations: q.negative_durations,
        unknown_status: q.unknown_status,
        unknown_cost: human::percent(q.unknown_credit_cost_share),
        beyond_retention: q.beyond_retention,
        clean: q.runs_without_start == 0
            && q.negative_durations == 0
            && q.unknown_status == 0
            && q.unknown_credit_cost_share.is_none_or(|s| s == 0.0)
            && !q.beyond_retention,
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::metrics::{
        BreakdownRow, CriticalPath, DeploySelector, OpenEpisode, Reliability, RerunRescued,
        Settings,
    };
    use crate::model::RunKind;
    use crate::report::fixtures::{sample_report, HOSTILE_PIPELINE, HOSTILE_TITLE};
    use crate::report::{render, Format};

    fn reliability(rescued: u64, decided: u64, flaky_commits: u64) -> Reliability {
        Reliability {
            first_attempt_failure_rate: Some(0.5),
            first_attempt_failure_rate_ci95: wilson(1, 2),
            first_attempt_decided: 2,
            first_attempt_failed: 1,
            rerun_rescued: RerunRescued {
                count: rescued,
                share: (decided > 0).then(|| rescued as f64 / decided as f64),
                decided,
            },
            flaky_commits,
        }
    }

    fn utc(d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, d, h, mi, 0)
            .single()
            .expect("valid time")
    }

    /// The fixture report with details: Acme Android / ci rescued 1 of 1 (share 100%, Wilson
    /// lower bound 20.7%); Shop / the hostile pipeline rescued 8 of 20 (share 40%, lower bound
    /// 21.9%); Shop / the long name 0 rescued but 2 flaky commits (lower bound 0).
    fn report_with_insight() -> Report {
        let mut report = sample_report();
        report.total.current.reliability = Some(reliability(9, 21, 2));
        let acme = &mut report.apps[0].pipelines[0];
        acme.metrics.current.reliability = Some(reliability(1, 1, 0));
        acme.critical_path = Some(CriticalPath {
            run: "run-7".to_owned(),
            workflows: vec![
                "check-change-type".to_owned(),
                "build-app".to_owned(),
                "ui-tests-shard-2".to_owned(),
            ],
            duration_s: 842.4,
            p95_bottleneck: Some("ui-tests-shard-2".to_owned()),
        });
        report.apps[1].pipelines[0].metrics.current.reliability = Some(reliability(0, 12, 2));
        report.apps[1].pipelines[1].metrics.current.reliability = Some(reliability(8, 20, 0));
        report.total.current.time_to_restore_s.open_episodes = vec![OpenEpisode {
            app: report.apps[1].slug.clone(),
            name: HOSTILE_PIPELINE.to_owned(),
            kind: RunKind::Pipeline,
            branch: "main".to_owned(),
            since: Some(utc(28, 14, 2)),
        }];
        report.coverage.data_quality.runs_without_start = 3;
        report.coverage.data_quality.unknown_credit_cost_share = Some(0.25);
        report.coverage.data_quality.beyond_retention = true;
        report
    }

    #[test]
    fn flaky_ranking_uses_the_wilson_lower_bound() {
        let view = InsightView::from_report(&report_with_insight());
        let order: Vec<(&str, u64, u64)> = view
            .flaky
            .iter()
            .map(|f| (f.name_full.as_str(), f.rescued, f.decided))
            .collect();
        // Lower bounds: 8 of 20 → 0.2188 (c = 0.41611, h = 0.19731); 1 of 1 → 0.2065
        // (c = 0.6034, h = 0.3968); 0 of 12 → 0. The raw shares would put 1 of 1 first.
        assert_eq!(
            order,
            [
                (HOSTILE_PIPELINE, 8, 20),
                ("ci", 1, 1),
                ("a|b ".repeat(125).as_str(), 0, 12)
            ]
        );
        assert_eq!(view.flaky[0].rescued_lower, "21.9%");
        assert_eq!(view.flaky[1].rescued_lower, "20.7%");
        assert_eq!(view.flaky_more, 0);
    }

    #[test]
    fn markdown_shows_every_insight_section() {
        let mut report = report_with_insight();
        let dataset = crate::model::Dataset::default();
        let selector = DeploySelector::new(&["deploy".to_owned()])
            .expect("valid")
            .expect("given");
        let window = crate::model::Window {
            since: report.window.since,
            until: report.window.until,
        };
        report.dora = Some(crate::metrics::dora(
            &dataset,
            &window,
            &Settings::default(),
            &selector,
        ));
        report.breakdowns.insert(
            "branch",
            vec![BreakdownRow {
                key: "feature/*x*".to_owned(),
                metrics: report.total.clone(),
            }],
        );
        let md = render(&report, Format::Markdown).expect("renders");

        // Flaky: 8 of 20 is listed before 1 of 1, inside <details>.
        let hostile = md.find("8 of 20").expect("8 of 20 listed");
        let lucky = md.find("1 of 1").expect("1 of 1 listed");
        assert!(hostile < lucky);
        assert!(md.contains("<details>\n<summary>3 pipelines rescued by reruns"));
        // Red now: the window ends 2026-11-30 00:00; red since 11-28 14:02 → 33 h 58 min, shown
        // as whole days and hours (human::duration truncates below the hour): 1d 09h.
        assert!(
            md.contains(
                "- 🔴 **release/\\*\\*bold\\*\\* @\u{200B}octocat #\u{200B}123** (Shop \\<script\\>alert(1)\\</script\\> \\| iOS) on main red since 2026-11-28 14:02 UTC (1d 09h)"
            ),
            "{md}"
        );
        // Critical path: 842.4 s → 14m 02s.
        assert!(md.contains(
            "| check-change-type → build-app → ui-tests-shard-2 (14m 02s) | ui-tests-shard-2 |"
        ));
        // DORA block, without deploys.
        assert!(md.contains("### Deployments (DORA)"));
        assert!(md.contains(
            "| Deployment frequency | 0 deploys, 0.00/day; median 0 deploy days per ISO week | – |"
        ));
        assert!(md.contains(DORA_SOURCE_TEXT));
        // Breakdown, its key escaped.
        assert!(md.contains("### By branch"));
        assert!(md.contains(r"| feature/\*x\* | 74 |"));
        // Data quality, not clean.
        assert!(md.contains("<sub>Data quality: 145 runs read; 3 finished without a start time, 0 finished before they started, 0 with an unknown status, credit cost unknown for 25.0% · ⚠ the span reaches past Bitrise's retention: older runs are missing.</sub><br>\n"), "{md}");
    }

    const DORA_SOURCE_TEXT: &str = "bands: Accelerate State of DevOps Report 2023 (DORA)";

    #[test]
    fn html_shows_the_sections_escaped() {
        let html = render(&report_with_insight(), Format::Html).expect("renders");
        assert!(html.contains(r#"<section id="flaky""#));
        assert!(html.contains("<h2 id=\"critical-heading\">Critical paths</h2>"));
        assert!(html.contains(r#"<ul class="red-now">"#));
        assert!(html.contains("<p class=\"data-quality\">"));
        // Hostile text never reaches the page as markup.
        assert!(!html.contains(HOSTILE_TITLE));
        assert!(!html.contains("<script>"));
    }

    #[test]
    fn without_details_the_sections_say_so() {
        let md = render(&sample_report(), Format::Markdown).expect("renders");
        assert!(md.contains("Pipeline details were not read"));
        assert!(md.contains("all with start times, known statuses and costs"));
        assert!(!md.contains("### Deployments (DORA)"));
    }
}
