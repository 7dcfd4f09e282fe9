//! Issue 21 against a real PostgreSQL: a throwaway cluster per test (initdb in a temp dir, a Unix socket, as the
//! `postgres` user when run as root). Without server programs every test returns early after one SKIPPED line;
//! `.ci/run` installs Debian's postgresql so CI runs them.
//!
//! Stylist processes are this test binary run again with `TEAM_CHILD` set: `stylist_process` does the work of one
//! stylist (its own SQLite file and sync worker), so a kill -9 hits a real process.

mod common;

use common::{connect, joined, opts, team, team_with, wait_until};
use outfit_store::{JudgementSource, Store};
use outfit_team::bench::sample_judgement;
use outfit_team::cluster::Cluster;
use outfit_team::{SyncOptions, TeamSync, routing};
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Judgement ids on the server, with how often each is there.
fn server_ids(cluster: &Cluster) -> HashMap<String, i64> {
    let mut admin = cluster.admin().unwrap();
    let rows = admin.query("SELECT id::text, count(*) FROM outfit_team.events WHERE kind = 'judgement' GROUP BY id", &[]).unwrap();
    rows.iter().map(|r| (r.get(0), r.get(1))).collect()
}

/// Every event on the server, whole, in log order.
fn events_json(cluster: &Cluster) -> Vec<String> {
    let rows = cluster.admin().unwrap().query("SELECT row_to_json(e)::text FROM outfit_team.events e ORDER BY seq", &[]).unwrap();
    rows.iter().map(|r| r.get(0)).collect()
}

/// The judgement id of an `ACK <uuid>` line (the test harness may print its own words before the first one).
fn ack(line: &str) -> Option<String> {
    line.split_once("ACK ").map(|(_, u)| u.trim().to_string())
}

fn child(test: &str, env: &[(&str, String)]) -> Command {
    let mut c = Command::new(std::env::current_exe().unwrap());
    c.args([test, "--exact", "--nocapture", "--test-threads=1"]).env("TEAM_CHILD", "1");
    for (k, v) in env {
        c.env(k, v);
    }
    c
}

/// One stylist's process (only with TEAM_CHILD set): judges TEAM_N outfits with its sync worker running, printing
/// `ACK <uuid>` once each is committed locally; then, unless TEAM_WAIT_TOTAL is 0, waits until its outbox is empty
/// and its store holds TEAM_WAIT_TOTAL judgements (everyone's).
#[test]
fn stylist_process() {
    if std::env::var_os("TEAM_CHILD").is_none() {
        return;
    }
    let var = |k: &str| std::env::var(k).unwrap();
    let db = PathBuf::from(var("TEAM_DB"));
    let stylist = var("TEAM_STYLIST");
    let n: usize = var("TEAM_N").parse().unwrap();
    let total: usize = var("TEAM_WAIT_TOTAL").parse().unwrap();
    // The password file comes from PGPASSFILE, as for a stylist.
    let sync = TeamSync::start(&db, SyncOptions { poll: Duration::from_millis(500), ..Default::default() }).unwrap();
    let mut store = Store::open(&db).unwrap();
    for i in 0..n {
        let id = store.record_judgement(&sample_judgement(&stylist, i)).unwrap();
        sync.nudge();
        println!("ACK {}", store.judgement(id).unwrap().unwrap().uuid);
        if i % 16 == 0 {
            std::thread::sleep(Duration::from_millis(3));
        }
    }
    if total > 0 {
        wait_until("this stylist's view to converge", Duration::from_secs(120), || {
            store.team_outbox_counts().unwrap().pending == 0 && store.judgement_uuids().unwrap().len() == total
        });
    }
    println!("DONE");
}

#[test]
fn three_stylist_processes_each_judgement_exactly_once_everywhere() {
    let tmp = tempfile::tempdir().unwrap();
    let stylists = ["ana", "bob", "cy"];
    let Some((cluster, pgpass)) = team(&stylists, tmp.path()) else { return };
    let n = 300;
    let children: Vec<_> = stylists
        .iter()
        .map(|s| {
            let db = joined(tmp.path(), &cluster, s);
            child(
                "stylist_process",
                &[
                    ("TEAM_DB", db.display().to_string()),
                    ("TEAM_STYLIST", s.to_string()),
                    ("TEAM_N", n.to_string()),
                    ("TEAM_WAIT_TOTAL", (n * stylists.len()).to_string()),
                    ("PGPASSFILE", pgpass.display().to_string()),
                ],
            )
            .stdout(Stdio::piped())
            .spawn()
            .unwrap()
        })
        .collect();
    let mut acked = HashSet::new();
    for c in children {
        let out = c.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success() && text.contains("DONE"), "a stylist process failed: {text}");
        acked.extend(text.lines().filter_map(ack));
    }
    assert_eq!(acked.len(), n * stylists.len());
    let on_server = server_ids(&cluster);
    assert_eq!(on_server.len(), acked.len());
    assert!(on_server.values().all(|&c| c == 1));
    assert_eq!(on_server.keys().cloned().collect::<HashSet<_>>(), acked);
    for s in stylists {
        let store = Store::open(&tmp.path().join(format!("{s}.db"))).unwrap();
        let ids = store.judgement_uuids().unwrap();
        assert_eq!(ids.len(), acked.len(), "{s} holds each judgement once");
        assert_eq!(ids.into_iter().collect::<HashSet<_>>(), acked, "{s}'s view is the team's log");
    }
}

#[test]
fn a_kill_9_mid_push_loses_nothing_acknowledged() {
    let tmp = tempfile::tempdir().unwrap();
    let Some((cluster, pgpass)) = team(&["ana"], tmp.path()) else { return };
    let db = joined(tmp.path(), &cluster, "ana");
    let mut c = child(
        "stylist_process",
        &[
            ("TEAM_DB", db.display().to_string()),
            ("TEAM_STYLIST", "ana".into()),
            ("TEAM_N", "100000".into()),
            ("TEAM_WAIT_TOTAL", "0".into()),
            ("PGPASSFILE", pgpass.display().to_string()),
        ],
    )
    .stdout(Stdio::piped())
    .spawn()
    .unwrap();
    let mut lines = BufReader::new(c.stdout.take().unwrap()).lines();
    let mut acked = Vec::new();
    // Kill once the server has some of them: the worker is then pushing while the process judges.
    loop {
        let line = lines.next().expect("the stylist process ended early").unwrap();
        acked.extend(ack(&line));
        if acked.len() >= 400 && acked.len() % 50 == 0 && !server_ids(&cluster).is_empty() {
            break;
        }
    }
    c.kill().unwrap(); // SIGKILL
    c.wait().unwrap();
    let pushed_before = server_ids(&cluster).len();
    assert!(pushed_before > 0 && pushed_before < 100_000);
    // Everything acknowledged is in the local store; the stylist's next session pushes the rest, once each.
    let mut store = Store::open(&db).unwrap();
    let local: HashSet<String> = store.judgement_uuids().unwrap().into_iter().collect();
    assert!(acked.iter().all(|u| local.contains(u)), "an acknowledged judgement was lost locally");
    let mut client = connect(&cluster, &pgpass, "ana");
    outfit_team::sync_once(&mut store, &mut client).unwrap();
    let on_server = server_ids(&cluster);
    assert!(acked.iter().all(|u| on_server.contains_key(u)), "an acknowledged judgement never reached the server");
    assert!(on_server.values().all(|&c| c == 1));
    assert_eq!(on_server.len(), local.len());
    assert_eq!(store.team_outbox_counts().unwrap().pending, 0);
}

#[test]
fn the_server_stopped_and_restarted_the_apps_work_offline_and_converge() {
    let tmp = tempfile::tempdir().unwrap();
    let Some((cluster, pgpass)) = team(&["ana", "bob"], tmp.path()) else { return };
    let (a_db, b_db) = (joined(tmp.path(), &cluster, "ana"), joined(tmp.path(), &cluster, "bob"));
    let (sa, sb) = (TeamSync::start(&a_db, opts(&pgpass)).unwrap(), TeamSync::start(&b_db, opts(&pgpass)).unwrap());
    let (mut a, mut b) = (Store::open(&a_db).unwrap(), Store::open(&b_db).unwrap());
    let judge = |s: &mut Store, who: &str, range: std::ops::Range<usize>| {
        for i in range {
            s.record_judgement(&sample_judgement(who, i)).unwrap();
        }
    };
    judge(&mut a, "ana", 0..20);
    judge(&mut b, "bob", 0..20);
    let both = |a: &Store, b: &Store, n: usize| a.judgement_uuids().unwrap().len() == n && b.judgement_uuids().unwrap().len() == n;
    wait_until("the first 40 to meet", Duration::from_secs(20), || both(&a, &b, 40));
    cluster.stop().unwrap();
    wait_until("both apps to see the server gone", Duration::from_secs(10), || !sa.status().connected && !sb.status().connected);
    // Offline: judging goes on, the outbox grows.
    let t = Instant::now();
    judge(&mut a, "ana", 20..70);
    judge(&mut b, "bob", 20..50);
    wait_until("the offline work to show as pending", Duration::from_secs(5), || sa.status().pending == 50 && sb.status().pending == 30);
    // The target's outage: the server stays down 30 s while the apps keep judging.
    std::thread::sleep(Duration::from_secs(30).saturating_sub(t.elapsed()));
    assert!(!sa.status().connected && !sb.status().connected && sa.status().pending == 50);
    cluster.start_again().unwrap();
    let took = wait_until("the apps to converge after the server's return", Duration::from_secs(15), || {
        both(&a, &b, 120) && sa.status().pending == 0 && sb.status().pending == 0
    });
    println!("converged {:.2} s after the server's return", took.as_secs_f64());
    assert!(took < Duration::from_secs(5), "converged only after {took:?}");
    let on_server = server_ids(&cluster);
    assert_eq!(on_server.len(), 120);
    assert!(on_server.values().all(|&c| c == 1));
    assert!(sa.status().connected && sa.status().last_sync.is_some());
}

#[test]
fn a_stylist_cannot_insert_or_alter_a_judgement_under_another_name() {
    let tmp = tempfile::tempdir().unwrap();
    let Some((cluster, pgpass)) = team(&["ana", "bob"], tmp.path()) else { return };
    let connect = |who: &str| connect(&cluster, &pgpass, who);
    // Bob records a judgement through his own app.
    let b_db = joined(tmp.path(), &cluster, "bob");
    let mut b = Store::open(&b_db).unwrap();
    let id = b.record_judgement(&sample_judgement("bob", 1)).unwrap();
    let bob_id = b.judgement(id).unwrap().unwrap().uuid;
    outfit_team::sync_once(&mut b, &mut connect("bob")).unwrap();
    let before = events_json(&cluster);
    assert_eq!(before.len(), 1);

    let mut ana = connect("ana");
    let refused = |r: Result<u64, postgres::Error>| {
        let e = r.expect_err("the server must refuse");
        e.as_db_error().map(|d| d.message().to_string()).unwrap_or_else(|| e.to_string())
    };
    // Insert under bob's name: through the function, and straight into the table.
    let m = refused(ana.execute(
        "SELECT outfit_team.push_judgement(gen_random_uuid(), 'bob', '2026-01-01', 'k', '[\"A\",\"B\"]', 'accept', NULL, NULL, 'manual', '[]')",
        &[],
    ));
    assert!(m.contains("cannot record a judgement under the name bob"), "{m}");
    let m = refused(ana.execute(
        "INSERT INTO outfit_team.events (id, kind, judgement, stylist, at, skus, verdict) VALUES ($1::text::uuid, 'judgement', $1::text::uuid, 'bob', 'x', '[]', 'reject')",
        &[&"0190f0f0-0000-7000-8000-00000000abcd"],
    ));
    assert!(m.contains("permission denied"), "{m}");
    // Alter bob's judgement: update, delete, undo it, or take over its id.
    let m = refused(ana.execute("UPDATE outfit_team.events SET verdict = 'reject' WHERE stylist = 'bob'", &[]));
    assert!(m.contains("permission denied"), "{m}");
    let m = refused(ana.execute("DELETE FROM outfit_team.events WHERE stylist = 'bob'", &[]));
    assert!(m.contains("permission denied"), "{m}");
    let m = refused(ana.execute("SELECT outfit_team.push_undo(gen_random_uuid(), 'ana', $1::text::uuid, 'x')", &[&bob_id]));
    assert!(m.contains("cannot undo a judgement of bob"), "{m}");
    let m = refused(ana.execute(
        "SELECT outfit_team.push_judgement($1::text::uuid, 'ana', 'x', 'k', '[\"A\",\"B\"]', 'reject', NULL, NULL, 'manual', '[]')",
        &[&bob_id],
    ));
    assert!(m.contains("belongs to bob"), "{m}");
    let after = events_json(&cluster);
    assert_eq!(after, before, "bob's judgement is untouched and nothing was added");

    // The same through the app: a local judgement under bob's name in ana's store is refused by the server and
    // set aside with the reason, without blocking ana's own.
    let a_db = joined(tmp.path(), &cluster, "ana");
    let mut a = Store::open(&a_db).unwrap();
    a.record_judgement(&sample_judgement("ana", 1)).unwrap();
    a.join_team(&cluster.url("ana"), "bob").unwrap(); // a misconfigured stylist name
    a.record_judgement(&sample_judgement("bob", 2)).unwrap();
    a.record_judgement(&sample_judgement("bob", 3)).unwrap();
    outfit_team::sync_once(&mut a, &mut ana).unwrap();
    let counts = a.team_outbox_counts().unwrap();
    assert_eq!((counts.pushed, counts.refused, counts.pending), (1, 2, 0));
    assert_eq!(server_ids(&cluster).len(), 2);
}

#[test]
fn routing_with_overlap_2_no_outfit_to_more_than_2_none_skipped_and_agreement_over_the_shared_log() {
    let tmp = tempfile::tempdir().unwrap();
    let stylists = ["ana", "bob", "cy"];
    let Some((cluster, pgpass)) = team_with(&stylists, &["lea"], tmp.path()) else { return };
    let mut lead = connect(&cluster, &pgpass, "lea");
    routing::set_routing(&mut lead, 2, 1).unwrap();
    let outfits: Vec<(Vec<String>, Option<f64>)> = (0..30).map(|i| (vec![format!("TOP-{i}"), format!("SHOES-{i}")], Some(0.5))).collect();
    assert_eq!(routing::enqueue(&mut lead, &outfits).unwrap(), 30);
    assert_eq!(routing::enqueue(&mut lead, &outfits).unwrap(), 0, "enqueueing again adds nothing");
    let m = format!("{:#}", routing::set_routing(&mut connect(&cluster, &pgpass, "ana"), 9, 60).unwrap_err());
    assert!(m.contains("permission denied"), "only a lead sets the overlap: {m}");

    // A lease expires: cy takes three outfits and leaves without judging; navigation releases one of ana's.
    let mut cy = connect(&cluster, &pgpass, "cy");
    assert_eq!(routing::claim(&mut cy, 3).unwrap().len(), 3);
    let mut ana = connect(&cluster, &pgpass, "ana");
    let first = routing::claim(&mut ana, 1).unwrap();
    assert_eq!(first[0].outfit_key, outfit_store::outfit_key(&outfits[0].0), "oldest first");
    routing::release(&mut ana, &first[0].outfit_key).unwrap();
    let leases = |c: &mut postgres::Client| -> i64 { c.query_one("SELECT count(*) FROM outfit_team.leases", &[]).unwrap().get(0) };
    assert_eq!(leases(&mut lead), 3);
    std::thread::sleep(Duration::from_millis(1200));
    assert_eq!(routing::claim(&mut ana, 0).unwrap().len(), 0);
    assert_eq!(leases(&mut lead), 0, "the expired leases are gone");

    // Three stylists judge through the queue at once, each from their own store (leases long enough now).
    routing::set_routing(&mut lead, 2, 60).unwrap();
    std::thread::scope(|scope| {
        for who in stylists {
            let (cluster, pgpass, dir) = (&cluster, &pgpass, tmp.path());
            scope.spawn(move || {
                let mut store = Store::open(&joined(dir, cluster, who)).unwrap();
                let mut c = connect(cluster, pgpass, who);
                loop {
                    let batch = routing::claim(&mut c, 4).unwrap();
                    if batch.is_empty() {
                        break;
                    }
                    for r in batch {
                        let mut j = sample_judgement(who, 0);
                        // Everyone agrees: accept the even outfits, reject the odd ones.
                        let i: usize = r.skus[0].trim_start_matches("TOP-").parse().unwrap_or(0);
                        j.verdict = if i.is_multiple_of(2) { outfit_store::Verdict::Accept } else { outfit_store::Verdict::Reject };
                        j.skus = r.skus;
                        j.source = JudgementSource::Queue;
                        store.record_judgement(&j).unwrap();
                    }
                    outfit_team::sync_once(&mut store, &mut c).unwrap();
                }
            });
        }
    });
    let per_outfit: Vec<(String, i64, i64)> = lead
        .query(
            "SELECT q.outfit_key, count(e.id), count(DISTINCT e.stylist) FROM outfit_team.queue q
             LEFT JOIN outfit_team.events e ON e.outfit_key = q.outfit_key AND e.kind = 'judgement' GROUP BY q.outfit_key",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert_eq!(per_outfit.len(), 30);
    for (key, n, distinct) in &per_outfit {
        assert_eq!((*n, *distinct), (2, 2), "{key}: judged {n} times by {distinct} stylists (want exactly 2 distinct)");
    }
    // Agreement, live over the shared log as ana's store holds it after a pull.
    let mut a = Store::open(&tmp.path().join("ana.db")).unwrap();
    outfit_team::sync_once(&mut a, &mut ana).unwrap();
    let table = outfit_labels::agreement::pairwise_for_store(&a).unwrap();
    assert_eq!(table.iter().map(|p| p.n).sum::<usize>(), 30, "every outfit was judged by one pair: {table:?}");
    assert!(table.iter().filter(|p| p.n > 0).all(|p| p.percent == Some(1.0)), "{table:?}");
}

#[test]
fn a_lead_settles_a_disagreement_over_the_shared_log_and_only_a_lead_may() {
    let tmp = tempfile::tempdir().unwrap();
    let Some((cluster, pgpass)) = team_with(&["ana", "bob"], &["lea"], tmp.path()) else { return };
    let skus = vec!["TOP-7".to_string(), "SHOES-7".to_string()];
    let stores: Vec<(Store, postgres::Client)> = ["ana", "bob", "lea"]
        .iter()
        .map(|who| (Store::open(&joined(tmp.path(), &cluster, who)).unwrap(), connect(&cluster, &pgpass, who)))
        .collect();
    let [(mut a, mut ac), (mut b, mut bc), (mut l, mut lc)] = <[_; 3]>::try_from(stores).ok().unwrap();
    let judge = |s: &mut Store, who: &str, v: outfit_store::Verdict, source: JudgementSource| {
        let mut j = sample_judgement(who, 0);
        (j.skus, j.verdict, j.source) = (skus.clone(), v, source);
        s.record_judgement(&j).unwrap()
    };
    judge(&mut a, "ana", outfit_store::Verdict::Accept, JudgementSource::Queue);
    judge(&mut b, "bob", outfit_store::Verdict::Reject, JudgementSource::Queue);
    outfit_team::sync_once(&mut a, &mut ac).unwrap();
    outfit_team::sync_once(&mut b, &mut bc).unwrap();
    outfit_team::sync_once(&mut l, &mut lc).unwrap();
    let open = outfit_labels::disagreements::open_for_store(&l).unwrap();
    assert_eq!(open.len(), 1, "the lead sees the split over the shared log: {open:?}");
    assert_eq!((open[0].accepted_by.clone(), open[0].rejected_by.clone()), (vec!["ana".to_string()], vec!["bob".to_string()]));

    // A stylist who is not a lead cannot settle: the server refuses and the app keeps it aside with the reason.
    judge(&mut b, "bob", outfit_store::Verdict::Reject, JudgementSource::Settled);
    outfit_team::sync_once(&mut b, &mut bc).unwrap();
    assert_eq!(b.team_outbox_counts().unwrap().refused, 1);
    let why: String = rusqlite::Connection::open(tmp.path().join("bob.db"))
        .unwrap()
        .query_row("SELECT refused FROM team_outbox WHERE refused IS NOT NULL", [], |r| r.get(0))
        .unwrap();
    assert!(why.contains("not a lead"), "{why}");

    // The lead settles: a judgement of its own, with its source, on the server and in everyone's store.
    judge(&mut l, "lea", outfit_store::Verdict::Accept, JudgementSource::Settled);
    outfit_team::sync_once(&mut l, &mut lc).unwrap();
    let on_server: Vec<(String, String)> = cluster
        .admin()
        .unwrap()
        .query("SELECT stylist, verdict FROM outfit_team.events WHERE source = 'settled'", &[])
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(on_server, [("lea".to_string(), "accept".to_string())]);
    outfit_team::sync_once(&mut a, &mut ac).unwrap();
    assert!(outfit_labels::disagreements::open_for_store(&a).unwrap().is_empty(), "settled for everyone");
    let labels = outfit_labels::training_labels(&a, &outfit_labels::TrainingPolicy::default()).unwrap();
    assert_eq!(labels, [(skus.clone(), true, 1.0)], "the settlement decides the label");
    let pairs = outfit_labels::pairwise_for_store(&a).unwrap();
    assert_eq!(pairs.iter().map(|p| (p.a.as_str(), p.b.as_str(), p.n)).collect::<Vec<_>>(), [("ana", "bob", 1)], "{pairs:?}");
}

#[test]
fn the_sync_worker_claims_and_releases_the_teams_queue_for_the_app() {
    let tmp = tempfile::tempdir().unwrap();
    let Some((cluster, pgpass)) = team_with(&["ana", "bob"], &["lea"], tmp.path()) else { return };
    let mut lead = connect(&cluster, &pgpass, "lea");
    routing::set_routing(&mut lead, 1, 60).unwrap();
    let outfits: Vec<(Vec<String>, Option<f64>)> = (0..4).map(|i| (vec![format!("TOP-{i}"), format!("SHOES-{i}")], None)).collect();
    routing::enqueue(&mut lead, &outfits).unwrap();
    let key = |i: usize| outfit_store::outfit_key(&outfits[i].0);
    let (a_db, b_db) = (joined(tmp.path(), &cluster, "ana"), joined(tmp.path(), &cluster, "bob"));
    let (sa, sb) = (TeamSync::start(&a_db, opts(&pgpass)).unwrap(), TeamSync::start(&b_db, opts(&pgpass)).unwrap());
    // Asks for a claim and waits for the answer after `after` (a generation), returning the keys held.
    let claim = |s: &TeamSync, max: i32, after: Option<u64>| -> (u64, Vec<String>) {
        s.claim(max);
        let mut got = None;
        wait_until("a claim's answer", Duration::from_secs(10), || {
            got = s.claimed().filter(|(g, _)| after.is_none_or(|a| *g > a));
            got.is_some()
        });
        let (g, held) = got.unwrap();
        (g, held.into_iter().map(|r| r.outfit_key).collect())
    };
    let (ga, held) = claim(&sa, 2, None);
    assert_eq!(held, [key(0), key(1)]);
    let (gb, held) = claim(&sb, 2, None);
    assert_eq!(held, [key(2), key(3)], "overlap 1: bob never gets ana's");
    // Ana navigates away from outfit 0 (released) and judges outfit 1 (its lease completes).
    sa.release(&key(0));
    let mut a = Store::open(&a_db).unwrap();
    let mut j = sample_judgement("ana", 0);
    j.skus = outfits[1].0.clone();
    a.record_judgement(&j).unwrap();
    sa.nudge();
    let mut admin = cluster.admin().unwrap();
    wait_until("ana's release and judgement to reach the server", Duration::from_secs(10), || {
        let open: i64 =
            admin.query_one("SELECT count(*) FROM outfit_team.leases WHERE stylist = 'ana' AND done_at IS NULL", &[]).unwrap().get(0);
        open == 0 && sa.status().pending == 0
    });
    let (_, held) = claim(&sb, 3, Some(gb));
    assert_eq!(held, [key(0), key(2), key(3)], "the released outfit goes to bob");
    let (_, held) = claim(&sa, 2, Some(ga));
    assert!(held.is_empty(), "ana judged hers and gave the other back; nothing is left for her: {held:?}");
}
