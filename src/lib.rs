//! Outfit Studio: outfit compatibility for children's fashion.
//!
//! A workspace with one crate per layer (ARCHITECTURE.md), each depending only on the crates below it, so the
//! compiler keeps the layering: `outfit-paths` / `outfit-machine` -> `outfit-catalogue` / `outfit-demo` (feeds ->
//! items) -> `outfit-store` (SQLite) -> `outfit-encode` (frozen ONNX encoders) -> `outfit-model` (compatibility
//! head, training, metrics) -> `outfit-score` (ranking on CPU or GPU) -> `outfit-engine` (one facade) ->
//! `outfit-labels` -> `outfit-export` -> `outfit-looks` -> `outfit-curate` (app state) -> `ui` (egui, this crate) |
//! `outfit-cli` (clap), the two leaves `main` joins.
//!
//! This crate holds the desktop UI and re-exports every layer under its module name, so the binary, the
//! integration tests and the tools reach the whole product through one path (`outfit_studio::store::Store`).

pub use outfit_catalogue as catalogue;
pub use outfit_cli as cli;
pub use outfit_curate as curate;
pub use outfit_demo as demo;
pub use outfit_encode as encode;
pub use outfit_engine as engine;
pub use outfit_export as export;
pub use outfit_labels as labels;
pub use outfit_looks as looks;
pub use outfit_machine as machine;
pub use outfit_model as model;
pub use outfit_paths as paths;
pub use outfit_score as score;
pub use outfit_store as store;
pub use outfit_team as team;

pub mod ui;

pub use engine::Engine;
