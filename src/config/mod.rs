//! Turns parsed flags and environment into a checked configuration: the API source, the report
//! window and its previous window, the run filter and the metric settings. Every configuration
//! error (exit 3) is raised here, naming the flag and how to fix it.
//!
//! [`file`] reads `ci-vitals.toml` and merges it under the flags and the environment.

pub mod file;

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use crate::bitrise::{ClientOptions, DEFAULT_API_URL};
use crate::cli::{SourceArgs, WindowArgs};
use crate::error::Error;
use crate::filter::RunFilter;
use crate::metrics::{Dimension, Settings};
use crate::model::Window;
use crate::secret::Secret;

/// The default window length.
pub const DEFAULT_DAYS: f64 = 7.0;

/// Runs older than this many days are gone from the API (bitrise-api.md, "Retention").
pub const RETENTION_DAYS: i64 = 200;

/// How to reach the Bitrise API.
#[derive(Debug, Clone)]
pub struct Source {
    pub client: ClientOptions,
    /// Apps named with `--app`, deduplicated, in the order given.
    pub apps: Vec<String>,
    /// The most time one app may take in all (`--app-deadline`).
    pub app_deadline: Duration,
}

impl Source {
    /// Checks the source flags; a token is required.
    pub fn resolve(args: &SourceArgs) -> Result<Source, Error> {
        let token = args
            .token
            .as_deref()
            .map(Secret::new)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                Error::Config(
                    "no Bitrise token: set BITRISE_TOKEN or pass --token (create a workspace API \
                     token with the Viewer role in the workspace settings)"
                        .to_owned(),
                )
            })?;
        let api_url = match args.api_url.trim() {
            "" => DEFAULT_API_URL.to_owned(),
            url => url.trim_end_matches('/').to_owned(),
        };
        if !(api_url.starts_with("https://") || api_url.starts_with("http://")) {
            return Err(Error::Config(format!(
                "--api-url {api_url:?} is not an http(s) URL: use e.g. {DEFAULT_API_URL}"
            )));
        }
        Ok(Source {
            client: ClientOptions {
                api_url,
                token,
                timeout: Duration::from_secs(args.timeout),
                concurrency: usize::from(args.concurrency),
                max_rps: args.max_rps,
                retries: args.retries,
            },
            apps: named_apps(&args.apps)?,
            app_deadline: Duration::from_secs(args.app_deadline),
        })
    }
}

/// Checks and deduplicates `--app` slugs, keeping their order.
pub fn named_apps(apps: &[String]) -> Result<Vec<String>, Error> {
    let mut named: Vec<String> = Vec::new();
    for slug in apps {
        let slug = slug.trim();
        if slug.is_empty() || slug.contains(['/', '?', '#', ' ']) {
            return Err(Error::Config(format!(
                "--app {slug:?} is not an app slug: pass the app's slug as shown in its Bitrise URL"
            )));
        }
        if !named.iter().any(|s| s == slug) {
            named.push(slug.to_owned());
        }
    }
    Ok(named)
}

/// The report window and, unless `--no-compare`, the previous window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Windows {
    pub window: Window,
    pub previous: Option<Window>,
}

impl Windows {
    /// The span of time to read runs for.
    pub fn span(&self) -> Window {
        match self.previous {
            Some(p) => Window {
                since: p.since,
                until: self.window.until,
            },
            None => self.window,
        }
    }
}

/// Resolves the window flags. `default_until` and `default_length` apply where the flags are
/// silent (now and 7 days for the API; the snapshot's own window for `--input`).
pub fn resolve_windows(
    args: &WindowArgs,
    default_until: DateTime<Utc>,
    default_length: TimeDelta,
) -> Result<Windows, Error> {
    let length = match args.days {
        None => default_length,
        Some(days) if days.is_finite() && days > 0.0 && days <= 3650.0 => {
            TimeDelta::milliseconds((days * 86_400_000.0).round() as i64)
        }
        Some(days) => {
            return Err(Error::Config(format!(
                "--days {days} is not a positive number of days (at most 3650)"
            )))
        }
    };
    let window =
        match (args.since, args.until) {
            (Some(_), Some(_)) if args.days.is_some() => return Err(Error::Config(
                "--days cannot be combined with both --since and --until: drop one of the three"
                    .to_owned(),
            )),
            (Some(since), Some(until)) => Window { since, until },
            (Some(since), None) if args.days.is_some() => Window {
                since,
                until: since + length,
            },
            (Some(since), None) => Window {
                since,
                until: default_until,
            },
            (None, until) => {
                let until = until.unwrap_or(default_until);
                Window {
                    since: until - length,
                    until,
                }
            }
        };
    if window.since >= window.until {
        return Err(Error::Config(format!(
            "the window is empty: --since {} is not before --until {}",
            window.since.to_rfc3339(),
            window.until.to_rfc3339()
        )));
    }
    Ok(Windows {
        window,
        previous: (!args.no_compare).then(|| window.previous()),
    })
}

/// The metric settings of the window flags.
pub fn settings(args: &WindowArgs) -> Settings {
    let mut main_branches: Vec<String> = Vec::new();
    for b in &args.main_branches {
        if !main_branches.contains(b) {
            main_branches.push(b.clone());
        }
    }
    if main_branches.is_empty() {
        main_branches = Settings::default().main_branches;
    }
    Settings {
        aborted_as: args.aborted_as,
        durations: args.durations,
        main_branches,
        // Taken from the dataset when metrics are computed.
        details_read: true,
    }
}

/// The `--group-by` dimensions, each once, in a fixed order (branch, trigger, machine).
pub fn dimensions(group_by: &[Dimension]) -> Vec<Dimension> {
    let mut dimensions = group_by.to_vec();
    dimensions.sort_unstable();
    dimensions.dedup();
    dimensions
}

/// The run filter of the window flags.
pub fn run_filter(args: &WindowArgs) -> Result<RunFilter, Error> {
    RunFilter::new(&args.pipelines, &args.branches)
}

/// A data-quality warning when the span reaches back beyond the API's retention.
pub fn retention_warning(span: &Window, now: DateTime<Utc>) -> Option<String> {
    let limit = now - TimeDelta::days(RETENTION_DAYS);
    (span.since < limit).then(|| {
        format!(
            "the requested span starts {}, but Bitrise keeps about {RETENTION_DAYS} days of runs \
             (since {}): older runs are missing from this report",
            span.since.to_rfc3339(),
            limit.date_naive()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Cli;
    use clap::Parser;

    fn window_args(extra: &[&str]) -> WindowArgs {
        let mut argv = vec!["ci-vitals", "report", "--demo"];
        argv.extend_from_slice(extra);
        match Cli::parse_from(argv).command {
            crate::cli::Command::Report(r) => r.window,
            _ => unreachable!("report command"),
        }
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("test time")
    }

    const NOW: &str = "2026-12-04T12:00:00Z";

    #[test]
    fn defaults_are_seven_days_ending_now_with_previous() {
        let w = resolve_windows(&window_args(&[]), at(NOW), TimeDelta::days(7)).expect("ok");
        assert_eq!(w.window.since, at("2026-11-27T12:00:00Z"));
        assert_eq!(w.window.until, at(NOW));
        assert_eq!(
            w.previous.expect("previous").since,
            at("2026-11-20T12:00:00Z")
        );
        assert_eq!(w.span().since, at("2026-11-20T12:00:00Z"));
    }

    #[test]
    fn flags_combine_as_documented() {
        let w = resolve_windows(
            &window_args(&["--since", "2026-11-01T00:00:00Z", "--days", "2"]),
            at(NOW),
            TimeDelta::days(7),
        )
        .expect("ok");
        assert_eq!(w.window.until, at("2026-11-03T00:00:00Z"));
        let w = resolve_windows(
            &window_args(&["--until", "2026-11-10T00:00:00Z", "--no-compare"]),
            at(NOW),
            TimeDelta::days(7),
        )
        .expect("ok");
        assert_eq!(w.window.since, at("2026-11-03T00:00:00Z"));
        assert_eq!(w.previous, None);
        let w = resolve_windows(
            &window_args(&["--since", "2026-12-01T00:00:00Z"]),
            at(NOW),
            TimeDelta::days(7),
        )
        .expect("ok");
        assert_eq!(w.window.until, at(NOW));
    }

    #[test]
    fn empty_windows_and_bad_days_are_config_errors() {
        for extra in [
            &["--since", "2026-12-05T00:00:00Z"][..],
            &["--days", "0"],
            &["--days=-3"],
            &["--days", "NaN"],
            &[
                "--since",
                "2026-11-01T00:00:00Z",
                "--until",
                "2026-11-02T00:00:00Z",
                "--days",
                "1",
            ],
        ] {
            let err = resolve_windows(&window_args(extra), at(NOW), TimeDelta::days(7))
                .expect_err("config error");
            assert_eq!(err.exit_code(), 3, "{extra:?}: {err}");
        }
    }

    #[test]
    fn main_branches_default_and_deduplicate() {
        assert_eq!(
            settings(&window_args(&[])).main_branches,
            ["main", "master"]
        );
        assert_eq!(
            settings(&window_args(&[
                "--main-branch",
                "trunk",
                "--main-branch",
                "trunk"
            ]))
            .main_branches,
            ["trunk"]
        );
    }

    #[test]
    fn group_by_dimensions_are_deduplicated_in_a_fixed_order() {
        use clap::Parser;
        let cli = Cli::try_parse_from([
            "ci-vitals",
            "report",
            "--demo",
            "--group-by",
            "machine",
            "--group-by",
            "branch",
            "--group-by",
            "machine",
            "--deploy-pipeline",
            "deploy-*",
            "--deploy-pipeline",
            "release",
        ])
        .expect("valid flags");
        let crate::cli::Command::Report(args) = cli.command else {
            panic!("a report command");
        };
        assert_eq!(
            dimensions(&args.group_by),
            [Dimension::Branch, Dimension::Machine]
        );
        assert_eq!(args.deploy_pipelines, ["deploy-*", "release"]);
    }

    #[test]
    fn retention_is_warned_about() {
        let span = Window {
            since: at("2026-01-01T00:00:00Z"),
            until: at(NOW),
        };
        assert!(retention_warning(&span, at(NOW)).is_some());
        let recent = Window {
            since: at("2026-11-01T00:00:00Z"),
            until: at(NOW),
        };
        assert!(retention_warning(&recent, at(NOW)).is_none());
    }
}
