//! Charts drawn with plotters into SVG strings: large type and thick lines, for a projector.

use plotters::prelude::*;

/// Colours of successive series (colour-blind-safe Okabe-Ito).
pub const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(120, 120, 120),
];

pub fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// CSS form of a palette colour.
pub fn css(i: usize) -> String {
    let c = color(i);
    format!("rgb({},{},{})", c.0, c.1, c.2)
}

/// One curve: (x, mean, sd) points; a band of +-sd is drawn when any sd is positive.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub name: String,
    pub color: usize,
    pub points: Vec<(f64, f64, f64)>,
    pub dashed: bool,
}

/// A line chart with optional +-sd bands and a vertical marker.
#[derive(Clone, Debug, PartialEq)]
pub struct LineChart {
    pub caption: String,
    pub x_label: String,
    pub y_label: String,
    pub x: (f64, f64),
    pub y: (f64, f64),
    pub series: Vec<Series>,
    pub marker: Option<f64>,
    pub size: (u32, u32),
    /// Legend in the upper right (else lower right), wherever the curves leave room.
    pub legend_top: bool,
}

/// Renders the chart as an SVG document, or an error message.
pub fn line_chart(c: &LineChart) -> String {
    let mut svg = String::new();
    let result = (|| -> Result<(), Box<dyn std::error::Error + '_>> {
        let root = SVGBackend::with_string(&mut svg, c.size).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(&c.caption, ("sans-serif", 22))
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(64)
            .build_cartesian_2d(c.x.0..c.x.1, c.y.0..c.y.1)?;
        chart
            .configure_mesh()
            .x_desc(&c.x_label)
            .y_desc(&c.y_label)
            // plotters measures every label by laying out a DOM span: keep them few
            .x_labels(6)
            .y_labels(6)
            .label_style(("sans-serif", 16))
            .axis_desc_style(("sans-serif", 18))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()?;
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
            chart
                .draw_series(line.iter().map(|&p| Circle::new(p, 4, col.filled())))?
                .label(s.name.clone())
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 20, y + 5)], col.filled()));
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
                .position(if c.legend_top { SeriesLabelPosition::UpperRight } else { SeriesLabelPosition::LowerRight })
                .draw()?;
        }
        root.present()?;
        Ok(())
    })();
    match result {
        Ok(()) => svg,
        Err(e) => format!("<p class=\"error\">chart error: {e}</p>"),
    }
}

/// Two histograms over the same bins, drawn as overlaid bars.
pub fn histogram_chart(caption: &str, lo: f32, hi: f32, a: (&str, &[u32]), b: (&str, &[u32]), size: (u32, u32)) -> String {
    let mut svg = String::new();
    let bins = a.1.len().max(1);
    let width = (hi - lo) as f64 / bins as f64;
    let ymax = a.1.iter().chain(b.1).copied().max().unwrap_or(1).max(1) as f64 * 1.05;
    let result = (|| -> Result<(), Box<dyn std::error::Error + '_>> {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(caption, ("sans-serif", 22))
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(72)
            .build_cartesian_2d(lo as f64..hi as f64, 0.0..ymax)?;
        chart
            .configure_mesh()
            .x_desc("weight value")
            .y_desc("count")
            .x_labels(6)
            .y_labels(5)
            .y_label_formatter(&|v| format!("{v:.0}"))
            .label_style(("sans-serif", 16))
            .axis_desc_style(("sans-serif", 18))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()?;
        for (k, (name, counts)) in [a, b].into_iter().enumerate() {
            let col = color(k);
            chart
                .draw_series(counts.iter().enumerate().map(|(i, &n)| {
                    let x0 = lo as f64 + i as f64 * width;
                    Rectangle::new([(x0, 0.0), (x0 + width, n as f64)], col.mix(0.45).filled())
                }))?
                .label(name.to_string())
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 20, y + 5)], col.filled()));
        }
        chart
            .configure_series_labels()
            .label_font(("sans-serif", 16))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .draw()?;
        root.present()?;
        Ok(())
    })();
    match result {
        Ok(()) => svg,
        Err(e) => format!("<p class=\"error\">chart error: {e}</p>"),
    }
}

/// A chart as a component: it re-renders (and plotters re-measures its labels, which forces
/// a page layout per label) only when its data changes, not on every page update.
#[derive(yew::Properties, PartialEq)]
pub struct ChartProps {
    pub spec: LineChart,
}

#[yew::function_component]
pub fn Chart(p: &ChartProps) -> yew::Html {
    yew::Html::from_html_unchecked(yew::AttrValue::from(line_chart(&p.spec)))
}

#[derive(yew::Properties, PartialEq)]
pub struct HistogramProps {
    pub caption: String,
    pub lo: f32,
    pub hi: f32,
    pub clean: Vec<u32>,
    pub noisy: Vec<u32>,
}

#[yew::function_component]
pub fn Histogram(p: &HistogramProps) -> yew::Html {
    let svg = histogram_chart(&p.caption, p.lo, p.hi, ("clean", &p.clean), ("perturbed", &p.noisy), (620, 320));
    yew::Html::from_html_unchecked(yew::AttrValue::from(svg))
}

/// A heat map of `values` (row-major, `n` x `n`, rows = second axis from -1 up to 1) over
/// [-1, 1]^2, on a log colour scale (loss grows by orders of magnitude away from the minimum),
/// with the model at the centre marked.
#[derive(yew::Properties, PartialEq)]
pub struct HeatmapProps {
    pub caption: String,
    pub n: usize,
    pub values: Vec<f64>,
}

#[yew::function_component]
pub fn Heatmap(p: &HeatmapProps) -> yew::Html {
    use plotters::style::colors::colormaps::{ColorMap, ViridisRGB};
    let mut svg = String::new();
    let result = (|| -> Result<(), Box<dyn std::error::Error + '_>> {
        let (lo, hi) = p.values.iter().fold((f64::MAX, f64::MIN), |(a, b), &v| (a.min(v), b.max(v)));
        let span = (hi - lo).max(1e-12);
        let root = SVGBackend::with_string(&mut svg, (560, 520)).into_drawing_area();
        root.fill(&WHITE)?;
        let h = 1.0 / (p.n.max(2) - 1) as f64;
        let mut chart = ChartBuilder::on(&root)
            .caption(format!("{} (loss {lo:.3} .. {hi:.3})", p.caption), ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(52)
            .build_cartesian_2d((-1.0 - h)..(1.0 + h), (-1.0 - h)..(1.0 + h))?;
        chart.configure_mesh().disable_mesh().x_desc("direction 1").y_desc("direction 2").label_style(("sans-serif", 16)).x_labels(5).y_labels(5).draw()?;
        let axis = crate::app::landscape::axis(p.n);
        chart.draw_series(p.values.iter().enumerate().map(|(k, &v)| {
            let (x, y) = (axis[k % p.n] as f64, axis[k / p.n] as f64);
            let t = (1.0 + 99.0 * ((v - lo) / span).clamp(0.0, 1.0)).log10() / 2.0;
            let c: RGBColor = ViridisRGB.get_color(t);
            Rectangle::new([(x - h, y - h), (x + h, y + h)], c.filled())
        }))?;
        chart.draw_series(std::iter::once(Cross::new((0.0, 0.0), 8, WHITE.stroke_width(3))))?;
        root.present()?;
        Ok(())
    })();
    let out = match result {
        Ok(()) => svg,
        Err(e) => format!("<p class=\"error\">chart error: {e}</p>"),
    };
    yew::Html::from_html_unchecked(yew::AttrValue::from(out))
}
