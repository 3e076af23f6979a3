//! One weighted layer on its pair of crossbars: programmed conductances, stuck cells,
//! tuning, calibrated range, and the simulated forward pass. Everything the app shows about a
//! layer is a public field or comes from [`CrossbarLayer::inspect`].

use candle_core::{Device, Tensor};
use rand_distr::{Distribution, Normal};
use serde::{Deserialize, Serialize};

use super::config::{CrossbarConfig, InputScaling};
use super::faults::{apply_pattern, draw_pattern, Stuck};
use super::input::scale_inputs;
use super::mapping::{crossbar_matrix, map_matrix, w_max};
use super::nonideal::{apply_drift, apply_variation, snap_to_levels};
use super::tiles::{TileGrid, TiledMatmul};
use super::tuning::Tuning;
use super::unfold::unfold;
use crate::error::{Error, Result};
use crate::model::{LayerKind, LayerSpec};
use crate::rng::{uniform_vec, EngineRng};

/// Images of 32 x 32 used to tune a Conv2d layer (MemTorch `Conv2d.tune` defaults).
const CONV_TUNE_IMAGES: usize = 8;
const CONV_TUNE_SIDE: usize = 32;

/// A layer deployed on a positive and a negative crossbar.
#[derive(Clone, Debug)]
pub struct CrossbarLayer {
    /// PyTorch-style name, e.g. `fc1`.
    pub name: String,
    pub kind: LayerKind,
    /// Rows = fan-in (in_ch * k * k for a conv), columns = outputs; tile size.
    pub grid: TileGrid,
    /// max |W| of the layer: the weight that maps to a full G_on - G_off difference.
    pub w_max: f32,
    /// Positive crossbar, `grid.padded()` row-major, siemens.
    pub g_pos: Vec<f32>,
    /// Negative crossbar, same layout.
    pub g_neg: Vec<f32>,
    /// Stuck devices of the positive crossbar, same layout.
    pub stuck_pos: Vec<Stuck>,
    /// Stuck devices of the negative crossbar, same layout.
    pub stuck_neg: Vec<Stuck>,
    pub tuning: Tuning,
    /// Calibrated input range r_l (calibrated scaling only).
    pub input_range: Option<f32>,
    g_on: f32,
    g_off: f32,
    matmul: TiledMatmul,
}

/// A serialisable snapshot of a layer for the app and for JSON output.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LayerState {
    pub name: String,
    /// Real (unpadded) crossbar shape `[fan_in, outputs]` and the padded one.
    pub shape: [usize; 2],
    pub padded: [usize; 2],
    pub tile: usize,
    pub tiles: usize,
    pub w_max: f32,
    pub g_pos: Vec<f32>,
    pub g_neg: Vec<f32>,
    pub stuck_pos: Vec<Stuck>,
    pub stuck_neg: Vec<Stuck>,
    /// Effective weights in PyTorch layout `[out, fan_in]`.
    pub effective_weights: Vec<f32>,
    pub tuning: Tuning,
    pub input_range: Option<f32>,
}

impl CrossbarLayer {
    /// Maps `weight` (PyTorch layout) onto ideal crossbars and tunes the read-out.
    pub fn deploy(
        spec: &LayerSpec,
        weight: &Tensor,
        cfg: &CrossbarConfig,
        input_range: Option<f32>,
        tune_rng: &mut EngineRng,
    ) -> Result<Self> {
        let expected = spec.kind.weight_shape();
        if weight.dims() != expected.as_slice() {
            return Err(Error::ShapeMismatch {
                what: format!("{}.weight", spec.name),
                expected,
                found: weight.dims().to_vec(),
            });
        }
        let (fan_in, outputs) = (spec.kind.fan_in(), spec.kind.outputs());
        let w = weight.flatten_all()?.to_vec1::<f32>()?;
        let m = crossbar_matrix(&w, outputs, fan_in);
        let grid = TileGrid::new(fan_in, outputs, cfg.tile);
        let wm = w_max(&w);
        let (g_on, g_off) = (cfg.g_on(), cfg.g_off());
        let (g_pos, g_neg) = map_matrix(&m, &grid, wm, g_on, g_off);
        let cells = grid.cells();
        let matmul = TiledMatmul::new(grid, &difference(&g_pos, &g_neg), false)?;
        let mut layer = Self {
            name: spec.name.clone(),
            kind: spec.kind,
            grid,
            w_max: wm,
            g_pos,
            g_neg,
            stuck_pos: vec![Stuck::No; cells],
            stuck_neg: vec![Stuck::No; cells],
            tuning: Tuning::IDENTITY,
            input_range,
            g_on,
            g_off,
            matmul,
        };
        layer.tuning = layer.tune(&m, cfg, tune_rng)?;
        Ok(layer)
    }

    /// MemTorch's `naive_tune`: random inputs U(-1, 1) through the crossbar path, one
    /// least-squares line from its outputs to the digital outputs (without bias).
    fn tune(&self, m: &[f32], cfg: &CrossbarConfig, rng: &mut EngineRng) -> Result<Tuning> {
        let (rows, cols) = (self.grid.rows, self.grid.cols);
        let (x, n, groups) = match self.kind {
            LayerKind::Linear { .. } => (uniform_vec(rng, cfg.tune_samples * rows, -1.0, 1.0), cfg.tune_samples, 1),
            LayerKind::Conv2d { in_ch, kernel, padding, .. } => {
                let s = CONV_TUNE_SIDE;
                let imgs = uniform_vec(rng, CONV_TUNE_IMAGES * in_ch * s * s, -1.0, 1.0);
                let (p, oh, ow) = unfold(&imgs, CONV_TUNE_IMAGES, in_ch, s, s, kernel, padding);
                (p, CONV_TUNE_IMAGES * oh * ow, CONV_TUNE_IMAGES)
            }
        };
        // Digital target x . M.
        let xt = Tensor::from_slice(&x, (n, rows), &Device::Cpu)?;
        let mt = Tensor::from_slice(m, (rows, cols), &Device::Cpu)?;
        let target = xt.matmul(&mt)?.flatten_all()?.to_vec1::<f32>()?;
        let mut v = x;
        match cfg.input_scaling {
            // Tuning inputs are already in the unit range: drive them at u * vmax.
            InputScaling::Calibrated => v.iter_mut().for_each(|a| *a *= cfg.vmax as f32),
            InputScaling::Memtorch => {
                scale_inputs(&mut v, groups, InputScaling::Memtorch, None, cfg.vmax as f32);
            }
        }
        let z = self.matmul.forward(&v, n, cfg.adc_bits)?;
        Ok(Tuning::fit(&z, &target))
    }

    /// Applies the configured non-idealities to this (ideal) layer, drawing from the given
    /// generators in a fixed order (positive crossbar, then negative).
    pub fn realise(
        &mut self,
        cfg: &CrossbarConfig,
        variation: &mut EngineRng,
        faults: &mut EngineRng,
        drift: &mut EngineRng,
    ) -> Result<()> {
        let (g_on, g_off) = (self.g_on, self.g_off);
        let n = self.grid.cells();
        for (g, stuck) in [(&mut self.g_pos, &mut self.stuck_pos), (&mut self.g_neg, &mut self.stuck_neg)] {
            if let Some(levels) = cfg.levels {
                snap_to_levels(g, levels, g_on, g_off);
            }
            if cfg.variation > 0.0 {
                apply_variation(g, cfg.variation, cfg.r_on, cfg.r_off, variation);
            }
            if !cfg.faults.is_none() {
                *stuck = draw_pattern(n, cfg.faults.lrs, cfg.faults.hrs, faults);
                apply_pattern(g, stuck, g_on, g_off);
            }
            if let Some(d) = cfg.drift {
                apply_drift(g, stuck, &d, g_off, drift);
            }
        }
        self.matmul = TiledMatmul::new(self.grid, &difference(&self.g_pos, &self.g_neg), false)?;
        Ok(())
    }

    /// The weights this crossbar pair realises, `[out, fan_in]` (PyTorch layout):
    /// (G_pos - G_neg) * w_max / (G_on - G_off) on the real cells.
    pub fn effective_weights(&self) -> Vec<f32> {
        let (_, pc) = self.grid.padded();
        let k = self.w_max / (self.g_on - self.g_off);
        let (rows, cols) = (self.grid.rows, self.grid.cols);
        let mut w = vec![0.0; rows * cols];
        for r in 0..rows {
            for c in 0..cols {
                w[c * rows + r] = (self.g_pos[r * pc + c] - self.g_neg[r * pc + c]) * k;
            }
        }
        w
    }

    /// A snapshot for display.
    pub fn inspect(&self) -> LayerState {
        let (pr, pc) = self.grid.padded();
        LayerState {
            name: self.name.clone(),
            shape: [self.grid.rows, self.grid.cols],
            padded: [pr, pc],
            tile: self.grid.tile,
            tiles: self.grid.tiles(),
            w_max: self.w_max,
            g_pos: self.g_pos.clone(),
            g_neg: self.g_neg.clone(),
            stuck_pos: self.stuck_pos.clone(),
            stuck_neg: self.stuck_neg.clone(),
            effective_weights: self.effective_weights(),
            tuning: self.tuning,
            input_range: self.input_range,
        }
    }

    /// Column currents of the crossbar pair for voltages `v` (`[n, fan_in]`), read through
    /// the ADC, with fresh read noise when `noise` is given.
    fn currents(&self, v: &[f32], n: usize, cfg: &CrossbarConfig, noise: Option<&mut EngineRng>) -> Result<Vec<f32>> {
        match noise {
            Some(r) if cfg.read_noise > 0.0 => {
                // Each device gets N(0, (s (G_on - G_off))^2); the differential pair sums two.
                let sd = (cfg.read_noise * (self.g_on - self.g_off) as f64 * std::f64::consts::SQRT_2) as f32;
                let d = Normal::new(0.0f32, sd).expect("finite sd");
                let mut diff = difference(&self.g_pos, &self.g_neg);
                diff.iter_mut().for_each(|x| *x += d.sample(r));
                TiledMatmul::new(self.grid, &diff, true)?.forward(v, n, cfg.adc_bits)
            }
            _ => self.matmul.forward(v, n, cfg.adc_bits),
        }
    }

    /// The layer's output for input `x` (`[n, fan_in]` for Linear, `[n, c, h, w]` for
    /// Conv2d), with digital bias `b`.
    pub fn forward(
        &self,
        x: &Tensor,
        b: &Tensor,
        cfg: &CrossbarConfig,
        noise: Option<&mut EngineRng>,
    ) -> Result<Tensor> {
        let bias = b.to_vec1::<f32>()?;
        let range = if cfg.input_scaling == InputScaling::Calibrated { self.input_range } else { None };
        let vmax = cfg.vmax as f32;
        match self.kind {
            LayerKind::Linear { inputs, outputs } => {
                let (n, k) = x.dims2()?;
                if k != inputs {
                    return Err(Error::ShapeMismatch {
                        what: format!("{} input", self.name),
                        expected: vec![n, inputs],
                        found: vec![n, k],
                    });
                }
                let mut v = x.flatten_all()?.to_vec1::<f32>()?;
                let out_scale = scale_inputs(&mut v, 1, cfg.input_scaling, range, vmax);
                let mut z = self.currents(&v, n, cfg, noise)?;
                self.tuning.apply(&mut z);
                for row in z.chunks_mut(outputs) {
                    for (y, bb) in row.iter_mut().zip(&bias) {
                        *y = *y * out_scale + bb;
                    }
                }
                Ok(Tensor::from_vec(z, (n, outputs), &Device::Cpu)?)
            }
            LayerKind::Conv2d { in_ch, out_ch, kernel, padding } => {
                let (n, c, h, w) = x.dims4()?;
                if c != in_ch {
                    return Err(Error::ShapeMismatch {
                        what: format!("{} input channels", self.name),
                        expected: vec![in_ch],
                        found: vec![c],
                    });
                }
                let mut img = x.flatten_all()?.to_vec1::<f32>()?;
                // MemTorch scales each (padded) image of a Conv2d call on its own.
                let out_scale = scale_inputs(&mut img, n, cfg.input_scaling, range, vmax);
                let (v, oh, ow) = unfold(&img, n, c, h, w, kernel, padding);
                let mut z = self.currents(&v, n * oh * ow, cfg, noise)?;
                self.tuning.apply(&mut z);
                let hw = oh * ow;
                let mut y = vec![0.0f32; n * out_ch * hw];
                for s in 0..n {
                    for p in 0..hw {
                        let src = &z[(s * hw + p) * out_ch..][..out_ch];
                        for o in 0..out_ch {
                            y[(s * out_ch + o) * hw + p] = src[o] * out_scale + bias[o];
                        }
                    }
                }
                Ok(Tensor::from_vec(y, (n, out_ch, oh, ow), &Device::Cpu)?)
            }
        }
    }
}

/// G_pos - G_neg, cell by cell.
pub fn difference(pos: &[f32], neg: &[f32]) -> Vec<f32> {
    pos.iter().zip(neg).map(|(a, b)| a - b).collect()
}
