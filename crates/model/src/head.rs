//! The type-aware compatibility head (after Vasileva et al. 2018).
//!
//! g(x) = normalise(P·x̄ + W2·relu(W1·x̄ + b1) + b2), x̄ = x − μ, maps item features to a d-dimensional
//! embedding. Each unordered slot pair (u,v) has a mask m_uv ∈ R^d; pair compatibility is
//! s(i,j) = Σ_k g_ik g_jk m_uv,k², and an outfit's probability of being compatible is
//! σ(a · mean_pairs s + b). Because s is bilinear, completing an outfit for slot t is one dot product per
//! candidate with the query q_t = mean_i g_i ⊙ m²_{t,slot(i)} (see `score`).
//!
//! The linear path P alone (W1 = W2 = 0) is the untrained "zero-shot" head; training learns the residual MLP,
//! the masks and the calibration.

use super::features::{CAT_DIM, assemble};
use crate::{ModelError, Result};
use candle_core::{DType, Device, Tensor};
use outfit_catalogue::{Item, Slot};
use outfit_store::StoredFeatures;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// Dimensions a head was built for; checked against the encoders on load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeadDims {
    pub image: usize,
    pub text: usize,
    pub cat: usize,
    pub hidden: usize,
    pub embed: usize,
}

impl HeadDims {
    pub fn input(&self) -> usize {
        self.image + self.text + self.cat
    }
    pub fn standard(image: usize, text: usize) -> HeadDims {
        HeadDims { image, text, cat: CAT_DIM, hidden: 256, embed: 64 }
    }
}

/// Number of unordered slot pairs, including a slot with itself (two accessories).
pub const PAIR_COUNT: usize = Slot::COUNT * (Slot::COUNT + 1) / 2;

/// Index of the unordered slot pair (u,v) into the mask table.
pub fn pair_index(u: Slot, v: Slot) -> usize {
    let (a, b) = if u.index() <= v.index() { (u.index(), v.index()) } else { (v.index(), u.index()) };
    // Row-major upper triangle.
    a * Slot::COUNT - a * (a + 1) / 2 + b
}

/// Tensor names in the weights file.
pub const TENSORS: [&str; 8] = ["mean", "proj", "w1", "b1", "w2", "b2", "masks", "calib"];

#[derive(Debug, Clone)]
pub struct Head {
    pub dims: HeadDims,
    /// name -> tensor, on the CPU, f32. Shapes: mean [in], proj [in,d], w1 [in,h], b1 [h], w2 [h,d], b2 [d],
    /// masks [PAIR_COUNT, d] (used squared, so any sign), calib [2] = (a, b).
    pub tensors: HashMap<String, Tensor>,
    /// Squared masks, row per slot pair, cached for scoring.
    mask_sq: Vec<f32>,
    calib: (f32, f32),
}

impl Head {
    pub fn from_tensors(dims: HeadDims, tensors: HashMap<String, Tensor>) -> Result<Head, ModelError> {
        let (i, h, d) = (dims.input(), dims.hidden, dims.embed);
        let expect: [(&str, Vec<usize>); 8] = [
            ("mean", vec![i]),
            ("proj", vec![i, d]),
            ("w1", vec![i, h]),
            ("b1", vec![h]),
            ("w2", vec![h, d]),
            ("b2", vec![d]),
            ("masks", vec![PAIR_COUNT, d]),
            ("calib", vec![2]),
        ];
        for (name, shape) in &expect {
            let t = tensors.get(*name).ok_or_else(|| ModelError::MissingTensor(name.to_string()))?;
            if t.dims() != shape.as_slice() {
                return Err(ModelError::WrongShape { tensor: name.to_string(), found: t.dims().to_vec(), expected: shape.clone(), dims });
            }
        }
        let masks: Vec<f32> = tensors["masks"].flatten_all()?.to_vec1()?;
        let mask_sq = masks.iter().map(|m| m * m).collect();
        let c: Vec<f32> = tensors["calib"].to_vec1()?;
        Ok(Head { dims, tensors, mask_sq, calib: (c[0], c[1]) })
    }

    /// The untrained head: a fixed random (Johnson–Lindenstrauss) projection of the centred features with
    /// hand-set block weights, identity masks, and calibration (a, b). It encodes "similar image, text, age group,
    /// season and colour go together" and nothing learned about outfits.
    pub fn zero_shot(dims: HeadDims, mean: &[f32], block_weights: &BlockWeights, calib: (f32, f32), seed: u64) -> Result<Head> {
        use rand::{Rng, SeedableRng};
        let (i, h, d) = (dims.input(), dims.hidden, dims.embed);
        if mean.len() != i {
            return Err(ModelError::data(format!("feature mean has {} values, expected {i}", mean.len())));
        }
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let row_weight = |r: usize| -> f32 {
            if r < dims.image {
                block_weights.image
            } else if r < dims.image + dims.text {
                block_weights.text
            } else {
                block_weights.categorical(r - dims.image - dims.text)
            }
        };
        let scale = 1.0 / (d as f32).sqrt();
        let mut proj = vec![0f32; i * d];
        for r in 0..i {
            let w = row_weight(r);
            for c in 0..d {
                let z: f32 = rng.sample(rand_distr::StandardNormal);
                proj[r * d + c] = z * scale * w;
            }
        }
        let dev = Device::Cpu;
        let mut t = HashMap::new();
        t.insert("mean".into(), Tensor::from_slice(mean, i, &dev)?);
        t.insert("proj".into(), Tensor::from_vec(proj, (i, d), &dev)?);
        t.insert("w1".into(), Tensor::zeros((i, h), DType::F32, &dev)?);
        t.insert("b1".into(), Tensor::zeros(h, DType::F32, &dev)?);
        t.insert("w2".into(), Tensor::zeros((h, d), DType::F32, &dev)?);
        t.insert("b2".into(), Tensor::zeros(d, DType::F32, &dev)?);
        t.insert("masks".into(), Tensor::ones((PAIR_COUNT, d), DType::F32, &dev)?);
        t.insert("calib".into(), Tensor::from_slice(&[calib.0, calib.1], 2, &dev)?);
        Head::from_tensors(dims, t)
    }

    /// Serialises to safetensors bytes, with the dimensions in the metadata.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let meta: HashMap<String, String> = [
            ("dims".to_string(), serde_json::to_string(&self.dims).map_err(|e| ModelError::BadDims(e.to_string()))?),
            ("format".into(), "outfit-studio-head-v1".into()),
        ]
        .into();
        let views: Vec<(String, Tensor)> = TENSORS.iter().map(|n| (n.to_string(), self.tensors[*n].clone())).collect();
        safetensors::serialize(views.iter().map(|(n, t)| (n.clone(), t)), Some(meta)).map_err(|e| ModelError::NotSafetensors(e.to_string()))
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Head, ModelError> {
        let (_, meta) = safetensors::SafeTensors::read_metadata(bytes).map_err(|e| ModelError::NotSafetensors(e.to_string()))?;
        let dims_json = meta.metadata().as_ref().and_then(|m| m.get("dims")).ok_or(ModelError::MissingDims)?;
        let dims: HeadDims = serde_json::from_str(dims_json).map_err(|e| ModelError::BadDims(e.to_string()))?;
        let tensors = candle_core::safetensors::load_buffer(bytes, &Device::Cpu)?;
        Head::from_tensors(dims, tensors)
    }

    pub fn sha256(bytes: &[u8]) -> String {
        hex::encode(Sha256::digest(bytes))
    }

    /// Fails with a clear message when the encoders' output sizes do not match what the head was built for.
    pub fn check_encoders(&self, image_dim: usize, text_dim: usize) -> Result<(), ModelError> {
        if self.dims.image != image_dim || self.dims.text != text_dim || self.dims.cat != CAT_DIM {
            return Err(ModelError::EncoderMismatch { head: self.dims, image: image_dim, text: text_dim });
        }
        Ok(())
    }

    pub fn calibration(&self) -> (f32, f32) {
        self.calib
    }

    /// The same head with calibration (a, b).
    pub fn with_calibration(&self, (a, b): (f32, f32)) -> Result<Head> {
        let mut t = self.tensors.clone();
        t.insert("calib".into(), Tensor::new(&[a, b], &Device::Cpu)?);
        Head::from_tensors(self.dims, t)
    }

    /// The same head centred on another catalogue's feature mean (image and text blocks; the categorical block
    /// keeps the head's own centring). Encoder features shift between catalogues (photo style, writing), and a
    /// head trained on one retailer's centred features sees another's best through that retailer's own mean.
    pub fn recentred(&self, mean: &[f32]) -> Result<Head> {
        let n_enc = self.dims.image + self.dims.text;
        if mean.len() < n_enc {
            return Err(ModelError::data(format!("catalogue mean has {} values, the head's encoder blocks {n_enc}", mean.len())));
        }
        let mut m: Vec<f32> = self.tensors["mean"].to_vec1()?;
        m[..n_enc].copy_from_slice(&mean[..n_enc]);
        let mut t = self.tensors.clone();
        t.insert("mean".into(), Tensor::new(m.as_slice(), &Device::Cpu)?);
        Head::from_tensors(self.dims, t)
    }

    /// Squared mask for a slot pair.
    pub fn mask_sq(&self, u: Slot, v: Slot) -> &[f32] {
        let d = self.dims.embed;
        let p = pair_index(u, v);
        &self.mask_sq[p * d..(p + 1) * d]
    }

    /// The forward map on a batch of input rows [n, in] -> [n, d], L2-normalised. Shared with training.
    pub fn forward(tensors: &HashMap<String, Tensor>, x: &Tensor) -> candle_core::Result<Tensor> {
        let xc = x.broadcast_sub(&tensors["mean"])?;
        let lin = xc.matmul(&tensors["proj"])?;
        let hid = xc.matmul(&tensors["w1"])?.broadcast_add(&tensors["b1"])?.relu()?;
        let res = hid.matmul(&tensors["w2"])?.broadcast_add(&tensors["b2"])?;
        let g = (lin + res)?;
        let norm = g.sqr()?.sum_keepdim(1)?.sqrt()?.clamp(1e-12f32, f32::MAX)?;
        g.broadcast_div(&norm)
    }

    /// Embeds items from their stored features, in chunks (300k x 1.7k inputs would not fit in one tensor).
    pub fn embed(&self, items: &[(&Item, &StoredFeatures)]) -> Result<Vec<Vec<f32>>> {
        let n_in = self.dims.input();
        let mut out = Vec::with_capacity(items.len());
        for chunk in items.chunks(2048) {
            let mut x = vec![0f32; chunk.len() * n_in];
            for (row, (item, f)) in x.chunks_mut(n_in).zip(chunk) {
                assemble(item, f, self.dims.image, self.dims.text, row);
            }
            let xt = Tensor::from_vec(x, (chunk.len(), n_in), &Device::Cpu)?;
            let g = Head::forward(&self.tensors, &xt)?;
            out.extend(g.to_vec2::<f32>()?);
        }
        Ok(out)
    }

    /// s(i,j) for two embedded items.
    pub fn pair_score(&self, gi: &[f32], si: Slot, gj: &[f32], sj: Slot) -> f32 {
        self.mask_sq(si, sj).iter().zip(gi.iter().zip(gj)).map(|(m, (a, b))| m * a * b).sum()
    }

    /// σ(a·s̄ + b): mean pair score to probability.
    pub fn probability(&self, mean_pair: f32) -> f32 {
        self.probability_with(mean_pair, 0.0)
    }

    /// σ(a·s̄ + b + extra): with a further logit term (the approved-looks history).
    pub fn probability_with(&self, mean_pair: f32, extra_logit: f32) -> f32 {
        1.0 / (1.0 + (-self.logit(mean_pair, extra_logit)).exp())
    }

    /// a·s̄ + b + extra: the logit before any per-catalogue calibration (`model::calibrate`).
    pub fn logit(&self, mean_pair: f32, extra_logit: f32) -> f32 {
        let (a, b) = self.calib;
        a * mean_pair + b + extra_logit
    }
}

/// Hand-set weights of the zero-shot head per feature block (how much each similarity counts).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct BlockWeights {
    pub image: f32,
    pub text: f32,
    pub slot: f32,
    pub age: f32,
    pub gender: f32,
    pub season: f32,
    pub colour: f32,
}

impl Default for BlockWeights {
    fn default() -> Self {
        // Slot identity says nothing about compatibility across slots; age group and season matter most for
        // children's outfits; colour a little.
        BlockWeights { image: 1.0, text: 1.0, slot: 0.0, age: 0.9, gender: 0.5, season: 0.8, colour: 0.35 }
    }
}

impl BlockWeights {
    fn categorical(&self, offset: usize) -> f32 {
        use super::features::cat;
        if offset < cat::AGE {
            self.slot
        } else if offset < cat::GENDER {
            self.age
        } else if offset < cat::SEASON {
            self.gender
        } else if offset < cat::COLOUR {
            self.season
        } else {
            self.colour
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Head {
        let dims = HeadDims { image: 6, text: 4, cat: CAT_DIM, hidden: 8, embed: 16 };
        Head::zero_shot(dims, &vec![0.0; dims.input()], &BlockWeights::default(), (5.0, -1.0), 7).unwrap()
    }

    #[test]
    fn pair_index_is_a_bijection_on_unordered_pairs() {
        let mut seen = std::collections::HashSet::new();
        for u in Slot::ALL {
            for v in Slot::ALL {
                assert_eq!(pair_index(u, v), pair_index(v, u));
                assert!(pair_index(u, v) < PAIR_COUNT);
                if u <= v {
                    assert!(seen.insert(pair_index(u, v)));
                }
            }
        }
        assert_eq!(seen.len(), PAIR_COUNT);
    }

    #[test]
    fn round_trips_through_bytes_and_checks_shapes() {
        let h = small();
        let bytes = h.to_bytes().unwrap();
        let back = Head::from_bytes(&bytes).unwrap();
        assert_eq!(back.dims, h.dims);
        assert_eq!(back.tensors["proj"].to_vec2::<f32>().unwrap(), h.tensors["proj"].to_vec2::<f32>().unwrap());
        assert!(back.check_encoders(6, 4).is_ok());
        let err = back.check_encoders(1280, 384).unwrap_err().to_string();
        assert!(err.contains("expects 6-d image"), "{err}");
        let mut t = h.tensors.clone();
        t.insert("proj".into(), Tensor::zeros((3, 3), DType::F32, &Device::Cpu).unwrap());
        assert!(Head::from_tensors(h.dims, t).unwrap_err().to_string().contains("\"proj\" has shape [3, 3]"));
    }

    #[test]
    fn forward_is_unit_norm_and_identity_masks_give_cosine() {
        let h = small();
        let x = Tensor::from_vec(
            (0..2 * h.dims.input()).map(|i| ((i * 37 % 11) as f32) - 5.0).collect::<Vec<_>>(),
            (2, h.dims.input()),
            &Device::Cpu,
        )
        .unwrap();
        let g = Head::forward(&h.tensors, &x).unwrap().to_vec2::<f32>().unwrap();
        for row in &g {
            let n: f32 = row.iter().map(|v| v * v).sum();
            assert!((n - 1.0).abs() < 1e-5);
        }
        let cos: f32 = g[0].iter().zip(&g[1]).map(|(a, b)| a * b).sum();
        assert!((h.pair_score(&g[0], Slot::Top, &g[1], Slot::Shoes) - cos).abs() < 1e-6);
        assert!((h.probability(0.2) - 1.0 / (1.0 + (-(5.0f32 * 0.2 - 1.0)).exp())).abs() < 1e-6);
    }
}
