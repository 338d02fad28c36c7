//! Paging: the apps list (cursor `next`) and each app's pipelines list (cursor `before`, newest
//! first), read concurrently across apps. Cursors are never trusted to terminate on their own:
//! a cursor that repeats, or does not move back in time, ends the read with an error.
//!
//! After an app's runs are listed, the details of its pipeline runs in the span are read
//! concurrently (bounded, like every request, by the client's semaphore). A detail that cannot
//! be read is counted, not fatal; a rejected token still fails everything.
//!
//! With a cache (`--cache-dir`, see `cache`), an app's paging stops at the first page that
//! reaches the runs the cache holds, and details it holds are not asked for again. The apps
//! then start in descending order of the runs their cache holds: the biggest apps have the
//! longest chains of requests, and started last they would finish last, after the others.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use serde_json::{json, Map, Value};
use tokio::task::JoinSet;

use super::cache::{AppCache, CacheDir};
use super::client::Resource;
use super::wire::{self, ListPage, WireApp};
use super::{ApiError, Client, FetchEvent, FetchObserver, FetchOutcome, FetchPlan};
use crate::model::{ErrorCode, SkippedApp, Window};
use crate::snapshot::SnapshotApp;

/// Items per page: the most both lists allow.
const PAGE_LIMIT: &str = "50";

/// An app chosen for reading: its raw object and the fields the reader needs.
#[derive(Debug, Clone)]
pub(crate) struct ListedApp {
    pub object: Value,
    pub slug: String,
    pub title: Option<String>,
    pub is_disabled: bool,
}

impl ListedApp {
    /// An app named by the user that the apps list did not show: it is still tried.
    fn named_only(slug: &str) -> ListedApp {
        ListedApp {
            object: json!({ "slug": slug }),
            slug: slug.to_owned(),
            title: None,
            is_disabled: false,
        }
    }
}

/// Every app the token sees, across all pages, deduplicated by slug, in listing order. App
/// objects without a usable slug cannot be read and come back as skipped.
pub(crate) async fn list_apps(
    client: &Client,
) -> Result<(Vec<ListedApp>, Vec<SkippedApp>), ApiError> {
    const PATH: &str = "/v0.1/apps";
    let mut apps = Vec::new();
    let mut skipped = Vec::new();
    let mut seen_slugs = HashSet::new();
    let mut seen_cursors = HashSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut query = vec![("limit", PAGE_LIMIT)];
        if let Some(next) = &cursor {
            query.push(("next", next.as_str()));
        }
        let value = client.get_json(PATH, &query, Resource::Apps).await?;
        let page: ListPage = wire::decode(&value).map_err(|e| ApiError {
            code: ErrorCode::DecodeError,
            message: format!("GET {PATH}: unexpected response: {e}"),
        })?;
        for (index, object) in page.data.iter().enumerate() {
            match wire::decode::<WireApp>(object) {
                Ok(app) => {
                    if seen_slugs.insert(app.slug.clone()) {
                        apps.push(ListedApp {
                            object: object.clone(),
                            slug: app.slug,
                            title: app.title,
                            is_disabled: app.is_disabled.unwrap_or(false),
                        });
                    }
                }
                Err(e) => skipped.push(SkippedApp {
                    slug: format!("(apps list item {index})"),
                    title: None,
                    error: ErrorCode::DecodeError,
                    message: format!("GET {PATH}: data[{index}] left out: {e}"),
                }),
            }
        }
        match page.next() {
            None => return Ok((apps, skipped)),
            Some(next) => {
                if !seen_cursors.insert(next.to_owned()) {
                    return Err(ApiError {
                        code: ErrorCode::ApiError,
                        message: format!(
                            "GET {PATH}: the paging cursor {next:?} repeated; stopped to avoid \
                             an endless loop"
                        ),
                    });
                }
                cursor = Some(next.to_owned());
            }
        }
    }
}

/// The apps to read: the named ones (in the order given, without repeats, tried even when the
/// list does not show them), or else every app that is not disabled.
pub(crate) fn select_apps(listed: &[ListedApp], named: &[String]) -> Vec<ListedApp> {
    if named.is_empty() {
        return listed.iter().filter(|a| !a.is_disabled).cloned().collect();
    }
    let mut seen = HashSet::new();
    named
        .iter()
        .filter(|slug| seen.insert(slug.as_str()))
        .map(|slug| {
            listed
                .iter()
                .find(|a| &a.slug == slug)
                .cloned()
                .unwrap_or_else(|| ListedApp::named_only(slug))
        })
        .collect()
}

/// The error of a token that sees nothing to read.
pub(crate) fn no_resources() -> ApiError {
    ApiError {
        code: ErrorCode::NoResources,
        message: "the token sees no apps: GET /v0.1/apps returned none; give the token's \
                  workspace role Viewer and product access to the apps, or name apps with --app"
            .to_owned(),
    }
}

/// Runs `read` for every app concurrently (the client's semaphore bounds the requests in
/// flight) and returns the results in the apps' order. Each app gets at most the client's app
/// deadline in all: past it, its requests are dropped and it fails with a `network_error`
/// naming the deadline, so a server that answers too slowly (or a retry storm) cannot hold the
/// run. Stops early, aborting the rest, when a result is an `InvalidCredentials` error: a
/// rejected token fails everything.
pub(crate) async fn for_each_app<T, F, Fut>(
    client: &Client,
    apps: &[ListedApp],
    read: F,
) -> Result<Vec<Result<T, ApiError>>, ApiError>
where
    T: Send + 'static,
    F: Fn(Client, ListedApp) -> Fut,
    Fut: Future<Output = Result<T, ApiError>> + Send + 'static,
{
    let listed_order: Vec<usize> = (0..apps.len()).collect();
    for_each_app_in_order(client, apps, &listed_order, read).await
}

/// [`for_each_app`], starting the apps in `start` order (a permutation of the apps' indices:
/// the semaphore serves waiting requests first come, first served, so the apps started first
/// get the first slots); the results are still in the apps' order.
async fn for_each_app_in_order<T, F, Fut>(
    client: &Client,
    apps: &[ListedApp],
    start: &[usize],
    read: F,
) -> Result<Vec<Result<T, ApiError>>, ApiError>
where
    T: Send + 'static,
    F: Fn(Client, ListedApp) -> Fut,
    Fut: Future<Output = Result<T, ApiError>> + Send + 'static,
{
    debug_assert!(
        {
            let mut sorted = start.to_vec();
            sorted.sort_unstable();
            sorted.into_iter().eq(0..apps.len())
        },
        "start order is not a permutation of the apps"
    );
    let deadline = client.app_deadline();
    let mut spawned: Vec<_> = start
        .iter()
        .filter_map(|&index| Some((index, apps.get(index)?)))
        .map(|(index, app)| {
            let slug = app.slug.clone();
            let work = read(client.clone(), app.clone());
            let handle = tokio::spawn(async move {
                tokio::time::timeout(deadline, work)
                    .await
                    .unwrap_or_else(|_| Err(past_deadline(&slug, deadline)))
            });
            (index, handle)
        })
        .collect();
    spawned.sort_by_key(|(index, _)| *index);
    let mut handles: Vec<_> = spawned.into_iter().map(|(_, handle)| handle).collect();
    let mut results = Vec::with_capacity(handles.len());
    let mut rejected = None;
    for (index, handle) in handles.iter_mut().enumerate() {
        let result = match handle.await {
            Ok(result) => result,
            Err(join_error) => Err(ApiError {
                code: ErrorCode::ApiError,
                message: format!("reading app {} stopped: {join_error}", apps[index].slug),
            }),
        };
        match result {
            Err(e) if e.code == ErrorCode::InvalidCredentials => {
                rejected = Some(e);
                break;
            }
            other => results.push(other),
        }
    }
    if let Some(e) = rejected {
        handles.iter().for_each(|h| h.abort());
        return Err(e);
    }
    Ok(results)
}

/// The failure of an app not read within the app deadline.
fn past_deadline(slug: &str, deadline: std::time::Duration) -> ApiError {
    ApiError {
        code: ErrorCode::NetworkError,
        message: format!(
            "reading app {slug} stopped at the deadline of {} s (--app-deadline): the API \
             answered too slowly or kept failing",
            deadline.as_secs_f64()
        ),
    }
}

/// A stable share of the apps for one job of a CI matrix: `fetch --shard K/N`.
///
/// An app belongs to shard `K` of `N` when `floor(h × N / 2^64) = K - 1`, `h` being the FNV-1a
/// 64-bit hash of its slug (the UTF-8 bytes): the hash's range cut into `N` equal parts. The
/// high bits are used rather than `h mod N` because FNV-1a's low bits mix poorly (the low two
/// bits of `h` depend only on the low two bits of each byte, so slugs with a pattern would
/// all land in one shard of 4). The share depends on the slug alone, so an app stays in the
/// same shard whatever the order or the length of the apps list, and the `N` shards of a
/// matrix together take every app exactly once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1-based: `1 <= index <= count`.
    index: u32,
    count: u32,
}

impl Shard {
    /// Shard `index` (1-based) of `count`; `None` unless `1 <= index <= count`.
    pub fn new(index: u32, count: u32) -> Option<Shard> {
        (index >= 1 && index <= count).then_some(Shard { index, count })
    }

    /// The 1-based number of this shard.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// How many shards there are.
    pub fn count(&self) -> u32 {
        self.count
    }

    /// Whether the app with this slug is read by this shard.
    pub fn takes(&self, slug: &str) -> bool {
        let part = (u128::from(fnv1a_64(slug.as_bytes())) * u128::from(self.count)) >> 64;
        part == u128::from(self.index - 1)
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl std::str::FromStr for Shard {
    type Err = String;

    /// Parses `K/N`, e.g. `2/4`.
    fn from_str(text: &str) -> Result<Shard, String> {
        let invalid = || format!("{text:?}: expected K/N with 1 <= K <= N, e.g. 2/4");
        let (k, n) = text.split_once('/').ok_or_else(invalid)?;
        let k: u32 = k.trim().parse().map_err(|_| invalid())?;
        let n: u32 = n.trim().parse().map_err(|_| invalid())?;
        Shard::new(k, n).ok_or_else(invalid)
    }
}

/// FNV-1a, 64 bits: offset basis 0xcbf29ce484222325, prime 0x100000001b3.
fn fnv1a_64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// See [`super::fetch`] and [`super::fetch_shard`].
pub(crate) async fn fetch(
    client: &Client,
    plan: &FetchPlan,
    shard: Option<Shard>,
    observer: Arc<dyn FetchObserver>,
) -> Result<FetchOutcome, ApiError> {
    let (listed, mut skipped_apps) = list_apps(client).await?;
    if listed.is_empty() && plan.apps.is_empty() {
        return Err(no_resources());
    }
    let mut chosen = select_apps(&listed, &plan.apps);
    if let Some(shard) = shard {
        chosen.retain(|app| shard.takes(&app.slug));
    }
    observer.event(FetchEvent::AppsChosen { apps: chosen.len() });
    let span = plan.span;
    let with_details = plan.details;
    let cache_dir = plan
        .cache_dir
        .as_deref()
        .map(|dir| CacheDir::new(dir, client.api_url()));
    // The caches are read before any app starts, to know which apps are the biggest.
    let loaded: Vec<Option<LoadedCache>> = chosen
        .iter()
        .map(|app| {
            cache_dir.as_ref().map(|dir| {
                let (cache, note) = dir.load(&app.slug);
                LoadedCache {
                    dir: dir.clone(),
                    cache,
                    note,
                }
            })
        })
        .collect();
    let start = start_order(
        &loaded
            .iter()
            .map(|l| l.as_ref().map_or(0, |l| l.cache.run_count()))
            .collect::<Vec<_>>(),
    );
    // Each app's task takes its own cache out of this map (slugs are unique in `chosen`).
    let loaded: Arc<Mutex<HashMap<String, LoadedCache>>> = Arc::new(Mutex::new(
        chosen
            .iter()
            .zip(loaded)
            .filter_map(|(app, l)| Some((app.slug.clone(), l?)))
            .collect(),
    ));
    let results = for_each_app_in_order(client, &chosen, &start, move |client, app| {
        let observer = Arc::clone(&observer);
        let cache = loaded
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&app.slug);
        async move {
            let read = read_app(&client, &app.slug, span, with_details, cache, &*observer).await;
            observer.event(FetchEvent::AppDone {
                app: &app.slug,
                outcome: match &read {
                    Ok(read) => Ok((read.runs.len(), read.details.read.len())),
                    Err(e) => Err(e),
                },
            });
            read
        }
    })
    .await?;
    let chosen_count = chosen.len();
    let mut outcome = FetchOutcome::default();
    for (app, result) in chosen.into_iter().zip(results) {
        match result {
            Ok(read) => {
                if let Some(note) = read.details.missing_note(&app.slug) {
                    outcome.warnings.push(note);
                }
                outcome.cache_notes.extend(read.cache_notes);
                outcome.apps.push(SnapshotApp {
                    app: app.object,
                    runs: read.runs,
                    details: read.details.read,
                });
            }
            Err(e) => skipped_apps.push(SkippedApp {
                slug: app.slug,
                title: app.title,
                error: e.code,
                message: e.message,
            }),
        }
    }
    outcome.skipped_apps = skipped_apps;
    outcome.apps_chosen = chosen_count;
    Ok(outcome)
}

/// The indices of apps in the order to start them: descending by `cached_runs` (the runs each
/// app's cache holds), ties (all of them without a cache) in the listed order.
fn start_order(cached_runs: &[usize]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..cached_runs.len()).collect();
    // A stable sort keeps the listed order among equals.
    order.sort_by_key(|&index| std::cmp::Reverse(cached_runs[index]));
    order
}

/// One app's cache as read before the fetch, with the directory to write it back to.
struct LoadedCache {
    dir: CacheDir,
    cache: AppCache,
    /// Why the file could not be used, when it could not.
    note: Option<String>,
}

/// What was read of one app.
struct AppRead {
    runs: Vec<Value>,
    details: AppDetails,
    /// Notes on its cache file, for the log.
    cache_notes: Vec<String>,
}

/// Reads one app's runs and, when asked, their details; with a cache, only what the cache
/// does not hold, and the cache is updated afterwards (a failure to write it is a note: the
/// next run reads more, nothing else is lost).
async fn read_app(
    client: &Client,
    app: &str,
    span: Window,
    with_details: bool,
    loaded: Option<LoadedCache>,
    observer: &dyn FetchObserver,
) -> Result<AppRead, ApiError> {
    let mut cache_notes = Vec::new();
    let (cache_dir, cache) = match loaded {
        Some(loaded) => {
            cache_notes.extend(loaded.note);
            (Some(loaded.dir), Some(loaded.cache))
        }
        None => (None, None),
    };
    let listed = read_runs(client, app, span, cache.as_ref(), observer).await?;
    let runs = match (&cache, listed.stopped_at_cache) {
        (Some(cache), true) => cache.merge_runs(listed.runs),
        _ => listed.runs,
    };
    let details = if with_details {
        read_details(client, app, &runs, span, cache.as_ref()).await?
    } else {
        AppDetails::default()
    };
    if let (Some(dir), Some(cache)) = (&cache_dir, &cache) {
        let next = cache.updated(&runs, &details.read, span, listed.stopped_at_cache);
        if let Err(note) = dir.store(app, &next) {
            cache_notes.push(note);
        }
    }
    Ok(AppRead {
        runs,
        details,
        cache_notes,
    })
}

/// The pipeline details read for one app, and those that could not be.
#[derive(Debug, Default)]
pub(crate) struct AppDetails {
    /// Raw details keyed by run slug.
    pub read: Map<String, Value>,
    /// How many were asked for.
    pub wanted: usize,
    /// The failure of each detail that could not be read, in run-slug order.
    pub failures: Vec<(String, ApiError)>,
}

impl AppDetails {
    /// The warning of an app whose details were not all read, naming the count and the first
    /// failure (so the user sees whether it was a 404, a 5xx or a broken body).
    fn missing_note(&self, app: &str) -> Option<String> {
        let (first_run, first_error) = self.failures.first()?;
        let missing = self.failures.len();
        Some(format!(
            "app {app}: {missing} of {} pipeline detail{} could not be read (first, run \
             {first_run}: {}); those runs have no attempts or workflows",
            self.wanted,
            if self.wanted == 1 { "" } else { "s" },
            first_error.message
        ))
    }
}

/// The slugs of the pipeline runs among `items` triggered in `span`, in slug order without
/// repeats: the runs whose details are read.
pub(crate) fn detail_slugs(items: &[Value], span: Window) -> Vec<String> {
    let mut slugs: Vec<String> = items
        .iter()
        .filter(|item| wire::item_is_pipeline(item))
        .filter(|item| wire::item_triggered_at(item).is_some_and(|t| span.contains(t)))
        .filter_map(wire::item_slug)
        .collect();
    slugs.sort();
    slugs.dedup();
    slugs
}

/// Reads the details of the pipeline runs among `items` in `span`, all at once (the client's
/// semaphore bounds what is in flight). Fails only when the token is rejected; any other
/// failure leaves that detail out and is counted.
///
/// With a `cache`, the details it holds (those of finished runs) are taken from it rather than
/// asked for again.
pub(crate) async fn read_details(
    client: &Client,
    app: &str,
    items: &[Value],
    span: Window,
    cache: Option<&AppCache>,
) -> Result<AppDetails, ApiError> {
    let slugs = detail_slugs(items, span);
    let mut details = AppDetails {
        wanted: slugs.len(),
        ..AppDetails::default()
    };
    // Dropping the set (on an early return) aborts the reads still going.
    let mut tasks = JoinSet::new();
    for slug in &slugs {
        if let Some(cached) = cache.and_then(|c| c.detail(slug)) {
            details.read.insert(slug.clone(), cached.clone());
            continue;
        }
        let client = client.clone();
        let path = format!("/v0.1/apps/{app}/pipelines/{slug}");
        let slug = slug.clone();
        tasks.spawn(async move {
            let result = client
                .get_json(&path, &[], Resource::PipelineDetail)
                .await
                .and_then(|value| match value {
                    Value::Object(_) => Ok(value),
                    other => Err(ApiError {
                        code: ErrorCode::DecodeError,
                        message: format!(
                            "GET {path}: unexpected response: expected an object, got {}",
                            wire::describe(&other)
                        ),
                    }),
                });
            (slug, result)
        });
    }
    while let Some(joined) = tasks.join_next().await {
        let (slug, result) = joined.map_err(|e| ApiError {
            code: ErrorCode::ApiError,
            message: format!("reading the pipeline details of app {app} stopped: {e}"),
        })?;
        match result {
            Ok(value) => {
                details.read.insert(slug, value);
            }
            Err(e) if e.code == ErrorCode::InvalidCredentials => return Err(e),
            Err(e) => details.failures.push((slug, e)),
        }
    }
    details.failures.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(details)
}

/// The items of a pipelines-list read, and whether it stopped at the cache.
pub(crate) struct Listed {
    runs: Vec<Value>,
    /// The read stopped at a page reaching what the cache holds: the older runs are the
    /// cache's.
    stopped_at_cache: bool,
}

/// One app's pipelines-list items, newest first, from just after `span.until` back to the
/// first page that reaches before `span.since`; deduplicated by slug (the API's `before`
/// includes its boundary, so the last item of a page comes again at the top of the next).
/// Tells `observer` about each page read.
///
/// With a `cache`, stops also after the first page that reaches a run `cache` holds as
/// finished below every run it holds in progress (see [`AppCache::reaches`]).
pub(crate) async fn read_runs(
    client: &Client,
    app: &str,
    span: Window,
    cache: Option<&AppCache>,
    observer: &dyn FetchObserver,
) -> Result<Listed, ApiError> {
    let path = format!("/v0.1/apps/{app}/pipelines");
    // A second past the end: whether `before` includes its boundary is not documented, so ask
    // a little wider and leave the exact window to the metrics.
    let first = span.until + TimeDelta::seconds(1);
    let mut cursor = first.to_rfc3339_opts(SecondsFormat::AutoSi, true);
    let mut cursor_time: DateTime<Utc> = first;
    let mut seen_slugs = HashSet::new();
    let mut runs = Vec::new();
    loop {
        let query = [("limit", PAGE_LIMIT), ("before", cursor.as_str())];
        let value = client
            .get_json(&path, &query, Resource::Pipelines { app })
            .await?;
        let page: ListPage = wire::decode(&value).map_err(|e| ApiError {
            code: ErrorCode::DecodeError,
            message: format!("GET {path}: unexpected response: {e}"),
        })?;
        observer.event(FetchEvent::PageRead {
            app,
            items: page.data.len(),
        });
        let mut reached_since = false;
        let mut reached_cache = false;
        for item in page.data.iter() {
            if cache.is_some_and(|c| c.reaches(item, span)) {
                reached_cache = true;
            }
            if let Some(slug) = wire::item_slug(item) {
                if !seen_slugs.insert(slug) {
                    continue;
                }
            }
            if wire::item_triggered_at(item).is_some_and(|t| t < span.since) {
                reached_since = true;
            }
            runs.push(item.clone());
        }
        if reached_cache && !reached_since {
            return Ok(Listed {
                runs,
                stopped_at_cache: true,
            });
        }
        let next = match page.next() {
            Some(next) if !page.data.is_empty() && !reached_since => next,
            _ => {
                return Ok(Listed {
                    runs,
                    stopped_at_cache: false,
                })
            }
        };
        let advanced = wire::parse_timestamp(next)
            .ok()
            .filter(|t| *t < cursor_time);
        match advanced {
            Some(t) => {
                cursor_time = t;
                cursor = next.to_owned();
            }
            None => {
                return Err(ApiError {
                    code: ErrorCode::ApiError,
                    message: format!(
                        "GET {path}: cursor did not advance: paging.next {next:?} is not a \
                         timestamp before {cursor:?}; stopped to avoid an endless loop"
                    ),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apps_start_biggest_cache_first_and_in_listed_order_among_equals() {
        // Cached runs 10, 0, 250, 10, 40: 250 (index 2), 40 (4), then the two 10s in listed
        // order (0 before 3), then 0 (1).
        assert_eq!(start_order(&[10, 0, 250, 10, 40]), [2, 4, 0, 3, 1]);
        // No cache: every count is 0, so the listed order.
        assert_eq!(start_order(&[0, 0, 0]), [0, 1, 2]);
        assert!(start_order(&[]).is_empty());
    }

    #[test]
    fn fnv1a_64_matches_the_published_vectors() {
        // The offset basis for no bytes; "a" and "foobar" are vectors of the FNV reference.
        assert_eq!(fnv1a_64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a_64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a_64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn shard_takes_by_the_high_bits_of_the_hash() {
        // With N = 4 the shard is 1 + the top two bits of the hash:
        // fnv1a("a1a1a1a1a1a1a1a1") = 0x163a0d81d9670415, top bits 00: shard 1;
        // fnv1a("e5e5e5e5e5e5e5e5") = 0x5af3d791ddb8aad5, top bits 01: shard 2;
        // fnv1a("c3c3c3c3c3c3c3c3") = 0xa8cb663d8edbfe75, top bits 10: shard 3;
        // fnv1a("0a0a0a0a0a0a0a0a") = 0xe41525ab2cb25bc5, top bits 11: shard 4.
        // (Their low two bits are all 01: `h mod 4` would have put them all in shard 2.)
        assert_eq!(fnv1a_64(b"a1a1a1a1a1a1a1a1"), 0x163a_0d81_d967_0415);
        let shards: Vec<Shard> = (1..=4).map(|k| Shard::new(k, 4).expect("shard")).collect();
        let takers = |slug: &str| -> Vec<u32> {
            shards
                .iter()
                .filter(|s| s.takes(slug))
                .map(Shard::index)
                .collect()
        };
        assert_eq!(takers("a1a1a1a1a1a1a1a1"), vec![1]);
        assert_eq!(takers("e5e5e5e5e5e5e5e5"), vec![2]);
        assert_eq!(takers("c3c3c3c3c3c3c3c3"), vec![3]);
        assert_eq!(takers("0a0a0a0a0a0a0a0a"), vec![4]);
        let one = Shard::new(1, 1).expect("shard");
        assert!(one.takes("a") && one.takes("b"), "1/1 takes everything");
    }

    #[test]
    fn shard_parses_k_of_n() {
        assert_eq!("2/4".parse::<Shard>(), Ok(Shard { index: 2, count: 4 }));
        assert_eq!(
            "4/4".parse::<Shard>().map(|s| s.to_string()),
            Ok("4/4".to_owned())
        );
        for bad in ["0/4", "5/4", "4", "a/b", "1/0", "-1/4", ""] {
            let err = bad.parse::<Shard>().expect_err(bad);
            assert!(err.contains("expected K/N"), "{bad}: {err}");
        }
    }
}
