//! The window's chrome: the top bar (import, export, settings, screens, stylist), the status bar (errors with
//! what to do, the undo offer, jobs, team, model), and the keyboard shortcuts.

use super::*;

impl StudioApp {
    pub(super) fn keyboard(&mut self, ctx: &egui::Context, cmds: &mut Vec<Command>) {
        if self.asking_name || self.path_prompt.is_some() || self.confirm_activate.is_some() || self.studio.publish_preview().is_some() {
            return;
        }
        let screen = self.studio.screen();
        if matches!(screen, Screen::Train | Screen::Team) {
            return;
        }
        let queue = screen == Screen::Queue;
        let judge = |v: Verdict| if queue { Command::Queue(QueueCommand::Decide(v)) } else { Command::Board(BoardCommand::Judge(v)) };
        let undo = if queue { Command::Queue(QueueCommand::Undo) } else { Command::Undo };
        ctx.input(|i| {
            let plain = !i.modifiers.ctrl && !i.modifiers.command && !i.modifiers.alt;
            if queue {
                if plain && i.key_pressed(Key::A) {
                    cmds.push(judge(Verdict::Accept));
                }
                if plain && i.key_pressed(Key::X) {
                    cmds.push(judge(Verdict::Reject));
                }
                if plain && i.key_pressed(Key::Space) {
                    cmds.push(judge(Verdict::Skip));
                }
                // Moving through the queue is navigation: nothing is recorded for the outfits passed over.
                if plain && (i.key_pressed(Key::ArrowRight) || i.key_pressed(Key::J)) {
                    cmds.push(Command::Queue(QueueCommand::Step(true)));
                }
                if plain && (i.key_pressed(Key::ArrowLeft) || i.key_pressed(Key::K)) {
                    cmds.push(Command::Queue(QueueCommand::Step(false)));
                }
                if plain && i.key_pressed(Key::E) {
                    cmds.push(Command::Queue(QueueCommand::OpenOnBoard));
                }
                if i.key_pressed(Key::Backspace) || ((i.modifiers.command || i.modifiers.ctrl) && i.key_pressed(Key::Z)) {
                    cmds.push(undo.clone());
                }
                return;
            }
            if plain && i.key_pressed(Key::A) {
                cmds.push(Command::Board(BoardCommand::Judge(Verdict::Accept)));
            }
            if plain && i.key_pressed(Key::X) {
                cmds.push(Command::Board(BoardCommand::Judge(Verdict::Reject)));
            }
            if plain && i.key_pressed(Key::Space) {
                cmds.push(Command::Board(BoardCommand::Judge(Verdict::Skip)));
            }
            if i.key_pressed(Key::Backspace) || ((i.modifiers.command || i.modifiers.ctrl) && i.key_pressed(Key::Z)) {
                cmds.push(Command::Undo);
            }
        });
    }

    pub(super) fn top_bar(&mut self, ui: &mut Ui, cmds: &mut Vec<Command>) {
        let narrow = ui.available_width() < NARROW_TOP_BAR;
        ui.horizontal(|ui| {
            let title = RichText::new("Outfit Studio").color(ACCENT).strong();
            ui.heading(if narrow { title.size(15.0) } else { title });
            ui.separator();
            let busy = self.studio.job().is_some();
            if ui
                .add_enabled(!busy, egui::Button::new("Import…"))
                .on_hover_text("Import a catalogue feed (CSV, TSV, JSON Lines, Merchant XML, Shopify CSV)")
                .clicked()
            {
                self.ask_path(PathPurpose::ImportFeed, cmds);
            }
            ui.menu_button("Export…", |ui| {
                if ui
                    .button("Approved looks as JSON…")
                    .on_hover_text("Webshop JSON: items, slots, SKUs, image links, prices, age group")
                    .clicked()
                {
                    ui.close();
                    self.ask_path(PathPurpose::ExportOutfits("json".into()), cmds);
                }
                if ui.button("Approved looks as JSON-LD…").on_hover_text("schema.org ItemList of Product per outfit").clicked() {
                    ui.close();
                    self.ask_path(PathPurpose::ExportOutfits("jsonld".into()), cmds);
                }
                if ui
                    .button("Approved looks as Shopify bundles (CSV)…")
                    .on_hover_text("Each look a new Shopify product, with the items' own SKUs, prices and images")
                    .clicked()
                {
                    ui.close();
                    self.ask_path(PathPurpose::ExportOutfits("bundle".into()), cmds);
                }
                ui.separator();
                for (format, label) in outfit_curate::publish::APP_FORMATS {
                    if ui
                        .button(format!("Publish complete the look: {label}…"))
                        .on_hover_text(
                            "Shopify's complementary products per product, from the approved looks; shows what changed since the last publish before writing",
                        )
                        .clicked()
                    {
                        ui.close();
                        self.ask_path(PathPurpose::Publish(format.into()), cmds);
                    }
                }
                ui.separator();
                if ui
                    .button("Research export (Polyvore layout)…")
                    .on_hover_text("The children's labels in the Polyvore Outfits layout, into a folder")
                    .clicked()
                {
                    ui.close();
                    self.ask_path(PathPurpose::ExportPolyvore, cmds);
                }
            });
            ui.menu_button("Settings", |ui| {
                ui.label(RichText::new("Scorer").strong());
                let cur = self.studio.scorer_choice();
                for (c, t) in
                    [(ScorerChoice::Auto, "Auto (GPU when a real one is present)"), (ScorerChoice::Cpu, "CPU"), (ScorerChoice::Gpu, "GPU")]
                {
                    if ui.radio(cur == c, t).clicked() && cur != c {
                        cmds.push(Command::SetScorer(c));
                    }
                }
            });
            ui.separator();
            let screen = self.studio.screen();
            for sc in Screen::ALL {
                if ui.selectable_label(screen == sc, RichText::new(sc.label()).strong()).clicked() && screen != sc {
                    cmds.push(Command::SetScreen(sc));
                }
            }
            ui.separator();
            if !narrow {
                let counts = self.studio.item_counts();
                let r = ui.label(counts.shown_line());
                if let Some(note) = counts.hidden_note() {
                    r.on_hover_text(note);
                }
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                let who = match self.studio.stylist() {
                    "" => "Set stylist…".to_string(),
                    s if narrow => short(s, 14),
                    s => format!("Stylist: {s}"),
                };
                if ui.button(who).on_hover_text("Change the stylist recorded with judgements").clicked() {
                    self.name_input = self.studio.stylist().to_string();
                    self.asking_name = true;
                    self.name_focused = false;
                }
                let (today, total) = self.studio.counts();
                let counts =
                    if narrow { format!("{today} today · {total} total") } else { format!("Today {today} · Total {total} judgements") };
                ui.label(RichText::new(counts).strong()).on_hover_text("Your judgements today and in total");
            });
        });
    }

    pub(super) fn status_bar(&mut self, ui: &mut Ui, cmds: &mut Vec<Command>) {
        // Errors and messages get their own row so nothing on the status line can push them out of the window.
        if let Some(p) = self.studio.last_problem() {
            // Busy is a moment's wait (amber); gone and damaged are red, each with what to do.
            let colour = match p.kind {
                ProblemKind::Busy => Color32::from_rgb(0xD6, 0x8A, 0x1A),
                _ => Color32::from_rgb(0xE0, 0x40, 0x40),
            };
            ui.horizontal(|ui| {
                if ui.small_button("Dismiss").clicked() {
                    cmds.push(Command::DismissError);
                }
                ui.add(egui::Label::new(RichText::new(format!("{}: {}", p.title(), p.text)).color(colour)).wrap());
            });
            if let Some(advice) = p.advice() {
                ui.add(egui::Label::new(RichText::new(advice).color(colour).small()).wrap());
            }
        }
        // A standing error never hides what the next judgement did, nor its undo.
        if let Some(m) = self.studio.undo_offer() {
            // What the judgement did, and its one-key undo (the button first: a long message is cut, not the button).
            ui.horizontal(|ui| {
                if ui.small_button("Undo").on_hover_text("Take this judgement back and put the look on the board again").clicked() {
                    cmds.push(Command::Undo);
                }
                status_text(ui, RichText::new(format!("{m} — Undo (Backspace)")).strong());
            });
        } else if let Some(m) = self.studio.last_message() {
            status_text(ui, RichText::new(m).weak());
        }
        if let Some(w) = &self.instance_warning {
            ui.add(egui::Label::new(RichText::new(w).color(Color32::from_rgb(0xD6, 0x8A, 0x1A))).wrap());
        }
        // Wrapping: what does not fit moves to a second row instead of running out of the window.
        ui.horizontal_wrapped(|ui| {
            if let Some(job) = self.studio.job() {
                let p = &job.progress;
                let text = match p.fraction() {
                    Some(_) => format!("{} {}/{}", p.stage, p.done, p.total),
                    None => p.stage.clone(),
                };
                let bar = egui::ProgressBar::new(p.fraction().unwrap_or(0.0)).desired_width(320.0).text(text);
                ui.add(if p.fraction().is_none() { bar.animate(true) } else { bar });
                if ui.small_button("Cancel").clicked() {
                    cmds.push(Command::CancelJob);
                }
                ui.separator();
            }
            if let Some(saved) = self.studio.save_status() {
                // "Saving…" until the writer acknowledged every judgement, "Recorded" once they are committed.
                ui.label(saved);
                ui.separator();
            }
            if let Some(t) = self.studio.team_status() {
                team::status(ui, &t);
                ui.separator();
            }
            let (model, trained_on, backend) = self.studio.model_status();
            status_text(ui, self.studio.item_counts().indexed_line());
            ui.separator();
            if self.studio.scorer_probing() {
                ui.spinner();
                ui.label(format!("Scorer: probing {}…", self.studio.scorer_choice().as_str()));
            } else {
                status_text(ui, format!("Scorer: {backend}"));
            }
            ui.separator();
            status_text(ui, format!("Model: {model} (trained on: {trained_on})"));
        });
    }
}
