//! The integration test binary: one binary so the suite links once. Each module tests one area
//! end to end: the Bitrise client, pipeline details and the connection check against the fake
//! Bitrise API of `support`, the `ci-vitals` binary itself, user templates, and the HTML report
//! in a headless browser.

#[path = "../support/mod.rs"]
mod support;

mod bitrise_client;
mod browser;
mod check;
mod cli;
mod details;
mod shards;
mod templates;
