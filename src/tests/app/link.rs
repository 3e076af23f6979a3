//! The models in a link: shipped ones by recipe key, the visitor's own by id with their
//! recipe, offered for training again where the link is opened in another browser.

use engine::experiments::RecipeKey;
use engine::model::ModelConfig;
use engine::train::TrainConfig;

use super::{load, model, ready, started_with, take_effects};
use crate::app_core::reducer::reduce;
use crate::app_core::selectors::view_params;
use crate::app_core::shipped::SUFFIX;
use crate::app_core::url::{fragment, parse_fragment};
use crate::app_core::{Action, Effect};

#[test]
fn shipped_models_are_named_by_key_and_own_ones_carry_their_recipe() {
    let mut s = ready();
    let mut shipped = model(5, ModelConfig::report_mlp(), TrainConfig::default());
    shipped.meta.recipe = RecipeKey::parse("mlp-b64");
    shipped.meta.name = format!("MLP batch 64{SUFFIX}");
    let own = model(6, ModelConfig::report_mlp(), TrainConfig { epochs: 2, seed: 7, ..TrainConfig::default() });
    reduce(&mut s, Action::ModelsRestored(vec![shipped, own]));
    // restoring compares the newest (6); selecting 5 adds it
    reduce(&mut s, Action::SelectModel(Some(5)));
    let f = fragment(&view_params(&s));
    assert!(f.contains("model=mlp-b64") && !f.contains("recipe="), "{f}");
    assert!(f.contains("compare=6,mlp-b64"), "{f}");

    reduce(&mut s, Action::SelectModel(Some(6)));
    let f = fragment(&view_params(&s));
    let back = parse_fragment(&f);
    assert_eq!(back.model, Some(6));
    let r = back.recipe.clone().expect("an own model's link carries its recipe");
    assert_eq!((r.train.epochs, r.train.seed), (2, 7));
    assert_eq!(back, view_params(&s), "the link reads back as the view");
}

#[test]
fn hostile_model_tokens_and_recipes_are_dropped() {
    let v = parse_fragment("#model=../etc&compare=mlp-b64,%3Cscript%3E,12,mlp-b64x");
    assert_eq!((v.model, v.shipped.as_deref()), (None, None));
    assert_eq!(v.compare, ["mlp-b64", "12"]);
    // a recipe the engine would refuse (no hidden layer of zero units) is no recipe
    let mut bad = crate::app_core::url::LinkRecipe { model: ModelConfig::report_mlp(), train: TrainConfig::default() };
    if let engine::model::Architecture::Mlp { hidden, .. } = &mut bad.model.arch {
        hidden[0] = 0;
    }
    let json = crate::app_core::url::percent_encode(&serde_json::to_string(&bad).unwrap());
    assert_eq!(parse_fragment(&format!("#model=3&recipe={json}")).recipe, None);
    assert_eq!(parse_fragment("#model=3&recipe=%7Bnot json").recipe, None);
}

#[test]
fn a_link_to_a_model_of_another_browser_offers_to_train_it_again() {
    let own = TrainConfig { epochs: 1, seed: 42, ..TrainConfig::default() };
    let original = model(77, ModelConfig::report_mlp(), own.clone());
    let mut there = ready();
    reduce(&mut there, Action::ModelsRestored(vec![original]));
    let link = fragment(&view_params(&there));

    // another browser: no model 77
    let mut s = started_with(None, vec![], &link);
    reduce(&mut s, Action::ModelsRestored(vec![]));
    let offer = s.retrain_offer.clone().expect("offered");
    assert_eq!((offer.model, offer.train.clone()), (ModelConfig::report_mlp(), own.clone()));
    load(&mut s, engine::data::DatasetKind::Mnist);
    take_effects(&mut s);
    reduce(&mut s, Action::RetrainLinked { now_ms: 1.0 });
    let train = take_effects(&mut s).into_iter().find_map(|e| match e {
        Effect::Train { model, train, teacher: None, .. } => Some((model, train)),
        _ => None,
    });
    assert_eq!(train, Some((ModelConfig::report_mlp(), own)), "the link's recipe, seed included");
    assert!(s.retrain_offer.is_none());

    // the same browser: the model is there, nothing is offered
    let mut s = started_with(None, vec![], &link);
    reduce(&mut s, Action::ModelsRestored(vec![model(77, ModelConfig::report_mlp(), TrainConfig::default())]));
    assert!(s.retrain_offer.is_none());
    assert_eq!(s.explore.model, Some(77));
}
