//! `mpg reproduce noise`: Part 1 of the report (batch-size table for MLP and CNN, hardening
//! table), our numbers beside the report's, as Markdown and JSON.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use engine::data::Split;
use engine::eval::evaluate;
use engine::experiments::noise_tables::{batch_key, batch_table_recipes, hardening_recipes, MeasuredRow, Recipe};
use engine::experiments::report::{Net, BATCH_TABLE, HARDENING_TABLE};
use engine::model::{io, Model};
use engine::noise::{noisy_accuracy, NoiseConfig, Spread};

use crate::bars::bar;
use crate::commands::train::train_with_bar;
use crate::datadir;
use crate::options::DataArgs;

#[derive(clap::Subcommand, Debug)]
pub enum Which {
    /// Part 1: log-normal weight noise (batch-size table and hardening table).
    Noise(Args),
    /// Part 2: memristor crossbars (deployment, faults, fault-aware training).
    Crossbar(crate::commands::reproduce_crossbar::Args),
}

/// Flags both reproductions share.
#[derive(clap::Args, Debug)]
pub struct RunArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Folder for the Markdown, JSON and SVG outputs.
    #[arg(long, default_value = "results")]
    pub out: PathBuf,
    /// Folder for the trained models; an existing model with the same recipe is reused.
    #[arg(long, default_value = "results/models")]
    pub models: PathBuf,
    /// Training seed of the models (the report used 1234).
    #[arg(long, default_value_t = 1234)]
    pub seed: u64,
    /// Noise or fault draws per perturbed figure (the report used 5).
    #[arg(long, default_value_t = 5)]
    pub draws: usize,
    /// Skip the CNN rows (the slow part).
    #[arg(long)]
    pub skip_cnn: bool,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub run: RunArgs,
    /// Seed of the evaluation noise.
    #[arg(long, default_value_t = 1)]
    pub noise_seed: u64,
}

pub fn run(w: Which) -> anyhow::Result<()> {
    match w {
        Which::Noise(a) => noise(a),
        Which::Crossbar(a) => crate::commands::reproduce_crossbar::run(a),
    }
}

/// Trains `r` or loads its model when one trained with the same recipe exists; returns the
/// model and its training wall time in seconds.
pub(crate) fn obtain(
    r: &Recipe,
    split: &Split,
    dir: &Path,
    teachers: &HashMap<String, Model>,
) -> anyhow::Result<(Model, f64)> {
    obtain_tracked(r, split, dir, teachers).map(|(m, s, _)| (m, s))
}

/// [`obtain`], also saying whether the model was reused.
fn obtain_tracked(
    r: &Recipe,
    split: &Split,
    dir: &Path,
    teachers: &HashMap<String, Model>,
) -> anyhow::Result<(Model, f64, bool)> {
    let path = dir.join(format!("{}.safetensors", r.key));
    if let Ok(bytes) = std::fs::read(&path) {
        if let Ok(loaded) = io::from_bytes(&bytes, r.model.preprocessing) {
            let same = loaded.notes.get("recipe").and_then(|v| serde_json::from_value::<Recipe>(v.clone()).ok())
                == Some(r.clone());
            if same {
                let secs = loaded.notes.get("train_seconds").and_then(|v| v.as_f64()).unwrap_or(f64::NAN);
                eprintln!("reusing {}", path.display());
                return Ok((loaded.model, secs, true));
            }
        }
    }
    let teacher = match &r.teacher {
        Some(k) => Some(teachers.get(k).with_context(|| format!("teacher {k} not trained yet"))?),
        None => None,
    };
    let model = Model::init(r.model.clone(), r.train.seed)?;
    let (_, secs) = train_with_bar(&model, &split.train, &r.train, teacher, &r.key)?;
    let notes = serde_json::json!({ "recipe": r, "train_seconds": secs });
    std::fs::create_dir_all(dir)?;
    std::fs::write(&path, io::to_bytes(&model, Some(&notes))?)?;
    Ok((model, secs, false))
}

fn noisy(model: &Model, split: &Split, std: f32, a: &Args, label: &str) -> anyhow::Result<Spread> {
    let pb = bar(a.run.draws as u64, format!("{label} std {std}"), "draws");
    let cfg = NoiseConfig { std, draws: a.run.draws, seed: a.noise_seed };
    let s = noisy_accuracy(model, &split.test, &cfg, |k, _| {
        pb.set_position(k as u64 + 1);
        true
    })?;
    pb.finish_and_clear();
    Ok(s)
}

fn cell(s: &Spread) -> String {
    format!("{:.2} ± {:.2}", s.mean, s.sd)
}

fn noise(a: Args) -> anyhow::Result<()> {
    let start = Instant::now();
    let split = datadir::load(&a.run.data.data, a.run.data.dataset.into())?;
    let mut models: HashMap<String, Model> = HashMap::new();
    let mut reused = 0;
    let mut batch_rows = Vec::new();
    for r in batch_table_recipes(a.run.seed) {
        if a.run.skip_cnn && r.key.starts_with("cnn") {
            continue;
        }
        let (model, secs, was_reused) = obtain_tracked(&r, &split, &a.run.models, &models)?;
        reused += usize::from(was_reused);
        let clean = evaluate(&model, &split.test)?.accuracy();
        let n1 = noisy(&model, &split, 1.0, &a, &r.key)?;
        eprintln!("{}: clean {clean:.2}, std 1.0 {}", r.key, cell(&n1));
        batch_rows.push(MeasuredRow {
            key: r.key.clone(),
            label: r.label.clone(),
            clean,
            noisy: vec![(1.0, n1)],
            train_seconds: secs,
        });
        models.insert(r.key.clone(), model);
    }
    // Hardening table: the baseline is the batch table's MLP at batch 64.
    let mut hard_rows = Vec::new();
    let base_key = batch_key(Net::Mlp, 64);
    let base = models.get(&base_key).context("baseline missing")?;
    let base_row = batch_rows.iter().find(|r| r.key == base_key).context("baseline row missing")?;
    let n15 = noisy(base, &split, 1.5, &a, "baseline")?;
    hard_rows.push(MeasuredRow {
        key: base_key.clone(),
        label: "Baseline".into(),
        clean: base_row.clean,
        noisy: vec![base_row.noisy[0].clone(), (1.5, n15)],
        train_seconds: base_row.train_seconds,
    });
    for r in hardening_recipes(a.run.seed) {
        let (model, secs, was_reused) = obtain_tracked(&r, &split, &a.run.models, &models)?;
        reused += usize::from(was_reused);
        let clean = evaluate(&model, &split.test)?.accuracy();
        let n1 = noisy(&model, &split, 1.0, &a, &r.key)?;
        let n15 = noisy(&model, &split, 1.5, &a, &r.key)?;
        eprintln!("{}: clean {clean:.2}, std 1.0 {}, std 1.5 {}", r.key, cell(&n1), cell(&n15));
        hard_rows.push(MeasuredRow {
            key: r.key.clone(),
            label: r.label.clone(),
            clean,
            noisy: vec![(1.0, n1), (1.5, n15)],
            train_seconds: secs,
        });
    }
    let wall = start.elapsed().as_secs_f64();
    let command: Vec<String> = std::env::args().collect();
    let train_total: f64 = batch_rows.iter().chain(&hard_rows[1..]).map(|r| r.train_seconds).sum();
    let timing = if reused == 0 {
        format!("Wall time: {wall:.0} s on this machine ({} cores), all models trained in this run.", cores())
    } else {
        format!(
            "Wall time: {wall:.0} s on this machine ({} cores) for this invocation, which reused {reused} models trained by an earlier run of the same command (same recipes, saved in `{}`); training all {} models took {train_total:.0} s in total (per-model times in the table and the JSON).",
            cores(),
            a.run.models.display(),
            batch_rows.len() + hard_rows.len() - 1
        )
    };
    let md = markdown(&batch_rows, &hard_rows, &a, &command.join(" "), &timing);
    std::fs::create_dir_all(&a.run.out)?;
    std::fs::write(a.run.out.join("reproduce-noise.md"), &md)?;
    let json = serde_json::json!({ "command": command.join(" "), "wall_seconds": wall, "models_reused": reused, "training_seconds_total": train_total, "seed": a.run.seed, "draws": a.run.draws,
        "noise_seed": a.noise_seed, "batch_table": batch_rows, "hardening_table": hard_rows });
    std::fs::write(a.run.out.join("reproduce-noise.json"), serde_json::to_string_pretty(&json)?)?;
    print!("{md}");
    Ok(())
}

fn cores() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

fn markdown(batch: &[MeasuredRow], hard: &[MeasuredRow], a: &Args, command: &str, timing: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Reproduction of Part 1: log-normal weight noise\n");
    let _ = writeln!(s, "Command: `{command}`  ");
    let _ = writeln!(s, "{timing}  ");
    let _ = writeln!(
        s,
        "Training seed {}, 5 epochs, Adam (PyTorch defaults), normalised MNIST; noisy figures are the mean ± sample sd over {} independent draws (noise seed {}), each draw over all 10,000 test images.\n",
        a.run.seed, a.run.draws, a.noise_seed
    );
    let _ = writeln!(s, "## Batch size (MLP 784-256-128-10, LeNet CNN)\n");
    let _ = writeln!(s, "| Model | Batch | Clean (report) | Clean (ours) | Δ clean | Std 1.0 (report) | Std 1.0 (ours, mean ± sd) | \\|Δ\\| / sd | Train time (s) |");
    let _ = writeln!(s, "|---|---|---|---|---|---|---|---|---|");
    for r in batch {
        let Some(&(net, b, rc, rn)) = BATCH_TABLE.iter().find(|(n, b, _, _)| batch_key(*n, *b) == r.key) else {
            continue;
        };
        let _ = writeln!(
            s,
            "| {} | {b} | {rc:.2} | {:.2} | {:+.2} | {rn:.2} | {} | {:.2} | {:.0} |",
            if net == Net::Mlp { "MLP" } else { "CNN" },
            r.clean,
            r.clean - rc,
            cell(&r.noisy[0].1),
            (r.noisy[0].1.mean - rn).abs() / r.noisy[0].1.sd.max(1e-9),
            r.train_seconds
        );
    }
    let _ = writeln!(
        s,
        "\n|Δ| / sd is the distance from the report's noisy figure to ours in units of our standard deviation over draws: how many single draws apart they are. Both figures are means of {} draws of one trained model each; the training runs differ too (initialisation and shuffling come from different generators than PyTorch's), which the draw spread does not cover.",
        a.run.draws
    );
    let _ = writeln!(s, "\n## Hardening (MLP, batch 64)\n");
    let _ = writeln!(s, "| Model | Clean (report) | Clean (ours) | Std 1.0 (report) | Std 1.0 (ours) | Std 1.5 (report) | Std 1.5 (ours) |");
    let _ = writeln!(s, "|---|---|---|---|---|---|---|");
    for r in hard {
        let Some(&(_, rc, r1, r15)) = HARDENING_TABLE.iter().find(|(l, ..)| *l == r.label) else { continue };
        let _ = writeln!(
            s,
            "| {} | {rc:.2} | {:.2} | {r1:.2} | {} | {r15:.2} | {} |",
            r.label,
            r.clean,
            cell(&r.noisy[0].1),
            cell(&r.noisy[1].1)
        );
    }
    s
}
