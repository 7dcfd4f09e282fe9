//! The shipped catalogue crate (it depends on no other layer, so fuzzing builds no GPU, GUI or ML crate), plus
//! the target bodies shared with the stable replay harness in tests/fuzz_regressions.rs.
#![allow(dead_code, unused_imports)]

pub use outfit_catalogue as catalogue;

#[path = "../targets.rs"]
pub mod targets;

/// Test helpers the engine targets share with the integration tests (made-up encoder features).
#[cfg(feature = "engine")]
#[path = "../../tests/common/mod.rs"]
pub mod common;

/// The engine API targets (they use the whole app, so only with `--features engine`).
#[cfg(feature = "engine")]
#[path = "../engine_targets.rs"]
pub mod engine_targets;
