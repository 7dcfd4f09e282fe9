//! The compatibility model: input features, the type-aware head, and (in `train`/`eval`) learning and metrics.

pub mod eval;
pub mod features;
pub mod head;
pub mod polyvore;
pub mod train;

pub use head::{BlockWeights, Head, HeadDims};
