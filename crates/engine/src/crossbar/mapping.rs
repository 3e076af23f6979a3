//! Weights to conductances: MemTorch's `naive_map` with the double-column scheme. Each weight
//! uses one device on a positive and one on a negative crossbar:
//! G_pos = G_off + (G_on - G_off) max(W, 0) / w_max, G_neg = G_off + (G_on - G_off) max(-W, 0) / w_max,
//! so G_pos - G_neg = (G_on - G_off) W / w_max, with w_max = max |W| over the layer.

use super::tiles::TileGrid;

/// max |w| over a layer, at least a tiny positive value so an all-zero layer maps to G_off.
pub fn w_max(weights: &[f32]) -> f32 {
    let m = weights.iter().fold(0.0f32, |m, &w| m.max(w.abs()));
    if m > 0.0 {
        m
    } else {
        f32::MIN_POSITIVE
    }
}

/// The two padded crossbars (row-major over `grid`'s padded shape) for a matrix `m` given
/// as `[rows, cols]` row-major (rows = inputs, cols = outputs). Padding cells hold G_off.
pub fn map_matrix(m: &[f32], grid: &TileGrid, w_max: f32, g_on: f32, g_off: f32) -> (Vec<f32>, Vec<f32>) {
    let (pr, pc) = grid.padded();
    let mut pos = vec![g_off; pr * pc];
    let mut neg = vec![g_off; pr * pc];
    let span = g_on - g_off;
    for r in 0..grid.rows {
        for c in 0..grid.cols {
            let w = m[r * grid.cols + c];
            let i = r * pc + c;
            if w > 0.0 {
                pos[i] = g_off + span * w / w_max;
            } else if w < 0.0 {
                neg[i] = g_off + span * (-w) / w_max;
            }
        }
    }
    (pos, neg)
}

/// The crossbar matrix of a layer, `[fan_in, outputs]` row-major, from the weight tensor's
/// values in PyTorch layout `[out, fan_in]` (a conv kernel `[out, in_ch, k, k]` flattens to
/// `[out, in_ch*k*k]`): the transpose.
pub fn crossbar_matrix(weight: &[f32], outputs: usize, fan_in: usize) -> Vec<f32> {
    let mut m = vec![0.0; outputs * fan_in];
    for o in 0..outputs {
        for i in 0..fan_in {
            m[i * outputs + o] = weight[o * fan_in + i];
        }
    }
    m
}
