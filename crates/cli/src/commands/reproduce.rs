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
    /// Only part K of N of the rows (`--shard 1/2` on one machine, `--shard 2/2` on another;
    /// rows are dealt out in table order). A shard also obtains the teachers its students need,
    /// but measures only its own rows. `mpg reproduce noise --merge` joins the shards' JSON.
    #[arg(long)]
    pub shard: Option<Shard>,
}

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
    /// The rows of this shard: every `count`-th of `keys` (without repeats), from `index`.
    pub fn select(&self, keys: &[RecipeKey]) -> Vec<RecipeKey> {
        let mut unique: Vec<RecipeKey> = Vec::new();
        for &k in keys {
            if !unique.contains(&k) {
                unique.push(k);
            }
        }
        unique.into_iter().enumerate().filter(|(i, _)| i % self.count == self.index - 1).map(|(_, k)| k).collect()
    }
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
    let mine = match run.shard {
        Some(shard) => shard.select(&keys),
        None => keys,
    };
    // Teachers first (a shard may hold a student whose teacher is another shard's row).
    let mut obtain: Vec<RecipeKey> = mine.iter().filter_map(|&k| run.recipe(k).teacher).collect();
    obtain.extend(mine.iter().copied());
    let jobs = run.jobs.unwrap_or_else(cores);
    anyhow::ensure!((1..=64).contains(&jobs), "--jobs must be between 1 and 64");
    let (models, mut measured) = super::parallel::obtain_all(&obtain, run, split, jobs)?;
    measured.retain(|k, _| mine.contains(k));
    for (section, keys) in layout {
        for &key in keys.iter().filter(|k| mine.contains(k)) {
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
    if !a.merge.is_empty() {
        return merge(&a);
    }
    crate::output::check_folder(&a.run.models)?;
    let start = Instant::now();
    let split = datadir::load(&a.run.data.data, a.run.data.dataset.into())?;
    let settings = MeasureSettings { draws: a.run.draws, noise_seed: a.noise_seed, ..MeasureSettings::default() };
    let batch_keys: Vec<RecipeKey> = BATCH_KEYS.into_iter().filter(|k| !(a.run.skip_cnn && k.is_cnn())).collect();
    let hardening_keys: Vec<RecipeKey> = [RecipeKey::MlpB64].into_iter().chain(HARDENING_KEYS).collect();
    let layout = vec![(Section::Batch, batch_keys.clone()), (Section::Hardening, hardening_keys.clone())];
    let (_, measured) = run_layout(&layout, &a.run, &split, &settings)?;
    let table = ReportTable::build(&layout, &measured, a.run.seed);
    let shard = match a.run.shard {
        Some(s) => {
            format!("Shard {s}: only its rows are measured; join the shards with `mpg reproduce noise --merge`.  \n")
        }
        None => String::new(),
    };
    write_noise(&a, &table, start.elapsed().as_secs_f64(), &format!("{shard}{}", provenance(&measured)))
}

/// The settings two shards must share to be parts of one run, as written in their JSON.
const SHARED_SETTINGS: [&str; 5] = ["seed", "draws", "noise_seed", "epochs", "skip_cnn"];

/// `--merge`: one table from the JSON of shard runs.
fn merge(a: &Args) -> anyhow::Result<()> {
    let start = Instant::now();
    let mut first: Option<(PathBuf, serde_json::Value)> = None;
    let mut layout: Vec<(Section, RecipeKey)> = Vec::new();
    let mut measured: BTreeMap<RecipeKey, Measured> = BTreeMap::new();
    let mut measured_by: HashMap<RecipeKey, PathBuf> = HashMap::new();
    for path in &a.merge {
        let shown = path.display();
        let text = std::fs::read(path).with_context(|| format!("reading {shown}"))?;
        let json: serde_json::Value =
            serde_json::from_slice(&text).with_context(|| format!("{shown}: not a reproduce-noise.json"))?;
        let table: ReportTable = serde_json::from_value(json["table"].clone())
            .with_context(|| format!("{shown}: no table of `mpg reproduce noise` in it"))?;
        match &first {
            None => {
                layout = table.rows.iter().map(|r| (r.section, r.key)).collect();
                first = Some((path.clone(), json.clone()));
            }
            Some((first_path, first_json)) => {
                for field in SHARED_SETTINGS {
                    anyhow::ensure!(
                        json[field] == first_json[field],
                        "{shown} has {field} {} but {} has {}: not shards of one run",
                        json[field],
                        first_path.display(),
                        first_json[field]
                    );
                }
                let rows: Vec<(Section, RecipeKey)> = table.rows.iter().map(|r| (r.section, r.key)).collect();
                anyhow::ensure!(rows == layout, "{shown} has other rows than {}", first_path.display());
            }
        }
        for row in table.rows.iter().filter(|r| r.ours.clean.is_some()) {
            match measured_by.get(&row.key) {
                Some(other) if other != path => {
                    anyhow::bail!("{} is measured in both {} and {shown}", row.key, other.display())
                }
                Some(_) => {}
                None => {
                    measured_by.insert(row.key, path.clone());
                    measured.insert(row.key, row.ours.clone());
                }
            }
        }
    }
    let mut missing: Vec<String> =
        layout.iter().filter(|(_, k)| !measured.contains_key(k)).map(|(_, k)| k.to_string()).collect();
    missing.dedup();
    anyhow::ensure!(
        missing.is_empty(),
        "rows {} are measured in none of the files: is a shard missing?",
        missing.join(", ")
    );
    let mut sections: Vec<(Section, Vec<RecipeKey>)> = Vec::new();
    for (section, key) in layout {
        match sections.last_mut() {
            Some((s, keys)) if *s == section => keys.push(key),
            _ => sections.push((section, vec![key])),
        }
    }
    let (_, json) = first.expect("--merge has at least one file");
    let seed = json["seed"].as_u64().context("the shard's JSON has no training seed")?;
    let table = ReportTable::build(&sections, &measured, seed);
    let files: Vec<String> = a.merge.iter().map(|p| format!("`{}`", p.display())).collect();
    let note = format!("Merged from the shards {}.  \n{}", files.join(", "), provenance(&measured));
    let settings = Args {
        run: RunArgs {
            seed,
            draws: json["draws"].as_u64().context("no draws")? as usize,
            epochs: json["epochs"].as_u64().map(|e| e as usize),
            skip_cnn: json["skip_cnn"].as_bool().unwrap_or(false),
            shard: None,
            ..a.run.clone()
        },
        noise_seed: json["noise_seed"].as_u64().context("no noise seed")?,
        merge: a.merge.clone(),
    };
    write_noise(&settings, &table, start.elapsed().as_secs_f64(), &note)
}

/// Writes reproduce-noise.{md,csv,json} into `a.run.out` and prints the Markdown.
fn write_noise(a: &Args, table: &ReportTable, wall: f64, note: &str) -> anyhow::Result<()> {
    let command = std::env::args().collect::<Vec<_>>().join(" ");
    let mut md = String::new();
    let _ = writeln!(md, "# Reproduction of Part 1: log-normal weight noise\n");
    let _ = writeln!(md, "Command: `{command}`  ");
    let _ = writeln!(md, "Wall time: {wall:.0} s on this machine ({} cores) for this invocation.  ", cores());
    let _ = writeln!(md, "{note}\n");
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
        "noise_seed": a.noise_seed, "epochs": a.run.epochs, "skip_cnn": a.run.skip_cnn,
        "shard": a.run.shard.map(|s| s.to_string()), "table": table.json() });
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
