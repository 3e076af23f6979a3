//! The side effects the reducer asks for, as data: the page carries them out after the
//! render (see `app::effects`), and tests read them.

use engine::experiments::RecipeKey;
use engine::model::ModelConfig;
use engine::train::TrainConfig;

use super::state::Trainer;
use crate::protocol::{DataSource, EvalTask};

#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// Load this data into every worker.
    LoadData(DataSource),
    /// Drop every queued evaluation (their data is gone).
    ClearJobs,
    /// Train in the trainer worker; `teacher` is a kept model's id; `recipe` the Reproduce
    /// row trained (the worker then trains it as the engine's recipe, and says so in its notes).
    Train {
        trainer: Trainer,
        job: u64,
        model: ModelConfig,
        train: TrainConfig,
        teacher: Option<u64>,
        recipe: Option<RecipeKey>,
    },
    /// Stop the trainer (a busy worker cannot read messages) and start a fresh one on the
    /// current data; `kept` is the id the cancelled run's snapshot is kept under.
    RestartTrainer {
        kept: Option<u64>,
    },
    /// Warm the trainer up (see `ToWorker::WarmUp`).
    WarmUpTrainer,
    /// Start the second trainer (see [`Trainer::Second`]) on the current data (again, after
    /// a crash: the old worker is stopped).
    SpawnSecondTrainer,
    /// Stop evaluator `i` (crashed or hung) and start a fresh one on the current data; its job
    /// in flight is retried once.
    RespawnEvaluator(usize),
    /// Keep a model in IndexedDB, and in the evaluators' model list.
    SaveModel(u64),
    /// Forget a model everywhere.
    DeleteModel(u64),
    /// Read an uploaded model file in an evaluator.
    Import {
        job: u64,
        name: String,
        bytes: std::rc::Rc<Vec<u8>>,
    },
    /// Convert a model for PyTorch in an evaluator.
    Export {
        job: u64,
        name: String,
        bytes: std::rc::Rc<Vec<u8>>,
    },
    /// Offer these bytes as a file download.
    Download {
        name: String,
        bytes: std::rc::Rc<Vec<u8>>,
        mime: &'static str,
    },
    /// The slider's jobs, replacing the queued ones.
    SliderJobs {
        model: u64,
        tasks: Vec<EvalTask>,
    },
    /// The crossbar readout's jobs, replacing the queued ones.
    CrossbarJobs {
        model: u64,
        tasks: Vec<EvalTask>,
    },
    /// The Draw panel's readings, replacing the queued ones.
    DigitJobs(Vec<(u64, EvalTask)>),
    /// Forget queued fault- and drift-curve jobs of crossbar settings no longer shown.
    DropStaleCurves {
        xbar_key: String,
        drift_key: Option<String>,
        /// The chosen knob's curve and its key, if it has one.
        knob: Option<(crate::app_core::curve_knob::CurveKnob, String)>,
    },
    /// Hold background curves back while the Train panel's run trains (or let them go).
    PauseCurves(bool),
    /// Background curve jobs of a model.
    CurveJobs {
        model: u64,
        tasks: Vec<EvalTask>,
    },
    /// Jobs a button asked for (the landscapes).
    RequestedJobs(Vec<(u64, EvalTask)>),
    /// Save the Train form / the Reproduce queue between visits.
    SaveForm(String),
    SaveQueue(Vec<String>),
    /// Show the view in the URL.
    WriteUrl(String),
    /// Fetch the shipped models' manifest and files (answered by `ShippedFetched` or
    /// `ShippedFailed`).
    FetchShipped,
    /// Remember that the shipped models were added in this browser.
    MarkShippedAdded,
}
