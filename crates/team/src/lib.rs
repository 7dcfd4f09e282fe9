//! Team mode (issue 21): several stylists, one shared log of judgements on PostgreSQL, each app still local-first.
//!
//! A judgement commits to the stylist's SQLite first, exactly as without a team; a trigger puts it in the outbox in
//! that same transaction ([`outfit_store::Store::join_team`]). [`TeamSync`] pushes the outbox in order (idempotent
//! by the client's UUID v7), pulls the others' events by LISTEN/NOTIFY with a polling fallback, and keeps the state
//! the status bar shows; approved looks and their renames, head versions and catalogues go the same way ([`share`]).
//! [`routing`] hands outfits to at most N stylists under expiring leases. [`server`] holds the server's schema and its access rules, [`conn`] the URL, password file
//! and TLS, [`cluster`] a throwaway server for tests and the benchmark ([`bench`]).

pub mod bench;
pub mod cluster;
pub mod conn;
mod error;
pub mod membership;
pub mod routing;
pub mod server;
pub mod share;
mod sync;

pub use conn::TeamUrl;
pub use error::{Result, TeamError};
pub use membership::{Joined, join};
pub use sync::{SyncOptions, TeamStatus, TeamSync, pull_all, pull_looks, push_all, sync_once};
