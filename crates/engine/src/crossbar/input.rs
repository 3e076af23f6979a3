//! Input voltages: the two scaling modes and the calibration of the fixed per-layer ranges.

use std::cell::RefCell;

use candle_core::Tensor;

use super::config::InputScaling;
use crate::data::Dataset;
use crate::error::Result;
use crate::eval::evaluate_with;
use crate::model::{DigitalLayers, LayerExec, LayerSpec, Model};

/// max |x| of a slice (0 for an empty one).
pub fn max_abs(x: &[f32]) -> f32 {
    x.iter().fold(0.0f32, |m, &v| m.max(v.abs()))
}

/// MemTorch's `naive_scale` in place on whatever one call receives: with r = max |x|, if
/// r > vmax map [-r, r] linearly to [-vmax, vmax], otherwise leave x alone.
pub fn memtorch_scale(x: &mut [f32], vmax: f32) {
    let r = max_abs(x);
    if r > vmax {
        let s = vmax / r;
        x.iter_mut().for_each(|v| *v *= s);
    }
}

/// The calibrated mode in place: x / range clipped to [-1, 1], times vmax. The caller
/// multiplies the tuned output by `range` to undo the scale.
pub fn calibrated_scale(x: &mut [f32], range: f32, vmax: f32) {
    let s = vmax / range;
    x.iter_mut().for_each(|v| *v = (*v * s).clamp(-vmax, vmax));
}

/// Scales `x` in place for one layer call; returns the factor the tuned output must be
/// multiplied by (1 in `memtorch` mode, which, faithfully, never undoes its scale).
/// `groups` splits the call into independently scaled parts (a Conv2d call in MemTorch
/// scales each image on its own).
pub fn scale_inputs(x: &mut [f32], groups: usize, mode: InputScaling, range: Option<f32>, vmax: f32) -> f32 {
    match (mode, range) {
        (InputScaling::Calibrated, Some(r)) => {
            calibrated_scale(x, r, vmax);
            r
        }
        _ => {
            let g = (x.len() / groups.max(1)).max(1);
            x.chunks_mut(g).for_each(|c| memtorch_scale(c, vmax));
            1.0
        }
    }
}

/// Records max |x| of every layer's input during a digital forward pass.
struct RangeRecorder {
    ranges: RefCell<Vec<f32>>,
}

impl LayerExec for RangeRecorder {
    fn apply(&self, index: usize, spec: &LayerSpec, x: &Tensor, w: &Tensor, b: &Tensor) -> Result<Tensor> {
        let m = x.abs()?.flatten_all()?.max(0)?.to_scalar::<f32>()?;
        let mut r = self.ranges.borrow_mut();
        r[index] = r[index].max(m);
        DigitalLayers.apply(index, spec, x, w, b)
    }
}

/// The calibrated input range of every layer: max |input| over the first `images` items of
/// `data` (training images), in the clean digital network. A range of 0 (a layer that never
/// sees a non-zero input) becomes 1 so scaling stays defined.
pub fn calibrate(model: &Model, data: &Dataset, images: usize) -> Result<Vec<f32>> {
    let rec = RangeRecorder { ranges: RefCell::new(vec![0.0; model.layers().len()]) };
    let subset = data.take(images.min(data.len()));
    evaluate_with(model, &model.weights(), &rec, &subset, 500)?;
    Ok(rec.ranges.into_inner().into_iter().map(|r| if r > 0.0 { r } else { 1.0 }).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memtorch_mode_scales_by_the_max_of_the_whole_call() {
        // r = 2 > vmax = 0.5: everything times 0.25.
        let mut x = [1.0f32, -2.0, 0.5, 0.0];
        let k = scale_inputs(&mut x, 1, InputScaling::Memtorch, None, 0.5);
        assert_eq!(k, 1.0);
        assert_eq!(x, [0.25, -0.5, 0.125, 0.0]);
        // Already within [-vmax, vmax]: left alone.
        let mut y = [0.1f32, -0.2];
        scale_inputs(&mut y, 1, InputScaling::Memtorch, None, 0.5);
        assert_eq!(y, [0.1, -0.2]);
        // The same value gets another voltage when the call holds a larger input.
        let mut w = [1.0f32, 4.0];
        scale_inputs(&mut w, 1, InputScaling::Memtorch, None, 0.5);
        assert_eq!(w, [0.125, 0.5]);
        // Two groups (two images of a Conv2d call) scale independently.
        let mut z = [1.0f32, 0.5, 4.0, -2.0];
        scale_inputs(&mut z, 2, InputScaling::Memtorch, None, 0.5);
        assert_eq!(z, [0.5, 0.25, 0.5, -0.25]);
    }

    #[test]
    fn calibrated_mode_uses_the_fixed_range_and_clips() {
        let mut x = [1.0f32, -0.5, 4.0, -6.0];
        let k = scale_inputs(&mut x, 1, InputScaling::Calibrated, Some(2.0), 0.5);
        assert_eq!(k, 2.0);
        assert_eq!(x, [0.25, -0.125, 0.5, -0.5]);
        // The same value gives the same voltage whatever else is in the call.
        let mut y = [1.0f32];
        scale_inputs(&mut y, 1, InputScaling::Calibrated, Some(2.0), 0.5);
        assert_eq!(y, [0.25]);
    }
}
