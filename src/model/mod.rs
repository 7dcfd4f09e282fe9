//! The compatibility model: input features, the type-aware head, and (in `train`/`eval`) learning and metrics.

pub mod calibrate;
pub mod eval;
pub mod features;
pub mod head;
pub mod history;
pub mod outfit_eval;
pub mod outfit_sets;
pub mod polyvore;
pub mod protocol;
pub mod train;

pub use head::{BlockWeights, Head, HeadDims};
