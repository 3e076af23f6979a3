//! Model files: safetensors with a small JSON header (architecture, preprocessing, and free-form
//! training notes), plus import of MLP state dicts exported from PyTorch.
//! Everything works on bytes, so the browser can load and save models too.

use std::collections::HashMap;

use candle_core::{Device, Tensor};
use safetensors::SafeTensors;

use super::config::{Architecture, ModelConfig, CLASSES, INPUTS};
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
    safetensors::serialize(data, Some(meta)).map_err(|e| Error::ModelFormat(format!("cannot serialise: {e}")))
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
    let tensors = candle_core::safetensors::load_buffer(bytes, &Device::Cpu)?;
    let meta = meta.metadata().clone().unwrap_or_default();
    match meta.get(CONFIG_KEY) {
        Some(json) => {
            let config: ModelConfig = serde_json::from_str(json)
                .map_err(|e| Error::ModelFormat(format!("the configuration header is not understood: {e}")))?;
            let names: Vec<String> =
                super::config::layers(&config.arch).iter().flat_map(|l| l.params().map(|p| p.name)).collect();
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
        None => Ok(LoadedModel {
            model: import_pytorch_mlp(tensors, fallback_preprocessing)?,
            notes: serde_json::Value::Null,
            imported: true,
        }),
    }
}

/// Sort key for state-dict prefixes: `0`, `2`, `4` (nn.Sequential) or `fc1`, `fc2` (named).
fn prefix_order(prefix: &str) -> (u64, String) {
    let digits: String =
        prefix.chars().rev().take_while(|c| c.is_ascii_digit()).collect::<Vec<_>>().into_iter().rev().collect();
    (digits.parse().unwrap_or(u64::MAX), prefix.to_string())
}

/// Builds an MLP from a PyTorch state dict of Linear layers (`fc1.weight` or `0.weight`,
/// weights `[out, in]`), checking that the layers chain 784 -> ... -> 10.
pub fn import_pytorch_mlp(tensors: HashMap<String, Tensor>, preprocessing: Preprocessing) -> Result<Model> {
    let mut prefixes: Vec<String> =
        tensors.keys().filter_map(|k| k.strip_suffix(".weight").map(|p| p.to_string())).collect();
    if prefixes.is_empty() {
        return Err(Error::ModelFormat(
            "no `<layer>.weight` tensors: expected a PyTorch MLP state dict (keys like fc1.weight or 0.weight)".into(),
        ));
    }
    prefixes.sort_by_key(|p| prefix_order(p));
    let mut list = Vec::new();
    let mut sizes = vec![INPUTS];
    for p in &prefixes {
        let w = &tensors[&format!("{p}.weight")];
        let b = tensors.get(&format!("{p}.bias")).ok_or_else(|| {
            Error::ModelFormat(format!("{p}.bias is missing (layers without bias are not supported)"))
        })?;
        let prev = *sizes.last().expect("starts with the input size");
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
            "the layers chain {sizes:?}; an MLP for 28x28 inputs and 10 classes must start at 784, end at 10 and have a hidden layer"
        )));
    }
    let dataset = crate::data::DatasetKind::Mnist;
    let arch = Architecture::Mlp { hidden: sizes[1..sizes.len() - 1].to_vec(), dropout: 0.0 };
    Model::from_tensors(ModelConfig { arch, preprocessing, dataset }, list)
}
