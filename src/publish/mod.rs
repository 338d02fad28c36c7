//! Publishing a report to GitHub from inside a workflow run: the job summary ([`summary`]), the
//! sticky pull-request comment ([`comment`]), step outputs ([`outputs`]) and `::warning::`
//! annotations for data problems ([`annotations`]); [`event`] reads the PR number from the
//! event payload.
//!
//! [`Plan::resolve`] checks flags and environment before any data is read, so a missing
//! variable fails fast as a configuration error; [`Plan::run`] publishes a rendered report.
//! The summary and outputs are written before the comment is posted, so that a failing or
//! read-only GitHub token still leaves them behind.

pub mod annotations;
pub mod comment;
pub mod event;
pub mod outputs;
pub mod summary;

use std::path::PathBuf;
use std::time::Duration;

use crate::report::{self, Format, RenderOptions, Report};
use crate::secret::Secret;

pub use comment::{GithubClient, Posted, Target, COMMENT_MAX_SIZE, DEFAULT_GITHUB_API_URL};
pub use summary::SUMMARY_MAX_SIZE;

/// A GitHub API failure while publishing.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// `endpoint` is the method and path only: no host, no query, never the token.
    #[error("github api {endpoint}: {message}")]
    Api {
        endpoint: String,
        message: String,
        /// A 403 "Resource not accessible by integration" on a write: the token may only read.
        read_only: bool,
    },
}

/// The GitHub Actions environment, read once ([`GithubEnv::from_env`]) so that the rest is
/// testable without touching the process environment.
#[derive(Debug, Clone, Default)]
pub struct GithubEnv {
    /// `$GITHUB_STEP_SUMMARY`.
    pub step_summary: Option<PathBuf>,
    /// `$GITHUB_OUTPUT`.
    pub output: Option<PathBuf>,
    /// `$GITHUB_REPOSITORY` (`owner/name`).
    pub repository: Option<String>,
    /// `$GITHUB_API_URL`.
    pub api_url: Option<String>,
    /// `$GITHUB_EVENT_PATH`.
    pub event_path: Option<PathBuf>,
    /// `$GITHUB_ACTIONS == "true"`: workflow commands are understood.
    pub actions: bool,
}

impl GithubEnv {
    pub fn from_env() -> GithubEnv {
        let text = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        GithubEnv {
            step_summary: text("GITHUB_STEP_SUMMARY").map(PathBuf::from),
            output: text("GITHUB_OUTPUT").map(PathBuf::from),
            repository: text("GITHUB_REPOSITORY"),
            api_url: text("GITHUB_API_URL"),
            event_path: text("GITHUB_EVENT_PATH").map(PathBuf::from),
            actions: text("GITHUB_ACTIONS").as_deref() == Some("true"),
        }
    }
}

/// What the command line asks to publish.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub summary: bool,
    pub comment: bool,
    pub outputs: bool,
    /// `--github-token` / `$GITHUB_TOKEN`.
    pub token: Option<Secret>,
    /// `--pr`.
    pub pr: Option<u64>,
    /// `--comment-key`: the marker `<!-- ci-vitals:KEY -->`.
    pub comment_key: String,
    /// `--output`, reported as the `report-path` output.
    pub report_path: Option<PathBuf>,
    /// `--templates`, so that the published Markdown looks like the rendered one.
    pub templates_dir: Option<PathBuf>,
    /// Per-request timeout of the GitHub client.
    pub timeout: Duration,
}

/// The comment to post, with everything it needs checked.
#[derive(Debug)]
struct CommentPlan {
    client: GithubClient,
    target: Target,
    marker: String,
}

/// A checked publishing request.
#[derive(Debug)]
pub struct Plan {
    request: Request,
    summary: Option<PathBuf>,
    outputs: Option<PathBuf>,
    comment: Option<CommentPlan>,
    annotate: bool,
}

/// What publishing did, for the caller's exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Everything asked for was published; what happened to the comment, when one was asked.
    Done { comment: Option<Posted> },
    /// The token could not write the comment (a fork's PR); a warning was printed.
    ReadOnly,
}

impl Plan {
    /// Checks the request against the environment; every problem is a configuration message
    /// naming the flag or variable to set.
    pub fn resolve(request: Request, env: &GithubEnv) -> Result<Plan, String> {
        let required = |value: &Option<PathBuf>, flag: &str, name: &str| {
            value.clone().ok_or_else(|| {
                format!("{flag} needs ${name} (set by GitHub Actions) to name a file")
            })
        };
        if request.summary || request.comment {
            report::marker_line(&request.comment_key).map_err(|e| format!("--comment-key: {e}"))?;
        }
        let summary = match request.summary {
            true => Some(required(
                &env.step_summary,
                "--github-summary",
                "GITHUB_STEP_SUMMARY",
            )?),
            false => None,
        };
        let outputs = match request.outputs {
            true => Some(required(&env.output, "--github-outputs", "GITHUB_OUTPUT")?),
            false => None,
        };
        let comment = match request.comment {
            true => Some(comment_plan(&request, env)?),
            false => None,
        };
        Ok(Plan {
            request,
            summary,
            outputs,
            comment,
            annotate: env.actions,
        })
    }

    /// Whether anything at all is published.
    pub fn is_empty(&self) -> bool {
        self.summary.is_none() && self.outputs.is_none() && self.comment.is_none() && !self.annotate
    }

    /// Publishes `report`: annotations, then the summary and the outputs, then the comment.
    /// `gates_failed` is `None` when no gate was set. A read-only token is not an error here
    /// (the caller decides with `--strict`); any other GitHub failure is.
    pub async fn run(
        &self,
        report: &Report,
        gates_failed: Option<bool>,
    ) -> Result<Outcome, PlanError> {
        if self.annotate {
            // stderr: stdout may carry the report itself, and the runner reads both streams.
            for line in annotations::data_problems(report) {
                eprintln!("{line}");
            }
        }
        if let Some(path) = &self.summary {
            let markdown = self.markdown(report, SUMMARY_MAX_SIZE)?;
            summary::append(path, &markdown).map_err(|source| PlanError::Write {
                path: path.clone(),
                source,
            })?;
        }
        if let Some(path) = &self.outputs {
            let values =
                outputs::report_outputs(report, gates_failed, self.request.report_path.as_deref());
            outputs::append(path, &values).map_err(|source| PlanError::Write {
                path: path.clone(),
                source,
            })?;
        }
        let Some(comment) = &self.comment else {
            return Ok(Outcome::Done { comment: None });
        };
        let body = self.markdown(report, COMMENT_MAX_SIZE)?;
        match comment
            .client
            .upsert_comment(&comment.target, &comment.marker, &body)
            .await
        {
            Ok(posted) => Ok(Outcome::Done {
                comment: Some(posted),
            }),
            Err(PublishError::Api {
                read_only: true,
                endpoint,
                ..
            }) => {
                eprintln!("{}", read_only_warning(&endpoint));
                Ok(Outcome::ReadOnly)
            }
            Err(error) => Err(PlanError::Github(error)),
        }
    }

    fn markdown(&self, report: &Report, max_size: usize) -> Result<String, PlanError> {
        Ok(report::render_with_options(
            report,
            Format::Markdown,
            &RenderOptions {
                templates_dir: self.request.templates_dir.as_deref(),
                max_size,
                marker_key: &self.request.comment_key,
            },
        )?)
    }
}

/// Why publishing failed.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error(transparent)]
    Github(#[from] PublishError),
    #[error(transparent)]
    Render(#[from] report::RenderError),
    #[error("cannot append to {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn comment_plan(request: &Request, env: &GithubEnv) -> Result<CommentPlan, String> {
    let marker =
        report::marker_line(&request.comment_key).map_err(|e| format!("--comment-key: {e}"))?;
    let repository = env
        .repository
        .clone()
        .filter(|r| valid_repository(r))
        .ok_or_else(|| {
            "--github-comment needs $GITHUB_REPOSITORY as owner/name (set by GitHub Actions)"
                .to_owned()
        })?;
    let token = request
        .token
        .clone()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            "--github-comment needs a token: pass --github-token or set $GITHUB_TOKEN".to_owned()
        })?;
    let number = match (request.pr, &env.event_path) {
        (Some(pr), _) => pr,
        (None, Some(path)) => event::pull_request_number(path)?.ok_or_else(|| {
            format!(
                "the event payload {} names no pull request: pass --pr N",
                path.display()
            )
        })?,
        (None, None) => {
            return Err(
                "--github-comment needs the pull request: pass --pr N (or run it on a \
                 pull_request event, which sets $GITHUB_EVENT_PATH)"
                    .to_owned(),
            )
        }
    };
    let api_url = env.api_url.as_deref().unwrap_or(DEFAULT_GITHUB_API_URL);
    let client = GithubClient::new(api_url, &token, request.timeout)?;
    Ok(CommentPlan {
        client,
        target: Target { repository, number },
        marker,
    })
}

/// `owner/name` with safe characters only, since it becomes part of a URL path.
fn valid_repository(text: &str) -> bool {
    let mut parts = text.split('/');
    let ok = |part: Option<&str>| {
        part.is_some_and(|p| {
            !p.is_empty()
                && p != "."
                && p != ".."
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        })
    };
    ok(parts.next()) && ok(parts.next()) && parts.next().is_none()
}

/// The warning for a token that may not write: it names the fix.
fn read_only_warning(endpoint: &str) -> String {
    annotations::warning(
        "ci-vitals: cannot comment",
        &format!(
            "{endpoint}: the GitHub token is read-only (Resource not accessible by \
             integration), as it is on pull requests from forks, so no comment was posted; the \
             summary and outputs were written. To comment on fork pull requests, use the \
             workflow_run pattern: run the report from a workflow_run-triggered workflow that \
             has pull-requests: write permission."
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> Request {
        Request {
            comment: true,
            token: Some(Secret::new("ghs_unit")),
            comment_key: "report".to_owned(),
            timeout: Duration::from_secs(5),
            ..Request::default()
        }
    }

    fn env() -> GithubEnv {
        GithubEnv {
            repository: Some("octo/widgets".to_owned()),
            ..GithubEnv::default()
        }
    }

    #[test]
    fn missing_variables_and_inputs_are_named() {
        let summary = Request {
            summary: true,
            comment: false,
            ..request()
        };
        let error = Plan::resolve(summary, &GithubEnv::default()).expect_err("no summary file");
        assert!(error.contains("GITHUB_STEP_SUMMARY"), "{error}");
        let error = Plan::resolve(request(), &env()).expect_err("no PR");
        assert!(error.contains("--pr"), "{error}");
        let no_repo = Plan::resolve(
            Request {
                pr: Some(3),
                ..request()
            },
            &GithubEnv::default(),
        )
        .expect_err("no repository");
        assert!(no_repo.contains("GITHUB_REPOSITORY"), "{no_repo}");
        let no_token = Plan::resolve(
            Request {
                pr: Some(3),
                token: Some(Secret::new("  ")),
                ..request()
            },
            &env(),
        )
        .expect_err("no token");
        assert!(no_token.contains("--github-token"), "{no_token}");
        let bad_key = Plan::resolve(
            Request {
                summary: true,
                comment_key: "a-->b".to_owned(),
                ..Request::default()
            },
            &GithubEnv {
                step_summary: Some(PathBuf::from("summary.md")),
                ..GithubEnv::default()
            },
        )
        .expect_err("bad key");
        assert!(bad_key.starts_with("--comment-key: "), "{bad_key}");
        assert!(Plan::resolve(
            Request {
                pr: Some(3),
                ..request()
            },
            &env()
        )
        .is_ok());
    }

    #[test]
    fn repositories_are_owner_slash_name() {
        assert!(valid_repository("octo-org/widgets.rs"));
        assert!(!valid_repository("octo"));
        assert!(!valid_repository("octo/widgets/extra"));
        assert!(!valid_repository("octo/.."));
        assert!(!valid_repository("octo/wid gets"));
    }

    #[test]
    fn the_read_only_warning_names_workflow_run() {
        let warning = read_only_warning("POST /repos/o/r/issues/1/comments");
        assert!(warning.starts_with("::warning title=ci-vitals%3A cannot comment::"));
        assert!(warning.contains("workflow_run"));
    }
}
