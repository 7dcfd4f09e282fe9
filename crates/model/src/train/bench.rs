//! `outfit-studio bench --train`: fine-tuning's speed on generated judgements.

use super::*;

/// Times fine-tuning on `n` generated judgements with the real feature sizes (1280 + 384 + categorical).
pub fn bench(n: usize, cfg: &TrainConfig) -> Result<()> {
    let dims = HeadDims::standard(1280, 384);
    let n_items = (n / 2).clamp(400, 20_000);
    let t0 = Instant::now();
    let (table, data) = synthetic_set(dims, n_items, n, 12, 0.6, cfg.seed)?;
    let parent = Head::zero_shot(dims, &table.feature_mean()?, &BlockWeights::default(), (4.0, -1.0), cfg.seed)?;
    println!("generated {n} judgements over {n_items} items ({} inputs per item) in {:.1}s", dims.input(), t0.elapsed().as_secs_f64());
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let t = train(&parent, &table, &data, cfg, &mut |_| {}, &AtomicBool::new(false))?;
    println!(
        "fine-tuned on {n} judgements: {} epochs in {:.1}s ({:.2}s/epoch, {} threads available, freeze_lower={}); loss {:.4} -> {:.4}",
        cfg.epochs,
        t.seconds,
        t.seconds / cfg.epochs.max(1) as f64,
        threads,
        cfg.freeze_lower,
        t.history.first().map(|h| h.loss).unwrap_or(f32::NAN),
        t.history.last().map(|h| h.loss).unwrap_or(f32::NAN)
    );
    Ok(())
}
