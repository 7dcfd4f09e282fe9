//! Catalogue state for the app, without UI: the catalogue list (switch to one, hide, show, delete with a
//! confirmation step), the import preview dialog (mapping, profile, coverage before anything is written), and
//! noticing catalogue changes other processes make (a watcher thread; the UI thread never waits on SQLite).

use super::work::Promise;
use super::{JobKind, Studio};
use crate::problem::{Context, Result, refuse};
use outfit_catalogue::{Field, ImportOptions, ImportPreview, Profile};
use outfit_engine::{ImportRequest, catalogue_for};
use outfit_store::{Catalogue, CatalogueWatcher};
use std::path::PathBuf;
use std::time::Duration;

/// How often the watcher looks for catalogue changes by other processes where the file system cannot tell it
/// (it is woken by file events everywhere else).
pub const WATCH_EVERY: Duration = Duration::from_millis(1500);

/// What the catalogue list and the import dialog ask for.
#[derive(Debug, Clone, PartialEq)]
pub enum CatalogueCommand {
    /// Show only this catalogue's items in the grid (`None`: every visible catalogue).
    Focus(Option<i64>),
    SetHidden(String, bool),
    /// First step of deleting: ask for confirmation.
    AskDelete(String),
    CancelDelete,
    /// Delete after confirmation.
    Delete(String),
    /// Open the import dialog for a feed and compute its preview in the background.
    Preview(PathBuf),
    /// Use a named profile (`None`: detect from the header); recomputes the preview.
    SetProfile(Option<String>),
    /// Map a field to columns (empty: unmap); recomputes the preview.
    SetColumns(Field, Vec<String>),
    SetCatalogueName(String),
    SetSaveAs(String),
    /// Import with the dialog's settings (saving the profile first when a name was given).
    Confirm,
    Close,
}

/// The import dialog's state.
#[derive(Debug, Clone, Default)]
pub struct ImportDialog {
    pub path: PathBuf,
    pub profile: Option<String>,
    pub overrides: Vec<(Field, Vec<String>)>,
    pub catalogue: String,
    pub save_as: String,
    pub preview: Option<ImportPreview>,
    pub error: Option<String>,
    /// Built-in and saved profile names, for the profile choice.
    pub profiles: Vec<String>,
    /// The chosen profile as read from the database with the last preview (what Import uses).
    pub resolved: Option<Profile>,
}

/// A preview with the profiles read for it.
struct PreviewResult {
    preview: ImportPreview,
    profile: Option<Profile>,
    saved: Vec<String>,
}

impl ImportDialog {
    pub fn loading(&self) -> bool {
        self.preview.is_none() && self.error.is_none()
    }
    /// Whether Import can be pressed: a preview with at least one importable item.
    pub fn can_import(&self) -> bool {
        self.preview.as_ref().is_some_and(|p| p.items > 0)
    }
}

#[derive(Default)]
pub struct CatalogueState {
    pub(super) list: Vec<Catalogue>,
    pub(super) focus: Option<i64>,
    pub(super) confirm_delete: Option<String>,
    pub(super) dialog: Option<ImportDialog>,
    pending_preview: Option<(u64, Promise<Result<PreviewResult, String>>)>,
    preview_gen: u64,
    watcher: Option<CatalogueWatcher>,
    /// The catalogue stamp the loaded engine reflects.
    stamp: i64,
    /// Items shown, indexed and hidden (see `grid`).
    pub(super) counts: super::grid::ItemCounts,
}

impl Studio {
    pub fn catalogues(&self) -> &[Catalogue] {
        &self.catalogues.list
    }
    /// The catalogue the grid is switched to, if any.
    pub fn catalogue_focus(&self) -> Option<i64> {
        self.catalogues.focus
    }
    pub fn confirm_delete(&self) -> Option<&str> {
        self.catalogues.confirm_delete.as_deref()
    }
    pub fn import_dialog(&self) -> Option<&ImportDialog> {
        self.catalogues.dialog.as_ref()
    }

    /// The catalogue stamp the engines reflect: set when they are (re)loaded, so a change by another process
    /// is noticed even after this studio's own writes re-read the list.
    pub(super) fn set_catalogue_stamp(&mut self, stamp: i64) {
        self.catalogues.stamp = stamp;
    }

    /// Starts watching the database for catalogue changes by other processes (the app does; tests may).
    pub fn watch_catalogues(&mut self) {
        if self.db.to_str() == Some(":memory:") {
            return;
        }
        self.catalogues.watcher = Some(CatalogueWatcher::spawn(self.db.clone(), WATCH_EVERY, self.wake.clone()));
    }

    /// Restarts a running watcher so it wakes the UI through the current waker.
    pub(super) fn rewake_watcher(&mut self) {
        if self.catalogues.watcher.is_some() {
            self.watch_catalogues();
        }
    }

    /// Takes the catalogue list (read by the writer after a write).
    pub(super) fn set_catalogue_list(&mut self, list: Vec<Catalogue>) {
        self.catalogues.list = list;
        if self.catalogues.focus.is_some_and(|f| !self.catalogues.list.iter().any(|c| c.id == f && c.visible())) {
            self.catalogues.focus = None;
        }
    }

    /// Whether an item shows in the grid: its catalogue is visible (and is the focused one, when switched).
    pub(super) fn grid_shows(&self, item_id: i64) -> bool {
        self.engine.in_grid(item_id) && self.catalogues.focus.is_none_or(|f| self.engine.catalogue_of(item_id) == Some(f))
    }

    pub(super) fn apply_catalogue(&mut self, cmd: CatalogueCommand) -> Result<()> {
        match cmd {
            CatalogueCommand::Focus(f) => {
                self.catalogues.focus = f;
                self.rebuild_catalogue();
            }
            CatalogueCommand::SetHidden(name, hidden) => {
                self.write(super::writes::Write::ChangeCatalogue, move |e| {
                    let r = e.set_catalogue_hidden(&name, hidden).map_err(|err| format!("{err:#}"));
                    let done = format!("Catalogue “{name}” is {}", if hidden { "hidden" } else { "shown" });
                    Box::new(move |s: &mut Studio| s.after_catalogue_change(r.map(|()| done)))
                });
            }
            CatalogueCommand::AskDelete(name) => self.catalogues.confirm_delete = Some(name),
            CatalogueCommand::CancelDelete => self.catalogues.confirm_delete = None,
            CatalogueCommand::Delete(name) => {
                self.catalogues.confirm_delete = None;
                self.write(super::writes::Write::DeleteCatalogue, move |e| {
                    let r = e.delete_catalogue(&name).map_err(|err| format!("{err:#}")).map(|r| {
                        format!(
                            "Deleted catalogue “{name}”: {} items removed; {} judgements kept (marked as from a deleted catalogue)",
                            r.removed_items, r.judgements_kept
                        )
                    });
                    Box::new(move |s: &mut Studio| s.after_catalogue_change(r))
                });
            }
            CatalogueCommand::Preview(path) => {
                // Saved profiles join the built-in ones when the preview comes back.
                let profiles: Vec<String> = outfit_catalogue::mapping::builtin_profiles().into_iter().map(|p| p.name).collect();
                let catalogue = catalogue_for(&path, None).0;
                self.catalogues.dialog = Some(ImportDialog { path, catalogue, profiles, ..Default::default() });
                self.start_preview()?;
            }
            CatalogueCommand::SetProfile(p) => {
                let d = self.dialog_mut()?;
                d.profile = p;
                self.start_preview()?;
            }
            CatalogueCommand::SetColumns(f, cols) => {
                let d = self.dialog_mut()?;
                d.overrides.retain(|(x, _)| *x != f);
                d.overrides.push((f, cols));
                self.start_preview()?;
            }
            CatalogueCommand::SetCatalogueName(n) => self.dialog_mut()?.catalogue = n,
            CatalogueCommand::SetSaveAs(n) => self.dialog_mut()?.save_as = n,
            CatalogueCommand::Confirm => {
                let d = self.catalogues.dialog.clone().context("no import in progress")?;
                if !d.can_import() {
                    refuse!("nothing to import with this mapping: change the profile or map the columns first");
                }
                let options = ImportOptions { profile: d.resolved.clone(), overrides: d.overrides.clone() };
                let request = ImportRequest { catalogue: Some(d.catalogue.clone()), options };
                let save_as = Some(d.save_as.trim().to_string()).filter(|n| !n.is_empty());
                self.catalogues.dialog = None;
                self.start_job(JobKind::ImportFeed { path: d.path, request, save_as })?;
            }
            CatalogueCommand::Close => {
                self.catalogues.dialog = None;
                self.catalogues.pending_preview = None;
            }
        }
        Ok(())
    }

    fn dialog_mut(&mut self) -> Result<&mut ImportDialog> {
        self.catalogues.dialog.as_mut().context("no import in progress")
    }

    /// Parses the dialog's feed on a worker thread (a big feed takes seconds), reading the chosen and saved
    /// profiles there too; the result arrives in `poll`.
    fn start_preview(&mut self) -> Result<()> {
        let d = self.catalogues.dialog.as_mut().context("no import in progress")?;
        d.preview = None;
        d.error = None;
        let d = d.clone();
        self.catalogues.preview_gen += 1;
        let db = self.db.clone();
        let p = Promise::spawn("outfit-studio-import-preview", self.wake.clone(), move || {
            let store = outfit_store::Store::open(&db).map_err(|e| format!("{e:#}"))?;
            let saved = store.saved_profiles().map_err(|e| format!("{e:#}"))?.into_iter().map(|p| p.name).collect();
            let profile: Option<Profile> = d.profile.as_deref().map(|p| store.profile(p)).transpose().map_err(|e| format!("{e:#}"))?;
            let options = ImportOptions { profile: profile.clone(), overrides: d.overrides.clone() };
            let preview = outfit_catalogue::preview::preview_file(&d.path, &options).map_err(|e| format!("{e:#}"))?;
            Ok(PreviewResult { preview, profile, saved })
        });
        self.catalogues.pending_preview = Some((self.catalogues.preview_gen, p));
        Ok(())
    }

    /// Blocks until the import preview is computed (tests).
    pub fn wait_for_preview(&mut self) {
        if let Some((g, p)) = self.catalogues.pending_preview.take() {
            self.take_preview(g, p.wait().and_then(|r| r));
        }
    }

    fn take_preview(&mut self, generation: u64, r: Result<PreviewResult, String>) {
        if generation != self.catalogues.preview_gen {
            return;
        }
        if let Some(d) = self.catalogues.dialog.as_mut() {
            match r {
                Ok(p) => {
                    d.preview = Some(p.preview);
                    d.resolved = p.profile;
                    for name in p.saved {
                        if !d.profiles.contains(&name) {
                            d.profiles.push(name);
                        }
                    }
                }
                Err(e) => d.error = Some(e),
            }
        }
    }

    /// Takes in a finished preview and notices other processes' catalogue changes; true when something changed.
    pub(super) fn poll_catalogues(&mut self) -> bool {
        let mut changed = false;
        if let Some((g, p)) = &mut self.catalogues.pending_preview
            && let Some(r) = p.poll()
        {
            let g = *g;
            self.catalogues.pending_preview = None;
            self.take_preview(g, r.and_then(|r| r));
            changed = true;
        }
        let latest = self.catalogues.watcher.as_ref().and_then(|w| w.latest());
        if let Some(s) = latest
            && s != self.catalogues.stamp
            && self.job.is_none()
            && self.engine_reload.is_none()
        {
            // Another process imported, hid or deleted a catalogue: read it all back.
            self.catalogues.stamp = s;
            self.reload_engines(Some("The catalogue changed in another window or terminal: reloaded".into()));
            changed = true;
        }
        changed
    }

    /// After this studio hid, showed or deleted a catalogue (acknowledged by the writer, whose engine already
    /// reflects it): the UI's engine, grid, board, suggestions and queue follow.
    fn after_catalogue_change(&mut self, r: Result<String, String>) {
        match r {
            Ok(done) => {
                self.review.queue = None;
                self.reload_engines(Some(done));
                if self.screen == super::Screen::Queue {
                    self.want_queue();
                }
            }
            Err(e) => self.last_error = Some(e.into()),
        }
    }
}
