//! Label collection at scale: the review queue on a fixed model (the shipped zero-shot head over fake encoder
//! features), several stylists' agreement, and merging label files.

mod common;

use outfit_studio::Engine;
use outfit_studio::labels::agreement::{between, format_table, pairwise};
use outfit_studio::labels::merge::{Conflicts, TrainingPolicy, import_file, training_labels};
use outfit_studio::labels::queue::{Diversity, QueueConfig, ReviewQueue, jaccard};
use outfit_studio::store::queue::QueueStatus;
use outfit_studio::store::{JudgementSource, NewJudgement, Store, Verdict};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

fn models_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("models")
}

/// A small children's catalogue: two age groups, every slot, three brands, one item out of stock.
fn catalogue_csv(dir: &Path) -> PathBuf {
    let mut rows =
        vec!["sku,title,description,category,colour,brand,age_group,gender,season,size,price,currency,image,in_stock".to_string()];
    let kinds = [
        ("T-shirts", "TS", 4),
        ("Shorts", "SH", 4),
        ("Dresses", "DR", 2),
        ("Sneakers", "SN", 3),
        ("Jackets", "JK", 2),
        ("Caps", "CP", 2),
        ("Scarves", "SC", 2),
    ];
    let colours = ["red", "navy", "yellow", "green", "white"];
    let brands = ["Kiddo Nord", "Sunny Sprout", "Little Fox"];
    let mut n = 0;
    for age in ["toddler", "kids"] {
        for (cat, code, count) in kinds {
            for i in 0..count {
                n += 1;
                let sku = format!("{}-{code}{i}", &age[..1].to_uppercase());
                let in_stock = if sku == "T-SN2" { "false" } else { "true" };
                rows.push(format!(
                    "{sku},{age} {cat} {i},A {} {cat} piece,{cat},{},{},{age},unisex,summer,98,{}.00,SEK,,{in_stock}",
                    colours[n % 5],
                    colours[n % 5],
                    brands[n % 3],
                    100 + 10 * n
                ));
            }
        }
    }
    let p = dir.join("catalogue.csv");
    std::fs::write(&p, rows.join("\n") + "\n").unwrap();
    p
}

/// Deterministic pseudo-random vector for an item.
fn fake_vec(seed: u64, dim: usize) -> Vec<f32> {
    let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..dim)
        .map(|_| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((x >> 33) as f32 / (1u64 << 31) as f32) - 0.5
        })
        .collect()
}

/// An engine over the synthetic catalogue with fake features (no ONNX encoders run).
fn engine(dir: &Path, db: &str) -> Engine {
    let mut e = Engine::open(&dir.join(db), &models_dir()).unwrap();
    e.import(&catalogue_csv(dir)).unwrap();
    put_fake_features(&mut e);
    e
}

fn put_fake_features(e: &mut Engine) {
    common::put_fake_features(e, |it, di, dt| {
        let s = it.item.sku.bytes().fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64));
        (fake_vec(s, di), fake_vec(s ^ 0xABCD, dt))
    });
}

fn cfg(size: usize, seed: u64, diversity: Diversity) -> QueueConfig {
    QueueConfig { size, seed, diversity, ..Default::default() }
}

fn slots_of(e: &Engine, skus: &[String]) -> Vec<String> {
    skus.iter().map(|s| e.item_by_sku(s).unwrap().item.slot.as_str().to_string()).collect()
}

#[test]
fn queue_orders_by_uncertainty_then_diversity() {
    let dir = tempfile::tempdir().unwrap();
    let mut e = engine(dir.path(), "q.db");

    // Uncertainty only: |p - 0.5| never decreases along the queue.
    let q = ReviewQueue::load_or_build_with(&mut e, "plain", cfg(10, 3, Diversity::none())).unwrap();
    let u: Vec<f64> = q.entries().iter().map(|x| (x.score - 0.5).abs()).collect();
    assert!(u.len() >= 6, "{u:?}");
    assert!(u.windows(2).all(|w| w[0] <= w[1] + 1e-9), "uncertainty order: {u:?}");

    // With diversity the same candidates (same seed) start from the same most uncertain outfit, and no two queued
    // outfits are near-duplicates.
    let d = ReviewQueue::load_or_build_with(&mut e, "diverse", cfg(10, 3, Diversity::default())).unwrap();
    assert_eq!(d.entries()[0].outfit_key, q.entries()[0].outfit_key);
    let es = d.entries();
    for i in 0..es.len() {
        for j in i + 1..es.len() {
            assert!(jaccard(&es[i].skus, &es[j].skus) <= 0.5, "{:?} ~ {:?}", es[i].skus, es[j].skus);
        }
    }
    // Diversity spreads the seeds over slots and age groups at least as well as uncertainty alone does.
    let spread = |q: &ReviewQueue| {
        let seeds: HashSet<String> =
            q.entries().iter().map(|x| e.item_by_sku(&x.seed_sku).unwrap().item.slot.as_str().to_string()).collect();
        seeds.len()
    };
    assert!(spread(&d) >= spread(&q).min(3), "diverse {} vs plain {}", spread(&d), spread(&q));

    // Every proposal is a valid, in-stock, single-age-group outfit.
    for x in d.entries().iter().chain(q.entries()) {
        let slots = slots_of(&e, &x.skus);
        let has = |s: &str| slots.iter().any(|x| x == s);
        assert!(has("shoes"), "{:?}", x.skus);
        assert!((has("top") && has("bottom")) ^ has("one_piece"), "{slots:?}");
        let items: Vec<_> = x.skus.iter().map(|s| &e.item_by_sku(s).unwrap().item).collect();
        assert!(items.iter().all(|i| i.in_stock && i.age_group == items[0].age_group), "{:?}", x.skus);
        let uniq: HashSet<&String> = slots.iter().collect();
        assert_eq!(uniq.len(), slots.len(), "one item per slot: {slots:?}");
    }
}

#[test]
fn queue_decisions_are_classified_busy_retry_gone_skip_other_nothing_marked() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("q.db");
    let mut e = engine(dir.path(), "q.db");
    let mut q = ReviewQueue::load_or_build(&mut e, "ana", 6, 11).unwrap();
    let judgements = |e: &Engine| e.store().all_judgements().unwrap().len();
    let n0 = judgements(&e);
    let first = q.next().unwrap().clone();
    let other = rusqlite::Connection::open(&db).unwrap();

    // Busy: another connection holds the write lock. Nothing is recorded, the outfit stays current, the error says
    // to try again; once the lock is gone the same decision goes through.
    e.store().set_busy_timeout(std::time::Duration::from_millis(20)).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let err = format!("{:#}", q.decide(&mut e, Verdict::Accept, &[]).unwrap_err());
    assert!(err.contains("busy") && err.contains("try again") && err.contains("not recorded"), "{err}");
    other.execute_batch("ROLLBACK").unwrap();
    assert_eq!((q.next().unwrap().id, judgements(&e)), (first.id, n0));
    assert_eq!(e.store().queue_items("ana").unwrap()[0].status, QueueStatus::Pending);

    // Any other failure (here a trigger standing in for a full disk): a visible error, nothing marked or skipped.
    other
        .execute_batch("CREATE TRIGGER full BEFORE INSERT ON judgements BEGIN SELECT RAISE(ABORT, 'disk full (simulated)'); END;")
        .unwrap();
    let err = format!("{:#}", q.decide(&mut e, Verdict::Reject, &[]).unwrap_err());
    assert!(err.contains("disk full (simulated)"), "{err}");
    other.execute_batch("DROP TRIGGER full").unwrap();
    assert_eq!((q.next().unwrap().id, judgements(&e)), (first.id, n0));
    assert!(e.store().queue_items("ana").unwrap().iter().all(|x| x.status == QueueStatus::Pending));
    let j = q.decide(&mut e, Verdict::Accept, &[]).unwrap();
    assert_eq!(e.store().judgement(j).unwrap().unwrap().skus, first.skus);

    // Gone: an item of the next outfit left the catalogue (deleted by another process): that outfit is skipped
    // for good, with no judgement, and the queue moves on.
    let second = q.next().unwrap().clone();
    other.execute("DELETE FROM items WHERE sku = ?1", [&second.skus[0]]).unwrap();
    let err = format!("{:#}", q.decide(&mut e, Verdict::Accept, &[]).unwrap_err());
    assert!(err.contains("skipped") && err.contains(&second.skus[0]), "{err}");
    assert_eq!(judgements(&e), n0 + 1);
    let stored = e.store().queue_items("ana").unwrap();
    let gone = stored.iter().find(|x| x.id == second.id).unwrap();
    assert_eq!((gone.status, gone.judgement_id), (QueueStatus::Skipped, None));
    assert_ne!(q.next().unwrap().id, second.id);
}

#[test]
fn queue_decides_undoes_edits_never_repeats_and_survives_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut e = engine(dir.path(), "q.db");
    let mut q = ReviewQueue::load_or_build(&mut e, "ana", 6, 11).unwrap();
    let total = q.counts().total;
    assert!(total >= 5, "{total}");
    assert_eq!(q.position(), 1);

    let first = q.next().unwrap().clone();
    let j1 = q.decide(&mut e, Verdict::Accept, &[]).unwrap();
    let j2 = q.decide(&mut e, Verdict::Reject, &["colour_clash".to_string()]).unwrap();
    let third = q.next().unwrap().clone();
    let j3 = q.decide(&mut e, Verdict::Skip, &[]).unwrap();
    assert_eq!(q.position(), 4);
    let c = q.counts();
    assert_eq!((c.done, c.skipped, c.accepted, c.rejected, c.pending), (2, 1, 1, 1, total - 3));
    let j = e.store().judgement(j1).unwrap().unwrap();
    assert_eq!((&j.source, j.stylist.as_str(), j.skus.clone()), (&JudgementSource::Queue, "ana", first.skus.clone()));
    assert_eq!(e.store().judgement(j2).unwrap().unwrap().reasons, ["colour_clash"]);

    // Undo brings the skipped outfit back as the current one.
    let undone = q.undo_last(&mut e).unwrap().unwrap();
    assert_eq!(undone.outfit_key, third.outfit_key);
    assert!(e.store().judgement(j3).unwrap().unwrap().undone_at.is_some());
    assert_eq!(q.next().unwrap().outfit_key, third.outfit_key);
    let j3b = q.decide(&mut e, Verdict::Reject, &[]).unwrap();

    // The last decisions, newest first; editing one re-records it.
    let recent: Vec<i64> = q.recent(10).iter().map(|x| x.judgement_id.unwrap()).collect();
    assert_eq!(recent, [j3b, j2, j1]);
    let j1b = q.edit(&mut e, j1, Verdict::Reject).unwrap();
    assert_ne!(j1b, j1);
    assert!(e.store().judgement(j1).unwrap().unwrap().undone_at.is_some());
    assert_eq!(e.store().judgement(j1b).unwrap().unwrap().verdict, Verdict::Reject);
    assert_eq!(q.recent(1)[0].judgement_id, Some(j1b));
    assert_eq!(q.counts().accepted, 0);

    // An outfit judged elsewhere (on the board) is not shown by the queue.
    let elsewhere = q.upcoming(1)[0].clone();
    e.judge(&elsewhere.skus, Verdict::Accept, "ana", JudgementSource::Manual, &[], None).unwrap();

    // Restart: same queue, same position, counts persisted.
    let before: Vec<_> = q.entries().iter().map(|x| (x.outfit_key.clone(), x.position)).collect();
    drop(q);
    drop(e);
    let mut e = Engine::open(&dir.path().join("q.db"), &models_dir()).unwrap();
    let mut q = ReviewQueue::load_or_build(&mut e, "ana", 6, 11).unwrap();
    let after: Vec<_> = q.entries().iter().map(|x| (x.outfit_key.clone(), x.position)).collect();
    assert_eq!(after, before);
    assert_eq!(q.position(), 5, "four decided plus the one judged elsewhere");
    assert_eq!(q.entries().iter().find(|x| x.outfit_key == elsewhere.outfit_key).unwrap().status, QueueStatus::Skipped);

    // Judge everything; the refill never repeats an outfit this stylist judged.
    while q.next().is_some() {
        q.decide(&mut e, Verdict::Accept, &[]).unwrap();
    }
    let judged = e.store().judged_keys("ana").unwrap();
    let added = q.extend(&mut e, 6).unwrap();
    assert!(added > 0);
    let fresh: Vec<_> = q.entries().iter().filter(|x| x.status == QueueStatus::Pending).collect();
    assert_eq!(fresh.len(), added);
    for x in fresh {
        assert!(!judged.contains(&x.outfit_key), "{} repeated", x.outfit_key);
    }
    let keys: Vec<&String> = q.entries().iter().map(|x| &x.outfit_key).collect();
    assert_eq!(keys.iter().collect::<HashSet<_>>().len(), keys.len(), "no outfit queued twice");
    // Another stylist gets their own queue.
    let other = ReviewQueue::load_or_build(&mut e, "ben", 3, 11).unwrap();
    assert!(other.entries().iter().all(|x| x.stylist == "ben"));
}

/// Ten outfits judged by two stylists (plus one skip) -> the hand-computed table.
fn judge_two_stylists(e: &mut Engine) -> Vec<Vec<String>> {
    let tops: Vec<String> = (0..4).map(|i| format!("K-TS{i}")).collect();
    let bottoms: Vec<String> = (0..4).map(|i| format!("K-SH{i}")).collect();
    let mut outfits = Vec::new();
    for t in &tops {
        for b in &bottoms {
            outfits.push(vec![t.clone(), b.clone()]);
        }
    }
    outfits.truncate(11);
    use Verdict::*;
    let ana = [Accept, Accept, Accept, Accept, Accept, Accept, Accept, Accept, Accept, Reject, Accept];
    let ben = [Accept, Accept, Accept, Accept, Accept, Accept, Accept, Accept, Reject, Reject, Skip];
    for (o, (a, b)) in outfits.iter().zip(ana.iter().zip(ben)) {
        e.judge(o, *a, "ana", JudgementSource::Manual, &[], None).unwrap();
        e.judge(o, b, "ben", JudgementSource::Manual, &[], None).unwrap();
    }
    outfits
}

#[test]
fn agreement_of_two_stylists_matches_hand_computation() {
    let dir = tempfile::tempdir().unwrap();
    let mut e = engine(dir.path(), "a.db");
    let outfits = judge_two_stylists(&mut e);
    // A later change of mind counts (latest live label), an undone one does not.
    let id = e.judge(&outfits[8], Verdict::Accept, "ben", JudgementSource::Manual, &[], None).unwrap();
    e.undo(id).unwrap();
    let js = e.store().judgements().unwrap();
    let r = between(&js, "ana", "ben");
    // n11 = 8, n10 = 1, n01 = 0, n00 = 1 (the skipped outfit is left out): po = 0.9; pa = 0.9, pb = 0.8,
    // pe = 0.72 + 0.02 = 0.74 -> kappa = 0.16 / 0.26 = 0.615385; π = 0.85, pe = 0.255 -> AC1 = 0.645 / 0.745.
    assert_eq!((r.n, r.both_accept, r.a_accept_b_reject, r.a_reject_b_accept, r.both_reject), (10, 8, 1, 0, 1));
    assert!((r.percent.unwrap() - 0.9).abs() < 1e-9);
    assert!((r.kappa.unwrap() - 0.16 / 0.26).abs() < 1e-9);
    assert!((r.ac1.unwrap() - 0.645 / 0.745).abs() < 1e-9);
    let table = format_table(&pairwise(&js));
    println!("{table}");
    assert!(table.contains("ana") && table.contains("+0.615") && table.contains("+0.866") && table.contains("90.0%"), "{table}");

    // Training labels: the one conflict (outfit 9: ana accepts, ben rejects) is a tie and left out.
    let t = training_labels(e.store(), &TrainingPolicy::default()).unwrap();
    assert_eq!(t.len(), 10);
    assert_eq!(t.iter().filter(|x| x.1).count(), 9);
    assert!(!t.iter().any(|x| x.0 == outfits[8]));
    // Trusting ana twice as much resolves it her way; excluding ben leaves ana's 11 labels.
    let p = TrainingPolicy { weights: [("ana".to_string(), 2.0)].into(), ..Default::default() };
    let t = training_labels(e.store(), &p).unwrap();
    assert!(t.iter().find(|x| x.0 == outfits[8]).unwrap().1);
    let p = TrainingPolicy { exclude: ["ben".to_string()].into(), ..Default::default() };
    assert_eq!(training_labels(e.store(), &p).unwrap().len(), 11);
    let p = TrainingPolicy { conflicts: Conflicts::KeepAll, ..Default::default() };
    assert_eq!(training_labels(e.store(), &p).unwrap().len(), 21);
}

fn record(s: &mut Store, skus: &[&str], v: Verdict, stylist: &str) -> i64 {
    s.record_judgement(&NewJudgement {
        model_name: Some("zero-shot-v1".into()),
        score: Some(0.42),
        reasons: vec!["season".into()],
        ..NewJudgement::new(skus.iter().map(|x| x.to_string()).collect(), v, stylist, JudgementSource::Queue)
    })
    .unwrap()
}

#[test]
fn merging_databases_and_label_exports_without_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let mut e = engine(dir.path(), "main.db");
    e.judge(&["K-TS0".to_string(), "K-SH0".to_string()], Verdict::Accept, "ana", JudgementSource::Manual, &[], None).unwrap();

    // Ben's own database: three labels, one on an item this catalogue lacks, one undone.
    let ben_db = dir.path().join("ben.db");
    let mut ben = Store::open(&ben_db).unwrap();
    record(&mut ben, &["K-TS0", "K-SH0"], Verdict::Reject, "ben");
    record(&mut ben, &["K-TS1", "ZZ-404"], Verdict::Accept, "ben");
    let undone = record(&mut ben, &["K-TS2", "K-SH2"], Verdict::Accept, "ben");
    ben.undo_judgement(undone).unwrap();
    drop(ben);
    let before = std::fs::read(&ben_db).unwrap();

    let r = import_file(e.store_mut(), &ben_db).unwrap();
    assert_eq!((r.read, r.imported, r.duplicates, r.undone_ignored), (3, 2, 0, 1));
    assert_eq!(r.unknown_skus, ["ZZ-404"]);
    assert_eq!(r.stylists, ["ben"]);
    assert_eq!(std::fs::read(&ben_db).unwrap(), before, "the other database is only read");
    let imported: Vec<_> = e.store().judgements().unwrap().into_iter().filter(|j| j.stylist == "ben").collect();
    assert!(imported.iter().all(|j| j.source == JudgementSource::imported("ben.db") && j.model_id.is_none() && j.score == Some(0.42)));
    assert_eq!(imported[0].reasons, ["season"]);

    // Again: nothing new. Ben's label export (same judgements, same times): nothing new either.
    let r = import_file(e.store_mut(), &ben_db).unwrap();
    assert_eq!((r.imported, r.duplicates), (0, 2));
    let mut ben = Store::open(&ben_db).unwrap();
    let jsonl = dir.path().join("ben-labels.jsonl");
    let mut f = std::fs::File::create(&jsonl).unwrap();
    outfit_studio::export::write_labels_jsonl(&mut ben, &mut f, "x", true).unwrap();
    drop(f);
    std::fs::write(&jsonl, std::fs::read_to_string(&jsonl).unwrap() + "not json\n").unwrap();
    let r = import_file(e.store_mut(), &jsonl).unwrap();
    assert_eq!((r.read, r.imported, r.duplicates, r.undone_ignored, r.invalid.len()), (3, 0, 2, 1, 1));

    // A new label in Ben's export arrives; if Ben later undoes it, re-importing undoes it here too.
    let late = record(&mut ben, &["K-TS3", "K-SH3"], Verdict::Reject, "ben");
    let mut f = std::fs::File::create(&jsonl).unwrap();
    outfit_studio::export::write_labels_jsonl(&mut ben, &mut f, "x", true).unwrap();
    drop(f);
    assert_eq!(import_file(e.store_mut(), &jsonl).unwrap().imported, 1);
    ben.undo_judgement(late).unwrap();
    let mut f = std::fs::File::create(&jsonl).unwrap();
    outfit_studio::export::write_labels_jsonl(&mut ben, &mut f, "x", true).unwrap();
    drop(f);
    assert_eq!(import_file(e.store_mut(), &jsonl).unwrap().undone_here, 1);
    assert_eq!(e.store().judgements().unwrap().iter().filter(|j| j.stylist == "ben").count(), 2);

    // The merged labels: ana accepts and ben rejects K-SH0+K-TS0 (a tie, left out); Ben's other label stays.
    let js = e.store().judgements().unwrap();
    let a = between(&js, "ana", "ben");
    assert_eq!((a.n, a.a_accept_b_reject), (1, 1));
    let t = training_labels(e.store(), &TrainingPolicy::default()).unwrap();
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].0, ["K-TS1", "ZZ-404"]);
}
