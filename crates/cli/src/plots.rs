//! SVG figures with plotters (the plotting library the app uses too): curves with optional
//! +-sd bands, and heat maps. Large fonts, so figures stay readable on a projector.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::colors::colormaps::{ColorMap, ViridisRGB};

/// One curve: name, points (x, y) and optional half-width of a band around y.
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
    pub band: Option<Vec<f64>>,
}

const PALETTE: [RGBColor; 6] = [RGBColor(31, 119, 180), RGBColor(214, 39, 40), RGBColor(44, 160, 44), RGBColor(255, 127, 14), RGBColor(148, 103, 189), RGBColor(23, 190, 207)];

/// A line chart of several series (with shaded +-band where given).
/// `legend` says where the legend goes (pick the corner the curves leave empty).
pub fn lines(path: &Path, title: &str, x_label: &str, y_label: &str, series: &[Series], legend: SeriesLabelPosition) -> anyhow::Result<()> {
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for s in series {
        for (i, &(x, y)) in s.points.iter().enumerate() {
            let b = s.band.as_ref().map(|b| b[i]).unwrap_or(0.0);
            x0 = x0.min(x);
            x1 = x1.max(x);
            y0 = y0.min(y - b);
            y1 = y1.max(y + b);
        }
    }
    if !(x0 < x1) {
        x1 = x0 + 1.0;
    }
    let pad = ((y1 - y0) * 0.05).max(1e-6);
    let root = SVGBackend::new(path, (900, 560)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 26))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(70)
        .build_cartesian_2d(x0..x1, (y0 - pad)..(y1 + pad))?;
    chart.configure_mesh().x_desc(x_label).y_desc(y_label).label_style(("sans-serif", 18)).draw()?;
    for (k, s) in series.iter().enumerate() {
        let c = PALETTE[k % PALETTE.len()];
        if let Some(b) = &s.band {
            let upper: Vec<(f64, f64)> = s.points.iter().zip(b).map(|(&(x, y), &d)| (x, y + d)).collect();
            let lower: Vec<(f64, f64)> = s.points.iter().zip(b).rev().map(|(&(x, y), &d)| (x, y - d)).collect();
            chart.draw_series(std::iter::once(Polygon::new([upper, lower].concat(), c.mix(0.18).filled())))?;
        }
        chart
            .draw_series(LineSeries::new(s.points.clone(), c.stroke_width(3)))?
            .label(s.name.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], c.stroke_width(3)));
    }
    chart.configure_series_labels().position(legend).background_style(WHITE.mix(0.85)).border_style(BLACK).label_font(("sans-serif", 18)).draw()?;
    root.present()?;
    Ok(())
}

/// A heat map of `values[j][i]` at (xs[i], ys[j]), darker = lower, with the centre marked.
pub fn heatmap(path: &Path, title: &str, xs: &[f64], ys: &[f64], values: &[Vec<f64>], value_label: &str) -> anyhow::Result<()> {
    let (lo, hi) = values.iter().flatten().fold((f64::MAX, f64::MIN), |(a, b), &v| (a.min(v), b.max(v)));
    let span = (hi - lo).max(1e-12);
    let root = SVGBackend::new(path, (760, 680)).into_drawing_area();
    root.fill(&WHITE)?;
    let dx = if xs.len() > 1 { (xs[1] - xs[0]) / 2.0 } else { 0.5 };
    let dy = if ys.len() > 1 { (ys[1] - ys[0]) / 2.0 } else { 0.5 };
    let mut chart = ChartBuilder::on(&root)
        .caption(format!("{title} ({value_label} {lo:.3} .. {hi:.3})"), ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(60)
        .build_cartesian_2d((xs[0] - dx)..(xs[xs.len() - 1] + dx), (ys[0] - dy)..(ys[ys.len() - 1] + dy))?;
    chart.configure_mesh().disable_mesh().x_desc("direction 1").y_desc("direction 2").label_style(("sans-serif", 18)).draw()?;
    chart.draw_series(values.iter().enumerate().flat_map(|(j, row)| {
        row.iter().enumerate().map(move |(i, &v)| {
            // log scale: loss grows by orders of magnitude away from the minimum
            let t = ((v - lo) / span).clamp(0.0, 1.0);
            let t = (1.0 + 99.0 * t).log10() / 2.0;
            let c: RGBColor = ViridisRGB.get_color(t);
            Rectangle::new([(xs[i] - dx, ys[j] - dy), (xs[i] + dx, ys[j] + dy)], c.filled())
        })
    }))?;
    chart.draw_series(std::iter::once(Cross::new((0.0, 0.0), 8, WHITE.stroke_width(3))))?;
    root.present()?;
    Ok(())
}
