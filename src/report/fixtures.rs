//! A hand-built [`Report`] for the renderers' tests (unit tests, snapshots and the browser
//! check): two apps with pipeline rows and a standalone build, a significant change, a change
//! that is not significant, a row with no run in the window, a skipped app, a warning, and hostile
//! names. Every value is invented; rates and intervals were worked out from the counts by hand
//! (Wilson and Newcombe, metrics.md) and are written out below.

use chrono::{DateTime, TimeZone, Utc};

use super::{Coverage, Report, SettingsInfo, Source, SourceKind, WindowInfo, SCHEMA_VERSION};
use crate::metrics::series::{DailyPoint, Percentiles, Series, WeeklyPoint};
use crate::metrics::wilson;
use crate::metrics::{
    AbortedAs, AppMetrics, Change, Credits, DurationChange, DurationPopulation, DurationStats,
    FailureRateChange, GroupMetrics, PipelineMetrics, QueueStats, RestoreStats, RunsChange,
    WindowMetrics,
};
use crate::model::{ErrorCode, RunKind, SkippedApp};

/// The hostile app title of the fixture.
pub const HOSTILE_TITLE: &str = "Shop <script>alert(1)</script> | iOS";
/// The hostile pipeline name of the fixture.
pub const HOSTILE_PIPELINE: &str = "release/**bold** @octocat #123";

fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// The counts and statistics of one group in one 7-day window.
struct Counts {
    succeeded: u64,
    failed: u64,
    aborted: u64,
    /// Wilson interval for `failed / (succeeded + failed)`.
    ci95: Option<[f64; 2]>,
    durations: DurationStats,
    restore: (u64, Option<f64>, Option<f64>, u64),
}

impl Counts {
    fn empty() -> Counts {
        Counts {
            succeeded: 0,
            failed: 0,
            aborted: 0,
            ci95: None,
            durations: durations(0, [0.0; 5]),
            restore: (0, None, None, 0),
        }
    }

    fn window(&self) -> WindowMetrics {
        let runs = self.succeeded + self.failed + self.aborted;
        let decided = self.succeeded + self.failed;
        WindowMetrics {
            runs,
            runs_per_day: runs as f64 / 7.0,
            succeeded: self.succeeded,
            failed: self.failed,
            aborted: self.aborted,
            in_progress: 0,
            other: 0,
            decided,
            failure_rate: (decided > 0).then(|| self.failed as f64 / decided as f64),
            failure_rate_ci95: self.ci95,
            duration_s: self.durations.clone(),
            queue_s: QueueStats {
                n: runs,
                p50: (runs > 0).then_some(12.0),
                p95: (runs > 0).then_some(95.0),
            },
            time_to_restore_s: RestoreStats {
                n: self.restore.0,
                p50: self.restore.1,
                max: self.restore.2,
                open: self.restore.3,
                open_episodes: Vec::new(),
            },
            credits: Credits {
                total: runs * 10,
                failed: (self.failed + self.aborted) * 10,
                coverage: (runs > 0).then_some(1.0),
            },
            reliability: None,
        }
    }
}

/// Duration statistics of `n` values: p50, p90, p95, mean and max, or nothing when n = 0.
fn durations(n: u64, stats: [f64; 5]) -> DurationStats {
    let [p50, p90, p95, mean, max] = stats;
    let known = |v: f64| (n > 0).then_some(v);
    DurationStats {
        n,
        p50: known(p50),
        p90: known(p90),
        p95: known(p95),
        mean: known(mean),
        max: known(max),
    }
}

/// A group compared with the previous window.
fn group(
    now: Counts,
    before: Counts,
    fr: (Option<f64>, Option<[f64; 2]>, bool),
    p50: (Option<f64>, bool),
) -> GroupMetrics {
    let current = now.window();
    let previous = before.window();
    let p50_delta = match (current.duration_s.p50, previous.duration_s.p50) {
        (Some(a), Some(b)) => Some(a - b),
        _ => None,
    };
    let change = Change {
        runs: RunsChange {
            delta: current.runs as i64 - previous.runs as i64,
        },
        failure_rate: FailureRateChange {
            delta: fr.0,
            ci95: fr.1,
            significant: fr.2,
        },
        duration_p50: DurationChange {
            delta: p50_delta,
            p_value: p50.0,
            significant: p50.1,
        },
    };
    GroupMetrics {
        current,
        previous: Some(previous),
        change: Some(change),
    }
}

fn counts(
    succeeded: u64,
    failed: u64,
    aborted: u64,
    ci95: Option<[f64; 2]>,
    durations: DurationStats,
) -> Counts {
    Counts {
        succeeded,
        failed,
        aborted,
        ci95,
        durations,
        restore: (0, None, None, 0),
    }
}

/// The fixture report: window 2026-11-23 to 2026-11-30, compared with the week before.
pub fn sample_report() -> Report {
    // Acme Android / ci: 10 failed of 40 decided = 25.0% [14.2%–40.2%]; before 2 of 37 = 5.4%
    // [1.5%–17.7%]; change +19.6 pp, Newcombe [+3.2 pp, +35.3 pp] excludes 0, both n >= 10:
    // significant. p50 252 s vs 248 s, p = 0.62: not significant, n = 30 and 35: plain.
    let mut ci_now = counts(
        30,
        10,
        2,
        Some([0.141_871_185_743_879_8, 0.401_939_615_485_352]),
        durations(30, [252.0, 380.0, 401.0, 260.5, 455.0]),
    );
    ci_now.restore = (2, Some(3_780.0), Some(7_200.0), 0);
    let ci = group(
        ci_now,
        counts(
            35,
            2,
            1,
            Some([0.014_950_976_698_341_792, 0.177_046_544_841_887_1]),
            durations(35, [248.0, 370.0, 390.0, 250.0, 420.0]),
        ),
        (
            Some(0.195_945_945_945_945_94),
            Some([0.032_180_890_874_267_926, 0.352_836_664_003_208_4]),
            true,
        ),
        (Some(0.62), false),
    );
    // Acme Android / nightly (standalone build): 2 failed of 5 = 40.0% [11.8%–76.9%]; before 0 of
    // 6. Newcombe [−8.2 pp, +76.9 pp] holds 0 and n < 10: not enough runs. 3 durations: p95 is
    // the maximum (2105 s).
    let nightly = group(
        counts(
            3,
            2,
            0,
            Some([0.117_620_773_140_997_11, 0.769_275_720_590_881_3]),
            durations(3, [1_830.0, 2_105.0, 2_105.0, 1_900.0, 2_105.0]),
        ),
        counts(
            6,
            0,
            0,
            Some([0.0, 0.390_334_291_656_373_46]),
            durations(6, [1_790.0, 1_850.0, 1_850.0, 1_800.0, 1_850.0]),
        ),
        (
            Some(0.4),
            Some([-0.081_766_423_699_671_08, 0.769_275_720_590_881_3]),
            false,
        ),
        (Some(0.39), false),
    );
    // Acme Android total: 12 failed of 45 = 26.7% [16.0%–41.0%]; before 2 of 43 = 4.7%
    // [1.3%–15.5%]; change +22.0 pp [+6.8 pp, +36.8 pp]: significant.
    let mut acme_now = counts(
        33,
        12,
        2,
        Some([0.159_649_034_546_766_3, 0.410_388_378_728_740_45]),
        durations(33, [252.0, 1_830.0, 2_105.0, 400.0, 2_105.0]),
    );
    acme_now.restore = (2, Some(3_780.0), Some(7_200.0), 0);
    let acme = group(
        acme_now,
        counts(
            41,
            2,
            1,
            Some([0.012_849_259_978_574_556, 0.154_554_981_233_629_2]),
            durations(41, [250.0, 1_790.0, 1_850.0, 480.0, 1_850.0]),
        ),
        (
            Some(0.220_155_038_759_689_92),
            Some([0.068_082_227_966_247_3, 0.367_766_303_684_155_5]),
            true,
        ),
        (Some(0.58), false),
    );

    // Shop / release…: 3 failed of 25 = 12.0% [4.2%–30.0%]; before 4 of 24 = 16.7%
    // [6.7%–35.9%]; change −4.7 pp [−25.4 pp, +15.9 pp] holds 0, n >= 10: plain. p50 600 s vs
    // 780 s = −180 s, p = 0.001, n = 22 and 20: significant (faster).
    let mut release_now = counts(
        22,
        3,
        0,
        Some([0.041_668_171_179_050_39, 0.299_557_940_918_846_8]),
        durations(22, [600.0, 700.0, 722.0, 615.0, 760.0]),
    );
    release_now.restore = (0, None, None, 1);
    let release = group(
        release_now,
        counts(
            20,
            4,
            0,
            Some([0.066_786_762_821_318_18, 0.358_530_708_212_900_4]),
            durations(20, [780.0, 850.0, 870.0, 790.0, 900.0]),
        ),
        (
            Some(-0.046_666_666_666_666_66),
            Some([-0.253_904_901_181_655_4, 0.158_801_212_426_811_44]),
            false,
        ),
        (Some(0.001), true),
    );
    // Shop / bidi-named build: no run this window (nulls), 3 succeeded before.
    let evil = group(
        Counts::empty(),
        counts(
            3,
            0,
            0,
            Some([0.0, 0.561_497_035_639_319_6]),
            durations(3, [95.0, 120.0, 120.0, 100.0, 120.0]),
        ),
        (None, None, false),
        (None, false),
    );
    // Shop / 500-character name: 0 failed of 2 = 0.0% [0.0%–65.8%], nothing before.
    let long = group(
        counts(
            2,
            0,
            0,
            Some([0.0, 0.657_619_776_045_350_6]),
            durations(2, [38.0, 41.0, 41.0, 39.5, 41.0]),
        ),
        Counts::empty(),
        (None, None, false),
        (None, false),
    );
    // Shop total: 3 failed of 27 = 11.1% [3.9%–28.1%]; before 4 of 27 = 14.8% [5.9%–32.5%];
    // change −3.7 pp [−22.8 pp, +15.4 pp]: plain.
    let mut shop_now = counts(
        24,
        3,
        0,
        Some([0.038_520_347_982_447_41, 0.280_578_009_821_385_8]),
        durations(24, [590.0, 700.0, 722.0, 560.0, 760.0]),
    );
    shop_now.restore = (0, None, None, 1);
    let shop = group(
        shop_now,
        counts(
            23,
            4,
            0,
            Some([0.059_159_277_350_709_08, 0.324_786_855_900_378_1]),
            durations(23, [770.0, 850.0, 870.0, 700.0, 900.0]),
        ),
        (
            Some(-0.037_037_037_037_037_035),
            Some([-0.228_009_946_026_714_04, 0.154_373_644_180_814_03]),
            false,
        ),
        (Some(0.002), true),
    );
    // Total: 15 failed of 72 = 20.8% [13.1%–31.6%]; before 6 of 70 = 8.6% [4.0%–17.5%];
    // change +12.3 pp [+0.4 pp, +23.9 pp]: significant.
    let mut total_now = counts(
        57,
        15,
        2,
        Some([0.130_520_549_331_293_53, 0.315_692_635_125_815_75]),
        durations(57, [300.0, 1_830.0, 2_105.0, 470.0, 2_105.0]),
    );
    total_now.restore = (2, Some(3_780.0), Some(7_200.0), 1);
    let total = group(
        total_now,
        counts(
            64,
            6,
            1,
            Some([0.039_876_669_411_977_844, 0.174_656_725_801_163_5]),
            durations(64, [300.0, 1_790.0, 1_850.0, 560.0, 1_850.0]),
        ),
        (
            Some(0.122_619_047_619_047_63),
            Some([0.004_442_962_886_323_69, 0.239_354_246_893_503_5]),
            true,
        ),
        (Some(0.71), false),
    );

    let window = WindowInfo {
        since: at(2026, 11, 23, 0, 0),
        until: at(2026, 11, 30, 0, 0),
        days: 7.0,
    };
    let previous_window = WindowInfo {
        since: at(2026, 11, 16, 0, 0),
        until: at(2026, 11, 23, 0, 0),
        days: 7.0,
    };
    let runs = total.current.runs + total.previous.as_ref().map_or(0, |p| p.runs);
    Report {
        schema_version: SCHEMA_VERSION,
        generated_at: at(2026, 11, 30, 0, 5),
        source: Source {
            kind: SourceKind::Snapshot,
            api_url: None,
        },
        window,
        previous_window: Some(previous_window),
        settings: SettingsInfo {
            percentile: "nearest-rank",
            aborted_as: AbortedAs::Excluded,
            durations: DurationPopulation::Succeeded,
            main_branches: vec!["main".to_owned(), "master".to_owned()],
        },
        coverage: Coverage {
            apps: 2,
            runs,
            requests: 0,
            skipped_apps: vec![SkippedApp {
                slug: "dead-beef".to_owned(),
                title: Some("Legacy [app](http://x)".to_owned()),
                error: ErrorCode::InvalidPermissions,
                message: "GET /v0.1/apps/dead-beef/pipelines: 403 <!-- x --> forbidden"
                    .to_owned(),
            }],
            warnings: vec![
                "3 runs of app f00d-cafe had no finished_at\nand were left out of durations; ask @org/team"
                    .to_owned(),
            ],
            data_quality: crate::metrics::DataQuality {
                runs_in_span: runs,
                runs_without_start: 0,
                negative_durations: 0,
                unknown_status: 0,
                unknown_credit_cost_share: Some(0.0),
                beyond_retention: false,
            },
        },
        total,
        apps: vec![
            AppMetrics {
                slug: "a1b2-c3d4".to_owned(),
                title: "Acme Android".to_owned(),
                metrics: acme,
                pipelines: vec![
                    PipelineMetrics {
                        name: "ci".to_owned(),
                        kind: RunKind::Pipeline,
                        metrics: ci,
                        workflows: None,
                        critical_path: None,
                    },
                    PipelineMetrics {
                        name: "nightly".to_owned(),
                        kind: RunKind::Build,
                        metrics: nightly,
                        workflows: None,
                        critical_path: None,
                    },
                ],
            },
            AppMetrics {
                slug: "f00d-cafe".to_owned(),
                title: HOSTILE_TITLE.to_owned(),
                metrics: shop,
                // Code-point order: 'a' < 'r' < U+202E.
                pipelines: vec![
                    PipelineMetrics {
                        name: "a|b ".repeat(125),
                        kind: RunKind::Pipeline,
                        metrics: long,
                        workflows: None,
                        critical_path: None,
                    },
                    PipelineMetrics {
                        name: HOSTILE_PIPELINE.to_owned(),
                        kind: RunKind::Pipeline,
                        metrics: release,
                        workflows: None,
                        critical_path: None,
                    },
                    PipelineMetrics {
                        name: "\u{202E}evil`code`".to_owned(),
                        kind: RunKind::Build,
                        metrics: evil,
                        workflows: None,
                        critical_path: None,
                    },
                ],
            },
        ],
        series: sample_series(),
        dora: None,
        breakdowns: crate::metrics::Breakdowns::new(),
        gates: Vec::new(),
    }
}

fn date(day: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, day).expect("a November date")
}

/// The fixture's chart data, consistent with its totals: 74 runs over 23 to 29 November
/// (12 + 10 + 11 + 13 + 9 + 10 + 9), 15 failed (2 + 1 + 3 + 4 + 1 + 2 + 2), 2 aborted, 57
/// succeeded; weeks of 16 November (6 failed of 70 decided) and 23 November (15 of 72).
/// Sunday 29 November has no queue time recorded, to show a gap.
pub fn sample_series() -> Series {
    // (day, runs, failed, aborted, duration p50, p95, queue p50, p95)
    type Day = (u32, u64, u64, u64, f64, f64, Option<f64>, Option<f64>);
    let days: [Day; 7] = [
        (23, 12, 2, 0, 290.0, 1_830.0, Some(14.0), Some(95.0)),
        (24, 10, 1, 0, 301.0, 1_902.0, Some(12.0), Some(60.0)),
        (25, 11, 3, 1, 312.0, 2_105.0, Some(25.0), Some(180.0)),
        (26, 13, 4, 0, 335.0, 1_990.0, Some(41.0), Some(240.0)),
        (27, 9, 1, 0, 298.0, 1_875.0, Some(9.0), Some(44.0)),
        (28, 10, 2, 1, 305.0, 1_960.0, Some(11.0), Some(52.0)),
        (29, 9, 2, 0, 296.0, 1_840.0, None, None),
    ];
    let daily = days
        .iter()
        .map(|&(day, runs, failed, aborted, p50, p95, q50, q95)| {
            let succeeded = runs - failed - aborted;
            DailyPoint {
                date: date(day),
                runs,
                succeeded,
                failed,
                aborted,
                in_progress: 0,
                other: 0,
                duration_s: Percentiles {
                    n: succeeded,
                    p50: Some(p50),
                    p95: Some(p95),
                },
                queue_s: Percentiles {
                    n: if q50.is_some() { runs - aborted } else { 0 },
                    p50: q50,
                    p95: q95,
                },
            }
        })
        .collect();
    let weekly = [(16, 70, 6), (23, 72, 15)]
        .into_iter()
        .map(|(day, decided, failures)| WeeklyPoint {
            week_start: date(day),
            decided,
            failures,
            failure_rate: Some(failures as f64 / decided as f64),
            failure_rate_ci95: wilson(failures, decided),
        })
        .collect();
    Series { daily, weekly }
}
