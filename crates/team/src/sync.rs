//! The sync worker: a background thread with its own SQLite connection and its own PostgreSQL connection. It pushes
//! the outbox in order, pulls the team's events after its cursor, and waits for a NOTIFY, a local nudge or the
//! polling interval, whichever comes first. Offline it retries with a short backoff; the outbox only grows, and
//! drains on reconnect. Nothing here blocks the caller: the app reads [`TeamSync::status`], a copy.
//!
//! The team's review queue goes through the same worker: [`TeamSync::claim`] and [`TeamSync::release`] are requests
//! it carries out after pushing (so an outfit just judged has completed its lease before the next claim), and
//! [`TeamSync::claimed`] is the answer, with a generation that grows with each.

use crate::conn::TeamUrl;
use crate::routing::{self, Routed};
use crate::server;
use crate::share;
use crate::{Result, TeamError};
use outfit_store::Store;
use postgres::Client;
use postgres::fallible_iterator::FallibleIterator;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The team state the status bar shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TeamStatus {
    pub stylist: String,
    pub connected: bool,
    /// Local events not yet on the server.
    pub pending: usize,
    /// Events the server refused for good (kept locally with the reason).
    pub refused: usize,
    /// When the server last had everything pushed or pulled (RFC 3339, UTC).
    pub last_sync: Option<String>,
    /// Why the last attempt failed (no password, server down, ...), cleared on success.
    pub error: Option<String>,
    /// How many of the team's judgements and look changes arrived since the worker started (the app re-reads its
    /// lists on a change).
    pub received: u64,
}

#[derive(Clone)]
pub struct SyncOptions {
    /// The password file to read (default: `PGPASSFILE`, else `~/.pgpass`).
    pub passfile: Option<PathBuf>,
    /// A password given by a prompt, held in memory only.
    pub password: Option<String>,
    /// The polling fallback: pull at least this often even without a NOTIFY.
    pub poll: Duration,
    /// Events per server transaction when draining the outbox.
    pub batch: usize,
    /// Called from the worker whenever the status changes (the app's repaint request).
    pub on_change: Option<Arc<dyn Fn() + Send + Sync>>,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions { passfile: None, password: None, poll: Duration::from_secs(2), batch: 500, on_change: None }
    }
}

struct Shared {
    status: Mutex<TeamStatus>,
    routing: Mutex<RoutingRequests>,
    nudged: AtomicBool,
    stop: AtomicBool,
}

/// What the app asked of the team's review queue, and the last answer.
#[derive(Default)]
struct RoutingRequests {
    /// Claim up to this many outfits at the next step.
    claim: Option<i32>,
    /// Outfits to give back (the stylist navigated away without judging them).
    release: Vec<String>,
    /// (generation, the outfits this stylist holds) after the last claim.
    claimed: Option<(u64, Vec<Routed>)>,
}

/// A running sync worker; dropping it stops the thread (after its current step).
pub struct TeamSync {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl TeamSync {
    /// Starts syncing the database at `db` with the team it joined. Errors only if it joined none.
    pub fn start(db: &Path, opts: SyncOptions) -> Result<TeamSync> {
        let store = Store::open(db)?;
        let config = store.team_config()?.ok_or_else(|| TeamError::NotJoined { db: db.to_path_buf() })?;
        let url = TeamUrl::parse(&config.url)?;
        let shared = Arc::new(Shared {
            status: Mutex::new(TeamStatus {
                stylist: config.stylist.clone(),
                last_sync: config.last_sync_at.clone(),
                ..Default::default()
            }),
            routing: Mutex::new(RoutingRequests::default()),
            nudged: AtomicBool::new(true),
            stop: AtomicBool::new(false),
        });
        let s = shared.clone();
        let thread = std::thread::Builder::new()
            .name("team-sync".into())
            .spawn(move || Worker { store, url, opts, shared: s, client: None }.run())
            .map_err(TeamError::Thread)?;
        Ok(TeamSync { shared, thread: Some(thread) })
    }

    /// A local judgement was committed: push now rather than at the next poll.
    pub fn nudge(&self) {
        self.shared.nudged.store(true, Ordering::Release);
    }

    /// Asks for up to `max` outfits of the team's review queue (those held already first); the answer comes in
    /// [`TeamSync::claimed`] once the server is reachable.
    pub fn claim(&self, max: i32) {
        if let Ok(mut r) = self.shared.routing.lock() {
            r.claim = Some(max);
        }
        self.nudge();
    }

    /// Gives an outfit back without judging it, so another stylist may get it (sent at the next step; a lease the
    /// server never hears about lapses on its own).
    pub fn release(&self, outfit_key: &str) {
        if let Ok(mut r) = self.shared.routing.lock() {
            r.release.push(outfit_key.to_string());
        }
        self.nudge();
    }

    /// The outfits the last claim handed this stylist, with a generation that grows with every answer.
    pub fn claimed(&self) -> Option<(u64, Vec<Routed>)> {
        self.shared.routing.lock().ok().and_then(|r| r.claimed.clone())
    }

    pub fn status(&self) -> TeamStatus {
        self.shared.status.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Stops the worker and waits for it (at most one step: a push batch or a pull).
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for TeamSync {
    fn drop(&mut self) {
        self.halt();
    }
}

struct Worker {
    store: Store,
    url: TeamUrl,
    opts: SyncOptions,
    shared: Arc<Shared>,
    client: Option<Client>,
}

impl Worker {
    fn run(mut self) {
        let mut backoff = Duration::from_millis(100);
        while !self.stopping() {
            match self.step() {
                Ok(()) => {
                    backoff = Duration::from_millis(100);
                    self.update(|s| {
                        s.connected = true;
                        s.error = None;
                    });
                    self.wait_for_news();
                }
                Err(e) => {
                    self.client = None;
                    let why = outfit_store::with_causes(&e);
                    tracing::info!("team sync: {why}");
                    self.update(|s| {
                        s.connected = false;
                        s.error = Some(why);
                    });
                    self.refresh_counts();
                    // Capped at one second so the apps converge within seconds of the server's return.
                    self.sleep(backoff);
                    backoff = (backoff * 2).min(Duration::from_secs(1));
                }
            }
        }
    }

    fn stopping(&self) -> bool {
        self.shared.stop.load(Ordering::Acquire)
    }

    fn update(&self, f: impl FnOnce(&mut TeamStatus)) {
        let changed = match self.shared.status.lock() {
            Ok(mut s) => {
                let before = s.clone();
                f(&mut s);
                *s != before
            }
            Err(_) => false,
        };
        if changed && let Some(wake) = &self.opts.on_change {
            wake();
        }
    }

    fn refresh_counts(&self) {
        if let (Ok(c), Ok(cfg)) = (self.store.team_outbox_counts(), self.store.team_config()) {
            self.update(|s| {
                s.pending = c.pending;
                s.refused = c.refused;
                if let Some(cfg) = cfg {
                    s.last_sync = cfg.last_sync_at;
                }
            });
        }
    }

    /// Connects if needed, pushes the whole outbox, pulls everything new.
    fn step(&mut self) -> Result<()> {
        if self.client.is_none() {
            let password = match &self.opts.password {
                Some(p) => Some(p.clone()),
                None => self.url.password_from_file(self.opts.passfile.as_deref())?,
            };
            let mut client = self.url.connect(password.as_deref(), Duration::from_secs(5))?;
            client.batch_execute(&format!("LISTEN {}", server::CHANNEL))?;
            self.client = Some(client);
        }
        self.shared.nudged.store(false, Ordering::Release);
        push_all(&mut self.store, self.client.as_mut().expect("connected"), self.opts.batch)?;
        self.refresh_counts();
        let new = pull_all(&mut self.store, self.client.as_mut().expect("connected"))?
            + pull_looks(&mut self.store, self.client.as_mut().expect("connected"))?;
        if new > 0 {
            self.update(|s| s.received += new as u64);
        }
        self.refresh_counts();
        self.route()
    }

    /// Carries out the app's releases and claim; a failure leaves them asked for, to retry at the next step.
    fn route(&mut self) -> Result<()> {
        let (release, claim) = match self.shared.routing.lock() {
            Ok(r) => (r.release.clone(), r.claim),
            Err(_) => return Ok(()),
        };
        let client = self.client.as_mut().expect("connected");
        for key in &release {
            routing::release(client, key)?;
        }
        let claimed = claim.map(|max| routing::claim(client, max)).transpose()?;
        if let Ok(mut r) = self.shared.routing.lock() {
            r.release.drain(..release.len());
            if let Some(held) = claimed {
                let generation = r.claimed.as_ref().map_or(0, |(g, _)| g + 1);
                r.claimed = Some((generation, held));
                // A claim asked for while this one ran is kept for the next step.
                if r.claim == claim {
                    r.claim = None;
                }
            }
        }
        if claim.is_some()
            && let Some(wake) = &self.opts.on_change
        {
            wake();
        }
        Ok(())
    }

    /// Waits for a notification, a nudge, the poll interval or a stop, in short slices so each is noticed quickly.
    fn wait_for_news(&mut self) {
        let until = Instant::now() + self.opts.poll;
        let Some(client) = self.client.as_mut() else { return };
        let mut broken = false;
        while Instant::now() < until && !self.shared.stop.load(Ordering::Acquire) && !self.shared.nudged.load(Ordering::Acquire) {
            match client.notifications().timeout_iter(Duration::from_millis(20)).next() {
                Ok(Some(_)) => break,
                Ok(None) => {}
                Err(_) => {
                    broken = true;
                    break;
                }
            }
        }
        if broken {
            // The connection broke: the next step reconnects.
            self.client = None;
        }
    }

    fn sleep(&self, d: Duration) {
        let until = Instant::now() + d;
        while Instant::now() < until && !self.stopping() {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Pushes the outbox in order until empty, then the share outbox (looks, renames, heads, catalogues); returns how
/// many events went in.
pub fn push_all(store: &mut Store, client: &mut Client, batch: usize) -> Result<usize> {
    let mut n = 0;
    loop {
        let events = store.team_outbox_pending(batch.max(1))?;
        if events.is_empty() {
            return Ok(n + push_shared(store, client, batch)?);
        }
        let pushed = server::push(client, &events).map_err(TeamError::server("pushing to the team store"))?;
        // Only after the server committed: a crash before this line pushes the same events again, harmlessly.
        store.team_outbox_pushed(&pushed.accepted)?;
        for (seq, why) in &pushed.refused {
            tracing::warn!("team store refused outbox event {seq}: {why}");
            store.team_outbox_refused(*seq, why)?;
        }
        n += pushed.accepted.len();
    }
}

/// Pushes the share outbox in order until empty (a head's weights travel with it, so batches are small).
fn push_shared(store: &mut Store, client: &mut Client, batch: usize) -> Result<usize> {
    if store.team_share_pending(1)?.is_empty() || !share::available(client).map_err(TeamError::server("reading the team store"))? {
        return Ok(0);
    }
    let mut n = 0;
    loop {
        let events = store.team_share_pending(batch.clamp(1, 50))?;
        if events.is_empty() {
            return Ok(n);
        }
        let pushed = share::push(client, store, &events).map_err(TeamError::server("sharing with the team store"))?;
        store.team_share_pushed(&pushed.accepted)?;
        for (seq, why) in &pushed.refused {
            tracing::warn!("team store refused shared event {seq}: {why}");
            store.team_share_refused(*seq, why)?;
        }
        n += pushed.accepted.len();
    }
}

/// Pulls the team's look events after the share cursor, one transaction per thousand; returns how many changes
/// reached this store's looks (looks that appeared, were renamed or approved again by others).
pub fn pull_looks(store: &mut Store, client: &mut Client) -> Result<usize> {
    if !share::available(client).map_err(TeamError::server("reading the team store"))? {
        return Ok(0);
    }
    let mut changed = 0;
    loop {
        let cursor = store.team_share_cursor()?;
        let looks = share::pull_looks(client, cursor, 1000).map_err(TeamError::server("pulling looks from the team store"))?;
        let Some(last) = looks.last().map(|e| e.seq) else { return Ok(changed) };
        changed += store.apply_team_looks(&looks, last)?;
        if looks.len() < 1000 {
            return Ok(changed);
        }
    }
}

/// Pulls the team's events after the cursor, one transaction per thousand; returns how many judgements were new.
pub fn pull_all(store: &mut Store, client: &mut Client) -> Result<usize> {
    let mut new = 0;
    loop {
        let cursor = store.team_config()?.map(|c| c.cursor).unwrap_or(0);
        let events = server::pull(client, cursor, 1000).map_err(TeamError::server("pulling from the team store"))?;
        let Some(last) = events.last().map(|e| e.seq) else { return Ok(new) };
        new += store.apply_team_events(&events, last)?;
        if events.len() < 1000 {
            return Ok(new);
        }
    }
}

/// One synchronous round (the CLI's `team sync`): push everything, pull everything; returns (events pushed,
/// judgements and look changes received).
pub fn sync_once(store: &mut Store, client: &mut Client) -> Result<(usize, usize)> {
    let pushed = push_all(store, client, 500)?;
    let pulled = pull_all(store, client)? + pull_looks(store, client)?;
    Ok((pushed, pulled))
}
