//! The demo's traffic: the apps of an invented mobile team ("Larkspur"), the pipelines and
//! standalone builds each app runs, and the generator that turns them into runs over the
//! [`SPAN_DAYS`] days before the anchor.
//!
//! Routine traffic is random but seeded; the runs that must exist for the report to show every
//! feature (the hostile branch, a status 5, AI runs, runs still going at the anchor) are
//! scripted by hand in [`scripted`].

use chrono::{DateTime, TimeDelta, Timelike, Utc};

use super::rng::SplitMix64;
use crate::model::RunKind;

/// Days of traffic before the anchor: the 14-day window and the 14 days before it.
pub(super) const SPAN_DAYS: i64 = 28;

/// Once the main branch is red, the chance that its next run fails too (a red streak).
const STAYS_RED: f64 = 0.5;

/// The chance that a failed run is rerun on the same commit (a flaky failure).
const RERUN_AFTER_FAILURE: f64 = 0.3;

/// The chance that such a rerun on a pull request fails again; reruns on the main branch always
/// pass, so that they close the red episode they rescue.
const RERUN_FAILS_AGAIN: f64 = 0.15;

/// A pull request the team pushes to; its branch targets the app's main branch.
#[derive(Debug)]
pub(super) struct PullRequest {
    pub id: u64,
    pub branch: &'static str,
    pub author: &'static str,
}

/// How a stream's runs are triggered.
#[derive(Debug)]
pub(super) enum Trigger {
    /// Pushes to pull requests and merges to the main branch: between `weekday.0` and
    /// `weekday.1` runs on a weekday, fewer at weekends; `main_share` of them on the main branch.
    Push {
        weekday: (u32, u32),
        weekend: (u32, u32),
        main_share: f64,
    },
    /// A scheduled run on the main branch every night at `hour` UTC.
    Nightly { hour: i64 },
    /// A release started by hand on the main branch once a week on `weekday` (0 = Monday).
    Weekly { weekday: i64 },
}

/// How a stream behaves from day `from_day` of the span on (0 = the first day).
#[derive(Debug)]
pub(super) struct Regime {
    pub from_day: i64,
    /// The median duration of a succeeded run, in seconds.
    pub median_s: f64,
    /// The chance that a run on a pull request fails.
    pub pr_failure: f64,
    /// The chance that a run on a green main branch fails (and starts a red streak).
    pub main_break: f64,
}

/// One pipeline or standalone build workflow of an app.
#[derive(Debug)]
pub(super) struct Stream {
    pub name: &'static str,
    pub kind: RunKind,
    pub trigger: Trigger,
    /// The spread of durations (sigma of the log-normal).
    pub sigma: f64,
    /// Sorted by `from_day`, the first starting at day 0.
    pub regimes: &'static [Regime],
    /// Whether the main branch is still red at the anchor: the demo's one open red episode.
    pub ends_red: bool,
}

impl Stream {
    fn regime(&self, day: i64) -> &Regime {
        self.regimes
            .iter()
            .rev()
            .find(|r| r.from_day <= day)
            .unwrap_or(&FALLBACK_REGIME)
    }
}

/// Only reached by a stream declared without regimes.
const FALLBACK_REGIME: Regime = Regime {
    from_day: 0,
    median_s: 300.0,
    pr_failure: 0.1,
    main_break: 0.1,
};

/// A Bitrise app of the demo team.
#[derive(Debug)]
pub(super) struct DemoApp {
    pub slug: &'static str,
    pub title: &'static str,
    pub project_type: &'static str,
    pub repo_slug: &'static str,
    pub main_branch: &'static str,
    /// The first build number in the span; the app's runs count up from it.
    pub first_build_number: u64,
    /// Credits a minute of this app's machines costs.
    pub credits_per_minute: f64,
    pub pull_requests: &'static [PullRequest],
    pub commit_messages: &'static [&'static str],
    pub streams: &'static [Stream],
}

/// One run, before it is written in the API's shape.
#[derive(Debug, Clone)]
pub(super) struct DemoRun {
    pub slug: String,
    pub name: &'static str,
    pub kind: RunKind,
    /// The pipelines list's integer status.
    pub status: i64,
    pub branch: &'static str,
    /// `None` for runs on the main branch.
    pub pull_request: Option<&'static PullRequest>,
    pub commit_hash: Option<String>,
    pub commit_message: Option<&'static str>,
    pub triggered_by: Option<String>,
    pub triggered_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub credit_cost: Option<u64>,
    pub ai_run_type: Option<&'static str>,
}

/// A run as planned: what happens to it, before its times are fixed against the anchor.
#[derive(Debug, Clone)]
struct Plan {
    name: &'static str,
    kind: RunKind,
    status: i64,
    pull_request: Option<&'static PullRequest>,
    commit_hash: Option<String>,
    commit_message: Option<&'static str>,
    triggered_by: Option<String>,
    triggered_at: DateTime<Utc>,
    queue_s: f64,
    duration_s: f64,
    has_cost: bool,
    ai_run_type: Option<&'static str>,
}

/// Every run of `app` triggered in the [`SPAN_DAYS`] days before `anchor`, in no order.
pub(super) fn runs(app: &'static DemoApp, anchor: DateTime<Utc>) -> Vec<DemoRun> {
    let mut rng = SplitMix64::seeded(&format!("{}/slugs", app.slug));
    let mut out = Vec::new();
    for stream in app.streams {
        for plan in stream_plans(app, stream, anchor) {
            out.push(materialize(app, plan, anchor, &mut rng));
        }
    }
    for plan in scripted(app, anchor) {
        out.push(materialize(app, plan, anchor, &mut rng));
    }
    out
}

/// The first instant of day `day` of the span.
fn day_start(anchor: DateTime<Utc>, day: i64) -> DateTime<Utc> {
    anchor - TimeDelta::days(SPAN_DAYS - day)
}

/// The day of the span `t` falls on.
fn day_of(anchor: DateTime<Utc>, t: DateTime<Utc>) -> i64 {
    (t - day_start(anchor, 0)).num_days()
}

/// Whether day `day` of the span is a Saturday or Sunday: the span starts on a Monday because
/// the anchor is one.
fn is_weekend(day: i64) -> bool {
    day % 7 >= 5
}

fn seconds(s: f64) -> TimeDelta {
    TimeDelta::microseconds((s * 1_000_000.0).round() as i64)
}

/// `t` without its fraction of a second: builds carry whole-second start and finish times.
fn whole_second(t: DateTime<Utc>) -> DateTime<Utc> {
    t - TimeDelta::nanoseconds(i64::from(t.nanosecond() % 1_000_000_000))
}

/// An event of a stream: when it was triggered and on which branch (`None`: the main branch).
#[derive(Debug, Clone, Copy)]
struct Event {
    at: DateTime<Utc>,
    pull_request: Option<&'static PullRequest>,
}

/// When a stream's runs are triggered and on which branches, in time order.
fn stream_events(
    app: &'static DemoApp,
    stream: &Stream,
    anchor: DateTime<Utc>,
    rng: &mut SplitMix64,
) -> Vec<Event> {
    let mut events = Vec::new();
    for day in 0..SPAN_DAYS {
        let start = day_start(anchor, day);
        match stream.trigger {
            Trigger::Push {
                weekday,
                weekend,
                main_share,
            } => {
                let (low, high) = if is_weekend(day) { weekend } else { weekday };
                for _ in 0..rng.count(low, high) {
                    // Weekdays peak around midday UTC (a team in Europe); weekends spread out.
                    let hour = if is_weekend(day) {
                        rng.between(9.0, 21.0)
                    } else {
                        7.0 + 5.5 * (rng.unit() + rng.unit())
                    };
                    let pull_request = if rng.chance(main_share) {
                        None
                    } else {
                        rng.pick(app.pull_requests)
                    };
                    events.push(Event {
                        at: start + seconds(hour * 3600.0),
                        pull_request,
                    });
                }
            }
            Trigger::Nightly { hour } => {
                // Schedules fire on the hour, a few seconds late.
                events.push(Event {
                    at: start + TimeDelta::hours(hour) + seconds(rng.between(0.2, 40.0)),
                    pull_request: None,
                });
            }
            Trigger::Weekly { weekday } if day % 7 == weekday => {
                events.push(Event {
                    at: start + seconds(rng.between(13.0, 15.5) * 3600.0),
                    pull_request: None,
                });
            }
            Trigger::Weekly { .. } => {}
        }
    }
    events.sort_by_key(|e| e.at);
    events
}

/// The statuses of a stream's events in time order: red streaks on the main branch; failures
/// at the regime's rate and some aborts on pull requests.
fn stream_statuses(
    stream: &Stream,
    events: &[Event],
    anchor: DateTime<Utc>,
    rng: &mut SplitMix64,
) -> Vec<i64> {
    let mut main_red = false;
    let mut pr_failures = FailureQuota::new(rng);
    let mut statuses: Vec<i64> = events
        .iter()
        .map(|event| {
            let regime = stream.regime(day_of(anchor, event.at));
            if event.pull_request.is_some() {
                // Superseded by a newer push (3), or cancelled after its tests passed (4).
                let draw = rng.unit();
                if draw < 0.05 {
                    3
                } else if draw < 0.062 {
                    4
                } else if pr_failures.fails(regime.pr_failure, rng) {
                    2
                } else {
                    1
                }
            } else if rng.chance(0.01) {
                3
            } else {
                main_red = rng.chance(if main_red {
                    STAYS_RED
                } else {
                    regime.main_break
                });
                if main_red {
                    2
                } else {
                    1
                }
            }
        })
        .collect();
    // Decide how the main branch ends: green, except for the one stream meant to be red at the
    // anchor. Two runs, so that one still running at the anchor leaves the other to decide.
    let wanted = if stream.ends_red { 2 } else { 1 };
    let main_positions: Vec<usize> = (0..events.len())
        .filter(|&i| events[i].pull_request.is_none())
        .collect();
    for &i in main_positions.iter().rev().take(2) {
        statuses[i] = wanted;
    }
    statuses
}

/// Failures on pull requests by error diffusion rather than independent draws, so that the
/// share of failures in any week stays close to the designed rate (the trend the demo shows
/// must not depend on luck) while their order still varies.
#[derive(Debug)]
struct FailureQuota {
    debt: f64,
}

impl FailureQuota {
    fn new(rng: &mut SplitMix64) -> FailureQuota {
        FailureQuota { debt: rng.unit() }
    }

    fn fails(&mut self, probability: f64, rng: &mut SplitMix64) -> bool {
        self.debt += probability;
        // A threshold in [0.5, 1) jitters when the failure falls; the debt keeps the rate.
        let fails = self.debt >= rng.between(0.5, 1.0);
        if fails {
            self.debt -= 1.0;
        }
        fails
    }
}

/// The plans of one stream: its routine runs, and a rerun on the same commit after some of its
/// failures (the flaky commits the report counts).
fn stream_plans(app: &'static DemoApp, stream: &Stream, anchor: DateTime<Utc>) -> Vec<Plan> {
    let mut rng = SplitMix64::seeded(&format!("{}/{}", app.slug, stream.name));
    let events = stream_events(app, stream, anchor, &mut rng);
    let statuses = stream_statuses(stream, &events, anchor, &mut rng);
    let scheduled = matches!(stream.trigger, Trigger::Nightly { .. });
    let mut plans = Vec::with_capacity(events.len() + events.len() / 4);
    for (event, status) in events.iter().zip(statuses) {
        let author = match event.pull_request {
            Some(pr) => pr.author,
            None => rng.pick(app.pull_requests).map_or("ci-bot", |pr| pr.author),
        };
        let triggered_by = match stream.trigger {
            Trigger::Nightly { .. } => Some("schedule".to_owned()),
            Trigger::Weekly { .. } => Some(format!("manual-{author}")),
            // Now and then a merge arrives through the API, which names no trigger.
            Trigger::Push { .. } if event.pull_request.is_none() && rng.chance(0.05) => None,
            Trigger::Push { .. } => Some(format!("webhook-github/{author}")),
        };
        let regime = stream.regime(day_of(anchor, event.at));
        let plan = Plan {
            name: stream.name,
            kind: stream.kind,
            status,
            pull_request: event.pull_request,
            // Scheduled runs carry no commit, as in the API.
            commit_hash: (!scheduled).then(|| rng.hex(40)),
            commit_message: if scheduled || rng.chance(0.45) {
                None
            } else {
                rng.pick(app.commit_messages).copied()
            },
            triggered_by,
            triggered_at: event.at,
            queue_s: queue_seconds(stream.kind, &mut rng),
            duration_s: duration_seconds(status, regime.median_s, stream.sigma, &mut rng),
            // Some standalone builds come back without a cost.
            has_cost: stream.kind == RunKind::Pipeline || !rng.chance(0.12),
            ai_run_type: None,
        };
        let finished = plan.triggered_at + seconds(plan.queue_s + plan.duration_s);
        if status == 2 && !scheduled && rng.chance(RERUN_AFTER_FAILURE) {
            let rerun_at = finished + seconds(rng.between(90.0, 900.0));
            let rerun_status = if event.pull_request.is_some() && rng.chance(RERUN_FAILS_AGAIN) {
                2
            } else {
                1
            };
            let rerun_regime = stream.regime(day_of(anchor, rerun_at));
            let rerun = Plan {
                status: rerun_status,
                triggered_by: Some(format!("manual-{author}")),
                triggered_at: rerun_at,
                queue_s: queue_seconds(stream.kind, &mut rng),
                duration_s: duration_seconds(
                    rerun_status,
                    rerun_regime.median_s,
                    stream.sigma,
                    &mut rng,
                ),
                ..plan.clone()
            };
            plans.push(plan);
            if rerun_at < anchor {
                plans.push(rerun);
            }
        } else {
            plans.push(plan);
        }
    }
    plans
}

/// Seconds between trigger and start: usually under a minute, sometimes minutes when machines
/// are busy; a tenth of builds start within their trigger second.
fn queue_seconds(kind: RunKind, rng: &mut SplitMix64) -> f64 {
    if kind == RunKind::Build && rng.chance(0.1) {
        rng.between(0.02, 0.9)
    } else if rng.chance(0.06) {
        rng.between(120.0, 400.0)
    } else {
        rng.log_normal(30.0, 0.7)
    }
}

/// How long a run takes: failures stop part of the way through, aborts earlier still.
fn duration_seconds(status: i64, median_s: f64, sigma: f64, rng: &mut SplitMix64) -> f64 {
    let full = rng.log_normal(median_s, sigma);
    match status {
        2 => full * rng.between(0.35, 0.95),
        3 => full * rng.between(0.1, 0.7),
        4 => full * rng.between(0.8, 1.0),
        _ => full,
    }
}

/// Fixes a plan's times and, as a fetch at the anchor would see it, leaves the runs that had
/// not finished by then in progress.
fn materialize(app: &DemoApp, plan: Plan, anchor: DateTime<Utc>, rng: &mut SplitMix64) -> DemoRun {
    let exact_start = plan.triggered_at + seconds(plan.queue_s);
    let exact_finish = exact_start + seconds(plan.duration_s);
    let (start, finish) = match plan.kind {
        RunKind::Pipeline => (exact_start, exact_finish),
        RunKind::Build => (whole_second(exact_start), whole_second(exact_finish)),
    };
    let started_at = (start < anchor).then_some(start);
    let finished_at = (finish < anchor).then_some(finish);
    let done = finished_at.is_some();
    let credit_cost = (done && plan.has_cost).then(|| {
        (plan.duration_s / 60.0 * app.credits_per_minute)
            .ceil()
            .max(1.0) as u64
    });
    DemoRun {
        slug: rng.uuid_v4(),
        name: plan.name,
        kind: plan.kind,
        status: if done { plan.status } else { 0 },
        branch: plan.pull_request.map_or(app.main_branch, |pr| pr.branch),
        pull_request: plan.pull_request,
        commit_hash: plan.commit_hash,
        commit_message: plan.commit_message,
        triggered_by: plan.triggered_by,
        triggered_at: plan.triggered_at,
        started_at,
        finished_at,
        credit_cost,
        ai_run_type: plan.ai_run_type,
    }
}

/// The runs written by hand: each shows one feature of the report.
fn scripted(app: &'static DemoApp, anchor: DateTime<Utc>) -> Vec<Plan> {
    let mut rng = SplitMix64::seeded(&format!("{}/scripted", app.slug));
    // `day` of the span, then hours, minutes, seconds and microseconds.
    let at = |day: i64, h: i64, m: i64, s: i64, us: i64| {
        day_start(anchor, day)
            + TimeDelta::hours(h)
            + TimeDelta::minutes(m)
            + TimeDelta::seconds(s)
            + TimeDelta::microseconds(us)
    };
    let pr = |id: u64| app.pull_requests.iter().find(|pr| pr.id == id);
    let mut plan = |name, kind, pull_request: Option<&'static PullRequest>, t, status, d| Plan {
        name,
        kind,
        status,
        pull_request,
        commit_hash: Some(rng.hex(40)),
        commit_message: None,
        triggered_by: pull_request.map(|pr| format!("webhook-github/{}", pr.author)),
        triggered_at: t,
        queue_s: 25.0,
        duration_s: d,
        has_cost: true,
        ai_run_type: None,
    };
    match app.slug {
        IOS_SLUG => {
            let hostile = pr(HOSTILE_PR);
            let first = Plan {
                commit_message: Some("Escape `<b>` and `|` in branch badges"),
                queue_s: 41.2,
                ..plan(
                    "ci-pipeline",
                    RunKind::Pipeline,
                    hostile,
                    at(23, 10, 14, 7, 311_920),
                    2,
                    412.5,
                )
            };
            let lint = Plan {
                // Starts within its trigger second: S reads before T.
                queue_s: 0.4,
                commit_hash: first.commit_hash.clone(),
                commit_message: first.commit_message,
                ..plan(
                    "lint",
                    RunKind::Build,
                    hostile,
                    at(23, 10, 14, 8, 52_277),
                    1,
                    171.0,
                )
            };
            let fixed = Plan {
                commit_message: Some("Render branch names as plain text"),
                ..plan(
                    "ci-pipeline",
                    RunKind::Pipeline,
                    hostile,
                    at(23, 11, 2, 45, 907_113),
                    1,
                    1150.0,
                )
            };
            // Waiting for a machine at the anchor: no start time yet.
            let queued = Plan {
                queue_s: 480.0,
                ..plan(
                    "ci-pipeline",
                    RunKind::Pipeline,
                    pr(902),
                    at(27, 23, 53, 30, 118_204),
                    1,
                    1100.0,
                )
            };
            let linting = plan(
                "lint",
                RunKind::Build,
                pr(902),
                at(27, 23, 57, 41, 640_385),
                1,
                180.0,
            );
            vec![first, lint, fixed, queued, linting]
        }
        ANDROID_SLUG => {
            let review = |plan: Plan| Plan {
                triggered_by: None,
                has_cost: false,
                ai_run_type: Some("code-reviewer"),
                commit_message: None,
                ..plan
            };
            let odd = Plan {
                commit_message: Some("Run Robolectric tests on the new SDK level"),
                ..plan(
                    "unit-tests",
                    RunKind::Build,
                    pr(1318),
                    at(22, 15, 31, 2, 774_015),
                    5,
                    388.0,
                )
            };
            let running = plan(
                "ci-pipeline",
                RunKind::Pipeline,
                pr(1322),
                at(27, 23, 46, 19, 204_731),
                1,
                700.0,
            );
            vec![
                review(plan(
                    "ai-code-review",
                    RunKind::Build,
                    pr(1315),
                    at(22, 9, 41, 55, 480_112),
                    1,
                    162.0,
                )),
                review(plan(
                    "ai-code-review",
                    RunKind::Build,
                    pr(1318),
                    at(24, 14, 3, 12, 9_846),
                    1,
                    231.0,
                )),
                review(plan(
                    "ai-code-review",
                    RunKind::Build,
                    pr(1322),
                    at(26, 11, 27, 40, 661_203),
                    1,
                    198.0,
                )),
                odd,
                running,
            ]
        }
        _ => Vec::new(),
    }
}

pub(super) const IOS_SLUG: &str = "3f9c2a71d04b8e56";
pub(super) const ANDROID_SLUG: &str = "a81e5d0c7b29f413";
pub(super) const DESIGN_SYSTEM_SLUG: &str = "5c07e9b2f168ad30";
pub(super) const WATCH_SLUG: &str = "d2b46f8e0a9137c5";

/// The pull request whose branch name is built to break naive Markdown and HTML escaping.
pub(super) const HOSTILE_PR: u64 = 905;
pub(super) const HOSTILE_BRANCH: &str = "feature/pipes|and<b>tags</b>-@ci-team-#123";

const fn regime(from_day: i64, median_s: f64, pr_failure: f64, main_break: f64) -> Regime {
    Regime {
        from_day,
        median_s,
        pr_failure,
        main_break,
    }
}

const fn push(weekday: (u32, u32), weekend: (u32, u32), main_share: f64) -> Trigger {
    Trigger::Push {
        weekday,
        weekend,
        main_share,
    }
}

/// The demo team's apps, in the order the apps list returns them.
pub(super) static APPS: [DemoApp; 4] = [
    DemoApp {
        slug: IOS_SLUG,
        title: "Larkspur iOS",
        project_type: "ios",
        repo_slug: "larkspur-ios",
        main_branch: "main",
        first_build_number: 6120,
        credits_per_minute: 2.0,
        pull_requests: &[
            PullRequest {
                id: 884,
                branch: "feature/onboarding-carousel",
                author: "maya-okafor",
            },
            PullRequest {
                id: 887,
                branch: "fix/crash-on-empty-ledger",
                author: "jonas-lind",
            },
            PullRequest {
                id: 889,
                branch: "feature/widget-refresh",
                author: "priya-raman",
            },
            PullRequest {
                id: 891,
                branch: "feature/apple-pay-sheet",
                author: "kenji-sato",
            },
            PullRequest {
                id: 893,
                branch: "fix/dark-mode-contrast",
                author: "lea-brandt",
            },
            PullRequest {
                id: 899,
                branch: "fix/flaky-snapshot-tests",
                author: "tomasz-wolny",
            },
            PullRequest {
                id: 902,
                branch: "feature/offline-sync",
                author: "maya-okafor",
            },
            PullRequest {
                id: HOSTILE_PR,
                branch: HOSTILE_BRANCH,
                author: "lea-brandt",
            },
        ],
        commit_messages: &[
            "Add pull-to-refresh to the accounts list",
            "Fix crash when the ledger is empty",
            "Bump SwiftLint to 0.57",
            "Cache widget timelines for 15 minutes",
            "Use `Decimal` instead of `Double` for balances",
            "Split SnapshotTests into smaller suites",
            "Merge pull request #889 from larkspur-apps/feature/widget-refresh",
        ],
        streams: &[
            Stream {
                name: "ci-pipeline",
                kind: RunKind::Pipeline,
                trigger: push((7, 10), (0, 2), 0.3),
                sigma: 0.14,
                // The test target grew in the last week: the median goes from 14 to ~19 minutes.
                regimes: &[regime(0, 840.0, 0.14, 0.16), regime(21, 1200.0, 0.14, 0.16)],
                ends_red: false,
            },
            Stream {
                name: "release-pipeline",
                kind: RunKind::Pipeline,
                trigger: Trigger::Weekly { weekday: 3 },
                sigma: 0.1,
                regimes: &[regime(0, 2520.0, 0.0, 0.3)],
                ends_red: false,
            },
            Stream {
                name: "lint",
                kind: RunKind::Build,
                trigger: push((1, 3), (0, 1), 0.2),
                sigma: 0.25,
                regimes: &[regime(0, 170.0, 0.08, 0.12)],
                ends_red: false,
            },
            Stream {
                name: "unit-tests",
                kind: RunKind::Build,
                trigger: push((1, 3), (0, 1), 0.25),
                sigma: 0.2,
                regimes: &[regime(0, 540.0, 0.12, 0.14)],
                ends_red: false,
            },
            Stream {
                name: "ui-tests",
                kind: RunKind::Build,
                trigger: Trigger::Nightly { hour: 2 },
                sigma: 0.12,
                // Broken since Saturday night and still red at the anchor.
                regimes: &[regime(0, 2280.0, 0.0, 0.15)],
                ends_red: true,
            },
        ],
    },
    DemoApp {
        slug: ANDROID_SLUG,
        title: "Larkspur Android",
        project_type: "android",
        repo_slug: "larkspur-android",
        main_branch: "master",
        first_build_number: 9403,
        credits_per_minute: 1.0,
        pull_requests: &[
            PullRequest {
                id: 1307,
                branch: "feature/compose-settings",
                author: "ana-costa",
            },
            PullRequest {
                id: 1311,
                branch: "fix/anr-on-cold-start",
                author: "ravi-menon",
            },
            PullRequest {
                id: 1312,
                branch: "feature/biometric-login",
                author: "olu-adeyemi",
            },
            PullRequest {
                id: 1315,
                branch: "fix/gradle-cache-misses",
                author: "sven-holm",
            },
            PullRequest {
                id: 1318,
                branch: "feature/material3-theme",
                author: "ana-costa",
            },
            PullRequest {
                id: 1320,
                branch: "fix/notification-channel-crash",
                author: "jonas-lind",
            },
            PullRequest {
                id: 1322,
                branch: "feature/offline-sync",
                author: "ravi-menon",
            },
        ],
        commit_messages: &[
            "Migrate settings screen to Compose",
            "Move database work off the main thread",
            "Bump AGP to 8.13 and Gradle to 9.1",
            "Quarantine flaky PaymentFlowTest",
            "Pin emulator image for instrumented tests",
            "Fix ANR when the sync worker starts cold",
        ],
        streams: &[
            Stream {
                name: "ci-pipeline",
                kind: RunKind::Pipeline,
                trigger: push((8, 11), (1, 3), 0.3),
                sigma: 0.18,
                // Flaky tests were quarantined at the start of the last week: ~35% → ~10%.
                regimes: &[regime(0, 660.0, 0.36, 0.20), regime(21, 660.0, 0.13, 0.08)],
                ends_red: false,
            },
            Stream {
                name: "release-pipeline",
                kind: RunKind::Pipeline,
                trigger: Trigger::Weekly { weekday: 1 },
                sigma: 0.1,
                regimes: &[regime(0, 1500.0, 0.0, 0.3)],
                ends_red: false,
            },
            Stream {
                name: "lint",
                kind: RunKind::Build,
                trigger: push((1, 3), (0, 1), 0.2),
                sigma: 0.25,
                regimes: &[regime(0, 240.0, 0.07, 0.05)],
                ends_red: false,
            },
            Stream {
                name: "unit-tests",
                kind: RunKind::Build,
                trigger: push((2, 3), (0, 1), 0.25),
                sigma: 0.2,
                regimes: &[regime(0, 420.0, 0.1, 0.08)],
                ends_red: false,
            },
            Stream {
                name: "ui-tests",
                kind: RunKind::Build,
                trigger: Trigger::Nightly { hour: 3 },
                sigma: 0.12,
                regimes: &[regime(0, 1620.0, 0.0, 0.2)],
                ends_red: false,
            },
        ],
    },
    DemoApp {
        slug: DESIGN_SYSTEM_SLUG,
        title: "Larkspur Design System",
        project_type: "other",
        repo_slug: "larkspur-design-system",
        main_branch: "main",
        first_build_number: 1482,
        credits_per_minute: 1.0,
        pull_requests: &[
            PullRequest {
                id: 212,
                branch: "feature/button-tokens",
                author: "priya-raman",
            },
            PullRequest {
                id: 215,
                branch: "fix/typography-scale",
                author: "olu-adeyemi",
            },
            PullRequest {
                id: 219,
                branch: "feature/chip-component",
                author: "lea-brandt",
            },
        ],
        commit_messages: &[
            "Add pressed state tokens for buttons",
            "Regenerate icon font",
            "Fix line height of caption style",
        ],
        streams: &[
            Stream {
                name: "ci-pipeline",
                kind: RunKind::Pipeline,
                trigger: push((1, 3), (0, 0), 0.35),
                sigma: 0.2,
                regimes: &[regime(0, 480.0, 0.1, 0.15)],
                ends_red: false,
            },
            Stream {
                name: "lint",
                kind: RunKind::Build,
                trigger: push((1, 2), (0, 0), 0.3),
                sigma: 0.25,
                regimes: &[regime(0, 110.0, 0.05, 0.03)],
                ends_red: false,
            },
        ],
    },
    DemoApp {
        // Kept for the archive: no run in the whole span.
        slug: WATCH_SLUG,
        title: "Larkspur Watch",
        project_type: "ios",
        repo_slug: "larkspur-watch",
        main_branch: "main",
        first_build_number: 311,
        credits_per_minute: 2.0,
        pull_requests: &[],
        commit_messages: &[],
        streams: &[],
    },
];
