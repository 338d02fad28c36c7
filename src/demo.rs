//! The built-in demo: realistic sample data (several apps, pipelines and standalone builds,
//! failures, reruns, a trend between windows) generated deterministically and anchored to a
//! fixed date, so `report --demo` prints the same report every day without a token or network.

use chrono::{DateTime, Utc};

use crate::snapshot::Snapshot;

/// The instant the demo data ends at; `--until` defaults to it for the demo.
pub fn anchor() -> DateTime<Utc> {
    // 2026-11-30T00:00:00Z, a Monday: the demo reads like a report made on a Monday morning.
    DateTime::from_timestamp(1_795_996_800, 0).unwrap_or_default()
}

/// The demo snapshot, in the API's own shapes.
pub fn snapshot() -> Snapshot {
    todo!("demo::snapshot")
}
