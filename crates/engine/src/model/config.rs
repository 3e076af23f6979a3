//! Which network, described as data: saved in model files, shared by CLI flags and UI controls.

use serde::{Deserialize, Serialize};

use crate::data::{DatasetKind, Preprocessing};
use crate::error::{Error, Result};

/// Input side length of MNIST-format images.
pub const IMAGE_SIDE: usize = 28;
/// Pixels per image.
pub const INPUTS: usize = IMAGE_SIDE * IMAGE_SIDE;
/// Classes of both datasets.
pub const CLASSES: usize = 10;

/// Most units in one hidden layer of an MLP.
pub const MAX_HIDDEN_UNITS: usize = 8192;
/// Most hidden layers of an MLP.
pub const MAX_HIDDEN_LAYERS: usize = 64;
/// Most parameters of a whole model: 20 million, 80 MB of f32 weights, about 400 MB while
/// training (weights, gradients, Adam's two moments, a perturbed copy). The largest built-in
/// network, the example CNN, has 1.2 million; one 8192-unit hidden layer has 6.5 million.
pub const MAX_PARAMS: usize = 20_000_000;
/// Most activation memory of one training batch, in bytes (see [`Architecture::check_batch`]).
pub const MAX_BATCH_ACTIVATION_BYTES: usize = 4 << 30;

/// `a, b, c, ..., y, z (N in all)`: a list cut to a readable length for messages.
pub fn short_list<T: std::fmt::Display>(items: &[T], sep: &str) -> String {
    const HEAD: usize = 6;
    const TAIL: usize = 2;
    let show = |s: &[T]| s.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(sep);
    if items.len() <= HEAD + TAIL + 1 {
        show(items)
    } else {
        format!("{}{sep}...{sep}{} ({} in all)", show(&items[..HEAD]), show(&items[items.len() - TAIL..]), items.len())
    }
}

/// The network architectures the engine knows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Architecture {
    /// Linear(784, h1)-ReLU-...-Linear(h_last, 10), with inverted dropout of probability
    /// `dropout` after each hidden ReLU during training (0 = none). The report's "3-layer MLP"
    /// is `hidden = [256, 128]`.
    Mlp { hidden: Vec<usize>, dropout: f32 },
    /// LeNet-style CNN, the closest to the report's: conv(1->6, 5x5, pad 2)-ReLU-maxpool2-
    /// conv(6->16, 5x5)-ReLU-maxpool2-fc(400->120)-ReLU-fc(120->84)-ReLU-fc(84->10).
    LeNet,
    /// PyTorch's MNIST example net: conv(1->32, 3x3)-ReLU-conv(32->64, 3x3)-ReLU-maxpool2-
    /// dropout(0.25)-fc(9216->128)-ReLU-dropout(0.5)-fc(128->10).
    ExampleCnn,
}

impl Architecture {
    /// The report's MLP: 784-256-128-10.
    pub fn report_mlp() -> Self {
        Architecture::Mlp { hidden: vec![256, 128], dropout: 0.0 }
    }

    /// A short human-readable name, e.g. `MLP 784-256-128-10`.
    pub fn label(&self) -> String {
        match self {
            Architecture::Mlp { hidden, dropout } => {
                let sizes: Vec<usize> =
                    std::iter::once(INPUTS).chain(hidden.iter().copied()).chain([CLASSES]).collect();
                if *dropout > 0.0 {
                    format!("MLP {} (dropout {dropout})", short_list(&sizes, "-"))
                } else {
                    format!("MLP {}", short_list(&sizes, "-"))
                }
            }
            Architecture::LeNet => "LeNet CNN".into(),
            Architecture::ExampleCnn => "Example CNN".into(),
        }
    }

    /// Whether the input is an image `[1, 28, 28]` rather than a flat vector `[784]`.
    pub fn is_convolutional(&self) -> bool {
        !matches!(self, Architecture::Mlp { .. })
    }

    /// Shape of one input example.
    pub fn example_shape(&self) -> Vec<usize> {
        if self.is_convolutional() {
            vec![1, IMAGE_SIDE, IMAGE_SIDE]
        } else {
            vec![INPUTS]
        }
    }

    /// Rejects sizes and probabilities that cannot work, and models too large for memory
    /// (more than [`MAX_HIDDEN_LAYERS`] hidden layers or [`MAX_PARAMS`] parameters).
    pub fn validate(&self) -> Result<()> {
        if let Architecture::Mlp { hidden, dropout } = self {
            if hidden.is_empty() {
                return Err(Error::invalid("hidden", "[]", "an MLP needs at least one hidden layer"));
            }
            if hidden.len() > MAX_HIDDEN_LAYERS {
                return Err(Error::invalid(
                    "hidden",
                    format!("{} layers", hidden.len()),
                    format!("an MLP may have at most {MAX_HIDDEN_LAYERS} hidden layers"),
                ));
            }
            if let Some(h) = hidden.iter().find(|&&h| h == 0 || h > MAX_HIDDEN_UNITS) {
                return Err(Error::invalid(
                    "hidden",
                    h,
                    format!("each hidden layer needs 1 to {MAX_HIDDEN_UNITS} units"),
                ));
            }
            if !(0.0..1.0).contains(dropout) {
                return Err(Error::invalid("dropout", dropout, "must be in [0, 1)"));
            }
        }
        let params = self.num_params();
        if params > MAX_PARAMS {
            return Err(Error::invalid(
                "model size",
                format!("{} ({params} parameters)", self.label()),
                format!(
                    "at most {MAX_PARAMS} parameters are allowed ({} MB of weights, about {} MB while training); use fewer or smaller hidden layers",
                    MAX_PARAMS * 4 / 1_000_000,
                    MAX_PARAMS * 20 / 1_000_000
                ),
            ));
        }
        Ok(())
    }

    /// Number of scalar parameters (weights and biases), computed from the configuration
    /// alone, saturating instead of overflowing.
    pub fn num_params(&self) -> usize {
        layers(self).iter().fold(0usize, |acc, l| {
            let w = l.kind.weight_shape().iter().fold(1usize, |a, &d| a.saturating_mul(d));
            acc.saturating_add(w).saturating_add(l.kind.outputs())
        })
    }

    /// Floats of activation one example produces in a forward pass: the input and every
    /// step's output (layers, ReLU, pooling).
    pub fn activations_per_example(&self) -> usize {
        let specs = layers(self);
        // (channels, side) for images, (features, 1) once flat.
        let mut shape = if self.is_convolutional() { (1usize, IMAGE_SIDE) } else { (INPUTS, 1usize) };
        let mut total = INPUTS;
        for op in ops(self) {
            shape = match op {
                Op::Layer(i) => match specs[i].kind {
                    LayerKind::Linear { outputs, .. } => (outputs, 1),
                    LayerKind::Conv2d { out_ch, kernel, padding, .. } => {
                        (out_ch, (shape.1 + 2 * padding).saturating_sub(kernel) + 1)
                    }
                },
                Op::MaxPool2 => (shape.0, shape.1 / 2),
                Op::Flatten => (shape.0 * shape.1 * shape.1, 1),
                Op::Relu | Op::Dropout(_) => shape,
            };
            total = total.saturating_add(shape.0.saturating_mul(shape.1).saturating_mul(shape.1));
        }
        total
    }

    /// Refuses a training batch whose activations (kept for the backward pass, with their
    /// gradients: about 3 floats per activation) would exceed [`MAX_BATCH_ACTIVATION_BYTES`].
    pub fn check_batch(&self, batch: usize) -> Result<()> {
        let bytes = self.activations_per_example().saturating_mul(batch).saturating_mul(12);
        if bytes > MAX_BATCH_ACTIVATION_BYTES {
            return Err(Error::invalid(
                "batch size",
                batch,
                format!(
                    "{} needs about {} MB of activations per batch of {batch}, more than the {} MB allowed; use a smaller batch",
                    self.label(),
                    bytes / 1_000_000,
                    MAX_BATCH_ACTIVATION_BYTES / 1_000_000
                ),
            ));
        }
        Ok(())
    }
}

/// Everything needed to rebuild a model around its weights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelConfig {
    pub arch: Architecture,
    /// How the inputs were prepared in training; evaluation must prepare them the same way.
    pub preprocessing: Preprocessing,
    /// The dataset the model was trained on.
    pub dataset: DatasetKind,
}

impl ModelConfig {
    /// Checks the architecture (sizes, memory bounds) and the preprocessing.
    pub fn validate(&self) -> Result<()> {
        self.arch.validate()?;
        self.preprocessing.validate()
    }

    /// The report's MLP on normalised MNIST.
    pub fn report_mlp() -> Self {
        Self {
            arch: Architecture::report_mlp(),
            preprocessing: Preprocessing::normalized_for(DatasetKind::Mnist),
            dataset: DatasetKind::Mnist,
        }
    }
}

/// Where a layer's weights live in the parameter list, and what kind of layer it is.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerSpec {
    /// PyTorch-style name prefix, e.g. `fc1` or `conv2`.
    pub name: String,
    pub kind: LayerKind,
    /// Index of the weight in the model's parameter list; the bias follows it.
    pub weight: usize,
}

/// What a parameter is to the layer that owns it. The one rule for "is this a bias": every
/// caller (bias freezing, landscape directions, crossbar mapping, reports) asks the model,
/// which answers from the layer definitions below, never from names, ranks or positions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ParamKind {
    /// The layer's weight matrix or kernel: what sits on a crossbar.
    Weight,
    /// The layer's bias vector: added digitally after the layer's product.
    Bias,
}

/// One parameter of a layer: its PyTorch-style name, its kind and its shape.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamSpec {
    pub name: String,
    pub kind: ParamKind,
    pub shape: Vec<usize>,
}

impl LayerSpec {
    /// The layer's parameters in the model's order: the weight, then the bias.
    pub fn params(&self) -> [ParamSpec; 2] {
        [
            ParamSpec {
                name: format!("{}.weight", self.name),
                kind: ParamKind::Weight,
                shape: self.kind.weight_shape(),
            },
            ParamSpec { name: format!("{}.bias", self.name), kind: ParamKind::Bias, shape: vec![self.kind.outputs()] },
        ]
    }
}

/// A layer with weights.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LayerKind {
    /// Weight `[out, in]`, bias `[out]`.
    Linear { inputs: usize, outputs: usize },
    /// Weight `[out_ch, in_ch, k, k]`, bias `[out_ch]`, stride 1.
    Conv2d { in_ch: usize, out_ch: usize, kernel: usize, padding: usize },
}

impl LayerKind {
    pub fn weight_shape(&self) -> Vec<usize> {
        match *self {
            LayerKind::Linear { inputs, outputs } => vec![outputs, inputs],
            LayerKind::Conv2d { in_ch, out_ch, kernel, .. } => vec![out_ch, in_ch, kernel, kernel],
        }
    }
    pub fn fan_in(&self) -> usize {
        match *self {
            LayerKind::Linear { inputs, .. } => inputs,
            LayerKind::Conv2d { in_ch, kernel, .. } => in_ch * kernel * kernel,
        }
    }
    pub fn outputs(&self) -> usize {
        match *self {
            LayerKind::Linear { outputs, .. } => outputs,
            LayerKind::Conv2d { out_ch, .. } => out_ch,
        }
    }
}

/// One step of a forward pass.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Op {
    /// Apply layer `i` of [`layers`].
    Layer(usize),
    Relu,
    MaxPool2,
    Flatten,
    /// Inverted dropout with this probability, in training only.
    Dropout(f32),
}

/// The layers with weights, in forward order.
pub fn layers(arch: &Architecture) -> Vec<LayerSpec> {
    let kinds: Vec<(String, LayerKind)> = match arch {
        Architecture::Mlp { hidden, .. } => {
            let sizes: Vec<usize> = std::iter::once(INPUTS).chain(hidden.iter().copied()).chain([CLASSES]).collect();
            sizes
                .windows(2)
                .enumerate()
                .map(|(i, w)| (format!("fc{}", i + 1), LayerKind::Linear { inputs: w[0], outputs: w[1] }))
                .collect()
        }
        Architecture::LeNet => vec![
            ("conv1".into(), LayerKind::Conv2d { in_ch: 1, out_ch: 6, kernel: 5, padding: 2 }),
            ("conv2".into(), LayerKind::Conv2d { in_ch: 6, out_ch: 16, kernel: 5, padding: 0 }),
            ("fc1".into(), LayerKind::Linear { inputs: 400, outputs: 120 }),
            ("fc2".into(), LayerKind::Linear { inputs: 120, outputs: 84 }),
            ("fc3".into(), LayerKind::Linear { inputs: 84, outputs: CLASSES }),
        ],
        Architecture::ExampleCnn => vec![
            ("conv1".into(), LayerKind::Conv2d { in_ch: 1, out_ch: 32, kernel: 3, padding: 0 }),
            ("conv2".into(), LayerKind::Conv2d { in_ch: 32, out_ch: 64, kernel: 3, padding: 0 }),
            ("fc1".into(), LayerKind::Linear { inputs: 9216, outputs: 128 }),
            ("fc2".into(), LayerKind::Linear { inputs: 128, outputs: CLASSES }),
        ],
    };
    kinds.into_iter().enumerate().map(|(i, (name, kind))| LayerSpec { name, kind, weight: 2 * i }).collect()
}

/// The forward pass as a list of steps.
pub fn ops(arch: &Architecture) -> Vec<Op> {
    use Op::*;
    match arch {
        Architecture::Mlp { hidden, dropout } => {
            let mut ops = Vec::new();
            for i in 0..hidden.len() {
                ops.extend([Layer(i), Relu]);
                if *dropout > 0.0 {
                    ops.push(Dropout(*dropout));
                }
            }
            ops.push(Layer(hidden.len()));
            ops
        }
        Architecture::LeNet => {
            vec![Layer(0), Relu, MaxPool2, Layer(1), Relu, MaxPool2, Flatten, Layer(2), Relu, Layer(3), Relu, Layer(4)]
        }
        Architecture::ExampleCnn => {
            vec![
                Layer(0),
                Relu,
                Layer(1),
                Relu,
                MaxPool2,
                Dropout(0.25),
                Flatten,
                Layer(2),
                Relu,
                Dropout(0.5),
                Layer(3),
            ]
        }
    }
}
