//! Heat maps of a loss surface: a grid of values on a log colour scale (loss grows by orders of
//! magnitude away from the minimum), viridis, with the trained model at the centre marked.

use plotters::prelude::*;
use plotters::style::colors::colormaps::{ColorMap, ViridisRGB};

use crate::ChartError;

/// A heat map: `values[j][i]` at (xs[i], ys[j]) on evenly spaced axes.
#[derive(Clone, Debug, PartialEq)]
pub struct Heatmap {
    pub caption: String,
    pub x_label: String,
    pub y_label: String,
    pub xs: Vec<f64>,
    pub ys: Vec<f64>,
    /// One row per y, one value per x.
    pub values: Vec<Vec<f64>>,
    /// What the values are, shown with their range in the caption (e.g. "loss").
    pub value_label: String,
    /// Width and height in pixels.
    pub size: (u32, u32),
}

/// Draws `h` as an SVG document.
pub fn heatmap(h: &Heatmap) -> Result<String, ChartError> {
    if h.xs.is_empty()
        || h.ys.is_empty()
        || h.values.len() != h.ys.len()
        || h.values.iter().any(|r| r.len() != h.xs.len())
    {
        return Err(format!("heat map: {} rows of values for {} x {} points", h.values.len(), h.xs.len(), h.ys.len()));
    }
    let mut svg = String::new();
    draw(h, &mut svg).map_err(|e| e.to_string())?;
    Ok(crate::describe::titled(svg, &h.caption, &h.describe()))
}

impl Heatmap {
    /// What the map shows, in words: the grid, and where its lowest and highest values are.
    pub fn describe(&self) -> String {
        use crate::describe::num;
        let mut lo = (f64::MAX, 0, 0);
        let mut hi = (f64::MIN, 0, 0);
        for (j, row) in self.values.iter().enumerate() {
            for (i, &v) in row.iter().enumerate() {
                if v < lo.0 {
                    lo = (v, i, j);
                }
                if v > hi.0 {
                    hi = (v, i, j);
                }
            }
        }
        let (nx, ny) = (self.xs.len(), self.ys.len());
        if nx == 0 || ny == 0 || lo.0 > hi.0 {
            return "Heat map, no values yet.".into();
        }
        let at = |(v, i, j): (f64, usize, usize)| format!("{} at ({}, {})", num(v), num(self.xs[i]), num(self.ys[j]));
        format!(
            "Heat map of {} on a {nx} by {ny} grid (viridis colours on a log scale: dark low, yellow high). x axis: {}, {} to {}. y axis: {}, {} to {}. Lowest {}; highest {}. A white cross marks the centre.",
            self.value_label,
            self.x_label,
            num(self.xs[0]),
            num(self.xs[nx - 1]),
            self.y_label,
            num(self.ys[0]),
            num(self.ys[ny - 1]),
            at(lo),
            at(hi)
        )
    }
}

fn draw<'a>(h: &Heatmap, svg: &'a mut String) -> Result<(), Box<dyn std::error::Error + 'a>> {
    let (lo, hi) = h.values.iter().flatten().fold((f64::MAX, f64::MIN), |(a, b), &v| (a.min(v), b.max(v)));
    let span = (hi - lo).max(1e-12);
    let (xs, ys) = (&h.xs, &h.ys);
    let dx = if xs.len() > 1 { (xs[1] - xs[0]) / 2.0 } else { 0.5 };
    let dy = if ys.len() > 1 { (ys[1] - ys[0]) / 2.0 } else { 0.5 };
    let root = SVGBackend::with_string(svg, h.size).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(format!("{} ({} {lo:.3} .. {hi:.3})", h.caption, h.value_label), ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(52)
        .build_cartesian_2d((xs[0] - dx)..(xs[xs.len() - 1] + dx), (ys[0] - dy)..(ys[ys.len() - 1] + dy))?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc(&h.x_label)
        .y_desc(&h.y_label)
        .label_style(("sans-serif", 16))
        .axis_desc_style(("sans-serif", 18))
        .x_labels(5)
        .y_labels(5)
        .draw()?;
    chart.draw_series(h.values.iter().enumerate().flat_map(|(j, row)| {
        row.iter().enumerate().map(move |(i, &v)| {
            let t = (1.0 + 99.0 * ((v - lo) / span).clamp(0.0, 1.0)).log10() / 2.0;
            let c: RGBColor = ViridisRGB.get_color(t);
            Rectangle::new([(xs[i] - dx, ys[j] - dy), (xs[i] + dx, ys[j] + dy)], c.filled())
        })
    }))?;
    chart.draw_series(std::iter::once(Cross::new((0.0, 0.0), 8, WHITE.stroke_width(3))))?;
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(values: Vec<Vec<f64>>) -> Heatmap {
        Heatmap {
            caption: "m".into(),
            x_label: "direction 1".into(),
            y_label: "direction 2".into(),
            xs: vec![-1.0, 0.0, 1.0],
            ys: vec![-1.0, 0.0, 1.0],
            values,
            value_label: "loss".into(),
            size: (300, 300),
        }
    }

    #[test]
    fn a_cell_per_value_and_the_range_in_the_caption() {
        let svg = heatmap(&map(vec![vec![1.0, 2.0, 3.0], vec![2.0, 0.5, 2.0], vec![3.0, 2.0, 1.0]])).unwrap();
        assert!(svg.matches("<rect").count() >= 9);
        assert!(svg.contains("loss 0.500 .. 3.000"));
        assert!(svg.contains("Lowest 0.5 at (0, 0); highest 3 at (1, -1)"), "{}", &svg[..600]);
    }

    #[test]
    fn a_ragged_grid_is_an_error() {
        assert!(heatmap(&map(vec![vec![1.0, 2.0], vec![2.0, 0.5, 2.0], vec![3.0, 2.0, 1.0]])).is_err());
    }
}
