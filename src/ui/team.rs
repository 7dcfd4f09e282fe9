//! The team's state on the status line (issue 21): a view of what the sync worker last reported.

use egui::{Color32, RichText, Ui};
use outfit_curate::team::TeamStatus;

/// The team state on the status line: "Team: synced" / "pending N" / "offline", with the last sync time.
pub(super) fn status(ui: &mut Ui, t: &TeamStatus) {
    let last = t.last_sync.as_deref().map(|s| s.get(11..19).unwrap_or(s)).unwrap_or("never");
    let (text, colour) = match (t.connected, t.pending) {
        (true, 0) => (format!("Team: synced · last sync {last} UTC"), None),
        (true, n) => (format!("Team: connected · pending {n}"), None),
        (false, n) => (format!("Team: offline · pending {n} · last sync {last} UTC"), Some(Color32::from_rgb(0xD6, 0x8A, 0x1A))),
    };
    let text = if t.refused > 0 { format!("{text} · {} refused", t.refused) } else { text };
    let label = ui.label(match colour {
        Some(c) => RichText::new(text).color(c),
        None => RichText::new(text),
    });
    let hover = match &t.error {
        Some(e) => format!("Stylist {}. Judgements are kept here and pushed when the team store is back: {e}", t.stylist),
        None => format!("Stylist {}: your judgements go to the team store; the others' arrive here live.", t.stylist),
    };
    label.on_hover_text(hover);
}
