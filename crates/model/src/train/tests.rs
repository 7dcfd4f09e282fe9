use super::*;

fn dims() -> HeadDims {
    HeadDims { image: 12, text: 8, cat: super::super::features::CAT_DIM, hidden: 16, embed: 8 }
}

#[test]
fn out_of_fold_logits_come_from_heads_that_never_saw_the_outfit() {
    let (table, data) = synthetic_set(dims(), 80, 40, 4, 1.0, 1).unwrap();
    let parent = Head::zero_shot(dims(), &table.feature_mean().unwrap(), &BlockWeights::default(), (4.0, -1.0), 1).unwrap();
    let mut seen: Vec<Vec<String>> = Vec::new();
    let z = out_of_fold_logits(&data, &table, CROSS_FOLDS, |fit, _| {
        seen.push(fit.iter().map(|o| o.key.clone()).collect());
        Ok(parent.clone())
    })
    .unwrap();
    assert_eq!(seen.len(), CROSS_FOLDS, "one head per fold");
    assert!(z.iter().all(Option::is_some), "every outfit is scored by some fold's head");
    // Each outfit was left out of exactly one fit, and that fit's head scored it.
    for o in &data {
        assert_eq!(seen.iter().filter(|keys| !keys.contains(&o.key)).count(), 1, "{}", o.key);
    }
    let scorer = super::super::metrics::OutfitScorer::new(&parent, &table).unwrap();
    assert_eq!(z[3], Some(parent.logit(scorer.mean_pair(&data[3].rows), 0.0)));
}

#[test]
fn swap_negative_keeps_slots() {
    let (table, data) = synthetic_set(dims(), 80, 10, 4, 1.0, 1).unwrap();
    let mut rng = StdRng::seed_from_u64(3);
    for o in &data {
        let n = swap_negative(o, &table, &mut rng).unwrap();
        assert!(!n.positive);
        assert_eq!(n.rows.len(), o.rows.len());
        assert_eq!(n.rows.iter().zip(&o.rows).filter(|(a, b)| a != b).count(), 1);
        for (a, b) in n.rows.iter().zip(&o.rows) {
            assert_eq!(table.slots[*a], table.slots[*b]);
        }
    }
}

#[test]
fn training_preserves_the_parent_at_step_zero_and_reduces_loss() {
    let (table, data) = synthetic_set(dims(), 120, 60, 4, 1.0, 2).unwrap();
    let parent = Head::zero_shot(dims(), &table.feature_mean().unwrap(), &BlockWeights::default(), (4.0, 0.0), 5).unwrap();
    let cfg = TrainConfig { epochs: 0, ..Default::default() };
    let t = train(&parent, &table, &data, &cfg, &mut |_| {}, &AtomicBool::new(false)).unwrap();
    // Zero epochs: W1 became random but W2 = 0, so the function is the parent's.
    let before = loss_on(&parent, &table, &data, &cfg).unwrap();
    let same = loss_on(&t.head, &table, &data, &cfg).unwrap();
    assert!((before - same).abs() < 1e-5, "{before} vs {same}");
    let cfg = TrainConfig { epochs: 40, batch_size: 16, lr: 1e-2, ..Default::default() };
    let t = train(&parent, &table, &data, &cfg, &mut |_| {}, &AtomicBool::new(false)).unwrap();
    let after = loss_on(&t.head, &table, &data, &cfg).unwrap();
    assert!(after < before * 0.8, "loss {before} -> {after}");
}

#[test]
fn few_judgements_still_get_the_minimum_number_of_steps() {
    let cfg = TrainConfig::fine_tuning();
    // 40 outfits make one batch an epoch: 15 epochs would be 15 steps.
    assert_eq!(cfg.epochs_for(40), FINE_TUNE_MIN_STEPS);
    // 10,000 make 157 batches: the configured epochs already exceed the minimum.
    assert_eq!(cfg.epochs_for(10_000), cfg.epochs);
    let (table, data) = synthetic_set(dims(), 120, 30, 4, 1.0, 4).unwrap();
    let parent = Head::zero_shot(dims(), &table.feature_mean().unwrap(), &BlockWeights::default(), (4.0, 0.0), 5).unwrap();
    let cfg = TrainConfig { min_steps: 20, validation_fraction: 0.0, ..TrainConfig::fine_tuning() };
    let mut steps = 0;
    train(&parent, &table, &data, &cfg, &mut |_| steps += 1, &AtomicBool::new(false)).unwrap();
    assert_eq!(steps, 20, "30 outfits, one batch an epoch");
}

#[test]
fn ignored_input_blocks_keep_their_stored_names_and_mask_only_their_inputs() {
    // A model's parameters name the blocks ("age"); a name that is not a block is an error, not ignored.
    let cfg = TrainConfig::pretraining();
    let json = serde_json::to_value(&cfg).unwrap();
    assert_eq!(json["ignore_blocks"], serde_json::json!(["age", "gender", "season"]));
    assert!(serde_json::from_value::<Vec<InputBlock>>(serde_json::json!(["colour", "slot"])).is_ok());
    assert!(serde_json::from_value::<Vec<InputBlock>>(serde_json::json!(["colours"])).is_err());
    let d = dims();
    let mask = input_mask(d, &[InputBlock::Gender]).unwrap().unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap();
    let (start, len) = InputBlock::Gender.span(d.cat);
    let base = d.image + d.text;
    assert!(len > 0 && mask.iter().filter(|&&x| x == 0.0).count() == len);
    assert!(mask[base + start..base + start + len].iter().all(|&x| x == 0.0));
    assert!(input_mask(d, &[]).unwrap().is_none());
}

#[test]
fn a_fold_head_replays_the_epochs_the_head_it_stands_in_for_kept() {
    let (table, data) = synthetic_set(dims(), 120, 60, 4, 1.0, 6).unwrap();
    let parent = Head::zero_shot(dims(), &table.feature_mean().unwrap(), &BlockWeights::default(), (4.0, 0.0), 5).unwrap();
    let cfg = TrainConfig { min_steps: 40, batch_size: 16, ..TrainConfig::fine_tuning() };
    let never = AtomicBool::new(false);
    // A run that kept the parent (epoch 0) is stood in for by the parent itself, not a head trained further.
    let same = replay(&parent, &table, &data, &cfg, 0, &never).unwrap();
    assert_eq!(loss_on(&same, &table, &data, &cfg).unwrap(), loss_on(&parent, &table, &data, &cfg).unwrap());
    // Otherwise exactly the kept epochs, with nothing held back and no minimum of steps stretching them.
    let replayed = replay(&parent, &table, &data, &cfg, 3, &never).unwrap();
    let by_hand = TrainConfig { epochs: 3, min_steps: 0, validation_fraction: 0.0, ..cfg.clone() };
    let t = train(&parent, &table, &data, &by_hand, &mut |_| {}, &never).unwrap();
    assert_eq!((t.history.len(), t.best_epoch), (3, None));
    assert_eq!(loss_on(&replayed, &table, &data, &cfg).unwrap(), loss_on(&t.head, &table, &data, &cfg).unwrap());
    let t = train(&parent, &table, &data, &cfg, &mut |_| {}, &never).unwrap();
    let expected = t.best_epoch.expect("fine-tuning holds outfits back");
    assert_eq!(t.kept_epochs(), expected);
}

#[test]
fn an_outfit_and_its_one_garment_variants_share_a_fold() {
    let outfit = |rows: &[usize]| LabelledOutfit {
        key: format!("{rows:?}"),
        rows: rows.to_vec(),
        positive: true,
        weight: 1.0,
        stylist: String::new(),
    };
    let data = [
        outfit(&[1, 2, 3]),
        outfit(&[5, 6, 7]),
        outfit(&[4, 2, 1]), // one garment swapped
        outfit(&[1, 2]),    // one removed
        outfit(&[6, 7, 8, 5]),
        outfit(&[8, 9]),
        outfit(&[8, 10]), // two-garment outfits sharing one garment stay apart
        outfit(&[3, 2, 1]),
    ];
    assert_eq!(near_outfit_groups(&data), vec![0, 1, 0, 0, 1, 5, 6, 0]);
    // Cross-fitting keeps each group on one side.
    let mut seen: Vec<Vec<String>> = Vec::new();
    let (table, _) = synthetic_set(dims(), 12, 1, 4, 1.0, 1).unwrap();
    let parent = Head::zero_shot(dims(), &table.feature_mean().unwrap(), &BlockWeights::default(), (4.0, -1.0), 1).unwrap();
    out_of_fold_logits(&data, &table, 3, |fit, _| {
        seen.push(fit.iter().map(|o| o.key.clone()).collect());
        Ok(parent.clone())
    })
    .unwrap();
    for keys in &seen {
        let with = [0, 2, 3, 7].iter().filter(|&&i| keys.contains(&data[i].key)).count();
        assert!(with == 0 || with == 4, "a group split across folds: {keys:?}");
    }
}
