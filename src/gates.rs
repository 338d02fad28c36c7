//! Threshold gates (`--fail-if 'EXPR'`): conditions on a group's metrics that fail the run with
//! exit 4 when true. This module owns their parsing, checking and evaluation; the report lists
//! every result, and the command decides the exit code after everything was written.
//!
//! A gate is a minijinja expression over the metric variables of [`VARIABLES`], evaluated against
//! the total, or with a `pipeline:NAME ` prefix against every pipeline row named `NAME` (one
//! result per app holding such a row). Unknown names are configuration errors, so a typo cannot
//! silently pass.
//!
//! A gate whose variables include a null metric (no decided runs, details not read, ...) is
//! **not evaluated**: it neither passes nor fails, and its result says which value was missing.
//! It is not evaluated at all, because minijinja orders `none` against numbers instead of failing,
//! so `failure_rate > 0.2` would quietly be false.

use std::collections::{BTreeMap, BTreeSet};

use minijinja::value::ValueKind;
use minijinja::{Environment, UndefinedBehavior, Value};
use serde::Serialize;

use crate::error::Error;
use crate::metrics::{AppMetrics, WindowMetrics};

/// The names a gate expression may use, as the report JSON names the metrics.
pub const VARIABLES: &[&str] = &[
    "runs",
    "runs_per_day",
    "failure_rate",
    "failure_rate_low",
    "failure_rate_high",
    "duration_p50",
    "duration_p90",
    "duration_p95",
    "queue_p50",
    "queue_p95",
    "restore_p50",
    "restore_open",
    "first_attempt_failure_rate",
    "rerun_rescued_share",
    "flaky_commits",
];

/// The prefix that scopes a gate to the pipeline rows of one name.
const PIPELINE_PREFIX: &str = "pipeline:";

/// Which metrics a gate is evaluated against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// The report's total.
    Total,
    /// Every pipeline row with this exact name, in every app.
    Pipeline(String),
}

/// A checked `--fail-if` gate: its expression compiles and uses known names only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gate {
    /// The gate as given on the command line, prefix included.
    pub text: String,
    pub scope: Scope,
    /// The expression without its scope prefix.
    pub condition: String,
    /// The variables the condition reads, sorted.
    pub names: Vec<String>,
}

/// The outcome of one gate on one group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The condition is false.
    Passed,
    /// The condition is true: the run exits 4.
    Failed,
    /// A variable the condition reads is null.
    NotEvaluated,
}

/// One gate's result on one group, as the report lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GateResult {
    /// The gate as given, prefix included.
    pub expr: String,
    /// `total`, or `<app slug>/<pipeline>`.
    pub scope: String,
    pub result: Outcome,
    /// The variables the condition reads, with their values (null where unknown).
    pub values: BTreeMap<String, serde_json::Value>,
    /// Why the gate was not evaluated; `None` otherwise.
    pub note: Option<String>,
}

/// Parses and checks every `--fail-if` gate, before any data is read: a gate that does not
/// compile or reads an unknown name is a configuration error naming it.
pub fn parse(texts: &[String]) -> Result<Vec<Gate>, Error> {
    let env = environment();
    texts.iter().map(|text| parse_one(&env, text)).collect()
}

fn parse_one(env: &Environment<'static>, text: &str) -> Result<Gate, Error> {
    let trimmed = text.trim();
    let (scope, condition) = match trimmed.strip_prefix(PIPELINE_PREFIX) {
        Some(rest) => {
            let (name, condition) = rest
                .split_once(char::is_whitespace)
                .map(|(name, condition)| (name, condition.trim()))
                .unwrap_or((rest, ""));
            if name.is_empty() || condition.is_empty() {
                return Err(gate_error(
                    text,
                    "expected `pipeline:NAME EXPR`, e.g. `pipeline:ci failure_rate > 0.2`",
                ));
            }
            (Scope::Pipeline(name.to_owned()), condition)
        }
        None => (Scope::Total, trimmed),
    };
    if condition.is_empty() {
        return Err(gate_error(text, "the expression is empty"));
    }
    let expression = env.compile_expression(condition).map_err(|e| {
        gate_error(
            text,
            &format!(
                "invalid expression: {}",
                e.detail().unwrap_or("syntax error")
            ),
        )
    })?;
    let names: BTreeSet<String> = expression.undeclared_variables(false).into_iter().collect();
    let unknown: Vec<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|name| !VARIABLES.contains(name))
        .collect();
    if !unknown.is_empty() {
        return Err(gate_error(
            text,
            &format!(
                "unknown name {} (valid names: {})",
                unknown.join(", "),
                VARIABLES.join(", ")
            ),
        ));
    }
    if names.is_empty() {
        return Err(gate_error(
            text,
            &format!(
                "the expression reads no metric (valid names: {})",
                VARIABLES.join(", ")
            ),
        ));
    }
    Ok(Gate {
        text: text.to_owned(),
        scope,
        condition: condition.to_owned(),
        names: names.into_iter().collect(),
    })
}

/// Evaluates every gate against the total or its pipeline rows, in the order given; the rows of
/// a pipeline gate follow the report's app order. A pipeline name matching no row, or a
/// condition that is not true or false, is a configuration error.
pub fn evaluate(
    gates: &[Gate],
    total: &WindowMetrics,
    apps: &[AppMetrics],
) -> Result<Vec<GateResult>, Error> {
    let env = environment();
    let mut results = Vec::new();
    for gate in gates {
        match &gate.scope {
            Scope::Total => results.push(evaluate_one(&env, gate, "total".to_owned(), total)?),
            Scope::Pipeline(name) => {
                let rows: Vec<(String, &WindowMetrics)> = apps
                    .iter()
                    .flat_map(|app| {
                        app.pipelines
                            .iter()
                            .filter(|p| &p.name == name)
                            .map(move |p| (format!("{}/{}", app.slug, p.name), &p.metrics.current))
                    })
                    .collect();
                if rows.is_empty() {
                    return Err(gate_error(
                        &gate.text,
                        &format!(
                            "no pipeline named {name} in the data (it holds: {})",
                            pipeline_names(apps).join(", ")
                        ),
                    ));
                }
                for (scope, metrics) in rows {
                    results.push(evaluate_one(&env, gate, scope, metrics)?);
                }
            }
        }
    }
    Ok(results)
}

/// The exit code the gates ask for: 4 when any failed, else 0.
pub fn exit_code(results: &[GateResult]) -> i32 {
    if results.iter().any(|r| r.result == Outcome::Failed) {
        4
    } else {
        0
    }
}

/// A gate's value as people read it: rates as percentages, times as durations.
pub fn display_value(name: &str, value: &serde_json::Value) -> String {
    let number = value.as_f64();
    if number.is_none() {
        return "unknown".to_owned();
    }
    match name {
        "failure_rate"
        | "failure_rate_low"
        | "failure_rate_high"
        | "first_attempt_failure_rate"
        | "rerun_rescued_share" => crate::report::human::percent(number),
        "duration_p50" | "duration_p90" | "duration_p95" | "queue_p50" | "queue_p95"
        | "restore_p50" => crate::report::human::duration(number),
        _ => value.to_string(),
    }
}

/// The value of every gate variable for one group; null where the metric is.
pub fn variables(m: &WindowMetrics) -> BTreeMap<&'static str, serde_json::Value> {
    let reliability = m.reliability.as_ref();
    let interval = |i: usize| m.failure_rate_ci95.map(|ci| ci[i]);
    let entries: [(&'static str, serde_json::Value); 15] = [
        ("runs", m.runs.into()),
        ("runs_per_day", m.runs_per_day.into()),
        ("failure_rate", m.failure_rate.into()),
        ("failure_rate_low", interval(0).into()),
        ("failure_rate_high", interval(1).into()),
        ("duration_p50", m.duration_s.p50.into()),
        ("duration_p90", m.duration_s.p90.into()),
        ("duration_p95", m.duration_s.p95.into()),
        ("queue_p50", m.queue_s.p50.into()),
        ("queue_p95", m.queue_s.p95.into()),
        ("restore_p50", m.time_to_restore_s.p50.into()),
        ("restore_open", m.time_to_restore_s.open.into()),
        (
            "first_attempt_failure_rate",
            reliability
                .and_then(|r| r.first_attempt_failure_rate)
                .into(),
        ),
        (
            "rerun_rescued_share",
            reliability.and_then(|r| r.rerun_rescued.share).into(),
        ),
        ("flaky_commits", reliability.map(|r| r.flaky_commits).into()),
    ];
    entries.into_iter().collect()
}

fn evaluate_one(
    env: &Environment<'static>,
    gate: &Gate,
    scope: String,
    metrics: &WindowMetrics,
) -> Result<GateResult, Error> {
    let all = variables(metrics);
    let values: BTreeMap<String, serde_json::Value> = gate
        .names
        .iter()
        .map(|name| {
            let value = all.get(name.as_str()).cloned().unwrap_or_default();
            (name.clone(), value)
        })
        .collect();
    let missing: Vec<&str> = values
        .iter()
        .filter(|(_, v)| v.is_null())
        .map(|(name, _)| name.as_str())
        .collect();
    if !missing.is_empty() {
        let note = format!("not evaluated: {} unknown for {scope}", missing.join(", "));
        return Ok(GateResult {
            expr: gate.text.clone(),
            scope,
            result: Outcome::NotEvaluated,
            values,
            note: Some(note),
        });
    }
    let expression = env
        .compile_expression(&gate.condition)
        .map_err(|e| gate_error(&gate.text, &e.to_string()))?;
    let value = expression
        .eval(Value::from_serialize(&all))
        .map_err(|e| gate_error(&gate.text, &format!("cannot evaluate on {scope}: {e}")))?;
    // Only a boolean decides: `--fail-if failure_rate` (a number) is a mistake, not "truthy".
    if value.kind() != ValueKind::Bool {
        return Err(gate_error(
            &gate.text,
            &format!("the expression gives {value} on {scope}, not true or false"),
        ));
    }
    let result = if value.is_true() {
        Outcome::Failed
    } else {
        Outcome::Passed
    };
    Ok(GateResult {
        expr: gate.text.clone(),
        scope,
        result,
        values,
        note: None,
    })
}

/// An expression environment without templates: strict, so an unknown name cannot read as
/// undefined and compare as false.
fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env
}

fn gate_error(text: &str, message: &str) -> Error {
    Error::Config(format!("--fail-if {text:?}: {message}"))
}

/// The distinct pipeline names of the data, sorted, for an error message.
fn pipeline_names(apps: &[AppMetrics]) -> Vec<String> {
    let names: BTreeSet<&str> = apps
        .iter()
        .flat_map(|a| a.pipelines.iter().map(|p| p.name.as_str()))
        .collect();
    names.into_iter().map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures::sample_report;

    fn gates(texts: &[&str]) -> Vec<Gate> {
        let texts: Vec<String> = texts.iter().map(|t| (*t).to_owned()).collect();
        parse(&texts).expect("gates parse")
    }

    fn config_message(result: Result<impl std::fmt::Debug, Error>) -> String {
        match result {
            Err(Error::Config(message)) => message,
            other => panic!("expected a configuration error, got {other:?}"),
        }
    }

    /// The fixture report with its total set to 25 failed of 100 decided runs, Wilson interval
    /// [0.05, 0.5] (values chosen by hand, not computed), and p95 of 1500 s.
    fn metrics() -> crate::report::Report {
        let mut report = sample_report();
        let total = &mut report.total.current;
        total.failure_rate = Some(0.25);
        total.failure_rate_ci95 = Some([0.05, 0.5]);
        total.duration_s.p95 = Some(1500.0);
        report
    }

    #[test]
    fn parse_splits_scope_and_lists_the_names_read() {
        let parsed = gates(&[
            "failure_rate > 0.2 and duration_p95 > 1800",
            "pipeline:ci   runs < 3",
        ]);
        assert_eq!(parsed[0].scope, Scope::Total);
        assert_eq!(parsed[0].names, ["duration_p95", "failure_rate"]);
        assert_eq!(parsed[1].scope, Scope::Pipeline("ci".to_owned()));
        assert_eq!(parsed[1].condition, "runs < 3");
        assert_eq!(parsed[1].text, "pipeline:ci   runs < 3");
    }

    #[test]
    fn a_typo_is_a_configuration_error_naming_the_gate_and_the_valid_names() {
        let message = config_message(parse(&["failure_rat > 0.2".to_owned()]));
        assert!(message.contains("\"failure_rat > 0.2\""), "{message}");
        assert!(message.contains("unknown name failure_rat"), "{message}");
        assert!(message.contains("failure_rate_low"), "{message}");
    }

    #[test]
    fn malformed_gates_are_configuration_errors() {
        for text in [
            "failure_rate >",
            "pipeline:ci",
            "pipeline: runs > 1",
            "",
            "1 > 0",
        ] {
            config_message(parse(&[text.to_owned()]));
        }
    }

    #[test]
    fn a_total_gate_fails_when_its_condition_is_true() {
        let report = metrics();
        let results = evaluate(
            &gates(&[
                // 0.25 > 0.2: true, so the gate fails.
                "failure_rate > 0.2",
                // 0.25 > 0.3: false, passes.
                "failure_rate > 0.3",
                // Wilson lower bound 0.05 > 0.1: false, passes.
                "failure_rate_low > 0.1",
                // 1500 > 1800: false, passes.
                "duration_p95 > 1800",
            ]),
            &report.total.current,
            &report.apps,
        )
        .expect("gates evaluate");
        let outcomes: Vec<Outcome> = results.iter().map(|r| r.result).collect();
        assert_eq!(
            outcomes,
            [
                Outcome::Failed,
                Outcome::Passed,
                Outcome::Passed,
                Outcome::Passed
            ]
        );
        assert_eq!(results[0].scope, "total");
        assert_eq!(
            results[2].values["failure_rate_low"],
            serde_json::json!(0.05)
        );
        assert_eq!(exit_code(&results), 4);
        assert_eq!(exit_code(&results[1..]), 0);
    }

    #[test]
    fn a_null_metric_leaves_the_gate_not_evaluated() {
        let mut report = metrics();
        report.total.current.failure_rate = None;
        let results = evaluate(
            &gates(&["failure_rate > 0.2 or duration_p95 > 1000"]),
            &report.total.current,
            &report.apps,
        )
        .expect("gates evaluate");
        assert_eq!(results[0].result, Outcome::NotEvaluated);
        assert_eq!(results[0].values["failure_rate"], serde_json::Value::Null);
        assert_eq!(
            results[0].note.as_deref(),
            Some("not evaluated: failure_rate unknown for total")
        );
        // Not evaluated is not a failure, even though 1500 > 1000 alone would fail it.
        assert_eq!(exit_code(&results), 0);
    }

    #[test]
    fn a_pipeline_gate_judges_every_row_of_that_name() {
        let mut report = metrics();
        // Give the second app a `ci` row too, failure rate 0.2; the first app's is set to 0.5.
        let mut copy = report.apps[0].pipelines[0].clone();
        copy.metrics.current.failure_rate = Some(0.2);
        report.apps[1].pipelines.push(copy);
        report.apps[0].pipelines[0].metrics.current.failure_rate = Some(0.5);
        let results = evaluate(
            &gates(&["pipeline:ci failure_rate > 0.3"]),
            &report.total.current,
            &report.apps,
        )
        .expect("gates evaluate");
        let scopes: Vec<(&str, Outcome)> = results
            .iter()
            .map(|r| (r.scope.as_str(), r.result))
            .collect();
        // 0.5 > 0.3 fails; 0.2 > 0.3 passes.
        assert_eq!(
            scopes,
            [
                ("a1b2-c3d4/ci", Outcome::Failed),
                ("f00d-cafe/ci", Outcome::Passed)
            ]
        );
    }

    #[test]
    fn a_pipeline_matching_no_row_is_a_configuration_error() {
        let report = metrics();
        let message = config_message(evaluate(
            &gates(&["pipeline:deploy runs > 1"]),
            &report.total.current,
            &report.apps,
        ));
        assert!(message.contains("no pipeline named deploy"), "{message}");
        assert!(message.contains("ci, nightly"), "{message}");
    }

    #[test]
    fn a_condition_that_is_not_a_boolean_is_a_configuration_error() {
        let report = metrics();
        let message = config_message(evaluate(
            &gates(&["failure_rate * 2"]),
            &report.total.current,
            &report.apps,
        ));
        // 0.25 * 2 = 0.5.
        assert!(message.contains("gives 0.5 on total"), "{message}");
    }

    #[test]
    fn values_are_shown_in_their_unit() {
        assert_eq!(
            display_value("failure_rate", &serde_json::json!(0.125)),
            "12.5%"
        );
        // 252 s = 4 min 12 s.
        assert_eq!(
            display_value("duration_p95", &serde_json::json!(252.0)),
            "4m 12s"
        );
        assert_eq!(display_value("runs", &serde_json::json!(42)), "42");
        assert_eq!(
            display_value("restore_p50", &serde_json::Value::Null),
            "unknown"
        );
    }
}
