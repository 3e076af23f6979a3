//! PyTorch both ways, against PyTorch's own numbers: a LeNet trained by PyTorch
//! (`bench/pytorch_reference.py --write-fixture`) imports and gives PyTorch's logits; models the
//! engine exports read back unchanged and, where torch is installed, load in PyTorch and give
//! the engine's logits there.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use candle_core::{Device, Tensor};
use engine::data::{Batcher, Dataset, DatasetKind, Preprocessing};
use engine::model::io::from_bytes;
use engine::model::pytorch::to_pytorch_bytes;
use engine::model::{Architecture, Model, ModelConfig};

const IMAGES: usize = 16;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The model's logits for the first [`IMAGES`] test images, prepared as the model says.
fn logits(model: &Model, test: &Dataset) -> Vec<Vec<f32>> {
    let batcher = Batcher::new(test, model.config.preprocessing, model.config.arch.example_shape());
    let (x, _) = batcher.range(0, IMAGES, &Device::Cpu).unwrap();
    model.forward(&x).unwrap().to_vec2::<f32>().unwrap()
}

fn max_diff(a: &[Vec<f32>], b: &[Vec<f32>]) -> f32 {
    a.iter().flatten().zip(b.iter().flatten()).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

#[test]
fn a_lenet_trained_by_pytorch_imports_and_gives_pytorchs_logits() {
    let bytes = std::fs::read(fixtures().join("lenet-pytorch.safetensors")).unwrap();
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixtures().join("lenet-pytorch-logits.json")).unwrap()).unwrap();
    let expected: Vec<Vec<f32>> = serde_json::from_value(json["logits"].clone()).unwrap();
    let loaded = from_bytes(&bytes, Preprocessing::normalized_for(DatasetKind::Mnist)).unwrap();
    assert!(loaded.imported);
    assert_eq!(loaded.model.config.arch, Architecture::LeNet);
    let ours = logits(&loaded.model, &common::mnist().test);
    assert_eq!((ours.len(), expected.len()), (IMAGES, IMAGES));
    let diff = max_diff(&ours, &expected);
    eprintln!("LeNet trained by PyTorch: max |PyTorch's logit - ours| = {diff:e}");
    // Logits reach about 12 in size; float32 sums in another order differ by about 1e-6.
    assert!(diff <= 1e-4, "PyTorch's logits and ours differ by {diff}");
}

/// A freshly initialised model (random weights: a layer swapped or transposed on the way
/// would change every logit).
fn model(arch: Architecture, seed: u64) -> Model {
    Model::init(ModelConfig { arch, ..ModelConfig::report_mlp() }, seed).unwrap()
}

#[test]
fn exported_models_read_back_as_the_same_network() {
    let test = common::mnist().test.take(IMAGES);
    for arch in [Architecture::report_mlp(), Architecture::LeNet, Architecture::ExampleCnn] {
        let m = model(arch.clone(), 3);
        let bytes = to_pytorch_bytes(&m).unwrap();
        // No configuration header: it reads as a PyTorch state dict, with the preprocessing
        // from the file's metadata (the fallback given here is ignored).
        let back = from_bytes(&bytes, Preprocessing::Raw).unwrap();
        assert!(back.imported, "{arch:?}");
        assert_eq!(back.model.config.arch, arch);
        assert_eq!(back.model.config.preprocessing, m.config.preprocessing);
        for (a, b) in m.weights().iter().zip(back.model.weights()) {
            assert_eq!(
                a.flatten_all().unwrap().to_vec1::<f32>().unwrap(),
                b.flatten_all().unwrap().to_vec1::<f32>().unwrap()
            );
        }
        assert_eq!(logits(&m, &test), logits(&back.model, &test));
    }
}

#[test]
fn a_cnn_state_dict_of_another_shape_is_refused_with_what_was_expected() {
    let m = model(Architecture::LeNet, 1);
    let mut tensors: HashMap<String, Tensor> = m.names().iter().cloned().zip(m.weights()).collect::<HashMap<_, _>>();
    tensors.insert("conv2.weight".into(), Tensor::zeros((16, 6, 3, 3), candle_core::DType::F32, &Device::Cpu).unwrap());
    let file = safetensors::serialize(tensors.iter().map(|(k, v)| (k.as_str(), v)), None).unwrap();
    let msg = from_bytes(&file, Preprocessing::Raw).unwrap_err().to_string();
    for part in ["LeNet", "[16, 6, 5, 5]", "conv2.weight [16, 6, 3, 3]"] {
        assert!(msg.contains(part), "{msg}");
    }
}

/// Whether `python3` can import torch here (CI machines may not have it).
fn torch_available() -> bool {
    Command::new("python3").args(["-c", "import torch"]).output().is_ok_and(|o| o.status.success())
}

#[test]
fn exported_models_load_in_pytorch_and_give_our_logits() {
    if !torch_available() {
        eprintln!("skipped: python3 with torch is not installed (the fixture test above always runs)");
        return;
    }
    let test = common::mnist().test;
    let dir = tempfile::tempdir().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/pytorch_reference.py");
    for (name, arch) in [("mlp", Architecture::report_mlp()), ("lenet", Architecture::LeNet)] {
        let m = model(arch, 5);
        let file = dir.path().join(format!("{name}.safetensors"));
        std::fs::write(&file, to_pytorch_bytes(&m).unwrap()).unwrap();
        let expect = dir.path().join(format!("{name}.json"));
        std::fs::write(&expect, serde_json::json!({ "logits": logits(&m, &test) }).to_string()).unwrap();
        let out = Command::new("python3")
            .arg(&script)
            .args(["--data", common::data_dir().join("mnist").to_str().unwrap(), "--check-export"])
            .arg(&file)
            .arg("--expect")
            .arg(&expect)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{name}: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
        assert!(stdout.contains("max_abs_diff"), "{stdout}");
    }
}
