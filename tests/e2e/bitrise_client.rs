//! `bitrise::fetch` and the client against the fake API: paging, stopping, headers, retries,
//! error classification, and that the token never shows up.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use ci_vitals::bitrise::{fetch, Client, ClientOptions, FetchOutcome, FetchPlan};
use ci_vitals::model::{ErrorCode, Window};
use ci_vitals::secret::Secret;
use serde_json::{json, Value};

use crate::support::{self, app, disabled_app, pipeline_run, standalone_build, FakeBitrise, Fault};

const ALPHA: &str = "0123456789abcdef";
const BRAVO: &str = "fedcba9876543210";
const HIDDEN: &str = "00000000deadbeef";

fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("test timestamp")
}

fn client_with(fake: &FakeBitrise, token: &str, timeout: Duration, retries: u32) -> Client {
    Client::new(ClientOptions {
        // A trailing slash, as a user might type it.
        api_url: format!("{}/", fake.url()),
        token: Secret::new(token),
        timeout,
        concurrency: 4,
        max_rps: None,
        retries,
    })
    .expect("client")
}

fn client(fake: &FakeBitrise, retries: u32) -> Client {
    client_with(fake, support::TOKEN, Duration::from_secs(5), retries)
}

/// The fetch span of these tests: November 2026.
fn plan(apps: &[&str]) -> FetchPlan {
    FetchPlan {
        apps: apps.iter().map(|s| (*s).to_owned()).collect(),
        span: Window {
            since: at("2026-11-01T00:00:00Z"),
            until: at("2026-11-30T00:00:00Z"),
        },
        // These tests are about the lists; the details have their own module.
        details: false,
        cache_dir: None,
    }
}

/// `count` runs one hour apart, the newest at 2026-11-29T23:00Z; every third a standalone build.
fn hourly_runs(prefix: &str, count: usize) -> Vec<Value> {
    let newest = at("2026-11-29T23:00:00Z");
    (0..count)
        .map(|i| {
            let t = (newest - TimeDelta::hours(i as i64)).to_rfc3339();
            let slug = format!("{prefix}-{i:04}");
            if i % 3 == 2 {
                standalone_build(&slug, "pr-check", 1, &t)
            } else {
                pipeline_run(&slug, "ci", 1, &t)
            }
        })
        .collect()
}

fn pipelines_path(app: &str) -> String {
    format!("/v0.1/apps/{app}/pipelines")
}

fn slugs(outcome: &FetchOutcome, app_index: usize) -> Vec<String> {
    outcome.apps[app_index]
        .runs
        .iter()
        .map(|r| r["slug"].as_str().expect("slug").to_owned())
        .collect()
}

#[tokio::test]
async fn pages_back_with_before_and_drops_the_repeated_boundary_item() {
    let runs = hourly_runs("a", 120);
    let fake = FakeBitrise::builder()
        .app(app(ALPHA, "Alpha"))
        .runs(ALPHA, runs.clone())
        .start();
    let client = client(&fake, 0);
    let outcome = fetch(&client, &plan(&[])).await.expect("fetch");

    // Pages of 50 with an inclusive `before`: items 0..=49, 49..=98, 98..=119 (22 items, the
    // last page). 50 + 49 + 21 = 120 distinct runs, each once.
    let got = slugs(&outcome, 0);
    assert_eq!(got.len(), 120);
    let expected: Vec<String> = (0..120).map(|i| format!("a-{i:04}")).collect();
    assert_eq!(got, expected);

    let pages = fake.requests_to(&pipelines_path(ALPHA));
    assert_eq!(pages.len(), 3);
    // One second past the span's end, then each page's `paging.next` sent back as given.
    assert_eq!(pages[0].query_value("before"), Some("2026-11-30T00:00:01Z"));
    assert_eq!(
        pages[1].query_value("before"),
        runs[49]["triggered_at"].as_str()
    );
    assert_eq!(
        pages[2].query_value("before"),
        runs[98]["triggered_at"].as_str()
    );
    assert!(fake
        .requests()
        .iter()
        .all(|r| r.query_value("limit") == Some("50")));
    // 1 apps page + 3 pipelines pages.
    assert_eq!(client.requests(), 4);
    assert!(outcome.skipped_apps.is_empty());
}

#[tokio::test]
async fn stops_at_the_first_page_reaching_before_the_span() {
    let fake = FakeBitrise::builder()
        .app(app(ALPHA, "Alpha"))
        .runs(ALPHA, hourly_runs("a", 200))
        .start();
    let client = client(&fake, 0);
    let mut plan = plan(&[]);
    // Runs 0..=59 are at or after 12:00 on the 27th (23:00 on the 29th minus 59 hours).
    plan.span.since = at("2026-11-27T12:00:00Z");
    let outcome = fetch(&client, &plan).await.expect("fetch");

    // Page 1 holds runs 0..=49, all inside; page 2 holds 49..=98 and run 60 is before `since`:
    // stop there. The pages are kept whole: 50 + 49 = 99 runs.
    assert_eq!(fake.requests_to(&pipelines_path(ALPHA)).len(), 2);
    assert_eq!(outcome.apps[0].runs.len(), 99);
}

#[tokio::test]
async fn sends_the_raw_token_a_versioned_user_agent_and_json_accept() {
    let fake = FakeBitrise::builder()
        .app(app(ALPHA, "Alpha"))
        .runs(ALPHA, hourly_runs("a", 3))
        .start();
    fetch(&client(&fake, 0), &plan(&[])).await.expect("fetch");
    let requests = fake.requests();
    assert_eq!(requests.len(), 2);
    let user_agent = format!("ci-vitals/{}", env!("CARGO_PKG_VERSION"));
    for request in &requests {
        assert_eq!(request.method, "GET");
        assert_eq!(request.header("authorization"), Some(support::TOKEN));
        assert_eq!(request.header("accept"), Some("application/json"));
        assert_eq!(request.header("user-agent"), Some(user_agent.as_str()));
    }
    assert_eq!(requests[0].path, "/v0.1/apps");
}

#[tokio::test]
async fn retries_server_errors_and_rate_limits_then_reads_the_app() {
    let path = pipelines_path(ALPHA);
    let fake = FakeBitrise::builder()
        .app(app(ALPHA, "Alpha"))
        .runs(ALPHA, hourly_runs("a", 5))
        .fault(&path, Fault::Status(503), 1)
        .fault(&path, Fault::RetryAfter(429, "0".to_owned()), 1)
        .start();
    let client = client(&fake, 2);
    let outcome = fetch(&client, &plan(&[])).await.expect("fetch");
    assert!(
        outcome.skipped_apps.is_empty(),
        "{:?}",
        outcome.skipped_apps
    );
    assert_eq!(outcome.apps[0].runs.len(), 5);
    // 503, 429, then the page: three attempts, plus the apps page.
    assert_eq!(fake.requests_to(&path).len(), 3);
    assert_eq!(client.requests(), 4);
}

#[tokio::test]
async fn exhausted_retries_skip_the_app_and_the_other_app_is_read() {
    let path = pipelines_path(ALPHA);
    let fake = FakeBitrise::builder()
        .app(app(ALPHA, "Alpha"))
        .app(app(BRAVO, "Bravo"))
        .runs(ALPHA, hourly_runs("a", 5))
        .runs(BRAVO, hourly_runs("b", 4))
        .fault(&path, Fault::Html(502), 5)
        .start();
    let outcome = fetch(&client(&fake, 1), &plan(&[])).await.expect("fetch");
    // retries = 1: the first attempt and one retry.
    assert_eq!(fake.requests_to(&path).len(), 2);
    assert_eq!(outcome.apps.len(), 1);
    assert_eq!(outcome.apps[0].app["slug"], BRAVO);
    assert_eq!(outcome.apps[0].runs.len(), 4);
    let skipped = &outcome.skipped_apps[0];
    assert_eq!(skipped.slug, ALPHA);
    assert_eq!(skipped.title.as_deref(), Some("Alpha"));
    assert_eq!(skipped.error, ErrorCode::ApiError);
    assert_eq!(
        skipped.message,
        format!(
            "GET {path}: HTTP 502 Bad Gateway: the server answered with an HTML page \
             (after 2 attempts)"
        )
    );
}

#[tokio::test]
async fn forbidden_and_unknown_apps_are_skipped_without_retry() {
    let fake = FakeBitrise::builder()
        .app(app(ALPHA, "Alpha"))
        .app(app(BRAVO, "Bravo"))
        .forbidden(BRAVO)
        .start();
    let unknown = "1111222233334444";
    let outcome = fetch(&client(&fake, 3), &plan(&[BRAVO, unknown, ALPHA]))
        .await
        .expect("fetch");
    assert_eq!(fake.requests_to(&pipelines_path(BRAVO)).len(), 1);
    assert_eq!(fake.requests_to(&pipelines_path(unknown)).len(), 1);
    assert_eq!(outcome.apps.len(), 1);
    assert_eq!(outcome.apps[0].app["slug"], ALPHA);

    let forbidden = &outcome.skipped_apps[0];
    assert_eq!(forbidden.slug, BRAVO);
    assert_eq!(forbidden.error, ErrorCode::InvalidPermissions);
    assert_eq!(
        forbidden.message,
        format!(
            "GET /v0.1/apps/{BRAVO}/pipelines: HTTP 403 Forbidden: You don't have permission \
             to access this app: give the token's workspace role Viewer and product access to \
             this app"
        )
    );
    let not_found = &outcome.skipped_apps[1];
    assert_eq!(not_found.slug, unknown);
    assert_eq!(not_found.title, None);
    assert_eq!(not_found.error, ErrorCode::InvalidPermissions);
    assert!(
        not_found.message.contains(&format!(
            "HTTP 404 Not Found: Not Found (app {unknown} is unknown or not visible to this token)"
        )),
        "{}",
        not_found.message
    );
}

#[tokio::test]
async fn a_rejected_token_fails_the_whole_fetch() {
    let fake = FakeBitrise::builder().app(app(ALPHA, "Alpha")).start();
    let client = client_with(&fake, "bitwat_wrong", Duration::from_secs(5), 3);
    let err = fetch(&client, &plan(&[])).await.expect_err("401");
    assert_eq!(err.code, ErrorCode::InvalidCredentials);
    assert_eq!(
        err.message,
        "GET /v0.1/apps: HTTP 401 Unauthorized: Unauthorized: check the token: create a \
         workspace API token with the Viewer role"
    );
    assert_eq!(client.requests(), 1, "a 401 is not retried");
}

#[tokio::test]
async fn a_401_on_one_app_fails_the_fetch() {
    let fake = FakeBitrise::builder()
        .app(app(ALPHA, "Alpha"))
        .app(app(BRAVO, "Bravo"))
        .runs(ALPHA, hourly_runs("a", 2))
        .fault(&pipelines_path(BRAVO), Fault::Status(401), 1)
        .start();
    let err = fetch(&client(&fake, 2), &plan(&[]))
        .await
        .expect_err("token revoked mid-run");
    assert_eq!(err.code, ErrorCode::InvalidCredentials);
    assert!(err
        .message
        .starts_with(&format!("GET /v0.1/apps/{BRAVO}/pipelines: HTTP 401")));
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_decode_error_naming_the_endpoint() {
    let path = pipelines_path(ALPHA);
    let fake = FakeBitrise::builder()
        .app(app(ALPHA, "Alpha"))
        .fault(&path, Fault::NotJson, 1)
        .start();
    let outcome = fetch(&client(&fake, 2), &plan(&[])).await.expect("fetch");
    let skipped = &outcome.skipped_apps[0];
    assert_eq!(skipped.error, ErrorCode::DecodeError);
    assert!(
        skipped
            .message
            .starts_with(&format!("GET {path}: the response is not JSON: ")),
        "{}",
        skipped.message
    );
    assert_eq!(fake.requests_to(&path).len(), 1, "not retried");
}

#[tokio::test]
async fn a_pipelines_cursor_that_does_not_advance_skips_the_app() {
    let path = pipelines_path(ALPHA);
    // The first `before` sent is 2026-11-30T00:00:01Z; a `next` equal to it, or later, would
    // loop forever.
    for stuck in [
        "2026-11-30T00:00:01Z",
        "2026-12-02T00:00:00.000000Z",
        "soon",
    ] {
        let page = json!({
            "data": [pipeline_run("a-0001", "ci", 1, "2026-11-29T10:00:00Z")],
            "paging": {"total_item_count": 0, "page_item_limit": 0, "next": stuck}
        });
        let fake = FakeBitrise::builder()
            .app(app(ALPHA, "Alpha"))
            .fault(&path, Fault::Json(200, page), 10)
            .start();
        let outcome = fetch(&client(&fake, 0), &plan(&[])).await.expect("fetch");
        assert_eq!(fake.requests_to(&path).len(), 1, "{stuck}");
        let skipped = &outcome.skipped_apps[0];
        assert_eq!(skipped.error, ErrorCode::ApiError);
        assert!(
            skipped
                .message
                .starts_with(&format!("GET {path}: cursor did not advance")),
            "{}",
            skipped.message
        );
    }
}

#[tokio::test]
async fn an_apps_cursor_that_repeats_fails_instead_of_looping() {
    let page = json!({
        "data": [app(ALPHA, "Alpha")],
        "paging": {"total_item_count": 0, "page_item_limit": 0, "next": "c1"}
    });
    let fake = FakeBitrise::builder()
        .fault("/v0.1/apps", Fault::Json(200, page), 10)
        .start();
    let err = fetch(&client(&fake, 0), &plan(&[]))
        .await
        .expect_err("loop");
    assert_eq!(err.code, ErrorCode::ApiError);
    assert!(
        err.message.contains("cursor \"c1\" repeated"),
        "{}",
        err.message
    );
    // The first page, then the page at `c1` whose cursor is `c1` again.
    assert_eq!(fake.requests_to("/v0.1/apps").len(), 2);
}

#[tokio::test]
async fn apps_are_paged_deduplicated_and_kept_in_listing_order() {
    let slugs: Vec<String> = (0..55).map(|i| format!("{:016x}", 0xa000 + i)).collect();
    let mut builder = FakeBitrise::builder();
    for slug in &slugs {
        builder = builder.app(app(slug, &format!("App {slug}")));
    }
    // A listing glitch: the first app again on the last page.
    let fake = builder.app(app(&slugs[0], "Again")).start();
    let outcome = fetch(&client(&fake, 0), &plan(&[])).await.expect("fetch");
    let apps_pages = fake.requests_to("/v0.1/apps");
    // 56 entries: 50 on the first page, 6 on the second (opened at the 51st slug).
    assert_eq!(apps_pages.len(), 2);
    assert_eq!(apps_pages[1].query_value("next"), Some(slugs[50].as_str()));
    let read: Vec<&str> = outcome
        .apps
        .iter()
        .map(|a| a.app["slug"].as_str().expect("slug"))
        .collect();
    assert_eq!(read, slugs.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(outcome.apps[0].app["title"], format!("App {}", slugs[0]));
}

#[tokio::test]
async fn disabled_apps_are_read_only_when_named() {
    let fake = FakeBitrise::builder()
        .app(app(ALPHA, "Alpha"))
        .app(disabled_app(BRAVO, "Bravo"))
        .runs(BRAVO, hourly_runs("b", 2))
        .start();
    let all = fetch(&client(&fake, 0), &plan(&[])).await.expect("fetch");
    assert_eq!(all.apps.len(), 1);
    assert_eq!(all.apps[0].app["slug"], ALPHA);
    assert!(all.skipped_apps.is_empty());

    // Named order wins, repeats are read once.
    let named = fetch(&client(&fake, 0), &plan(&[BRAVO, ALPHA, BRAVO]))
        .await
        .expect("fetch");
    let read: Vec<&Value> = named.apps.iter().map(|a| &a.app["slug"]).collect();
    assert_eq!(read, [&json!(BRAVO), &json!(ALPHA)]);
    assert_eq!(named.apps[0].runs.len(), 2);
    assert_eq!(fake.requests_to(&pipelines_path(BRAVO)).len(), 1);
}

#[tokio::test]
async fn a_named_app_missing_from_the_list_is_still_tried() {
    let fake = FakeBitrise::builder()
        .app(app(ALPHA, "Alpha"))
        .runs(HIDDEN, hourly_runs("h", 3))
        .start();
    let outcome = fetch(&client(&fake, 0), &plan(&[HIDDEN]))
        .await
        .expect("fetch");
    assert_eq!(outcome.apps.len(), 1);
    assert_eq!(outcome.apps[0].app, json!({"slug": HIDDEN}));
    assert_eq!(outcome.apps[0].runs.len(), 3);
}

#[tokio::test]
async fn a_token_that_sees_no_apps_fails_with_no_resources() {
    let fake = FakeBitrise::builder().start();
    let err = fetch(&client(&fake, 0), &plan(&[]))
        .await
        .expect_err("no apps");
    assert_eq!(err.code, ErrorCode::NoResources);
    assert!(
        err.message.starts_with("the token sees no apps: "),
        "{}",
        err.message
    );
}

#[tokio::test]
async fn a_hanging_server_is_a_network_error_after_retries() {
    let path = pipelines_path(ALPHA);
    let fake = FakeBitrise::builder()
        .app(app(ALPHA, "Alpha"))
        .fault(&path, Fault::Hang(Duration::from_millis(1_500)), 2)
        .start();
    let client = client_with(&fake, support::TOKEN, Duration::from_millis(300), 1);
    let outcome = fetch(&client, &plan(&[])).await.expect("fetch");
    let skipped = &outcome.skipped_apps[0];
    assert_eq!(skipped.error, ErrorCode::NetworkError);
    assert_eq!(
        skipped.message,
        format!("GET {path}: timed out (after 2 attempts)")
    );
    assert_eq!(fake.requests_to(&path).len(), 2);
}

#[tokio::test]
async fn the_token_never_appears_in_errors_or_debug_output() {
    let token = support::TOKEN;
    let fake = FakeBitrise::builder()
        .app(app(ALPHA, "Alpha"))
        .app(app(BRAVO, "Bravo"))
        .app(app(HIDDEN, "Hidden"))
        .forbidden(BRAVO)
        .fault(&pipelines_path(ALPHA), Fault::Html(500), 2)
        .fault(&pipelines_path(HIDDEN), Fault::NotJson, 1)
        .start();
    let client = client(&fake, 1);
    let outcome = fetch(&client, &plan(&[ALPHA, BRAVO, HIDDEN, "9999999999999999"]))
        .await
        .expect("fetch");
    assert_eq!(outcome.skipped_apps.len(), 4);
    let rejected = fetch(
        &client_with(&fake, "bitwat_other-secret", Duration::from_secs(5), 0),
        &plan(&[]),
    )
    .await
    .expect_err("401");
    let options = ClientOptions {
        api_url: fake.url(),
        token: Secret::new(token),
        timeout: Duration::from_secs(1),
        concurrency: 1,
        max_rps: None,
        retries: 0,
    };
    let texts = [
        format!("{outcome:?}"),
        format!("{client:?}"),
        format!("{options:?}"),
        format!("{rejected:?} {rejected}"),
    ];
    for text in &texts {
        assert!(!text.contains(token), "{text}");
        assert!(!text.contains("bitwat_other-secret"), "{text}");
    }
}

#[tokio::test]
async fn requests_in_flight_never_exceed_the_concurrency() {
    // Three apps whose pipelines page takes 300 ms (in each of the two fetches): with one
    // permit they are read one after another; with three they overlap. The maximum is
    // cumulative, so the first fetch must leave it at 1.
    let mut builder = FakeBitrise::builder();
    for slug in [ALPHA, BRAVO, HIDDEN] {
        builder = builder.app(app(slug, "App")).fault(
            &pipelines_path(slug),
            Fault::Delay(Duration::from_millis(300)),
            2,
        );
    }
    let fake = builder.start();
    for (concurrency, expect_overlap) in [(1, false), (3, true)] {
        let client = Client::new(ClientOptions {
            api_url: format!("{}//", fake.url()),
            token: Secret::new(support::TOKEN),
            timeout: Duration::from_secs(5),
            concurrency,
            max_rps: None,
            retries: 0,
        })
        .expect("client");
        assert_eq!(client.api_url(), fake.url());
        fetch(&client, &plan(&[])).await.expect("fetch");
        if expect_overlap {
            assert!(fake.max_in_flight() >= 2, "{}", fake.max_in_flight());
        } else {
            assert_eq!(fake.max_in_flight(), 1);
        }
    }
}
