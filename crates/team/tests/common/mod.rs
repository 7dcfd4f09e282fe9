//! What the team-mode tests share: a throwaway team store with its stylists, their connections and stores.
#![allow(dead_code)]

use outfit_store::Store;
use outfit_team::cluster::{Cluster, write_pgpass};
use outfit_team::{SyncOptions, TeamUrl, server};
use std::path::{Path, PathBuf};
use std::sync::Once;
use std::time::{Duration, Instant};

/// A started cluster with the team schema and these stylists, and a password file for them; None (after one
/// SKIPPED line for the whole binary) when no server can start here.
pub fn team(stylists: &[&str], dir: &Path) -> Option<(Cluster, PathBuf)> {
    team_with(stylists, &[], dir)
}

/// As `team`, with leads (who may fill the team's queue) besides the stylists.
pub fn team_with(stylists: &[&str], leads: &[&str], dir: &Path) -> Option<(Cluster, PathBuf)> {
    let cluster = match Cluster::start(false) {
        Ok(c) => c,
        Err(e) => {
            // CI installs PostgreSQL: there a server that cannot start is a failure, not a skip.
            if std::env::var_os("OUTFIT_STUDIO_REQUIRE_POSTGRES").is_some_and(|v| v == "1") {
                panic!("OUTFIT_STUDIO_REQUIRE_POSTGRES=1 but no PostgreSQL server could start: {e:#}");
            }
            static ONCE: Once = Once::new();
            ONCE.call_once(|| println!("SKIPPED: team-mode tests need a PostgreSQL server and none could start: {e:#}"));
            return None;
        }
    };
    let names: Vec<String> = stylists.iter().map(|s| s.to_string()).collect();
    let leads: Vec<String> = leads.iter().map(|s| s.to_string()).collect();
    let report = server::init(&mut cluster.admin().unwrap(), &names, &leads).unwrap();
    assert_eq!(report.created.len(), stylists.len() + leads.len());
    let pgpass = dir.join("pgpass");
    write_pgpass(&pgpass, &report.created.iter().map(|s| cluster.pgpass(&s.name, &s.password)).collect::<Vec<_>>()).unwrap();
    Some((cluster, pgpass))
}

pub fn connect(cluster: &Cluster, pgpass: &Path, who: &str) -> postgres::Client {
    let url = TeamUrl::parse(&cluster.url(who)).unwrap();
    url.connect(url.password_from_file(Some(pgpass)).unwrap().as_deref(), Duration::from_secs(5)).unwrap()
}

pub fn opts(pgpass: &Path) -> SyncOptions {
    SyncOptions { passfile: Some(pgpass.to_path_buf()), poll: Duration::from_millis(500), ..Default::default() }
}

pub fn joined(dir: &Path, cluster: &Cluster, stylist: &str) -> PathBuf {
    let db = dir.join(format!("{stylist}.db"));
    Store::open(&db).unwrap().join_team(&cluster.url(stylist), stylist).unwrap();
    db
}

pub fn wait_until(what: &str, limit: Duration, mut ok: impl FnMut() -> bool) -> Duration {
    let t = Instant::now();
    while !ok() {
        assert!(t.elapsed() < limit, "timed out after {limit:?}: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
    t.elapsed()
}
