//! Model files: our safetensors round trip, and PyTorch MLP state-dict import.

use std::collections::HashMap;

use candle_core::{Device, Tensor};
use engine::data::Preprocessing;
use engine::model::io::{from_bytes, to_bytes};
use engine::model::{Architecture, Model, ModelConfig};
use engine::Error;

fn input() -> Tensor {
    Tensor::from_vec((0..2 * 784).map(|i| ((i * 37) % 255) as f32 / 255.0).collect::<Vec<_>>(), (2, 784), &Device::Cpu)
        .unwrap()
}

#[test]
fn save_and_load_give_the_same_model_and_notes() {
    for arch in [Architecture::report_mlp(), Architecture::LeNet, Architecture::ExampleCnn] {
        let config = ModelConfig { arch, ..ModelConfig::report_mlp() };
        let m = Model::init(config, 5).unwrap();
        let notes = serde_json::json!({"test_accuracy": 12.5});
        let bytes = to_bytes(&m, Some(&notes)).unwrap();
        let back = from_bytes(&bytes, Preprocessing::Raw).unwrap();
        assert_eq!(back.model.config, m.config);
        assert_eq!(back.notes, notes);
        assert!(!back.imported);
        let x = input().reshape([vec![2], m.config.arch.example_shape()].concat()).unwrap();
        let a: Vec<Vec<f32>> = m.forward(&x).unwrap().to_vec2().unwrap();
        let b: Vec<Vec<f32>> = back.model.forward(&x).unwrap().to_vec2().unwrap();
        assert_eq!(a, b);
    }
}

/// A state dict as PyTorch's `safetensors.torch.save_file(model.state_dict())` writes it: no
/// metadata, [out, in] weights.
fn torch_dict(prefixes: &[&str], sizes: &[usize]) -> Vec<u8> {
    let mut map = HashMap::new();
    for (i, p) in prefixes.iter().enumerate() {
        let (inp, out) = (sizes[i], sizes[i + 1]);
        let w: Vec<f32> = (0..out * inp).map(|k| ((k % 7) as f32 - 3.0) * 0.01).collect();
        map.insert(format!("{p}.weight"), Tensor::from_vec(w, (out, inp), &Device::Cpu).unwrap());
        map.insert(format!("{p}.bias"), Tensor::zeros(out, candle_core::DType::F32, &Device::Cpu).unwrap());
    }
    let data: Vec<(String, Tensor)> = map.into_iter().collect();
    safetensors::serialize(data.iter().map(|(k, v)| (k.as_str(), v)), None).unwrap()
}

#[test]
fn pytorch_state_dicts_import_with_either_naming() {
    for prefixes in [["fc1", "fc2", "fc3"], ["0", "2", "4"]] {
        let bytes = torch_dict(&prefixes, &[784, 64, 32, 10]);
        let m = from_bytes(&bytes, Preprocessing::Raw).unwrap();
        assert!(m.imported);
        assert_eq!(m.model.config.arch, Architecture::Mlp { hidden: vec![64, 32], dropout: 0.0 });
        assert_eq!(m.model.config.preprocessing, Preprocessing::Raw);
        assert_eq!(m.model.forward(&input()).unwrap().dims(), &[2, 10]);
    }
    // Sequential indices sort numerically: 10 comes after 2.
    let m = from_bytes(&torch_dict(&["0", "2", "10"], &[784, 20, 30, 10]), Preprocessing::Raw).unwrap();
    assert_eq!(m.model.config.arch, Architecture::Mlp { hidden: vec![20, 30], dropout: 0.0 });
}

#[test]
fn mismatched_state_dicts_are_refused_clearly() {
    let err = from_bytes(&torch_dict(&["fc1", "fc2"], &[700, 64, 10]), Preprocessing::Raw).unwrap_err();
    assert!(matches!(err, Error::ShapeMismatch { .. }), "{err:?}");
    assert!(err.to_string().contains("fc1.weight"), "{err}");
    let err = from_bytes(&torch_dict(&["fc1", "fc2"], &[784, 64, 12]), Preprocessing::Raw).unwrap_err();
    assert!(err.to_string().contains("end at 10"), "{err}");
    let err = from_bytes(b"definitely not safetensors", Preprocessing::Raw).unwrap_err();
    assert!(err.to_string().contains("not a safetensors file"), "{err}");
}

#[test]
fn non_finite_weights_are_refused() {
    let m = Model::init(ModelConfig::report_mlp(), 1).unwrap();
    let mut w = m.weights();
    let mut b = w[1].to_vec1::<f32>().unwrap();
    b[3] = f32::NAN;
    w[1] = Tensor::new(b, &Device::Cpu).unwrap();
    let err = Model::from_tensors(m.config.clone(), w).unwrap_err();
    assert!(matches!(&err, Error::NonFinite { name, count: 1 } if name == "fc1.bias"), "{err:?}");
}
