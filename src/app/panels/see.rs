//! The See-it panel: test digits with their clean and perturbed predictions, the weight
//! histogram, the confusion matrix, a crossbar tile.

use yew::prelude::*;

use super::canvas::{Digit, TileMap};
use super::{confusion, Ctx};
use crate::app::plots::Histogram;
use crate::app_core::selectors::fmt_int;
use crate::protocol::EvalOutput;

pub fn view(ctx: &Ctx) -> Html {
    let s = &ctx.state;
    let e = &s.explore;
    let Some(samples) = s.samples.clone() else { return html! { <p class="hint">{"Waiting for the data…"}</p> } };
    let model = e.model;
    let clean = e.clean_predictions.as_ref().filter(|c| Some(c.0) == model).map(|c| &c.1);
    let noisy = e.noisy_predictions.as_ref().filter(|c| Some(c.0) == model && (c.1 - e.std).abs() < 1e-6).map(|c| &c.2);
    let flips = match (clean, noisy) {
        (Some(c), Some(n)) => c.iter().zip(n.iter()).filter(|(a, b)| a != b).count(),
        _ => 0,
    };
    let names = s.form.dataset.class_names();
    let name = |c: Option<u8>| c.map_or("·", |v| names[v as usize % 10]);
    let cells = (0..samples.labels.len()).map(|i| {
        let label = samples.labels[i];
        let c = clean.map(|p| p[i]);
        let n = noisy.map(|p| p[i]);
        let flipped = matches!((c, n), (Some(a), Some(b)) if a != b);
        let wrong = n.is_some_and(|b| b != label);
        html! {
            <figure class={classes!("cell", flipped.then_some("flipped"), wrong.then_some("wrong"))}>
                <Digit samples={samples.clone()} index={i} />
                <figcaption>{ format!("{} → {}", name(c), name(n)) }</figcaption>
            </figure>
        }
    });
    let hist = match &e.histogram {
        Some((m, std, EvalOutput::Histogram { lo, hi, clean, noisy })) if Some(*m) == model => html! {
        <Histogram caption={format!("weights, clean vs one draw at σ = {std:.2}")} lo={*lo} hi={*hi} clean={clean.clone()} noisy={noisy.clone()} /> },
        _ => html! { <p class="hint">{"Move the noise slider above 0 (Explore) to see the weight histogram."}</p> },
    };
    let confusion =
        confusion::view(noisy.map(|p| p.as_slice()), s.test_labels.as_deref().map(|l| l.as_slice()), e.std, names);
    html! {
        <section id="see-panel" class="panel">
            <h2>{ format!("See it: the first {} test {} at σ = {:.2}", samples.labels.len(), if s.form.dataset == engine::data::DatasetKind::Mnist { "digits" } else { "images" }, e.std) }</h2>
            <p class="explain">{"Each digit shows clean prediction → prediction under one noise draw (draw 0 of the Explore panel). Orange frames: the noise flipped the answer; red text: the perturbed answer is wrong."}
                { format!(" Flipped over the whole test set: {} of 10,000.", fmt_int(flips)) }</p>
            <div class="digits">{ for cells }</div>
            <div class="columns">
                <div class="chart" id="weight-histogram">{ hist }</div>
                <div>{ confusion }</div>
            </div>
            { match &e.xbar_tile {
                Some((m, config, tile)) if Some(*m) == model && e.crossbar.enabled && *config == e.crossbar.config => html! {
                    <section><h3>{"A crossbar tile"}</h3><TileMap tile={tile.clone()} /></section> },
                _ => html! { <p class="hint">{"Turn on the crossbar simulation (Explore) to see a tile of devices, stuck ones marked."}</p> },
            } }
        </section>
    }
}
