//! The publish preview: what a "complete the look" publish changes since the channel's last one, and the
//! stylist's choice to write everything, only the changes, or nothing. Items without a public image are named
//! here, before anything reaches the shop.

use egui::{RichText, Ui};
use outfit_curate::Command;
use outfit_curate::publish::{PublishPreview, format_label};

/// Shows the preview (while there is one) as a modal and pushes the stylist's choice.
pub fn show(ctx: &egui::Context, preview: Option<&PublishPreview>, cmds: &mut Vec<Command>) {
    let Some(p) = preview else { return };
    egui::Modal::new(egui::Id::unique("publish_preview")).show(ctx, |ui| {
        ui.set_max_width(620.0);
        ui.heading(format!("Publish complete the look: {}", format_label(&p.format)));
        ui.label(RichText::new(p.path.display().to_string()).weak());
        ui.add_space(4.0);
        ui.label(format!("{} products with {} approved looks.", p.products, p.looks));
        match &p.ids_from {
            Some(f) => ui.label(RichText::new(format!("The shop's handles from {}", f.display())).weak()),
            None => ui.label(
                RichText::new(
                    "Handles made from the items' product codes: give the shop's product export once \
                     (outfit-studio publish --product-ids FILE) to use the shop's own.",
                )
                .weak(),
            ),
        };
        ui.label(&p.summary);
        if !p.first {
            listed(ui, "New", &p.added);
            listed(ui, "Changed", &p.changed);
            listed(ui, "To clear", &p.removed);
        }
        if p.dropped_for_stock > 0 {
            ui.label(format!("{} approved looks left out: an item is out of stock.", p.dropped_for_stock));
        }
        if p.missing_images > 0 {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                format!(
                    "{} items have no public image link (a local photo, and no image URL template for their catalogue): \
                     they go to the shop without an image. Cancel to set a template first \
                     (outfit-studio publish --image-url-template … --save-image-url-template).",
                    p.missing_images
                ),
            );
        }
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            let all = if p.missing_images > 0 { "Write all, without those images" } else { "Write all products" };
            if ui.button(all).clicked() {
                cmds.push(Command::ConfirmPublish { changed_only: false });
            }
            let can_diff = !p.first && !p.nothing_changed;
            if ui
                .add_enabled(can_diff, egui::Button::new("Write only the changes"))
                .on_disabled_hover_text(if p.first { "This is the first publish here" } else { "Nothing changed since the last publish" })
                .clicked()
            {
                cmds.push(Command::ConfirmPublish { changed_only: true });
            }
            if ui.button("Cancel").clicked() {
                cmds.push(Command::DismissPublish);
            }
        });
    });
}

fn listed(ui: &mut Ui, what: &str, handles: &[String]) {
    if !handles.is_empty() {
        ui.label(RichText::new(format!("{what}: {}", handles.join(", "))).small());
    }
}
