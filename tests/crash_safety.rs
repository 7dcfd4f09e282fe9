//! Issue 7, crash safety: SIGKILL the app while it writes judgements and while it imports, restart, and check that
//! every acknowledged judgement is there, imports are all-or-nothing, and `PRAGMA integrity_check` passes.
//!
//! The writer is the hidden `outfit-studio judge-loop` subcommand: it records judgements one by one through
//! `Engine::judge` (as the app does) and prints each id after the call returned, i.e. after the commit.

mod common;

use outfit_studio::Engine;
use outfit_studio::labels::queue::ReviewQueue;
use outfit_studio::store::queue::QueueStatus;
use outfit_studio::store::{JudgementSource, OutfitStatus, Store, Verdict, outfit_key};
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn bin(db: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_outfit-studio"));
    c.env_remove("OUTFIT_STUDIO_DB").env_remove("OUTFIT_STUDIO_STYLIST").arg("--db").arg(db);
    c
}

fn run_ok(db: &Path, args: &[&str]) -> String {
    let out = bin(db).args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Spawns `args` and streams complete stdout lines (ending in '\n') into a channel; a line cut by the kill is not
/// an acknowledgement and is dropped.
fn spawn_lines(db: &Path, args: &[&str]) -> (Child, mpsc::Receiver<String>, std::thread::JoinHandle<()>) {
    let mut child = bin(db).args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match out.read_until(b'\n', &mut buf) {
                Ok(0) | Err(_) => break,
                Ok(_) if buf.ends_with(b"\n") => {
                    let _ = tx.send(String::from_utf8_lossy(&buf[..buf.len() - 1]).into_owned());
                }
                Ok(_) => break,
            }
        }
    });
    (child, rx, reader)
}

fn sigkill(child: &mut Child) -> bool {
    let running = child.try_wait().unwrap().is_none();
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    running
}

fn setup(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("studio.db");
    let feed = dir.join("feed.csv");
    std::fs::write(&feed, "sku,title,category,price\nA,Red dress,Dresses,199\nB,Sandals,Sandals,149\nC,Sun hat,Hats,99\n").unwrap();
    run_ok(&db, &["import", feed.to_str().unwrap()]);
    db
}

#[test]
fn killed_judgement_writer_loses_no_acknowledged_judgement() {
    let tmp = tempfile::tempdir().unwrap();
    let db = setup(tmp.path());
    let runs = 5;
    let mut acked_total = Vec::new();
    for run in 0..runs {
        let stylist = format!("stylist{run}");
        let (mut child, rx, reader) = spawn_lines(&db, &["judge-loop", "--n", "100000", "--stylist", &stylist, "A", "B", "C"]);
        // Kill mid-stream: after the first acknowledgements, at a different moment each run (~1 s in total).
        let start = Instant::now();
        let mut acked: Vec<i64> = Vec::new();
        let kill_after = Duration::from_millis(300 + 150 * run as u64);
        let mut first_ack = None;
        while start.elapsed() < Duration::from_secs(30) {
            if let Ok(line) = rx.recv_timeout(Duration::from_millis(5)) {
                acked.push(line.parse().unwrap_or_else(|_| panic!("not an id: {line:?}")));
                first_ack.get_or_insert_with(Instant::now);
            }
            if first_ack.is_some_and(|t| t.elapsed() >= kill_after) {
                break;
            }
        }
        assert!(sigkill(&mut child), "run {run}: judge-loop exited before the kill");
        reader.join().unwrap();
        acked.extend(rx.try_iter().map(|l| l.parse::<i64>().unwrap()));
        assert!(!acked.is_empty(), "run {run}: no judgement acknowledged within 30 s");

        // Restart: every acknowledged id is there, with its stylist, and the file is sound.
        let store = Store::open(&db).unwrap();
        assert_eq!(store.integrity_check().unwrap(), "ok", "run {run}");
        let all = store.all_judgements().unwrap();
        let mine: std::collections::HashMap<i64, &outfit_studio::store::Judgement> =
            all.iter().filter(|j| j.stylist == stylist).map(|j| (j.id, j)).collect();
        for id in &acked {
            let j = mine.get(id).unwrap_or_else(|| panic!("run {run}: acknowledged judgement {id} is lost"));
            assert_eq!(j.outfit_key, outfit_key(&["A".into(), "B".into(), "C".into()]));
        }
        // At most the one in flight at the kill was committed without its acknowledgement.
        assert!(mine.len() <= acked.len() + 1, "run {run}: {} stored, {} acknowledged", mine.len(), acked.len());
        eprintln!("run {run}: {} judgements acknowledged before SIGKILL, all present", acked.len());
        acked_total.extend(acked);
        // The restarted app keeps writing after the crash.
        let out = run_ok(&db, &["judge", "skip", "A", "B", "--stylist", "after-crash"]);
        assert!(out.contains("recorded judgement"), "{out}");
    }
    let store = Store::open(&db).unwrap();
    let ids: std::collections::HashSet<i64> = store.all_judgements().unwrap().iter().map(|j| j.id).collect();
    assert!(acked_total.iter().all(|id| ids.contains(id)));
    eprintln!("{runs} runs, {} acknowledged judgements checked", acked_total.len());
}

/// A catalogue of `n` new items whose SKUs start with `prefix`.
fn big_feed(path: &Path, prefix: &str, n: usize) {
    let mut s = String::from("sku,title,description,category,colour,age_group,price,availability\n");
    let cats = ["T-shirts", "Shorts", "Dresses", "Sandals", "Jackets", "Caps"];
    for i in 0..n {
        s.push_str(&format!(
            "{prefix}{i:06},Item {i},A soft cotton garment for play number {i},{},blue,toddler,{}.50,in stock\n",
            cats[i % cats.len()],
            100 + i % 300
        ));
    }
    std::fs::write(path, s).unwrap();
}

fn item_count(db: &Path) -> (usize, String) {
    let store = Store::open(db).unwrap();
    (store.item_count().unwrap(), store.integrity_check().unwrap())
}

#[test]
fn killed_import_is_all_or_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let db = setup(tmp.path());
    let n = 20_000;
    // One full import to time it.
    let feed0 = tmp.path().join("feed0.csv");
    big_feed(&feed0, "F0-", n);
    let t = Instant::now();
    run_ok(&db, &["import", feed0.to_str().unwrap()]);
    let full = t.elapsed();
    let (mut expected, ok) = item_count(&db);
    assert_eq!((expected, ok.as_str()), (3 + n, "ok"));
    // Kill at spread-out moments of the import (parse, upsert transaction, commit).
    let mut killed_mid = 0;
    let mut committed = 0;
    for run in 1..=6u32 {
        let feed = tmp.path().join(format!("feed{run}.csv"));
        big_feed(&feed, &format!("F{run}-"), n);
        let mut child = bin(&db).args(["import", feed.to_str().unwrap()]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        std::thread::sleep(full.mul_f64(0.25 + 0.12 * run as f64));
        killed_mid += sigkill(&mut child) as usize;
        let (count, ok) = item_count(&db);
        assert_eq!(ok, "ok", "run {run}");
        assert!(count == expected || count == expected + n, "run {run}: {count} items: a partial import of {} rows", count - expected);
        if count == expected + n {
            committed += 1;
            expected = count;
        }
    }
    eprintln!("import killed {killed_mid} times while running; {committed} of 6 imports had committed; never partial");
    assert!(killed_mid >= 2, "the kill never landed during an import (imports take {full:?})");
}

#[test]
fn killed_training_keeps_the_store_sound() {
    // `train` fine-tunes on stored judgements; it needs indexed features, from the shipped encoders.
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("studio.db");
    // 80 demo rows, copied away from their images so indexing is text-only and quick.
    let demo = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/catalogue.csv")).unwrap();
    let feed = tmp.path().join("demo80.csv");
    std::fs::write(&feed, demo.lines().take(81).collect::<Vec<_>>().join("\n")).unwrap();
    run_ok(&db, &["import", feed.to_str().unwrap()]);
    run_ok(&db, &["index"]);
    let store = Store::open(&db).unwrap();
    let mut skus: Vec<String> = store.all_items().unwrap().into_iter().map(|i| i.item.sku.to_string()).collect();
    skus.sort();
    drop(store);
    // Some labels to train on.
    for (i, pair) in skus.chunks(2).take(60).enumerate() {
        if pair.len() == 2 {
            let v = ["accept", "reject"][i % 2];
            run_ok(&db, &["judge", v, &pair[0], &pair[1], "--stylist", "ana"]);
        }
    }
    let before = Store::open(&db).unwrap().all_judgements().unwrap().len();
    for run in 0..3u64 {
        let mut child =
            bin(&db).args(["train", "--activate", "--epochs", "100000"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(400 + 300 * run));
        let running = sigkill(&mut child);
        let mut said = String::new();
        std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut said).unwrap();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut said).unwrap();
        eprintln!("train run {run}: {}; it said: {}", if running { "killed while running" } else { "had finished" }, said.trim());
        assert!(running, "train run {run} was not running when killed: {said}");
        let store = Store::open(&db).unwrap();
        assert_eq!(store.integrity_check().unwrap(), "ok", "run {run}");
        assert_eq!(store.all_judgements().unwrap().len(), before, "run {run}: judgements changed by a killed training");
        assert!(store.active_model().unwrap().is_some(), "run {run}: no active head after a killed training");
    }
    // After the crashes a training run completes and its version becomes active.
    let out = run_ok(&db, &["train", "--activate", "--epochs", "2"]);
    assert!(out.contains("stored model version"), "{out}");
    let store = Store::open(&db).unwrap();
    assert_eq!(store.integrity_check().unwrap(), "ok");
    assert_eq!(store.all_judgements().unwrap().len(), before);
}

/// A toddler catalogue the review queue can dress (tops, bottoms, one-pieces, shoes) with made-up encoder
/// features, and a built queue for `ana`.
fn queue_setup(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("studio.db");
    let mut rows = vec!["sku,title,category,colour,age_group,price,in_stock".to_string()];
    for (cat, code, n) in [("T-shirts", "TS", 5), ("Shorts", "SH", 5), ("Dresses", "DR", 3), ("Sneakers", "SN", 4), ("Caps", "CP", 2)] {
        for i in 0..n {
            rows.push(format!("{code}{i},Toddler {cat} {i},{cat},{},toddler,{}.00,true", ["red", "navy", "green"][i % 3], 100 + i));
        }
    }
    let feed = dir.join("queue.csv");
    std::fs::write(&feed, rows.join("\n") + "\n").unwrap();
    let mut e = Engine::open(&db, &Path::new(env!("CARGO_MANIFEST_DIR")).join("models")).unwrap();
    e.import(&feed).unwrap();
    common::put_random_features(&mut e);
    let q = ReviewQueue::load_or_build(&mut e, "ana", 12, 1).unwrap();
    assert!(q.counts().pending >= 6, "the queue needs outfits to judge: {:?}", q.counts());
    db
}

/// Every queue decision and its judgement agree: a decided entry points at a live judgement with its verdict and
/// outfit, a pending one at none, no live queue judgement is unrecorded by the queue, and an accept's look is
/// approved exactly while the accept is live.
fn assert_queue_consistent(db: &Path, run: usize) {
    let s = Store::open(db).unwrap();
    assert_eq!(s.integrity_check().unwrap(), "ok", "run {run}");
    let js: HashMap<i64, outfit_studio::store::Judgement> = s.all_judgements().unwrap().into_iter().map(|j| (j.id, j)).collect();
    let entries = s.queue_items("ana").unwrap();
    for e in &entries {
        match (e.status, e.judgement_id) {
            (QueueStatus::Pending, jid) => assert_eq!((jid, e.verdict), (None, None), "run {run}: pending entry {} half-undone", e.id),
            (_, None) => panic!("run {run}: decided entry {} without a judgement", e.id),
            (status, Some(jid)) => {
                let j = &js[&jid];
                assert!(j.undone_at.is_none(), "run {run}: entry {} is {status:?} by undone judgement {jid}", e.id);
                assert_eq!((Some(j.verdict), &j.skus), (e.verdict, &e.skus), "run {run}: entry {} vs judgement {jid}", e.id);
                assert_eq!(status == QueueStatus::Skipped, j.verdict == Verdict::Skip, "run {run}: entry {}", e.id);
            }
        }
    }
    let recorded: HashSet<i64> = entries.iter().filter_map(|e| e.judgement_id).collect();
    for j in js.values().filter(|j| j.source == JudgementSource::Queue && j.undone_at.is_none()) {
        assert!(recorded.contains(&j.id), "run {run}: live queue judgement {} that no queue entry records (a half-done decide)", j.id);
    }
    // Queue accepts are labels, not webshop looks (issue 11): none of them, done or undone, left a look behind.
    for j in js.values().filter(|j| j.verdict == Verdict::Accept && j.source == JudgementSource::Queue) {
        assert_eq!(j.outfit_id, None, "run {run}: queue accept {} made a look", j.id);
    }
    assert!(s.outfits(&[OutfitStatus::Approved, OutfitStatus::Archived]).unwrap().is_empty(), "run {run}: a queue decision made a look");
}

#[test]
fn killed_queue_decide_edit_and_undo_leave_no_half_done_action() {
    let tmp = tempfile::tempdir().unwrap();
    let db = queue_setup(tmp.path());
    assert_queue_consistent(&db, 0);
    let mut kinds: HashMap<String, usize> = HashMap::new();
    // Many short runs: a half-done action is a window of a few hundred microseconds between two commits, so the
    // kills must land often to catch one (the non-atomic implementation failed here within a few runs).
    let runs = 24;
    for run in 1..=runs {
        let (mut child, rx, reader) = spawn_lines(&db, &["queue-loop", "--n", "1000000", "--stylist", "ana"]);
        let start = Instant::now();
        let kill_after = Duration::from_millis(20 + 11 * run as u64);
        let mut acked: Vec<String> = Vec::new();
        let mut first_ack = None;
        while start.elapsed() < Duration::from_secs(30) && first_ack.is_none_or(|t: Instant| t.elapsed() < kill_after) {
            if let Ok(line) = rx.recv_timeout(Duration::from_millis(5)) {
                acked.push(line);
                first_ack.get_or_insert_with(Instant::now);
            }
        }
        assert!(sigkill(&mut child), "run {run}: queue-loop exited before the kill");
        reader.join().unwrap();
        acked.extend(rx.try_iter());
        assert!(!acked.is_empty(), "run {run}: no queue action acknowledged within 30 s");
        assert_queue_consistent(&db, run);
        // Acknowledged actions are durable: decided judgements exist, replaced and undone ones stay undone.
        let s = Store::open(&db).unwrap();
        for line in &acked {
            let w: Vec<&str> = line.split(' ').collect();
            let id = |i: usize| -> i64 { w[i].parse().unwrap_or_else(|_| panic!("run {run}: {line:?}")) };
            let undone = |jid: i64| s.judgement(jid).unwrap().unwrap_or_else(|| panic!("run {run}: {jid} lost")).undone_at.is_some();
            match w[0] {
                "decide" => assert!(s.judgement(id(1)).unwrap().is_some(), "run {run}: acknowledged {line:?} lost"),
                "edit" => assert!(undone(id(1)) && s.judgement(id(2)).unwrap().is_some(), "run {run}: {line:?}"),
                "undo" => assert!(undone(id(1)), "run {run}: acknowledged {line:?} not undone"),
                other => panic!("run {run}: unexpected line {other:?}"),
            }
            *kinds.entry(w[0].to_string()).or_default() += 1;
        }
        let last = acked.last().unwrap().split(' ').next().unwrap().to_string();
        eprintln!("run {run}: {} queue actions acknowledged before SIGKILL (last: {last}), queue and labels consistent", acked.len());
    }
    assert!(["decide", "edit", "undo"].iter().all(|k| kinds.get(*k).copied().unwrap_or(0) > 0), "{kinds:?}");
}
