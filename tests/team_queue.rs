//! Issue 21 in the app: in a team, the review queue is the team's, routed with overlap 2 by a real PostgreSQL
//! server. Three stylists' apps (`Studio`s on their own databases) claim through their sync workers; the third
//! gets nothing while two hold every outfit, navigating away gives an outfit back to the third, and a decision
//! completes the lease. Skips with one SKIPPED line when no server can start (CI installs one).

mod common;

use outfit_studio::curate::{Command, QueueCommand, Screen, Studio};
use outfit_studio::labels::queue::TEAM_SOURCE;
use outfit_studio::store::Verdict;
use outfit_studio::store::queue::QueueStatus;
use outfit_studio::team::cluster::Cluster;
use outfit_studio::team::{TeamUrl, routing};
use std::path::Path;
use std::time::{Duration, Instant};

fn feed() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/feeds/myntra_style.csv")
}

/// Polls the app until `ok` holds.
fn until(s: &mut Studio, what: &str, mut ok: impl FnMut(&Studio) -> bool) {
    let t = Instant::now();
    loop {
        s.poll();
        s.settle();
        if ok(s) {
            return;
        }
        assert!(t.elapsed() < Duration::from_secs(20), "timed out: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The team outfits pending in the app's review queue, by outfit key.
fn pending_team(s: &Studio) -> Vec<String> {
    s.queue()
        .map(|q| {
            q.entries()
                .iter()
                .filter(|e| e.source == TEAM_SOURCE && e.status == QueueStatus::Pending)
                .map(|e| e.outfit_key.clone())
                .collect()
        })
        .unwrap_or_default()
}

fn app(dir: &Path, cluster: &Cluster, who: &str) -> Studio {
    let dir = dir.join(who);
    std::fs::create_dir_all(&dir).unwrap();
    let mut e = common::engine_with_feed(&dir, &feed());
    e.store_mut().join_team(&cluster.url(who), who).unwrap();
    let mut s = Studio::with_engine(e, &dir.join("x.db"), &Path::new(env!("CARGO_MANIFEST_DIR")).join("models"));
    s.apply(Command::SetStylist(who.into()));
    s.apply(Command::SetScreen(Screen::Queue));
    s.wait_for_job();
    s
}

#[test]
fn the_review_queue_in_a_team_is_routed_with_overlap_2_and_navigation_gives_an_outfit_back() {
    let tmp = tempfile::tempdir().unwrap();
    let Some((cluster, pgpass)) = common::team_or_skip(tmp.path(), "the team review-queue test", &["ana", "bob", "cy"], &["lea"]) else {
        return;
    };
    // SAFETY: the only test in this binary, and no thread has started yet; the apps' sync workers read it later,
    // as a stylist's app reads PGPASSFILE.
    unsafe { std::env::set_var("PGPASSFILE", &pgpass) };

    let url = TeamUrl::parse(&cluster.url("lea")).unwrap();
    let mut lead = url.connect(url.password_from_file(Some(&pgpass)).unwrap().as_deref(), Duration::from_secs(5)).unwrap();
    routing::set_routing(&mut lead, 2, 60).unwrap();
    let skus = ["90001", "90002", "90004", "90009"];
    let outfits: Vec<(Vec<String>, Option<f64>)> =
        (0..4).flat_map(|i| (i + 1..4).map(move |k| (vec![skus[i].to_string(), skus[k].to_string()], Some(0.5)))).collect();
    assert_eq!(routing::enqueue(&mut lead, &outfits).unwrap(), 6);

    // Ana and bob open the review queue: each is handed all six (overlap 2); cy, opening it last, gets none.
    let mut ana = app(tmp.path(), &cluster, "ana");
    until(&mut ana, "ana's team queue", |s| pending_team(s).len() == 6);
    let mut bob = app(tmp.path(), &cluster, "bob");
    until(&mut bob, "bob's team queue", |s| pending_team(s).len() == 6);
    let mut cy = app(tmp.path(), &cluster, "cy");
    until(&mut cy, "cy's (empty) answer", |s| s.last_message().is_some_and(|m| m.contains("nothing for you")));
    assert!(pending_team(&cy).is_empty());

    // Ana moves past the first outfit without judging it: it is passed over here and given back.
    let first = ana.queue().unwrap().next().unwrap().outfit_key.clone();
    ana.apply(Command::Queue(QueueCommand::Step(true)));
    until(&mut ana, "ana's first outfit passed over", |s| !pending_team(s).contains(&first));
    let mut admin = cluster.admin().unwrap();
    let mut leases = |key: &str| -> Vec<String> {
        admin
            .query("SELECT stylist FROM outfit_team.leases WHERE outfit_key = $1 ORDER BY stylist", &[&key])
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect()
    };
    let t = Instant::now();
    while leases(&first) != ["bob"] {
        ana.poll();
        assert!(t.elapsed() < Duration::from_secs(10), "ana's lease was not released: {:?}", leases(&first));
        std::thread::sleep(Duration::from_millis(20));
    }
    // Cy's queue runs out, asks again, and gets the outfit ana gave back: still never more than two stylists.
    cy.apply(Command::SetScreen(Screen::Studio));
    cy.apply(Command::SetScreen(Screen::Queue));
    cy.wait_for_job();
    until(&mut cy, "cy to get the outfit ana gave back", |s| pending_team(s) == [first.clone()]);
    assert_eq!(leases(&first), ["bob", "cy"]);

    // Ana judges the current outfit: the judgement is pushed and completes her lease on it.
    let current = ana.queue().unwrap().next().unwrap().outfit_key.clone();
    ana.apply(Command::Queue(QueueCommand::Decide(Verdict::Reject)));
    until(&mut ana, "ana's decision pushed", |s| s.team_status().is_some_and(|t| t.pending == 0 && t.connected));
    let t = Instant::now();
    loop {
        let done: i64 = cluster
            .admin()
            .unwrap()
            .query_one(
                "SELECT count(*) FROM outfit_team.leases WHERE outfit_key = $1 AND stylist = 'ana' AND done_at IS NOT NULL",
                &[&current],
            )
            .unwrap()
            .get(0);
        if done == 1 {
            break;
        }
        ana.poll();
        assert!(t.elapsed() < Duration::from_secs(10), "ana's lease on the judged outfit was not completed");
        std::thread::sleep(Duration::from_millis(20));
    }
    let most: i64 = cluster
        .admin()
        .unwrap()
        .query_one("SELECT max(n) FROM (SELECT count(*) n FROM outfit_team.leases GROUP BY outfit_key) c", &[])
        .unwrap()
        .get(0);
    assert_eq!(most, 2, "no outfit handed to more than two stylists");
}
