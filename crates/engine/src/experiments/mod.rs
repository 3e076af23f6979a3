//! Every experiment of the report, Part 1 and Part 2: the recipes, the report's figures, how
//! a model's figures are measured, and the one table that joins them by key. The CLI's
//! `mpg reproduce` and the app's Reproduce panel both build their tables here.

pub mod defaults;
pub mod keys;
pub mod measure;
pub mod notes;
pub mod recipes;
pub mod report;
pub mod run;
pub mod seeds;
pub mod sweep;
pub mod table;

pub use keys::RecipeKey;
pub use recipes::{recipe, Recipe};
pub use run::{prepare_recipe, train_prepared, train_recipe, Budget};
pub use sweep::{noise_sweep, SweepPoint};
pub use table::{Figure, Measured, ReportTable, Section};
