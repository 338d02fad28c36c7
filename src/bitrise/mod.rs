//! The Bitrise API: the HTTP client, the wire types (private to this module), paging of the apps
//! and pipelines lists, the connection check, and the decoding of fetched objects into domain
//! types.
//!
//! - `client`: HTTP, retries, the classification of failures into [`ApiError`]s;
//! - `wire`: the API's JSON shapes, decoded tolerantly (private);
//! - `fetch`: paging of the apps and pipelines lists, and the pipeline details;
//! - `check`: the connection check ([`check`], [`CheckReport`]);
//! - `decode`: snapshot objects → domain types ([`decode_snapshot`]).

mod check;
mod client;
mod decode;
mod fetch;
mod wire;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use crate::model::{Dataset, ErrorCode, SkippedApp, Window};
use crate::secret::Secret;
use crate::snapshot::{Snapshot, SnapshotApp};

pub use check::{CheckReport, CheckedApp};
pub use decode::DatasetBuilder;
pub use fetch::Shard;

/// The API base used when none is given.
pub const DEFAULT_API_URL: &str = "https://api.bitrise.io";

/// How to reach the API.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// API base without the `/v0.1` path, e.g. `https://api.bitrise.io`.
    pub api_url: String,
    pub token: Secret,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Most requests in flight at once, across all apps.
    pub concurrency: usize,
    /// Retries after the first attempt for transient failures.
    pub retries: u32,
}

/// An HTTP client for the Bitrise API. Counts the requests it makes. Clones share the
/// connection pool, the bound on requests in flight and the counter.
#[derive(Clone)]
pub struct Client {
    inner: Arc<client::Inner>,
}

impl Client {
    /// Sets up the client; fails (as an `api_error`) only on an unusable API URL or token.
    pub fn new(options: ClientOptions) -> Result<Client, ApiError> {
        Client::build(options)
    }

    /// HTTP requests made so far (retries included).
    pub fn requests(&self) -> u64 {
        self.inner.requests.load(Ordering::Relaxed)
    }

    /// The API base, without a trailing `/`.
    pub fn api_url(&self) -> &str {
        &self.inner.api_url
    }
}

// Written by hand so that nothing about the token or the headers can ever be printed.
impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("api_url", &self.inner.api_url)
            .field("retries", &self.inner.retries)
            .field("requests", &self.requests())
            .finish_non_exhaustive()
    }
}

/// A failed API call.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

/// What to fetch.
#[derive(Debug, Clone)]
pub struct FetchPlan {
    /// Apps named with `--app`; empty means every non-disabled app the token sees.
    pub apps: Vec<String>,
    /// Read runs triggered in this span (the report window and the previous window).
    pub span: Window,
    /// Also read the detail (attempts, workflows) of every pipeline run triggered in `span`.
    pub details: bool,
}

/// What a fetch read: the apps with their raw objects (and pipeline details), the apps it could
/// not read, and notes on what it read only in part.
#[derive(Debug, Clone, Default)]
pub struct FetchOutcome {
    pub apps: Vec<SnapshotApp>,
    pub skipped_apps: Vec<SkippedApp>,
    /// One note per app whose pipeline details could not all be read, naming how many.
    pub warnings: Vec<String>,
    /// How many apps were chosen for reading (after `--app` and `--shard`), read or skipped.
    pub apps_chosen: usize,
}

/// Reads the runs of the planned apps, and their pipeline details when planned. Fails as a
/// whole only when the apps cannot be listed (or the token is rejected anywhere); a single
/// unreadable app is listed as skipped, a detail that cannot be read is left out with a warning.
pub async fn fetch(client: &Client, plan: &FetchPlan) -> Result<FetchOutcome, ApiError> {
    fetch::fetch(client, plan, None).await
}

/// [`fetch`] of only the apps of `shard` among those the plan would read (see [`Shard`]).
/// A shard that takes no app is not an error: the outcome holds no app
/// ([`FetchOutcome::apps_chosen`] is 0).
pub async fn fetch_shard(
    client: &Client,
    plan: &FetchPlan,
    shard: Shard,
) -> Result<FetchOutcome, ApiError> {
    fetch::fetch(client, plan, Some(shard)).await
}

/// The seed's connection check: lists apps (all pages), then reads one pipelines page of each
/// app named in `apps` (or of every non-disabled app when none is named). Never fails: every
/// failure is in the report.
pub async fn check(client: &Client, apps: &[String]) -> CheckReport {
    check::check(client, apps).await
}

/// Decodes a snapshot's raw objects into domain types, tolerantly: an item that cannot be
/// decoded is left out with a warning naming the app and the JSON path.
pub fn decode_snapshot(snapshot: &Snapshot) -> Dataset {
    decode::decode_snapshot(snapshot)
}
