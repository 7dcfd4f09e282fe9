//! Painting helpers shared by the screens: thumbnails, text, the score gauge and colours, grid cells.

use super::*;

pub(super) fn slot_covered(slot: Slot, present: &[Slot]) -> bool {
    match slot {
        Slot::Top | Slot::Bottom => present.contains(&Slot::OnePiece),
        Slot::OnePiece => present.contains(&Slot::Top) || present.contains(&Slot::Bottom),
        _ => false,
    }
}

pub(super) fn age_label(a: AgeGroup) -> &'static str {
    match a {
        AgeGroup::Newborn => "Newborn",
        AgeGroup::Infant => "Infant",
        AgeGroup::Toddler => "Toddler",
        AgeGroup::Kids => "Kids",
        AgeGroup::Adult => "Adult",
    }
}

pub(super) fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
}

pub(super) fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n { s.to_string() } else { s.chars().take(n - 1).collect::<String>() + "…" }
}

/// Keys typed in a frame where this text field was pressed, clicked, focused or left belong to the field.
pub(super) fn touched(r: &egui::Response) -> bool {
    r.has_focus()
        || r.gained_focus()
        || r.lost_focus()
        || r.clicked()
        || r.is_pointer_button_down_on()
        || (r.contains_pointer() && r.ctx.input(|i| i.pointer.any_pressed() || i.pointer.any_released()))
}

/// A price bound with a checkbox; ticking it starts at `start` (the catalogue's lowest or highest price), so the
/// grid does not empty the moment it is ticked.
pub(super) fn price_range(ui: &mut Ui, label: &str, v: &mut Option<f32>, start: f32) {
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
pub(super) const SCORE_MEANING: &str = "How likely this is an outfit stylists would make rather than random garments of the same kinds: a \
probability calibrated on held-back outfits (for the shipped MANGO-pretrained head, on MANGO stylists' outfits). 50 is a \
coin flip. Items stylists already approved together raise it.";

pub(super) fn score_colour(p: f32) -> Color32 {
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

pub(super) fn colour_swatch(family: ColourFamily) -> Color32 {
    use ColourFamily::*;
    match family {
        Red => Color32::from_rgb(0xD3, 0x2F, 0x2F),
        Pink => Color32::from_rgb(0xF4, 0x8F, 0xB1),
        Orange => Color32::from_rgb(0xFB, 0x8C, 0x00),
        Yellow => Color32::from_rgb(0xFD, 0xD8, 0x35),
        Green => Color32::from_rgb(0x43, 0xA0, 0x47),
        Olive => Color32::from_rgb(0x82, 0x77, 0x17),
        Blue => Color32::from_rgb(0x42, 0x8B, 0xE5),
        Navy => Color32::from_rgb(0x1A, 0x23, 0x7E),
        Purple => Color32::from_rgb(0x8E, 0x24, 0xAA),
        Brown => Color32::from_rgb(0x6D, 0x4C, 0x41),
        Beige => Color32::from_rgb(0xE0, 0xD2, 0xB4),
        White => Color32::from_rgb(0xF5, 0xF5, 0xF5),
        Grey => Color32::from_rgb(0x9E, 0x9E, 0x9E),
        Black => Color32::from_rgb(0x21, 0x21, 0x21),
        Other => Color32::from_rgb(0xB0, 0xB0, 0xC8),
    }
}

/// Paints text clipped to `max_rows` lines of `width`; returns the height used.
pub(super) fn paint_text(ui: &Ui, pos: Pos2, text: &str, size: f32, color: Color32, width: f32, max_rows: usize) -> f32 {
    let mut job = egui::text::LayoutJob::simple(text.to_string(), egui::FontId::proportional(size), color, width);
    job.wrap.max_rows = max_rows;
    job.wrap.break_anywhere = false;
    let galley = ui.painter().layout_job(job);
    let h = galley.size().y;
    ui.painter().galley(pos, galley, color);
    h
}

pub(super) fn paint_thumb(ui: &Ui, thumbs: &mut Option<Thumbnails>, id: i64, item: &outfit_catalogue::Item, rect: Rect) {
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
            let base = colour_swatch(ColourFamily::of(&item.colour));
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
pub(super) fn status_text(ui: &mut Ui, text: impl Into<RichText>) {
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
pub(super) fn grid_columns(ui: &Ui) -> (usize, Vec2) {
    let gap = ui.spacing().item_spacing.x;
    let width = ui.available_width() - ui.spacing().scroll.allocated_width();
    let cols = (((width + gap) / (CELL.x + gap)).floor() as usize).max(1);
    let w = ((width - gap * (cols - 1) as f32) / cols as f32).max(CELL.x);
    (cols, vec2(w.floor(), CELL.y))
}

/// One item of the catalogue grid: picture, title, brand, price, and a mark on items that never go in a look.
pub(super) fn grid_cell(
    ui: &mut Ui,
    studio: &Studio,
    thumbs: &mut Option<Thumbnails>,
    id: i64,
    cell: Vec2,
    selected: bool,
    cmds: &mut Vec<Command>,
) {
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
        cmds.push(Command::Board(BoardCommand::AddItem(id)));
    }
    resp.on_hover_text(format!("{}\n{} · {} · {}\nClick or drag onto the board", it.title, it.brand, it.slot.label(), it.colour));
}

/// The mark on an item kept out of outfits (underwear...), with its reason on hover.
pub(super) fn exclusion_badge(ui: &Ui, cell: &egui::Response, at: Pos2, mark: &outfit_curate::ExclusionMark) {
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
pub(super) fn thumb_widget(ui: &mut Ui, thumbs: &mut Option<Thumbnails>, id: i64, item: &outfit_catalogue::Item, size: f32) {
    let (rect, resp) = ui.allocate_exact_size(Vec2::splat(size), Sense::hover());
    resp.widget_info(|| WidgetInfo::labeled(Role::Image, true, format!("Picture of {}", item.title)));
    if ui.is_rect_visible(rect) {
        paint_thumb(ui, thumbs, id, item, rect);
    }
}

pub(super) fn paint_gauge(ui: &Ui, rect: Rect, pct: Option<u32>) {
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
