//! Evaluation of a model (with any weights and any layer executor) on a dataset.

use candle_core::{Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::data::{Batcher, Dataset};
use crate::error::Result;
use crate::model::{DigitalLayers, LayerExec, Model, Pass, CLASSES};

/// Default evaluation batch: large enough for fast matmuls, small enough for the browser.
pub const EVAL_BATCH: usize = 1000;

/// The outcome of one pass over a dataset.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Evaluation {
    pub correct: usize,
    pub total: usize,
    /// Mean cross-entropy.
    pub loss: f64,
    /// The predicted class of every item, in dataset order.
    pub predictions: Vec<u8>,
}

impl Evaluation {
    /// Accuracy in percent.
    pub fn accuracy(&self) -> f64 {
        100.0 * self.correct as f64 / self.total.max(1) as f64
    }

    /// `[true][predicted]` counts.
    pub fn confusion(&self, labels: &[u8]) -> [[usize; CLASSES]; CLASSES] {
        let mut m = [[0; CLASSES]; CLASSES];
        for (&t, &p) in labels.iter().zip(&self.predictions) {
            m[t as usize][p as usize] += 1;
        }
        m
    }
}

/// Argmax of each row of `[n, c]` logits.
pub fn argmax_rows(logits: &Tensor) -> Result<Vec<u8>> {
    Ok(logits.argmax(1)?.to_vec1::<u32>()?.into_iter().map(|v| v as u8).collect())
}

/// Evaluates with explicit weights and layer executor, `batch` images at a time.
pub fn evaluate_with(
    model: &Model,
    weights: &[Tensor],
    exec: &dyn LayerExec,
    data: &Dataset,
    batch: usize,
) -> Result<Evaluation> {
    let batcher = Batcher::new(data, model.config.preprocessing, model.config.arch.example_shape());
    let mut correct = 0;
    let mut loss_sum = 0.0;
    let mut predictions = Vec::with_capacity(data.len());
    let batch = batch.max(1);
    for start in (0..data.len()).step_by(batch) {
        let end = (start + batch).min(data.len());
        let (x, y) = batcher.range(start, end, &Device::Cpu)?;
        let logits = model.forward_with(weights, &x, &mut Pass { dropout: None, exec })?;
        let loss = crate::model::ops::cross_entropy(&logits, &y)?.to_scalar::<f32>()?;
        loss_sum += loss as f64 * (end - start) as f64;
        let pred = argmax_rows(&logits)?;
        correct += pred.iter().zip(&data.labels[start..end]).filter(|(p, l)| p == l).count();
        predictions.extend(pred);
    }
    Ok(Evaluation { correct, total: data.len(), loss: loss_sum / data.len().max(1) as f64, predictions })
}

/// Clean digital evaluation.
pub fn evaluate(model: &Model, data: &Dataset) -> Result<Evaluation> {
    evaluate_with(model, &model.weights(), &DigitalLayers, data, EVAL_BATCH)
}
