//! The one screen shown when a worker speaks another protocol version: the page and its
//! workers come from different builds (a cached script), and only a reload mends that.

use yew::prelude::*;

pub fn view(detail: &str) -> Html {
    let reload = Callback::from(|_| {
        if let Some(w) = web_sys::window() {
            let _ = w.location().reload();
        }
    });
    html! {
        <main id="panel">
            <section id="reload-screen" class="problem" role="alert">
                <h2>{"This page needs a reload"}</h2>
                <p>{"The page and its background workers come from different versions of the app (one of them was cached). Nothing more can run until the page is reloaded; your trained models are kept in this browser."}</p>
                <p class="detail">{ detail.to_string() }</p>
                <p><button id="reload-button" onclick={reload}>{"Reload the page"}</button></p>
            </section>
        </main>
    }
}
