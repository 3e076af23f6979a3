//! A link's model that this browser does not have: the link carries its recipe, and one
//! click trains it here (same seed, same settings: the same model on one platform).

use yew::prelude::*;

use super::Ctx;
use crate::app::browser::now_ms;
use crate::app_core::naming::model_name;
use crate::app_core::Action;

pub fn view(ctx: &Ctx) -> Html {
    let s = &ctx.state;
    let Some(r) = &s.retrain_offer else { return html! {} };
    let busy = !s.trainer_ready || s.training();
    html! {
        <section id="retrain-offer" class="lesson" aria-label="a model from the link">
            <p>{ format!("This link shows a model that is not in this browser: {}.", model_name(&r.model, &r.train)) }</p>
            <p>
                <button id="retrain-linked" class="primary" disabled={busy}
                    onclick={ctx.cb(|_| Action::RetrainLinked { now_ms: now_ms() })}>{"Train it here"}</button>
                <span class="explain">{ if busy { " (waiting for the trainer…)" } else { " Same recipe and seed: the same model as the link's, on the same kind of machine." } }</span>
            </p>
        </section>
    }
}
