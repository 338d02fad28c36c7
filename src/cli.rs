//! The command line: clap types for `report`, `fetch` and `check` (cli.md is the contract).
//! Parsing only; [`crate::config`] turns these into a checked configuration.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::bitrise::DEFAULT_API_URL;
use crate::metrics::{AbortedAs, Dimension, DurationPopulation};
use crate::report::Format;
use crate::term::ColorMode;

/// CI health metrics for Bitrise pipelines: build frequency, failure rate, durations, queue
/// time, time to restore and their change, as Markdown, HTML or JSON.
#[derive(Debug, Parser)]
#[command(name = "ci-vitals", version, propagate_version = true)]
#[command(after_help = "Examples:\n  \
    ci-vitals report --demo\n  \
    BITRISE_TOKEN=... ci-vitals report --days 7 --format markdown\n  \
    BITRISE_TOKEN=... ci-vitals check\n  \
    ci-vitals completions bash > /etc/bash_completion.d/ci-vitals\n\n\
    Settings come from flags, then the environment, then ci-vitals.toml (or --config),\n\
    then the defaults.\n\n\
    Exit codes: 0 success, 1 runtime failure, 2 usage error, 3 configuration error,\n\
    4 gate failed, 5 invalid_credentials, 6 invalid_permissions, 7 no_resources,\n\
    130 interrupted (SIGINT), 143 terminated (SIGTERM).")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// Print more on stderr (-v: a line per app also on a terminal, and each file written; -vv: a
    /// line per page read).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Print nothing on stderr but errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Colour the error and warning prefixes on stderr [default: auto].
    #[arg(long, global = true, value_enum, value_name = "WHEN")]
    pub color: Option<ColorMode>,

    /// Read settings from this TOML file (it must exist) [default: ci-vitals.toml in the
    /// working directory, when there is one].
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Display names of apps by slug, from the config file's `[app_names]` (no flag).
    #[arg(skip)]
    pub app_names: BTreeMap<String, String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Fetch runs, compute metrics and render a report.
    #[command(after_help = "Examples:\n  \
        ci-vitals report --demo\n  \
        ci-vitals report --app 0123456789abcdef --days 14 --format html --output ci.html\n  \
        ci-vitals report --input snapshot.json.gz --days 3 --format json\n  \
        ci-vitals report --output comment.md --output report.html --output report.json")]
    Report(ReportArgs),
    /// Read the runs of the window (and the previous window) into a snapshot file.
    #[command(after_help = "Example:\n  \
        ci-vitals fetch --days 7 --output snapshot.json.gz\n  \
        ci-vitals report --input snapshot.json.gz --format html --output report.html\n  \
        ci-vitals fetch --shard 1/2 --until 2026-11-30T00:00:00Z --output s1.json.gz\n  \
        ci-vitals fetch --shard 2/2 --until 2026-11-30T00:00:00Z --output s2.json.gz\n  \
        ci-vitals report --input s1.json.gz --input s2.json.gz")]
    Fetch(FetchArgs),
    /// Check that the token can list apps and read their pipelines.
    #[command(after_help = "Examples:\n  \
        ci-vitals check\n  \
        ci-vitals check --app 0123456789abcdef --format json")]
    Check(CheckArgs),
    /// Work with the report templates.
    #[command(subcommand)]
    #[command(after_help = "Example:\n  \
        ci-vitals templates dump my-templates")]
    Templates(TemplatesCommand),
    /// Print a shell completion script for SHELL on stdout.
    #[command(after_help = "Examples:\n  \
        ci-vitals completions bash > ~/.local/share/bash-completion/completions/ci-vitals\n  \
        ci-vitals completions zsh > \"${fpath[1]}/_ci-vitals\"\n  \
        ci-vitals completions fish > ~/.config/fish/completions/ci-vitals.fish")]
    Completions(CompletionsArgs),
    /// Print the manual page (roff) on stdout.
    #[command(after_help = "Example:\n  \
        ci-vitals man > ci-vitals.1 && man ./ci-vitals.1")]
    Man,
}

#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Subcommand)]
pub enum TemplatesCommand {
    /// Write the built-in templates into DIR, as a starting point for `report --templates DIR`.
    #[command(after_help = "Example:\n  \
        ci-vitals templates dump my-templates\n  \
        ci-vitals report --demo --format html --templates my-templates --output ci.html")]
    Dump(DumpArgs),
}

#[derive(Debug, Clone, Args)]
pub struct DumpArgs {
    /// The directory to write into (created when missing).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,

    /// Overwrite templates that already exist in DIR.
    #[arg(long)]
    pub force: bool,
}

/// Where runs come from: the Bitrise API.
#[derive(Debug, Clone, Args)]
pub struct SourceArgs {
    /// Bitrise token (a workspace API token with the Viewer role), sent raw in `Authorization`.
    #[arg(
        long,
        env = "BITRISE_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub token: Option<String>,

    /// Bitrise API base.
    #[arg(long, env = "BITRISE_API_URL", default_value = DEFAULT_API_URL, value_name = "URL")]
    pub api_url: String,

    /// App slug to read (repeatable). Default: every non-disabled app the token sees.
    #[arg(long = "app", value_name = "SLUG")]
    pub apps: Vec<String>,

    /// Most HTTP requests in flight.
    #[arg(long, default_value_t = 8, value_name = "N",
          value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,

    /// Most requests started per second (default: no pacing beyond --concurrency).
    #[arg(long, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub max_rps: Option<u32>,

    /// Per-request timeout in seconds.
    #[arg(long, default_value_t = 30, value_name = "SECONDS",
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,

    /// Retries of a request after a transient failure (network, 429, 5xx).
    #[arg(long, default_value_t = 4, value_name = "N",
          value_parser = clap::value_parser!(u32).range(0..=10))]
    pub retries: u32,

    /// Most seconds one app may take in all (paging, details, retries); an app past it is
    /// skipped with the reason and the others are still reported.
    #[arg(long, default_value_t = 300, value_name = "SECONDS",
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub app_deadline: u64,
}

/// The report window and which runs count.
#[derive(Debug, Clone, Args)]
pub struct WindowArgs {
    /// Window length in days, ending at --until [default: 7].
    #[arg(long, value_name = "N")]
    pub days: Option<f64>,

    /// Window start (RFC 3339, e.g. 2026-11-23T00:00:00Z).
    #[arg(long, value_name = "RFC3339", value_parser = parse_time)]
    pub since: Option<DateTime<Utc>>,

    /// Window end, exclusive (RFC 3339) [default: now].
    #[arg(long, value_name = "RFC3339", value_parser = parse_time)]
    pub until: Option<DateTime<Utc>>,

    /// Only runs whose pipeline or workflow name matches (glob, repeatable).
    #[arg(long = "pipeline", value_name = "GLOB")]
    pub pipelines: Vec<String>,

    /// Only runs on a matching branch (glob, repeatable).
    #[arg(long = "branch", value_name = "GLOB")]
    pub branches: Vec<String>,

    /// A main branch for time to restore (repeatable) [default: main, master].
    #[arg(long = "main-branch", value_name = "NAME")]
    pub main_branches: Vec<String>,

    /// How aborted runs count in the failure rate.
    #[arg(long, value_enum, default_value_t = AbortedAs::Excluded)]
    pub aborted_as: AbortedAs,

    /// Which runs' durations are measured.
    #[arg(long, value_enum, default_value_t = DurationPopulation::Succeeded)]
    pub durations: DurationPopulation,

    /// Do not compare with the previous window.
    #[arg(long)]
    pub no_compare: bool,

    /// Do not read pipeline details (attempts, workflows): one request per pipeline run fewer,
    /// and the reliability and workflow metrics become null.
    #[arg(long)]
    pub no_details: bool,
}

#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub source: SourceArgs,

    #[command(flatten)]
    pub window: WindowArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Markdown)]
    pub format: Format,

    /// Write the report to this file instead of stdout (repeatable: one fetch, many files). The
    /// format follows the extension (.md, .html, .json); any other takes --format.
    #[arg(long, value_name = "PATH")]
    pub output: Vec<PathBuf>,

    /// Keep finished runs and pipeline details in this directory (one JSON file per app) and
    /// read from the API only what changed since the last run: newer pages, runs that were in
    /// progress, details not held yet. Safe to share between CI runs (e.g. actions/cache).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,

    /// Use the built-in sample data (no token, no network).
    #[arg(long, conflicts_with = "input")]
    pub demo: bool,

    /// Read a snapshot written by `fetch` instead of the API (repeatable: the snapshots of
    /// `fetch --shard` jobs merge into one report; their windows must be identical).
    #[arg(long, value_name = "SNAPSHOT")]
    pub input: Vec<PathBuf>,

    /// Exit 1 when an app could not be read.
    #[arg(long)]
    pub strict: bool,

    /// Templates that replace the built-ins of the same name (see `templates dump`).
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,

    /// Most characters of a Markdown report (GitHub: 60000 in a comment, 1 MiB in a job
    /// summary); the least important pipeline rows are left out to fit, with a note.
    #[arg(long, default_value_t = crate::report::DEFAULT_MAX_SIZE, value_name = "CHARS",
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1_000..=1_048_576))]
    pub max_size: usize,

    /// A deploy pipeline for the DORA metrics (glob, repeatable); runs on the main branches only.
    #[arg(long = "deploy-pipeline", value_name = "GLOB")]
    pub deploy_pipelines: Vec<String>,

    /// Add a breakdown of the metrics by this dimension (repeatable).
    #[arg(long = "group-by", value_enum, value_name = "DIMENSION")]
    pub group_by: Vec<Dimension>,

    /// Fail (exit 4, after the report is written) when EXPR is true, e.g. `failure_rate > 0.2`;
    /// prefix `pipeline:NAME ` to judge each pipeline row of that name (repeatable).
    #[arg(long = "fail-if", value_name = "EXPR")]
    pub fail_if: Vec<String>,

    /// Append the Markdown report (up to 1 MiB) to the job summary file in
    /// $GITHUB_STEP_SUMMARY, whatever --format and --output say.
    #[arg(long)]
    pub github_summary: bool,

    /// Create or update one sticky comment with the Markdown report on the pull request
    /// (repository from $GITHUB_REPOSITORY, API from $GITHUB_API_URL).
    #[arg(long)]
    pub github_comment: bool,

    /// GitHub token for --github-comment, sent as `Authorization: Bearer` to the GitHub API only.
    #[arg(
        long,
        env = "GITHUB_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub github_token: Option<String>,

    /// The pull request to comment on [default: from the event payload in $GITHUB_EVENT_PATH].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub pr: Option<u64>,

    /// The key of the comment's marker `<!-- ci-vitals:KEY -->`: one sticky comment per key.
    #[arg(long, default_value = crate::report::DEFAULT_MARKER_KEY, value_name = "KEY")]
    pub comment_key: String,

    /// Append runs, failure-rate, duration-p50, duration-p95, gates and report-path to the step
    /// outputs file in $GITHUB_OUTPUT.
    #[arg(long)]
    pub github_outputs: bool,

    /// The report's "now" (RFC 3339), for reproducible output in tests.
    #[arg(long, hide = true, value_parser = parse_time)]
    pub now: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Args)]
pub struct FetchArgs {
    #[command(flatten)]
    pub source: SourceArgs,

    #[command(flatten)]
    pub window: WindowArgs,

    /// The snapshot file to write (gzip-compressed when it ends in `.gz`).
    #[arg(long, value_name = "SNAPSHOT")]
    pub output: PathBuf,

    /// Keep finished runs and pipeline details in this directory (one JSON file per app) and
    /// read from the API only what changed since the last run: newer pages, runs that were in
    /// progress, details not held yet. Safe to share between CI runs (e.g. actions/cache).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,

    /// Read only shard K of N of the apps (1 <= K <= N; an app's shard is 1 + floor(h × N / 2^64),
    /// h the FNV-1a 64 hash of its slug), for a CI matrix; merge with `report --input` per shard.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<crate::bitrise::Shard>,

    /// Exit 1 when an app could not be read.
    #[arg(long)]
    pub strict: bool,

    /// A deploy pipeline for the DORA metrics (glob, repeatable); runs on the main branches only.
    #[arg(long = "deploy-pipeline", value_name = "GLOB")]
    pub deploy_pipelines: Vec<String>,

    /// Add a breakdown of the metrics by this dimension (repeatable).
    #[arg(long = "group-by", value_enum, value_name = "DIMENSION")]
    pub group_by: Vec<Dimension>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum CheckFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub source: SourceArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
}

fn parse_time(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("{e}: expected RFC 3339, e.g. 2026-11-23T00:00:00Z"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
