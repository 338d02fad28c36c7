//! The shared hostile set: text that an app title, a pipeline or workflow name, a branch or a
//! commit message may legally hold and that tries to break out of its place in an output
//! (script tags, comment markers that would hide the rest of a PR comment, table pipes,
//! backticks, mentions and issue references that would notify people, bidi overrides, a very
//! long name, and JSON whose escapes decode to lone UTF-16 surrogates). Every output format's
//! tests, and the PR-comment tests, use this one set.

/// Hostile strings that are valid Rust (and so valid JSON) text.
pub const HOSTILE: &[&str] = &[
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//x.invalid/a.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<!-- hide the rest",
    "end of comment -->",
    "a | b | c",
    "|",
    "`code` ``` fence",
    "@octocat",
    "@acme-org/release-team",
    "fixes #123",
    "GH-7 and acme/repo#8",
    "**bold** _em_ [link](https://x.invalid) ![img](x)",
    "\u{202E}evil\u{202C} \u{2066}iso\u{2069}",
    "line one\nline two\r\n| x |",
    "- list item",
    "# heading",
    "1. ordered",
    "&amp; &lt; &#x3C;script",
    "{{ template }} {% raw %}",
    "\\| escaped pipe \\",
    "::error::injected workflow command",
];

/// A name of 2,000 characters: pipes and a tag repeated, so that a cut anywhere keeps hostile
/// text.
pub fn long_name() -> String {
    "a|<b>@c#1 ".repeat(200)
}

/// Every hostile string: [`HOSTILE`] and [`long_name`].
pub fn all() -> Vec<String> {
    HOSTILE
        .iter()
        .map(|s| (*s).to_owned())
        .chain(std::iter::once(long_name()))
        .collect()
}

/// JSON string literals (quotes included) whose escapes name lone UTF-16 surrogates, which no
/// Rust string can hold: a decoder must refuse or replace them, never panic.
pub const LONE_SURROGATE_LITERALS: &[&str] = &[
    r#""\ud800""#,
    r#""branch-\udc00-x""#,
    r#""\ud83d""#,
    r#""pair \ud83d\ude00 then lone \ud83d""#,
];

/// Whether `text` still holds an HTML tag that opens a script, in any letter case.
pub fn has_script_tag(text: &str) -> bool {
    text.to_ascii_lowercase().contains("<script")
}

/// The `|` of a Markdown line that are cell separators (not escaped with a backslash).
pub fn cell_separators(line: &str) -> usize {
    let mut count = 0;
    let mut escaped = false;
    for c in line.chars() {
        match c {
            '\\' => escaped = !escaped,
            '|' if !escaped => count += 1,
            _ => escaped = false,
        }
        if c != '\\' {
            escaped = false;
        }
    }
    count
}
