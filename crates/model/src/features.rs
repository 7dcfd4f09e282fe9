//! The head's input vector: frozen image and text embeddings plus categorical one-hots.
//!
//! Layout: [image (image_dim, L2-normalised, zeros when the item has no image) | text (text_dim) | categorical].

use outfit_catalogue::taxonomy::ColourFamily;
use outfit_catalogue::{AgeGroup, Gender, Item, Season, Slot};
use outfit_store::StoredFeatures;

/// Width of the categorical block: slot 8, age group 5, gender 2, season 4, colour family 15.
pub const CAT_DIM: usize = Slot::COUNT + 5 + 2 + 4 + ColourFamily::COUNT;

/// Offsets of the categorical sub-blocks inside the categorical block.
pub mod cat {
    use super::*;
    pub const SLOT: usize = 0;
    pub const AGE: usize = SLOT + Slot::COUNT;
    pub const GENDER: usize = AGE + 5;
    pub const SEASON: usize = GENDER + 2;
    pub const COLOUR: usize = SEASON + 4;
}

pub fn categorical(item: &Item) -> [f32; CAT_DIM] {
    let mut v = [0f32; CAT_DIM];
    v[cat::SLOT + item.slot.index()] = 1.0;
    if let Some(a) = item.age_group {
        v[cat::AGE + a.index()] = 1.0;
    }
    // Unisex goes with both; an unknown gender says nothing.
    match item.gender {
        Some(Gender::Female) => v[cat::GENDER] = 1.0,
        Some(Gender::Male) => v[cat::GENDER + 1] = 1.0,
        Some(Gender::Unisex) => {
            v[cat::GENDER] = 0.7;
            v[cat::GENDER + 1] = 0.7;
        }
        None => {}
    }
    match item.season {
        Season::Spring => v[cat::SEASON] = 1.0,
        Season::Summer => v[cat::SEASON + 1] = 1.0,
        Season::Autumn => v[cat::SEASON + 2] = 1.0,
        Season::Winter => v[cat::SEASON + 3] = 1.0,
        // All-season pieces go with everything, a little.
        Season::All => v[cat::SEASON..cat::SEASON + 4].fill(0.5),
    }
    if !item.colour.is_empty() {
        v[cat::COLOUR + ColourFamily::of(&item.colour).index()] = 1.0;
    }
    let _ = AgeGroup::ALL;
    v
}

/// Assembles the full input row for an item into `out` (length image_dim + text_dim + CAT_DIM).
pub fn assemble(item: &Item, f: &StoredFeatures, image_dim: usize, text_dim: usize, out: &mut [f32]) {
    debug_assert_eq!(out.len(), image_dim + text_dim + CAT_DIM);
    let (img, rest) = out.split_at_mut(image_dim);
    let (txt, catv) = rest.split_at_mut(text_dim);
    match &f.image {
        Some(v) if v.len() == image_dim => {
            let n = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
            for (o, x) in img.iter_mut().zip(v) {
                *o = x / n;
            }
        }
        _ => img.fill(0.0),
    }
    if f.text.len() == text_dim {
        txt.copy_from_slice(&f.text);
    } else {
        txt.fill(0.0);
    }
    catv.copy_from_slice(&categorical(item));
}

/// A catalogue's mean input row: the image block averaged over items that have an image (text-only items would
/// otherwise pull it towards zero), the text block over all items, the categorical block left at 0.
pub fn catalogue_mean(items: &[(&Item, &StoredFeatures)], image_dim: usize, text_dim: usize) -> Vec<f32> {
    let mut mean = vec![0f32; image_dim + text_dim + CAT_DIM];
    let mut row = vec![0f32; mean.len()];
    let (mut with_image, mut n) = (0usize, 0usize);
    for (item, f) in items {
        assemble(item, f, image_dim, text_dim, &mut row);
        let has_image = f.image.as_ref().is_some_and(|v| v.len() == image_dim);
        for (k, (m, x)) in mean.iter_mut().zip(&row).enumerate().take(image_dim + text_dim) {
            if k >= image_dim || has_image {
                *m += x;
            }
        }
        with_image += has_image as usize;
        n += 1;
    }
    let (ni, nt) = (with_image.max(1) as f32, n.max(1) as f32);
    mean[..image_dim].iter_mut().for_each(|m| *m /= ni);
    mean[image_dim..image_dim + text_dim].iter_mut().for_each(|m| *m /= nt);
    mean
}

/// L2 distance between two means.
pub fn mean_shift(a: &[f32], b: &[f32]) -> f32 {
    if a.len() != b.len() {
        return f32::INFINITY;
    }
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum::<f32>().sqrt()
}
