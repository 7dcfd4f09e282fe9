//! The figure's report: the Markdown tables and the PNG learning curves of a [`TransferFigure`].

use super::*;

impl TransferFigure {
    fn budgets(&self) -> Vec<usize> {
        self.config.budgets.clone()
    }

    pub fn markdown(&self) -> String {
        let mut s = format!("## What stylists' judgements buy: {} <- {}\n\n", self.target, self.source);
        s.push_str(&format!(
            "Pretrained head: {}. Target: {} training outfits (the simulated stylist judges these: accepts are the \
             real outfits, rejects the same outfits with one garment swapped for another of its slot and collection), \
             {} test outfits; {} cold AUC and {} cold FITB questions. Fine-tuning: the app's recipe ({} epochs, lr {}, \
             {} swaps per accept, fill-in-the-blank weight {} against {} candidates, {:.0}% of the judged outfits held \
             back to pick the epoch), at least {} steps. Cells: mean over {} seeds, 95% interval from a bootstrap over \
             questions of that mean; ± standard deviation over seeds.\n\n",
            self.pretrained,
            self.target_train_outfits,
            self.target_test_outfits,
            self.cold_auc_questions,
            self.cold_fitb_questions,
            self.config.fine_tune.epochs,
            self.config.fine_tune.lr,
            self.config.fine_tune.swaps_per_positive,
            self.config.fine_tune.fitb_weight,
            self.config.fine_tune.fitb_negatives,
            self.config.fine_tune.validation_fraction * 100.0,
            self.config.min_steps,
            self.config.seeds
        ));
        let budgets = self.budgets();
        for (title, auc) in [("Cold AUC", true), ("Cold FITB (4 candidates; chance 0.250)", false)] {
            s.push_str(&format!("### {title}\n\n| method | no judgements |"));
            budgets.iter().for_each(|b| s.push_str(&format!(" {b} |")));
            s.push_str("\n|---|---:|");
            budgets.iter().for_each(|_| s.push_str("---:|"));
            s.push('\n');
            let fmt = |c: &Cell| -> String {
                if auc {
                    let sd = if c.seeds > 1 { format!(" ±{:.3}", c.cold_auc_sd) } else { String::new() };
                    let capped = if c.budget > 0 && c.accepts + c.rejects < c.budget {
                        format!(" ({} used)", c.accepts + c.rejects)
                    } else {
                        String::new()
                    };
                    format!("{}{sd}{capped}", Estimate::cell(&c.cold_auc))
                } else {
                    Estimate::cell(&c.cold_fitb)
                }
            };
            for r in &self.curves {
                s.push_str(&format!("| {} | |", r.method));
                for b in &budgets {
                    s.push_str(&format!(" {} |", r.cells.iter().find(|c| c.budget == *b).map(fmt).unwrap_or_default()));
                }
                s.push('\n');
            }
            for r in &self.baselines {
                s.push_str(&format!("| {} | {} |", r.method, r.cells.first().map(fmt).unwrap_or_default()));
                budgets.iter().for_each(|_| s.push_str(" |"));
                s.push('\n');
            }
            s.push('\n');
        }
        s.push_str(&format!("**{}**\n\n", self.label_efficiency));
        if let Some(q) = &self.queue {
            let curve = q.queue_curve.iter().map(|(n, a)| format!("{n}: {a:.3}")).collect::<Vec<_>>().join(", ");
            let reached = match q.needed {
                Some(n) => format!("the queue reaches it with **{n}** judgements"),
                None => format!("the queue does not reach it within {} judgements", q.queue_curve.last().map(|c| c.0).unwrap_or(0)),
            };
            s.push_str(&format!(
                "**Review queue vs random order** (pool: {} target-train judgements; batches of {}, fine-tuned after each): \
                 random order at {} judgements reaches cold AUC {}; {reached} (queue's mean cold AUC by judgements: {curve}).\n\n",
                q.pool,
                q.batch,
                q.reference,
                Estimate::cell(&q.random.cold_auc)
            ));
        }
        for c in &self.calibration {
            s.push_str(&format!(
                "**Calibration after {} judgements** ({}; held out: {} accepts and {} rejects from the target's test \
                 split; {} equal-width bins): ECE {:.3} as the head reads, {:.3} Platt-fitted on the judgements, {:.3} \
                 Platt-fitted on their out-of-fold logits ({CROSS_FOLDS}-fold), {:.3} with the app's catalogue \
                 calibration refitted on the judgements as the head reads them, {:.3} refitted on their out-of-fold \
                 logits, as the app does for a head fine-tuned on them (target <= 0.05).\n\n",
                c.judgements,
                c.head,
                c.held_out_accepts,
                c.held_out_rejects,
                self.config.ece_bins,
                c.ece_raw,
                c.ece_platt,
                c.ece_platt_cross_fitted,
                c.ece_app,
                c.ece_app_cross_fitted
            ));
        }
        s.push_str(&format!("Protocol: {}\n\nRun time: {:.0}s.\n", self.protocol, self.seconds));
        s
    }

    /// Cold AUC against the number of judgements (log x): fine-tuned, from scratch, the queue's order, and the
    /// baselines as horizontal lines.
    pub fn write_png(&self, path: &Path) -> Result<()> {
        save_png(path, (1000, 600), "the transfer figure", &|buf, size| self.draw(buf, size))
    }

    fn draw(&self, buf: &mut [u8], (w, h): (u32, u32)) -> std::result::Result<(), Box<dyn std::error::Error>> {
        use plotters::element::DashedPathElement;
        use plotters::prelude::*;
        register_plot_font()?;
        let root = BitMapBackend::with_buffer(buf, (w, h)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut xs: Vec<f64> = self.budgets().iter().map(|b| *b as f64).collect();
        if let Some(q) = &self.queue {
            xs.extend(q.queue_curve.iter().map(|c| c.0 as f64));
        }
        let (xmin, xmax) = (xs.iter().copied().fold(f64::INFINITY, f64::min).max(1.0), xs.iter().copied().fold(1.0, f64::max));
        let auc = |c: &Cell| c.cold_auc.map(|e| e.value);
        let mut ys: Vec<f64> = self.curves.iter().chain(&self.baselines).flat_map(|r| r.cells.iter().filter_map(auc)).collect();
        ys.push(0.5);
        let ymin = (ys.iter().copied().fold(1.0, f64::min) - 0.03).max(0.0);
        let ymax = (ys.iter().copied().fold(0.0, f64::max) + 0.03).min(1.0);
        let mut chart = ChartBuilder::on(&root)
            .caption(format!("Cold AUC on {} <- {}", ellipsize(&self.target, 40), ellipsize(&self.source, 40)), ("sans-serif", 20))
            .margin(14)
            .x_label_area_size(46)
            .y_label_area_size(60)
            .build_cartesian_2d((xmin * 0.8..xmax * 1.25).log_scale(), ymin..ymax)?;
        chart
            .configure_mesh()
            .x_desc("stylist judgements (log scale)")
            .y_desc("cold AUC")
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| format!("{v:.2}"))
            .label_style(("sans-serif", 14))
            .axis_desc_style(("sans-serif", 15))
            .light_line_style(TRANSPARENT)
            .bold_line_style(RGBColor(225, 225, 225))
            .draw()?;
        let (x0, x1) = (xmin * 0.8, xmax * 1.25);
        let greys =
            [RGBColor(90, 90, 90), RGBColor(150, 150, 150), RGBColor(148, 103, 189), RGBColor(196, 156, 148), RGBColor(140, 86, 75)];
        for (i, r) in self.baselines.iter().enumerate() {
            let Some(v) = r.cells.first().and_then(auc) else { continue };
            let col = greys[i % greys.len()];
            chart
                .draw_series(DashedLineSeries::new(vec![(x0, v), (x1, v)], 8, 5, col.stroke_width(2)))?
                .label(format!("{} ({v:.3})", ellipsize(&r.method, 48)))
                .legend(move |(x, y)| DashedPathElement::new(vec![(x, y), (x + 22, y)], 6, 4, col.stroke_width(2)));
        }
        let colours = [RGBColor(31, 119, 180), RGBColor(255, 127, 14)];
        for (r, col) in self.curves.iter().zip(colours) {
            let pts: Vec<(f64, f64)> = r.cells.iter().filter_map(|c| auc(c).map(|v| (c.budget as f64, v))).collect();
            chart
                .draw_series(LineSeries::new(pts.clone(), col.stroke_width(3)))?
                .label(r.method.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 22, y)], col.stroke_width(3)));
            chart.draw_series(pts.iter().map(|p| Circle::new(*p, 5, col.filled())))?;
            chart.draw_series(r.cells.iter().filter_map(|c| {
                c.cold_auc.map(|e| PathElement::new(vec![(c.budget as f64, e.low), (c.budget as f64, e.high)], col.stroke_width(1)))
            }))?;
        }
        if let Some(q) = &self.queue {
            let green = RGBColor(44, 160, 44);
            let pts: Vec<(f64, f64)> = q.queue_curve.iter().map(|(n, a)| (*n as f64, *a)).collect();
            chart
                .draw_series(LineSeries::new(pts.clone(), green.stroke_width(2)))?
                .label("fine-tuned on the review queue's picks")
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 22, y)], green.stroke_width(2)));
            chart.draw_series(pts.iter().map(|p| TriangleMarker::new(*p, 5, green.filled())))?;
            if let Some(v) = q.random.cold_auc.map(|e| e.value) {
                chart.draw_series(std::iter::once(Cross::new((q.reference as f64, v), 7, green.stroke_width(2))))?;
            }
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(180, 180, 180))
            .label_font(("sans-serif", 13))
            .draw()?;
        root.present()?;
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Generated sources with a known answer (tests; never reported as fashion results).
