//! Heads: keeping one active (the stored one, a shipped one, or a zero-shot head from this catalogue), installing
//! and activating versions, and the item embeddings under the active head.

use super::*;

impl Engine {
    /// Makes sure a head is active: the stored active one, else the default shipped head (all shipped heads are
    /// installed on first use), else a zero-shot head built from this catalogue's features.
    ///
    /// An active head trained on features of other encoders (an earlier text template) no longer fits: the
    /// shipped default is activated in its place, the old version stays listed (marked, and not activatable), and
    /// the note says how to get it back: fine-tune again, which reads the stored judgements with today's features.
    pub(crate) fn ensure_head(&mut self) -> Result<()> {
        if let Some(row) = self.store.active_model()? {
            if self.loaded.head.as_ref().is_some_and(|(m, _)| m.id == row.id) {
                return Ok(());
            }
            if !self.fits_encoders(&row) {
                self.store.clear_active_model()?;
                let judged = self.store.judgements()?.len();
                self.ensure_head()?;
                let now = self.active_model().map(|m| m.name.clone()).unwrap_or_else(|| "no head".into());
                let note = format!(
                    "Head {}, so its scores no longer mean anything. Switched to {now}. Fine-tune again (Train) to \
                     learn from your {judged} stored judgements on today's features.",
                    self.unfit_reason(&row)
                );
                tracing::warn!("{note}");
                self.loaded.head_note = Some(note);
                return Ok(());
            }
            let head = Head::from_bytes(&row.weights).map_err(|e| EngineError::NoHead(format!("head {} is unreadable: {e}", row.name)))?;
            head.check_encoders(self.loaded.manifest.image.dim, self.loaded.manifest.text.dim)?;
            // A database from before a head was shipped gets it as a selectable version; the stylist's choice stays.
            self.install_other_shipped_heads(&row.name)?;
            self.loaded.head = Some((row, head));
            return Ok(());
        }
        let mut default = None;
        for (file, name) in SHIPPED_HEADS {
            let path = self.models_dir.join(file);
            if !path.is_file() {
                continue;
            }
            let bytes = std::fs::read(&path).map_err(EngineError::io(&path))?;
            let head =
                Head::from_bytes(&bytes).map_err(|e| EngineError::Invalid(format!("{} is not a valid head: {e}", path.display())))?;
            head.check_encoders(self.loaded.manifest.image.dim, self.loaded.manifest.text.dim)?;
            let side = shipped_sidecar(&path);
            let row = self.shipped_row(name, &head, &side)?;
            if !self.fits_encoders(&row) {
                tracing::warn!("{} was trained on features of other encoders ({}); not used", path.display(), row.encoder_key);
                continue;
            }
            default = Some((row, head));
        }
        let (row, head) = match default {
            Some(d) => d,
            None if self.store.features_count(&self.encoder_key())? > 0 => {
                let head = self.zero_shot_from_catalogue()?;
                let trained_on = "untrained zero-shot head (random projection of frozen features, centred on this catalogue)";
                (self.model_row("zero-shot-v1", &head, None, trained_on, "{}", "{}")?, head)
            }
            // Nothing indexed yet and no shipped head: scoring waits for `index`.
            None => return Ok(()),
        };
        self.install_other_shipped_heads(&row.name)?;
        let stored = self.store.activate_default_model(&row)?;
        // Another process may have won the race with its own head: use whatever is active now.
        let head = if stored.sha256 == row.sha256 { head } else { Head::from_bytes(&stored.weights)? };
        self.loaded.head = Some((stored, head));
        Ok(())
    }

    /// Installs the shipped heads other than `default` as selectable versions, once each (by name).
    fn install_other_shipped_heads(&mut self, default: &str) -> Result<()> {
        for (file, name) in SHIPPED_HEADS.into_iter().filter(|(_, n)| *n != default) {
            let path = self.models_dir.join(file);
            if !path.is_file() || self.store.model_by_name(name)?.is_some() {
                continue;
            }
            let Some(head) = std::fs::read(&path).ok().and_then(|b| Head::from_bytes(&b).ok()) else { continue };
            if head.check_encoders(self.loaded.manifest.image.dim, self.loaded.manifest.text.dim).is_err() {
                continue;
            }
            let side = shipped_sidecar(&path);
            let row = self.shipped_row(name, &head, &side)?;
            if self.fits_encoders(&row) {
                self.store.insert_model_if_absent(&row)?;
            }
        }
        Ok(())
    }

    /// Stores a head as a new model version (not activated); returns its id.
    pub fn install_head(
        &mut self,
        name: &str,
        head: &Head,
        parent: Option<i64>,
        trained_on: &str,
        params_json: &str,
        metrics_json: &str,
    ) -> Result<i64> {
        let row = self.model_row(name, head, parent, trained_on, params_json, metrics_json)?;
        Ok(self.store.insert_model(&row)?)
    }

    /// A shipped head's row, keyed by the encoders its sidecar says it was trained on.
    fn shipped_row(&self, name: &str, head: &Head, side: &Sidecar) -> Result<ModelRow> {
        let mut row = self.model_row(name, head, None, &side.trained_on, &side.params_json, &side.metrics_json)?;
        if let Some(key) = &side.encoders {
            row.encoder_key = key.clone();
        }
        Ok(row)
    }

    pub(crate) fn model_row(
        &self,
        name: &str,
        head: &Head,
        parent: Option<i64>,
        trained_on: &str,
        params_json: &str,
        metrics_json: &str,
    ) -> Result<ModelRow> {
        let weights = head.to_bytes()?;
        Ok(ModelRow {
            id: 0,
            name: name.to_string(),
            kind: "head".into(),
            parent_id: parent,
            encoder_key: self.encoder_key(),
            sha256: Head::sha256(&weights),
            weights,
            trained_on: trained_on.to_string(),
            params_json: params_json.to_string(),
            metrics_json: metrics_json.to_string(),
            created_at: String::new(),
            active: false,
        })
    }

    /// A stored model version, or the active one when `id` is `None`.
    pub fn model_or_active(&self, id: Option<i64>) -> Result<ModelRow> {
        match id {
            Some(id) => self.store.model_by_id(id)?.ok_or_else(|| EngineError::NotFound(format!("no model version {id}"))),
            None => {
                self.active_model().cloned().ok_or_else(|| EngineError::NoHead("no active head: run `outfit-studio index` first".into()))
            }
        }
    }

    /// A stored head as the app uses it: centred on this catalogue's feature mean where its embeddings were
    /// made with one (fine-tuning and evaluation then see the same inputs as scoring).
    pub fn head_as_used(&self, row: &ModelRow) -> Result<Head> {
        let head = Head::from_bytes(&row.weights).map_err(|e| EngineError::NoHead(format!("head {} is unreadable: {e}", row.name)))?;
        match self.store.head_centring(row.id)? {
            Some((mean, _)) => Ok(head.recentred(&mean)?),
            None => Ok(head),
        }
    }

    /// Switches the active head (or rolls back to an earlier version) and re-embeds the catalogue for it.
    pub fn activate_model(&mut self, id: i64) -> Result<()> {
        let row = self.store.model_by_id(id)?.ok_or_else(|| EngineError::NotFound(format!("no model version {id}")))?;
        if !self.fits_encoders(&row) {
            return Err(EngineError::Invalid(format!(
                "{} (v{id}): fine-tune again from the stored judgements instead",
                self.unfit_reason(&row)
            )));
        }
        let head = Head::from_bytes(&row.weights)?;
        head.check_encoders(self.loaded.manifest.image.dim, self.loaded.manifest.text.dim)?;
        self.store.set_active_model(id)?;
        self.loaded.head_note = None;
        self.loaded.head = Some((row, head));
        self.loaded.head_error = None;
        self.load_history()?;
        self.refresh_embeddings()
    }

    /// A zero-shot head centred and calibrated on this store's features.
    pub fn zero_shot_from_catalogue(&self) -> Result<Head> {
        let feats = self.store.load_features(&self.encoder_key())?;
        if feats.is_empty() {
            return Err(EngineError::Invalid("no indexed items: run `outfit-studio index` first".into()));
        }
        let dims = HeadDims::standard(self.loaded.manifest.image.dim, self.loaded.manifest.text.dim);
        let mut mean = vec![0f32; dims.input()];
        let mut row = vec![0f32; dims.input()];
        let mut n = 0usize;
        for (id, f) in &feats {
            let Some(it) = self.loaded.items.get(id) else { continue };
            outfit_model::features::assemble(&it.item, f, dims.image, dims.text, &mut row);
            for (m, x) in mean.iter_mut().zip(&row) {
                *m += x;
            }
            n += 1;
        }
        mean.iter_mut().for_each(|m| *m /= n.max(1) as f32);
        // Only the encoder blocks are centred: categorical one-hots keep their "same value" meaning.
        let enc_dims = dims.image + dims.text;
        mean[enc_dims..].fill(0.0);
        let provisional = Head::zero_shot(dims, &mean, &BlockWeights::default(), (1.0, 0.0), 20_251_125)?;
        // Calibrate: random cross-slot pairs should sit around 0.3, the top decile around 0.75.
        let ids: Vec<i64> = feats.keys().copied().filter(|id| self.loaded.items.contains_key(id)).collect();
        let pairs: Vec<(&Item, &encode_types::Features)> = ids.iter().map(|id| (&self.loaded.items[id].item, &feats[id])).collect();
        let g = provisional.embed(&pairs)?;
        let mut sims = Vec::new();
        for i in 0..g.len() {
            for j in (i + 1..g.len()).step_by(7).take(40) {
                if pairs[i].0.slot != pairs[j].0.slot {
                    sims.push(provisional.pair_score(&g[i], pairs[i].0.slot, &g[j], pairs[j].0.slot));
                }
            }
        }
        sims.sort_by(f32::total_cmp);
        let q = |p: f64| sims.get(((sims.len() as f64 - 1.0) * p) as usize).copied().unwrap_or(0.0);
        let (med, top) = (q(0.5), q(0.9));
        // σ(a·med + b) = 0.3 and σ(a·top + b) = 0.75.
        let logit = |p: f32| (p / (1.0 - p)).ln();
        let a = (logit(0.75) - logit(0.3)) / (top - med).max(1e-3);
        let b = logit(0.3) - a * med;
        Ok(Head::zero_shot(dims, &mean, &BlockWeights::default(), (a, b), 20_251_125)?)
    }

    /// Embeds every item that has features but no embedding for the active head, then rebuilds the index.
    ///
    /// Every head sees a catalogue through that catalogue's own feature mean (see [`Head::recentred`]). The mean
    /// the stored embeddings were made with is kept beside them; when new features move the catalogue's mean
    /// (a real catalogue imported next to the demo, say), every item is re-embedded with the new mean in one
    /// transaction, otherwise only the missing items are embedded, with the recorded mean.
    pub fn refresh_embeddings(&mut self) -> Result<()> {
        let Some((row, head)) = self.loaded.head.as_ref() else { return Ok(()) };
        let model_id = row.id;
        // One read of the stored slot-ordered pack; a database from before packs (or whose embeddings changed
        // since) is packed now, once.
        let mut pack = match self.store.load_embedding_pack(model_id) {
            Ok(Some(p)) => p,
            Ok(None) => self.store.pack_embeddings(model_id)?,
            // The pack is a copy of the per-item rows: a damaged one is made again from them.
            Err(e) => {
                tracing::warn!("{e:#}; packing the embeddings again");
                self.store.pack_embeddings(model_id)?
            }
        };
        let mut packed = vec![false; self.loaded.items.len()];
        for id in &pack.item_ids {
            if let Some(p) = self.loaded.items.position(*id) {
                packed[p] = true;
            }
        }
        let missing_ids: Vec<i64> = self.loaded.items.keys().zip(&packed).filter(|(_, p)| !**p).map(|(id, _)| id).collect();
        drop(packed);
        let recorded = self.store.head_centring(model_id)?;
        let mut stored_new = false;
        if !missing_ids.is_empty() || recorded.is_none() {
            let feats = self.store.load_features(&self.encoder_key())?;
            let known: Vec<(&Item, &encode_types::Features)> =
                feats.values().filter_map(|f| self.loaded.items.get(&f.item_id).map(|it| (&it.item, f))).collect();
            if !known.is_empty() {
                // The mean of what the stylist works with: visible outfit candidates (all items if none are).
                let visible: Vec<(&Item, &encode_types::Features)> =
                    known.iter().filter(|(_, f)| self.outfit_candidate(f.item_id)).copied().collect();
                let basis = if visible.is_empty() { &known } else { &visible };
                let mean = outfit_model::features::catalogue_mean(basis, head.dims.image, head.dims.text);
                let shifted = match &recorded {
                    Some((old, _)) => outfit_model::features::mean_shift(old, &mean) > CENTRING_TOLERANCE,
                    None => true,
                };
                if shifted {
                    let centred = head.recentred(&mean)?;
                    let vecs = centred.embed(&known)?;
                    let rows: Vec<(i64, Vec<f32>)> = known.iter().map(|(_, f)| f.item_id).zip(vecs).collect();
                    self.store.replace_embeddings(model_id, &mean, rows.len(), &rows)?;
                    stored_new = true;
                } else if let Some((old, _)) = &recorded {
                    let todo: Vec<(&Item, &encode_types::Features)> =
                        missing_ids.iter().filter_map(|id| feats.get(id).map(|f| (&self.loaded.items[id].item, f))).collect();
                    if !todo.is_empty() {
                        let vecs = head.recentred(old)?.embed(&todo)?;
                        let rows: Vec<(i64, Vec<f32>)> = todo.iter().map(|(_, f)| f.item_id).zip(vecs).collect();
                        self.store.put_embeddings(model_id, &rows)?;
                        stored_new = true;
                    }
                }
            }
        }
        if stored_new {
            pack = self.store.pack_embeddings(model_id)?;
        }
        let dim = if pack.is_empty() { head.dims.embed } else { pack.dim };
        fn index_row<'a>(table: &ItemTable, item_id: i64, it: &'a Item, vector: &'a [f32]) -> IndexRow<'a> {
            IndexRow {
                item_id,
                slot: it.slot,
                age_group: it.age_group,
                styling: table.styling(item_id),
                in_stock: it.in_stock,
                price: it.price,
                brand: &it.brand,
                catalogue: table.catalogue_of(item_id).and_then(|c| u32::try_from(c).ok()).unwrap_or(0),
                vector,
            }
        }
        let table: &ItemTable = &self.loaded.items;
        // Only outfit candidates are ranked; the rest stay scorable from `off_index`. The pack is in slot order,
        // so the index takes over its buffers, compacted in place (sorted and copied only if an item's slot moved).
        let candidate: Vec<Option<&Item>> =
            pack.item_ids.iter().map(|id| self.outfit_candidate(*id).then(|| &self.loaded.items[id].item)).collect();
        let mut off_index = HashMap::new();
        for (r, id) in pack.item_ids.iter().enumerate() {
            if candidate[r].is_none() && self.loaded.items.contains_key(id) {
                off_index.insert(*id, pack.row(r).to_vec());
            }
        }
        let slots: Vec<Slot> = candidate.iter().flatten().map(|it| it.slot).collect();
        let mut index = if !pack.is_empty() && slots.is_sorted() {
            let EmbeddingPack { item_ids, vectors, .. } = pack;
            let rows =
                item_ids.iter().zip(&candidate).enumerate().filter_map(|(r, (id, it))| Some((r, index_row(table, *id, (*it)?, &[]))));
            score::IndexBuilder::from_slot_ordered(dim, vectors, rows).map_err(EngineError::score)?
        } else {
            let rows: Vec<IndexRow> =
                (0..pack.len()).filter_map(|r| Some(index_row(table, pack.item_ids[r], candidate[r]?, pack.row(r)))).collect();
            EmbeddingIndex::build(dim, rows)
        };
        // The judgements tell both how much colour each catalogue keeps and how its scores read.
        let judgements = self.store.judgements()?;
        self.neutralise_colour(&mut index, &judgements);
        self.loaded.rows = Arc::new(RowsById::new(index.item_ids.iter().enumerate().map(|(r, id)| (*id, r as u32)).collect()));
        self.loaded.index = Arc::new(index);
        self.loaded.off_index = Arc::new(off_index);
        self.load_calibrations(&judgements);
        Ok(())
    }

    /// Row of an item in the embedding index; `None` until the item is indexed.
    pub fn row_of(&self, item_id: i64) -> Option<usize> {
        self.loaded.rows.get(item_id)
    }

    /// Whether an item has an embedding under the active head: ranked, or kept out of the ranking (underwear,
    /// hidden) but scorable.
    pub fn embedded(&self, item_id: i64) -> bool {
        self.row_of(item_id).is_some() || self.loaded.off_index.contains_key(&item_id)
    }
}

/// What a shipped head's JSON sidecar says: what it was trained on, its parameters and its figures.
struct Sidecar {
    /// The encoder key of the features it was trained on (`None` for sidecars that name the encoders in words).
    encoders: Option<String>,
    trained_on: String,
    params_json: String,
    metrics_json: String,
}

fn shipped_sidecar(weights: &Path) -> Sidecar {
    let v = std::fs::read_to_string(weights.with_extension("json"))
        .ok()
        .and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok())
        .unwrap_or_default();
    let json = |k: &str| if v[k].is_null() { "{}".to_string() } else { v[k].to_string() };
    Sidecar {
        encoders: v["encoders"].as_str().filter(|k| k.contains("+text-v")).map(str::to_string),
        trained_on: v["trained_on"].as_str().unwrap_or("a shipped head without a description").to_string(),
        params_json: json("params"),
        metrics_json: json("metrics"),
    }
}
