//! Parameter gradients handed to the trainer directly, around candle's accumulation.
//!
//! candle's backward adds every gradient an op returns onto a zero tensor of its argument
//! (`zeros_like` then `add`, a fresh buffer each): for the report's MLP that is three passes
//! over the 0.9 MB of weight gradients every step, 3.6% of a training step in the browser
//! (DevTools profile, e2e/profile-trainer.mjs). A variable is a leaf of the graph, so its
//! gradient goes nowhere further: while a [`ParamGrads`] gathers, the fused layer ops (linear,
//! conv2d) whose weight and bias are variables hand those two gradients to it instead of to
//! candle, and the trainer takes them from there. The arithmetic is the same (candle's `0 + g`
//! is `g`).
//! Weights computed from the variables (the noise methods' perturbed weights) are not
//! variables, so their gradients still flow through candle to the clean weights.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use candle_core::{Tensor, TensorId};

thread_local! {
    /// The sink the ops built on this thread hand their variables' gradients to.
    static GATHERING: RefCell<Option<ParamGrads>> = const { RefCell::new(None) };
}

/// Gradients of variables, by tensor id, as the ops' backward passes produced them.
#[derive(Clone, Default)]
pub struct ParamGrads(Arc<Mutex<HashMap<TensorId, Vec<f32>>>>);

impl ParamGrads {
    /// Runs `f` (a forward pass) with this sink active: the ops it builds send their variables'
    /// gradients here when the backward pass reaches them.
    pub fn gather<R>(&self, f: impl FnOnce() -> R) -> R {
        let before = GATHERING.with(|g| g.replace(Some(self.clone())));
        let out = f();
        GATHERING.with(|g| *g.borrow_mut() = before);
        out
    }

    /// The active sink, for an op whose weight and bias are both variables.
    pub(crate) fn for_params(w: &Tensor, b: &Tensor) -> Option<ParamGrads> {
        if !(w.is_variable() && b.is_variable()) {
            return None;
        }
        GATHERING.with(|g| g.borrow().clone())
    }

    /// Adds `grad` to the gradient gathered for `id` (a variable used twice sums both).
    pub(crate) fn add(&self, id: TensorId, grad: Vec<f32>) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match map.get_mut(&id) {
            Some(acc) => acc.iter_mut().zip(&grad).for_each(|(a, g)| *a += g),
            None => {
                map.insert(id, grad);
            }
        }
    }

    /// Removes and returns the gradient gathered for `t`, shaped as `t`.
    pub fn take(&self, t: &Tensor) -> candle_core::Result<Option<Tensor>> {
        let grad = self.0.lock().unwrap_or_else(|e| e.into_inner()).remove(&t.id());
        grad.map(|g| Tensor::from_vec(g, t.shape(), t.device())).transpose()
    }
}

#[cfg(test)]
mod tests {
    use candle_core::Var;

    use super::*;
    use crate::model::ops::test_util::randn;
    use crate::model::ops::{conv2d, linear};

    fn bits(t: &Tensor) -> Vec<u32> {
        t.flatten_all().unwrap().to_vec1::<f32>().unwrap().iter().map(|v| v.to_bits()).collect()
    }

    /// Gathered gradients are bit for bit the ones candle's backward gives, for both fused layer
    /// ops, and candle then holds none for those variables.
    #[test]
    fn gathered_gradients_equal_candles_and_bypass_its_store() {
        let x = randn(&[5, 7], 1);
        let (w, b) = (Var::from_tensor(&randn(&[3, 7], 2)).unwrap(), Var::from_tensor(&randn(&[3], 3)).unwrap());
        let images = randn(&[2, 1, 6, 6], 5);
        let (cw, cb) =
            (Var::from_tensor(&randn(&[4, 1, 3, 3], 6)).unwrap(), Var::from_tensor(&randn(&[4], 7)).unwrap());
        let layers: [(&dyn Fn() -> Tensor, &Var, &Var); 2] = [
            (&|| linear(&x, &w, &b, true).unwrap(), &w, &b),
            (&|| conv2d(&images, &cw, &cb, 1, true).unwrap(), &cw, &cb),
        ];
        for (layer, w, b) in layers {
            let loss = |y: Tensor| (&y * randn(y.dims(), 4)).unwrap().sum_all().unwrap();
            let reference = loss(layer()).backward().unwrap();
            let sink = ParamGrads::default();
            let store = loss(sink.gather(layer)).backward().unwrap();
            for v in [w, b] {
                assert!(store.get(v.as_tensor()).is_none());
                let got = sink.take(v.as_tensor()).unwrap().unwrap();
                let want = reference.get(v.as_tensor()).unwrap();
                assert_eq!(got.dims(), want.dims());
                assert_eq!(bits(&got), bits(want));
            }
            assert!(sink.take(w.as_tensor()).unwrap().is_none(), "taken once");
        }
    }

    /// Weights computed from a variable are not variables: their gradient must reach the
    /// variable through candle, so the sink stays out of it.
    #[test]
    fn a_computed_weight_keeps_candles_path() {
        let x = randn(&[2, 4], 1);
        let (w, b) = (Var::from_tensor(&randn(&[3, 4], 2)).unwrap(), Var::from_tensor(&randn(&[3], 3)).unwrap());
        let scaled = (w.as_tensor() * 2.0).unwrap();
        let sink = ParamGrads::default();
        let y = sink.gather(|| linear(&x, &scaled, &b, false)).unwrap();
        let store = y.sum_all().unwrap().backward().unwrap();
        assert!(store.get(w.as_tensor()).is_some() && store.get(b.as_tensor()).is_some());
        assert!(sink.take(w.as_tensor()).unwrap().is_none() && sink.take(b.as_tensor()).unwrap().is_none());
    }
}
