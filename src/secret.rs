//! A secret string (an API token) that never shows itself in `Debug` or `Display` output.

use std::fmt;

/// A token. Read it only with [`Secret::expose`], at the one place it is put in a header.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret value, for the request header that carries it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// The GitHub Actions workflow command that masks `secret` in every later log line, when
/// `in_actions` (the runner runs the tool and the token came from the environment); `None`
/// otherwise, or for an empty secret (masking "" would hide nothing useful). The one place
/// the value is written out on purpose: the runner removes the line itself from the log.
pub fn github_mask_command(secret: &Secret, in_actions: bool) -> Option<String> {
    let value = secret.expose().trim();
    (in_actions && !value.is_empty() && !value.contains(['\r', '\n']))
        .then(|| format!("::add-mask::{value}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mask_command_is_given_only_inside_actions() {
        let s = Secret::new("bitwat_abc");
        assert_eq!(
            github_mask_command(&s, true).as_deref(),
            Some("::add-mask::bitwat_abc")
        );
        assert_eq!(github_mask_command(&s, false), None);
        assert_eq!(github_mask_command(&Secret::new("  "), true), None);
    }

    #[test]
    fn formatting_never_shows_the_value() {
        let s = Secret::new("bitwat_supersecret");
        assert!(!format!("{s:?}").contains("supersecret"));
        assert!(!format!("{s}").contains("supersecret"));
        assert_eq!(s.expose(), "bitwat_supersecret");
    }
}
