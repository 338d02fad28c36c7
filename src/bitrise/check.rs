//! The seed's connection check: can the token list apps, and read the pipelines of every app
//! the reporter would read? Reports the three seed codes (`invalid_credentials`,
//! `invalid_permissions`, `no_resources`) plus `network_error`/`api_error`/`decode_error` for
//! the rest, with how to fix it and the curl commands to reproduce it by hand.

use std::fmt::Write as _;

use serde::Serialize;

use super::client::{Resource, HINT_CREDENTIALS};
use super::fetch::{for_each_app, list_apps, no_resources, select_apps};
use super::{ApiError, Client};
use crate::model::ErrorCode;

/// The outcome of `ci-vitals check`; serialized as the `--format json` output.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckReport {
    pub ok: bool,
    /// The first failure's code, by severity: credentials, then permissions, then resources.
    pub error: Option<ErrorCode>,
    /// One sentence saying what went right or what failed first.
    pub message: String,
    pub apps: Vec<CheckedApp>,
}

/// One app the check tried to read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckedApp {
    pub slug: String,
    pub title: Option<String>,
    pub pipelines_readable: bool,
    pub error: Option<ErrorCode>,
}

/// The order in which failures decide the report's `error`: the one a user must fix first.
fn severity(code: ErrorCode) -> u8 {
    match code {
        ErrorCode::InvalidCredentials => 0,
        ErrorCode::InvalidPermissions => 1,
        ErrorCode::NoResources => 2,
        ErrorCode::NetworkError => 3,
        ErrorCode::ApiError => 4,
        ErrorCode::DecodeError => 5,
    }
}

impl CheckReport {
    fn failed(error: ApiError, apps: Vec<CheckedApp>) -> CheckReport {
        CheckReport {
            ok: false,
            error: Some(error.code),
            message: error.message,
            apps,
        }
    }

    /// The process exit code: 0 when the connection is healthy, else the code's own.
    pub fn exit_code(&self) -> i32 {
        match (self.ok, self.error) {
            (true, _) => 0,
            (false, Some(code)) => crate::error::exit_code_for(code),
            (false, None) => crate::error::exit_code_for(ErrorCode::ApiError),
        }
    }

    /// The `--format text` output: per-app lines, what failed and how to fix it, and the curl
    /// commands to reproduce the check by hand (with `TOKEN` standing in for the token).
    pub fn render_text(&self, api_url: &str) -> String {
        let api_url = api_url.trim_end_matches('/');
        let mut out = String::new();
        for app in &self.apps {
            let title = app.title.as_deref().unwrap_or("");
            let status = match app.error {
                None => "ok".to_owned(),
                Some(code) => format!("failed ({code})"),
            };
            let _ = writeln!(out, "{status}  {}  {title}", app.slug);
        }
        let Some(code) = self.error.filter(|_| !self.ok) else {
            let _ = writeln!(out, "connection ok: {} ({api_url})", self.message);
            return out;
        };
        let failing = self.apps.iter().find(|a| a.error == Some(code));
        let _ = writeln!(out, "connection failed: {code}: {}", self.message);
        let fix = match (code, failing) {
            (ErrorCode::InvalidCredentials, _) => format!(
                "{HINT_CREDENTIALS}, and pass it as --token or BITRISE_TOKEN \
                 (a new token is needed when this one expired or was revoked)"
            ),
            (ErrorCode::InvalidPermissions, Some(app)) => format!(
                "give the token's workspace role Viewer and product access to app {}{}",
                app.slug,
                app.title
                    .as_deref()
                    .map(|t| format!(" ({t})"))
                    .unwrap_or_default()
            ),
            (ErrorCode::InvalidPermissions, None) => {
                "give the token's workspace role Viewer and product access to the app".to_owned()
            }
            (ErrorCode::NoResources, _) => "give the token's workspace role Viewer and product \
                 access to the apps to read, or name an app with --app"
                .to_owned(),
            (ErrorCode::NetworkError, _) => {
                format!("check the network and the API URL ({api_url}), then try again")
            }
            (ErrorCode::ApiError | ErrorCode::DecodeError, _) => format!(
                "the API answered unexpectedly: check the API URL ({api_url}) and try again later"
            ),
        };
        let _ = writeln!(out, "how to fix: {fix}");
        let app_slug = failing.map_or("APP_SLUG", |a| a.slug.as_str());
        let _ = writeln!(out, "reproduce by hand (replace TOKEN with the token):");
        let curl = "curl -H 'Authorization: TOKEN' -H 'Accept: application/json'";
        let _ = writeln!(out, "  {curl} '{api_url}/v0.1/apps?limit=1'");
        let _ = writeln!(
            out,
            "  {curl} '{api_url}/v0.1/apps/{app_slug}/pipelines?limit=1'"
        );
        out
    }
}

/// See [`super::check`].
pub(crate) async fn check(client: &Client, named: &[String]) -> CheckReport {
    let listed = match list_apps(client).await {
        Ok((listed, _unreadable)) => listed,
        Err(e) => return CheckReport::failed(e, Vec::new()),
    };
    if listed.is_empty() && named.is_empty() {
        return CheckReport::failed(no_resources(), Vec::new());
    }
    let chosen = select_apps(&listed, named);
    let results = for_each_app(client, &chosen, |client, app| async move {
        let path = format!("/v0.1/apps/{}/pipelines", app.slug);
        let read = client
            .get_json(
                &path,
                &[("limit", "1")],
                Resource::Pipelines { app: &app.slug },
            )
            .await;
        // Never an `Err` here, so that a rejected token is reported per app too.
        Ok(read.err())
    })
    .await;
    let results = match results {
        Ok(results) => results,
        Err(e) => return CheckReport::failed(e, Vec::new()),
    };
    let mut apps = Vec::with_capacity(chosen.len());
    let mut first_failure: Option<ApiError> = None;
    for (app, result) in chosen.into_iter().zip(results) {
        let failure = match result {
            Ok(failure) => failure,
            Err(e) => Some(e),
        };
        apps.push(CheckedApp {
            slug: app.slug,
            title: app.title,
            pipelines_readable: failure.is_none(),
            error: failure.as_ref().map(|e| e.code),
        });
        if let Some(e) = failure {
            let worse = first_failure
                .as_ref()
                .is_none_or(|f| severity(e.code) < severity(f.code));
            if worse {
                first_failure = Some(e);
            }
        }
    }
    match first_failure {
        Some(e) => CheckReport::failed(e, apps),
        None => {
            let message = if apps.is_empty() {
                format!(
                    "the token lists {} apps, all disabled: name one with --app to check it",
                    listed.len()
                )
            } else {
                format!(
                    "the token lists apps and reads the pipelines of {} app{}",
                    apps.len(),
                    if apps.len() == 1 { "" } else { "s" }
                )
            };
            CheckReport {
                ok: true,
                error: None,
                message,
                apps,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(slug: &str, error: Option<ErrorCode>) -> CheckedApp {
        CheckedApp {
            slug: slug.to_owned(),
            title: Some(format!("Title {slug}")),
            pipelines_readable: error.is_none(),
            error,
        }
    }

    #[test]
    fn failure_text_names_the_app_the_fix_and_the_curl_commands() {
        let report = CheckReport {
            ok: false,
            error: Some(ErrorCode::InvalidPermissions),
            message: "GET /v0.1/apps/bbbb/pipelines: HTTP 403 Forbidden".to_owned(),
            apps: vec![
                app("aaaa", None),
                app("bbbb", Some(ErrorCode::InvalidPermissions)),
            ],
        };
        let text = report.render_text("http://127.0.0.1:9/");
        assert!(text.contains("ok  aaaa  Title aaaa\n"), "{text}");
        assert!(
            text.contains("failed (invalid_permissions)  bbbb  Title bbbb\n"),
            "{text}"
        );
        assert!(
            text.contains("product access to app bbbb (Title bbbb)"),
            "{text}"
        );
        assert!(text.contains(
            "curl -H 'Authorization: TOKEN' -H 'Accept: application/json' \
             'http://127.0.0.1:9/v0.1/apps?limit=1'"
        ));
        assert!(text.contains("'http://127.0.0.1:9/v0.1/apps/bbbb/pipelines?limit=1'"));
        assert_eq!(report.exit_code(), 6);
    }

    #[test]
    fn credentials_failure_uses_the_placeholder_slug() {
        let report = CheckReport {
            ok: false,
            error: Some(ErrorCode::InvalidCredentials),
            message: "GET /v0.1/apps: HTTP 401 Unauthorized".to_owned(),
            apps: vec![],
        };
        let text = report.render_text("https://api.bitrise.io");
        assert!(
            text.contains("workspace API token with the Viewer role"),
            "{text}"
        );
        assert!(
            text.contains("/v0.1/apps/APP_SLUG/pipelines?limit=1'"),
            "{text}"
        );
        assert_eq!(report.exit_code(), 5);
    }

    #[test]
    fn success_text_lists_each_app() {
        let report = CheckReport {
            ok: true,
            error: None,
            message: "the token lists apps and reads the pipelines of 1 app".to_owned(),
            apps: vec![app("aaaa", None)],
        };
        let text = report.render_text("https://api.bitrise.io");
        assert_eq!(
            text,
            "ok  aaaa  Title aaaa\nconnection ok: the token lists apps and reads the \
             pipelines of 1 app (https://api.bitrise.io)\n"
        );
        assert_eq!(report.exit_code(), 0);
    }

    #[test]
    fn severity_puts_credentials_first() {
        assert!(severity(ErrorCode::InvalidCredentials) < severity(ErrorCode::InvalidPermissions));
        assert!(severity(ErrorCode::InvalidPermissions) < severity(ErrorCode::NoResources));
        assert!(severity(ErrorCode::NoResources) < severity(ErrorCode::NetworkError));
    }
}
