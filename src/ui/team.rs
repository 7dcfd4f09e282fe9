//! Team mode in the app (issue 21): the team's state on the status line, a view of what the sync worker last
//! reported, the team's head versions (with Activate) and catalogues, and the lead's list of disagreements to
//! settle on the Team screen.

use egui::{Color32, RichText, Ui};
use outfit_curate::team::{TeamShared, TeamStatus};
use outfit_curate::{Command, TeamCommand, TrainCommand};
use outfit_labels::Disagreement;
use outfit_store::Verdict;

/// Disagreements shown at once: the freshest, enough for a sitting; the rest come as these are settled.
const SHOWN: usize = 30;

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

/// What the stylist types on the Team screen: the address to join, and (the lead) the queue's routing.
#[derive(Debug)]
pub(super) struct JoinForm {
    url: String,
    upload_history: bool,
    /// Stylists per outfit of the team queue (2 or more gives agreement).
    overlap: u32,
    lease_minutes: u32,
}

impl Default for JoinForm {
    fn default() -> JoinForm {
        // What `team init` sets up: two stylists per outfit, 15-minute leases.
        JoinForm { url: String::new(), upload_history: false, overlap: 2, lease_minutes: 15 }
    }
}

/// Outfits a lead adds to the team's review queue at a time.
const FILL: usize = 50;

/// The Team screen's team store section: join (address, and whether to share earlier judgements), or, once
/// joined, who this app shares as, the lead's "fill the team queue" and Leave.
pub(super) fn membership(ui: &mut Ui, team: Option<&TeamStatus>, form: &mut JoinForm, busy: bool, cmds: &mut Vec<Command>) {
    ui.heading("Team store");
    let Some(t) = team else {
        ui.label(
            RichText::new(
                "Share judgements with other stylists through your team's PostgreSQL server. The password comes from \
                 ~/.pgpass (or PGPASSFILE): the lead's `team init` wrote your line to team.pgpass. It is never stored here.",
            )
            .weak(),
        );
        ui.horizontal(|ui| {
            ui.label("Address");
            let field = egui::TextEdit::singleline(&mut form.url).hint_text("postgres://STYLIST@host/database").desired_width(340.0);
            ui.add(field).widget_info(|| egui::WidgetInfo::labeled(egui::Role::TextInput, true, "Team store address"));
        });
        ui.checkbox(&mut form.upload_history, "Also share the judgements I made here before joining");
        if ui.add_enabled(!busy && !form.url.trim().is_empty(), egui::Button::new("Join team")).clicked() {
            cmds.push(Command::Team(TeamCommand::Join { url: form.url.trim().to_string(), upload_history: form.upload_history }));
        }
        return;
    };
    ui.label(format!("Sharing as stylist {}: your judgements go to the team store, the others' arrive here.", t.stylist));
    ui.horizontal(|ui| {
        if ui
            .add_enabled(!busy, egui::Button::new(format!("Add {FILL} outfits to the team queue")))
            .on_hover_text(
                "The lead: outfits your active model is least sure of, for the stylists to review (each to as many as the routing allows)",
            )
            .clicked()
        {
            cmds.push(Command::Team(TeamCommand::FillQueue(FILL)));
        }
        if ui.button("Leave team").on_hover_text("Stop sharing: your judgements stay in this database").clicked() {
            cmds.push(Command::Team(TeamCommand::Leave));
        }
    });
    ui.horizontal(|ui| {
        ui.label("Routing (the lead): each outfit to at most");
        ui.add(egui::DragValue::new(&mut form.overlap).range(1..=20))
            .widget_info(|| egui::WidgetInfo::labeled(egui::Role::SpinButton, true, "Stylists per outfit"));
        ui.label("stylists, leases of");
        ui.add(egui::DragValue::new(&mut form.lease_minutes).range(1..=24 * 60))
            .widget_info(|| egui::WidgetInfo::labeled(egui::Role::SpinButton, true, "Lease minutes"));
        ui.label("min");
        if ui
            .add_enabled(!busy, egui::Button::new("Apply routing"))
            .on_hover_text("Two or more stylists per outfit measure agreement; a lease frees an outfit a stylist left unjudged")
            .clicked()
        {
            cmds.push(Command::Team(TeamCommand::SetRouting { overlap: form.overlap, lease_seconds: form.lease_minutes * 60 }));
        }
    });
}

/// The lead's view: outfits the stylists split on, each with who accepted and who rejected it and buttons that
/// settle it (a judgement of the current stylist with the source "settled").
pub(super) fn disagreements(ui: &mut Ui, rows: &[Disagreement], cmds: &mut Vec<Command>) {
    ui.heading("Disagreements to settle");
    if rows.is_empty() {
        ui.label(RichText::new("None: every outfit judged by several stylists got the same verdict, or was settled.").weak());
        return;
    }
    ui.label(
        RichText::new(format!(
            "{} outfits the stylists split on. Settling one records your verdict as its training label; agreement leaves it out.",
            rows.len()
        ))
        .weak(),
    );
    egui::Grid::new("disagreements").striped(true).num_columns(4).spacing(egui::vec2(14.0, 4.0)).show(ui, |ui| {
        for h in ["Outfit", "Accepted by", "Rejected by", "Settle"] {
            ui.label(RichText::new(h).strong());
        }
        ui.end_row();
        for d in rows.iter().take(SHOWN) {
            ui.label(d.skus.join(" + "));
            ui.label(d.accepted_by.join(", "));
            ui.label(d.rejected_by.join(", "));
            ui.horizontal(|ui| {
                for (word, v) in [("Accept", Verdict::Accept), ("Reject", Verdict::Reject)] {
                    let label = format!("{word} {}", d.skus.join(" + "));
                    let b = ui.add(egui::Button::new(word)).on_hover_text(format!("Settle: {}", label.to_lowercase()));
                    // Named with the outfit so each button is findable (screen readers, tests) among the others.
                    b.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &label));
                    if b.clicked() {
                        cmds.push(Command::Train(TrainCommand::Settle(d.skus.clone(), v)));
                    }
                }
            });
            ui.end_row();
        }
    });
    if rows.len() > SHOWN {
        ui.label(RichText::new(format!("and {} more", rows.len() - SHOWN)).weak());
    }
}

/// Head versions shown at once (the newest); the rest are in `outfit-studio team heads`.
const HEADS_SHOWN: usize = 12;

/// The team's head versions (each with Activate, unless it is the active one here) and catalogues, as last read
/// by the background job; Refresh reads them again.
pub(super) fn shared(ui: &mut Ui, shared: Option<&TeamShared>, busy: bool, cmds: &mut Vec<Command>) {
    ui.horizontal(|ui| {
        ui.heading("Team heads and catalogues");
        if ui.add_enabled(!busy, egui::Button::new("Refresh")).on_hover_text("Read them again from the team store").clicked() {
            cmds.push(Command::Team(TeamCommand::RefreshShared));
        }
        if busy {
            ui.spinner();
        }
    });
    let Some(t) = shared else {
        ui.label(RichText::new("Not read yet: they are read from the team store when this screen opens.").weak());
        return;
    };
    if t.heads.is_empty() {
        ui.label(RichText::new("No head versions yet: a head trained while in the team is published by itself.").weak());
    } else {
        egui::Grid::new("team_heads").striped(true).num_columns(5).spacing(egui::vec2(14.0, 4.0)).show(ui, |ui| {
            for h in ["Head", "By", "Parent", "Figures", ""] {
                ui.label(RichText::new(h).strong());
            }
            ui.end_row();
            for (h, here) in t.heads.iter().rev().take(HEADS_SHOWN) {
                ui.label(&h.name).on_hover_text(format!("{} · trained on {} · {}", h.id, h.trained_on, h.at));
                ui.label(&h.stylist);
                ui.label(h.parent_name.as_deref().unwrap_or("none"));
                ui.label(h.figures());
                if t.active.as_deref() == Some(h.id.as_str()) {
                    ui.label(RichText::new("active here").weak());
                } else {
                    let label = format!("Activate {}", h.name);
                    let hint = if here.is_some() { "Make it the active head here" } else { "Install it here and make it the active head" };
                    let b = ui.add_enabled(!busy, egui::Button::new("Activate")).on_hover_text(hint);
                    b.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, !busy, &label));
                    if b.clicked() {
                        cmds.push(Command::Team(TeamCommand::ActivateHead(h.id.clone())));
                    }
                }
                ui.end_row();
            }
        });
    }
    if t.catalogues.is_empty() {
        ui.label(RichText::new("No catalogues announced yet: importing a feed while in the team announces it.").weak());
    }
    for (c, here) in &t.catalogues {
        let state = if *here { "imported here" } else { "not imported here: import its feed to see the team's looks on it" };
        ui.label(format!("{} · {} SKUs · {} · by {} · {state}", c.name, c.skus.len(), c.source, c.stylist));
    }
}
