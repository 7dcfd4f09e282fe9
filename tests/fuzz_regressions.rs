//! Issue 7, fuzzing: replays the whole corpus in tests/fixtures/fuzz/<target>/ (seeds plus every crash that
//! tools/fuzz.sh found) through the fuzz targets in fuzz/targets.rs, which must not panic.
//!
//! The engine API targets (fuzz/engine_targets.rs: score, complete, judge, undo with arbitrary ids and SKUs) replay
//! the same way, and every public engine entry is called with bad ids once here.
//!
//! Also the stable fallback fuzzer (`mutation_fuzz`, ignored by default): a seeded mutation fuzzer over the same
//! corpus and targets for when cargo-fuzz (nightly) is not available. It saves any panicking input into the corpus.
//!     FUZZ_SECONDS=60 cargo test --test fuzz_regressions -- --ignored --nocapture mutation_fuzz

use outfit_studio::catalogue;
use std::path::{Path, PathBuf};

mod common;

#[path = "../fuzz/targets.rs"]
mod targets;

#[path = "../fuzz/engine_targets.rs"]
mod engine_targets;

/// The importer targets and the engine targets.
fn all_targets() -> impl Iterator<Item = &'static targets::Target> {
    targets::TARGETS.iter().chain(engine_targets::TARGETS)
}

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz").join(target)
}

fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir(target))
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_file()).collect())
        .unwrap_or_default();
    files.sort();
    files.into_iter().map(|p| (p.clone(), std::fs::read(&p).unwrap())).collect()
}

#[test]
fn replay_corpus() {
    let mut total = 0;
    for (name, target) in all_targets() {
        let inputs = corpus(name);
        assert!(!inputs.is_empty(), "no corpus for {name}");
        for (path, bytes) in &inputs {
            if let Err(e) = std::panic::catch_unwind(|| target(bytes)) {
                let msg = e.downcast_ref::<String>().cloned().or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()));
                panic!("{name}: {} panics: {}", path.display(), msg.unwrap_or_default());
            }
        }
        total += inputs.len();
    }
    eprintln!("replayed {total} corpus inputs");
}

/// The targets also run on every feed format by content (no extension), which exercises format sniffing.
#[test]
fn corpus_through_sniffing() {
    for (name, _) in targets::TARGETS.iter().filter(|(n, _)| n.starts_with("feed_")) {
        for (_, bytes) in corpus(name) {
            let p = catalogue::parse_feed(Path::new("feed"), &bytes, Path::new("/nonexistent"));
            assert!(p.errors.iter().all(|e| e.message.len() <= 1000));
        }
    }
}

#[test]
fn every_public_engine_entry_refuses_bad_ids() {
    use outfit_studio::catalogue::Slot;
    use outfit_studio::engine::CompletionFilter;
    use outfit_studio::store::{JudgementSource, StoreError, UndoEffects, Verdict};
    engine_targets::with_engine(|e| {
        let good: Vec<i64> = {
            let mut v: Vec<i64> = e.items().keys().collect();
            v.sort_unstable();
            v
        };
        assert!(e.score_outfit(&good[..3]).is_ok(), "the fixture scores");
        let f = CompletionFilter::default();
        for bad in [-1, 0, i64::MAX, i64::MIN, 999_999] {
            let err =
                |r: Result<_, outfit_studio::engine::EngineError>| format!("{:#}", r.err().unwrap_or_else(|| panic!("id {bad} accepted")));
            assert!(err(e.score_outfit(&[good[0], bad]).map(drop)).contains(&bad.to_string()));
            assert!(err(e.score_outfit(&[bad, good[0]]).map(drop)).contains(&bad.to_string()));
            err(e.score_outfit(&[bad, bad]).map(drop));
            err(e.slot_query(&[bad], Slot::Shoes).map(drop));
            err(e.complete(&[bad], &[Slot::Shoes], 5, &f).map(drop));
            err(e.complete(&[good[0], bad], &Slot::ALL, 5, &f).map(drop));
            assert!(e.undo(bad).is_err());
            assert!(e.undo_with(bad, &UndoEffects { keep_look: true, requeue: Some(bad) }).is_err());
            err(e.activate_model(bad));
            err(e.model_or_active(Some(bad)).map(drop));
            assert!(e.item(bad).is_none() && e.row_of(bad).is_none());
        }
        for skus in [vec!["NOPE".to_string(), "A".into()], vec!["".into(), "\0".into()], vec!["A+B".into(), "A+B ".into()]] {
            let r = e.judge(&skus, Verdict::Accept, "ana", JudgementSource::Manual, &[], None);
            assert!(matches!(r, Err(StoreError::Gone { .. })), "{skus:?}: {r:?}");
            assert!(e.resolve_skus(&skus).is_err());
        }
        // An outfit id that does not exist: nothing is recorded.
        let before = e.store().all_judgements().unwrap().len();
        assert!(e.judge(&["A".into(), "C".into()], Verdict::Accept, "ana", JudgementSource::Manual, &[], Some(424_242)).is_err());
        assert_eq!(e.store().all_judgements().unwrap().len(), before, "a failed accept left a judgement");
        // Degenerate but valid requests answer without panicking.
        assert!(e.complete(&[], &[Slot::Top], 5, &f).is_err());
        assert!(e.complete(&good[..1], &[], 5, &f).unwrap().is_empty());
        assert!(e.complete(&good[..1], &[Slot::Top], 0, &f).unwrap()[0].1.is_empty());
        assert!(e.score_outfit(&[]).is_err() && e.score_outfit(&good[..1]).is_err());
    });
}

/// xorshift64*: deterministic per seed, no dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Tokens that matter to the importers' grammars.
const TOKENS: &[&[u8]] = &[
    b",",
    b";",
    b"\t",
    b"|",
    b"\"",
    b"\"\"",
    b"\n",
    b"\r\n",
    b"\r",
    b"<item>",
    b"</item>",
    b"<entry>",
    b"<g:id>",
    b"</g:id>",
    b"<g:title>",
    b"</g:title>",
    b"<![CDATA[",
    b"]]>",
    b"&amp;",
    b"&#x0;",
    b"&bogus;",
    b"<?xml",
    b"<!DOCTYPE x [<!ENTITY a \"b\">]>",
    b"{",
    b"}",
    b"[",
    b"]",
    b":",
    b"null",
    b"1e999",
    b"-0",
    b"NaN",
    b"inf",
    b"\xEF\xBB\xBF",
    b"\xFF\xFE",
    b"\xFE\xFF",
    b"\x00",
    b"\xC3",
    b"\xE2\x82\xAC",
    b"SEK",
    b"$",
    b"\xE2\x82\xAC",
    b"1 299,00",
    b"-",
    b"..",
    b",,",
    b"Handle",
    b"Variant SKU",
    b"sku",
    b"title",
    b"category",
    b"price",
    b"availability",
    b"image_link",
    b"file:///",
    b"http://",
    b"../../../../etc/passwd",
    b"slot",
    b"one_piece",
    b"age_group",
    b"toddler",
];

fn mutate(rng: &mut Rng, input: &[u8], pool: &[Vec<u8>]) -> Vec<u8> {
    let mut v = input.to_vec();
    for _ in 0..1 + rng.below(6) {
        let at = rng.below(v.len() + 1);
        match rng.below(9) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] ^= 1 << rng.below(8);
            }
            1 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] = rng.next() as u8;
            }
            2 => v.splice(at..at, TOKENS[rng.below(TOKENS.len())].iter().copied()).for_each(drop),
            3 if !v.is_empty() => {
                let end = (at + 1 + rng.below(32)).min(v.len());
                v.drain(at.min(end)..end);
            }
            4 if !v.is_empty() => {
                // Duplicate a chunk (repeated rows, nested elements).
                let start = rng.below(v.len());
                let end = (start + 1 + rng.below(256)).min(v.len());
                let chunk = v[start..end].to_vec();
                v.splice(at..at, chunk.into_iter().cycle().take((end - start) * (1 + rng.below(4)))).for_each(drop);
            }
            5 => v.truncate(at),
            6 if !pool.is_empty() => {
                // Splice in part of another corpus input.
                let other = &pool[rng.below(pool.len())];
                let s = rng.below(other.len());
                let e = (s + rng.below(512)).min(other.len());
                v.splice(at..at, other[s..e].iter().copied()).for_each(drop);
            }
            7 => {
                let b = rng.next() as u8;
                v.splice(at..at, std::iter::repeat_n(b, 1 + rng.below(64))).for_each(drop);
            }
            _ => v.insert(at, rng.next() as u8),
        }
    }
    v.truncate(64 * 1024);
    v
}

#[test]
#[ignore = "a time-bounded fuzzing run, not a regression test: tools/fuzz.sh runs it when cargo-fuzz is unavailable"]
fn mutation_fuzz() {
    let seconds: u64 = std::env::var("FUZZ_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(20);
    let only: Option<Vec<String>> = std::env::var("FUZZ_TARGETS").ok().map(|s| s.split(',').map(str::to_string).collect());
    let seed: u64 = std::env::var("FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5EED_F00D);
    // Panics are caught and saved; keep the default hook from printing thousands of backtraces.
    let last_panic = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let lp = last_panic.clone();
    std::panic::set_hook(Box::new(move |info| *lp.lock().unwrap() = info.to_string()));
    let mut crashes = Vec::new();
    for (name, target) in all_targets() {
        if only.as_ref().is_some_and(|o| !o.iter().any(|t| t == name)) {
            continue;
        }
        let mut pool: Vec<Vec<u8>> = corpus(name).into_iter().map(|(_, b)| b).collect();
        pool.push(Vec::new());
        let mut rng = Rng(seed ^ name.len() as u64 ^ 0x9E37_79B9_7F4A_7C15);
        let end = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
        let mut runs = 0u64;
        while std::time::Instant::now() < end {
            let base = pool[rng.below(pool.len())].clone();
            let input = mutate(&mut rng, &base, &pool);
            runs += 1;
            if std::panic::catch_unwind(|| target(&input)).is_err() {
                let hash = input.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ *b as u64).wrapping_mul(0x100_0000_01b3));
                let path = corpus_dir(name).join(format!("crash-{hash:016x}"));
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, &input).unwrap();
                eprintln!("{name}: CRASH saved to {}: {}", path.display(), last_panic.lock().unwrap());
                crashes.push(path);
            } else if runs.is_multiple_of(64) && pool.len() < 4096 {
                // Without coverage feedback, keep a sample of mutants so later mutations build on them.
                pool.push(input);
            }
        }
        eprintln!("{name}: {runs} inputs in {seconds}s");
    }
    let _ = std::panic::take_hook();
    assert!(crashes.is_empty(), "{} crashing inputs saved: {crashes:?}", crashes.len());
}
