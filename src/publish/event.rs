//! The pull request a workflow run is about, read from the event payload GitHub writes to the
//! file in `$GITHUB_EVENT_PATH`: `pull_request.number` on pull-request events, `issue.number` on
//! comment events.

use std::path::Path;

use serde_json::Value;

/// The PR (or issue) number in the payload at `path`; `Ok(None)` when the event carries none
/// (a push, a schedule). A file that cannot be read or is not JSON is an error naming it.
pub fn pull_request_number(path: &Path) -> Result<Option<u64>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the event payload {}: {e}", path.display()))?;
    let payload: Value = serde_json::from_str(&text)
        .map_err(|e| format!("the event payload {} is not JSON: {e}", path.display()))?;
    Ok(number_in(&payload))
}

fn number_in(payload: &Value) -> Option<u64> {
    ["/pull_request/number", "/issue/number"]
        .iter()
        .find_map(|pointer| payload.pointer(pointer).and_then(Value::as_u64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_pull_request_then_issue_numbers() {
        assert_eq!(
            number_in(
                &json!({"action": "synchronize", "number": 9, "pull_request": {"number": 9}})
            ),
            Some(9)
        );
        assert_eq!(
            number_in(
                &json!({"action": "created", "issue": {"number": 31, "pull_request": {}},
                               "comment": {"id": 5}})
            ),
            Some(31)
        );
        assert_eq!(number_in(&json!({"ref": "refs/heads/main"})), None);
        assert_eq!(number_in(&json!({"pull_request": {"number": "9"}})), None);
    }

    #[test]
    fn a_missing_file_is_named() {
        let error =
            pull_request_number(Path::new("/nonexistent/event.json")).expect_err("missing file");
        assert!(error.contains("/nonexistent/event.json"), "{error}");
    }
}
