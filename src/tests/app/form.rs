//! The Train form: every field survives a reload, and training uses the form as it is when
//! the button is pressed.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use engine::data::DatasetKind;
use engine::train::{Biases, DistillLoss, GradientVariant, Method};

use super::{load, ready, started_with, take_effects};
use crate::app_core::form::{ArchChoice, FormField, MethodChoice, TrainForm};
use crate::app_core::reducer::reduce;
use crate::app_core::{Action, Effect, State};

fn saved_form(effects: &[Effect]) -> Option<String> {
    effects.iter().rev().find_map(|e| if let Effect::SaveForm(t) = e { Some(t.clone()) } else { None })
}

/// Saves what the page saved, and opens a fresh page with it.
fn reload(s: &mut State) -> State {
    let form = saved_form(&take_effects(s));
    let mut fresh = started_with(form, vec![], "");
    let kind = fresh.form.dataset;
    load(&mut fresh, kind);
    fresh
}

fn trained(s: &State) -> Option<(engine::model::ModelConfig, engine::train::TrainConfig)> {
    s.outbox.iter().rev().find_map(|(_, e)| match e {
        Effect::Train { model, train, .. } => Some((model.clone(), train.clone())),
        _ => None,
    })
}

#[test]
fn every_field_survives_a_reload() {
    let mut s = ready();
    let edits = [
        FormField::Arch("lenet".into()),
        FormField::Arch("mlp".into()),
        FormField::Hidden("100, 50".into()),
        FormField::Dropout("0.25".into()),
        FormField::Normalized(false),
        FormField::Batch("128".into()),
        FormField::Epochs("1".into()),
        FormField::Lr("0.002".into()),
        FormField::Seed("77".into()),
        FormField::Method("distill".into()),
        FormField::TrainStd("0.7".into()),
        FormField::Gradient("reparam".into()),
        FormField::DistillLoss("kl".into()),
        FormField::Teacher("5".into()),
        FormField::FaultLrs("0.2".into()),
        FormField::FaultHrs("0.05".into()),
        FormField::ZeroBiases(true),
    ];
    for e in edits {
        reduce(&mut s, Action::Form(e));
    }
    let expected = TrainForm {
        dataset: DatasetKind::Mnist,
        arch: ArchChoice::Mlp,
        hidden: "100, 50".into(),
        dropout: 0.25,
        normalized: false,
        batch: 128,
        epochs: 1,
        lr: 0.002,
        seed: 77,
        method: MethodChoice::Distillation,
        train_std: 0.7,
        gradient: GradientVariant::Reparameterised,
        distill_loss: DistillLoss::Kl,
        teacher: Some(5),
        fault_lrs: 0.2,
        fault_hrs: 0.05,
        zero_biases: true,
    };
    assert_eq!(s.form, expected);
    let fresh = reload(&mut s);
    assert_eq!(fresh.form, expected);
    assert_ne!(TrainForm::default(), expected, "every field differs from its default");
}

#[test]
fn the_dataset_choice_survives_a_reload_and_loads_that_dataset() {
    let mut s = ready();
    reduce(&mut s, Action::SwitchDataset(DatasetKind::FashionMnist));
    let form = saved_form(&take_effects(&mut s));
    let mut fresh = started_with(form, vec![], "");
    let effects = take_effects(&mut fresh);
    assert!(
        effects.iter().any(|e| matches!(e, Effect::LoadData(src) if src.kind == DatasetKind::FashionMnist)),
        "{effects:?}"
    );
}

#[test]
fn training_uses_the_form_as_it_is_when_the_button_is_pressed() {
    // The e2e run: one epoch typed, a reload, fault-aware picked, Train pressed before the
    // page re-rendered. The run must be what the form shows: 1 epoch, biases held at 0.
    let mut s = ready();
    reduce(&mut s, Action::Form(FormField::Epochs("1".into())));
    let mut s = reload(&mut s);
    assert_eq!(s.form.epochs, 1);
    reduce(&mut s, Action::Form(FormField::Method("fault".into())));
    reduce(&mut s, Action::Train { now_ms: 0.0 });
    let (_, train) = trained(&s).expect("a training run was asked for");
    assert_eq!(train.epochs, 1);
    assert_eq!(train.biases, Biases::Zero);
    assert!(matches!(train.method, Method::FaultAware { .. }));
    let name = &s.run.as_ref().unwrap().name;
    assert!(name.contains("1 epoch ") && name.contains("biases 0"), "{name}");
}

#[test]
fn values_a_control_should_not_give_leave_the_field_as_it_was() {
    let mut s = ready();
    for (field, bad) in [
        (FormField::Epochs as fn(String) -> FormField, ["0", "-1", "1.5", "", "1001"]),
        (FormField::Batch, ["0", "-3", "x", "", "60001"]),
        (FormField::Lr, ["NaN", "inf", "-0.1", "0", "11"]),
        (FormField::TrainStd, ["NaN", "inf", "-1", "6", "x"]),
        (FormField::Dropout, ["NaN", "1", "-0.1", "", "x"]),
        (FormField::FaultLrs, ["NaN", "0.6", "-0.1", "", "x"]),
    ] {
        for v in bad {
            reduce(&mut s, Action::Form(field(v.to_string())));
        }
    }
    assert_eq!(s.form, TrainForm::default());
}

#[test]
fn training_is_refused_while_another_run_is_on() {
    let mut s = ready();
    reduce(&mut s, Action::Train { now_ms: 0.0 });
    let job = s.run.as_ref().unwrap().job;
    reduce(&mut s, Action::Form(FormField::Epochs("2".into())));
    reduce(&mut s, Action::Train { now_ms: 1.0 });
    assert_eq!(s.run.as_ref().unwrap().job, job);
    let trains = take_effects(&mut s).iter().filter(|e| matches!(e, Effect::Train { .. })).count();
    assert_eq!(trains, 1);
}

/// What is typed into a box stays shown while other state changes re-render the page (an
/// evaluator's result, the Train panel's own method switch), until its `change` commits it;
/// a committed value that is not valid shows the old one again. Before drafts, yew put the
/// rendered value back on every render and a half-typed "3" became the old "1" again (the
/// e2e cancel check trained 1 epoch instead of 3).
#[test]
fn typed_text_survives_other_renders_until_committed() {
    let mut s = ready();
    reduce(&mut s, Action::Form(FormField::Epochs("1".into())));
    reduce(&mut s, Action::Draft { id: "epochs", text: "3".into() });
    // Anything else happening meanwhile.
    reduce(&mut s, Action::Form(FormField::Method("noise".into())));
    reduce(&mut s, Action::Draft { id: "epochs", text: "3".into() });
    reduce(&mut s, Action::SetTab(crate::app_core::Tab::Explore));
    assert_eq!(s.shown("epochs", s.form.epochs.to_string()), "3");
    assert_eq!(s.form.epochs, 1, "not applied before the change event");
    reduce(&mut s, Action::Form(FormField::Epochs("3".into())));
    assert_eq!((s.form.epochs, s.shown("epochs", s.form.epochs.to_string())), (3, "3".into()));
    // Text that is no value: the box goes back to what the form holds.
    reduce(&mut s, Action::Draft { id: "epochs", text: "".into() });
    assert_eq!(s.shown("epochs", s.form.epochs.to_string()), "");
    reduce(&mut s, Action::Form(FormField::Epochs("".into())));
    assert_eq!((s.form.epochs, s.shown("epochs", s.form.epochs.to_string())), (3, "3".into()));
}
