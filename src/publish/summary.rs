//! The job summary: the Markdown report appended to the file in `$GITHUB_STEP_SUMMARY`, which
//! other steps of the job append to as well, so it is never truncated.

use std::io::Write;
use std::path::Path;

/// GitHub's limit on a step's summary: 1 MiB, measured like a comment (UTF-16 units).
pub const SUMMARY_MAX_SIZE: usize = 1_048_576;

/// Appends `markdown` to the summary file, creating it when missing.
pub fn append(path: &Path, markdown: &str) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(markdown.as_bytes())?;
    file.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_after_what_other_steps_wrote() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("summary.md");
        std::fs::write(&path, "# build\n").expect("seed");
        append(&path, "report\n").expect("append");
        append(&path, "again\n").expect("append");
        assert_eq!(
            std::fs::read_to_string(&path).expect("read"),
            "# build\nreport\nagain\n"
        );
    }
}
