//! Training and measuring a reproduction's models several at a time, one per core.
//!
//! At the report's batch sizes a training step's products are too small to split well over
//! threads, so two models side by side use two cores far better than one model on both. A
//! teacher-student row starts once its teacher is in. Each model trains exactly as it would
//! alone (its products stay on its thread; same seed, same bits). Measurement likewise: a
//! crossbar draw runs on one thread, so two models measured side by side take half the time;
//! every draw comes from the model's own seeded settings and its own deployment (no generator
//! or state is shared between models), so the figures do not depend on the schedule.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};

use anyhow::anyhow;
use engine::data::Split;
use engine::experiments::measure::MeasureSettings;
use engine::experiments::{Figure, Measured, RecipeKey};
use engine::model::Model;

use super::reproduce::{measure_row, obtain, Job, RunArgs, Runs};

struct Shared {
    /// Rows not started, in the order given.
    pending: Vec<Job>,
    running: usize,
    models: HashMap<Job, Model>,
    measured: BTreeMap<Job, Measured>,
    error: Option<anyhow::Error>,
}

/// Obtains (reuses or trains) the model of every (key, training seed) on up to `jobs` threads.
pub(crate) fn obtain_all(
    keys: &[Job],
    run: &RunArgs,
    split: &Split,
    jobs: usize,
) -> anyhow::Result<(HashMap<Job, Model>, BTreeMap<Job, Measured>)> {
    let mut pending: Vec<Job> = Vec::new();
    for &k in keys {
        if !pending.contains(&k) {
            pending.push(k);
        }
    }
    let workers = jobs.clamp(1, pending.len().max(1));
    let shared =
        Mutex::new(Shared { pending, running: 0, models: HashMap::new(), measured: BTreeMap::new(), error: None });
    let changed = Condvar::new();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| worker(&shared, &changed, run, split, workers > 1));
        }
    });
    let shared = shared.into_inner().map_err(|_| anyhow!("a training thread panicked"))?;
    match shared.error {
        Some(e) => Err(e),
        None => Ok((shared.models, shared.measured)),
    }
}

fn worker(shared: &Mutex<Shared>, changed: &Condvar, run: &RunArgs, split: &Split, one_thread: bool) {
    loop {
        // The first pending row whose teacher (if any) is in, with a copy of that teacher.
        let (key, teachers) = {
            let mut s = shared.lock().expect("no thread panics holding the lock");
            loop {
                if s.error.is_some() || s.pending.is_empty() {
                    return;
                }
                let ready = s.pending.iter().position(|&(k, seed)| {
                    run.recipe_at(k, seed).teacher.is_none_or(|t| s.models.contains_key(&(t, seed)))
                });
                if let Some(i) = ready {
                    let key = s.pending.remove(i);
                    let mut teachers = HashMap::new();
                    if let Some(t) = run.recipe_at(key.0, key.1).teacher {
                        match s.models[&(t, key.1)].duplicate() {
                            Ok(m) => {
                                teachers.insert((t, key.1), m);
                            }
                            Err(e) => {
                                s.error = Some(e.into());
                                changed.notify_all();
                                return;
                            }
                        }
                    }
                    s.running += 1;
                    break (key, teachers);
                }
                if s.running == 0 {
                    let (k, seed) = s.pending[0];
                    s.error = Some(anyhow!("{k} seed {seed}: its teacher is not among the rows of this run"));
                    changed.notify_all();
                    return;
                }
                s = changed.wait(s).expect("no thread panics holding the lock");
            }
        };
        let obtain_one = || obtain(&run.recipe_at(key.0, key.1), split, &run.models, &teachers);
        let result = if one_thread { engine::model::ops::one_thread(obtain_one) } else { obtain_one() };
        let mut s = shared.lock().expect("no thread panics holding the lock");
        s.running -= 1;
        match result {
            Ok((model, row)) => {
                s.models.insert(key, model);
                s.measured.insert(key, row);
            }
            Err(e) => s.error = Some(e),
        }
        changed.notify_all();
    }
}

/// Measures each model of `work` (its sections' figures in turn, all on one thread) into
/// `measured`, up to `jobs` models at once, with the settings `settings(key, seed)` gives.
/// The first error, in `work` order, is returned once every started model is done.
pub(crate) fn measure_all(
    work: &[(Job, Vec<&'static [Figure]>)],
    models: &HashMap<Job, Model>,
    measured: &mut Runs,
    split: &Split,
    settings: &(dyn Fn(RecipeKey, u64) -> MeasureSettings + Sync),
    jobs: usize,
) -> anyhow::Result<()> {
    // Each model's row so far (where it came from, its training time), measured further by
    // exactly one thread.
    let rows: Vec<Mutex<Measured>> =
        work.iter().map(|(job, _)| Mutex::new(measured.remove(job).unwrap_or_default())).collect();
    let errors: Vec<Mutex<Option<anyhow::Error>>> = work.iter().map(|_| Mutex::new(None)).collect();
    let (next, failed) = (AtomicUsize::new(0), AtomicBool::new(false));
    let workers = jobs.clamp(1, work.len().max(1));
    let measure_one = |i: usize| -> anyhow::Result<()> {
        let (job, sections) = &work[i];
        let model = models.get(job).ok_or_else(|| anyhow!("{} seed {}: no model to measure", job.0, job.1))?;
        let mut row = rows[i].lock().expect("one thread per row");
        for figures in sections {
            measure_row(&mut row, *job, model, figures, split, &settings(job.0, job.1))?;
        }
        Ok(())
    };
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= work.len() || failed.load(Ordering::SeqCst) {
                    return;
                }
                let result =
                    if workers > 1 { engine::model::ops::one_thread(|| measure_one(i)) } else { measure_one(i) };
                if let Err(e) = result {
                    failed.store(true, Ordering::SeqCst);
                    *errors[i].lock().expect("one thread per row") = Some(e);
                }
            });
        }
    });
    if let Some(e) = errors.into_iter().find_map(|e| e.into_inner().ok().flatten()) {
        return Err(e);
    }
    for ((job, _), row) in work.iter().zip(rows) {
        measured.insert(*job, row.into_inner().map_err(|_| anyhow!("a measuring thread panicked"))?);
    }
    Ok(())
}
