//! Every message survives the trip through the envelope; a stale version or garbage is refused
//! with a message that says what to do.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use engine::data::DatasetKind;
use engine::model::{Architecture, ModelConfig};
use engine::train::{DistillLoss, EpochSummary, GradientVariant, Method, Progress, TrainConfig};

use crate::protocol::*;

fn roundtrip<T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug>(m: T) {
    let bytes = encode(&m);
    assert_eq!(decode::<T>(&bytes).unwrap(), m);
}

#[test]
fn messages_to_workers_roundtrip() {
    let urls = ["a".to_string(), "b".into(), "c".into(), "blob:d".into()];
    roundtrip(ToWorker::LoadData(DataSource {
        kind: DatasetKind::FashionMnist,
        urls,
        names: ["train".to_string(), "labels".into(), "test".into(), "my-test-labels.gz".into()],
        verify: true,
        need_train: false,
    }));
    // Internally tagged engine enums (Architecture, Method) cannot go through bincode directly.
    for method in [
        Method::Standard,
        Method::NoiseInjection { std: 0.5, gradient: GradientVariant::Reparameterised },
        Method::Distillation { std: 1.0, loss: DistillLoss::Kl, gradient: GradientVariant::PerturbRestore },
        Method::FaultAware { lrs: 0.1, hrs: 0.05, noise_std: 0.0 },
    ] {
        for arch in [Architecture::report_mlp(), Architecture::LeNet, Architecture::ExampleCnn] {
            let model = ModelConfig { arch, ..ModelConfig::report_mlp() };
            let train = TrainConfig { method: method.clone(), ..TrainConfig::default() };
            roundtrip(ToWorker::Train {
                job: 7,
                model,
                train,
                teacher: Some(vec![1, 2, 3]),
                recipe: Some(engine::experiments::RecipeKey::MlpTsKl),
            });
        }
    }
    roundtrip(ToWorker::PutModel { id: u64::MAX, bytes: vec![0; 1000] });
    roundtrip(ToWorker::Eval {
        job: 1,
        model: 2,
        task: EvalTask::Noise { std: 1.5, seed: 1234, draw: 4, subset: Some(1000), predictions: true },
    });
    roundtrip(ToWorker::Eval { job: 1, model: 2, task: EvalTask::Histogram { std: 1.0, seed: 1, bins: 60 } });
    let config = engine::crossbar::CrossbarConfig {
        faults: engine::crossbar::FaultConfig { lrs: 0.1, hrs: 0.1 },
        ..Default::default()
    };
    roundtrip(ToWorker::Eval { job: 1, model: 2, task: EvalTask::Crossbar { config, draw: 3, subset: None } });
    roundtrip(ToWorker::Import { job: 4, name: "m.safetensors".into(), bytes: vec![9; 10] });
}

#[test]
fn messages_from_workers_roundtrip() {
    let progress = Progress {
        epoch: 1,
        epochs: 5,
        step: 10,
        steps_per_epoch: 938,
        global_step: 10,
        total_steps: 4690,
        loss: 0.5,
        running_loss: 0.7,
        running_accuracy: 80.0,
        images_seen: 640,
        throughput: Some(5000.0),
    };
    roundtrip(FromWorker::Ready);
    roundtrip(FromWorker::Imported {
        job: 4,
        name: "m".into(),
        bytes: vec![1],
        model: ModelConfig::report_mlp(),
        test_accuracy: 97.0,
        pytorch: true,
        notes: Some(engine::experiments::notes::ModelNotes::new(
            &ModelConfig::report_mlp(),
            &TrainConfig::default(),
            Some(engine::experiments::RecipeKey::MlpB64),
            vec![EpochSummary { epoch: 1, loss: 0.3, accuracy: 91.0 }],
        )),
    });
    roundtrip(FromWorker::TrainProgress { job: 3, progress });
    roundtrip(FromWorker::TrainEpoch {
        job: 3,
        summary: EpochSummary { epoch: 1, loss: 0.3, accuracy: 91.0 },
        test_accuracy: 95.5,
        snapshot: None,
    });
    roundtrip(FromWorker::TrainEpoch {
        job: 3,
        summary: EpochSummary { epoch: 1, loss: 0.3, accuracy: 91.0 },
        test_accuracy: 95.5,
        snapshot: Some(Snapshot { bytes: vec![1, 2, 3], train_seconds: 4.5 }),
    });
    roundtrip(FromWorker::DataFailed(DataError::Invalid { url: "x".into(), detail: "SHA-256 mismatch".into() }));
    roundtrip(FromWorker::EvalDone {
        job: 1,
        model: 2,
        task: EvalTask::Noise { std: 0.0, seed: 1, draw: 0, subset: None, predictions: true },
        output: EvalOutput::Accuracy { accuracy: 97.5, images: 10_000, predictions: Some(vec![3; 10_000]) },
        millis: 12.5,
    });
}

#[test]
fn a_stale_version_is_refused_with_advice() {
    let mut bytes = encode(&FromWorker::Ready);
    bytes[..4].copy_from_slice(&(PROTOCOL_VERSION + 1).to_le_bytes());
    let err = decode::<FromWorker>(&bytes).unwrap_err();
    assert_eq!(err, DecodeError::Version { expected: PROTOCOL_VERSION, found: PROTOCOL_VERSION + 1 });
    assert!(err.to_string().contains("reload the page"));
}

#[test]
fn garbage_is_refused() {
    assert!(matches!(decode::<ToWorker>(&[1, 2]), Err(DecodeError::Malformed(_))));
    let mut bytes = encode(&ToWorker::PutModel { id: 1, bytes: vec![] });
    bytes[4] = 200; // no such variant
    assert!(matches!(decode::<ToWorker>(&bytes), Err(DecodeError::Malformed(_))));
}
