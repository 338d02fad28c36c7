//! DORA deployment metrics over the runs the user declares as deployments (`--deploy-pipeline`):
//! deployment frequency, change failure rate (a CI proxy) and recovery time, each with the band
//! of the DORA report whose thresholds it uses (metrics.md, "DORA deployment metrics").

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeDelta, Utc};
use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Serialize;

use super::group::{decided_failure, AppRun};
use super::percentile::{finite, SortedSample};
use super::restore::time_to_restore;
use super::stats::wilson;
use super::Settings;
use crate::error::Error;
use crate::model::{Dataset, Outcome, Run, Window};

/// The report whose performance clusters give the bands.
pub const DORA_SOURCE: &str = "Accelerate State of DevOps Report 2023 (DORA)";

/// The band thresholds, all in one place, from the software delivery performance clusters of the
/// 2023 Accelerate State of DevOps Report (DORA, Google Cloud):
/// - deployment frequency: elite "on demand, multiple deploys per day", high "between once per
///   day and once per week", medium "between once per week and once per month"; the report gives
///   low the same range as medium, so here anything below once per month is low;
/// - change failure rate: elite 5%, high 10%, medium 15%, low 64%: a rate up to a cluster's
///   value is in that band, above 15% is low;
/// - failed deployment recovery time: elite "less than one hour", high "less than one day",
///   medium "between one day and one week", low "between one month and six months": up to one
///   hour, one day, one week; longer is low.
///
/// Frequencies are lower bounds (at least), the other two upper bounds (at most); a value on a
/// boundary takes the better band.
const BANDS: BandThresholds = BandThresholds {
    deploys_per_day: [1.0, 1.0 / 7.0, 1.0 / 30.0],
    change_failure_rate: [0.05, 0.10, 0.15],
    recovery_s: [3_600.0, 86_400.0, 604_800.0],
};

/// Elite, high and medium limits of each metric; beyond medium is low.
struct BandThresholds {
    deploys_per_day: [f64; 3],
    change_failure_rate: [f64; 3],
    recovery_s: [f64; 3],
}

/// A DORA performance band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    Elite,
    High,
    Medium,
    Low,
}

impl Band {
    pub fn as_str(self) -> &'static str {
        match self {
            Band::Elite => "elite",
            Band::High => "high",
            Band::Medium => "medium",
            Band::Low => "low",
        }
    }

    /// The band of a value where more is better (`value >= limit`).
    fn at_least(value: f64, limits: [f64; 3]) -> Band {
        Band::first_met(limits.map(|limit| value >= limit))
    }

    /// The band of a value where less is better (`value <= limit`).
    fn at_most(value: f64, limits: [f64; 3]) -> Band {
        Band::first_met(limits.map(|limit| value <= limit))
    }

    fn first_met([elite, high, medium]: [bool; 3]) -> Band {
        if elite {
            Band::Elite
        } else if high {
            Band::High
        } else if medium {
            Band::Medium
        } else {
            Band::Low
        }
    }
}

/// The deploy pipelines (`--deploy-pipeline` globs).
#[derive(Debug, Clone)]
pub struct DeploySelector {
    patterns: Vec<String>,
    set: GlobSet,
}

impl DeploySelector {
    /// `None` without patterns (no DORA section).
    pub fn new(patterns: &[String]) -> Result<Option<DeploySelector>, Error> {
        if patterns.is_empty() {
            return Ok(None);
        }
        let mut builder = GlobSetBuilder::new();
        for pattern in patterns {
            let glob = Glob::new(pattern).map_err(|e| {
                Error::Config(format!(
                    "--deploy-pipeline {pattern:?} is not a valid glob: {e}"
                ))
            })?;
            builder.add(glob);
        }
        let set = builder
            .build()
            .map_err(|e| Error::Config(format!("--deploy-pipeline: {e}")))?;
        Ok(Some(DeploySelector {
            patterns: patterns.to_vec(),
            set,
        }))
    }

    fn matches(&self, run: &Run, main_branches: &[String]) -> bool {
        self.set.is_match(&run.name)
            && run
                .branch
                .as_deref()
                .is_some_and(|b| main_branches.iter().any(|m| m == b))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DoraThresholds {
    pub source: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeploymentFrequency {
    /// Succeeded deploy runs in the window.
    pub deploys: u64,
    pub per_day: f64,
    /// Nearest-rank median over the counted ISO weeks of the distinct UTC days with a deploy.
    pub median_deploy_days_per_week: Option<f64>,
    /// `None` without deploys: an empty window proves no frequency.
    pub band: Option<Band>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeFailureRate {
    pub value: Option<f64>,
    pub ci95: Option<[f64; 2]>,
    pub decided: u64,
    pub band: Option<Band>,
    pub note: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecoveryTime {
    pub n: u64,
    pub p50: Option<f64>,
    pub max: Option<f64>,
    pub open: u64,
    /// From `p50`; `None` without a closed episode.
    pub band: Option<Band>,
}

/// The DORA section of a report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dora {
    pub thresholds: DoraThresholds,
    pub deploy_pipelines: Vec<String>,
    pub deployment_frequency: DeploymentFrequency,
    pub change_failure_rate: ChangeFailureRate,
    pub recovery_time: RecoveryTime,
}

/// A week counts towards the weekly median when the window covers at least half of it.
const HALF_WEEK: TimeDelta = TimeDelta::seconds(7 * 86_400 / 2);

/// The DORA metrics of the deploy runs of `dataset` (already filtered): runs whose name matches
/// `selector`, on the main branches, triggered in `window`.
pub fn dora(
    dataset: &Dataset,
    window: &Window,
    settings: &Settings,
    selector: &DeploySelector,
) -> Dora {
    let deploys: Vec<AppRun<'_>> = dataset
        .apps
        .iter()
        .flat_map(|a| {
            a.runs.iter().map(|run| AppRun {
                app: &a.app.slug,
                run,
            })
        })
        .filter(|r| {
            window.contains(r.run.triggered_at) && selector.matches(r.run, &settings.main_branches)
        })
        .collect();

    let succeeded: Vec<DateTime<Utc>> = deploys
        .iter()
        .filter(|r| r.run.outcome == Outcome::Succeeded)
        .map(|r| r.run.triggered_at)
        .collect();
    let count = succeeded.len() as u64;
    let per_day = if window.days() > 0.0 {
        finite(count as f64 / window.days()).unwrap_or(0.0)
    } else {
        0.0
    };

    let (mut decided, mut failures) = (0, 0);
    for r in &deploys {
        if let Some(failed) = decided_failure(r.run.outcome, settings.aborted_as) {
            decided += 1;
            failures += u64::from(failed);
        }
    }
    let cfr = if decided == 0 {
        None
    } else {
        finite(failures as f64 / decided as f64)
    };

    let restore = time_to_restore(&deploys, &settings.main_branches);
    Dora {
        thresholds: DoraThresholds {
            source: DORA_SOURCE,
        },
        deploy_pipelines: selector.patterns.clone(),
        deployment_frequency: DeploymentFrequency {
            deploys: count,
            per_day,
            median_deploy_days_per_week: median_deploy_days_per_week(window, &succeeded),
            band: (count > 0).then(|| Band::at_least(per_day, BANDS.deploys_per_day)),
        },
        change_failure_rate: ChangeFailureRate {
            value: cfr,
            ci95: wilson(failures, decided),
            decided,
            band: cfr.map(|v| Band::at_most(v, BANDS.change_failure_rate)),
            note: "CI proxy: failed over decided deploy runs; no incident data",
        },
        recovery_time: RecoveryTime {
            n: restore.n,
            p50: restore.p50,
            max: restore.max,
            open: restore.open,
            band: restore.p50.map(|p| Band::at_most(p, BANDS.recovery_s)),
        },
    }
}

/// The nearest-rank median, over the ISO weeks (Monday 00:00 UTC to Monday) the window covers
/// for at least half a week, of the number of distinct UTC days of that week, inside the window,
/// with at least one succeeded deploy (by trigger time). `None` when no week is covered enough.
fn median_deploy_days_per_week(window: &Window, deploys: &[DateTime<Utc>]) -> Option<f64> {
    let first_day = window.since.date_naive();
    let monday = first_day - Duration::days(i64::from(first_day.weekday().num_days_from_monday()));
    let mut week_start = midnight(monday);
    let mut counts = Vec::new();
    while week_start < window.until {
        let week_end = week_start + TimeDelta::days(7);
        let covered = week_end.min(window.until) - week_start.max(window.since);
        if covered >= HALF_WEEK {
            let days: BTreeSet<NaiveDate> = deploys
                .iter()
                .filter(|t| week_start <= **t && **t < week_end && window.contains(**t))
                .map(DateTime::date_naive)
                .collect();
            counts.push(days.len() as f64);
        }
        week_start = week_end;
    }
    SortedSample::new(counts).nearest_rank(50)
}

fn midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::fixtures::{at, one_app, run, window};
    use crate::metrics::AbortedAs;
    use crate::model::Run;

    fn dataset(runs: Vec<Run>) -> Dataset {
        one_app(runs)
    }

    fn selector() -> DeploySelector {
        DeploySelector::new(&["deploy-*".to_owned()])
            .expect("valid")
            .expect("patterns given")
    }

    /// A deploy run finished `minutes_long` after its trigger at minute `t`.
    fn deploy(slug: &str, outcome: Outcome, t: i64, minutes_long: i64) -> Run {
        let mut r = run(slug, "deploy-prod", outcome, t);
        r.finished_at = Some(at(t + minutes_long));
        r
    }

    const DAY: i64 = 24 * 60;

    fn hours(h: u32) -> f64 {
        f64::from(h) * 3_600.0
    }

    #[test]
    fn hand_made_deploy_set() {
        // The window is Mon 2026-11-23 .. Mon 2026-11-30: exactly ISO week 48.
        let mut feature = deploy("x1", Outcome::Failed, 10, 5);
        feature.branch = Some("feature/a".to_owned()); // not a main branch: ignored
        let mut not_deploy = deploy("x2", Outcome::Failed, 10, 5);
        not_deploy.name = "ci".to_owned(); // not matched: ignored
        let runs = vec![
            deploy("d1", Outcome::Succeeded, 60, 10),          // Mon
            deploy("d2", Outcome::Succeeded, 120, 10),         // Mon again: same day
            deploy("d3", Outcome::Failed, DAY + 60, 10),       // Tue, F at DAY + 70
            deploy("d4", Outcome::Succeeded, DAY + 120, 30),   // Tue, F at DAY + 150
            deploy("d5", Outcome::Aborted, 2 * DAY, 5),        // Wed, not decided
            deploy("d6", Outcome::Succeeded, 3 * DAY + 1, 10), // Thu
            deploy("d7", Outcome::Succeeded, -60, 10),         // previous week: outside
            feature,
            not_deploy,
        ];
        let w = window();
        let d = dora(&dataset(runs), &w, &Settings::default(), &selector());
        assert_eq!(d.deploy_pipelines, ["deploy-*"]);
        assert_eq!(d.thresholds.source, DORA_SOURCE);

        let f = &d.deployment_frequency;
        // Succeeded deploys d1 d2 d4 d6 = 4 over 7 days = 0.5714/day ≥ 1/7 → high.
        assert_eq!(f.deploys, 4);
        assert_eq!(f.per_day, 4.0 / 7.0);
        assert_eq!(f.band, Some(Band::High));
        // One week (48), distinct days Mon, Tue, Thu = 3.
        assert_eq!(f.median_deploy_days_per_week, Some(3.0));

        let c = &d.change_failure_rate;
        // Decided d1 d2 d3 d4 d6 = 5, failed d3 → 0.2 > 0.15 → low.
        assert_eq!(
            (c.decided, c.value, c.band),
            (5, Some(0.2), Some(Band::Low))
        );
        assert!(c.ci95.is_some());

        let r = &d.recovery_time;
        // d3 fails at DAY + 70, d4 succeeds at DAY + 150: 80 min = 4800 s ≤ 1 day → high.
        assert_eq!((r.n, r.p50, r.open), (1, Some(4_800.0), 0));
        assert_eq!(r.band, Some(Band::High));

        // With --aborted-as failure, the aborted d5 is decided and failed: 2 failed of 2.
        let settings = Settings {
            aborted_as: AbortedAs::Failure,
            ..Settings::default()
        };
        let c = dora(
            &dataset(vec![
                deploy("d3", Outcome::Failed, 60, 1),
                deploy("d5", Outcome::Aborted, 70, 1),
            ]),
            &w,
            &settings,
            &selector(),
        )
        .change_failure_rate;
        assert_eq!((c.decided, c.value), (2, Some(1.0)));
    }

    #[test]
    fn no_deploys_give_nulls_not_zero_bands() {
        let w = window();
        let d = dora(&dataset(Vec::new()), &w, &Settings::default(), &selector());
        assert_eq!(d.deployment_frequency.deploys, 0);
        assert_eq!(d.deployment_frequency.per_day, 0.0);
        assert_eq!(d.deployment_frequency.band, None);
        // The one covered week has 0 deploy days: a measured 0, not a null.
        assert_eq!(
            d.deployment_frequency.median_deploy_days_per_week,
            Some(0.0)
        );
        assert_eq!(
            (d.change_failure_rate.value, d.change_failure_rate.band),
            (None, None)
        );
        assert_eq!((d.recovery_time.p50, d.recovery_time.band), (None, None));
    }

    #[test]
    fn partial_weeks_count_when_half_covered() {
        // Window Thu 2026-11-26 00:00 .. Sat 2026-12-05 00:00 (9 days): week 48 (Mon 23 ..
        // Mon 30) is covered Thu..Mon = 4 days ≥ 3.5 → counted; week 49 (Mon 30 .. Mon Dec 7)
        // covered Mon..Sat = 5 days → counted. Deploys: week 48 on Thu and Fri (2 days);
        // week 49 on Tue (1 day). Counts [1, 2]: nearest-rank p50 r = 1 → 1.
        let w = Window {
            since: at(3 * DAY),
            until: at(12 * DAY),
        };
        let days = [
            at(3 * DAY + 5),
            at(4 * DAY + 5),
            at(4 * DAY + 9),
            at(8 * DAY),
        ];
        assert_eq!(median_deploy_days_per_week(&w, &days), Some(1.0));
        // Window Sat 28 .. Tue Dec 1 (3 days): week 48 covered 2 days, week 49 1 day: none.
        let short = Window {
            since: at(5 * DAY),
            until: at(8 * DAY),
        };
        assert_eq!(median_deploy_days_per_week(&short, &days), None);
        // Exactly half a week (Thu 12:00 .. Mon 00:00 = 3.5 days) counts.
        let half = Window {
            since: at(3 * DAY + 12 * 60),
            until: at(7 * DAY),
        };
        assert_eq!(median_deploy_days_per_week(&half, &days), Some(1.0));
    }

    #[test]
    fn bands_on_their_boundaries() {
        let f = |per_day: f64| Band::at_least(per_day, BANDS.deploys_per_day);
        assert_eq!(f(1.0), Band::Elite);
        assert_eq!(f(0.99), Band::High);
        assert_eq!(f(1.0 / 7.0), Band::High);
        assert_eq!(f(0.14), Band::Medium);
        assert_eq!(f(1.0 / 30.0), Band::Medium);
        assert_eq!(f(0.033), Band::Low);

        let c = |rate: f64| Band::at_most(rate, BANDS.change_failure_rate);
        assert_eq!(c(0.05), Band::Elite);
        assert_eq!(c(0.06), Band::High);
        assert_eq!(c(0.10), Band::High);
        assert_eq!(c(0.15), Band::Medium);
        assert_eq!(c(0.16), Band::Low);

        let r = |s: f64| Band::at_most(s, BANDS.recovery_s);
        assert_eq!(r(hours(1)), Band::Elite);
        assert_eq!(r(hours(1) + 1.0), Band::High);
        assert_eq!(r(hours(24)), Band::High);
        assert_eq!(r(hours(24 * 7)), Band::Medium);
        assert_eq!(r(hours(24 * 7) + 1.0), Band::Low);
    }

    #[test]
    fn invalid_globs_name_the_flag() {
        let e = DeploySelector::new(&["deploy-[".to_owned()]).expect_err("invalid glob");
        assert!(e.to_string().contains("--deploy-pipeline"), "{e}");
        assert!(DeploySelector::new(&[]).expect("no patterns").is_none());
    }

    #[test]
    fn json_keys() {
        let w = window();
        let v = serde_json::to_value(dora(
            &dataset(Vec::new()),
            &w,
            &Settings::default(),
            &selector(),
        ))
        .expect("serializable");
        let keys = |v: &serde_json::Value| {
            let mut k: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
            k.sort();
            k
        };
        assert_eq!(
            keys(&v),
            [
                "change_failure_rate",
                "deploy_pipelines",
                "deployment_frequency",
                "recovery_time",
                "thresholds"
            ]
        );
        assert_eq!(
            keys(&v["deployment_frequency"]),
            ["band", "deploys", "median_deploy_days_per_week", "per_day"]
        );
        assert_eq!(
            keys(&v["change_failure_rate"]),
            ["band", "ci95", "decided", "note", "value"]
        );
        assert_eq!(
            keys(&v["recovery_time"]),
            ["band", "max", "n", "open", "p50"]
        );
        assert_eq!(keys(&v["thresholds"]), ["source"]);
    }
}
