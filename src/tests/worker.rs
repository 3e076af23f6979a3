//! The worker's message handling, driven directly: load data from bytes, train, evaluate.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use engine::data::DatasetKind;
use engine::model::{Architecture, ModelConfig};
use engine::train::TrainConfig;

use super::fixtures::images_labels;
use crate::app_core::models::uploaded_meta;
use crate::app_core::naming::model_name;
use crate::protocol::*;
use crate::worker_core::{parse_files, warmed_up, WorkerCore};

fn source(verify: bool) -> DataSource {
    let urls = [
        "u/train-images-idx3-ubyte.gz",
        "u/train-labels-idx1-ubyte.gz",
        "u/t10k-images-idx3-ubyte.gz",
        "u/t10k-labels-idx1-ubyte.gz",
    ]
    .map(String::from);
    DataSource { kind: DatasetKind::Mnist, names: urls.clone(), urls, verify, need_train: true }
}

fn files() -> [Vec<u8>; 4] {
    let (ti, tl) = images_labels(320, 1);
    let (vi, vl) = images_labels(100, 2);
    [ti, tl, vi, vl]
}

fn loaded_core() -> WorkerCore {
    let (loaded, reply) = parse_files(&source(false), files(), 1.0).unwrap();
    match reply {
        FromWorker::DataLoaded { train, test, samples, test_labels, .. } => {
            assert_eq!((train, test), (320, 100));
            assert_eq!(samples.pixels.len(), samples.labels.len() * 784);
            assert_eq!(test_labels.len(), 100);
        }
        other => panic!("unexpected reply {other:?}"),
    }
    let mut core = WorkerCore::default();
    core.data = Some(loaded);
    core
}

fn run(core: &mut WorkerCore, msg: ToWorker) -> Vec<FromWorker> {
    let mut out = Vec::new();
    // a still clock: the test checks content, not time
    let clock = || 0.0;
    core.handle(msg, &clock, &mut |m| out.push(m));
    out
}

/// As [`run`], with a clock that advances one second at every reading: times measured by
/// the worker are then positive and grow with the work done.
fn run_ticking(core: &mut WorkerCore, msg: ToWorker) -> Vec<FromWorker> {
    let mut out = Vec::new();
    let t = std::cell::Cell::new(0.0);
    let clock = || {
        t.set(t.get() + 1.0);
        t.get()
    };
    core.handle(msg, &clock, &mut |m| out.push(m));
    out
}

#[test]
fn the_pinned_checksum_refuses_other_data() {
    let err = parse_files(&source(true), files(), 0.0).err().expect("synthetic data is not MNIST");
    match err {
        DataError::Invalid { url, detail } => {
            assert!(url.contains("train-images"), "{url}");
            assert!(detail.contains("SHA-256"), "{detail}");
            // The page shows the file name beside the detail: the detail does not repeat it.
            assert!(!detail.contains(&url), "{url}: {detail}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_damaged_file_is_reported_as_invalid() {
    let mut f = files();
    f[3].truncate(20);
    assert!(matches!(parse_files(&source(false), f, 0.0), Err(DataError::Invalid { .. })));
}

#[test]
fn train_then_evaluate() {
    let mut core = loaded_core();
    let model = ModelConfig { arch: Architecture::Mlp { hidden: vec![16], dropout: 0.0 }, ..ModelConfig::report_mlp() };
    let train = TrainConfig { epochs: 2, batch_size: 32, seed: 3, ..TrainConfig::default() };
    let out = run_ticking(
        &mut core,
        ToWorker::Train { job: 9, model: model.clone(), train: train.clone(), teacher: None, recipe: None },
    );
    let epochs: Vec<f64> = out
        .iter()
        .filter_map(|m| if let FromWorker::TrainEpoch { test_accuracy, .. } = m { Some(*test_accuracy) } else { None })
        .collect();
    assert_eq!(epochs.len(), 2);
    assert!(out.iter().any(|m| matches!(m, FromWorker::TrainProgress { job: 9, .. })));
    let Some(FromWorker::TrainDone { job, bytes, history, test_accuracy, train_seconds }) = out.last().cloned() else {
        panic!("{:?}", out.last())
    };
    assert_eq!(job, 9);
    assert_eq!(history.len(), 2);
    assert!(test_accuracy > 90.0, "the synthetic classes are easy: {test_accuracy}");
    assert_eq!(test_accuracy, *epochs.last().unwrap());

    // Every epoch leaves a snapshot (what a cancelled run keeps): a model file with the
    // accuracy reported for that epoch. The last one too, so a Cancel that arrives before
    // TrainDone still keeps the finished model.
    let snapshots: Vec<(f64, Option<Snapshot>)> = out
        .iter()
        .filter_map(|m| {
            if let FromWorker::TrainEpoch { test_accuracy, snapshot, .. } = m {
                Some((*test_accuracy, snapshot.clone()))
            } else {
                None
            }
        })
        .collect();
    let (last_accuracy, Some(last)) = snapshots[1].clone() else { panic!("no snapshot after the last epoch") };
    assert_eq!(last_accuracy, test_accuracy);
    match run(&mut core, ToWorker::Import { job: 6, name: "last".into(), bytes: last.bytes }).pop() {
        Some(FromWorker::Imported { test_accuracy: acc, model: m, pytorch, notes, .. }) => {
            assert_eq!(acc, test_accuracy, "the last snapshot holds the final weights");
            let meta = uploaded_meta(1, "last", m, acc, pytorch, notes);
            assert_eq!(meta.name, format!("{} (uploaded)", model_name(&model, &train)));
        }
        other => panic!("{other:?}"),
    }
    let (first_accuracy, Some(first)) = snapshots[0].clone() else { panic!("no snapshot after epoch 1") };
    // The training time is measured: after one of two epochs, more than nothing and less than
    // the whole run's (evaluations excluded).
    assert!(
        first.train_seconds > 0.0 && first.train_seconds < train_seconds,
        "{} of {train_seconds}",
        first.train_seconds
    );
    assert_ne!(first.bytes, bytes, "the snapshot is the model after epoch 1, not the final one");
    match run(&mut core, ToWorker::Import { job: 7, name: "snap".into(), bytes: first.bytes }).pop() {
        Some(FromWorker::Imported { test_accuracy: acc, model: m, pytorch, notes, .. }) => {
            assert_eq!(acc, first_accuracy);
            // An uploaded snapshot says it stopped early, as the cancelled model it was.
            let meta = uploaded_meta(1, "snap", m, acc, pytorch, notes);
            assert_eq!(meta.name, format!("{} (cancelled after epoch 1 of 2) (uploaded)", model_name(&model, &train)));
            assert_eq!((meta.train.clone(), meta.history.len()), (train.clone(), 1));
        }
        other => panic!("{other:?}"),
    }

    match run(&mut core, ToWorker::Import { job: 8, name: "up".into(), bytes: bytes.clone() }).pop() {
        Some(FromWorker::Imported { test_accuracy: acc, model: m, pytorch: false, notes, .. }) => {
            assert_eq!(acc, test_accuracy);
            // A downloaded model uploaded again keeps how it was trained (its file's notes):
            // its name, its training configuration (which the Reproduce panel matches recipes
            // by) and its history.
            let meta = uploaded_meta(2, "up", m.clone(), acc, false, notes);
            assert_eq!(m, model);
            assert_eq!(meta.name, format!("{} (uploaded)", model_name(&model, &train)));
            assert_eq!((&meta.train, &meta.history), (&train, &history));
            assert_eq!(meta.train_seconds, train_seconds);
        }
        other => panic!("{other:?}"),
    }
    assert!(run(&mut core, ToWorker::PutModel { id: 5, bytes }).is_empty());
    let eval = |core: &mut WorkerCore, std: f32, draw: usize, subset: Option<usize>| {
        let task = EvalTask::Noise { std, seed: 1234, draw, subset, predictions: true };
        match run(core, ToWorker::Eval { job: 1, model: 5, task }).pop() {
            Some(FromWorker::EvalDone { output: EvalOutput::Accuracy { accuracy, images, predictions }, .. }) => {
                assert_eq!(predictions.unwrap().len(), images);
                (accuracy, images)
            }
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(eval(&mut core, 0.0, 0, None), (test_accuracy, 100));
    assert_eq!(eval(&mut core, 0.0, 0, Some(10)).1, 10);
    let noisy = eval(&mut core, 1.0, 0, None);
    assert_eq!(noisy, eval(&mut core, 1.0, 0, None), "a draw is reproducible");
    let mut xbar = engine::crossbar::CrossbarConfig::default();
    let on_crossbar = |core: &mut WorkerCore, xbar: &engine::crossbar::CrossbarConfig| match run(
        core,
        ToWorker::Eval { job: 3, model: 5, task: EvalTask::Crossbar { config: xbar.clone(), draw: 0, subset: None } },
    )
    .pop()
    {
        Some(FromWorker::EvalDone { output: EvalOutput::Accuracy { accuracy, .. }, .. }) => accuracy,
        other => panic!("{other:?}"),
    };
    let ideal = on_crossbar(&mut core, &xbar);
    xbar.faults = engine::crossbar::FaultConfig { lrs: 0.3, hrs: 0.3 };
    let faulty = on_crossbar(&mut core, &xbar);
    assert!(faulty < ideal, "faults cost accuracy: {ideal} -> {faulty}");
    match run(&mut core, ToWorker::Eval { job: 3, model: 5, task: EvalTask::Tile { config: xbar.clone(), draw: 0 } })
        .pop()
    {
        Some(FromWorker::EvalDone { output: EvalOutput::Tile { side, rows, cols, level, stuck, .. }, .. }) => {
            assert_eq!((side, rows, cols), (128, 128, 16));
            assert_eq!(level.len(), side * side);
            let used: Vec<u8> = (0..rows).flat_map(|r| stuck[r * side..r * side + cols].to_vec()).collect();
            let lrs = used.iter().filter(|&&s| s == 2).count() as f64 / used.len() as f64;
            assert!((0.2..0.4).contains(&lrs), "about 30% stuck at LRS: {lrs}");
        }
        other => panic!("{other:?}"),
    }
    match run(&mut core, ToWorker::Eval { job: 2, model: 5, task: EvalTask::Histogram { std: 1.0, seed: 1, bins: 20 } })
        .pop()
    {
        Some(FromWorker::EvalDone { output: EvalOutput::Histogram { clean, noisy, lo, hi }, .. }) => {
            let params = 784 * 16 + 16 + 16 * 10 + 10;
            assert_eq!(clean.iter().sum::<u32>() as usize, params);
            assert_eq!(noisy.iter().sum::<u32>() as usize, params);
            assert!(lo < 0.0 && hi > 0.0);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn unknown_models_and_missing_data_are_errors_not_panics() {
    let mut core = WorkerCore::default();
    let task = EvalTask::Noise { std: 0.0, seed: 1, draw: 0, subset: None, predictions: false };
    assert!(matches!(
        run(&mut core, ToWorker::Eval { job: 4, model: 1, task: task.clone() }).pop(),
        Some(FromWorker::EvalFailed { job: 4, .. })
    ));
    let mut core = loaded_core();
    assert!(matches!(
        run(&mut core, ToWorker::Eval { job: 4, model: 1, task }).pop(),
        Some(FromWorker::EvalFailed { job: 4, .. })
    ));
    assert!(matches!(
        run(&mut core, ToWorker::PutModel { id: 1, bytes: vec![1, 2, 3] }).pop(),
        Some(FromWorker::EvalFailed { .. })
    ));
}

#[test]
fn calibrated_crossbars_fetch_training_images_once_and_match_the_digital_accuracy() {
    use engine::crossbar::{CrossbarConfig, InputScaling};
    // An evaluator: test set only.
    let evaluator_source = DataSource { need_train: false, ..source(false) };
    let (loaded, _) = parse_files(&evaluator_source, files(), 0.0).unwrap();
    let mut core = WorkerCore::default();
    core.data = Some(loaded);
    // A model trained by a trainer core.
    let mut trainer = loaded_core();
    let model = ModelConfig { arch: Architecture::Mlp { hidden: vec![16], dropout: 0.0 }, ..ModelConfig::report_mlp() };
    let train = TrainConfig { epochs: 2, batch_size: 32, seed: 3, ..TrainConfig::default() };
    let Some(FromWorker::TrainDone { bytes, test_accuracy, .. }) =
        run(&mut trainer, ToWorker::Train { job: 1, model, train, teacher: None, recipe: None }).pop()
    else {
        panic!()
    };
    assert!(run(&mut core, ToWorker::PutModel { id: 5, bytes }).is_empty());

    let config =
        CrossbarConfig { input_scaling: InputScaling::Calibrated, adc_bits: None, ..CrossbarConfig::default() };
    let task =
        ToWorker::Eval { job: 2, model: 5, task: EvalTask::Crossbar { config: config.clone(), draw: 0, subset: None } };
    // Memtorch scaling needs nothing more; calibrated scaling asks for the training files.
    let memtorch = ToWorker::Eval {
        job: 2,
        model: 5,
        task: EvalTask::Crossbar { config: CrossbarConfig::default(), draw: 0, subset: None },
    };
    assert_eq!(core.needs_calibration(&memtorch), None);
    let urls = core.needs_calibration(&task).expect("calibrated scaling needs training images");
    assert_eq!(urls, [source(false).urls[0].clone(), source(false).urls[1].clone()]);
    // Without them the evaluation is a clear error, not a silent test-set calibration.
    match run(&mut core, task.clone()).pop() {
        Some(FromWorker::EvalFailed { error, .. }) => assert!(error.contains("training images"), "{error}"),
        other => panic!("{other:?}"),
    }
    // A damaged training file is refused.
    let f = files();
    assert!(core.add_calibration(&f[0][..100], &f[1]).is_err());
    core.add_calibration(&f[0], &f[1]).unwrap();
    assert_eq!(core.needs_calibration(&task), None, "fetched once");
    match run(&mut core, task).pop() {
        // No ADC, no faults, ranges from the training images: the crossbar is the digital network.
        Some(FromWorker::EvalDone { output: EvalOutput::Accuracy { accuracy, .. }, .. }) => {
            assert!((accuracy - test_accuracy).abs() < 1e-9, "{accuracy} vs {test_accuracy}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn warm_up_stops_once_chunks_stop_getting_faster() {
    // Baseline code, then the optimised code arrives at the third chunk.
    assert!(!warmed_up(&[0.20, 0.21], 3.0));
    assert!(!warmed_up(&[0.20, 0.21, 0.09], 3.0));
    assert!(warmed_up(&[0.20, 0.21, 0.09, 0.10], 3.0));
    assert!(warmed_up(&[0.20, 0.09, 0.09], 3.0));
    // Still settling: the last chunk is much faster than the one before.
    assert!(!warmed_up(&[0.20, 0.15, 0.09], 3.0));
    // Never faster than the first chunk: keep trying until the budget is spent.
    assert!(!warmed_up(&[0.20, 0.20, 0.20], 3.0));
    assert!(warmed_up(&[1.0, 1.0, 1.1], 3.0));
    assert!(!warmed_up(&[], 3.0));
}

#[test]
fn warm_up_trains_once_in_a_trainer_and_puts_the_data_back() {
    let mut core = loaded_core();
    let t = std::cell::Cell::new(0.0);
    let clock = || {
        t.set(t.get() + 0.25);
        t.get()
    };
    let chunks = core.warm_up(&clock);
    assert!(!chunks.is_empty() && chunks.iter().all(|s| s.is_finite() && *s > 0.0), "{chunks:?}");
    let data = core.data.as_ref().unwrap();
    assert_eq!((data.train.as_ref().map(|t| t.len()), data.test.len()), (Some(320), 100));
    assert!(core.warm_up(&clock).is_empty(), "once per worker");
    // An evaluator (no training set) never warms up.
    let mut evaluator = loaded_core();
    evaluator.data.as_mut().unwrap().train = None;
    assert!(evaluator.warm_up(&clock).is_empty());
}

#[test]
fn a_lenet_state_dict_from_pytorch_uploads_as_a_lenet() {
    // The fixture of crates/engine/tests/pytorch.rs: a LeNet trained by PyTorch.
    let bytes = include_bytes!("../../crates/engine/tests/fixtures/lenet-pytorch.safetensors").to_vec();
    let mut core = loaded_core();
    match run(&mut core, ToWorker::Import { job: 9, name: "lenet.safetensors".into(), bytes }).pop() {
        Some(FromWorker::Imported { model, pytorch: true, test_accuracy, .. }) => {
            assert_eq!(model.arch, Architecture::LeNet);
            assert!((0.0..=100.0).contains(&test_accuracy));
        }
        other => panic!("{other:?}"),
    }
}

/// A "7" as a pointer would draw it on the 280x280 pad: a bar and a slanted stroke, 20 px wide.
fn drawn_seven() -> Vec<u8> {
    let side = 280usize;
    let strokes = [((70.0, 60.0), (215.0, 60.0)), ((215.0, 60.0), (125.0, 235.0))];
    let near = |(x, y): (f64, f64), ((ax, ay), (bx, by)): ((f64, f64), (f64, f64))| {
        let (dx, dy) = (bx - ax, by - ay);
        let t = (((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)).clamp(0.0, 1.0);
        ((x - ax - t * dx).powi(2) + (y - ay - t * dy).powi(2)).sqrt() <= 10.0
    };
    (0..side * side)
        .map(|i| {
            let p = ((i % side) as f64, (i / side) as f64);
            if strokes.iter().any(|&s| near(p, s)) {
                255
            } else {
                0
            }
        })
        .collect()
}

#[test]
fn a_drawn_seven_is_read_by_the_shipped_mlp_clean_under_noise_and_on_crossbars() {
    let mut core = loaded_core();
    let bytes = include_bytes!("../../www/pretrained/mlp-b64.safetensors").to_vec();
    assert!(run(&mut core, ToWorker::PutModel { id: 5, bytes }).is_empty());
    let read = |core: &mut WorkerCore, std: f32, crossbar: Option<engine::crossbar::CrossbarConfig>| {
        let task =
            EvalTask::Digit { width: 280, height: 280, pixels: drawn_seven(), std, seed: 1234, draws: 5, crossbar };
        match run(core, ToWorker::Eval { job: 1, model: 5, task }).pop() {
            Some(FromWorker::EvalDone { output: EvalOutput::Digit { centred, clean, noisy, crossbar }, .. }) => {
                (centred, clean, noisy, crossbar)
            }
            other => panic!("unexpected reply {other:?}"),
        }
    };
    let argmax = |p: &[f32]| (0..p.len()).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap();
    let (centred, clean, noisy, xbar) = read(&mut core, 0.0, None);
    assert_eq!(centred.len(), 784);
    assert_eq!(argmax(&clean), 7, "{clean:?}");
    assert!(noisy.is_none() && xbar.is_none(), "σ 0 and no crossbar: the clean reading only");

    let (_, clean2, noisy, _) = read(&mut core, 1.5, None);
    assert_eq!(clean2, clean);
    let noisy = noisy.expect("σ 1.5 gives a noisy reading");
    assert_ne!(noisy.mean, clean, "the probabilities change under noise");
    assert!(noisy.sd.iter().any(|&s| s > 0.0));

    let faulty = engine::crossbar::CrossbarConfig {
        faults: engine::crossbar::FaultConfig { lrs: 0.1, hrs: 0.1 },
        ..Default::default()
    };
    let (_, _, _, xbar) = read(&mut core, 0.0, Some(faulty));
    let xbar = xbar.expect("a crossbar reading");
    assert_eq!(xbar.mean.len(), 10);
    assert!((xbar.mean.iter().sum::<f32>() - 1.0).abs() < 1e-3);

    // an empty pad and a wrong pixel count are refused with a reason, not a panic
    let blank = EvalTask::Digit {
        width: 280,
        height: 280,
        pixels: vec![0; 280 * 280],
        std: 0.0,
        seed: 1,
        draws: 5,
        crossbar: None,
    };
    assert!(matches!(
        run(&mut core, ToWorker::Eval { job: 2, model: 5, task: blank }).pop(),
        Some(FromWorker::EvalFailed { .. })
    ));
    let short =
        EvalTask::Digit { width: 280, height: 280, pixels: vec![0; 100], std: 0.0, seed: 1, draws: 5, crossbar: None };
    assert!(
        matches!(run(&mut core, ToWorker::Eval { job: 3, model: 5, task: short }).pop(), Some(FromWorker::EvalFailed { error, .. }) if error.contains("100 pixels"))
    );
}

#[test]
fn finite_levels_act_although_nothing_is_random() {
    // Two levels and no other effect: not stochastic, but every device holds G_off or G_on
    // (an evaluation of the unrealised deployment ignored the levels).
    let mut core = loaded_core();
    let bytes = include_bytes!("../../www/pretrained/mlp-b64.safetensors").to_vec();
    assert!(run(&mut core, ToWorker::PutModel { id: 5, bytes }).is_empty());
    let tile = |core: &mut WorkerCore, levels: Option<u32>| {
        let config = engine::crossbar::CrossbarConfig { levels, ..Default::default() };
        assert!(!config.is_stochastic());
        match run(core, ToWorker::Eval { job: 1, model: 5, task: EvalTask::Tile { config, draw: 0 } }).pop() {
            Some(FromWorker::EvalDone { output: EvalOutput::Tile { level, .. }, .. }) => level,
            other => panic!("unexpected reply {other:?}"),
        }
    };
    let continuous = tile(&mut core, None);
    assert!(continuous.iter().any(|&g| g > 0.01 && g < 0.99), "a continuous tile has levels in between");
    let two = tile(&mut core, Some(2));
    assert!(two.iter().all(|&g| !(1e-4..=1.0 - 1e-4).contains(&g)), "two levels: G_off or G_on only");
}

#[test]
fn a_model_converts_to_a_pytorch_state_dict() {
    let mut core = WorkerCore::default();
    let bytes = include_bytes!("../../www/pretrained/mlp-b64.safetensors").to_vec();
    let reply = run(&mut core, ToWorker::Export { job: 4, name: "mlp.safetensors".into(), bytes }).pop();
    let Some(FromWorker::Exported { job: 4, result: Ok(out), .. }) = reply else {
        panic!("unexpected reply {reply:?}")
    };
    // the safetensors header: its length (u64, little endian), then JSON naming each tensor
    let n = u64::from_le_bytes(out[..8].try_into().unwrap()) as usize;
    let header: serde_json::Value = serde_json::from_slice(&out[8..8 + n]).unwrap();
    let mut names: Vec<&str> =
        header.as_object().unwrap().keys().map(String::as_str).filter(|k| *k != "__metadata__").collect();
    names.sort();
    assert_eq!(names, ["fc1.bias", "fc1.weight", "fc2.bias", "fc2.weight", "fc3.bias", "fc3.weight"]);
    assert_eq!(header["fc1.weight"]["shape"], serde_json::json!([256, 784]), "PyTorch's [out, in] layout");
    assert_eq!(header["__metadata__"]["format"], "pt");
    // not a model file: a reason, not a panic
    let reply = run(&mut core, ToWorker::Export { job: 5, name: "junk".into(), bytes: vec![1, 2, 3] }).pop();
    assert!(matches!(reply, Some(FromWorker::Exported { job: 5, result: Err(_), .. })), "{reply:?}");
}
