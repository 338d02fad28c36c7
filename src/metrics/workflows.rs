//! Inside pipeline runs: each workflow's counts, failure rate and durations over a pipeline row,
//! and the critical path — the longest chain through `depends_on` by workflow duration — of the
//! row's typical (median-duration) run, with the workflow that weighs most on the slow runs.

use std::collections::BTreeMap;

use super::group::{decided_failure, duration, duration_stats, AppRun};
use super::percentile::{finite, SortedSample};
use super::stats::wilson;
use super::{CriticalPath, Settings, WorkflowMetrics, WorkflowStats};
use crate::model::{seconds, Outcome, PipelineDetail, Run, WorkflowRun};

/// The metrics of every workflow in the details of `runs` (one row's report-window runs),
/// ordered by name.
pub(super) fn workflow_metrics(runs: &[AppRun<'_>], settings: &Settings) -> Vec<WorkflowMetrics> {
    #[derive(Default)]
    struct Tally {
        runs: u64,
        succeeded: u64,
        failed: u64,
        skipped: u64,
        decided: u64,
        failures: u64,
        durations: Vec<f64>,
    }
    let mut tallies: BTreeMap<&str, Tally> = BTreeMap::new();
    for AppRun { run, .. } in runs {
        let Some(detail) = &run.detail else {
            continue;
        };
        for w in &detail.workflows {
            let t = tallies.entry(&w.name).or_default();
            t.runs += 1;
            match w.outcome {
                Outcome::Succeeded => t.succeeded += 1,
                Outcome::Failed => t.failed += 1,
                _ => {}
            }
            t.skipped += u64::from(w.status == "skipped");
            if let Some(failed) = decided_failure(w.outcome, settings.aborted_as) {
                t.decided += 1;
                t.failures += u64::from(failed);
            }
            if w.outcome == Outcome::Succeeded {
                if let Some(d) = span(w) {
                    t.durations.push(d);
                }
            }
        }
    }
    tallies
        .into_iter()
        .map(|(name, t)| WorkflowMetrics {
            name: name.to_owned(),
            metrics: WorkflowStats {
                runs: t.runs,
                succeeded: t.succeeded,
                failed: t.failed,
                skipped: t.skipped,
                decided: t.decided,
                failure_rate: if t.decided == 0 {
                    None
                } else {
                    finite(t.failures as f64 / t.decided as f64)
                },
                failure_rate_ci95: wilson(t.failures, t.decided),
                duration_s: duration_stats(&SortedSample::new(t.durations)),
            },
        })
        .collect()
}

/// The critical path of the row's typical run: among `runs` (the row's report-window runs) with
/// a detail and a duration in the duration population, the one at the nearest-rank median by
/// duration (ties by slug). `p95` is the row's p95 duration: the runs at or above it give the
/// bottleneck.
pub(super) fn critical_path(
    runs: &[AppRun<'_>],
    p95: Option<f64>,
    settings: &Settings,
) -> Option<CriticalPath> {
    let mut timed: Vec<(f64, &Run, &PipelineDetail)> = runs
        .iter()
        .filter_map(|AppRun { run, .. }| {
            let detail = run.detail.as_ref()?;
            Some((duration(run, settings.durations)?, *run, detail))
        })
        .collect();
    timed.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.slug.cmp(&b.1.slug)));
    // Nearest rank 50: r = ceil(50·n / 100), r >= 1.
    let rank = (50 * timed.len()).div_ceil(100).max(1);
    let (_, typical, detail) = timed.get(rank - 1)?;
    let (workflows, duration_s) = run_critical_path(detail);

    let mut on_slow_paths: BTreeMap<String, f64> = BTreeMap::new();
    if let Some(p95) = p95 {
        for (_, _, detail) in timed.iter().filter(|(d, _, _)| *d >= p95) {
            let by_name = durations_by_name(detail);
            for name in run_critical_path(detail).0 {
                let d = by_name.get(name.as_str()).copied().unwrap_or(0.0);
                *on_slow_paths.entry(name).or_default() += d;
            }
        }
    }
    // The largest sum; among equal sums the name that sorts first (the map iterates by name and
    // only a strictly larger sum replaces the choice).
    let p95_bottleneck = on_slow_paths
        .into_iter()
        .fold(None::<(String, f64)>, |best, (name, sum)| match best {
            Some((_, top)) if sum <= top => best,
            _ => Some((name, sum)),
        })
        .map(|(name, _)| name);

    Some(CriticalPath {
        run: typical.slug.clone(),
        workflows,
        duration_s,
        p95_bottleneck,
    })
}

/// `F − S` of a workflow entry in seconds, when both are known and `F >= S`.
fn span(w: &WorkflowRun) -> Option<f64> {
    let (start, finish) = (w.started_at?, w.finished_at?);
    (finish >= start).then(|| seconds(finish - start))
}

/// Each workflow's duration on a path: `F − S`, or 0 when unknown or negative. The first entry
/// of a name wins should a detail repeat one.
fn durations_by_name(detail: &PipelineDetail) -> BTreeMap<&str, f64> {
    let mut by_name = BTreeMap::new();
    for w in &detail.workflows {
        by_name
            .entry(w.name.as_str())
            .or_insert_with(|| span(w).unwrap_or(0.0));
    }
    by_name
}

/// The longest chain of a run's workflows through `depends_on`, by summed workflow duration
/// (`F − S`, 0 when unknown): the names in the order they ran, and the chain's length in
/// seconds. Ties go to the chain whose deciding workflow name sorts first. A dependency on a
/// name the detail does not hold is ignored; an edge that would close a cycle is treated as
/// absent (workflows are visited by name, so the result does not depend on the API's order).
pub fn run_critical_path(detail: &PipelineDetail) -> (Vec<String>, f64) {
    let by_name = durations_by_name(detail);
    let names: Vec<&str> = by_name.keys().copied().collect();
    let index: BTreeMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let mut deps: Vec<Vec<usize>> = vec![Vec::new(); names.len()];
    for w in &detail.workflows {
        if let Some(&i) = index.get(w.name.as_str()) {
            for d in &w.depends_on {
                if let Some(&j) = index.get(d.as_str()) {
                    if !deps[i].contains(&j) {
                        deps[i].push(j);
                    }
                }
            }
            deps[i].sort_unstable();
        }
    }
    let durations: Vec<f64> = names.iter().map(|n| by_name[n]).collect();

    let mut state = vec![Visit::New; names.len()];
    for i in 0..names.len() {
        longest_ending_at(i, &deps, &durations, &mut state);
    }
    let mut end = None::<(usize, f64)>;
    for (i, s) in state.iter().enumerate() {
        if let Visit::Done { length, .. } = *s {
            if end.is_none_or(|(_, best)| length > best) {
                end = Some((i, length));
            }
        }
    }
    let Some((mut at, length)) = end else {
        return (Vec::new(), 0.0);
    };
    let mut chain = vec![names[at].to_owned()];
    while let Visit::Done {
        previous: Some(p), ..
    } = state[at]
    {
        chain.push(names[p].to_owned());
        at = p;
    }
    chain.reverse();
    (chain, length)
}

#[derive(Debug, Clone, Copy)]
enum Visit {
    New,
    /// On the current search path: an edge back to it would close a cycle.
    Active,
    /// The longest chain ending here, and the workflow before this one on it.
    Done {
        length: f64,
        previous: Option<usize>,
    },
}

/// Fills `state[i]` with the longest chain ending at workflow `i`. Recursion depth is bounded by
/// the number of workflows of one pipeline (a handful).
fn longest_ending_at(i: usize, deps: &[Vec<usize>], durations: &[f64], state: &mut [Visit]) {
    if !matches!(state[i], Visit::New) {
        return;
    }
    state[i] = Visit::Active;
    let mut best = None::<(usize, f64)>;
    for &j in &deps[i] {
        longest_ending_at(j, deps, durations, state);
        // An `Active` dependency is a back edge: skipped.
        if let Visit::Done { length, .. } = state[j] {
            if best.is_none_or(|(_, top)| length > top) {
                best = Some((j, length));
            }
        }
    }
    state[i] = Visit::Done {
        length: best.map_or(0.0, |(_, l)| l) + durations[i],
        previous: best.map(|(j, _)| j),
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::fixtures::{run, with_workflows, workflow};
    use crate::model::Outcome::*;

    fn detail(workflows: Vec<WorkflowRun>) -> PipelineDetail {
        PipelineDetail {
            attempts: Vec::new(),
            workflows,
        }
    }

    /// check (60) → build (300) → ui-1 (400), ui-2 (500); check → lint (100);
    /// report (50) waits for ui-1 and ui-2.
    fn dag() -> Vec<WorkflowRun> {
        vec![
            workflow("check", Succeeded, 0, 60, &[]),
            workflow("build", Succeeded, 60, 300, &["check"]),
            workflow("lint", Succeeded, 60, 100, &["check"]),
            workflow("ui-1", Succeeded, 360, 400, &["build"]),
            workflow("ui-2", Succeeded, 360, 500, &["build"]),
            workflow("report", Succeeded, 860, 50, &["ui-1", "ui-2"]),
        ]
    }

    #[test]
    fn longest_chain_of_a_small_dag() {
        // Chains: check→lint = 160; check→build→ui-1→report = 60+300+400+50 = 810;
        // check→build→ui-2→report = 60+300+500+50 = 910 (the longest).
        let (chain, length) = run_critical_path(&detail(dag()));
        assert_eq!(chain, ["check", "build", "ui-2", "report"]);
        assert_eq!(length, 910.0);
    }

    #[test]
    fn a_cycle_is_broken_at_its_back_edge() {
        // a (10) waits for c, b (20) for a, c (30) for b: a cycle.
        let wf = vec![
            workflow("a", Succeeded, 0, 10, &["c"]),
            workflow("b", Succeeded, 0, 20, &["a"]),
            workflow("c", Succeeded, 0, 30, &["b"]),
        ];
        let (chain, length) = run_critical_path(&detail(wf));
        // Visiting a: a is Active, recurse c → b → a (Active: skipped): b = 20, c = 50,
        // a = 50 + 10 = 60 via c. Longest end: a (60): chain b → c → a.
        assert_eq!(chain, ["b", "c", "a"]);
        assert_eq!(length, 60.0);
    }

    #[test]
    fn missing_times_count_zero_and_unknown_dependencies_are_ignored() {
        let mut pending = workflow("deploy", InProgress, 0, 0, &["build", "ghost"]);
        pending.finished_at = None;
        let wf = vec![workflow("build", Succeeded, 0, 120, &[]), pending];
        // build (120) → deploy (0) = 120; ties with build alone, and deploy ends the longer-or-
        // equal chain only if strictly longer: build (120) is found first by name.
        let (chain, length) = run_critical_path(&detail(wf));
        assert_eq!((chain, length), (vec!["build".to_owned()], 120.0));
        assert_eq!(run_critical_path(&detail(Vec::new())), (Vec::new(), 0.0));
    }

    fn refs(runs: &[Run]) -> Vec<AppRun<'_>> {
        runs.iter().map(|run| AppRun { app: "a1", run }).collect()
    }

    /// A succeeded run lasting `total_s` whose workflows are the DAG with ui-2 lasting `ui2_s`.
    fn dag_run(slug: &str, total_s: i64, ui2_s: i64) -> Run {
        let mut wf = dag();
        wf[4] = workflow("ui-2", Succeeded, 360, ui2_s, &["build"]);
        let mut r = with_workflows(run(slug, "ci", Succeeded, 1), wf);
        r.started_at = Some(r.triggered_at);
        r.finished_at = Some(r.triggered_at + chrono::TimeDelta::seconds(total_s));
        r
    }

    #[test]
    fn typical_run_is_the_median_and_the_bottleneck_comes_from_slow_runs() {
        // Durations r1 900, r2 1000, r3 1100; nearest-rank p50: r = ceil(1.5) = 2 → r2.
        // r2's ui-2 lasts 200 s: ui-1 (400) wins: check→build→ui-1→report = 810.
        // The row's p95 (given) is 1100: only r3 is at or above it; r3's ui-2 lasts 700:
        // path check 60 + build 300 + ui-2 700 + report 50; the largest is ui-2 (700).
        let runs = [
            dag_run("r1", 900, 500),
            dag_run("r2", 1000, 200),
            dag_run("r3", 1100, 700),
        ];
        let cp = critical_path(&refs(&runs), Some(1100.0), &Settings::default()).expect("typical");
        assert_eq!(cp.run, "r2");
        assert_eq!(cp.workflows, ["check", "build", "ui-1", "report"]);
        assert_eq!(cp.duration_s, 810.0);
        assert_eq!(cp.p95_bottleneck.as_deref(), Some("ui-2"));

        // Without a p95 there is no bottleneck; without timed runs, no typical run.
        let cp = critical_path(&refs(&runs), None, &Settings::default()).expect("typical");
        assert_eq!(cp.p95_bottleneck, None);
        let untimed = [with_workflows(run("u", "ci", Succeeded, 1), dag())];
        assert_eq!(
            critical_path(&refs(&untimed), None, &Settings::default()),
            None
        );
    }

    #[test]
    fn workflow_metrics_by_hand() {
        // Two runs of the DAG; in the second, ui-1 failed and report was skipped.
        let first = with_workflows(run("r1", "ci", Succeeded, 1), dag());
        let mut wf = dag();
        wf[3] = workflow("ui-1", Failed, 360, 90, &["build"]);
        wf[5] = workflow("report", Other, 0, 0, &["ui-1", "ui-2"]);
        let second = with_workflows(run("r2", "ci", Failed, 2), wf);
        let metrics = workflow_metrics(&refs(&[first, second]), &Settings::default());

        let names: Vec<&str> = metrics.iter().map(|w| w.name.as_str()).collect();
        assert_eq!(names, ["build", "check", "lint", "report", "ui-1", "ui-2"]);
        let ui1 = &metrics[4].metrics;
        // 2 entries: 1 succeeded (400 s), 1 failed → rate 1/2; durations of succeeded only.
        assert_eq!(
            (ui1.runs, ui1.succeeded, ui1.failed, ui1.skipped),
            (2, 1, 1, 0)
        );
        assert_eq!(ui1.failure_rate, Some(0.5));
        assert_eq!((ui1.duration_s.n, ui1.duration_s.p50), (1, Some(400.0)));
        let report = &metrics[3].metrics;
        // 1 succeeded (50 s), 1 skipped (not decided) → rate 0/1.
        assert_eq!((report.runs, report.skipped, report.decided), (2, 1, 1));
        assert_eq!(report.failure_rate, Some(0.0));
        let build = &metrics[0].metrics;
        // 300 s twice: p50 300, mean 300.
        assert_eq!(
            (
                build.duration_s.n,
                build.duration_s.p50,
                build.duration_s.mean
            ),
            (2, Some(300.0), Some(300.0))
        );
    }

    fn keys(v: &serde_json::Value) -> Vec<String> {
        let mut k: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
        k.sort();
        k
    }

    #[test]
    fn json_keys_of_workflows_and_critical_path() {
        let runs = [dag_run("r1", 900, 500)];
        let w = serde_json::to_value(workflow_metrics(&refs(&runs), &Settings::default()))
            .expect("serializable");
        assert_eq!(keys(&w[0]), ["metrics", "name"]);
        assert_eq!(
            keys(&w[0]["metrics"]),
            [
                "duration_s",
                "failed",
                "failure_rate",
                "failure_rate_ci95",
                "runs",
                "skipped",
                "succeeded"
            ]
        );
        assert_eq!(
            keys(&w[0]["metrics"]["duration_s"]),
            ["max", "mean", "n", "p50", "p90", "p95"]
        );
        let cp = serde_json::to_value(critical_path(&refs(&runs), None, &Settings::default()))
            .expect("serializable");
        assert_eq!(
            keys(&cp),
            ["duration_s", "p95_bottleneck", "run", "workflows"]
        );
        assert_eq!(cp["p95_bottleneck"], serde_json::Value::Null);
        assert_eq!(
            cp["workflows"],
            serde_json::json!(["check", "build", "ui-2", "report"])
        );
    }
}
