//! The panels, one file each, over the core's state and selectors. A view reads the DOM
//! only to turn an event into a plain action. Each control sits beside a short explanation
//! of what it models.

pub mod canvas;
pub mod confusion;
pub mod crossbar;
pub mod data_problem;
pub mod draw;
pub mod explore;
pub mod gaps_note;
pub mod landscape;
pub mod lesson;
pub mod models_list;
pub mod reload;
pub mod report_table;
pub mod reproduce;
pub mod retrain_offer;
pub mod run_view;
pub mod see;
pub mod status;
pub mod train;

use yew::prelude::*;

use crate::app_core::{Action, State};

/// What a panel needs: the state with its dispatcher.
pub struct Ctx {
    pub state: UseReducerHandle<State>,
}

impl Ctx {
    /// A callback that turns an event into an action.
    pub fn cb<E: 'static>(&self, f: impl Fn(E) -> Action + 'static) -> Callback<E> {
        let d = self.state.dispatcher();
        Callback::from(move |e| d.dispatch(f(e)))
    }

    /// The `input` handler of the text or number box `id`: what is typed is shown as typed
    /// until the box's `change` commits it (see `State::drafts`).
    pub fn draft(&self, id: &'static str) -> Callback<InputEvent> {
        self.cb(move |e: InputEvent| Action::Draft { id, text: crate::app::browser::event_value(&e) })
    }
}

pub fn labelled(label: &str, explain: &str, control: Html) -> Html {
    html! {
        <div class="control">
            <label>{ label }{ control }</label>
            <p class="explain">{ explain }</p>
        </div>
    }
}

/// A model's swatch, in its one colour.
pub fn swatch(id: u64) -> Html {
    let colour = crate::app_core::naming::model_colour(id);
    html! { <span class="swatch" style={format!("background: {}", super::plots::css(colour))}></span> }
}
