//! `outfit-studio team …`: set up a team store (the lead, once), join it, sync, and measure sync.

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use outfit_engine::Engine;
use outfit_store::{JudgementSource, Store, Verdict};
use outfit_team::{TeamUrl, routing, server, share};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct TeamArgs {
    #[command(subcommand)]
    action: TeamAction,
}

#[derive(Subcommand, Debug)]
enum TeamAction {
    /// The lead, once: create the team schema on a PostgreSQL database and a login role per stylist (run again to
    /// add stylists). New stylists' passwords are written to a password file (mode 0600) to hand out.
    Init {
        /// postgres://ADMIN@host/database (a role that owns the database or a superuser; password from ~/.pgpass,
        /// PGPASSFILE or a prompt).
        url: String,
        /// A stylist's name, which becomes their PostgreSQL role (repeat for each).
        #[arg(long = "stylist", required = true)]
        stylists: Vec<String>,
        /// A stylist who also fills the team's review queue and sets its overlap (repeatable; added as a stylist).
        #[arg(long = "lead")]
        leads: Vec<String>,
        /// Where to write the new stylists' .pgpass lines.
        #[arg(long, default_value = "team.pgpass")]
        credentials: PathBuf,
    },
    /// Join this database to a team store as the stylist the URL names (postgres://STYLIST@host/database).
    Connect {
        url: String,
        /// Also upload the judgements made here before joining, once, with their original times.
        #[arg(long)]
        upload_history: bool,
    },
    /// The team state: connected, pending, last sync.
    Status,
    /// Push everything pending and pull the team's new judgements, once.
    Sync,
    /// Upload this stylist's judgements made before joining (once; repeated calls add nothing).
    UploadHistory,
    /// Leave the team (local judgements stay; nothing more is queued for the server).
    Leave,
    /// The lead: each outfit of the team's review queue goes to at most OVERLAP stylists (2 or more gives
    /// agreement); a stylist's claim on an outfit lapses after LEASE_SECONDS without a judgement.
    Route {
        #[arg(long)]
        overlap: i32,
        #[arg(long, default_value_t = 900)]
        lease_seconds: i32,
    },
    /// The lead: add COUNT outfits the lead's active head is least sure of to the team's review queue.
    Enqueue {
        #[arg(long, default_value_t = 50)]
        count: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// The lead's view: outfits the stylists split on (one accepts, another rejects) that nobody settled yet, over
    /// the team's log (synced first when online).
    Disagreements {
        #[arg(long)]
        json: bool,
    },
    /// The lead settles a disagreement: a judgement of its own (source "settled") that decides the outfit's label.
    Settle {
        /// accept or reject
        verdict: String,
        #[arg(required = true, num_args = 2..)]
        skus: Vec<String>,
        /// Who settles (default: this database's team stylist).
        #[arg(long, env = "OUTFIT_STUDIO_STYLIST")]
        stylist: Option<String>,
    },
    /// The head versions stylists published to the team (a head trained while joined is published by itself).
    Heads,
    /// Install a head version of the team here (by its id, or a unique prefix of it) and make it the active head.
    ActivateHead { id: String },
    /// Publish a head version of this database (by its local model id, see `models`) to the team.
    PublishHead { model: i64 },
    /// The catalogues the team's stylists imported: name, feed and SKU count (each app imports the feed itself).
    Catalogues,
    /// Sync latency (committed on A -> visible on B, p50/p95) and a backlog drain, on a throwaway local server.
    Bench {
        #[arg(long, default_value_t = 200)]
        samples: usize,
        #[arg(long, default_value_t = 10_000)]
        backlog: usize,
    },
}

/// Connects with the password file's password, else a prompt when a terminal is attached.
fn connect(url: &TeamUrl) -> outfit_team::Result<postgres::Client> {
    outfit_team::membership::connect(url, std::io::stdin().is_terminal())
}

fn joined(db: &Path) -> Result<(Store, TeamUrl)> {
    let store = Store::open(db)?;
    let config = store
        .team_config()?
        .with_context(|| format!("{} has joined no team: run `outfit-studio team connect postgres://STYLIST@host/db`", db.display()))?;
    let url = TeamUrl::parse(&config.url)?;
    Ok((store, url))
}

pub fn run(db: &Path, models: &Path, args: TeamArgs) -> Result<()> {
    match args.action {
        TeamAction::Init { url, stylists, leads, credentials } => init(&url, &stylists, &leads, &credentials),
        TeamAction::Connect { url, upload_history } => {
            let j = outfit_team::join(&mut Store::open(db)?, &url, std::io::stdin().is_terminal(), upload_history)?;
            println!("joined the team store {} as stylist {}", j.url, j.role);
            println!(
                "judgements recorded as stylist {} are shared; pushed {} (history queued: {}), received {}",
                j.role, j.pushed, j.history, j.pulled
            );
            println!("the password stays in your password file (~/.pgpass or PGPASSFILE); it is not stored in {}", db.display());
            Ok(())
        }
        TeamAction::Status => {
            let (store, url) = joined(db)?;
            let config = store.team_config()?.expect("joined");
            let counts = store.team_outbox_counts()?;
            println!("team store  {}", url.as_str());
            println!("stylist     {}", config.stylist);
            println!("pending     {}", counts.pending);
            println!("pushed      {}", counts.pushed);
            if counts.refused > 0 {
                println!("refused     {} (kept here; see the team_outbox table for the server's reasons)", counts.refused);
            }
            println!("last sync   {}", config.last_sync_at.as_deref().unwrap_or("never"));
            Ok(())
        }
        TeamAction::Sync => {
            let (mut store, url) = joined(db)?;
            let (pushed, pulled) = outfit_team::sync_once(&mut store, &mut connect(&url)?)?;
            println!("pushed {pushed}, received {pulled} new judgements and look changes");
            Ok(())
        }
        TeamAction::UploadHistory => {
            let (mut store, _) = joined(db)?;
            let n = store.enqueue_team_history()?;
            println!("{n} earlier events queued for the team store (pushed by the app or `team sync`)");
            Ok(())
        }
        TeamAction::Leave => {
            Store::open(db)?.leave_team()?;
            println!("left the team; local judgements are kept");
            Ok(())
        }
        TeamAction::Route { overlap, lease_seconds } => {
            let (_, url) = joined(db)?;
            routing::set_routing(&mut connect(&url)?, overlap, lease_seconds)
                .context("only a lead sets the routing (`team init … --lead NAME`)")?;
            println!("each outfit of the team queue goes to at most {overlap} stylists; a lease lasts {lease_seconds} s");
            Ok(())
        }
        TeamAction::Enqueue { count, seed } => enqueue(db, models, count, seed),
        TeamAction::Disagreements { json } => disagreements(db, json),
        TeamAction::Settle { verdict, skus, stylist } => settle(db, models, &verdict, &skus, stylist),
        TeamAction::Heads => heads(db),
        TeamAction::ActivateHead { id } => activate_head(db, models, &id),
        TeamAction::PublishHead { model } => {
            let (mut store, url) = joined(db)?;
            let uuid = store.publish_model(model)?;
            let (pushed, _) = outfit_team::sync_once(&mut store, &mut connect(&url)?)?;
            let refused = store.team_outbox_counts()?.refused;
            println!("published head version {model} as {uuid} ({pushed} events pushed, {refused} refused in all)");
            Ok(())
        }
        TeamAction::Catalogues => catalogues(db),
        TeamAction::Bench { samples, backlog } => bench(samples, backlog),
    }
}

/// The team's head versions, newest last, with their parent and figures.
fn heads(db: &Path) -> Result<()> {
    let (store, url) = joined(db)?;
    let heads = share::heads(&mut connect(&url)?)?;
    if heads.is_empty() {
        println!("no head versions on the team store yet (a head trained while joined is published by itself)");
    }
    let models = store.models()?;
    for h in &heads {
        let here = store.model_by_uuid(&h.id)?.and_then(|id| models.iter().find(|m| m.id == id));
        let state = match here {
            Some(m) if m.active => format!("active here (v{})", m.id),
            Some(m) => format!("here as v{}", m.id),
            None => "not here".into(),
        };
        println!("{}  {}  by {} at {}  [{state}]", h.id, h.name, h.stylist, h.at);
        println!("    parent {}  trained on {}  figures {}", h.parent_name.as_deref().unwrap_or("none"), h.trained_on, h.figures());
    }
    if !heads.is_empty() {
        println!("activate one with `outfit-studio team activate-head ID` (a unique prefix of the id does)");
    }
    Ok(())
}

/// Installs a team head here (once) and activates it through the engine, which re-embeds the catalogue for it.
fn activate_head(db: &Path, models: &Path, id: &str) -> Result<()> {
    let (mut store, url) = joined(db)?;
    let Some((head, by)) = share::fetch_head(&mut connect(&url)?, id)? else {
        bail!("no single head version on the team store matches {id:?} (see `outfit-studio team heads`)");
    };
    let local = store.install_team_head(&head, &by)?;
    drop(store);
    Engine::open(db, models)?.activate_model(local)?;
    println!("head {} by {by} is the active head here (v{local}; its parent and figures came with it)", head.name);
    Ok(())
}

/// The team's catalogues, and whether each is imported here.
fn catalogues(db: &Path) -> Result<()> {
    let (store, url) = joined(db)?;
    let cats = share::catalogues(&mut connect(&url)?)?;
    if cats.is_empty() {
        println!("no catalogues announced on the team store yet (an import while joined announces its catalogue)");
    }
    for c in &cats {
        let here = if store.catalogue_by_name(&c.name)?.is_some() { "imported here" } else { "not imported here" };
        println!("{}  {} SKUs  feed {}  by {} at {}  [{here}]", c.name, c.skus.len(), c.source, c.stylist, c.at);
    }
    Ok(())
}

/// Proposals from the lead's active head, minus outfits anyone judged already, onto the team queue.
fn enqueue(db: &Path, models: &Path, count: usize, seed: u64) -> Result<()> {
    let (_, url) = joined(db)?;
    let engine = Engine::open(db, models)?;
    let (head, outfits) = outfit_labels::queue::team_proposals(&engine, count, seed)?;
    let added = routing::enqueue(&mut connect(&url)?, &outfits).context("only a lead fills the team queue (`team init … --lead NAME`)")?;
    println!("{added} of {} outfits proposed by head {head} added to the team queue", outfits.len());
    Ok(())
}

fn disagreements(db: &Path, json: bool) -> Result<()> {
    let mut store = Store::open(db)?;
    if let Some(config) = store.team_config()? {
        // Offline the list is over the log as last pulled: say so rather than fail.
        let synced = TeamUrl::parse(&config.url).and_then(|url| connect(&url)).and_then(|mut c| outfit_team::sync_once(&mut store, &mut c));
        if let Err(e) = synced {
            eprintln!(
                "team store unreachable, listing the log as last synced ({}): {e:#}",
                config.last_sync_at.as_deref().unwrap_or("never")
            );
        }
    }
    let open = outfit_labels::disagreements::open_for_store(&store)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&open)?);
        return Ok(());
    }
    if open.is_empty() {
        println!("no disagreements to settle");
    }
    for d in &open {
        println!(
            "{}  accepted by {}; rejected by {}  (latest {})",
            d.skus.join(" "),
            d.accepted_by.join(", "),
            d.rejected_by.join(", "),
            d.latest_at
        );
    }
    if !open.is_empty() {
        println!("settle one with `outfit-studio team settle accept|reject SKU…`");
    }
    Ok(())
}

/// Records the settlement like any judgement (locally first, one transaction), then pushes it when in a team.
fn settle(db: &Path, models: &Path, verdict: &str, skus: &[String], stylist: Option<String>) -> Result<()> {
    let v = match verdict {
        "accept" => Verdict::Accept,
        "reject" => Verdict::Reject,
        other => bail!("a settlement is accept or reject, not {other:?}"),
    };
    let key = outfit_store::outfit_key(skus);
    let (team, open) = {
        let store = Store::open(db)?;
        (store.team_config()?, outfit_labels::disagreements::open_for_store(&store)?)
    };
    let Some(d) = open.iter().find(|d| d.outfit_key == key) else {
        bail!("no open disagreement on {} (see `outfit-studio team disagreements`)", skus.join(" "));
    };
    let stylist = stylist
        .or_else(|| team.as_ref().map(|t| t.stylist.clone()))
        .context("who settles? pass --stylist NAME (or set OUTFIT_STUDIO_STYLIST)")?;
    let mut e = Engine::open(db, models)?;
    let id = e.judge(&d.skus, v, &stylist, JudgementSource::Settled, &[], None)?;
    println!(
        "settled {} as {} by {stylist} (judgement {id}; accepted by {}, rejected by {})",
        skus.join(" "),
        v.as_str(),
        d.accepted_by.join(", "),
        d.rejected_by.join(", ")
    );
    if let Some(t) = team {
        let mut store = Store::open(db)?;
        match TeamUrl::parse(&t.url).and_then(|url| connect(&url)).and_then(|mut c| outfit_team::sync_once(&mut store, &mut c)) {
            Ok(_) => {
                let refused = store.team_outbox_counts()?.refused;
                println!(
                    "pushed to the team store{}",
                    if refused > 0 { format!(" ({refused} events refused: see `team status`)") } else { String::new() }
                );
            }
            Err(e) => println!("recorded here; the team store will get it on the next sync ({e:#})"),
        }
    }
    Ok(())
}

fn init(url: &str, stylists: &[String], leads: &[String], credentials: &Path) -> Result<()> {
    let url = TeamUrl::parse(url)?;
    let mut client = connect(&url)?;
    let report = server::init(&mut client, stylists, leads)?;
    let lines: Vec<String> = report
        .created
        .iter()
        .map(|s| outfit_team::conn::pgpass_line(&url.host(), url.port(), url.dbname(), &s.name, &s.password))
        .collect();
    if !lines.is_empty() {
        outfit_team::cluster::write_pgpass(credentials, &lines)?;
    }
    println!("team store ready on {} (schema outfit_team)", url.as_str());
    for s in &report.created {
        println!("  stylist {:<16} {}", s.name, url.with_user(&s.name));
    }
    for s in &report.existing {
        println!("  stylist {s:<16} (role existed; password unchanged)");
    }
    if !lines.is_empty() {
        println!("new passwords: {} (mode 0600). Give each stylist their line for ~/.pgpass, then delete the file.", credentials.display());
    }
    Ok(())
}

fn bench(samples: usize, backlog: usize) -> Result<()> {
    let dir = tempfile_dir()?;
    println!("{}", outfit_machine::conditions());
    let r = outfit_team::bench::run(samples, backlog, &dir)?;
    println!("sync latency, committed on A -> in B's store ({} samples, loopback Unix socket, fsync on):", r.latencies_ms.len());
    println!("  p50 {:.1} ms   p95 {:.1} ms   max {:.1} ms", r.percentile(0.5), r.percentile(0.95), r.percentile(1.0));
    println!("backlog of {} judgements made offline on A:", r.backlog);
    println!("  written locally in {:.1} s ({:.0}/s, one transaction each)", r.backlog_local_s, r.backlog as f64 / r.backlog_local_s);
    println!("  on the server {:.2} s after reconnecting ({:.0}/s)", r.backlog_pushed_s, r.backlog as f64 / r.backlog_pushed_s);
    println!("  in B's store {:.2} s after reconnecting ({:.0}/s)", r.backlog_visible_s, r.backlog as f64 / r.backlog_visible_s);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

fn tempfile_dir() -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("outfit-team-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
