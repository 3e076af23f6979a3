//! The Landscape panel: loss along filter-normalised random directions (1-D for every compared
//! model, 2-D for the selected one) and the noise landscape, computed by the evaluators.

use yew::prelude::*;

use super::{swatch, Ctx};
use crate::app::browser::now_ms;
use crate::app::plots::{Chart, Heatmap, Legend, LineChart, Series};
use crate::app_core::landscape::{axis, GRID_POINTS, NOISE_DRAWS, NOISE_STDS, SLICE_POINTS, SUBSET};
use crate::app_core::naming::model_colour;
use crate::app_core::selectors::{fmt_int, landscape_models};
use crate::app_core::Action;

pub fn view(ctx: &Ctx) -> Html {
    let s = &ctx.state;
    let l = &s.landscape;
    if s.models.is_empty() {
        return html! { <section id="landscape-panel" class="panel"><p class="hint">{"Train a model first (Train panel); its loss landscape shows here."}</p></section> };
    }
    let (models, _) = landscape_models(s);
    let start = ctx.cb(|_: MouseEvent| Action::ComputeLandscape { now_ms: now_ms() });
    let name = |id: u64| s.model(id).map(|m| m.meta.name.clone()).unwrap_or_else(|| format!("model {id}"));
    let (done, total) = l.progress();
    let since = |t: Option<f64>| match (t, l.started_ms) {
        (Some(t), Some(s0)) => format!("{:.1} s", (t - s0) / 1000.0),
        _ => "…".into(),
    };
    let status = if l.run == 0 {
        html! { <p class="hint">{ format!("Press the button to compute: {SLICE_POINTS} points along one direction for each model, a {GRID_POINTS} × {GRID_POINTS} grid for the selected one, and {} noise strengths × {NOISE_DRAWS} draws, on a stratified subset of {} test images.", NOISE_STDS.len(), fmt_int(SUBSET)) }</p> }
    } else {
        html! {
            <div>
                <progress id="landscape-progress" max={total.to_string()} value={done.to_string()}></progress>
                <p id="landscape-status" data-done={done.to_string()} data-total={total.to_string()}
                    data-slice-ms={l.slice_done_ms.zip(l.started_ms).map(|(t, s0)| format!("{:.0}", t - s0)).unwrap_or_default()}
                    data-grid-ms={l.grid_done_ms.zip(l.started_ms).map(|(t, s0)| format!("{:.0}", t - s0)).unwrap_or_default()}>
                    { format!("{done} / {total} points · 1-D slices done after {} · 2-D grid after {} · noise landscape after {}", since(l.slice_done_ms), since(l.grid_done_ms), since(l.noise_done_ms)) }
                </p>
            </div>
        }
    };
    let xs = axis(SLICE_POINTS);
    let mut slice_series = Vec::new();
    let (mut lo, mut hi) = (f64::MAX, f64::MIN);
    for &id in l.models.iter() {
        let pts: Vec<(f64, f64, f64)> = l
            .slice
            .get(&id)
            .map(|m| m.iter().map(|(&k, &(loss, _))| (xs[k] as f64, loss, 0.0)).collect())
            .unwrap_or_default();
        for p in &pts {
            lo = lo.min(p.1);
            hi = hi.max(p.1);
        }
        // The legend is the coloured list above the charts: long model names crowd a plot.
        slice_series.push(Series { name: String::new(), color: model_colour(id), points: pts, dashed: false });
    }
    let y = if lo <= hi { (0.0f64.min(lo), hi * 1.05 + 1e-6) } else { (0.0, 1.0) };
    let slice_chart = html! { <Chart spec={LineChart {
        caption: "test loss along a filter-normalised direction".into(),
        x_label: "step α along the direction (1 = each filter moved by its own norm)".into(),
        y_label: "test loss".into(),
        x: (-1.0, 1.0),
        y,
        series: slice_series,
        marker: Some(0.0),
        size: (760, 400),
        legend: Legend::UpperRight,
        log_x: false,
    }} /> };
    let grid = if l.grid.len() == GRID_POINTS * GRID_POINTS {
        let values: Vec<f64> = l.grid.values().map(|p| p.0).collect();
        html! { <Heatmap caption={format!("{}: test loss", l.grid_model.map(name).unwrap_or_default())} n={GRID_POINTS} values={values} /> }
    } else if l.run > 0 {
        html! { <p class="hint">{ format!("2-D grid: {} / {} points", l.grid.len(), GRID_POINTS * GRID_POINTS) }</p> }
    } else {
        html! {}
    };
    let noise_series = |acc: bool| -> Vec<Series> {
        l.models
            .iter()
            .map(|&id| Series {
                name: String::new(),
                color: model_colour(id),
                points: l
                    .noise
                    .get(&id)
                    .map(|m| {
                        m.iter()
                            .map(|(&k, &(loss, a))| {
                                if acc {
                                    (NOISE_STDS[k] as f64, a.0, a.1)
                                } else {
                                    (NOISE_STDS[k] as f64, loss.0.max(1e-9).log10(), 0.0)
                                }
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                dashed: false,
            })
            .collect()
    };
    let log_loss: Vec<f64> =
        l.noise.values().flat_map(|m| m.values().map(|(loss, _)| loss.0.max(1e-9).log10())).collect();
    let ly = if log_loss.is_empty() {
        (-2.0, 1.0)
    } else {
        (
            log_loss.iter().cloned().fold(f64::MAX, f64::min) - 0.2,
            log_loss.iter().cloned().fold(f64::MIN, f64::max) + 0.2,
        )
    };
    let noise_acc = html! { <Chart spec={LineChart {
        caption: format!("accuracy under log-normal noise (mean ± sd, {NOISE_DRAWS} draws)"),
        x_label: "noise std σ".into(),
        y_label: "accuracy (%)".into(),
        x: (0.0, 2.0),
        y: (0.0, 100.0),
        series: noise_series(true),
        marker: None,
        size: (760, 400),
        legend: Legend::UpperRight,
        log_x: false,
    }} /> };
    let noise_loss = html! { <Chart spec={LineChart {
        caption: "expected test loss under log-normal noise".into(),
        x_label: "noise std σ".into(),
        y_label: "log10 of mean test loss".into(),
        x: (0.0, 2.0),
        y: ly,
        series: noise_series(false),
        marker: None,
        size: (760, 400),
        legend: Legend::LowerRight,
        log_x: false,
    }} /> };
    html! {
        <section id="landscape-panel" class="panel">
            <h2>{"Loss landscape: why a hardened model survives noise"}</h2>
            <p class="explain">{"Each picture moves all weights away from the trained model along random directions, scaled filter by filter to the weights' own size (Li et al., 2018), and measures the test loss. A flat landscape means small weight errors barely matter. The same directions (seed 1) are used for every model, so the pictures compare. Models: the ones ticked in Explore's overlay list, or else the one selected there."}</p>
            <button id="landscape-run" class="primary" onclick={start}>{ format!("Compute landscapes ({} model{})", models.len(), if models.len() == 1 { "" } else { "s" }) }</button>
            { status }
            if !l.models.is_empty() {
                <ul class="legend" id="landscape-legend">
                    { for l.models.iter().map(|&id| html! {
                        <li>{ swatch(id) }{ name(id) }
                            if l.grid_model == Some(id) { <span class="how">{" (2-D grid)"}</span> }</li> }) }
                </ul>
            }
            <div class="chart-grid">
                <div class="chart" id="landscape-slice">{ slice_chart }</div>
                <div class="chart" id="landscape-grid">{ grid }</div>
                <div class="chart" id="landscape-noise-accuracy">{ noise_acc }</div>
                <div class="chart" id="landscape-noise-loss">{ noise_loss }</div>
            </div>
        </section>
    }
}
