//! Networks: architectures as data, the layer functions, the model, and model files.

pub mod config;
pub mod io;
pub mod layers;
pub mod network;
pub mod ops;
pub mod pytorch;

pub use config::{Architecture, LayerKind, LayerSpec, ModelConfig, ParamKind, ParamSpec, CLASSES, IMAGE_SIDE, INPUTS};
pub use network::{DigitalLayers, LayerExec, Model, Pass};
