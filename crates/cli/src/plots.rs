//! SVG figures for the CLI: the shared `charts` crate (the app draws with it too), written to
//! files, at a size for reports.

use std::path::Path;

pub use charts::{Legend, Series};

/// Writes a line chart of `series` to `path`, its ranges fitted to the data.
pub fn lines(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: Vec<Series>,
    legend: Legend,
) -> anyhow::Result<()> {
    let mut chart = charts::LineChart {
        caption: title.into(),
        x_label: x_label.into(),
        y_label: y_label.into(),
        series,
        size: (900, 560),
        legend,
        ..charts::LineChart::default()
    };
    chart.fit_ranges();
    write(path, charts::line_chart(&chart))
}

/// Writes a heat map of `values[j][i]` at (xs[i], ys[j]) to `path`, the centre marked.
pub fn heatmap(
    path: &Path,
    title: &str,
    xs: &[f64],
    ys: &[f64],
    values: &[Vec<f64>],
    value_label: &str,
) -> anyhow::Result<()> {
    let map = charts::Heatmap {
        caption: title.into(),
        x_label: "direction 1".into(),
        y_label: "direction 2".into(),
        xs: xs.to_vec(),
        ys: ys.to_vec(),
        values: values.to_vec(),
        value_label: value_label.into(),
        size: (760, 680),
    };
    write(path, charts::heatmap(&map))
}

/// Writes a drawn chart, or says why it could not be drawn.
pub fn write(path: &Path, svg: Result<String, charts::ChartError>) -> anyhow::Result<()> {
    let svg = svg.map_err(|e| anyhow::anyhow!("drawing {}: {e}", path.display()))?;
    crate::output::write_atomic(path, svg)
}
