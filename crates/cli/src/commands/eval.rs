//! `mpg eval`: clean or noisy test accuracy of a model file.

use engine::noise::{noisy_accuracy, NoiseConfig};

use crate::bars::bar;
use crate::datadir;
use crate::options::{checked_evaluation, DataArgs, ModelArgs};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub data: DataArgs,
    /// Log-normal weight noise: std of eps in w' = w*exp(eps) (dimensionless; 0 or absent = clean).
    #[arg(long)]
    pub noise: Option<f32>,
    /// Independent noise draws, each over the whole test set.
    #[arg(long, default_value_t = 5)]
    pub draws: usize,
    /// Seed of the noise draws.
    #[arg(long, default_value_t = 1234)]
    pub seed: u64,
    /// Print JSON: `accuracy` (percent), plus `mean`, `sd` and `draws` when noisy.
    #[arg(long)]
    pub json: bool,
}

pub fn run(a: Args) -> anyhow::Result<()> {
    if let Some(std) = a.noise {
        NoiseConfig { std, draws: a.draws, seed: a.seed }.validate()?;
    }
    let kind = a.data.dataset.into();
    let loaded = a.model.load(kind)?;
    let split = datadir::load(&a.data.data, kind)?;
    let model = loaded.model;
    let clean = checked_evaluation(&model, &split.test)?;
    match a.noise {
        None => {
            if a.json {
                println!(
                    "{}",
                    serde_json::json!({ "accuracy": clean.accuracy(), "loss": clean.loss, "model": model.config })
                );
            } else {
                println!(
                    "{}: clean test accuracy {:.2}% (loss {:.4})",
                    model.config.arch.label(),
                    clean.accuracy(),
                    clean.loss
                );
            }
        }
        Some(std) => {
            let cfg = NoiseConfig { std, draws: a.draws, seed: a.seed };
            cfg.validate()?;
            let pb = bar(a.draws as u64, format!("noise std {std}"), "draws");
            let s = noisy_accuracy(&model, &split.test, &cfg, |k, _| {
                pb.set_position(k as u64 + 1);
                true
            })?;
            pb.finish_and_clear();
            if a.json {
                println!(
                    "{}",
                    serde_json::json!({ "accuracy": s.mean, "mean": s.mean, "sd": s.sd, "draws": s.draws,
                        "clean_accuracy": clean.accuracy(), "noise_std": std, "seed": a.seed })
                );
            } else {
                let draws: Vec<String> = s.draws.iter().map(|d| format!("{d:.2}")).collect();
                println!(
                    "{}: clean {:.2}%; noise std {std}: {:.2}% +- {:.2} over {} draws [{}]",
                    model.config.arch.label(),
                    clean.accuracy(),
                    s.mean,
                    s.sd,
                    a.draws,
                    draws.join(", ")
                );
            }
        }
    }
    Ok(())
}
