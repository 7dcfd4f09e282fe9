//! The compatibility model, free of the store and the engine: it works on feature tables and labelled outfits.
//!
//! - data: [`data`] (feature tables, labelled outfits from judgements, stylists' label resolution, negative
//!   sampling, generated sets), [`outfit_sets`] and [`polyvore`] (outfit datasets read from disk), [`features`]
//!   (input assembly);
//! - the head: [`head`], [`calibrate`], [`history`] (approved-look co-occurrence);
//! - learning: [`train`];
//! - metrics: [`metrics`] (AUC, FITB, held-out split), [`protocol`] (warm/cold questions, baselines, intervals);
//! - the review queue's selection rule: [`selection`] (uncertainty plus diversity);
//! - reports: [`report`] (transfer report, learning curve), [`outfit_eval`] (pretraining and its tables),
//!   [`transfer_eval`] (what stylists' judgements buy on a new source: `eval-transfer`).

pub mod calibrate;
pub mod data;
mod error;
pub mod features;
pub mod head;
pub mod history;
pub mod metrics;
pub mod outfit_eval;
pub mod outfit_sets;
pub mod polyvore;
pub mod protocol;
pub mod report;
pub mod selection;
pub mod train;
pub mod transfer_eval;

pub use error::{ModelError, Result};
pub use head::{BlockWeights, Head, HeadDims};
