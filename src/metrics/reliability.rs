//! Reliability of a group's pipeline runs from their details: the first-attempt failure rate,
//! runs rescued by a rerun, and flaky commits (metrics.md, "Attempts and workflows").
//!
//! Standalone builds have no attempts: they are left out, so a build row reports `null` rates
//! and zero counts, and groups mixing both count their pipeline runs only.

use std::collections::BTreeMap;

use super::group::{decided_failure, AppRun};
use super::percentile::finite;
use super::stats::wilson;
use super::{Reliability, RerunRescued, Settings};
use crate::model::{Outcome, RunKind};

/// The reliability of `runs` (one window of one group); `None` when details were not read.
pub(super) fn reliability(runs: &[AppRun<'_>], settings: &Settings) -> Option<Reliability> {
    if !settings.details_read {
        return None;
    }
    let mut first_decided = 0;
    let mut first_failed = 0;
    let mut decided = 0;
    let mut rescued = 0;
    // (app, name, commit) → (some run failed, some run succeeded). Rows are (app, name, kind)
    // and only pipeline runs get here, so the key is the row's key plus the commit.
    let mut commits: BTreeMap<(&str, &str, &str), (bool, bool)> = BTreeMap::new();

    for AppRun { app, run } in runs {
        if run.kind != RunKind::Pipeline {
            continue;
        }
        if let Some(commit) = run.commit_hash.as_deref() {
            let seen = commits.entry((app, &run.name, commit)).or_default();
            seen.0 |= run.outcome == Outcome::Failed;
            seen.1 |= run.outcome == Outcome::Succeeded;
        }
        let Some(detail) = &run.detail else {
            continue;
        };
        let first = detail.attempts.iter().find(|a| a.number == 1);
        if let Some(failed) = first.and_then(|a| decided_failure(a.outcome, settings.aborted_as)) {
            first_decided += 1;
            first_failed += u64::from(failed);
        }
        if decided_failure(run.outcome, settings.aborted_as).is_some() {
            decided += 1;
            let failed_once = detail.attempts.iter().any(|a| a.outcome == Outcome::Failed);
            if run.outcome == Outcome::Succeeded && failed_once {
                rescued += 1;
            }
        }
    }

    let rate = |part: u64, whole: u64| {
        if whole == 0 {
            None
        } else {
            finite(part as f64 / whole as f64)
        }
    };
    Some(Reliability {
        first_attempt_failure_rate: rate(first_failed, first_decided),
        first_attempt_failure_rate_ci95: wilson(first_failed, first_decided),
        first_attempt_decided: first_decided,
        first_attempt_failed: first_failed,
        rerun_rescued: RerunRescued {
            count: rescued,
            share: rate(rescued, decided),
            decided,
        },
        flaky_commits: commits.values().filter(|(f, s)| *f && *s).count() as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::fixtures::{run, with_attempts};
    use crate::metrics::AbortedAs;
    use crate::model::{Outcome::*, Run};

    fn of(runs: &[Run], settings: &Settings) -> Option<Reliability> {
        let refs: Vec<AppRun<'_>> = runs.iter().map(|run| AppRun { app: "a1", run }).collect();
        reliability(&refs, settings)
    }

    fn committed(mut r: Run, commit: &str) -> Run {
        r.commit_hash = Some(commit.to_owned());
        r
    }

    /// Five pipeline runs of `ci` with details:
    /// - p1: attempt 1 failed, attempt 2 succeeded → final succeeded (rescued)
    /// - p2: attempt 1 succeeded
    /// - p3: attempt 1 failed, final failed
    /// - p4: attempt 1 aborted, attempt 2 succeeded → final succeeded
    /// - p5: attempt 1 succeeded; final in progress (a rerun running)
    fn runs() -> Vec<Run> {
        vec![
            with_attempts(run("p1", "ci", Succeeded, 1), &[Failed, Succeeded]),
            with_attempts(run("p2", "ci", Succeeded, 2), &[Succeeded]),
            with_attempts(run("p3", "ci", Failed, 3), &[Failed]),
            with_attempts(run("p4", "ci", Succeeded, 4), &[Aborted, Succeeded]),
            with_attempts(run("p5", "ci", InProgress, 5), &[Succeeded, InProgress]),
        ]
    }

    #[test]
    fn first_attempts_and_rescues_by_hand() {
        let r = of(&runs(), &Settings::default()).expect("details read");
        // Attempt 1 decided: p1 (failed), p2, p3 (failed), p5 → 4, 2 failed → 2/4 = 0.5.
        assert_eq!((r.first_attempt_decided, r.first_attempt_failed), (4, 2));
        assert_eq!(r.first_attempt_failure_rate, Some(0.5));
        // Wilson for 2 of 4: 1 + z²/4 = 1.9603647; c = (0.5 + 0.4801824)/1.9603647 = 0.5;
        // h = 1.959964·sqrt(0.0625 + 0.0600228)/1.9603647 = 0.3498 → [0.1500, 0.8500].
        let [lo, hi] = r.first_attempt_failure_rate_ci95.expect("decided");
        assert!(
            (lo - 0.1500).abs() < 1e-4 && (hi - 0.8500).abs() < 1e-4,
            "{lo} {hi}"
        );
        // Decided runs p1 p2 p3 p4 = 4; rescued p1 only (p4's first attempt was aborted, not
        // failed) → 1, share 1/4.
        assert_eq!(
            (r.rerun_rescued.count, r.rerun_rescued.share),
            (1, Some(0.25))
        );
        assert_eq!(r.flaky_commits, 0);
    }

    #[test]
    fn aborted_first_attempt_counts_as_failed_with_aborted_as_failure() {
        let settings = Settings {
            aborted_as: AbortedAs::Failure,
            ..Settings::default()
        };
        let r = of(&runs(), &settings).expect("details read");
        // Attempt 1 decided: p1 p2 p3 p4 p5 = 5, failed p1 p3 p4 = 3 → 0.6.
        assert_eq!((r.first_attempt_decided, r.first_attempt_failed), (5, 3));
        assert_eq!(r.first_attempt_failure_rate, Some(0.6));
    }

    #[test]
    fn runs_without_detail_or_attempt_one_are_not_counted() {
        let mut no_first = with_attempts(run("p2", "ci", Failed, 2), &[Failed, Failed]);
        if let Some(d) = no_first.detail.as_mut() {
            d.attempts.remove(0);
        }
        let r = of(
            &[run("p1", "ci", Failed, 1), no_first],
            &Settings::default(),
        )
        .expect("details read");
        // p1 has no detail; p2 has only attempt 2: no first attempt decided.
        assert_eq!(r.first_attempt_decided, 0);
        assert_eq!(
            (
                r.first_attempt_failure_rate,
                r.first_attempt_failure_rate_ci95
            ),
            (None, None)
        );
        // p2 is decided and has a detail → decided 1, not rescued (final failed).
        assert_eq!(
            (r.rerun_rescued.count, r.rerun_rescued.share),
            (0, Some(0.0))
        );
    }

    #[test]
    fn flaky_commits_need_a_failure_and_a_success_of_the_same_pipeline() {
        let runs = vec![
            committed(run("r1", "ci", Failed, 1), "c1"),
            committed(run("r2", "ci", Succeeded, 2), "c1"), // c1 on ci: flaky
            committed(run("r3", "ci", Failed, 3), "c2"),
            committed(run("r4", "deploy", Succeeded, 4), "c2"), // c2: other pipeline, not flaky
            committed(run("r5", "ci", Succeeded, 5), "c3"),
            committed(run("r6", "ci", Aborted, 6), "c3"), // aborted is no failure
            run("r7", "ci", Failed, 7),                   // no commit
            run("r8", "ci", Succeeded, 8),
        ];
        let r = of(&runs, &Settings::default()).expect("details read");
        assert_eq!(r.flaky_commits, 1);
    }

    #[test]
    fn builds_give_null_rates_and_zero_counts() {
        let mut b = with_attempts(run("b1", "ci", Succeeded, 1), &[Failed, Succeeded]);
        b.kind = RunKind::Build;
        let b2 = {
            let mut r = committed(run("b2", "ci", Failed, 2), "c1");
            r.kind = RunKind::Build;
            r
        };
        let b3 = {
            let mut r = committed(run("b3", "ci", Succeeded, 3), "c1");
            r.kind = RunKind::Build;
            r
        };
        let r = of(&[b, b2, b3], &Settings::default()).expect("details read");
        assert_eq!(r.first_attempt_failure_rate, None);
        assert_eq!(r.first_attempt_decided, 0);
        assert_eq!((r.rerun_rescued.count, r.rerun_rescued.share), (0, None));
        assert_eq!(r.flaky_commits, 0);
    }

    #[test]
    fn without_details_the_metrics_are_null() {
        let settings = Settings {
            details_read: false,
            ..Settings::default()
        };
        assert_eq!(of(&runs(), &settings), None);
    }
}
