//! The browser benchmark: the engine's training (`engine::train::train`) and noisy evaluation
//! (`engine::noise::noisy_accuracy_draw`) in wasm, in a dedicated worker of headless Chromium,
//! exactly what `mpg bench` times natively (see crates/cli/src/commands/bench.rs): real MNIST
//! (embedded by build.rs), batch 64 for training, one log-normal draw at std 1.0 then the
//! 10,000 test images in batches of 1,000 for evaluation, normalisation inside the timer.
//!
//! One test per (network, phase); `bench/web.sh` runs each in its own browser, so the wasm
//! memory size after the run (wasm memory only grows) is that benchmark's peak. Each timed run
//! prints one JSON line prefixed `MPG_BENCH ` (needs the runner's `--nocapture`).
#![cfg(target_arch = "wasm32")]

use engine::data::Dataset;
use engine::model::{Architecture, Model, ModelConfig};
use engine::noise::{noisy_accuracy_draw, NoiseConfig};
use engine::train::{train, Control, TrainConfig, TrainHooks};
use serde_json::json;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_dedicated_worker);

static TRAIN_IMAGES: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/train-images.gz"));
static TRAIN_LABELS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/train-labels.gz"));
static TEST_IMAGES: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/test-images.gz"));
static TEST_LABELS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/test-labels.gz"));

fn build_setting(value: Option<&str>, default: usize) -> usize {
    value.and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn mlp_steps() -> usize {
    build_setting(option_env!("MPG_BENCH_MLP_STEPS"), 300)
}

fn cnn_steps() -> usize {
    build_setting(option_env!("MPG_BENCH_CNN_STEPS"), 60)
}

fn runs() -> usize {
    build_setting(option_env!("MPG_BENCH_RUNS"), 1).max(1)
}

fn warmup() -> usize {
    build_setting(option_env!("MPG_BENCH_WARMUP"), 1)
}

fn scope() -> web_sys::WorkerGlobalScope {
    js_sys::global().unchecked_into()
}

fn now_ms() -> f64 {
    scope().performance().expect("performance in the worker").now()
}

/// Bytes of wasm linear memory; it only grows, so after a run it is the peak.
fn wasm_memory_bytes() -> f64 {
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    memory.buffer().unchecked_into::<js_sys::ArrayBuffer>().byte_length() as f64
}

fn architecture(name: &str) -> Architecture {
    match name {
        "mlp-784-256-128-10" => Architecture::report_mlp(),
        "mlp-784-512-512-10" => Architecture::Mlp { hidden: vec![512, 512], dropout: 0.0 },
        "lenet" => Architecture::LeNet,
        _ => unreachable!("unknown network {name}"),
    }
}

struct Memory {
    start: f64,
    data: f64,
}

fn emit(
    name: &str,
    phase: &str,
    run: usize,
    images: usize,
    wall_s: f64,
    accuracy: f64,
    mem: &Memory,
    extra: serde_json::Value,
) {
    let mut r = json!({
        "side": "wasm", "engine": "candle wasm (simd128)", "model": name, "phase": phase, "threads": 1, "run": run,
        "images": images, "wall_s": wall_s, "images_per_wall_s": images as f64 / wall_s, "accuracy": accuracy,
        "wasm_memory_start_bytes": mem.start, "wasm_memory_after_data_bytes": mem.data,
        "wasm_memory_peak_bytes": wasm_memory_bytes(),
        "user_agent": scope().navigator().user_agent().unwrap_or_default(),
        "data_from": env!("MPG_BENCH_DATA_FROM"),
    });
    if let (Some(r), Some(e)) = (r.as_object_mut(), extra.as_object()) {
        r.extend(e.clone());
    }
    console_log!("MPG_BENCH {r}");
}

fn bench_train(name: &str) {
    let start = wasm_memory_bytes();
    let data = Dataset::from_readers(TRAIN_IMAGES, TRAIN_LABELS, "train-images", "train-labels").unwrap();
    let steps = if name == "lenet" { cnn_steps() } else { mlp_steps() };
    let subset = data.take(steps * 64);
    drop(data);
    let mem = Memory { start, data: wasm_memory_bytes() };
    let config = ModelConfig { arch: architecture(name), ..ModelConfig::report_mlp() };
    let cfg = TrainConfig { epochs: 1, batch_size: 64, ..TrainConfig::default() };
    for run in 0..warmup() + runs() {
        let model = Model::init(config.clone(), run as u64).unwrap();
        let mut cont = |_: &engine::train::Progress| Control::Continue;
        let t = now_ms();
        let history = train(&model, &subset, &cfg, TrainHooks::with_progress(&mut cont)).unwrap();
        let wall_s = (now_ms() - t) / 1000.0;
        if run >= warmup() {
            let acc = history.last().map(|e| e.accuracy as f64).unwrap_or(f64::NAN);
            let extra = json!({ "steps": subset.len().div_ceil(64), "batch": 64 });
            emit(name, "train", run - warmup(), subset.len(), wall_s, acc, &mem, extra);
        }
    }
}

fn bench_eval(name: &str) {
    let start = wasm_memory_bytes();
    let test = Dataset::from_readers(TEST_IMAGES, TEST_LABELS, "test-images", "test-labels").unwrap();
    let mem = Memory { start, data: wasm_memory_bytes() };
    let model = Model::init(ModelConfig { arch: architecture(name), ..ModelConfig::report_mlp() }, 0).unwrap();
    let noise = NoiseConfig { std: 1.0, draws: 1, seed: 1 };
    for run in 0..warmup() + runs() {
        let t = now_ms();
        let acc = noisy_accuracy_draw(&model, &test, &noise, run).unwrap();
        let wall_s = (now_ms() - t) / 1000.0;
        if run >= warmup() {
            let extra = json!({ "batch": engine::eval::EVAL_BATCH, "std": 1.0 });
            emit(name, "eval", run - warmup(), test.len(), wall_s, acc, &mem, extra);
        }
    }
}

#[wasm_bindgen_test]
fn bench_train_mlp256() {
    bench_train("mlp-784-256-128-10");
}

#[wasm_bindgen_test]
fn bench_train_mlp512() {
    bench_train("mlp-784-512-512-10");
}

#[wasm_bindgen_test]
fn bench_train_lenet() {
    bench_train("lenet");
}

#[wasm_bindgen_test]
fn bench_eval_mlp256() {
    bench_eval("mlp-784-256-128-10");
}

#[wasm_bindgen_test]
fn bench_eval_mlp512() {
    bench_eval("mlp-784-512-512-10");
}

#[wasm_bindgen_test]
fn bench_eval_lenet() {
    bench_eval("lenet");
}
