//! Background jobs (import a feed, index the catalogue) on a worker thread with its own [`Engine`]: SQLite
//! connections and ort sessions belong to one thread. Progress comes back over a channel the UI polls each frame.

use crate::engine::Engine;
use anyhow::Result;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, channel};

#[derive(Debug, Clone, PartialEq)]
pub enum JobKind {
    /// Import these feeds (none: only index), then encode what is new.
    ImportAndIndex(Vec<PathBuf>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum JobMsg {
    Progress {
        stage: String,
        done: usize,
        total: usize,
    },
    /// Finished: a one-line summary, or a readable error.
    Done(Result<String, String>),
}

/// The latest progress of a running job, for a progress bar.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobProgress {
    pub stage: String,
    pub done: usize,
    pub total: usize,
}

impl JobProgress {
    /// 0..1, or `None` when the total is unknown yet.
    pub fn fraction(&self) -> Option<f32> {
        (self.total > 0).then(|| self.done as f32 / self.total as f32)
    }
}

pub struct Job {
    pub kind: JobKind,
    pub progress: JobProgress,
    rx: Receiver<JobMsg>,
    cancel: Arc<AtomicBool>,
    handle: Option<std::thread::JoinHandle<()>>,
}

impl Job {
    /// Starts a job; `wake` is called after every message (the UI passes `ctx.request_repaint`).
    pub fn spawn(db: PathBuf, models: PathBuf, kind: JobKind, wake: Arc<dyn Fn() + Send + Sync>) -> Job {
        let (tx, rx) = channel();
        let cancel = Arc::new(AtomicBool::new(false));
        let (k, c) = (kind.clone(), cancel.clone());
        let handle = std::thread::Builder::new()
            .name("outfit-studio-job".into())
            .spawn(move || {
                let send = |m: JobMsg| {
                    let _ = tx.send(m);
                    wake();
                };
                let r = run(&db, &models, &k, &send, &c).map_err(|e| format!("{e:#}"));
                send(JobMsg::Done(r));
            })
            .expect("spawn job thread");
        Job { kind, progress: JobProgress { stage: "Starting…".into(), done: 0, total: 0 }, rx, cancel, handle: Some(handle) }
    }

    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    /// Drains messages; returns the outcome once the job has finished.
    pub fn poll(&mut self) -> Option<Result<String, String>> {
        while let Ok(m) = self.rx.try_recv() {
            match m {
                JobMsg::Progress { stage, done, total } => self.progress = JobProgress { stage, done, total },
                JobMsg::Done(r) => {
                    if let Some(h) = self.handle.take() {
                        let _ = h.join();
                    }
                    return Some(r);
                }
            }
        }
        if self.handle.as_ref().is_some_and(|h| h.is_finished()) && self.rx.try_recv().is_err() {
            // The thread ended without a Done message: it panicked.
            if let Some(h) = self.handle.take()
                && h.join().is_err()
            {
                return Some(Err("the background job crashed; the database is unchanged since its last batch".into()));
            }
        }
        None
    }

    /// Blocks until the job ends (tests and the CLI).
    pub fn wait(&mut self) -> Result<String, String> {
        loop {
            if let Some(r) = self.poll() {
                return r;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
}

fn run(db: &std::path::Path, models: &std::path::Path, kind: &JobKind, send: &dyn Fn(JobMsg), cancel: &AtomicBool) -> Result<String> {
    let JobKind::ImportAndIndex(feeds) = kind;
    send(JobMsg::Progress { stage: "Opening the catalogue…".into(), done: 0, total: 0 });
    let mut e = Engine::open(db, models)?;
    let mut summary = Vec::new();
    for (n, f) in feeds.iter().enumerate() {
        let name = f.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        send(JobMsg::Progress { stage: format!("Importing {name}…"), done: n, total: feeds.len() });
        let s = e.import(f)?;
        summary.push(format!("{name}: {} items ({} new, {} updated), {} rows rejected", s.rows_ok, s.inserted, s.updated, s.errors.len()));
        if let Some(first) = s.errors.first() {
            summary.push(format!("first rejected row: {first}"));
        }
    }
    send(JobMsg::Progress { stage: "Indexing (encoding images and text)…".into(), done: 0, total: 0 });
    let stats = e.index_catalogue(
        32,
        &mut |p| send(JobMsg::Progress { stage: "Indexing (encoding images and text)…".into(), done: p.done, total: p.total }),
        &|| cancel.load(Ordering::Relaxed),
    )?;
    summary.push(format!("indexed {} items ({} already up to date)", stats.encoded, stats.already_fresh));
    Ok(summary.join("; "))
}
