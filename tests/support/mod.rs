//! Test support shared by the integration tests: the HTTP plumbing of the fakes ([`http`]), a
//! fake Bitrise API on 127.0.0.1 ([`server`]), a fake GitHub REST API ([`github`]), builders
//! of app objects and pipelines-list items in the API's real shapes ([`items`]), and the shared
//! set of hostile text ([`hostile`]). Every value here is invented.

// Each test module uses a different part of the support code, and the re-exports below are
// for the end-to-end tests the integrator adds.
#![allow(dead_code, unused_imports)]

pub mod github;
pub mod hostile;
pub mod http;
pub mod items;
pub mod server;

pub use github::{FakeGithub, TokenUser, GITHUB_TOKEN};
pub use items::{
    app, detail_workflow, disabled_app, pipeline_detail, pipeline_run, skipped_workflow,
    standalone_build, with,
};
pub use server::{Chaos, FakeBitrise, Fault, RecordedRequest};

/// The token the fake accepts unless a test sets another.
pub const TOKEN: &str = "bitwat_fake-token-7f3a9c";

/// The `ci-vitals` binary running `command` with a clean environment: the token and API URL
/// only as a test sets them (for a fake: its URL, its token, no retries, a 5 s timeout).
pub fn ci_vitals(fake: Option<&FakeBitrise>, command: &str) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("ci-vitals").expect("binary");
    cmd.env_remove("BITRISE_TOKEN")
        .env_remove("BITRISE_API_URL")
        .arg(command);
    if let Some(fake) = fake {
        cmd.env("BITRISE_TOKEN", TOKEN)
            .env("BITRISE_API_URL", fake.url())
            .args(["--retries", "0", "--timeout", "5"]);
    }
    cmd
}
