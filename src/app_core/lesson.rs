//! The lesson: the report's story in seven steps over the shipped ready-trained models. Each
//! step sets the controls (tab, σ, crossbar, the models shown) and says in two sentences what
//! to look at; the figures are the app's own, computed live, never typed in here.

use super::shipped::SUFFIX;
use super::state::{State, Tab};

/// One step: what it shows and says.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Step {
    pub title: &'static str,
    pub text: &'static str,
    pub tab: Tab,
    pub std: f32,
    /// The crossbar simulation: off, or on with these stuck-at rates (LRS, HRS).
    pub crossbar: Option<(f64, f64)>,
    /// The shipped model the panel shows (its recipe key), and those overlaid on the curves.
    pub focus: &'static str,
    pub compare: &'static [&'static str],
    /// Where the step's figure is on the page (a CSS selector that matches once it is
    /// computed): the page marks the lesson bar with it, and the e2e test waits for it.
    pub figure: &'static str,
}

pub const STEPS: [Step; 7] = [
    Step {
        title: "A network learns to read digits",
        text: "A small network (the report's MLP, 784-256-128-10) learned from MNIST's 60,000 training digits; its test accuracy is in the models table. Press Train to train your own; it takes about half a minute here.",
        tab: Tab::Train,
        std: 0.0,
        crossbar: None,
        focus: "mlp-b64",
        compare: &["mlp-b64"],
        figure: "#models tbody tr",
    },
    Step {
        title: "Put the weights on noisy devices",
        text: "A memristor stores each weight as a conductance that is off by a random factor exp(ε), ε ~ N(0, σ²). At σ = 1 the readout shows how much accuracy is left (mean ± sd over noise draws); drag the slider to see the curve's shape.",
        tab: Tab::Explore,
        std: 1.0,
        crossbar: None,
        focus: "mlp-b64",
        compare: &["mlp-b64"],
        figure: "#accuracy-readout[data-state=exact]",
    },
    Step {
        title: "Why batch size and architecture matter",
        text: "The report trained the same networks with batches of 32 to 256 and found that the larger batches, and the convolutional LeNet, lost more accuracy under the same noise. This table sets the report's figures beside ours, so you can see where the reproduction agrees; 'Train all' fills the rows the shipped models don't.",
        tab: Tab::Reproduce,
        std: 1.0,
        crossbar: None,
        focus: "cnn-b64",
        compare: &["mlp-b64", "cnn-b64"],
        figure: "#report-table tbody tr",
    },
    Step {
        title: "Harden the network: train with noise",
        text: "This MLP was trained with fresh noise (σ = 1) on its weights at every step, so it learned weights that tolerate it. Compare its curve with the plain MLP's: how much clean accuracy does it give up, and how much does it keep at σ = 1?",
        tab: Tab::Explore,
        std: 1.0,
        crossbar: None,
        focus: "mlp-noise1.0",
        compare: &["mlp-b64", "mlp-noise1.0"],
        figure: "#accuracy-readout[data-state=exact]",
    },
    Step {
        title: "Map the weights onto crossbars",
        text: "Each weight becomes the difference of two conductances between G_off and G_on on 128x128 tiles, read out through an 8-bit ADC, as MemTorch simulates it. Compare the crossbar readout with the digital accuracy: what is lost before any device fails comes from the ADC and the input scaling (try 'calibrated').",
        tab: Tab::Explore,
        std: 0.0,
        crossbar: Some((0.0, 0.0)),
        focus: "mlp-b64",
        compare: &["mlp-b64"],
        figure: "#xbar-readout[data-state=exact]",
    },
    Step {
        title: "Faulty devices, and fault-aware training",
        text: "Now 10% of the devices are stuck at the lowest resistance and 10% at the highest, as in the report. The fault-aware MLP was trained with such faults drawn at every step: compare its crossbar accuracy and fault curve with the plain MLP's.",
        tab: Tab::Explore,
        std: 0.0,
        crossbar: Some((0.1, 0.1)),
        focus: "mlp-faultaware",
        compare: &["mlp-b64", "mlp-faultaware"],
        figure: "#xbar-readout[data-state=exact]",
    },
    Step {
        title: "Your turn: draw a digit",
        text: "Draw a digit in the box: each network says what it reads, clean and at the current σ. Move the slider and watch how sure each one stays.",
        tab: Tab::Draw,
        std: 1.0,
        crossbar: None,
        focus: "mlp-b64",
        compare: &["mlp-b64", "mlp-noise1.0"],
        figure: "#draw-canvas",
    },
];

/// The id of the shipped model with recipe key `key`, if it is in the list.
pub fn shipped_model(s: &State, key: &str) -> Option<u64> {
    s.models
        .iter()
        .find(|m| m.meta.name.ends_with(SUFFIX) && m.meta.recipe.is_some_and(|r| r.as_str() == key))
        .map(|m| m.meta.id)
}

/// Whether every model the lesson uses is in the list.
pub fn models_ready(s: &State) -> bool {
    STEPS.iter().flat_map(|st| st.compare.iter().chain([&st.focus])).all(|k| shipped_model(s, k).is_some())
}

/// Sets the controls as step `i` says (the models only if they are loaded).
pub fn apply(s: &mut State, i: usize, now_ms: f64) {
    let Some(step) = STEPS.get(i) else { return };
    s.lesson = Some(i);
    s.tab = step.tab;
    if s.explore.std != step.std {
        s.explore.std = step.std;
        s.explore.moved_ms = now_ms;
    }
    let ui = &mut s.explore.crossbar;
    let before = ui.clone();
    match step.crossbar {
        None => ui.enabled = false,
        Some((lrs, hrs)) => {
            ui.enabled = true;
            ui.config.faults.lrs = lrs;
            ui.config.faults.hrs = hrs;
        }
    }
    if *ui != before {
        s.explore.xbar_moved_ms = now_ms;
    }
    if let Some(id) = shipped_model(s, step.focus) {
        s.explore.focus(Some(id));
    }
    let compare: Vec<u64> = step.compare.iter().filter_map(|k| shipped_model(s, k)).collect();
    if !compare.is_empty() {
        s.explore.compare = compare;
    }
}
