//! The view in the URL: `#tab=explore&std=1.00&draws=5&model=<id>`, so a link reproduces it
//! (the model id refers to a model saved in the same browser). Parsing takes whatever a URL
//! holds: unknown keys, hostile values and huge fragments give the defaults.

use super::state::Tab;

/// Fragments longer than this are not ours (ours are under 100 bytes): ignored whole.
pub const MAX_FRAGMENT: usize = 4096;
/// The slider's range and the draws' range, as the controls allow them.
pub const MAX_STD: f32 = 2.0;
pub const MAX_DRAWS: usize = 50;

/// What the fragment holds.
#[derive(Clone, Debug, PartialEq)]
pub struct ViewParams {
    pub tab: Tab,
    pub std: f32,
    pub draws: usize,
    pub model: Option<u64>,
}

impl Default for ViewParams {
    fn default() -> Self {
        ViewParams { tab: Tab::Train, std: 0.0, draws: 5, model: None }
    }
}

/// `%XX` escapes and `+` decoded; an invalid escape is kept as written.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                match std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `key=value` pairs of a query or fragment string.
pub fn pairs(s: &str) -> Vec<(String, String)> {
    s.trim_start_matches(['?', '#'])
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), percent_decode(v)))
        .collect()
}

/// A parameter of a query string (`?data=...`).
pub fn query_param(search: &str, key: &str) -> Option<String> {
    pairs(search).into_iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// A noise std from the URL: finite and within the slider's range, in its steps of 0.01.
pub fn parse_std(v: &str) -> Option<f32> {
    let x: f32 = v.trim().parse().ok()?;
    (x.is_finite() && (0.0..=MAX_STD).contains(&x)).then(|| (x * 100.0).round() / 100.0)
}

/// A number of draws from the URL: a whole number in 1..=50.
pub fn parse_draws(v: &str) -> Option<usize> {
    let n: usize = v.trim().parse().ok()?;
    (1..=MAX_DRAWS).contains(&n).then_some(n)
}

/// The view a fragment describes; anything unreadable keeps its default.
pub fn parse_fragment(fragment: &str) -> ViewParams {
    let mut p = ViewParams::default();
    if fragment.len() > MAX_FRAGMENT {
        return p;
    }
    for (k, v) in pairs(fragment) {
        match k.as_str() {
            "tab" => p.tab = Tab::from_key(&v).unwrap_or(p.tab),
            "std" => p.std = parse_std(&v).unwrap_or(p.std),
            "draws" => p.draws = parse_draws(&v).unwrap_or(p.draws),
            "model" => p.model = v.parse().ok(),
            _ => {}
        }
    }
    p
}

/// The fragment for a view (what `parse_fragment` reads back).
pub fn fragment(p: &ViewParams) -> String {
    let mut frag = format!("#tab={}&std={:.2}&draws={}", p.tab.key(), p.std, p.draws);
    if let Some(m) = p.model {
        frag.push_str(&format!("&model={m}"));
    }
    frag
}
