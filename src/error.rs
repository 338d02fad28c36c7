//! The top-level error and the one table of exit codes (cli.md, README "Exit codes").

use crate::bitrise::ApiError;
use crate::model::ErrorCode;
use crate::report::RenderError;
use crate::snapshot::SnapshotError;

/// Every way a command can fail.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Flags, environment or configuration that cannot work together (exit 3).
    #[error("{0}")]
    Config(String),
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error("cannot write {path}: {source}")]
    Output {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    /// Publishing to GitHub failed after the report was written (exit 1).
    #[error(transparent)]
    Publish(#[from] crate::publish::PlanError),
    /// The run completed but some apps were skipped and `--strict` was given (exit 1).
    #[error("{0}")]
    Strict(String),
}

impl Error {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Config(_) => 3,
            Error::Api(e) => exit_code_for(e.code),
            Error::Snapshot(_)
            | Error::Render(_)
            | Error::Output { .. }
            | Error::Publish(_)
            | Error::Strict(_) => 1,
        }
    }
}

/// The exit code of a failure classified by `code`: the connection-check codes have their own
/// (5, 6, 7); everything else is a runtime failure (1).
pub fn exit_code_for(code: ErrorCode) -> i32 {
    match code {
        ErrorCode::InvalidCredentials => 5,
        ErrorCode::InvalidPermissions => 6,
        ErrorCode::NoResources => 7,
        ErrorCode::NetworkError | ErrorCode::DecodeError | ErrorCode::ApiError => 1,
    }
}
