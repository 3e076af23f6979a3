//! `mpg sweep`: accuracy versus noise std.

use std::path::PathBuf;

use clap::ValueEnum;
use engine::experiments::noise_sweep;
use engine::stats::linspace;

use crate::bars::bar;
use crate::datadir;
use crate::options::{DataArgs, ModelArgs};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub model: ModelArgs,
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
    let kind = a.data.dataset.into();
    let model = a.model.load(kind)?.model;
    let split = datadir::load(&a.data.data, kind)?;
    let stds = linspace(a.from, a.to, a.points);
    let pb = bar(0, "sweep", "draws");
    let points = noise_sweep(&model, &split.test, &stds, a.draws, a.seed, |done, total| {
        pb.set_length(total as u64);
        pb.set_position(done as u64);
        true
    })?;
    pb.finish_and_clear();
    let text = match a.format {
        Format::Json => serde_json::to_string_pretty(&points)?,
        Format::Csv => {
            let mut s = String::from("std,mean,sd,draws\n");
            for p in &points {
                let d: Vec<String> = p.accuracy.draws.iter().map(|d| format!("{d:.2}")).collect();
                s += &format!("{},{:.4},{:.4},{}\n", p.std, p.accuracy.mean, p.accuracy.sd, d.join(" "));
            }
            s
        }
    };
    match a.out {
        Some(p) => crate::output::write_atomic(&p, text)?,
        None => print!("{text}"),
    }
    Ok(())
}
