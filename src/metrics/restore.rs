//! Time to restore: how long a main branch stays red. Red episodes are found per
//! (app, name, kind, branch) sequence of decided runs and pooled over the group; the episodes
//! still open are listed with the time they opened ("red now since ...").

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::group::AppRun;
use super::percentile::SortedSample;
use super::{OpenEpisode, RestoreStats};
use crate::model::{seconds, Outcome, Run, RunKind};

/// (app, name, kind, branch): one sequence of runs whose red episodes are walked together.
type SequenceKey<'r> = (&'r str, &'r str, &'r str, &'r str);

/// Time to restore over `runs` (already limited to one window), counting only branches named
/// in `main_branches` (exact match).
///
/// Only succeeded and failed runs take part, whatever `--aborted-as` says: an aborted run says
/// nothing about whether the branch is green.
pub fn time_to_restore(runs: &[AppRun<'_>], main_branches: &[String]) -> RestoreStats {
    // Keyed by the kind's string, like the pipeline rows; the kind itself rides along.
    let mut sequences: BTreeMap<SequenceKey<'_>, (RunKind, Vec<&Run>)> = BTreeMap::new();
    for AppRun { app, run } in runs {
        let Some(branch) = run.branch.as_deref() else {
            continue;
        };
        let decided = matches!(run.outcome, Outcome::Succeeded | Outcome::Failed);
        if decided && main_branches.iter().any(|b| b == branch) {
            sequences
                .entry((app, &run.name, run.kind.as_str(), branch))
                .or_insert_with(|| (run.kind, Vec::new()))
                .1
                .push(run);
        }
    }

    let mut restore_times = Vec::new();
    let mut open_episodes = Vec::new();
    for ((app, name, _, branch), (kind, sequence)) in &mut sequences {
        sequence.sort_by(|a, b| {
            a.triggered_at
                .cmp(&b.triggered_at)
                .then_with(|| a.slug.cmp(&b.slug))
        });
        if let Some(since) = walk_episodes(sequence, &mut restore_times) {
            open_episodes.push(OpenEpisode {
                app: (*app).to_owned(),
                name: (*name).to_owned(),
                kind: *kind,
                branch: (*branch).to_owned(),
                since,
            });
        }
    }
    // The map gave app, name, kind, branch order; a stable sort puts `since` first (an unknown
    // start sorts before every known one).
    open_episodes.sort_by_key(|e| e.since);

    let sample = SortedSample::new(restore_times);
    RestoreStats {
        n: sample.len() as u64,
        p50: sample.nearest_rank(50),
        max: sample.max(),
        open: open_episodes.len() as u64,
        open_episodes,
    }
}

/// Walks one ordered sequence, pushing the restore time of every counted closed episode;
/// returns the start of the episode still open at the end (itself `None` when unknown), if any.
///
/// An episode opens at the first failed run's `F` while none is open and closes at the next
/// succeeded run's `F`. When either end is unknown (no `F`) or the end precedes the start, the
/// episode still closes — the branch did turn green — but its length is not counted.
fn walk_episodes(sequence: &[&Run], restore_times: &mut Vec<f64>) -> Option<Option<DateTime<Utc>>> {
    // `Some(start)` while an episode is open; the start itself may be unknown.
    let mut open_since: Option<Option<DateTime<Utc>>> = None;
    for run in sequence {
        match run.outcome {
            Outcome::Failed if open_since.is_none() => open_since = Some(run.finished_at),
            Outcome::Succeeded => {
                if let Some(Some(start)) = open_since.take() {
                    if let Some(end) = run.finished_at {
                        let restore = seconds(end - start);
                        if restore >= 0.0 {
                            restore_times.push(restore);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    open_since
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::fixtures::{at, run};
    use crate::model::RunKind;

    fn main_branches() -> Vec<String> {
        vec!["main".to_owned(), "master".to_owned()]
    }

    fn stats(runs: &[Run]) -> RestoreStats {
        let refs: Vec<AppRun<'_>> = runs.iter().map(|run| AppRun { app: "a1", run }).collect();
        time_to_restore(&refs, &main_branches())
    }

    /// A run on `main` triggered at minute `t`, finished at minute `f`.
    fn on_main(slug: &str, outcome: Outcome, t: i64, f: i64) -> Run {
        let mut r = run(slug, "ci", outcome, t);
        r.finished_at = Some(at(f));
        r
    }

    #[test]
    fn failure_then_success_closes_an_episode() {
        // F finishes at minute 12, S at minute 40: restore = 28 min = 1680 s.
        let s = stats(&[
            on_main("r1", Outcome::Failed, 10, 12),
            on_main("r2", Outcome::Succeeded, 30, 40),
        ]);
        assert_eq!(
            (s.n, s.p50, s.max, s.open),
            (1, Some(1680.0), Some(1680.0), 0)
        );
    }

    #[test]
    fn repeated_failures_open_one_episode_at_the_first() {
        // F at 12, F at 22, S at 40: one episode from 12 to 40 = 28 min = 1680 s.
        let s = stats(&[
            on_main("r1", Outcome::Failed, 10, 12),
            on_main("r2", Outcome::Failed, 20, 22),
            on_main("r3", Outcome::Succeeded, 30, 40),
        ]);
        assert_eq!((s.n, s.p50, s.open), (1, Some(1680.0), 0));
    }

    #[test]
    fn failure_after_success_stays_open() {
        let s = stats(&[
            on_main("r1", Outcome::Succeeded, 10, 12),
            on_main("r2", Outcome::Failed, 20, 22),
        ]);
        assert_eq!((s.n, s.p50, s.max, s.open), (0, None, None, 1));
    }

    #[test]
    fn negative_restore_closes_without_counting() {
        // The failed run (triggered first) finishes at 50, the fix finishes at 40: −600 s.
        // Afterwards F at 62 and S at 65 give a counted 3 min = 180 s, proving the first
        // episode did close.
        let s = stats(&[
            on_main("r1", Outcome::Failed, 10, 50),
            on_main("r2", Outcome::Succeeded, 20, 40),
            on_main("r3", Outcome::Failed, 60, 62),
            on_main("r4", Outcome::Succeeded, 63, 65),
        ]);
        assert_eq!((s.n, s.p50, s.open), (1, Some(180.0), 0));
    }

    #[test]
    fn unknown_finish_closes_without_counting() {
        // F without finished_at opens, S at 40 closes uncounted; F at 50 with S without
        // finished_at: closes uncounted too; nothing open.
        let mut open_unknown = on_main("r1", Outcome::Failed, 10, 0);
        open_unknown.finished_at = None;
        let mut close_unknown = on_main("r4", Outcome::Succeeded, 60, 0);
        close_unknown.finished_at = None;
        let s = stats(&[
            open_unknown,
            on_main("r2", Outcome::Succeeded, 30, 40),
            on_main("r3", Outcome::Failed, 45, 50),
            close_unknown,
        ]);
        assert_eq!((s.n, s.open), (0, 0));
    }

    #[test]
    fn aborted_and_in_progress_neither_open_nor_close() {
        // F at 12 opens; aborted and in-progress runs in between change nothing; S at 40
        // closes: 28 min = 1680 s. A lone aborted run afterwards opens nothing.
        let s = stats(&[
            on_main("r1", Outcome::Failed, 10, 12),
            on_main("r2", Outcome::Aborted, 15, 16),
            on_main("r3", Outcome::InProgress, 18, 19),
            on_main("r4", Outcome::Succeeded, 30, 40),
            on_main("r5", Outcome::Aborted, 50, 51),
        ]);
        assert_eq!((s.n, s.p50, s.open), (1, Some(1680.0), 0));
    }

    #[test]
    fn other_branches_are_ignored() {
        let mut failed = on_main("r1", Outcome::Failed, 10, 12);
        failed.branch = Some("feature/main".to_owned());
        let mut no_branch = on_main("r2", Outcome::Failed, 10, 12);
        no_branch.branch = None;
        let s = stats(&[failed, no_branch]);
        assert_eq!((s.n, s.open), (0, 0));
    }

    #[test]
    fn branches_are_separate_sequences_and_pooled() {
        // main: F 12 → S 22 = 600 s. master: F 13 → S 43 = 1800 s; the success on main at 22
        // does not close master's episode. Pooled n = 2: p50 r = (100+99)/100 = 1 → 600,
        // max 1800.
        let mut m1 = on_main("m1", Outcome::Failed, 11, 13);
        m1.branch = Some("master".to_owned());
        let mut m2 = on_main("m2", Outcome::Succeeded, 40, 43);
        m2.branch = Some("master".to_owned());
        let s = stats(&[
            on_main("r1", Outcome::Failed, 10, 12),
            m1,
            on_main("r2", Outcome::Succeeded, 20, 22),
            m2,
        ]);
        assert_eq!(
            (s.n, s.p50, s.max, s.open),
            (2, Some(600.0), Some(1800.0), 0)
        );
    }

    #[test]
    fn kinds_and_apps_are_separate_sequences() {
        // A failed pipeline and a succeeded build of the same name do not form an episode,
        // nor does a success in app a2 close app a1's episode. Open: a1 "ci" pipeline and
        // a1 "nightly" pipeline; a1 "ci" build and a2 "ci" pipeline are green.
        let failed = on_main("r1", Outcome::Failed, 10, 12);
        let mut build = on_main("r2", Outcome::Succeeded, 20, 22);
        build.kind = RunKind::Build;
        let mut other_name = on_main("r3", Outcome::Failed, 10, 12);
        other_name.name = "nightly".to_owned();
        let other_app = on_main("r4", Outcome::Succeeded, 20, 22);
        let refs = [
            AppRun {
                app: "a1",
                run: &failed,
            },
            AppRun {
                app: "a1",
                run: &build,
            },
            AppRun {
                app: "a1",
                run: &other_name,
            },
            AppRun {
                app: "a2",
                run: &other_app,
            },
        ];
        let s = time_to_restore(&refs, &main_branches());
        assert_eq!((s.n, s.open), (0, 2));
    }

    #[test]
    fn ties_in_trigger_time_are_ordered_by_slug() {
        // Both triggered at minute 10. By slug "a" (failed, F 12) comes before "b" (succeeded,
        // F 15): one closed episode of 3 min = 180 s. Given in reverse order to check the sort.
        let s = stats(&[
            on_main("b", Outcome::Succeeded, 10, 15),
            on_main("a", Outcome::Failed, 10, 12),
        ]);
        assert_eq!((s.n, s.p50, s.open), (1, Some(180.0), 0));
        // Swapped outcomes: "a" succeeded first, then "b" failed: one open episode.
        let s = stats(&[
            on_main("b", Outcome::Failed, 10, 15),
            on_main("a", Outcome::Succeeded, 10, 12),
        ]);
        assert_eq!((s.n, s.open), (0, 1));
    }

    #[test]
    fn open_episodes_say_since_when_ordered_by_since() {
        // main: S at 5, F at 12 (opens, since minute 12), F at 22 (same episode).
        // master: F at 8 opens (since minute 8). nightly on main: F without finish (since
        // unknown). Ordered by since: unknown first, then minute 8, then minute 12.
        let mut m1 = on_main("m1", Outcome::Failed, 7, 8);
        m1.branch = Some("master".to_owned());
        let mut nightly = on_main("n1", Outcome::Failed, 1, 0);
        nightly.name = "nightly".to_owned();
        nightly.finished_at = None;
        let s = stats(&[
            on_main("r1", Outcome::Succeeded, 4, 5),
            on_main("r2", Outcome::Failed, 10, 12),
            on_main("r3", Outcome::Failed, 20, 22),
            m1,
            nightly,
        ]);
        assert_eq!(s.open, 3);
        let open: Vec<(&str, &str, Option<DateTime<Utc>>)> = s
            .open_episodes
            .iter()
            .map(|e| (e.name.as_str(), e.branch.as_str(), e.since))
            .collect();
        assert_eq!(
            open,
            [
                ("nightly", "main", None),
                ("ci", "master", Some(at(8))),
                ("ci", "main", Some(at(12))),
            ]
        );
        assert!(s
            .open_episodes
            .iter()
            .all(|e| e.app == "a1" && e.kind == RunKind::Pipeline));
        let v = serde_json::to_value(&s.open_episodes).expect("serializable");
        assert_eq!(
            v[1],
            serde_json::json!({"app": "a1", "name": "ci", "kind": "pipeline", "branch": "master",
                "since": "2026-11-23T00:08:00Z"})
        );
        assert_eq!(v[0]["since"], serde_json::Value::Null);
    }
}
