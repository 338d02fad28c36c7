//! Charts of the HTML report, drawn here as inline SVG from the report's [`Series`]: daily runs
//! stacked by outcome, daily duration and queue p50/p95, and the weekly failure rate with its
//! 95% interval as whiskers. No script and no external resource (the page's CSP forbids both).
//!
//! Every chart carries a `<title>` and an `aria-label`, axis labels, and a `<title>` tooltip on
//! every bar or point naming its `n`. Colours are CSS classes (`s-…`) that the page's styles map
//! to variables, so the light and dark schemes both apply.

use std::fmt::Write as _;

use serde::Serialize;

use super::human;
use crate::metrics::series::{DailyPoint, Percentiles, Series};

/// The drawing's coordinate system; the SVG scales to its container's width.
const WIDTH: f64 = 480.0;
const HEIGHT: f64 = 220.0;
const LEFT: f64 = 54.0;
const RIGHT: f64 = 10.0;
const TOP: f64 = 30.0;
const BOTTOM: f64 = 34.0;
/// Horizontal grid lines above the zero line: five steps of a 1-2-2.5-5 ceiling are round.
const TICKS: u32 = 5;
/// At most this many x labels; with more points every k-th is labelled.
const MAX_X_LABELS: usize = 10;

/// One chart for the templates: the SVG markup (already escaped) and its caption.
#[derive(Debug, Clone, Serialize)]
pub struct Chart {
    pub id: &'static str,
    pub title: &'static str,
    pub caption: String,
    pub svg: String,
}

/// The report's charts; none when the series has no point to draw.
pub fn charts(series: &Series) -> Vec<Chart> {
    let mut out = Vec::new();
    if !series.daily.is_empty() {
        out.push(runs_chart(&series.daily));
        out.push(percentile_chart(
            "duration",
            "Duration per day",
            "p50 and p95 of each day's durations",
            &series.daily,
            |d| &d.duration_s,
        ));
    }
    if !series.weekly.is_empty() {
        out.push(failure_chart(series));
    }
    if !series.daily.is_empty() {
        out.push(percentile_chart(
            "queue",
            "Queue time per day",
            "p50 and p95 of the wait from trigger to start",
            &series.daily,
            |d| &d.queue_s,
        ));
    }
    out
}

/// Text for SVG content and attributes.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in super::escape::strip_bidi(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// The smallest of 1, 2, 2.5, 5 times a power of ten that is at least `max` (1 for nothing).
fn nice_ceiling(max: f64) -> f64 {
    if !max.is_finite() || max <= 0.0 {
        return 1.0;
    }
    let power = 10_f64.powf(max.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|&v| v >= max)
        .unwrap_or(10.0 * power)
}

/// The ceiling of a duration axis: whole minutes or hours once above them, so ticks read well.
fn duration_ceiling(max: f64) -> f64 {
    let unit = if max >= 7_200.0 {
        3_600.0
    } else if max >= 120.0 {
        60.0
    } else {
        1.0
    };
    nice_ceiling(max / unit) * unit
}

/// A plot area with its y scale, written into one SVG document.
struct Plot {
    svg: String,
    /// Points along x.
    slots: usize,
    y_max: f64,
}

impl Plot {
    fn new(id: &str, title: &str, label: &str, slots: usize, y_max: f64) -> Plot {
        let mut svg = String::new();
        let _ = write!(
            svg,
            r#"<svg class="chart-svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{id}-title" aria-label="{label}" preserveAspectRatio="xMidYMid meet"><title id="{id}-title">{title}</title>"#,
            label = xml(label),
            title = xml(title),
        );
        Plot {
            svg,
            slots: slots.max(1),
            y_max,
        }
    }

    fn slot_width(&self) -> f64 {
        (WIDTH - LEFT - RIGHT) / self.slots as f64
    }

    /// The x of the centre of slot `i`.
    fn x(&self, i: usize) -> f64 {
        LEFT + self.slot_width() * (i as f64 + 0.5)
    }

    fn y(&self, value: f64) -> f64 {
        let bottom = HEIGHT - BOTTOM;
        bottom - (value / self.y_max).clamp(0.0, 1.0) * (bottom - TOP)
    }

    /// Grid lines with their labels, the y axis title, and the x labels.
    fn axes(&mut self, y_title: &str, tick_label: impl Fn(f64) -> String, x_labels: &[String]) {
        for k in 0..=TICKS {
            let value = self.y_max * f64::from(k) / f64::from(TICKS);
            let y = self.y(value);
            let _ = write!(
                self.svg,
                r#"<line class="grid" x1="{LEFT}" x2="{x2}" y1="{y:.1}" y2="{y:.1}"/><text class="tick" x="{tx}" y="{ty:.1}" text-anchor="end">{label}</text>"#,
                x2 = WIDTH - RIGHT,
                tx = LEFT - 5.0,
                ty = y + 4.0,
                label = xml(&tick_label(value)),
            );
        }
        let _ = write!(
            self.svg,
            r#"<text class="axis-title" x="4" y="14">{}</text>"#,
            xml(y_title)
        );
        let every = x_labels.len().div_ceil(MAX_X_LABELS).max(1);
        for (i, label) in x_labels.iter().enumerate() {
            if i % every != 0 {
                continue;
            }
            let _ = write!(
                self.svg,
                r#"<text class="tick" x="{x:.1}" y="{y}" text-anchor="middle">{label}</text>"#,
                x = self.x(i),
                y = HEIGHT - BOTTOM + 16.0,
                label = xml(label),
            );
        }
    }

    /// A legend along the top right: `(class, label)` swatches.
    fn legend(&mut self, items: &[(&str, &str)]) {
        // Text width estimated at 8 units a character, enough for the larger type on phones.
        let widths: Vec<f64> = items
            .iter()
            .map(|(_, label)| 15.0 + 8.0 * label.chars().count() as f64 + 8.0)
            .collect();
        let mut x = WIDTH - RIGHT - widths.iter().sum::<f64>();
        for ((class, label), width) in items.iter().zip(widths) {
            let _ = write!(
                self.svg,
                r#"<rect class="{class}" x="{x:.1}" y="6" width="11" height="11" rx="2"/><text class="legend" x="{tx:.1}" y="15">{label}</text>"#,
                tx = x + 15.0,
                label = xml(label),
            );
            x += width;
        }
    }

    fn finish(mut self) -> String {
        self.svg.push_str("</svg>");
        self.svg
    }
}

/// `11-23`: month and day, enough under a chart whose caption names the year.
fn day_label(point: &DailyPoint) -> String {
    point.date.format("%m-%d").to_string()
}

fn runs_chart(daily: &[DailyPoint]) -> Chart {
    let max = daily.iter().map(|d| d.runs).max().unwrap_or(0);
    let mut plot = Plot::new(
        "chart-runs",
        "Runs per day by outcome",
        "Stacked bars: runs per day, split into succeeded, failed, aborted and other",
        daily.len(),
        nice_ceiling(max as f64).max(1.0),
    );
    let labels: Vec<String> = daily.iter().map(day_label).collect();
    plot.axes("runs", |v| format!("{v:.0}"), &labels);
    plot.legend(&[
        ("s-succeeded", "succeeded"),
        ("s-failed", "failed"),
        ("s-aborted", "aborted"),
        ("s-other", "other"),
    ]);
    let bar = plot.slot_width() * 0.7;
    for (i, d) in daily.iter().enumerate() {
        let segments = [
            ("s-succeeded", "succeeded", d.succeeded),
            ("s-failed", "failed", d.failed),
            ("s-aborted", "aborted", d.aborted),
            ("s-other", "in progress or other", d.in_progress + d.other),
        ];
        let mut below = 0_u64;
        for (class, what, count) in segments {
            if count == 0 {
                continue;
            }
            let (top, bottom) = (plot.y((below + count) as f64), plot.y(below as f64));
            let _ = write!(
                plot.svg,
                r#"<rect class="{class}" x="{x:.1}" y="{top:.1}" width="{bar:.1}" height="{h:.1}"><title>{date}: {count} {what} of {runs} runs (n = {runs})</title></rect>"#,
                x = plot.x(i) - bar / 2.0,
                h = bottom - top,
                date = d.date,
                runs = d.runs,
            );
            below += count;
        }
        if d.runs == 0 {
            let _ = write!(
                plot.svg,
                r#"<text class="tick" x="{x:.1}" y="{y:.1}" text-anchor="middle">0<title>{date}: no run (n = 0)</title></text>"#,
                x = plot.x(i),
                y = plot.y(0.0) - 3.0,
                date = d.date,
            );
        }
    }
    let total: u64 = daily.iter().map(|d| d.runs).sum();
    Chart {
        id: "runs",
        title: "Runs per day",
        caption: format!(
            "Runs per UTC day by outcome, n = {total} runs over {} days.",
            daily.len()
        ),
        svg: plot.finish(),
    }
}

/// A line chart of a daily p50 and p95 (durations or queue times), with gaps where a day has
/// no value.
fn percentile_chart(
    id: &'static str,
    title: &'static str,
    what: &str,
    daily: &[DailyPoint],
    pick: impl Fn(&DailyPoint) -> &Percentiles,
) -> Chart {
    let max = daily
        .iter()
        .filter_map(|d| pick(d).p95)
        .fold(0.0_f64, f64::max);
    let svg_id = format!("chart-{id}");
    let mut plot = Plot::new(
        &svg_id,
        title,
        &format!("Lines: {what}, per day"),
        daily.len(),
        duration_ceiling(max),
    );
    let labels: Vec<String> = daily.iter().map(day_label).collect();
    plot.axes("time", duration_tick, &labels);
    plot.legend(&[("s-p50", "p50"), ("s-p95", "p95")]);
    for (class, value) in [
        (
            "s-p95",
            (|p: &Percentiles| p.p95) as fn(&Percentiles) -> Option<f64>,
        ),
        ("s-p50", |p: &Percentiles| p.p50),
    ] {
        // One path, with a new segment after every gap.
        let mut path = String::new();
        let mut pen_down = false;
        for (i, d) in daily.iter().enumerate() {
            match value(pick(d)) {
                Some(v) => {
                    let _ = write!(
                        path,
                        "{}{:.1} {:.1} ",
                        if pen_down { "L" } else { "M" },
                        plot.x(i),
                        plot.y(v)
                    );
                    pen_down = true;
                }
                None => pen_down = false,
            }
        }
        if !path.is_empty() {
            let _ = write!(
                plot.svg,
                r#"<path class="line {class}" d="{}"/>"#,
                path.trim_end()
            );
        }
    }
    let mut days_without = 0;
    for (i, d) in daily.iter().enumerate() {
        let p = pick(d);
        let tooltip = format!(
            "{}: p50 {}, p95 {} (n = {})",
            d.date,
            human::duration(p.p50),
            human::duration(p.p95),
            p.n
        );
        if p.n == 0 {
            days_without += 1;
        }
        for (class, value) in [("s-p95", p.p95), ("s-p50", p.p50)] {
            if let Some(v) = value {
                let _ = write!(
                    plot.svg,
                    r#"<circle class="dot {class}" cx="{x:.1}" cy="{y:.1}" r="3.5"><title>{tip}</title></circle>"#,
                    x = plot.x(i),
                    y = plot.y(v),
                    tip = xml(&tooltip),
                );
            }
        }
    }
    let n: u64 = daily.iter().map(|d| pick(d).n).sum();
    let gaps = match days_without {
        0 => String::new(),
        1 => "; a gap marks a day without values".to_owned(),
        _ => "; gaps mark days without values".to_owned(),
    };
    Chart {
        id,
        title,
        caption: format!("Nearest-rank {what}, by UTC day; n = {n} values in all{gaps}."),
        svg: plot.finish(),
    }
}

/// A duration axis label: `30m`, `2h`, `45s` when round, else as the report writes durations.
fn duration_tick(seconds: f64) -> String {
    let whole = seconds.round() as u64;
    if whole == 0 {
        "0".to_owned()
    } else if whole % 3_600 == 0 {
        format!("{}h", whole / 3_600)
    } else if whole % 60 == 0 {
        format!("{}m", whole / 60)
    } else {
        human::duration(Some(seconds))
    }
}

fn failure_chart(series: &Series) -> Chart {
    let weekly = &series.weekly;
    let max = weekly
        .iter()
        .filter_map(|w| w.failure_rate_ci95.map(|[_, hi]| hi))
        .fold(0.0_f64, f64::max);
    // Percent axes in 1-2-2.5-5 steps of percentage points, never above 100%.
    let y_max = (nice_ceiling(max * 100.0) / 100.0).min(1.0);
    let mut plot = Plot::new(
        "chart-failure",
        "Failure rate per week",
        "Points with whiskers: failure rate per ISO week with its 95% Wilson interval",
        weekly.len(),
        y_max,
    );
    let labels: Vec<String> = weekly
        .iter()
        .map(|w| w.week_start.format("%m-%d").to_string())
        .collect();
    plot.axes("failure rate", |v| format!("{:.0}%", v * 100.0), &labels);
    plot.legend(&[("s-failed", "rate"), ("s-interval", "95% interval")]);
    for (i, w) in weekly.iter().enumerate() {
        let x = plot.x(i);
        let tooltip = format!(
            "week of {}: {} {}, {} failed of {} decided (n = {})",
            w.week_start,
            human::percent(w.failure_rate),
            human::interval(w.failure_rate_ci95),
            w.failures,
            w.decided,
            w.decided
        );
        let tip = xml(&tooltip);
        if let Some([lo, hi]) = w.failure_rate_ci95 {
            let (y_lo, y_hi) = (plot.y(lo), plot.y(hi));
            let _ = write!(
                plot.svg,
                r#"<g class="whisker s-interval"><line x1="{x:.1}" x2="{x:.1}" y1="{y_lo:.1}" y2="{y_hi:.1}"/><line x1="{a:.1}" x2="{b:.1}" y1="{y_lo:.1}" y2="{y_lo:.1}"/><line x1="{a:.1}" x2="{b:.1}" y1="{y_hi:.1}" y2="{y_hi:.1}"/><title>{tip}</title></g>"#,
                a = x - 8.0,
                b = x + 8.0,
            );
        }
        match w.failure_rate {
            Some(rate) => {
                let _ = write!(
                    plot.svg,
                    r#"<circle class="dot s-failed" cx="{x:.1}" cy="{y:.1}" r="4.5"><title>{tip}</title></circle>"#,
                    y = plot.y(rate),
                );
            }
            None => {
                let _ = write!(
                    plot.svg,
                    r#"<text class="tick" x="{x:.1}" y="{y:.1}" text-anchor="middle">no decided run<title>{tip}</title></text>"#,
                    y = plot.y(0.0) - 4.0,
                );
            }
        }
    }
    let decided: u64 = weekly.iter().map(|w| w.decided).sum();
    Chart {
        id: "failure",
        title: "Failure rate per week",
        caption: format!(
            "Failed over decided runs per ISO week (Monday, UTC), with 95% Wilson intervals; \
             n = {decided} decided runs over {} weeks, the first and last may be partial.",
            weekly.len()
        ),
        svg: plot.finish(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures::sample_series;

    #[test]
    fn nice_ceilings_round_up_to_readable_steps() {
        assert_eq!(nice_ceiling(13.0), 20.0);
        assert_eq!(nice_ceiling(20.0), 20.0);
        assert_eq!(nice_ceiling(21.0), 25.0);
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(0.3), 0.5);
        // 2105 s = 35.1 min → 50 min = 3000 s.
        assert_eq!(duration_ceiling(2_105.0), 3_000.0);
        // 95 s stays in seconds: 100.
        assert_eq!(duration_ceiling(95.0), 100.0);
        assert_eq!(duration_tick(600.0), "10m");
        assert_eq!(duration_tick(7_200.0), "2h");
        assert_eq!(duration_tick(20.0), "20s");
        assert_eq!(duration_tick(90.0), "1m 30s");
    }

    #[test]
    fn four_charts_with_titles_and_tooltips_naming_n() {
        let charts = charts(&sample_series());
        let ids: Vec<&str> = charts.iter().map(|c| c.id).collect();
        assert_eq!(ids, ["runs", "duration", "failure", "queue"]);
        for chart in &charts {
            assert!(chart.svg.starts_with("<svg "), "{}", chart.id);
            assert!(chart.svg.contains("<title id=\"chart-"), "{}", chart.id);
            assert!(chart.svg.contains("aria-label=\""), "{}", chart.id);
            // Every tooltip but the chart's own title names its n.
            let tooltips = chart.svg.matches("<title>").count();
            assert!(tooltips > 0, "{}", chart.id);
            assert_eq!(chart.svg.matches("(n = ").count(), tooltips, "{}", chart.id);
        }
        // 23 November: 12 runs, 2 failed, 0 aborted → 10 succeeded.
        assert!(charts[0]
            .svg
            .contains("<title>2026-11-23: 10 succeeded of 12 runs (n = 12)</title>"));
        // Week of 23 November: 15 of 72 = 20.8%.
        assert!(
            charts[2].svg.contains("week of 2026-11-23: 20.8% [")
                && charts[2].svg.contains("15 failed of 72 decided (n = 72)")
        );
        // 29 November has no queue value: the caption says there is a gap, and no dot is drawn.
        assert!(charts[3]
            .caption
            .contains("a gap marks a day without values"));
        assert_eq!(charts[3].svg.matches("class=\"dot s-p50\"").count(), 6);
    }

    #[test]
    fn an_empty_series_draws_nothing() {
        assert!(charts(&Series::default()).is_empty());
    }

    #[test]
    fn text_in_svg_is_escaped() {
        assert_eq!(xml("<a & \"b\">\u{202E}"), "&lt;a &amp; &quot;b&quot;&gt;");
    }
}
