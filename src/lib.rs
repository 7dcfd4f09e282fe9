//! Outfit Studio: outfit compatibility for children's fashion.
//!
//! Layers, data flowing one way: `catalogue` (feeds -> items) -> `store` (SQLite) -> `encode` (frozen ONNX
//! encoders) -> `model` (type-aware compatibility head) -> `score` (ranking on CPU or GPU) -> `curate` (app state)
//! -> `ui` (egui). `engine` ties them together for the CLI and the app.

pub mod catalogue;
pub mod cli;
pub mod curate;
pub mod demo;
pub mod encode;
pub mod engine;
pub mod export;
pub mod labels;
pub mod looks;
pub mod model;
pub mod paths;
pub mod score;
pub mod store;
pub mod ui;

pub use engine::Engine;
