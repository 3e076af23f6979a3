//! A network: its configuration plus its parameters as trainable variables.

use candle_core::{DType, Device, Tensor, Var};

use super::config::{layers, ops, LayerKind, LayerSpec, ModelConfig, Op, ParamKind};
use super::{layers, ops};
use crate::error::{Error, Result};
use crate::rng::{self, uniform_vec, EngineRng};

/// How one layer turns its input into its output given its (possibly perturbed) weights.
/// The digital default is [`DigitalLayers`]; a crossbar simulation provides another.
pub trait LayerExec {
    fn apply(&self, index: usize, spec: &LayerSpec, x: &Tensor, w: &Tensor, b: &Tensor) -> Result<Tensor>;

    /// The layer followed by a ReLU. Executors that can fuse the two (one pass over the output,
    /// one backward) override this.
    fn apply_relu(&self, index: usize, spec: &LayerSpec, x: &Tensor, w: &Tensor, b: &Tensor) -> Result<Tensor> {
        Ok(self.apply(index, spec, x, w, b)?.relu()?)
    }
}

/// Exact floating-point layers.
pub struct DigitalLayers;

impl DigitalLayers {
    fn layer(spec: &LayerSpec, x: &Tensor, w: &Tensor, b: &Tensor, relu: bool) -> Result<Tensor> {
        match spec.kind {
            LayerKind::Linear { .. } => ops::linear(x, w, b, relu),
            LayerKind::Conv2d { padding, .. } => ops::conv2d(x, w, b, padding, relu),
        }
    }
}

impl LayerExec for DigitalLayers {
    fn apply(&self, _index: usize, spec: &LayerSpec, x: &Tensor, w: &Tensor, b: &Tensor) -> Result<Tensor> {
        Self::layer(spec, x, w, b, false)
    }

    fn apply_relu(&self, _index: usize, spec: &LayerSpec, x: &Tensor, w: &Tensor, b: &Tensor) -> Result<Tensor> {
        Self::layer(spec, x, w, b, true)
    }
}

/// Per-call options of a forward pass.
pub struct Pass<'a> {
    /// Training mode: dropout draws its masks from this generator. `None` = evaluation.
    pub dropout: Option<&'a mut EngineRng>,
    /// How weighted layers are computed.
    pub exec: &'a dyn LayerExec,
}

impl Pass<'static> {
    /// Evaluation with digital layers.
    pub fn eval() -> Self {
        Pass { dropout: None, exec: &DigitalLayers }
    }
}

/// A network. Parameters are ordered layer by layer, weight then bias, and named as PyTorch
/// would name them (`fc1.weight`, `fc1.bias`, ...).
pub struct Model {
    pub config: ModelConfig,
    layers: Vec<LayerSpec>,
    ops: Vec<Op>,
    params: Vec<Var>,
    names: Vec<String>,
    kinds: Vec<ParamKind>,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model").field("config", &self.config).field("params", &self.num_params()).finish()
    }
}

impl Model {
    /// A freshly initialised model, as PyTorch initialises Linear and Conv2d: weights from
    /// Kaiming-uniform with a = sqrt(5), which is U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and
    /// biases from the same range.
    pub fn init(config: ModelConfig, seed: u64) -> Result<Self> {
        config.arch.validate()?;
        let mut r = rng::rng(seed, rng::stream::INIT);
        let specs = layers(&config.arch);
        let mut tensors = Vec::new();
        for spec in &specs {
            let bound = 1.0 / (spec.kind.fan_in() as f32).sqrt();
            let shape = spec.kind.weight_shape();
            let n: usize = shape.iter().product();
            tensors.push(Tensor::from_vec(uniform_vec(&mut r, n, -bound, bound), shape, &Device::Cpu)?);
            let o = spec.kind.outputs();
            tensors.push(Tensor::from_vec(uniform_vec(&mut r, o, -bound, bound), o, &Device::Cpu)?);
        }
        Self::from_tensors(config, tensors)
    }

    /// A model around given parameters, checked for configuration (sizes, memory bounds,
    /// preprocessing), shape, floating-point dtype and finiteness.
    pub fn from_tensors(config: ModelConfig, tensors: Vec<Tensor>) -> Result<Self> {
        config.validate()?;
        let specs = layers(&config.arch);
        let (mut names, mut expected, mut kinds) = (Vec::new(), Vec::new(), Vec::new());
        for p in specs.iter().flat_map(|spec| spec.params()) {
            names.push(p.name);
            expected.push(p.shape);
            kinds.push(p.kind);
        }
        if tensors.len() != expected.len() {
            return Err(Error::ModelFormat(format!(
                "{} expects {} parameter tensors, found {}",
                config.arch.label(),
                expected.len(),
                tensors.len()
            )));
        }
        let mut params = Vec::new();
        for ((t, shape), name) in tensors.into_iter().zip(&expected).zip(&names) {
            if t.dims() != shape.as_slice() {
                return Err(Error::ShapeMismatch {
                    what: name.clone(),
                    expected: shape.clone(),
                    found: t.dims().to_vec(),
                });
            }
            if !t.dtype().is_float() {
                return Err(Error::ModelFormat(format!(
                    "tensor {name} holds {:?} values; weights must be floating point (F32, F16, BF16 or F64)",
                    t.dtype()
                )));
            }
            let t = t.to_dtype(DType::F32)?;
            let bad = t.flatten_all()?.to_vec1::<f32>()?.iter().filter(|v| !v.is_finite()).count();
            if bad > 0 {
                return Err(Error::NonFinite { name: name.clone(), count: bad });
            }
            params.push(Var::from_tensor(&t)?);
        }
        Ok(Self { ops: ops(&config.arch), layers: specs, config, params, names, kinds })
    }

    /// The trainable parameters.
    pub fn params(&self) -> &[Var] {
        &self.params
    }

    /// The parameters as plain tensors (sharing storage with the variables).
    pub fn weights(&self) -> Vec<Tensor> {
        self.params.iter().map(|v| v.as_tensor().clone()).collect()
    }

    /// Parameter names, aligned with [`Model::params`].
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// What each parameter is (weight or bias), aligned with [`Model::params`]: the model's
    /// answer, from its layer definitions, to "is this a bias?".
    pub fn kinds(&self) -> &[ParamKind] {
        &self.kinds
    }

    /// The weighted layers, in forward order.
    pub fn layers(&self) -> &[LayerSpec] {
        &self.layers
    }

    /// Total number of scalar parameters.
    pub fn num_params(&self) -> usize {
        self.params.iter().map(|p| p.elem_count()).sum()
    }

    /// An independent copy (new storage), e.g. a teacher frozen while a student trains.
    pub fn duplicate(&self) -> Result<Model> {
        let tensors = self.params.iter().map(|p| p.as_tensor().copy()).collect::<candle_core::Result<Vec<_>>>()?;
        Model::from_tensors(self.config.clone(), tensors)
    }

    /// Logits `[n, 10]` with the clean weights, in evaluation mode.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        self.forward_with(&self.weights(), x, &mut Pass::eval())
    }

    /// Logits `[n, 10]` computed with `weights` (aligned with [`Model::params`]) instead of the
    /// model's own: a noisy draw, a faulty crossbar's effective weights, or the weights as a
    /// differentiable expression of the parameters during hardened training.
    pub fn forward_with(&self, weights: &[Tensor], x: &Tensor, pass: &mut Pass) -> Result<Tensor> {
        if weights.len() != self.params.len() {
            return Err(Error::ModelFormat(format!(
                "expected {} weight tensors, got {}",
                self.params.len(),
                weights.len()
            )));
        }
        let example = self.config.arch.example_shape();
        if x.rank() != example.len() + 1 || x.dims()[1..] != example[..] {
            let mut expected = vec![x.dims().first().copied().unwrap_or(0)];
            expected.extend(example);
            return Err(Error::ShapeMismatch { what: "model input".into(), expected, found: x.dims().to_vec() });
        }
        let mut h = x.clone();
        let mut ops = self.ops.iter().peekable();
        while let Some(op) = ops.next() {
            h = match *op {
                Op::Layer(i) => {
                    let spec = &self.layers[i];
                    let (w, b) = (&weights[spec.weight], &weights[spec.weight + 1]);
                    // A layer and the ReLU after it run as one op where the executor can fuse them.
                    if ops.next_if_eq(&&Op::Relu).is_some() {
                        pass.exec.apply_relu(i, spec, &h, w, b)?
                    } else {
                        pass.exec.apply(i, spec, &h, w, b)?
                    }
                }
                Op::Relu => h.relu()?,
                // Not candle's `max_pool2d`: its backward (candle 0.11.1) passes a quarter of the
                // gradient to a window's single maximum (see `ops::pool`).
                Op::MaxPool2 => ops::max_pool2(&h)?,
                Op::Flatten => layers::flatten(&h)?,
                Op::Dropout(p) => match pass.dropout.as_deref_mut() {
                    Some(r) => layers::dropout(&h, p, r)?,
                    None => h,
                },
            };
        }
        Ok(h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{DatasetKind, Preprocessing};
    use crate::model::Architecture;

    #[test]
    fn every_parameter_is_a_weight_or_a_bias_as_its_layer_defines_it() {
        for arch in [Architecture::report_mlp(), Architecture::LeNet, Architecture::ExampleCnn] {
            let config = ModelConfig { arch, preprocessing: Preprocessing::Raw, dataset: DatasetKind::Mnist };
            let model = Model::init(config, 1).unwrap();
            let layers = model.layers().len();
            assert_eq!(model.kinds().len(), 2 * layers);
            for (i, spec) in model.layers().iter().enumerate() {
                assert_eq!(model.kinds()[spec.weight], ParamKind::Weight, "layer {i}");
                assert_eq!(model.kinds()[spec.weight + 1], ParamKind::Bias, "layer {i}");
                assert_eq!(model.names()[spec.weight + 1], format!("{}.bias", spec.name));
                assert_eq!(model.params()[spec.weight + 1].dims(), [spec.kind.outputs()]);
            }
        }
    }
}
