//! Writes the seed corpus `fuzz/seeds/<target>/` from real files: the first images and labels
//! of MNIST's test and training files, models trained by `mpg train`, those models' weights
//! as PyTorch would export them, messages encoded as the page and its workers encode them,
//! and fragments as the page writes them.
//!
//! ```sh
//! cargo run --release -p mpg -- train --hidden 2 --epochs 1 --out /tmp/mlp2.safetensors
//! cargo run --release -p mpg -- train --hidden 3,2 --epochs 1 --out /tmp/mlp32.safetensors
//! cargo run --release -p fuzz-targets --example make_seeds -- \
//!     "$MPG_DATA_DIR/mnist" fuzz/seeds /tmp/mlp2.safetensors /tmp/mlp32.safetensors
//! ```

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use engine::crossbar::{CrossbarConfig, InputScaling};
use engine::data::idx::{encode_images, encode_labels, read_images, read_labels};
use engine::data::{DatasetKind, IdxImages};
use engine::experiments::notes::ModelNotes;
use engine::experiments::RecipeKey;
use engine::model::io::from_bytes;
use engine::model::ModelConfig;
use engine::train::{EpochSummary, Progress, TrainConfig};
use memristor_playground::app_core::explore::CrossbarUi;
use memristor_playground::app_core::reducer::data_source;
use memristor_playground::app_core::url::{fragment, ViewParams};
use memristor_playground::app_core::{State, Tab};
use memristor_playground::protocol::{
    encode, DataError, EvalOutput, EvalTask, FromWorker, Samples, Snapshot, ToWorker,
};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [mnist, out, models @ ..] = args.as_slice() else {
        panic!("usage: make_seeds <mnist dir> <seeds dir> <model.safetensors>...");
    };
    let (mnist, out) = (Path::new(mnist), PathBuf::from(out));
    let models: Vec<Vec<u8>> = models.iter().map(|m| std::fs::read(m).expect("model file")).collect();
    idx(mnist, &out.join("idx"));
    model_files(&models, &out.join("model_file"));
    state_dicts(&models, &out.join("pytorch_state_dict"));
    worker_messages(&models[0], &out.join("worker_message"));
    url_fragments(&out.join("url_fragment"));
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::create_dir_all(dir).expect("seed folder");
    std::fs::write(dir.join(name), bytes).expect("seed file");
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(bytes).expect("gzip");
    z.finish().expect("gzip")
}

/// The first `n` images of a real file, as a valid file of `n` images.
fn first_images(path: &Path, n: usize) -> Vec<u8> {
    let all = read_images(std::fs::File::open(path).expect("MNIST images"), "mnist").expect("MNIST images");
    let size = all.rows * all.cols;
    encode_images(&IdxImages { count: n, rows: all.rows, cols: all.cols, pixels: all.pixels[..n * size].to_vec() })
}

fn first_labels(path: &Path, n: usize) -> Vec<u8> {
    let all = read_labels(std::fs::File::open(path).expect("MNIST labels"), "mnist").expect("MNIST labels");
    encode_labels(&all[..n])
}

fn idx(mnist: &Path, dir: &Path) {
    let t10k_images = first_images(&mnist.join("t10k-images-idx3-ubyte.gz"), 3);
    write(dir, "t10k-images-3", &t10k_images);
    write(dir, "train-images-2.gz", &gzip(&first_images(&mnist.join("train-images-idx3-ubyte.gz"), 2)));
    write(dir, "t10k-labels-16", &first_labels(&mnist.join("t10k-labels-idx1-ubyte.gz"), 16));
    write(dir, "train-labels-32.gz", &gzip(&first_labels(&mnist.join("train-labels-idx1-ubyte.gz"), 32)));
    // A real file cut short, as an interrupted download leaves it (refused).
    write(dir, "bad-t10k-images-cut", &t10k_images[..16 + 784 + 100]);
}

fn model_files(models: &[Vec<u8>], dir: &Path) {
    for (i, m) in models.iter().enumerate() {
        write(dir, &format!("mpg-train-{i}"), m);
    }
    // The first model with half-precision weights, as a user's converted file may hold.
    write(dir, "mpg-train-0-f16", &converted(&models[0], DType::F16, true, |k| k.to_string()));
}

/// A model file's tensors in `dtype`, renamed, with or without our header.
fn converted(bytes: &[u8], dtype: DType, keep_header: bool, rename: impl Fn(&str) -> String) -> Vec<u8> {
    let (_, meta) = safetensors::SafeTensors::read_metadata(bytes).expect("safetensors");
    let tensors = candle_core::safetensors::load_buffer(bytes, &Device::Cpu).expect("tensors");
    let mut named: Vec<(String, Tensor)> =
        tensors.into_iter().map(|(k, t)| (rename(&k), t.to_dtype(dtype).expect("dtype"))).collect();
    named.sort_by(|a, b| a.0.cmp(&b.0));
    let header = if keep_header {
        meta.metadata().clone()
    } else {
        // What `safetensors.torch.save_file(model.state_dict(), ...)` writes.
        Some(HashMap::from([("format".to_string(), "pt".to_string())]))
    };
    safetensors::serialize(named.iter().map(|(k, t)| (k.as_str(), t)), header).expect("serialise")
}

fn state_dicts(models: &[Vec<u8>], dir: &Path) {
    // Named layers (`fc1.weight`), as a PyTorch module with attributes fc1, fc2 exports them.
    write(dir, "fc-f32", &converted(&models[0], DType::F32, false, |k| k.to_string()));
    // nn.Sequential(Linear, ReLU, Linear, ...): layers 0, 2, 4.
    let sequential = |k: &str| {
        let (layer, kind) = k.split_once('.').expect("layer.kind");
        let n: usize = layer.trim_start_matches("fc").parse().expect("fcN");
        format!("{}.{kind}", 2 * (n - 1))
    };
    for (i, m) in models.iter().enumerate() {
        write(dir, &format!("sequential-{i}-f16"), &converted(m, DType::F16, false, sequential));
    }
    write(dir, "fc-bf16", &converted(&models[0], DType::BF16, false, |k| k.to_string()));
}

fn worker_messages(model: &[u8], dir: &Path) {
    let loaded = from_bytes(model, engine::data::Preprocessing::Raw).expect("model");
    let config = loaded.model.config.clone();
    let small = ModelConfig { arch: engine::model::Architecture::Mlp { hidden: vec![8], dropout: 0.0 }, ..config };
    let train = TrainConfig::default();
    let crossbar = CrossbarConfig::default();
    let summary = EpochSummary { epoch: 1, loss: 2.07, accuracy: 22.25 };
    let progress = Progress {
        epoch: 1,
        epochs: 1,
        step: 10,
        steps_per_epoch: 938,
        global_step: 10,
        total_steps: 938,
        loss: 2.3,
        running_loss: 2.31,
        running_accuracy: 11.0,
        images_seen: 640,
        throughput: Some(5120.0),
    };
    let notes = ModelNotes::read(&loaded.notes, &small);
    let to = [
        ("load-data", ToWorker::LoadData(data_source(&State::default()))),
        ("train", ToWorker::Train { job: 1, model: small.clone(), train: train.clone(), teacher: None, recipe: None }),
        (
            "train-recipe",
            ToWorker::Train { job: 2, model: small.clone(), train, teacher: None, recipe: Some(RecipeKey::MlpB64) },
        ),
        ("put-model", ToWorker::PutModel { id: 7, bytes: model.to_vec() }),
        (
            "eval-noise",
            ToWorker::Eval {
                job: 3,
                model: 7,
                task: EvalTask::Noise { std: 0.5, seed: 42, draw: 2, subset: Some(1000), predictions: true },
            },
        ),
        (
            "eval-histogram",
            ToWorker::Eval { job: 4, model: 7, task: EvalTask::Histogram { std: 1.0, seed: 1, bins: 40 } },
        ),
        (
            "eval-crossbar",
            ToWorker::Eval {
                job: 5,
                model: 7,
                task: EvalTask::Crossbar { config: crossbar.clone(), draw: 0, subset: None },
            },
        ),
        (
            "eval-landscape",
            ToWorker::Eval {
                job: 6,
                model: 7,
                task: EvalTask::Landscape {
                    grid: true,
                    first: 0,
                    coords: vec![(0.0, 0.0), (0.5, -0.5)],
                    seed: 3,
                    subset: 500,
                },
            },
        ),
        (
            "eval-noise-landscape",
            ToWorker::Eval {
                job: 7,
                model: 7,
                task: EvalTask::NoiseLandscape { std: 0.3, draws: 4, seed: 9, subset: 500 },
            },
        ),
        ("eval-tile", ToWorker::Eval { job: 8, model: 7, task: EvalTask::Tile { config: crossbar.clone(), draw: 1 } }),
        ("import", ToWorker::Import { job: 9, name: "my-model.safetensors".into(), bytes: b"not a model".to_vec() }),
        (
            "eval-digit",
            ToWorker::Eval {
                job: 10,
                model: 7,
                task: EvalTask::Digit {
                    width: 8,
                    height: 8,
                    pixels: (0..64).map(|i| if (i % 8) == 4 { 255 } else { 0 }).collect(),
                    std: 1.0,
                    seed: 1234,
                    draws: 3,
                    crossbar: Some(crossbar.clone()),
                },
            },
        ),
        ("export", ToWorker::Export { job: 11, name: "my-model.safetensors".into(), bytes: model.to_vec() }),
        ("warm-up", ToWorker::WarmUp),
    ];
    for (name, m) in &to {
        write(dir, &format!("to-{name}"), &encode(m));
    }
    let from = [
        ("ready", FromWorker::Ready),
        (
            "data-loaded",
            FromWorker::DataLoaded {
                kind: DatasetKind::Mnist,
                train: 60000,
                test: 10000,
                millis: 812.5,
                samples: Samples { pixels: vec![0, 128, 255, 3], labels: vec![7] },
                test_labels: vec![7, 2, 1, 0],
            },
        ),
        (
            "data-failed",
            FromWorker::DataFailed(DataError::Missing {
                url: "data/mnist/t10k-labels-idx1-ubyte.gz".into(),
                detail: "HTTP 404".into(),
            }),
        ),
        ("train-progress", FromWorker::TrainProgress { job: 1, progress }),
        (
            "train-epoch",
            FromWorker::TrainEpoch {
                job: 1,
                summary: summary.clone(),
                test_accuracy: 24.2,
                snapshot: Some(Snapshot { bytes: vec![1, 2, 3], train_seconds: 0.8 }),
            },
        ),
        (
            "train-done",
            FromWorker::TrainDone {
                job: 1,
                bytes: vec![9; 16],
                history: vec![summary],
                test_accuracy: 24.2,
                train_seconds: 0.8,
            },
        ),
        (
            "eval-done",
            FromWorker::EvalDone {
                job: 3,
                model: 7,
                task: EvalTask::Noise { std: 0.5, seed: 42, draw: 2, subset: None, predictions: false },
                output: EvalOutput::Accuracy { accuracy: 97.5, images: 10000, predictions: Some(vec![7, 2, 1]) },
                millis: 40.0,
            },
        ),
        (
            "eval-done-tile",
            FromWorker::EvalDone {
                job: 8,
                model: 7,
                task: EvalTask::Tile { config: crossbar, draw: 1 },
                output: EvalOutput::Tile {
                    layer: "fc1".into(),
                    side: 2,
                    rows: 2,
                    cols: 1,
                    tiles: 1,
                    level: vec![0.0, 0.5, 1.0, 0.0],
                    stuck: vec![0, 1, 2, 0],
                },
                millis: 3.0,
            },
        ),
        ("eval-failed", FromWorker::EvalFailed { job: 4, error: "model 7 is not loaded".into() }),
        (
            "imported",
            FromWorker::Imported {
                job: 9,
                name: "mlp.safetensors".into(),
                bytes: vec![0; 8],
                model: small,
                test_accuracy: 91.0,
                pytorch: true,
                notes,
            },
        ),
        (
            "import-failed",
            FromWorker::ImportFailed { job: 9, name: "x.bin".into(), error: "not a safetensors file".into() },
        ),
        ("protocol-error", FromWorker::ProtocolError("protocol version 4 received, 5 expected".into())),
    ];
    for (name, m) in &from {
        write(dir, &format!("from-{name}"), &encode(m));
    }
}

fn url_fragments(dir: &Path) {
    let mut views = vec![
        ("default", ViewParams::default()),
        ("explore", ViewParams { tab: Tab::Explore, std: 1.0, draws: 5, model: Some(3), ..ViewParams::default() }),
    ];
    let mut crossbar = CrossbarUi { enabled: true, ..CrossbarUi::default() };
    crossbar.config.faults.lrs = 0.1;
    crossbar.config.faults.hrs = 0.05;
    crossbar.config.adc_bits = Some(8);
    crossbar.config.tile = 64;
    crossbar.config.input_scaling = InputScaling::Calibrated;
    views.push((
        "crossbar",
        ViewParams {
            tab: Tab::Explore,
            std: 0.25,
            draws: 20,
            model: Some(1764000000123),
            crossbar,
            ..ViewParams::default()
        },
    ));
    for (name, v) in views {
        write(dir, name, fragment(&v).as_bytes());
    }
    // A query as the page reads `?data=` (a data folder URL, escaped).
    write(dir, "query-data", b"?data=https%3A%2F%2Fexample.org%2Fmnist%2F&tab=see");
}
