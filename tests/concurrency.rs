//! Issue 7, concurrency: two app instances (processes) and separate connections (threads) writing to one database
//! at once, with readers and an import alongside: no lost writes and no SQLITE_BUSY reaching the user (WAL and a
//! 10 s busy timeout).

use outfit_studio::catalogue::{Item, parse_feed};
use outfit_studio::store::{JudgementSource, NewJudgement, Store, Verdict};
use std::collections::HashSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};

fn bin(db: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_outfit-studio"));
    c.env_remove("OUTFIT_STUDIO_DB").env_remove("OUTFIT_STUDIO_STYLIST").arg("--db").arg(db);
    c
}

fn setup(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("studio.db");
    let feed = dir.join("feed.csv");
    std::fs::write(&feed, "sku,title,category,price\nA,Red dress,Dresses,199\nB,Sandals,Sandals,149\nC,Sun hat,Hats,99\n").unwrap();
    let out = bin(&db).args(["import", feed.to_str().unwrap()]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    db
}

/// A reader polling the database until told to stop: counts never go down and the file stays sound.
fn spawn_reader(db: &Path, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<usize> {
    let db = db.to_path_buf();
    std::thread::spawn(move || {
        let store = Store::open(&db).unwrap();
        let (mut last, mut reads) = (0, 0);
        while !stop.load(Ordering::Relaxed) {
            let n = store.all_judgements().expect("a reader never sees SQLITE_BUSY").len();
            assert!(n >= last, "judgement count went down: {last} -> {n}");
            last = n;
            reads += 1;
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        assert_eq!(store.integrity_check().unwrap(), "ok");
        reads
    })
}

#[test]
fn two_app_processes_and_a_reader_lose_no_judgement() {
    let tmp = tempfile::tempdir().unwrap();
    let db = setup(tmp.path());
    let stop = Arc::new(AtomicBool::new(false));
    let reader = spawn_reader(&db, stop.clone());
    let n = 300;
    let children: Vec<_> = ["ana", "ben"]
        .iter()
        .map(|s| {
            bin(&db)
                .args(["judge-loop", "--n", &n.to_string(), "--stylist", s, "A", "B", "C"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut acked: Vec<HashSet<i64>> = Vec::new();
    for c in children {
        let out = c.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "an instance failed while the other wrote: {stderr}");
        assert!(!stderr.contains("locked") && !stderr.contains("busy"), "{stderr}");
        acked.push(String::from_utf8_lossy(&out.stdout).lines().map(|l| l.parse().unwrap()).collect());
    }
    stop.store(true, Ordering::Relaxed);
    let reads = reader.join().unwrap();
    assert!(acked.iter().all(|a| a.len() == n), "each instance acknowledged {n}");
    assert!(acked[0].is_disjoint(&acked[1]), "two instances were given the same id");
    let store = Store::open(&db).unwrap();
    let all = store.all_judgements().unwrap();
    assert_eq!(all.len(), 2 * n, "lost or extra writes");
    for (stylist, ids) in ["ana", "ben"].iter().zip(&acked) {
        let stored: HashSet<i64> = all.iter().filter(|j| j.stylist == *stylist).map(|j| j.id).collect();
        assert_eq!(&stored, ids, "{stylist}'s judgements");
    }
    assert_eq!(store.integrity_check().unwrap(), "ok");
    eprintln!("2 x {n} judgements from two processes, {reads} concurrent reads, none lost");
}

fn judgement(stylist: &str, i: usize) -> NewJudgement {
    NewJudgement {
        score: Some(0.5),
        ..NewJudgement::new(vec!["A".into(), "B".into()], [Verdict::Accept, Verdict::Reject][i % 2], stylist, JudgementSource::Manual)
    }
}

fn items(prefix: &str, n: usize) -> Vec<Item> {
    let mut s = String::from("sku,title,category\n");
    for i in 0..n {
        s.push_str(&format!("{prefix}{i},Tee {i},T-shirts\n"));
    }
    parse_feed(Path::new("f.csv"), s.as_bytes(), Path::new("/nonexistent")).items
}

#[test]
fn separate_connections_writing_judgements_and_imports_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let db = setup(tmp.path());
    let n = 300;
    let barrier = Arc::new(Barrier::new(4));
    let writers: Vec<_> = ["cy", "di"]
        .into_iter()
        .map(|stylist| {
            let (db, barrier) = (db.clone(), barrier.clone());
            std::thread::spawn(move || {
                let mut store = Store::open(&db).unwrap();
                barrier.wait();
                (0..n).map(|i| store.record_judgement(&judgement(stylist, i)).expect("no SQLITE_BUSY")).collect::<Vec<i64>>()
            })
        })
        .collect();
    // Imports upsert in one transaction that reads before it writes: the case a deferred transaction gets wrong
    // (SQLITE_BUSY without waiting when another connection committed in between).
    let importers: Vec<_> = ["X", "Y"]
        .into_iter()
        .map(|prefix| {
            let (db, barrier) = (db.clone(), barrier.clone());
            std::thread::spawn(move || {
                let mut store = Store::open(&db).unwrap();
                let batch = items(prefix, 2000);
                barrier.wait();
                for round in 0..5 {
                    let mut b = batch.clone();
                    b.iter_mut().for_each(|it| it.title = format!("{} r{round}", it.title).into());
                    store.upsert_items(&b, "concurrency").expect("an import never fails with SQLITE_BUSY");
                }
            })
        })
        .collect();
    let ids: Vec<Vec<i64>> = writers.into_iter().map(|w| w.join().unwrap()).collect();
    importers.into_iter().for_each(|i| i.join().unwrap());
    let store = Store::open(&db).unwrap();
    let all: HashSet<i64> = store.all_judgements().unwrap().iter().map(|j| j.id).collect();
    assert_eq!(all.len(), 2 * n);
    assert!(ids.iter().flatten().all(|id| all.contains(id)));
    assert_eq!(store.item_count().unwrap(), 3 + 2 * 2000);
    assert!(store.all_items().unwrap().iter().filter(|i| i.item.sku.starts_with('X')).all(|i| i.item.title.ends_with(" r4")));
    assert_eq!(store.integrity_check().unwrap(), "ok");
}

#[test]
fn instances_opening_a_new_database_at_once_all_succeed() {
    // Two app instances started on a fresh database race to create the schema.
    for attempt in 0..5 {
        let tmp = tempfile::tempdir().unwrap();
        let db = tmp.path().join("fresh.db");
        let barrier = Arc::new(Barrier::new(4));
        let opens: Vec<_> = (0..4)
            .map(|_| {
                let (db, barrier) = (db.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    Store::open(&db).map(|s| s.schema_version().unwrap()).map_err(|e| format!("{e:#}"))
                })
            })
            .collect();
        for o in opens {
            let v = o.join().unwrap().unwrap_or_else(|e| panic!("attempt {attempt}: concurrent first open failed: {e}"));
            assert_eq!(v, outfit_studio::store::SCHEMA_VERSION);
        }
    }
}

/// Child half of the test below: opens the database named by $CONCURRENCY_CHILD_DB and reports.
#[test]
fn open_child() {
    let Ok(db) = std::env::var("CONCURRENCY_CHILD_DB") else { return };
    match Store::open(Path::new(&db)) {
        Ok(s) => println!("CHILD ok {}", s.schema_version().unwrap()),
        Err(e) => println!("CHILD failed: {e:#}"),
    }
}

#[test]
fn processes_opening_a_new_database_at_once_all_succeed() {
    // Separate processes, as two app instances started together on a new database (journal mode switch,
    // migrations).
    for attempt in 0..8 {
        let tmp = tempfile::tempdir().unwrap();
        let db = tmp.path().join("fresh.db");
        let children: Vec<_> = (0..3)
            .map(|_| {
                Command::new(std::env::current_exe().unwrap())
                    .args(["--exact", "open_child", "--nocapture", "--test-threads=1"])
                    .env("CONCURRENCY_CHILD_DB", &db)
                    .stdout(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for c in children {
            let out = String::from_utf8_lossy(&c.wait_with_output().unwrap().stdout).into_owned();
            let line = out.lines().find_map(|l| l.find("CHILD").map(|i| &l[i..])).unwrap_or("CHILD said nothing").to_string();
            assert_eq!(line, format!("CHILD ok {}", outfit_studio::store::SCHEMA_VERSION), "attempt {attempt}");
        }
    }
}

/// Engine::open on a database without a head installs the shipped one; instances doing that at once must end
/// with one active head (this was a UNIQUE constraint failure on models.name before `activate_default_model`).
#[test]
fn app_instances_starting_on_a_new_database_at_once() {
    // Each `Engine::open` installs the shipped head on a database that has none.
    for attempt in 0..3 {
        let tmp = tempfile::tempdir().unwrap();
        let db = tmp.path().join("fresh.db");
        let children: Vec<_> =
            (0..3).map(|_| bin(&db).args(["models"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()).collect();
        for c in children {
            let out = c.wait_with_output().unwrap();
            assert!(out.status.success(), "attempt {attempt}: {}", String::from_utf8_lossy(&out.stderr));
        }
        let models = Store::open(&db).unwrap().models().unwrap();
        assert_eq!(models.iter().filter(|m| m.active).count(), 1, "attempt {attempt}: one active head");
    }
}
