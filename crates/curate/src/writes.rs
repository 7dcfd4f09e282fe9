//! Every database write of the studio, on the writer thread (an [`EngineWorker`] with its own connection), in
//! the order the stylist made them. A write is acknowledged only once its transaction committed, so "saving…"
//! shows until then and "recorded" after: durable before acknowledged. Each acknowledgement carries a fresh
//! read of the lists the screens show (counts, approved looks, versions, catalogues), made on the same thread
//! right after the write.

use super::{
    BoardCommand, BoardItem, Command, FromQueue, Problem, QueueCommand, Reason, Screen, Studio, UndoEntry, reason_words, verdict_noun,
    verdict_past,
};
use crate::problem::{Context, Result, refuse};
use outfit_engine::{Engine, JudgeRequest};
use outfit_labels::ReviewQueue;
use outfit_store::{Catalogue, JudgementSource, ModelRow, Outfit, OutfitStatus, UndoEffects, Verdict};

/// Writer tasks that record nothing the stylist did (they read, or reload the engine): never "Saving…".
/// What a write hands back to the UI thread: applied to the studio when the write is acknowledged.
pub(super) type Apply = Box<dyn FnOnce(&mut Studio) + Send>;

/// The studio's writes, each named for the status line and its errors, and knowing which lists it changes (so
/// that only those are read again after it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::Display)]
pub(super) enum Write {
    /// Reads every list again (after a job, or when asked).
    #[strum(to_string = "refresh")]
    Refresh,
    /// The writer adopts a catalogue read again.
    #[strum(to_string = "reloading")]
    Reload,
    #[strum(to_string = "changing the catalogue")]
    ChangeCatalogue,
    #[strum(to_string = "deleting the catalogue")]
    DeleteCatalogue,
    /// The team's routed outfits join or leave the review queue.
    #[strum(to_string = "team queue")]
    TeamQueue,
    #[strum(to_string = "leaving the team")]
    LeaveTeam,
    #[strum(to_string = "settling a disagreement")]
    Settle,
    #[strum(to_string = "saving the judgement")]
    Judgement,
    #[strum(to_string = "undoing")]
    Undo,
    #[strum(to_string = "renaming")]
    Rename,
    #[strum(to_string = "saving the queue decision")]
    QueueDecision,
}

impl Write {
    /// Whether it saves the stylist's work ("Saving…", then "Recorded"); the others are bookkeeping.
    fn saves(self) -> bool {
        !matches!(self, Write::Refresh | Write::Reload | Write::TeamQueue)
    }

    /// The lists it can change.
    fn changes(self) -> Changes {
        use Write::*;
        match self {
            Refresh | Reload | DeleteCatalogue => Changes::ALL,
            ChangeCatalogue => Changes { catalogues: true, ..Changes::NONE },
            TeamQueue | LeaveTeam => Changes::NONE,
            Settle => Changes { judgements: true, ..Changes::NONE },
            Judgement | Undo | QueueDecision => Changes { judgements: true, looks: true, ..Changes::NONE },
            Rename => Changes { looks: true, ..Changes::NONE },
        }
    }
}

/// Which of the screens' lists a write changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Changes {
    /// Judgement counts, label counts and the generated looks' counters.
    pub judgements: bool,
    /// The approved looks.
    pub looks: bool,
    pub heads: bool,
    pub catalogues: bool,
}

impl Changes {
    pub const ALL: Changes = Changes { judgements: true, looks: true, heads: true, catalogues: true };
    pub const NONE: Changes = Changes { judgements: false, looks: false, heads: false, catalogues: false };
}

/// What the screens list, read from the database after a write: the lists it changed, the rest `None`.
#[derive(Default)]
pub(super) struct Lists {
    pub judgements: Option<JudgementLists>,
    pub approved: Option<Vec<Outfit>>,
    pub versions: Option<Vec<ModelRow>>,
    pub catalogues: Option<(Vec<Catalogue>, i64)>,
}

/// The counts that move with every judgement.
pub(super) struct JudgementLists {
    pub counts: (usize, usize),
    pub labelled: usize,
    pub labelled_outfits: usize,
    pub generated: Vec<outfit_store::queue::GeneratedCounts>,
    pub approval_days: Vec<outfit_store::queue::DailyApproval>,
}

impl Lists {
    pub fn read(e: &Engine, stylist: &str, changes: Changes) -> Result<Lists> {
        let judgements = if changes.judgements {
            let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
            let counts = e.store().judgement_counts(stylist, &today).context("cannot count judgements")?;
            let (labelled, labelled_outfits) = e.store().label_counts().context("cannot count judgements")?;
            let generated = e.generated_counts().context("cannot count generated looks")?;
            let approval_days = e.generated_approval_by_day().context("cannot count generated looks")?;
            Some(JudgementLists { counts, labelled, labelled_outfits, generated, approval_days })
        } else {
            None
        };
        let approved = changes
            .looks
            .then(|| e.store().outfits(&[OutfitStatus::Approved, OutfitStatus::Exported]).context("cannot read approved looks"))
            .transpose()?;
        let versions = changes.heads.then(|| e.store().models().context("cannot read model versions")).transpose()?;
        let catalogues = if changes.catalogues {
            let list = e.store().catalogues().context("cannot read catalogues")?;
            Some((list, e.store().catalogue_stamp().context("cannot read the catalogue stamp")?))
        } else {
            None
        };
        Ok(Lists { judgements, approved, versions, catalogues })
    }
}

/// A judgement on the board, as it was when the stylist judged it.
struct BoardJudgement {
    skus: Vec<String>,
    verdict: Verdict,
    stylist: String,
    source: JudgementSource,
    reasons: Vec<Reason>,
    board: Vec<BoardItem>,
    editing: Option<i64>,
    from_queue: Option<FromQueue>,
}

/// A review-queue action; the queue travels to the writer and back with the result.
enum QueueAction {
    Decide(Verdict, Vec<String>),
    Undo,
    Edit(i64, Verdict),
}

impl Studio {
    /// Sends a write (or a read that must follow the writes before it) to the writer thread. `f` runs there with
    /// the writer's engine and returns what to do with the studio once acknowledged; the lists it changes are
    /// read again after it.
    pub(super) fn write(&mut self, what: Write, f: impl FnOnce(&mut Engine) -> Apply + Send + 'static) {
        let stylist = self.stylist.clone();
        let p = self.writer.run(move |e| {
            let then = f(e);
            let lists = Lists::read(e, &stylist, what.changes()).map_err(|err| format!("{err:#}"));
            Box::new(move |s: &mut Studio| {
                s.take_lists(lists);
                then(s);
            }) as Apply
        });
        self.writes.push_back((what, p));
    }

    /// Re-reads the lists after the writes sent so far.
    pub(super) fn refresh_lists(&mut self) {
        self.write(Write::Refresh, |_| Box::new(|_| {}));
    }

    pub(super) fn take_lists(&mut self, lists: Result<Lists, String>) {
        match lists {
            Ok(l) => {
                if let Some(j) = l.judgements {
                    self.counts = j.counts;
                    self.train.labelled = j.labelled;
                    self.train.labelled_outfits = j.labelled_outfits;
                    self.review.generated = j.generated;
                    self.review.approval_days = j.approval_days;
                }
                if let Some(approved) = l.approved {
                    self.approved = approved;
                }
                if let Some(versions) = l.versions {
                    self.train.versions = versions;
                }
                if let Some((list, _)) = l.catalogues {
                    self.set_catalogue_list(list);
                }
            }
            Err(e) => self.last_error = Some(e.into()),
        }
    }

    /// True while a write has not been acknowledged.
    pub fn saving(&self) -> bool {
        self.writes.iter().any(|(what, _)| what.saves())
    }

    /// "Saving…" while a judgement or other write is on its way to the database, "Recorded" once every one was
    /// committed (nothing before the first write).
    pub fn save_status(&self) -> Option<&'static str> {
        if self.saving() {
            Some("Saving…")
        } else if self.recorded {
            Some("Recorded")
        } else {
            None
        }
    }

    /// Takes in acknowledged writes, oldest first; true when one arrived.
    pub(super) fn poll_writes(&mut self) -> bool {
        let ready = super::work::take_ready(&mut self.writes);
        let mut changed = !ready.is_empty();
        for (what, r) in ready {
            match r {
                Ok(apply) => {
                    apply(self);
                    if what.saves() {
                        self.recorded = true;
                        self.nudge_team();
                    }
                }
                Err(e) => self.last_error = Some(format!("{what}: {e}").into()),
            }
        }
        changed |= self.run_deferred();
        changed
    }

    /// Blocks until every write sent so far is acknowledged (tests, benchmarks).
    pub fn wait_for_writes(&mut self) {
        while let Some((_, p)) = self.writes.front_mut() {
            p.block();
            self.poll_writes();
        }
        self.poll_writes();
    }

    /// Commands that read what earlier writes return (an undo needs the judgement's id) wait for them.
    pub(super) fn must_wait(&self, cmd: &Command) -> bool {
        self.saving()
            && matches!(
                cmd,
                Command::Undo
                    | Command::Queue(QueueCommand::Decide(_))
                    | Command::Queue(QueueCommand::Undo)
                    | Command::Queue(QueueCommand::Edit(..))
                    | Command::Board(BoardCommand::ReopenOutfit(_))
            )
    }

    /// Applies deferred commands once nothing they depend on is in flight.
    fn run_deferred(&mut self) -> bool {
        let mut ran = false;
        while !self.deferred.is_empty() && !self.must_wait(self.deferred.front().expect("front")) {
            let c = self.deferred.pop_front().expect("front");
            self.apply(c);
            ran = true;
        }
        ran
    }

    pub(super) fn judge(&mut self, v: Verdict) -> Result<()> {
        if self.stylist.is_empty() {
            refuse!("enter your name first: every judgement records who made it");
        }
        if self.board.items.len() < 2 {
            refuse!("put at least two items on the board to judge the look");
        }
        let j = BoardJudgement {
            skus: self.board.items.iter().filter_map(|b| self.engine.item(b.item_id)).map(|i| i.item.sku.to_string()).collect(),
            verdict: v,
            stylist: self.stylist.clone(),
            source: match &self.board.from_queue {
                Some(f) => f.source.clone(),
                None if self.board.items.iter().any(|b| b.suggested) => JudgementSource::Suggested,
                None => JudgementSource::Manual,
            },
            reasons: self.board.reasons.clone(),
            board: self.board.items.clone(),
            editing: self.board.editing,
            from_queue: self.board.from_queue.clone(),
        };
        let items: Vec<&outfit_catalogue::Item> =
            self.board.items.iter().filter_map(|b| self.engine.item(b.item_id)).map(|i| &i.item).collect();
        let local_name = outfit_engine::look_name(&items);
        let action = self.actions;
        self.last_message = Some(format!("Saving “{local_name}”…"));
        self.judged_message = None;
        self.write(Write::Judgement, move |e| {
            let reasons: Vec<String> = j.reasons.iter().map(|r| r.tag().to_string()).collect();
            let r = e.judge_request(&JudgeRequest {
                skus: &j.skus,
                verdict: j.verdict,
                stylist: &j.stylist,
                source: j.source.clone(),
                reasons: &reasons,
                outfit_id: j.editing,
                replaces: None,
                queue_item: j.from_queue.as_ref().map(|f| f.entry),
            });
            // The look's name as the approved list shows it (accepts), else the default the engine gives.
            let look = r.as_ref().ok().and_then(|&id| {
                let outfit = e.store().judgement(id).ok().flatten().and_then(|j| j.outfit_id)?;
                e.store().outfit(outfit).ok().flatten().map(|o| o.name)
            });
            let r = r.map_err(Problem::of);
            Box::new(move |s: &mut Studio| s.judged(j, r, look.unwrap_or(local_name), reasons, action))
        });
        // The next look starts from an empty board; a failed write puts this one back.
        self.board.items.clear();
        self.board.editing = None;
        self.board.from_queue = None;
        self.board.reasons.clear();
        self.refresh_board();
        Ok(())
    }

    /// A judgement's write came back; `action` is the action count when it was made, so an edit made while it
    /// was being written leaves it without an undo offer.
    fn judged(&mut self, j: BoardJudgement, r: Result<i64, Problem>, look: String, reasons: Vec<String>, action: u64) {
        let id = match r {
            Ok(id) => id,
            Err(e) => {
                self.last_error = Some(e.context("the judgement was not recorded"));
                if self.board.items.is_empty() {
                    self.board.items = j.board;
                    self.board.editing = j.editing;
                    self.board.from_queue = j.from_queue;
                    self.board.reasons = j.reasons;
                    self.refresh_board();
                }
                return;
            }
        };
        let v = j.verdict;
        if let (Some(f), Some(q)) = (&j.from_queue, self.review.queue.as_mut()) {
            q.decided_on_board(f.entry, v, id);
        }
        if action == self.actions {
            self.undo = vec![UndoEntry {
                judgement_id: id,
                verdict: v,
                look: look.clone(),
                board: j.board,
                editing: j.editing,
                from_queue: j.from_queue,
                reasons: j.reasons,
            }];
        }
        self.last_message = Some(match v {
            Verdict::Accept => format!("Accepted “{look}”: it is in Approved looks"),
            _ if !reasons.is_empty() => format!("{}: {} — “{look}”", verdict_past(v), reason_words(&reasons)),
            _ => format!("{} “{look}”", verdict_past(v)),
        });
        self.judged_message = self.last_message.clone();
    }

    pub(super) fn undo_last(&mut self) -> Result<()> {
        let Some(e) = self.undo.pop() else { refuse!("nothing to undo") };
        self.last_message = Some(format!("Undoing the {} of “{}”…", verdict_noun(e.verdict), e.look));
        // A queue outfit decided on the board goes back to the queue, pending.
        let fx = UndoEffects { keep_look: e.editing.is_some(), requeue: e.from_queue.as_ref().map(|f| f.entry) };
        self.write(Write::Undo, move |engine| {
            // Reopened-and-accepted looks stay approved: undoing that judgement archives a new look only (one transaction).
            let r = engine.undo_with(e.judgement_id, &fx).map(drop).map_err(Problem::of);
            Box::new(move |s: &mut Studio| match r {
                Ok(()) => {
                    s.last_message = Some(format!("Undid the {} of “{}”", verdict_noun(e.verdict), e.look));
                    if let (Some(f), Some(q)) = (&e.from_queue, s.review.queue.as_mut()) {
                        q.pending_again(f.entry);
                    }
                    s.board.items = e.board;
                    s.board.editing = e.editing;
                    s.board.from_queue = e.from_queue;
                    s.board.reasons = e.reasons;
                    s.refresh_board();
                }
                Err(err) => {
                    s.last_error = Some(err.context("cannot undo"));
                    s.undo.push(e);
                }
            })
        });
        Ok(())
    }

    pub(super) fn rename_outfit(&mut self, id: i64, name: String) -> Result<()> {
        let name = name.trim().to_string();
        if name.is_empty() {
            refuse!("an approved look needs a name");
        }
        self.write(Write::Rename, move |e| {
            let r = e.rename_look(id, &name).map_err(Problem::of);
            Box::new(move |s: &mut Studio| {
                if let Err(err) = r {
                    s.last_error = Some(err);
                }
            })
        });
        Ok(())
    }

    /// "Edit on the board": the queue's current outfit goes on the board as it is, the screen switches, and the
    /// entry stays pending until the board is judged (navigation, not a decision).
    pub(super) fn queue_open_on_board(&mut self) -> Result<()> {
        let Some(e) = self.review.queue.as_ref().and_then(|q| q.next()).cloned() else { refuse!("no review-queue outfit to open") };
        let mut board = Vec::with_capacity(e.skus.len());
        for sku in &e.skus {
            let Some(i) = self.engine.item_by_sku(sku) else { refuse!("{sku} of this look has left the catalogue: skip it instead") };
            board.push(BoardItem { slot: i.item.slot, item_id: i.id, suggested: false });
        }
        board.sort_by_key(|b| (b.slot, b.item_id));
        let hero = self.engine.item_by_sku(&e.seed_sku).map(|i| i.item.title.clone()).unwrap_or_else(|| e.seed_sku.as_str().into());
        self.board.items = board;
        self.board.editing = None;
        self.board.reasons.clear();
        self.last_message = Some(format!("Editing the look for “{hero}” from the review queue: accept or reject it here to decide it"));
        self.board.from_queue = Some(FromQueue { entry: e.id, source: outfit_labels::queue::judgement_source(&e), hero: hero.to_string() });
        self.screen = Screen::Studio;
        self.refresh_board();
        Ok(())
    }

    pub(super) fn queue_decide(&mut self, v: Verdict) -> Result<()> {
        let reasons: Vec<String> = self.review.reasons.iter().map(|r| r.tag().to_string()).collect();
        self.review.reasons.clear();
        self.queue_write(QueueAction::Decide(v, reasons))
    }

    pub(super) fn queue_undo(&mut self) -> Result<()> {
        self.queue_write(QueueAction::Undo)
    }

    pub(super) fn queue_edit(&mut self, jid: i64, v: Verdict) -> Result<()> {
        self.queue_write(QueueAction::Edit(jid, v))
    }

    /// The queue goes to the writer, is decided (one transaction) and comes back; the screen keeps showing a copy.
    fn queue_write(&mut self, action: QueueAction) -> Result<()> {
        let Some(mut q) = self.review.queue.take() else { refuse!("the review queue is still loading") };
        self.review.shown = Some(q.clone());
        self.write(Write::QueueDecision, move |e| {
            let r = match &action {
                QueueAction::Decide(v, reasons) => q.decide(e, *v, reasons).map(|_| None),
                QueueAction::Undo => q.undo_last(e).map(|u| u.map(|i| i.skus)),
                QueueAction::Edit(jid, v) => q.edit(e, *jid, *v).map(|_| None),
            }
            .map_err(Problem::of);
            Box::new(move |s: &mut Studio| s.queue_written(q, action, r))
        });
        Ok(())
    }

    fn queue_written(&mut self, q: ReviewQueue, action: QueueAction, r: Result<Option<Vec<String>>, Problem>) {
        self.review.shown = None;
        // A queue of a stylist who has since changed is dropped (the decision is stored all the same).
        let current = q.stylist() == self.stylist;
        if current {
            self.review.queue = Some(q);
        }
        let undone = match r {
            Ok(u) => u,
            Err(e) => {
                self.last_error = Some(e);
                return;
            }
        };
        match action {
            QueueAction::Decide(v, reasons) => {
                let look = self.review.queue.as_ref().and_then(|q| q.recent(1).first().map(|e| self.titles(&e.skus))).unwrap_or_default();
                let why = if reasons.is_empty() || v == Verdict::Accept { String::new() } else { format!(": {}", reason_words(&reasons)) };
                self.last_message = Some(format!("{} “{look}” in the review queue{why}", verdict_past(v)));
                if current && self.review.queue.as_ref().is_some_and(|q| q.next().is_none()) {
                    self.last_message = Some("Queue done: proposing more outfits…".into());
                    self.want_queue();
                }
            }
            QueueAction::Undo => match undone {
                Some(skus) => self.last_message = Some(format!("Undid the queue decision on “{}”", self.titles(&skus))),
                None => self.last_error = Some("no queue decision to undo".into()),
            },
            QueueAction::Edit(_, v) => self.last_message = Some(format!("Changed the queue decision to {}", verdict_noun(v))),
        }
    }
}
