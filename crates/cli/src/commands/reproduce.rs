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
use engine::experiments::seeds::{summary_measured, training_seeds, DrawSharing, SeedRun, SeedTable, MAX_SEEDS};
use engine::experiments::table::ModelSource;
use engine::experiments::{train_recipe, Budget, Figure, Measured, Recipe, RecipeKey, ReportTable, Section};
use engine::model::Model;
use engine::train::{Control, TrainHooks};

use super::shards::{Shards, RUN_SETTINGS};
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
#[derive(clap::Args, Clone, Debug)]
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
    /// Training seed of the models (the report used 1234); with --seeds N, the first of N
    /// consecutive seeds.
    #[arg(long, default_value_t = defaults::TRAIN_SEED)]
    pub seed: u64,
    /// Train every row from this many seeds (--seed, --seed + 1, ...) and report mean ± sd
    /// over seeds with a verdict on each of the report's figures (at least 2 for a verdict).
    #[arg(long, default_value_t = 1)]
    pub seeds: usize,
    /// Seeds of the CNN rows, if not --seeds (they take the longest to train).
    #[arg(long)]
    pub cnn_seeds: Option<usize>,
    /// Noise or fault draws per perturbed figure in the report's protocol (the report used 5).
    #[arg(long, default_value_t = defaults::DRAWS)]
    pub draws: usize,
    /// Draws per model of the expectation columns (mean ± standard error); the report's
    /// protocol is the first --draws of them.
    #[arg(long, default_value_t = EXPECTATION_DRAWS)]
    pub expectation_draws: usize,
    /// Every model gets the same evaluation draws (the base seed), as before --seeds; by
    /// default each model's seed is derived from the base seed, its recipe key and its
    /// training seed, so models of the same shapes see independent perturbations.
    #[arg(long)]
    pub common_draws: bool,
    /// Skip the CNN rows (the slow part).
    #[arg(long)]
    pub skip_cnn: bool,
    /// Train for this many epochs instead of the report's 5: a quick look. The models are
    /// saved with that budget in their notes, so a full run never mistakes them for its own.
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Models trained, then measured, at once, one per thread (default: one per core). Each
    /// trains and is measured exactly as it would be alone; only the wall time changes.
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Only part K of N of the models (`--shard 1/2` on one machine, `--shard 2/2` on another;
    /// the (row, seed) models are dealt out in table order, each row's seeds in turn). A shard
    /// also obtains the teachers its students need, but measures only its own models.
    /// `--merge` joins the shards' JSON.
    #[arg(long)]
    pub shard: Option<Shard>,
}

/// Draws per model of the expectation columns.
pub const EXPECTATION_DRAWS: usize = 30;

/// One model of a run: a row's recipe and a training seed.
pub(crate) type Job = (RecipeKey, u64);

/// Part `index` (from 1) of `count` of a table's rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("`{s}`: a shard is K/N with 1 <= K <= N <= 64, e.g. 1/2");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count) = (k.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
        if index == 0 || index > count || count > 64 {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// The items of this shard: every `count`-th of `keys` (without repeats), from `index`.
    pub fn select<T: Copy + PartialEq>(&self, keys: &[T]) -> Vec<T> {
        let mut unique: Vec<T> = Vec::new();
        for &k in keys {
            if !unique.contains(&k) {
                unique.push(k);
            }
        }
        unique.into_iter().enumerate().filter(|(i, _)| i % self.count == self.index - 1).map(|(_, k)| k).collect()
    }
}

impl RunArgs {
    /// The recipe of `key` trained from `seed` (budget applied).
    pub fn recipe_at(&self, key: RecipeKey, seed: u64) -> Recipe {
        Budget { epochs: self.epochs }.apply(&recipe(key, seed))
    }

    /// The training seeds of the rows of `key`.
    pub fn seeds_of(&self, key: RecipeKey) -> Vec<u64> {
        let n = if key.is_cnn() { self.cnn_seeds.unwrap_or(self.seeds) } else { self.seeds };
        training_seeds(self.seed, n)
    }

    /// Whether models share their evaluation draws.
    pub fn sharing(&self) -> DrawSharing {
        if self.common_draws {
            DrawSharing::Common
        } else {
            DrawSharing::Independent
        }
    }

    /// Refuses seed and draw counts a run cannot honour, naming the flag.
    pub fn validate(&self) -> anyhow::Result<()> {
        for (flag, n) in [("--seeds", Some(self.seeds)), ("--cnn-seeds", self.cnn_seeds)] {
            if let Some(n) = n {
                anyhow::ensure!(
                    (1..=MAX_SEEDS).contains(&n),
                    "{flag} {n}: must be between 1 and {MAX_SEEDS} (each seed trains every row once more)"
                );
            }
        }
        anyhow::ensure!((1..=1000).contains(&self.draws), "--draws must be between 1 and 1000");
        anyhow::ensure!(
            (self.draws..=1000).contains(&self.expectation_draws),
            "--expectation-draws {}: must be between --draws ({}) and 1000 (the report's protocol is the first --draws of them)",
            self.expectation_draws,
            self.draws
        );
        Ok(())
    }

    /// The models of `layout` this run measures: its shard's, or all of them.
    pub fn mine(&self, layout: &[(Section, Vec<RecipeKey>)]) -> Vec<Job> {
        let jobs = self.jobs(layout);
        match self.shard {
            Some(shard) => shard.select(&jobs),
            None => jobs,
        }
    }

    /// Every model of `layout`'s rows, each row's seeds in turn, in table order, once each.
    pub fn jobs(&self, layout: &[(Section, Vec<RecipeKey>)]) -> Vec<Job> {
        let mut jobs: Vec<Job> = Vec::new();
        for &k in layout.iter().flat_map(|(_, keys)| keys) {
            for s in self.seeds_of(k) {
                if !jobs.contains(&(k, s)) {
                    jobs.push((k, s));
                }
            }
        }
        jobs
    }
}

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub run: RunArgs,
    /// Seed of the evaluation noise (the app uses the same default).
    #[arg(long, default_value_t = defaults::NOISE_SEED)]
    pub noise_seed: u64,
    /// Join the `reproduce-noise.json` files of `--shard` runs (repeat the flag; same settings,
    /// every row measured by exactly one of them) into one table in --out. Trains nothing.
    #[arg(long)]
    pub merge: Vec<PathBuf>,
}

pub fn run(w: Which) -> anyhow::Result<()> {
    match w {
        Which::Noise(a) => noise(a),
        Which::Crossbar(a) => crate::commands::reproduce_crossbar::run(a),
    }
}

/// The file a run saves the model of `r` in: `<key>.safetensors` for the report's seed (the
/// name every earlier run used), `<key>-seed<seed>.safetensors` for any other.
pub(crate) fn model_path(r: &Recipe, dir: &Path) -> PathBuf {
    if r.train.seed == defaults::TRAIN_SEED {
        dir.join(format!("{}.safetensors", r.key))
    } else {
        dir.join(format!("{}-seed{}.safetensors", r.key, r.train.seed))
    }
}

/// A model file in `dir` that holds the model of `r`: [`model_path`] first, then any other
/// `.safetensors` file whose notes match (a download from the app keeps its own name).
pub(crate) fn find_saved(r: &Recipe, dir: &Path) -> Option<(Model, ModelNotes, PathBuf)> {
    let named = model_path(r, dir);
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
    models: &HashMap<Job, Model>,
) -> anyhow::Result<(Model, Measured)> {
    if let Some((model, notes, path)) = find_saved(r, dir) {
        crate::bars::println(format!("reusing {}", path.display()));
        let source = Some(ModelSource::Reused { file: path.display().to_string() });
        return Ok((model, Measured { train_seconds: notes.train_seconds, source, ..Measured::default() }));
    }
    let teacher = match r.teacher {
        Some(k) => Some(
            models
                .get(&(k, r.train.seed))
                .with_context(|| format!("teacher {k} (seed {}) not trained yet", r.train.seed))?,
        ),
        None => None,
    };
    let steps = split.train.len().div_ceil(r.train.batch_size) * r.train.epochs;
    let pb = bar(steps as u64, format!("{} seed {}", r.key, r.train.seed), "steps");
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
    let path = model_path(r, dir);
    crate::output::write_atomic(&path, model_file(&trained.model, &notes)?)?;
    Ok((
        trained.model,
        Measured { train_seconds: Some(secs), source: Some(ModelSource::Trained), ..Measured::default() },
    ))
}

/// Measurements of a run's models, by recipe and training seed.
pub(crate) type Runs = BTreeMap<Job, Measured>;

/// Obtains (trains or reuses) every model of `layout`'s rows over their seeds (teachers come
/// before their students), and measures each section's figures of it with the settings
/// `settings(key, seed)` gives: what both reproductions run before building their tables.
/// Both steps run up to `--jobs` models at once, each model on one thread. With `--shard`,
/// only the shard's models are measured. The models `also` lists are obtained as well (for
/// figures beyond the table), not measured.
pub(crate) fn run_layout(
    layout: &[(Section, Vec<RecipeKey>)],
    run: &RunArgs,
    split: &Split,
    settings: &(dyn Fn(RecipeKey, u64) -> MeasureSettings + Sync),
    also: &[Job],
) -> anyhow::Result<(HashMap<Job, Model>, Runs)> {
    let mine = run.mine(layout);
    let wanted: Vec<Job> = mine.iter().chain(also).copied().collect();
    // Teachers first (a shard may hold a student whose teacher is another shard's model).
    let mut obtain: Vec<Job> =
        wanted.iter().filter_map(|&(k, s)| run.recipe_at(k, s).teacher.map(|t| (t, s))).collect();
    obtain.extend(wanted);
    let jobs = run.jobs.unwrap_or_else(cores);
    anyhow::ensure!((1..=64).contains(&jobs), "--jobs must be between 1 and 64");
    let (models, mut measured) = super::parallel::obtain_all(&obtain, run, split, jobs)?;
    measured.retain(|k, _| mine.contains(k));
    // Each model with the figures of every section it is a row of, in table order.
    let mut work: Vec<(Job, Vec<&'static [Figure]>)> = Vec::new();
    for (section, keys) in layout {
        for &key in keys {
            for seed in run.seeds_of(key).into_iter().filter(|&s| mine.contains(&(key, s))) {
                match work.iter_mut().find(|(job, _)| *job == (key, seed)) {
                    Some((_, figures)) => figures.push(section.figures()),
                    None => work.push(((key, seed), vec![section.figures()])),
                }
            }
        }
    }
    super::parallel::measure_all(&work, &models, &mut measured, split, settings, jobs)?;
    Ok((models, measured))
}

/// Measures the `figures` of the model of `job` not measured yet into `row`, with a progress bar.
pub(crate) fn measure_row(
    row: &mut Measured,
    job: Job,
    model: &Model,
    figures: &[Figure],
    split: &Split,
    settings: &MeasureSettings,
) -> anyhow::Result<()> {
    let missing: Vec<Figure> = figures.iter().copied().filter(|f| f.ours(row).is_none()).collect();
    let name = format!("{} seed {}", job.0, job.1);
    let pb = bar(0, name.clone(), "draws");
    let new = measure(model, &missing, &split.test, &split.train, settings, &mut |f, done, total| {
        pb.set_length(total as u64);
        pb.set_position(done as u64);
        pb.set_message(format!("{name} {}", f.heading()));
        true
    })?;
    pb.finish_and_clear();
    for f in missing {
        *f.ours_mut(row) = f.ours(&new).cloned();
    }
    row.mean_abs_bias = new.mean_abs_bias;
    Ok(())
}

/// Which models a run reused and which it trained (recipe key and training seeds), as a
/// sentence for the results file.
pub(crate) fn provenance(measured: &Runs) -> String {
    let of = |want: fn(&ModelSource) -> bool| -> Vec<String> {
        let mut by_key: Vec<(RecipeKey, Vec<String>)> = Vec::new();
        for (&(k, s), m) in measured {
            if !m.source.as_ref().is_some_and(want) {
                continue;
            }
            match by_key.last_mut() {
                Some((key, seeds)) if *key == k => seeds.push(s.to_string()),
                _ => by_key.push((k, vec![s.to_string()])),
            }
        }
        by_key.into_iter().map(|(k, seeds)| format!("`{k}` (seed {})", seeds.join(", "))).collect()
    };
    let reused = of(|s| matches!(s, ModelSource::Reused { .. }));
    let trained = of(|s| matches!(s, ModelSource::Trained));
    let list = |v: &[String]| if v.is_empty() { "none".to_string() } else { v.join(", ") };
    format!("Models reused from earlier runs: {}. Models trained in this run: {}.", list(&reused), list(&trained))
}

/// The single-seed [`ReportTable`] of a multi-seed run: each row's figures as
/// [`summary_measured`] gives them (the JSON's `table`, the crossbar sentences).
pub(crate) fn summary_table(layout: &[(Section, Vec<RecipeKey>)], runs: &Runs, run: &RunArgs) -> ReportTable {
    let mut summary: BTreeMap<RecipeKey, Measured> = BTreeMap::new();
    for &key in layout.iter().flat_map(|(_, keys)| keys) {
        let models: Option<Vec<&Measured>> = run.seeds_of(key).iter().map(|&s| runs.get(&(key, s))).collect();
        if let Some(models) = models {
            summary.insert(key, summary_measured(&models, run.draws));
        }
    }
    ReportTable::build(layout, &summary, run.seed)
}

/// The Markdown paragraph on seeds, protocols, draws and the verdict rule, shared by both
/// reproductions.
pub(crate) fn statistics_text(run: &RunArgs, table: &SeedTable, base_seeds: &[(&str, u64)]) -> String {
    let seeds = |n: usize| {
        let s = training_seeds(run.seed, n);
        match s.as_slice() {
            [one] => format!("seed {one}"),
            _ => format!("{} seeds ({}–{})", s.len(), s[0], s[s.len() - 1]),
        }
    };
    let cnn = match run.cnn_seeds {
        Some(n) if n != run.seeds => format!(", the CNN rows {}", seeds(n)),
        _ => String::new(),
    };
    let sharing: Vec<String> =
        base_seeds.iter().map(|(what, base)| format!("{what}: {}", run.sharing().describe(*base))).collect();
    let e = table.expectation_draws().unwrap_or(run.expectation_draws);
    format!(
        "Training: every row from {}{cnn}. \"Ours, {d} draws\" is the report's protocol: each model's mean over its first {d} draws, then the mean ± sample sd of those over seeds (with one seed, the sd over that model's {d} draws). \"Ours, {e} draws ± SE\" is the expectation: each model's mean over {e} draws (the first {d} included), averaged over seeds, ± its standard error (sd over seeds / √seeds; with one seed, draw sd / √{e}). {}\n\nVerdict (computed, `engine::experiments::seeds::verdict`): one more run of the report's protocol (a new training run, {d} draws) has sd σ = √(sd_seeds² · (1 + 1/n) + sd_draw² / {d}) around our mean, where sd_seeds is the sd over our n seeds of each model's figure (its clean accuracy, or its {e}-draw mean), sd_draw the pooled sd of one draw within a model (0 for a deterministic figure), and our mean the mean over seeds of those figures. The report's figure **holds** if |report − mean| ≤ {}σ, else it **differs**; the cell gives report − mean in pp and |report − mean| / σ in sd. With 3–5 seeds sd_seeds is itself uncertain by a third or more, so a verdict near 2 sd is weak either way; with one seed there is no training spread and no verdict.",
        seeds(run.seeds),
        sharing.join(" "),
        engine::experiments::seeds::VERDICT_SDS,
        d = run.draws,
    )
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
    a.run.validate()?;
    crate::output::check_folder(&a.run.out)?;
    if !a.merge.is_empty() {
        return merge(&a);
    }
    crate::output::check_folder(&a.run.models)?;
    let start = Instant::now();
    let split = datadir::load(&a.run.data.data, a.run.data.dataset.into())?;
    let layout = noise_layout(a.run.skip_cnn);
    let sharing = a.run.sharing();
    let settings = |key: RecipeKey, seed: u64| MeasureSettings {
        draws: a.run.expectation_draws,
        noise_seed: sharing.seed(a.noise_seed, key, seed),
        ..MeasureSettings::default()
    };
    let (_, measured) = run_layout(&layout, &a.run, &split, &settings, &[])?;
    let shard = match a.run.shard {
        Some(s) => {
            format!("Shard {s}: only its models are measured; join the shards with `mpg reproduce noise --merge`.  \n")
        }
        None => String::new(),
    };
    write_noise(&a, &layout, &measured, start.elapsed().as_secs_f64(), &format!("{shard}{}", provenance(&measured)))
}

/// The rows of `mpg reproduce noise`: the batch-size table and the hardening table.
fn noise_layout(skip_cnn: bool) -> Vec<(Section, Vec<RecipeKey>)> {
    let batch_keys: Vec<RecipeKey> = BATCH_KEYS.into_iter().filter(|k| !(skip_cnn && k.is_cnn())).collect();
    let hardening_keys: Vec<RecipeKey> = [RecipeKey::MlpB64].into_iter().chain(HARDENING_KEYS).collect();
    vec![(Section::Batch, batch_keys), (Section::Hardening, hardening_keys)]
}

/// `--merge`: one table from the JSON of shard runs.
fn merge(a: &Args) -> anyhow::Result<()> {
    let start = Instant::now();
    let settings: Vec<&str> = RUN_SETTINGS.into_iter().chain(["noise_seed"]).collect();
    let shards = Shards::read(&a.merge, "reproduce-noise.json", &settings)?;
    let settings = Args {
        run: shards.run_args(&a.run)?,
        noise_seed: shards.first()["noise_seed"].as_u64().context("no noise seed")?,
        merge: a.merge.clone(),
    };
    let layout = noise_layout(settings.run.skip_cnn);
    shards.ensure_complete(&settings.run, &layout)?;
    let note = format!("{}  \n{}", shards.note(), provenance(&shards.measured));
    write_noise(&settings, &layout, &shards.measured, start.elapsed().as_secs_f64(), &note)
}

/// Writes reproduce-noise.{md,csv,json} into `a.run.out` and prints the Markdown.
fn write_noise(
    a: &Args,
    layout: &[(Section, Vec<RecipeKey>)],
    measured: &Runs,
    wall: f64,
    note: &str,
) -> anyhow::Result<()> {
    let run = &a.run;
    let table = SeedTable::build(layout, measured, |k| run.seeds_of(k), run.seed, run.draws);
    let summary = summary_table(layout, measured, run);
    let command = std::env::args().collect::<Vec<_>>().join(" ");
    let mut md = String::new();
    let _ = writeln!(md, "# Reproduction of Part 1: log-normal weight noise\n");
    let _ = writeln!(md, "Command: `{command}`  ");
    let _ = writeln!(md, "Wall time: {wall:.0} s on this machine ({} cores) for this invocation.  ", cores());
    let _ = writeln!(md, "{note}\n");
    let _ = writeln!(
        md,
        "{}, Adam (PyTorch defaults), normalised MNIST; every noisy draw is over all 10,000 test images. The training runs differ from the report's (initialisation and shuffling come from different generators than PyTorch's); the spread over seeds covers that.\n",
        epochs_text(run.epochs.unwrap_or(5)),
    );
    let _ = writeln!(md, "{}\n", statistics_text(run, &table, &[("Noise", a.noise_seed)]));
    md.push_str(&table.markdown());
    let _ = write!(md, "\n{}", table.verdict_summary());
    std::fs::create_dir_all(&run.out)?;
    crate::output::write_atomic(&run.out.join("reproduce-noise.md"), &md)?;
    crate::output::write_atomic(&run.out.join("reproduce-noise.csv"), table.csv())?;
    let runs: Vec<SeedRun> =
        measured.iter().map(|(&(key, seed), m)| SeedRun { key, seed, measured: m.clone() }).collect();
    let json = serde_json::json!({ "command": command, "wall_seconds": wall, "seed": run.seed, "seeds": run.seeds,
        "cnn_seeds": run.cnn_seeds, "draws": run.draws, "expectation_draws": run.expectation_draws,
        "common_draws": run.common_draws, "noise_seed": a.noise_seed, "epochs": run.epochs, "skip_cnn": run.skip_cnn,
        "shard": run.shard.map(|s| s.to_string()), "table": summary.json(), "seed_table": table, "runs": runs });
    crate::output::write_atomic(&run.out.join("reproduce-noise.json"), serde_json::to_string_pretty(&json)?)?;
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
    fn shards_deal_out_the_rows_and_refuse_nonsense() {
        let keys = [RecipeKey::MlpB32, RecipeKey::MlpB64, RecipeKey::MlpB128, RecipeKey::MlpB64, RecipeKey::MlpB256];
        let one: Shard = "1/2".parse().unwrap();
        let two: Shard = "2/2".parse().unwrap();
        assert_eq!(one.select(&keys), [RecipeKey::MlpB32, RecipeKey::MlpB128]);
        assert_eq!(two.select(&keys), [RecipeKey::MlpB64, RecipeKey::MlpB256]);
        assert_eq!("1/1".parse::<Shard>().unwrap().select(&keys).len(), 4);
        for bad in ["0/2", "3/2", "1/0", "2", "a/b", "1/65"] {
            assert!(bad.parse::<Shard>().unwrap_err().contains("K/N"), "{bad}");
        }
    }

    #[test]
    fn a_saved_model_is_found_by_its_notes_whatever_its_file_name() {
        let dir = tempfile::tempdir().unwrap();
        let b64 = recipe(RecipeKey::MlpB64, 1234);
        assert!(find_saved(&b64, dir.path()).is_none());
        // The report's seed keeps the name every earlier run used; other seeds get their own.
        assert!(model_path(&b64, dir.path()).ends_with("mlp-b64.safetensors"));
        let b64_1235 = recipe(RecipeKey::MlpB64, 1235);
        assert!(model_path(&b64_1235, dir.path()).ends_with("mlp-b64-seed1235.safetensors"));
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
