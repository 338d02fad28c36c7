//! Step outputs: `name=value` lines appended to the file in `$GITHUB_OUTPUT`, or the
//! `name<<DELIMITER` heredoc form for a value that spans lines, with a random delimiter that the
//! value does not contain (so a value can never end the heredoc early or set another output).

use std::io::Write;
use std::path::Path;

use crate::report::Report;

/// The outputs of a report, in the order written. Unknown values (no runs, no durations) are
/// empty strings.
pub fn report_outputs(
    report: &Report,
    gates_failed: Option<bool>,
    report_path: Option<&Path>,
) -> Vec<(&'static str, String)> {
    let current = &report.total.current;
    let number = |value: Option<f64>| value.map(|v| v.to_string()).unwrap_or_default();
    vec![
        ("runs", current.runs.to_string()),
        ("failure-rate", number(current.failure_rate)),
        ("duration-p50", number(current.duration_s.p50)),
        ("duration-p95", number(current.duration_s.p95)),
        (
            "gates",
            // No gate set counts as passed: nothing failed.
            match gates_failed {
                Some(true) => "failed",
                Some(false) | None => "passed",
            }
            .to_owned(),
        ),
        (
            "report-path",
            report_path
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
        ),
    ]
}

/// The outputs in the file format GitHub reads.
pub fn format(outputs: &[(&str, String)]) -> String {
    let mut text = String::new();
    for (name, value) in outputs {
        if value.contains('\n') || value.contains('\r') {
            let delimiter = delimiter_for(value);
            text.push_str(&format!("{name}<<{delimiter}\n{value}\n{delimiter}\n"));
        } else {
            text.push_str(&format!("{name}={value}\n"));
        }
    }
    text
}

/// Appends `outputs` to the file at `path` (other steps' outputs stay).
pub fn append(path: &Path, outputs: &[(&str, String)]) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(format(outputs).as_bytes())?;
    file.flush()
}

fn delimiter_for(value: &str) -> String {
    loop {
        let delimiter = format!("ci_vitals_{:016x}", fastrand::u64(..));
        if !value.contains(&delimiter) {
            return delimiter;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_lines_are_key_value_and_multi_line_values_a_heredoc() {
        let text = format(&[
            ("runs", "12".to_owned()),
            ("failure-rate", String::new()),
            ("report-path", "a\nb".to_owned()),
        ]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[..2], ["runs=12", "failure-rate="]);
        let delimiter = lines[2]
            .strip_prefix("report-path<<")
            .expect("heredoc opener");
        assert!(delimiter.starts_with("ci_vitals_") && delimiter.len() == 26);
        assert_eq!(lines[3..], ["a", "b", delimiter]);
        assert!(text.ends_with('\n'));
    }
}
