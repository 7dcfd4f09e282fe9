//! Outfit Studio: outfit compatibility for children's fashion.
//!
//! Layers, each using only those before it (ARCHITECTURE.md; `tests/architecture.rs` enforces it): `paths` / `machine`
//! -> `catalogue` / `demo` (feeds -> items) -> `store` (SQLite) -> `encode` (frozen ONNX encoders) -> `model`
//! (compatibility head, training, metrics) -> `score` (ranking on CPU or GPU) -> `engine` (one facade) -> `labels`
//! -> `export` -> `looks` -> `curate` (app state) -> `ui` (egui) | `cli` (clap), the two leaves `main` joins.

pub mod catalogue;
pub mod cli;
pub mod curate;
pub mod demo;
pub mod encode;
pub mod engine;
pub mod export;
pub mod labels;
pub mod looks;
pub mod machine;
pub mod model;
pub mod paths;
pub mod score;
pub mod store;
pub mod ui;

pub use engine::Engine;
