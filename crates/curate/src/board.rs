//! The live score and "complete the look" suggestions, computed on the scoring worker (its own engine, and the
//! scorer: on a GPU a ranking waits for the device). Each request carries the board's generation; a result for
//! a board that changed meanwhile is dropped when it arrives, and one still waiting to run is skipped.

use super::{SUGGESTIONS_PER_SLOT, Studio};
use outfit_catalogue::Slot;
use outfit_engine::{OutfitScore, SlotShortfall, Suggestion};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// What the scoring worker computed for one board.
pub(super) struct BoardResult {
    score: Result<Option<OutfitScore>, String>,
    suggestions: Result<Vec<(Slot, Vec<Suggestion>)>, String>,
    /// What each single widening would offer, for every slot left empty.
    shortfalls: Vec<(Slot, SlotShortfall)>,
}

/// The newest board generation, shared with the worker so it skips requests already out of date.
pub(super) type Latest = Arc<AtomicU64>;

impl Studio {
    /// Asks for the score and suggestions of the board as it is now. What is shown stays until the answer comes,
    /// except what no longer applies (no score under two items, no suggestions for an empty board).
    pub(super) fn refresh_board(&mut self) {
        let ids = self.board_ids();
        self.board.generation += 1;
        let generation = self.board.generation;
        self.board.latest.store(generation, Ordering::Relaxed);
        if ids.len() < 2 {
            self.board.score = None;
            self.board.score_note = Some("Add at least two items to see the score".into());
        }
        if ids.is_empty() {
            self.board.suggestions.clear();
            self.board.shortfalls.clear();
            self.board.pending.clear();
            return;
        }
        let slots = Slot::missing_from(&self.board.items.iter().map(|b| b.slot).collect::<Vec<_>>());
        let filter = self.effective_filter();
        let latest = self.board.latest.clone();
        let p = self.scoring.run(move |e| {
            if latest.load(Ordering::Relaxed) != generation {
                return None;
            }
            let score = if ids.len() >= 2 { e.score_outfit(&ids).map(Some).map_err(|err| format!("{err:#}")) } else { Ok(None) };
            let suggestions = e.complete(&ids, &slots, SUGGESTIONS_PER_SLOT, &filter).map_err(|err| format!("{err:#}"));
            let shortfalls = match &suggestions {
                Ok(s) => s.iter().filter(|(_, v)| v.is_empty()).map(|(slot, _)| (*slot, e.slot_shortfall(&ids, *slot, &filter))).collect(),
                Err(_) => Vec::new(),
            };
            Some(BoardResult { score, suggestions, shortfalls })
        });
        self.board.pending.push_back((generation, p));
    }

    /// True while the board's score or suggestions are being computed.
    pub fn scoring(&self) -> bool {
        !self.board.pending.is_empty()
    }

    /// Takes in board results; those for an older board are dropped. True when one arrived.
    pub(super) fn poll_board(&mut self) -> bool {
        let ready = super::work::take_ready(&mut self.board.pending);
        let changed = !ready.is_empty();
        for (generation, r) in ready {
            match r {
                Ok(Some(b)) if generation == self.board.generation => self.take_board(b),
                Ok(_) => {}
                Err(e) => self.board.score_note = Some(e),
            }
        }
        changed
    }

    fn take_board(&mut self, b: BoardResult) {
        let mut note = None;
        match b.score {
            Ok(s) => self.board.score = s,
            Err(e) => {
                self.board.score = None;
                note = Some(e);
            }
        }
        if self.board.score.is_none() && note.is_none() && self.board.items.len() < 2 {
            note = Some("Add at least two items to see the score".into());
        }
        self.board.shortfalls = b.shortfalls;
        match b.suggestions {
            Ok(s) => self.board.suggestions = s,
            Err(e) => {
                self.board.suggestions.clear();
                note.get_or_insert(e);
            }
        }
        self.board.score_note = note;
    }

    /// Blocks until the board's score and suggestions are in (tests, benchmarks).
    pub fn wait_for_board(&mut self) {
        while let Some((_, p)) = self.board.pending.front_mut() {
            p.block();
            self.poll_board();
        }
    }
}
