//! Fetch benchmark (BENCHMARKS.md): the fake Bitrise API of the integration tests, answering
//! every request after a fixed latency, read by the library's fetch; prints the requests, the
//! wall time and how close it came to the floor no client can beat,
//! `max(longest page chain × L, total requests × L / C)`; then fetches again with the cache the
//! first fetch filled (`--cache-dir`) and prints what that second fetch cost.
//!
//! ```sh
//! cargo run --release --example bench_fetch -- [APPS=16] [RUNS_PER_APP=120] [LATENCY_MS=25] [CONCURRENCY=8]
//! ```
//! Nothing leaves 127.0.0.1; every value is invented.

#[path = "../tests/support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use ci_vitals::bitrise::{fetch, Client, ClientOptions, FetchPlan};
use ci_vitals::model::Window;
use ci_vitals::secret::Secret;

fn arg(index: usize, default: u64) -> Result<u64, Box<dyn std::error::Error>> {
    Ok(std::env::args()
        .nth(index)
        .map_or(Ok(default), |a| a.parse())?)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let apps = arg(1, 16)?;
    let runs_per_app = arg(2, 120)?;
    let latency = Duration::from_millis(arg(3, 25)?);
    let concurrency = arg(4, 8)?.clamp(1, 64) as usize;

    let until: DateTime<Utc> = "2026-11-30T00:00:00Z".parse()?;
    let span = Window {
        since: until - TimeDelta::days(14),
        until,
    };
    let mut builder = support::FakeBitrise::builder().latency(latency);
    for a in 0..apps {
        let slug = format!("{:016x}", 0xbe00_0000_0000_0000u64 + a);
        builder = builder.app(support::app(&slug, &format!("Bench {a:02}")));
        // Apps of different sizes, so that the page chains differ: app `a` has
        // runs_per_app × (a + 1) / apps runs spread over the 14 days.
        let count = (runs_per_app * (a + 1)).div_ceil(apps);
        let step = TimeDelta::days(14).num_seconds() / count.max(1) as i64;
        let mut runs = Vec::new();
        for i in 0..count {
            let t = (until - TimeDelta::seconds(step * i as i64 + 7))
                .to_rfc3339_opts(SecondsFormat::Secs, true);
            let run = format!("{a:02x}-{i:05}");
            runs.push(support::pipeline_run(&run, "ci", 1, &t));
            let workflows = vec![support::detail_workflow("build", "succeeded", &[], &t, 4)];
            builder = builder.detail(
                &slug,
                &run,
                support::pipeline_detail(&run, "succeeded", &t, &["succeeded"], workflows),
            );
        }
        builder = builder.runs(&slug, runs);
    }
    let fake = builder.start();
    let client = Client::new(ClientOptions {
        api_url: fake.url(),
        token: Secret::new(support::TOKEN),
        timeout: Duration::from_secs(30),
        concurrency,
        max_rps: None,
        retries: 0,
    })?;
    // The cold fetch fills a cache (a few small file writes, negligible against the latency);
    // a second fetch with it then shows what `--cache-dir` saves when nothing changed.
    let cache = tempfile::tempdir()?;
    let plan = FetchPlan {
        apps: vec![],
        span,
        details: true,
        cache_dir: Some(cache.path().to_owned()),
    };
    let started = Instant::now();
    let outcome = fetch(&client, &plan).await?;
    let wall = started.elapsed();

    let requests = fake.requests();
    let mut pages: BTreeMap<String, u64> = BTreeMap::new();
    let mut distinct = std::collections::BTreeSet::new();
    for r in &requests {
        let mut key = r.path.clone();
        for (k, v) in &r.query {
            key.push_str(&format!("&{k}={v}"));
        }
        distinct.insert(key);
        if r.path.ends_with("/pipelines") {
            *pages.entry(r.path.clone()).or_default() += 1;
        }
    }
    let apps_pages = requests.iter().filter(|r| r.path == "/v0.1/apps").count() as u64;
    // The longest chain: the apps list, then an app's pages one after the other, then (at
    // best) its details all at once.
    let chain = apps_pages + pages.values().max().copied().unwrap_or(0) + 1;
    let total = requests.len() as u64;
    let l = latency.as_secs_f64();
    let floor = (chain as f64 * l).max(total as f64 * l / concurrency as f64);
    let runs: usize = outcome.apps.iter().map(|a| a.runs.len()).sum();
    let details: usize = outcome.apps.iter().map(|a| a.details.len()).sum();
    println!(
        "apps {apps}, runs {runs}, details {details}, latency {} ms, concurrency {concurrency}",
        latency.as_millis()
    );
    println!(
        "requests {total} (duplicates {}), longest chain {chain}, max in flight {}",
        total - distinct.len() as u64,
        fake.max_in_flight()
    );
    println!(
        "wall {:.3} s, floor {:.3} s, floor/wall {:.0}%",
        wall.as_secs_f64(),
        floor,
        100.0 * floor / wall.as_secs_f64()
    );

    let warm_started = Instant::now();
    let warm = fetch(&client, &plan).await?;
    let warm_wall = warm_started.elapsed();
    let warm_requests = fake.requests().len() - requests.len();
    let warm_runs: usize = warm.apps.iter().map(|a| a.runs.len()).sum();
    println!(
        "with the cache: requests {warm_requests} (apps {apps}), runs {warm_runs}, wall {:.3} s",
        warm_wall.as_secs_f64()
    );
    Ok(())
}
