//! Modal prompts: the app's own path field (for desktops without a file-dialog portal) and the stylist name.

use super::*;

impl StudioApp {
    /// Asks for a path: the studio opens the native dialog off the frame, or asks for the app's own path field.
    pub(super) fn ask_path(&mut self, purpose: PathPurpose, cmds: &mut Vec<Command>) {
        cmds.push(Command::AskPath(purpose));
    }

    /// The app's own path field (no desktop dialog here): Tab completes, Enter confirms, Esc cancels.
    pub(super) fn path_prompt(&mut self, ctx: &egui::Context, cmds: &mut Vec<Command>) {
        match (self.studio.path_prompt(), &self.path_prompt) {
            (None, _) => {
                self.path_prompt = None;
                return;
            }
            (Some(purpose), p) if p.as_ref().is_none_or(|p| &p.purpose != purpose) => {
                let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."));
                self.path_prompt = Some(PathPrompt::new(purpose, &home));
            }
            _ => {}
        }
        let Some(p) = &mut self.path_prompt else { return };
        let (mut submit, mut cancel) = (false, false);
        let modal = egui::Modal::new(egui::Id::unique("path_prompt")).show(ctx, |ui| {
            ui.set_width(560.0);
            ui.heading(p.purpose.title());
            ui.label(
                RichText::new("No file dialog can open on this desktop (no xdg-desktop-portal): type the path. Tab completes.").weak(),
            );
            let tab = ui.input_mut(|i| i.consume_key(egui::Modifiers::NONE, Key::Tab));
            let label = ui.label("Path");
            let id = egui::Id::unique("path_prompt_text");
            let r =
                ui.add(egui::TextEdit::singleline(&mut p.text).id(id).desired_width(f32::INFINITY).lock_focus(true)).labelled_by(label.id);
            if !p.focused {
                r.request_focus();
                p.focused = true;
            }
            // Completions are listed off the frame; until they come for what is typed now, Tab waits.
            p.take_listing(false);
            let current = p.completed_for.as_deref() == Some(p.text.as_str());
            if !current && p.listing.as_ref().is_none_or(|(t, _)| *t != p.text) {
                let (typed, c) = (p.text.clone(), ui.ctx().clone());
                let listing =
                    Promise::spawn("outfit-studio-complete", Arc::new(move || c.request_repaint()), move || paths::completions(&typed, 8));
                p.listing = Some((p.text.clone(), listing));
            }
            let mut chosen = None;
            if tab && current {
                chosen = paths::common_completion(&p.text, &p.options);
            }
            let options = if current { p.options.clone() } else { Vec::new() };
            for o in &options {
                let name = o.trim_end_matches('/').rsplit('/').next().unwrap_or(o);
                let shown = if o.ends_with('/') { format!("{name}/") } else { name.to_string() };
                if ui.selectable_label(false, &shown).on_hover_text(o).clicked() {
                    chosen = Some(o.clone());
                }
            }
            if let Some(c) = chosen {
                p.text = c;
                p.error = None;
                // The cursor goes to the end of the completed text.
                if let Some(mut st) = egui::TextEdit::load_state(ui.ctx(), id) {
                    let end = egui::text::CCursor::new(p.text.chars().count());
                    st.cursor.set_char_range(Some(egui::text::CCursorRange::one(end)));
                    st.store(ui.ctx(), id);
                }
                r.request_focus();
            }
            if let Some(e) = &p.error {
                ui.label(RichText::new(e).color(Color32::from_rgb(0xE0, 0x40, 0x40)));
            }
            let enter = r.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
            ui.horizontal(|ui| {
                let ok = if p.purpose.reads() { "Import" } else { "Export" };
                submit = ui.button(ok).clicked() || enter;
                cancel = ui.button("Cancel").clicked();
            });
        });
        if submit {
            match p.purpose.command(&p.text) {
                Ok(c) => {
                    cmds.push(Command::ClosePathPrompt);
                    cmds.push(c);
                    self.path_prompt = None;
                }
                Err(e) => p.error = Some(e),
            }
        } else if cancel || modal.should_close() {
            cmds.push(Command::ClosePathPrompt);
            self.path_prompt = None;
        }
    }

    pub(super) fn name_prompt(&mut self, ctx: &egui::Context, cmds: &mut Vec<Command>) {
        if !self.asking_name {
            return;
        }
        let mut done = false;
        egui::Modal::new(egui::Id::unique("stylist_prompt")).show(ctx, |ui| {
            ui.set_width(320.0);
            ui.heading("Welcome to Outfit Studio");
            ui.label("Your name is recorded with every judgement you make.");
            let label = ui.label("Stylist name");
            let r = ui.add(egui::TextEdit::singleline(&mut self.name_input).hint_text("e.g. Ana")).labelled_by(label.id);
            if !self.name_focused {
                r.request_focus();
                self.name_focused = true;
            }
            let enter = r.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
            ui.horizontal(|ui| {
                let ok = !self.name_input.trim().is_empty();
                if (ui.add_enabled(ok, egui::Button::new("Start")).clicked() || enter) && ok {
                    done = true;
                }
            });
        });
        if done {
            cmds.push(Command::SetStylist(self.name_input.trim().to_string()));
            self.asking_name = false;
        }
    }
}
