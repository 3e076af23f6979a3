//! The whole page state. What each part holds lives in its own module (form, models,
//! explore, reproduce queue, landscape); the reducer is `reducer.rs`, the side effects it
//! asks for are `effects.rs`.

use std::rc::Rc;

use engine::data::DatasetKind;
use serde::{Deserialize, Serialize};

use super::effects::Effect;
use super::explore::Explore;
use super::form::TrainForm;
use super::heal::WorkerId;
use super::landscape::LandscapeView;
use super::models::{Run, SavedModel, Unreadable};
use super::reproduce::ReproduceQueue;
use crate::protocol::{DataError, Samples};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Tab {
    Train,
    Explore,
    See,
    Reproduce,
    Landscape,
    Draw,
}

impl Tab {
    pub const ALL: [Tab; 6] = [Tab::Train, Tab::Explore, Tab::Draw, Tab::See, Tab::Reproduce, Tab::Landscape];
    pub fn label(self) -> &'static str {
        match self {
            Tab::Train => "Train",
            Tab::Explore => "Explore",
            Tab::See => "See it",
            Tab::Reproduce => "Reproduce",
            Tab::Landscape => "Landscape",
            Tab::Draw => "Draw a digit",
        }
    }
    pub fn key(self) -> &'static str {
        match self {
            Tab::Train => "train",
            Tab::Explore => "explore",
            Tab::See => "see",
            Tab::Reproduce => "reproduce",
            Tab::Landscape => "landscape",
            Tab::Draw => "draw",
        }
    }
    pub fn from_key(s: &str) -> Option<Tab> {
        Tab::ALL.into_iter().find(|t| t.key() == s)
    }
}

/// Where the data stands.
#[derive(Clone, Debug, PartialEq)]
pub enum DataStatus {
    Loading,
    Ready { kind: DatasetKind, train: usize, test: usize, millis: f64, custom: bool },
    Failed(DataError),
}

/// Where the data comes from: the served folder (`?data=`, absolute URL ending in `/`), or
/// the user's own files.
#[derive(Clone, Debug, PartialEq)]
pub enum DataOrigin {
    Served { base: String },
    Files { urls: [String; 4], names: [String; 4] },
}

/// Which trainer worker a run is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Trainer {
    /// The Train panel's trainer; it also trains Reproduce rows when free.
    Main,
    /// A second worker started when the Reproduce queue has work for it: wasm runs one thread
    /// per worker, so this is how the queue trains on two cores.
    Second,
}

/// The second trainer worker's state.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SecondTrainer {
    /// Asked for (the page starts it once, on the first queue that can use it).
    pub spawned: bool,
    /// Holds the current data.
    pub ready: bool,
    pub run: Option<Run>,
}

impl SecondTrainer {
    pub fn training(&self) -> bool {
        self.run.as_ref().is_some_and(|r| r.error.is_none())
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct State {
    /// What the user has typed into a text or number box and not yet committed (by its
    /// `change`: Enter or leaving the box), by the box's id. The box shows this instead of the
    /// state's value: yew sets a box's value back to the rendered one on every render, so a
    /// render caused by anything else (an evaluator's result) wiped a half-typed number.
    pub drafts: std::collections::BTreeMap<&'static str, String>,
    pub tab: Tab,
    pub data: DataStatus,
    pub origin: DataOrigin,
    /// The served data folder the page opened with (absolute, ending in `/`).
    pub served_base: String,
    /// Bumped by every data load: results computed on older data are dropped.
    pub data_generation: u64,
    /// Workers that hold the current data (evaluators, and the trainer).
    pub evaluators_loaded: usize,
    pub samples: Option<Rc<Samples>>,
    pub test_labels: Option<Rc<Vec<u8>>>,
    pub trainer_ready: bool,
    /// Training images the trainer holds (evaluators hold the test set only).
    pub trainer_images: usize,
    pub form: TrainForm,
    pub run: Option<Run>,
    /// The second trainer, which only trains Reproduce rows.
    pub second: SecondTrainer,
    pub next_job: u64,
    pub models: Vec<SavedModel>,
    pub explore: Explore,
    pub landscape: LandscapeView,
    /// The last problem worth showing in the status line.
    pub notice: Option<String>,
    pub evaluators: usize,
    pub reproduce: ReproduceQueue,
    /// Side effects asked for and not yet carried out, numbered from `effects_done + 1`.
    pub outbox: Vec<(u64, Effect)>,
    /// The fragment last written to the URL.
    pub last_fragment: String,
    pub next_effect: u64,
    /// Set when a worker speaks another protocol version: the page shows only a "reload"
    /// screen saying this.
    pub reload: Option<String>,
    /// Stored entries that could not be read back.
    pub unreadable: Vec<Unreadable>,
    /// How many times each worker was started again after a crash.
    pub restarts: std::collections::BTreeMap<WorkerId, u32>,
    /// The shipped ready-trained models, on their way in.
    pub shipped: super::shipped::Shipped,
    /// The Draw panel.
    pub draw: super::draw::DrawPanel,
    /// What the link hid, and whether it locked the page to its tab.
    pub teacher: super::url::Teacher,
    /// The lesson's current step, when the lesson is open.
    pub lesson: Option<usize>,
    /// The models a link named, until they are in the list (shipped ones arrive late).
    pub link: Option<super::url::ViewParams>,
    /// A link's model that is not in this browser, with its recipe: offered for training.
    pub retrain_offer: Option<super::url::LinkRecipe>,
    /// Whether the evaluators were told to hold background curves back.
    pub curves_paused: bool,
    /// The Train panel's last finished run and the model it made: its charts and a "done"
    /// stay on screen until the next run starts.
    pub last_run: Option<(Run, u64, f64)>,
    /// Why the last model upload failed, shown beside the upload button.
    pub upload_error: Option<String>,
    /// The trainer worker (this one: cleared when it is started again) was told to warm up.
    pub trainer_warm: bool,
}

impl Default for State {
    fn default() -> Self {
        Self {
            tab: Tab::Train,
            data: DataStatus::Loading,
            origin: DataOrigin::Served { base: "data/".into() },
            served_base: "data/".into(),
            data_generation: 0,
            evaluators_loaded: 0,
            samples: None,
            test_labels: None,
            trainer_ready: false,
            trainer_images: 0,
            form: TrainForm::default(),
            run: None,
            second: SecondTrainer::default(),
            next_job: 0,
            models: Vec::new(),
            explore: Explore::default(),
            landscape: LandscapeView::default(),
            notice: None,
            evaluators: 0,
            reproduce: ReproduceQueue::default(),
            outbox: Vec::new(),
            last_fragment: String::new(),
            next_effect: 0,
            reload: None,
            unreadable: Vec::new(),
            restarts: Default::default(),
            shipped: Default::default(),
            draw: Default::default(),
            teacher: Default::default(),
            lesson: None,
            link: None,
            retrain_offer: None,
            curves_paused: false,
            last_run: None,
            upload_error: None,
            trainer_warm: false,
            drafts: Default::default(),
        }
    }
}

impl State {
    pub fn model(&self, id: u64) -> Option<&SavedModel> {
        self.models.iter().find(|m| m.meta.id == id)
    }
    pub fn training(&self) -> bool {
        self.run.as_ref().is_some_and(|r| r.error.is_none())
    }
    /// Whether `trainer` is free to start a run (it holds the data and trains nothing).
    pub fn trainer_free(&self, trainer: Trainer) -> bool {
        match trainer {
            Trainer::Main => self.trainer_ready && !self.training(),
            Trainer::Second => self.second.ready && !self.second.training(),
        }
    }
    /// The runs in progress on either trainer.
    pub fn running(&self) -> impl Iterator<Item = &Run> {
        let main = self.run.as_ref().filter(|_| self.training());
        main.into_iter().chain(self.second.run.as_ref().filter(|_| self.second.training()))
    }
    /// The tabs shown: all but those the link hid (one at least: the current one).
    pub fn visible_tabs(&self) -> Vec<Tab> {
        let shown: Vec<Tab> = Tab::ALL.into_iter().filter(|t| !self.teacher.hides(t.key())).collect();
        if shown.is_empty() {
            vec![self.tab]
        } else {
            shown
        }
    }

    /// Whether a control or panel was hidden by the link.
    pub fn hides(&self, key: &str) -> bool {
        self.teacher.hides(key)
    }

    pub fn data_ready(&self) -> bool {
        matches!(self.data, DataStatus::Ready { .. })
    }
    /// Asks for a side effect (carried out by the page after the next render).
    pub fn effect(&mut self, e: Effect) {
        self.next_effect += 1;
        self.outbox.push((self.next_effect, e));
    }
}
