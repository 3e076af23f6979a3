//! Turning pixel bytes into the network's input tensor.

use candle_core::{Device, Tensor};
use serde::{Deserialize, Serialize};

use super::dataset::{Dataset, DatasetKind};
use crate::error::{Error, Result};

/// How pixels become inputs. Saved with a model, because a model only works on inputs
/// prepared the way it was trained.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Preprocessing {
    /// x = pixel / 255, in [0, 1].
    Raw,
    /// x = (pixel / 255 - mean) / std, with the training set's statistics.
    Normalized { mean: f32, std: f32 },
}

impl Preprocessing {
    /// The normalisation torchvision's MNIST examples use for `kind`.
    pub fn normalized_for(kind: DatasetKind) -> Self {
        let (mean, std) = kind.mean_std();
        Preprocessing::Normalized { mean, std }
    }

    /// Refuses a normalisation that cannot prepare inputs: a NaN or infinite mean, or a
    /// standard deviation that is not a positive finite number (0 would divide by zero).
    pub fn validate(&self) -> Result<()> {
        if let Preprocessing::Normalized { mean, std } = *self {
            if !mean.is_finite() || mean.abs() > 1e3 {
                return Err(Error::invalid(
                    "preprocessing mean",
                    mean,
                    "must be a finite pixel mean (pixels are in [0, 1])",
                ));
            }
            if !(std.is_finite() && (1e-6..=1e3).contains(&std)) {
                return Err(Error::invalid(
                    "preprocessing std",
                    std,
                    "must be a positive standard deviation between 1e-6 and 1000 (inputs are divided by it)",
                ));
            }
        }
        Ok(())
    }

    /// The 256 input values, one per pixel byte (a lookup beats arithmetic per pixel).
    pub fn table(&self) -> [f32; 256] {
        let mut t = [0f32; 256];
        for (b, v) in t.iter_mut().enumerate() {
            let x = b as f32 / 255.0;
            *v = match *self {
                Preprocessing::Raw => x,
                Preprocessing::Normalized { mean, std } => (x - mean) / std,
            };
        }
        t
    }
}

/// Builds input batches from a dataset without materialising the whole set as floats.
pub struct Batcher<'a> {
    data: &'a Dataset,
    table: [f32; 256],
    /// Shape of one example, e.g. `[784]` for an MLP or `[1, 28, 28]` for a CNN.
    example_shape: Vec<usize>,
}

impl<'a> Batcher<'a> {
    pub fn new(data: &'a Dataset, pre: Preprocessing, example_shape: Vec<usize>) -> Self {
        Self { data, table: pre.table(), example_shape }
    }

    /// Inputs `[n, ..example_shape]` and labels `[n]` (u32) for the items at `indices`.
    pub fn batch(&self, indices: &[usize], device: &Device) -> Result<(Tensor, Tensor)> {
        let f = self.data.features();
        let mut xs = Vec::with_capacity(indices.len() * f);
        for &i in indices {
            xs.extend(self.data.image(i).iter().map(|&b| self.table[b as usize]));
        }
        let mut shape = vec![indices.len()];
        shape.extend_from_slice(&self.example_shape);
        let x = Tensor::from_vec(xs, shape, device)?;
        let ys: Vec<u32> = indices.iter().map(|&i| self.data.labels[i] as u32).collect();
        let y = Tensor::from_vec(ys, indices.len(), device)?;
        Ok((x, y))
    }

    /// Inputs and labels for the contiguous range `start..end`.
    pub fn range(&self, start: usize, end: usize, device: &Device) -> Result<(Tensor, Tensor)> {
        let idx: Vec<usize> = (start..end).collect();
        self.batch(&idx, device)
    }
}
