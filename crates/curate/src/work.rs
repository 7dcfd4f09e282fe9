//! How work leaves the frame: every background task hands back a [`Promise`], polled once per frame and waited
//! on only by tests. Database writes and board scoring run on [`EngineWorker`]s: a thread that owns its own
//! [`Engine`] (so its own SQLite connection; connections and ort sessions belong to one thread) and runs the
//! closures it is sent, in order. One-off work (a search over a large catalogue, reading the catalogue again, a
//! scorer probe, a file dialog) runs with [`Promise::spawn`]; a job ([`crate::Job`]) is a promise with progress
//! and a cancel flag; the UI's thumbnail decoders answer each request with a promise from [`Promise::pair`]. The
//! UI thread's engine is only read in memory.

use outfit_engine::Engine;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, TryRecvError, channel};

/// Called after a result is ready (the UI passes a repaint request).
pub type Waker = Arc<dyn Fn() + Send + Sync>;

/// A value being computed elsewhere. `poll` never blocks; a worker that died without answering reads as an error.
pub struct Promise<T> {
    rx: Receiver<T>,
    /// Taken in by [`Promise::block`], handed out by the next `poll`.
    value: Option<Result<T, String>>,
}

/// The sending half of a [`Promise`]: resolving wakes the UI.
pub struct Resolver<T> {
    tx: Sender<T>,
    wake: Waker,
}

impl<T> Resolver<T> {
    pub fn resolve(self, value: T) {
        let _ = self.tx.send(value);
        (self.wake)();
    }
}

/// Why a promise has no value.
pub const LOST: &str = "the background worker stopped before answering";

impl<T: Send + 'static> Promise<T> {
    pub fn pair(wake: Waker) -> (Resolver<T>, Promise<T>) {
        let (tx, rx) = channel();
        (Resolver { tx, wake }, Promise { rx, value: None })
    }

    /// Runs `f` on a new named thread.
    pub fn spawn(name: &str, wake: Waker, f: impl FnOnce() -> T + Send + 'static) -> Promise<T> {
        let (r, p) = Self::pair(wake);
        let spawned = std::thread::Builder::new().name(name.into()).spawn(move || r.resolve(f()));
        if let Err(e) = spawned {
            tracing::warn!("cannot start {name}: {e}");
        }
        p
    }

    /// The value once it is there; `Some(Err)` when the worker went away without one.
    pub fn poll(&mut self) -> Option<Result<T, String>> {
        if let Some(v) = self.value.take() {
            return Some(v);
        }
        match self.rx.try_recv() {
            Ok(v) => Some(Ok(v)),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => Some(Err(LOST.into())),
        }
    }

    /// Blocks until the value is there (tests, benchmarks and workers; never the frame).
    pub fn wait(mut self) -> Result<T, String> {
        self.block();
        self.value.take().expect("blocked")
    }

    /// Blocks until the value is there and keeps it for the next `poll`.
    pub fn block(&mut self) {
        if self.value.is_none() {
            self.value = Some(self.rx.recv().map_err(|_| LOST.to_string()));
        }
    }
}

/// The results ready at the front of `queue`, oldest first; one still running holds back those behind it, so
/// they are taken in the order they were asked for.
pub fn take_ready<K, T: Send + 'static>(queue: &mut std::collections::VecDeque<(K, Promise<T>)>) -> Vec<(K, Result<T, String>)> {
    let mut ready = Vec::new();
    while let Some((_, p)) = queue.front_mut() {
        let Some(r) = p.poll() else { break };
        let (k, _) = queue.pop_front().expect("front");
        ready.push((k, r));
    }
    ready
}

type Task = Box<dyn FnOnce(&mut Engine) + Send>;

/// A thread owning an [`Engine`] on the studio's database, running closures one after another. Because the
/// order is kept, a write sent after another sees its result (an undo after the judgement it undoes).
pub struct EngineWorker {
    tx: Sender<Task>,
    wake: Waker,
}

impl EngineWorker {
    /// Starts the thread; it makes its engine with `open` first (a failure answers every task with that error).
    pub fn spawn_with(name: &str, open: impl FnOnce() -> Result<Engine, String> + Send + 'static, wake: Waker) -> EngineWorker {
        let (tx, rx) = channel::<Task>();
        let spawned = std::thread::Builder::new().name(name.into()).spawn(move || {
            let mut engine = match open() {
                Ok(e) => e,
                Err(e) => {
                    tracing::warn!("background engine: {e}");
                    // Tasks are dropped unanswered: their promises read as lost.
                    for _ in rx {}
                    return;
                }
            };
            for task in rx {
                task(&mut engine);
            }
        });
        if let Err(e) = spawned {
            tracing::warn!("cannot start {name}: {e}");
        }
        EngineWorker { tx, wake }
    }

    /// Runs `f` on the worker's engine after everything sent before it.
    pub fn run<T: Send + 'static>(&self, f: impl FnOnce(&mut Engine) -> T + Send + 'static) -> Promise<T> {
        let (r, p) = Promise::pair(self.wake.clone());
        let _ = self.tx.send(Box::new(move |e: &mut Engine| r.resolve(f(e))));
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_promise_is_empty_until_resolved_and_lost_when_its_worker_goes() {
        let (r, mut p) = Promise::<u32>::pair(Arc::new(|| {}));
        assert!(p.poll().is_none());
        r.resolve(7);
        assert_eq!(p.poll(), Some(Ok(7)));
        let (r, mut p) = Promise::<u32>::pair(Arc::new(|| {}));
        drop(r);
        assert_eq!(p.poll(), Some(Err(LOST.into())));
        let p = Promise::spawn("t", Arc::new(|| {}), || 3);
        assert_eq!(p.wait(), Ok(3));
    }

    #[test]
    fn an_engine_that_cannot_open_answers_nothing_and_says_so() {
        let w = EngineWorker::spawn_with("t", || Err("no database".into()), Arc::new(|| {}));
        assert_eq!(w.run(|_| 1).wait(), Err(LOST.into()));
    }
}
