//! The built-in demo: realistic sample data (several apps, pipelines and standalone builds,
//! failures, reruns, a trend between windows) generated deterministically and anchored to a
//! fixed date, so `report --demo` prints the same report every day without a token or network.
//!
//! The data is a [`Snapshot`] in the API's own shapes, decoded later by the same code as a
//! snapshot written by `fetch`. [`traffic`] decides what happens (apps, pipelines, outcomes,
//! times); [`wire`] writes it as the API would, and [`detail`] the pipeline details (attempts,
//! workflows, reruns); [`rng`] supplies the seeded randomness.

mod detail;
mod rng;
mod traffic;
mod wire;

use chrono::{DateTime, TimeDelta, Utc};

use crate::model::{ErrorCode, SkippedApp, Window};
use crate::snapshot::{Snapshot, SnapshotApp, SNAPSHOT_VERSION};

/// The instant the demo data ends at; `--until` defaults to it for the demo.
pub fn anchor() -> DateTime<Utc> {
    // 2026-11-30T00:00:00Z, a Monday: the demo reads like a report made on a Monday morning.
    DateTime::from_timestamp(1_795_996_800, 0).unwrap_or_default()
}

/// The slug of the app the demo token may not read.
const PARTNER_SDK_SLUG: &str = "7e1a93c5b8d02f64";

/// The demo snapshot, in the API's own shapes: 14 days of window and the 14 days before it, so
/// that `--days 14` has a comparison too.
pub fn snapshot() -> Snapshot {
    let anchor = anchor();
    let window = Window {
        since: anchor - TimeDelta::days(traffic::SPAN_DAYS / 2),
        until: anchor,
    };
    let apps = traffic::APPS
        .iter()
        .map(|app| {
            let mut runs = traffic::runs(app, anchor);
            // Build numbers count up in trigger order; the list returns the newest first.
            runs.sort_by(|a, b| (a.triggered_at, &a.slug).cmp(&(b.triggered_at, &b.slug)));
            let mut items: Vec<_> = (app.first_build_number..)
                .zip(&runs)
                .map(|(number, run)| wire::run_item(app, run, number))
                .collect();
            items.reverse();
            SnapshotApp {
                app: wire::app_object(app),
                runs: items,
                details: detail::details(app, &runs, anchor),
            }
        })
        .collect();
    Snapshot {
        snapshot_version: SNAPSHOT_VERSION,
        fetched_at: anchor,
        api_url: Some("https://api.bitrise.io".to_owned()),
        window,
        previous_window: Some(window.previous()),
        apps,
        skipped_apps: vec![SkippedApp {
            slug: PARTNER_SDK_SLUG.to_owned(),
            title: Some("Larkspur Partner SDK".to_owned()),
            error: ErrorCode::InvalidPermissions,
            message: format!(
                "GET /v0.1/apps/{PARTNER_SDK_SLUG}/pipelines: HTTP 403: You do not have \
                 permission to access this app — give the token's workspace role Viewer and \
                 product access to this app"
            ),
        }],
        details_fetched: true,
        warnings: Vec::new(),
    }
}

#[cfg(test)]
mod tests;
