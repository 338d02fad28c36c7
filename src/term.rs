//! The terminal side of stderr: whether to colour the `error:`/`warning:` prefixes
//! (`--color`, `NO_COLOR`), and the hint that ends an error message, telling how to fix it.

use std::io::IsTerminal;

use clap::ValueEnum;

use crate::error::Error;
use crate::model::ErrorCode;

/// `--color`: when to colour the prefixes on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ColorMode {
    /// When stderr is a terminal and NO_COLOR is not set.
    #[default]
    Auto,
    /// Always, whatever NO_COLOR says.
    Always,
    /// Never.
    Never,
}

/// How stderr is written: coloured or not, a terminal (progress redrawn in place) or a log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stderr {
    pub color: bool,
    pub terminal: bool,
}

impl Stderr {
    /// Looks at the real stderr and the environment.
    pub fn detect(mode: Option<ColorMode>) -> Stderr {
        let terminal = std::io::stderr().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Stderr {
            color: use_color(mode, no_color, terminal),
            terminal,
        }
    }

    /// `error: ` in bold red when coloured.
    pub fn error_prefix(&self) -> &'static str {
        if self.color {
            "\x1b[1;31merror:\x1b[0m "
        } else {
            "error: "
        }
    }

    /// `warning: ` in bold yellow when coloured.
    pub fn warning_prefix(&self) -> &'static str {
        if self.color {
            "\x1b[1;33mwarning:\x1b[0m "
        } else {
            "warning: "
        }
    }

    /// `hint: ` in bold cyan when coloured.
    pub fn hint_prefix(&self) -> &'static str {
        if self.color {
            "\x1b[1;36mhint:\x1b[0m "
        } else {
            "hint: "
        }
    }
}

/// An explicit `--color` wins over `NO_COLOR` (https://no-color.org: "user-level configuration
/// … should override"); `auto` colours only a terminal, and only without `NO_COLOR`.
pub fn use_color(mode: Option<ColorMode>, no_color: bool, terminal: bool) -> bool {
    match mode.unwrap_or_default() {
        ColorMode::Always => true,
        ColorMode::Never => false,
        ColorMode::Auto => terminal && !no_color,
    }
}

/// A next step after an error whose message already says what went wrong: how to test a token,
/// where the network settings are. `None` when the message itself tells the fix (configuration
/// errors name the flag, file and line; the API's 401 and 403 name the role to give).
pub fn hint(error: &Error) -> Option<&'static str> {
    let Error::Api(api) = error else {
        return None;
    };
    match api.code {
        ErrorCode::InvalidCredentials => Some(
            "`ci-vitals check` tests a token; BITRISE_TOKEN holds the token alone (no `token ` or \
             `Bearer ` before it), from Workspace settings → API tokens",
        ),
        ErrorCode::InvalidPermissions => Some(
            "`ci-vitals check` lists the apps the token can read; leave the others out with --app",
        ),
        ErrorCode::NetworkError => Some(
            "is the API reachable from here? HTTPS_PROXY sets a proxy; --timeout and --retries \
             give a slow network more time",
        ),
        ErrorCode::NoResources | ErrorCode::DecodeError | ErrorCode::ApiError => None,
    }
}

/// Prints `error` on stderr, with its hint, and returns its exit code.
pub fn report_error(stderr: Stderr, error: &Error) -> i32 {
    eprintln!("{}{error}", stderr.error_prefix());
    if let Some(hint) = hint(error) {
        eprintln!("{}{hint}", stderr.hint_prefix());
    }
    error.exit_code()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_explicit_flag_beats_no_color_and_auto_needs_a_terminal() {
        // (mode, NO_COLOR set, terminal) → coloured
        let cases = [
            (None, false, true, true),
            (None, true, true, false),
            (None, false, false, false),
            (Some(ColorMode::Always), true, false, true),
            (Some(ColorMode::Never), false, true, false),
            (Some(ColorMode::Auto), true, true, false),
        ];
        for (mode, no_color, terminal, expected) in cases {
            assert_eq!(
                use_color(mode, no_color, terminal),
                expected,
                "{mode:?} NO_COLOR={no_color} terminal={terminal}"
            );
        }
    }

    #[test]
    fn connection_failures_carry_a_hint_and_others_do_not() {
        use crate::bitrise::ApiError;
        let api = |code| {
            Error::Api(ApiError {
                code,
                message: "GET /v0.1/apps: failed".to_owned(),
            })
        };
        assert!(hint(&api(ErrorCode::InvalidCredentials)).is_some_and(|h| h.contains("check")));
        assert!(hint(&api(ErrorCode::NetworkError)).is_some_and(|h| h.contains("HTTPS_PROXY")));
        assert_eq!(hint(&api(ErrorCode::DecodeError)), None);
        assert_eq!(hint(&Error::Config("--days 0".to_owned())), None);
        let styled = Stderr {
            color: true,
            terminal: true,
        };
        assert!(styled.error_prefix().starts_with("\x1b["));
        assert_eq!(Stderr::default().warning_prefix(), "warning: ");
    }
}
