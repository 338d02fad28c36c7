//! The fetch cache (`--cache-dir DIR`): per app, the pipelines-list items read last time and the
//! details of its finished pipeline runs, so that a later fetch reads only the pages newer than
//! what it holds (plus the runs that were still in progress) and no detail it already has.
//!
//! One file per app, `DIR/app-<slug>.json`: plain JSON holding raw API objects, a
//! `cache_version`, the API base it came from and `complete_since` (every run triggered from
//! then on, up to the last fetch, is in the file). No absolute path is inside, so the directory
//! can be shared between machines (e.g. through `actions/cache`). A file is written to a
//! temporary name and renamed over the old one, so a crash leaves either the old or the new
//! file, never half of one. A file that cannot be read, or of another version or API base, is
//! ignored with a note and rebuilt: the cache only ever saves requests, it never fails a fetch.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use serde_json::{json, Map, Value};

use super::wire;
use crate::model::Window;

/// The format written; a file of any other version is rebuilt.
pub(crate) const CACHE_VERSION: u64 = 1;

/// Runs triggered more than this before the span asked for are pruned from the cache, so that
/// it stays bounded while a slightly longer window next time still finds its runs.
pub(crate) const PRUNE_MARGIN_DAYS: i64 = 7;

/// A cache directory and the API base its files must come from.
#[derive(Debug, Clone)]
pub(crate) struct CacheDir {
    dir: PathBuf,
    api_url: String,
}

impl CacheDir {
    pub(crate) fn new(dir: &Path, api_url: &str) -> CacheDir {
        CacheDir {
            dir: dir.to_owned(),
            api_url: api_url.to_owned(),
        }
    }

    /// The file of one app. Slugs are URL-safe ids, but any other character is hex-escaped so
    /// that a slug can never name a path outside the directory.
    fn file_of(&self, app: &str) -> PathBuf {
        let mut name = String::from("app-");
        for byte in app.bytes() {
            if byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_' {
                name.push(char::from(byte));
            } else {
                name.push_str(&format!("%{byte:02x}"));
            }
        }
        name.push_str(".json");
        self.dir.join(name)
    }

    /// What the cache holds for `app`: empty when there is no file yet; empty with a note when
    /// the file is unreadable, of another version or of another API base.
    pub(crate) fn load(&self, app: &str) -> (AppCache, Option<String>) {
        let path = self.file_of(app);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return (AppCache::default(), None)
            }
            Err(e) => return (AppCache::default(), Some(ignored(&path, &e.to_string()))),
        };
        match AppCache::parse(&text, app, &self.api_url) {
            Ok(cache) => (cache, None),
            Err(why) => (AppCache::default(), Some(ignored(&path, &why))),
        }
    }

    /// Writes the cache of `app` atomically: a temporary file in the same directory, flushed,
    /// then renamed over the old one.
    pub(crate) fn store(&self, app: &str, cache: &AppCache) -> Result<(), String> {
        let path = self.file_of(app);
        let fail = |what: &str, e: std::io::Error| {
            format!(
                "cache file {}: {what}: {e}; the next run reads this app in full",
                path.display()
            )
        };
        std::fs::create_dir_all(&self.dir).map_err(|e| fail("cannot create its directory", e))?;
        let mut text = serde_json::to_string(&cache.to_json(app, &self.api_url))
            .map_err(|e| format!("cache file {}: cannot encode: {e}", path.display()))?;
        text.push('\n');
        // A name of its own per writer, so that two processes sharing the directory never
        // write into the same temporary file.
        let tmp = path.with_extension(format!(
            "json.tmp-{}-{:016x}",
            std::process::id(),
            fastrand::u64(..)
        ));
        let written = std::fs::File::create(&tmp).and_then(|mut file| {
            file.write_all(text.as_bytes())?;
            file.sync_all()
        });
        if let Err(e) = written.and_then(|()| std::fs::rename(&tmp, &path)) {
            let _ = std::fs::remove_file(&tmp);
            return Err(fail("cannot write", e));
        }
        Ok(())
    }
}

/// The note of a cache file left aside.
fn ignored(path: &Path, why: &str) -> String {
    format!(
        "cache file {} ignored ({why}): this app is read in full and its cache rebuilt",
        path.display()
    )
}

/// What the cache holds for one app.
#[derive(Debug, Clone, Default)]
pub(crate) struct AppCache {
    /// Every run triggered from then on (up to the fetch that wrote it) is in `runs`; `None`
    /// for an empty cache.
    complete_since: Option<DateTime<Utc>>,
    /// Pipelines-list items, newest first, finished or not.
    runs: Vec<Value>,
    /// Details of finished pipeline runs, by run slug.
    details: Map<String, Value>,
    /// The slugs of the finished runs among `runs`.
    finished: HashSet<String>,
    /// The earliest trigger time of a run still in progress when cached: paging must reach
    /// back past it to see how each of them ended.
    oldest_in_progress: Option<DateTime<Utc>>,
}

impl AppCache {
    /// Reads a cache file's text; the error says why it cannot be used.
    fn parse(text: &str, app: &str, api_url: &str) -> Result<AppCache, String> {
        let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let version = value.get("cache_version").and_then(Value::as_u64);
        if version != Some(CACHE_VERSION) {
            let found = value
                .get("cache_version")
                .map_or_else(|| "none".to_owned(), Value::to_string);
            return Err(format!(
                "cache_version {found}, this ci-vitals writes {CACHE_VERSION}"
            ));
        }
        if value.get("app").and_then(Value::as_str) != Some(app) {
            return Err(format!("it is not the cache of app {app}"));
        }
        if value.get("api_url").and_then(Value::as_str) != Some(api_url) {
            return Err(format!("it was read from another API base than {api_url}"));
        }
        let complete_since = value
            .get("complete_since")
            .and_then(Value::as_str)
            .map(wire::parse_timestamp)
            .transpose()
            .map_err(|e| format!("complete_since: {e}"))?;
        let runs = match value.get("runs") {
            Some(Value::Array(runs)) => runs.clone(),
            _ => return Err("runs: expected an array".to_owned()),
        };
        let details = match value.get("details") {
            Some(Value::Object(details)) => details.clone(),
            _ => return Err("details: expected an object".to_owned()),
        };
        Ok(AppCache::from_parts(complete_since, runs, details))
    }

    fn from_parts(
        complete_since: Option<DateTime<Utc>>,
        runs: Vec<Value>,
        details: Map<String, Value>,
    ) -> AppCache {
        let mut finished = HashSet::new();
        let mut oldest_in_progress: Option<DateTime<Utc>> = None;
        for item in &runs {
            if wire::item_is_finished(item) {
                finished.extend(wire::item_slug(item));
            } else if let Some(t) = wire::item_triggered_at(item) {
                oldest_in_progress = Some(oldest_in_progress.map_or(t, |o| o.min(t)));
            }
        }
        AppCache {
            complete_since,
            runs,
            details,
            finished,
            oldest_in_progress,
        }
    }

    fn to_json(&self, app: &str, api_url: &str) -> Value {
        json!({
            "cache_version": CACHE_VERSION,
            "app": app,
            "api_url": api_url,
            "complete_since": self
                .complete_since
                .map(|t| t.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
            "runs": self.runs,
            "details": self.details,
        })
    }

    /// Whether paging may stop at a page holding `item`: the cache holds every run of the span
    /// from the item back, the item is finished there, and it is older than every run that was
    /// in progress (so those have all been seen again on the way).
    pub(crate) fn reaches(&self, item: &Value, span: Window) -> bool {
        if self.complete_since.is_none_or(|since| since > span.since) {
            return false;
        }
        let Some(slug) = wire::item_slug(item) else {
            return false;
        };
        if !self.finished.contains(&slug) {
            return false;
        }
        match (wire::item_triggered_at(item), self.oldest_in_progress) {
            (_, None) => true,
            (Some(t), Some(oldest)) => t < oldest,
            (None, Some(_)) => false,
        }
    }

    /// How many runs the cache holds (finished or not).
    pub(crate) fn run_count(&self) -> usize {
        self.runs.len()
    }

    /// The cached detail of a finished pipeline run.
    pub(crate) fn detail(&self, slug: &str) -> Option<&Value> {
        self.details.get(slug)
    }

    /// The runs of a read that stopped at the cache: the fresh items (newest first, they win),
    /// then the cached ones not seen again that were triggered in the span or before it, as a
    /// read in full would have listed them.
    pub(crate) fn merge_runs(&self, mut fresh: Vec<Value>) -> Vec<Value> {
        let seen: HashSet<String> = fresh.iter().filter_map(wire::item_slug).collect();
        let oldest_fresh = fresh.iter().filter_map(wire::item_triggered_at).min();
        fresh.extend(
            self.runs
                .iter()
                .filter(|item| wire::item_slug(item).is_none_or(|s| !seen.contains(&s)))
                // Only what lies below the fresh pages: a cached run newer than them that was
                // not listed again is gone from the API.
                .filter(|item| match (wire::item_triggered_at(item), oldest_fresh) {
                    (Some(t), Some(oldest)) => t <= oldest,
                    _ => true,
                })
                .cloned(),
        );
        fresh
    }

    /// The cache to write after a read of `span`: its runs (finished or not) triggered after the
    /// prune line, and the details of the finished pipeline runs among them. `stopped_early`
    /// says whether the read stopped at this cache (then it is complete as far back as this
    /// cache was) or paged back to the span's start itself.
    pub(crate) fn updated(
        &self,
        runs: &[Value],
        details: &Map<String, Value>,
        span: Window,
        stopped_early: bool,
    ) -> AppCache {
        let prune_before = span.since - TimeDelta::days(PRUNE_MARGIN_DAYS);
        let kept: Vec<Value> = runs
            .iter()
            .filter(|item| wire::item_triggered_at(item).is_some_and(|t| t >= prune_before))
            .cloned()
            .collect();
        let finished: HashSet<String> = kept
            .iter()
            .filter(|item| wire::item_is_finished(item))
            .filter_map(wire::item_slug)
            .collect();
        let mut kept_details = Map::new();
        for (slug, detail) in details.iter().chain(self.details.iter()) {
            if finished.contains(slug) && !kept_details.contains_key(slug) {
                kept_details.insert(slug.clone(), detail.clone());
            }
        }
        let complete_since = if stopped_early {
            self.complete_since.map(|since| since.max(prune_before))
        } else {
            Some(span.since)
        };
        AppCache::from_parts(complete_since, kept, kept_details)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("test timestamp")
    }

    fn run(slug: &str, status: i64, triggered_at: &str) -> Value {
        json!({ "slug": slug, "is_pipeline": true, "status": status, "triggered_at": triggered_at })
    }

    fn span() -> Window {
        Window {
            since: at("2026-11-16T00:00:00Z"),
            until: at("2026-11-30T00:00:00Z"),
        }
    }

    /// r3 finished (11-25), r2 in progress (11-24), r1 finished (11-20), complete from 11-16.
    fn cache() -> AppCache {
        AppCache::from_parts(
            Some(at("2026-11-16T00:00:00Z")),
            vec![
                run("r3", 1, "2026-11-25T00:00:00Z"),
                run("r2", 0, "2026-11-24T00:00:00Z"),
                run("r1", 1, "2026-11-20T00:00:00Z"),
            ],
            Map::from_iter([("r1".to_owned(), json!({ "id": "r1" }))]),
        )
    }

    #[test]
    fn paging_stops_only_below_every_run_in_progress() {
        let cache = cache();
        // r3 is finished but newer than r2, still in progress: r2 must be seen again first.
        assert!(!cache.reaches(&run("r3", 1, "2026-11-25T00:00:00Z"), span()));
        assert!(!cache.reaches(&run("r2", 2, "2026-11-24T00:00:00Z"), span()));
        assert!(cache.reaches(&run("r1", 1, "2026-11-20T00:00:00Z"), span()));
        // Unknown to the cache.
        assert!(!cache.reaches(&run("r0", 1, "2026-11-19T00:00:00Z"), span()));
        // A span reaching before what the cache is complete from must page on.
        let longer = Window {
            since: at("2026-11-10T00:00:00Z"),
            ..span()
        };
        assert!(!cache.reaches(&run("r1", 1, "2026-11-20T00:00:00Z"), longer));
    }

    #[test]
    fn merge_keeps_fresh_items_and_the_cached_ones_below_them() {
        let fresh = vec![
            run("r4", 1, "2026-11-26T00:00:00Z"),
            run("r3", 1, "2026-11-25T00:00:00Z"),
            run("r2", 2, "2026-11-24T00:00:00Z"),
            run("r1", 1, "2026-11-20T00:00:00Z"),
        ];
        let merged = cache().merge_runs(fresh.clone());
        // Everything cached was seen again: the fresh items alone, r2 with its new status.
        assert_eq!(merged, fresh);
        let merged = cache().merge_runs(fresh[..2].to_vec());
        let slugs: Vec<_> = merged.iter().filter_map(wire::item_slug).collect();
        // Fresh r4, r3 (oldest fresh 11-25); then cached r2 (11-24) and r1 (11-20).
        assert_eq!(slugs, ["r4", "r3", "r2", "r1"]);
    }

    #[test]
    fn updated_prunes_old_runs_and_keeps_details_of_finished_runs_only() {
        let runs = vec![
            run("r2", 0, "2026-11-24T00:00:00Z"),
            run("r1", 1, "2026-11-20T00:00:00Z"),
            // The prune line is 11-16 less 7 days = 11-09: kept at 11-09, pruned at 11-08.
            run("r0", 1, "2026-11-09T00:00:00Z"),
            run("rx", 1, "2026-11-08T23:59:59Z"),
        ];
        let details = Map::from_iter([
            ("r2".to_owned(), json!({ "id": "r2" })),
            ("rx".to_owned(), json!({ "id": "rx" })),
        ]);
        let next = cache().updated(&runs, &details, span(), false);
        let slugs: Vec<_> = next.runs.iter().filter_map(wire::item_slug).collect();
        assert_eq!(slugs, ["r2", "r1", "r0"]);
        // r1's detail comes from the old cache; r2 is in progress, rx pruned.
        let kept: Vec<&String> = next.details.keys().collect();
        assert_eq!(kept, ["r1"]);
        assert_eq!(next.complete_since, Some(span().since));
        assert_eq!(next.oldest_in_progress, Some(at("2026-11-24T00:00:00Z")));
    }

    #[test]
    fn files_round_trip_and_other_versions_are_ignored_with_a_note() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache_dir = CacheDir::new(dir.path(), "http://127.0.0.1:1");
        let (empty, note) = cache_dir.load("a/b");
        assert!(empty.runs.is_empty() && note.is_none());
        cache_dir.store("a/b", &cache()).expect("store");
        // The slash is escaped: the file stays in the directory.
        let file = dir.path().join("app-a%2fb.json");
        assert!(file.is_file());
        let (loaded, note) = cache_dir.load("a/b");
        assert_eq!(note, None);
        assert_eq!(loaded.runs, cache().runs);
        assert_eq!(loaded.details, cache().details);
        assert!(loaded.reaches(&run("r1", 1, "2026-11-20T00:00:00Z"), span()));
        // No temporary file is left behind.
        assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 1);

        let text = std::fs::read_to_string(&file).expect("read");
        std::fs::write(
            &file,
            text.replace("\"cache_version\":1", "\"cache_version\":99"),
        )
        .expect("write");
        let (loaded, note) = cache_dir.load("a/b");
        assert!(loaded.runs.is_empty());
        let note = note.expect("a note");
        assert!(note.contains("cache_version 99"), "{note}");

        let other_api = CacheDir::new(dir.path(), "http://127.0.0.1:2");
        cache_dir.store("a/b", &cache()).expect("store");
        let (loaded, note) = other_api.load("a/b");
        assert!(loaded.runs.is_empty() && note.is_some());

        std::fs::write(&file, "{ half").expect("write");
        let (loaded, note) = cache_dir.load("a/b");
        assert!(loaded.runs.is_empty());
        assert!(note.expect("a note").contains("not JSON"));
    }
}
