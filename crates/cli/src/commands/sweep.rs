//! `mpg sweep`: accuracy versus noise std. With `--shard K/N` a run computes every N-th std of
//! the grid and writes a JSON part; `--merge` joins the parts into the whole sweep (each std's
//! draws depend only on the seed and the draw number, so the parts are the whole's points).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::ValueEnum;
use engine::experiments::{noise_sweep, SweepPoint};
use engine::stats::linspace;
use serde::{Deserialize, Serialize};

use crate::bars::bar;
use crate::commands::reproduce::Shard;
use crate::datadir;
use crate::options::{DataArgs, ModelArgs, PreprocessingArg};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// A .safetensors model saved by `mpg train` or the app, or a PyTorch MLP state dict
    /// (required, except with --merge).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// For a bare PyTorch state dict only: how its inputs were prepared in training.
    #[arg(long, value_enum, default_value_t = PreprocessingArg::Normalized)]
    pub import_preprocessing: PreprocessingArg,
    /// Use the model on --dataset even though its file says it was trained on the other one.
    #[arg(long)]
    pub allow_dataset_mismatch: bool,
    #[command(flatten)]
    pub data: DataArgs,
    /// Smallest noise std.
    #[arg(long, default_value_t = 0.0)]
    pub from: f32,
    /// Largest noise std.
    #[arg(long, default_value_t = 2.0)]
    pub to: f32,
    /// Number of evenly spaced std values.
    #[arg(long, default_value_t = 11)]
    pub points: usize,
    /// Noise draws per std value.
    #[arg(long, default_value_t = 5)]
    pub draws: usize,
    #[arg(long, default_value_t = 1234)]
    pub seed: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    pub format: Format,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// Only every N-th std of the grid from the K-th (`--shard 1/2` on one machine, `2/2` on
    /// another); writes a JSON part for `--merge`, whatever --format.
    #[arg(long)]
    pub shard: Option<Shard>,
    /// Join the JSON parts of `--shard` runs (repeat the flag) into the whole sweep, in
    /// --format, to --out or standard output. Needs no model or data.
    #[arg(long, conflicts_with = "shard")]
    pub merge: Vec<PathBuf>,
}

/// What a `--shard` run writes: its grid points with the settings that define the grid.
#[derive(Debug, Serialize, Deserialize)]
struct Part {
    /// The settings every part of one sweep shares.
    sweep: Settings,
    /// "K/N".
    shard: String,
    /// Its points, by their index in the whole grid.
    points: Vec<(usize, SweepPoint)>,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Settings {
    /// The model's file name (the folders of two machines differ).
    model: String,
    dataset: String,
    from: f32,
    to: f32,
    points: usize,
    draws: usize,
    seed: u64,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    Csv,
    Json,
}

pub fn run(a: Args) -> anyhow::Result<()> {
    if a.points == 0 || a.points > 1000 || !(a.from.is_finite() && a.to.is_finite()) || a.from < 0.0 || a.to < a.from {
        anyhow::bail!(
            "need 0 <= --from <= --to and 1..=1000 --points (got from {}, to {}, points {})",
            a.from,
            a.to,
            a.points
        );
    }
    if let Some(p) = &a.out {
        crate::output::check_target(p)?;
    }
    if !a.merge.is_empty() {
        anyhow::ensure!(a.model.is_none(), "--merge joins the parts' points: it takes no --model");
        let points = merge(&a.merge)?;
        return write(&a, render(&points, a.format)?);
    }
    let model_args = ModelArgs {
        model: a.model.clone().context("--model is required (or --merge)")?,
        import_preprocessing: a.import_preprocessing,
        allow_dataset_mismatch: a.allow_dataset_mismatch,
    };
    let kind = a.data.dataset.into();
    let model = model_args.load(kind)?.model;
    let split = datadir::load(&a.data.data, kind)?;
    let grid = linspace(a.from, a.to, a.points);
    let indices: Vec<usize> = match a.shard {
        Some(shard) => shard.select(&(0..grid.len()).collect::<Vec<_>>()),
        None => (0..grid.len()).collect(),
    };
    let stds: Vec<f32> = indices.iter().map(|&i| grid[i]).collect();
    let pb = bar(0, "sweep", "draws");
    let points = noise_sweep(&model, &split.test, &stds, a.draws, a.seed, |done, total| {
        pb.set_length(total as u64);
        pb.set_position(done as u64);
        true
    })?;
    pb.finish_and_clear();
    let text = match a.shard {
        Some(shard) => {
            let model = model_args.model.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
            let sweep = Settings {
                model,
                dataset: format!("{:?}", a.data.dataset),
                from: a.from,
                to: a.to,
                points: a.points,
                draws: a.draws,
                seed: a.seed,
            };
            let part = Part { sweep, shard: shard.to_string(), points: indices.into_iter().zip(points).collect() };
            serde_json::to_string_pretty(&part)?
        }
        None => render(&points, a.format)?,
    };
    write(&a, text)
}

/// The whole sweep from its parts: same settings, every grid point in exactly one part.
fn merge(paths: &[PathBuf]) -> anyhow::Result<Vec<SweepPoint>> {
    let mut first: Option<(&Path, Settings)> = None;
    let mut points: BTreeMap<usize, (SweepPoint, &Path)> = BTreeMap::new();
    for path in paths {
        let shown = path.display();
        let text = std::fs::read(path).with_context(|| format!("reading {shown}"))?;
        let part: Part = serde_json::from_slice(&text)
            .with_context(|| format!("{shown}: not a part written by `mpg sweep --shard`"))?;
        match &first {
            Some((first_path, settings)) => anyhow::ensure!(
                part.sweep == *settings,
                "{shown} has {:?} but {} has {settings:?}: not parts of one sweep",
                part.sweep,
                first_path.display()
            ),
            None => first = Some((path, part.sweep)),
        }
        for (i, point) in part.points {
            if let Some((_, other)) = points.get(&i) {
                anyhow::bail!("grid point {i} is in both {} and {shown}", other.display());
            }
            points.insert(i, (point, path));
        }
    }
    let (_, settings) = first.context("--merge needs at least one file")?;
    let missing: Vec<String> =
        (0..settings.points).filter(|i| !points.contains_key(i)).map(|i| i.to_string()).collect();
    anyhow::ensure!(
        missing.is_empty(),
        "grid points {} (of 0..{}) are in none of the files: is a part missing?",
        missing.join(", "),
        settings.points
    );
    Ok(points.into_values().map(|(p, _)| p).collect())
}

/// The sweep as CSV or JSON.
fn render(points: &[SweepPoint], format: Format) -> anyhow::Result<String> {
    Ok(match format {
        Format::Json => serde_json::to_string_pretty(&points)?,
        Format::Csv => {
            let mut s = String::from("std,mean,sd,draws\n");
            for p in points {
                let d: Vec<String> = p.accuracy.draws.iter().map(|d| format!("{d:.2}")).collect();
                s += &format!("{},{:.4},{:.4},{}\n", p.std, p.accuracy.mean, p.accuracy.sd, d.join(" "));
            }
            s
        }
    })
}

fn write(a: &Args, text: String) -> anyhow::Result<()> {
    match &a.out {
        Some(p) => crate::output::write_atomic(p, text)?,
        None => print!("{text}"),
    }
    Ok(())
}
