//! The Explore panel's crossbar controls and readout.

use yew::prelude::*;

use super::{labelled, Ctx};
use crate::app::browser::{event_checked, event_value, now_ms};
use crate::app_core::curve_knob::CurveKnob;
use crate::app_core::explore::{
    human_time, CrossbarField, ADC_BITS, DRIFT_LOG10_MAX, DRIFT_LOG10_MIN, LEVELS, MAX_READ_NOISE, MAX_VARIATION, TILES,
};
use crate::app_core::selectors::fmt_int;
use crate::app_core::Action;

/// What the closed "more device effects" section has on, so a link's settings are not hidden.
fn effects_on(c: &engine::crossbar::CrossbarConfig) -> String {
    let mut on = Vec::new();
    if let Some(n) = c.levels {
        on.push(format!("{n} levels"));
    }
    if c.variation > 0.0 {
        on.push(format!("variation {:.0}%", c.variation * 100.0));
    }
    if c.read_noise > 0.0 {
        on.push(format!("read noise {:.1}%", c.read_noise * 100.0));
    }
    if let Some(d) = c.drift {
        on.push(format!("drift at {}", human_time(d.time)));
    }
    if on.is_empty() {
        String::new()
    } else {
        format!(" (on: {})", on.join(", "))
    }
}

pub fn view(ctx: &Ctx) -> Html {
    let e = &ctx.state.explore;
    let ui = e.crossbar.clone();
    let c = &ui.config;
    let edit = |make: fn(String) -> CrossbarField| {
        ctx.cb(move |ev: Event| Action::Crossbar { field: make(event_value(&ev)), now_ms: now_ms() })
    };
    let slide = |make: fn(String) -> CrossbarField| {
        ctx.cb(move |ev: InputEvent| {
            let input: web_sys::HtmlInputElement = ev.target_unchecked_into();
            Action::Crossbar { field: make(input.value()), now_ms: now_ms() }
        })
    };
    let readout = if !ui.enabled {
        html! { <p id="xbar-readout" class="readout" data-state="off"><span class="how">{"Turn the simulation on to see the accuracy on crossbars."}</span></p> }
    } else {
        match (e.xbar_exact(), &e.xbar.estimate) {
            (None, _) if e.xbar.error.is_some() => html! {
            <p id="xbar-readout" class="readout error" data-state="failed" role="alert">
                { format!("The crossbar evaluation failed: {}", e.xbar.error.clone().unwrap_or_default()) }</p> },
            (Some(sp), _) => html! {
                <p id="xbar-readout" class="readout" data-state="exact" data-value={format!("{:.2}", sp.mean)} aria-live="polite">
                    <span class="value">{ format!("{:.2}% ± {:.2}", sp.mean, sp.sd) }</span>
                    <span class="how">{ format!(" on crossbars: 10,000 test images, {} draw{} of faults", sp.draws.len(), if sp.draws.len() == 1 { "" } else { "s" }) }</span>
                </p>
            },
            (None, Some((acc, n))) => html! {
                <p id="xbar-readout" class="readout" data-state="estimate" data-value={format!("{acc:.2}")} aria-live="polite">
                    <span class="value">{ format!("≈ {acc:.1}%") }</span>
                    <span class="how">{ format!(" on crossbars, estimate on {} images; exact coming ({}/{})", fmt_int(*n), e.xbar.draws.len(), e.xbar_draws()) }</span>
                </p>
            },
            (None, None) => {
                html! { <p id="xbar-readout" class="readout" data-state="pending"><span class="value">{"…"}</span><span class="how">{" mapping the weights onto crossbars and tuning them"}</span></p> }
            }
        }
    };
    html! {
        <fieldset class="faults">
            <legend>{"Crossbar simulation (MemTorch-style)"}</legend>
            <label class="check"><input id="xbar-enabled" type="checkbox" checked={ui.enabled}
                onchange={ctx.cb(|ev: Event| Action::Crossbar { field: CrossbarField::Enabled(event_checked(&ev)), now_ms: now_ms() })} />{" simulate the network on memristor crossbars"}</label>
            <p class="explain">{"Each layer's weights become conductances of R_on/R_off devices on tiles (two devices per weight), inputs become voltages, outputs are read by an ADC; then the network is tuned. Stuck devices ignore programming."}</p>
            <div class="control slider">
                <label for="fault-lrs">{"stuck-at-LRS rate: "}<output>{ format!("{:.2}", c.faults.lrs) }</output>{" (fraction of devices)"}</label>
                <input id="fault-lrs" type="range" min="0" max="0.5" step="0.01" value={c.faults.lrs.to_string()} disabled={!ui.enabled}
                    aria-valuetext={format!("{:.0} percent of devices stuck at low resistance", c.faults.lrs * 100.0)}
                    oninput={slide(CrossbarField::Lrs)} />
                <p class="explain">{"Devices stuck at their lowest resistance: they conduct maximally whatever was programmed."}</p>
            </div>
            <div class="control slider">
                <label for="fault-hrs">{"stuck-at-HRS rate: "}<output>{ format!("{:.2}", c.faults.hrs) }</output>{" (fraction of devices)"}</label>
                <input id="fault-hrs" type="range" min="0" max="0.5" step="0.01" value={c.faults.hrs.to_string()} disabled={!ui.enabled}
                    aria-valuetext={format!("{:.0} percent of devices stuck at high resistance", c.faults.hrs * 100.0)}
                    oninput={slide(CrossbarField::Hrs)} />
                <p class="explain">{"Devices stuck at their highest resistance: they barely conduct."}</p>
            </div>
            { labelled("ADC resolution", "Bits of the converter that reads each tile's column currents.", html! {
                <select id="xbar-adc" disabled={!ui.enabled} onchange={edit(CrossbarField::Adc)}>
                    <option value="ideal" selected={c.adc_bits.is_none()}>{"ideal (no ADC)"}</option>
                    { for ADC_BITS.iter().map(|b| html! { <option value={b.to_string()} selected={c.adc_bits == Some(*b)}>{ format!("{b} bits") }</option> }) }
                </select> }) }
            { labelled("tile size", "Rows and columns per crossbar tile.", html! {
                <select id="xbar-tile" disabled={!ui.enabled} onchange={edit(CrossbarField::Tile)}>
                    { for TILES.iter().map(|t| html! { <option value={t.to_string()} selected={c.tile == *t}>{ format!("{t} × {t}") }</option> }) }
                </select> }) }
            { labelled("R_on / R_off (Ω)", "The devices' low and high resistance (VTEAM: 50 / 1000 Ω).", html! {
                <span>
                    <input id="xbar-ron" aria-label="R_on, low resistance in ohms" type="number" min="1" step="10" value={ctx.state.shown("xbar-ron", c.r_on.to_string())} disabled={!ui.enabled} style="width: 5.5rem"
                        oninput={ctx.draft("xbar-ron")} onchange={edit(CrossbarField::ROn)} />{" / "}
                    <input id="xbar-roff" aria-label="R_off, high resistance in ohms" type="number" min="2" step="100" value={ctx.state.shown("xbar-roff", c.r_off.to_string())} disabled={!ui.enabled} style="width: 5.5rem"
                        oninput={ctx.draft("xbar-roff")} onchange={edit(CrossbarField::ROff)} />
                </span> }) }
            { labelled("input scaling", "memtorch: inputs scaled per batch as MemTorch does (the report's setting); it shrinks each layer's product but not its digital bias, so models with trained biases lose accuracy and bias-free ones do not. calibrated: a fixed range per layer, measured on 10,000 training images (each evaluator fetches them the first time).", html! {
                <select id="xbar-scaling" disabled={!ui.enabled} onchange={edit(CrossbarField::Scaling)}>
                    <option value="memtorch" selected={c.input_scaling == engine::crossbar::InputScaling::Memtorch}>{"memtorch"}</option>
                    <option value="calibrated" selected={c.input_scaling == engine::crossbar::InputScaling::Calibrated}>{"calibrated"}</option>
                </select> }) }
            // no `open` binding: the page would close it on the user whenever the effects are reset
            <details class="device-effects">
                <summary>{"More device effects: finite levels, variation, read noise, drift"}{ effects_on(c) }</summary>
                { labelled("conductance levels", "Devices hold only this many evenly spaced conductances between G_off and G_on. MemTorch: NonIdeality.FiniteConductanceStates (conductance_states); aihwkit: no direct equivalent (its devices' dw_min step is the nearest).", html! {
                    <select id="xbar-levels" disabled={!ui.enabled} onchange={edit(CrossbarField::Levels)} title="MemTorch FiniteConductanceStates">
                        <option value="continuous" selected={c.levels.is_none()}>{"continuous"}</option>
                        { for LEVELS.iter().map(|n| html! { <option value={n.to_string()} selected={c.levels == Some(*n)}>{ format!("{n} levels") }</option> }) }
                    </select> }) }
                <div class="control slider" title="MemTorch: stochastic r_on / r_off (sigma); aihwkit: PCMLikeNoiseModel programming noise">
                    <label for="xbar-variation">{"device-to-device variation: "}<output>{ format!("{:.0}%", c.variation * 100.0) }</output>{" (sd of R_on, R_off)"}</label>
                    <input id="xbar-variation" type="range" min="0" max={MAX_VARIATION.to_string()} step="0.01" value={c.variation.to_string()} disabled={!ui.enabled}
                        aria-valuetext={format!("{:.0} percent device-to-device variation", c.variation * 100.0)} oninput={slide(CrossbarField::Variation)} />
                    <p class="explain">{"Each device's own R_on and R_off are drawn around the nominal ones; its programmed conductance stays within its own range. MemTorch: r_on / r_off with a standard deviation; aihwkit: programming noise."}</p>
                </div>
                <div class="control slider" title="aihwkit: IOParameters.w_noise, WeightNoiseType.ADDITIVE_CONSTANT">
                    <label for="xbar-read-noise">{"read noise: "}<output>{ format!("{:.1}%", c.read_noise * 100.0) }</output>{" of G_on − G_off"}</label>
                    <input id="xbar-read-noise" type="range" min="0" max={MAX_READ_NOISE.to_string()} step="0.005" value={c.read_noise.to_string()} disabled={!ui.enabled}
                        aria-valuetext={format!("read noise {:.1} percent", c.read_noise * 100.0)} oninput={slide(CrossbarField::ReadNoise)} />
                    <p class="explain">{"Fresh Gaussian noise on every conductance at every read. aihwkit: IOParameters.w_noise (additive constant); MemTorch has no read-noise model."}</p>
                </div>
                <label class="check" title="aihwkit: PCMLikeNoiseModel drift (t0 = 20 s); MemTorch: retention non-ideality">
                    <input id="xbar-drift" type="checkbox" checked={c.drift.is_some()} disabled={!ui.enabled}
                        onchange={ctx.cb(|ev: Event| Action::Crossbar { field: CrossbarField::Drift(event_checked(&ev)), now_ms: now_ms() })} />
                    {" conductance drift after programming"}</label>
                <div class="control slider">
                    <label for="xbar-drift-time">{"time since programming: "}<output id="xbar-drift-time-value">{ human_time(ui.drift_seconds) }</output></label>
                    <input id="xbar-drift-time" type="range" min={DRIFT_LOG10_MIN.to_string()} max={DRIFT_LOG10_MAX.to_string()} step="0.1"
                        value={format!("{:.1}", ui.drift_seconds.log10())} disabled={!ui.enabled || c.drift.is_none()}
                        aria-valuetext={format!("{} after programming", human_time(ui.drift_seconds))} oninput={slide(CrossbarField::DriftTime)} />
                    <p class="explain">{"G(t) = G_off + (G₀ − G_off)·(t / t0)^(−ν), ν = 0.05, t0 = 20 s: aihwkit's PCM-like drift law (before t0 the programmed values hold). Log scale, 1 s to 10 years."}</p>
                </div>
            </details>
            { labelled("curve against", "Beside the stuck-at curve (faults), draw the accuracy of every compared model against one more device setting, the others held where they are now: conductance levels (MemTorch: FiniteConductanceStates), device-to-device variation (MemTorch: r_on / r_off sigma; aihwkit: programming noise), read noise (aihwkit: IOParameters.w_noise) or drift time (aihwkit: PCMLikeNoiseModel drift; turn drift on below). One curve at a time keeps the evaluators' work bounded.", html! {
                <select id="xbar-curve-knob" disabled={!ui.enabled} onchange={edit(CrossbarField::Knob)}>
                    { for CurveKnob::ALL.iter().map(|k| html! { <option value={k.key()} selected={ui.knob == *k}>{ k.label() }</option> }) }
                </select> }) }
            if ui.enabled && ui.knob == CurveKnob::DriftTime && c.drift.is_none() {
                <p class="hint" id="knob-needs-drift">{"Turn on \"conductance drift after programming\" (under more device effects) to draw the curve against time."}</p>
            }
            if let Err(err) = c.validate() { <p class="error" role="alert">{ err.to_string() }</p> }
            { readout }
        </fieldset>
    }
}
