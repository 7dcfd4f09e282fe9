//! Scoring with the active head: an outfit's score and pair breakdown, and completing a board slot by slot with
//! the board's defaults as filters and diversified top-k.

use super::*;

impl Engine {
    pub(crate) fn ready_head(&self) -> Result<&Head> {
        self.head().ok_or_else(|| match &self.loaded.head_error {
            Some(e) => EngineError::NoHead(format!(
                "no usable compatibility head: {e}; activate another version (`outfit-studio models activate ID`)"
            )),
            None => EngineError::NoHead("no compatibility head yet: run `outfit-studio index` to encode the catalogue first".into()),
        })
    }

    /// Looks up SKUs in the loaded catalogue, naming any that are unknown ([`StoreError::Gone`]).
    pub fn resolve_skus(&self, skus: &[String]) -> Result<Vec<&StoredItem>, StoreError> {
        let missing: Vec<String> = skus.iter().filter(|s| self.item_by_sku(s).is_none()).cloned().collect();
        if !missing.is_empty() {
            return Err(StoreError::Gone { skus: missing });
        }
        Ok(skus.iter().filter_map(|s| self.item_by_sku(s)).collect())
    }

    /// The catalogue item of an id, or an error naming the id.
    pub(crate) fn known(&self, item_id: i64) -> Result<&Item> {
        self.loaded
            .items
            .get(&item_id)
            .map(|i| &i.item)
            .ok_or_else(|| EngineError::NotFound(format!("item {item_id} is not in the catalogue")))
    }

    pub(crate) fn embedding(&self, item_id: i64) -> Result<&[f32]> {
        if let Some(v) = self.loaded.off_index.get(&item_id) {
            return Ok(v);
        }
        let row = self.row_of(item_id).ok_or_else(|| {
            let sku = self.loaded.items.get(&item_id).map(|i| i.item.sku.as_str()).unwrap_or("?");
            EngineError::Invalid(format!("item {sku} is not indexed yet: run `outfit-studio index`"))
        })?;
        Ok(self.loaded.index.row(row))
    }

    /// Compatibility of a set of items, with every pair's contribution. The probability blends in what stylists
    /// already approved together (see `model::history`); the pair terms are the head's alone.
    pub fn score_outfit(&self, item_ids: &[i64]) -> Result<OutfitScore> {
        let head = self.ready_head()?;
        if item_ids.len() < 2 {
            return Err(EngineError::Invalid(format!("an outfit needs at least two items to score (got {})", item_ids.len())));
        }
        let items: Vec<&Item> = item_ids.iter().map(|&i| self.known(i)).collect::<Result<_>>()?;
        let cal = self.calibration_for(item_ids);
        let mut pairs = Vec::new();
        let mut sum = 0.0;
        for (x, &i) in item_ids.iter().enumerate() {
            for (y, &j) in item_ids.iter().enumerate().skip(x + 1) {
                let (a, b) = (items[x], items[y]);
                let raw = head.pair_score(self.embedding(i)?, a.slot, self.embedding(j)?, b.slot);
                sum += raw;
                pairs.push(PairScore {
                    a: a.sku.to_string(),
                    b: b.sku.to_string(),
                    raw,
                    probability: cal.probability(head.logit(raw, 0.0)),
                });
            }
        }
        let mean_pair = sum / pairs.len() as f32;
        let history = self.history_logit(item_ids);
        Ok(OutfitScore {
            probability: cal.probability(head.logit(mean_pair, history)),
            mean_pair,
            history,
            pairs,
            model: self.active_model().map(|m| m.name.clone()).unwrap_or_default(),
            calibration: cal,
        })
    }

    /// The age bands and seasons (all-season left out) of the board's known items, in a fixed order: what
    /// suggestions keep to by default, in the app and the CLI.
    pub fn board_bands(&self, board: &[i64]) -> (Vec<catalogue::AgeGroup>, Vec<catalogue::Season>) {
        let items: Vec<&Item> = board.iter().filter_map(|i| self.loaded.items.get(i)).map(|s| &s.item).collect();
        let mut ages: Vec<_> = items.iter().filter_map(|i| i.age_group).collect();
        ages.sort_by_key(|a| a.index());
        ages.dedup();
        let seasons = self.board_style(board).seasons.map(catalogue::styling::seasons_of).unwrap_or_default();
        (ages, seasons)
    }

    /// Gender, seasons of wear and occasions the board implies (see `catalogue::styling`).
    pub fn board_style(&self, board: &[i64]) -> catalogue::BoardStyle {
        let items: Vec<catalogue::Styling> = board.iter().map(|&i| self.loaded.items.styling(i)).collect();
        catalogue::BoardStyle::of(&items)
    }

    /// An item's gender, seasons of wear and occasion.
    pub fn styling(&self, item_id: i64) -> catalogue::Styling {
        self.loaded.items.styling(item_id)
    }

    /// The stylist's filter with the board's defaults filled in where it sets none of that kind and `follow` keeps
    /// to it: age bands, seasons of wear, gender, occasion, and `catalogue` (the catalogue the stylist chose).
    pub fn with_board_defaults(&self, board: &[i64], f: &CompletionFilter, follow: Follow, catalogue: Option<i64>) -> CompletionFilter {
        let mut f = f.clone();
        let (ages, seasons) = self.board_bands(board);
        let style = self.board_style(board);
        if follow.age && f.age_groups.is_empty() {
            f.age_groups = ages;
        }
        if follow.season && f.seasons.is_empty() {
            f.seasons = seasons;
        }
        if follow.gender && f.gender.is_none() {
            f.gender = style.gender;
        }
        if follow.occasion && f.occasions.is_none() {
            f.occasions = style.occasions;
        }
        if follow.catalogue && f.catalogue.is_none() {
            f.catalogue = catalogue;
        }
        f
    }

    /// The query vector for filling `slot` next to the board's items: q = mean_i g_i ⊙ m²(slot, slot_i).
    pub fn slot_query(&self, board: &[i64], slot: Slot) -> Result<Vec<f32>> {
        let head = self.ready_head()?;
        let mut q = vec![0f32; head.dims.embed];
        for &i in board {
            let g = self.embedding(i)?;
            let m = head.mask_sq(slot, self.known(i)?.slot);
            for ((qk, gk), mk) in q.iter_mut().zip(g).zip(m) {
                *qk += gk * mk;
            }
        }
        q.iter_mut().for_each(|v| *v /= board.len().max(1) as f32);
        Ok(q)
    }

    pub(crate) fn to_filter(&self, board: &[i64], f: &CompletionFilter) -> Filter {
        let age_mask = (!f.age_groups.is_empty()).then(|| f.age_groups.iter().fold(0u8, |m, a| m | 1 << a.index()));
        let brands = (!f.brands.is_empty()).then(|| f.brands.iter().filter_map(|b| self.loaded.index.brand_id(b)).collect());
        let season_mask = (!f.seasons.is_empty()).then(|| f.seasons.iter().fold(0u8, |m, s| m | score::season_bit(*s)));
        Filter {
            age_mask,
            season_mask,
            gender_mask: f.gender,
            occasion_mask: f.occasions,
            // An id beyond u32 can match no row (rows carry u32 ids), so it filters everything out, as it should.
            catalogue: f.catalogue.map(|c| u32::try_from(c).unwrap_or(u32::MAX)),
            in_stock_only: f.in_stock_only,
            min_price: f.min_price,
            max_price: f.max_price,
            brands,
            exclude_rows: board.iter().filter_map(|&i| self.row_of(i)).map(|r| r as u32).collect(),
        }
    }

    /// Top-k items for each requested slot given the board, best first. Unless `filter.diversity` is 0, the k are
    /// chosen by maximal marginal relevance from a larger pool so the list is not one colour (see [`diversify`]).
    pub fn complete(&self, board: &[i64], slots: &[Slot], k: usize, filter: &CompletionFilter) -> Result<Vec<(Slot, Vec<Suggestion>)>> {
        let head = self.ready_head()?;
        if board.is_empty() {
            return Err(EngineError::Invalid("put at least one item on the board to get suggestions".into()));
        }
        if k == 0 {
            return Ok(slots.iter().map(|&s| (s, Vec::new())).collect());
        }
        let diversity = filter.diversity.unwrap_or(DEFAULT_DIVERSITY).clamp(0.0, 1.0);
        // Diversifying chooses k from a larger pool of the best.
        let pool = if diversity > 0.0 { k.saturating_mul(4).max(k + 20) } else { k };
        let flt = self.to_filter(board, filter);
        let queries: Vec<Query> = slots
            .iter()
            .map(|&s| Ok(Query { slot: s, vector: self.slot_query(board, s)?, filter: flt.clone(), k: pool }))
            .collect::<Result<_>>()?;
        let hits = self.scorer.top_k(&self.loaded.index, &queries).map_err(EngineError::score)?;
        // The outfit's mean pair term after adding c: (existing sum + |board|·fit) / new pair count; likewise the
        // history term. Items with history can rank above the content scan's top-k, so they are merged in.
        let n = board.len() as f32;
        let (existing_sum, existing_hist) = if board.len() >= 2 {
            let s = self.score_outfit(board)?;
            let pairs = n * (n - 1.0) / 2.0;
            (s.mean_pair * pairs, s.history * pairs)
        } else {
            (0.0, 0.0)
        };
        let new_pairs = (n + 1.0) * n / 2.0;
        let (a, _) = head.calibration();
        let cal = self.calibration_for(board);
        let hist_of = |c: i64| -> f32 {
            if self.loaded.history_weight == 0.0 {
                0.0
            } else {
                self.loaded.history_weight * board.iter().map(|&b| self.loaded.history.term(b, c)).sum::<f32>()
            }
        };
        // The ranking key: the blended logit's change, a·|board|·fit + history.
        let relevance = |(r, f): &(u32, f32)| a * n * f + hist_of(self.loaded.index.item_ids[*r as usize]);
        let colour_of = |id: i64| self.loaded.items.get(&id).map(|i| ColourFamily::of(&i.item.colour));
        let board_colours: Vec<ColourFamily> =
            board.iter().filter_map(|b| self.loaded.items.get(b)).map(|i| ColourFamily::of(&i.item.colour)).collect();
        Ok(queries
            .iter()
            .zip(hits)
            .map(|(q, hs)| {
                let mut cands: Vec<(u32, f32)> = hs.into_iter().map(|h| (h.row, h.score)).collect();
                if self.loaded.history_weight > 0.0 {
                    for c in board.iter().flat_map(|&b| self.loaded.history.neighbours_of(b)) {
                        let Some(r) = self.row_of(c) else { continue };
                        let slot_ok = self.loaded.index.slot_ranges[q.slot.index()].contains(&r);
                        if slot_ok && !cands.iter().any(|(x, _)| *x as usize == r) && q.filter.accepts(r, &self.loaded.index.meta[r]) {
                            let fit = self.loaded.index.row(r).iter().zip(&q.vector).map(|(x, y)| x * y).sum();
                            cands.push((r as u32, fit));
                        }
                    }
                    cands.sort_by(|x, y| relevance(y).total_cmp(&relevance(x)));
                    cands.truncate(q.k);
                }
                let picked: Vec<(u32, f32)> = if diversity > 0.0 && cands.len() > 1 {
                    let pool: Vec<MmrCandidate> = cands
                        .iter()
                        .map(|c| MmrCandidate {
                            relevance: relevance(c),
                            vector: self.loaded.index.row(c.0 as usize),
                            colour: colour_of(self.loaded.index.item_ids[c.0 as usize]),
                        })
                        .collect();
                    // MMR chooses which k to show; they are shown best first (the pool is in score order), so
                    // the list reads as a ranking.
                    let mut chosen = diversify(&pool, &board_colours, k, diversity);
                    chosen.sort_unstable();
                    chosen.into_iter().map(|i| cands[i]).collect()
                } else {
                    cands.into_iter().take(k).collect()
                };
                let sugg = picked
                    .into_iter()
                    .filter_map(|(row, fit)| {
                        let id = *self.loaded.index.item_ids.get(row as usize)?;
                        let it = &self.loaded.items.get(&id)?.item;
                        let logit_hist = (existing_hist + hist_of(id)) / new_pairs;
                        Some(Suggestion {
                            item_id: id,
                            sku: it.sku.to_string(),
                            title: it.title.to_string(),
                            fit,
                            outfit_probability: cal.probability(head.logit((existing_sum + n * fit) / new_pairs, logit_hist)),
                        })
                    })
                    .collect();
                (q.slot, sugg)
            })
            .collect())
    }
}
