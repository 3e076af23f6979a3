//! The lesson bar: the current step's title and two sentences, Back / Next (or the keyboard's
//! arrow keys), and the start button when no lesson is open.

use yew::prelude::*;

use super::Ctx;
use crate::app::browser::now_ms;
use crate::app_core::lesson::{models_ready, STEPS};
use crate::app_core::shipped::ShippedStatus;
use crate::app_core::Action;

pub fn view(ctx: &Ctx) -> Html {
    let s = &ctx.state;
    let Some(i) = s.lesson else {
        return html! {
            <button id="lesson-start" class="lesson-start" onclick={ctx.cb(|_| Action::Lesson { step: Some(0), now_ms: now_ms() })}>
                {"▶ Start the lesson"}</button>
        };
    };
    let step = &STEPS[i];
    let loading = matches!(s.shipped.status, ShippedStatus::Fetching | ShippedStatus::Importing);
    let missing = !models_ready(s);
    html! {
        <section id="lesson" class="lesson" aria-label="lesson" data-step={(i + 1).to_string()} data-figure={step.figure}>
            <p class="lesson-title"><strong>{ format!("Lesson, step {} of {}: {}", i + 1, STEPS.len(), step.title) }</strong></p>
            <p class="lesson-text" aria-live="polite">{ step.text }</p>
            if missing {
                <p class="hint">
                    if loading { {"Loading the ready-trained models the lesson uses…"} }
                    else {
                        {"The lesson uses the ready-trained models: "}
                        <button onclick={ctx.cb(|_| Action::AddShipped)}>{"load them"}</button>
                    }
                </p>
            }
            <p class="lesson-nav">
                <button id="lesson-back" disabled={i == 0} onclick={ctx.cb(|_| Action::LessonMove { forward: false, now_ms: now_ms() })}>{"← Back"}</button>{" "}
                <button id="lesson-next" class="primary" disabled={i + 1 == STEPS.len()} onclick={ctx.cb(|_| Action::LessonMove { forward: true, now_ms: now_ms() })}>{"Next →"}</button>{" "}
                <button id="lesson-close" onclick={ctx.cb(|_| Action::Lesson { step: None, now_ms: now_ms() })}>{"Close the lesson"}</button>
                <span class="explain">{" Keys: ← and → (outside the sliders)."}</span>
            </p>
        </section>
    }
}
