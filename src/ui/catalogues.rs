//! The catalogue list in the left panel (switch to one, hide/show, delete with confirmation) and the import
//! preview dialog (profile, mapping, coverage, sample rows, Import). They read `curate` state and emit
//! [`CatalogueCommand`]s; no parsing or SQL here.

use super::StudioApp;
use egui::{Color32, RichText, Ui};
use outfit_catalogue::Field;
use outfit_curate::{CatalogueCommand as C, Command};

/// Fields offered for mapping in the dialog, in the order a stylist checks them.
const MAPPED_FIELDS: [Field; 11] = [
    Field::Sku,
    Field::Title,
    Field::Category,
    Field::Colour,
    Field::AgeGroup,
    Field::AgeHint,
    Field::Size,
    Field::Gender,
    Field::Season,
    Field::Price,
    Field::Image,
];

impl StudioApp {
    /// The "Catalogues" section of the left panel.
    pub(super) fn catalogue_panel(&mut self, ui: &mut Ui, cmds: &mut Vec<Command>) {
        let list = self.studio.catalogues();
        // With one catalogue there is nothing to switch between (and hiding it would empty the app).
        if list.iter().filter(|c| c.deleted_at.is_none()).count() < 2 {
            return;
        }
        ui.separator();
        ui.label(RichText::new("Catalogues").strong());
        let focus = self.studio.catalogue_focus();
        if ui.radio(focus.is_none(), "All visible").clicked() && focus.is_some() {
            cmds.push(Command::Catalogue(C::Focus(None)));
        }
        for c in list.iter().filter(|c| c.deleted_at.is_none()) {
            ui.horizontal_wrapped(|ui| {
                let text = format!("{} ({})", c.name, c.items);
                if c.hidden {
                    ui.label(RichText::new(text).weak().italics());
                    if ui.small_button("Show").on_hover_text(format!("Show “{}” in the grid and suggestions", c.name)).clicked() {
                        cmds.push(Command::Catalogue(C::SetHidden(c.name.clone(), false)));
                    }
                } else {
                    if ui.radio(focus == Some(c.id), text).on_hover_text(format!("Only “{}” in the grid", c.name)).clicked() {
                        cmds.push(Command::Catalogue(C::Focus(Some(c.id))));
                    }
                    if ui.small_button("Hide").on_hover_text(format!("Hide “{}” from the grid, suggestions and queue", c.name)).clicked()
                    {
                        cmds.push(Command::Catalogue(C::SetHidden(c.name.clone(), true)));
                    }
                }
                if ui.small_button("Delete…").on_hover_text(format!("Delete “{}” (judgements are kept)", c.name)).clicked() {
                    cmds.push(Command::Catalogue(C::AskDelete(c.name.clone())));
                }
            });
        }
        if let Some(name) = self.studio.confirm_delete().map(str::to_string) {
            let judged = list.iter().find(|c| c.name == name).map(|c| c.judgements).unwrap_or(0);
            egui::Modal::new(egui::Id::unique("confirm_delete_catalogue")).show(ui.ctx(), |ui| {
                ui.heading(format!("Delete “{name}”?"));
                ui.label(format!(
                    "Its items leave the app. {judged} judgements name them: they are kept, with those items, marked as from a deleted catalogue."
                ));
                ui.horizontal(|ui| {
                    if ui.button("Delete catalogue").clicked() {
                        cmds.push(Command::Catalogue(C::Delete(name.clone())));
                    }
                    if ui.button("Cancel").clicked() {
                        cmds.push(Command::Catalogue(C::CancelDelete));
                    }
                });
            });
        }
    }

    /// The import preview dialog, while one is open.
    pub(super) fn import_window(&mut self, ctx: &egui::Context, cmds: &mut Vec<Command>) {
        let Some(d) = self.studio.import_dialog() else { return };
        let mut open = true;
        egui::Window::new("Import preview").open(&mut open).default_width(720.0).vscroll(true).show(ctx, |ui| {
            ui.label(RichText::new(d.path.display().to_string()).weak());
            ui.horizontal(|ui| {
                let label = ui.label("Profile");
                let current = d.profile.clone().unwrap_or_else(|| "detect from header".into());
                egui::ComboBox::from_id_salt("import_profile")
                    .selected_text(current)
                    .show_ui(ui, |ui| {
                        if ui.selectable_label(d.profile.is_none(), "detect from header").clicked() {
                            cmds.push(Command::Catalogue(C::SetProfile(None)));
                        }
                        for p in &d.profiles {
                            if ui.selectable_label(d.profile.as_deref() == Some(p), p).clicked() {
                                cmds.push(Command::Catalogue(C::SetProfile(Some(p.clone()))));
                            }
                        }
                    })
                    .response
                    .labelled_by(label.id);
                let label = ui.label("Catalogue");
                let mut name = d.catalogue.clone();
                if ui.add(egui::TextEdit::singleline(&mut name).desired_width(160.0)).labelled_by(label.id).changed() {
                    cmds.push(Command::Catalogue(C::SetCatalogueName(name)));
                }
            });
            if let Some(e) = &d.error {
                ui.colored_label(Color32::from_rgb(0xE0, 0x40, 0x40), e);
            }
            let Some(p) = &d.preview else {
                if d.loading() {
                    ui.horizontal(|ui| {
                        ui.spinner();
                        ui.label("Reading the feed…");
                    });
                }
                return;
            };
            let detected = match (&p.profile, p.detected) {
                (Some(name), true) => format!("Detected profile: {name}"),
                (Some(name), false) => format!("Profile: {name}"),
                (None, _) => "No profile matched: columns mapped by header names".into(),
            };
            ui.label(detected);
            ui.collapsing("Column mapping", |ui| {
                egui::Grid::new("import_mapping").striped(true).show(ui, |ui| {
                    for f in MAPPED_FIELDS {
                        let label = ui.label(f.as_str());
                        let cols = p.mapping.iter().find(|(k, _)| k == f.as_str()).map(|(_, c)| c.join(" + ")).unwrap_or_default();
                        egui::ComboBox::from_id_salt(("map", f.as_str()))
                            .selected_text(if cols.is_empty() { "(none)".to_string() } else { cols })
                            .show_ui(ui, |ui| {
                                if ui.selectable_label(false, "(none)").clicked() {
                                    cmds.push(Command::Catalogue(C::SetColumns(f, Vec::new())));
                                }
                                for h in &p.header {
                                    if ui.selectable_label(false, h).clicked() {
                                        cmds.push(Command::Catalogue(C::SetColumns(f, vec![h.clone()])));
                                    }
                                }
                            })
                            .response
                            .labelled_by(label.id);
                        ui.end_row();
                    }
                });
            });
            let c = &p.coverage;
            egui::Grid::new("import_coverage").striped(true).show(ui, |ui| {
                for (name, n) in [("Slot", c.slot), ("Age group", c.age_group), ("Colour", c.colour), ("Image", c.image)] {
                    ui.label(name);
                    ui.label(format!("{n} / {}", c.rows));
                    ui.label(format!("{:.0}%", c.percent(n)));
                    ui.end_row();
                }
            });
            let excluded: usize = p.excluded.iter().map(|(_, n)| n).sum();
            ui.label(format!(
                "{} items will import ({} kept out of outfits: underwear, nightwear, cosmetics), {} rows rejected",
                p.items, excluded, p.rejected
            ));
            if !p.unmapped_categories.is_empty() {
                let u: Vec<String> = p.unmapped_categories.iter().take(6).map(|(k, n)| format!("{k} ×{n}")).collect();
                ui.label(RichText::new(format!("No slot for: {}", u.join(", "))).weak());
            }
            egui::Grid::new("import_sample").striped(true).show(ui, |ui| {
                for h in ["SKU", "Title", "Slot", "Age", "Colour"] {
                    ui.label(RichText::new(h).strong());
                }
                ui.end_row();
                for r in &p.sample {
                    ui.label(&r.sku);
                    ui.label(super::short(&r.title, 36));
                    ui.label(if r.excluded.is_some() { format!("{} (not for outfits)", r.slot.label()) } else { r.slot.label().into() });
                    ui.label(r.age_group.map(|a| a.as_str()).unwrap_or("–"));
                    ui.label(&r.colour);
                    ui.end_row();
                }
            });
            ui.horizontal(|ui| {
                let label = ui.label("Save mapping as profile");
                let mut save = d.save_as.clone();
                let edit = egui::TextEdit::singleline(&mut save).hint_text("optional name").desired_width(140.0);
                if ui.add(edit).labelled_by(label.id).changed() {
                    cmds.push(Command::Catalogue(C::SetSaveAs(save)));
                }
                if ui.add_enabled(d.can_import(), egui::Button::new(RichText::new("Import").strong())).clicked() {
                    cmds.push(Command::Catalogue(C::Confirm));
                }
                if ui.button("Cancel").clicked() {
                    cmds.push(Command::Catalogue(C::Close));
                }
            });
        });
        if !open {
            cmds.push(Command::Catalogue(C::Close));
        }
    }
}
