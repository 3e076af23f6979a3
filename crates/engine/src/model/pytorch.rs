//! PyTorch both ways: convolutional state dicts in (LeNet and the example CNN; MLPs are read by
//! [`super::io::import_pytorch_mlp`]), and any model out as a safetensors state dict that
//! `model.load_state_dict(safetensors.torch.load_file(path))` takes.
//!
//! The engine's layers already use PyTorch's names (`conv1.weight`, `fc1.bias`, ...) and
//! layouts (linear weights `[out, in]`, kernels `[out_ch, in_ch, k, k]`, NCHW activations
//! flattened as C, H, W), so both directions are a matter of names and shapes, not of
//! transposing anything.

use std::collections::HashMap;

use candle_core::{DType, Tensor};

use super::config::{layers, short_list, Architecture, ModelConfig};
use super::network::Model;
use crate::data::{DatasetKind, Preprocessing};
use crate::error::{Error, Result};

/// The metadata key of an exported file saying how inputs were prepared (PyTorch ignores it).
pub const PREPROCESSING_KEY: &str = "memristor-playground.preprocessing";

/// The networks a convolutional state dict may be.
const CNNS: [Architecture; 2] = [Architecture::LeNet, Architecture::ExampleCnn];

/// Whether a state dict holds a convolution (a rank-4 `<layer>.weight`).
pub fn is_convolutional(tensors: &HashMap<String, Tensor>) -> bool {
    tensors.iter().any(|(k, t)| k.ends_with(".weight") && t.rank() == 4)
}

/// Builds LeNet or the example CNN from a PyTorch state dict: `<layer>.weight` and
/// `<layer>.bias` pairs, with any layer names (`conv1`, `features.0`, ...), matched by shape
/// in forward order (every convolution before every linear layer, each group in the order of
/// its names' trailing numbers).
pub fn import_pytorch_cnn(tensors: HashMap<String, Tensor>, preprocessing: Preprocessing) -> Result<Model> {
    let found = || {
        let mut keys: Vec<String> = tensors.iter().map(|(k, t)| format!("{k} {:?}", t.dims())).collect();
        keys.sort();
        format!("keys found: {}", short_list(&keys, ", "))
    };
    super::io::refuse_strays(&tensors, "CNN", found)?;
    let mut prefixes: Vec<(usize, (u64, String))> = tensors
        .iter()
        .filter_map(|(k, t)| k.strip_suffix(".weight").map(|p| (t.rank(), super::io::prefix_order(p))))
        .collect();
    // Convolutions (rank 4) first, then linear layers, each in name order.
    prefixes.sort_by(|a, b| (a.0 != 4, &a.1).cmp(&(b.0 != 4, &b.1)));
    let prefixes: Vec<String> = prefixes.into_iter().map(|(_, (_, p))| p).collect();
    for arch in CNNS {
        let specs = layers(&arch);
        if specs.len() != prefixes.len() {
            continue;
        }
        let fits = specs.iter().zip(&prefixes).all(|(spec, p)| {
            let [w, b] = spec.params();
            tensors.get(&format!("{p}.weight")).is_some_and(|t| t.dims() == w.shape.as_slice())
                && tensors.get(&format!("{p}.bias")).is_some_and(|t| t.dims() == b.shape.as_slice())
        });
        if !fits {
            continue;
        }
        let mut list = Vec::with_capacity(2 * specs.len());
        for p in &prefixes {
            list.push(tensors[&format!("{p}.weight")].to_dtype(DType::F32)?);
            list.push(tensors[&format!("{p}.bias")].to_dtype(DType::F32)?);
        }
        return Model::from_tensors(ModelConfig { arch, preprocessing, dataset: DatasetKind::Mnist }, list);
    }
    let expected: Vec<String> = CNNS
        .iter()
        .map(|arch| {
            let shapes: Vec<String> = layers(arch).iter().map(|s| format!("{:?}", s.kind.weight_shape())).collect();
            format!("{} ({})", arch.label(), shapes.join(", "))
        })
        .collect();
    Err(Error::ModelFormat(format!(
        "a convolutional state dict must be one of: {}, with a bias for every layer; {}",
        expected.join("; "),
        found()
    )))
}

/// A model as a PyTorch state dict in safetensors: PyTorch's key names and layouts, F32, with
/// `format: pt` (as `safetensors.torch.save_file` writes) and the input preparation in the
/// metadata. Read back by [`super::io::from_bytes`] as an imported state dict.
pub fn to_pytorch_bytes(model: &Model) -> Result<Vec<u8>> {
    let weights = model.weights();
    let tensors: Vec<Tensor> =
        weights.iter().map(|t| t.to_dtype(DType::F32)?.contiguous()).collect::<candle_core::Result<_>>()?;
    let data: Vec<(&str, &Tensor)> = model.names().iter().map(|s| s.as_str()).zip(tensors.iter()).collect();
    let mut meta = HashMap::new();
    meta.insert("format".to_string(), "pt".to_string());
    let pre = serde_json::to_string(&model.config.preprocessing).map_err(|e| Error::ModelFormat(e.to_string()))?;
    meta.insert(PREPROCESSING_KEY.to_string(), pre);
    let bytes =
        safetensors::serialize(data, Some(meta)).map_err(|e| Error::ModelFormat(format!("cannot serialise: {e}")))?;
    super::io::canonical_header(bytes)
}
