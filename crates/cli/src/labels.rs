//! CLI subcommands for label collection: `queue`, `agreement`, `merge-labels`.

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use outfit_engine::Engine;
use outfit_labels::agreement::{format_table, pairwise_for_store};
use outfit_labels::merge::import_file;
use outfit_labels::queue::{QueueConfig, ReviewQueue};
use outfit_store::queue::QueueItem;
use outfit_store::{Store, Verdict};
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct QueueArgs {
    #[arg(long, env = "OUTFIT_STUDIO_STYLIST")]
    pub stylist: String,
    /// Outfits proposed when the queue runs empty.
    #[arg(long, default_value_t = 50)]
    pub size: usize,
    /// Random seed for the proposals.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Also propose outfits with out-of-stock items.
    #[arg(long)]
    pub include_out_of_stock: bool,
    #[arg(long)]
    pub json: bool,
    #[command(subcommand)]
    pub action: Option<QueueAction>,
}

#[derive(Subcommand, Debug)]
pub enum QueueAction {
    /// Position, counts, the current outfit and the next few (the default).
    Show {
        #[arg(short, default_value_t = 5)]
        n: usize,
    },
    /// Judge the current outfit: accept, reject or skip.
    Decide {
        verdict: String,
        /// Reason tags for a reject.
        #[arg(long = "reason")]
        reasons: Vec<String>,
    },
    /// Undo the last decision (the outfit becomes current again).
    Undo,
    /// The last decisions, newest first.
    Recent {
        #[arg(short, default_value_t = 10)]
        n: usize,
    },
    /// Change an earlier decision of the queue.
    Edit { judgement_id: i64, verdict: String },
}

#[derive(Args, Debug)]
pub struct AgreementArgs {
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct MergeArgs {
    /// Other stylists' databases (.db) or label exports (JSON Lines from `export labels`).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    #[arg(long)]
    pub json: bool,
}

fn verdict(s: &str) -> Result<Verdict> {
    Verdict::parse(s).with_context(|| format!("verdict must be accept, reject or skip, not {s:?}"))
}

fn line(e: &QueueItem) -> String {
    format!(
        "#{:<4} p={:.3}  {}{}",
        e.position + 1,
        e.score,
        e.skus.join(" "),
        e.verdict
            .map(|v| format!("  -> {}{}", v.as_str(), e.judgement_id.map(|j| format!(" (judgement {j})")).unwrap_or_default()))
            .unwrap_or_default()
    )
}

pub fn run_queue(db: &Path, models: &Path, args: QueueArgs) -> Result<()> {
    let mut e = Engine::open(db, models)?;
    let cfg = QueueConfig { size: args.size, seed: args.seed, in_stock_only: !args.include_out_of_stock, ..Default::default() };
    let mut q = ReviewQueue::load_or_build_with(&mut e, &args.stylist, cfg)?;
    match args.action.unwrap_or(QueueAction::Show { n: 5 }) {
        QueueAction::Show { n } => {
            let c = q.counts();
            if args.json {
                let v = serde_json::json!({"position": q.position(), "counts": c, "current": q.next(), "upcoming": q.upcoming(n)});
                println!("{}", serde_json::to_string_pretty(&v)?);
                return Ok(());
            }
            println!(
                "queue of {}: outfit {} of {} ({} pending, {} accepted, {} rejected, {} skipped)",
                q.stylist(),
                q.position().min(c.total),
                c.total,
                c.pending,
                c.accepted,
                c.rejected,
                c.skipped
            );
            match q.next() {
                Some(cur) => println!("current: {}", line(cur)),
                None => println!("nothing to review: the catalogue has no new outfits to propose"),
            }
            for u in q.upcoming(n) {
                println!("  next: {}", line(u))
            }
        }
        QueueAction::Decide { verdict: v, reasons } => {
            let v = verdict(&v)?;
            let cur = q.next().cloned().context("the review queue is empty")?;
            let id = q.decide(&mut e, v, &reasons)?;
            println!("recorded judgement {id}: {} {}", v.as_str(), cur.skus.join(" "));
            if q.counts().pending == 0 {
                let n = q.extend(&mut e, args.size)?;
                println!("queue refilled with {n} outfits");
            }
        }
        QueueAction::Undo => match q.undo_last(&mut e)? {
            Some(it) => println!("undone: {}", line(&it)),
            None => println!("nothing to undo"),
        },
        QueueAction::Recent { n } => {
            if args.json {
                println!("{}", serde_json::to_string_pretty(&q.recent(n))?);
            } else {
                for r in q.recent(n) {
                    println!("{}", line(r));
                }
            }
        }
        QueueAction::Edit { judgement_id, verdict: v } => {
            let id = q.edit(&mut e, judgement_id, verdict(&v)?)?;
            println!("judgement {judgement_id} replaced by {id}: {v}");
        }
    }
    Ok(())
}

pub fn run_agreement(db: &Path, args: AgreementArgs) -> Result<()> {
    let store = Store::open(db)?;
    let rows = pairwise_for_store(&store)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else if rows.is_empty() {
        println!("agreement needs labels from at least two stylists");
    } else {
        print!("{}", format_table(&rows));
        println!("(AA both accept, AR A accepts / B rejects, RA, RR; latest live accept/reject per stylist and outfit)");
    }
    Ok(())
}

pub fn run_merge(db: &Path, args: MergeArgs) -> Result<()> {
    let mut store = Store::open(db)?;
    let mut reports = Vec::new();
    for f in &args.files {
        reports.push(import_file(&mut store, f).with_context(|| format!("importing {}", f.display()))?);
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&reports)?);
        return Ok(());
    }
    for r in reports {
        println!(
            "{}: {} read, {} imported, {} duplicates, {} undone here, {} invalid; stylists: {}",
            r.source,
            r.read,
            r.imported,
            r.duplicates,
            r.undone_here,
            r.invalid.len(),
            if r.stylists.is_empty() { "-".to_string() } else { r.stylists.join(", ") }
        );
        if !r.unknown_skus.is_empty() {
            println!("  {} SKUs not in this catalogue (labels kept): {}", r.unknown_skus.len(), r.unknown_skus.join(", "));
        }
        for (at, why) in r.invalid.iter().take(20) {
            println!("  skipped {at}: {why}");
        }
    }
    Ok(())
}
