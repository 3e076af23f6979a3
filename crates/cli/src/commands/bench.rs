//! `mpg bench`: training and noisy-evaluation throughput of one network (or all), as JSON lines
//! on stdout, one per timed run. `bench/run.sh` runs every (network, phase) in its own process,
//! interleaved with `bench/pytorch_reference.py`, which prints the same records for PyTorch.
//!
//! What is timed, identically on both sides (keep the two in step):
//! - training: one epoch over the first `steps * 64` training images, batch 64, Adam: the
//!   shuffle, assembling and normalising each batch from the stored `u8` pixels, forward, loss,
//!   reading the loss back, backward, the optimiser step and the per-step running accuracy
//!   (argmax). This is `engine::train::train` as the app calls it.
//! - noisy evaluation: one log-normal draw `w * exp(eps)`, `eps ~ N(0, std^2)`, on every
//!   parameter (a noisy copy), then all 10,000 test images in batches of 1,000: normalising
//!   each batch from `u8` pixels, forward, cross-entropy loss and argmax. This is
//!   `engine::noise::noisy_accuracy_draw`.
//!
//! Test images are normalised INSIDE the timer on both sides, because the engine's public
//! evaluation (`evaluate_with` and its `Batcher`) normalises batch by batch from `u8` and the app
//! pays that cost too. Reading, decompressing and checksumming the files, building the model and
//! one untimed warm-up run happen before the timer.
//!
//! Each record holds wall time and process CPU time (`clock_gettime(CLOCK_PROCESS_CPUTIME_ID)`,
//! the clock behind Python's `time.process_time()`), throughput per wall-second and per
//! CPU-second, the load average before and after, the CPU model and the process's peak RSS.

use std::path::Path;
use std::time::Instant;

use engine::data::dataset::read_data_file;
use engine::data::{verify_checksum, DataFile, Dataset, DatasetKind};
use engine::landscape::{grid_2d, slice_1d, stratified_subset, LandscapeConfig};
use engine::model::{Architecture, Model, ModelConfig};
use engine::noise::{noisy_accuracy_draw, NoiseConfig};
use engine::train::{train, Control, TrainConfig, TrainHooks};
use serde_json::json;

use crate::datadir;
use crate::options::DataArgs;

/// The benchmarked networks, by the names both sides print.
pub const MODELS: [&str; 3] = ["mlp-784-256-128-10", "mlp-784-512-512-10", "lenet"];

#[derive(Clone, Copy, Debug, PartialEq, clap::ValueEnum)]
pub enum Phase {
    /// Training throughput.
    Train,
    /// Noisy-evaluation throughput.
    Eval,
    /// Both, one after the other (in one process: peak RSS then covers both).
    Both,
    /// Loss-landscape timing of the report's MLP (41-point slice, 21x21 grid, 2,000 images).
    Landscape,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub data: DataArgs,
    /// Network: mlp-784-256-128-10, mlp-784-512-512-10 or lenet; all three if omitted.
    #[arg(long)]
    pub model: Option<String>,
    /// What to time.
    #[arg(long, value_enum, default_value_t = Phase::Both)]
    pub phase: Phase,
    /// Timed repetitions (one JSON line each), after `--warmup` untimed ones.
    #[arg(long, default_value_t = 1)]
    pub runs: usize,
    /// Untimed warm-up repetitions (caches, allocator, thread pool).
    #[arg(long, default_value_t = 1)]
    pub warmup: usize,
    /// Training steps per MLP repetition (batch 64).
    #[arg(long, default_value_t = 300)]
    pub mlp_steps: usize,
    /// Training steps per CNN repetition (batch 64).
    #[arg(long, default_value_t = 60)]
    pub cnn_steps: usize,
    /// Standard deviation of the log-normal weight noise.
    #[arg(long, default_value_t = 1.0)]
    pub std: f32,
}

fn architecture(name: &str) -> anyhow::Result<(Architecture, bool)> {
    Ok(match name {
        "mlp-784-256-128-10" => (Architecture::report_mlp(), false),
        "mlp-784-512-512-10" => (Architecture::Mlp { hidden: vec![512, 512], dropout: 0.0 }, false),
        "lenet" => (Architecture::LeNet, true),
        _ => anyhow::bail!("unknown --model {name}; expected one of {}", MODELS.join(", ")),
    })
}

/// Process CPU time in seconds, all threads, the same clock as Python's `time.process_time()`.
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
fn cpu_seconds() -> f64 {
    #[repr(C)]
    struct Timespec {
        tv_sec: i64,
        tv_nsec: i64,
    }
    extern "C" {
        fn clock_gettime(clock: i32, tp: *mut Timespec) -> i32;
    }
    const CLOCK_PROCESS_CPUTIME_ID: i32 = 2;
    let mut t = Timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `t` is a valid, writable timespec with the 64-bit Linux layout.
    let rc = unsafe { clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &mut t) };
    if rc == 0 {
        t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9
    } else {
        f64::NAN
    }
}

#[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
fn cpu_seconds() -> f64 {
    f64::NAN
}

/// The 1-, 5- and 15-minute load averages (Linux), empty elsewhere.
fn load_average() -> Vec<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).filter_map(|v| v.parse().ok()).collect())
        .unwrap_or_default()
}

/// `/proc/cpuinfo`'s first "model name".
fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

/// Peak resident set size of this process so far, in KiB (`VmHWM`, Linux).
fn peak_rss_kb() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Reads one half of the dataset (train or test), checksum-verified, outside any timer.
fn load_half(dir: &Path, kind: DatasetKind, train: bool) -> anyhow::Result<Dataset> {
    let dir = datadir::resolve(dir, kind);
    let files = if train {
        [DataFile::TrainImages, DataFile::TrainLabels]
    } else {
        [DataFile::TestImages, DataFile::TestLabels]
    };
    let mut read = Vec::new();
    for f in files {
        let (name, bytes) = read_data_file(&dir, f)?;
        verify_checksum(kind, f, &bytes, &name)?;
        read.push((name, bytes));
    }
    Ok(Dataset::from_readers(&read[0].1[..], &read[1].1[..], &read[0].0, &read[1].0)?)
}

/// One timed run: wall and CPU seconds, load averages before and after.
struct Timing {
    wall: f64,
    cpu: f64,
    load_before: Vec<f64>,
    load_after: Vec<f64>,
}

/// Times `f` once.
fn timed<T>(f: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<(Timing, T)> {
    let load_before = load_average();
    let (c, t) = (cpu_seconds(), Instant::now());
    let out = f()?;
    let (wall, cpu) = (t.elapsed().as_secs_f64(), cpu_seconds() - c);
    Ok((Timing { wall, cpu, load_before, load_after: load_average() }, out))
}

struct Common {
    threads: usize,
    cpu_model: String,
}

#[allow(clippy::too_many_arguments)]
fn record(
    c: &Common,
    model: &str,
    phase: &str,
    run: usize,
    images: usize,
    timing: Timing,
    accuracy: f64,
    extra: serde_json::Value,
) -> serde_json::Value {
    let Timing { wall, cpu, load_before: before, load_after: after } = timing;
    let mut r = json!({
        "side": "candle", "engine": "candle", "model": model, "phase": phase, "threads": c.threads, "run": run,
        "images": images, "wall_s": wall, "cpu_s": cpu,
        "images_per_wall_s": images as f64 / wall, "images_per_cpu_s": images as f64 / cpu,
        "accuracy": accuracy, "load_before": before, "load_after": after, "cpu_model": c.cpu_model,
        "rss_peak_kb": peak_rss_kb(),
    });
    if let (Some(r), Some(e)) = (r.as_object_mut(), extra.as_object()) {
        r.extend(e.clone());
    }
    r
}

fn bench_train(a: &Args, c: &Common, name: &str, data: &Dataset) -> anyhow::Result<()> {
    let (arch, conv) = architecture(name)?;
    let steps = if conv { a.cnn_steps } else { a.mlp_steps };
    let config = ModelConfig { arch, ..ModelConfig::report_mlp() };
    let subset = data.take(steps * 64);
    let cfg = TrainConfig { epochs: 1, batch_size: 64, ..TrainConfig::default() };
    for run in 0..a.warmup + a.runs {
        let model = Model::init(config.clone(), run as u64)?;
        let mut cont = |_: &engine::train::Progress| Control::Continue;
        let (timing, history) = timed(|| Ok(train(&model, &subset, &cfg, TrainHooks::with_progress(&mut cont))?))?;
        let (wall, cpu) = (timing.wall, timing.cpu);
        if run < a.warmup {
            continue;
        }
        let acc = history.last().map(|e| e.accuracy as f64).unwrap_or(f64::NAN);
        let r = record(
            c,
            name,
            "train",
            run - a.warmup,
            subset.len(),
            timing,
            acc,
            json!({ "steps": subset.len().div_ceil(64), "batch": 64 }),
        );
        println!("{r}");
        eprintln!(
            "candle {name} train: {:.0} img/s wall, {:.0} img/s per CPU-s",
            subset.len() as f64 / wall,
            subset.len() as f64 / cpu
        );
    }
    Ok(())
}

fn bench_eval(a: &Args, c: &Common, name: &str, test: &Dataset) -> anyhow::Result<()> {
    let (arch, _) = architecture(name)?;
    let model = Model::init(ModelConfig { arch, ..ModelConfig::report_mlp() }, 0)?;
    let noise = NoiseConfig { std: a.std, draws: 1, seed: 1 };
    for run in 0..a.warmup + a.runs {
        let (timing, acc) = timed(|| Ok(noisy_accuracy_draw(&model, test, &noise, run)?))?;
        let (wall, cpu) = (timing.wall, timing.cpu);
        if run < a.warmup {
            continue;
        }
        let r = record(
            c,
            name,
            "eval",
            run - a.warmup,
            test.len(),
            timing,
            acc,
            json!({ "batch": engine::eval::EVAL_BATCH, "std": a.std }),
        );
        println!("{r}");
        eprintln!(
            "candle {name} noisy eval: {:.0} img/s wall, {:.0} img/s per CPU-s",
            test.len() as f64 / wall,
            test.len() as f64 / cpu
        );
    }
    Ok(())
}

/// Loss landscapes of the report's MLP on a 2,000-image stratified subset (issue 5: 41-point
/// slice and 21x21 grid), median of `runs.min(3)`.
fn bench_landscape(a: &Args, c: &Common) -> anyhow::Result<()> {
    let test = load_half(&a.data.data, a.data.dataset.into(), false)?;
    let subset = stratified_subset(&test, 2000, 1);
    let model = Model::init(ModelConfig::report_mlp(), 0)?;
    let median = |mut v: Vec<f64>| {
        v.sort_by(|a, b| a.total_cmp(b));
        v[v.len() / 2]
    };
    let time_it = |f: &dyn Fn() -> anyhow::Result<()>| -> anyhow::Result<f64> {
        let mut v = Vec::new();
        for _ in 0..a.runs.clamp(1, 3) {
            let t = Instant::now();
            f()?;
            v.push(t.elapsed().as_secs_f64());
        }
        Ok(median(v))
    };
    let slice_s = time_it(&|| {
        Ok(slice_1d(&model, &subset, &LandscapeConfig { range: 1.0, points: 41, seed: 1 }, |_, _| true).map(|_| ())?)
    })?;
    let grid_s = time_it(&|| {
        Ok(grid_2d(&model, &subset, &LandscapeConfig { range: 1.0, points: 21, seed: 1 }, |_, _| true).map(|_| ())?)
    })?;
    println!(
        "{}",
        json!({ "side": "candle", "engine": "candle", "model": MODELS[0], "phase": "landscape", "threads": c.threads,
                "images": 2000, "slice_41_points_s": slice_s, "grid_21x21_s": grid_s, "cpu_model": c.cpu_model })
    );
    eprintln!("landscape (report MLP, 2000 images): 41-point slice {slice_s:.2} s, 21x21 grid {grid_s:.2} s");
    Ok(())
}

pub fn run(a: Args) -> anyhow::Result<()> {
    anyhow::ensure!(a.runs >= 1 && a.mlp_steps >= 1 && a.cnn_steps >= 1, "--runs and --*-steps must be at least 1");
    let c = Common { threads: candle_core::utils::get_num_threads(), cpu_model: cpu_model() };
    if a.phase == Phase::Landscape {
        return bench_landscape(&a, &c);
    }
    let models: Vec<&str> = match &a.model {
        Some(m) => vec![m.as_str()],
        None => MODELS.to_vec(),
    };
    for m in &models {
        architecture(m)?;
    }
    let kind: DatasetKind = a.data.dataset.into();
    let (do_train, do_eval) = (a.phase != Phase::Eval, a.phase != Phase::Train);
    // Only the half a phase needs is loaded, so a process's peak RSS is that phase's.
    let train_set = if do_train { Some(load_half(&a.data.data, kind, true)?) } else { None };
    let test_set = if do_eval { Some(load_half(&a.data.data, kind, false)?) } else { None };
    for m in models {
        if let Some(d) = &train_set {
            bench_train(&a, &c, m, d)?;
        }
        if let Some(d) = &test_set {
            bench_eval(&a, &c, m, d)?;
        }
    }
    Ok(())
}
