//! A finished run stays on screen with its "done" until the next one; an upload's error
//! stays beside the upload button.

use std::rc::Rc;

use super::{ready, take_effects};
use crate::app_core::reducer::reduce;
use crate::app_core::Action;

#[test]
fn a_finished_run_stays_in_view_until_the_next_starts() {
    let mut s = ready();
    reduce(&mut s, Action::Train { now_ms: 0.0 });
    let job = s.run.as_ref().unwrap().job;
    reduce(
        &mut s,
        Action::TrainDone {
            job,
            id: 11,
            bytes: Rc::new(vec![1]),
            history: vec![],
            test_accuracy: 97.5,
            train_seconds: 3.0,
        },
    );
    let (run, id, acc) = s.last_run.clone().expect("kept for the done view");
    assert_eq!((run.job, id, acc), (job, 11, 97.5));
    assert!(s.run.is_none() && s.model(11).is_some());
    take_effects(&mut s);
    reduce(&mut s, Action::Train { now_ms: 1.0 });
    assert!(s.last_run.is_none(), "the next run takes the view");
}

#[test]
fn a_report_row_does_not_take_the_train_panels_view() {
    let mut s = ready();
    reduce(&mut s, Action::Enqueue(vec![engine::experiments::RecipeKey::MlpB64]));
    let job = s.run.as_ref().unwrap().job;
    reduce(
        &mut s,
        Action::TrainDone {
            job,
            id: 12,
            bytes: Rc::new(vec![1]),
            history: vec![],
            test_accuracy: 97.5,
            train_seconds: 3.0,
        },
    );
    assert!(s.last_run.is_none());
}

#[test]
fn upload_errors_stay_beside_the_upload_button_until_the_next_upload() {
    let mut s = ready();
    reduce(&mut s, Action::UploadRefused("huge.safetensors is 65.0 MB; at most 64.0 MB".into()));
    assert!(s.upload_error.as_deref().unwrap().contains("65.0 MB"));
    reduce(&mut s, Action::Upload { name: "x.safetensors".into(), bytes: Rc::new(vec![0]) });
    assert!(s.upload_error.is_none());
    reduce(&mut s, Action::ImportFailed { job: 99, name: "x.safetensors".into(), error: "truncated header".into() });
    assert_eq!(s.upload_error.as_deref(), Some("could not load x.safetensors: truncated header"));
}

#[test]
fn a_pytorch_export_is_converted_by_an_evaluator_then_downloaded() {
    use crate::app_core::Effect;
    let mut s = ready();
    let m = super::model(21, engine::model::ModelConfig::report_mlp(), engine::train::TrainConfig::default());
    reduce(&mut s, Action::ModelsRestored(vec![m]));
    take_effects(&mut s);
    reduce(&mut s, Action::ExportPytorch(21));
    let name = take_effects(&mut s).into_iter().find_map(|e| match e {
        Effect::Export { name, bytes, .. } => Some((name, bytes.as_ref().clone())),
        _ => None,
    });
    assert_eq!(name, Some(("model-21-pytorch.safetensors".to_string(), vec![21])));
    reduce(&mut s, Action::Exported { name: "model-21-pytorch.safetensors".into(), result: Ok(Rc::new(vec![9])) });
    assert!(take_effects(&mut s)
        .iter()
        .any(|e| matches!(e, Effect::Download { name, .. } if name == "model-21-pytorch.safetensors")));
    reduce(&mut s, Action::Exported { name: "x".into(), result: Err("not a model".into()) });
    assert!(s.notice.as_deref().unwrap().contains("could not convert x for PyTorch: not a model"));
}
