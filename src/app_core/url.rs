//! The view in the URL: `#tab=explore&std=1.00&draws=5&model=<id>`, plus every crossbar
//! control once any differs from its default (`&xbar=on&lrs=0.10&hrs=0.10&adc=8&tile=64&
//! ron=50&roff=1000&scaling=calibrated`, and `curve=levels` for the second crossbar curve), so a link reproduces the view (the model id refers to
//! a model saved in the same browser). Parsing takes whatever a URL holds: unknown keys,
//! hostile values and huge fragments give the defaults.

use engine::crossbar::InputScaling;

use super::curve_knob::CurveKnob;
use super::explore::{CrossbarUi, ADC_BITS, TILES};
use super::state::Tab;

/// Fragments longer than this are not ours (ours are under 250 bytes): ignored whole.
pub const MAX_FRAGMENT: usize = 4096;
/// The slider's range and the draws' range, as the controls allow them.
pub const MAX_STD: f32 = 2.0;
pub const MAX_DRAWS: usize = 50;
/// The fault-rate sliders' range.
pub const MAX_FAULT_RATE: f64 = 0.5;
/// Resistances above this are no device's (and keep the simulation's arithmetic sane).
pub const MAX_RESISTANCE: f64 = 1e9;

/// What the fragment holds.
#[derive(Clone, Debug, PartialEq)]
pub struct ViewParams {
    pub tab: Tab,
    pub std: f32,
    pub draws: usize,
    pub model: Option<u64>,
    /// The Explore panel's crossbar controls.
    pub crossbar: CrossbarUi,
    /// The Reproduce panel's training seeds per row (`seeds=3`; written when not 1).
    pub seeds: usize,
    /// What a teacher hid, and whether the page is locked to its tab.
    pub teacher: Teacher,
    /// The lesson's step (0-based), when the lesson is open.
    pub lesson: Option<usize>,
    /// The models shown, as any browser can find them: the focused one as a shipped model's
    /// recipe key (`model=mlp-b64`), and the compared ones as keys or, for models of this
    /// browser, ids (`compare=mlp-b64,1732000000123`).
    pub shipped: Option<String>,
    pub compare: Vec<String>,
    /// How the focused model was trained, when it is the visitor's own: opened in another
    /// browser, the link offers to train it again (same seed: the same model on one platform).
    pub recipe: Option<LinkRecipe>,
}

/// A model's recipe in a link: its configuration and training settings.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LinkRecipe {
    pub model: engine::model::ModelConfig,
    pub train: engine::train::TrainConfig,
}

impl LinkRecipe {
    /// The recipe as the engine would train it, or why not (a link is anyone's input).
    pub fn checked(self) -> Option<LinkRecipe> {
        (self.model.validate().is_ok() && self.train.validate().is_ok()).then_some(self)
    }
}

/// Everything but letters, digits and `-_.~` escaped, so JSON survives in a fragment.
pub fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A model token of a link: a shipped model's recipe key, or a model id of this browser.
fn model_token(v: &str) -> Option<String> {
    let v = v.trim();
    (v.parse::<u64>().is_ok() || engine::experiments::RecipeKey::parse(v).is_some()).then(|| v.to_string())
}

impl Default for ViewParams {
    fn default() -> Self {
        ViewParams {
            tab: Tab::Train,
            std: 0.0,
            draws: 5,
            model: None,
            crossbar: CrossbarUi::default(),
            seeds: 1,
            teacher: Teacher::default(),
            lesson: None,
            shipped: None,
            compare: Vec::new(),
            recipe: None,
        }
    }
}

/// Panels and controls a link can hide (`hide=train,crossbar,...`): the tabs by their keys,
/// and these controls.
pub const HIDEABLE_CONTROLS: [&str; 8] =
    ["noise", "draws", "crossbar", "model", "compare", "upload", "models", "status"];

/// A teacher's view: hidden panels and controls (`hide=`), and `lock=1`, which removes the
/// tab bar so the class stays on the view the link opened.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Teacher {
    pub hide: std::collections::BTreeSet<String>,
    pub lock: bool,
}

impl Teacher {
    pub fn hides(&self, key: &str) -> bool {
        self.hide.contains(key)
    }

    /// The `hide=` list: known keys only, in a fixed order.
    fn parse_hide(v: &str) -> std::collections::BTreeSet<String> {
        v.split(',')
            .map(|k| k.trim().to_ascii_lowercase())
            .filter(|k| Tab::from_key(k).is_some() || HIDEABLE_CONTROLS.contains(&k.as_str()))
            .collect()
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

/// Seeds per Reproduce row from the URL: a whole number; out of range is clamped to
/// 1..=[`MAX_SEEDS_PER_ROW`](super::reproduce::MAX_SEEDS_PER_ROW) (a link asking for 1000
/// seeds gets 5), anything else is refused.
pub fn parse_seeds(v: &str) -> Option<usize> {
    let n: u64 = v.trim().parse().ok()?;
    Some(super::reproduce::clamp_seeds(n.min(usize::MAX as u64) as usize))
}

/// A stuck-at rate from the URL: finite and within the slider's range, in its steps of 0.01.
pub fn parse_fault_rate(v: &str) -> Option<f64> {
    let x: f64 = v.trim().parse().ok()?;
    (x.is_finite() && (0.0..=MAX_FAULT_RATE).contains(&x)).then(|| (x * 100.0).round() / 100.0)
}

/// A relative amount from the URL (variation, read noise): finite, in `0..=max`, in steps
/// of 0.001.
pub fn parse_share(v: &str, max: f64) -> Option<f64> {
    let x: f64 = v.trim().parse().ok()?;
    (x.is_finite() && (0.0..=max).contains(&x)).then(|| (x * 1000.0).round() / 1000.0)
}

/// An ADC resolution from the URL: `ideal` (no ADC) or one of the drop-down's bit counts.
pub fn parse_adc(v: &str) -> Option<Option<u32>> {
    if v == "ideal" {
        return Some(None);
    }
    let bits: u32 = v.trim().parse().ok()?;
    ADC_BITS.contains(&bits).then_some(Some(bits))
}

/// A tile size from the URL: one of the drop-down's.
pub fn parse_tile(v: &str) -> Option<usize> {
    let tile: usize = v.trim().parse().ok()?;
    TILES.contains(&tile).then_some(tile)
}

/// A resistance from the URL, in ohm: finite, positive, at most [`MAX_RESISTANCE`].
pub fn parse_resistance(v: &str) -> Option<f64> {
    let x: f64 = v.trim().parse().ok()?;
    (x.is_finite() && x > 0.0 && x <= MAX_RESISTANCE).then_some(x)
}

/// An input scaling from the URL, by the drop-down's value.
pub fn parse_scaling(v: &str) -> Option<InputScaling> {
    match v {
        "memtorch" => Some(InputScaling::Memtorch),
        "calibrated" => Some(InputScaling::Calibrated),
        _ => None,
    }
}

fn scaling_key(s: InputScaling) -> &'static str {
    match s {
        InputScaling::Memtorch => "memtorch",
        InputScaling::Calibrated => "calibrated",
    }
}

/// The curve a link without `curve=` shows: the drift curve when drift is on, else the fault
/// curve alone.
fn implied_knob(c: &engine::crossbar::CrossbarConfig) -> CurveKnob {
    if c.drift.is_some() {
        CurveKnob::DriftTime
    } else {
        CurveKnob::Faults
    }
}

/// The view a fragment describes; anything unreadable keeps its default.
pub fn parse_fragment(fragment: &str) -> ViewParams {
    let mut p = ViewParams::default();
    if fragment.len() > MAX_FRAGMENT {
        return p;
    }
    let x = &mut p.crossbar;
    let c = &mut x.config;
    let mut knob = None;
    for (k, v) in pairs(fragment) {
        match k.as_str() {
            "tab" => p.tab = Tab::from_key(&v).unwrap_or(p.tab),
            "std" => p.std = parse_std(&v).unwrap_or(p.std),
            "draws" => p.draws = parse_draws(&v).unwrap_or(p.draws),
            "model" => match v.parse() {
                Ok(id) => p.model = Some(id),
                Err(_) => p.shipped = engine::experiments::RecipeKey::parse(v.trim()).map(|k| k.as_str().to_string()),
            },
            "compare" => p.compare = v.split(',').filter_map(model_token).take(16).collect(),
            "recipe" => p.recipe = serde_json::from_str::<LinkRecipe>(&v).ok().and_then(LinkRecipe::checked),
            "seeds" => p.seeds = parse_seeds(&v).unwrap_or(p.seeds),
            "xbar" => x.enabled = v == "on",
            "lrs" => c.faults.lrs = parse_fault_rate(&v).unwrap_or(c.faults.lrs),
            "hrs" => c.faults.hrs = parse_fault_rate(&v).unwrap_or(c.faults.hrs),
            "adc" => c.adc_bits = parse_adc(&v).unwrap_or(c.adc_bits),
            "tile" => c.tile = parse_tile(&v).unwrap_or(c.tile),
            "ron" => c.r_on = parse_resistance(&v).unwrap_or(c.r_on),
            "roff" => c.r_off = parse_resistance(&v).unwrap_or(c.r_off),
            "scaling" => c.input_scaling = parse_scaling(&v).unwrap_or(c.input_scaling),
            "levels" => {
                c.levels = match v.as_str() {
                    "continuous" => None,
                    n => n.parse().ok().filter(|n| super::explore::LEVELS.contains(n)).or(c.levels),
                }
            }
            "var" => c.variation = parse_share(&v, super::explore::MAX_VARIATION).unwrap_or(c.variation),
            "rnoise" => c.read_noise = parse_share(&v, super::explore::MAX_READ_NOISE).unwrap_or(c.read_noise),
            "drift" => {
                if let Some(t) = v.trim().parse::<f64>().ok().filter(|t| t.is_finite() && *t >= 1.0 && *t <= 1e9) {
                    x.drift_seconds = t;
                    c.drift = Some(super::explore::drift_at(t));
                }
            }
            "curve" => knob = CurveKnob::from_key(&v).or(knob),
            "hide" => p.teacher.hide = Teacher::parse_hide(&v),
            "lock" => p.teacher.lock = v == "1",
            "lesson" => {
                p.lesson = v
                    .trim()
                    .parse::<usize>()
                    .ok()
                    .filter(|&n| (1..=super::lesson::STEPS.len()).contains(&n))
                    .map(|n| n - 1)
            }
            _ => {}
        }
    }
    // Without a word on the curve, a link with drift on shows the drift curve, as turning
    // drift on does.
    x.knob = knob.unwrap_or(implied_knob(c));
    // Each resistance may be fine alone and the pair not (R_on must be below R_off): a link
    // opens on a device that works, the default one.
    if c.r_on >= c.r_off {
        let d = CrossbarUi::default().config;
        (c.r_on, c.r_off) = (d.r_on, d.r_off);
    }
    p
}

/// The fragment for a view (what `parse_fragment` reads back). The crossbar controls are
/// written only once they leave their defaults, so most links stay short.
pub fn fragment(p: &ViewParams) -> String {
    let mut frag = format!("#tab={}&std={:.2}&draws={}", p.tab.key(), p.std, p.draws);
    match (&p.shipped, p.model) {
        (Some(key), _) => frag.push_str(&format!("&model={key}")),
        (None, Some(m)) => frag.push_str(&format!("&model={m}")),
        _ => {}
    }
    if !p.compare.is_empty() {
        frag.push_str(&format!("&compare={}", p.compare.join(",")));
    }
    if let Some(r) = &p.recipe {
        frag.push_str(&format!("&recipe={}", percent_encode(&serde_json::to_string(r).unwrap_or_default())));
    }
    if p.seeds != 1 {
        frag.push_str(&format!("&seeds={}", p.seeds));
    }
    if p.crossbar != CrossbarUi::default() {
        let c = &p.crossbar.config;
        let adc = c.adc_bits.map_or("ideal".to_string(), |b| b.to_string());
        frag.push_str(&format!(
            "&xbar={}&lrs={:.2}&hrs={:.2}&adc={adc}&tile={}&ron={}&roff={}&scaling={}",
            if p.crossbar.enabled { "on" } else { "off" },
            c.faults.lrs,
            c.faults.hrs,
            c.tile,
            c.r_on,
            c.r_off,
            scaling_key(c.input_scaling),
        ));
        if let Some(n) = c.levels {
            frag.push_str(&format!("&levels={n}"));
        }
        if c.variation > 0.0 {
            frag.push_str(&format!("&var={}", c.variation));
        }
        if c.read_noise > 0.0 {
            frag.push_str(&format!("&rnoise={}", c.read_noise));
        }
        if c.drift.is_some() {
            frag.push_str(&format!("&drift={}", p.crossbar.drift_seconds));
        }
        if p.crossbar.knob != implied_knob(c) {
            frag.push_str(&format!("&curve={}", p.crossbar.knob.key()));
        }
    }
    if !p.teacher.hide.is_empty() {
        frag.push_str(&format!("&hide={}", p.teacher.hide.iter().cloned().collect::<Vec<_>>().join(",")));
    }
    if p.teacher.lock {
        frag.push_str("&lock=1");
    }
    if let Some(step) = p.lesson {
        frag.push_str(&format!("&lesson={}", step + 1));
    }
    frag
}
