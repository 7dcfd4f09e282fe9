//! The desktop app (egui/eframe). Widgets read `curate` state and emit commands; no SQL, ort or wgpu compute here.

use anyhow::Result;
use std::path::PathBuf;

/// Opens the app window. (Placeholder until the UI lands: runs the CLI demo.)
pub fn run_app(db: PathBuf, models: PathBuf) -> Result<()> {
    crate::cli::run(crate::cli::Cli { db: Some(db), models: Some(models), command: Some(crate::cli::Command::Demo) })
}
