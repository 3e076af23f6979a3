//! The app's core: its state, the reducer, the side effects the reducer asks for (as data),
//! what the panels show (selectors), the URL and the evaluator queue's policy. Plain Rust,
//! no DOM: it compiles natively and its tests run with `cargo test -p memristor-playground
//! --lib`; the yew page (`app`) renders it and carries out its effects.

pub mod action;
pub mod curve_knob;
pub mod draw;
pub mod effects;
pub mod eval_queue;
pub mod explore;
pub mod form;
pub mod heal;
pub mod landscape;
pub mod lesson;
pub mod models;
pub mod naming;
pub mod readout;
pub mod reducer;
pub mod report_rows;
pub mod reproduce;
pub mod selectors;
pub mod shipped;
pub mod state;
pub mod url;

pub use action::{Action, Startup};
pub use effects::Effect;
pub use state::{DataOrigin, DataStatus, State, Tab, Trainer};
