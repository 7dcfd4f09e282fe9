//! Fuzz target bodies for the engine API (score, complete, judge, undo with arbitrary ids and SKUs), shared by the
//! stable replay and mutation harness (tests/fuzz_regressions.rs) and the cargo-fuzz binary `engine_api` (built
//! with `--features engine`). Data never panics the engine: a bad id or SKU is an error, and what succeeds keeps
//! the engine's promises (probabilities in 0..1, suggestions off the board, judgements stored as given).

use outfit_studio::Engine;
use outfit_studio::catalogue::{AgeGroup, Season, Slot};
use outfit_studio::engine::CompletionFilter;
use outfit_studio::store::{JudgementSource, StoreError, Verdict, outfit_key};
use std::cell::RefCell;

/// Every engine target by name; the corpus lives in tests/fixtures/fuzz/<name>/.
pub const TARGETS: &[crate::targets::Target] = &[("engine_api", engine_api)];

/// SKUs of the fuzzed catalogue, including ones an old outfit key could not tell apart.
pub const SKUS: &[&str] = &["A+B", "C", "A", "B+C", "TS1", "SH1", "DR1", "SN1", "CP1", "JK1", "Ö \"q\""];

thread_local! {
    static ENGINE: RefCell<Option<(tempfile::TempDir, Engine)>> = const { RefCell::new(None) };
}

/// Runs `f` on this thread's engine over a small catalogue with made-up features (no ONNX encoders run; the
/// including crate provides tests/common as `crate::common`).
pub fn with_engine<T>(f: impl FnOnce(&mut Engine) -> T) -> T {
    ENGINE.with(|cell| {
        let mut slot = cell.borrow_mut();
        let (_, e) = slot.get_or_insert_with(|| {
            let dir = tempfile::tempdir().unwrap();
            let cats = ["T-shirts", "Shorts", "Shirts", "Jeans", "T-shirts", "Shorts", "Dresses", "Sneakers", "Caps", "Jackets", "Sandals"];
            let mut csv = String::from("sku,title,category,age_group,brand,price,in_stock\n");
            for (i, (sku, cat)) in SKUS.iter().zip(cats).enumerate() {
                let age = ["toddler", "kids"][i % 2];
                csv.push_str(&format!(
                    "\"{}\",Item {i},{cat},{age},Brand {},{}.00,{}\n",
                    sku.replace('"', "\"\""),
                    i % 3,
                    100 + i,
                    i % 4 != 0
                ));
            }
            let feed = dir.path().join("feed.csv");
            std::fs::write(&feed, csv).unwrap();
            let mut e = Engine::open(&dir.path().join("fuzz.db"), &outfit_studio::encode::manifest::default_models_dir()).unwrap();
            e.import(&feed).unwrap();
            crate::common::put_random_features(&mut e);
            (dir, e)
        });
        f(e)
    })
}

/// Reads fuzz input as a stream of small choices.
struct Bytes<'a>(&'a [u8]);
impl Bytes<'_> {
    fn byte(&mut self) -> u8 {
        let (b, rest) = self.0.split_first().map(|(b, r)| (*b, r)).unwrap_or((0, &[]));
        self.0 = rest;
        b
    }
    fn done(&self) -> bool {
        self.0.is_empty()
    }
    fn i64(&mut self) -> i64 {
        i64::from_le_bytes(std::array::from_fn(|_| self.byte()))
    }
    fn f32(&mut self) -> f32 {
        f32::from_le_bytes(std::array::from_fn(|_| self.byte()))
    }
    /// A known item id most of the time, else any id at all.
    fn id(&mut self, known: &[i64]) -> i64 {
        match self.byte() {
            b if b < 200 && !known.is_empty() => known[b as usize % known.len()],
            _ => self.i64(),
        }
    }
    fn ids(&mut self, known: &[i64]) -> Vec<i64> {
        (0..self.byte() % 7).map(|_| self.id(known)).collect()
    }
    fn text(&mut self) -> String {
        let n = self.byte() % 9;
        let b: Vec<u8> = (0..n).map(|_| self.byte()).collect();
        String::from_utf8_lossy(&b).into_owned()
    }
    /// A catalogue SKU most of the time, else arbitrary text.
    fn sku(&mut self) -> String {
        match self.byte() {
            b if b < 190 => SKUS[b as usize % SKUS.len()].to_string(),
            _ => self.text(),
        }
    }
}

pub fn engine_api(data: &[u8]) {
    with_engine(|e| {
        let mut known: Vec<i64> = e.items().keys().collect();
        known.sort_unstable();
        let mut input = Bytes(data);
        let mut judged: Vec<i64> = Vec::new();
        while !input.done() {
            match input.byte() % 6 {
                0 => {
                    let ids = input.ids(&known);
                    if let Ok(s) = e.score_outfit(&ids) {
                        assert!(ids.len() >= 2 && ids.iter().all(|i| e.row_of(*i).is_some()), "scored {ids:?}");
                        assert!((0.0..=1.0).contains(&s.probability), "probability {} for {ids:?}", s.probability);
                        assert_eq!(s.pairs.len(), ids.len() * (ids.len() - 1) / 2);
                    }
                }
                1 => {
                    let board = input.ids(&known);
                    let slots: Vec<Slot> = (0..input.byte() % 4).map(|_| Slot::ALL[input.byte() as usize % Slot::ALL.len()]).collect();
                    let k = input.byte() as usize;
                    let f = CompletionFilter {
                        age_groups: (0..input.byte() % 3)
                            .map(|_| [AgeGroup::Toddler, AgeGroup::Kids, AgeGroup::Adult][input.byte() as usize % 3])
                            .collect(),
                        seasons: (0..input.byte() % 2).map(|_| [Season::Summer, Season::Winter][input.byte() as usize % 2]).collect(),
                        in_stock_only: input.byte() % 2 == 0,
                        min_price: (input.byte() % 3 == 0).then(|| input.f32()),
                        max_price: (input.byte() % 3 == 0).then(|| input.f32()),
                        brands: (0..input.byte() % 2).map(|_| input.text()).collect(),
                        gender: (input.byte() % 2 == 0).then(|| input.byte() % 4),
                        occasions: (input.byte() % 2 == 0).then(|| input.byte()),
                        catalogue: (input.byte() % 4 == 0).then(|| i64::from(input.byte() % 3)),
                        diversity: (input.byte() % 2 == 0).then(|| input.f32()),
                    };
                    if let Ok(res) = e.complete(&board, &slots, k, &f) {
                        assert_eq!(res.len(), slots.len());
                        for (slot, sugg) in res {
                            assert!(sugg.len() <= k, "{} suggestions for k = {k}", sugg.len());
                            for s in sugg {
                                assert!(!board.contains(&s.item_id), "suggested {} which is on the board", s.sku);
                                assert_eq!(e.item(s.item_id).map(|i| i.item.slot), Some(slot));
                            }
                        }
                    }
                }
                2 => {
                    let skus: Vec<String> = (0..input.byte() % 5).map(|_| input.sku()).collect();
                    let verdict = [Verdict::Accept, Verdict::Reject, Verdict::Skip][input.byte() as usize % 3];
                    let stylist = if input.byte() % 4 == 0 { input.text() } else { "fuzz".to_string() };
                    let reasons: Vec<String> = (0..input.byte() % 3).map(|_| input.text()).collect();
                    match e.judge(&skus, verdict, &stylist, JudgementSource::Manual, &reasons, None) {
                        Ok(id) => {
                            assert!(skus.iter().all(|s| e.item_by_sku(s).is_some()), "judged unknown SKUs {skus:?}");
                            let j = e.store().judgement(id).unwrap().expect("a recorded judgement");
                            assert_eq!((&j.skus, j.verdict, &j.reasons), (&skus, verdict, &reasons));
                            assert_eq!(j.outfit_key, outfit_key(&skus));
                            judged.push(id);
                        }
                        Err(StoreError::Gone { skus: gone }) => {
                            assert!(!gone.is_empty() && gone.iter().all(|s| e.item_by_sku(s).is_none()), "{gone:?}")
                        }
                        Err(err @ (StoreError::Busy(_) | StoreError::Corrupt { .. })) => panic!("judge: {err}"),
                        // Refused (one item, no stylist) or another failure the fuzzer cannot cause on purpose.
                        Err(_) => {}
                    }
                }
                3 => {
                    let id = match input.byte() {
                        b if b < 128 && !judged.is_empty() => judged[b as usize % judged.len()],
                        _ => input.i64(),
                    };
                    if e.undo(id).is_ok() {
                        assert!(e.store().judgement(id).unwrap().expect("an undone judgement").undone_at.is_some());
                    }
                }
                4 => {
                    let board = input.ids(&known);
                    let _ = e.slot_query(&board, Slot::ALL[input.byte() as usize % Slot::ALL.len()]);
                }
                _ => {
                    let skus: Vec<String> = (0..input.byte() % 4).map(|_| input.sku()).collect();
                    if let Ok(items) = e.resolve_skus(&skus) {
                        assert_eq!(items.len(), skus.len());
                    }
                }
            }
        }
    })
}
