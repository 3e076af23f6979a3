//! `mpg landscape`: loss landscapes around one or more models, as CSV, JSON and SVG.
//! All models get the same directions (seed), so their pictures are comparable.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::ValueEnum;
use engine::data::Preprocessing;
use engine::landscape::{grid_2d, noise_landscape, slice_1d, stratified_subset, LandscapeConfig};
use engine::stats::linspace;

use crate::bars::bar;
use crate::datadir;
use crate::options::{check_dataset, load_model, DataArgs};
use crate::plots::{heatmap, lines, Legend, Series};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Model files (.safetensors); repeat the flag to overlay several models.
    #[arg(long = "model", required = true)]
    pub models: Vec<PathBuf>,
    /// A display name per model (same order as --model); defaults to the file stem.
    #[arg(long = "name")]
    pub names: Vec<String>,
    #[command(flatten)]
    pub data: DataArgs,
    /// slice: 1-D along one direction; grid: 2-D along two; noise: loss and accuracy vs log-normal noise std.
    #[arg(long, value_enum, default_value_t = Kind::Slice)]
    pub kind: Kind,
    /// slice/grid: coordinates run over [-range, range], in units of the filter-normalised direction.
    #[arg(long, default_value_t = 1.0)]
    pub range: f32,
    /// slice/grid: points per axis.
    #[arg(long, default_value_t = 41)]
    pub points: usize,
    /// Test images used: a seeded stratified subset of this size (10000 = the full test set).
    #[arg(long, default_value_t = 2000)]
    pub subset: usize,
    /// Seed of the directions, the subset and the noise draws.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// noise: largest std (from 0, in --points steps).
    #[arg(long, default_value_t = 2.0)]
    pub max_std: f32,
    /// noise: draws per std.
    #[arg(long, default_value_t = 5)]
    pub draws: usize,
    /// Use the models on --dataset even though their files say they were trained on the other one.
    #[arg(long)]
    pub allow_dataset_mismatch: bool,
    /// Output path prefix: writes PREFIX.csv, PREFIX.json and PREFIX.svg (grid: PREFIX-<name>.svg).
    #[arg(long, short)]
    pub out: PathBuf,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq)]
pub enum Kind {
    Slice,
    Grid,
    Noise,
}

pub fn run(a: Args) -> anyhow::Result<()> {
    if a.subset == 0 {
        anyhow::bail!("--subset 0: a landscape needs at least one test image (10000 = the full test set)");
    }
    if a.names.len() > a.models.len() {
        anyhow::bail!(
            "{} --name given for {} --model: give at most one name per model, in the same order",
            a.names.len(),
            a.models.len()
        );
    }
    if let Some(dir) = a.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::output::check_folder(dir)?;
    }
    crate::output::check_target(&PathBuf::from(format!("{}.csv", a.out.display())))?;
    let kind = a.data.dataset.into();
    let split = datadir::load(&a.data.data, kind)?;
    let subset = stratified_subset(&split.test, a.subset, a.seed);
    let mut loaded = Vec::new();
    for (i, p) in a.models.iter().enumerate() {
        let file = load_model(p, Preprocessing::normalized_for(kind))?;
        check_dataset(p, &file, kind, a.allow_dataset_mismatch)?;
        let m = file.model;
        let name = a
            .names
            .get(i)
            .cloned()
            .unwrap_or_else(|| p.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_default());
        loaded.push((name, m));
    }
    let path = |ext: &str| PathBuf::from(format!("{}.{ext}", a.out.display()));
    let cfg = LandscapeConfig { range: a.range, points: a.points, seed: a.seed };
    let mut csv = String::new();
    let mut json = Vec::new();
    match a.kind {
        Kind::Slice => {
            csv += "model,alpha,loss,accuracy\n";
            let mut loss_series = Vec::new();
            for (name, m) in &loaded {
                let pb = bar(a.points as u64, format!("{name} slice"), "points");
                let s = slice_1d(m, &subset, &cfg, |d, _| {
                    pb.set_position(d as u64);
                    true
                })?;
                pb.finish_and_clear();
                for (x, p) in s.alphas.iter().zip(&s.points) {
                    let _ = writeln!(csv, "{name},{x},{:.6},{:.3}", p.loss, p.accuracy);
                }
                let color = loss_series.len();
                loss_series.push(Series {
                    name: name.clone(),
                    color,
                    points: s.alphas.iter().zip(&s.points).map(|(&x, p)| (x as f64, p.loss, 0.0)).collect(),
                    dashed: false,
                });
                json.push(serde_json::json!({ "model": name, "slice": s }));
            }
            lines(
                &path("svg"),
                "Test loss along a filter-normalised direction",
                "alpha",
                "test loss (cross-entropy)",
                loss_series,
                Legend::UpperRight,
            )?;
        }
        Kind::Grid => {
            csv += "model,alpha,beta,loss,accuracy\n";
            for (name, m) in &loaded {
                let pb = bar((a.points * a.points) as u64, format!("{name} grid"), "points");
                let g = grid_2d(m, &subset, &cfg, |d, _| {
                    pb.set_position(d as u64);
                    true
                })?;
                pb.finish_and_clear();
                for (j, row) in g.points.iter().enumerate() {
                    for (i, p) in row.iter().enumerate() {
                        let _ = writeln!(csv, "{name},{},{},{:.6},{:.3}", g.alphas[i], g.betas[j], p.loss, p.accuracy);
                    }
                }
                let xs: Vec<f64> = g.alphas.iter().map(|&v| v as f64).collect();
                let ys: Vec<f64> = g.betas.iter().map(|&v| v as f64).collect();
                let vals: Vec<Vec<f64>> = g.points.iter().map(|r| r.iter().map(|p| p.loss).collect()).collect();
                let svg = PathBuf::from(format!("{}-{name}.svg", a.out.display()));
                heatmap(&svg, &format!("{name}: test loss"), &xs, &ys, &vals, "loss")?;
                json.push(serde_json::json!({ "model": name, "grid": g }));
            }
        }
        Kind::Noise => {
            csv += "model,std,loss_mean,loss_sd,accuracy_mean,accuracy_sd\n";
            let stds = linspace(0.0, a.max_std, a.points);
            let mut loss_series = Vec::new();
            let mut acc_series = Vec::new();
            for (name, m) in &loaded {
                let pb = bar((stds.len() * a.draws) as u64, format!("{name} noise"), "draws");
                let n = noise_landscape(m, &subset, &stds, a.draws, a.seed, |d, _| {
                    pb.set_position(d as u64);
                    true
                })?;
                pb.finish_and_clear();
                for p in &n {
                    let _ = writeln!(
                        csv,
                        "{name},{},{:.6},{:.6},{:.3},{:.3}",
                        p.std, p.loss.mean, p.loss.sd, p.accuracy.mean, p.accuracy.sd
                    );
                }
                // The loss spans five orders of magnitude (exp noise makes logits explode): plot
                // its log10, without a band (an sd is not symmetric on a log axis).
                let color = loss_series.len();
                loss_series.push(Series {
                    name: name.clone(),
                    color,
                    points: n.iter().map(|p| (p.std as f64, p.loss.mean.log10(), 0.0)).collect(),
                    dashed: false,
                });
                acc_series.push(Series {
                    name: name.clone(),
                    color,
                    points: n.iter().map(|p| (p.std as f64, p.accuracy.mean, p.accuracy.sd)).collect(),
                    dashed: false,
                });
                json.push(serde_json::json!({ "model": name, "noise": n }));
            }
            lines(
                &path("svg"),
                "Expected test loss under log-normal weight noise",
                "noise std",
                "log10 of mean test loss",
                loss_series,
                Legend::UpperLeft,
            )?;
            lines(
                &PathBuf::from(format!("{}-accuracy.svg", a.out.display())),
                "Test accuracy under log-normal weight noise (± sd)",
                "noise std",
                "accuracy (%)",
                acc_series,
                Legend::LowerLeft,
            )?;
        }
    }
    crate::output::write_atomic(&path("csv"), csv)?;
    let meta = serde_json::json!({ "kind": format!("{:?}", a.kind).to_lowercase(), "range": a.range, "points": a.points, "subset": subset.len(), "seed": a.seed, "results": json });
    crate::output::write_atomic(&path("json"), serde_json::to_string_pretty(&meta)?)?;
    eprintln!("wrote {}.{{csv,json,svg}}", a.out.display());
    Ok(())
}
