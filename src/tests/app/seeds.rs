//! The Reproduce panel over several training seeds: every (row, seed) model queued once and
//! recognised by its notes, the queue saved with its seeds, the seeds setting in the URL, and
//! the table over seeds being the engine's `SeedTable::build` (the function
//! `mpg reproduce --seeds N` calls) on the app's measurements.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use std::collections::BTreeMap;

use engine::data::DatasetKind;
use engine::experiments::defaults::TRAIN_SEED;
use engine::experiments::seeds::{training_seeds, SeedTable};
use engine::experiments::RecipeKey::*;
use engine::experiments::{Figure, Measured, ReportTable};
use engine::stats::Spread;
use engine::train::EpochSummary;

use super::{load, model, ready, started_with, take_effects};
use crate::app_core::reducer::reduce;
use crate::app_core::report_rows::{seed_table, table};
use crate::app_core::reproduce::{
    job_status, missing_jobs, recipe_at, restore, row_status, saved_strings, Job, RowStatus, SECTIONS,
};
use crate::app_core::url::{fragment, parse_fragment, parse_seeds};
use crate::app_core::{Action, Effect, State};
use crate::protocol::{EvalOutput, EvalTask};

fn finish(s: &mut State, job: u64, id: u64) {
    let history = (1..=5).map(|epoch| EpochSummary { epoch, loss: 0.1, accuracy: 98.0 }).collect();
    reduce(
        s,
        Action::TrainDone { job, id, bytes: Default::default(), history, test_accuracy: 98.0, train_seconds: 9.0 },
    );
}

/// The (recipe, training seed, teacher) of every Train effect.
fn trained(effects: &[Effect]) -> Vec<(Job, Option<u64>)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Train { recipe: Some(k), train, teacher, .. } => Some(((*k, train.seed), *teacher)),
            _ => None,
        })
        .collect()
}

#[test]
fn three_seeds_queue_every_seed_of_a_row_once_and_train_each_from_its_seed() {
    let mut s = ready();
    reduce(&mut s, Action::SetSeedsPerRow(3));
    let all = missing_jobs(&s);
    assert_eq!(all.len(), 3 * crate::app_core::reproduce::keys().len());
    reduce(&mut s, Action::Enqueue(vec![MlpB64]));
    let effects = take_effects(&mut s);
    assert_eq!(trained(&effects), vec![((MlpB64, 1234), None)]);
    assert_eq!(s.reproduce.waiting, vec![(MlpB64, 1235), (MlpB64, 1236)]);
    assert_eq!(row_status(&s, MlpB64), RowStatus::Training);
    // The row's button and "train all" pressed again: nothing is queued twice.
    reduce(&mut s, Action::Enqueue(vec![MlpB64, MlpB64]));
    assert_eq!(s.reproduce.waiting, vec![(MlpB64, 1235), (MlpB64, 1236)]);
    let rows = crate::app_core::reproduce::missing(&s);
    reduce(&mut s, Action::Enqueue(rows));
    let mut sorted = s.reproduce.waiting.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), s.reproduce.waiting.len(), "no duplicates");
    assert_eq!(s.reproduce.waiting.len() + 1, all.len(), "every model but the running one is queued");
    assert!(missing_jobs(&s).is_empty());

    // The seed-1234 model is the row's first seed only; its student of seed 1234 trains with it,
    // the students of 1235 and 1236 wait for their own teachers.
    let job = s.run.as_ref().unwrap().job;
    finish(&mut s, job, 70);
    assert_eq!(job_status(&s, (MlpB64, 1234)), RowStatus::Trained(70));
    assert_eq!(job_status(&s, (MlpB64, 1235)), RowStatus::Training, "the next seed trains at once");
    assert_eq!(job_status(&s, (MlpB64, 1236)), RowStatus::Queued);
    assert_ne!(row_status(&s, MlpB64), RowStatus::Trained(70), "a row is trained when all its seeds are");
    let model = s.model(70).unwrap();
    assert_eq!(model.meta.train.seed, 1234);
    // Drain the queue on the main trainer: each model trains from its own seed, and each
    // teacher-student model gets the teacher of its seed.
    let mut id = 100;
    let mut seen: Vec<(Job, Option<u64>)> = trained(&take_effects(&mut s));
    while let Some(run) = s.run.as_ref().filter(|r| r.error.is_none()) {
        let job = run.job;
        id += 1;
        finish(&mut s, job, id);
        seen.extend(trained(&take_effects(&mut s)));
        let second = s.second.run.as_ref().filter(|r| r.error.is_none()).map(|r| r.job);
        if let Some(job) = second {
            id += 1;
            finish(&mut s, job, id);
            seen.extend(trained(&take_effects(&mut s)));
        }
    }
    // (the second trainer never got its data here, so the main one trained everything)
    assert_eq!(seen.len() + 1, all.len(), "{seen:?}");
    for ((key, seed), teacher) in &seen {
        let r = recipe_at((*key, *seed));
        assert_eq!(r.train.seed, *seed);
        match r.teacher {
            Some(t) => {
                let tid = teacher.expect("a student trains with a teacher");
                assert_eq!(s.model(tid).unwrap().meta.train.seed, *seed, "{key} seed {seed}: the teacher of its seed");
                assert_eq!(job_status(&s, (t, *seed)), RowStatus::Trained(tid));
            }
            None => assert_eq!(*teacher, None),
        }
    }
    assert!(crate::app_core::reproduce::keys().iter().all(|&k| matches!(row_status(&s, k), RowStatus::Trained(_))));
}

#[test]
fn the_queue_keeps_its_seeds_across_a_reload_and_refuses_hostile_entries() {
    let mut s = ready();
    reduce(&mut s, Action::SetSeedsPerRow(2));
    reduce(&mut s, Action::Enqueue(vec![MlpB256, MlpB128]));
    let saved = take_effects(&mut s)
        .into_iter()
        .rev()
        .find_map(|e| if let Effect::SaveQueue(k) = e { Some(k) } else { None })
        .expect("the queue is saved");
    // The report's seed is written as before seeds existed; the others with theirs.
    assert_eq!(saved, vec!["mlp-b256", "mlp-b256@1235", "mlp-b128", "mlp-b128@1235"]);
    let mut fresh = started_with(None, saved, "#tab=reproduce&seeds=2");
    assert_eq!(fresh.reproduce.seeds, 2);
    load(&mut fresh, DatasetKind::Mnist);
    assert_eq!(fresh.run.as_ref().map(|r| (r.recipe, r.train.seed)), Some((Some(MlpB256), 1234)));
    assert_eq!(fresh.reproduce.waiting, vec![(MlpB256, 1235), (MlpB128, 1234), (MlpB128, 1235)]);
    // Unknown rows, seeds the panel cannot ask for, junk and duplicates are dropped.
    let hostile: Vec<String> =
        ["mlp-b64@1238", "mlp-b64@1239", "mlp-b64@0", "mlp-b64@-1", "mlp-b64@x", "nope@1234", "mlp-b64@1238", "@"]
            .map(String::from)
            .to_vec();
    assert_eq!(restore(&hostile), vec![(MlpB64, 1238)]);
    assert_eq!(restore(&saved_strings(&[(MlpB64, 1234), (MlpB64, 1236)])), vec![(MlpB64, 1234), (MlpB64, 1236)]);
}

#[test]
fn the_seeds_setting_round_trips_through_the_url_and_hostile_values_are_clamped_or_refused() {
    for n in 1..=5 {
        let mut s = ready();
        reduce(&mut s, Action::SetSeedsPerRow(n));
        let frag = fragment(&crate::app_core::selectors::view_params(&s));
        assert_eq!(frag.contains("&seeds="), n != 1, "{frag}");
        assert_eq!(parse_fragment(&frag).seeds, n, "{frag}");
        // And the page opened from that link is on the same setting.
        assert_eq!(started_with(None, vec![], &frag).reproduce.seeds, n);
    }
    assert_eq!(parse_seeds("3"), Some(3));
    assert_eq!(parse_seeds("0"), Some(1));
    assert_eq!(parse_seeds("1000"), Some(5));
    assert_eq!(parse_seeds("18446744073709551615"), Some(5));
    for bad in ["-2", "2.5", "x", "", "1e3", "99999999999999999999999"] {
        assert_eq!(parse_seeds(bad), None, "{bad}");
        assert_eq!(parse_fragment(&format!("#seeds={bad}")).seeds, 1, "{bad}");
    }
    let mut s = ready();
    reduce(&mut s, Action::SetSeedsPerRow(42));
    assert_eq!(s.reproduce.seeds, 5);
    reduce(&mut s, Action::SetSeedsPerRow(0));
    assert_eq!(s.reproduce.seeds, 1);
}

/// A row's noise accuracy, as the test's evaluators answer: a fixed function of the model,
/// the σ and the draw, so each model of a row has its own spread.
fn noisy_accuracy(model: u64, std: f32, draw: usize) -> f64 {
    let base = if std > 1.2 { 40.0 } else { 70.0 };
    base + (model % 7) as f64 + 1.5 * draw as f64
}

/// Answers every noise job the page sent, as evaluators would.
fn answer_noise_jobs(s: &mut State) {
    for _ in 0..4 {
        let jobs: Vec<(u64, EvalTask)> = take_effects(s)
            .into_iter()
            .filter_map(|e| match e {
                Effect::CurveJobs { model, tasks } => Some(tasks.into_iter().map(move |t| (model, t))),
                _ => None,
            })
            .flatten()
            .collect();
        for (model, task) in jobs {
            if let EvalTask::Noise { std, draw, subset: None, .. } = task {
                let output = EvalOutput::Accuracy {
                    accuracy: noisy_accuracy(model, std, draw),
                    images: 10_000,
                    predictions: None,
                };
                reduce(s, Action::EvalDone { model, task, output, now_ms: 1.0 });
            }
        }
    }
}

#[test]
fn the_table_over_seeds_is_the_engines_seed_table_on_the_same_measurements() {
    let mut s = ready();
    reduce(&mut s, Action::SetSeedsPerRow(2));
    // Two rows with both seeds trained (different clean accuracies), one with only its first.
    let made: Vec<(Job, u64, f64)> = vec![
        ((MlpB64, 1234), 11, 97.6),
        ((MlpB64, 1235), 12, 98.0),
        ((MlpB256, 1234), 13, 97.1),
        ((MlpB256, 1235), 14, 97.9),
        ((MlpB32, 1234), 15, 97.5),
    ];
    let models = made
        .iter()
        .map(|&(job, id, acc)| {
            let r = recipe_at(job);
            let mut m = model(id, r.model, r.train);
            m.meta.test_accuracy = acc;
            m
        })
        .collect();
    reduce(&mut s, Action::ModelsRestored(models));
    answer_noise_jobs(&mut s);

    // What `mpg reproduce --seeds 2` would be given: each model's measurements, keyed by
    // recipe and seed, written out here from the evaluators' answers.
    let draws = s.explore.draws;
    let mut runs: BTreeMap<Job, Measured> = BTreeMap::new();
    for &(job, id, acc) in &made {
        let noise = |std: f32| Some(Spread::of((0..draws).map(|d| noisy_accuracy(id, std, d)).collect()));
        runs.insert(
            job,
            Measured {
                clean: Some(Spread::of(vec![acc])),
                std1_0: noise(1.0),
                std1_5: noise(1.5),
                train_seconds: Some(1.0),
                ..Measured::default()
            },
        );
    }
    let layout = ReportTable::full_layout(&SECTIONS);
    let expected = SeedTable::build(&layout, &runs, |_| training_seeds(TRAIN_SEED, 2), TRAIN_SEED, draws);
    let got = seed_table(&s).expect("two seeds: a table over seeds");
    assert_eq!(got, expected);
    assert_eq!(got.csv(), expected.csv());

    // The figures themselves: clean 97.6 and 98.0 give 97.80 ± 0.28; the report's 97.98 is
    // within 2 sd of that spread.
    let row = got.rows.iter().find(|r| r.key == MlpB64).unwrap();
    let clean = row.figure(Figure::Clean).unwrap();
    assert_eq!(clean.protocol, [97.6, 98.0]);
    assert!((clean.protocol_mean - 97.8).abs() < 1e-9 && (clean.protocol_sd - 0.08f64.sqrt()).abs() < 1e-9);
    assert!(clean.verdict.is_some_and(|v| v.holds), "{:?}", clean.verdict);
    let std = row.figure(Figure::Std1_0).unwrap();
    assert_eq!(std.protocol.len(), 2, "one figure per seed");
    assert!(std.verdict.is_some());
    // A row with a seed missing has no figures; the CSV carries the verdicts.
    assert!(got.rows.iter().find(|r| r.key == MlpB32).unwrap().figures.is_empty());
    let csv = got.csv();
    assert!(csv.lines().any(|l| l.contains("mlp-b64") && l.contains("1234 1235") && l.contains(",holds,")), "{csv}");
    let json = serde_json::to_value(&got).unwrap();
    assert_eq!(json["rows"][1]["seeds"], serde_json::json!([1234, 1235]));

    // With one seed, no table over seeds, and the single-seed table is what it was.
    reduce(&mut s, Action::SetSeedsPerRow(1));
    assert!(seed_table(&s).is_none());
    let single = table(&s);
    let row = single.rows.iter().find(|r| r.key == MlpB256).unwrap();
    assert_eq!(row.ours.clean.as_ref().map(|c| c.mean), Some(97.1));
    assert_eq!(row.ours.std1_0, runs[&(MlpB256, 1234)].std1_0);
}
