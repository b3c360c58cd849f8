//! `train --plot FILE.svg`: the training loss and the validation score per epoch.

use std::path::Path;

use anyhow::{Context, Result};
use neurotext_train::EpochRecord;
use plotters::prelude::*;

/// Draws two panels, the loss above and the validation score below, into an SVG file.
pub fn plot(history: &[EpochRecord], metric: &str, path: &Path) -> Result<()> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (720, 640)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| anyhow::anyhow!("{e}"))?;
        let (top, bottom) = root.split_vertically(320);
        let epochs = history.len().max(1) as f64;
        let losses: Vec<(f64, f64)> = history
            .iter()
            .map(|r| (r.epoch as f64, r.train_loss))
            .collect();
        draw(&top, "training loss", &losses, epochs, &RED).map_err(|e| anyhow::anyhow!("{e}"))?;
        let scores: Vec<(f64, f64)> = history
            .iter()
            .filter_map(|r| r.validation.as_ref().map(|v| (r.epoch as f64, v.score)))
            .collect();
        draw(
            &bottom,
            &format!("validation {metric}"),
            &scores,
            epochs,
            &BLUE,
        )
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        root.present().map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    neurotext_train::checkpoint::write_atomic(path, svg.as_bytes())
        .with_context(|| format!("cannot write the plot {}", path.display()))
}

fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    title: &str,
    points: &[(f64, f64)],
    epochs: f64,
    color: &RGBColor,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let (lo, hi) = points
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &(_, y)| {
            (lo.min(y), hi.max(y))
        });
    let (lo, hi) = if lo.is_finite() && hi > lo {
        (lo, hi)
    } else if lo.is_finite() {
        (lo - 0.5, lo + 0.5)
    } else {
        (0.0, 1.0)
    };
    let pad = (hi - lo) * 0.08;
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(30)
        .y_label_area_size(60)
        .build_cartesian_2d(1.0..epochs.max(2.0), (lo - pad)..(hi + pad))?;
    chart.configure_mesh().x_desc("epoch").draw()?;
    chart.draw_series(LineSeries::new(
        points.iter().copied(),
        color.stroke_width(2),
    ))?;
    chart.draw_series(points.iter().map(|&p| Circle::new(p, 3, color.filled())))?;
    Ok(())
}
