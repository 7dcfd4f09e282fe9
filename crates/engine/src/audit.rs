//! `outfit-studio eval-catalogue`: what a stylist would see on one catalogue, measured (issue 19). Whether the
//! feed's words give gender, season of wear and occasion; whether the scores of random same-age boards saturate
//! or follow colour alone; and whether the default suggestions keep to the hero's gender, season and occasion
//! and offer more than its colour.

use super::{CompletionFilter, Engine, Follow};
use crate::{EngineError, Result};
use outfit_catalogue::styling::{self, BOYS, BoardStyle, GIRLS, GenderSource, Occasion};
use outfit_catalogue::taxonomy::ColourFamily;
use outfit_catalogue::{Item, Season, Slot};
use outfit_model::calibrate::CatalogueCalibration;
use outfit_model::metrics::auc;
use rand::SeedableRng;
use rand::seq::IndexedRandom;
use std::fmt::Write;

/// What to measure.
#[derive(Debug, Clone)]
pub struct AuditParams {
    /// The catalogue measured (`None`: every visible one).
    pub catalogue: Option<i64>,
    /// Random same-age top + bottom boards scored.
    pub boards: usize,
    /// Random heroes (tops, one-pieces) completed.
    pub heroes: usize,
    pub k: usize,
    pub seed: u64,
}

/// The figures, printed as Markdown.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct CatalogueAudit {
    pub items: usize,
    /// Gender from the feed / from a garment, colour or motif styled for one gender / unknown.
    pub gender_feed: usize,
    pub gender_garment: usize,
    pub gender_unknown: usize,
    /// Shoes: (all, unknown gender).
    pub shoes: (usize, usize),
    /// (girls, boys, unisex, unknown).
    pub genders: [usize; 4],
    /// Season of wear from words / from the feed's column / all-season.
    pub season_words: usize,
    pub season_feed: usize,
    pub season_all: usize,
    /// Items per occasion (in [`Occasion::ALL`] order), and with none.
    pub occasions: [usize; 8],
    pub occasion_unknown: usize,
    pub boards: usize,
    /// Share of random same-age top + bottom boards scored >= 0.95 or <= 0.05, by the head as calibrated on its
    /// training outfits and as read on this catalogue.
    pub saturated_head: f64,
    pub saturated_calibrated: f64,
    /// AUC of "same colour family" for the pair score (0.5: colour says nothing about it).
    pub colour_auc: Option<f64>,
    /// Median score of same-colour and different-colour boards (calibrated).
    pub median_same_colour: f64,
    pub median_other_colour: f64,
    pub heroes: usize,
    pub suggestions: usize,
    /// Share of suggestions in the hero's colour family, ranked by score alone and diversified.
    pub hero_colour_share_by_score: f64,
    pub hero_colour_share_diversified: f64,
    /// Suggestions against the hero's gender / seasons of wear / occasion, with the defaults and widened.
    pub clashes_default: [usize; 3],
    pub clashes_widened: [usize; 3],
    /// Suggestions in the widened run, and those of them with any clash.
    pub suggestions_widened: usize,
    pub clashing_widened: usize,
}

impl Engine {
    /// Measures a catalogue as described in the module docs. Needs an indexed catalogue and a head.
    ///
    /// Long because its measurements share the sampled ids, one rng and one report, filled in the order the
    /// module docs describe them; apart, each would take half a dozen of the others' locals.
    pub fn audit_catalogue(&self, p: &AuditParams) -> Result<CatalogueAudit> {
        let head = self.ready_head()?;
        let mut a = CatalogueAudit::default();
        let ids: Vec<i64> = self
            .loaded
            .items
            .keys()
            .filter(|&id| self.outfit_candidate(id) && self.row_of(id).is_some())
            .filter(|&id| p.catalogue.is_none_or(|c| self.catalogue_of(id) == Some(c)))
            .collect();
        if ids.is_empty() {
            return Err(EngineError::Invalid("no indexed outfit items in this catalogue: import and index it first".into()));
        }
        a.items = ids.len();
        for &id in &ids {
            let it = &self.known(id)?;
            let st = self.styling(id);
            match styling::gender_of(it).1 {
                GenderSource::Feed => a.gender_feed += 1,
                GenderSource::Garment => a.gender_garment += 1,
                GenderSource::Unknown => a.gender_unknown += 1,
            }
            if it.slot == Slot::Shoes {
                a.shoes.0 += 1;
                a.shoes.1 += (st.gender == 0) as usize;
            }
            a.genders[match st.gender {
                GIRLS => 0,
                BOYS => 1,
                0 => 3,
                _ => 2,
            }] += 1;
            let words_only = Item { season: Season::All, ..(*it).clone() };
            if styling::seasons_of_wear(&words_only) != 0 {
                a.season_words += 1;
            } else if it.season != Season::All {
                a.season_feed += 1;
            } else {
                a.season_all += 1;
            }
            match st.occasion {
                Some(o) => a.occasions[o as usize] += 1,
                None => a.occasion_unknown += 1,
            }
        }

        // Random same-age top + bottom boards.
        let mut rng = rand::rngs::StdRng::seed_from_u64(p.seed);
        let of_slot = |s: Slot| ids.iter().copied().filter(|&i| self.known(i).is_ok_and(|it| it.slot == s)).collect::<Vec<_>>();
        let (tops, bottoms) = (of_slot(Slot::Top), of_slot(Slot::Bottom));
        let (mut same, mut other) = (Vec::new(), Vec::new());
        let (mut sat_head, mut sat_cal) = (0usize, 0usize);
        if !tops.is_empty() && !bottoms.is_empty() {
            let mut tries = 0;
            while a.boards < p.boards && tries < p.boards * 50 {
                tries += 1;
                let (t, b) = (*tops.choose(&mut rng).expect("tops"), *bottoms.choose(&mut rng).expect("bottoms"));
                let (ti, bi) = (self.known(t)?, self.known(b)?);
                if ti.age_group.is_some() && bi.age_group.is_some() && ti.age_group != bi.age_group {
                    continue;
                }
                let raw = head.pair_score(self.embedding(t)?, ti.slot, self.embedding(b)?, bi.slot);
                let z = head.logit(raw, 0.0);
                let p_head = CatalogueCalibration::IDENTITY.probability(z);
                let p_cal = self.calibration_for(&[t, b]).probability(z);
                let saturated = |p: f32| !(0.05..0.95).contains(&p);
                sat_head += saturated(p_head) as usize;
                sat_cal += saturated(p_cal) as usize;
                if ColourFamily::of(&ti.colour) == ColourFamily::of(&bi.colour) {
                    same.push(p_cal);
                } else {
                    other.push(p_cal);
                }
                a.boards += 1;
            }
        }
        if a.boards > 0 {
            a.saturated_head = sat_head as f64 / a.boards as f64;
            a.saturated_calibrated = sat_cal as f64 / a.boards as f64;
            a.colour_auc = auc(&same, &other);
            a.median_same_colour = median(&mut same);
            a.median_other_colour = median(&mut other);
        }

        // Completions of random heroes: colour share, and clashes with and without the defaults.
        let heroes: Vec<i64> =
            ids.iter().copied().filter(|&i| self.known(i).is_ok_and(|it| matches!(it.slot, Slot::Top | Slot::OnePiece))).collect();
        let chosen: Vec<i64> = heroes.choose_multiple(&mut rng, p.heroes.min(heroes.len())).copied().collect();
        let (mut in_colour_score, mut in_colour_div, mut n_score, mut n_div) = (0usize, 0usize, 0usize, 0usize);
        for &h in &chosen {
            let hero = self.known(h)?;
            let family = ColourFamily::of(&hero.colour);
            // What the hero implies, as the default filters read it: [gender, season, occasion] broken.
            let style = BoardStyle::of(&[self.styling(h)]);
            let slots = Slot::missing_from(&[hero.slot]);
            let base = CompletionFilter { catalogue: p.catalogue, ..Default::default() };
            let runs = [(Follow::default(), Some(0.0)), (Follow::default(), None), (Follow { age: true, ..Follow::NONE }, Some(0.0))];
            for (run, (follow, diversity)) in runs.into_iter().enumerate() {
                let f = CompletionFilter { diversity, ..self.with_board_defaults(&[h], &base, follow, p.catalogue) };
                for (_, sugg) in self.complete(&[h], &slots, p.k, &f)? {
                    for s in sugg {
                        let same_colour = self.known(s.item_id).is_ok_and(|it| ColourFamily::of(&it.colour) == family);
                        let clashes = style.misfits(&self.styling(s.item_id));
                        let tally = match run {
                            0 => {
                                n_score += 1;
                                in_colour_score += same_colour as usize;
                                a.suggestions += 1;
                                &mut a.clashes_default
                            }
                            1 => {
                                n_div += 1;
                                in_colour_div += same_colour as usize;
                                &mut a.clashes_default
                            }
                            _ => {
                                a.suggestions_widened += 1;
                                a.clashing_widened += clashes.contains(&true) as usize;
                                &mut a.clashes_widened
                            }
                        };
                        for (n, c) in tally.iter_mut().zip(clashes) {
                            *n += c as usize;
                        }
                    }
                }
            }
        }
        a.heroes = chosen.len();
        a.hero_colour_share_by_score = in_colour_score as f64 / n_score.max(1) as f64;
        a.hero_colour_share_diversified = in_colour_div as f64 / n_div.max(1) as f64;
        Ok(a)
    }
}

fn median(v: &mut [f32]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f32::total_cmp);
    v[v.len() / 2] as f64
}

impl std::fmt::Display for CatalogueAudit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let pct = |n: usize| 100.0 * n as f64 / self.items.max(1) as f64;
        let mut s = String::new();
        writeln!(s, "{} outfit items", self.items)?;
        writeln!(
            s,
            "gender: from the feed {} ({:.0}%), from the garment, colour or motif {} ({:.0}%), unknown {} ({:.0}%; they fit both); \
             girls {} / boys {} / unisex {} / unknown {}",
            self.gender_feed,
            pct(self.gender_feed),
            self.gender_garment,
            pct(self.gender_garment),
            self.gender_unknown,
            pct(self.gender_unknown),
            self.genders[0],
            self.genders[1],
            self.genders[2],
            self.genders[3]
        )?;
        writeln!(s, "shoes: {} of {} without a gender", self.shoes.1, self.shoes.0)?;
        writeln!(
            s,
            "season of wear: from type/title/description {} ({:.0}%), from the feed's season column {} ({:.0}%), all-season {} ({:.0}%)",
            self.season_words,
            pct(self.season_words),
            self.season_feed,
            pct(self.season_feed),
            self.season_all,
            pct(self.season_all)
        )?;
        let occ: Vec<String> =
            Occasion::ALL.iter().zip(self.occasions).filter(|(_, n)| *n > 0).map(|(o, n)| format!("{} {n}", o.as_str())).collect();
        writeln!(
            s,
            "occasion: {}; unknown {} ({:.0}%, they fit every occasion)",
            occ.join(", "),
            self.occasion_unknown,
            pct(self.occasion_unknown)
        )?;
        writeln!(s)?;
        writeln!(
            s,
            "| random same-age top + bottom boards ({}) | with the head's own (MANGO) calibration | as read on this catalogue |",
            self.boards
        )?;
        writeln!(s, "|---|---:|---:|")?;
        writeln!(s, "| scored >= 0.95 or <= 0.05 | {:.1}% | {:.1}% |", 100.0 * self.saturated_head, 100.0 * self.saturated_calibrated)?;
        let auc = self.colour_auc.map_or("n/a".to_string(), |a| format!("{a:.3}"));
        writeln!(s, "| AUC of \"same colour family\" for the score | {auc} | {auc} |")?;
        writeln!(s, "| median score, same / other colour family | | {:.3} / {:.3} |", self.median_same_colour, self.median_other_colour)?;
        writeln!(s)?;
        let per = self.suggestions_widened.max(1) as f64;
        writeln!(s, "| completions of {} heroes ({} suggestions) | by score | diversified (default) |", self.heroes, self.suggestions)?;
        writeln!(s, "|---|---:|---:|")?;
        writeln!(
            s,
            "| in the hero's colour family | {:.1}% | {:.1}% |",
            100.0 * self.hero_colour_share_by_score,
            100.0 * self.hero_colour_share_diversified
        )?;
        writeln!(
            s,
            "| against the hero's gender / season / occasion, defaults | {} / {} / {} | |",
            self.clashes_default[0], self.clashes_default[1], self.clashes_default[2]
        )?;
        writeln!(
            s,
            "| the same with gender, season, occasion widened | {} / {} / {} (in {:.1}% of suggestions) | |",
            self.clashes_widened[0],
            self.clashes_widened[1],
            self.clashes_widened[2],
            100.0 * self.clashing_widened as f64 / per
        )?;
        f.write_str(&s)
    }
}
