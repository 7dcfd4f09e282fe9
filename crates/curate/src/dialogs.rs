//! File dialogs off the UI thread. Asking for a path ([`Command::AskPath`]) runs the dialog, and first the probe
//! for whether one can open at all, on a thread of its own; the frame goes on meanwhile. What was chosen comes
//! back as the command to run; a cancel is nothing; no dialog here opens the app's own path field instead.

use super::paths::PathPurpose;
use super::work::Promise;
use super::{Command, Studio, TrainCommand};
use std::path::PathBuf;
use std::sync::Arc;

/// File dialogs, behind a trait so tests supply paths.
pub trait Dialogs: Send + Sync {
    /// Whether a native dialog can open here at all. When not, the app asks for the path in its own window
    /// (with completion) instead; a dialog that opens and is cancelled is just a cancel.
    fn available(&self) -> bool {
        true
    }
    /// Feeds to import; `None` when cancelled.
    fn pick_feeds(&self) -> Option<Vec<PathBuf>>;
    /// Where to write approved looks in `format` (json, jsonld, bundle); `None` when cancelled.
    fn save_export_as(&self, format: &str) -> Option<PathBuf> {
        let _ = format;
        None
    }
    /// A folder for the research export; `None` when cancelled.
    fn pick_folder(&self) -> Option<PathBuf> {
        None
    }
    /// Another stylist's database or JSONL label export; `None` when cancelled.
    fn pick_labels(&self) -> Option<PathBuf> {
        None
    }
}

/// Native dialogs through rfd's async dialogs (xdg-desktop-portal on Linux, zenity as rfd's own fallback),
/// waited for on the dialog thread. Whether they can open is probed once, there too (see
/// [`native_dialogs_available`]); how fast a dialog returns means nothing, so a quick Esc is a cancel.
#[derive(Default)]
pub struct NativeDialogs {
    available: std::sync::OnceLock<bool>,
}

impl Dialogs for NativeDialogs {
    fn available(&self) -> bool {
        *self.available.get_or_init(native_dialogs_available)
    }
    fn pick_feeds(&self) -> Option<Vec<PathBuf>> {
        let d = rfd::AsyncFileDialog::new()
            .set_title("Import a catalogue feed")
            .add_filter("Catalogue feeds", &["csv", "tsv", "txt", "jsonl", "json", "xml"])
            .add_filter("All files", &["*"]);
        pollster::block_on(d.pick_files()).map(|files| files.iter().map(|f| f.path().to_path_buf()).collect())
    }
    fn save_export_as(&self, format: &str) -> Option<PathBuf> {
        let (ext, name, title, file) = match format {
            "jsonld" => ("jsonld", "JSON-LD", "Export approved looks as", "approved-looks"),
            "bundle" => ("csv", "Shopify bundle CSV", "Export approved looks as", "approved-looks"),
            "shopify" | "matrixify" => ("csv", super::publish::format_label(format), "Publish complete the look as a", "complete-the-look"),
            _ => ("json", "JSON", "Export approved looks as", "approved-looks"),
        };
        let d = rfd::AsyncFileDialog::new()
            .set_title(format!("{title} {name}"))
            .set_file_name(format!("{file}.{ext}"))
            .add_filter(name, &[ext]);
        pollster::block_on(d.save_file()).map(|f| f.path().to_path_buf())
    }
    fn pick_folder(&self) -> Option<PathBuf> {
        let d = rfd::AsyncFileDialog::new().set_title("Research export (Polyvore layout): choose a folder");
        pollster::block_on(d.pick_folder()).map(|f| f.path().to_path_buf())
    }
    fn pick_labels(&self) -> Option<PathBuf> {
        let d = rfd::AsyncFileDialog::new()
            .set_title("Import another stylist's labels")
            .add_filter("Outfit Studio database or label export", &["db", "sqlite", "jsonl", "json"])
            .add_filter("All files", &["*"]);
        pollster::block_on(d.pick_file()).map(|f| f.path().to_path_buf())
    }
}

/// Whether rfd can show a dialog: `OUTFIT_STUDIO_DIALOGS=builtin|native` decides if set; else zenity on the
/// PATH (rfd's fallback), or a session bus that has (or can start) `org.freedesktop.portal.Desktop`, asked with
/// whichever D-Bus client is installed (a machine with a portal has the D-Bus tools). Anything else: no.
pub fn native_dialogs_available() -> bool {
    match std::env::var("OUTFIT_STUDIO_DIALOGS").as_deref() {
        Ok("builtin") => return false,
        Ok("native") => return true,
        _ => {}
    }
    let on_path = |exe: &str| std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(exe).is_file()));
    if on_path("zenity") {
        return true;
    }
    const PORTAL: &str = "org.freedesktop.portal.Desktop";
    let asks: [(&str, &[&str]); 2] = [
        (
            "dbus-send",
            &[
                "--session",
                "--print-reply",
                "--dest=org.freedesktop.DBus",
                "/org/freedesktop/DBus",
                "org.freedesktop.DBus.ListActivatableNames",
            ],
        ),
        (
            "dbus-send",
            &["--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus.ListNames"],
        ),
    ];
    asks.iter().any(|(exe, args)| {
        std::process::Command::new(exe)
            .args(*args)
            .stderr(std::process::Stdio::null())
            .output()
            .is_ok_and(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).contains(PORTAL))
    })
}

/// What a dialog thread hands back.
pub(super) enum DialogAnswer {
    /// No native dialog can open: ask in the app's own field.
    NoDialog,
    /// What to run, or `None` when cancelled.
    Chosen(Option<Command>),
}

/// Runs the dialog for `purpose` (on the calling thread: a dialog thread).
fn ask(d: &dyn Dialogs, purpose: &PathPurpose) -> DialogAnswer {
    if !d.available() {
        return DialogAnswer::NoDialog;
    }
    DialogAnswer::Chosen(match purpose {
        PathPurpose::ImportFeed => d.pick_feeds().filter(|f| !f.is_empty()).map(super::import_command),
        PathPurpose::ExportOutfits(f) => d.save_export_as(f).map(|path| Command::ExportOutfits { format: f.clone(), path }),
        PathPurpose::ExportPolyvore => d.pick_folder().map(Command::ExportPolyvore),
        PathPurpose::Publish(f) => d.save_export_as(f).map(|path| Command::PlanPublish { format: f.clone(), path }),
        PathPurpose::ImportLabels => d.pick_labels().map(|p| Command::Train(TrainCommand::ImportLabels(p))),
    })
}

impl Studio {
    /// The file dialogs to use (tests supply their own).
    pub fn set_dialogs(&mut self, dialogs: Arc<dyn Dialogs>) {
        self.dialogs = dialogs;
    }

    /// What the app's own path field is asking for, while it is open.
    pub fn path_prompt(&self) -> Option<&PathPurpose> {
        self.path_prompt.as_ref()
    }

    /// True while a file dialog is open.
    pub fn dialog_open(&self) -> bool {
        self.pending_dialog.is_some()
    }

    pub(super) fn ask_path(&mut self, purpose: PathPurpose) -> crate::problem::Result<()> {
        if self.pending_dialog.is_some() || self.path_prompt.is_some() {
            crate::problem::refuse!("a file dialog is already open");
        }
        let d = self.dialogs.clone();
        let p2 = purpose.clone();
        self.pending_dialog = Some(Promise::spawn("outfit-studio-dialog", self.wake.clone(), move || ask(d.as_ref(), &p2)));
        self.dialog_purpose = Some(purpose);
        Ok(())
    }

    pub(super) fn poll_dialog(&mut self) -> bool {
        let Some(p) = &mut self.pending_dialog else { return false };
        let Some(r) = p.poll() else { return false };
        self.pending_dialog = None;
        let purpose = self.dialog_purpose.take();
        match r {
            Ok(DialogAnswer::NoDialog) => self.path_prompt = purpose,
            Ok(DialogAnswer::Chosen(Some(c))) => self.apply(c),
            Ok(DialogAnswer::Chosen(None)) => {}
            Err(e) => self.last_error = Some(format!("the file dialog failed: {e}").into()),
        }
        true
    }

    pub(super) fn wait_for_dialog(&mut self) {
        if let Some(p) = &mut self.pending_dialog {
            p.block();
            self.poll_dialog();
        }
    }
}
