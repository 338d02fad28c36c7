//! GitHub Actions workflow commands for data problems: `::warning::` lines that the runner turns
//! into annotations on the run, with the data and properties escaped the way the runner reads
//! them back.

use crate::report::Report;

/// One `::warning::` workflow command. `title` becomes the annotation's title property.
pub fn warning(title: &str, message: &str) -> String {
    format!(
        "::warning title={}::{}",
        escape_property(title),
        escape_data(message)
    )
}

/// The report's data problems as warnings: each skipped app, then each coverage warning.
pub fn data_problems(report: &Report) -> Vec<String> {
    let skipped = report.coverage.skipped_apps.iter().map(|s| {
        warning(
            "ci-vitals: app skipped",
            &format!("app {} skipped ({}): {}", s.slug, s.error, s.message),
        )
    });
    let warned = report
        .coverage
        .warnings
        .iter()
        .map(|w| warning("ci-vitals: data warning", w));
    skipped.chain(warned).collect()
}

/// The message part: a newline would end the command early, and `%` starts an escape.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property value: as data, and `:` and `,` too, which end the value or the property list.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_and_properties_are_escaped_as_the_runner_reads_them() {
        assert_eq!(
            warning("a: b, c", "100% red\r\nnext: line, here"),
            "::warning title=a%3A b%2C c::100%25 red%0D%0Anext: line, here"
        );
        // `%` first, so an escape already in the text is not read back as a character.
        assert_eq!(escape_data("%0A"), "%250A");
    }
}
