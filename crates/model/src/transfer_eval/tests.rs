use super::*;
use crate::outfit_eval::pretrain;

fn dims() -> HeadDims {
    HeadDims { image: 32, text: 32, cat: super::super::features::CAT_DIM, hidden: 24, embed: 12 }
}

#[test]
fn the_simulated_stylist_judges_exactly_the_budget_half_and_half() {
    let t = synthetic_outfit_set(dims(), 60, 4, 1.0, 0.0, 1, 2).unwrap();
    let pairs = judgement_pairs(&t.table, &t.train, 3);
    assert_eq!(pairs.len(), t.train.len(), "every outfit has a swap");
    for budget in [10, 11, 20, 36] {
        let d = simulate(&pairs, budget);
        assert_eq!(counts(&d), (budget / 2, budget - budget / 2), "budget {budget}");
    }
    assert_eq!(counts(&simulate(&pairs, 1000)), (36, 36), "capped at the training outfits");
    for (a, r) in &pairs {
        assert!(a.positive && !r.positive);
        let differ: Vec<(usize, usize)> = a.rows.iter().zip(&r.rows).filter(|(x, y)| x != y).map(|(x, y)| (*x, *y)).collect();
        assert_eq!(differ.len(), 1, "one garment swapped");
        let (x, y) = differ[0];
        assert_eq!((t.table.slots[x], t.table.groups[x]), (t.table.slots[y], t.table.groups[y]));
    }
    assert_ne!(judgement_pairs(&t.table, &t.train, 4)[0].0.key, pairs[0].0.key, "seeds pick other outfits first");
}

/// Source and target share what makes an outfit compatible (the style directions) but not their catalogue
/// offset. A head pretrained on the source then fine-tuned on 20 judgements of the target must beat a head
/// trained from scratch on the same 20; the figure's rows, counts and sentence come out.
#[test]
fn pretraining_on_a_related_source_beats_scratch_at_a_small_budget() {
    let source = synthetic_outfit_set(dims(), 300, 8, 0.7, 0.0, 7, 11).unwrap();
    let target = synthetic_outfit_set(dims(), 100, 8, 0.7, 1.5, 7, 12).unwrap();
    let cfg = TrainConfig { epochs: 12, ..TrainConfig::pretraining() };
    let p = pretrain(&source, &cfg, &mut |_| {}, &AtomicBool::new(false)).unwrap();
    let tc = TransferConfig {
        budgets: vec![20, 40],
        seeds: 2,
        min_steps: 40,
        queue_batch: 20,
        queue_oversample: 2,
        queue_reference: 40,
        queue_max: 40,
        ece_budget: 20,
        ..TransferConfig::default()
    };
    let mut lines = Vec::new();
    let f = run_transfer(
        &p.head,
        ("gen source", "gen target", "pretrained here"),
        &target,
        &tc,
        &mut |l| lines.push(l.to_string()),
        &AtomicBool::new(false),
    )
    .unwrap();
    let at = |row: usize, b: usize| f.curves[row].cells.iter().find(|c| c.budget == b).unwrap().clone();
    let (ft, sc) = (at(0, 20), at(1, 20));
    assert_eq!((ft.accepts, ft.rejects, ft.seeds), (10, 10, 2));
    let (a, b) = (ft.cold_auc.unwrap().value, sc.cold_auc.unwrap().value);
    assert!(a > b + 0.1, "fine-tuned {a:.3} vs scratch {b:.3}");
    assert!(a > 0.75, "the shared style carries: {a:.3}");
    let pre = f.baselines.iter().find(|r| r.method == PRETRAINED_ONLY).unwrap().cells[0].cold_auc.unwrap().value;
    assert!(pre > 0.7, "pretrained only, centred: {pre:.3}");
    let cooc = &f.baselines[1].cells[0];
    assert_eq!(cooc.cold_auc.unwrap().value, 0.5, "cold items never co-occur");
    let q = f.queue.as_ref().unwrap();
    assert_eq!(q.queue_curve.iter().map(|c| c.0).collect::<Vec<_>>(), [20, 40]);
    assert_eq!(f.calibration.len(), 2);
    assert!(f.calibration.iter().all(|c| c.ece_platt_cross_fitted.is_finite() && c.held_out_accepts == target.test.len()));
    assert!(f.label_efficiency.contains("not measured"));
    let md = f.markdown();
    assert!(md.contains("| pretrained, then fine-tuned |") && md.contains("Review queue vs random"), "{md}");
    assert!(!lines.is_empty());
    let dir = tempfile::tempdir().unwrap();
    f.write_png(&dir.path().join("t.png")).unwrap();
    assert!(std::fs::metadata(dir.path().join("t.png")).unwrap().len() > 1000);
}

#[test]
fn label_efficiency_reads_both_figures() {
    let cell = |budget, v: f64| Cell {
        budget,
        accepts: budget / 2,
        rejects: budget / 2,
        seeds: 5,
        cold_auc: Some(Estimate { value: v, low: v - 0.02, high: v + 0.02, n: 100 }),
        cold_auc_sd: 0.0,
        cold_fitb: None,
        per_seed_auc: Vec::new(),
    };
    let row = |cells| MethodRow { method: String::new(), cells };
    let yes = label_efficiency(&row(vec![cell(200, 0.71)]), &row(vec![cell(1000, 0.65)]));
    assert!(yes.contains("? yes: cold AUC 0.710") && yes.contains("do not overlap"), "{yes}");
    let no = label_efficiency(&row(vec![cell(200, 0.60)]), &row(vec![cell(1000, 0.61)]));
    assert!(no.contains("? no") && no.contains("overlap"), "{no}");
}
