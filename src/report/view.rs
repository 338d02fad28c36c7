//! The display model: what the Markdown and HTML templates show, decided in Rust from a
//! [`Report`]. Numbers are already formatted for people, each with the `n` it rests on; whether a
//! change is significant, too short to judge, or plain is decided here, so that templates only
//! loop and print. Untrusted text stays raw here: the template environment escapes it on output.

use serde::Serialize;

use super::charts::{self, Chart};
use super::human;
use super::Report;
use crate::metrics::{
    AbortedAs, Change, DurationPopulation, GroupMetrics, PipelineMetrics, WindowMetrics,
};
use crate::model::ErrorCode;

/// Below this many values, nearest-rank p95 is the sample's maximum (metrics.md).
const P95_DISTINCT_FROM_MAX: u64 = 20;

/// The fewest decided runs (failure rate) or durations (p50) in each window for a change to be
/// judged; the same thresholds as the significance rules of metrics.md.
const ENOUGH_TO_COMPARE: u64 = 10;

/// Longest app title and pipeline name shown in tables; the full text goes to HTML `title`s.
const TITLE_MAX_CHARS: usize = 48;
const NAME_MAX_CHARS: usize = 64;

#[derive(Debug, Clone, Serialize)]
pub struct View {
    /// `ci-vitals <version>`.
    pub generator: String,
    pub generated_at: String,
    pub source: &'static str,
    pub window: WindowView,
    pub previous_window: Option<WindowView>,
    pub settings: SettingsView,
    pub total: GroupView,
    pub apps: Vec<AppView>,
    /// Every pipeline row of every app, in report order (apps by title, rows by name and kind).
    pub rows: Vec<RowView>,
    /// Pipeline rows with red episodes on the main branches (closed or open).
    pub restore_rows: Vec<RestoreRow>,
    pub skipped_apps: Vec<SkippedView>,
    pub warnings: Vec<String>,
    /// Whether any duration shown has fewer than 20 values, so a footnote must say that p95 is
    /// the maximum there.
    pub any_p95_is_max: bool,
    /// The HTML report's charts (inline SVG, already escaped: templates print them `|safe`).
    pub charts: Vec<Chart>,
    pub coverage: CoverageView,
    /// Pipeline rows left out of `rows` (and their apps' sections) to fit a size limit.
    pub omitted_rows: usize,
    /// Pipeline rows in the report, shown or not.
    pub total_rows: usize,
}

/// What the report rests on, for the data-quality footer.
#[derive(Debug, Clone, Serialize)]
pub struct CoverageView {
    pub apps: u64,
    pub runs: u64,
    pub requests: u64,
    pub skipped: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct WindowView {
    pub since: String,
    pub until: String,
    /// `2026-11-23`: the dates alone, for headlines.
    pub since_date: String,
    pub until_date: String,
    pub days: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SettingsView {
    pub percentile: &'static str,
    pub aborted_as: &'static str,
    pub durations: &'static str,
    pub main_branches: Vec<String>,
}

/// A change against the previous window, judged.
#[derive(Debug, Clone, Serialize)]
pub struct ChangeView {
    /// `significant` (arrow and colour), `plain` (value only), `short` (not enough runs) or
    /// `none` (no comparison in the report).
    pub status: &'static str,
    /// `▲` or `▼`, only when significant.
    pub marker: &'static str,
    /// `worse` or `better`, only when significant (HTML colours by it).
    pub direction: &'static str,
    /// The change (`+19.6 pp`, `−3m 00s`) or `not enough runs (n = …)`.
    pub text: String,
    /// The evidence behind it, for tooltips: the interval or the p-value and both `n`.
    pub detail: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FailureView {
    /// Decided runs: the rate's `n`.
    pub n: u64,
    pub rate: String,
    /// Empty without decided runs.
    pub interval: String,
    pub change: ChangeView,
}

#[derive(Debug, Clone, Serialize)]
pub struct DurationView {
    pub n: u64,
    pub p50: String,
    pub p95: String,
    /// With n < 20 nearest-rank p95 is the maximum; shown with a footnote marker.
    pub p95_is_max: bool,
    pub change: ChangeView,
}

#[derive(Debug, Clone, Serialize)]
pub struct QueueView {
    pub n: u64,
    pub p50: String,
    pub p95: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RestoreView {
    pub n: u64,
    pub p50: String,
    pub max: String,
    pub open: u64,
    /// The previous window's p50 and n, shown plain: no significance test exists for time to
    /// restore, so it never gets an arrow.
    pub previous: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CreditsView {
    pub total: u64,
    pub failed: u64,
    pub coverage: String,
}

/// The metrics of one group, formatted.
#[derive(Debug, Clone, Serialize)]
pub struct GroupView {
    pub runs: u64,
    pub runs_per_day: String,
    /// `+5` against the previous window; empty without a comparison. Runs have no significance
    /// test, so this is never marked.
    pub runs_change: String,
    pub previous_runs: Option<u64>,
    pub outcomes: OutcomesView,
    pub failure: FailureView,
    pub duration: DurationView,
    pub queue: QueueView,
    pub restore: RestoreView,
    /// `None` when no run's cost is known.
    pub credits: Option<CreditsView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OutcomesView {
    pub succeeded: u64,
    pub failed: u64,
    pub aborted: u64,
    pub in_progress: u64,
    pub other: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct RowView {
    pub app_slug: String,
    pub app_title: String,
    pub app_title_full: String,
    pub name: String,
    pub name_full: String,
    pub kind: &'static str,
    pub metrics: GroupView,
}

#[derive(Debug, Clone, Serialize)]
pub struct AppView {
    pub slug: String,
    pub title: String,
    pub title_full: String,
    pub metrics: GroupView,
    pub rows: Vec<RowView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RestoreRow {
    pub app_slug: String,
    pub app_title: String,
    pub name: String,
    pub name_full: String,
    pub kind: &'static str,
    pub restore: RestoreView,
}

#[derive(Debug, Clone, Serialize)]
pub struct SkippedView {
    pub slug: String,
    pub title: Option<String>,
    pub error: ErrorCode,
    pub message: String,
}

impl View {
    pub fn from_report(report: &Report) -> View {
        let apps: Vec<AppView> = report
            .apps
            .iter()
            .map(|app| {
                let title = human_text(&app.title, TITLE_MAX_CHARS);
                let rows = app
                    .pipelines
                    .iter()
                    .map(|p| row_view(&app.slug, &app.title, p))
                    .collect();
                AppView {
                    slug: app.slug.clone(),
                    title,
                    title_full: app.title.clone(),
                    metrics: group_view(&app.metrics),
                    rows,
                }
            })
            .collect();
        let rows: Vec<RowView> = apps.iter().flat_map(|a| a.rows.clone()).collect();
        let restore_rows = rows
            .iter()
            .filter(|r| r.metrics.restore.n > 0 || r.metrics.restore.open > 0)
            .map(|r| RestoreRow {
                app_slug: r.app_slug.clone(),
                app_title: r.app_title.clone(),
                name: r.name.clone(),
                name_full: r.name_full.clone(),
                kind: r.kind,
                restore: r.metrics.restore.clone(),
            })
            .collect();
        let total = group_view(&report.total);
        let total_rows = rows.len();
        let any_p95_is_max = total.duration.p95_is_max
            || apps.iter().any(|a| a.metrics.duration.p95_is_max)
            || rows.iter().any(|r| r.metrics.duration.p95_is_max);
        View {
            generator: format!("ci-vitals {}", env!("CARGO_PKG_VERSION")),
            generated_at: rfc3339(&report.generated_at),
            source: match report.source.kind {
                super::SourceKind::Bitrise => "Bitrise API",
                super::SourceKind::Snapshot => "snapshot",
                super::SourceKind::Demo => "demo data",
            },
            window: window_view(&report.window),
            previous_window: report.previous_window.as_ref().map(window_view),
            settings: SettingsView {
                percentile: report.settings.percentile,
                aborted_as: match report.settings.aborted_as {
                    AbortedAs::Excluded => "aborted runs excluded from the failure rate",
                    AbortedAs::Failure => "aborted runs counted as failures",
                },
                durations: match report.settings.durations {
                    DurationPopulation::Succeeded => "durations of succeeded runs",
                    DurationPopulation::Finished => "durations of succeeded and failed runs",
                },
                main_branches: report.settings.main_branches.clone(),
            },
            total,
            apps,
            rows,
            restore_rows,
            skipped_apps: report
                .coverage
                .skipped_apps
                .iter()
                .map(|s| SkippedView {
                    slug: s.slug.clone(),
                    title: s.title.clone(),
                    error: s.error,
                    message: s.message.clone(),
                })
                .collect(),
            warnings: report.coverage.warnings.clone(),
            any_p95_is_max,
            charts: charts::charts(&report.series),
            coverage: CoverageView {
                apps: report.coverage.apps,
                runs: report.coverage.runs,
                requests: report.coverage.requests,
                skipped: report.coverage.skipped_apps.len(),
            },
            omitted_rows: 0,
            total_rows,
        }
    }

    /// Indexes of `rows`, most important first: rows with a significant change or a red
    /// episode still open, then by runs (most first), then in report order.
    pub fn rows_by_importance(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.rows.len()).collect();
        order.sort_by_key(|&i| {
            let m = &self.rows[i].metrics;
            let urgent = m.failure.change.status == "significant"
                || m.duration.change.status == "significant"
                || m.restore.open > 0;
            (!urgent, std::cmp::Reverse(m.runs), i)
        });
        order
    }

    /// This view with only the pipeline rows at `kept` (indexes of `rows`; shown in report
    /// order whatever the order given), the time-to-restore rows of those pipelines, and the apps
    /// that keep a row (or never had one).
    pub fn keeping(&self, kept: &[usize]) -> View {
        let kept: std::collections::BTreeSet<usize> = kept.iter().copied().collect();
        let mut view = self.clone();
        // `rows` lists every app's rows in turn, so one running index walks both.
        let mut index = 0;
        view.apps = Vec::with_capacity(self.apps.len());
        for app in &self.apps {
            let mut trimmed = app.clone();
            trimmed.rows.clear();
            for row in &app.rows {
                if kept.contains(&index) {
                    trimmed.rows.push(row.clone());
                }
                index += 1;
            }
            if app.rows.is_empty() || !trimmed.rows.is_empty() {
                view.apps.push(trimmed);
            }
        }
        view.rows = view.apps.iter().flat_map(|a| a.rows.clone()).collect();
        view.restore_rows.retain(|r| {
            view.rows.iter().any(|row| {
                row.app_slug == r.app_slug && row.name_full == r.name_full && row.kind == r.kind
            })
        });
        view.omitted_rows = self.rows.len() - view.rows.len();
        view
    }
}

/// Text for a table cell: shortened so one long name cannot stretch the table.
fn human_text(text: &str, max: usize) -> String {
    super::escape::truncate(text, max).into_owned()
}

fn rfc3339(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

fn window_view(w: &super::WindowInfo) -> WindowView {
    WindowView {
        since: rfc3339(&w.since),
        until: rfc3339(&w.until),
        since_date: w.since.format("%Y-%m-%d").to_string(),
        until_date: w.until.format("%Y-%m-%d").to_string(),
        days: human::days(w.days),
    }
}

fn row_view(app_slug: &str, app_title: &str, pipeline: &PipelineMetrics) -> RowView {
    RowView {
        app_slug: app_slug.to_owned(),
        app_title: human_text(app_title, TITLE_MAX_CHARS),
        app_title_full: app_title.to_owned(),
        name: human_text(&pipeline.name, NAME_MAX_CHARS),
        name_full: pipeline.name.clone(),
        kind: pipeline.kind.as_str(),
        metrics: group_view(&pipeline.metrics),
    }
}

fn group_view(group: &GroupMetrics) -> GroupView {
    let now = &group.current;
    let before = group.previous.as_ref();
    let change = group.change.as_ref();
    GroupView {
        runs: now.runs,
        runs_per_day: human::per_day(now.runs_per_day),
        runs_change: change
            .map(|c| human::count_delta(c.runs.delta))
            .unwrap_or_default(),
        previous_runs: before.map(|b| b.runs),
        outcomes: OutcomesView {
            succeeded: now.succeeded,
            failed: now.failed,
            aborted: now.aborted,
            in_progress: now.in_progress,
            other: now.other,
        },
        failure: FailureView {
            n: now.decided,
            rate: human::percent(now.failure_rate),
            // Without decided runs there is no interval; the rate already reads `–`.
            interval: now
                .failure_rate_ci95
                .map(|ci| human::interval(Some(ci)))
                .unwrap_or_default(),
            change: failure_change(now, before, change),
        },
        duration: DurationView {
            n: now.duration_s.n,
            p50: human::duration(now.duration_s.p50),
            p95: human::duration(now.duration_s.p95),
            p95_is_max: p95_is_max(now.duration_s.n),
            change: duration_change(now, before, change),
        },
        queue: QueueView {
            n: now.queue_s.n,
            p50: human::duration(now.queue_s.p50),
            p95: human::duration(now.queue_s.p95),
        },
        restore: RestoreView {
            n: now.time_to_restore_s.n,
            p50: human::duration(now.time_to_restore_s.p50),
            max: human::duration(now.time_to_restore_s.max),
            open: now.time_to_restore_s.open,
            previous: before.map(|b| {
                format!(
                    "{} (n = {})",
                    human::duration(b.time_to_restore_s.p50),
                    b.time_to_restore_s.n
                )
            }),
        },
        credits: now
            .credits
            .coverage
            .filter(|&c| c > 0.0)
            .map(|coverage| CreditsView {
                total: now.credits.total,
                failed: now.credits.failed,
                coverage: human::percent(Some(coverage)),
            }),
    }
}

/// Whether the p95 of `n` durations is, by nearest rank, the maximum: `ceil(0.95·n) = n` holds
/// for every n from 1 to 19.
fn p95_is_max(n: u64) -> bool {
    n > 0 && n < P95_DISTINCT_FROM_MAX
}

/// The arrow for a change: `▲` up, `▼` down, nothing unless significant (metrics.md: no arrow or
/// colour for a change that is not significant).
pub fn change_marker(delta: Option<f64>, significant: bool) -> &'static str {
    match delta {
        Some(d) if significant && d > 0.0 => "▲",
        Some(d) if significant && d < 0.0 => "▼",
        _ => "",
    }
}

/// How a change is shown, once the caller has its text, its evidence and both sample sizes.
fn judged_change(
    delta: Option<f64>,
    significant: bool,
    text: String,
    detail: String,
    n_now: u64,
    n_before: u64,
) -> ChangeView {
    let marker = change_marker(delta, significant);
    if !marker.is_empty() {
        // For both failure rate and duration, up is worse.
        let direction = if marker == "▲" { "worse" } else { "better" };
        return ChangeView {
            status: "significant",
            marker,
            direction,
            text,
            detail,
        };
    }
    if delta.is_none() || n_now.min(n_before) < ENOUGH_TO_COMPARE {
        return ChangeView {
            status: "short",
            marker: "",
            direction: "",
            text: format!("not enough runs (n = {n_now}, before {n_before})"),
            detail: format!(
                "a change needs at least {ENOUGH_TO_COMPARE} in each window; \
                 this window {n_now}, previous {n_before}"
            ),
        };
    }
    ChangeView {
        status: "plain",
        marker: "",
        direction: "",
        text,
        detail,
    }
}

fn no_change() -> ChangeView {
    ChangeView {
        status: "none",
        marker: "",
        direction: "",
        text: String::new(),
        detail: String::new(),
    }
}

fn failure_change(
    now: &WindowMetrics,
    before: Option<&WindowMetrics>,
    change: Option<&Change>,
) -> ChangeView {
    let (Some(before), Some(change)) = (before, change) else {
        return no_change();
    };
    let c = &change.failure_rate;
    let detail = format!(
        "vs {} (n = {}); 95% interval of the change {}{}",
        human::percent(before.failure_rate),
        before.decided,
        human::points_interval(c.ci95),
        verdict(c.significant),
    );
    judged_change(
        c.delta,
        c.significant,
        human::points_delta(c.delta),
        detail,
        now.decided,
        before.decided,
    )
}

/// The closing words of a change's tooltip.
fn verdict(significant: bool) -> &'static str {
    if significant {
        ", significant"
    } else {
        ", not significant"
    }
}

fn duration_change(
    now: &WindowMetrics,
    before: Option<&WindowMetrics>,
    change: Option<&Change>,
) -> ChangeView {
    let (Some(before), Some(change)) = (before, change) else {
        return no_change();
    };
    let c = &change.duration_p50;
    let p_value = c
        .p_value
        .map_or_else(|| human::MISSING.to_owned(), |p| format!("{p:.3}"));
    let detail = format!(
        "p50 vs {} (n = {}); Mann–Whitney p = {p_value}{}",
        human::duration(before.duration_s.p50),
        before.duration_s.n,
        verdict(c.significant),
    );
    judged_change(
        c.delta,
        c.significant,
        human::duration_delta(c.delta),
        detail,
        now.duration_s.n,
        before.duration_s.n,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p95_is_max_below_twenty_values() {
        // ceil(0.95·19) = 19 = n, ceil(0.95·20) = 19 < 20.
        assert!(!p95_is_max(0));
        assert!(p95_is_max(1));
        assert!(p95_is_max(19));
        assert!(!p95_is_max(20));
    }

    #[test]
    fn markers_only_for_significant_changes() {
        assert_eq!(change_marker(Some(0.2), true), "▲");
        assert_eq!(change_marker(Some(-0.2), true), "▼");
        assert_eq!(change_marker(Some(0.2), false), "");
        assert_eq!(change_marker(None, true), "");
    }

    #[test]
    fn short_samples_say_not_enough_runs() {
        let v = judged_change(Some(0.4), false, "+40.0 pp".into(), String::new(), 5, 6);
        assert_eq!(v.status, "short");
        assert_eq!(v.text, "not enough runs (n = 5, before 6)");
        let v = judged_change(Some(-0.04), false, "−4.0 pp".into(), String::new(), 25, 24);
        assert_eq!(v.status, "plain");
        assert_eq!(v.text, "−4.0 pp");
        assert_eq!(v.marker, "");
        let v = judged_change(Some(0.19), true, "+19.0 pp".into(), String::new(), 40, 37);
        assert_eq!(
            (v.status, v.marker, v.direction),
            ("significant", "▲", "worse")
        );
    }
}
