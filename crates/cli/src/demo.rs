//! `outfit-studio demo`: the embedded demo catalogue imported (with its precomputed features) and indexed, then a
//! scored toddler look and its completions, printed as the commands that produce them.

use super::{Command, FilterArgs, import_one, index, run};
use anyhow::{Result, bail};
use outfit_catalogue::{AgeGroup, Slot};
use outfit_engine::Engine;

pub(crate) fn demo(e: &mut Engine) -> Result<()> {
    let feed = outfit_demo::feed()?;
    import_one(e, &feed, &outfit_engine::ImportRequest::default(), false)?;
    e.seed_features(outfit_demo::FEATURES)?;
    index(e, 32)?;
    // A summer look for a toddler: the first toddler top and summer shorts in the catalogue, then completions.
    let items: Vec<&outfit_store::StoredItem> = {
        let mut v: Vec<_> = e.items().values().collect();
        v.sort_by_key(|i| i.id);
        v
    };
    let pick = |slot: Slot| {
        items.iter().find(|i| i.item.slot == slot && i.item.age_group == Some(AgeGroup::Toddler)).map(|i| i.item.sku.to_string())
    };
    let board: Vec<String> = [pick(Slot::Top), pick(Slot::Bottom)].into_iter().flatten().collect();
    if board.len() < 2 {
        bail!("the demo catalogue lacks toddler tops and bottoms");
    }
    println!("\n$ outfit-studio score {}", board.join(" "));
    run_sub(e, Command::Score { skus: board.clone(), json: false })?;
    println!("\n$ outfit-studio complete {} -k 5", board.join(" "));
    run_sub(
        e,
        Command::Complete {
            skus: board,
            slot: None,
            k: 5,
            filter: FilterArgs { ages: vec!["toddler".into()], in_stock: true, ..Default::default() },
            json: false,
        },
    )
}

fn run_sub(e: &mut Engine, c: Command) -> Result<()> {
    run(super::Cli { db: Some(e.store().path().to_path_buf()), models: Some(e.models_dir().to_path_buf()), command: Some(c) }).map(|_| ())
}
