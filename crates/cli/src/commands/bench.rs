//! `mpg bench`: training and noisy-evaluation throughput, median of repeated runs. The numbers
//! in BENCHMARKS.md come from here; `bench/pytorch_reference.py` measures PyTorch the same way.

use std::time::Instant;

use engine::landscape::{grid_2d, slice_1d, stratified_subset, LandscapeConfig};
use engine::model::{Architecture, Model, ModelConfig};
use engine::noise::{noisy_accuracy_draw, NoiseConfig};
use engine::train::{train, Control, TrainConfig, TrainHooks};

use crate::datadir;
use crate::options::DataArgs;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub data: DataArgs,
    /// Timed repetitions per measurement (the median is reported).
    #[arg(long, default_value_t = 5)]
    pub runs: usize,
    /// Training steps per MLP repetition (batch 64).
    #[arg(long, default_value_t = 300)]
    pub mlp_steps: usize,
    /// Training steps per CNN repetition (batch 64).
    #[arg(long, default_value_t = 60)]
    pub cnn_steps: usize,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

pub fn run(a: Args) -> anyhow::Result<()> {
    anyhow::ensure!(a.runs >= 1 && a.mlp_steps >= 1 && a.cnn_steps >= 1, "--runs and --*-steps must be at least 1");
    let split = datadir::load(&a.data.data, a.data.dataset.into())?;
    let nets = [
        ("mlp-784-256-128-10", Architecture::report_mlp(), a.mlp_steps),
        ("mlp-784-512-512-10", Architecture::Mlp { hidden: vec![512, 512], dropout: 0.0 }, a.mlp_steps),
        ("lenet", Architecture::LeNet, a.cnn_steps),
    ];
    let mut rows = Vec::new();
    for (name, arch, steps) in nets {
        let config = ModelConfig { arch, ..ModelConfig::report_mlp() };
        let subset = split.train.take(steps * 64);
        let cfg = TrainConfig { epochs: 1, batch_size: 64, ..TrainConfig::default() };
        let mut train_ips = Vec::new();
        for run in 0..=a.runs {
            let model = Model::init(config.clone(), run as u64)?;
            let mut cont = |_: &engine::train::Progress| Control::Continue;
            let t = Instant::now();
            train(&model, &subset, &cfg, TrainHooks::with_progress(&mut cont))?;
            if run > 0 {
                // run 0 warms caches and the allocator
                train_ips.push(subset.len() as f64 / t.elapsed().as_secs_f64());
            }
        }
        let model = Model::init(config.clone(), 0)?;
        let mut eval_ips = Vec::new();
        let noise = NoiseConfig { std: 1.0, draws: 1, seed: 1 };
        for run in 0..=a.runs {
            let t = Instant::now();
            noisy_accuracy_draw(&model, &split.test, &noise, run)?;
            if run > 0 {
                eval_ips.push(split.test.len() as f64 / t.elapsed().as_secs_f64());
            }
        }
        let (tr, ev) = (median(train_ips), median(eval_ips));
        eprintln!("{name}: train {tr:.0} img/s ({:.1} steps/s), noisy eval {ev:.0} img/s", tr / 64.0);
        rows.push(serde_json::json!({ "model": name, "train_images_per_s": tr, "train_steps_per_s": tr / 64.0, "noisy_eval_images_per_s": ev, "runs": a.runs }));
    }
    // Loss landscapes of the report's MLP on a 2,000-image stratified subset (issue: 41-point
    // slice and 21x21 grid).
    let subset = stratified_subset(&split.test, 2000, 1);
    let model = Model::init(ModelConfig::report_mlp(), 0)?;
    let time_it = |f: &dyn Fn() -> anyhow::Result<()>| -> anyhow::Result<f64> {
        let mut v = Vec::new();
        for _ in 0..a.runs.min(3) {
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
    eprintln!("landscape (report MLP, 2000 images): 41-point slice {slice_s:.2} s, 21x21 grid {grid_s:.2} s");
    let threads = candle_core::utils::get_num_threads();
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({ "engine": "candle", "threads": threads, "results": rows,
            "landscape_mlp_2000_images": { "slice_41_points_s": slice_s, "grid_21x21_s": grid_s } })
            )?
        );
    } else {
        println!("| model | train img/s (batch 64) | train steps/s | noisy eval img/s |\n|---|---|---|---|");
        for r in &rows {
            println!(
                "| {} | {:.0} | {:.1} | {:.0} |",
                r["model"].as_str().unwrap_or(""),
                r["train_images_per_s"].as_f64().unwrap_or(0.0),
                r["train_steps_per_s"].as_f64().unwrap_or(0.0),
                r["noisy_eval_images_per_s"].as_f64().unwrap_or(0.0)
            );
        }
        println!(
            "\nLoss landscape, report MLP, 2,000-image subset: 41-point slice {slice_s:.2} s, 21x21 grid {grid_s:.2} s"
        );
        println!("(candle on {threads} threads, median of {} runs; landscapes median of {})", a.runs, a.runs.min(3));
    }
    Ok(())
}
