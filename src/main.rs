//! The page's entry point (built by trunk; see index.html).

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    // Into `#app` (index.html), so the page's footer stays below the app; the body without it.
    let root = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("app"));
    match root {
        Some(root) => yew::Renderer::<memristor_playground::app::App>::with_root(root).render(),
        None => yew::Renderer::<memristor_playground::app::App>::new().render(),
    };
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the app runs in a browser: scripts/serve.sh builds and serves it");
}
