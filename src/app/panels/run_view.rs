//! The training run in progress: progress, loss and accuracy charts.

use yew::prelude::*;

use super::Ctx;
use crate::app::browser::now_ms;
use crate::app::plots::{Chart, Legend, LineChart, Series};
use crate::app_core::{Action, Tab};

pub fn view(ctx: &Ctx) -> Html {
    let s = &ctx.state;
    let done = s.run.is_none().then_some(s.last_run.as_ref()).flatten();
    let Some(run) = s.run.as_ref().or(done.map(|d| &d.0)) else {
        return html! { <p class="hint">{"Press Train: the network trains in a background worker, so the page stays responsive. The report's MLP reaches about 98% in 5 epochs."}</p> };
    };
    let (fraction, eta, speed, label) = match &run.progress {
        Some(p) => {
            let elapsed = run.started_ms.map_or(0.0, |t0| (now_ms() - t0) / 1000.0);
            let frac = p.fraction();
            // The first steps include the worker's start: an estimate from them was wild
            // (325 s for a 28 s run), so none is given before 3% of the run.
            let eta = if frac >= 0.03 { elapsed * (1.0 - frac) / frac } else { f64::NAN };
            (
                frac,
                eta,
                p.throughput.unwrap_or(0.0),
                format!("epoch {}/{}, step {}/{}", p.epoch, p.epochs, p.step, p.steps_per_epoch),
            )
        }
        None => (0.0, f64::NAN, 0.0, "starting…".into()),
    };
    let left = if eta.is_finite() { format!("about {eta:.0} s left") } else { "estimating the time left…".into() };
    let loss_chart = html! { <Chart spec={LineChart {
        caption: "training loss".into(),
        x_label: "epoch".into(),
        y_label: "cross-entropy".into(),
        x: (0.0, run.train.epochs as f64),
        y: (0.0, run.loss.iter().map(|p| p.1).fold(0.5, f64::max) * 1.05),
        series: vec![Series { name: String::new(), color: 0, points: run.loss.iter().map(|&(x, y)| (x, y, 0.0)).collect(), dashed: false }],
        marker: None,
        size: (560, 300),
        legend: Legend::LowerRight,
        log_x: false,
    }} /> };
    let lo = run.epochs.iter().map(|e| e.1.min(e.2)).fold(90.0, f64::min).floor();
    let acc_chart = html! { <Chart spec={LineChart {
        caption: "accuracy after each epoch".into(),
        x_label: "epoch".into(),
        y_label: "accuracy (%)".into(),
        x: (0.0, run.train.epochs as f64),
        y: (lo, 100.0),
        series: vec![
            Series { name: "train (running)".into(), color: 1, points: run.epochs.iter().map(|e| (e.0 as f64, e.1, 0.0)).collect(), dashed: true },
            Series { name: "test".into(), color: 0, points: run.epochs.iter().map(|e| (e.0 as f64, e.2, 0.0)).collect(), dashed: false },
        ],
        marker: None,
        size: (560, 300),
        legend: Legend::LowerRight,
        log_x: false,
    }} /> };
    let last_test = run.epochs.last().map(|e| e.2);
    let status = match done {
        Some((_, id, accuracy)) => {
            let id = *id;
            let kept = s.model(id).is_some();
            let d = s.dispatcher();
            let explore = Callback::from(move |_| {
                d.dispatch(Action::SelectModel(Some(id)));
                d.dispatch(Action::SetTab(Tab::Explore));
            });
            html! {
                <p class="big done" id="run-done" role="status">
                    <strong>{ format!("✔ Done: test accuracy {accuracy:.2}%.") }</strong>
                    { if kept { " It is in the models list below. " } else { " (The model was deleted since.) " } }
                    if kept { <button class="primary" onclick={explore}>{"Explore it under noise →"}</button> }
                </p>
            }
        }
        None => html! {
            <>
            <progress id="train-progress" max="1" value={fraction.to_string()} aria-label="training progress"></progress>
            <p class="big" aria-live="polite">{ format!("{:.0}% · {label} · {:.0} images/s · {left}", fraction * 100.0, speed) }
                if let Some(t) = last_test { <span id="run-test-accuracy">{ format!(" · test accuracy {t:.2}%") }</span> }</p>
            </>
        },
    };
    let state = match (done, &run.error) {
        (Some(_), _) => "done",
        (None, Some(_)) => "failed",
        (None, None) => "running",
    };
    html! {
        <div id="run" data-state={state}>
            <h3>{ run.name.clone() }</h3>
            if let Some(e) = &run.error { <p class="error" role="alert">{ format!("Training failed: {e}") }</p> }
            { status }
            <div class="charts">
                <div class="chart" id="loss-chart">{ loss_chart }</div>
                <div class="chart" id="acc-chart">{ acc_chart }</div>
            </div>
        </div>
    }
}
