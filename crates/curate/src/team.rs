//! Team mode in the app (issue 21): the sync worker runs while this database is joined to a team; the status bar
//! reads its state as a view, a committed write nudges it to push at once, and the lists, the agreement table and
//! the lead's disagreements are re-read when other stylists' judgements arrive. The worker has its own SQLite and
//! PostgreSQL connections: the frame never waits. A lead settles a disagreement here with a judgement of its own.
//! The team's head versions and catalogues are read from the team store by a background job, and a head is
//! installed and activated by another (approved looks arrive with sync, like judgements).

pub use super::team_shared::TeamShared;
use super::writes::Write;
use super::{JobKind, Screen, Studio};
use crate::problem::{Result, refuse};
use outfit_engine::Engine;
use outfit_store::{JudgementSource, Verdict};
pub use outfit_team::TeamStatus;
use outfit_team::{SyncOptions, TeamSync};
use std::path::Path;

pub(super) struct TeamState {
    sync: TeamSync,
    /// The team's heads and catalogues as last read.
    shared: Option<TeamShared>,
    /// The worker's `received` when the lists were last re-read.
    seen: u64,
    /// The generation of the last claim answer put into the review queue.
    routed: Option<u64>,
}

/// Outfits claimed from the team's queue at a time: a sitting's worth, so leases do not hold what others could judge.
pub const TEAM_BATCH: i32 = 10;

/// Starts syncing if this database joined a team (`outfit-studio team connect`); None otherwise or if the worker
/// cannot start (said in the log; the app works on locally as always).
pub(super) fn start(engine: &Engine, db: &Path, wake: super::work::Waker) -> Option<TeamState> {
    engine.store().team_config().ok().flatten()?;
    let opts = SyncOptions { on_change: Some(wake), ..Default::default() };
    match TeamSync::start(db, opts) {
        Ok(sync) => Some(TeamState { sync, shared: None, seen: 0, routed: None }),
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

    /// The team's heads and catalogues as last read (None before the first read, or outside a team).
    pub fn team_shared(&self) -> Option<&TeamShared> {
        self.team.as_ref().and_then(|t| t.shared.as_ref())
    }

    /// Refuses what needs a team store when this database has joined none.
    pub(super) fn require_team(&self) -> Result<()> {
        if self.team.is_none() {
            refuse!("join a team store first");
        }
        Ok(())
    }

    /// Reads the team's heads and catalogues again (background).
    pub(super) fn refresh_team_shared(&mut self) -> Result<()> {
        self.require_team()?;
        if !self.job_busy(|k| matches!(k, JobKind::TeamShared)) {
            self.start_job(JobKind::TeamShared)?;
        }
        Ok(())
    }

    /// The background read of the team's heads and catalogues finished.
    pub(super) fn shared_arrived(&mut self, shared: TeamShared) {
        if let Some(t) = &mut self.team {
            t.shared = Some(shared);
        }
    }

    /// The Team screen opened: agreement is computed when not yet, and the team's heads and catalogues read.
    pub(super) fn opened_team_screen(&mut self) -> Result<()> {
        if self.train.agreement.is_none() && !self.job_busy(|k| matches!(k, JobKind::Agreement)) {
            self.start_job(JobKind::Agreement)?;
        }
        if self.team.as_ref().is_some_and(|t| t.shared.is_none()) {
            self.refresh_team_shared()?;
        }
        Ok(())
    }

    /// A write was committed: push it now rather than at the next poll.
    pub(super) fn nudge_team(&self) {
        if let Some(t) = &self.team {
            t.sync.nudge();
        }
    }

    /// Once per frame: when the team's judgements arrived, re-read the lists (through the writer, in order).
    pub(super) fn poll_team(&mut self) -> bool {
        let routed = self.poll_routed();
        let Some(t) = &mut self.team else { return false };
        let received = t.sync.status().received;
        if received == t.seen {
            return routed;
        }
        t.seen = received;
        self.refresh_lists();
        self.agreement_changed();
        true
    }

    /// Asks the team's queue for outfits to review (the ones this stylist holds first): when the review queue
    /// loads or runs out. The answer arrives in a later frame.
    pub(super) fn claim_team_queue(&self) {
        if let Some(t) = &self.team {
            t.sync.claim(TEAM_BATCH);
        }
    }

    /// A claim was answered: its outfits join the review queue (through the writer, which dedups).
    fn poll_routed(&mut self) -> bool {
        let Some(t) = &mut self.team else { return false };
        let Some((generation, held)) = t.sync.claimed().filter(|(g, _)| Some(*g) != t.routed) else { return false };
        t.routed = Some(generation);
        let Some(mut q) = self.review.queue.take() else {
            // Loading: the loaded queue claims again.
            return false;
        };
        if held.is_empty() && q.next().is_none() {
            self.last_message = Some("The team's review queue has nothing for you now: the lead adds outfits (`team enqueue`).".into());
        }
        self.review.shown = Some(q.clone());
        let routed: Vec<(Vec<String>, Option<f64>)> = held.into_iter().map(|r| (r.skus, None)).collect();
        self.write(Write::TeamQueue, move |e| {
            let r = q.add_routed(e, &routed).map_err(super::Problem::of);
            Box::new(move |s: &mut Studio| {
                s.review.shown = None;
                if q.stylist() == s.stylist {
                    s.review.queue = Some(q);
                }
                if let Err(e) = r {
                    s.last_error = Some(e.context("the team's outfits did not reach the review queue"));
                }
            })
        });
        true
    }

    /// The stylist moved on from queue entry `id` without judging it: a team outfit is given back at once
    /// (another stylist may get it) and passed over here. Other entries are only navigation.
    pub(super) fn left_queue_entry(&mut self, id: i64) {
        let is_team =
            |q: &outfit_labels::ReviewQueue| q.entries().iter().any(|e| e.id == id && e.source == outfit_labels::queue::TEAM_SOURCE);
        if self.team.is_none() || !self.review.queue.as_ref().is_some_and(is_team) {
            return;
        }
        let Some(mut q) = self.review.queue.take() else { return };
        self.review.shown = Some(q.clone());
        self.write(Write::TeamQueue, move |e| {
            let r = q.pass_over_routed(e, id).map_err(super::Problem::of);
            Box::new(move |s: &mut Studio| {
                s.review.shown = None;
                match r {
                    Ok(Some(key)) => {
                        if let Some(t) = &s.team {
                            t.sync.release(&key);
                        }
                    }
                    Ok(None) => {}
                    Err(e) => s.last_error = Some(e.context("cannot pass over the team's outfit")),
                }
                if q.stylist() == s.stylist {
                    s.review.queue = Some(q);
                }
            })
        });
    }

    /// The judgements changed (the team's arrived, a settlement): agreement and disagreements are recomputed now
    /// when the Team screen shows them, else when it opens next.
    pub(super) fn agreement_changed(&mut self) {
        if self.screen != Screen::Team {
            self.train.agreement = None;
        } else if !self.job_busy(|k| matches!(k, JobKind::Agreement))
            && let Err(e) = self.start_job(JobKind::Agreement)
        {
            self.last_error = Some(super::Problem::of(e));
        }
    }

    /// Settles an open disagreement: one transaction, recorded as the current stylist with the source
    /// Joined (a background job): sync starts, and the stylist becomes the team role, since the server accepts
    /// judgements only under the stylist's own name.
    pub(super) fn joined_team(&mut self, role: String) {
        self.team = start(&self.engine, &self.db, self.wake.clone());
        if self.team.is_none() {
            self.last_error = Some("joined, but team sync did not start (see the log); judgements are kept here".into());
        }
        if role != self.stylist {
            self.apply(super::Command::SetStylist(role));
        }
    }

    /// Leaves the team: sync stops, local judgements stay, nothing more is queued for the server.
    pub(super) fn leave_team(&mut self) {
        self.team = None;
        self.write(Write::LeaveTeam, |e| {
            let r = e.store_mut().leave_team().map_err(super::Problem::of);
            Box::new(move |s: &mut Studio| match r {
                Ok(()) => s.last_message = Some("Left the team: your judgements stay here, and nothing more is shared".into()),
                Err(e) => s.last_error = Some(e.context("could not leave the team")),
            })
        });
    }

    /// [`JudgementSource::Settled`], pushed to the team like any judgement. The outfit leaves the list at once.
    pub(super) fn settle_disagreement(&mut self, skus: Vec<String>, v: Verdict) -> Result<()> {
        if self.stylist.is_empty() {
            refuse!("enter your name first: a settlement records who made it");
        }
        if v == Verdict::Skip {
            refuse!("a disagreement is settled by accepting or rejecting the outfit");
        }
        let key = outfit_store::outfit_key(&skus);
        if !self.train.disagreements.iter().any(|d| d.outfit_key == key) {
            refuse!("{} is not an open disagreement", skus.join(" "));
        }
        let stylist = self.stylist.clone();
        self.write(Write::Settle, move |e| {
            let r = e.judge(&skus, v, &stylist, JudgementSource::Settled, &[], None).map_err(super::Problem::of);
            Box::new(move |s: &mut Studio| match r {
                Ok(_) => {
                    s.train.disagreements.retain(|d| d.outfit_key != key);
                    s.last_message = Some(format!("Settled: {} {}", super::verdict_past(v).to_lowercase(), skus.join(" ")));
                    s.agreement_changed();
                }
                Err(e) => s.last_error = Some(e.context("the settlement was not recorded")),
            })
        });
        Ok(())
    }
}
