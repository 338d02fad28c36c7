//! The integration test binary: one binary so the suite links once. Each module tests one area
//! end to end against the fake Bitrise API of `support`.

#[path = "../support/mod.rs"]
mod support;

mod bitrise_client;
mod check;
mod cli;
