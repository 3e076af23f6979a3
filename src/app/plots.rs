//! The charts as yew components over the shared `charts` crate (which the CLI uses too). A
//! component re-renders (and plotters re-measures its labels, which in the browser forces a
//! page layout per label) only when its data changes, not on every page update.

pub use charts::{css, Legend, LineChart, Series};

/// An SVG document, or the reason it could not be drawn, as page content.
fn svg_or_error(svg: Result<String, charts::ChartError>) -> yew::Html {
    let html = svg.unwrap_or_else(|e| format!("<p class=\"error\">chart error: {e}</p>"));
    yew::Html::from_html_unchecked(yew::AttrValue::from(html))
}

#[derive(yew::Properties, PartialEq)]
pub struct ChartProps {
    pub spec: LineChart,
}

#[yew::function_component]
pub fn Chart(p: &ChartProps) -> yew::Html {
    svg_or_error(charts::line_chart(&p.spec))
}

/// Clean and perturbed weight histograms over the same bins.
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
    svg_or_error(charts::histogram(
        &p.caption,
        "weight value",
        p.lo,
        p.hi,
        ("clean", &p.clean),
        ("perturbed", &p.noisy),
        (620, 320),
    ))
}

/// The loss over the landscape grid: `values` row-major, `n` x `n`, rows along the second
/// direction from -1 up to 1; the model sits at the marked centre.
#[derive(yew::Properties, PartialEq)]
pub struct HeatmapProps {
    pub caption: String,
    pub n: usize,
    pub values: Vec<f64>,
}

#[yew::function_component]
pub fn Heatmap(p: &HeatmapProps) -> yew::Html {
    let axis: Vec<f64> = crate::app_core::landscape::axis(p.n).iter().map(|&a| a as f64).collect();
    let spec = charts::Heatmap {
        caption: p.caption.clone(),
        x_label: "direction 1".into(),
        y_label: "direction 2".into(),
        xs: axis.clone(),
        ys: axis,
        values: p.values.chunks(p.n.max(1)).map(|r| r.to_vec()).collect(),
        value_label: "loss".into(),
        size: (560, 520),
    };
    svg_or_error(charts::heatmap(&spec))
}
