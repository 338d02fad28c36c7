//! The Bitrise API: the HTTP client, the wire types (private to this module), paging of the apps
//! and pipelines lists, the connection check, and the decoding of fetched objects into domain
//! types.
//!
//! - `client`: HTTP, retries, the classification of failures into [`ApiError`]s;
//! - `limit`: the adaptive bound on requests in flight (halves on 429, recovers gradually) and
//!   the `--max-rps` pacer;
//! - `wire`: the API's JSON shapes, decoded tolerantly (private);
//! - `fetch`: paging of the apps and pipelines lists, and the pipeline details;
//! - `cache`: the fetch cache of `--cache-dir` (finished runs and details kept per app);
//! - `check`: the connection check ([`check`], [`CheckReport`]);
//! - `decode`: snapshot objects → domain types ([`decode_snapshot`]).

mod cache;
mod check;
mod client;
mod decode;
mod fetch;
mod limit;
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

/// How long reading one app (its runs and their details, retries included) may take in all
/// before the app is given up and listed as skipped, unless [`Client::with_app_deadline`] says
/// otherwise: per-request timeouts alone would let a slow server stretch an app without bound.
pub const DEFAULT_APP_DEADLINE: Duration = Duration::from_secs(300);

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
    /// Most requests started per second; `None`: no pacing.
    pub max_rps: Option<u32>,
    /// Retries after the first attempt for transient failures.
    pub retries: u32,
}

/// An HTTP client for the Bitrise API. Counts the requests it makes. Clones share the
/// connection pool, the bound on requests in flight and the counter.
#[derive(Clone)]
pub struct Client {
    inner: Arc<client::Inner>,
    /// The total time one app may take; see [`DEFAULT_APP_DEADLINE`].
    app_deadline: Duration,
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

    /// The same client, giving each app at most `deadline` in all (see
    /// [`DEFAULT_APP_DEADLINE`]).
    pub fn with_app_deadline(mut self, deadline: Duration) -> Client {
        self.app_deadline = deadline;
        self
    }

    /// The total time one app may take.
    pub fn app_deadline(&self) -> Duration {
        self.app_deadline
    }

    /// Request slots free right now: `concurrency` less the requests in flight (for progress).
    pub fn free_slots(&self) -> usize {
        self.inner.permits.free_of_max()
    }
}

// Written by hand so that nothing about the token or the headers can ever be printed.
impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("api_url", &self.inner.api_url)
            .field("retries", &self.inner.retries)
            .field("app_deadline", &self.app_deadline)
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
    /// Keep finished runs and pipeline details here between fetches (`--cache-dir`), and read
    /// only what changed since; `None`: read everything.
    pub cache_dir: Option<std::path::PathBuf>,
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
    /// Notes on the cache (a file ignored and rebuilt, a file that could not be written): for
    /// the log only, since they say nothing about the runs.
    pub cache_notes: Vec<String>,
}

/// What a fetch has done so far, told to a [`FetchObserver`] as it happens (for progress).
#[derive(Debug, Clone, Copy)]
pub enum FetchEvent<'a> {
    /// The apps list was read: `apps` will be read.
    AppsChosen { apps: usize },
    /// A page of an app's pipelines list was read, holding `items` runs.
    PageRead { app: &'a str, items: usize },
    /// An app was read (`Ok`: its runs and pipeline details) or skipped (`Err`: why).
    AppDone {
        app: &'a str,
        outcome: Result<(usize, usize), &'a ApiError>,
    },
}

/// Watches a fetch; called from the fetch's tasks, so it must be cheap and thread-safe.
pub trait FetchObserver: Send + Sync {
    fn event(&self, event: FetchEvent<'_>);
}

/// The observer of a fetch nobody watches.
#[derive(Debug, Clone, Copy, Default)]
pub struct Unobserved;

impl FetchObserver for Unobserved {
    fn event(&self, _: FetchEvent<'_>) {}
}

/// Reads the runs of the planned apps, and their pipeline details when planned. Fails as a
/// whole only when the apps cannot be listed (or the token is rejected anywhere); a single
/// unreadable app is listed as skipped, a detail that cannot be read is left out with a warning.
pub async fn fetch(client: &Client, plan: &FetchPlan) -> Result<FetchOutcome, ApiError> {
    fetch::fetch(client, plan, None, Arc::new(Unobserved)).await
}

/// [`fetch`], telling `observer` about each page and app as it is read; with a `shard`, only
/// the apps of that shard among those the plan would read (see [`Shard`]). A shard that takes
/// no app is not an error: the outcome holds no app ([`FetchOutcome::apps_chosen`] is 0).
pub async fn fetch_observed(
    client: &Client,
    plan: &FetchPlan,
    shard: Option<Shard>,
    observer: Arc<dyn FetchObserver>,
) -> Result<FetchOutcome, ApiError> {
    fetch::fetch(client, plan, shard, observer).await
}

/// [`fetch`] of only the apps of `shard` among those the plan would read (see [`Shard`]).
pub async fn fetch_shard(
    client: &Client,
    plan: &FetchPlan,
    shard: Shard,
) -> Result<FetchOutcome, ApiError> {
    fetch::fetch(client, plan, Some(shard), Arc::new(Unobserved)).await
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
