//! ci-vitals: CI health metrics for Bitrise pipelines.
//!
//! The data flows through the modules in this order: [`cli`] (the command line) → [`config`]
//! (one checked [`config::Config`]) → [`bitrise`] (HTTP client, wire types, paging, connection
//! check) → [`model`] (domain runs) → [`metrics`] (pure functions) → [`report`] (JSON, Markdown
//! and HTML), with [`gates`] judged on the metrics → [`publish`] (GitHub job summary, PR comment,
//! outputs). [`snapshot`] stores what was fetched; [`demo`] builds the built-in sample data; [`cancel`] stops a
//! command on SIGINT/SIGTERM.

pub mod bitrise;
pub mod cancel;
pub mod cli;
pub mod commands;
pub mod config;
pub mod demo;
pub mod error;
pub mod filter;
pub mod gates;
pub mod metrics;
pub mod model;
pub mod progress;
pub mod publish;
pub mod report;
pub mod secret;
pub mod snapshot;
pub mod term;

pub use error::Error;
