//! `mpg reproduce crossbar`: Part 2 of the report (MemTorch crossbars): digital / crossbar /
//! crossbar + faults for the batch-size and noise-trained models, and fault-aware training
//! against the baseline with its ablations, our numbers beside the report's (the engine's
//! [`ReportTable`]), as Markdown, CSV and JSON. The models are the ones `mpg reproduce noise`
//! saves (reused when their notes match the recipe); missing ones are trained unless
//! --skip-missing. With `--shard K/N` a run measures part of the models and `--merge` joins
//! the parts (see `docs/sharding.md`). Sentences that compare figures are computed from the figures; why the
//! figures come out as they do is explained in the hand-written `docs/crossbar.md`.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use engine::crossbar::{Crossbar, CrossbarConfig, InputScaling};
use engine::data::Split;
use engine::eval::{evaluate, evaluate_with};
use engine::experiments::defaults;
use engine::experiments::measure::{without_biases, MeasureSettings};
use engine::experiments::recipes::{report_config, FAULT_AWARE_KEYS};
use engine::experiments::seeds::{SeedRun, SeedTable};
use engine::experiments::table::TableRow;
use engine::experiments::{Figure, RecipeKey, ReportTable, Section};
use engine::model::Model;
use serde::{Deserialize, Serialize};

use crate::commands::crossbar::{batch_svg, describe, sweep_batches, sweep_mode};
use crate::commands::reproduce::{
    cores, epochs_text, find_saved, provenance, run_layout, statistics_text, summary_table, Job, RunArgs, Runs,
};
use crate::commands::shards::{Shards, RUN_SETTINGS};
use crate::datadir;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub run: RunArgs,
    /// Seed of the crossbar simulation (tuning inputs and fault draws; the app uses the same default).
    #[arg(long, default_value_t = defaults::CROSSBAR_SEED)]
    pub crossbar_seed: u64,
    /// Seed of the log-normal noise of the fault-aware model's hardening row.
    #[arg(long, default_value_t = defaults::NOISE_SEED)]
    pub noise_seed: u64,
    /// Evaluation batch (memtorch scaling depends on it).
    #[arg(long, default_value_t = defaults::CROSSBAR_EVAL_BATCH)]
    pub eval_batch: usize,
    /// Leave out rows of the deployment table whose model file is missing instead of training it.
    #[arg(long)]
    pub skip_missing: bool,
    /// Join the `reproduce-crossbar.json` files of `--shard` runs (repeat the flag; same
    /// settings, every model measured by exactly one of them, the batch sweep from the shard
    /// holding the base-seed `mlp-b64`) into one table in --out. Trains nothing.
    #[arg(long)]
    pub merge: Vec<PathBuf>,
}

/// Below this accuracy (percent) a deployment is said to fail: half the test set wrong, far
/// below every digital figure (97-99%) and every fault-free crossbar figure of the report.
pub const FAILS_BELOW: f64 = 50.0;

/// The evaluation batches of the input-scaling sweep.
const SWEEP_BATCHES: [usize; 7] = [1, 4, 16, 64, 256, 1000, 10000];

/// One evaluation batch of the input-scaling sweep (accuracies in percent).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepRow {
    pub eval_batch: usize,
    /// The base-seed batch-64 MLP, memtorch input scaling.
    pub memtorch: f64,
    /// The same, calibrated input scaling.
    pub calibrated: f64,
    /// The base-seed MLP trained with its biases held at 0, memtorch input scaling.
    pub memtorch_biases_0: f64,
}

/// The batch-64 MLP with its biases set to zero after training.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Zeroed {
    pub digital: f64,
    pub memtorch: f64,
}

/// The figures beyond the table, all from the base-seed `mlp-b64` and `mlp-b64-bias0` models
/// without faults: how memtorch scaling depends on the evaluation batch, and what zeroing the
/// biases after training does. With `--shard`, the shard holding (`mlp-b64`, base seed)
/// computes them (obtaining `mlp-b64-bias0` too) and `--merge` takes them from its JSON.
#[derive(Clone, Debug, PartialEq)]
pub struct Scaling {
    /// Digital accuracy of the base-seed `mlp-b64`.
    pub digital: f64,
    pub sweep: Vec<SweepRow>,
    pub zeroed: Zeroed,
}

impl Scaling {
    /// The models the figures come from.
    fn models(seed: u64) -> [Job; 2] {
        [(RecipeKey::MlpB64, seed), (RecipeKey::MlpB64Bias0, seed)]
    }

    fn measure(a: &Args, base: &Model, bias0: &Model, split: &Split) -> anyhow::Result<Scaling> {
        let base_cfg = report_config(a.crossbar_seed).without_faults();
        let sweep = sweep_batches(base, split, &base_cfg, &SWEEP_BATCHES)?;
        let sweep_bias0 = sweep_mode(bias0, split, &base_cfg, InputScaling::Memtorch, &SWEEP_BATCHES)?;
        let zeroed = without_biases(base)?;
        let zeroed_cfg = CrossbarConfig { eval_batch: a.eval_batch, ..base_cfg };
        let memtorch = evaluate_with(
            &zeroed,
            &zeroed.weights(),
            &Crossbar::deploy(&zeroed, &zeroed_cfg, None)?.realise(0)?,
            &split.test,
            a.eval_batch,
        )?
        .accuracy();
        Ok(Scaling {
            digital: evaluate(base, &split.test)?.accuracy(),
            sweep: sweep
                .iter()
                .zip(&sweep_bias0)
                .map(|(&(eval_batch, memtorch, calibrated), &(_, memtorch_biases_0))| SweepRow {
                    eval_batch,
                    memtorch,
                    calibrated,
                    memtorch_biases_0,
                })
                .collect(),
            zeroed: Zeroed { digital: evaluate(&zeroed, &split.test)?.accuracy(), memtorch },
        })
    }

    /// The JSON fields that hold the figures (null in a shard without them).
    fn json(scaling: Option<&Scaling>) -> serde_json::Value {
        serde_json::json!({
            "batch_sweep": scaling.map(|s| &s.sweep),
            "batch_sweep_digital": scaling.map(|s| s.digital),
            "biases_zeroed_after_training": scaling.map(|s| &s.zeroed),
        })
    }

    /// The figures from a results JSON, `None` if it has none.
    fn from_json(json: &serde_json::Value) -> anyhow::Result<Option<Scaling>> {
        if json["batch_sweep"].is_null() {
            return Ok(None);
        }
        Ok(Some(Scaling {
            digital: json["batch_sweep_digital"].as_f64().context("a batch sweep without batch_sweep_digital")?,
            sweep: serde_json::from_value(json["batch_sweep"].clone())?,
            zeroed: serde_json::from_value(json["biases_zeroed_after_training"].clone())?,
        }))
    }
}

/// The rows of `mpg reproduce crossbar`: the deployment table (less `left_out`), the
/// fault-aware table, and the fault-aware model's hardening row.
fn crossbar_layout(run: &RunArgs, left_out: &[RecipeKey]) -> Vec<(Section, Vec<RecipeKey>)> {
    let deployment_keys: Vec<RecipeKey> = Section::Crossbar
        .keys()
        .into_iter()
        .filter(|k| !(run.skip_cnn && k.is_cnn()))
        .filter(|k| !left_out.contains(k))
        .collect();
    let fault_aware_keys: Vec<RecipeKey> = [RecipeKey::MlpB64].into_iter().chain(FAULT_AWARE_KEYS).collect();
    vec![
        (Section::Crossbar, deployment_keys),
        (Section::FaultAware, fault_aware_keys),
        // The fault-aware model under log-normal noise: the report's hardening row of Part 2.
        (Section::Hardening, vec![RecipeKey::MlpFaultAware]),
    ]
}

pub fn run(a: Args) -> anyhow::Result<()> {
    a.run.validate()?;
    crate::output::check_folder(&a.run.out)?;
    if !a.merge.is_empty() {
        return merge(&a);
    }
    crate::output::check_folder(&a.run.models)?;
    let start = Instant::now();
    let split = datadir::load(&a.run.data.data, a.run.data.dataset.into())?;
    let sharing = a.run.sharing();
    let settings_for = |key: RecipeKey, seed: u64| {
        MeasureSettings::new(
            a.run.expectation_draws,
            sharing.seed(a.noise_seed, key, seed),
            sharing.seed(a.crossbar_seed, key, seed),
            a.eval_batch,
        )
    };
    let mut missing = Vec::new();
    for key in crossbar_layout(&a.run, &[])[0].1.clone() {
        if a.skip_missing
            && a.run.seeds_of(key).iter().any(|&s| find_saved(&a.run.recipe_at(key, s), &a.run.models).is_none())
        {
            eprintln!("{key}: no saved model with this recipe for every seed; skipped (--skip-missing)");
            missing.push(key);
        }
    }
    let layout = crossbar_layout(&a.run, &missing);
    let scaling_models = Scaling::models(a.run.seed);
    let has_scaling = a.run.mine(&layout).contains(&scaling_models[0]);
    let also = if has_scaling { &scaling_models[..] } else { &[] };
    let (models, measured) = run_layout(&layout, &a.run, &split, &settings_for, also)?;
    let scaling = match has_scaling {
        true => Some(Scaling::measure(&a, &models[&scaling_models[0]], &models[&scaling_models[1]], &split)?),
        false => None,
    };
    let shard = match a.run.shard {
        Some(s) => format!(
            "Shard {s}: only its models are measured; join the shards with `mpg reproduce crossbar --merge`.  \n"
        ),
        None => String::new(),
    };
    let note = format!("{shard}{}", provenance(&measured));
    write_crossbar(&a, &layout, &missing, &measured, scaling.as_ref(), start.elapsed().as_secs_f64(), &note)
}

/// `--merge`: one table from the JSON of shard runs, the batch sweep from the shard that has it.
fn merge(a: &Args) -> anyhow::Result<()> {
    let start = Instant::now();
    let settings: Vec<&str> =
        RUN_SETTINGS.into_iter().chain(["crossbar_seed", "noise_seed", "eval_batch", "config", "missing"]).collect();
    let shards = Shards::read(&a.merge, "reproduce-crossbar.json", &settings)?;
    let json = shards.first();
    let settings = Args {
        run: shards.run_args(&a.run)?,
        crossbar_seed: json["crossbar_seed"].as_u64().context("the shard's JSON has no crossbar_seed")?,
        noise_seed: json["noise_seed"].as_u64().context("the shard's JSON has no noise_seed")?,
        eval_batch: json["eval_batch"].as_u64().context("the shard's JSON has no eval_batch")? as usize,
        skip_missing: false,
        merge: a.merge.clone(),
    };
    let missing: Vec<RecipeKey> =
        serde_json::from_value(json["missing"].clone()).context("the shard's JSON has no list of missing rows")?;
    let layout = crossbar_layout(&settings.run, &missing);
    shards.ensure_complete(&settings.run, &layout)?;
    let mut scaling: Option<(Scaling, &PathBuf)> = None;
    for (path, json) in &shards.files {
        let found = Scaling::from_json(json).with_context(|| format!("{}: a malformed batch sweep", path.display()))?;
        match (found, &scaling) {
            (Some(_), Some((_, first))) if *first != path => anyhow::bail!(
                "both {} and {} have a batch sweep: not shards of one run",
                first.display(),
                path.display()
            ),
            (Some(found), None) => scaling = Some((found, path)),
            _ => {}
        }
    }
    let (key, seed) = Scaling::models(settings.run.seed)[0];
    let (scaling, _) = scaling.with_context(|| {
        format!(
            "the batch sweep and the biases-zeroed figures are in none of the files: they come from the shard that measures {key} seed {seed}"
        )
    })?;
    let note = format!("{}  \n{}", shards.note(), provenance(&shards.measured));
    write_crossbar(&settings, &layout, &missing, &shards.measured, Some(&scaling), start.elapsed().as_secs_f64(), &note)
}

/// Writes reproduce-crossbar.{md,csv,json} (and the scaling figure, with `scaling`) into
/// `a.run.out` and prints the Markdown.
fn write_crossbar(
    a: &Args,
    layout: &[(Section, Vec<RecipeKey>)],
    missing: &[RecipeKey],
    measured: &Runs,
    scaling: Option<&Scaling>,
    wall: f64,
    note: &str,
) -> anyhow::Result<()> {
    let seed_table = SeedTable::build(layout, measured, |k| a.run.seeds_of(k), a.run.seed, a.run.draws);
    let table = summary_table(layout, measured, &a.run);
    std::fs::create_dir_all(&a.run.out)?;
    if let Some(scaling) = scaling {
        let sweep: Vec<(usize, f64, f64)> =
            scaling.sweep.iter().map(|r| (r.eval_batch, r.memtorch, r.calibrated)).collect();
        let sweep_bias0: Vec<(usize, f64)> =
            scaling.sweep.iter().map(|r| (r.eval_batch, r.memtorch_biases_0)).collect();
        batch_svg(
            &a.run.out.join("crossbar-scaling.svg"),
            "MLP 784-256-128-10 (batch 64) on crossbars, 8-bit ADC, 128x128 tiles",
            &sweep,
            scaling.digital,
            Some(("memtorch scaling, same MLP trained with biases held at 0", sweep_bias0.as_slice())),
        )?;
    }

    let command = std::env::args().collect::<Vec<_>>().join(" ");
    let mut s = String::new();
    let cfg = MeasureSettings::new(a.run.draws, a.noise_seed, a.crossbar_seed, a.eval_batch).crossbar;
    let _ = writeln!(s, "# Reproduction of Part 2: memristor crossbars\n");
    let _ = writeln!(s, "Command: `{command}`  ");
    let _ = writeln!(s, "Wall time: {wall:.0} s on this machine ({} cores) for this invocation.  ", cores());
    let _ = writeln!(s, "{note}\n");
    let _ = writeln!(
        s,
        "Crossbar: {} (MemTorch 1.1.6 tutorial settings, see docs/crossbar.md); base crossbar seed {} (it draws the tuning inputs and the faults). Every draw is over all 10,000 test images. \"Memtorch\" columns reproduce MemTorch's input scaling (batch-dependent, evaluation batch {}); \"calibrated\" columns use the project's fixed per-layer input range (10,000 training images). Every model is trained for {}; fault-aware rows draw fresh 0.1 / 0.1 stuck-at faults on every step.\n",
        describe(&cfg),
        a.crossbar_seed,
        a.eval_batch,
        epochs_text(a.run.epochs.unwrap_or(5))
    );
    let _ = writeln!(
        s,
        "{}\n",
        statistics_text(
            &a.run,
            &seed_table,
            &[("Crossbar", a.crossbar_seed), ("Noise (the fault-aware model's hardening row)", a.noise_seed)]
        )
    );
    s.push_str(&seed_table.markdown());
    let _ = write!(s, "\n{}", seed_table.verdict_summary());
    if !missing.is_empty() {
        let list: Vec<String> = missing.iter().map(|k| format!("`{k}`")).collect();
        let _ = writeln!(s, "\nLeft out (no saved model, `--skip-missing`): {}.", list.join(", "));
    }
    if let Some(text) = bias_comparison(&table) {
        let _ = writeln!(s, "\n{text}");
    }
    let _ = writeln!(s, "\n## Input scaling and the evaluation batch (MLP batch 64, no faults)\n");
    match scaling {
        Some(scaling) => {
            let _ = writeln!(
                s,
                "Seed {} models, base crossbar seed. Digital accuracy {:.2}%. Figure: `crossbar-scaling.svg` beside this file. The last column is the same MLP trained with its biases held at 0 (`mlp-b64-bias0`, `mpg train --biases zero`). The trained batch-64 MLP with its biases set to zero after training: {:.2}% digital, {:.2}% in memtorch scaling (evaluation batch {}).\n",
                a.run.seed, scaling.digital, scaling.zeroed.digital, scaling.zeroed.memtorch, a.eval_batch
            );
            let _ = writeln!(s, "| Evaluation batch | Memtorch scaling | Calibrated scaling | Memtorch scaling, biases held at 0 |\n|---|---|---|---|");
            for r in &scaling.sweep {
                let _ = writeln!(
                    s,
                    "| {} | {:.2} | {:.2} | {:.2} |",
                    r.eval_batch, r.memtorch, r.calibrated, r.memtorch_biases_0
                );
            }
        }
        None => {
            let (key, seed) = Scaling::models(a.run.seed)[0];
            let _ = writeln!(s, "Not in this shard: the shard that measures `{key}` seed {seed} computes it.");
        }
    }
    crate::output::write_atomic(&a.run.out.join("reproduce-crossbar.md"), &s)?;
    crate::output::write_atomic(&a.run.out.join("reproduce-crossbar.csv"), seed_table.csv())?;
    let runs: Vec<SeedRun> =
        measured.iter().map(|(&(key, seed), m)| SeedRun { key, seed, measured: m.clone() }).collect();
    let mut json = serde_json::json!({ "command": command, "wall_seconds": wall, "seed": a.run.seed, "seeds": a.run.seeds,
        "cnn_seeds": a.run.cnn_seeds, "crossbar_seed": a.crossbar_seed, "noise_seed": a.noise_seed, "draws": a.run.draws,
        "expectation_draws": a.run.expectation_draws, "common_draws": a.run.common_draws, "epochs": a.run.epochs,
        "skip_cnn": a.run.skip_cnn, "shard": a.run.shard.map(|s| s.to_string()),
        "eval_batch": a.eval_batch, "config": cfg, "table": table.json(), "seed_table": seed_table, "runs": runs,
        "missing": missing });
    if let (Some(json), serde_json::Value::Object(fields)) = (json.as_object_mut(), Scaling::json(scaling)) {
        json.extend(fields);
    }
    crate::output::write_atomic(&a.run.out.join("reproduce-crossbar.json"), serde_json::to_string_pretty(&json)?)?;
    print!("{s}");
    Ok(())
}

/// The fault-aware section's comparison in words, every verdict computed from the figures
/// (a deployment "fails" below [`FAILS_BELOW`] percent); `None` when a row is missing.
pub fn bias_comparison(table: &ReportTable) -> Option<String> {
    let row = |k| table.row(Section::FaultAware, k);
    let (base, biased, fa) =
        (row(RecipeKey::MlpB64)?, row(RecipeKey::MlpFaultAwareBiased)?, row(RecipeKey::MlpFaultAware)?);
    let fig = |r: &TableRow, f: Figure| f.ours(&r.ours).map(|s| s.mean);
    let verdict = |v: f64| {
        if v < FAILS_BELOW {
            format!("fails (below {FAILS_BELOW:.0}%)")
        } else {
            format!("does not fail (at least {FAILS_BELOW:.0}%)")
        }
    };
    let cmp = |a: f64, b: f64| {
        if a > b {
            "above"
        } else if a < b {
            "below"
        } else {
            "equal to"
        }
    };
    let biased_memtorch = fig(biased, Figure::Crossbar)?;
    let (biased_cal, base_cal) = (fig(biased, Figure::CalibratedFaults)?, fig(base, Figure::CalibratedFaults)?);
    let (fa_mem, base_mem) = (fig(fa, Figure::CrossbarFaults)?, fig(base, Figure::CrossbarFaults)?);
    Some(format!(
        "Measured in this run (each figure the mean over its row's seeds): fault-aware training with trained biases ends with mean |b| {:.3} against {:.3} for the baseline, and on memtorch-scaled crossbars without faults it {} at {biased_memtorch:.2}%; with calibrated scaling and faults it reaches {biased_cal:.2}%, {} the baseline's {base_cal:.2}%. With the biases held at 0, fault-aware training reaches {fa_mem:.2}% under faults in memtorch scaling, {} the baseline's {base_mem:.2}%. Why the biases matter: `docs/crossbar.md`.",
        biased.ours.mean_abs_bias?,
        base.ours.mean_abs_bias?,
        verdict(biased_memtorch),
        cmp(biased_cal, base_cal),
        cmp(fa_mem, base_mem),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine::experiments::Measured;
    use engine::stats::Spread;
    use std::collections::BTreeMap;

    fn table(biased_memtorch: f64, fa_faults: f64) -> ReportTable {
        let one = |v: f64| Some(Spread::of(vec![v]));
        let row = |crossbar: f64, faults: f64, cal_faults: f64, bias: f64| Measured {
            crossbar: one(crossbar),
            crossbar_faults: one(faults),
            calibrated_faults: one(cal_faults),
            mean_abs_bias: Some(bias),
            ..Measured::default()
        };
        let measured = BTreeMap::from([
            (RecipeKey::MlpB64, row(88.0, 15.0, 20.0, 0.05)),
            (RecipeKey::MlpFaultAwareBiased, row(biased_memtorch, 12.0, 60.0, 0.4)),
            (RecipeKey::MlpFaultAware, row(97.0, fa_faults, 70.0, 0.0)),
        ]);
        ReportTable::build(&ReportTable::full_layout(&[Section::FaultAware]), &measured, 1234)
    }

    #[test]
    fn the_bias_comparison_states_what_the_figures_say() {
        let fails = bias_comparison(&table(11.5, 80.0)).unwrap();
        assert!(fails.contains("it fails (below 50%) at 11.50%"), "{fails}");
        assert!(fails.contains("mean |b| 0.400 against 0.050"), "{fails}");
        assert!(fails.contains("reaches 60.00%, above the baseline's 20.00%"), "{fails}");
        assert!(
            fails.contains("reaches 80.00% under faults in memtorch scaling, above the baseline's 15.00%"),
            "{fails}"
        );
        let holds = bias_comparison(&table(89.0, 10.0)).unwrap();
        assert!(holds.contains("does not fail (at least 50%) at 89.00%"), "{holds}");
        assert!(
            holds.contains("reaches 10.00% under faults in memtorch scaling, below the baseline's 15.00%"),
            "{holds}"
        );
        let partial = ReportTable::build(&[(Section::FaultAware, vec![RecipeKey::MlpB64])], &BTreeMap::new(), 1234);
        assert_eq!(bias_comparison(&partial), None, "no sentence without its figures");
    }
}
