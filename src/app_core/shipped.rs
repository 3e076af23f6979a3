//! The ready-trained models the site ships (`www/pretrained/`, made by `mpg pretrained` from
//! the report's recipes): on a first visit the page fetches them and opens the Explore view
//! with them loaded, so a visitor drags σ within seconds instead of training first.
//!
//! The files are read by an evaluator like an upload (which measures their clean accuracy),
//! but only once the evaluators hold the test set: an import sent before would find no data.

use std::collections::BTreeMap;
use std::rc::Rc;

use serde::Deserialize;

/// The manifest, relative to the page.
pub const MANIFEST: &str = "pretrained/manifest.json";
/// The folder of the files the manifest names, relative to the page.
pub const FOLDER: &str = "pretrained/";
/// localStorage key: set once the shipped models were added, so a visitor who deleted them
/// does not get them back on the next visit (the Models list can add them again).
pub const ADDED_KEY: &str = "mpg-shipped-added";
/// The largest manifest and model file the page reads (the shipped ones are about 1 MB).
pub const MAX_FILE_BYTES: usize = 16 << 20;

/// `www/pretrained/manifest.json` (the fields the page needs).
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Manifest {
    pub models: Vec<ManifestEntry>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct ManifestEntry {
    /// The recipe key, e.g. `mlp-b64`.
    pub name: String,
    pub file: String,
    /// The report's name for the row, e.g. "MLP batch 64".
    pub label: String,
    pub bytes: usize,
    pub clean_accuracy: f64,
}

impl Manifest {
    /// Reads a manifest; an empty or oversized list is an error (the site is broken).
    pub fn parse(text: &str) -> Result<Manifest, String> {
        let m: Manifest =
            serde_json::from_str(text).map_err(|e| format!("{MANIFEST} does not read as a manifest: {e}"))?;
        if m.models.is_empty() || m.models.len() > 16 {
            return Err(format!("{MANIFEST} lists {} models (1 to 16 expected)", m.models.len()));
        }
        for e in &m.models {
            // a name that could leave the folder is refused (the page builds URLs from it)
            if e.file.contains('/') || e.file.contains("..") || !e.file.ends_with(".safetensors") {
                return Err(format!("{MANIFEST}: '{}' is not a model file name", e.file));
            }
            if e.bytes > MAX_FILE_BYTES {
                return Err(format!(
                    "{MANIFEST}: {} is listed at {} bytes (at most {MAX_FILE_BYTES})",
                    e.file, e.bytes
                ));
            }
        }
        Ok(m)
    }
}

/// A fetched model file, waiting for the data or for its evaluator.
#[derive(Clone, Debug, PartialEq)]
pub struct ShippedFile {
    pub entry: ManifestEntry,
    pub bytes: Rc<Vec<u8>>,
}

/// Where the shipped models stand.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum ShippedStatus {
    /// Not asked for (a returning visitor, or `?shipped=0`).
    #[default]
    Off,
    Fetching,
    /// Fetched; read by the evaluators once they hold the data.
    Importing,
    Done,
    Failed(String),
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Shipped {
    pub status: ShippedStatus,
    /// Fetched files not yet sent to an evaluator (the data is still loading).
    pub waiting: Vec<ShippedFile>,
    /// Import jobs sent, by job number: what the answer is.
    pub in_flight: BTreeMap<u64, ManifestEntry>,
    /// The first shipped model added takes the Explore panel; the rest join its comparison.
    pub focused: bool,
}

/// The name a shipped model has in the lists: the report's row and where it came from.
pub fn display_name(entry: &ManifestEntry) -> String {
    format!("{}{SUFFIX}", entry.label)
}

/// What a shipped model's name ends with.
pub const SUFFIX: &str = " (ready-trained)";

/// Whether a shipped model is overlaid on the Explore curves at first: the MLPs (the report's
/// hardening story, and quick to evaluate); the CNN is listed and one tick away, because its
/// curves take the evaluators many times longer.
pub fn compared_at_first(entry: &ManifestEntry) -> bool {
    entry.name.starts_with("mlp")
}
