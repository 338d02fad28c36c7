//! The three commands, `report`, `fetch` and `check`: each loads its configuration, reads runs
//! (from the API, a snapshot or the demo), and writes its output. Returns the exit code on
//! success; errors carry their own ([`Error::exit_code`]).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};

use crate::bitrise::{self, Client, FetchPlan, Shard};
use crate::cli::{
    CheckArgs, CheckFormat, Cli, Command, DumpArgs, FetchArgs, ReportArgs, SourceArgs,
    TemplatesCommand, WindowArgs,
};
use crate::config::{self, Source, Windows};
use crate::demo;
use crate::error::Error;
use crate::gates;
use crate::metrics;
use crate::model::{Dataset, ErrorCode};
use crate::progress::FetchProgress;
use crate::publish;
use crate::report::{self, Coverage, Format, Report, SettingsInfo, SourceKind, WindowInfo};
use crate::secret::Secret;
use crate::snapshot::{self, Snapshot, SNAPSHOT_VERSION};
use crate::term::Stderr;

/// Progress and summary lines on stderr, as loud as `-q`/`-v` ask.
#[derive(Debug, Clone, Copy)]
pub struct Log {
    level: i8,
    stderr: Stderr,
}

impl Log {
    pub fn new(quiet: bool, verbose: u8, stderr: Stderr) -> Log {
        Log {
            level: if quiet { -1 } else { verbose.min(2) as i8 },
            stderr,
        }
    }

    /// A line shown unless `-q`.
    fn info(&self, line: &str) {
        if self.level >= 0 {
            eprintln!("ci-vitals: {line}");
        }
    }

    /// A line shown with `-v`.
    fn detail(&self, line: &str) {
        if self.level >= 1 {
            eprintln!("ci-vitals: {line}");
        }
    }

    /// A warning, shown unless `-q`.
    fn warn(&self, line: &str) {
        if self.level >= 0 {
            eprintln!("ci-vitals: {}{line}", self.stderr.warning_prefix());
        }
    }
}

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> Result<i32, Error> {
    let log = Log::new(cli.quiet, cli.verbose, Stderr::detect(cli.color));
    match cli.command {
        Command::Report(args) => report(&args, &cli.app_names, log).await,
        Command::Fetch(args) => fetch(&args, log).await,
        Command::Check(args) => check(&args).await,
        Command::Templates(TemplatesCommand::Dump(args)) => dump_templates(&args, log),
        Command::Completions(args) => {
            let mut script = Vec::new();
            clap_complete::generate(
                args.shell,
                &mut <Cli as clap::CommandFactory>::command(),
                "ci-vitals",
                &mut script,
            );
            write_stdout(&String::from_utf8_lossy(&script))?;
            Ok(0)
        }
        Command::Man => {
            let mut page = Vec::new();
            clap_mangen::Man::new(<Cli as clap::CommandFactory>::command())
                .render(&mut page)
                .map_err(|source| Error::Output {
                    path: "<stdout>".into(),
                    source,
                })?;
            write_stdout(&String::from_utf8_lossy(&page))?;
            Ok(0)
        }
    }
}

/// The format of an `--output` file: from its extension, else `--format`.
pub fn output_format(path: &Path, fallback: Format) -> Format {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("md" | "markdown") => Format::Markdown,
        Some("html" | "htm") => Format::Html,
        Some("json") => Format::Json,
        _ => fallback,
    }
}

/// Gives apps the display names of the config file's `[app_names]`.
fn rename_apps(dataset: &mut Dataset, names: &BTreeMap<String, String>) {
    for app in &mut dataset.apps {
        if let Some(name) = names.get(&app.app.slug) {
            app.app.title = name.clone();
        }
    }
    for skipped in &mut dataset.skipped_apps {
        if let Some(name) = names.get(&skipped.slug) {
            skipped.title = Some(name.clone());
        }
    }
}

/// `templates dump DIR`: writes every built-in template into `dir`. Refuses, before writing
/// anything, when one already exists there, unless `--force`.
fn dump_templates(args: &DumpArgs, log: Log) -> Result<i32, Error> {
    let templates = report::render::builtin_templates();
    if !args.force {
        let existing: Vec<&str> = templates
            .iter()
            .map(|(name, _)| *name)
            .filter(|name| args.dir.join(name).exists())
            .collect();
        if !existing.is_empty() {
            return Err(Error::Config(format!(
                "{} already holds {}: pass --force to overwrite",
                args.dir.display(),
                existing.join(", ")
            )));
        }
    }
    std::fs::create_dir_all(&args.dir).map_err(|source| Error::Output {
        path: args.dir.clone(),
        source,
    })?;
    for (name, source) in templates {
        write_file(&args.dir.join(name), source.as_bytes())?;
    }
    log.info(&format!(
        "wrote {} templates to {}",
        templates.len(),
        args.dir.display()
    ));
    Ok(0)
}

/// Runs read for a report, with where they came from and the windows to report on.
struct Loaded {
    /// What was read; its `apps` may be empty when they were decoded as they were read.
    snapshot: Snapshot,
    /// The snapshot's runs in domain types.
    dataset: Dataset,
    windows: Windows,
    source: report::Source,
    requests: u64,
    generated_at: DateTime<Utc>,
    warnings: Vec<String>,
}

async fn report(
    args: &ReportArgs,
    app_names: &BTreeMap<String, String>,
    log: Log,
) -> Result<i32, Error> {
    let started = Instant::now();
    let settings = config::settings(&args.window);
    let filter = config::run_filter(&args.window)?;
    let deploy = metrics::DeploySelector::new(&args.deploy_pipelines)?;
    // Checked before any request, so that a typo in a gate costs nothing.
    let gates = gates::parse(&args.fail_if)?;
    // Checked before any data is read, so a missing variable fails fast.
    let plan = publish_plan(args)?;
    let mut loaded = if args.demo {
        load_demo(args)?
    } else if !args.input.is_empty() {
        load_snapshots(&args.input, args)?
    } else {
        load_live(args, log).await?
    };

    let mut dataset = std::mem::take(&mut loaded.dataset);
    rename_apps(&mut dataset, app_names);
    if args.demo || !args.input.is_empty() {
        select_named_apps(&mut dataset, &config::named_apps(&args.source.apps)?)?;
    }
    filter.apply(&mut dataset);
    ensure_some_app_read(&dataset)?;

    let windows = loaded.windows;
    let computed = metrics::compute(
        &dataset,
        &windows.window,
        windows.previous.as_ref(),
        &settings,
    );
    let dora = deploy
        .as_ref()
        .map(|selector| metrics::dora(&dataset, &windows.window, &settings, selector));
    let breakdowns = metrics::breakdowns(
        &dataset,
        &windows.window,
        windows.previous.as_ref(),
        &settings,
        &config::dimensions(&args.group_by),
    );
    // Retention is judged from when the runs were read, not from when the report is made.
    let beyond_retention =
        config::retention_warning(&windows.span(), loaded.snapshot.fetched_at).is_some();
    let data_quality =
        metrics::data_quality(&dataset, &windows.window, &windows.span(), beyond_retention);
    let mut warnings = loaded.warnings;
    warnings.extend(dataset.warnings.iter().cloned());
    let skipped = dataset.skipped_apps.len();
    let gate_results = gates::evaluate(&gates, &computed.total.current, &computed.apps)?;
    let report = Report {
        schema_version: report::SCHEMA_VERSION,
        generated_at: loaded.generated_at,
        source: loaded.source,
        window: WindowInfo::from(&windows.window),
        previous_window: windows.previous.as_ref().map(WindowInfo::from),
        settings: SettingsInfo {
            percentile: "nearest-rank",
            aborted_as: settings.aborted_as,
            durations: settings.durations,
            main_branches: settings.main_branches.clone(),
        },
        coverage: Coverage {
            apps: dataset.apps.len() as u64,
            runs: computed.runs_considered,
            requests: loaded.requests,
            skipped_apps: dataset.skipped_apps.clone(),
            warnings,
            data_quality,
        },
        total: computed.total,
        apps: computed.apps,
        series: metrics::series::compute(
            &dataset,
            &windows.window,
            windows.previous.as_ref(),
            &settings,
        ),
        dora,
        breakdowns,
        gates: gate_results,
    };
    // Each format is rendered once, however many outputs share it.
    let targets: Vec<(Option<&PathBuf>, Format)> = if args.output.is_empty() {
        vec![(None, args.format)]
    } else {
        args.output
            .iter()
            .map(|path| (Some(path), output_format(path, args.format)))
            .collect()
    };
    let mut rendered: BTreeMap<&'static str, String> = BTreeMap::new();
    for (path, format) in targets {
        let key = format_key(format);
        if !rendered.contains_key(key) {
            let text = report::render_with_options(
                &report,
                format,
                &report::RenderOptions {
                    templates_dir: args.templates.as_deref(),
                    max_size: args.max_size,
                    ..report::RenderOptions::default()
                },
            )?;
            rendered.insert(key, text);
        }
        let text = rendered.get(key).map(String::as_str).unwrap_or_default();
        match path {
            Some(path) => {
                write_file(path, text.as_bytes())?;
                log.detail(&format!("wrote {} ({key})", path.display()));
            }
            None => write_stdout(text)?,
        }
    }
    for w in &report.coverage.warnings {
        log.warn(w);
    }
    for s in &report.coverage.skipped_apps {
        log.warn(&format!(
            "app {} skipped ({}): {}",
            s.slug, s.error, s.message
        ));
    }
    log.info(&format!(
        "reported {} app(s){}, {} run(s), {} request(s) in {:.1} s",
        report.coverage.apps,
        skipped_note(skipped),
        report.coverage.runs,
        report.coverage.requests,
        started.elapsed().as_secs_f64()
    ));
    // Gates are evaluated before publishing (the outputs report them) and their exit code is
    // applied after it, so a failed gate still leaves the summary, outputs and comment. A runtime
    // failure (a publishing error, or `--strict`) takes precedence over a failed gate.
    let gates_failed = Some(
        report
            .gates
            .iter()
            .any(|r| r.result == gates::Outcome::Failed),
    );
    publish(&plan, &report, gates_failed, args.strict, log).await?;
    strict_outcome(args.strict, &dataset)?;
    // Last, after the report was written and published: the gates' verdict.
    Ok(gates_outcome(&report.gates))
}

/// Says which gates failed, on stderr whatever the verbosity, and returns the exit code they ask
/// for (4 when any failed).
fn gates_outcome(results: &[gates::GateResult]) -> i32 {
    for failed in results
        .iter()
        .filter(|r| r.result == gates::Outcome::Failed)
    {
        let values: Vec<String> = failed
            .values
            .iter()
            .map(|(name, value)| format!("{name} = {value}"))
            .collect();
        eprintln!(
            "ci-vitals: gate failed on {}: {} ({})",
            failed.scope,
            failed.expr,
            values.join(", ")
        );
    }
    gates::exit_code(results)
}

/// The publishing flags checked against the GitHub Actions environment.
fn publish_plan(args: &ReportArgs) -> Result<publish::Plan, Error> {
    let request = publish::Request {
        summary: args.github_summary,
        comment: args.github_comment,
        outputs: args.github_outputs,
        token: args.github_token.clone().map(Secret::new),
        pr: args.pr,
        comment_key: args.comment_key.clone(),
        report_path: args.output.first().cloned(),
        templates_dir: args.templates.clone(),
        timeout: Duration::from_secs(args.source.timeout),
    };
    publish::Plan::resolve(request, &publish::GithubEnv::from_env()).map_err(Error::Config)
}

/// Publishes the report to GitHub as `plan` says, after it was written. A token that may not
/// write the comment is a warning (printed by the plan), and a failure with `--strict`.
async fn publish(
    plan: &publish::Plan,
    report: &Report,
    gates_failed: Option<bool>,
    strict: bool,
    log: Log,
) -> Result<(), Error> {
    if plan.is_empty() {
        return Ok(());
    }
    match plan.run(report, gates_failed).await? {
        publish::Outcome::Done { comment } => {
            match comment {
                Some(publish::Posted::Created { id }) => {
                    log.info(&format!("created pull request comment {id}"))
                }
                Some(publish::Posted::Updated { id }) => {
                    log.info(&format!("updated pull request comment {id}"))
                }
                None => {}
            }
            Ok(())
        }
        publish::Outcome::ReadOnly if strict => Err(Error::Strict(
            "--strict: the GitHub token is read-only, so the pull request comment was not posted"
                .to_owned(),
        )),
        publish::Outcome::ReadOnly => Ok(()),
    }
}

fn load_demo(args: &ReportArgs) -> Result<Loaded, Error> {
    let snapshot = demo::snapshot();
    let windows = config::resolve_windows(&args.window, demo::anchor(), TimeDelta::days(7))?;
    ensure_within(&snapshot, &windows, "the demo data")?;
    Ok(Loaded {
        dataset: bitrise::decode_snapshot(&snapshot),
        snapshot,
        windows,
        source: report::Source {
            kind: SourceKind::Demo,
            api_url: None,
        },
        requests: 0,
        generated_at: args.now.unwrap_or_else(demo::anchor),
        warnings: Vec::new(),
    })
}

/// Reads the `--input` snapshots, merged into one when there are several (the shards of one
/// fetch); differing windows are a configuration error naming the files.
fn load_snapshots(paths: &[PathBuf], args: &ReportArgs) -> Result<Loaded, Error> {
    if let [path] = paths {
        // One snapshot, however large: decoded app by app as it is read, so that memory holds
        // the runs in domain types and never the whole file's JSON tree.
        let mut builder = bitrise::DatasetBuilder::default();
        let header = snapshot::read_each_app(path, |index, app| builder.push_raw(index, &app))?;
        let dataset = builder.finish(&header);
        return load_snapshot(header, dataset, &path.display().to_string(), args);
    }
    let mut parts = Vec::with_capacity(paths.len());
    for path in paths {
        parts.push((path.clone(), snapshot::read(path)?));
    }
    let mut parts = parts.into_iter();
    let Some(first) = parts.next() else {
        return Err(Error::Config("--input: no snapshot given".to_owned()));
    };
    let snapshot = snapshot::merge(first, parts).map_err(|e| Error::Config(e.to_string()))?;
    let dataset = bitrise::decode_snapshot(&snapshot);
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    load_snapshot(snapshot, dataset, &names.join(", "), args)
}

fn load_snapshot(
    snapshot: Snapshot,
    dataset: Dataset,
    name: &str,
    args: &ReportArgs,
) -> Result<Loaded, Error> {
    let mut warnings = Vec::new();
    let mut windows = config::resolve_windows(
        &args.window,
        snapshot.window.until,
        snapshot.window.length(),
    )?;
    if snapshot.previous_window.is_none() && windows.previous.is_some() {
        // The snapshot was fetched with --no-compare: there is nothing to compare with.
        windows.previous = None;
        warnings.push(format!(
            "snapshot {name} holds no previous window (fetched with --no-compare): changes are \
             not computed"
        ));
    }
    ensure_within(&snapshot, &windows, &format!("snapshot {name}"))?;
    let api_url = snapshot.api_url.clone();
    Ok(Loaded {
        snapshot,
        dataset,
        windows,
        source: report::Source {
            kind: SourceKind::Snapshot,
            api_url,
        },
        requests: 0,
        generated_at: args.now.unwrap_or_else(Utc::now),
        warnings,
    })
}

async fn load_live(args: &ReportArgs, log: Log) -> Result<Loaded, Error> {
    let now = args.now.unwrap_or_else(Utc::now);
    let (snapshot, requests, warnings) = fetch_snapshot(
        &resolve_source(&args.source)?,
        &args.window,
        now,
        None,
        args.cache_dir.as_deref(),
        log,
    )
    .await?;
    let windows = Windows {
        window: snapshot.window,
        previous: snapshot.previous_window,
    };
    Ok(Loaded {
        source: report::Source {
            kind: SourceKind::Bitrise,
            api_url: snapshot.api_url.clone(),
        },
        dataset: bitrise::decode_snapshot(&snapshot),
        snapshot,
        windows,
        requests,
        generated_at: now,
        warnings,
    })
}

/// Reads the runs of the windows from the API into a snapshot. Returns it with the number of
/// requests made and data-quality warnings.
async fn fetch_snapshot(
    source: &Source,
    window_args: &WindowArgs,
    now: DateTime<Utc>,
    shard: Option<Shard>,
    cache_dir: Option<&Path>,
    log: Log,
) -> Result<(Snapshot, u64, Vec<String>), Error> {
    let windows = config::resolve_windows(
        window_args,
        now,
        TimeDelta::milliseconds((config::DEFAULT_DAYS * 86_400_000.0) as i64),
    )?;
    let warnings: Vec<String> = config::retention_warning(&windows.span(), now)
        .into_iter()
        .collect();
    let client = client_for(source)?;
    log.detail(&format!(
        "reading runs from {} to {} at {}",
        windows.span().since.to_rfc3339(),
        windows.span().until.to_rfc3339(),
        client.api_url()
    ));
    let plan = FetchPlan {
        apps: source.apps.clone(),
        span: windows.span(),
        details: !window_args.no_details,
        cache_dir: cache_dir.map(Path::to_path_buf),
    };
    let progress = Arc::new(FetchProgress::new(
        log.stderr,
        log.level,
        client.clone(),
        source.client.concurrency,
    ));
    // Between events (a slow page) the line still shows the requests in flight moving.
    let ticker = progress.live().then(|| {
        let progress = Arc::clone(&progress);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(250)).await;
                progress.refresh();
            }
        })
    });
    let outcome = bitrise::fetch_observed(&client, &plan, shard, progress.clone()).await;
    if let Some(ticker) = ticker {
        ticker.abort();
    }
    progress.finish();
    let outcome = outcome?;
    // Cache troubles cost requests, not data: the log says so, the report does not.
    for note in &outcome.cache_notes {
        log.warn(note);
    }
    if let Some(shard) = shard {
        if outcome.apps_chosen == 0 {
            log.info(&format!(
                "shard {shard} takes none of the apps: the snapshot holds no app"
            ));
        }
    }
    let snapshot = Snapshot {
        snapshot_version: SNAPSHOT_VERSION,
        fetched_at: now,
        api_url: Some(client.api_url().to_owned()),
        window: windows.window,
        previous_window: windows.previous,
        apps: outcome.apps,
        skipped_apps: outcome.skipped_apps,
        details_fetched: plan.details,
        // Kept in the snapshot so that `report --input` shows them too; decoding carries them
        // into the dataset's warnings, which every command prints and reports.
        warnings: outcome.warnings,
    };
    Ok((snapshot, client.requests(), warnings))
}

async fn fetch(args: &FetchArgs, log: Log) -> Result<i32, Error> {
    let started = Instant::now();
    let source = resolve_source(&args.source)?;
    // Checked here so that a bad flag fails before any request; the snapshot itself keeps
    // every run of the span, and the filters apply when it is reported.
    config::run_filter(&args.window)?;
    let (snapshot, requests, warnings) = fetch_snapshot(
        &source,
        &args.window,
        Utc::now(),
        args.shard,
        args.cache_dir.as_deref(),
        log,
    )
    .await?;
    let dataset = bitrise::decode_snapshot(&snapshot);
    // A shard whose apps all failed still writes its snapshot: whether anything at all could
    // be read is judged when the shards are merged.
    if args.shard.is_none() {
        ensure_some_app_read(&dataset)?;
    }
    snapshot::write(&args.output, &snapshot)?;
    for w in warnings.iter().chain(&dataset.warnings) {
        log.warn(w);
    }
    for s in &snapshot.skipped_apps {
        log.warn(&format!(
            "app {} skipped ({}): {}",
            s.slug, s.error, s.message
        ));
    }
    let runs: usize = snapshot.apps.iter().map(|a| a.runs.len()).sum();
    log.info(&format!(
        "wrote {}: {} app(s){}, {} run(s), {} request(s) in {:.1} s",
        args.output.display(),
        snapshot.apps.len(),
        skipped_note(snapshot.skipped_apps.len()),
        runs,
        requests,
        started.elapsed().as_secs_f64()
    ));
    strict_outcome(args.strict, &dataset)
}

async fn check(args: &CheckArgs) -> Result<i32, Error> {
    let source = resolve_source(&args.source)?;
    let client = client_for(&source)?;
    let outcome = bitrise::check(&client, &source.apps).await;
    let text = match args.format {
        CheckFormat::Text => outcome.render_text(client.api_url()),
        CheckFormat::Json => {
            let mut json =
                serde_json::to_string_pretty(&outcome).map_err(report::RenderError::from)?;
            json.push('\n');
            json
        }
    };
    write_stdout(&text)?;
    Ok(outcome.exit_code())
}

/// [`Source::resolve`], then, inside GitHub Actions, asks the runner to mask a token that came
/// from the environment, so that no later step can print it by accident (a token from `--token`
/// is in the workflow file's expressions, which the runner masks itself).
fn resolve_source(args: &SourceArgs) -> Result<Source, Error> {
    let source = Source::resolve(args)?;
    let in_actions = std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true");
    let from_env = std::env::var("BITRISE_TOKEN")
        .is_ok_and(|v| !v.trim().is_empty() && v == source.client.token.expose());
    if let Some(line) =
        crate::secret::github_mask_command(&source.client.token, in_actions && from_env)
    {
        // stderr: the runner reads workflow commands from both streams, and stdout may be
        // the report itself.
        eprintln!("{line}");
    }
    Ok(source)
}

/// The API client for `source`. Setting it up fails only on a flag value it cannot use (the
/// API URL, the token), so that is a configuration error (exit 3) naming the flag.
fn client_for(source: &Source) -> Result<Client, Error> {
    Client::new(source.client.clone())
        .map(|client| client.with_app_deadline(source.app_deadline))
        .map_err(|e| Error::Config(e.message))
}

/// Keeps only the apps named with `--app` (for a snapshot or the demo); naming an app the data
/// does not hold is a configuration error.
fn select_named_apps(dataset: &mut Dataset, named: &[String]) -> Result<(), Error> {
    if named.is_empty() {
        return Ok(());
    }
    for slug in named {
        let known = dataset.apps.iter().any(|a| &a.app.slug == slug)
            || dataset.skipped_apps.iter().any(|s| &s.slug == slug);
        if !known {
            let mut held: Vec<&str> = dataset.apps.iter().map(|a| a.app.slug.as_str()).collect();
            held.sort_unstable();
            return Err(Error::Config(format!(
                "--app {slug}: no such app in the data (it holds: {})",
                held.join(", ")
            )));
        }
    }
    dataset.apps.retain(|a| named.contains(&a.app.slug));
    dataset.skipped_apps.retain(|s| named.contains(&s.slug));
    Ok(())
}

/// A run fails when no app at all could be read: with the connection-check code when every app
/// failed for that same reason, else as a runtime failure.
fn ensure_some_app_read(dataset: &Dataset) -> Result<(), Error> {
    if !dataset.apps.is_empty() || dataset.skipped_apps.is_empty() {
        return Ok(());
    }
    let first = dataset.skipped_apps[0].error;
    let code = if dataset.skipped_apps.iter().all(|s| s.error == first) {
        first
    } else {
        ErrorCode::ApiError
    };
    let details: Vec<String> = dataset
        .skipped_apps
        .iter()
        .map(|s| format!("{}: {}", s.slug, s.message))
        .collect();
    let message = format!("no app could be read: {}", details.join("; "));
    Err(Error::Api(bitrise::ApiError { code, message }))
}

/// `--strict` turns skipped apps into a failure, after the output was written.
fn strict_outcome(strict: bool, dataset: &Dataset) -> Result<i32, Error> {
    if strict && !dataset.skipped_apps.is_empty() {
        let slugs: Vec<&str> = dataset
            .skipped_apps
            .iter()
            .map(|s| s.slug.as_str())
            .collect();
        return Err(Error::Strict(format!(
            "--strict: {} app(s) could not be read: {}",
            slugs.len(),
            slugs.join(", ")
        )));
    }
    Ok(0)
}

/// Asking for time outside what the snapshot holds is a configuration error.
fn ensure_within(snapshot: &Snapshot, windows: &Windows, what: &str) -> Result<(), Error> {
    let held = snapshot.span();
    if held.covers(&windows.window) && windows.previous.is_none_or(|p| held.covers(&p)) {
        return Ok(());
    }
    let hint = if held.covers(&windows.window) {
        " (the previous window falls outside it: pass --no-compare or a shorter --days)"
    } else {
        ""
    };
    Err(Error::Config(format!(
        "{what} holds runs from {} to {}, but the report asks for {} to {} (--days, --since, \
         --until){hint}",
        held.since.to_rfc3339(),
        held.until.to_rfc3339(),
        windows.span().since.to_rfc3339(),
        windows.span().until.to_rfc3339(),
    )))
}

/// A name for `format`, to render each once.
fn format_key(format: Format) -> &'static str {
    match format {
        Format::Markdown => "markdown",
        Format::Html => "html",
        Format::Json => "json",
    }
}

fn skipped_note(skipped: usize) -> String {
    match skipped {
        0 => String::new(),
        n => format!(" ({n} skipped)"),
    }
}

fn write_stdout(text: &str) -> Result<(), Error> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|source| Error::Output {
            path: "<stdout>".into(),
            source,
        })
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    std::fs::write(path, bytes).map_err(|source| Error::Output {
        path: path.to_owned(),
        source,
    })
}
