//! `mpg pretrained`: the models the site ships, trained from the report's recipes (the same
//! recipes `mpg reproduce` and the app's Reproduce tab train), written as model files with
//! their notes plus a manifest. Every model trains on one thread, so the same build on the
//! same platform writes byte-identical files (`scripts/pretrained.sh` checks it).

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use engine::data::sha256_hex;
use engine::experiments::defaults;
use engine::experiments::notes::{model_file, ModelNotes};
use engine::experiments::recipes::recipe;
use engine::experiments::{train_recipe, Budget, Recipe, RecipeKey};
use engine::model::ops::one_thread;
use engine::train::{Control, TrainHooks};
use serde::Serialize;

use crate::bars::bar;
use crate::datadir;
use crate::options::checked_evaluation;

/// The shipped models: the report's MLP, the noise-trained MLP (σ 1.0), the fault-aware MLP
/// and LeNet, each at the report's batch 64, 5 epochs, seed 1234.
pub const SHIPPED: [RecipeKey; 4] =
    [RecipeKey::MlpB64, RecipeKey::MlpNoise10, RecipeKey::MlpFaultAware, RecipeKey::CnnB64];

/// The manifest's name in the output folder.
pub const MANIFEST: &str = "manifest.json";

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Folder with the MNIST IDX files (or its parent holding `mnist/`).
    #[arg(long, env = "MPG_DATA_DIR", default_value = "data")]
    pub data: PathBuf,
    /// Where the model files and the manifest go.
    #[arg(long, default_value = "www/pretrained")]
    pub out: PathBuf,
    /// Only these recipes (by key, e.g. mlp-b64); the manifest then lists only them.
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
}

/// One shipped model, as the manifest lists it.
#[derive(Serialize)]
struct Entry {
    /// The recipe key, also the file's stem.
    name: RecipeKey,
    file: String,
    label: String,
    seed: u64,
    bytes: usize,
    sha256: String,
    /// Clean test accuracy on the 10,000 MNIST test images, percent.
    clean_accuracy: f64,
    /// The recipe as trained: network, preprocessing, and the training settings.
    recipe: Recipe,
}

#[derive(Serialize)]
struct Manifest {
    /// How to regenerate the files.
    generated_by: &'static str,
    models: Vec<Entry>,
}

pub fn run(a: Args) -> anyhow::Result<()> {
    let keys: Vec<RecipeKey> = if a.only.is_empty() {
        SHIPPED.to_vec()
    } else {
        a.only
            .iter()
            .map(|k| {
                SHIPPED.iter().copied().find(|s| s.to_string() == *k).with_context(|| {
                    let known: Vec<String> = SHIPPED.iter().map(|s| s.to_string()).collect();
                    format!("--only {k}: not a shipped model (one of {})", known.join(", "))
                })
            })
            .collect::<anyhow::Result<_>>()?
    };
    crate::output::check_target(&a.out.join(MANIFEST))?;
    let split = datadir::load(&a.data, engine::data::DatasetKind::Mnist)?;
    std::fs::create_dir_all(&a.out).with_context(|| format!("creating {}", a.out.display()))?;
    let mut models = Vec::new();
    for key in keys {
        let r = recipe(key, defaults::TRAIN_SEED);
        anyhow::ensure!(r.teacher.is_none(), "{key}: a teacher-student recipe is not shipped");
        let steps = split.train.len().div_ceil(r.train.batch_size) * r.train.epochs;
        let pb = bar(steps as u64, key.to_string(), "steps");
        let start = Instant::now();
        let mut on_progress = |p: &engine::train::Progress| {
            pb.set_position(p.global_step as u64);
            Control::Continue
        };
        // One thread: the products' split over threads then cannot depend on the machine.
        let trained = one_thread(|| {
            let hooks = TrainHooks { teacher: None, clock: None, progress: &mut on_progress };
            train_recipe(&r, &Budget::default(), &split.train, hooks)
        })
        .with_context(|| format!("training {key}"))?;
        pb.finish_and_clear();
        let accuracy = one_thread(|| checked_evaluation(&trained.model, &split.test))?.accuracy();
        let mut notes = ModelNotes::new(&trained.model.config, &trained.recipe.train, Some(key), trained.history);
        notes.test_accuracy = Some(accuracy);
        let bytes = model_file(&trained.model, &notes)?;
        let file = format!("{key}.safetensors");
        crate::output::write_atomic(&a.out.join(&file), &bytes)?;
        println!(
            "{file}: {} bytes, clean accuracy {accuracy:.2}%, sha256 {} ({:.0} s)",
            bytes.len(),
            sha256_hex(&bytes),
            start.elapsed().as_secs_f64()
        );
        models.push(Entry {
            name: key,
            file,
            label: r.label.clone(),
            seed: r.train.seed,
            bytes: bytes.len(),
            sha256: sha256_hex(&bytes),
            clean_accuracy: accuracy,
            recipe: trained.recipe,
        });
    }
    let manifest = Manifest { generated_by: "bash scripts/pretrained.sh (mpg pretrained)", models };
    let mut json = serde_json::to_string_pretty(&manifest)?;
    json.push('\n');
    crate::output::write_atomic(&a.out.join(MANIFEST), json)?;
    Ok(())
}
