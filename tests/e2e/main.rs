//! The integration test binary: one binary so the suite links once. Each module tests one area
//! end to end: the Bitrise client, pipeline details and the connection check against the fake
//! Bitrise API of `support`, the `ci-vitals` binary itself, `--fail-if` gates, the GitHub Action's
//! script, user templates, the HTML report in a headless browser, and trust under faults,
//! signals and hostile text.

#[path = "../support/mod.rs"]
mod support;

mod action;
mod bitrise_client;
mod browser;
mod cache;
mod check;
mod cli;
mod details;
mod faults;
mod fuzz;
mod gates;
mod publish;
mod shards;
mod templates;
mod ux;
