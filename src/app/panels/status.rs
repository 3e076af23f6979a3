//! The status line: the data, the workers, the last notice.

use yew::prelude::*;

use super::Ctx;
use crate::app_core::selectors::data_status;
use crate::app_core::selectors::shipped_status;
use crate::app_core::Action;

pub fn view(ctx: &Ctx) -> Html {
    let s = &ctx.state;
    let (state, text) = data_status(s);
    html! {
        <p class="status">
            <span id="data-status" data-state={state} title="Drop your own four IDX files (gzip or raw) anywhere on the page to use them instead">{ text }</span>
            { format!(" · {} evaluator worker{} + 1 trainer worker", s.evaluators, if s.evaluators == 1 { "" } else { "s" }) }
            if let Some(text) = shipped_status(s) {
                <span id="shipped-status" data-state={text.0}>{ format!(" · {}", text.1) }</span>
            }
            if let Some(n) = &s.notice {
                <span class="notice" role="status">{ format!(" · {n}") }
                    <button class="link" onclick={ctx.cb(|_| Action::Notice(None))} aria-label="dismiss">{"×"}</button></span>
            }
        </p>
    }
}
