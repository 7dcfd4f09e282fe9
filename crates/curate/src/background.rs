//! Background work as the frame sees it: starting and queueing jobs, taking their results in, the scoring
//! worker and engine reloads, and the waits that tests and the CLI use.

use super::*;

impl Studio {
    /// Starts a job, or queues it behind the running one.
    pub(crate) fn start_job(&mut self, kind: JobKind) -> Result<()> {
        if self.job.is_some() {
            if self.pending_jobs.contains(&kind) {
                refuse!("{} is already waiting to run", kind.label());
            }
            self.pending_jobs.push_back(kind);
            return Ok(());
        }
        self.job = Some(Job::spawn(self.db.clone(), self.models.clone(), kind, self.scorer_choice, self.wake.clone()));
        Ok(())
    }

    pub(crate) fn start_next_job(&mut self) {
        if self.job.is_some() {
            return;
        }
        if let Some(kind) = self.pending_jobs.pop_front() {
            self.job = Some(Job::spawn(self.db.clone(), self.models.clone(), kind, self.scorer_choice, self.wake.clone()));
        } else {
            self.start_wanted_queue();
        }
    }

    /// Takes in a finished job's output.
    pub(crate) fn finish_job(&mut self, job: Job, outcome: Result<JobOutput, String>) {
        if matches!(job.kind, JobKind::Train(_)) {
            self.train.losses = job.losses;
        }
        match outcome {
            Ok(out) => {
                tracing::info!("job done: {}", out.summary);
                self.last_message = Some(out.summary.clone());
                self.job_done = Some(out.summary);
                match out.payload {
                    // New looks are in the stylist's queue: read it again (the Review screen shows them).
                    Payload::Looks(r) => {
                        // Straight to the batch just made, ahead of the model's picks.
                        if r.queued > 0 {
                            self.review.view = QueueView::Batch(r.batch.clone());
                        }
                        self.looks_result = Some(*r);
                        self.review.queue = None;
                        self.review.wanted = true;
                        self.refresh_lists();
                    }
                    Payload::PublishPlan(p) => self.publish_preview = Some(*p),
                    Payload::Joined(role) => self.joined_team(role),
                    Payload::TeamShared(t) => self.shared_arrived(*t),
                    Payload::None => {}
                    Payload::Queue(q) => {
                        // A queue built for a stylist who has since changed is dropped.
                        if q.stylist() == self.stylist {
                            let mut q = q;
                            if *q.view() != self.review.view {
                                q.set_view(self.review.view.clone());
                            }
                            self.review.queue = Some(q);
                            self.claim_team_queue();
                        }
                    }
                    Payload::Trained(id) => self.train.last_trained = Some(id),
                    Payload::Report(r) => self.train.report = Some(*r),
                    Payload::Agreement(rows, open) => {
                        self.train.agreement = Some(rows);
                        self.train.disagreements = open;
                    }
                    Payload::Merged(m, rows, open) => {
                        self.train.last_merge = Some(m);
                        self.train.agreement = Some(rows);
                        self.train.disagreements = open;
                    }
                }
            }
            Err(e) => {
                tracing::warn!("job failed: {e}");
                self.last_error = Some(e.into());
            }
        }
        // Whatever the job finished (a failed index still keeps its batches), read it back.
        if job.kind.reloads_engine() {
            self.reload_engines(None);
        } else {
            self.refresh_lists();
        }
    }

    /// Polls background work; call once per frame. Returns true when something changed.
    pub fn poll(&mut self) -> bool {
        let mut changed = false;
        if let Some((g, p)) = &mut self.grid.pending
            && let Some(r) = p.poll()
        {
            // A search that lost its thread leaves the last results up; a newer search replaced an older one.
            if let (Ok(r), true) = (r, *g == self.grid.search_gen) {
                self.grid.results = r;
                self.grid.results_gen += 1;
            }
            self.grid.pending = None;
            changed = true;
        }
        changed |= self.poll_scorer();
        changed |= self.poll_index_check();
        changed |= self.poll_writes();
        changed |= self.poll_board();
        changed |= self.poll_reload();
        changed |= self.poll_dialog();
        changed |= self.poll_catalogues();
        changed |= self.poll_team();
        if let Some(job) = &mut self.job
            && let Some(outcome) = job.poll()
        {
            let job = self.job.take().expect("polled");
            changed = true;
            self.finish_job(job, outcome);
        }
        if self.job.is_none() && (!self.pending_jobs.is_empty() || self.review.wanted) {
            self.start_next_job();
            changed = true;
        }
        changed
    }

    pub(crate) fn poll_scorer(&mut self) -> bool {
        let Some((choice, p)) = &mut self.pending_scorer else { return false };
        let choice = *choice;
        let Some(r) = p.poll() else { return false };
        let first = self.backend.is_none();
        self.pending_scorer = None;
        match r.and_then(|r| r) {
            Ok(b) => {
                if !first || choice != ScorerChoice::Auto {
                    self.last_message = Some(format!("Scorer ({}): {b}", choice.as_str()));
                }
                self.backend = Some(b);
            }
            Err(e) => self.last_error = Some(format!("cannot use the {} scorer: {e}", choice.as_str()).into()),
        }
        true
    }

    /// Starts indexing when the writer's count at start found items without features for today's encoders.
    fn poll_index_check(&mut self) -> bool {
        let Some(p) = &mut self.index_check else { return false };
        let Some(r) = p.poll() else { return false };
        self.index_check = None;
        match r.and_then(|r| r) {
            Ok(0) => {}
            Ok(n) => {
                tracing::info!("{n} items need features for {}: indexing", self.engine.encoder_key());
                let _ = self.start_job(JobKind::ImportAndIndex(Vec::new()));
            }
            Err(e) => tracing::warn!("cannot count items to index: {e}"),
        }
        true
    }

    /// Blocks until the writer's count at start is in, and starts the index job it calls for (tests).
    fn wait_for_index_check(&mut self) {
        if let Some(p) = &mut self.index_check {
            p.block();
            self.poll_index_check();
        }
    }

    /// Blocks until a scorer probe finishes (tests).
    pub fn wait_for_scorer(&mut self) {
        if let Some((_, p)) = &mut self.pending_scorer {
            p.block();
            self.poll_scorer();
        }
    }

    /// The worker that scores boards (tests hold it to see how late results are handled).
    #[doc(hidden)]
    pub fn scoring_worker(&self) -> &EngineWorker {
        &self.scoring
    }

    /// The scoring backend in use, once probed.
    pub fn scorer_backend(&self) -> Option<&str> {
        self.backend.as_deref()
    }

    /// True while anything the studio sent off is still on its way back (jobs aside).
    pub fn busy(&self) -> bool {
        !self.writes.is_empty()
            || !self.board.pending.is_empty()
            || self.pending_scorer.is_some()
            || self.index_check.is_some()
            || self.engine_reload.is_some()
            || self.grid.pending.is_some()
            || self.pending_dialog.is_some()
            || !self.deferred.is_empty()
    }

    /// Waits for everything sent off so far (writes, scores, probes, reloads, searches) and takes it in; jobs are
    /// [`Studio::wait_for_job`]'s. Tests and benchmarks call this between commands and assertions.
    pub fn settle(&mut self) {
        for _ in 0..100 {
            self.wait_for_writes();
            self.wait_for_reload();
            self.wait_for_board();
            self.wait_for_scorer();
            self.wait_for_index_check();
            self.wait_for_search();
            self.wait_for_preview();
            self.wait_for_dialog();
            self.poll();
            if !self.busy() {
                return;
            }
        }
    }

    /// Re-reads the catalogue, head and embeddings: once, into a new engine on a thread of its own, swapped in
    /// for the UI's when ready and then shared with the writer and the scoring worker. `done` is said then.
    pub(crate) fn reload_engines(&mut self, done: Option<String>) {
        let (db, models) = (self.db.clone(), self.models.clone());
        let p = Promise::spawn("outfit-studio-reload", self.wake.clone(), move || Engine::open(&db, &models).map_err(|e| format!("{e:#}")));
        self.engine_reload = Some((p, done));
    }

    pub(crate) fn poll_reload(&mut self) -> bool {
        let Some((p, _)) = &mut self.engine_reload else { return false };
        let Some(r) = p.poll() else { return false };
        let done = self.engine_reload.take().and_then(|(_, d)| d);
        match r.and_then(|r| r) {
            Ok(e) => {
                // The writer takes it over in order with its tasks; the scoring worker before the board's requests
                // below (a dropped promise: those requests see the new snapshot).
                let snap = e.snapshot();
                self.write(super::writes::Write::Reload, move |w| {
                    w.adopt(snap);
                    let r = w.store().catalogue_stamp().map_err(|err| format!("{err:#}"));
                    Box::new(move |s: &mut Studio| match r {
                        Ok(stamp) => s.set_catalogue_stamp(stamp),
                        Err(err) => s.last_error = Some(err.into()),
                    })
                });
                let snap = e.snapshot();
                drop(self.scoring.run(move |w| w.adopt(snap)));
                self.engine = e;
                self.rebuild_catalogue();
                self.refresh_board();
                if let Some(d) = done {
                    self.last_message = Some(d);
                }
            }
            Err(e) => self.last_error = Some(e.into()),
        }
        true
    }

    pub(crate) fn wait_for_reload(&mut self) {
        if let Some((p, _)) = &mut self.engine_reload {
            p.block();
            self.poll_reload();
        }
    }

    /// Blocks until the running job and those queued behind it finish (tests).
    pub fn wait_for_job(&mut self) -> Option<String> {
        // The index job that opening starts once the writer has counted is one of them.
        self.wait_for_index_check();
        loop {
            self.start_next_job();
            let Some(mut job) = self.job.take() else { break };
            let r = job.wait();
            self.finish_job(job, r);
        }
        self.job_done.take().or_else(|| self.last_message.clone())
    }

    /// Re-reads the catalogue, head and embeddings (after another process changed the database), in the
    /// background; [`Studio::settle`] waits for it.
    pub fn reload(&mut self) {
        self.reload_engines(None);
    }
}
