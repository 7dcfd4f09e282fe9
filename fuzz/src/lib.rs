//! The shipped catalogue module, compiled on its own for fuzzing (it depends on nothing else in the crate), plus
//! the target bodies shared with the stable replay harness in tests/fuzz_regressions.rs.
#![allow(dead_code, unused_imports)]

#[path = "../../src/catalogue/mod.rs"]
pub mod catalogue;

#[path = "../targets.rs"]
pub mod targets;
