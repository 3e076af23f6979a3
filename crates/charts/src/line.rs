//! Line charts: several series of (x, mean, sd) points, a shaded ±sd band where sd > 0, an
//! optional vertical marker, and a legend in a chosen corner (or none, when the page draws the
//! legend beside the chart).

use plotters::prelude::*;

use crate::palette::color;
use crate::ChartError;

/// One curve.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Legend entry; series with an empty name have none.
    pub name: String,
    /// Palette index (see [`crate::color`]).
    pub color: usize,
    /// (x, y, sd) points; a band of ±sd is drawn when any sd is positive.
    pub points: Vec<(f64, f64, f64)>,
    pub dashed: bool,
}

/// Where the legend goes: the corner the curves leave empty.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Legend {
    UpperLeft,
    UpperRight,
    LowerLeft,
    LowerRight,
}

/// A line chart.
#[derive(Clone, Debug, PartialEq)]
pub struct LineChart {
    pub caption: String,
    pub x_label: String,
    pub y_label: String,
    /// Axis ranges.
    pub x: (f64, f64),
    pub y: (f64, f64),
    /// Logarithmic x axis (x must be positive).
    pub log_x: bool,
    pub series: Vec<Series>,
    /// A vertical line at this x.
    pub marker: Option<f64>,
    /// Width and height in pixels.
    pub size: (u32, u32),
    pub legend: Legend,
}

impl Default for LineChart {
    fn default() -> Self {
        Self {
            caption: String::new(),
            x_label: String::new(),
            y_label: String::new(),
            x: (0.0, 1.0),
            y: (0.0, 1.0),
            log_x: false,
            series: Vec::new(),
            marker: None,
            size: (760, 400),
            legend: Legend::UpperRight,
        }
    }
}

impl LineChart {
    /// Axis ranges that hold every point and band, with 5% headroom in y.
    pub fn fit_ranges(&mut self) {
        let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for &(x, y, sd) in self.series.iter().flat_map(|s| &s.points) {
            x0 = x0.min(x);
            x1 = x1.max(x);
            y0 = y0.min(y - sd);
            y1 = y1.max(y + sd);
        }
        if x0 > x1 {
            return; // no points: keep the ranges given
        }
        if x0 >= x1 {
            x1 = x0 + 1.0;
        }
        let pad = ((y1 - y0) * 0.05).max(1e-6);
        self.x = (x0, x1);
        self.y = (y0 - pad, y1 + pad);
    }
}

impl LineChart {
    /// What the chart shows, in words: its axes and every curve.
    pub fn describe(&self) -> String {
        use crate::describe::{num, series};
        let curves = self.series.len();
        let mut s = format!(
            "Line chart, {curves} curve{}. x axis: {}, {} to {}{}. y axis: {}, {} to {}.",
            if curves == 1 { "" } else { "s" },
            self.x_label,
            num(self.x.0),
            num(self.x.1),
            if self.log_x { " (logarithmic)" } else { "" },
            self.y_label,
            num(self.y.0),
            num(self.y.1)
        );
        if self.series.iter().any(|s| s.points.iter().any(|p| p.2 > 0.0)) {
            s += " Shaded bands: ± one standard deviation.";
        }
        if let Some(m) = self.marker {
            s += &format!(" A vertical line marks x = {}.", num(m));
        }
        for c in &self.series {
            s += &format!(" {}.", series(&c.name, c.color, &c.points));
        }
        s
    }
}

/// Draws `c` as an SVG document, with its text alternative.
pub fn line_chart(c: &LineChart) -> Result<String, ChartError> {
    let mut svg = String::new();
    draw(c, &mut svg).map_err(|e| e.to_string())?;
    Ok(crate::describe::titled(svg, &c.caption, &c.describe()))
}

fn draw<'a>(c: &LineChart, svg: &'a mut String) -> Result<(), Box<dyn std::error::Error + 'a>> {
    let root = SVGBackend::with_string(svg, c.size).into_drawing_area();
    root.fill(&WHITE)?;
    let mut builder = ChartBuilder::on(&root);
    builder.caption(&c.caption, ("sans-serif", 22)).margin(12).x_label_area_size(48).y_label_area_size(64);
    if c.log_x {
        let mut chart = builder.build_cartesian_2d((c.x.0..c.x.1).log_scale(), c.y.0..c.y.1)?;
        chart
            .configure_mesh()
            .x_desc(&c.x_label)
            .y_desc(&c.y_label)
            .x_label_formatter(&|x| format!("{x:.0}"))
            .label_style(("sans-serif", 16))
            .axis_desc_style(("sans-serif", 18))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()?;
        series(&mut chart, c)?;
    } else {
        let mut chart = builder.build_cartesian_2d(c.x.0..c.x.1, c.y.0..c.y.1)?;
        chart
            .configure_mesh()
            .x_desc(&c.x_label)
            .y_desc(&c.y_label)
            // in the browser plotters measures every label by laying out a DOM span: keep them few
            .x_labels(6)
            .y_labels(6)
            .label_style(("sans-serif", 16))
            .axis_desc_style(("sans-serif", 18))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()?;
        series(&mut chart, c)?;
    }
    root.present()?;
    Ok(())
}

/// The series, marker and legend, on either kind of x axis.
fn series<'a, X>(
    chart: &mut ChartContext<'a, SVGBackend<'a>, Cartesian2d<X, plotters::coord::types::RangedCoordf64>>,
    c: &LineChart,
) -> Result<(), Box<dyn std::error::Error + 'a>>
where
    X: Ranged<ValueType = f64>,
{
    for s in &c.series {
        let col = color(s.color);
        if s.points.iter().any(|p| p.2 > 0.0) {
            let mut band: Vec<(f64, f64)> = s.points.iter().map(|p| (p.0, p.1 + p.2)).collect();
            band.extend(s.points.iter().rev().map(|p| (p.0, p.1 - p.2)));
            chart.draw_series(std::iter::once(Polygon::new(band, col.mix(0.2).filled())))?;
        }
        let line: Vec<(f64, f64)> = s.points.iter().map(|p| (p.0, p.1)).collect();
        let style = ShapeStyle::from(&col).stroke_width(3);
        if s.dashed {
            chart.draw_series(DashedLineSeries::new(line.clone(), 8, 6, style))?;
        } else {
            chart.draw_series(LineSeries::new(line.clone(), style))?;
        }
        let dots = chart.draw_series(line.iter().map(|&p| Circle::new(p, 4, col.filled())))?;
        if !s.name.is_empty() {
            dots.label(s.name.clone())
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 20, y + 5)], col.filled()));
        }
    }
    if let Some(m) = c.marker {
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(m, c.y.0), (m, c.y.1)],
            ShapeStyle::from(&BLACK.mix(0.6)).stroke_width(2),
        )))?;
    }
    if c.series.iter().any(|s| !s.name.is_empty()) {
        chart
            .configure_series_labels()
            .label_font(("sans-serif", 16))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .position(match c.legend {
                Legend::UpperLeft => SeriesLabelPosition::UpperLeft,
                Legend::UpperRight => SeriesLabelPosition::UpperRight,
                Legend::LowerLeft => SeriesLabelPosition::LowerLeft,
                Legend::LowerRight => SeriesLabelPosition::LowerRight,
            })
            .draw()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(log_x: bool) -> LineChart {
        LineChart {
            caption: "c".into(),
            series: vec![
                Series {
                    name: "alpha".into(),
                    color: 0,
                    points: vec![(1.0, 2.0, 0.5), (10.0, 3.0, 0.5)],
                    dashed: false,
                },
                Series { name: String::new(), color: 1, points: vec![(1.0, 1.0, 0.0), (10.0, 1.5, 0.0)], dashed: true },
            ],
            log_x,
            marker: Some(5.0),
            ..LineChart::default()
        }
    }

    #[test]
    fn fitted_ranges_hold_points_and_bands() {
        let mut c = chart(false);
        c.fit_ranges();
        assert_eq!(c.x, (1.0, 10.0));
        assert!(c.y.0 < 1.0 && c.y.1 > 3.5, "{:?}", c.y);
    }

    #[test]
    fn draws_bands_lines_and_only_named_legend_entries() {
        for log_x in [false, true] {
            let mut c = chart(log_x);
            c.fit_ranges();
            let svg = line_chart(&c).unwrap();
            assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
            assert!(svg.contains("<polygon"), "the ±sd band of the first series");
            // once in the legend, and in the text alternative's aria-label and <desc>
            assert_eq!(svg.matches(">\nalpha\n<").count(), 1, "one legend entry: the named series only");
            assert_eq!(svg.matches("alpha").count(), 3);
            assert_eq!(svg.matches("<circle").count(), 4, "a dot per point");
            assert!(svg.contains("role=\"img\"") && svg.contains("<title>c</title>"), "{}", &svg[..300]);
            assert!(svg.contains("alpha (blue): 2 points, from 2 at x = 1 to 3 at x = 10"), "{}", &svg[..600]);
        }
    }
}
