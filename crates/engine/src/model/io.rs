//! Model files: safetensors with a small JSON header (architecture, preprocessing, and free-form
//! training notes), plus import of MLP state dicts exported from PyTorch (CNNs and export:
//! [`super::pytorch`]).
//! Everything works on bytes, so the browser can load and save models too.

use std::collections::HashMap;

use candle_core::{Device, Tensor};
use safetensors::{Dtype, SafeTensors};

use super::config::{short_list, Architecture, ModelConfig, CLASSES, INPUTS};
use super::network::Model;
use crate::data::Preprocessing;
use crate::error::{Error, Result};

/// The metadata key holding the model's JSON configuration.
const CONFIG_KEY: &str = "memristor-playground.config";
/// The metadata key holding free-form JSON notes (how it was trained, results).
const NOTES_KEY: &str = "memristor-playground.notes";

/// Serialises a model (and optional JSON notes) as safetensors bytes.
pub fn to_bytes(model: &Model, notes: Option<&serde_json::Value>) -> Result<Vec<u8>> {
    let mut meta = HashMap::new();
    let config = serde_json::to_string(&model.config).map_err(|e| Error::ModelFormat(e.to_string()))?;
    meta.insert(CONFIG_KEY.to_string(), config);
    if let Some(n) = notes {
        meta.insert(NOTES_KEY.to_string(), n.to_string());
    }
    let weights = model.weights();
    let data: Vec<(&str, &Tensor)> = model.names().iter().map(|s| s.as_str()).zip(weights.iter()).collect();
    let bytes =
        safetensors::serialize(data, Some(meta)).map_err(|e| Error::ModelFormat(format!("cannot serialise: {e}")))?;
    canonical_header(bytes)
}

/// Rewrites a safetensors file's JSON header with its keys sorted. `safetensors` writes the
/// metadata from a `HashMap`, whose order changes from one process to the next, so the same
/// model would not give the same bytes twice. The tensor data is untouched (offsets are
/// relative to the end of the header); the header is padded with spaces to 8 bytes as
/// `safetensors` pads it.
pub(super) fn canonical_header(bytes: Vec<u8>) -> Result<Vec<u8>> {
    fn sorted(v: serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::Object(m) => {
                let mut entries: Vec<(String, serde_json::Value)> = m.into_iter().collect();
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                serde_json::Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
            }
            other => other,
        }
    }
    let bad = |what: &str| Error::ModelFormat(format!("cannot serialise: {what}"));
    let n = u64::from_le_bytes(bytes.get(..8).ok_or_else(|| bad("no header"))?.try_into().expect("8 bytes")) as usize;
    let header = bytes.get(8..8 + n).ok_or_else(|| bad("header out of range"))?;
    let value: serde_json::Value = serde_json::from_slice(header).map_err(|e| bad(&e.to_string()))?;
    let mut json = serde_json::to_vec(&sorted(value)).map_err(|e| bad(&e.to_string()))?;
    json.resize(json.len().next_multiple_of(8), b' ');
    let mut out = Vec::with_capacity(8 + json.len() + bytes.len() - 8 - n);
    out.extend_from_slice(&(json.len() as u64).to_le_bytes());
    out.extend_from_slice(&json);
    out.extend_from_slice(&bytes[8 + n..]);
    Ok(out)
}

/// A model read from bytes, with its notes (JSON null if none).
#[derive(Debug)]
pub struct LoadedModel {
    pub model: Model,
    pub notes: serde_json::Value,
    /// True when the file was a bare PyTorch state dict rather than one of ours.
    pub imported: bool,
}

/// Reads a model file: one of ours (configuration in the header), or a bare PyTorch MLP state
/// dict, in which case `fallback_preprocessing` says how its inputs must be prepared.
pub fn from_bytes(bytes: &[u8], fallback_preprocessing: Preprocessing) -> Result<LoadedModel> {
    let (_, meta) = SafeTensors::read_metadata(bytes).map_err(|e| {
        Error::ModelFormat(format!("not a safetensors file ({e}); models are saved and loaded as .safetensors"))
    })?;
    // Weights are real numbers: integer and boolean tensors are refused before any conversion.
    let mut bad: Vec<String> = meta
        .tensors()
        .iter()
        .filter(|(_, info)| !matches!(info.dtype, Dtype::F16 | Dtype::BF16 | Dtype::F32 | Dtype::F64))
        .map(|(name, info)| format!("{name} ({:?})", info.dtype))
        .collect();
    if !bad.is_empty() {
        bad.sort();
        return Err(Error::ModelFormat(format!(
            "weights must be floating point (F32, F16, BF16 or F64), but {} {}",
            short_list(&bad, ", "),
            if bad.len() == 1 { "is not" } else { "are not" }
        )));
    }
    let tensors = candle_core::safetensors::load_buffer(bytes, &Device::Cpu)?;
    let meta = meta.metadata().clone().unwrap_or_default();
    match meta.get(CONFIG_KEY) {
        Some(json) => {
            let config: ModelConfig = serde_json::from_str(json)
                .map_err(|e| Error::ModelFormat(format!("the configuration header is not understood: {e}")))?;
            config.validate()?;
            let names: Vec<String> =
                super::config::layers(&config.arch).iter().flat_map(|l| l.params().map(|p| p.name)).collect();
            let mut extra: Vec<&String> = tensors.keys().filter(|k| !names.contains(k)).collect();
            if !extra.is_empty() {
                extra.sort();
                return Err(Error::ModelFormat(format!(
                    "unexpected tensors {} for {} (it has {})",
                    short_list(&extra, ", "),
                    config.arch.label(),
                    short_list(&names, ", ")
                )));
            }
            let mut list = Vec::new();
            for n in &names {
                list.push(
                    tensors.get(n).cloned().ok_or_else(|| {
                        Error::ModelFormat(format!("tensor {n} is missing for {}", config.arch.label()))
                    })?,
                );
            }
            let notes =
                meta.get(NOTES_KEY).and_then(|s| serde_json::from_str(s).ok()).unwrap_or(serde_json::Value::Null);
            Ok(LoadedModel { model: Model::from_tensors(config, list)?, notes, imported: false })
        }
        None => {
            // A file exported by `pytorch::to_pytorch_bytes` says how its inputs were prepared.
            let preprocessing = match meta.get(super::pytorch::PREPROCESSING_KEY) {
                Some(json) => serde_json::from_str(json).map_err(|e| {
                    Error::ModelFormat(format!("the preprocessing in the metadata is not understood: {e}"))
                })?,
                None => fallback_preprocessing,
            };
            let model = if super::pytorch::is_convolutional(&tensors) {
                super::pytorch::import_pytorch_cnn(tensors, preprocessing)?
            } else {
                import_pytorch_mlp(tensors, preprocessing)?
            };
            Ok(LoadedModel { model, notes: serde_json::Value::Null, imported: true })
        }
    }
}

/// Sort key for state-dict prefixes: `0`, `2`, `4` (nn.Sequential) or `fc1`, `fc2` (named).
pub(super) fn prefix_order(prefix: &str) -> (u64, String) {
    let digits: String =
        prefix.chars().rev().take_while(|c| c.is_ascii_digit()).collect::<Vec<_>>().into_iter().rev().collect();
    (digits.parse().unwrap_or(u64::MAX), prefix.to_string())
}

/// Refuses a state dict holding anything but `<layer>.weight` and `<layer>.bias` pairs; `kind`
/// ("MLP", "CNN") and `found` (the keys, for the message) say what was being read.
pub(super) fn refuse_strays(tensors: &HashMap<String, Tensor>, kind: &str, found: impl Fn() -> String) -> Result<()> {
    let mut strays: Vec<&String> = tensors
        .keys()
        .filter(|k| match k.strip_suffix(".bias") {
            Some(p) => !tensors.contains_key(&format!("{p}.weight")),
            None => !k.ends_with(".weight"),
        })
        .collect();
    if strays.is_empty() {
        return Ok(());
    }
    strays.sort();
    Err(Error::ModelFormat(format!(
        "unexpected tensors {} in a PyTorch {kind} state dict (only `<layer>.weight` and `<layer>.bias` pairs are understood); {}",
        short_list(&strays, ", "),
        found()
    )))
}

/// Builds an MLP from a PyTorch state dict of Linear layers (`fc1.weight` or `0.weight`,
/// weights `[out, in]`), checking that the layers chain 784 -> ... -> 10.
pub fn import_pytorch_mlp(tensors: HashMap<String, Tensor>, preprocessing: Preprocessing) -> Result<Model> {
    // Every key, with its shape, for messages: what the file actually holds.
    let keys_found = || {
        let mut keys: Vec<(String, Vec<usize>)> = tensors.iter().map(|(k, t)| (k.clone(), t.dims().to_vec())).collect();
        keys.sort_by_key(|(k, _)| {
            let (p, s) = k.rsplit_once('.').unwrap_or((k, ""));
            (prefix_order(p), s != "weight", s.to_string())
        });
        let shown: Vec<String> = keys.iter().map(|(k, d)| format!("{k} {d:?}")).collect();
        format!("keys found: {}", short_list(&shown, ", "))
    };
    let mut prefixes: Vec<String> =
        tensors.keys().filter_map(|k| k.strip_suffix(".weight").map(|p| p.to_string())).collect();
    if prefixes.is_empty() {
        return Err(Error::ModelFormat(format!(
            "no `<layer>.weight` tensors: expected a PyTorch MLP state dict (keys like fc1.weight or 0.weight); {}",
            keys_found()
        )));
    }
    refuse_strays(&tensors, "MLP", keys_found)?;
    prefixes.sort_by_key(|p| prefix_order(p));
    let mut list = Vec::new();
    let mut sizes = vec![INPUTS];
    for p in &prefixes {
        let prev = *sizes.last().expect("starts with the input size");
        if prev == CLASSES && sizes.len() > 1 {
            // The previous layer already gave the 10 class scores: a layer after it is not
            // part of a classifier, and importing it would silently change the network.
            return Err(Error::ModelFormat(format!(
                "unexpected layer {p} after the output layer (the layer before it already gives the {CLASSES} class scores); {}",
                keys_found()
            )));
        }
        let w = &tensors[&format!("{p}.weight")];
        let b = tensors.get(&format!("{p}.bias")).ok_or_else(|| {
            Error::ModelFormat(format!("{p}.bias is missing (layers without bias are not supported)"))
        })?;
        if w.rank() != 2 || w.dims()[1] != prev {
            return Err(Error::ShapeMismatch {
                what: format!("{p}.weight (PyTorch layout [out, in])"),
                expected: vec![w.dims().first().copied().unwrap_or(0), prev],
                found: w.dims().to_vec(),
            });
        }
        let out = w.dims()[0];
        if b.dims() != [out] {
            return Err(Error::ShapeMismatch {
                what: format!("{p}.bias"),
                expected: vec![out],
                found: b.dims().to_vec(),
            });
        }
        sizes.push(out);
        list.push(w.clone());
        list.push(b.clone());
    }
    if *sizes.last().unwrap() != CLASSES || sizes.len() < 3 {
        return Err(Error::ModelFormat(format!(
            "the layers chain {}; an MLP for 28x28 inputs and 10 classes must start at 784, end at 10 and have a hidden layer; {}",
            short_list(&sizes, "-"),
            keys_found()
        )));
    }
    let dataset = crate::data::DatasetKind::Mnist;
    let arch = Architecture::Mlp { hidden: sizes[1..sizes.len() - 1].to_vec(), dropout: 0.0 };
    Model::from_tensors(ModelConfig { arch, preprocessing, dataset }, list)
}
