//! Precomputed features (the demo's, shipped in the binary): stored for matching items before indexing, so they
//! need no encoding (`outfit_encode::prebuilt` says what matches).

use super::Engine;
use crate::Result;
use outfit_encode::prebuilt::{self, FeaturePack};

impl Engine {
    /// Stores `pack`'s features for the items that need features and match a row, and returns how many. A pack
    /// that cannot be read or was made for other encoders seeds nothing (the items are encoded as usual).
    pub fn seed_features(&mut self, pack: &[u8]) -> Result<usize> {
        let pack = match FeaturePack::parse(pack) {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!("ignoring an unreadable feature pack: {e:#}");
                return Ok(0);
            }
        };
        let key = self.encoder_key();
        Ok(prebuilt::seed(&mut self.store, &key, &pack)?)
    }

    /// A feature pack of every indexed item with a photo (`outfit-studio demo-features` writes the demo's).
    pub fn feature_pack(&self) -> Result<Vec<u8>> {
        Ok(prebuilt::export(&self.store, &self.encoder_key())?)
    }
}
