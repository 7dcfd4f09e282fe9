//! Team mode in the app (issue 21): the sync worker runs while this database is joined to a team; the status bar
//! reads its state as a view, a committed write nudges it to push at once, and the lists are re-read when other
//! stylists' judgements arrive. The worker has its own SQLite and PostgreSQL connections: the frame never waits.

use super::Studio;
use outfit_engine::Engine;
pub use outfit_team::TeamStatus;
use outfit_team::{SyncOptions, TeamSync};
use std::path::Path;

pub(super) struct TeamState {
    sync: TeamSync,
    /// The worker's `received` when the lists were last re-read.
    seen: u64,
}

/// Starts syncing if this database joined a team (`outfit-studio team connect`); None otherwise or if the worker
/// cannot start (said in the log; the app works on locally as always).
pub(super) fn start(engine: &Engine, db: &Path, wake: super::work::Waker) -> Option<TeamState> {
    engine.store().team_config().ok().flatten()?;
    let opts = SyncOptions { on_change: Some(wake), ..Default::default() };
    match TeamSync::start(db, opts) {
        Ok(sync) => Some(TeamState { sync, seen: 0 }),
        Err(e) => {
            tracing::warn!("team sync did not start: {e:#}");
            None
        }
    }
}

impl Studio {
    /// The team state for the status bar: connected, pending, last sync (None when not in a team).
    pub fn team_status(&self) -> Option<TeamStatus> {
        self.team.as_ref().map(|t| t.sync.status())
    }

    /// A write was committed: push it now rather than at the next poll.
    pub(super) fn nudge_team(&self) {
        if let Some(t) = &self.team {
            t.sync.nudge();
        }
    }

    /// Once per frame: when the team's judgements arrived, re-read the lists (through the writer, in order).
    pub(super) fn poll_team(&mut self) -> bool {
        let Some(t) = &mut self.team else { return false };
        let received = t.sync.status().received;
        if received == t.seen {
            return false;
        }
        t.seen = received;
        self.refresh_lists();
        true
    }
}
