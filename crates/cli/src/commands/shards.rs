//! Joining the JSON of `--shard K/N` runs of a reproduction (`--merge`): every shard must have
//! the same settings, and every model of the run must be measured in exactly one of them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use engine::experiments::seeds::SeedRun;
use engine::experiments::{RecipeKey, Section};

use super::reproduce::{Job, RunArgs, Runs};

/// The settings in a reproduction's JSON that two shards of one run share, whatever the
/// reproduction (each adds its own seeds).
pub(crate) const RUN_SETTINGS: [&str; 8] =
    ["seed", "seeds", "cnn_seeds", "draws", "expectation_draws", "common_draws", "epochs", "skip_cnn"];

/// The shards' files, read and checked against each other.
pub(crate) struct Shards {
    /// Each file and its JSON, in the order given.
    pub files: Vec<(PathBuf, serde_json::Value)>,
    /// Every model measured in any of them.
    pub measured: Runs,
}

impl Shards {
    /// Reads the `name` files (e.g. `reproduce-noise.json`) at `paths`: each must have the same
    /// `settings` as the first, and no model may be measured in two of them.
    pub fn read(paths: &[PathBuf], name: &str, settings: &[&str]) -> anyhow::Result<Shards> {
        anyhow::ensure!(!paths.is_empty(), "--merge needs at least one file");
        let mut files: Vec<(PathBuf, serde_json::Value)> = Vec::new();
        let mut measured = Runs::new();
        let mut measured_by: HashMap<Job, PathBuf> = HashMap::new();
        for path in paths {
            let shown = path.display();
            let text = std::fs::read(path).with_context(|| format!("reading {shown}"))?;
            let json: serde_json::Value =
                serde_json::from_slice(&text).with_context(|| format!("{shown}: not a {name}"))?;
            let runs: Vec<SeedRun> = serde_json::from_value(json["runs"].clone())
                .with_context(|| format!("{shown}: no models of a reproduction in it (not a {name}?)"))?;
            if let Some((first_path, first)) = files.first() {
                for &field in settings {
                    anyhow::ensure!(
                        json[field] == first[field],
                        "{shown} has {field} {} but {} has {}: not shards of one run",
                        json[field],
                        first_path.display(),
                        first[field]
                    );
                }
            }
            for run in runs {
                let job = (run.key, run.seed);
                match measured_by.get(&job) {
                    Some(other) if other != path => {
                        anyhow::bail!("{} seed {} is measured in both {} and {shown}", job.0, job.1, other.display())
                    }
                    Some(_) => {}
                    None => {
                        measured_by.insert(job, path.clone());
                        measured.insert(job, run.measured);
                    }
                }
            }
            files.push((path.clone(), json));
        }
        Ok(Shards { files, measured })
    }

    /// The JSON of the first file (its settings are every file's).
    pub fn first(&self) -> &serde_json::Value {
        &self.files[0].1
    }

    /// The run's settings as the shards wrote them; folders and `--jobs` from `local`.
    pub fn run_args(&self, local: &RunArgs) -> anyhow::Result<RunArgs> {
        let json = self.first();
        let usize_of = |field: &str| {
            json[field].as_u64().map(|v| v as usize).with_context(|| format!("the shard's JSON has no {field}"))
        };
        let run = RunArgs {
            seed: json["seed"].as_u64().context("the shard's JSON has no training seed")?,
            seeds: usize_of("seeds")?,
            cnn_seeds: json["cnn_seeds"].as_u64().map(|v| v as usize),
            draws: usize_of("draws")?,
            expectation_draws: usize_of("expectation_draws")?,
            common_draws: json["common_draws"].as_bool().context("the shard's JSON has no common_draws")?,
            epochs: json["epochs"].as_u64().map(|e| e as usize),
            skip_cnn: json["skip_cnn"].as_bool().unwrap_or(false),
            shard: None,
            ..local.clone()
        };
        run.validate()?;
        Ok(run)
    }

    /// Refuses a merge that lacks any model of `layout` (a shard left out).
    pub fn ensure_complete(&self, run: &RunArgs, layout: &[(Section, Vec<RecipeKey>)]) -> anyhow::Result<()> {
        let missing: Vec<String> = run
            .jobs(layout)
            .into_iter()
            .filter(|j| !self.measured.contains_key(j))
            .map(|(k, s)| format!("{k} seed {s}"))
            .collect();
        anyhow::ensure!(
            missing.is_empty(),
            "models {} are measured in none of the files: is a shard missing?",
            missing.join(", ")
        );
        Ok(())
    }

    /// "Merged from the shards `a`, `b`."
    pub fn note(&self) -> String {
        let files: Vec<String> = self.files.iter().map(|(p, _)| format!("`{}`", shown(p))).collect();
        format!("Merged from the shards {}.", files.join(", "))
    }
}

fn shown(p: &Path) -> String {
    p.display().to_string()
}
