//! Why team work fails, by what the stylist or lead does next: fix the URL or the password file, wait for the
//! server (connect, server), ask the lead (a refused role or routing), or read the store's error. A wrapped error
//! is printed with its causes in the variant's message (PostgreSQL's own says only "db error"), not reported as
//! `source()`, so `{:#}` through anyhow does not say it twice.

use outfit_store::{StoreError, with_causes};
use std::path::PathBuf;
use std::time::Duration;

/// Results of the team layer.
pub type Result<T, E = TeamError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum TeamError {
    /// The team URL cannot be used as given; the message says how to write it (never echoing a password).
    #[error("{0}")]
    Url(String),
    /// The team store cannot be reached, or refused the login.
    #[error("cannot connect to the team store {url}: {}", with_causes(error))]
    Connect { url: String, error: postgres::Error },
    /// TLS cannot be set up (a bad `PGSSLROOTCERT`, no usable protocol versions).
    #[error("{0}")]
    Tls(String),
    /// The password prompt failed.
    #[error("cannot read the password: {0}")]
    Password(std::io::Error),
    /// The server refused a step; `what` says which (creating the schema, a stylist's role, a push or a pull).
    #[error("{what}: {}", with_causes(error))]
    Server { what: String, error: postgres::Error },
    /// The server has no team store yet: the lead runs `team init` first.
    #[error(
        "this server has no Outfit Studio team store (run `outfit-studio team init postgres://ADMIN@…` as the lead first): {}",
        with_causes(.0)
    )]
    NoTeamStore(postgres::Error),
    /// A stylist name, overlap or lease the team cannot use; the message says what is allowed.
    #[error("{0}")]
    Invalid(String),
    /// The database has joined no team.
    #[error("{} has joined no team (run `team connect`)", db.display())]
    NotJoined { db: PathBuf },
    /// The throwaway server of the tests and the bench cannot run (no PostgreSQL programs, a failing `pg_ctl`).
    #[error("{0}")]
    Cluster(String),
    /// The bench waited too long for the other stylist's store.
    #[error("timed out after {limit:?} waiting for {what}")]
    Timeout { what: String, limit: Duration },
    /// A routed outfit's SKUs are not a JSON list.
    #[error("outfit SKUs are not a JSON list: {0}")]
    Skus(serde_json::Error),
    /// The sync worker's thread could not start.
    #[error("cannot start the team sync thread: {0}")]
    Thread(std::io::Error),
    /// A file the team writes or reads itself (a password file, the throwaway server's files).
    #[error("{}: {error}", path.display())]
    Io { path: PathBuf, error: std::io::Error },
    /// Any other PostgreSQL error, with its causes (its own message is only "db error").
    #[error("{}", with_causes(.0))]
    Postgres(postgres::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// By hand rather than `#[from]`, which would also make it the `source()` that the message already prints.
impl From<postgres::Error> for TeamError {
    fn from(e: postgres::Error) -> TeamError {
        TeamError::Postgres(e)
    }
}

impl TeamError {
    /// An I/O error with the path it concerns.
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> TeamError {
        let path = path.into();
        move |error| TeamError::Io { path, error }
    }

    /// A server error with the step it stopped.
    pub(crate) fn server(what: impl Into<String>) -> impl FnOnce(postgres::Error) -> TeamError {
        let what = what.into();
        move |error| TeamError::Server { what, error }
    }
}
