//! Snapshot files: what `fetch` read, kept as the API returned it, so that `report --input`
//! recomputes every metric offline and later versions can compute new metrics from old files.
//! Written as JSON, gzip-compressed when the file name ends in `.gz`. Snapshots of the shards of
//! one fetch (`fetch --shard K/N`) merge back into one ([`merge`]).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::de::DeserializeSeed;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::model::{SkippedApp, Window};

/// The snapshot format this version writes and the newest it reads.
pub const SNAPSHOT_VERSION: u32 = 1;

/// A snapshot file's content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub snapshot_version: u32,
    pub fetched_at: DateTime<Utc>,
    pub api_url: Option<String>,
    pub window: Window,
    pub previous_window: Option<Window>,
    pub apps: Vec<SnapshotApp>,
    #[serde(default)]
    pub skipped_apps: Vec<SkippedApp>,
    /// Whether the fetch read pipeline details (`false` with `--no-details` and in files
    /// written before details existed): without them the detail-based metrics are `null`.
    #[serde(default)]
    pub details_fetched: bool,
    /// Data-quality notes of the fetch (e.g. details that could not be read), shown in every
    /// report made from this snapshot.
    #[serde(default)]
    pub warnings: Vec<String>,
}

/// One app: its object and its pipelines-list items exactly as the API returned them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotApp {
    pub app: Value,
    pub runs: Vec<Value>,
    /// Pipeline details (`GET /v0.1/apps/{app}/pipelines/{id}`) as the API returned them, keyed
    /// by run slug; a detail that could not be read is absent.
    #[serde(default)]
    pub details: Map<String, Value>,
}

/// A [`SnapshotApp`] as [`read_each_app`] hands it over: the runs and details kept as their JSON
/// text, which decodes several times faster than through a tree of `Value`s.
#[derive(Debug, Deserialize)]
pub struct RawSnapshotApp {
    pub app: Value,
    pub runs: Vec<Box<RawValue>>,
    #[serde(default)]
    pub details: BTreeMap<String, Box<RawValue>>,
}

impl Snapshot {
    /// The span of time the snapshot holds runs for: the window and the previous window.
    pub fn span(&self) -> Window {
        match self.previous_window {
            Some(previous) => Window {
                since: previous.since.min(self.window.since),
                until: self.window.until,
            },
            None => self.window,
        }
    }
}

/// Why a snapshot could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("cannot read snapshot {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write snapshot {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("snapshot {path} is not a ci-vitals snapshot: {path_in_json}: {message}")]
    Decode {
        path: PathBuf,
        path_in_json: String,
        message: String,
    },
    #[error(
        "snapshot {path} has version {found}, newer than this ci-vitals reads ({SNAPSHOT_VERSION}): \
         upgrade ci-vitals to read it"
    )]
    TooNew { path: PathBuf, found: u64 },
}

fn is_gzip(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
}

/// Reads a snapshot, refusing one written by a newer format version.
pub fn read(path: &Path) -> Result<Snapshot, SnapshotError> {
    decode(path, &read_bytes(path)?)
}

/// The JSON bytes of a snapshot file, decompressed when it is gzip.
fn read_bytes(path: &Path) -> Result<Vec<u8>, SnapshotError> {
    let read_err = |source| SnapshotError::Read {
        path: path.to_owned(),
        source,
    };
    let file = File::open(path).map_err(read_err)?;
    let mut bytes = Vec::new();
    if is_gzip(path) {
        flate2::read::GzDecoder::new(BufReader::new(file))
            .read_to_end(&mut bytes)
            .map_err(read_err)?;
    } else {
        BufReader::new(file)
            .read_to_end(&mut bytes)
            .map_err(read_err)?;
    }
    Ok(bytes)
}

/// Decodes snapshot bytes; `path` only names the source in errors.
pub fn decode(path: &Path, bytes: &[u8]) -> Result<Snapshot, SnapshotError> {
    let decode_err = |path_in_json: String, message: String| SnapshotError::Decode {
        path: path.to_owned(),
        path_in_json,
        message,
    };
    // Look at the version first, so a newer file is refused with the right message rather
    // than with whatever field it renamed.
    #[derive(Deserialize)]
    struct Version {
        snapshot_version: Option<u64>,
    }
    let version: Version = serde_json::from_slice(bytes)
        .map_err(|e| decode_err("(document)".to_owned(), e.to_string()))?;
    match version.snapshot_version {
        None => {
            return Err(decode_err(
                "snapshot_version".to_owned(),
                "missing field `snapshot_version`".to_owned(),
            ))
        }
        Some(found) if found > u64::from(SNAPSHOT_VERSION) => {
            return Err(SnapshotError::TooNew {
                path: path.to_owned(),
                found,
            })
        }
        Some(_) => {}
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let at = e.path().to_string();
        decode_err(at, e.into_inner().to_string())
    })
}

/// Reads a snapshot as a stream, handing each app to `on_app` (with its index in `apps`) as
/// soon as it is read, so that memory holds one app's raw objects at a time rather than the
/// whole file's: what `report --input` of a large snapshot needs. Returns the snapshot's other
/// fields, with `apps` empty. The same checks as [`read`]: a newer version is refused (when
/// `snapshot_version` comes after `apps`, as in no file `fetch` writes, the apps were already
/// handed over), a decoding error names the JSON path.
pub fn read_each_app(
    path: &Path,
    on_app: impl FnMut(usize, RawSnapshotApp),
) -> Result<Snapshot, SnapshotError> {
    let bytes = read_bytes(path)?;
    // Parsed without tracking the JSON path, which costs an allocation per key; only when
    // that fails is it parsed again, this time tracking, to name where (nothing was handed to
    // `on_app` for the apps after the error, and those before are handed again: the caller's
    // result is an error either way).
    let mut on_app = on_app;
    let mut too_new = None;
    let quick = {
        let mut de = serde_json::Deserializer::from_slice(&bytes);
        SnapshotSeed {
            on_app: &mut on_app,
            too_new: &mut too_new,
        }
        .deserialize(&mut de)
        .and_then(|header| de.end().map(|()| header))
    };
    if let Some(found) = too_new {
        return Err(SnapshotError::TooNew {
            path: path.to_owned(),
            found,
        });
    }
    let quick_error = match quick {
        Ok(header) => return Ok(header),
        Err(e) => e,
    };
    let mut de = serde_json::Deserializer::from_slice(&bytes);
    let mut track = serde_path_to_error::Track::new();
    let tracked = SnapshotSeed {
        on_app: |_, _| {},
        too_new: &mut too_new,
    }
    .deserialize(serde_path_to_error::Deserializer::new(&mut de, &mut track))
    .and_then(|header| de.end().map(|()| header));
    let error = tracked.err().unwrap_or(quick_error);
    let at = track.path().to_string();
    Err(SnapshotError::Decode {
        path: path.to_owned(),
        path_in_json: if at == "." {
            "(document)".to_owned()
        } else {
            at
        },
        message: error.to_string(),
    })
}

/// Deserializes a snapshot's top-level object, streaming `apps` to `on_app`.
struct SnapshotSeed<'a, F> {
    on_app: F,
    /// Set when `snapshot_version` is newer than this version reads.
    too_new: &'a mut Option<u64>,
}

impl<'de, F: FnMut(usize, RawSnapshotApp)> serde::de::DeserializeSeed<'de> for SnapshotSeed<'_, F> {
    type Value = Snapshot;

    fn deserialize<D: serde::Deserializer<'de>>(self, de: D) -> Result<Snapshot, D::Error> {
        de.deserialize_map(self)
    }
}

impl<'de, F: FnMut(usize, RawSnapshotApp)> serde::de::Visitor<'de> for SnapshotSeed<'_, F> {
    type Value = Snapshot;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a ci-vitals snapshot object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(mut self, mut map: A) -> Result<Snapshot, A::Error> {
        use serde::de::Error as _;
        let mut version: Option<u64> = None;
        let mut fetched_at = None;
        let mut api_url = None;
        let mut window = None;
        let mut previous_window = None;
        let mut skipped_apps = None;
        let mut details_fetched = None;
        let mut warnings = None;
        let mut saw_apps = false;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "snapshot_version" => {
                    let found: u64 = map.next_value()?;
                    if found > u64::from(SNAPSHOT_VERSION) {
                        *self.too_new = Some(found);
                        return Err(A::Error::custom("newer snapshot version"));
                    }
                    version = Some(found);
                }
                "fetched_at" => fetched_at = Some(map.next_value()?),
                "api_url" => api_url = Some(map.next_value()?),
                "window" => window = Some(map.next_value()?),
                "previous_window" => previous_window = Some(map.next_value()?),
                "skipped_apps" => skipped_apps = Some(map.next_value()?),
                "details_fetched" => details_fetched = Some(map.next_value()?),
                "warnings" => warnings = Some(map.next_value()?),
                "apps" => {
                    map.next_value_seed(AppsSeed {
                        on_app: &mut self.on_app,
                    })?;
                    saw_apps = true;
                }
                _ => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        let version = version.ok_or_else(|| A::Error::missing_field("snapshot_version"))?;
        if !saw_apps {
            return Err(A::Error::missing_field("apps"));
        }
        Ok(Snapshot {
            snapshot_version: version as u32,
            fetched_at: fetched_at.ok_or_else(|| A::Error::missing_field("fetched_at"))?,
            api_url: api_url.unwrap_or(None),
            window: window.ok_or_else(|| A::Error::missing_field("window"))?,
            previous_window: previous_window.unwrap_or(None),
            apps: Vec::new(),
            skipped_apps: skipped_apps.unwrap_or_default(),
            details_fetched: details_fetched.unwrap_or(false),
            warnings: warnings.unwrap_or_default(),
        })
    }
}

/// Deserializes `apps`, handing each element over as soon as it is read.
struct AppsSeed<'a, F> {
    on_app: &'a mut F,
}

impl<'de, F: FnMut(usize, RawSnapshotApp)> serde::de::DeserializeSeed<'de> for AppsSeed<'_, F> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        de.deserialize_seq(self)
    }
}

impl<'de, F: FnMut(usize, RawSnapshotApp)> serde::de::Visitor<'de> for AppsSeed<'_, F> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a list of apps")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0;
        while let Some(app) = seq.next_element::<RawSnapshotApp>()? {
            (self.on_app)(index, app);
            index += 1;
        }
        Ok(())
    }
}

/// Writes a snapshot, through a temporary file renamed into place so that a crash never leaves
/// half a snapshot behind.
pub fn write(path: &Path, snapshot: &Snapshot) -> Result<(), SnapshotError> {
    let write_err = |source| SnapshotError::Write {
        path: path.to_owned(),
        source,
    };
    let mut tmp_name = path.as_os_str().to_owned();
    tmp_name.push(".partial");
    let tmp = PathBuf::from(tmp_name);
    let result = (|| {
        let file = File::create(&tmp)?;
        let mut out = BufWriter::new(file);
        if is_gzip(path) {
            let mut gz = flate2::write::GzEncoder::new(out, flate2::Compression::default());
            serde_json::to_writer(&mut gz, snapshot)?;
            out = gz.finish()?;
        } else {
            serde_json::to_writer(&mut out, snapshot)?;
        }
        out.flush()?;
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(write_err)
}

/// Why snapshots could not be merged: they were not fetched for the same windows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "snapshots {first} and {other} cannot be merged: their windows differ ({first_windows} vs \
     {other_windows}); fetch every shard with the same --since/--until/--days"
)]
pub struct MergeError {
    pub first: String,
    pub other: String,
    pub first_windows: String,
    pub other_windows: String,
}

fn describe_windows(snapshot: &Snapshot) -> String {
    let window = |w: &Window| format!("{} to {}", w.since.to_rfc3339(), w.until.to_rfc3339());
    match &snapshot.previous_window {
        Some(previous) => format!(
            "window {}, previous {}",
            window(&snapshot.window),
            window(previous)
        ),
        None => format!("window {}, no previous", window(&snapshot.window)),
    }
}

/// The slug of a raw app object, when it has one.
fn app_slug(app: &SnapshotApp) -> Option<&str> {
    app.app.get("slug").and_then(Value::as_str)
}

/// Merges snapshots (each named, for errors, by its file) into one, as if one fetch had read
/// them all. The windows must be identical. Apps are deduplicated by slug (the first object
/// wins; runs are deduplicated by run slug and details by run slug); an app skipped in one
/// snapshot but read in another counts as read; warnings are concatenated without repeats;
/// details count as fetched only when every snapshot fetched them; `fetched_at` is the latest
/// (so that a retention warning of any part shows). Apps come out in slug order.
pub fn merge(
    first: (PathBuf, Snapshot),
    rest: impl IntoIterator<Item = (PathBuf, Snapshot)>,
) -> Result<Snapshot, MergeError> {
    let (first_path, mut merged) = first;
    let mut app_index: HashMap<String, usize> = merged
        .apps
        .iter()
        .enumerate()
        .filter_map(|(i, a)| app_slug(a).map(|s| (s.to_owned(), i)))
        .collect();
    let mut warnings_seen: HashSet<String> = HashSet::new();
    merged.warnings.retain(|w| warnings_seen.insert(w.clone()));
    for (path, part) in rest {
        if part.window != merged.window || part.previous_window != merged.previous_window {
            return Err(MergeError {
                first: first_path.display().to_string(),
                other: path.display().to_string(),
                first_windows: describe_windows(&merged),
                other_windows: describe_windows(&part),
            });
        }
        merged.fetched_at = merged.fetched_at.max(part.fetched_at);
        if merged.api_url != part.api_url {
            merged.api_url = None;
        }
        merged.details_fetched &= part.details_fetched;
        for app in part.apps {
            let known = app_slug(&app).and_then(|s| app_index.get(s).copied());
            match known {
                Some(index) => absorb_app(&mut merged.apps[index], app),
                None => {
                    if let Some(slug) = app_slug(&app) {
                        app_index.insert(slug.to_owned(), merged.apps.len());
                    }
                    merged.apps.push(app);
                }
            }
        }
        merged.skipped_apps.extend(part.skipped_apps);
        for warning in part.warnings {
            if warnings_seen.insert(warning.clone()) {
                merged.warnings.push(warning);
            }
        }
    }
    // A skipped app that some part read is not skipped; a skip reported by several parts (an
    // unreadable item of the apps list, seen by every shard) shows once.
    let mut skipped_seen = HashSet::new();
    merged
        .skipped_apps
        .retain(|s| !app_index.contains_key(&s.slug) && skipped_seen.insert(s.slug.clone()));
    merged.apps.sort_by(|a, b| app_slug(a).cmp(&app_slug(b)));
    merged.snapshot_version = SNAPSHOT_VERSION;
    Ok(merged)
}

/// Adds to `into` the runs and details of `other`, the same app read again.
fn absorb_app(into: &mut SnapshotApp, other: SnapshotApp) {
    let mut seen: HashSet<String> = into
        .runs
        .iter()
        .filter_map(|r| r.get("slug").and_then(Value::as_str).map(str::to_owned))
        .collect();
    for run in other.runs {
        let fresh = match run.get("slug").and_then(Value::as_str) {
            Some(slug) => seen.insert(slug.to_owned()),
            // A run without a slug cannot be matched: kept, for decoding to report it.
            None => true,
        };
        if fresh {
            into.runs.push(run);
        }
    }
    for (slug, detail) in other.details {
        into.details.entry(slug).or_insert(detail);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> Snapshot {
        Snapshot {
            snapshot_version: SNAPSHOT_VERSION,
            fetched_at: "2026-11-30T08:00:00Z".parse().expect("time"),
            api_url: Some("https://api.bitrise.io".to_owned()),
            window: Window {
                since: "2026-11-23T00:00:00Z".parse().expect("time"),
                until: "2026-11-30T00:00:00Z".parse().expect("time"),
            },
            previous_window: Some(Window {
                since: "2026-11-16T00:00:00Z".parse().expect("time"),
                until: "2026-11-23T00:00:00Z".parse().expect("time"),
            }),
            apps: vec![SnapshotApp {
                app: json!({"slug": "aaaa", "title": "App", "unknown": [1, 2]}),
                runs: vec![json!({"slug": "r1", "status": 1})],
                details: Map::from_iter([(
                    "r1".to_owned(),
                    json!({"id": "r1", "status": "succeeded", "attempts": []}),
                )]),
            }],
            skipped_apps: vec![],
            details_fetched: true,
            warnings: vec!["app aaaa: 1 of 2 pipeline details could not be read".to_owned()],
        }
    }

    #[test]
    fn round_trips_plain_and_gzip() {
        let dir = tempfile::tempdir().expect("tempdir");
        for name in ["s.json", "s.json.gz"] {
            let path = dir.path().join(name);
            write(&path, &sample()).expect("write");
            assert_eq!(read(&path).expect("read"), sample());
            assert!(!dir.path().join(format!("{name}.partial")).exists());
        }
        let raw = std::fs::read(dir.path().join("s.json.gz")).expect("bytes");
        assert_eq!(&raw[..2], &[0x1f, 0x8b], "gzip magic");
    }

    #[test]
    fn refuses_a_newer_version_by_name() {
        let err = decode(
            Path::new("new.json"),
            br#"{"snapshot_version": 2, "renamed": true}"#,
        )
        .expect_err("newer snapshot");
        assert!(matches!(err, SnapshotError::TooNew { found: 2, .. }));
        assert!(err.to_string().contains("upgrade ci-vitals"));
    }

    #[test]
    fn decode_errors_name_the_json_path() {
        let mut value = serde_json::to_value(sample()).expect("value");
        value["window"]["since"] = json!("yesterday");
        let bytes = serde_json::to_vec(&value).expect("bytes");
        let err = decode(Path::new("bad.json"), &bytes).expect_err("bad time");
        let text = err.to_string();
        assert!(text.contains("bad.json"), "{text}");
        assert!(text.contains("window.since"), "{text}");
    }

    #[test]
    fn files_without_details_read_as_not_fetched() {
        // A file written before details existed: no `details`, `details_fetched`, `warnings`.
        let mut value = serde_json::to_value(sample()).expect("value");
        let fields = value.as_object_mut().expect("object");
        fields.remove("details_fetched");
        fields.remove("warnings");
        value["apps"][0]
            .as_object_mut()
            .expect("app")
            .remove("details");
        let bytes = serde_json::to_vec(&value).expect("bytes");
        let old = decode(Path::new("old.json"), &bytes).expect("old snapshot");
        assert!(!old.details_fetched);
        assert!(old.warnings.is_empty());
        assert!(old.apps[0].details.is_empty());
    }

    fn app_with(slug: &str, runs: &[&str], details: &[&str]) -> SnapshotApp {
        SnapshotApp {
            app: json!({ "slug": slug }),
            runs: runs.iter().map(|r| json!({ "slug": r })).collect(),
            details: details
                .iter()
                .map(|d| ((*d).to_owned(), json!({ "id": d })))
                .collect(),
        }
    }

    fn skipped(slug: &str) -> SkippedApp {
        SkippedApp {
            slug: slug.to_owned(),
            title: None,
            error: crate::model::ErrorCode::InvalidPermissions,
            message: "HTTP 403".to_owned(),
        }
    }

    #[test]
    fn merge_dedupes_apps_runs_details_skips_and_warnings() {
        let mut a = sample();
        a.apps = vec![app_with("zz", &["z1", "z2"], &["z1"])];
        a.skipped_apps = vec![skipped("bb"), skipped("(apps list item 3)")];
        a.warnings = vec!["w1".to_owned(), "w2".to_owned()];
        let mut b = sample();
        b.fetched_at = "2026-11-30T09:00:00Z".parse().expect("time");
        // zz read again with one new run and one new detail; bb read here.
        b.apps = vec![
            app_with("zz", &["z2", "z3"], &["z2"]),
            app_with("bb", &["b1"], &[]),
        ];
        b.skipped_apps = vec![skipped("(apps list item 3)"), skipped("cc")];
        b.warnings = vec!["w2".to_owned(), "w3".to_owned()];
        b.details_fetched = false;
        let merged =
            merge((PathBuf::from("a.json"), a), [(PathBuf::from("b.json"), b)]).expect("merge");
        let slugs: Vec<&str> = merged.apps.iter().filter_map(app_slug).collect();
        assert_eq!(slugs, ["bb", "zz"], "slug order");
        let zz = &merged.apps[1];
        let runs: Vec<&str> = zz.runs.iter().filter_map(|r| r["slug"].as_str()).collect();
        assert_eq!(runs, ["z1", "z2", "z3"]);
        assert_eq!(zz.details.keys().collect::<Vec<_>>(), ["z1", "z2"]);
        let skipped: Vec<&str> = merged
            .skipped_apps
            .iter()
            .map(|s| s.slug.as_str())
            .collect();
        assert_eq!(skipped, ["(apps list item 3)", "cc"], "bb was read in b");
        assert_eq!(merged.warnings, ["w1", "w2", "w3"]);
        assert!(!merged.details_fetched, "b fetched no details");
        assert_eq!(
            merged.fetched_at,
            "2026-11-30T09:00:00Z".parse::<DateTime<Utc>>().expect("t")
        );
    }

    #[test]
    fn merge_refuses_different_windows_naming_both_files() {
        let mut other = sample();
        other.previous_window = None;
        let err = merge(
            (PathBuf::from("one.json"), sample()),
            [(PathBuf::from("two.json"), other)],
        )
        .expect_err("windows differ");
        let text = err.to_string();
        assert!(
            text.contains("one.json") && text.contains("two.json"),
            "{text}"
        );
        assert!(text.contains("no previous"), "{text}");
    }

    fn parse_raw(raw: &RawValue) -> Value {
        serde_json::from_str(raw.get()).expect("raw json")
    }

    #[test]
    fn read_each_app_hands_over_the_apps_of_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut two = sample();
        two.apps.push(app_with("bb", &["b1", "b2"], &["b2"]));
        for name in ["s.json", "s.json.gz"] {
            let path = dir.path().join(name);
            write(&path, &two).expect("write");
            let mut handed = Vec::new();
            let header =
                read_each_app(&path, |index, app| handed.push((index, app))).expect("stream");
            let indexes: Vec<usize> = handed.iter().map(|(i, _)| *i).collect();
            assert_eq!(indexes, [0, 1]);
            // Back to trees, to compare with what was written.
            let apps: Vec<SnapshotApp> = handed
                .into_iter()
                .map(|(_, a)| SnapshotApp {
                    app: a.app,
                    runs: a.runs.iter().map(|r| parse_raw(r)).collect(),
                    details: a
                        .details
                        .iter()
                        .map(|(k, d)| (k.clone(), parse_raw(d)))
                        .collect(),
                })
                .collect();
            assert_eq!(apps, two.apps);
            assert_eq!(
                header,
                Snapshot {
                    apps: vec![],
                    ..two.clone()
                }
            );
        }
    }

    #[test]
    fn read_each_app_refuses_newer_versions_and_names_the_json_path() {
        let dir = tempfile::tempdir().expect("tempdir");
        let newer = dir.path().join("newer.json");
        std::fs::write(&newer, br#"{"snapshot_version": 2, "apps": []}"#).expect("write");
        let err = read_each_app(&newer, |_, _| {}).expect_err("newer");
        assert!(
            matches!(err, SnapshotError::TooNew { found: 2, .. }),
            "{err}"
        );

        let mut value = serde_json::to_value(sample()).expect("value");
        value["apps"][0]["runs"] = json!("not a list");
        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, serde_json::to_vec(&value).expect("bytes")).expect("write");
        let text = read_each_app(&bad, |_, _| {})
            .expect_err("bad runs")
            .to_string();
        assert!(
            text.contains("bad.json") && text.contains("apps[0].runs"),
            "{text}"
        );
    }

    #[test]
    fn span_reaches_back_to_the_previous_window() {
        let s = sample();
        assert_eq!(s.span().since, s.previous_window.expect("previous").since);
        assert_eq!(s.span().until, s.window.until);
    }
}
