//! The config file `ci-vitals.toml` (or `--config PATH`) and the one place where settings are
//! merged: a flag beats the environment, which beats the file, which beats the default.
//!
//! The file's keys are the flags' argument names in snake_case (`days`, `main_branches`,
//! `fail_if`, …; the repeatable flags take a list under their plural name: `apps`, `pipelines`,
//! `branches`, `deploy_pipelines`, `output`). Merging works on clap's own matches: a key applies
//! only when [`clap::ArgMatches::value_source`] says its flag came from neither the command line
//! nor the environment, and it is then handed to clap as the flag would be, so a file value is
//! checked by exactly the same parser as the flag. [`FileConfig`] only describes the keys: it
//! rejects unknown ones (with their line) and is the source of the JSON Schema for editors
//! (`ci-vitals.schema.json`, kept in sync by a test).

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::cli::Cli;
use crate::error::Error;
use crate::term::ColorMode;

/// The file read from the working directory when `--config` is not given.
pub const DEFAULT_FILE: &str = "ci-vitals.toml";

/// Keys that mean something else for `check` and `fetch` (their `--format` and `--output` are
/// not the report's), so the file's values are for `report` only.
const REPORT_ONLY: [&str; 2] = ["format", "output"];

/// Every key of `ci-vitals.toml`. Each maps to the flag of the same argument name; see the
/// flag's `--help` for its meaning. Secrets are not keys: tokens come from the environment.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "ci-vitals.toml",
    description = "Settings of ci-vitals. A flag beats the environment, which beats this file. \
                   Tokens are never read from here: set BITRISE_TOKEN."
)]
pub struct FileConfig {
    /// Bitrise API base (--api-url; environment BITRISE_API_URL).
    pub api_url: Option<String>,
    /// App slugs to read (--app); default: every non-disabled app the token sees.
    pub apps: Option<Vec<String>>,
    /// Display names of apps in reports, by app slug: `[app_names]` then `slug = "Name"`.
    pub app_names: Option<BTreeMap<String, String>>,
    /// Most HTTP requests in flight (--concurrency).
    #[schemars(range(min = 1, max = 64))]
    pub concurrency: Option<u16>,
    /// Most requests started per second (--max-rps); default: no pacing.
    #[schemars(range(min = 1, max = 1000))]
    pub max_rps: Option<u32>,
    /// Per-request timeout in seconds (--timeout).
    #[schemars(range(min = 1, max = 3600))]
    pub timeout: Option<u64>,
    /// Retries of a request after a transient failure (--retries).
    #[schemars(range(max = 10))]
    pub retries: Option<u32>,
    /// Most seconds one app may take in all, paging and retries included (--app-deadline).
    #[schemars(range(min = 1, max = 86400))]
    pub app_deadline: Option<u64>,

    /// Window length in days (--days).
    pub days: Option<f64>,
    /// Window start, RFC 3339 in quotes (--since).
    pub since: Option<String>,
    /// Window end, exclusive, RFC 3339 in quotes (--until).
    pub until: Option<String>,
    /// Only runs whose pipeline or workflow name matches one of these globs (--pipeline).
    pub pipelines: Option<Vec<String>>,
    /// Only runs on a branch matching one of these globs (--branch).
    pub branches: Option<Vec<String>>,
    /// Main branches for time to restore (--main-branch).
    pub main_branches: Option<Vec<String>>,
    /// How aborted runs count in the failure rate (--aborted-as).
    #[schemars(extend("enum" = ["excluded", "failure"]))]
    pub aborted_as: Option<String>,
    /// Which runs' durations are measured (--durations).
    #[schemars(extend("enum" = ["succeeded", "finished"]))]
    pub durations: Option<String>,
    /// Do not compare with the previous window (--no-compare).
    pub no_compare: Option<bool>,
    /// Do not read pipeline details (--no-details).
    pub no_details: Option<bool>,
    /// Keep finished runs and pipeline details here between runs, for `report` and `fetch`
    /// (--cache-dir).
    pub cache_dir: Option<PathBuf>,

    /// Report format for `report` (--format); an output's extension still decides its own.
    #[schemars(extend("enum" = ["markdown", "html", "json"]))]
    pub format: Option<String>,
    /// Files `report` writes (--output); the format follows each extension.
    pub output: Option<Vec<PathBuf>>,
    /// Exit 1 when an app could not be read (--strict).
    pub strict: Option<bool>,
    /// Templates directory (--templates).
    pub templates: Option<PathBuf>,
    /// Most characters of a Markdown report (--max-size).
    #[schemars(range(min = 1000, max = 1048576))]
    pub max_size: Option<usize>,
    /// Deploy pipelines for the DORA metrics, as globs (--deploy-pipeline).
    pub deploy_pipelines: Option<Vec<String>>,
    /// Breakdowns of the metrics (--group-by).
    #[schemars(extend("items" = { "enum": ["branch", "trigger", "machine"] }))]
    pub group_by: Option<Vec<String>>,
    /// Gates: exit 4 when one of these expressions is true (--fail-if).
    pub fail_if: Option<Vec<String>>,
    /// Append the Markdown report to the GitHub job summary (--github-summary).
    pub github_summary: Option<bool>,
    /// Post a sticky pull request comment (--github-comment).
    pub github_comment: Option<bool>,
    /// Write the GitHub step outputs (--github-outputs).
    pub github_outputs: Option<bool>,
    /// The sticky comment's key (--comment-key).
    pub comment_key: Option<String>,

    /// Refused: a token in a committed file leaks. Only here to say so clearly.
    #[schemars(skip)]
    pub token: Option<toml::Value>,
    /// Refused, like `token`.
    #[schemars(skip)]
    pub github_token: Option<toml::Value>,
}

/// Why the command line could not be read: clap's own errors (usage, `--help`, `--version`:
/// print them as clap does) or a config file problem (exit 3), with the `--color` given, to
/// print it with.
#[derive(Debug)]
pub enum ParseFailure {
    Clap(clap::Error),
    Config {
        error: Error,
        color: Option<ColorMode>,
    },
}

/// The commands that read the config file: the others (templates, completions, man) work the
/// same whatever it holds, even when it is broken.
const CONFIGURED_COMMANDS: [&str; 3] = ["report", "fetch", "check"];

/// Parses the command line and merges the config file under it (see the module doc).
pub fn parse_cli<I, T>(args: I) -> Result<Cli, ParseFailure>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let argv: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let matches = Cli::command()
        .try_get_matches_from(&argv)
        .map_err(ParseFailure::Clap)?;
    let color = matches.get_one::<ColorMode>("color").copied();
    let failure = |error: Error| ParseFailure::Config { error, color };
    let configured = matches
        .subcommand_name()
        .is_some_and(|name| CONFIGURED_COMMANDS.contains(&name));
    if !configured {
        return Cli::from_arg_matches(&matches).map_err(ParseFailure::Clap);
    }
    let path = match matches.get_one::<PathBuf>("config") {
        Some(path) if !path.is_file() => {
            return Err(failure(Error::Config(format!(
                "--config {}: no such file (write one, or leave --config out to read \
                 {DEFAULT_FILE} from the working directory when there is one)",
                path.display()
            ))))
        }
        Some(path) => Some(path.clone()),
        None => Some(PathBuf::from(DEFAULT_FILE)).filter(|p| p.is_file()),
    };
    let Some(path) = path else {
        return Cli::from_arg_matches(&matches).map_err(ParseFailure::Clap);
    };
    let text = std::fs::read_to_string(&path).map_err(|e| {
        failure(Error::Config(format!(
            "cannot read config file {}: {e}",
            path.display()
        )))
    })?;
    merge(&argv, &matches, &path, &text).map_err(failure)
}

/// Reads `text` (the file at `path`) and parses `argv` again with the file's values for the
/// flags `matches` did not get from the command line or the environment.
fn merge(argv: &[OsString], matches: &ArgMatches, path: &Path, text: &str) -> Result<Cli, Error> {
    let name = path.display();
    let config: FileConfig = toml::from_str(text).map_err(|e| {
        let at = e
            .span()
            .map(|span| format!(" line {}:", line_of_offset(text, span.start)))
            .unwrap_or_default();
        Error::Config(format!("{name}:{at} {}", e.message().trim_end()))
    })?;
    let secrets = [
        ("token", config.token.is_some(), "BITRISE_TOKEN"),
        (
            "github_token",
            config.github_token.is_some(),
            "GITHUB_TOKEN",
        ),
    ];
    if let Some((secret, _, variable)) = secrets.iter().find(|(_, given, _)| *given) {
        return Err(Error::Config(format!(
            "{name}: line {}: `{secret}` is not read from a config file (it would be committed \
             with it): set {variable} in the environment, a secret in CI",
            line_of_key(text, secret)
        )));
    }
    // Deserializing checked the keys; the raw table keeps them in file order for the flags.
    let table: toml::Table = toml::from_str(text)
        .map_err(|e| Error::Config(format!("{name}: {}", e.message().trim_end())))?;

    let mut merged = argv.to_vec();
    let mut app_names = BTreeMap::new();
    if let Some((command_name, sub_matches)) = matches.subcommand() {
        let command = Cli::command();
        let Some(subcommand) = command.find_subcommand(command_name) else {
            return Cli::from_arg_matches(matches).map_err(|e| clap_as_config(&name, None, e));
        };
        for (key, value) in &table {
            if key == "app_names"
                || (command_name != "report" && REPORT_ONLY.contains(&key.as_str()))
            {
                continue;
            }
            let Some(arg) = subcommand
                .get_arguments()
                .find(|a| a.get_id() == key.as_str())
            else {
                // A key of another command (e.g. `fail_if` when fetching).
                continue;
            };
            if matches!(
                sub_matches.value_source(key),
                Some(ValueSource::CommandLine | ValueSource::EnvVariable)
            ) {
                continue;
            }
            let Some(long) = arg.get_long() else {
                continue;
            };
            let flags = flag_args(long, value);
            if flags.is_empty() {
                continue;
            }
            // Each key is checked on its own, so an error names it.
            let mut trial = merged.clone();
            trial.extend(flags.iter().cloned());
            if let Err(e) = Cli::command().try_get_matches_from(&trial) {
                return Err(clap_as_config(
                    &name,
                    Some((key, line_of_key(text, key))),
                    e,
                ));
            }
            merged = trial;
        }
        if command_name == "report" {
            app_names = config.app_names.clone().unwrap_or_default();
        }
    }
    let matches = Cli::command()
        .try_get_matches_from(&merged)
        .map_err(|e| clap_as_config(&name, None, e))?;
    let mut cli = Cli::from_arg_matches(&matches).map_err(|e| clap_as_config(&name, None, e))?;
    cli.app_names = app_names;
    Ok(cli)
}

/// The flag words of a file value: `true` → `--flag`, `false` → nothing, a list → the flag
/// once per item, anything else → `--flag VALUE`.
fn flag_args(long: &str, value: &toml::Value) -> Vec<OsString> {
    let flag = OsString::from(format!("--{long}"));
    let word = |v: &toml::Value| -> OsString {
        match v {
            toml::Value::String(s) => OsString::from(s),
            other => OsString::from(other.to_string()),
        }
    };
    match value {
        toml::Value::Boolean(true) => vec![flag],
        toml::Value::Boolean(false) => Vec::new(),
        toml::Value::Array(items) => items
            .iter()
            .flat_map(|item| [flag.clone(), word(item)])
            .collect(),
        other => vec![flag, word(other)],
    }
}

/// A clap error about a file value, as a configuration error naming the file and the key.
fn clap_as_config(
    file: &std::path::Display<'_>,
    key: Option<(&str, usize)>,
    error: clap::Error,
) -> Error {
    let rendered = error.to_string();
    let first = rendered
        .lines()
        .next()
        .unwrap_or_default()
        .trim_start_matches("error: ");
    match key {
        Some((key, line)) => Error::Config(format!("{file}: line {line}: `{key}`: {first}")),
        None => Error::Config(format!("{file}: {first}")),
    }
}

/// The 1-based line of byte `offset` in `text`.
fn line_of_offset(text: &str, offset: usize) -> usize {
    text.as_bytes()
        .iter()
        .take(offset)
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// The 1-based line where top-level `key` is set (the first `key =` line), or 1.
fn line_of_key(text: &str, key: &str) -> usize {
    text.lines()
        .position(|line| {
            line.trim_start()
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map_or(1, |index| index + 1)
}

/// The JSON Schema of the file, as committed in `ci-vitals.schema.json`.
pub fn json_schema() -> String {
    let mut schema = serde_json::to_value(schemars::schema_for!(FileConfig)).unwrap_or_default();
    // TOML has no null: a setting is left out by leaving its key out, so the `null` that
    // schemars adds for every `Option` goes.
    if let Some(properties) = schema.get_mut("properties").and_then(|p| p.as_object_mut()) {
        for property in properties.values_mut() {
            if let Some(types) = property.get("type").and_then(|t| t.as_array()) {
                let kept: Vec<serde_json::Value> =
                    types.iter().filter(|t| *t != "null").cloned().collect();
                if let [only] = kept.as_slice() {
                    property["type"] = only.clone();
                }
            }
        }
    }
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_schema_is_in_sync() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("ci-vitals.schema.json");
        let generated = json_schema();
        if std::env::var_os("UPDATE_SCHEMA").is_some() {
            std::fs::write(&path, &generated).expect("write the schema");
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "ci-vitals.schema.json is out of date: run `UPDATE_SCHEMA=1 cargo test schema` and \
             commit it"
        );
    }

    #[test]
    fn schema_enums_match_the_flags() {
        // The schema's enum lists are written by hand: check them against clap's values.
        let schema: serde_json::Value =
            serde_json::from_str(&json_schema()).expect("schema is JSON");
        let command = Cli::command();
        let report = command.find_subcommand("report").expect("report");
        for key in ["aborted_as", "durations", "format", "group_by"] {
            let arg = report
                .get_arguments()
                .find(|a| a.get_id() == key)
                .expect(key);
            let flag_values: Vec<String> = arg
                .get_possible_values()
                .iter()
                .map(|v| v.get_name().to_owned())
                .collect();
            let property = &schema["properties"][key];
            let listed = property
                .get("enum")
                .or_else(|| property["items"].get("enum"))
                .and_then(|v| v.as_array())
                .expect(key);
            let listed: Vec<String> = listed
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect();
            assert_eq!(listed, flag_values, "{key}");
        }
    }

    #[test]
    fn every_key_but_app_names_is_a_flag() {
        let schema: serde_json::Value =
            serde_json::from_str(&json_schema()).expect("schema is JSON");
        let command = Cli::command();
        let ids: Vec<String> = ["report", "fetch", "check"]
            .iter()
            .flat_map(|name| {
                command
                    .find_subcommand(name)
                    .expect("command")
                    .get_arguments()
                    .map(|a| a.get_id().to_string())
                    .collect::<Vec<_>>()
            })
            .collect();
        let properties = schema["properties"].as_object().expect("properties");
        for key in properties.keys().filter(|k| *k != "app_names") {
            assert!(ids.contains(key), "{key} is no flag's argument name");
        }
    }

    #[test]
    fn lines_are_found() {
        let text = "days = 3\n\n  fail_if = [\"x\"]\nfail_if_other = 1\n";
        assert_eq!(line_of_key(text, "fail_if"), 3);
        assert_eq!(line_of_key(text, "days"), 1);
        // Byte 10 is the start of line 3 ("days = 3\n" is 9 bytes, then "\n").
        assert_eq!(line_of_offset(text, 10), 3);
    }

    #[test]
    fn values_become_flag_words() {
        let words = |v: toml::Value| -> Vec<String> {
            flag_args("x", &v)
                .into_iter()
                .map(|w| w.to_string_lossy().into_owned())
                .collect()
        };
        assert_eq!(words(toml::Value::Boolean(true)), ["--x"]);
        assert!(words(toml::Value::Boolean(false)).is_empty());
        assert_eq!(words(toml::Value::Float(2.5)), ["--x", "2.5"]);
        assert_eq!(words(toml::Value::Integer(3)), ["--x", "3"]);
        assert_eq!(
            words(toml::Value::Array(vec!["a".into(), "b".into()])),
            ["--x", "a", "--x", "b"]
        );
    }
}
