//! The Generate looks result panel: the batch's totals and every hero left short, with the reason, so a batch
//! that made few or no looks still says why.

use egui::{RichText, Ui};
use outfit_curate::{Command, LooksResult, QueueCommand};
use outfit_looks::ShortKind;

/// Heroes listed one per line; the rest are in the totals.
const LISTED: usize = 200;

/// Shows the last result (if any) and pushes Dismiss.
pub fn show(ui: &mut Ui, result: Option<&LooksResult>, cmds: &mut Vec<Command>) {
    let Some(r) = result else { return };
    ui.group(|ui| {
        ui.horizontal(|ui| {
            ui.strong("Generated looks");
            if ui.small_button("Dismiss").clicked() {
                cmds.push(Command::Queue(QueueCommand::DismissLooksResult));
            }
        });
        ui.label(r.summary.headline());
        ui.label(format!("{} queued for review", r.queued));
        for (why, n) in &r.summary.reasons {
            ui.label(format!("{n} heroes: {why}"));
        }
        let short: Vec<_> = r.short.iter().filter(|s| s.kind == ShortKind::Short).collect();
        if short.is_empty() {
            return;
        }
        egui::CollapsingHeader::new(format!("{} heroes left short", short.len())).id_salt("looks-short").show(ui, |ui| {
            egui::ScrollArea::vertical().max_height(160.0).show(ui, |ui| {
                for s in short.iter().take(LISTED) {
                    ui.label(
                        RichText::new(format!("{} {}: {} of {} ({})", s.sku, s.title, s.found, r.summary.looks_per_hero, s.reason)).small(),
                    );
                }
                if short.len() > LISTED {
                    ui.label(format!("and {} more", short.len() - LISTED));
                }
            });
        });
    });
}
