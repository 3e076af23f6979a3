//! A 2-D convolution, stride 1, with bias and optionally a ReLU, as one op.
//!
//! The composed version (im2col by `index_select`, a matmul, a broadcast bias, a permute back
//! to NCHW, then `relu`) gathered patches one element per copy, scattered them back with
//! `index_add` even for the image batch whose gradient nobody reads, and allocated a tensor per
//! step. Here each image is unfolded on its own into a reused `[c * k * k, oh * ow]` buffer by
//! whole row runs (padding becomes zeros at the run ends, no padded copy), and
//! `w [o, c * k * k] . cols` lands directly in the image's `[o, oh * ow]` block of the NCHW
//! output, on top of the bias. Working image by image also bounds memory in evaluation: the
//! unfolded patches of one image exist at a time, never those of a whole test set.
//!
//! Backward re-unfolds each image rather than keeping every image's patches from the forward
//! pass (the unfold is a cheap copy; keeping them would be a large allocation per step), and
//! folds the input gradient back (col2im) only when the input takes part in the graph.

use candle_core::{CpuStorage, CustomOp3, Layout, Shape, Tensor};

use super::gemm::{matmul, Mat};
use super::param_grads::ParamGrads;
use super::relu::relu_in_place;
use super::storage::{slice, tensor, with_slice};
use crate::error::{Error, Result};

/// Convolution of `x [n, c, h, w]` with `w [o, c, k, k]` at stride 1 with `padding` zeros on
/// every side, plus `b [o]`, then ReLU if `relu`: `[n, o, h + 2p - k + 1, w + 2p - k + 1]`.
pub fn conv2d(x: &Tensor, w: &Tensor, b: &Tensor, padding: usize, relu: bool) -> Result<Tensor> {
    let refuse = || Error::ShapeMismatch {
        what: "conv2d layer: x [n, c, h, w], w [o, c, k, k], b [o], k <= h + 2 padding".into(),
        // The shapes consistent with `x` and `w`'s first dimensions (or, failing that, the ranks).
        expected: match (x.dims(), w.dims()) {
            (&[n, c, h, wd], &[o, _, k, ..]) => vec![n, c, h, wd, o, c, k, k, o],
            _ => vec![4, 4, 1],
        },
        found: [x.dims(), w.dims(), b.dims()].concat(),
    };
    let (&[n, c, h, wd], &[o, wc, k, k2]) = (x.dims(), w.dims()) else {
        return Err(refuse());
    };
    if wc != c || k2 != k || k == 0 || b.dims() != [o] || h + 2 * padding < k || wd + 2 * padding < k {
        return Err(refuse());
    }
    let geometry =
        Geometry { n, c, h, w: wd, o, k, pad: padding, oh: h + 2 * padding + 1 - k, ow: wd + 2 * padding + 1 - k };
    let op = Conv2d { geometry, relu, input_grad: x.track_op(), sink: ParamGrads::for_params(w, b) };
    Ok(x.contiguous()?.apply_op3(&w.contiguous()?, &b.contiguous()?, op)?)
}

/// The sizes one convolution works with; `oh, ow` are the output's spatial sizes.
#[derive(Clone, Copy, Debug)]
struct Geometry {
    n: usize,
    c: usize,
    h: usize,
    w: usize,
    o: usize,
    k: usize,
    pad: usize,
    oh: usize,
    ow: usize,
}

impl Geometry {
    /// Features per patch: the inner dimension of the product.
    fn patch(&self) -> usize {
        self.c * self.k * self.k
    }

    /// Output positions per image.
    fn positions(&self) -> usize {
        self.oh * self.ow
    }

    fn image(&self) -> usize {
        self.c * self.h * self.w
    }

    /// For kernel column `kx`, the output columns `x0..x1` whose input column
    /// `ox + kx - pad` lies inside the image (the rest read padding).
    fn columns(&self, kx: usize) -> (usize, usize) {
        let x0 = self.pad.saturating_sub(kx).min(self.ow);
        let x1 = (self.w + self.pad).saturating_sub(kx).min(self.ow).max(x0);
        (x0, x1)
    }

    /// Visits every row run of the unfolded `[patch, positions]` matrix: row `(ch, ky, kx)`,
    /// output row `oy`. `f(run, Some((src, x0, x1)))` for a run that reads the image: output
    /// columns `x0..x1` read input elements `src..src + x1 - x0` of the image, the columns
    /// outside them read padding. `f(run, None)` for a run wholly in the padding. `run` is the
    /// run's offset in the matrix.
    fn runs(&self, mut f: impl FnMut(usize, Option<(usize, usize, usize)>)) {
        let p = self.positions();
        for ch in 0..self.c {
            for ky in 0..self.k {
                for kx in 0..self.k {
                    let row = (ch * self.k + ky) * self.k + kx;
                    let (x0, x1) = self.columns(kx);
                    for oy in 0..self.oh {
                        let run = row * p + oy * self.ow;
                        let iy = oy + ky;
                        if iy < self.pad || iy >= self.h + self.pad || x0 == x1 {
                            f(run, None);
                        } else {
                            // Input column of output column `ox` is `ox + kx - pad`, and `x0 >= pad - kx`.
                            f(run, Some(((ch * self.h + iy - self.pad) * self.w + x0 + kx - self.pad, x0, x1)));
                        }
                    }
                }
            }
        }
    }

    /// im2col: `cols [patch, positions]` from one image `[c, h, w]`, a row run at a time.
    /// Only the cells that read the image are written: `cols` must hold zeros wherever the
    /// padding falls, as a zeroed buffer does and keeps doing when reused for images of the
    /// same geometry (the padding cells are the same for every image).
    fn unfold(&self, image: &[f32], cols: &mut [f32]) {
        self.runs(|run, read| {
            if let Some((src, x0, x1)) = read {
                cols[run + x0..][..x1 - x0].copy_from_slice(&image[src..][..x1 - x0]);
            }
        });
    }

    /// col2im: adds `cols [patch, positions]` into one image's gradient `[c, h, w]`; what
    /// fell on the padding is dropped.
    fn fold(&self, cols: &[f32], image: &mut [f32]) {
        self.runs(|run, read| {
            if let Some((src, x0, x1)) = read {
                let dst = &mut image[src..][..x1 - x0];
                dst.iter_mut().zip(&cols[run + x0..][..x1 - x0]).for_each(|(d, s)| *d += s);
            }
        });
    }
}

/// The sum of `v`, in eight independent lanes so that it vectorises (a plain `iter().sum()`
/// of `f32` must add in order, one element per add latency).
fn sum(v: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 8];
    let chunks = v.chunks_exact(8);
    let tail: f32 = chunks.remainder().iter().sum();
    for chunk in chunks {
        lanes.iter_mut().zip(chunk).for_each(|(l, x)| *l += x);
    }
    lanes.iter().sum::<f32>() + tail
}

struct Conv2d {
    geometry: Geometry,
    relu: bool,
    input_grad: bool,
    /// Where the weight and bias gradients go when both are variables and a trainer gathers.
    sink: Option<ParamGrads>,
}

impl CustomOp3 for Conv2d {
    fn name(&self) -> &'static str {
        "conv2d"
    }

    fn cpu_fwd(
        &self,
        xs: &CpuStorage,
        xl: &Layout,
        ws: &CpuStorage,
        wl: &Layout,
        bs: &CpuStorage,
        bl: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let g = self.geometry;
        let (x, w, b) =
            (slice::<f32>(xs, xl, "conv2d x")?, slice::<f32>(ws, wl, "conv2d w")?, slice::<f32>(bs, bl, "conv2d b")?);
        let (p, f) = (g.positions(), g.patch());
        let mut y = vec![0.0f32; g.n * g.o * p];
        let mut cols = vec![0.0f32; f * p];
        for (image, out) in x.chunks_exact(g.image()).zip(y.chunks_exact_mut(g.o * p)) {
            for (row, &bias) in out.chunks_exact_mut(p).zip(b) {
                row.fill(bias);
            }
            g.unfold(image, &mut cols);
            matmul(out, Mat::rows(w, g.o, f), Mat::rows(&cols, f, p), true);
            if self.relu {
                relu_in_place(out);
            }
        }
        Ok((CpuStorage::F32(y), Shape::from((g.n, g.o, g.oh, g.ow))))
    }

    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        b: &Tensor,
        res: &Tensor,
        grad: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let g = self.geometry;
        let (gx, gw, gb) = with_slice::<f32, _>(grad, "conv2d grad", |grad| {
            with_slice::<f32, _>(x, "conv2d x", |x| {
                with_slice::<f32, _>(w, "conv2d w", |w| {
                    if self.relu {
                        with_slice::<f32, _>(res, "conv2d output", |y| self.backward(x, w, grad, Some(y)))
                    } else {
                        Ok(self.backward(x, w, grad, None))
                    }
                })
            })
        })????;
        let gx = match gx {
            Some(gx) => Some(tensor(gx, (g.n, g.c, g.h, g.w))?),
            None => None,
        };
        if let Some(sink) = &self.sink {
            sink.add(w.id(), gw);
            sink.add(b.id(), gb);
            return Ok((gx, None, None));
        }
        Ok((gx, Some(tensor(gw, (g.o, g.c, g.k, g.k))?), Some(tensor(gb, g.o)?)))
    }
}

impl Conv2d {
    /// The input (if wanted), weight and bias gradients from the output gradient `grad` and,
    /// with a ReLU, the output `y`; one image at a time with reused buffers.
    fn backward(
        &self,
        x: &[f32],
        w: &[f32],
        grad: &[f32],
        y: Option<&[f32]>,
    ) -> (Option<Vec<f32>>, Vec<f32>, Vec<f32>) {
        let g = self.geometry;
        let (p, f, block) = (g.positions(), g.patch(), g.o * g.positions());
        let mut gb = vec![0.0f32; g.o];
        let mut gw = vec![0.0f32; g.o * f];
        let mut gx = if self.input_grad { Some(vec![0.0f32; g.n * g.image()]) } else { None };
        let mut cols = vec![0.0f32; f * p];
        let mut gcols = vec![0.0f32; if self.input_grad { f * p } else { 0 }];
        let mut masked = vec![0.0f32; if y.is_some() { block } else { 0 }];
        for i in 0..g.n {
            let mut gy = &grad[i * block..][..block];
            // The gradient before the ReLU: zero where the output was clipped.
            if let Some(y) = y {
                let y = &y[i * block..][..block];
                masked
                    .iter_mut()
                    .zip(gy.iter().zip(y))
                    .for_each(|(m, (&gv, &yv))| *m = if yv > 0.0 { gv } else { 0.0 });
                gy = &masked;
            }
            for (acc, row) in gb.iter_mut().zip(gy.chunks_exact(p)) {
                *acc += sum(row);
            }
            let image = i * g.image()..(i + 1) * g.image();
            g.unfold(&x[image.clone()], &mut cols);
            matmul(&mut gw, Mat::rows(gy, g.o, p), Mat::transposed(&cols, p, f), true);
            if let Some(gx) = &mut gx {
                matmul(&mut gcols, Mat::transposed(w, f, g.o), Mat::rows(gy, g.o, p), false);
                g.fold(&gcols, &mut gx[image]);
            }
        }
        (gx, gw, gb)
    }
}

#[cfg(test)]
mod tests {
    use candle_core::Var;

    use super::*;
    use crate::model::ops::test_util::{max_diff, randn};

    /// Values and all three gradients against candle's `conv2d` + bias (+ relu), at LeNet's and
    /// the example CNN's layer shapes and odd ones: batch 1, several channels with padding,
    /// non-square images, padding as wide as the kernel, a 1x1 kernel. Tolerances grow with
    /// the square root of the number of terms each value sums.
    #[test]
    fn conv2d_matches_candle_conv2d_in_values_and_gradients() {
        // (n, c, h, w, o, k, padding)
        for (n, c, h, wd, o, k, pad) in [
            (64, 1, 28, 28, 6, 5, 2),
            (64, 6, 14, 14, 16, 5, 0),
            (3, 1, 28, 28, 32, 3, 0),
            (2, 32, 26, 26, 64, 3, 0),
            (1, 3, 7, 7, 2, 3, 1),
            (2, 2, 6, 9, 3, 5, 2),
            (3, 2, 4, 5, 3, 3, 3),
            (2, 4, 5, 3, 3, 1, 0),
        ] {
            for relu in [false, true] {
                let case = (n, c, h, wd, o, k, pad, relu);
                let x = Var::from_tensor(&randn(&[n, c, h, wd], 1)).unwrap();
                let w = Var::from_tensor(&randn(&[o, c, k, k], 2)).unwrap();
                let b = Var::from_tensor(&randn(&[o], 3)).unwrap();
                let ours = conv2d(&x, &w, &b, pad, relu).unwrap();
                let mut reference =
                    x.conv2d(&w, pad, 1, 1, 1).unwrap().broadcast_add(&b.reshape((1, o, 1, 1)).unwrap()).unwrap();
                if relu {
                    reference = reference.relu().unwrap();
                }
                assert_eq!(ours.dims(), reference.dims(), "{case:?}");
                assert!(ours.is_contiguous());
                let positions = reference.dims()[2] * reference.dims()[3];
                let tol = 1e-4 * ((c * k * k) as f32).sqrt();
                assert!(max_diff(&ours, &reference) < tol, "values differ for {case:?}");
                // Weighted sums make every output position matter in the gradients.
                let weights = randn(ours.dims(), 4);
                let g1 = (ours * &weights).unwrap().sum_all().unwrap().backward().unwrap();
                let g2 = (reference * &weights).unwrap().sum_all().unwrap().backward().unwrap();
                let terms = [(&x, "x", o * k * k), (&w, "w", n * positions), (&b, "b", n * positions)];
                for (v, name, terms) in terms {
                    let (a, r) = (g1.get(v.as_tensor()).unwrap(), g2.get(v.as_tensor()).unwrap());
                    let d = max_diff(a, r);
                    assert!(d < 1e-4 * (terms as f32).sqrt(), "{name} gradient differs by {d} for {case:?}");
                }
            }
        }
    }

    /// An input outside the graph (the image batch) gets no gradient: the col2im is skipped.
    #[test]
    fn an_input_that_is_not_tracked_gets_no_gradient() {
        let x = randn(&[2, 1, 8, 8], 1);
        let w = Var::from_tensor(&randn(&[3, 1, 3, 3], 2)).unwrap();
        let b = Var::from_tensor(&randn(&[3], 3)).unwrap();
        let grads = conv2d(&x, &w, &b, 1, true).unwrap().sum_all().unwrap().backward().unwrap();
        assert!(grads.get(&x).is_none());
        assert!(grads.get(w.as_tensor()).is_some() && grads.get(b.as_tensor()).is_some());
    }

    /// A strided (non-contiguous) input gives the same result as its contiguous copy.
    #[test]
    fn a_transposed_input_is_made_contiguous_first() {
        let x = randn(&[2, 3, 6, 5], 1).transpose(2, 3).unwrap();
        let (w, b) = (randn(&[4, 3, 3, 3], 2), randn(&[4], 3));
        let a = conv2d(&x, &w, &b, 1, false).unwrap();
        let r = conv2d(&x.contiguous().unwrap(), &w, &b, 1, false).unwrap();
        assert_eq!(max_diff(&a, &r), 0.0);
    }

    #[test]
    fn mismatched_shapes_are_refused() {
        let cases = [
            (vec![2, 3, 8, 8], vec![4, 2, 3, 3], vec![4], 0),
            (vec![2, 3, 8, 8], vec![4, 3, 3, 2], vec![4], 0),
            (vec![2, 3, 8, 8], vec![4, 3, 3, 3], vec![3], 0),
            (vec![3, 8, 8], vec![4, 3, 3, 3], vec![4], 0),
            (vec![2, 3, 4, 8], vec![4, 3, 7, 7], vec![4], 1),
        ];
        for (xs, ws, bs, pad) in cases {
            let err = conv2d(&randn(&xs, 1), &randn(&ws, 2), &randn(&bs, 3), pad, false).unwrap_err();
            assert!(matches!(err, Error::ShapeMismatch { .. }), "{err}");
            assert!(err.to_string().contains("conv2d layer"), "{err}");
        }
    }
}
