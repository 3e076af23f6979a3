//! The typed, versioned messages between the page and its workers.
//!
//! Every message travels as a bincode-encoded [`Envelope`] carrying [`PROTOCOL_VERSION`]. A worker
//! script cached from an older build then answers [`FromWorker::ProtocolMismatch`] instead of
//! misreading the bytes, and the page can tell the user to reload.

use engine::crossbar::CrossbarConfig;
use engine::data::DatasetKind;
use engine::experiments::notes::ModelNotes;
use engine::experiments::RecipeKey;
use engine::model::ModelConfig;
use engine::train::{EpochSummary, Progress, TrainConfig};
use serde::{de::DeserializeOwned, Deserialize, Serialize};

/// Bumped whenever a message type changes shape.
pub const PROTOCOL_VERSION: u32 = 7;

/// What is actually posted: the version, then the message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Envelope<T> {
    pub version: u32,
    pub body: T,
}

/// Why a message could not be read.
#[derive(Clone, Debug, PartialEq)]
pub enum DecodeError {
    /// The sender speaks another protocol version (a stale cached script).
    Version { expected: u32, found: u32 },
    /// The bytes are not a message at all.
    Malformed(String),
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecodeError::Version { expected, found } => write!(
                f,
                "protocol version {found} received, {expected} expected: the page and its worker come from different builds; reload the page"
            ),
            DecodeError::Malformed(e) => write!(f, "unreadable worker message: {e}"),
        }
    }
}

/// Encodes `body` in an envelope of the current version.
pub fn encode<T: Serialize>(body: &T) -> Vec<u8> {
    #[derive(Serialize)]
    struct Out<'a, T> {
        version: u32,
        body: &'a T,
    }
    bincode::serialize(&Out { version: PROTOCOL_VERSION, body }).expect("worker messages always serialise")
}

/// Decodes an envelope, checking the version before touching the body.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, DecodeError> {
    // The version is the first field, so it can be read on its own whatever the body is.
    let found: u32 = bincode::deserialize(bytes).map_err(|e| DecodeError::Malformed(e.to_string()))?;
    if found != PROTOCOL_VERSION {
        return Err(DecodeError::Version { expected: PROTOCOL_VERSION, found });
    }
    let env: Envelope<T> = bincode::deserialize(bytes).map_err(|e| DecodeError::Malformed(e.to_string()))?;
    Ok(env.body)
}

/// The engine's configurations use internally tagged enums, which bincode cannot read: they
/// travel as JSON text inside the binary envelope.
mod as_json {
    use serde::{de::DeserializeOwned, Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T: Serialize, S: Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&serde_json::to_string(value).map_err(serde::ser::Error::custom)?)
    }

    pub fn deserialize<'de, T: DeserializeOwned, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
        serde_json::from_str(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// Where a worker gets the four IDX files.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DataSource {
    pub kind: DatasetKind,
    /// Absolute URLs (http or blob:) of train images, train labels, test images, test labels.
    pub urls: [String; 4],
    /// What to call each file in messages: its path under the data folder, or the name of
    /// the user's file (a `blob:` URL means nothing to a reader).
    pub names: [String; 4],
    /// Check each decompressed file against the pinned SHA-256 (off for the user's own files).
    pub verify: bool,
    /// Whether this worker needs the training half (evaluators only need the test set).
    pub need_train: bool,
}

/// A job on a trained model, run by an evaluator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum EvalTask {
    /// Accuracy under draw `draw` of log-normal noise of strength `std` (0 = clean).
    /// `subset` limits the evaluation to the first n test images (the fast estimate).
    Noise { std: f32, seed: u64, draw: usize, subset: Option<usize>, predictions: bool },
    /// Histogram of all weights, clean and under one noise draw, over the same bins.
    Histogram { std: f32, seed: u64, bins: usize },
    /// Accuracy on simulated crossbars with draw `draw` of the configured non-idealities
    /// (stuck-at faults...); `subset` as for `Noise`. Returns `EvalOutput::Accuracy`.
    Crossbar {
        #[serde(with = "as_json")]
        config: CrossbarConfig,
        draw: usize,
        subset: Option<usize>,
    },
    /// Loss-landscape points `w + a d1 + b d2` at `coords`, directions from `seed` (the same for
    /// every model, so pictures compare), on a seeded stratified subset of `subset` test images.
    /// `first` is the index of the first coordinate in the whole slice or grid. Returns
    /// `EvalOutput::Landscape`.
    Landscape { grid: bool, first: usize, coords: Vec<(f32, f32)>, seed: u64, subset: usize },
    /// Test loss and accuracy under `draws` log-normal noise draws of strength `std`, on the
    /// same kind of subset. Returns `EvalOutput::NoiseLandscape`.
    NoiseLandscape { std: f32, draws: usize, seed: u64, subset: usize },
    /// The first tile of the first layer's positive crossbar, after draw `draw` of the
    /// non-idealities: conductances and stuck devices. Returns `EvalOutput::Tile`.
    Tile {
        #[serde(with = "as_json")]
        config: CrossbarConfig,
        draw: usize,
    },
    /// A drawn digit: `width * height` ink intensities (0 = background) in row order, centred
    /// and scaled as MNIST's digits were, then read clean, under `draws` draws of log-normal
    /// noise of strength `std` (draw k as the accuracy readout's), and, with `crossbar`, on
    /// simulated crossbars over as many draws of its non-idealities. Returns `EvalOutput::Digit`.
    Digit {
        width: usize,
        height: usize,
        pixels: Vec<u8>,
        std: f32,
        seed: u64,
        draws: usize,
        #[serde(with = "as_json")]
        crossbar: Option<CrossbarConfig>,
    },
}

/// Messages to a worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ToWorker {
    /// Fetch, decompress, verify and parse the data.
    LoadData(DataSource),
    /// Train a fresh model; replies with progress, epochs and finally the model.
    Train {
        job: u64,
        #[serde(with = "as_json")]
        model: ModelConfig,
        #[serde(with = "as_json")]
        train: TrainConfig,
        teacher: Option<Vec<u8>>,
        /// The report row trained, if any: the worker then trains it through the engine's
        /// recipe (which refuses a wrong teacher) and writes the key into the model's notes.
        recipe: Option<RecipeKey>,
    },
    /// Keep this model (safetensors bytes) under `id` for later evaluations.
    PutModel { id: u64, bytes: Vec<u8> },
    /// Evaluate model `model` (sent earlier with `PutModel`).
    Eval { job: u64, model: u64, task: EvalTask },
    /// Read an uploaded model file (ours, or a PyTorch MLP state dict as safetensors) and
    /// measure its clean test accuracy; replies `Imported` or `ImportFailed`.
    Import { job: u64, name: String, bytes: Vec<u8> },
    /// Convert a model file (ours) to a PyTorch-loadable state dict (PyTorch's key names and
    /// layouts, `format: pt`); replies `Exported`.
    Export { job: u64, name: String, bytes: Vec<u8> },
    /// A trainer: train throwaway models through its own path (at most a few seconds), so the
    /// browser compiles the hot code optimised before the user's first run (the first run after
    /// a page load was 1.6 times slower). The page sends it once the trainer holds the data and
    /// the page's first figures are in.
    WarmUp,
    /// Tests only: make the worker panic, to test how the page heals. The page sends it only
    /// from its test hook, which exists only when the page's URL asks for it (`?test-hooks=1`).
    Panic(PanicWhen),
}

/// When a worker told [`ToWorker::Panic`] panics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PanicWhen {
    /// At once.
    Now,
    /// On its next `Eval` (a crash with a job in flight).
    NextEval,
    /// In its next training run, right after reporting epoch n (a crash mid-run).
    AfterEpoch(usize),
}

/// Why data could not be loaded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum DataError {
    /// A file is not there (HTTP 404, a network error, or a web page answered instead, as a
    /// development server does for any path).
    Missing { url: String, detail: String },
    /// A file is there but damaged, wrong, or not the official dataset.
    Invalid { url: String, detail: String },
}

impl std::fmt::Display for DataError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DataError::Missing { url, detail } => write!(f, "{url} is missing: {detail}"),
            DataError::Invalid { url, detail } => write!(f, "{url}: {detail}"),
        }
    }
}

/// A few test images for the page to draw (it never holds the whole dataset).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Samples {
    /// `labels.len() * 784` pixel bytes.
    pub pixels: Vec<u8>,
    pub labels: Vec<u8>,
}

/// Result of an [`EvalTask`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum EvalOutput {
    Accuracy {
        accuracy: f64,
        images: usize,
        predictions: Option<Vec<u8>>,
    },
    Histogram {
        lo: f32,
        hi: f32,
        clean: Vec<u32>,
        noisy: Vec<u32>,
    },
    /// (loss, accuracy %) at each requested coordinate.
    Landscape {
        points: Vec<(f64, f64)>,
    },
    /// Mean and sd of the loss and of the accuracy (%) over the draws.
    NoiseLandscape {
        loss: (f64, f64),
        accuracy: (f64, f64),
    },
    /// `side * side` cells, row-major (rows = inputs, columns = outputs): the conductance
    /// scaled to 0 (G_off) ..= 1 (G_on), and 0 = programmable, 1 = stuck at HRS, 2 = stuck at
    /// LRS. `rows` x `cols` of the tile are real; the rest is padding.
    Tile {
        layer: String,
        side: usize,
        rows: usize,
        cols: usize,
        tiles: usize,
        level: Vec<f32>,
        stuck: Vec<u8>,
    },
    /// A drawn digit as the network sees it (784 bytes, centred) and its class probabilities:
    /// clean, under the noise (when σ > 0) and on crossbars (when asked).
    Digit {
        centred: Vec<u8>,
        clean: Vec<f32>,
        noisy: Option<ClassSpread>,
        crossbar: Option<ClassSpread>,
    },
}

/// Class probabilities: per class, the mean and the sample sd over draws.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassSpread {
    pub mean: Vec<f32>,
    pub sd: Vec<f32>,
}

/// Messages from a worker.
/// A model part-way through training.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The model file (`.safetensors`, notes included), as [`FromWorker::TrainDone`] sends it.
    pub bytes: Vec<u8>,
    /// Training time so far, evaluation excluded.
    pub train_seconds: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum FromWorker {
    /// The worker's wasm is running and listening (messages sent before this are queued by the page).
    Ready,
    DataLoaded {
        kind: DatasetKind,
        train: usize,
        test: usize,
        millis: f64,
        samples: Samples,
        test_labels: Vec<u8>,
    },
    DataFailed(DataError),
    /// Sent at most every 250 ms during training.
    TrainProgress {
        job: u64,
        progress: Progress,
    },
    /// After each epoch: the epoch's training figures and the test accuracy, and (for every
    /// epoch but the last) the model as it stands, which the page keeps if the run is cancelled.
    TrainEpoch {
        job: u64,
        summary: EpochSummary,
        test_accuracy: f64,
        snapshot: Option<Snapshot>,
    },
    TrainDone {
        job: u64,
        bytes: Vec<u8>,
        history: Vec<EpochSummary>,
        test_accuracy: f64,
        train_seconds: f64,
    },
    TrainFailed {
        job: u64,
        error: String,
    },
    EvalDone {
        job: u64,
        model: u64,
        task: EvalTask,
        output: EvalOutput,
        millis: f64,
    },
    EvalFailed {
        job: u64,
        error: String,
    },
    /// An uploaded model, re-saved in our format (configuration in the header).
    Imported {
        job: u64,
        name: String,
        bytes: Vec<u8>,
        #[serde(with = "as_json")]
        model: ModelConfig,
        test_accuracy: f64,
        pytorch: bool,
        /// The file's notes in the engine's schema, if it has any this build reads (a CLI
        /// model's say which recipe it is).
        #[serde(with = "as_json")]
        notes: Option<ModelNotes>,
    },
    ImportFailed {
        job: u64,
        name: String,
        error: String,
    },
    /// A model as a PyTorch state dict (`.safetensors` bytes), or why not.
    Exported {
        job: u64,
        name: String,
        result: Result<Vec<u8>, String>,
    },
    /// The worker could not read a message (see [`DecodeError`]).
    ProtocolError(String),
    /// The worker panicked (its panic hook's last word: the worker is dead after this).
    Panicked(String),
}
