//! The desktop app (egui/eframe). Widgets read `curate` state and emit commands; no SQL, ort or wgpu compute here.
//!
//! Layout: top bar (import, export, stylist), left facets and search, centre a virtualised thumbnail grid, right
//! the outfit board with the live score, per-pair breakdown, suggestions, judge buttons and the approved list,
//! bottom a status bar. Keys: `a` accept, `x` reject, `space` skip, `backspace` / Ctrl+Z undo.

mod board;
mod catalogues;
mod chrome;
mod looks_result;
mod paint;
mod prompts;
mod publish;
mod screens;
mod team;
pub mod thumbs;

use anyhow::{Result, anyhow};
use egui::{Color32, Key, Pos2, Rect, RichText, Role, Sense, Stroke, Ui, Vec2, WidgetInfo, pos2, vec2};
use outfit_catalogue::taxonomy::ColourFamily;
use outfit_catalogue::{AgeGroup, Slot};
use outfit_curate::paths::{self, PathPurpose};
use outfit_curate::search::{GENDERS, SEASONS};
use outfit_curate::{BoardCommand, CatalogueCommand, Command, Facets, ProblemKind, QueueCommand, Reason, Screen, Studio};
use outfit_engine::{CompletionFilter, Follow};
use outfit_score::ScorerChoice;
use outfit_store::Verdict;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use thumbs::{Thumb, Thumbnails};

pub use outfit_curate::dialogs::{Dialogs, NativeDialogs, native_dialogs_available};
use outfit_curate::work::Promise;
use paint::*;

/// The app's own path field, open while a path is being asked for.
struct PathPrompt {
    purpose: PathPurpose,
    text: String,
    error: Option<String>,
    focused: bool,
    /// Completions of `completed_for`, listed on a worker thread (a folder read can stall on a network mount).
    options: Vec<String>,
    completed_for: Option<String>,
    listing: Option<(String, Promise<Vec<String>>)>,
}

impl PathPrompt {
    fn new(purpose: &PathPurpose, home: &std::path::Path) -> PathPrompt {
        PathPrompt {
            text: purpose.initial(home),
            purpose: purpose.clone(),
            error: None,
            focused: false,
            options: Vec::new(),
            completed_for: None,
            listing: None,
        }
    }

    /// Takes in a finished listing (with `wait`, waits for it first): its completions are for what was typed then.
    fn take_listing(&mut self, wait: bool) {
        let Some((_, listing)) = &mut self.listing else { return };
        if wait {
            listing.block();
        }
        if let Some(r) = listing.poll() {
            let (typed, _) = self.listing.take().expect("checked above");
            self.options = r.unwrap_or_default();
            self.completed_for = Some(typed);
        }
    }
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

    /// Waits for the path field's completions of what is typed now (tests: the listing runs off the frame).
    pub fn wait_for_completions(&mut self) {
        if let Some(p) = &mut self.path_prompt {
            p.take_listing(true);
        }
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
        // Facets, suggestion filters and the board name one database's catalogue (its brands, its SKUs): opening
        // another database starts from its whole catalogue, not from filters that may match nothing there.
        // (Settings from before `last_db` was kept name no database: they apply as they always did.)
        let same_db = s.last_db.as_deref().is_none_or(|d| d == self.studio.db_path());
        if same_db {
            self.studio.apply(Command::Board(BoardCommand::SetFilter(s.board_filter.clone())));
            self.studio.apply(Command::SetFacets(s.facets.clone()));
            self.search_text = s.facets.text.clone();
        }
        self.studio.apply(Command::Board(BoardCommand::Follow(Follow {
            age: !s.widen_age,
            season: !s.widen_season,
            gender: !s.widen_gender,
            occasion: !s.widen_occasion,
            catalogue: !s.widen_catalogue,
        })));
        if same_db && !s.board.is_empty() && self.studio.board().is_empty() {
            self.studio.apply(Command::Board(BoardCommand::Restore(s.board.clone())));
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
            board: self
                .studio
                .board()
                .iter()
                .filter_map(|b| Some((self.studio.item(b.item_id)?.item.sku.to_string(), b.suggested)))
                .collect(),
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
                cmds.push(Command::Queue(QueueCommand::GenerateLooks { looks_per_hero: self.looks_per_item }));
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
            for &c in ColourFamily::ALL {
                let mut on = f.colours.contains(&c);
                ui.horizontal(|ui| {
                    let (r, _) = ui.allocate_exact_size(vec2(10.0, 10.0), Sense::hover());
                    ui.painter().rect_filled(r, 2.0, colour_swatch(c));
                    if ui.checkbox(&mut on, capitalise(c.name())).changed() {
                        if on {
                            f.colours.push(c);
                        } else {
                            f.colours.retain(|&x| x != c);
                        }
                    }
                    ui.label(RichText::new(counts.colours[c.index()].to_string()).weak().small());
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
