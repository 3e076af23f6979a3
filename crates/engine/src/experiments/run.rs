//! Training a recipe: the one function behind `mpg reproduce` and the app's Reproduce queue,
//! so a row trained in either is the same model bit for bit on one platform.

use super::recipes::{recipe, Recipe};
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::model::Model;
use crate::train::{train, EpochSummary, TrainHooks};

/// How much of a recipe to run. The full budget is the report's; a smaller one (tests, quick
/// looks) changes the recipe, so its model is never mistaken for the full one when reused.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Budget {
    /// Epochs instead of the recipe's; `None` = the recipe's.
    pub epochs: Option<usize>,
}

impl Budget {
    /// The recipe as it is actually trained under this budget.
    pub fn apply(&self, r: &Recipe) -> Recipe {
        let mut r = r.clone();
        if let Some(e) = self.epochs {
            r.train.epochs = e;
        }
        r
    }
}

/// A trained recipe.
#[derive(Debug)]
pub struct TrainedRecipe {
    pub model: Model,
    /// The recipe as trained (the budget applied).
    pub recipe: Recipe,
    pub history: Vec<EpochSummary>,
}

/// Checks `teacher` against the recipe and initialises the model of `recipe` under `budget`:
/// the first half of [`train_recipe`], for callers that must hold the model while it trains
/// (the app's worker snapshots it after every epoch). A teacher-student recipe needs a
/// teacher, which must be the model of the recipe's teacher key (same network, preprocessing
/// and dataset): a teacher from another dataset or network is refused.
pub fn prepare_recipe(recipe_: &Recipe, budget: &Budget, teacher: Option<&Model>) -> Result<(Recipe, Model)> {
    let r = budget.apply(recipe_);
    match (r.teacher, teacher) {
        (Some(key), Some(t)) => {
            let expected = recipe(key, r.train.seed).model;
            if t.config != expected {
                return Err(Error::invalid(
                    "teacher",
                    key,
                    format!(
                        "must be a {} on {:?}, got a {} on {:?}",
                        expected.arch.label(),
                        expected.dataset,
                        t.config.arch.label(),
                        t.config.dataset
                    ),
                ));
            }
        }
        (Some(key), None) => return Err(Error::invalid("teacher", key, "this recipe needs its teacher model")),
        (None, _) => {}
    }
    let model = Model::init(r.model.clone(), r.train.seed)?;
    Ok((r, model))
}

/// Trains `model`, prepared by [`prepare_recipe`] for the budgeted recipe `r`, on `data`: the
/// second half of [`train_recipe`]. A teacher in `hooks` is used only if `r` has one.
pub fn train_prepared(r: &Recipe, model: &Model, data: &Dataset, hooks: TrainHooks) -> Result<Vec<EpochSummary>> {
    let hooks = TrainHooks { teacher: if r.teacher.is_some() { hooks.teacher } else { None }, ..hooks };
    train(model, data, &r.train, hooks)
}

/// Initialises and trains the model of `recipe` under `budget` on `data` (see
/// [`prepare_recipe`] for the teacher `hooks.teacher` must be).
pub fn train_recipe(recipe_: &Recipe, budget: &Budget, data: &Dataset, hooks: TrainHooks) -> Result<TrainedRecipe> {
    let (r, model) = prepare_recipe(recipe_, budget, hooks.teacher)?;
    let history = train_prepared(&r, &model, data, hooks)?;
    Ok(TrainedRecipe { model, recipe: r, history })
}
