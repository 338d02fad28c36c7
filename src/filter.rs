//! Which runs count: `--pipeline` and `--branch` globs, applied before anything is counted.

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::error::Error;
use crate::model::{Dataset, Run};

/// Run filters from the command line. Empty pattern lists match every run.
#[derive(Debug, Clone, Default)]
pub struct RunFilter {
    pipelines: Option<GlobSet>,
    branches: Option<GlobSet>,
}

impl RunFilter {
    pub fn new(pipelines: &[String], branches: &[String]) -> Result<RunFilter, Error> {
        Ok(RunFilter {
            pipelines: glob_set("--pipeline", pipelines)?,
            branches: glob_set("--branch", branches)?,
        })
    }

    /// Whether a run passes every filter. A run without a branch fails a `--branch` filter.
    pub fn matches(&self, run: &Run) -> bool {
        self.pipelines
            .as_ref()
            .is_none_or(|g| g.is_match(&run.name))
            && self
                .branches
                .as_ref()
                .is_none_or(|g| run.branch.as_deref().is_some_and(|b| g.is_match(b)))
    }

    /// Drops the runs that do not pass.
    pub fn apply(&self, dataset: &mut Dataset) {
        if self.pipelines.is_none() && self.branches.is_none() {
            return;
        }
        for app in &mut dataset.apps {
            app.runs.retain(|run| self.matches(run));
        }
    }
}

fn glob_set(flag: &str, patterns: &[String]) -> Result<Option<GlobSet>, Error> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        let glob = Glob::new(pattern)
            .map_err(|e| Error::Config(format!("{flag} {pattern:?} is not a valid glob: {e}")))?;
        builder.add(glob);
    }
    builder
        .build()
        .map(Some)
        .map_err(|e| Error::Config(format!("{flag}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Outcome, RunKind};

    fn run(name: &str, branch: Option<&str>) -> Run {
        Run {
            slug: "r".to_owned(),
            name: name.to_owned(),
            kind: RunKind::Pipeline,
            outcome: Outcome::Succeeded,
            branch: branch.map(str::to_owned),
            commit_hash: None,
            triggered_at: "2026-11-30T00:00:00Z".parse().expect("time"),
            started_at: None,
            finished_at: None,
            credit_cost: None,
            triggered_by: None,
            trigger: crate::model::Trigger::Unknown,
            machine_type: None,
            detail: None,
        }
    }

    #[test]
    fn globs_match_names_and_branches() {
        let f = RunFilter::new(&["ci-*".to_owned()], &["feature/*".to_owned()]).expect("ok");
        assert!(f.matches(&run("ci-pipeline", Some("feature/a/b"))));
        assert!(!f.matches(&run("release", Some("feature/a"))));
        assert!(!f.matches(&run("ci-pipeline", Some("main"))));
        assert!(!f.matches(&run("ci-pipeline", None)));
        let all = RunFilter::new(&[], &[]).expect("ok");
        assert!(all.matches(&run("anything", None)));
    }

    #[test]
    fn a_bad_glob_is_a_config_error_naming_the_flag() {
        let err = RunFilter::new(&["ci-[".to_owned()], &[]).expect_err("bad glob");
        assert_eq!(err.exit_code(), 3);
        assert!(err.to_string().contains("--pipeline \"ci-[\""), "{err}");
    }
}
