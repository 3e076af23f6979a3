//! Everything that can happen to the page, as plain values: what a control now shows, what a
//! worker replied, what was restored. No closures, no DOM events.

use std::rc::Rc;

use engine::data::DatasetKind;
use engine::train::{EpochSummary, Progress};

use super::explore::CrossbarField;
use super::form::FormField;
use super::heal::WorkerId;
use super::models::{SavedModel, Unreadable};
use super::shipped::ShippedFile;
use super::state::Tab;
use crate::protocol::{DataError, EvalOutput, EvalTask, Samples};

/// What the page finds when it opens.
#[derive(Clone, Debug, PartialEq)]
pub struct Startup {
    /// The served data folder as an absolute URL ending in `/` (from `?data=`).
    pub data_base: String,
    /// The URL's fragment (`#tab=...`).
    pub fragment: String,
    /// The Train form and the Reproduce queue saved by the last visit.
    pub saved_form: Option<String>,
    pub saved_queue: Vec<String>,
    pub evaluators: usize,
    /// Fetch the shipped ready-trained models: a first visit (they were never added in this
    /// browser) whose URL does not say `?shipped=0`.
    pub shipped: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    Start(Startup),
    SetTab(Tab),
    /// The dataset drop-down: reload every worker with the other dataset.
    SwitchDataset(DatasetKind),
    /// The user's own four IDX files, as object URLs and their file names.
    UseFiles {
        urls: [String; 4],
        names: [String; 4],
    },
    /// Load the served folder again (after a data problem).
    RetryServed,
    /// An evaluator holds the data.
    DataLoaded {
        kind: DatasetKind,
        train: usize,
        test: usize,
        millis: f64,
        samples: Rc<Samples>,
        test_labels: Rc<Vec<u8>>,
    },
    /// The trainer holds the data.
    TrainerDataLoaded {
        kind: DatasetKind,
        train: usize,
    },
    /// The second trainer holds the data.
    SecondTrainerDataLoaded {
        kind: DatasetKind,
    },
    DataFailed(DataError),
    Form(FormField),
    /// The Train button: trains what the form holds when the reducer sees this.
    Train {
        now_ms: f64,
    },
    /// The Cancel button; `keep_id` is the id for the run's last snapshot.
    Cancel {
        keep_id: u64,
    },
    TrainProgress {
        job: u64,
        progress: Progress,
        now_ms: f64,
    },
    TrainEpoch {
        job: u64,
        summary: EpochSummary,
        test_accuracy: f64,
        snapshot: Option<(Rc<Vec<u8>>, f64)>,
    },
    TrainDone {
        job: u64,
        id: u64,
        bytes: Rc<Vec<u8>>,
        history: Vec<EpochSummary>,
        test_accuracy: f64,
        train_seconds: f64,
    },
    TrainFailed {
        job: u64,
        error: String,
    },
    ModelsRestored(Vec<SavedModel>),
    /// Stored entries that could not be read back (listed, never skipped in silence).
    StoredUnreadable(Vec<Unreadable>),
    /// A worker crashed (an error event: a panic, an uncaught exception) or stopped answering.
    /// `started`: it had said it was ready (one that never starts is not started again).
    WorkerCrashed {
        worker: WorkerId,
        reason: String,
        started: bool,
        /// The id a crashed trainer's last snapshot is kept under (as Cancel's).
        keep_id: u64,
    },
    /// The page's periodic check of its workers' deadlines (`keep_id` as above).
    Tick {
        now_ms: f64,
        keep_id: u64,
    },
    /// A worker speaks another protocol version: the page and its workers come from
    /// different builds, and only a reload mends that.
    ProtocolMismatch(String),
    /// The models list's PyTorch button.
    ExportPytorch(u64),
    /// An evaluator converted a model for PyTorch (or could not).
    Exported {
        name: String,
        result: Result<Rc<Vec<u8>>, String>,
    },
    /// A file the user picked was refused before it was read (its size), or could not be read.
    UploadRefused(String),
    /// A file the user picked, read into memory.
    Upload {
        name: String,
        bytes: Rc<Vec<u8>>,
    },
    /// A model file read by an evaluator (import job `job`: an upload, or a shipped model).
    ModelAdded {
        job: u64,
        model: SavedModel,
    },
    /// An evaluator could not read model file `name` (import job `job`).
    ImportFailed {
        job: u64,
        name: String,
        error: String,
    },
    /// The shipped models' files, fetched (see `shipped`).
    ShippedFetched(Vec<ShippedFile>),
    /// The shipped models could not be fetched.
    ShippedFailed(String),
    /// The Models list's button: add the shipped models (again).
    AddShipped,
    /// A digit drawn (or an image uploaded) on the Draw panel: ink intensities, 0 = background.
    Drew {
        width: usize,
        height: usize,
        ink: Rc<Vec<u8>>,
    },
    ClearDrawing,
    /// Open the lesson at a step (0-based), or close it.
    Lesson {
        step: Option<usize>,
        now_ms: f64,
    },
    /// Train the model a link named, from the link's recipe (it is not in this browser).
    RetrainLinked {
        now_ms: f64,
    },
    /// The lesson's next (or previous) step: the keyboard's arrows and the bar's buttons.
    LessonMove {
        forward: bool,
        now_ms: f64,
    },
    DeleteModel(u64),
    SelectModel(Option<u64>),
    ToggleCompare(u64),
    /// The slider's text value.
    SetStd {
        value: String,
        now_ms: f64,
    },
    /// The draws field's text value.
    SetDraws(String),
    /// A text or number box's text while the user types (its `input` event): shown, not yet
    /// applied (see `State::drafts`).
    Draft {
        id: &'static str,
        text: String,
    },
    /// A crossbar control's new value.
    Crossbar {
        field: CrossbarField,
        now_ms: f64,
    },
    EvalDone {
        model: u64,
        task: EvalTask,
        output: EvalOutput,
        now_ms: f64,
    },
    EvalFailed {
        model: Option<u64>,
        task: Option<EvalTask>,
        error: String,
    },
    /// The Landscape panel's button.
    ComputeLandscape {
        now_ms: f64,
    },
    Notice(Option<String>),
    /// Queue these Reproduce rows (by recipe key): each one's models of every seed.
    Enqueue(Vec<engine::experiments::RecipeKey>),
    /// How many training seeds each Reproduce row is trained from (clamped to 1..=5).
    SetSeedsPerRow(usize),
    /// The page carried out the effects numbered up to this one.
    EffectsDone(u64),
}
