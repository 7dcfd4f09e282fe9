//! The desktop app (egui/eframe). Widgets read `curate` state and emit commands; no SQL, ort or wgpu compute here.
//!
//! Layout: top bar (import, export, stylist), left facets and search, centre a virtualised thumbnail grid, right
//! the outfit board with the live score, per-pair breakdown, suggestions, judge buttons and the approved list,
//! bottom a status bar. Keys: `a` accept, `x` reject, `space` skip, `backspace` / Ctrl+Z undo.

mod catalogues;
mod looks_result;
mod publish;
mod screens;
mod team;
pub mod thumbs;

use anyhow::{Result, anyhow};
use egui::{Color32, Key, Pos2, Rect, RichText, Role, Sense, Stroke, Ui, Vec2, WidgetInfo, pos2, vec2};
use outfit_catalogue::taxonomy::COLOUR_FAMILIES;
use outfit_catalogue::{AgeGroup, Slot};
use outfit_curate::paths::{self, PathPurpose};
use outfit_curate::search::{GENDERS, SEASONS};
use outfit_curate::{CatalogueCommand, Command, Facets, ProblemKind, Reason, Screen, Studio};
use outfit_engine::{CompletionFilter, Follow};
use outfit_score::ScorerChoice;
use outfit_store::Verdict;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use thumbs::{Thumb, Thumbnails};

pub use outfit_curate::dialogs::{Dialogs, NativeDialogs, native_dialogs_available};

/// The app's own path field, open while a path is being asked for.
#[derive(Debug, Clone)]
struct PathPrompt {
    purpose: PathPurpose,
    text: String,
    error: Option<String>,
    focused: bool,
}

/// What persists between runs (eframe storage).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub last_db: Option<PathBuf>,
    pub stylist: String,
    pub facets: Facets,
    pub board_filter: CompletionFilter,
    /// Scoring backend: "auto", "cpu" or "gpu" (empty: auto).
    pub scorer: String,
    /// The board in progress: (SKU, put there from a suggestion).
    pub board: Vec<(String, bool)>,
    /// Suggestions widened beyond the board's age bands / seasons / gender / occasion / the chosen catalogue.
    pub widen_age: bool,
    pub widen_season: bool,
    pub widen_gender: bool,
    pub widen_occasion: bool,
    pub widen_catalogue: bool,
    /// The catalogue the grid was switched to (an id of `last_db`; `None`: all visible).
    pub catalogue: Option<i64>,
}

/// Knobs the tests and benchmarks turn.
#[derive(Debug, Clone)]
pub struct UiOptions {
    /// Load thumbnails (off in snapshot tests: placeholders are deterministic).
    pub thumbnails: bool,
    pub thumb_cache: Option<PathBuf>,
    pub thumb_threads: usize,
}

impl Default for UiOptions {
    fn default() -> Self {
        UiOptions { thumbnails: true, thumb_cache: None, thumb_threads: 2 }
    }
}

const CELL: Vec2 = vec2(150.0, 206.0);
/// The board panel's width: fixed, so the grid keeps its columns and the judge buttons stay under the mouse.
const BOARD_WIDTH: f32 = 400.0;
/// Below this window width the top bar drops its extras and shortens its labels.
const NARROW_TOP_BAR: f32 = 1280.0;
const THUMB: f32 = 128.0;
/// The board's thumbnails.
const BOARD_THUMB: f32 = 44.0;
const ACCENT: Color32 = Color32::from_rgb(0xE8, 0x6A, 0x92);
/// The grid's mark on items that never go in a look.
const EXCLUDED_MARK: Color32 = Color32::from_rgb(0xB0, 0x5A, 0x10);

/// The whole app: a [`Studio`] plus view state (text buffers, thumbnails, dialogs).
pub struct StudioApp {
    pub studio: Studio,
    opts: UiOptions,
    thumbs: Option<Thumbnails>,
    search_text: String,
    /// Looks per item for "Generate looks".
    looks_per_item: usize,
    name_input: String,
    asking_name: bool,
    name_focused: bool,
    renames: HashMap<i64, String>,
    /// Set to jump the grid to a scroll offset on the next frame (benchmarks).
    pub scroll_to: Option<f32>,
    waker_set: bool,
    train_form: screens::TrainForm,
    path_prompt: Option<PathPrompt>,
    /// A text field was clicked, focused or left this frame: its keys are typing, not shortcuts.
    text_touched: bool,
    /// The search results the grid last showed (a new search scrolls it back to the top).
    seen_results: u64,
    /// A version trained without validation, waiting for the stylist to confirm its activation.
    confirm_activate: Option<(i64, String)>,
    /// Another app has this database open.
    instance_warning: Option<String>,
    /// The Team screen's join form.
    team_form: team::JoinForm,
    /// Held while the app runs (released on drop).
    _instance: Option<outfit_curate::instance::Instance>,
}

impl StudioApp {
    pub fn new(mut studio: Studio, dialogs: Box<dyn Dialogs>, opts: UiOptions) -> StudioApp {
        studio.set_dialogs(Arc::from(dialogs));
        let search_text = studio.facets().text.clone();
        let asking_name = studio.stylist().is_empty();
        StudioApp {
            studio,
            opts,
            thumbs: None,
            search_text,
            looks_per_item: 3,
            name_input: String::new(),
            asking_name,
            name_focused: false,
            renames: HashMap::new(),
            scroll_to: None,
            waker_set: false,
            train_form: screens::TrainForm::default(),
            path_prompt: None,
            text_touched: false,
            seen_results: 0,
            confirm_activate: None,
            team_form: team::JoinForm::default(),
            instance_warning: None,
            _instance: None,
        }
    }

    /// Shows a warning that another app has the database open (kept for the whole session).
    pub fn set_instance_warning(&mut self, warning: Option<String>) {
        self.instance_warning = warning;
    }

    /// True while the app's own path field is open.
    pub fn asking_path(&self) -> bool {
        self.studio.path_prompt().is_some()
    }

    /// Replaces the file dialogs (tests).
    pub fn set_dialogs(&mut self, dialogs: Box<dyn Dialogs>) {
        self.studio.set_dialogs(Arc::from(dialogs));
    }

    /// Restores persisted settings (stylist, filters).
    pub fn apply_settings(&mut self, s: &Settings) {
        if !s.stylist.trim().is_empty() {
            self.studio.apply(Command::SetStylist(s.stylist.clone()));
            self.asking_name = false;
        }
        self.studio.apply(Command::SetBoardFilter(s.board_filter.clone()));
        self.studio.apply(Command::SetFacets(s.facets.clone()));
        self.search_text = s.facets.text.clone();
        self.studio.apply(Command::FollowBoard(Follow {
            age: !s.widen_age,
            season: !s.widen_season,
            gender: !s.widen_gender,
            occasion: !s.widen_occasion,
            catalogue: !s.widen_catalogue,
        }));
        if !s.board.is_empty() && self.studio.board().is_empty() {
            self.studio.apply(Command::RestoreBoard(s.board.clone()));
        }
        // Catalogue ids belong to one database; a switched-to catalogue that is gone or hidden falls back to all.
        if s.catalogue.is_some() && s.last_db.as_deref() == Some(self.studio.db_path()) {
            self.studio.apply(Command::Catalogue(CatalogueCommand::Focus(s.catalogue)));
        }
        if let Some(c) = ScorerChoice::parse(&s.scorer)
            && c != ScorerChoice::Auto
        {
            self.studio.apply(Command::SetScorer(c));
        }
    }

    pub fn settings(&self) -> Settings {
        let follow = self.studio.follows_board();
        Settings {
            last_db: Some(self.studio.db_path().to_path_buf()),
            stylist: self.studio.stylist().to_string(),
            facets: self.studio.facets().clone(),
            board_filter: self.studio.board_filter().clone(),
            scorer: self.studio.scorer_choice().as_str().to_string(),
            board: self.studio.board().iter().filter_map(|b| Some((self.studio.item(b.item_id)?.item.sku.clone(), b.suggested))).collect(),
            widen_age: !follow.age,
            widen_season: !follow.season,
            widen_gender: !follow.gender,
            widen_occasion: !follow.occasion,
            widen_catalogue: !follow.catalogue,
            catalogue: self.studio.catalogue_focus(),
        }
    }

    /// Thumbnails decoded so far (for benchmarks).
    pub fn thumbnails_loaded(&self) -> usize {
        self.thumbs.as_ref().map_or(0, |t| t.loaded())
    }

    /// Whether an item's thumbnail is decoded and on the GPU (tests).
    pub fn thumbnail_ready(&self, item_id: i64) -> bool {
        self.thumbs.as_ref().is_some_and(|t| t.is_ready(item_id))
    }

    /// True when no thumbnail is still being decoded.
    pub fn thumbnails_idle(&self) -> bool {
        self.thumbs.as_ref().is_none_or(|t| t.is_idle())
    }

    /// Draws one frame and applies what the stylist did. The eframe app and the kittest harness both call this.
    pub fn show(&mut self, ui: &mut Ui) {
        let ctx = ui.ctx().clone();
        if !self.waker_set {
            let c = ctx.clone();
            self.studio.set_waker(Arc::new(move || c.request_repaint()));
            self.waker_set = true;
        }
        if self.opts.thumbnails && self.thumbs.is_none() {
            self.thumbs = Some(Thumbnails::new(&ctx, self.opts.thumb_cache.clone(), self.opts.thumb_threads, 600));
        }
        if let Some(t) = &mut self.thumbs {
            t.begin_frame(&ctx);
        }
        self.studio.poll();
        if self.studio.job().is_some() {
            ctx.request_repaint_after(std::time::Duration::from_millis(200));
        }

        let mut cmds: Vec<Command> = Vec::new();
        // Focus as the frame starts (where the previous frame left it); the shortcuts are read after the widgets.
        let focus_before = ctx.egui_wants_keyboard_input();
        self.text_touched = false;

        egui::Panel::top("top_bar").show(ui, |ui| self.top_bar(ui, &mut cmds));
        egui::Panel::bottom("status_bar").show(ui, |ui| self.status_bar(ui, &mut cmds));
        match self.studio.screen() {
            Screen::Studio => {
                egui::Panel::left("facets").resizable(true).default_size(210.0).show(ui, |ui| {
                    egui::ScrollArea::vertical().id_salt("facets_scroll").show(ui, |ui| {
                        self.facets_panel(ui, &mut cmds);
                        self.catalogue_panel(ui, &mut cmds);
                    });
                });
                egui::Panel::right("board").resizable(false).exact_size(BOARD_WIDTH).show(ui, |ui| {
                    // The heading and the judge buttons stay in view however far the board below them scrolls.
                    self.board_header(ui, &mut cmds);
                    egui::ScrollArea::vertical().id_salt("board_scroll").show(ui, |ui| self.board_panel(ui, &mut cmds));
                });
                egui::CentralPanel::default_margins().show(ui, |ui| self.grid(ui, &mut cmds));
            }
            Screen::Queue => {
                egui::CentralPanel::default_margins().show(ui, |ui| self.queue_screen(ui, &mut cmds));
            }
            Screen::Train => {
                egui::CentralPanel::default_margins().show(ui, |ui| self.train_screen(ui, &mut cmds));
            }
            Screen::Team => {
                egui::CentralPanel::default_margins().show(ui, |ui| self.team_screen(ui, &mut cmds));
            }
        }
        self.name_prompt(&ctx, &mut cmds);
        self.path_prompt(&ctx, &mut cmds);
        self.activation_prompt(&ctx, &mut cmds);
        self.import_window(&ctx, &mut cmds);
        publish::show(&ctx, self.studio.publish_preview(), &mut cmds);

        // Shortcuts last, from the focus the widgets left: a click that put the focus in a text field this frame
        // (in a slow frame, with the keys typed right after it) makes those keys typing, never a judgement.
        let focus_after = ctx.egui_wants_keyboard_input();
        if !(focus_before || focus_after || self.text_touched) {
            self.keyboard(&ctx, &mut cmds);
        }

        for c in cmds {
            self.studio.apply(c);
        }
    }

    fn keyboard(&mut self, ctx: &egui::Context, cmds: &mut Vec<Command>) {
        if self.asking_name || self.path_prompt.is_some() || self.confirm_activate.is_some() || self.studio.publish_preview().is_some() {
            return;
        }
        let screen = self.studio.screen();
        if matches!(screen, Screen::Train | Screen::Team) {
            return;
        }
        let queue = screen == Screen::Queue;
        let judge = |v: Verdict| if queue { Command::QueueDecide(v) } else { Command::Judge(v) };
        let undo = if queue { Command::QueueUndo } else { Command::Undo };
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
                    cmds.push(Command::QueueStep(true));
                }
                if plain && (i.key_pressed(Key::ArrowLeft) || i.key_pressed(Key::K)) {
                    cmds.push(Command::QueueStep(false));
                }
                if plain && i.key_pressed(Key::E) {
                    cmds.push(Command::QueueOpenOnBoard);
                }
                if i.key_pressed(Key::Backspace) || ((i.modifiers.command || i.modifiers.ctrl) && i.key_pressed(Key::Z)) {
                    cmds.push(undo.clone());
                }
                return;
            }
            if plain && i.key_pressed(Key::A) {
                cmds.push(Command::Judge(Verdict::Accept));
            }
            if plain && i.key_pressed(Key::X) {
                cmds.push(Command::Judge(Verdict::Reject));
            }
            if plain && i.key_pressed(Key::Space) {
                cmds.push(Command::Judge(Verdict::Skip));
            }
            if i.key_pressed(Key::Backspace) || ((i.modifiers.command || i.modifiers.ctrl) && i.key_pressed(Key::Z)) {
                cmds.push(Command::Undo);
            }
        });
    }

    fn top_bar(&mut self, ui: &mut Ui, cmds: &mut Vec<Command>) {
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

    fn status_bar(&mut self, ui: &mut Ui, cmds: &mut Vec<Command>) {
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

    fn facets_panel(&mut self, ui: &mut Ui, cmds: &mut Vec<Command>) {
        let facets = self.studio.facets().clone();
        let mut f = facets.clone();
        let counts = self.studio.results().counts.clone();
        ui.add_space(4.0);
        let label = ui.label(RichText::new("Search").strong());
        let r = ui
            .add(egui::TextEdit::singleline(&mut self.search_text).hint_text("title or description").desired_width(f32::INFINITY))
            .labelled_by(label.id);
        self.text_touched |= touched(&r);
        if r.changed() {
            f.text = self.search_text.clone();
        }
        ui.horizontal(|ui| {
            let n = self.studio.results().ids.len();
            ui.label(RichText::new(format!("{n} matching")).weak());
            if self.studio.searching() {
                ui.spinner();
            }
            if !facets.is_empty() && ui.small_button("Clear filters").clicked() {
                f = Facets::default();
                self.search_text.clear();
            }
        });
        // Looks at catalogue scale: every item shown becomes a hero; the looks go to the stylist's review queue.
        ui.horizontal(|ui| {
            let n = self.studio.results().ids.len();
            let label = ui.label("Looks per item");
            ui.add(egui::DragValue::new(&mut self.looks_per_item).range(1..=10)).labelled_by(label.id);
            let can = n > 0 && self.studio.job().is_none() && !self.studio.stylist().is_empty();
            if ui
                .add_enabled(can, egui::Button::new("Generate looks"))
                .on_hover_text(format!("Generate {} looks for each of the {n} items shown, into your review queue", self.looks_per_item))
                .clicked()
            {
                cmds.push(Command::GenerateLooks { looks_per_hero: self.looks_per_item });
            }
        });
        looks_result::show(ui, self.studio.looks_result(), cmds);
        ui.separator();
        fn toggle<T: PartialEq + Copy>(ui: &mut Ui, list: &mut Vec<T>, v: T, label: &str, count: usize) {
            ui.horizontal(|ui| {
                let mut on = list.contains(&v);
                if ui.checkbox(&mut on, label).changed() {
                    if on {
                        list.push(v);
                    } else {
                        list.retain(|x| *x != v);
                    }
                }
                ui.label(RichText::new(count.to_string()).weak().small());
            });
        }
        egui::CollapsingHeader::new("Slot").default_open(true).show(ui, |ui| {
            for s in Slot::ALL {
                toggle(ui, &mut f.slots, s, s.label(), counts.slots[s.index()]);
            }
        });
        egui::CollapsingHeader::new("Age group").default_open(true).show(ui, |ui| {
            for a in AgeGroup::ALL {
                toggle(ui, &mut f.age_groups, a, age_label(a), counts.age_groups[a.index()]);
            }
        });
        egui::CollapsingHeader::new("Colour").default_open(false).show(ui, |ui| {
            for (k, c) in COLOUR_FAMILIES.iter().enumerate() {
                let mut on = f.colours.iter().any(|x| x == c);
                ui.horizontal(|ui| {
                    let (r, _) = ui.allocate_exact_size(vec2(10.0, 10.0), Sense::hover());
                    ui.painter().rect_filled(r, 2.0, colour_swatch(c));
                    if ui.checkbox(&mut on, capitalise(c)).changed() {
                        if on {
                            f.colours.push(c.to_string());
                        } else {
                            f.colours.retain(|x| x != c);
                        }
                    }
                    ui.label(RichText::new(counts.colours[k].to_string()).weak().small());
                });
            }
        });
        egui::CollapsingHeader::new("Brand").default_open(false).show(ui, |ui| {
            egui::ScrollArea::vertical().id_salt("brands").max_height(180.0).show(ui, |ui| {
                for b in &self.studio.search_index().brands {
                    let mut on = f.brands.contains(b);
                    let name = if b.is_empty() { "(no brand)" } else { b.as_str() };
                    if ui.checkbox(&mut on, name).changed() {
                        if on {
                            f.brands.push(b.clone());
                        } else {
                            f.brands.retain(|x| x != b);
                        }
                    }
                }
            });
        });
        egui::CollapsingHeader::new("Gender").default_open(false).show(ui, |ui| {
            for (k, g) in GENDERS.iter().enumerate() {
                toggle(ui, &mut f.genders, *g, &capitalise(g.as_str()), counts.genders[k]);
            }
        });
        egui::CollapsingHeader::new("Season").default_open(false).show(ui, |ui| {
            for (k, s) in SEASONS.iter().enumerate() {
                let label = if *s == outfit_catalogue::Season::All { "All seasons".to_string() } else { capitalise(s.as_str()) };
                toggle(ui, &mut f.seasons, *s, &label, counts.seasons[k]);
            }
        });
        egui::CollapsingHeader::new("Price and stock").default_open(true).show(ui, |ui| {
            let (lo, hi) = self.studio.search_index().price_range.unwrap_or((0.0, 0.0));
            price_range(ui, "Min price", &mut f.min_price, lo.floor());
            price_range(ui, "Max price", &mut f.max_price, hi.ceil());
            ui.checkbox(&mut f.in_stock_only, "In stock only");
        });
        if f != facets {
            cmds.push(Command::SetFacets(f));
        }
    }

    fn grid(&mut self, ui: &mut Ui, cmds: &mut Vec<Command>) {
        let ids = &self.studio.results().ids;
        if ids.is_empty() {
            ui.centered_and_justified(|ui| {
                if let Some(job) = self.studio.job() {
                    ui.vertical_centered(|ui| {
                        ui.add_space(ui.available_height() * 0.4);
                        ui.heading("Preparing the catalogue…");
                        ui.add(
                            egui::ProgressBar::new(job.progress.fraction().unwrap_or(0.0))
                                .desired_width(360.0)
                                .text(job.progress.stage.clone()),
                        );
                    });
                } else if self.studio.is_empty() {
                    ui.label("The catalogue is empty: use Import… to open a feed.");
                } else {
                    ui.label("No items match the search and filters.");
                }
            });
            return;
        }
        let (cols, cell) = grid_columns(ui);
        let rows = ids.len().div_ceil(cols);
        let on_board: Vec<i64> = self.studio.board_ids();
        let mut area = egui::ScrollArea::vertical().id_salt("grid").auto_shrink([false, false]);
        let generation = self.studio.results_generation();
        if let Some(y) = self.scroll_to.take() {
            area = area.vertical_scroll_offset(y);
        } else if generation != self.seen_results {
            area = area.vertical_scroll_offset(0.0);
        }
        self.seen_results = generation;
        let studio = &self.studio;
        let thumbs = &mut self.thumbs;
        area.show_rows(ui, cell.y, rows, |ui, range| {
            for row in range {
                ui.horizontal(|ui| {
                    for &id in ids.iter().skip(row * cols).take(cols) {
                        grid_cell(ui, studio, thumbs, id, cell, on_board.contains(&id), cmds);
                    }
                });
            }
        });
    }

    fn board_header(&self, ui: &mut Ui, cmds: &mut Vec<Command>) {
        let studio = &self.studio;
        ui.add_space(4.0);
        ui.horizontal(|ui| {
            ui.heading("Outfit board");
            if !studio.board().is_empty() && ui.small_button("Clear board").clicked() {
                cmds.push(Command::ClearBoard);
            }
        });
        // On their own wrapped lines: a long name must not widen the fixed-width board panel.
        if let Some(o) = studio.editing().and_then(|id| studio.approved().iter().find(|o| o.id == id)) {
            ui.add(egui::Label::new(RichText::new(format!("editing “{}”", o.name)).italics()).wrap());
        }
        if let Some(f) = studio.board_from_queue() {
            ui.add(egui::Label::new(RichText::new(format!("editing the review-queue look for “{}”", f.hero)).italics()).wrap())
                .on_hover_text("Accept or reject it here: that decides it in the review queue");
        }
        // The judge buttons sit above the board, so they stay put while the board grows, clears and scrolls.
        self.judge_section(ui, cmds);
        ui.add_space(4.0);
    }

    fn board_panel(&mut self, ui: &mut Ui, cmds: &mut Vec<Command>) {
        let studio = &self.studio;
        let thumbs = &mut self.thumbs;
        let frame = egui::Frame::group(ui.style()).inner_margin(6.0);
        let (_, dropped) = ui.dnd_drop_zone::<i64, _>(frame, |ui| {
            ui.set_min_width(ui.available_width());
            let present: Vec<Slot> = studio.board().iter().map(|b| b.slot).collect();
            for slot in Slot::ALL {
                let items: Vec<_> = studio.board().iter().filter(|b| b.slot == slot).collect();
                let covered = slot_covered(slot, &present);
                if items.is_empty() && covered {
                    continue;
                }
                ui.horizontal(|ui| {
                    ui.add_sized([84.0, 18.0], egui::Label::new(RichText::new(slot.label()).weak()));
                    if items.is_empty() {
                        ui.label(RichText::new("—").weak());
                    }
                    ui.vertical(|ui| {
                        for b in items {
                            let Some(si) = studio.item(b.item_id) else { continue };
                            ui.horizontal(|ui| {
                                thumb_widget(ui, thumbs, b.item_id, &si.item, BOARD_THUMB);
                                if ui.small_button("Remove").on_hover_text(format!("Remove {}", si.item.title)).clicked() {
                                    cmds.push(Command::RemoveItem(b.item_id));
                                }
                                let mark = if b.suggested { " (suggested)" } else { "" };
                                ui.add(egui::Label::new(RichText::new(format!("{}{mark}", si.item.title)).strong()).truncate())
                                    .on_hover_text(format!("{} · {} · {}", si.item.sku, si.item.brand, si.item.colour));
                            });
                        }
                    });
                });
            }
            if studio.board().is_empty() {
                ui.label(RichText::new("Click or drag items from the catalogue to build a look.").weak());
            }
        });
        if let Some(id) = dropped {
            cmds.push(Command::AddItem(*id));
        }

        ui.add_space(6.0);
        self.score_section(ui);
        ui.add_space(6.0);
        self.suggestions_section(ui, cmds);
        ui.add_space(6.0);
        self.approved_section(ui, cmds);
    }

    fn score_section(&self, ui: &mut Ui) {
        let studio = &self.studio;
        ui.horizontal(|ui| {
            let pct = studio.score_percent();
            let (rect, resp) = ui.allocate_exact_size(vec2(150.0, 92.0), Sense::hover());
            resp.widget_info(|| {
                WidgetInfo::labeled(
                    Role::Meter,
                    true,
                    match pct {
                        Some(p) => format!("Compatibility {p} / 100"),
                        None => "Compatibility not scored".to_string(),
                    },
                )
            });
            match studio.confidence_note() {
                Some(note) => resp.on_hover_text(format!("{SCORE_MEANING}\n\n{note}")),
                None => resp.on_hover_text(SCORE_MEANING),
            };
            paint_gauge(ui, rect, pct);
            ui.vertical(|ui| {
                ui.label(RichText::new("Compatibility").strong());
                match (studio.score(), studio.score_note()) {
                    (Some(s), _) => {
                        ui.label(RichText::new(format!("model {} · mean pair {:+.2}", s.model, s.mean_pair)).weak().small());
                    }
                    (None, Some(note)) => {
                        ui.label(RichText::new(note).weak());
                    }
                    _ => {}
                }
            });
        });
        let Some(s) = studio.score() else { return };
        let title_of: HashMap<String, String> =
            studio.board().iter().filter_map(|b| studio.item(b.item_id)).map(|i| (i.item.sku.clone(), i.item.title.clone())).collect();
        let weakest = studio.weakest_pair();
        let mut order: Vec<usize> = (0..s.pairs.len()).collect();
        order.sort_by(|a, b| s.pairs[*a].raw.total_cmp(&s.pairs[*b].raw));
        egui::CollapsingHeader::new("Pair breakdown (weakest first)").default_open(true).show(ui, |ui| {
            for k in order {
                let p = &s.pairs[k];
                let weak = Some(k) == weakest;
                let name = |sku: &str| title_of.get(sku).cloned().unwrap_or_else(|| sku.to_string());
                ui.horizontal(|ui| {
                    let v = (p.probability * 100.0).round() as u32;
                    let (r, _) = ui.allocate_exact_size(vec2(60.0, 10.0), Sense::hover());
                    ui.painter().rect_filled(r, 3.0, ui.visuals().faint_bg_color);
                    let fill = Rect::from_min_size(r.min, vec2(r.width() * p.probability.clamp(0.0, 1.0), r.height()));
                    ui.painter().rect_filled(fill, 3.0, score_colour(p.probability));
                    let text = format!("{v:>3}  {} + {}", short(&name(&p.a), 22), short(&name(&p.b), 22));
                    let rt = if weak {
                        RichText::new(format!("{text}  <- pulls the score down")).color(Color32::from_rgb(0xD0, 0x40, 0x30)).strong()
                    } else {
                        RichText::new(text)
                    };
                    ui.add(egui::Label::new(rt).wrap());
                });
            }
        });
    }

    fn judge_section(&self, ui: &mut Ui, cmds: &mut Vec<Command>) {
        let studio = &self.studio;
        let can = studio.board().len() >= 2;
        ui.horizontal(|ui| {
            let big =
                |t: &str, c: Color32| egui::Button::new(RichText::new(t).strong().color(Color32::WHITE)).fill(c).min_size(vec2(76.0, 30.0));
            if ui.add_enabled(can, big("Accept (A)", Color32::from_rgb(0x2E, 0x9D, 0x5B))).clicked() {
                cmds.push(Command::Judge(Verdict::Accept));
            }
            if ui.add_enabled(can, big("Reject (X)", Color32::from_rgb(0xC8, 0x3C, 0x3C))).clicked() {
                cmds.push(Command::Judge(Verdict::Reject));
            }
            if ui.add_enabled(can, egui::Button::new("Skip (Space)").min_size(vec2(76.0, 30.0))).clicked() {
                cmds.push(Command::Judge(Verdict::Skip));
            }
            if ui.add_enabled(studio.can_undo(), egui::Button::new("Undo (Backspace)").min_size(vec2(76.0, 30.0))).clicked() {
                cmds.push(Command::Undo);
            }
        });
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new("Reasons:").weak());
            for r in Reason::ALL {
                let mut on = studio.reasons().contains(&r);
                if ui.toggle_value(&mut on, r.label()).changed() {
                    cmds.push(Command::ToggleReason(r));
                }
            }
        });
    }

    fn suggestions_section(&mut self, ui: &mut Ui, cmds: &mut Vec<Command>) {
        ui.heading("Complete the look");
        let mut filter = self.studio.board_filter().clone();
        egui::CollapsingHeader::new("Suggestion filters").default_open(false).show(ui, |ui| {
            ui.horizontal_wrapped(|ui| {
                for a in AgeGroup::ALL {
                    let mut on = filter.age_groups.contains(&a);
                    if ui.checkbox(&mut on, format!("Suggest for {}", age_label(a).to_lowercase())).changed() {
                        if on {
                            filter.age_groups.push(a);
                        } else {
                            filter.age_groups.retain(|x| *x != a);
                        }
                    }
                }
            });
            ui.horizontal_wrapped(|ui| {
                for s in outfit_curate::search::SEASONS.iter().filter(|s| **s != outfit_catalogue::Season::All) {
                    let mut on = filter.seasons.contains(s);
                    if ui.checkbox(&mut on, format!("Suggest for {}", s.as_str())).changed() {
                        if on {
                            filter.seasons.push(*s);
                        } else {
                            filter.seasons.retain(|x| x != s);
                        }
                    }
                }
            });
            ui.checkbox(&mut filter.in_stock_only, "Suggest in-stock items only");
            let (lo, hi) = self.studio.search_index().price_range.unwrap_or((0.0, 0.0));
            price_range(ui, "Suggest from price", &mut filter.min_price, lo.floor());
            price_range(ui, "Suggest up to price", &mut filter.max_price, hi.ceil());
            let brand = filter.brands.first().cloned().unwrap_or_default();
            egui::ComboBox::from_label("Suggest brand")
                .selected_text(if brand.is_empty() { "any brand".to_string() } else { brand.clone() })
                .show_ui(ui, |ui| {
                    if ui.selectable_label(brand.is_empty(), "any brand").clicked() {
                        filter.brands.clear();
                    }
                    for b in &self.studio.search_index().brands {
                        if ui.selectable_label(&brand == b, b.as_str()).clicked() {
                            filter.brands = vec![b.clone()];
                        }
                    }
                });
        });
        if &filter != self.studio.board_filter() {
            cmds.push(Command::SetBoardFilter(filter));
        }
        let studio = &self.studio;
        if studio.board().is_empty() {
            ui.label(RichText::new("Put an item on the board to get suggestions for the empty slots.").weak());
            return;
        }
        self.board_defaults(ui, cmds);
        let studio = &self.studio;
        for (slot, sugg) in studio.suggestions() {
            ui.label(RichText::new(slot.label()).strong());
            if sugg.is_empty() {
                ui.label(RichText::new(studio.empty_slot_note(*slot)).color(Color32::from_rgb(0xD6, 0x8A, 0x1A)));
                continue;
            }
            ui.horizontal_wrapped(|ui| {
                for s in sugg {
                    let Some(si) = studio.item(s.item_id) else { continue };
                    let (rect, resp) = ui.allocate_exact_size(vec2(86.0, 112.0), Sense::click());
                    resp.widget_info(|| WidgetInfo::labeled(Role::Button, true, format!("Suggestion: {}", si.item.title)));
                    let visuals = ui.style().interact(&resp);
                    ui.painter().rect(rect, 5.0, visuals.weak_bg_fill, visuals.bg_stroke, egui::StrokeKind::Inside);
                    let img = Rect::from_center_size(pos2(rect.center().x, rect.top() + 4.0 + 32.0), Vec2::splat(64.0));
                    paint_thumb(ui, &mut self.thumbs, s.item_id, &si.item, img);
                    paint_text(ui, pos2(rect.left() + 4.0, img.bottom() + 2.0), &si.item.title, 10.5, ui.visuals().text_color(), 78.0, 2);
                    let pct = (s.outfit_probability * 100.0).round() as u32;
                    paint_text(
                        ui,
                        pos2(rect.left() + 4.0, rect.bottom() - 15.0),
                        &format!("score {pct}"),
                        11.5,
                        score_colour(s.outfit_probability),
                        78.0,
                        1,
                    );
                    if resp.clicked() {
                        cmds.push(Command::AddSuggestion(s.item_id));
                    }
                    resp.on_hover_text(format!("{}\n{}\nThe look would score {pct} with it. Click to add.", si.item.title, si.item.brand));
                }
            });
        }
    }

    fn approved_section(&mut self, ui: &mut Ui, cmds: &mut Vec<Command>) {
        let n = self.studio.approved().len();
        egui::CollapsingHeader::new(format!("Approved looks ({n})")).id_salt("approved").default_open(true).show(ui, |ui| {
            if n == 0 {
                ui.label(RichText::new("Accepted looks appear here; rename, reopen and edit them.").weak());
            }
            for o in self.studio.approved() {
                ui.horizontal(|ui| {
                    let buf = self.renames.entry(o.id).or_insert_with(|| o.name.clone());
                    let r = ui.add(egui::TextEdit::singleline(buf).desired_width(150.0));
                    r.widget_info(|| WidgetInfo::labeled(Role::TextInput, true, format!("Name of look {}", o.id)));
                    self.text_touched |= touched(&r);
                    if r.lost_focus() && *buf != o.name {
                        cmds.push(Command::RenameOutfit(o.id, buf.clone()));
                    }
                    if !r.has_focus() && *buf != o.name && !r.lost_focus() {
                        *buf = o.name.clone();
                    }
                    ui.label(RichText::new(format!("{} items", o.items.len())).weak());
                    if o.status == outfit_store::OutfitStatus::Exported {
                        ui.label(RichText::new("exported").weak().small());
                    }
                    if ui.small_button("Open").on_hover_text(format!("Open {} on the board to edit it", o.name)).clicked() {
                        cmds.push(Command::ReopenOutfit(o.id));
                    }
                });
            }
        });
    }

    /// The chips above the suggestions: what the board implies (age band, season, gender, occasion, the chosen
    /// catalogue), one click to widen each.
    fn board_defaults(&mut self, ui: &mut Ui, cmds: &mut Vec<Command>) {
        let studio = &self.studio;
        let follow = studio.follows_board();
        let (ages, seasons, style) = (studio.board_ages(), studio.board_seasons(), studio.board_style());
        let own = studio.board_filter();
        let focus = studio.catalogue_focus().and_then(|f| studio.catalogues().iter().find(|c| c.id == f)).map(|c| c.name.clone());
        let occasions = outfit_catalogue::styling::occasions_of(style.own_occasions);
        // (what the board implies, followed now, kind word, the follow with this kind flipped)
        let mut chips: Vec<(String, bool, &str, Follow)> = Vec::new();
        if own.age_groups.is_empty() && !ages.is_empty() {
            let names = ages.iter().map(|a| age_label(*a).to_lowercase()).collect::<Vec<_>>().join(" / ");
            chips.push((names, follow.age, "age", Follow { age: !follow.age, ..follow }));
        }
        if own.seasons.is_empty() && !seasons.is_empty() {
            let names = seasons.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" / ");
            chips.push((names, follow.season, "season", Follow { season: !follow.season, ..follow }));
        }
        if own.gender.is_none()
            && let Some(g) = style.gender
        {
            let names = outfit_curate::gender_words(g).trim_end_matches('\'').to_string();
            chips.push((names, follow.gender, "gender", Follow { gender: !follow.gender, ..follow }));
        }
        if own.occasions.is_none() && style.occasions.is_some() {
            let names = outfit_curate::occasion_words(&occasions);
            chips.push((names, follow.occasion, "occasion", Follow { occasion: !follow.occasion, ..follow }));
        }
        if own.catalogue.is_none()
            && let Some(name) = focus
        {
            chips.push((name, follow.catalogue, "catalogue", Follow { catalogue: !follow.catalogue, ..follow }));
        }
        if chips.is_empty() {
            return;
        }
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new("Suggesting for").weak());
            // On, a chip narrows to the board's values (click widens); off, "any …" (click narrows again).
            for (names, on, kind, flipped) in chips {
                let clicked = if on {
                    ui.add(egui::Button::new(format!("{names} ×")).selected(true))
                        .on_hover_text(format!("Click to suggest for every {kind}"))
                        .clicked()
                } else {
                    ui.button(format!("any {kind}")).on_hover_text(format!("Click to keep to the board's {kind} ({names})")).clicked()
                };
                if clicked {
                    cmds.push(Command::FollowBoard(flipped));
                }
            }
        });
    }

    /// Asks for a path: the studio opens the native dialog off the frame, or asks for the app's own path field.
    fn ask_path(&mut self, purpose: PathPurpose, cmds: &mut Vec<Command>) {
        cmds.push(Command::AskPath(purpose));
    }

    /// The app's own path field (no desktop dialog here): Tab completes, Enter confirms, Esc cancels.
    fn path_prompt(&mut self, ctx: &egui::Context, cmds: &mut Vec<Command>) {
        match (self.studio.path_prompt(), &self.path_prompt) {
            (None, _) => {
                self.path_prompt = None;
                return;
            }
            (Some(purpose), p) if p.as_ref().is_none_or(|p| &p.purpose != purpose) => {
                let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."));
                self.path_prompt = Some(PathPrompt { text: purpose.initial(&home), purpose: purpose.clone(), error: None, focused: false });
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
            let options = paths::completions(&p.text, 8);
            let mut chosen = None;
            if tab {
                chosen = paths::common_completion(&p.text, &options);
            }
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

    fn name_prompt(&mut self, ctx: &egui::Context, cmds: &mut Vec<Command>) {
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

impl eframe::App for StudioApp {
    fn ui(&mut self, ui: &mut Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
        // One line that an installed app drew its window (tools/package_check.sh waits for it).
        static FIRST_FRAME: std::sync::Once = std::sync::Once::new();
        FIRST_FRAME.call_once(|| tracing::info!("first frame drawn"));
    }
    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.settings());
    }
    /// Often, so the board in progress survives a crash or a kill.
    fn auto_save_interval(&self) -> std::time::Duration {
        std::time::Duration::from_secs(5)
    }
}

/// Opens the app window. On first run (an empty database) the demo catalogue is imported and indexed in the
/// background while the window shows progress.
pub fn run_app(db: PathBuf, models: PathBuf) -> Result<()> {
    let mut studio = Studio::open(&db, &models)?;
    studio.watch_catalogues();
    let instance = outfit_curate::instance::acquire(&db).ok();
    let warning = instance.as_ref().and_then(|i| i.warning(&db));
    if let Some(w) = &warning {
        tracing::warn!("{w}");
    }
    let cache = db.parent().map(|d| d.join("thumbs"));
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Outfit Studio")
            // The desktop entry's name (assets/package/outfit-studio.desktop): Wayland and X11 docks match the
            // window to its icon by it.
            .with_app_id("outfit-studio")
            .with_inner_size([1440.0, 900.0])
            .with_min_inner_size([960.0, 600.0]),
        renderer: eframe::Renderer::Wgpu,
        persist_window: true,
        ..Default::default()
    };
    eframe::run_native(
        "Outfit Studio",
        options,
        Box::new(move |cc| {
            let mut app = StudioApp::new(
                studio,
                Box::new(NativeDialogs::default()),
                UiOptions { thumbnails: true, thumb_cache: cache, thumb_threads: 2 },
            );
            if let Some(s) = cc.storage.and_then(|s| eframe::get_value::<Settings>(s, eframe::APP_KEY)) {
                app.apply_settings(&s);
            }
            app.set_instance_warning(warning);
            app._instance = instance;
            if app.studio.is_empty() {
                app.studio.apply(Command::ImportDemo);
            }
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| anyhow!("cannot open the window: {e}"))
}

// ---- painting helpers ----------------------------------------------------------------------------------------

fn slot_covered(slot: Slot, present: &[Slot]) -> bool {
    match slot {
        Slot::Top | Slot::Bottom => present.contains(&Slot::OnePiece),
        Slot::OnePiece => present.contains(&Slot::Top) || present.contains(&Slot::Bottom),
        _ => false,
    }
}

fn age_label(a: AgeGroup) -> &'static str {
    match a {
        AgeGroup::Newborn => "Newborn",
        AgeGroup::Infant => "Infant",
        AgeGroup::Toddler => "Toddler",
        AgeGroup::Kids => "Kids",
        AgeGroup::Adult => "Adult",
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
}

fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n { s.to_string() } else { s.chars().take(n - 1).collect::<String>() + "…" }
}

/// Keys typed in a frame where this text field was pressed, clicked, focused or left belong to the field.
fn touched(r: &egui::Response) -> bool {
    r.has_focus()
        || r.gained_focus()
        || r.lost_focus()
        || r.clicked()
        || r.is_pointer_button_down_on()
        || (r.contains_pointer() && r.ctx.input(|i| i.pointer.any_pressed() || i.pointer.any_released()))
}

/// A price bound with a checkbox; ticking it starts at `start` (the catalogue's lowest or highest price), so the
/// grid does not empty the moment it is ticked.
fn price_range(ui: &mut Ui, label: &str, v: &mut Option<f32>, start: f32) {
    ui.horizontal(|ui| {
        let mut on = v.is_some();
        if ui.checkbox(&mut on, label).changed() {
            *v = if on { Some(start) } else { None };
        }
        if let Some(x) = v {
            ui.add(egui::DragValue::new(x).range(0.0..=100_000.0).speed(10.0))
                .widget_info(|| WidgetInfo::labeled(Role::SpinButton, true, label));
        }
    });
}

/// What the 0-100 score means (the gauge's tooltip).
const SCORE_MEANING: &str = "How likely this is an outfit stylists would make rather than random garments of the same kinds: a \
probability calibrated on held-back outfits (for the shipped MANGO-pretrained head, on MANGO stylists' outfits). 50 is a \
coin flip. Items stylists already approved together raise it.";

fn score_colour(p: f32) -> Color32 {
    let p = p.clamp(0.0, 1.0);
    if p < 0.5 {
        let t = p / 0.5;
        Color32::from_rgb(0xD6, (0x45 as f32 + t * (0xA8 - 0x45) as f32) as u8, 0x3A)
    } else {
        let t = (p - 0.5) / 0.5;
        Color32::from_rgb(
            (0xD6 as f32 - t * (0xD6 - 0x2E) as f32) as u8,
            (0xA8 as f32 - t * (0xA8 - 0x9D) as f32) as u8,
            (0x3A as f32 + t * (0x5B - 0x3A) as f32) as u8,
        )
    }
}

fn colour_swatch(family: &str) -> Color32 {
    match family {
        "red" => Color32::from_rgb(0xD3, 0x2F, 0x2F),
        "pink" => Color32::from_rgb(0xF4, 0x8F, 0xB1),
        "orange" => Color32::from_rgb(0xFB, 0x8C, 0x00),
        "yellow" => Color32::from_rgb(0xFD, 0xD8, 0x35),
        "green" => Color32::from_rgb(0x43, 0xA0, 0x47),
        "olive" => Color32::from_rgb(0x82, 0x77, 0x17),
        "blue" => Color32::from_rgb(0x42, 0x8B, 0xE5),
        "navy" => Color32::from_rgb(0x1A, 0x23, 0x7E),
        "purple" => Color32::from_rgb(0x8E, 0x24, 0xAA),
        "brown" => Color32::from_rgb(0x6D, 0x4C, 0x41),
        "beige" => Color32::from_rgb(0xE0, 0xD2, 0xB4),
        "white" => Color32::from_rgb(0xF5, 0xF5, 0xF5),
        "grey" => Color32::from_rgb(0x9E, 0x9E, 0x9E),
        "black" => Color32::from_rgb(0x21, 0x21, 0x21),
        _ => Color32::from_rgb(0xB0, 0xB0, 0xC8),
    }
}

/// Paints text clipped to `max_rows` lines of `width`; returns the height used.
fn paint_text(ui: &Ui, pos: Pos2, text: &str, size: f32, color: Color32, width: f32, max_rows: usize) -> f32 {
    let mut job = egui::text::LayoutJob::simple(text.to_string(), egui::FontId::proportional(size), color, width);
    job.wrap.max_rows = max_rows;
    job.wrap.break_anywhere = false;
    let galley = ui.painter().layout_job(job);
    let h = galley.size().y;
    ui.painter().galley(pos, galley, color);
    h
}

fn paint_thumb(ui: &Ui, thumbs: &mut Option<Thumbnails>, id: i64, item: &outfit_catalogue::Item, rect: Rect) {
    let state = match thumbs.as_mut() {
        Some(t) => t.get(id, item.image.as_deref()),
        None => Thumb::Missing,
    };
    let p = ui.painter();
    match state {
        Thumb::Ready(tex) => {
            let size = tex.size_vec2();
            let scale = (rect.width() / size.x).min(rect.height() / size.y);
            let r = Rect::from_center_size(rect.center(), size * scale);
            p.rect_filled(rect, 4.0, Color32::WHITE);
            p.image(tex.id(), r, Rect::from_min_max(pos2(0.0, 0.0), pos2(1.0, 1.0)), Color32::WHITE);
        }
        Thumb::Loading | Thumb::Missing => {
            let base = colour_swatch(COLOUR_FAMILIES[outfit_catalogue::taxonomy::colour_family(&item.colour)]);
            p.rect_filled(rect, 4.0, base.gamma_multiply(0.35));
            // A small placeholder (the board's) is the colour alone: the slot's name would not fit.
            let label = match state {
                Thumb::Loading => "…",
                _ if rect.width() < 64.0 => "",
                _ => item.slot.label(),
            };
            p.text(
                rect.center(),
                egui::Align2::CENTER_CENTER,
                label,
                egui::FontId::proportional(rect.height() * 0.12 + 6.0),
                ui.visuals().strong_text_color(),
            );
        }
    }
}

/// A status-bar text that never runs out of the window: it takes the rest of its row, or a row of its own when
/// little is left, and is cut with an ellipsis there; then the whole text shows on hover.
fn status_text(ui: &mut Ui, text: impl Into<RichText>) {
    /// Less room than this left on the row: the text starts a new row.
    const MIN_ROOM: f32 = 160.0;
    let text: RichText = text.into();
    let label = egui::Label::new(text.clone()).truncate();
    let room = ui.available_size_before_wrap().x;
    let r =
        if room >= MIN_ROOM { ui.allocate_ui(vec2(room, ui.spacing().interact_size.y), |ui| ui.add(label)).inner } else { ui.add(label) };
    if r.intrinsic_size().is_some_and(|full| full.x > r.rect.width() + 0.5) {
        r.on_hover_text(text.text());
    }
}

/// Columns of the catalogue grid and the size of a cell: as many columns of at least `CELL.x` as fit, widened to
/// fill the width (no empty band at the right).
fn grid_columns(ui: &Ui) -> (usize, Vec2) {
    let gap = ui.spacing().item_spacing.x;
    let width = ui.available_width() - ui.spacing().scroll.allocated_width();
    let cols = (((width + gap) / (CELL.x + gap)).floor() as usize).max(1);
    let w = ((width - gap * (cols - 1) as f32) / cols as f32).max(CELL.x);
    (cols, vec2(w.floor(), CELL.y))
}

/// One item of the catalogue grid: picture, title, brand, price, and a mark on items that never go in a look.
fn grid_cell(ui: &mut Ui, studio: &Studio, thumbs: &mut Option<Thumbnails>, id: i64, cell: Vec2, selected: bool, cmds: &mut Vec<Command>) {
    let Some(si) = studio.item(id) else { return };
    let it = &si.item;
    let (rect, resp) = ui.allocate_exact_size(cell, Sense::click_and_drag());
    resp.widget_info(|| WidgetInfo::labeled(Role::Button, true, &it.title));
    resp.dnd_set_drag_payload(id);
    if ui.is_rect_visible(rect) {
        let visuals = ui.style().interact_selectable(&resp, selected);
        let p = ui.painter();
        p.rect(
            rect,
            6.0,
            visuals.weak_bg_fill,
            if selected { Stroke::new(2.0, ACCENT) } else { visuals.bg_stroke },
            egui::StrokeKind::Inside,
        );
        let img = Rect::from_center_size(pos2(rect.center().x, rect.top() + 6.0 + THUMB / 2.0), Vec2::splat(THUMB));
        paint_thumb(ui, thumbs, id, it, img);
        let text_w = cell.x - 12.0;
        let mut y = img.bottom() + 4.0;
        y += paint_text(ui, pos2(rect.left() + 6.0, y), &it.title, 12.5, ui.visuals().strong_text_color(), text_w, 2);
        paint_text(ui, pos2(rect.left() + 6.0, y), &it.brand, 11.0, ui.visuals().weak_text_color(), text_w, 1);
        let price = it.price.map(|p| format!("{p:.0} {}", it.currency)).unwrap_or_default();
        let stock = if it.in_stock { "" } else { " · sold out" };
        paint_text(ui, pos2(rect.left() + 6.0, rect.bottom() - 18.0), &format!("{price}{stock}"), 12.0, ACCENT, text_w, 1);
        if let Some(mark) = studio.exclusion_mark(id) {
            exclusion_badge(ui, &resp, pos2(rect.left() + 4.0, rect.top() + 4.0), &mark);
        }
    }
    if resp.clicked() {
        cmds.push(Command::AddItem(id));
    }
    resp.on_hover_text(format!("{}\n{} · {} · {}\nClick or drag onto the board", it.title, it.brand, it.slot.label(), it.colour));
}

/// The mark on an item kept out of outfits (underwear...), with its reason on hover.
fn exclusion_badge(ui: &Ui, cell: &egui::Response, at: Pos2, mark: &outfit_curate::ExclusionMark) {
    let galley = ui.painter().layout_no_wrap(mark.badge.clone(), egui::FontId::proportional(11.5), Color32::WHITE);
    let rect = Rect::from_min_size(at, galley.size() + vec2(10.0, 4.0));
    ui.painter().rect_filled(rect, 4.0, EXCLUDED_MARK);
    ui.painter().galley(rect.min + vec2(5.0, 2.0), galley, Color32::WHITE);
    // Over the cell, before the cell's own tooltip: hovering the badge says why.
    let r = ui.interact(rect, cell.id.with("exclusion"), Sense::hover());
    r.widget_info(|| WidgetInfo::labeled(Role::Label, true, &mark.badge));
    r.on_hover_text(&mark.why);
}

/// A thumbnail as a widget of its own (the board's rows), named for screen readers and tests.
fn thumb_widget(ui: &mut Ui, thumbs: &mut Option<Thumbnails>, id: i64, item: &outfit_catalogue::Item, size: f32) {
    let (rect, resp) = ui.allocate_exact_size(Vec2::splat(size), Sense::hover());
    resp.widget_info(|| WidgetInfo::labeled(Role::Image, true, format!("Picture of {}", item.title)));
    if ui.is_rect_visible(rect) {
        paint_thumb(ui, thumbs, id, item, rect);
    }
}

fn paint_gauge(ui: &Ui, rect: Rect, pct: Option<u32>) {
    let p = ui.painter();
    let c = pos2(rect.center().x, rect.bottom() - 14.0);
    let r = rect.width().min(rect.height() * 2.0) / 2.0 - 8.0;
    let arc = |from: f32, to: f32| -> Vec<Pos2> {
        let n = 48;
        (0..=n)
            .map(|k| {
                let t = from + (to - from) * k as f32 / n as f32;
                let a = std::f32::consts::PI * (1.0 - t);
                pos2(c.x + r * a.cos(), c.y - r * a.sin())
            })
            .collect()
    };
    p.add(egui::Shape::line(arc(0.0, 1.0), Stroke::new(12.0, ui.visuals().faint_bg_color.gamma_multiply(1.5))));
    match pct {
        Some(v) => {
            let f = v as f32 / 100.0;
            if f > 0.0 {
                p.add(egui::Shape::line(arc(0.0, f), Stroke::new(12.0, score_colour(f))));
            }
            p.text(
                pos2(c.x, c.y - 14.0),
                egui::Align2::CENTER_CENTER,
                v.to_string(),
                egui::FontId::proportional(30.0),
                ui.visuals().strong_text_color(),
            );
            p.text(
                pos2(c.x, c.y + 6.0),
                egui::Align2::CENTER_CENTER,
                "/ 100",
                egui::FontId::proportional(11.0),
                ui.visuals().weak_text_color(),
            );
        }
        None => {
            p.text(
                pos2(c.x, c.y - 12.0),
                egui::Align2::CENTER_CENTER,
                "–",
                egui::FontId::proportional(28.0),
                ui.visuals().weak_text_color(),
            );
        }
    }
}
