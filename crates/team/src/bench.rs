//! `outfit-studio team bench`: sync latency (a judgement committed on stylist A's store, until it is in stylist B's
//! store) and the drain of a backlog, on a throwaway server on this machine's loopback (a Unix socket).

use crate::cluster::{Cluster, write_pgpass};
use crate::{Result, TeamError};
use crate::{SyncOptions, TeamSync, server};
use outfit_store::{JudgementSource, Missing, NewJudgement, Store, StoreError, Verdict};
use std::path::Path;
use std::time::{Duration, Instant};

/// A judgement by `stylist` on two made-up SKUs, distinct for each `i`.
pub fn sample_judgement(stylist: &str, i: usize) -> NewJudgement {
    NewJudgement {
        score: Some((i % 100) as f64 / 100.0),
        ..NewJudgement::new(
            vec![format!("{stylist}-TOP-{i}"), format!("BOTTOM-{}", i % 97)],
            if i.is_multiple_of(3) { Verdict::Reject } else { Verdict::Accept },
            stylist,
            JudgementSource::Manual,
        )
    }
}

/// What the benchmark measured.
#[derive(Debug, Clone)]
pub struct BenchReport {
    /// Committed on A -> visible on B, sorted, in milliseconds.
    pub latencies_ms: Vec<f64>,
    pub backlog: usize,
    /// Seconds to write the backlog locally (one transaction per judgement, as the app does).
    pub backlog_local_s: f64,
    /// Seconds from reconnect until the server had the whole backlog.
    pub backlog_pushed_s: f64,
    /// Seconds from reconnect until B had the whole backlog.
    pub backlog_visible_s: f64,
}

impl BenchReport {
    pub fn percentile(&self, p: f64) -> f64 {
        let n = self.latencies_ms.len();
        if n == 0 {
            return f64::NAN;
        }
        self.latencies_ms[((p * (n - 1) as f64).round() as usize).min(n - 1)]
    }
}

fn wait(what: &str, limit: Duration, mut done: impl FnMut() -> Result<bool>) -> Result<()> {
    let until = Instant::now() + limit;
    while !done()? {
        if Instant::now() > until {
            return Err(TeamError::Timeout { what: what.into(), limit });
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    Ok(())
}

/// Runs the benchmark on a fresh throwaway server with stylists ana (A) and bob (B).
pub fn run(samples: usize, backlog: usize, dir: &Path) -> Result<BenchReport> {
    let cluster = Cluster::start(true).map_err(|e| TeamError::Cluster(format!("cannot start a throwaway PostgreSQL server: {e}")))?;
    let report = server::init(&mut cluster.admin()?, &["ana".into(), "bob".into()], &[])?;
    let pgpass = dir.join("pgpass");
    write_pgpass(&pgpass, &report.created.iter().map(|s| cluster.pgpass(&s.name, &s.password)).collect::<Vec<_>>())?;
    let opts = SyncOptions { passfile: Some(pgpass), ..Default::default() };
    let (a_path, b_path) = (dir.join("a.db"), dir.join("b.db"));
    let mut a = Store::open(&a_path)?;
    a.join_team(&cluster.url("ana"), "ana")?;
    let mut b = Store::open(&b_path)?;
    b.join_team(&cluster.url("bob"), "bob")?;
    let mut sync_a = TeamSync::start(&a_path, opts.clone())?;
    let sync_b = TeamSync::start(&b_path, opts.clone())?;
    wait("both stylists to connect", Duration::from_secs(20), || Ok(sync_a.status().connected && sync_b.status().connected))?;

    let mut latencies = Vec::with_capacity(samples);
    for i in 0..samples {
        let id = a.record_judgement(&sample_judgement("ana", i))?;
        let t0 = Instant::now();
        sync_a.nudge();
        let uuid = a.judgement(id)?.ok_or(StoreError::NotFound(Missing::Judgement(id)))?.uuid;
        wait("a judgement to reach B", Duration::from_secs(10), || b.has_judgement_uuid(&uuid).map_err(Into::into))?;
        latencies.push(t0.elapsed().as_secs_f64() * 1e3);
        std::thread::sleep(Duration::from_millis(10));
    }
    latencies.sort_by(f64::total_cmp);

    // The backlog: A works offline (no sync), then reconnects.
    sync_a.stop();
    let t = Instant::now();
    for i in 0..backlog {
        a.record_judgement(&sample_judgement("ana", samples + i))?;
    }
    let backlog_local_s = t.elapsed().as_secs_f64();
    let total = samples + backlog;
    let t = Instant::now();
    sync_a = TeamSync::start(&a_path, opts)?;
    wait("the backlog to reach the server", Duration::from_secs(600), || Ok(a.team_outbox_counts()?.pending == 0))?;
    let backlog_pushed_s = t.elapsed().as_secs_f64();
    wait("the backlog to reach B", Duration::from_secs(600), || Ok(b.judgement_uuids()?.len() >= total))?;
    let backlog_visible_s = t.elapsed().as_secs_f64();
    drop((sync_a, sync_b));
    Ok(BenchReport { latencies_ms: latencies, backlog, backlog_local_s, backlog_pushed_s, backlog_visible_s })
}
