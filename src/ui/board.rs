//! The outfit board panel: heading, judge buttons, the items with thumbnails, the score gauge with its pair
//! breakdown, complete-the-look suggestions with their filter chips, and the approved looks.

use super::*;

impl StudioApp {
    pub(super) fn board_header(&self, ui: &mut Ui, cmds: &mut Vec<Command>) {
        let studio = &self.studio;
        ui.add_space(4.0);
        ui.horizontal(|ui| {
            ui.heading("Outfit board");
            if !studio.board().is_empty() && ui.small_button("Clear board").clicked() {
                cmds.push(Command::Board(BoardCommand::Clear));
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

    pub(super) fn board_panel(&mut self, ui: &mut Ui, cmds: &mut Vec<Command>) {
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
                                    cmds.push(Command::Board(BoardCommand::RemoveItem(b.item_id)));
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
            cmds.push(Command::Board(BoardCommand::AddItem(*id)));
        }

        ui.add_space(6.0);
        self.score_section(ui);
        ui.add_space(6.0);
        self.suggestions_section(ui, cmds);
        ui.add_space(6.0);
        self.approved_section(ui, cmds);
    }

    pub(super) fn score_section(&self, ui: &mut Ui) {
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
        let title_of: HashMap<String, String> = studio
            .board()
            .iter()
            .filter_map(|b| studio.item(b.item_id))
            .map(|i| (i.item.sku.to_string(), i.item.title.to_string()))
            .collect();
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

    pub(super) fn judge_section(&self, ui: &mut Ui, cmds: &mut Vec<Command>) {
        let studio = &self.studio;
        let can = studio.board().len() >= 2;
        ui.horizontal(|ui| {
            let big =
                |t: &str, c: Color32| egui::Button::new(RichText::new(t).strong().color(Color32::WHITE)).fill(c).min_size(vec2(76.0, 30.0));
            if ui.add_enabled(can, big("Accept (A)", Color32::from_rgb(0x2E, 0x9D, 0x5B))).clicked() {
                cmds.push(Command::Board(BoardCommand::Judge(Verdict::Accept)));
            }
            if ui.add_enabled(can, big("Reject (X)", Color32::from_rgb(0xC8, 0x3C, 0x3C))).clicked() {
                cmds.push(Command::Board(BoardCommand::Judge(Verdict::Reject)));
            }
            if ui.add_enabled(can, egui::Button::new("Skip (Space)").min_size(vec2(76.0, 30.0))).clicked() {
                cmds.push(Command::Board(BoardCommand::Judge(Verdict::Skip)));
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
                    cmds.push(Command::Board(BoardCommand::ToggleReason(r)));
                }
            }
        });
    }

    pub(super) fn suggestions_section(&mut self, ui: &mut Ui, cmds: &mut Vec<Command>) {
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
            cmds.push(Command::Board(BoardCommand::SetFilter(filter)));
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
                        cmds.push(Command::Board(BoardCommand::AddSuggestion(s.item_id)));
                    }
                    resp.on_hover_text(format!("{}\n{}\nThe look would score {pct} with it. Click to add.", si.item.title, si.item.brand));
                }
            });
        }
    }

    pub(super) fn approved_section(&mut self, ui: &mut Ui, cmds: &mut Vec<Command>) {
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
                        cmds.push(Command::Board(BoardCommand::RenameOutfit(o.id, buf.clone())));
                    }
                    if !r.has_focus() && *buf != o.name && !r.lost_focus() {
                        *buf = o.name.clone();
                    }
                    ui.label(RichText::new(format!("{} items", o.items.len())).weak());
                    if o.status == outfit_store::OutfitStatus::Exported {
                        ui.label(RichText::new("exported").weak().small());
                    }
                    if ui.small_button("Open").on_hover_text(format!("Open {} on the board to edit it", o.name)).clicked() {
                        cmds.push(Command::Board(BoardCommand::ReopenOutfit(o.id)));
                    }
                });
            }
        });
    }

    /// The chips above the suggestions: what the board implies (age band, season, gender, occasion, the chosen
    /// catalogue), one click to widen each.
    pub(super) fn board_defaults(&mut self, ui: &mut Ui, cmds: &mut Vec<Command>) {
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
                    cmds.push(Command::Board(BoardCommand::Follow(flipped)));
                }
            }
        });
    }
}
