//! Helpers shared by the integration tests.

use outfit_studio::Engine;
use outfit_studio::store::{StoredFeatures, StoredItem};

/// Stores made-up encoder features for every item instead of running the ONNX encoders (fast, deterministic),
/// then reloads the engine so the head embeds them. `features(item, image_dim, text_dim)` gives (image, text).
pub fn put_fake_features(e: &mut Engine, features: impl Fn(&StoredItem, usize, usize) -> (Vec<f32>, Vec<f32>)) {
    let key = e.encoder_key();
    let (di, dt) = (e.manifest().image.dim, e.manifest().text.dim);
    let batch: Vec<_> = e
        .store
        .all_items()
        .unwrap()
        .into_iter()
        .map(|it| {
            let (image, text) = features(&it, di, dt);
            let f = StoredFeatures { item_id: it.id, image: Some(image), text };
            (it, f, None)
        })
        .collect();
    e.store.put_features(&key, &batch).unwrap();
    e.reload().unwrap();
}
