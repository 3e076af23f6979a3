//! The teacher's mode: `hide=` and `lock=1` in the link, and the lesson's steps over the
//! shipped models.

use engine::experiments::RecipeKey;
use engine::model::ModelConfig;
use engine::train::TrainConfig;

use super::{model, started_with, take_effects};
use crate::app_core::lesson::{shipped_model, STEPS};
use crate::app_core::reducer::reduce;
use crate::app_core::shipped::SUFFIX;
use crate::app_core::url::parse_fragment;
use crate::app_core::{Action, Effect, State, Tab};

/// A page with the four shipped models restored from storage (as a returning visitor has).
fn with_shipped(fragment: &str) -> State {
    let mut s = started_with(None, vec![], fragment);
    let shipped = ["mlp-b64", "mlp-noise1.0", "mlp-faultaware", "cnn-b64"].iter().enumerate().map(|(i, key)| {
        let mut m = model(100 + i as u64, ModelConfig::report_mlp(), TrainConfig::default());
        m.meta.recipe = Some(RecipeKey::parse(key).unwrap());
        m.meta.name = format!("{key}{SUFFIX}");
        m
    });
    reduce(&mut s, Action::ModelsRestored(shipped.collect()));
    super::load(&mut s, engine::data::DatasetKind::Mnist);
    take_effects(&mut s);
    s
}

#[test]
fn a_link_hides_tabs_and_controls_and_can_lock_the_page() {
    let v = parse_fragment("#tab=explore&hide=train,crossbar,Reproduce,nonsense,../x&lock=1");
    let hidden: Vec<&str> = v.teacher.hide.iter().map(String::as_str).collect();
    assert_eq!(hidden, ["crossbar", "reproduce", "train"], "known keys only, case folded");
    assert!(v.teacher.lock);

    let mut s = with_shipped("#tab=explore&hide=train,crossbar&lock=1");
    assert_eq!(s.tab, Tab::Explore);
    assert!(!s.visible_tabs().contains(&Tab::Train));
    assert!(s.hides("crossbar") && !s.hides("noise"));
    reduce(&mut s, Action::SetTab(Tab::See));
    assert_eq!(s.tab, Tab::Explore, "a locked page stays on its view");
    // written back: the link still says so after any change
    reduce(&mut s, Action::SetStd { value: "0.5".into(), now_ms: 1.0 });
    let url = take_effects(&mut s)
        .into_iter()
        .find_map(|e| match e {
            Effect::WriteUrl(f) => Some(f),
            _ => None,
        })
        .unwrap();
    assert!(url.contains("hide=crossbar,train") && url.contains("lock=1"), "{url}");

    // a hidden tab cannot be the view, nor be switched to
    let mut s = with_shipped("#tab=train&hide=train");
    assert_ne!(s.tab, Tab::Train);
    reduce(&mut s, Action::SetTab(Tab::Train));
    assert_ne!(s.tab, Tab::Train);
    // hiding every tab leaves the current one
    let s = with_shipped("#tab=see&hide=train,explore,draw,see,reproduce,landscape");
    assert_eq!(s.visible_tabs(), [Tab::See]);
}

#[test]
fn each_lesson_step_sets_the_view_it_talks_about() {
    let mut s = with_shipped("");
    reduce(&mut s, Action::Lesson { step: Some(0), now_ms: 1.0 });
    for (i, step) in STEPS.iter().enumerate() {
        assert_eq!(s.lesson, Some(i));
        assert_eq!(s.tab, step.tab, "step {}", i + 1);
        assert_eq!(s.explore.std, step.std);
        assert_eq!(s.explore.crossbar.enabled, step.crossbar.is_some());
        if let Some((lrs, hrs)) = step.crossbar {
            assert_eq!((s.explore.crossbar.config.faults.lrs, s.explore.crossbar.config.faults.hrs), (lrs, hrs));
        }
        assert_eq!(s.explore.model, shipped_model(&s, step.focus), "step {} shows its model", i + 1);
        let compared: Vec<u64> = step.compare.iter().map(|k| shipped_model(&s, k).unwrap()).collect();
        assert_eq!(s.explore.compare, compared);
        assert!(!step.figure.is_empty() && step.text.matches(". ").count() + 1 >= 2, "two sentences");
        reduce(&mut s, Action::LessonMove { forward: true, now_ms: 2.0 + i as f64 });
    }
    assert_eq!(s.lesson, Some(STEPS.len() - 1), "the last step stays");
    reduce(&mut s, Action::LessonMove { forward: false, now_ms: 20.0 });
    assert_eq!(s.lesson, Some(STEPS.len() - 2));
    reduce(&mut s, Action::Lesson { step: None, now_ms: 21.0 });
    assert_eq!(s.lesson, None);
    reduce(&mut s, Action::LessonMove { forward: true, now_ms: 22.0 });
    assert_eq!(s.lesson, None, "the arrows do nothing without a lesson");
}

#[test]
fn a_lesson_link_opened_before_the_models_arrive_shows_them_once_in() {
    let mut s = started_with(None, vec![], "#lesson=2");
    assert_eq!(s.lesson, Some(1));
    assert_eq!(s.tab, Tab::Explore);
    assert_eq!(s.explore.std, 1.0);
    let mut m = model(5, ModelConfig::report_mlp(), TrainConfig::default());
    m.meta.recipe = RecipeKey::parse("mlp-b64");
    m.meta.name = format!("MLP batch 64{SUFFIX}");
    let other = model(4, ModelConfig::report_mlp(), TrainConfig::default());
    reduce(&mut s, Action::ModelsRestored(vec![other, m]));
    assert_eq!(s.explore.model, Some(5), "the step's model, not the newest");
    // out of range and garbage steps are no lesson
    assert_eq!(parse_fragment("#lesson=99").lesson, None);
    assert_eq!(parse_fragment("#lesson=0").lesson, None);
    assert_eq!(parse_fragment("#lesson=x").lesson, None);
}
