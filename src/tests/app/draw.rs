//! The Draw panel: a drawing is read by the focused and compared models, again whenever σ,
//! the draws or the crossbar settings move, only while the panel is shown; answers about an
//! older drawing are dropped.

use std::rc::Rc;

use engine::model::ModelConfig;
use engine::train::TrainConfig;

use super::{model, ready, take_effects};
use crate::app_core::draw::{ink_from_rgba, ReadingKey};
use crate::app_core::explore::CrossbarField;
use crate::app_core::reducer::reduce;
use crate::app_core::{Action, Effect, State, Tab};
use crate::protocol::{EvalOutput, EvalTask};

fn digit_jobs(effects: &[Effect]) -> Vec<(u64, EvalTask)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::DigitJobs(j) => Some(j.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

fn with_models() -> State {
    let mut s = ready();
    let ms = [7, 8, 9].map(|id| model(id, ModelConfig::report_mlp(), TrainConfig::default())).to_vec();
    reduce(&mut s, Action::ModelsRestored(ms));
    reduce(&mut s, Action::SelectModel(Some(8)));
    reduce(&mut s, Action::ToggleCompare(9));
    take_effects(&mut s);
    s
}

fn ink(v: u8) -> Rc<Vec<u8>> {
    Rc::new(vec![v; 16])
}

fn answer(pixels: Vec<u8>, std: f32) -> (EvalTask, EvalOutput) {
    let task = EvalTask::Digit { width: 4, height: 4, pixels, std, seed: 1234, draws: 5, crossbar: None };
    let mut clean = vec![0.0; 10];
    clean[7] = 1.0;
    (task, EvalOutput::Digit { centred: vec![0; 784], clean, noisy: None, crossbar: None })
}

#[test]
fn dark_ink_on_light_paper_is_inverted_and_light_ink_on_black_is_not() {
    // 3x3: a white ground with one black pixel in the middle
    let mut rgba = [255u8; 36].to_vec();
    rgba[16..19].copy_from_slice(&[0, 0, 0]);
    assert_eq!(ink_from_rgba(&rgba, 3, 3), vec![0, 0, 0, 0, 255, 0, 0, 0, 0]);
    // MNIST style: black ground, white middle
    let mut rgba: Vec<u8> = (0..9).flat_map(|_| [0, 0, 0, 255]).collect();
    rgba[16..19].copy_from_slice(&[255, 255, 255]);
    assert_eq!(ink_from_rgba(&rgba, 3, 3), vec![0, 0, 0, 0, 255, 0, 0, 0, 0]);
    // a fresh canvas is transparent: background
    assert_eq!(ink_from_rgba(&[0u8; 36], 3, 3), vec![0; 9]);
}

#[test]
fn a_drawing_is_read_by_the_focused_and_compared_models_only_on_the_draw_panel() {
    let mut s = with_models();
    reduce(&mut s, Action::Drew { width: 4, height: 4, ink: ink(200) });
    assert!(digit_jobs(&take_effects(&mut s)).is_empty(), "not while another panel is shown");
    reduce(&mut s, Action::SetTab(Tab::Draw));
    let jobs = digit_jobs(&take_effects(&mut s));
    let models: Vec<u64> = jobs.iter().map(|j| j.0).collect();
    assert_eq!(models[0], 8, "the focused model first");
    let mut rest = models.clone();
    rest.sort();
    let mut expected = s.explore.compare.clone();
    expected.push(8);
    expected.sort();
    expected.dedup();
    assert_eq!(rest, expected);
    // nothing changed: nothing sent again
    reduce(&mut s, Action::Notice(None));
    assert!(digit_jobs(&take_effects(&mut s)).is_empty());
}

#[test]
fn moving_the_sliders_reads_the_drawing_again() {
    let mut s = with_models();
    reduce(&mut s, Action::SetTab(Tab::Draw));
    reduce(&mut s, Action::Drew { width: 4, height: 4, ink: ink(200) });
    take_effects(&mut s);
    reduce(&mut s, Action::SetStd { value: "1.5".into(), now_ms: 1.0 });
    let jobs = digit_jobs(&take_effects(&mut s));
    assert!(!jobs.is_empty());
    assert!(jobs.iter().all(|(_, t)| matches!(t, EvalTask::Digit { std, .. } if *std == 1.5)));
    reduce(&mut s, Action::Crossbar { field: CrossbarField::Enabled(true), now_ms: 2.0 });
    let jobs = digit_jobs(&take_effects(&mut s));
    assert!(jobs.iter().all(|(_, t)| matches!(t, EvalTask::Digit { crossbar: Some(_), .. })));
    reduce(&mut s, Action::Crossbar { field: CrossbarField::Lrs("0.2".into()), now_ms: 3.0 });
    assert!(!digit_jobs(&take_effects(&mut s)).is_empty(), "a fault rate moved");
}

#[test]
fn an_answer_about_an_older_drawing_is_dropped_and_the_current_one_kept() {
    let mut s = with_models();
    reduce(&mut s, Action::SetTab(Tab::Draw));
    reduce(&mut s, Action::Drew { width: 4, height: 4, ink: ink(200) });
    reduce(&mut s, Action::Drew { width: 4, height: 4, ink: ink(100) });
    take_effects(&mut s);
    let (task, output) = answer(vec![200; 16], 0.0);
    reduce(&mut s, Action::EvalDone { model: 8, task, output, now_ms: 1.0 });
    assert!(s.draw.readings.is_empty(), "the first drawing's answer");
    let (task, output) = answer(vec![100; 16], 0.0);
    reduce(&mut s, Action::EvalDone { model: 8, task, output, now_ms: 2.0 });
    let r = &s.draw.readings[&8];
    let current = crate::app_core::draw::current_task(&s).map(|(_, k): (EvalTask, ReadingKey)| k);
    assert_eq!(Some(&r.key), current.as_ref(), "the current drawing, σ and data");
    // σ moves: the reading stays shown but is no longer current
    reduce(&mut s, Action::SetStd { value: "0.5".into(), now_ms: 3.0 });
    let current = crate::app_core::draw::current_task(&s).map(|(_, k)| k);
    assert_ne!(Some(&s.draw.readings[&8].key), current.as_ref());
    // a failure is filed for that model
    let (task, _) = answer(vec![100; 16], 0.5);
    reduce(&mut s, Action::EvalFailed { model: Some(9), task: Some(task), error: "no ink".into() });
    assert_eq!(s.draw.errors.get(&9).map(String::as_str), Some("no ink"));
    // clearing forgets everything
    reduce(&mut s, Action::ClearDrawing);
    assert!(s.draw.readings.is_empty() && s.draw.drawing.is_none());
}
