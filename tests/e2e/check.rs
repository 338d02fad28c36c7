//! `bitrise::check` (the seed's connection check) against the fake API: success and each
//! failure code, the JSON shape, the text output and the exit codes.

use std::time::Duration;

use ci_vitals::bitrise::{check, CheckReport, Client, ClientOptions};
use ci_vitals::model::ErrorCode;
use ci_vitals::secret::Secret;
use serde_json::json;

use crate::support::{self, app, disabled_app, FakeBitrise, Fault};

const ALPHA: &str = "0123456789abcdef";
const BRAVO: &str = "fedcba9876543210";
const CHARLIE: &str = "00000000c0ffee00";

fn client_for(api_url: &str, token: &str) -> Client {
    Client::new(ClientOptions {
        api_url: api_url.to_owned(),
        token: Secret::new(token),
        timeout: Duration::from_secs(5),
        concurrency: 2,
        max_rps: None,
        retries: 0,
    })
    .expect("client")
}

async fn run_check(fake: &FakeBitrise, named: &[&str]) -> CheckReport {
    let named: Vec<String> = named.iter().map(|s| (*s).to_owned()).collect();
    check(&client_for(&fake.url(), support::TOKEN), &named).await
}

fn three_apps() -> support::server::Builder {
    FakeBitrise::builder()
        .app(app(ALPHA, "Alpha"))
        .app(app(BRAVO, "Bravo"))
        .app(disabled_app(CHARLIE, "Charlie"))
}

#[tokio::test]
async fn a_healthy_connection_reads_every_enabled_app() {
    let fake = three_apps().start();
    let report = run_check(&fake, &[]).await;
    assert_eq!(report.exit_code(), 0);
    assert_eq!(
        serde_json::to_value(&report).expect("json"),
        json!({
            "ok": true,
            "error": null,
            "message": "the token lists apps and reads the pipelines of 2 apps",
            "apps": [
                {"slug": ALPHA, "title": "Alpha", "pipelines_readable": true, "error": null},
                {"slug": BRAVO, "title": "Bravo", "pipelines_readable": true, "error": null}
            ]
        })
    );
    let reads = fake.requests_to(&format!("/v0.1/apps/{ALPHA}/pipelines"));
    assert_eq!(reads.len(), 1);
    assert_eq!(reads[0].query_value("limit"), Some("1"));
    let text = report.render_text(&fake.url());
    assert!(
        text.starts_with(&format!("ok  {ALPHA}  Alpha\nok  {BRAVO}  Bravo\n")),
        "{text}"
    );
    assert!(text.contains("connection ok"), "{text}");
}

#[tokio::test]
async fn a_rejected_token_is_invalid_credentials() {
    let fake = three_apps().start();
    let report = check(&client_for(&fake.url(), "bitwat_expired"), &[]).await;
    assert!(!report.ok);
    assert_eq!(report.error, Some(ErrorCode::InvalidCredentials));
    assert_eq!(report.exit_code(), 5);
    let value = serde_json::to_value(&report).expect("json");
    assert_eq!(value["error"], "invalid_credentials");
    assert_eq!(value["apps"], json!([]));
    let text = report.render_text(&fake.url());
    assert!(
        text.contains("workspace API token with the Viewer role"),
        "{text}"
    );
    assert!(text.contains(&format!(
        "curl -H 'Authorization: TOKEN' -H 'Accept: application/json' '{}/v0.1/apps?limit=1'",
        fake.url()
    )));
    assert!(!text.contains("bitwat_expired"), "{text}");
}

#[tokio::test]
async fn an_unreadable_app_is_invalid_permissions_naming_the_app() {
    let fake = three_apps().forbidden(BRAVO).start();
    let report = run_check(&fake, &[]).await;
    assert_eq!(report.error, Some(ErrorCode::InvalidPermissions));
    assert_eq!(report.exit_code(), 6);
    assert_eq!(
        serde_json::to_value(&report.apps).expect("json"),
        json!([
            {"slug": ALPHA, "title": "Alpha", "pipelines_readable": true, "error": null},
            {"slug": BRAVO, "title": "Bravo", "pipelines_readable": false,
             "error": "invalid_permissions"}
        ])
    );
    let text = report.render_text(&fake.url());
    assert!(
        text.contains(&format!("product access to app {BRAVO} (Bravo)")),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "'{}/v0.1/apps/{BRAVO}/pipelines?limit=1'",
            fake.url()
        )),
        "{text}"
    );
}

#[tokio::test]
async fn a_named_app_the_token_cannot_see_is_invalid_permissions() {
    let fake = three_apps().start();
    let unknown = "1111222233334444";
    // A named disabled app is checked too.
    let report = run_check(&fake, &[CHARLIE, unknown]).await;
    assert_eq!(report.error, Some(ErrorCode::InvalidPermissions));
    assert!(report.apps[0].pipelines_readable);
    assert_eq!(report.apps[1].slug, unknown);
    assert_eq!(report.apps[1].title, None);
    assert!(
        report.message.contains("unknown or not visible"),
        "{}",
        report.message
    );
}

#[tokio::test]
async fn a_token_that_sees_no_apps_is_no_resources() {
    let fake = FakeBitrise::builder().start();
    let report = run_check(&fake, &[]).await;
    assert_eq!(report.error, Some(ErrorCode::NoResources));
    assert_eq!(report.exit_code(), 7);
    assert_eq!(
        serde_json::to_value(&report).expect("json")["error"],
        "no_resources"
    );
    let text = report.render_text(&fake.url());
    assert!(
        text.contains("/v0.1/apps/APP_SLUG/pipelines?limit=1'"),
        "{text}"
    );
}

#[tokio::test]
async fn credentials_outrank_permissions() {
    // The token is revoked between the apps list and the first app's read.
    let fake = three_apps()
        .forbidden(ALPHA)
        .fault(
            &format!("/v0.1/apps/{BRAVO}/pipelines"),
            Fault::Status(401),
            1,
        )
        .start();
    let report = run_check(&fake, &[]).await;
    assert_eq!(report.error, Some(ErrorCode::InvalidCredentials));
    assert_eq!(report.apps[0].error, Some(ErrorCode::InvalidPermissions));
    assert_eq!(report.apps[1].error, Some(ErrorCode::InvalidCredentials));
}

#[tokio::test]
async fn an_unreachable_api_is_a_network_error() {
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let report = check(
        &client_for(&format!("http://127.0.0.1:{port}"), support::TOKEN),
        &[],
    )
    .await;
    assert_eq!(report.error, Some(ErrorCode::NetworkError));
    assert_eq!(report.exit_code(), 1);
    assert!(
        report.message.starts_with(&format!(
            "GET /v0.1/apps: cannot connect to http://127.0.0.1:{port}: "
        )),
        "{}",
        report.message
    );
}
