//! `mpg reproduce noise`: Part 1 of the report (batch-size table for MLP and CNN, hardening
//! table), our numbers beside the report's, as Markdown, CSV and JSON. The table itself is
//! the engine's [`ReportTable`]; this command obtains the models, measures them and writes.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use engine::data::Split;
use engine::experiments::defaults;
use engine::experiments::measure::{measure, MeasureSettings};
use engine::experiments::notes::{model_file, read_model_file, ModelNotes};
use engine::experiments::recipes::{recipe, BATCH_KEYS, HARDENING_KEYS};
use engine::experiments::table::ModelSource;
use engine::experiments::{train_recipe, Budget, Figure, Measured, Recipe, RecipeKey, ReportTable, Section};
use engine::model::Model;
use engine::train::{Control, TrainHooks};

use crate::bars::bar;
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
    /// Folder for the Markdown, CSV, JSON and SVG outputs.
    #[arg(long, default_value = "results")]
    pub out: PathBuf,
    /// Folder of model files: any file whose notes name the row's recipe with the same
    /// settings is reused (also models downloaded from the app); new models are saved here.
    #[arg(long, default_value = "results/models")]
    pub models: PathBuf,
    /// Training seed of the models (the report used 1234).
    #[arg(long, default_value_t = defaults::TRAIN_SEED)]
    pub seed: u64,
    /// Noise or fault draws per perturbed figure (the report used 5).
    #[arg(long, default_value_t = defaults::DRAWS)]
    pub draws: usize,
    /// Skip the CNN rows (the slow part).
    #[arg(long)]
    pub skip_cnn: bool,
    /// Train for this many epochs instead of the report's 5: a quick look. The models are
    /// saved with that budget in their notes, so a full run never mistakes them for its own.
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Models trained at once, one per thread (default: one per core). Each trains exactly as
    /// it would alone; only the wall time changes.
    #[arg(long)]
    pub jobs: Option<usize>,
}

impl RunArgs {
    /// The recipe of `key` as this run trains it (seed and budget applied).
    pub fn recipe(&self, key: RecipeKey) -> Recipe {
        Budget { epochs: self.epochs }.apply(&recipe(key, self.seed))
    }
}

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub run: RunArgs,
    /// Seed of the evaluation noise (the app uses the same default).
    #[arg(long, default_value_t = defaults::NOISE_SEED)]
    pub noise_seed: u64,
}

pub fn run(w: Which) -> anyhow::Result<()> {
    match w {
        Which::Noise(a) => noise(a),
        Which::Crossbar(a) => crate::commands::reproduce_crossbar::run(a),
    }
}

/// A model file in `dir` that holds the model of `r`: `<key>.safetensors` first, then any
/// other `.safetensors` file whose notes match (a download from the app keeps its own name).
pub(crate) fn find_saved(r: &Recipe, dir: &Path) -> Option<(Model, ModelNotes, PathBuf)> {
    let named = dir.join(format!("{}.safetensors", r.key));
    let mut others: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "safetensors") && *p != named)
        .collect();
    others.sort();
    std::iter::once(named).chain(others).find_map(|path| {
        let bytes = std::fs::read(&path).ok()?;
        let (model, notes) = read_model_file(&bytes, r.model.preprocessing).ok()?;
        let notes = notes?;
        notes.matches(&model.config, r).then_some((model, notes, path))
    })
}

/// The model of `r`: reused from `dir` when a matching file exists, else trained (with its
/// teacher from `models`) and saved as `<key>.safetensors`. Returns the model and its measured
/// row so far (where it came from and its training time).
pub(crate) fn obtain(
    r: &Recipe,
    split: &Split,
    dir: &Path,
    models: &HashMap<RecipeKey, Model>,
) -> anyhow::Result<(Model, Measured)> {
    if let Some((model, notes, path)) = find_saved(r, dir) {
        crate::bars::println(format!("reusing {}", path.display()));
        let source = Some(ModelSource::Reused { file: path.display().to_string() });
        return Ok((model, Measured { train_seconds: notes.train_seconds, source, ..Measured::default() }));
    }
    let teacher = match r.teacher {
        Some(k) => Some(models.get(&k).with_context(|| format!("teacher {k} not trained yet"))?),
        None => None,
    };
    let steps = split.train.len().div_ceil(r.train.batch_size) * r.train.epochs;
    let pb = bar(steps as u64, r.key.to_string(), "steps");
    let start = Instant::now();
    let mut on_progress = |p: &engine::train::Progress| {
        pb.set_position(p.global_step as u64);
        Control::Continue
    };
    let clock = || start.elapsed().as_secs_f64();
    let hooks = TrainHooks { teacher, clock: Some(&clock), progress: &mut on_progress };
    let trained =
        train_recipe(r, &Budget::default(), &split.train, hooks).with_context(|| format!("training {}", r.key))?;
    pb.finish_and_clear();
    let secs = start.elapsed().as_secs_f64();
    // No wall time in the file (it is in this run's table): the same recipe and build give a
    // byte-identical model file.
    let notes = ModelNotes::new(&trained.model.config, &trained.recipe.train, Some(r.key), trained.history);
    std::fs::create_dir_all(dir)?;
    let path = dir.join(format!("{}.safetensors", r.key));
    crate::output::write_atomic(&path, model_file(&trained.model, &notes)?)?;
    Ok((
        trained.model,
        Measured { train_seconds: Some(secs), source: Some(ModelSource::Trained), ..Measured::default() },
    ))
}

/// Obtains (trains or reuses) every model `layout` names, in order (teachers come before their
/// students), and measures each section's figures of it: what both reproductions run before
/// building their [`ReportTable`].
#[allow(clippy::type_complexity)]
pub(crate) fn run_layout(
    layout: &[(Section, Vec<RecipeKey>)],
    run: &RunArgs,
    split: &Split,
    settings: &MeasureSettings,
) -> anyhow::Result<(HashMap<RecipeKey, Model>, BTreeMap<RecipeKey, Measured>)> {
    let keys: Vec<RecipeKey> = layout.iter().flat_map(|(_, keys)| keys.iter().copied()).collect();
    let jobs = run.jobs.unwrap_or_else(cores);
    anyhow::ensure!((1..=64).contains(&jobs), "--jobs must be between 1 and 64");
    let (models, mut measured) = super::parallel::obtain_all(&keys, run, split, jobs)?;
    for (section, keys) in layout {
        for &key in keys {
            measure_into(&mut measured, key, &models[&key], section.figures(), split, settings)?;
        }
    }
    Ok((models, measured))
}

/// Measures the `figures` of `key` not measured yet, with a progress bar, into `measured`.
pub(crate) fn measure_into(
    measured: &mut BTreeMap<RecipeKey, Measured>,
    key: RecipeKey,
    model: &Model,
    figures: &[Figure],
    split: &Split,
    settings: &MeasureSettings,
) -> anyhow::Result<()> {
    let row = measured.entry(key).or_default();
    let missing: Vec<Figure> = figures.iter().copied().filter(|f| f.ours(row).is_none()).collect();
    let pb = bar(0, key.to_string(), "draws");
    let new = measure(model, &missing, &split.test, &split.train, settings, &mut |f, done, total| {
        pb.set_length(total as u64);
        pb.set_position(done as u64);
        pb.set_message(format!("{key} {}", f.heading()));
        true
    })?;
    pb.finish_and_clear();
    for f in missing {
        *f.ours_mut(row) = f.ours(&new).cloned();
    }
    row.mean_abs_bias = new.mean_abs_bias;
    Ok(())
}

/// Which models a run reused and which it trained, as a sentence for the results file.
pub(crate) fn provenance(measured: &BTreeMap<RecipeKey, Measured>) -> String {
    let of = |want: fn(&ModelSource) -> bool| -> Vec<String> {
        measured.iter().filter(|(_, m)| m.source.as_ref().is_some_and(want)).map(|(k, _)| format!("`{k}`")).collect()
    };
    let reused = of(|s| matches!(s, ModelSource::Reused { .. }));
    let trained = of(|s| matches!(s, ModelSource::Trained));
    let list = |v: &[String]| if v.is_empty() { "none".to_string() } else { v.join(", ") };
    format!("Models reused from earlier runs: {}. Models trained in this run: {}.", list(&reused), list(&trained))
}

/// "1 epoch", "5 epochs".
pub(crate) fn epochs_text(n: usize) -> String {
    if n == 1 {
        "1 epoch".into()
    } else {
        format!("{n} epochs")
    }
}

pub(crate) fn cores() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

fn noise(a: Args) -> anyhow::Result<()> {
    anyhow::ensure!((1..=1000).contains(&a.run.draws), "--draws must be between 1 and 1000");
    crate::output::check_folder(&a.run.out)?;
    crate::output::check_folder(&a.run.models)?;
    let start = Instant::now();
    let split = datadir::load(&a.run.data.data, a.run.data.dataset.into())?;
    let settings = MeasureSettings { draws: a.run.draws, noise_seed: a.noise_seed, ..MeasureSettings::default() };
    let batch_keys: Vec<RecipeKey> = BATCH_KEYS.into_iter().filter(|k| !(a.run.skip_cnn && k.is_cnn())).collect();
    let hardening_keys: Vec<RecipeKey> = [RecipeKey::MlpB64].into_iter().chain(HARDENING_KEYS).collect();
    let layout = vec![(Section::Batch, batch_keys.clone()), (Section::Hardening, hardening_keys.clone())];
    let (_, measured) = run_layout(&layout, &a.run, &split, &settings)?;
    let table = ReportTable::build(&layout, &measured, a.run.seed);
    let wall = start.elapsed().as_secs_f64();
    let command = std::env::args().collect::<Vec<_>>().join(" ");
    let mut md = String::new();
    let _ = writeln!(md, "# Reproduction of Part 1: log-normal weight noise\n");
    let _ = writeln!(md, "Command: `{command}`  ");
    let _ = writeln!(md, "Wall time: {wall:.0} s on this machine ({} cores) for this invocation.  ", cores());
    let _ = writeln!(md, "{}\n", provenance(&measured));
    let _ = writeln!(
        md,
        "Training seed {}, {}, Adam (PyTorch defaults), normalised MNIST; noisy figures are the mean ± sample sd over {} independent draws (noise seed {}), each draw over all 10,000 test images. The training runs differ from the report's (initialisation and shuffling come from different generators than PyTorch's), which the draw spread does not cover.\n",
        a.run.seed,
        epochs_text(a.run.epochs.unwrap_or(5)),
        a.run.draws,
        a.noise_seed
    );
    md.push_str(&table.markdown());
    std::fs::create_dir_all(&a.run.out)?;
    crate::output::write_atomic(&a.run.out.join("reproduce-noise.md"), &md)?;
    crate::output::write_atomic(&a.run.out.join("reproduce-noise.csv"), table.csv())?;
    let json = serde_json::json!({ "command": command, "wall_seconds": wall, "seed": a.run.seed, "draws": a.run.draws,
        "noise_seed": a.noise_seed, "table": table.json() });
    crate::output::write_atomic(&a.run.out.join("reproduce-noise.json"), serde_json::to_string_pretty(&json)?)?;
    print!("{md}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine::train::EpochSummary;

    /// A model file for `r` (untrained weights: only the notes matter here) under `name`.
    fn write(dir: &Path, name: &str, r: &Recipe, key: Option<RecipeKey>, seed: u64) {
        let model = Model::init(r.model.clone(), seed).unwrap();
        let history = (1..=r.train.epochs).map(|epoch| EpochSummary { epoch, loss: 0.1, accuracy: 97.0 }).collect();
        let notes = ModelNotes::new(&model.config, &r.train, key, history);
        std::fs::write(dir.join(name), model_file(&model, &notes).unwrap()).unwrap();
    }

    #[test]
    fn a_saved_model_is_found_by_its_notes_whatever_its_file_name() {
        let dir = tempfile::tempdir().unwrap();
        let b64 = recipe(RecipeKey::MlpB64, 1234);
        assert!(find_saved(&b64, dir.path()).is_none());
        // A download from the app keeps its own name; its notes say what it is.
        write(dir.path(), "MLP batch 64 (mlp-b64).safetensors", &b64, Some(RecipeKey::MlpB64), 1);
        // Same settings, another seed: not the recipe's model.
        write(dir.path(), "a.safetensors", &recipe(RecipeKey::MlpB64, 99), Some(RecipeKey::MlpB64), 2);
        let (_, notes, path) = find_saved(&b64, dir.path()).expect("found by its notes");
        assert_eq!(notes.recipe, Some(RecipeKey::MlpB64));
        assert!(path.ends_with("MLP batch 64 (mlp-b64).safetensors"), "{}", path.display());
        assert!(find_saved(&recipe(RecipeKey::MlpB128, 1234), dir.path()).is_none());
        // The file named after the key comes first when both match.
        write(dir.path(), "mlp-b64.safetensors", &b64, Some(RecipeKey::MlpB64), 3);
        assert!(find_saved(&b64, dir.path()).unwrap().2.ends_with("mlp-b64.safetensors"));
        // A file named after the key whose notes belong to another recipe is not reused.
        let other = tempfile::tempdir().unwrap();
        let ts = recipe(RecipeKey::MlpTsMse, 1234);
        write(other.path(), "mlp-ts-mse.safetensors", &ts, None, 4);
        assert!(find_saved(&ts, other.path()).is_none(), "a student without its key is never reused");
    }
}
