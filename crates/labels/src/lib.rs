//! Label collection at scale: the active-learning review queue, agreement between stylists, the disagreements a
//! lead settles, and merging several stylists' labels (imports, conflict resolution for training).

pub mod agreement;
pub mod disagreements;
mod error;
pub mod merge;
pub mod queue;

pub use agreement::{Agreement, pairwise, pairwise_for_store};
pub use disagreements::Disagreement;
pub use error::{LabelsError, Result};
pub use merge::{Conflicts, MergeReport, TrainingPolicy, import_file, training_labels};
pub use queue::{Candidate, Diversity, QueueConfig, QueueCounts, QueueView, ReviewQueue, batch_of};
