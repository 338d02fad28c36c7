//! The API's wire shapes, private to `bitrise/`: the list envelope, the app object and the
//! pipelines-list item. Decoding is tolerant because API v0.1 makes no compatibility promise:
//! unknown fields are ignored, a missing field, `null` and `""` all mean "none", ids may be
//! integers or strings, and `status` may come as a numeric string. Decoding goes through
//! `serde_path_to_error` so that every error names the JSON path it happened at.

use chrono::{DateTime, Utc};
use serde::de::{Deserializer, Error as _};
use serde::Deserialize;
use serde_json::Value;

/// The `{"data": [...], "paging": {...}}` envelope of the list endpoints. Items stay raw
/// `Value`s: the snapshot keeps them exactly as returned.
#[derive(Debug, Deserialize)]
pub(crate) struct ListPage {
    pub data: Vec<Value>,
    #[serde(default)]
    pub paging: Option<Paging>,
}

impl ListPage {
    /// The cursor of the next page; absent, `null` and `""` all mean "last page".
    pub fn next(&self) -> Option<&str> {
        self.paging.as_ref().and_then(|p| p.next.as_deref())
    }
}

/// The envelope's `paging`. `total_item_count` and `page_item_limit` come back as 0 on the
/// pipelines list, so they are deliberately not read.
#[derive(Debug, Deserialize)]
pub(crate) struct Paging {
    #[serde(default, deserialize_with = "loose_string")]
    pub next: Option<String>,
}

/// An app object.
#[derive(Debug, Deserialize)]
pub(crate) struct WireApp {
    #[serde(deserialize_with = "required_id")]
    pub slug: String,
    #[serde(default, deserialize_with = "loose_string")]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "loose_bool")]
    pub is_disabled: Option<bool>,
}

/// An item of the pipelines list: a pipeline run or a standalone build.
#[derive(Debug, Deserialize)]
pub(crate) struct WireRun {
    #[serde(deserialize_with = "required_id")]
    pub slug: String,
    #[serde(default, deserialize_with = "loose_bool")]
    pub is_pipeline: Option<bool>,
    #[serde(default, deserialize_with = "loose_string")]
    pub triggered_workflow: Option<String>,
    #[serde(default, deserialize_with = "loose_int")]
    pub status: Option<i64>,
    #[serde(default, deserialize_with = "loose_string")]
    pub branch: Option<String>,
    #[serde(default, deserialize_with = "loose_string")]
    pub commit_hash: Option<String>,
    #[serde(deserialize_with = "required_timestamp")]
    pub triggered_at: DateTime<Utc>,
    #[serde(default, deserialize_with = "loose_timestamp")]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "loose_timestamp")]
    pub finished_at: Option<DateTime<Utc>>,
    /// Kept only when it is a non-negative integer; anything else means "unknown".
    #[serde(default, deserialize_with = "loose_credit_cost")]
    pub credit_cost: Option<u64>,
    #[serde(default, deserialize_with = "loose_string")]
    pub triggered_by: Option<String>,
    #[serde(default, deserialize_with = "loose_int")]
    pub pull_request_id: Option<i64>,
    #[serde(default, deserialize_with = "loose_string")]
    pub tag: Option<String>,
    /// Kept as it came: only `machine_type_id` is read, and an object of another shape must
    /// not cost the run.
    #[serde(default)]
    pub trigger_params: Option<Value>,
}

impl WireRun {
    /// `trigger_params.machine_type_id` when it names a machine.
    pub fn machine_type_id(&self) -> Option<String> {
        self.trigger_params
            .as_ref()?
            .get("machine_type_id")?
            .as_str()
            .filter(|id| !id.trim().is_empty())
            .map(str::to_owned)
    }
}

/// A pipeline detail (`GET /v0.1/apps/{app}/pipelines/{id}`, no `data` wrapper). Only the
/// parts the metrics use are read; `null` stands for an empty list anywhere.
#[derive(Debug, Deserialize)]
pub(crate) struct WireDetail {
    #[serde(default, deserialize_with = "loose_list")]
    pub attempts: Vec<WireAttempt>,
    #[serde(default, deserialize_with = "loose_list")]
    pub workflows: Vec<WireWorkflow>,
    /// Stage-based pipelines group their workflows here instead of in `workflows`.
    #[serde(default, deserialize_with = "loose_list")]
    pub stages: Vec<WireStage>,
}

/// One (re)run of a pipeline.
#[derive(Debug, Deserialize)]
pub(crate) struct WireAttempt {
    #[serde(deserialize_with = "required_attempt_number")]
    pub number_in_pipeline_build_scope: u32,
    #[serde(default, deserialize_with = "loose_string")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "loose_timestamp")]
    pub triggered_at: Option<DateTime<Utc>>,
}

/// One workflow of a pipeline run.
#[derive(Debug, Deserialize)]
pub(crate) struct WireWorkflow {
    #[serde(deserialize_with = "required_name")]
    pub name: String,
    #[serde(default, deserialize_with = "loose_string")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "loose_timestamp")]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "loose_timestamp")]
    pub finished_at: Option<DateTime<Utc>>,
    /// Omitted by the API when the workflow waits for nothing.
    #[serde(default, deserialize_with = "loose_list")]
    pub depends_on: Vec<String>,
}

/// A stage of a stage-based pipeline: its workflows run after every workflow of the stage
/// before.
#[derive(Debug, Deserialize)]
pub(crate) struct WireStage {
    #[serde(default, deserialize_with = "loose_list")]
    pub workflows: Vec<WireWorkflow>,
}

/// Decodes `value` as `T`, the error carrying the JSON path (`triggered_at: invalid ...`).
pub(crate) fn decode<T: serde::de::DeserializeOwned>(value: &Value) -> Result<T, String> {
    serde_path_to_error::deserialize::<_, T>(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        if path == "." {
            inner
        } else {
            format!("{path}: {inner}")
        }
    })
}

/// The slug of a raw item, when it has a usable one (a string or an integer). Paging uses it
/// to deduplicate items it does not otherwise decode.
pub(crate) fn item_slug(item: &Value) -> Option<String> {
    id_of(item.get("slug")?)
}

/// Whether a raw item says it is a pipeline run (`is_pipeline` true, or `"true"`).
pub(crate) fn item_is_pipeline(item: &Value) -> bool {
    match item.get("is_pipeline") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s == "true",
        _ => false,
    }
}

/// The `triggered_at` of a raw item, when it parses.
pub(crate) fn item_triggered_at(item: &Value) -> Option<DateTime<Utc>> {
    item.get("triggered_at")
        .and_then(Value::as_str)
        .and_then(|s| parse_timestamp(s).ok())
}

/// Whether a raw item is finished: its `status` (an integer or a numeric string) is set and
/// not 0, "in progress". A finished run never changes again.
pub(crate) fn item_is_finished(item: &Value) -> bool {
    let status = match item.get("status") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    status.is_some_and(|s| s != 0)
}

/// Parses an RFC 3339 timestamp with or without fractional seconds, `Z` or a numeric offset.
pub(crate) fn parse_timestamp(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| format!("invalid timestamp {}", Value::from(text)))
}

fn id_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Reads a field as a `Value`, mapping a missing field (through `#[serde(default)]`), `null`
/// and `""` to `None`.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        other => Some(other),
    })
}

pub(crate) fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn required_id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match present(d)? {
        None => Err(D::Error::custom("missing id")),
        Some(v) => id_of(&v).ok_or_else(|| {
            D::Error::custom(format!(
                "expected a string or integer id, got {}",
                describe(&v)
            ))
        }),
    }
}

fn loose_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match present(d)? {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(v) => Err(D::Error::custom(format!(
            "expected a string, got {}",
            describe(&v)
        ))),
    }
}

fn loose_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    match present(d)? {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(b)),
        Some(Value::String(s)) if s == "true" => Ok(Some(true)),
        Some(Value::String(s)) if s == "false" => Ok(Some(false)),
        Some(v) => Err(D::Error::custom(format!(
            "expected a boolean, got {}",
            describe(&v)
        ))),
    }
}

fn loose_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match present(d)? {
        None => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| D::Error::custom(format!("expected an integer, got {n}"))),
        Some(Value::String(s)) => {
            s.trim().parse().map(Some).map_err(|_| {
                D::Error::custom(format!("expected an integer, got {}", Value::from(s)))
            })
        }
        Some(v) => Err(D::Error::custom(format!(
            "expected an integer, got {}",
            describe(&v)
        ))),
    }
}

fn loose_credit_cost<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(present(d)?.and_then(|v| v.as_u64()))
}

fn loose_timestamp<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    match present(d)? {
        None => Ok(None),
        Some(Value::String(s)) => parse_timestamp(&s).map(Some).map_err(D::Error::custom),
        Some(v) => Err(D::Error::custom(format!(
            "expected a timestamp string, got {}",
            describe(&v)
        ))),
    }
}

fn required_name<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    loose_string(d)?.ok_or_else(|| D::Error::custom("missing name"))
}

fn required_attempt_number<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let number = loose_int(d)?.ok_or_else(|| D::Error::custom("missing attempt number"))?;
    u32::try_from(number)
        .map_err(|_| D::Error::custom(format!("expected an attempt number, got {number}")))
}

/// A list where `null` (or a missing field, through `#[serde(default)]`) means empty.
fn loose_list<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

fn required_timestamp<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    loose_timestamp(d)?.ok_or_else(|| D::Error::custom("missing timestamp"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("test timestamp")
    }

    #[test]
    fn run_with_real_shapes_decodes() {
        let run: WireRun = decode(&json!({
            "slug": "bba2d94a-0000-4000-8000-000000000001",
            "is_pipeline": true,
            "triggered_workflow": "deploy",
            "status": 2,
            "branch": "main",
            "commit_hash": null,
            "triggered_at": "2026-11-20T10:00:00.123456Z",
            "started_at": "2026-11-20T10:00:01Z",
            "finished_at": "",
            "credit_cost": 16,
            "trigger_params": {"pull_request_id": ""},
            "ai_run_type": "code-reviewer"
        }))
        .expect("decodes");
        assert_eq!(run.status, Some(2));
        assert_eq!(run.is_pipeline, Some(true));
        assert_eq!(run.commit_hash, None);
        assert_eq!(run.finished_at, None);
        // 10:00:00 plus 123456 microseconds.
        assert_eq!(
            run.triggered_at,
            at("2026-11-20T10:00:00Z") + chrono::TimeDelta::microseconds(123_456)
        );
        assert_eq!(run.started_at, Some(at("2026-11-20T10:00:01Z")));
        assert_eq!(run.credit_cost, Some(16));
    }

    #[test]
    fn null_empty_and_missing_all_mean_none() {
        for empty in [json!(null), json!("")] {
            let run: WireRun = decode(&json!({
                "slug": "r1", "triggered_at": "2026-11-20T10:00:00Z",
                "branch": empty, "triggered_workflow": empty, "status": empty,
                "is_pipeline": empty, "started_at": empty, "credit_cost": empty
            }))
            .expect("decodes");
            assert_eq!(run.branch, None);
            assert_eq!(run.triggered_workflow, None);
            assert_eq!(run.status, None);
            assert_eq!(run.is_pipeline, None);
            assert_eq!(run.started_at, None);
            assert_eq!(run.credit_cost, None);
        }
        let bare: WireRun =
            decode(&json!({"slug": "r1", "triggered_at": "2026-11-20T10:00:00Z"})).expect("bare");
        assert_eq!(bare.commit_hash, None);
        assert_eq!(bare.finished_at, None);
    }

    #[test]
    fn ids_and_status_accept_integers_and_strings() {
        let run: WireRun = decode(&json!({
            "slug": 42, "status": "3", "triggered_at": "2026-11-20T10:00:00Z"
        }))
        .expect("decodes");
        assert_eq!(run.slug, "42");
        assert_eq!(run.status, Some(3));
        let app: WireApp = decode(&json!({"slug": 7, "title": "T"})).expect("app");
        assert_eq!(app.slug, "7");
        assert_eq!(app.is_disabled, None);
    }

    #[test]
    fn offsets_are_normalised_to_utc() {
        // 12:00+02:00 is 10:00Z; "+00:00" is the same instant as "Z".
        assert_eq!(
            parse_timestamp("2026-11-20T12:00:00+02:00"),
            Ok(at("2026-11-20T10:00:00Z"))
        );
        assert_eq!(
            parse_timestamp("2026-11-20T10:00:00.5+00:00"),
            Ok(at("2026-11-20T10:00:00.500Z"))
        );
    }

    #[test]
    fn negative_or_fractional_credit_cost_is_unknown() {
        for cost in [json!(-3), json!(1.5), json!("12")] {
            let run: WireRun = decode(&json!({
                "slug": "r1", "triggered_at": "2026-11-20T10:00:00Z", "credit_cost": cost
            }))
            .expect("decodes");
            assert_eq!(run.credit_cost, None, "{cost}");
        }
    }

    #[test]
    fn errors_name_the_json_path() {
        let err = decode::<WireRun>(&json!({"slug": "r1", "triggered_at": "yesterday"}))
            .expect_err("bad time");
        assert_eq!(err, "triggered_at: invalid timestamp \"yesterday\"");
        let err =
            decode::<WireRun>(&json!({"slug": "r1", "triggered_at": null})).expect_err("no time");
        assert_eq!(err, "triggered_at: missing timestamp");
        let err = decode::<WireRun>(&json!({"triggered_at": "2026-11-20T10:00:00Z"}))
            .expect_err("no slug");
        assert!(err.contains("slug"), "{err}");
        let err = decode::<WireRun>(&json!({
            "slug": "r1", "triggered_at": "2026-11-20T10:00:00Z", "status": "done"
        }))
        .expect_err("bad status");
        assert_eq!(err, "status: expected an integer, got \"done\"");
        let err = decode::<ListPage>(&json!({"data": {"x": 1}})).expect_err("not a list");
        assert!(err.starts_with("data: "), "{err}");
    }

    #[test]
    fn paging_next_treats_empty_as_last_page() {
        for (paging, expected) in [
            (json!({"next": "c2"}), Some("c2")),
            (json!({"next": ""}), None),
            (json!({"next": null}), None),
            (json!({}), None),
        ] {
            let page: ListPage = decode(&json!({"data": [], "paging": paging})).expect("page");
            assert_eq!(page.next(), expected);
        }
        let page: ListPage = decode(&json!({"data": []})).expect("no paging");
        assert_eq!(page.next(), None);
    }
}
