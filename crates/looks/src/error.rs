//! Why look generation fails, by what the stylist does next: fix a template (template), change the parameters
//! (params, no template, heroes), name a stylist, or read the lower layer's error (engine, store, model, score).

use outfit_engine::EngineError;
use outfit_model::ModelError;
use outfit_score::ScoreError;
use outfit_store::StoreError;

/// Results of the looks layer.
pub type Result<T, E = LooksError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum LooksError {
    /// A template list fails validation; the message names the template and what to change.
    #[error("{0}")]
    Template(String),
    /// Text that is not a JSON template list.
    #[error("not a template list: {0}")]
    NotATemplateList(serde_json::Error),
    /// The list saved in the database no longer parses or validates.
    #[error("the saved outfit templates are unreadable: {0}")]
    SavedTemplates(Box<LooksError>),
    /// A template list that cannot be written as JSON.
    #[error("cannot save the templates: {0}")]
    SaveTemplates(serde_json::Error),
    /// Generation or bench parameters out of range; the message says which.
    #[error("{0}")]
    Params(String),
    /// The parameters name a template the list lacks.
    #[error("no template named {name:?}; templates: {}", known.join(", "))]
    NoTemplate { name: String, known: Vec<String> },
    /// A hero row beyond the index.
    #[error("hero row {row} is outside the index ({rows} rows)")]
    HeroRow { row: usize, rows: usize },
    /// Heroes named by SKU that have no index row.
    #[error("not indexed or not an outfit item: {} (run `outfit-studio index`)", skus.join(", "))]
    NotIndexed { skus: Vec<String> },
    /// Looks were to be queued without a stylist.
    #[error("generated looks go to a stylist's review queue: name the stylist")]
    NoStylist,
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(transparent)]
    Score(#[from] ScoreError),
}
