//! The Explore panel: the noise slider and its readout, the crossbar controls, and the
//! accuracy curves of every compared model.

use yew::prelude::*;

use super::{crossbar, labelled, swatch, Ctx};
use crate::app::browser::{event_value, now_ms};
use crate::app::plots::{Chart, Legend, LineChart, Series};
use crate::app_core::curve_knob::CurveKnob;
use crate::app_core::explore::CURVE_MAX_STD;
use crate::app_core::explore::DRIFT_TIMES;
use crate::app_core::naming::{model_colour, option_label};
use crate::app_core::selectors::{
    compared, drift_curve_points, drift_curve_progress, fault_curve_points, fault_curve_progress, fmt_int,
    knob_curve_points, knob_curve_progress, noise_curve_points, noise_curve_progress,
};
use crate::app_core::shipped::ShippedStatus;
use crate::app_core::{Action, State};

pub fn view(ctx: &Ctx) -> Html {
    let s = &ctx.state;
    let e = &s.explore;
    if s.models.is_empty() {
        let loading = matches!(s.shipped.status, ShippedStatus::Fetching | ShippedStatus::Importing);
        return html! { <section id="explore-panel" class="panel">
            if loading {
                <p class="hint">{"Loading the ready-trained models (the report's MLPs and LeNet)…"}</p>
            } else {
                <p class="hint">{"Train a model first (Train panel), or start with the ready-trained ones; then drag the noise slider."}</p>
                <button id="add-shipped" onclick={ctx.cb(|_| Action::AddShipped)}>{"Load the ready-trained models"}</button>
            }
        </section> };
    }
    let readout = {
        let exact = e.exact();
        match (&exact, &e.readout.estimate) {
            (None, _) if e.readout.error.is_some() => html! {
            <p id="accuracy-readout" class="readout error" data-state="failed" role="alert">
                { format!("The evaluation failed: {}", e.readout.error.clone().unwrap_or_default()) }</p> },
            (Some(sp), _) => html! {
                <p id="accuracy-readout" class="readout" data-state="exact" data-value={format!("{:.2}", sp.mean)} aria-live="polite">
                    <span class="value">{ format!("{:.2}% ± {:.2}", sp.mean, sp.sd) }</span>
                    <span class="how">{ format!(" exact: all 10,000 test images, mean ± sd of {} noise draw{}", sp.draws.len(), if sp.draws.len() == 1 { "" } else { "s" }) }</span>
                </p>
            },
            (None, Some((acc, n))) => html! {
                <p id="accuracy-readout" class="readout" data-state="estimate" data-value={format!("{acc:.2}")} aria-live="polite">
                    <span class="value">{ format!("≈ {acc:.1}%") }</span>
                    <span class="how">{ format!(" fast estimate on {} images; exact figure coming ({}/{} draws)", fmt_int(*n), e.readout.draws.len(), e.slider_draws()) }</span>
                </p>
            },
            (None, None) => {
                html! { <p id="accuracy-readout" class="readout" data-state="pending"><span class="value">{"…"}</span><span class="how">{" computing"}</span></p> }
            }
        }
    };
    let timing = match (e.readout.first_ms, e.readout.exact_ms) {
        (Some(f), x) if e.readout.moved_ms > 0.0 => html! {
            <p class="timing" id="slider-timing" data-first={format!("{:.0}", f - e.readout.moved_ms)}
                data-exact={x.map(|x| format!("{:.0}", x - e.readout.moved_ms)).unwrap_or_default()}>
                { format!("first figure after {:.0} ms", f - e.readout.moved_ms) }
                { x.map(|x| format!(", exact after {:.0} ms", x - e.readout.moved_ms)).unwrap_or_default() }
            </p>
        },
        _ => html! {},
    };
    // the legend is the coloured list of models beside the chart (long names crowd the plot)
    let series: Vec<Series> = compared(s)
        .into_iter()
        .map(|id| Series {
            name: String::new(),
            color: model_colour(id),
            points: noise_curve_points(s, id),
            dashed: false,
        })
        .collect();
    let progress = noise_curve_progress(s);
    let pending = progress.pending;
    let chart = html! { <Chart spec={LineChart {
        caption: "test accuracy vs noise std (mean ± sd over draws)".into(),
        x_label: "noise std σ  (w' = w·exp(ε), ε ~ N(0, σ²))".into(),
        y_label: "accuracy (%)".into(),
        x: (0.0, CURVE_MAX_STD as f64),
        y: (0.0, 100.0),
        series,
        marker: Some(e.std as f64),
        size: (760, 420),
        legend: Legend::UpperRight,
        log_x: false,
    }} /> };
    let model_select = html! {
        <select id="explore-model" class="model-choice" autocomplete="off" onchange={ctx.cb(|ev: Event| Action::SelectModel(event_value(&ev).parse().ok()))}>
            { for s.models.iter().map(|m| html! { <option value={m.meta.id.to_string()} selected={e.model == Some(m.meta.id)}>{ option_label(&m.meta.name, m.meta.test_accuracy) }</option> }) }
        </select>
    };
    let compare = s.models.iter().map(|m| {
        let id = m.meta.id;
        let swatch = e.compare.contains(&id).then(|| swatch(id));
        html! { <label class="check"><input type="checkbox" checked={e.compare.contains(&id)} onchange={ctx.cb(move |_e: Event| Action::ToggleCompare(id))} />
            { swatch }{ m.meta.name.clone() }</label> }
    });
    html! {
        <section id="explore-panel" class="panel">
            <div class="columns">
            <div class="form">
                <h2>{"Explore: put the weights on imperfect devices"}</h2>
                if !s.hides("model") { { labelled("model", "Which trained network to perturb.", model_select) } }
                if !s.hides("noise") { { noise_slider(ctx) } }
                if !s.hides("draws") { { labelled("noise draws", "Independent noise draws averaged for the exact figure (the report used 5).",
                    html! { <input id="draws" type="number" min="1" max="50" value={s.shown("draws", e.draws.to_string())}
                        autocomplete="off" oninput={ctx.draft("draws")} onchange={ctx.cb(|ev: Event| Action::SetDraws(event_value(&ev)))} /> }) } }
                { readout }
                { timing }
                if !s.hides("crossbar") { { crossbar::view(ctx) } }
            </div>
            <div class="live">
                <div class="chart" id="noise-curve" data-pending={pending.to_string()}>{ chart }</div>
                <p class="explain">{ if pending > 0 { format!("{pending} curve evaluations still running in the background; points appear when all their draws are done.") } else { "Curves complete.".into() } }
                    { if progress.failed > 0 { format!(" {} failed (see the status line); their points stay empty.", progress.failed) } else { String::new() } }</p>
                if !s.hides("compare") { <div class="compare"><p>{"Overlay on the curves:"}</p>{ for compare }</div> }
                if e.crossbar.enabled { { fault_curve(s) } }
                if e.crossbar.drift_curve_on() { { drift_curve(s) } }
                if e.crossbar.knob_key().is_some() { { knob_curve(s) } }
            </div>
            </div>
        </section>
    }
}

/// The noise slider (Explore and Draw): σ of the log-normal conductance noise.
pub fn noise_slider(ctx: &Ctx) -> Html {
    let std = ctx.state.explore.std;
    let on_std = ctx.cb(|ev: InputEvent| {
        let input: web_sys::HtmlInputElement = ev.target_unchecked_into();
        Action::SetStd { value: input.value(), now_ms: now_ms() }
    });
    html! {
        <div class="control slider">
            <label for="noise-std">{"conductance noise std σ: "}<output id="noise-std-value">{ format!("{std:.2}") }</output>{" (log-normal, relative)"}</label>
            <input id="noise-std" type="range" min="0" max="2" step="0.05" value={format!("{std}")}
                aria-valuetext={format!("noise standard deviation {std:.2}")} oninput={on_std} />
            <p class="explain">{"Every weight and bias is multiplied by its own exp(ε), ε ~ N(0, σ²): memristor conductances vary from device to device. σ = 1 means a typical weight is off by a factor of e."}</p>
        </div>
    }
}

/// Accuracy on crossbars against the time since programming, for every compared model.
fn drift_curve(s: &State) -> Html {
    let series: Vec<Series> = compared(s)
        .into_iter()
        .map(|id| Series {
            name: String::new(),
            color: model_colour(id),
            points: drift_curve_points(s, id),
            dashed: false,
        })
        .collect();
    let drawn = series.iter().filter(|x| !x.points.is_empty()).count();
    let pending = drift_curve_progress(s).pending;
    let marker = Some(s.explore.crossbar.drift_seconds.max(DRIFT_TIMES[0]));
    html! {
        <>
            <div class="chart" id="drift-curve" data-pending={pending.to_string()} data-series={drawn.to_string()}>
                <Chart spec={LineChart {
                    caption: "accuracy on crossbars vs time since programming (drift)".into(),
                    x_label: "time since programming (s, log scale): 1 min, 1 h, 1 day, 1 month, 1 year, 10 years".into(),
                    y_label: "accuracy (%)".into(),
                    x: (DRIFT_TIMES[0], DRIFT_TIMES[DRIFT_TIMES.len() - 1]),
                    y: (0.0, 100.0),
                    series,
                    marker,
                    size: (760, 420),
                    legend: Legend::UpperRight,
                    log_x: true,
                }} />
            </div>
            <p class="explain">{ if pending > 0 { format!("{pending} crossbar evaluations still running for the drift curve.") } else { "Drift curve complete.".into() } }</p>
        </>
    }
}

/// Accuracy on crossbars against the chosen device knob (levels, variation, read noise), for
/// every compared model, the other settings held at their current values.
fn knob_curve(s: &State) -> Html {
    let ui = &s.explore.crossbar;
    let series: Vec<Series> = compared(s)
        .into_iter()
        .map(|id| Series {
            name: String::new(),
            color: model_colour(id),
            points: knob_curve_points(s, id),
            dashed: false,
        })
        .collect();
    let drawn = series.iter().filter(|x| !x.points.is_empty()).count();
    let pending = knob_curve_progress(s).pending;
    let points = ui.knob.points();
    let c = &ui.config;
    let (x_label, marker, log_x) = match ui.knob {
        CurveKnob::Levels => (
            "conductance levels per device (log scale; continuous is beyond the right end)",
            c.levels.map(f64::from),
            true,
        ),
        CurveKnob::Variation => {
            ("device-to-device variation (relative sd of each device's R_on and R_off)", Some(c.variation), false)
        }
        _ => ("read noise (sd of every read, as a share of G_on − G_off)", Some(c.read_noise), false),
    };
    html! {
        <>
            <div class="chart" id="knob-curve" data-knob={ui.knob.key()} data-pending={pending.to_string()} data-series={drawn.to_string()}>
                <Chart spec={LineChart {
                    caption: format!("accuracy on crossbars vs {} (mean ± sd over draws)", ui.knob.name()),
                    x_label: x_label.into(),
                    y_label: "accuracy (%)".into(),
                    x: (points[0], points[points.len() - 1]),
                    y: (0.0, 100.0),
                    series,
                    marker,
                    size: (760, 420),
                    legend: Legend::UpperRight,
                    log_x,
                }} />
            </div>
            <p class="explain">{ if pending > 0 { format!("{pending} crossbar evaluations still running for this curve.") } else { "Curve complete.".into() } }
                {" Every other setting is held at its current value."}</p>
        </>
    }
}

/// Accuracy on crossbars against the stuck-at rate, for every compared model.
fn fault_curve(s: &State) -> Html {
    let e = &s.explore;
    let series = compared(s)
        .into_iter()
        .map(|id| Series {
            name: String::new(),
            color: model_colour(id),
            points: fault_curve_points(s, id),
            dashed: false,
        })
        .collect();
    let progress = fault_curve_progress(s);
    let pending = progress.pending;
    let c = &e.crossbar.config;
    let marker = (c.faults.lrs == c.faults.hrs).then_some(c.faults.lrs);
    html! {
        <>
            <div class="chart" id="fault-curve" data-pending={pending.to_string()}>
                <Chart spec={LineChart {
                    caption: "accuracy on crossbars vs stuck-at rate (mean ± sd over draws)".into(),
                    x_label: "stuck-at rate p (p stuck at LRS and p at HRS)".into(),
                    y_label: "accuracy (%)".into(),
                    x: (0.0, 0.25),
                    y: (0.0, 100.0),
                    series,
                    marker,
                    size: (760, 420),
                    legend: Legend::UpperRight,
        log_x: false,
                }} />
            </div>
            <p class="explain">{ if pending > 0 { format!("{pending} crossbar evaluations still running for this curve.") } else { "Fault curve complete.".into() } }
                { if progress.failed > 0 { format!(" {} failed (see the status line).", progress.failed) } else { String::new() } }</p>
        </>
    }
}
