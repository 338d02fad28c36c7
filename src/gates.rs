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
