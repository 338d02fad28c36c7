//! Escaping of untrusted text (app titles, pipeline names, branches, skipped-app messages,
//! warnings) for the human formats. JSON keeps such text verbatim; Markdown and HTML must show it
//! as plain text without letting it form syntax, mention people, link issues, or reorder the
//! surrounding text with bidirectional controls.

use std::borrow::Cow;

/// The zero-width space put after `@` and `#`: on GitHub neither a backslash nor an HTML entity
/// stops a mention or an issue reference, but a character between the sigil and the name does.
const ZERO_WIDTH_SPACE: char = '\u{200B}';

/// Characters that can reorder the text around them (the "Trojan Source" controls).
fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
    )
}

/// Removes bidirectional control characters; borrows when there are none.
pub fn strip_bidi(text: &str) -> Cow<'_, str> {
    if text.chars().any(is_bidi_control) {
        Cow::Owned(text.chars().filter(|&c| !is_bidi_control(c)).collect())
    } else {
        Cow::Borrowed(text)
    }
}

/// Punctuation that forms inline Markdown syntax wherever it stands (emphasis, code spans, links,
/// raw HTML and comments, tables, strikethrough, images, entities, escapes).
fn is_inline_markdown(c: char) -> bool {
    matches!(
        c,
        '\\' | '`' | '*' | '_' | '{' | '}' | '[' | ']' | '<' | '>' | '|' | '~' | '!' | '&'
    )
}

/// Punctuation that forms block syntax only at the start of a line (list items, thematic breaks,
/// setext underlines) and only when followed by a space, the end, or more of the same: `- x`,
/// `---`, `==`. `#` needs no backslash: the zero-width space put after it already keeps it from
/// opening a heading.
fn is_block_start_markdown(c: char) -> bool {
    matches!(c, '+' | '-' | '=')
}

/// Whether `next` lets the character before it open a block: end of text, a space, or a
/// repetition (`---`, `==`).
fn opens_block(c: char, next: Option<char>) -> bool {
    next.is_none_or(|n| n.is_whitespace() || n == c)
}

/// Escapes text for Markdown (GitHub Flavored, as in pull-request comments and job summaries):
/// the result renders as the same visible characters, on one line, without forming any syntax,
/// mention, issue reference or link.
pub fn markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    // Whether nothing but spaces has been written yet: block syntax can only start there.
    let mut at_start = true;
    // Digits at the start followed by `.` or `)` and a space would begin an ordered list.
    let mut leading_digits = true;
    let mut chars = text
        .chars()
        .filter(|&c| !is_bidi_control(c))
        // One line only: a newline would end a table row or start a new block.
        .map(|c| if c.is_control() { ' ' } else { c })
        .peekable();
    while let Some(c) = chars.next() {
        if c == ' ' && at_start {
            out.push(c);
            continue;
        }
        let next = chars.peek().copied();
        let starts_block = at_start && is_block_start_markdown(c) && opens_block(c, next);
        let ends_list_number = leading_digits
            && !at_start
            && matches!(c, '.' | ')')
            && next.is_none_or(char::is_whitespace);
        if is_inline_markdown(c) || starts_block || ends_list_number {
            out.push('\\');
        }
        // GitHub links bare `http://…` and `www.…`; a zero-width space keeps them plain text.
        let after_www = out
            .get(out.len().saturating_sub(3)..)
            .is_some_and(|tail| tail.eq_ignore_ascii_case("www"));
        if c == '.' && after_www {
            out.push(ZERO_WIDTH_SPACE);
        }
        out.push(c);
        if c == '@' || c == '#' || (c == ':' && next == Some('/')) {
            out.push(ZERO_WIDTH_SPACE);
        }
        leading_digits = leading_digits && c.is_ascii_digit();
        at_start = false;
    }
    out
}

/// Escapes text for HTML written by hand inside Markdown (a `<summary>` line), where Markdown
/// backslash escapes are not interpreted: HTML entities, one line, no mentions.
pub fn html_in_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    for c in strip_bidi(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '@' | '#' => {
                out.push(c);
                out.push(ZERO_WIDTH_SPACE);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Shortens text longer than `max` characters to `max - 1` characters and an ellipsis, so that
/// one long name cannot stretch a table; the full text stays available (HTML `title`, JSON).
pub fn truncate(text: &str, max: usize) -> Cow<'_, str> {
    if text.chars().count() <= max {
        return Cow::Borrowed(text);
    }
    let mut short: String = text.chars().take(max.saturating_sub(1)).collect();
    short.push('…');
    Cow::Owned(short)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ZW: &str = "\u{200B}";

    #[test]
    fn markdown_escapes_the_hostile_set() {
        let cases: &[(&str, String)] = &[
            (
                "<script>alert(1)</script>",
                r"\<script\>alert(1)\</script\>".to_owned(),
            ),
            // `<` and `>` escaped, so neither a comment opener nor closer survives.
            ("<!-- x -->", r"\<\!-- x --\>".to_owned()),
            ("a|b", r"a\|b".to_owned()),
            ("`code`", r"\`code\`".to_owned()),
            ("@octocat", format!("@{ZW}octocat")),
            ("@org/team", format!("@{ZW}org/team")),
            // The zero-width space breaks the reference and, at the start, a heading.
            ("#123", format!("#{ZW}123")),
            ("# title", format!("#{ZW} title")),
            ("see #123", format!("see #{ZW}123")),
            ("\u{202E}evil", "evil".to_owned()),
            ("**bold**", r"\*\*bold\*\*".to_owned()),
            ("[link](http://x)", format!(r"\[link\](http:{ZW}//x)")),
            ("see www.example.org", format!("see www{ZW}.example.org")),
            // Multi-byte text before a dot must not split a character.
            ("€€.", "€€.".to_owned()),
            ("back\\slash", r"back\\slash".to_owned()),
            ("_under_ ~strike~", r"\_under\_ \~strike\~".to_owned()),
            ("&#x202E;", format!(r"\&#{ZW}x202E;")),
        ];
        for (input, expected) in cases {
            assert_eq!(&markdown(input), expected, "input {input:?}");
        }
    }

    #[test]
    fn markdown_escapes_block_syntax_only_at_the_start() {
        assert_eq!(markdown("- item"), r"\- item");
        assert_eq!(markdown("  + item"), r"  \+ item");
        assert_eq!(markdown("---"), r"\---");
        assert_eq!(markdown("=== x"), r"\=== x");
        assert_eq!(markdown("-"), r"\-");
        assert_eq!(markdown("12. item"), r"12\. item");
        assert_eq!(markdown("3)"), r"3\)");
        // Signed numbers and decimals cannot open a block.
        assert_eq!(markdown("+3"), "+3");
        assert_eq!(markdown("-3"), "-3");
        assert_eq!(markdown("10.6/day"), "10.6/day");
        assert_eq!(markdown("feature-x 1.2"), "feature-x 1.2");
        assert_eq!(markdown("a - b"), "a - b");
    }

    #[test]
    fn markdown_keeps_text_on_one_line() {
        assert_eq!(markdown("a\nb\tc\r\nd"), "a b c  d");
    }

    #[test]
    fn markdown_removes_every_bidi_control() {
        let controls = [
            '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}',
            '\u{2068}', '\u{2069}', '\u{200E}', '\u{200F}', '\u{061C}',
        ];
        for c in controls {
            assert_eq!(
                markdown(&format!("a{c}b")),
                "ab",
                "control U+{:04X}",
                c as u32
            );
            assert_eq!(strip_bidi(&format!("a{c}b")), "ab");
        }
        assert!(matches!(strip_bidi("plain"), Cow::Borrowed("plain")));
    }

    #[test]
    fn markdown_of_a_long_name_has_no_newline_and_keeps_length() {
        let name = "n".repeat(500);
        assert_eq!(markdown(&name), name);
    }

    #[test]
    fn html_in_markdown_uses_entities_and_breaks_mentions() {
        assert_eq!(
            html_in_markdown("<b>\"x\" & 'y' @me #1\n\u{202E}"),
            format!("&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39; @{ZW}me #{ZW}1 ")
        );
    }

    #[test]
    fn truncate_counts_characters() {
        assert_eq!(truncate("abcdef", 6), "abcdef");
        // 6 characters over a limit of 4: 3 kept plus the ellipsis.
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("ééééé", 3), "éé…");
    }
}
