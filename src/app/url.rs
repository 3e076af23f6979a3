//! The view in the URL: `#tab=explore&std=1.00&draws=5&model=<id>`, so a link reproduces it
//! (the model id refers to a model saved in the same browser).

use super::state::{State, Tab};

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

/// `key=value` pairs of a query or fragment string.
pub fn pairs(s: &str) -> Vec<(String, String)> {
    s.trim_start_matches(['?', '#'])
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| {
            (
                k.to_string(),
                js_sys::decode_uri_component(v).ok().and_then(|v| v.as_string()).unwrap_or_else(|| v.to_string()),
            )
        })
        .collect()
}

/// A parameter of the page's query string (`?data=...`).
pub fn query_param(key: &str) -> Option<String> {
    let search = window()?.location().search().ok()?;
    pairs(&search).into_iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// The state a page opens with, from the fragment.
pub fn initial_state() -> State {
    let mut s = State::default();
    let hash = window().and_then(|w| w.location().hash().ok()).unwrap_or_default();
    for (k, v) in pairs(&hash) {
        match k.as_str() {
            "tab" => s.tab = Tab::from_key(&v).unwrap_or(s.tab),
            "std" => s.explore.std = v.parse::<f32>().map(|x| x.clamp(0.0, 2.0)).unwrap_or(0.0),
            "draws" => s.explore.draws = v.parse::<usize>().map(|x| x.clamp(1, 50)).unwrap_or(5),
            "model" => s.explore.model = v.parse().ok(),
            _ => {}
        }
    }
    s
}

/// Replaces the fragment (without adding history entries).
pub fn write(tab: Tab, std: f32, draws: usize, model: Option<u64>) {
    let mut frag = format!("#tab={}&std={std:.2}&draws={draws}", tab.key());
    if let Some(m) = model {
        frag.push_str(&format!("&model={m}"));
    }
    if let Some(w) = window() {
        if w.location().hash().ok().as_deref() != Some(frag.as_str()) {
            if let Ok(h) = w.history() {
                let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&frag));
            }
        }
    }
}
