//! The Review queue, Train and Team screens. Like the rest of the UI they only read [`Studio`] state and emit
//! [`Command`]s; the work runs in `curate` (and its background jobs).

use super::{ACCENT, StudioApp, paint_text, paint_thumb, score_colour};
use egui::{Color32, Rect, RichText, Role, Sense, Ui, Vec2, WidgetInfo, pos2, vec2};
use egui_plot::{HLine, Legend, Line, Plot, PlotPoints};
use outfit_curate::paths::PathPurpose;
use outfit_curate::{Command, MIN_JUDGEMENTS, QueueCommand, QueueView, Reason, TrainCommand, TrainRequest, validated};
use outfit_store::Verdict;

/// Train-panel inputs (view state until Start is pressed).
#[derive(Debug, Clone, Default)]
pub struct TrainForm {
    pub req: TrainRequest,
}

fn verdict_label(v: Option<Verdict>) -> &'static str {
    match v {
        Some(Verdict::Accept) => "accepted",
        Some(Verdict::Reject) => "rejected",
        Some(Verdict::Skip) => "skipped",
        None => "pending",
    }
}

fn verdict_colour(v: Option<Verdict>) -> Color32 {
    match v {
        Some(Verdict::Accept) => Color32::from_rgb(0x2E, 0x9D, 0x5B),
        Some(Verdict::Reject) => Color32::from_rgb(0xD6, 0x45, 0x3A),
        _ => Color32::GRAY,
    }
}

fn pct(v: Option<f64>) -> String {
    v.map(|x| format!("{:.1}%", x * 100.0)).unwrap_or_else(|| "n/a".into())
}

fn num(v: Option<f64>) -> String {
    v.map(|x| format!("{x:+.3}")).unwrap_or_else(|| "n/a".into())
}

/// Which part of the queue to review, and moving through it without judging.
fn queue_view_bar(ui: &mut Ui, q: &outfit_labels::ReviewQueue, view: &QueueView, cmds: &mut Vec<Command>) {
    ui.horizontal_wrapped(|ui| {
        ui.label("Review:");
        let mut choose = |ui: &mut Ui, v: QueueView, label: String| {
            if ui.selectable_label(*view == v, label).clicked() && *view != v {
                cmds.push(Command::Queue(QueueCommand::View(v)));
            }
        };
        choose(ui, QueueView::All, "All".into());
        choose(ui, QueueView::Generated, "Generated looks".into());
        choose(ui, QueueView::ModelPicked, "Model-picked".into());
        let batches = q.batches();
        for (n, (b, pending)) in batches.iter().enumerate().rev().take(3) {
            let label = if n + 1 == batches.len() { format!("Latest batch ({pending})") } else { format!("Batch {} ({pending})", n + 1) };
            choose(ui, QueueView::Batch(b.clone()), label);
        }
        ui.separator();
        ui.label(format!("{} to review here", q.pending_in_view()));
        if ui.small_button("Previous").on_hover_text("Go back without judging (Left arrow)").clicked() {
            cmds.push(Command::Queue(QueueCommand::Step(false)));
        }
        if ui.small_button("Next").on_hover_text("Pass over this outfit without judging it (Right arrow)").clicked() {
            cmds.push(Command::Queue(QueueCommand::Step(true)));
        }
    });
}

impl StudioApp {
    // ---- review queue ----------------------------------------------------------------------------------------

    /// The review queue screen. Long because it lays the screen out top to bottom (counts, views, the outfit's
    /// cards, reasons, the judge buttons, what comes next and the recent decisions); no logic beyond reading views.
    pub(super) fn queue_screen(&mut self, ui: &mut Ui, cmds: &mut Vec<Command>) {
        let stylist = self.studio.stylist().to_string();
        ui.horizontal(|ui| {
            ui.heading(format!("Review queue · {stylist}"));
            if self.studio.queue_loading() {
                ui.spinner();
                ui.label(RichText::new("Proposing outfits around seed items (least certain first, kept diverse)…").weak());
            }
        });
        if stylist.is_empty() {
            ui.label("Set your stylist name first: the queue is kept per stylist.");
            return;
        }
        let Some(q) = self.studio.queue() else {
            if !self.studio.queue_loading() && ui.button("Load the review queue").clicked() {
                cmds.push(Command::Queue(QueueCommand::More));
            }
            return;
        };
        let c = q.counts();
        let position = q.position().min(c.total.max(1));
        ui.label(
            RichText::new(format!(
                "Outfit {position} of {} · {} to review · {} accepted · {} rejected · {} skipped",
                c.total, c.pending, c.accepted, c.rejected, c.skipped
            ))
            .strong(),
        );
        ui.label(
            RichText::new("Keys: A accept · X reject · Space skip · Right / Left arrow next / previous (no judgement) · Backspace undo")
                .weak(),
        );
        queue_view_bar(ui, q, self.studio.queue_view(), cmds);
        generated_looks_summary(ui, self.studio.generated_counts(), self.studio.approval_days(), &stylist);
        ui.separator();
        let current = q.next().cloned();
        let recent: Vec<_> = q.recent(outfit_curate::RECENT_DECISIONS).into_iter().cloned().collect();
        let upcoming: Vec<_> = q.upcoming(3).into_iter().cloned().collect();
        egui::ScrollArea::vertical().id_salt("queue_scroll").show(ui, |ui| {
            match &current {
                None => {
                    ui.label("Nothing left to review in this queue.");
                    if !self.studio.queue_loading() && ui.button("Propose more outfits").clicked() {
                        cmds.push(Command::Queue(QueueCommand::More));
                    }
                }
                Some(item) => {
                    let p = item.score as f32;
                    ui.horizontal(|ui| {
                        ui.label(
                            RichText::new(format!("Model score {}", (p * 100.0).round() as u32)).size(20.0).color(score_colour(p)).strong(),
                        );
                        let seed = self
                            .studio
                            .item_by_sku(&item.seed_sku)
                            .map(|i| i.item.title.clone())
                            .unwrap_or_else(|| item.seed_sku.as_str().into());
                        let from = if item.source == outfit_store::queue::GENERATED_SOURCE {
                            format!("generated look for “{seed}” · template {}", item.template)
                        } else {
                            format!("picked by the model around “{seed}”")
                        };
                        ui.label(RichText::new(from).weak());
                    });
                    let generated = item.source == outfit_store::queue::GENERATED_SOURCE;
                    ui.horizontal_wrapped(|ui| {
                        for sku in &item.skus {
                            let Some(si) = self.studio.item_by_sku(sku) else {
                                ui.label(format!("{sku} (no longer in the catalogue)"));
                                continue;
                            };
                            let (id, it) = (si.id, si.item.clone());
                            // A generated look's hero (a model-picked outfit's seed is only where the search began).
                            let hero = generated && *sku == item.seed_sku;
                            let (rect, resp) = ui.allocate_exact_size(vec2(150.0, 200.0), Sense::hover());
                            let role = if hero { "Queue hero" } else { "Queue item" };
                            resp.widget_info(|| WidgetInfo::labeled(Role::Image, true, format!("{role}: {}", it.title)));
                            ui.painter().rect_filled(rect, 6.0, ui.visuals().faint_bg_color);
                            if hero {
                                // The look is built around this item: framed, and labelled for a glance.
                                ui.painter().rect_stroke(rect, 6.0, egui::Stroke::new(2.0, ACCENT), egui::StrokeKind::Inside);
                            }
                            let img = Rect::from_center_size(pos2(rect.center().x, rect.top() + 6.0 + 64.0), Vec2::splat(128.0));
                            paint_thumb(ui, &mut self.thumbs, id, &it, img);
                            if hero {
                                let tag = Rect::from_min_size(img.left_top() + vec2(2.0, 2.0), vec2(38.0, 16.0));
                                ui.painter().rect_filled(tag, 3.0, ACCENT);
                                ui.painter().text(
                                    tag.center(),
                                    egui::Align2::CENTER_CENTER,
                                    "HERO",
                                    egui::FontId::proportional(10.0),
                                    Color32::WHITE,
                                );
                            }
                            let y = img.bottom() + 4.0;
                            let h = paint_text(ui, pos2(rect.left() + 6.0, y), &it.title, 12.0, ui.visuals().strong_text_color(), 138.0, 2);
                            paint_text(
                                ui,
                                pos2(rect.left() + 6.0, y + h + 2.0),
                                &if it.brand.is_empty() {
                                    it.slot.label().to_string()
                                } else {
                                    format!("{} · {}", it.slot.label(), it.brand)
                                },
                                10.5,
                                ui.visuals().weak_text_color(),
                                138.0,
                                1,
                            );
                        }
                    });
                    ui.horizontal_wrapped(|ui| {
                        ui.label(RichText::new("Reject reasons:").weak());
                        for r in Reason::ALL {
                            let mut on = self.studio.queue_reasons().contains(&r);
                            if ui.toggle_value(&mut on, r.label()).changed() {
                                cmds.push(Command::Queue(QueueCommand::ToggleReason(r)));
                            }
                        }
                    });
                    ui.horizontal(|ui| {
                        let big = |t: &str, c: Color32| egui::Button::new(RichText::new(t).size(16.0).color(c)).min_size(vec2(120.0, 34.0));
                        if ui.add(big("Accept (A)", verdict_colour(Some(Verdict::Accept)))).clicked() {
                            cmds.push(Command::Queue(QueueCommand::Decide(Verdict::Accept)));
                        }
                        if ui.add(big("Reject (X)", verdict_colour(Some(Verdict::Reject)))).clicked() {
                            cmds.push(Command::Queue(QueueCommand::Decide(Verdict::Reject)));
                        }
                        if ui.add(big("Skip (Space)", ui.visuals().text_color())).clicked() {
                            cmds.push(Command::Queue(QueueCommand::Decide(Verdict::Skip)));
                        }
                        if ui.add_enabled(!recent.is_empty(), big("Undo (Backspace)", ui.visuals().text_color())).clicked() {
                            cmds.push(Command::Queue(QueueCommand::Undo));
                        }
                        if ui
                            .add(big("Edit on the board (E)", ui.visuals().text_color()))
                            .on_hover_text("Swap or add items on the outfit board, then accept or reject it there")
                            .clicked()
                        {
                            cmds.push(Command::Queue(QueueCommand::OpenOnBoard));
                        }
                    });
                }
            }
            if !upcoming.is_empty() {
                ui.add_space(6.0);
                ui.label(RichText::new("Up next").strong());
                for u in &upcoming {
                    let titles: Vec<String> = u
                        .skus
                        .iter()
                        .map(|s| self.studio.item_by_sku(s).map(|i| i.item.title.to_string()).unwrap_or_else(|| s.clone()))
                        .collect();
                    ui.label(RichText::new(format!("{} · score {}", titles.join(" + "), (u.score * 100.0).round() as u32)).weak());
                }
            }
            ui.add_space(8.0);
            ui.separator();
            ui.label(RichText::new(format!("Last {} decisions (click a verdict to change it)", outfit_curate::RECENT_DECISIONS)).strong());
            if recent.is_empty() {
                ui.label(RichText::new("Decisions appear here.").weak());
            }
            egui::Grid::new("queue_recent").striped(true).num_columns(3).show(ui, |ui| {
                for e in &recent {
                    let jid = e.judgement_id.unwrap_or_default();
                    ui.label(RichText::new(verdict_label(e.verdict)).color(verdict_colour(e.verdict)).strong());
                    let titles: Vec<String> = e
                        .skus
                        .iter()
                        .map(|s| self.studio.item_by_sku(s).map(|i| i.item.title.to_string()).unwrap_or_else(|| s.clone()))
                        .collect();
                    ui.label(titles.join(" + "));
                    ui.horizontal(|ui| {
                        for (v, t) in [(Verdict::Accept, "Accept"), (Verdict::Reject, "Reject"), (Verdict::Skip, "Skip")] {
                            let r = ui.selectable_label(e.verdict == Some(v), t);
                            r.widget_info(|| WidgetInfo::labeled(Role::Button, true, format!("Change decision {jid} to {}", v.as_str())));
                            if r.clicked() && e.verdict != Some(v) {
                                cmds.push(Command::Queue(QueueCommand::Edit(jid, v)));
                            }
                        }
                    });
                    ui.end_row();
                }
            });
        });
    }

    // ---- train -----------------------------------------------------------------------------------------------

    pub(super) fn train_screen(&mut self, ui: &mut Ui, cmds: &mut Vec<Command>) {
        let labelled = self.studio.labelled_count();
        let training = self.studio.training();
        let enough = labelled >= MIN_JUDGEMENTS;
        let shortfall = self.studio.training_shortfall();
        egui::ScrollArea::vertical().id_salt("train_scroll").show(ui, |ui| {
            ui.heading("Train a new model version");
            ui.label(
                RichText::new(format!(
                    "{labelled} accept/reject judgements on {} different outfits stored (all stylists); about {} would be held out to validate",
                    self.studio.labelled_outfits(),
                    self.studio.held_out_estimate()
                ))
                .weak(),
            );
            if let Some(why) = &shortfall {
                ui.add(egui::Label::new(RichText::new(why).color(Color32::from_rgb(0xD6, 0x8A, 0x1A))).wrap());
            }
            if let Some(note) = self.studio.head_note() {
                ui.add(egui::Label::new(RichText::new(note).color(Color32::from_rgb(0xD6, 0x8A, 0x1A))).wrap());
            }
            let studio = &self.studio;
            let models = studio.models();
            let active = models.iter().find(|m| m.active);
            let req = &mut self.train_form.req;
            egui::Grid::new("train_form").num_columns(2).spacing(vec2(12.0, 6.0)).show(ui, |ui| {
                ui.label("Start from");
                let sel = match req.parent.and_then(|id| models.iter().find(|m| m.id == id)) {
                    Some(m) => format!("{} (v{})", m.name, m.id),
                    None => format!("active: {}", active.map(|m| m.name.as_str()).unwrap_or("none")),
                };
                let combo = egui::ComboBox::from_id_salt("train_parent").selected_text(sel).show_ui(ui, |ui| {
                    if ui.selectable_label(req.parent.is_none(), "the active version").clicked() {
                        req.parent = None;
                    }
                    // A version trained on earlier features is no parent for today's.
                    for m in models.iter().filter(|m| studio.model_fits(m)) {
                        if ui.selectable_label(req.parent == Some(m.id), format!("{} (v{})", m.name, m.id)).clicked() {
                            req.parent = Some(m.id);
                        }
                    }
                });
                combo.response.widget_info(|| WidgetInfo::labeled(Role::ComboBox, true, "Start from version"));
                ui.end_row();
                ui.label("Epochs");
                ui.add(egui::DragValue::new(&mut req.epochs).range(1..=500)).widget_info(|| WidgetInfo::labeled(Role::SpinButton, true, "Epochs"));
                ui.end_row();
                ui.label("Learning rate");
                ui.add(egui::DragValue::new(&mut req.lr).range(1e-5..=1.0).speed(1e-4).max_decimals(5))
                    .widget_info(|| WidgetInfo::labeled(Role::SpinButton, true, "Learning rate"));
                ui.end_row();
                ui.label("Options");
                ui.vertical(|ui| {
                    ui.add_enabled(!req.from_scratch, egui::Checkbox::new(&mut req.freeze_lower, "Freeze lower layers"))
                        .on_hover_text("Train only the top layer, masks and calibration: right for few labels");
                    ui.checkbox(&mut req.from_scratch, "Train from scratch (baseline)");
                });
                ui.end_row();
            });
            ui.horizontal(|ui| {
                if ui
                    .add_enabled(shortfall.is_none() && !training, egui::Button::new(RichText::new("Start training").strong()))
                    .on_disabled_hover_text(if training { "A training run is going" } else { "Not enough labels to validate a new version" })
                    .clicked()
                {
                    cmds.push(Command::Train(TrainCommand::Start(req.clone())));
                }
                if let Some(job) = self.studio.job().filter(|j| matches!(j.kind, outfit_curate::JobKind::Train(_))) {
                    let p = &job.progress;
                    let bar = egui::ProgressBar::new(p.fraction().unwrap_or(0.0)).desired_width(360.0).text(p.stage.clone());
                    ui.add(if p.fraction().is_none() { bar.animate(true) } else { bar.show_percentage() });
                    if ui.button("Cancel training").clicked() {
                        cmds.push(Command::CancelJob);
                    }
                } else if training {
                    ui.spinner();
                    ui.label("Waiting for the running job…");
                }
            });
            let losses = self.studio.losses();
            if !losses.is_empty() {
                ui.label(RichText::new("Training loss").strong());
                Plot::new("loss_curve")
                    .height(180.0)
                    .allow_scroll(false)
                    .x_axis_label("epoch")
                    .y_axis_label("loss")
                    .include_y(0.0)
                    .show(ui, |p| {
                        p.line(Line::new("loss", PlotPoints::from(losses.to_vec())).color(ACCENT));
                    });
            }
            ui.add_space(8.0);
            ui.separator();
            self.model_list(ui, cmds);
            ui.add_space(8.0);
            ui.separator();
            self.evaluation(ui, cmds, enough);
        });
    }

    fn model_list(&mut self, ui: &mut Ui, cmds: &mut Vec<Command>) {
        let models = self.studio.models();
        ui.heading(format!("Model versions ({})", models.len()));
        ui.label(RichText::new("Activating a version re-embeds the catalogue for it; activate an older one to roll back.").weak());
        let switching = self.studio.job_busy(|k| matches!(k, outfit_curate::JobKind::Activate(_)));
        // The two long columns share what the short ones leave, and wrap there.
        let long = ((ui.available_width() - MODEL_LIST_SHORT_COLUMNS) / 2.0).clamp(180.0, 480.0);
        egui::Grid::new("model_list").striped(true).num_columns(7).spacing(vec2(10.0, 4.0)).show(ui, |ui| {
            for h in ["Version", "Name", "Parent", "Trained on", "Metrics", "Created", ""] {
                ui.label(RichText::new(h).strong());
            }
            ui.end_row();
            for m in models.iter().rev() {
                ui.label(format!("v{}", m.id));
                ui.label(RichText::new(&m.name).strong());
                let parent =
                    m.parent_id.and_then(|p| models.iter().find(|x| x.id == p)).map(|p| p.name.clone()).unwrap_or_else(|| "–".into());
                ui.label(parent);
                cell_text(ui, long, &m.trained_on);
                let checked = validated(&m.metrics_json);
                ui.vertical(|ui| {
                    cell_text(ui, long, &metrics_summary(&m.metrics_json));
                    if !checked {
                        ui.label(RichText::new("not validated").color(Color32::from_rgb(0xD6, 0x8A, 0x1A)).strong())
                            .on_hover_text("Trained without held-out outfits: nothing checked that it is better than its parent");
                    }
                });
                ui.label(m.created_at.get(..16).unwrap_or(&m.created_at).replace('T', " "));
                if !self.studio.model_fits(m) {
                    ui.label(RichText::new("earlier features").color(Color32::from_rgb(0xD6, 0x8A, 0x1A)).strong()).on_hover_text(format!(
                        "Trained on features of other encoders or an earlier text template ({}); fine-tune again to learn from the same judgements on today's features",
                        m.encoder_key
                    ));
                } else if m.active {
                    ui.label(RichText::new("Active").color(ACCENT).strong());
                } else if ui
                    .add_enabled(!switching, egui::Button::new(format!("Activate {}", m.name)))
                    .on_hover_text("Switch to this version (an older one rolls back)")
                    .clicked()
                {
                    if checked {
                        cmds.push(Command::Train(TrainCommand::Activate(m.id)));
                    } else {
                        self.confirm_activate = Some((m.id, m.name.clone()));
                    }
                }
                ui.end_row();
            }
        });
    }

    fn evaluation(&mut self, ui: &mut Ui, cmds: &mut Vec<Command>, enough: bool) {
        ui.heading("Evaluation");
        ui.label(
            RichText::new(
                "Held-out judgements (split by outfit, fixed seed): the parent zero-shot vs fine-tuned from it vs trained from scratch, and a learning curve over label counts.",
            )
            .weak(),
        );
        let running = self.studio.job_busy(|k| matches!(k, outfit_curate::JobKind::Evaluate { .. }));
        ui.horizontal(|ui| {
            if ui.add_enabled(enough && !running, egui::Button::new("Evaluate")).clicked() {
                cmds.push(Command::Train(TrainCommand::Evaluate(self.train_form.req.parent)));
            }
            if running {
                ui.spinner();
                if let Some(j) = self.studio.job().filter(|j| matches!(j.kind, outfit_curate::JobKind::Evaluate { .. })) {
                    ui.label(RichText::new(&j.progress.stage).weak());
                    if ui.button("Cancel evaluation").clicked() {
                        cmds.push(Command::CancelJob);
                    }
                }
            }
        });
        if !enough {
            ui.label(RichText::new(format!("Needs at least {MIN_JUDGEMENTS} judgements.")).weak());
        }
        let Some(r) = self.studio.report() else { return };
        ui.label(RichText::new(r.verdict()).strong());
        ui.add(egui::Label::new(RichText::new(r.markdown()).monospace().size(11.5)).wrap());
        let pts = |f: &dyn Fn(&outfit_model::report::CurvePoint) -> Option<f64>| -> Vec<[f64; 2]> {
            r.curve.iter().filter_map(|p| f(p).map(|v| [p.labels as f64, v])).collect()
        };
        ui.columns(2, |cols| {
            for (k, (title, zero)) in
                [("AUC (accept vs reject)", r.zero_shot.auc), ("FITB accuracy (4 candidates)", r.zero_shot.fitb)].into_iter().enumerate()
            {
                let ui = &mut cols[k];
                ui.label(RichText::new(title).strong());
                let (ft, sc) = if k == 0 {
                    (pts(&|p| p.fine_tuned.auc), pts(&|p| p.scratch.auc))
                } else {
                    (pts(&|p| p.fine_tuned.fitb), pts(&|p| p.scratch.fitb))
                };
                // The fine-tuned head's 95% interval, as two faint lines (AUC only: FITB has none).
                let band = |side: usize| {
                    if k == 0 { pts(&|p| p.fine_tuned.auc_interval.map(|ci| if side == 0 { ci.0 } else { ci.1 })) } else { Vec::new() }
                };
                let (lo, hi) = (band(0), band(1));
                Plot::new(("learning_curve", k))
                    .height(200.0)
                    .allow_scroll(false)
                    .x_axis_label("labels")
                    .include_y(0.0)
                    .include_y(1.0)
                    .legend(Legend::default())
                    .show(ui, |p| {
                        p.line(Line::new("fine-tuned", PlotPoints::from(ft)).color(Color32::from_rgb(0x42, 0x8B, 0xE5)));
                        let faint = Color32::from_rgba_unmultiplied(0x42, 0x8B, 0xE5, 0x60);
                        if !lo.is_empty() {
                            p.line(Line::new("fine-tuned, 95% interval", PlotPoints::from(lo)).color(faint));
                            p.line(Line::new("fine-tuned, 95% interval", PlotPoints::from(hi)).color(faint));
                        }
                        p.line(Line::new("from scratch", PlotPoints::from(sc)).color(Color32::from_rgb(0xFB, 0x8C, 0x00)));
                        if let Some(z) = zero {
                            p.hline(HLine::new("zero-shot", z).color(Color32::GRAY));
                        }
                    });
            }
        });
    }

    /// Confirms activating a version trained without validation.
    pub(super) fn activation_prompt(&mut self, ctx: &egui::Context, cmds: &mut Vec<Command>) {
        let Some((id, name)) = self.confirm_activate.clone() else { return };
        let (mut yes, mut no) = (false, false);
        let modal = egui::Modal::new(egui::Id::unique("confirm_activate")).show(ctx, |ui| {
            ui.set_width(440.0);
            ui.heading(format!("Activate {name}?"));
            ui.label(format!(
                "{name} was trained without a validation split: no outfits were held out, so nothing checked that it \
                 judges better than the version it came from (its train-set AUC only shows it learned the labels it saw)."
            ));
            ui.horizontal(|ui| {
                yes = ui.button(format!("Activate {name} anyway")).clicked();
                no = ui.button("Cancel").clicked();
            });
        });
        if yes {
            cmds.push(Command::Train(TrainCommand::ActivateUnvalidated(id)));
        }
        if yes || no || modal.should_close() {
            self.confirm_activate = None;
        }
    }

    // ---- team ------------------------------------------------------------------------------------------------

    pub(super) fn team_screen(&mut self, ui: &mut Ui, cmds: &mut Vec<Command>) {
        let busy = self.studio.job().is_some();
        super::team::membership(ui, self.studio.team_status().as_ref(), &mut self.team_form, busy, cmds);
        if self.studio.team_status().is_some() {
            ui.separator();
            let reading =
                self.studio.job_busy(|k| matches!(k, outfit_curate::JobKind::TeamShared | outfit_curate::JobKind::ActivateTeamHead(_)));
            super::team::shared(ui, self.studio.team_shared(), reading, cmds);
        }
        ui.separator();
        ui.heading("Stylist agreement");
        ui.label(
            RichText::new(
                "On outfits both stylists accepted or rejected. Gwet's AC1 stays meaningful when most outfits are accepted, where Cohen's kappa misleads.",
            )
            .weak(),
        );
        let busy = self.studio.job_busy(|k| matches!(k, outfit_curate::JobKind::Agreement | outfit_curate::JobKind::ImportLabels(_)));
        ui.horizontal(|ui| {
            if ui
                .add_enabled(!busy, egui::Button::new("Import labels…"))
                .on_hover_text("Merge another stylist's database or JSONL label export")
                .clicked()
            {
                self.ask_path(PathPurpose::ImportLabels, cmds);
            }
            if ui.add_enabled(!busy, egui::Button::new("Refresh")).clicked() {
                cmds.push(Command::Train(TrainCommand::RefreshAgreement));
            }
            if busy {
                ui.spinner();
            }
        });
        if let Some(m) = self.studio.last_merge() {
            ui.label(format!(
                "Last import ({}): {} read, {} imported, {} duplicates, {} unknown SKUs, {} invalid rows",
                m.source,
                m.read,
                m.imported,
                m.duplicates,
                m.unknown_skus.len(),
                m.invalid.len()
            ));
            if !m.unknown_skus.is_empty() {
                let shown: Vec<&str> = m.unknown_skus.iter().take(8).map(String::as_str).collect();
                ui.label(
                    RichText::new(format!("Unknown SKUs: {}{}", shown.join(", "), if m.unknown_skus.len() > 8 { ", …" } else { "" }))
                        .weak(),
                );
            }
        }
        ui.separator();
        match self.studio.agreement() {
            None => {
                ui.label(RichText::new("Computing…").weak());
            }
            Some([]) => {
                ui.label("No two stylists have judged the same outfit yet.");
            }
            Some(rows) => {
                egui::Grid::new("agreement").striped(true).num_columns(9).spacing(vec2(14.0, 4.0)).show(ui, |ui| {
                    for h in [
                        "Stylist A",
                        "Stylist B",
                        "n",
                        "both accept",
                        "A acc / B rej",
                        "A rej / B acc",
                        "both reject",
                        "Agreement",
                        "Cohen's κ",
                        "Gwet's AC1",
                    ] {
                        ui.label(RichText::new(h).strong());
                    }
                    ui.end_row();
                    for r in rows {
                        ui.label(&r.a);
                        ui.label(&r.b);
                        ui.label(r.n.to_string());
                        ui.label(r.both_accept.to_string());
                        ui.label(r.a_accept_b_reject.to_string());
                        ui.label(r.a_reject_b_accept.to_string());
                        ui.label(r.both_reject.to_string());
                        ui.label(pct(r.percent));
                        ui.label(num(r.kappa));
                        ui.label(num(r.ac1));
                        ui.end_row();
                    }
                });
            }
        }
        if self.studio.agreement().is_some() {
            ui.separator();
            super::team::disagreements(ui, self.studio.disagreements(), cmds);
        }
    }
}

/// About what the model list's short columns (version, name, parent, created, the action) and its gaps take.
const MODEL_LIST_SHORT_COLUMNS: f32 = 620.0;
/// Lines a model list cell wraps onto before it is cut.
const CELL_ROWS: usize = 3;

/// A table cell `width` wide whose text wraps onto at most [`CELL_ROWS`] lines, cut with an ellipsis after them;
/// the whole text shows on hover.
fn cell_text(ui: &mut Ui, width: f32, text: &str) {
    let format = egui::TextFormat::simple(egui::TextStyle::Body.resolve(ui.style()), ui.visuals().text_color());
    let mut job = egui::text::LayoutJob::single_section(text.to_owned(), format);
    job.wrap.max_rows = CELL_ROWS;
    ui.scope(|ui| {
        ui.set_width(width);
        ui.add(egui::Label::new(job).wrap()).on_hover_text(text);
    });
}

/// "loss 0.41 · train AUC 0.83" from a version's metrics JSON.
fn metrics_summary(json: &str) -> String {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(json) else { return "–".into() };
    let mut parts = Vec::new();
    if let Some(l) = v.get("final_loss").and_then(|x| x.as_f64()) {
        parts.push(format!("loss {l:.3}"));
    }
    if let Some(a) = v.get("train_set").and_then(|t| t.get("auc")).and_then(|x| x.as_f64()) {
        parts.push(format!("train-set AUC {a:.3}"));
    }
    if let Some(b) = v.get("best_epoch").and_then(|x| x.as_u64()) {
        parts.push(format!("best epoch {b} on held-out"));
    }
    for k in ["auc", "fitb"] {
        if let Some(a) = v.get(k).and_then(|x| x.as_f64()) {
            parts.push(format!("{k} {a:.3}"));
        }
    }
    if parts.is_empty() { "–".into() } else { parts.join(" · ") }
}

/// The stylist's generated-look counters and a small chart of approval rate per day (last 14 days with decisions).
fn generated_looks_summary(
    ui: &mut Ui,
    counts: &[outfit_store::queue::GeneratedCounts],
    days: &[outfit_store::queue::DailyApproval],
    stylist: &str,
) {
    let mine: Vec<_> = counts.iter().filter(|c| c.stylist == stylist).collect();
    if mine.is_empty() {
        return;
    }
    let sum = |f: fn(&outfit_store::queue::GeneratedCounts) -> usize| mine.iter().map(|c| f(c)).sum::<usize>();
    let (a, r) = (sum(|c| c.accepted), sum(|c| c.rejected));
    let rate = outfit_looks::approval_rate(a, r).map(|x| format!("{:.0}%", x * 100.0)).unwrap_or_else(|| "–".into());
    ui.horizontal(|ui| {
        ui.label(format!("Generated looks: {} generated · {} reviewed · approval {rate}", sum(|c| c.generated), sum(|c| c.reviewed)));
        let shown = &days[days.len().saturating_sub(14)..];
        if shown.is_empty() {
            return;
        }
        let (rect, resp) = ui.allocate_exact_size(vec2(14.0 * 8.0, 18.0), Sense::hover());
        let text: Vec<String> = shown
            .iter()
            .map(|d| {
                let p = outfit_looks::approval_rate(d.accepted, d.rejected).unwrap_or(0.0);
                format!("{} {:.0}%", d.day, p * 100.0)
            })
            .collect();
        resp.widget_info(|| WidgetInfo::labeled(Role::Image, true, format!("Approval over time: {}", text.join(", "))));
        ui.painter().rect_filled(rect, 2.0, ui.visuals().faint_bg_color);
        for (i, d) in shown.iter().enumerate() {
            let p = outfit_looks::approval_rate(d.accepted, d.rejected).unwrap_or(0.0) as f32;
            let x = rect.left() + i as f32 * 8.0 + 1.0;
            let bar = Rect::from_min_max(pos2(x, rect.bottom() - p * rect.height()), pos2(x + 6.0, rect.bottom()));
            ui.painter().rect_filled(bar, 1.0, score_colour(p));
        }
    });
}
